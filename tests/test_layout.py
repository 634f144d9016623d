"""The layering rules of ARCHITECTURE.md, checked by scanning imports (no module is executed).

- ``linkvet/`` (the pure package) never imports Scrapy, Kafka, Prefect or DuckDB, except the
  CLI package ``linkvet/cli/`` which is the edge.
- Nothing but the CLI and the tests imports ``spiders``, ``pipelines`` or ``flows``; Scrapy
  reaches spiders and pipelines by dotted-path settings, Prefect reaches flows by entrypoint.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"scrapy", "scrapy_playwright", "twisted", "kafka", "prefect", "duckdb", "playwright"}
UPPER = {"spiders", "pipelines", "flows"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            roots.add(node.args[0].value.split(".")[0])
    return roots


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_pure_package_imports_no_heavy_library() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(imported_roots(p) & (HEAVY | UPPER))
        for p in python_files("linkvet")
        if "cli" not in p.relative_to(ROOT / "linkvet").parts
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_cli_and_tests_import_the_upper_folders() -> None:
    offenders: dict[str, list[str]] = {}
    for folder in ("linkvet", "schemas", "spiders", "pipelines", "flows"):
        for p in python_files(folder):
            rel = p.relative_to(ROOT)
            if rel.parts[:2] == ("linkvet", "cli"):
                continue
            own = rel.parts[0]
            bad = sorted((imported_roots(p) & UPPER) - {own})
            # flows orchestrate crawls only through a child process running the Scrapy
            # project by dotted path; they must not import spiders/pipelines directly.
            if bad:
                offenders[str(rel)] = bad
    assert offenders == {}


def test_scanner_sees_the_imports_it_polices(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        "import duckdb\nfrom kafka import KafkaProducer\nimport importlib\n"
        "importlib.import_module('flows.ingest')\nfrom . import sibling\n",
        encoding="utf-8",
    )
    assert imported_roots(sample) == {"duckdb", "kafka", "importlib", "flows"}


def test_design_card_layout_exists() -> None:
    for name in ("pipelines", "spiders", "flows", "schemas", "infra", "tests", "linkvet"):
        assert (ROOT / name).is_dir(), name
    for name in ("pyproject.toml", "scrapy.cfg", "README.md", "Makefile", ".ci/run"):
        assert (ROOT / name).is_file(), name
