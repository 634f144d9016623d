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


def main() -> None:
    app()
