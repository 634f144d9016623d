"""The Kafka broker from infra/kafka serves kafka-python and kcat, and kafka.sh manages it."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from tests.fixtures.kafka import KafkaBroker, KafkaTopicFactory

pytestmark = pytest.mark.kafka

KEY = b"https://example.org/blog/post-1"
VALUE = b'{"target":"https://linkvet.example/","anchor":"caf\xc3\xa9 | links"}'
HEADERS = [("source", b"ahrefs"), ("schema", b"backlink/1"), ("empty", b"")]


def produce_one(bootstrap: str, topic: str) -> tuple[int, int]:
    """Sends KEY/VALUE/HEADERS with acks=all and idempotence; returns (partition, offset)."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        client_id="linkvet-test-producer",
    )
    try:
        metadata = producer.send(topic, key=KEY, value=VALUE, headers=HEADERS).get(timeout=30)
    finally:
        producer.close()
    return metadata.partition, metadata.offset


def test_topic_factory_creates_the_requested_partitions(
    kafka_bootstrap: str, kafka_topic_factory: KafkaTopicFactory
) -> None:
    topic = kafka_topic_factory(partitions=3)
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap)
    try:
        assert consumer.partitions_for_topic(topic) == {0, 1, 2}
    finally:
        consumer.close()


def test_kafka_python_round_trip_with_consumer_group(
    kafka_bootstrap: str, kafka_topic_factory: KafkaTopicFactory
) -> None:
    topic = kafka_topic_factory(partitions=6)
    partition, offset = produce_one(kafka_bootstrap, topic)
    assert offset == 0

    consumer = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap,
        group_id=f"{topic}-group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    try:
        consumer.subscribe([topic])
        records = []
        for _ in range(60):
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
            if records:
                break
        assert [(r.topic, r.partition, r.offset) for r in records] == [(topic, partition, 0)]
        record = records[0]
        assert record.key == KEY
        assert record.value == VALUE
        assert record.headers == HEADERS
        consumer.commit()
        assert consumer.committed(TopicPartition(topic, partition)) == 1
    finally:
        consumer.close()


def test_kcat_reads_what_kafka_python_wrote(
    kafka_bootstrap: str, kafka_topic_factory: KafkaTopicFactory
) -> None:
    topic = kafka_topic_factory(partitions=6)
    partition, offset = produce_one(kafka_bootstrap, topic)

    result = subprocess.run(
        ["kcat", "-C", "-q", "-J", "-b", kafka_bootstrap, "-t", topic, "-o", "beginning", "-e"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    envelopes = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(envelopes) == 1
    envelope = envelopes[0]
    assert (envelope["topic"], envelope["partition"], envelope["offset"]) == (
        topic,
        partition,
        offset,
    )
    assert envelope["broker"] == 1
    assert envelope["key"] == KEY.decode()
    assert envelope["payload"] == VALUE.decode()
    # kcat flattens headers to [name, value, name, value, ...].
    assert envelope["headers"] == [
        "source",
        "ahrefs",
        "schema",
        "backlink/1",
        "empty",
        "",
    ]


def test_status_reports_the_session_broker_running(kafka_broker: KafkaBroker | None) -> None:
    if kafka_broker is None:
        pytest.skip("LINKVET_TEST_KAFKA_BOOTSTRAP points at a broker this session does not own")

    result = kafka_broker.run("status")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("running (pid ")
    assert f"bootstrap {kafka_broker.bootstrap} data {kafka_broker.data_dir}\n" in result.stdout


def java_processes_using(data_dir: Path) -> str:
    result = subprocess.run(
        ["pgrep", "-a", "-f", f"java .*{data_dir}/"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def kcat_metadata(bootstrap: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kcat", "-L", "-b", bootstrap, "-m", "10"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_start_then_stop_leaves_no_process_behind(tmp_path: Path) -> None:
    broker = KafkaBroker.on_free_ports(tmp_path / "kafka")
    try:
        broker.start()
        assert java_processes_using(broker.data_dir) != ""

        metadata = kcat_metadata(broker.bootstrap)
        assert metadata.returncode == 0, metadata.stderr
        assert f"  broker 1 at {broker.bootstrap} (controller)\n" in metadata.stdout

        again = broker.run("start")
        assert again.returncode == 0, again.stderr
        assert "already running" in again.stderr
    finally:
        broker.stop()

    assert java_processes_using(broker.data_dir) == ""
    status = broker.run("status")
    assert (status.returncode, status.stdout) == (1, f"stopped (data {broker.data_dir})\n")
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", broker.port)) != 0
