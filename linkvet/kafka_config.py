"""Kafka client configuration and the wire contract, as plain values (no Kafka import here).

Client keyword arguments for kafka-python are derived from :class:`Settings` in one place:
security (PLAINTEXT, SASL/PLAIN or SCRAM, TLS), the producer's delivery guarantees and batching,
and the consumers' manual-commit setup. The wire contract: a record's value is the JSON of its
pydantic model; headers ``schema`` and ``schema-version`` name it; crawl requests are keyed by
the linking page's registrable domain (one site, one partition, one worker at a time), link
checks by link id.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from linkvet.errors import ConfigError
from linkvet.settings import Settings
from linkvet.urls import domain_of

HEADER_SCHEMA = "schema"
HEADER_VERSION = "schema-version"
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
Compression = Literal["gzip", "none"]
# Measured with `linkvet bench kafka` on ~1.5 KB LinkCheck JSON (docs/kafka.md): gzip costs the
# pure-Python producer more CPU than it saves on a local or LAN broker; turn it on for WAN links.
DEFAULT_COMPRESSION: Compression = "none"
PRODUCER_LINGER_MS = 50
PRODUCER_BATCH_BYTES = 1024 * 1024
METADATA_MAX_AGE_MS = 5_000

Headers = list[tuple[str, bytes]]
M = TypeVar("M", bound=BaseModel)


def client_kwargs(settings: Settings, *, client_id: str = "linkvet") -> dict[str, Any]:
    """Connection and security keywords shared by producers, consumers and the admin client."""
    if not settings.kafka_bootstrap_servers:
        raise ConfigError(
            "Kafka mode needs LINKVET_KAFKA_BOOTSTRAP_SERVERS (host:port[,host:port...]); "
            "leave it unset to run in embedded mode"
        )
    protocol = settings.kafka_security_protocol
    out: dict[str, Any] = {
        "bootstrap_servers": [
            s.strip() for s in settings.kafka_bootstrap_servers.split(",") if s.strip()
        ],
        "client_id": client_id,
        "security_protocol": protocol,
    }
    if protocol.startswith("SASL_"):
        mechanism = (settings.kafka_sasl_mechanism or "").upper()
        if mechanism not in SASL_MECHANISMS:
            raise ConfigError(
                f"LINKVET_KAFKA_SECURITY_PROTOCOL={protocol} needs LINKVET_KAFKA_SASL_MECHANISM "
                f"set to one of {', '.join(SASL_MECHANISMS)} (got {mechanism or 'nothing'})"
            )
        if not settings.kafka_sasl_username or settings.kafka_sasl_password is None:
            raise ConfigError(
                f"SASL mechanism {mechanism} needs LINKVET_KAFKA_SASL_USERNAME and "
                "LINKVET_KAFKA_SASL_PASSWORD"
            )
        out["sasl_mechanism"] = mechanism
        out["sasl_plain_username"] = settings.kafka_sasl_username
        out["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    elif settings.kafka_sasl_mechanism:
        raise ConfigError(
            f"LINKVET_KAFKA_SASL_MECHANISM is set but LINKVET_KAFKA_SECURITY_PROTOCOL={protocol}; "
            "use SASL_SSL (or SASL_PLAINTEXT on a trusted network) or unset the mechanism"
        )
    if protocol.endswith("SSL"):
        out["ssl_check_hostname"] = True
        if settings.kafka_ssl_cafile:
            out["ssl_cafile"] = settings.kafka_ssl_cafile
    elif settings.kafka_ssl_cafile:
        raise ConfigError(
            f"LINKVET_KAFKA_SSL_CAFILE is set but LINKVET_KAFKA_SECURITY_PROTOCOL={protocol}; "
            "use SSL or SASL_SSL, or unset the CA file"
        )
    return out


def producer_kwargs(
    settings: Settings,
    *,
    client_id: str = "linkvet-producer",
    compression: Compression = DEFAULT_COMPRESSION,
) -> dict[str, Any]:
    """A producer that never loses or reorders an acknowledged record: every in-sync replica
    acknowledges (``acks='all'``), idempotence on; batches linger briefly for throughput."""
    return {
        **client_kwargs(settings, client_id=client_id),
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": PRODUCER_LINGER_MS,
        "batch_size": PRODUCER_BATCH_BYTES,
        "max_request_size": 4 * 1024 * 1024,
        "metrics_enabled": False,
        "compression_type": None if compression == "none" else compression,
    }


def consumer_kwargs(
    settings: Settings, *, group_id: str, client_id: str, max_poll_records: int = 500
) -> dict[str, Any]:
    """A group consumer that commits by hand, only after its work is durable."""
    return {
        **client_kwargs(settings, client_id=client_id),
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": max_poll_records,
        "session_timeout_ms": 10_000,
        "heartbeat_interval_ms": 2_000,
        "max_poll_interval_ms": 300_000,
        # The group leader assigns partitions from its metadata; a member that joined before a
        # new topic's partitions were in that metadata gets no partition, and the group
        # rebalances only when the leader's metadata is refreshed (every 5 minutes by
        # default). Refreshing every 5 s bounds that wait for a cheap metadata request.
        "metadata_max_age_ms": METADATA_MAX_AGE_MS,
    }


class RejoinTimer:
    """When a group member with no partition should subscribe again.

    A member can be left without partitions by an assignment the leader made before it knew
    the topic's partitions (the assignor logs "No partition metadata"), and the group does not
    always rebalance by itself. :meth:`due` is true once the member has had no partition for
    ``after_s`` seconds, at most ``max_times`` times in the member's life (so that a member
    that is legitimately idle, in a group with more members than partitions, stops asking).
    The caller also checks that the topic has partitions before it subscribes again."""

    def __init__(self, after_s: float = 15.0, max_times: int = 4) -> None:
        self.after_s = after_s
        self.max_times = max_times
        self.times = 0
        self._since: float | None = None

    def due(self, now: float, assigned: bool) -> bool:
        if assigned:
            self._since = None
            return False
        if self._since is None:
            self._since = now
            return False
        return now - self._since >= self.after_s and self.times < self.max_times

    def rejoined(self, now: float) -> None:
        self.times += 1
        self._since = now


def topic_specs(settings: Settings) -> dict[str, dict[str, Any]]:
    """``{topic: {num_partitions, replication_factor, configs}}`` for the admin client."""
    configs = {"retention.ms": str(settings.kafka_retention_ms)}
    if settings.kafka_replication > 1:
        configs["min.insync.replicas"] = str(min(2, settings.kafka_replication))
    return {
        name: {
            "num_partitions": settings.kafka_partitions,
            "replication_factor": settings.kafka_replication,
            "configs": dict(configs),
        }
        for name in (
            settings.kafka_topic_requests,
            settings.kafka_topic_checks,
            settings.kafka_topic_dead_letter,
        )
    }


# ------------------------------------------------------------------ wire contract
def request_key(source_url: str) -> bytes:
    """Crawl requests are keyed by the linking page's registrable domain."""
    return (domain_of(source_url) or source_url).encode("utf-8")


_HEADERS: dict[tuple[str, str], Headers] = {}


def headers_for(record: BaseModel) -> Headers:
    """``schema`` and ``schema-version`` headers of ``record``, as the (str, bytes) pairs
    kafka-python takes. Encoded once per (name, version) pair; every call returns a new list."""
    name = str(getattr(record, "schema_name", type(record).__name__))
    version = str(getattr(record, "schema_version", ""))
    headers = _HEADERS.get((name, version))
    if headers is None:
        headers = [(HEADER_SCHEMA, name.encode()), (HEADER_VERSION, version.encode())]
        _HEADERS[(name, version)] = headers
    return list(headers)


def encode(record: BaseModel) -> tuple[bytes, Headers]:
    """``(value, headers)`` of one record: the value is exactly ``model_dump_json()`` as UTF-8
    (serialised to bytes directly, without the intermediate ``str``)."""
    return type(record).__pydantic_serializer__.to_json(record), headers_for(record)


# ------------------------------------------------------------------ keyed partitioning
_MURMUR_SEED = 0x9747B28C


def python_murmur2(data: bytes) -> int:
    """Kafka's ``Utils.murmur2`` (MurmurHash2, seed 0x9747b28c) as an unsigned 32-bit int: the
    hash of the Java client's default partitioner and kafka-python's ``DefaultPartitioner``.
    In Python (2.4 us per key); :func:`murmur2` is the same in C where it was built."""
    m = 0x5BD1E995
    length = len(data)
    h = (_MURMUR_SEED ^ length) & 0xFFFFFFFF
    whole = length - length % 4
    for i in range(0, whole, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    rest = length % 4
    if rest == 3:
        h ^= data[whole + 2] << 16
    if rest >= 2:
        h ^= data[whole + 1] << 8
    if rest >= 1:
        h ^= data[whole]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    return h ^ (h >> 15)


# In C (linkvet/_cmurmur2.pyx, 0.1 us a key) where it was built. It holds the interpreter lock:
# the murmurhash2 package used before released it for each key, which handed the lock to the
# producer's I/O thread on every record (18 us a record of waiting, in the publisher).
try:
    from linkvet._cmurmur2 import murmur2 as _compiled_murmur2
except ImportError:  # pragma: no cover - a source tree nobody built
    _compiled_murmur2 = python_murmur2
murmur2: Callable[[bytes], int] = _compiled_murmur2


def key_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives a keyed record in a topic of
    ``partitions`` partitions (ids are 0..n-1): ``toPositive(murmur2(key)) % n``."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def header_value(headers: Any, name: str) -> str | None:
    for key, value in headers or ():
        if key == name:
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return None


def decode(model: type[M], value: bytes | None, headers: Any) -> M:
    """Validate one record against its model; the ``schema`` header, when present, must name it.
    Raises :class:`ValueError` (``ValidationError`` included) with the reason."""
    expected = model.model_fields["schema_name"].default
    named = header_value(headers, HEADER_SCHEMA)
    if named is not None and named != expected:
        raise ValueError(f"header schema={named!r}, expected {expected!r}")
    if value is None:
        raise ValueError("empty value (tombstone)")
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        raise ValueError(first_line(exc)) from exc


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = text.splitlines()
    return (" ".join(lines[:3]) if lines else type(exc).__name__)[:500]


DEAD_LETTER_ORIGINAL_BYTES = 256 * 1024


def dead_letter_fields(
    *,
    topic: str,
    partition: int | None,
    offset: int | None,
    key: bytes | None,
    value: bytes | None,
    error: str,
) -> dict[str, Any]:
    """The fields of a DeadLetter record: where the bad record was, its bytes and why. Only the
    first :data:`DEAD_LETTER_ORIGINAL_BYTES` of a larger original are kept: base64 makes bytes
    a third larger, and a bad record near the broker's size limit, dead-lettered whole, would be
    refused, failing its batch again at every retry."""
    original = value or b""
    return {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "key": key.decode("utf-8", "replace") if key is not None else None,
        "original": base64.b64encode(original[:DEAD_LETTER_ORIGINAL_BYTES]).decode("ascii"),
        "original_bytes": len(original),
        "error": error[:2000],
        "failed_at": datetime.now(UTC),
    }
