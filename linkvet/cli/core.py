"""Core commands: demo, verify."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from linkvet.cli.app import app, console


def _settings(data_dir: Path | None) -> Any:
    from linkvet.settings import load_settings

    return load_settings(**({"data_dir": data_dir} if data_dir else {}))


def print_run_summary(summary: Any, expected: dict[str, int] | None = None) -> None:
    table = Table(title=f"run {summary.run_id} ({summary.mode} mode)")
    table.add_column("referring host")
    table.add_column("checked", justify="right")
    table.add_column("live", justify="right")
    table.add_column("lost", justify="right")
    for row in summary.by_domain:
        table.add_row(row["host"], str(row["checked"]), str(row["live"]), str(row["lost"]))
    console.print(table)
    console.print(
        f"links checked: {summary.checked} of {summary.requested} requested | "
        f"live: {summary.live} | lost: {summary.lost} | "
        f"unknown (transient/robots): {summary.unknown}"
    )
    console.print("outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(summary.outcomes.items())))
    if expected is not None:
        exp_live = expected.get("live", 0)
        exp_unknown = expected.get("transient_failure", 0) + expected.get("robots_blocked", 0)
        exp_lost = sum(expected.values()) - exp_live - exp_unknown
        verdict = "matches" if (exp_live, exp_lost) == (summary.live, summary.lost) else "DIFFERS"
        console.print(f"sandbox expects live: {exp_live} | lost: {exp_lost} -> {verdict}")
        if dict(expected) != dict(summary.outcomes):
            console.print(f"expected outcomes: {json.dumps(expected, sort_keys=True)}")
    console.print(
        f"ingest: {summary.ingest['inserted']} new rows, {summary.ingest['duplicates']} "
        f"duplicates skipped, {summary.ingest['rejected']} rejected"
    )
    console.print(f"DuckDB: {summary.duckdb_path} (tables link_checks, backlinks, ...)")
    console.print(f"Parquet lake: {summary.lake_dir}/link_checks/check_date=YYYY-MM-DD/")


@app.command()
def demo(
    data_dir: Path = typer.Option(
        None, help="Where data goes (default ./data or LINKVET_DATA_DIR)."
    ),
    seed: int = typer.Option(0, help="Sandbox seed."),
) -> None:
    """Run the whole pipeline once on the built-in sandbox web (embedded mode)."""
    from prefect import flow

    from flows.demo import run_demo

    settings = _settings(data_dir)
    started = time.monotonic()
    console.print(f"[bold]linkvet demo[/] -> {settings.data_dir}/ (sandbox web, embedded mode)")

    @flow(name="demo", log_prints=False)
    def _demo() -> Any:
        return run_demo(settings, seed=seed)

    with console.status("verifying the sandbox web's backlinks..."):
        result: Any = _demo()
    imported = result.imported
    console.print(
        f"imported {imported.get('imported')} backlinks "
        f"({imported.get('rejected')} rejected) from the sandbox's Ahrefs export"
    )
    print_run_summary(result.run, result.expected)
    judged, acted = result.steps["judge"], result.steps["act"]
    console.print(
        "judged: " + ", ".join(f"{k} {v}" for k, v in sorted(judged.get("tiers", {}).items()))
        + f", toxic {judged.get('toxic', 0)} (model {judged.get('model_version')})")
    console.print(f"alerts raised: {len(acted.get('alerts', []))}")
    for target, path in sorted(acted.get("reports", {}).items()):
        console.print(f"report for {target}: {path}")
    if acted.get("snapshot"):
        console.print(f"read-only snapshot for BI: {acted['snapshot']}")
    console.print(f"done in {time.monotonic() - started:.1f} s")


RENDER_POLICIES = ("auto", "never", "always")


@app.command()
def verify(
    target: str = typer.Option(None, help="Target domain or URL (all targets when omitted)."),
    render: str = typer.Option("auto", help="auto | never | always"),
    limit: int = typer.Option(None, min=1, help="At most this many links."),
    data_dir: Path = typer.Option(None, help="Data folder."),
) -> None:
    """Verify known backlinks now (embedded or Kafka mode, by configuration)."""
    if render not in RENDER_POLICIES:
        from linkvet.errors import InputError

        raise InputError(f"--render {render!r}: use one of {', '.join(RENDER_POLICIES)}")
    from prefect import flow

    from flows.verify import verify_run

    settings = _settings(data_dir)

    @flow(name="verify", log_prints=False)
    def _verify() -> Any:
        return verify_run(settings, target=target, render=render, limit=limit)  # type: ignore[arg-type]

    with console.status("verifying..."):
        summary: Any = _verify()
    print_run_summary(summary)
