"""The three topics of Kafka mode, created idempotently from settings (partitions, replication,
retention). An existing topic is left as it is (its partition count is reported, never changed:
re-partitioning moves keys between partitions, which is an operator's decision)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.errors import CoordinatorNotAvailableError, KafkaError, TopicAlreadyExistsError

from linkvet.errors import ConfigError, TransientError
from linkvet.kafka_config import client_kwargs, topic_specs
from linkvet.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicState:
    name: str
    partitions: int
    created: bool


def admin_client(settings: Settings, client_id: str = "linkvet-admin", *,
                 bootstrap_timeout_ms: int = 30_000) -> KafkaAdminClient:
    try:
        return KafkaAdminClient(**client_kwargs(settings, client_id=client_id),
                                bootstrap_timeout_ms=bootstrap_timeout_ms)
    except KafkaError as exc:
        raise TransientError(
            f"cannot reach Kafka at {settings.kafka_bootstrap_servers} ({exc}); start the broker "
            "(infra/kafka/kafka.sh start) or fix LINKVET_KAFKA_BOOTSTRAP_SERVERS") from exc


def ensure_topics(settings: Settings) -> list[TopicState]:
    """Create the missing topics; returns every topic's state."""
    specs = topic_specs(settings)
    admin = admin_client(settings)
    try:
        created: set[str] = set()
        for name, spec in specs.items():
            try:
                admin.create_topics({name: spec}, wait_for_metadata=True)
                created.add(name)
                log.info("created topic %s (%d partitions)", name, spec["num_partitions"])
            except TopicAlreadyExistsError:
                pass
            except KafkaError as exc:
                if "replication" in str(exc).lower():
                    raise ConfigError(
                        f"cannot create {name} with replication {spec['replication_factor']}: "
                        f"{exc}; lower LINKVET_KAFKA_REPLICATION to at most the broker count"
                    ) from exc
                raise TransientError(f"creating topic {name} failed: {exc}") from exc
        described = admin.describe_topics(list(specs))
    finally:
        admin.close()
    counts = {d["name"]: len(d.get("partitions") or []) for d in described}
    return [TopicState(name, counts.get(name, 0), name in created) for name in specs]


def group_lag(settings: Settings, group: str, topic: str) -> dict[int, int]:
    """``{partition: end offset - committed offset}`` of ``group`` on ``topic`` (a partition the
    group never committed counts from the log start)."""
    from kafka import KafkaConsumer, TopicPartition

    admin = admin_client(settings)
    consumer = KafkaConsumer(**client_kwargs(settings, client_id="linkvet-lag"))
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return {}
        ends = consumer.end_offsets(tps)
        starts = consumer.beginning_offsets(tps)
        committed = admin.list_group_offsets({group: tps}).get(group, {})
    finally:
        consumer.close()
        admin.close()
    out = {}
    for tp in tps:
        meta = committed.get(tp)
        done = meta.offset if meta is not None and meta.offset >= 0 else starts.get(tp, 0)
        out[tp.partition] = max(0, ends.get(tp, 0) - done)
    return out


def group_members(settings: Settings, group: str) -> int:
    """How many consumers are in ``group`` right now."""
    admin = admin_client(settings)
    try:
        described = admin.describe_groups([group])
    except CoordinatorNotAvailableError:
        return 0  # the group coordinator is still being set up: nobody has joined yet
    finally:
        admin.close()
    groups = described.values() if isinstance(described, dict) else described
    return sum(len(d.get("members") or []) for d in groups if isinstance(d, dict))
