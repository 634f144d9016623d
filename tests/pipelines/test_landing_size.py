"""Embedded mode stores what Kafka mode stores: the landing files shrink a check over the
record bound with the same rule (schemas.fit), and the ingest counts every occurrence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.settings import Settings as ScrapySettings
from scrapy.statscollectors import MemoryStatsCollector

from flows.db import connect
from flows.ingest import ingest_landing_files
from linkvet.settings import Settings
from pipelines.landing import LandingPipeline
from schemas.fit import MAX_RECORD_BYTES, fit
from schemas.records import LinkCheck
from tests.pipelines.test_kafka_publish_size import check_of, farm_page


def test_landing_files_hold_shrunk_checks_and_ingest_counts_every_occurrence(
        tmp_path: Path) -> None:
    farm = check_of(farm_page(links=6_000, hosts=6_000), "farm")
    small = check_of('<p>Read <a href="https://acme.example/">Acme</a> today.</p>', "small")
    settings = Settings(data_dir=tmp_path / "data")
    crawler: Any = type("Crawler", (), {})()
    crawler.settings = ScrapySettings()
    crawler.stats = MemoryStatsCollector(crawler)
    pipeline = LandingPipeline(settings.landing_dir, 100, crawler)
    pipeline.open_spider()
    returned = [pipeline.process_item(c) for c in (farm, small)]
    pipeline.close_spider()
    lines = [ln for p in sorted(settings.landing_dir.glob("*.jsonl"))
             for ln in p.read_bytes().splitlines()]
    assert len(lines) == 2
    assert len(lines[0]) <= MAX_RECORD_BYTES
    assert lines[0] == fit(farm)[1]  # the same bytes the Kafka publisher sends
    assert LinkCheck.model_validate_json(lines[0]) == returned[0]
    assert LinkCheck.model_validate_json(lines[1]) == small and returned[1] is small
    assert crawler.stats.get_value("linkvet/landing/shrunk_checks") == 1

    summary = ingest_landing_files(settings)
    assert summary.inserted == 2
    con = connect(settings.duckdb_path)
    try:
        rows = con.execute("""SELECT request_id, occurrences, link_present, outbound_links,
                                     len(outbound_hosts), json_array_length(links)
                              FROM link_checks ORDER BY request_id""").fetchall()
    finally:
        con.close()
    listed, hosts = len(returned[0].links), len(returned[0].page.outbound_hosts)
    assert 0 < listed < 6_000
    assert rows == [("farm", 6_000, True, 12_000, hosts, listed), ("small", 1, True, 1, 1, 1)]
