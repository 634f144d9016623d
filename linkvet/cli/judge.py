"""Commands of the judging part: ``import`` (backlink exports), ``score`` (state, signals and
scores over stored facts) and ``bench score``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from linkvet.cli.app import app, bench_app, console
from linkvet.errors import InputError, LinkvetError


def parse_map(values: list[str]) -> dict[str, str]:
    """``--map field=Column`` values (repeated or comma-separated) as a dict."""
    mapping: dict[str, str] = {}
    for value in values:
        for part in value.split(","):
            if not part.strip():
                continue
            name, sep, column = part.partition("=")
            if not sep or not name.strip() or not column.strip():
                raise InputError(f"--map {part!r}: write field=Column, for example "
                                 "--map source_url='Linking page'")
            mapping[name.strip()] = column.strip()
    return mapping


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="The exported CSV or XLSX file."),
    tool: str = typer.Option(..., "--from", help="ahrefs, semrush, majestic, moz, gsc, bing or "
                                                 "csv."),
    target: str = typer.Option(..., "--target", help="Your site's domain (acme.example)."),
    mapping: list[str] = typer.Option([], "--map", help="field=Column pairs when headers are not "
                                                       "recognised (source_url=..., "
                                                       "target_url=..., anchor=...)."),
    data_dir: Path = typer.Option(None, "--data-dir", help="Data folder (default: settings)."),
) -> None:
    """Import a backlink export into the backlinks table (merging with earlier imports)."""
    from flows.imports import import_file
    from linkvet.settings import load_settings

    settings = load_settings(**({"data_dir": data_dir} if data_dir else {}))
    try:
        with console.status(f"importing {file.name}"):
            counts = import_file(settings.duckdb_path, settings.data_dir, file, tool, target,
                                 parse_map(mapping) or None,
                                 memory_limit=settings.duckdb_memory_limit)
    except LinkvetError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    console.print(
        f"{file.name}: read {counts.read}, imported {counts.imported}, "
        f"rejected {counts.rejected}, new links {counts.new_links}"
    )
    if counts.rejections:
        table = Table("line", "reason", title="rejected rows")
        for line, reason in counts.rejections:
            table.add_row(str(line), reason)
        console.print(table)
        if counts.rejected > len(counts.rejections):
            console.print(f"... {counts.rejected - len(counts.rejections)} more")
        console.print(f"all rejections: {counts.rejected_file}")


@app.command("score")
def score_command(
    data_dir: Path = typer.Option(None, "--data-dir", help="Data folder (default: settings)."),
    target: str = typer.Option(None, "--target", help="Show this site's tier counts."),
    model: Path = typer.Option(None, "--model", help="Score model TOML (default: packaged)."),
) -> None:
    """Recompute link state, signals and scores from stored facts (no recrawl)."""
    from flows.judge import JudgeConfig, judge_file
    from linkvet.judging.model import load_model
    from linkvet.settings import load_settings

    settings = load_settings(**({"data_dir": data_dir} if data_dir else {}))
    config = JudgeConfig(settings.lost_after_checks, tuple(settings.brand_terms),
                         tuple(settings.money_keywords))
    try:
        with console.status("judging links"):
            result = judge_file(settings.duckdb_path, config, load_model(model), target,
                                memory_limit=settings.duckdb_memory_limit)
    except LinkvetError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    table = Table("what", "count", title=f"scores (model {result['model_version']})")
    table.add_row("links", str(result["links"]))
    table.add_row("referring domains", str(result["referring_domains"]))
    for name, count in sorted(result["status"].items()):
        table.add_row(f"status {name}", str(count))
    for name, count in sorted(result["tiers"].items()):
        table.add_row(f"tier {name}", str(count))
    table.add_row("toxic", str(result["toxic"]))
    for name, count in sorted(result.get("target_tiers", {}).items()):
        table.add_row(f"{result['target']} tier {name}", str(count))
    console.print(table)


@bench_app.command("score")
def bench_score_command(
    links: int = typer.Option(1_000_000, "--links", min=1000, help="Links to generate."),
    workdir: Path = typer.Option(None, "--workdir", help="Where the bench database goes "
                                                       "(default: a temporary folder)."),
) -> None:
    """Score N generated links in DuckDB and time a plain aggregate over the same table."""
    import tempfile

    from flows.judge import bench_score

    with tempfile.TemporaryDirectory(prefix="linkvet-bench-") as tmp:
        folder = workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        with console.status(f"generating and judging {links:,} links"):
            r = bench_score(links, folder)
    typer.echo(f"links={r['links']} model={r['model_version']} tiers={r['tiers']}")
    typer.echo(f"generate: {r['generate_s']:.2f} s; state: {r['state_s']:.2f} s; "
               f"signals: {r['signals_s']:.2f} s (relevance pass off)")
    typer.echo(f"judge total: {r['state_s'] + r['signals_s'] + r['write_s']:.2f} s "
               f"(stored scores written in {r['write_s']:.2f} s)")
    typer.echo(f"score: {r['score_s']:.3f} s for {r['scored']:,} links (one pass, "
               f"{r['scored'] / r['score_s']:,.0f} links/s)")
    typer.echo(f"aggregate: {r['aggregate_s']:.3f} s (GROUP BY source_domain over "
               f"link_signals, {r['groups']:,} groups)")
    typer.echo(f"ratio={r['ratio']:.2f}")
