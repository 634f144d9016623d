"""A group member that joined before its topic existed gets the partitions once the topic is
created, within seconds (workers and the ingest may start before a run creates its topics)."""

from __future__ import annotations

import time
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic

from linkvet.kafka_config import consumer_kwargs
from linkvet.settings import Settings

pytestmark = pytest.mark.kafka


def test_a_member_that_joined_before_the_topic_existed_is_assigned_its_partitions(
        kafka_bootstrap: str) -> None:
    tag = uuid.uuid4().hex[:8]
    topic = f"late-{tag}"
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap)
    consumer = KafkaConsumer(**consumer_kwargs(settings, group_id=f"late-{tag}",
                                               client_id="late-member"))
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            consumer.poll(timeout_ms=200)
        assert consumer.assignment() == set()  # joined; the topic does not exist yet
        admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
        created = time.monotonic()
        while not consumer.assignment() and time.monotonic() - created < 30:
            consumer.poll(timeout_ms=200)
        waited = time.monotonic() - created
        assert {tp.partition for tp in consumer.assignment()} == {0, 1, 2}
        assert waited < 15
    finally:
        consumer.close()
        admin.delete_topics([topic])
        admin.close()
