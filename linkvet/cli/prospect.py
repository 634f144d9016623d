"""``linkvet prospect URL... --target DOMAIN``: how a link from each candidate page would score,
before anyone asks for it (rules: docs/scoring.md, "Prospects")."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from linkvet.cli.app import app, console
from linkvet.errors import LinkvetError

TOP_REASONS = 3


@app.command("prospect")
def prospect_command(
    urls: list[str] = typer.Argument(..., help="Candidate linking pages."),
    target: str = typer.Option(..., "--target", help="Your site's domain (acme.example)."),
    target_urls: list[str] = typer.Option(
        [], "--target-url", help="Pages of your site that say what it is about (repeatable; "
                                 "default: its home page)."),
    data_dir: Path = typer.Option(
        None, "--data-dir", help="Data folder whose store (read-only, the published snapshot "
                                 "when present) holds your existing backlinks, for the network "
                                 "signals (default: settings)."),
    model: Path = typer.Option(None, "--model", help="Score model TOML (default: packaged)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per page."),
) -> None:
    """Fetch candidate pages and score each as a would-be followed in-content link."""
    from flows.judge import JudgeConfig
    from flows.prospect import existing_store_of, prospect
    from linkvet.judging.model import load_model
    from linkvet.settings import load_settings

    settings = load_settings(**({"data_dir": data_dir} if data_dir else {}))
    config = JudgeConfig(settings.lost_after_checks, tuple(settings.brand_terms),
                         tuple(settings.money_keywords))
    try:
        score_model = load_model(model)
        with console.status(f"fetching and judging {len(urls)} page(s)"):
            report = prospect(settings, urls, target, config, score_model,
                              target_urls=target_urls,
                              existing_store=existing_store_of(settings))
    except LinkvetError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if as_json:
        for line in report.json_lines():
            typer.echo(line)
        return
    compared = (f"{report.existing_links} existing backlinks from {report.existing_store}"
                if report.existing_store else "no existing backlinks (no store)")
    table = Table("URL", "page", "score", "tier", "toxic", "markers", "top reasons",
                  title=f"prospects for {report.target} (model {report.model_version}; "
                        f"compared with {compared})")
    for p in report.prospects:
        page = p.outcome if p.existing_link is None else f"{p.outcome}, links already"
        if not p.reachable:
            table.add_row(p.url, f"{page}: {p.error or 'not judged'}", "-", "-", "-", "", "")
            continue
        reasons = "; ".join(f"{r.rule} {r.points:+g}" for r in p.reasons[:TOP_REASONS])
        table.add_row(p.url, page, f"{p.score:g}", p.tier or "", "yes" if p.toxic else "no",
                      ", ".join(p.markers), reasons)
    console.print(table)
