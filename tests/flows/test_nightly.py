"""The ``nightly`` and ``recrawl`` flows on the sandbox web, in the session's Prefect harness
(the real server, its schedules and the UI are covered by tests/infra/test_prefect_server.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.nightly import ExportFile, due_sources, nightly, recrawl, run_settings
from flows.pipeline import summary_markdown
from flows.verify import RunSummary
from linkvet.sandbox import write_ahrefs_export
from tests.fixtures.sandbox import RunningSandbox


def rows(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(data_dir / "linkvet.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def sandbox_env(tmp_path: Path, sandbox: RunningSandbox,
                monkeypatch: pytest.MonkeyPatch) -> Path:
    """Worker-style settings from the environment, pointing at the sandbox web."""
    host_map = tmp_path / "hostmap.json"
    sandbox.web.write_host_map(host_map)
    monkeypatch.setenv("LINKVET_PROXY", sandbox.proxy_url)
    monkeypatch.setenv("LINKVET_HOST_MAP", str(host_map))
    monkeypatch.setenv("LINKVET_ALLOW_HOSTS", json.dumps(["*.example"]))
    monkeypatch.setenv("LINKVET_DATA_DIR", str(tmp_path / "unused"))
    return tmp_path / "data"


@pytest.mark.slow
def test_nightly_then_recrawl(prefect_harness: None, sandbox: RunningSandbox,
                              sandbox_env: Path) -> None:
    data_dir = sandbox_env
    export = data_dir.parent / "ahrefs.csv"
    exported = write_ahrefs_export(sandbox.web, export)
    target = sandbox.web.target_host
    pages = {p.url for p in sandbox.web.referring_pages()}

    first = nightly(exports=[ExportFile(path=str(export), tool="ahrefs", target=target)],
                    target=target, render="never", limit=4, data_dir=str(data_dir))
    assert first["imported"][0]["imported"] == exported
    assert first["due"] == len(pages)
    assert (first["run"]["requested"], first["run"]["checked"]) == (4, 4)
    links = rows(data_dir, "SELECT count(*) FROM backlinks")[0][0]
    assert first["judge"]["links"] == links
    checked_pages = {r[0] for r in rows(data_dir, "SELECT DISTINCT source_url FROM link_checks")}

    settings = run_settings(str(data_dir))
    assert settings.proxy == sandbox.proxy_url  # the rest of the settings: the environment
    assert set(due_sources.fn(settings, 20.0, None)) == pages - checked_pages
    assert due_sources.fn(settings, 0.0, None) == sorted(pages)  # a zero window: all due

    second = nightly(render="never", limit=2, data_dir=str(data_dir))
    assert second["imported"] == []
    assert second["due"] == len(pages - checked_pages)
    assert second["run"]["checked"] == 2

    lost = rows(data_dir, """SELECT count(*) FROM (SELECT link_id, arg_max(outcome, checked_at)
                              AS last FROM link_checks GROUP BY 1) WHERE last <> 'live'""")[0][0]
    again = recrawl(only="lost", render="never", data_dir=str(data_dir))
    assert again["run"]["requested"] == lost

    # Nothing changed outcome since today: nothing to crawl, and the run still completes.
    unchanged = recrawl(changed_since=datetime.now(UTC).date(), data_dir=str(data_dir))
    assert (unchanged["run"]["requested"], unchanged["run"]["checked"]) == (0, 0)
    runs = rows(data_dir, "SELECT count(*) FROM runs WHERE status = 'done'")[0][0]
    assert runs == 4


def test_summary_markdown() -> None:
    summary = RunSummary(
        run_id="r1", mode="embedded", requested=3, checked=3, live=1, lost=1, unknown=1,
        outcomes={"live": 1, "link_removed": 1, "transient_failure": 1},
        by_domain=[{"host": "blog|x.example", "checked": 3, "live": 1, "lost": 1}],
        ingest={}, duckdb_path="data/linkvet.duckdb", lake_dir="data/lake")
    text = summary_markdown(summary, {"links": 9, "model_version": "m1", "toxic": 2,
                                      "tiers": {"good": 7, "toxic": 2}})
    assert "| 3 | 3 | 1 | 1 | 1 |" in text
    assert "| link_removed | 1 |" in text
    assert "| blog\\|x.example | 3 | 1 | 1 |" in text
    assert "9 links judged with model `m1`; 2 toxic." in text
    assert "| toxic | 2 |" in text
