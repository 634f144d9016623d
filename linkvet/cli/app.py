"""The Typer application and the option helpers shared by command modules."""

from __future__ import annotations

import logging

import typer
from rich.console import Console

app = typer.Typer(
    name="linkvet",
    help="Verify backlinks at scale: crawl, record facts, judge, alert, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Benchmarks that run linkvet and a reference side by side.",
                        no_args_is_help=True)
sandbox_app = typer.Typer(help="The deterministic sandbox web used by tests, demo and benches.",
                          no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(sandbox_app, name="sandbox")

console = Console(stderr=True)


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # kafka-python's admin client logs its whole configuration at DEBUG, SASL password included.
    logging.getLogger("kafka.admin.client").setLevel(logging.INFO)
    if not verbose:
        # Prefect's API client logs every HTTP request at INFO.
        logging.getLogger("httpx").setLevel(logging.WARNING)
