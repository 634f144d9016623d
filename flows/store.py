"""Writing LinkCheck records into DuckDB and the Parquet lake, exactly once.

One batch is one DuckDB transaction:

1. the batch is loaded (deduplicated by ``check_id`` within itself) and anti-joined against
   ``link_checks``: only checks never stored before go on;
2. those new rows are written as Parquet files named ``batch-<id>.parquet.tmp`` under
   ``lake/link_checks/check_date=YYYY-MM-DD/`` (readers glob ``*.parquet`` and never see them);
3. the rows are inserted and the files registered in ``lake_files``; then the transaction
   commits;
4. the files are renamed to ``.parquet``.

A crash before 3 leaves only ``.tmp`` files that no committed row owns: :func:`recover_lake`
deletes them. A crash between 3 and 4 leaves ``.tmp`` files that ``lake_files`` owns:
:func:`recover_lake` renames them. Replaying a batch after any crash inserts nothing twice,
because step 1 drops what is already stored. The caller acknowledges its source (commits Kafka
offsets, deletes landing files) only after :func:`write_checks` returns.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from linkvet.errors import InputError
from schemas.records import LinkCheck
from schemas.rows import LINK_CHECK_COLUMNS, check_rows

log = logging.getLogger(__name__)

LAKE_TABLE = "link_checks"
# zstd: the lake is written once and read many times (BI, judge); see docs/kafka.md for what
# snappy would save per batch.
PARQUET_COMPRESSION = "zstd"


@dataclass(frozen=True)
class BatchResult:
    batch_id: str
    received: int
    inserted: int
    duplicates: int
    files: tuple[str, ...]


def parse_checks(raw: Iterable[bytes | str]) -> tuple[list[LinkCheck], list[tuple[int, str]]]:
    """Validate raw JSON records; returns the good ones and ``(index, error)`` for the rest."""
    good: list[LinkCheck] = []
    bad: list[tuple[int, str]] = []
    for i, item in enumerate(raw):
        try:
            good.append(LinkCheck.model_validate_json(item))
        except ValueError as exc:
            bad.append((i, str(exc).splitlines()[0][:500]))
    return good, bad


def checks_table(checks: Sequence[LinkCheck]) -> pa.Table:
    return pa.table(check_rows(checks))


def lake_root(lake_dir: Path) -> Path:
    return lake_dir / LAKE_TABLE


def recover_lake(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> tuple[int, int]:
    """Finish or undo what a crashed ingest left: rename committed ``.tmp`` files, delete the
    rest. Returns ``(renamed, deleted)``."""
    root = lake_root(lake_dir)
    if not root.exists():
        return 0, 0
    owned = {r[0] for r in con.execute("SELECT path FROM lake_files").fetchall()}
    renamed = deleted = 0
    for tmp in root.rglob("*.parquet.tmp"):
        final = tmp.with_suffix("")
        rel = str(final.relative_to(lake_dir))
        if rel in owned:
            os.replace(tmp, final)
            renamed += 1
        else:
            tmp.unlink()
            deleted += 1
    if renamed or deleted:
        log.warning("lake recovery: %d file(s) completed, %d orphan(s) removed", renamed, deleted)
    return renamed, deleted


def write_checks(
    con: duckdb.DuckDBPyConnection,
    lake_dir: Path,
    batch: pa.Table | Sequence[LinkCheck],
    *,
    batch_id: str | None = None,
) -> BatchResult:
    """Store one batch exactly once (see the module docstring for the protocol)."""
    table = batch if isinstance(batch, pa.Table) else checks_table(batch)
    missing = set(LINK_CHECK_COLUMNS) - set(table.column_names)
    if missing:
        raise InputError(f"batch lacks link_checks columns {sorted(missing)}")
    batch_id = batch_id or uuid.uuid4().hex
    received = table.num_rows
    if received == 0:
        return BatchResult(batch_id, 0, 0, 0, ())
    cols = ", ".join(LINK_CHECK_COLUMNS)
    con.register("incoming_batch", table)
    tmp_files: list[Path] = []
    try:
        con.execute("BEGIN TRANSACTION")
        # Step 1. Usually no check id repeats within the batch or is stored already (replays
        # and redeliveries are the exception): then the batch itself is the new rows and is
        # scanned in place. Otherwise the first of each id that is not stored yet is copied
        # into a temporary table (the window over whole rows is the costliest step).
        repeats, stored = con.execute(
            "SELECT count(*) <> count(DISTINCT check_id), "
            "count(*) FILTER (WHERE check_id IN (SELECT check_id FROM link_checks)) "
            "FROM incoming_batch").fetchall()[0]
        source = "incoming_batch"
        if repeats or stored:
            firsts = ("(SELECT *, row_number() OVER (PARTITION BY check_id ORDER BY checked_at)"
                      " AS rn FROM incoming_batch) b WHERE rn = 1 AND" if repeats
                      else "incoming_batch b WHERE")
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE new_checks AS
                SELECT {cols} FROM {firsts}
                  NOT EXISTS (SELECT 1 FROM link_checks c WHERE c.check_id = b.check_id)
                """
            )
            source = "new_checks"
        days = con.execute(
            f"SELECT check_date, count(*) FROM {source} GROUP BY 1 ORDER BY 1").fetchall()
        inserted = sum(n for _, n in days)
        files: list[str] = []
        if inserted:
            for day, _ in days:
                folder = lake_root(lake_dir) / f"check_date={day.isoformat()}"
                folder.mkdir(parents=True, exist_ok=True)
                final = folder / f"batch-{batch_id}.parquet"
                tmp = final.with_name(final.name + ".tmp")
                tmp_files.append(tmp)
                con.execute(
                    f"COPY (SELECT * EXCLUDE (check_date) FROM {source} WHERE check_date = ?) "
                    f"TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION {PARQUET_COMPRESSION})",
                    [day],
                )
                files.append(str(final.relative_to(lake_dir)))
            con.execute(f"INSERT INTO link_checks ({cols}) SELECT {cols} FROM {source}")
            now = datetime.now(UTC)
            for rel in files:
                con.execute(
                    "INSERT INTO lake_files VALUES (?, ?, "
                    "(SELECT count(*) FROM read_parquet(?)), ?)",
                    [rel, batch_id, str(lake_dir / (rel + ".tmp")), now],
                )
        con.execute("DROP TABLE IF EXISTS new_checks")
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        for tmp in tmp_files:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        con.unregister("incoming_batch")
    for tmp in tmp_files:
        os.replace(tmp, tmp.with_suffix(""))
    return BatchResult(batch_id, received, int(inserted), received - int(inserted), tuple(files))


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
