"""A Kafka-mode run that cannot finish: the requests are published, and the wait ends with the
missing request ids counted in DuckDB and the reason named (no worker in the group)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.kafka_run import RunIncompleteError, enqueue_and_wait
from flows.topics import ensure_topics
from linkvet.sandbox import SandboxWeb
from tests.flows.test_kafka_support import kafka_settings, read_topic, write_requests

pytestmark = [pytest.mark.kafka]


def test_a_run_without_workers_names_every_missing_request(kafka_bootstrap: str,
                                                           tmp_path: Path) -> None:
    web = SandboxWeb(seed=0, filler_hosts=20, pages_per_host=4)
    settings = kafka_settings(kafka_bootstrap, tmp_path / "data")
    ensure_topics(settings)
    requests = write_requests(web, tmp_path / "requests.jsonl", "run-no-workers", 60)
    assert len(requests) == 60
    with pytest.raises(RunIncompleteError) as raised:
        enqueue_and_wait(settings, tmp_path / "requests.jsonl", "run-no-workers", timeout_s=3)
    error = raised.value
    assert sorted(error.missing) == sorted(r.request_id for r in requests)
    assert "60 of 60 request(s) have no check" in str(error)
    assert f"no worker is in group {settings.kafka_group_workers}" in str(error)
    # Every request was published once, keyed by its site.
    published = read_topic(kafka_bootstrap, settings.kafka_topic_requests, 60)
    assert sorted(r.value for r in published) == sorted(
        r.model_dump_json().encode() for r in requests)
