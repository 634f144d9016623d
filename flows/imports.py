"""Importing a backlink export into ``backlinks``: streamed, batched through Arrow, merged.

Merge rules (one row per ``link_id``, the same whatever order files are imported in, and a
re-import of the same file changes nothing):

- ``sources``: the sorted union of the tools that reported the link;
- ``first_seen``: the earliest; ``last_seen``: the latest any tool reported;
- ``metrics``: merged key by key, the import with the newer ``metrics_date`` wins a key both
  have (a tie goes to the import being written);
- ``anchor`` and ``nofollow``: the import being written, when it has them;
- ``imported_at``: when the link was first imported.

Within one file, rows of the same link are merged the same way, a later row standing for a
later import (its anchor, nofollow and metrics win), so batch boundaries change nothing.
Every rejected row is written to ``<data>/imports/<file>-rejected.csv``.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import duckdb
import pyarrow as pa
from prefect import flow, task

from flows.db import connect
from linkvet.errors import InputError
from linkvet.imports import TOOLS, BacklinkRow, Rejection, Tool, read_export
from linkvet.settings import load_settings

log = logging.getLogger(__name__)

BATCH_ROWS = 50_000
REPORTED_REJECTIONS = 50

_SCHEMA = pa.schema([
    ("link_id", pa.string()),
    ("source_url", pa.string()),
    ("source_domain", pa.string()),
    ("target_url", pa.string()),
    ("target_domain", pa.string()),
    ("anchor", pa.string()),
    ("tool", pa.string()),
    ("first_seen", pa.timestamp("us")),
    ("last_seen", pa.timestamp("us")),
    ("nofollow", pa.bool_()),
    ("metrics", pa.map_(pa.string(), pa.float64())),
    ("metrics_date", pa.date32()),
    ("line", pa.int64()),
])

# One statement per batch: rows of one link within the batch are merged first (ON CONFLICT
# cannot update one row twice in one statement), then merged with what is stored.
MERGE_SQL = """
INSERT INTO backlinks
SELECT
    link_id,
    arg_min(source_url, line),
    arg_min(source_domain, line),
    arg_min(target_url, line),
    arg_min(target_domain, line),
    arg_max(anchor, line) FILTER (WHERE anchor IS NOT NULL),
    list_sort(list_distinct(list(tool))),
    min(first_seen),
    max(last_seen),
    arg_max(nofollow, line) FILTER (WHERE nofollow IS NOT NULL),
    arg_max(metrics, line),
    max(metrics_date),
    $imported_at
FROM batch
GROUP BY link_id
ON CONFLICT (link_id) DO UPDATE SET
    anchor = coalesce(EXCLUDED.anchor, backlinks.anchor),
    sources = list_sort(list_distinct(list_concat(backlinks.sources, EXCLUDED.sources))),
    first_seen = least(backlinks.first_seen, EXCLUDED.first_seen),
    last_seen = greatest(backlinks.last_seen, EXCLUDED.last_seen),
    nofollow = coalesce(EXCLUDED.nofollow, backlinks.nofollow),
    metrics = CASE
        WHEN backlinks.metrics IS NULL THEN EXCLUDED.metrics
        WHEN EXCLUDED.metrics IS NULL THEN backlinks.metrics
        WHEN coalesce(EXCLUDED.metrics_date, DATE '0001-01-01')
             >= coalesce(backlinks.metrics_date, DATE '0001-01-01')
            THEN map_concat(backlinks.metrics, EXCLUDED.metrics)
        ELSE map_concat(EXCLUDED.metrics, backlinks.metrics)
    END,
    metrics_date = greatest(backlinks.metrics_date, EXCLUDED.metrics_date)
"""


@dataclass
class ImportCounts:
    read: int = 0
    imported: int = 0
    rejected: int = 0
    new_links: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)
    rejected_file: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "imported": self.imported,
            "rejected": self.rejected,
            "new_links": self.new_links,
            "rejections": list(self.rejections),
            "rejected_file": self.rejected_file,
        }


def rows_to_arrow(rows: list[BacklinkRow]) -> pa.Table:
    """One Arrow batch of import rows, in the column order :data:`MERGE_SQL` reads."""
    return pa.table(
        {
            "link_id": [r.link_id for r in rows],
            "source_url": [r.source_url for r in rows],
            "source_domain": [r.source_domain for r in rows],
            "target_url": [r.target_url for r in rows],
            "target_domain": [r.target_domain for r in rows],
            "anchor": [r.anchor for r in rows],
            "tool": [r.source_tool for r in rows],
            "first_seen": [r.first_seen for r in rows],
            "last_seen": [r.last_seen for r in rows],
            "nofollow": [r.nofollow for r in rows],
            "metrics": [list(r.metrics.items()) for r in rows],
            "metrics_date": [r.metrics_date for r in rows],
            "line": [r.line for r in rows],
        },
        schema=_SCHEMA,
    )


def merge_batch(con: duckdb.DuckDBPyConnection, rows: list[BacklinkRow],
                imported_at: datetime) -> None:
    """Merge one batch of rows into ``backlinks`` (see the module's merge rules)."""
    con.register("batch", rows_to_arrow(rows))
    try:
        con.execute(MERGE_SQL, {"imported_at": imported_at})
    finally:
        con.unregister("batch")


def load_rows(con: duckdb.DuckDBPyConnection, rows: Iterable[BacklinkRow | Rejection],
              rejected_path: Path, *, batch_rows: int = BATCH_ROWS,
              imported_at: datetime | None = None) -> ImportCounts:
    """Stream rows into ``backlinks`` in batches; rejections go to ``rejected_path`` (CSV with
    ``line,reason``, written even when empty so an old list never lingers)."""
    imported_at = imported_at or datetime.now(UTC).replace(tzinfo=None)
    counts = ImportCounts(rejected_file=str(rejected_path))
    before = _count(con)
    rejected_path.parent.mkdir(parents=True, exist_ok=True)
    batch: list[BacklinkRow] = []
    with rejected_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "reason"])
        for row in rows:
            counts.read += 1
            if isinstance(row, Rejection):
                counts.rejected += 1
                writer.writerow([row.line, row.reason])
                if len(counts.rejections) < REPORTED_REJECTIONS:
                    counts.rejections.append((row.line, row.reason))
                continue
            counts.imported += 1
            batch.append(row)
            if len(batch) >= batch_rows:
                merge_batch(con, batch, imported_at)
                batch = []
        if batch:
            merge_batch(con, batch, imported_at)
    counts.new_links = _count(con) - before
    return counts


def _count(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT count(*) FROM backlinks").fetchall()
    return int(rows[0][0])


def rejected_path_for(data_dir: Path, export: Path) -> Path:
    return data_dir / "imports" / f"{export.stem}-rejected.csv"


def import_file(db_path: Path, data_dir: Path, path: Path, tool: str, target: str,
                column_map: Mapping[str, str] | None = None, *,
                metrics_date: date | None = None, batch_rows: int = BATCH_ROWS,
                memory_limit: str | None = None) -> ImportCounts:
    """Import one export file into the DuckDB file at ``db_path`` (streamed, in batches)."""
    if tool not in TOOLS:
        raise InputError(f"--from {tool!r} is not known; use one of {', '.join(TOOLS)}.")
    rows = read_export(path, cast(Tool, tool), target, column_map, metrics_date=metrics_date)
    first = next(rows, None)  # header errors surface before the database is opened
    con = connect(db_path, memory_limit=memory_limit)
    try:
        con.execute("BEGIN TRANSACTION")
        chained = _prepend(first, rows)
        counts = load_rows(con, chained, rejected_path_for(data_dir, path),
                           batch_rows=batch_rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    log.info("imported %s: %d read, %d imported, %d rejected, %d new links", path,
             counts.read, counts.imported, counts.rejected, counts.new_links)
    return counts


def _prepend(first: BacklinkRow | Rejection | None,
             rest: Iterable[BacklinkRow | Rejection]) -> Iterable[BacklinkRow | Rejection]:
    if first is not None:
        yield first
    yield from rest


@task(name="load-export")
def load_export(path: str, tool: str, target: str, column_map: dict[str, str] | None,
                data_dir: str) -> dict[str, Any]:
    settings = load_settings(data_dir=Path(data_dir))
    counts = import_file(settings.duckdb_path, settings.data_dir, Path(path), tool, target,
                         column_map, memory_limit=settings.duckdb_memory_limit)
    return counts.as_dict()


@flow(name="import-backlinks")
def import_backlinks(path: str, tool: str, target: str,
                     column_map: dict[str, str] | None = None,
                     data_dir: str = "data") -> dict[str, Any]:
    """Import a backlink export (``tool``: ahrefs, semrush, majestic, moz, gsc, bing, csv) about
    ``target`` into ``backlinks``. Returns ``{read, imported, rejected, new_links, rejections
    (the first 50 as (line, reason)), rejected_file}``."""
    result: dict[str, Any] = load_export(path, tool, target, column_map, data_dir)
    return result
