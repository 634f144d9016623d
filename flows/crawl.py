"""Running the verify spider from a flow: always in a child process (``python -m spiders.run``).

Scrapy's reactor cannot restart inside one process, and a forked child of a process holding a
DuckDB connection can hang, so the crawl is a fresh interpreter. Settings go to the child
through a private temporary file (secrets never appear in argv)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from linkvet.errors import TransientError
from linkvet.settings import Settings, settings_payload

log = logging.getLogger(__name__)


def crawl_command(
    *,
    requests: Path | None,
    landing: Path | None,
    stats_out: Path,
    settings_file: Path,
    kafka: bool = False,
    scrapy_extra: dict[str, Any] | None = None,
    spider: str = "verify",
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "spiders.run",
        "--stats-out",
        str(stats_out),
        "--settings-json",
        f"@{settings_file}",
        "--spider",
        spider,
    ]
    if requests:
        cmd += ["--requests", str(requests)]
    if landing:
        cmd += ["--landing", str(landing)]
    if kafka:
        cmd.append("--kafka")
    if scrapy_extra:
        cmd += ["--scrapy-json", json.dumps(scrapy_extra)]
    return cmd


def run_crawl(
    settings: Settings,
    *,
    requests: Path | None,
    landing: Path | None,
    work_dir: Path,
    kafka: bool = False,
    timeout_s: float | None = None,
    scrapy_extra: dict[str, Any] | None = None,
    quiet: bool = True,
    spider: str = "verify",
    cpu: int | None = None,
) -> dict[str, Any]:
    """Run one crawl to completion; returns its Scrapy stats. A crash of the child is a
    :class:`TransientError` (its landing files stay for the next ingest). ``cpu`` pins the
    child to that core (benchmarks)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    stats_out = work_dir / "crawl-stats.json"
    fd, name = tempfile.mkstemp(prefix="linkvet-settings-", suffix=".json", dir=work_dir)
    settings_file = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(settings_payload(settings), fh)
        cmd = crawl_command(
            requests=requests,
            landing=landing,
            stats_out=stats_out,
            settings_file=settings_file,
            kafka=kafka,
            scrapy_extra=scrapy_extra,
            spider=spider,
        )
        log_path = work_dir / "crawl.log"
        with log_path.open("ab") as log_fh:
            proc = subprocess.run(
                cmd,
                stdout=log_fh if quiet else None,
                stderr=subprocess.STDOUT if quiet else None,
                timeout=timeout_s,
                check=False,
                preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None,
            )
    finally:
        settings_file.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise TransientError(
            f"the crawl child process exited with {proc.returncode}; see {log_path}. "
            "Records it already wrote stay in the landing folder and are ingested next time."
        )
    stats: dict[str, Any] = json.loads(stats_out.read_text(encoding="utf-8"))
    return stats
