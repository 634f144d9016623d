"""DuckDB DDL as data: the ``sql/*.sql`` files next to this module, applied in name order.

Every statement is idempotent (``CREATE ... IF NOT EXISTS`` / ``CREATE OR REPLACE VIEW``), so
applying the DDL on every connect is safe. Each file is owned by one part of the pipeline:
``00_core`` (ingest), ``10_*`` (judging), ``20_*`` (acting), ``90_views`` (BI views).
"""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


def sql_files() -> list[tuple[str, str]]:
    """``(name, text)`` of every DDL file, in the order they must be applied."""
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SQL_DIR.glob("*.sql"))]


def ddl_script() -> str:
    return "\n\n".join(text for _, text in sql_files())
