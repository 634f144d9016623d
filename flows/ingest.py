"""Ingest: LinkCheck records into DuckDB + the Parquet lake, exactly once (see flows.store).

Embedded mode reads sealed landing files (``*.jsonl``); a file is deleted only after its batch
committed, so a crash at any point loses nothing, and replaying it duplicates nothing (the
batch is deduplicated by ``check_id``). Records that fail validation go to the dead-letter
folder with the original line and the error; the run goes on.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task

from flows.db import open_store
from flows.retry import BACKOFF_SECONDS, retry_if_transient
from flows.store import parse_checks, recover_lake, write_checks
from linkvet.settings import Settings, load_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestSummary:
    files: int = 0
    received: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0


def landing_files(landing_dir: Path) -> list[Path]:
    return sorted(landing_dir.rglob("*.jsonl")) if landing_dir.exists() else []


def dead_letter(
    settings: Settings, source: str, bad: list[tuple[int, str]], lines: list[bytes]
) -> None:
    folder = settings.data_dir / "dead-letter"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    with (folder / f"{Path(source).stem}-{stamp}.jsonl").open("a", encoding="utf-8") as fh:
        for index, error in bad:
            fh.write(
                json.dumps(
                    {
                        "source": source,
                        "line": index + 1,
                        "error": error,
                        "original": lines[index].decode("utf-8", "replace"),
                    }
                )
                + "\n"
            )


def ingest_landing_files(settings: Settings) -> IngestSummary:
    """Ingest every sealed landing file, one DuckDB transaction per file."""
    files = landing_files(settings.landing_dir)
    totals = IngestSummary()
    con = open_store(settings)
    try:
        recover_lake(con, settings.lake_dir)
        for path in files:
            lines = [ln for ln in path.read_bytes().splitlines() if ln.strip()]
            good, bad = parse_checks(lines)
            if bad:
                dead_letter(settings, str(path), bad, lines)
                log.warning(
                    "%s: %d record(s) failed validation, sent to dead-letter", path, len(bad)
                )
            # Landing names (part-<pid>-<n>) repeat across runs when pids are reused: the run
            # folder makes the lake file name unique, and stays the same when a file is replayed.
            batch_id = f"{path.parent.name}-{path.stem}"
            result = write_checks(con, settings.lake_dir, good, batch_id=batch_id)
            path.unlink()
            totals = IngestSummary(
                files=totals.files + 1,
                received=totals.received + len(lines),
                inserted=totals.inserted + result.inserted,
                duplicates=totals.duplicates + result.duplicates,
                rejected=totals.rejected + len(bad),
            )
    finally:
        con.close()
    return totals


@task(
    name="ingest-landing",
    retries=3,
    retry_delay_seconds=BACKOFF_SECONDS,
    retry_condition_fn=retry_if_transient,
)
def ingest_landing_task(settings: Settings) -> IngestSummary:
    return ingest_landing_files(settings)


@flow(name="ingest-landing", log_prints=True)
def ingest_landing(data_dir: str = "data") -> dict[str, int]:
    """Load sealed landing files (embedded mode) into DuckDB and the Parquet lake."""
    settings = load_settings(data_dir=Path(data_dir))
    return asdict(ingest_landing_task(settings))
