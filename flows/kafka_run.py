"""A verification run in Kafka mode: enqueue the run's crawl requests, then ingest link checks
until every request of the run has its row in DuckDB (or a timeout says what is missing).

Workers (``linkvet worker``) are separate, long-lived processes in group
``kafka_group_workers``; this flow never starts them. It is the run's ingest while it waits, so
do not run ``linkvet ingest`` on the same DuckDB file at the same time (DuckDB admits one
writer process).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
from kafka import KafkaProducer
from kafka.errors import KafkaError

from flows.kafka_ingest import IngestStats, ingest_kafka
from flows.topics import ensure_topics, group_lag, group_members
from linkvet.errors import TransientError
from linkvet.kafka_config import encode, first_line, producer_kwargs, request_key
from linkvet.settings import Settings
from schemas.records import CrawlRequest

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 3600.0


class RunIncompleteError(TransientError):
    """Some requests of the run have no check yet when the wait ends."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class KafkaRunResult:
    run_id: str
    published: int
    stored: int
    ingest: IngestStats
    seconds: float


def publish_requests(settings: Settings, requests_path: Path) -> int:
    """Publish the run's crawl requests (one JSON line each, streamed from the file) keyed by
    registrable domain; returns how many the broker acknowledged (all of them, or this raises).
    Memory stays flat: the producer's buffer bounds what is in flight and nothing is kept per
    request."""
    producer = KafkaProducer(**producer_kwargs(settings, client_id="linkvet-run-publisher"))
    failures: list[BaseException] = []  # appended on the producer's I/O thread
    published = 0
    try:
        with requests_path.open("rb") as fh:
            for line in fh:
                if not line.strip():
                    continue
                request = CrawlRequest.model_validate_json(line)
                value, headers = encode(request)
                producer.send(settings.kafka_topic_requests, value=value,
                              key=request_key(request.source_url),
                              headers=headers).add_errback(failures.append)
                published += 1
                if failures:
                    break
        producer.flush(timeout=120)
    except KafkaError as exc:
        failures.append(exc)
    finally:
        producer.close(timeout=30)
    if failures:
        raise TransientError(
            f"publishing crawl requests to {settings.kafka_topic_requests} failed "
            f"({first_line(failures[0])}); check the broker at "
            f"{settings.kafka_bootstrap_servers}. Re-running the flow republishes them; "
            "duplicates yield the same check ids")
    return published


def stored_count(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Requests of the run that have their check in DuckDB (every check of a run answers one
    of the run's requests)."""
    row = con.execute("SELECT count(DISTINCT request_id) FROM link_checks WHERE run_id = ?",
                      [run_id]).fetchone()
    return int(row[0]) if row else 0


def missing_requests(con: duckdb.DuckDBPyConnection, requests_path: Path, run_id: str,
                     ) -> tuple[int, list[str]]:
    """``(how many, the first 100)`` request ids of the file that have no check yet, computed in
    DuckDB rather than in Python sets."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE run_missing AS
           SELECT request_id FROM read_json(?, format = 'newline_delimited',
                                            columns = {'request_id': 'VARCHAR'})
           EXCEPT SELECT request_id FROM link_checks WHERE run_id = ?""",
        [str(requests_path), run_id])
    try:
        row = con.execute("SELECT count(*) FROM run_missing").fetchone()
        sample = [r[0] for r in con.execute(
            "SELECT request_id FROM run_missing ORDER BY 1 LIMIT 100").fetchall()]
    finally:
        con.execute("DROP TABLE IF EXISTS run_missing")
    return (int(row[0]) if row else 0), sample


def explain_missing(settings: Settings, missing: list[str]) -> str:
    """Why checks may be missing: no worker in the group, requests or checks still queued."""
    try:
        workers = group_members(settings, settings.kafka_group_workers)
        request_lag = sum(group_lag(settings, settings.kafka_group_workers,
                                    settings.kafka_topic_requests).values())
    except (KafkaError, TransientError) as exc:
        return f"the broker could not be asked why ({first_line(exc)})"
    reasons = []
    if workers == 0:
        reasons.append(f"no worker is in group {settings.kafka_group_workers} (start one: "
                       "`linkvet worker`)")
    else:
        reasons.append(f"{workers} worker(s) in group {settings.kafka_group_workers}")
    reasons.append(f"{request_lag} crawl request(s) not yet done by the workers")
    sample = ", ".join(missing[:10])
    return f"{'; '.join(reasons)}; missing request ids (first 10): {sample}"


def enqueue_and_wait(settings: Settings, requests_path: Path, run_id: str,
                     timeout_s: float = DEFAULT_TIMEOUT_S) -> KafkaRunResult:
    """Ensure topics, publish the run's requests, ingest until all have a row in DuckDB.
    Raises :class:`RunIncompleteError` (transient) naming the missing request ids."""
    started = time.monotonic()
    ensure_topics(settings)
    published = publish_requests(settings, requests_path)
    log.info("run %s: %d crawl request(s) published to %s", run_id, published,
             settings.kafka_topic_requests)
    deadline = started + timeout_s
    stored = 0

    def done(con: duckdb.DuckDBPyConnection) -> bool:
        nonlocal stored
        stored = stored_count(con, run_id)
        return stored >= published

    stats = ingest_kafka(settings, idle_timeout_s=0.0, until=done,
                         should_stop=lambda: time.monotonic() >= deadline)
    from flows.db import open_store

    con = open_store(settings)
    try:
        n_missing, missing = missing_requests(con, requests_path, run_id)
    finally:
        con.close()
    if n_missing:
        raise RunIncompleteError(
            f"run {run_id}: {n_missing} of {published} request(s) have no check after "
            f"{timeout_s:.0f}s: {explain_missing(settings, missing)}", missing)
    return KafkaRunResult(run_id, published, published, stats, time.monotonic() - started)
