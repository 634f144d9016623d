"""The verification run: plan crawl requests from ``backlinks``, crawl, ingest, summarise.

Embedded mode (the default): the spider runs in a child process and writes landing files that
the same ingest code loads. Kafka mode (``LINKVET_KAFKA_BOOTSTRAP_SERVERS`` set) enqueues the
requests on Kafka instead and waits for the workers' results (flows.kafka_run).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, task

from flows.crawl import run_crawl
from flows.db import open_store
from flows.ingest import IngestSummary, ingest_landing_files
from flows.retry import BACKOFF_SECONDS, retry_if_transient
from flows.sql import host_sql
from linkvet.ids import request_id
from linkvet.settings import RenderMode, Settings, load_settings
from schemas.records import CrawlRequest

log = logging.getLogger(__name__)

PLAN_CHUNK_ROWS = 10_000


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    mode: str
    requested: int
    checked: int
    live: int
    lost: int
    unknown: int
    outcomes: dict[str, int]
    by_domain: list[dict[str, Any]]
    ingest: dict[str, int]
    duckdb_path: str
    lake_dir: str


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def select_links(
    con: duckdb.DuckDBPyConnection,
    *,
    target: str | None = None,
    urls: list[str] | None = None,
    only: str | None = None,
    changed_since: str | None = None,
    limit: int | None = None,
) -> Iterator[tuple[str, str, str]]:
    """``(link_id, source_url, target_url)`` of the links to check, streamed from the store in
    chunks (a nightly run may hold millions).

    ``only``: ``lost`` (last check not live), ``toxic`` (scored toxic), ``changed`` (outcome
    changed since ``changed_since``), or ``None`` for all."""
    where = ["1=1"]
    params: list[Any] = []
    if target:
        where.append("(b.target_domain = ? OR b.target_url = ?)")
        params += [target, target]
    if urls:
        where.append("b.source_url IN (SELECT unnest(?))")
        params.append(urls)
    if only == "lost":
        where.append("""b.link_id IN (SELECT link_id FROM (
            SELECT link_id, outcome, row_number() OVER (PARTITION BY link_id
                ORDER BY checked_at DESC) rn FROM link_checks)
            WHERE rn = 1 AND outcome <> 'live')""")
    elif only == "toxic":
        where.append("b.link_id IN (SELECT link_id FROM link_scores WHERE toxic)")
    elif only == "changed":
        where.append("""b.link_id IN (SELECT link_id FROM link_checks
            WHERE checked_at >= CAST(? AS TIMESTAMPTZ)
            GROUP BY link_id HAVING count(DISTINCT outcome) > 1)""")
        params.append(changed_since or "1970-01-01")
    sql = f"""SELECT b.link_id, b.source_url, b.target_url FROM backlinks b
              WHERE {" AND ".join(where)} ORDER BY b.source_domain, b.source_url"""
    if limit:
        sql += f" LIMIT {int(limit)}"
    result = con.execute(sql, params)
    while chunk := result.fetchmany(PLAN_CHUNK_ROWS):
        for r in chunk:
            yield r[0], r[1], r[2]


def write_requests(
    path: Path,
    run_id: str,
    links: Iterable[tuple[str, str, str]],
    render: RenderMode,
    priority: int = 0,
) -> int:
    """Write one CrawlRequest per ``(link_id, source_url, target)`` as JSON lines (streamed);
    returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        for link, source, target in links:
            cr = CrawlRequest(
                request_id=request_id(run_id, link),
                run_id=run_id,
                link_id=link,
                source_url=source,
                target=target,
                render=render,
                priority=priority,
                requested_at=now,
            )
            fh.write(cr.model_dump_json() + "\n")
            written += 1
    return written


@task(name="plan-requests")
def plan_requests(
    settings: Settings,
    run_id: str,
    *,
    target: str | None,
    urls: list[str] | None,
    only: str | None,
    changed_since: str | None,
    render: RenderMode,
    priority: int,
    limit: int | None,
) -> tuple[Path, int]:
    path = settings.data_dir / "runs" / run_id / "requests.jsonl"
    con = open_store(settings)
    try:
        links = select_links(
            con, target=target, urls=urls, only=only, changed_since=changed_since, limit=limit
        )
        written = write_requests(path, run_id, links, render, priority)
        con.execute(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, NULL, 'running')",
            [
                run_id,
                "kafka" if settings.kafka_mode else "embedded",
                target,
                written,
                datetime.now(UTC),
            ],
        )
    finally:
        con.close()
    return path, written


@task(
    name="crawl",
    retries=1,
    retry_delay_seconds=BACKOFF_SECONDS,
    retry_condition_fn=retry_if_transient,
)
def crawl(settings: Settings, requests: Path, run_id: str) -> dict[str, Any]:
    return run_crawl(
        settings,
        requests=requests,
        landing=settings.landing_dir / run_id,
        work_dir=settings.data_dir / "runs" / run_id,
    )


@task(
    name="ingest",
    retries=3,
    retry_delay_seconds=BACKOFF_SECONDS,
    retry_condition_fn=retry_if_transient,
)
def ingest(settings: Settings) -> IngestSummary:
    return ingest_landing_files(settings)


@task(name="summarise")
def summarise(
    settings: Settings, run_id: str, requested: int, ingest_summary: IngestSummary
) -> RunSummary:
    con = open_store(settings)
    try:
        outcomes = dict(
            con.execute(
                "SELECT outcome, count(*) FROM link_checks WHERE run_id = ? GROUP BY 1 ORDER BY 1",
                [run_id],
            ).fetchall()
        )
        rows = con.execute(
            f"""
            SELECT {host_sql("source_url")} AS host,
                   count(*) AS checked,
                   count(*) FILTER (WHERE outcome = 'live') AS live,
                   count(*) FILTER (WHERE outcome NOT IN ('live', 'transient_failure',
                                                          'robots_blocked')) AS lost
            FROM link_checks WHERE run_id = ? GROUP BY 1 ORDER BY 2 DESC, 1""",
            [run_id],
        ).fetchall()
        con.execute(
            "UPDATE runs SET finished_at = ?, status = 'done' WHERE run_id = ?",
            [datetime.now(UTC), run_id],
        )
    finally:
        con.close()
    checked = sum(outcomes.values())
    live = outcomes.get("live", 0)
    unknown = outcomes.get("transient_failure", 0) + outcomes.get("robots_blocked", 0)
    return RunSummary(
        run_id=run_id,
        mode="kafka" if settings.kafka_mode else "embedded",
        requested=requested,
        checked=checked,
        live=live,
        lost=checked - live - unknown,
        unknown=unknown,
        outcomes=outcomes,
        by_domain=[{"host": h, "checked": c, "live": lv, "lost": ls} for h, c, lv, ls in rows],
        ingest=asdict(ingest_summary),
        duckdb_path=str(settings.duckdb_path),
        lake_dir=str(settings.lake_dir),
    )


def verify_run(
    settings: Settings,
    *,
    target: str | None = None,
    urls: list[str] | None = None,
    only: str | None = None,
    changed_since: str | None = None,
    render: RenderMode = "auto",
    priority: int = 0,
    limit: int | None = None,
) -> RunSummary:
    """One verification run with the given settings (called by flows and the CLI)."""
    run_id = new_run_id()
    requests, n = plan_requests(
        settings,
        run_id,
        target=target,
        urls=urls,
        only=only,
        changed_since=changed_since,
        render=render,
        priority=priority,
        limit=limit,
    )
    if n:
        if settings.kafka_mode:
            import importlib

            kafka_run = importlib.import_module("flows.kafka_run")
            kafka_run.enqueue_and_wait(settings, requests, run_id)
        else:
            crawl(settings, requests, run_id)
    ingest_summary = ingest(settings)
    return summarise(settings, run_id, n, ingest_summary)


@flow(name="verify", log_prints=True)
def verify(
    target: str | None = None,
    data_dir: str = "data",
    render: RenderMode = "auto",
    limit: int | None = None,
) -> dict[str, Any]:
    """Verify every known backlink of ``target`` (all targets when empty): crawl the linking
    pages, store the facts in DuckDB and the Parquet lake, and return a summary."""
    settings = load_settings(data_dir=Path(data_dir))
    return asdict(verify_run(settings, target=target, render=render, limit=limit))
