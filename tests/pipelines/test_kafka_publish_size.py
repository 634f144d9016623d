"""Checks of any size reach a real broker with its default record limit (1 MiB): a link farm
page with thousands of links to the target, or one enormous anchor, is analysed into a check
far larger than that, which the publisher shrinks (schemas.fit) instead of losing it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings as ScrapySettings
from scrapy.statscollectors import MemoryStatsCollector

from flows.topics import ensure_topics
from linkvet.facts import analyse
from linkvet.outcome import decide
from pipelines.kafka_publish import KafkaPublishPipeline
from schemas.fit import MAX_RECORD_BYTES
from schemas.records import FetchFacts, LinkCheck
from tests.flows.test_kafka_support import kafka_settings, read_topic

pytestmark = [pytest.mark.kafka]

SOURCE = "https://farm.example/all-links"


def farm_page(links: int, hosts: int) -> str:
    """``links`` links to acme.example, then ``hosts`` links to other sites."""
    to_target = "".join(f'<p>entry {i} <a href="https://acme.example/p/{i}">acme tool {i}</a></p>'
                        for i in range(links))
    others = "".join(f'<li><a href="https://site{i}.example{i % 89}.org/">site {i}</a></li>'
                     for i in range(hosts))
    return f"<html><head><title>Everything</title></head><body>{to_target}<ul>{others}</ul>"


def check_of(html: str, request_id: str) -> LinkCheck:
    analysis = analyse(html.encode(), SOURCE, headers={"Content-Type": "text/html"},
                       target="acme.example")
    fetch = FetchFacts(status=200, final_url=SOURCE, bytes=len(html), robots_allowed=True)
    outcome = decide(status=200, robots_allowed=True, error_kind=None,
                     content_type="text/html", source_url=SOURCE, final_url=SOURCE,
                     link_present=bool(analysis.links), noindex=analysis.page.noindex,
                     canonical=analysis.page.canonical,
                     canonical_is_self=analysis.page.canonical_is_self)
    return LinkCheck(check_id=f"c-{request_id}", request_id=request_id, run_id="run-size",
                     link_id=f"l-{request_id}", source_url=SOURCE, target="acme.example",
                     checked_at=datetime(2026, 11, 24, tzinfo=UTC), outcome=outcome,
                     fetch=fetch, page=analysis.page, links=analysis.links)


def test_checks_far_over_the_broker_limit_are_delivered_shrunk(kafka_bootstrap: str,
                                                              tmp_path: Path) -> None:
    settings = kafka_settings(kafka_bootstrap, tmp_path / "data")
    ensure_topics(settings)
    farm = check_of(farm_page(links=6_000, hosts=6_000), "farm")
    huge_anchor = check_of(
        '<p>See <a href="https://acme.example/">' + "very " * 400_000 + "long</a></p>", "anchor")
    small = check_of('<p>Read <a href="https://acme.example/">Acme</a> today.</p>', "small")
    assert len(farm.model_dump_json()) > 2 * 1024 * 1024  # the analysis itself is unbounded
    assert len(huge_anchor.model_dump_json()) > 1024 * 1024

    acked: list[str] = []
    nacked: list[tuple[str, str]] = []

    class Source:
        def ack(self, request_id: str) -> None:
            acked.append(request_id)

        def nack(self, request_id: str, reason: str) -> None:
            nacked.append((request_id, reason))

    crawler: Any = type("Crawler", (), {})()
    crawler.settings = ScrapySettings()
    crawler.spider = type("Spider", (), {"source": Source()})()
    stats = MemoryStatsCollector(crawler)
    pipeline = KafkaPublishPipeline(settings, crawler, stats, compression="none",
                                    client_id="test-size")
    pipeline.open_spider()
    try:
        returned = [pipeline.process_item(c) for c in (farm, huge_anchor, small)]
    finally:
        pipeline.close_spider()
    assert nacked == []
    assert sorted(acked) == ["anchor", "farm", "small"]
    assert returned[2] is small  # a check under the limit passes untouched

    got = {LinkCheck.model_validate_json(r.value).request_id: r
           for r in read_topic(kafka_bootstrap, settings.kafka_topic_checks, 3)}
    assert sorted(got) == ["anchor", "farm", "small"]
    assert all(len(r.value) <= MAX_RECORD_BYTES for r in got.values())
    stored = LinkCheck.model_validate_json(got["farm"].value)
    assert stored == returned[0]  # the pipeline hands on what it published
    assert stored.outcome == "live"
    assert stored.occurrences == 6_000
    assert 0 < len(stored.links) < 6_000
    assert stored.links_omitted == 6_000 - len(stored.links)
    assert stored.links[0] == farm.links[0]  # listed in page order from the first
    assert stored.page.outbound_domains == farm.page.outbound_domains
    assert stored.page.outbound_links == farm.page.outbound_links == 12_000
    anchor = LinkCheck.model_validate_json(got["anchor"].value)
    assert anchor.occurrences == 1
    assert anchor.links[0].anchor_text.startswith("very very ")
    assert len(anchor.links[0].anchor_text) < len(huge_anchor.links[0].anchor_text)
    assert LinkCheck.model_validate_json(got["small"].value) == small
