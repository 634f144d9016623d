"""Disk quota exhausted in the landing folder: a clear error, the crawl stops, nothing
half-written is left or counted, and what was sealed ingests exactly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.crawl import run_crawl
from flows.ingest import ingest_landing_files
from flows.verify import write_requests
from linkvet.ids import link_id
from linkvet.settings import Settings
from tests.fixtures.sandbox import RunningSandbox
from tests.fixtures.volumes import small_tmpfs


@pytest.fixture
def tiny_volume(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "tiny", "48k") as mount:
        yield mount


def test_full_landing_folder_stops_cleanly(
    sandbox: RunningSandbox, tiny_volume: Path, tmp_path: Path
) -> None:
    requests = tmp_path / "requests.jsonl"
    pages = sandbox.web.named_pages()
    write_requests(
        requests, "full", ((link_id(p.url, p.target), p.url, p.target) for p in pages), "never"
    )
    host_map = tmp_path / "hosts.json"
    sandbox.web.write_host_map(host_map)
    landing = tiny_volume / "landing"
    settings = Settings(
        data_dir=tmp_path / "data",
        proxy=sandbox.proxy_url,
        host_map=host_map,
        allow_hosts=["*.example"],
        render="never",
        download_timeout=10,
    )
    stats = run_crawl(
        settings,
        requests=requests,
        landing=landing,
        work_dir=tmp_path / "work",
        timeout_s=180,
        scrapy_extra={"LINKVET_LANDING_BATCH": 5},
    )
    assert stats["linkvet/landing/write_failed"] == 1
    assert stats["finish_reason"] == "landing_write_failed"
    assert list(landing.glob("*.tmp")) == []
    sealed = sorted(landing.glob("*.jsonl"))
    records = sum(len(f.read_bytes().splitlines()) for f in sealed)
    assert records == stats.get("linkvet/landing/records", 0) < len(pages)
    assert "free disk space" in (tmp_path / "work" / "crawl.log").read_text()
    # What was sealed before the disk filled up ingests exactly, once space is back.
    data = Settings(data_dir=tmp_path / "data")
    data.landing_dir.mkdir(parents=True)
    for f in sealed:
        (data.landing_dir / f.name).write_bytes(f.read_bytes())
    result = ingest_landing_files(data)
    assert (result.inserted, result.rejected) == (records, 0)
