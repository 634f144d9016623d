"""The scheduled and the on-demand verification flows.

- ``nightly`` (cron deployment): refresh the configured exports, pick the links whose last
  check is older than ``recheck_after_hours`` (or that were never checked), verify them
  (embedded or Kafka mode by configuration), then judge and act (:mod:`flows.pipeline`).
- ``recrawl`` (no schedule; the UI's "Custom run" or the API): verify a chosen slice now.

Crawls of every run share one Prefect global concurrency limit, :data:`CRAWL_LIMIT`, so
concurrent runs on a worker pool cannot overload the crawl capacity (or the one DuckDB file).
Settings come from the worker's environment (``LINKVET_*``, ``linkvet.toml``); ``data_dir``
overrides the data folder for one run.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from prefect import flow, task
from prefect.concurrency.sync import concurrency
from pydantic import BaseModel, Field

from flows.db import open_store
from flows.imports import import_backlinks
from flows.pipeline import after_verify
from flows.retry import BACKOFF_SECONDS, retry_if_transient
from flows.verify import RunSummary, verify_run
from linkvet.settings import RenderMode, Settings, load_settings

log = logging.getLogger(__name__)

CRAWL_LIMIT = "linkvet-crawl"

Only = Literal["lost", "toxic", "changed"]

DUE_SQL = """
SELECT DISTINCT b.source_url
FROM backlinks b
LEFT JOIN (SELECT link_id, max(checked_at) AS last_checked FROM link_checks GROUP BY 1) c
    USING (link_id)
WHERE (c.last_checked IS NULL OR c.last_checked < $cutoff)
  AND ($target IS NULL OR b.target_domain = $target OR b.target_url = $target)
ORDER BY 1
"""


class ExportFile(BaseModel):
    """One backlink export to import before the nightly verification."""

    path: str = Field(description="Path of the CSV/XLSX export, as the worker sees it")
    tool: str = Field(description="ahrefs, semrush, majestic, moz, gsc, bing or csv")
    target: str = Field(description="The site the export is about, e.g. acme.example")


def run_settings(data_dir: str | None) -> Settings:
    """The worker's settings; ``data_dir`` (when given) overrides the data folder."""
    return load_settings(data_dir=Path(data_dir)) if data_dir else load_settings()


@task(
    name="due-links",
    retries=3,
    retry_delay_seconds=BACKOFF_SECONDS,
    retry_condition_fn=retry_if_transient,
)
def due_sources(settings: Settings, recheck_after_hours: float, target: str | None) -> list[str]:
    """Linking pages with a link never checked or last checked before the cutoff."""
    cutoff = datetime.now(UTC) - timedelta(hours=recheck_after_hours)
    con = open_store(settings)
    try:
        rows = con.execute(DUE_SQL, {"cutoff": cutoff, "target": target}).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def verify_under_limit(settings: Settings, **selection: Any) -> RunSummary:
    """One verification run holding a slot of :data:`CRAWL_LIMIT` for its whole crawl."""
    with concurrency(CRAWL_LIMIT, occupy=1):
        return verify_run(settings, **selection)


@flow(name="nightly", log_prints=True)
def nightly(
    exports: list[ExportFile] | None = None,
    recheck_after_hours: float = 20.0,
    target: str | None = None,
    render: RenderMode = "auto",
    limit: int | None = None,
    data_dir: str | None = None,
) -> dict[str, Any]:
    """The nightly pass: import ``exports`` (if any), re-verify every link not checked in the
    last ``recheck_after_hours`` hours (only ``target``'s links when set, at most ``limit``),
    store the facts, then judge, raise alerts, snapshot trends and write the report."""
    settings = run_settings(data_dir)
    imported = [
        import_backlinks(e.path, e.tool, e.target, data_dir=str(settings.data_dir))
        for e in exports or []
    ]
    due = due_sources(settings, recheck_after_hours, target)
    print(f"{len(due)} linking page(s) due for a recheck")
    if not due:
        return {"imported": imported, "due": 0, "run": None, "judge": None, "act": None}
    summary = verify_under_limit(settings, urls=due, target=target, render=render, limit=limit)
    print(f"run {summary.run_id}: {summary.checked} checked, {summary.live} live, "
          f"{summary.lost} lost, {summary.unknown} unknown")
    return {"imported": imported, "due": len(due), "run": asdict(summary),
            **after_verify(settings, summary)}


@flow(name="recrawl", log_prints=True)
def recrawl(
    target: str | None = None,
    urls: list[str] | None = None,
    only: Only | None = None,
    changed_since: date | None = None,
    render: RenderMode = "auto",
    priority: int = 0,
    limit: int | None = None,
    data_dir: str | None = None,
) -> dict[str, Any]:
    """Re-verify now: the links to ``target`` (a domain or URL), or on the linking pages in
    ``urls``, narrowed by ``only`` (``lost``: last check not live; ``toxic``: scored toxic;
    ``changed``: outcome changed since ``changed_since``). ``render``: auto, never or always
    use Chromium; higher ``priority`` is crawled first. Then judge and act as nightly does."""
    if changed_since is not None and only is None:
        only = "changed"
    settings = run_settings(data_dir)
    summary = verify_under_limit(
        settings,
        target=target,
        urls=urls or None,
        only=only,
        changed_since=changed_since.isoformat() if changed_since else None,
        render=render,
        priority=priority,
        limit=limit,
    )
    print(f"run {summary.run_id}: {summary.requested} requested, {summary.checked} checked, "
          f"{summary.live} live, {summary.lost} lost")
    return {"run": asdict(summary), **after_verify(settings, summary)}
