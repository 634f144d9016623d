"""Opening the DuckDB file: DDL applied on every writer connect, lock conflicts translated.

DuckDB lets one process write a file and no other process open it meanwhile, not even read-only.
A lock conflict is transient (:class:`StoreLockedError`): we wait and retry up to ``wait_s``;
readers that must not wait use the published snapshot instead (``Settings.snapshot_path``).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb

from linkvet.errors import ConfigError, StoreLockedError, StoreMissingError
from linkvet.settings import Settings
from schemas.ddl import ddl_script

log = logging.getLogger(__name__)


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def open_store(settings: Settings, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The pipeline's store (``settings.duckdb_path``) with its memory limit."""
    return connect(settings.duckdb_path, read_only=read_only,
                   memory_limit=settings.duckdb_memory_limit)


def connect(
    path: Path, *, read_only: bool = False, wait_s: float = 60.0,
    memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file at ``path`` (created with its tables when missing).
    ``memory_limit`` caps DuckDB's buffer pool (DuckDB's default: 80% of RAM)."""
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"the data folder {path.parent} cannot be made ({exc}); point "
                              "--data-dir (LINKVET_DATA_DIR) at a folder") from None
    elif not path.exists():
        raise StoreMissingError(
            f"{path} does not exist yet: nothing was imported or verified with this data "
            "folder. Run `linkvet demo`, or `linkvet import FILE --from TOOL --target DOMAIN` "
            "then `linkvet verify`; or point --data-dir (LINKVET_DATA_DIR) at the folder that "
            "holds linkvet.duckdb.")
    deadline = time.monotonic() + wait_s
    delay = 0.2
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only,
                                 config={"memory_limit": memory_limit} if memory_limit else {})
            # Dates of timestamps (alert days, ids) are UTC dates, as check_date is: DuckDB
            # casts in the session's zone, which is the host's unless set.
            con.execute("SET TimeZone = 'UTC'")
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise StoreLockedError(
                    f"{path} is held by another process ({exc}). Close the program holding it "
                    "(a BI tool should open the published snapshot under data/published/ "
                    "instead) or wait for the running pipeline to finish."
                ) from exc
            log.info("waiting for the lock on %s", path)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    if not read_only:
        con.execute(ddl_script())
    return con
