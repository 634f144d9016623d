"""Commands of the acting part: ``review`` (decisions), ``outreach``, ``disavow``, ``report``,
``export`` (XLSX) and ``alerts``. Strings that came from crawled pages or exports are printed
with rich markup escaped."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from linkvet.cli.app import app, console
from linkvet.errors import LinkvetError

DATA_DIR = typer.Option(None, "--data-dir", help="Data folder (default: settings).")


@contextmanager
def _store(data_dir: Path | None, *, read_only: bool = False) -> Iterator[Any]:
    from flows.db import open_store
    from linkvet.settings import load_settings

    settings = load_settings(**({"data_dir": data_dir} if data_dir else {}))
    try:
        con = open_store(settings, read_only=read_only)
    except LinkvetError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    try:
        yield con
    except LinkvetError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    finally:
        con.close()


def _target(target: str) -> str:
    """``--target`` as a registrable domain, or exit 2 saying what to give."""
    from linkvet.urls import target_domain

    try:
        return target_domain(target)
    except LinkvetError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``path`` through a temporary file beside it, renamed over it once complete: a
    full disk leaves the old file as it was (even when it is the file being merged)."""
    from flows.files import write_through_tmp

    try:
        write_through_tmp(path, lambda tmp: tmp.write_bytes(data))
    except OSError as exc:
        console.print(f"[red]error:[/red] could not write {escape(str(path))}: "
                      f"{escape(str(exc))}. {escape(str(path))} was left as it was; free some "
                      "space or choose another --out, then run again.")
        raise typer.Exit(1) from None


def _table(title: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Table:
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(escape("" if row[c] is None else str(row[c])) for c in columns))
    return table


@app.command()
def review(
    subject: str = typer.Argument(None, help="A link id or domain:example.com (omit to list)."),
    action: str = typer.Option(None, "--action", help="keep, whitelist, remove or disavow."),
    who: str = typer.Option(None, "--who", help="Who decides."),
    why: str = typer.Option(None, "--why", help="Why (goes into the disavow file's comments)."),
    history: bool = typer.Option(False, "--history", help="List every decision, not the latest."),
    data_dir: Path = DATA_DIR,
) -> None:
    """Record a review decision on a link or a linking domain, or list decisions."""
    from flows.act import list_decisions, record_decision

    columns = ("subject", "action", "who", "why", "decided_at")
    with _store(data_dir) as con:
        if action is None:
            rows = list_decisions(con, subject, history)
            console.print(_table("decisions" if history else "current decisions", rows,
                                 columns))
            return
        if not who or not why:
            console.print("[red]error:[/red] a decision needs --who and --why")
            raise typer.Exit(2)
        row = record_decision(con, subject or "", action, who, why)
    console.print(f"recorded: {escape(row['subject'])} -> {row['action']} "
                  f"by {escape(row['who'])}")


@app.command()
def outreach(
    subject: str = typer.Argument(None, help="A link id or domain:example.com (omit to list)."),
    status: str = typer.Option(None, "--status",
                               help="contacted, replied, removed, refused or no_answer."),
    who: str = typer.Option(None, "--who", help="Who made the contact."),
    note: str = typer.Option(None, "--note", help="Free text."),
    data_dir: Path = DATA_DIR,
) -> None:
    """Log an outreach step (asking a site to remove or fix a link), or list the log."""
    from flows.act import list_outreach, record_outreach

    with _store(data_dir) as con:
        if status is None:
            console.print(_table("outreach log", list_outreach(con, subject),
                                 ("subject", "status", "at", "who", "note")))
            return
        if not who:
            console.print("[red]error:[/red] an outreach entry needs --who")
            raise typer.Exit(2)
        row = record_outreach(con, subject or "", status, who, note)
    console.print(f"logged: {escape(row['subject'])} {row['status']}")


@app.command()
def disavow(
    target: str = typer.Option(..., "--target", help="Your site's domain (acme.example)."),
    merge: Path = typer.Option(None, "--merge", help="Your existing disavow file: its lines "
                                                     "are kept (deduplicated)."),
    out: Path = typer.Option(None, "--out", help="Where to write (default "
                                                 "data/disavow/<target>.txt)."),
    data_dir: Path = DATA_DIR,
) -> None:
    """Write Google's disavow file from reviewed disavow decisions (whitelisted domains never)."""
    from flows.act import disavow_file
    from linkvet.settings import load_settings

    settings = load_settings(**({"data_dir": data_dir} if data_dir else {}))
    existing = None
    if merge is not None:
        try:
            existing = merge.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            console.print(f"[red]error:[/red] cannot read {escape(str(merge))}: "
                          f"{escape(str(exc))}. Google's format is UTF-8 text; re-save the "
                          "file as UTF-8.")
            raise typer.Exit(2) from None
    domain = _target(target)
    with _store(data_dir, read_only=False) as con:
        result = disavow_file(con, domain, datetime.now(UTC).date(), existing)
    path = out or settings.data_dir / "disavow" / f"{domain}.txt"
    _write_whole(path, result.text.encode("utf-8"))
    for line in result.dropped:
        console.print(f"left out: {escape(line)}")
    console.print(f"{path}: {len(result.domains)} domain(s), {len(result.urls)} URL(s) added, "
                  f"{result.kept_lines} kept from the merged file; {result.lines} lines, "
                  f"{result.size} bytes")


@app.command()
def report(
    target: str = typer.Option(..., "--target", help="Your site's domain (acme.example)."),
    out: Path = typer.Option(None, "--out", help="HTML file (default data/reports/<target>."
                                                 "html)."),
    data_dir: Path = DATA_DIR,
) -> None:
    """Write the self-contained HTML report of one target (opens offline)."""
    from flows.report import write_report
    from linkvet.settings import load_settings

    settings = load_settings(**({"data_dir": data_dir} if data_dir else {}))
    domain = _target(target)
    path = out or settings.data_dir / "reports" / f"{domain}.html"
    with _store(data_dir, read_only=True) as con:
        write_report(con, domain, path)
    console.print(f"report: {path}")


@app.command()
def export(
    xlsx: Path = typer.Option(..., "--xlsx", help="The spreadsheet to write."),
    target: str = typer.Option(None, "--target", help="Only this target's links."),
    data_dir: Path = DATA_DIR,
) -> None:
    """Write the audit spreadsheet: sheets high, medium, low, toxic with reasons."""
    from flows.report import export_xlsx

    with _store(data_dir, read_only=True) as con:
        counts = export_xlsx(con, xlsx, target.strip().lower() if target else None)
    console.print(f"{xlsx}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@app.command()
def alerts(
    ack: str = typer.Option(None, "--ack", help="Acknowledge the alert with this id."),
    who: str = typer.Option(None, "--who", help="Who acknowledges."),
    show_all: bool = typer.Option(False, "--all", help="Acknowledged alerts too."),
    target: str = typer.Option(None, "--target", help="Only this target's alerts."),
    data_dir: Path = DATA_DIR,
) -> None:
    """List open alerts, or acknowledge one."""
    from flows.act import acknowledge_alert, list_alerts

    with _store(data_dir) as con:
        if ack:
            if not who:
                console.print("[red]error:[/red] acknowledging needs --who")
                raise typer.Exit(2)
            acknowledge_alert(con, ack, who)
            console.print(f"acknowledged {escape(ack)}")
            return
        rows = list_alerts(con, status=None if show_all else "open",
                           target=target.strip().lower() if target else None)
    console.print(_table("alerts", rows, ("alert_id", "evidence_day", "severity", "kind",
                                          "subject", "target", "status")))
