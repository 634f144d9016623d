"""The ``linkvet`` command line: the one edge of the product package that may reach into
``spiders/``, ``pipelines/`` and ``flows/``. Each command group lives in its own module here
and registers itself on :data:`app`; heavy imports happen inside the commands so that
``linkvet --help`` stays fast."""

from __future__ import annotations

import importlib

from linkvet.cli.app import app

# Every module listed registers its commands on ``app`` when imported.
COMMAND_MODULES: tuple[str, ...] = (
    "linkvet.cli.core",
    "linkvet.cli.bench_crawl",
    "linkvet.cli.bench_scale",
    "linkvet.cli.judge",
    "linkvet.cli.inspect",
    "linkvet.cli.kafka",
    "linkvet.cli.sandbox",
    "linkvet.cli.act",
    "linkvet.cli.orchestrate",
    "linkvet.cli.prospect",
)

for _name in COMMAND_MODULES:
    importlib.import_module(_name)


# Exit codes of errors no command handled itself: bad input or configuration (fix, then run
# again) and transient trouble (run again later; EX_TEMPFAIL, which supervisors retry).
EXIT_TERMINAL = 2
EXIT_TRANSIENT = 75


def main() -> None:
    """The ``linkvet`` command. An error of linkvet's own that reaches here is printed as its
    message, which says what to do, not as a traceback."""
    from rich.markup import escape

    from linkvet.cli.app import console
    from linkvet.errors import LinkvetError

    try:
        app()
    except LinkvetError as exc:
        kind = "transient error (run again later)" if exc.transient else "error"
        console.print(f"[red]{kind}:[/red] {escape(str(exc))}")
        raise SystemExit(EXIT_TRANSIENT if exc.transient else EXIT_TERMINAL) from None
