"""Kafka mode's ingest: ``linkvet.link-checks`` into DuckDB + the Parquet lake, exactly once.

A consumer in group ``kafka_group_ingest`` (manual commits) collects a batch of up to
``ingest_batch_records`` records, stores it with :func:`flows.store.write_checks` (one DuckDB
transaction, deduplicated by ``check_id``), sends the records that failed validation to the
dead-letter topic and waits for the broker to acknowledge them, and only then commits the
batch's offsets. A crash anywhere replays at most the uncommitted batch, which stores nothing
twice. When partitions are revoked the current batch is stored and committed first.

The fast path: the raw JSON values go into DuckDB as one column and one vectorised statement
turns them into ``link_checks`` rows (:data:`ROWS_SQL`, the SQL twin of
``schemas.rows.check_row``; ``tests/flows/test_kafka_ingest.py`` holds the equivalence test).
It accepts a record only when it is exactly in the form our producer writes (re-serialising the
parsed record gives the same bytes: no extra or missing keys, no coerced types) and every
enumerated value and timestamp is valid. A batch where any record is refused goes through the
per-record pydantic path instead, which stores the valid records and dead-letters the rest.
"""

from __future__ import annotations

import json
import logging
import time
import types
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from inspect import isclass
from typing import Any, Literal, Union, get_args, get_origin

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from prefect import flow
from pydantic import BaseModel

from flows.db import open_store
from flows.store import checks_table, recover_lake, write_checks
from linkvet.errors import TransientError
from linkvet.kafka_config import (
    HEADER_SCHEMA,
    RejoinTimer,
    consumer_kwargs,
    dead_letter_fields,
    decode,
    encode,
    header_value,
    producer_kwargs,
)
from linkvet.settings import Settings, load_settings
from schemas.records import DeadLetter, LinkCheck
from schemas.rows import LINK_CHECK_COLUMNS

log = logging.getLogger(__name__)

_TIMESTAMP_RE = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})"
_ANCHOR_RANK_SQL = "CASE o.anchor_kind WHEN 'text' THEN 0 WHEN 'image' THEN 1 " \
                   "WHEN 'empty' THEN 2 ELSE 3 END"


# ------------------------------------------------------------------ the fast path
# Numeric bounds of a field (annotated_types metadata, e.g. Field(ge=0)) as SQL operators.
_BOUNDS = (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``(inner annotation, nullable)``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union {annotation}")
        return args[0], True
    return annotation, False


def duckdb_structure(model: type[BaseModel]) -> dict[str, Any]:
    """The ``json_transform`` structure of a model: every field, in declaration order."""

    def of(annotation: Any) -> Any:
        inner, _ = _unwrap(annotation)
        origin = get_origin(inner)
        if origin is Literal or inner is str or inner is datetime:
            return "VARCHAR"
        if origin is list:
            return [of(get_args(inner)[0])]
        if isclass(inner) and issubclass(inner, BaseModel):
            return duckdb_structure(inner)
        if inner is bool:
            return "BOOLEAN"
        if inner is int:
            return "BIGINT"
        if inner is float:
            return "DOUBLE"
        raise TypeError(f"no DuckDB type for {annotation}")

    return {name: of(f.annotation) for name, f in model.model_fields.items()}


def validity_sql(model: type[BaseModel], expr: str) -> list[str]:
    """SQL conditions, true when every enumerated value, timestamp and numeric bound under
    ``expr`` is valid (types and key sets are checked by the round trip in :data:`ROWS_SQL`)."""
    conds: list[str] = []
    for name, f in model.model_fields.items():
        inner, nullable = _unwrap(f.annotation)
        path = f"{expr}.{name}"
        cond: str | None = None
        if get_origin(inner) is Literal:
            allowed = ", ".join("'" + str(v).replace("'", "''") + "'" for v in get_args(inner))
            cond = f"{path} IN ({allowed})"
        elif inner is datetime:
            cond = (f"regexp_full_match({path}, '{_TIMESTAMP_RE}') "
                    f"AND TRY_CAST({path} AS TIMESTAMPTZ) IS NOT NULL")
        elif isclass(inner) and issubclass(inner, BaseModel):
            sub = validity_sql(inner, path)
            cond = " AND ".join(sub) if sub else None
        elif get_origin(inner) is list:
            item = get_args(inner)[0]
            if isclass(item) and issubclass(item, BaseModel):
                var = f"x{len(expr)}"
                sub = validity_sql(item, var)
                if sub:
                    cond = (f"coalesce(list_bool_and(list_transform({path}, lambda {var}: "
                            f"{' AND '.join(sub)})), true)")
        bounds = [f"{path} {op} {getattr(m, attr)!r}" for m in f.metadata
                  for attr, op in _BOUNDS if hasattr(m, attr)]
        if bounds:
            cond = " AND ".join(([cond] if cond else []) + bounds)
        if cond is not None:
            conds.append(f"({path} IS NULL OR ({cond}))" if nullable else f"({cond})")
    return conds


def _rows_sql() -> str:
    structure = json.dumps(duckdb_structure(LinkCheck)).replace("'", "''")
    valid = " AND ".join(validity_sql(LinkCheck, "r"))
    primary_key = (
        "(o.hidden::BIGINT << 40) + ((NOT o.follow)::BIGINT << 39) "
        f"+ ((o.placement <> 'content')::BIGINT << 38) + (({_ANCHOR_RANK_SQL})::BIGINT << 36) + i"
    )
    return f"""
WITH parsed AS (
    SELECT v, json_transform_strict(v, '{structure}') AS r
    FROM (SELECT decode(value) AS v FROM raw_values)
), chosen AS (
    SELECT v, r,
           CASE WHEN len(r.links) > 0 THEN
               list_min(list_transform(r.links, lambda o, i: {primary_key}))
               & 68719476735 END AS pidx
    FROM parsed
), occ AS (
    SELECT v, r, pidx, r.links[pidx] AS o FROM chosen
)
SELECT
    r.check_id AS check_id, r.request_id AS request_id, r.run_id AS run_id,
    r.link_id AS link_id, r.source_url AS source_url, r.target AS target,
    CAST(r.checked_at AS TIMESTAMPTZ) AS checked_at,
    CAST(left(r.checked_at, 10) AS DATE) AS check_date,
    r.outcome AS outcome, r.schema_version AS schema_version,
    CAST(r.fetch.status AS INTEGER) AS status, r.fetch.final_url AS final_url,
    CAST(r.fetch.redirects AS STRUCT(url VARCHAR, status INTEGER, kind VARCHAR)[]) AS redirects,
    r.fetch.elapsed_ms AS elapsed_ms, r.fetch.bytes AS bytes,
    r.fetch.content_type AS content_type, r.fetch.rendered AS rendered,
    r.fetch.render_reason AS render_reason, r.fetch.robots_allowed AS robots_allowed,
    r.fetch.error_kind AS error_kind, r.fetch.error AS error, r.fetch.server_ip AS server_ip,
    r.page.title AS title, r.page.language AS language, r.page.canonical AS canonical,
    r.page.canonical_is_self AS canonical_is_self, r.page.meta_robots AS meta_robots,
    r.page.x_robots_tag AS x_robots_tag, r.page.noindex AS noindex,
    r.page.nofollow AS page_nofollow, CAST(r.page.word_count AS INTEGER) AS word_count,
    CAST(r.page.outbound_links AS INTEGER) AS outbound_links,
    CAST(r.page.outbound_domains AS INTEGER) AS outbound_domains,
    CAST(r.page.internal_links AS INTEGER) AS internal_links,
    r.page.text_fingerprint AS text_fingerprint, r.page.outbound_hosts AS outbound_hosts,
    pidx IS NOT NULL AS link_present,
    CAST(len(r.links) + r.links_omitted AS INTEGER) AS occurrences,
    o.href AS href, o.url AS link_url, o.match AS match_kind, o.anchor_text AS anchor_text,
    o.anchor_kind AS anchor_kind, o.rel AS rel, o.follow AS follow,
    o.follow_cause AS follow_cause, o.placement AS placement, o.hidden AS hidden,
    o.hidden_reason AS hidden_reason, o.js_only AS js_only, o.text_before AS text_before,
    o.text_after AS text_after, o.link_density AS link_density,
    CAST(to_json(r.links) AS VARCHAR) AS links,
    coalesce(to_json(r)::VARCHAR = v AND {valid}, false) AS accepted
FROM occ
"""


ROWS_SQL = _rows_sql()


def fast_rows(con: duckdb.DuckDBPyConnection, values: list[bytes]) -> pa.Table | None:
    """``link_checks`` rows of ``values`` in one statement, or ``None`` when any record is
    refused (then the caller takes the per-record path)."""
    raw = pa.table({"value": pa.array(values, pa.binary())})
    con.register("raw_values", raw)
    try:
        table = con.sql(ROWS_SQL).to_arrow_table()
    except duckdb.Error as exc:
        log.debug("fast path refused a batch: %s", exc)
        return None
    finally:
        con.unregister("raw_values")
    accepted = table.column("accepted")
    if accepted.null_count or not pc.all(accepted).as_py():
        return None
    return table.select(list(LINK_CHECK_COLUMNS))


# ------------------------------------------------------------------ the consumer loop
# DuckDB checkpoints when the write-ahead log passes 16 MB, less than one batch of checks: every
# commit then also rewrote the table's new row groups and its whole primary-key index, the
# largest single cost of a batch (docs/kafka.md). Commits stay durable (the WAL is synced at
# each commit); the checkpoint runs when the log reaches this size and when the ingest closes.
INGEST_CHECKPOINT_THRESHOLD = "1GB"

# How long a consumer waits for the group to assign it partitions before idling counts anyway
# (a dead member's session must time out first: session_timeout_ms in linkvet.kafka_config).
UNASSIGNED_WAIT_S = 60.0


@dataclass
class IngestStats:
    batches: int = 0
    received: int = 0
    inserted: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    fast_batches: int = 0
    slow_batches: int = 0
    seconds: float = 0.0
    transform_seconds: float = 0.0  # of ``seconds``: JSON values to rows (fast or per-record)
    write_seconds: float = 0.0  # of ``seconds``: flows.store.write_checks
    lag: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class _FlushOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, ingest: KafkaIngest) -> None:
        self.ingest = ingest

    def on_partitions_revoked(self, revoked: Any) -> None:
        if revoked:
            self.ingest.flush()

    def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("ingest assigned %d partition(s)", len(assigned))


class KafkaIngest:
    """One ingest consumer bound to one DuckDB connection (see the module docstring)."""

    def __init__(self, settings: Settings, con: duckdb.DuckDBPyConnection, *,
                 client_id: str = "linkvet-ingest", batch_records: int | None = None) -> None:
        self.settings = settings
        self.con = con
        self.batch_records = batch_records or settings.ingest_batch_records
        self.topic = settings.kafka_topic_checks
        self.stats = IngestStats()
        self._buffer: list[Any] = []
        self._dead_producer: KafkaProducer | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkvet-store")
        self._pending: tuple[list[Any], Future[tuple[int, int, int]]] | None = None
        self._on_batch: Callable[[IngestStats], None] | None = None
        try:
            self.consumer = KafkaConsumer(
                **consumer_kwargs(settings, group_id=settings.kafka_group_ingest,
                                  client_id=client_id,
                                  max_poll_records=min(self.batch_records, 20_000)),
                max_partition_fetch_bytes=16 * 1024 * 1024,
                fetch_max_bytes=64 * 1024 * 1024,
                check_crcs=False,
            )
        except KafkaError as exc:
            raise TransientError(
                f"cannot reach Kafka at {settings.kafka_bootstrap_servers} ({exc}); start the "
                "broker or fix LINKVET_KAFKA_BOOTSTRAP_SERVERS") from exc
        self.consumer.subscribe([self.topic], listener=_FlushOnRevoke(self))
        self.rejoin = RejoinTimer()

    def _rejoin_if_stranded(self, now: float) -> None:
        """Subscribe again when this member has had no partition for a while although the
        topic has partitions (see :class:`linkvet.kafka_config.RejoinTimer`)."""
        if not self.rejoin.due(now, bool(self.consumer.assignment())):
            return
        if not self.consumer.partitions_for_topic(self.topic):
            return
        log.warning("ingest has had no partition of %s for %.0fs although it has partitions; "
                    "joining the group again", self.topic, self.rejoin.after_s)
        self._settle()
        self.consumer.unsubscribe()
        self.consumer.subscribe([self.topic], listener=_FlushOnRevoke(self))
        self.rejoin.rejoined(now)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.consumer.close(autocommit=False)
        if self._dead_producer is not None:
            self._dead_producer.close()

    # -- one batch
    def flush(self) -> None:
        """Store the buffered records (after the batch being stored), then commit both."""
        self._settle()
        records, self._buffer = self._buffer, []
        if records:
            self._commit(records, self._store(records))

    def _submit(self) -> None:
        """Hand the buffered batch to the store thread and keep polling meanwhile; its offsets
        are committed (by this thread, which owns the consumer) once it is stored."""
        self._settle()
        records, self._buffer = self._buffer, []
        if records:
            self._pending = (records, self._executor.submit(self._store, records))

    def _settle(self) -> None:
        if self._pending is not None:
            records, future = self._pending
            self._pending = None
            self._commit(records, future.result())

    def _store(self, records: list[Any]) -> tuple[int, int, int]:
        """Write one batch and dead-letter its invalid records; ``(inserted, duplicates,
        dead-lettered)``. Runs on the store thread (DuckDB releases the GIL)."""
        started = time.perf_counter()
        values = [r.value or b"" for r in records]
        table = None
        if all(header_value(r.headers, HEADER_SCHEMA) in (None, "LinkCheck") for r in records):
            table = fast_rows(self.con, values)
        bad: list[tuple[int, str]] = []
        if table is not None:
            self.stats.fast_batches += 1
        else:
            self.stats.slow_batches += 1
            good_idx, bad = _validate_each(records)
            table = checks_table([g for _, g in good_idx])
        transformed = time.perf_counter()
        result = write_checks(self.con, self.settings.lake_dir, table)
        self.stats.write_seconds += time.perf_counter() - transformed
        self.stats.transform_seconds += transformed - started
        if bad:
            self._dead_letter(records, bad)
        self.stats.seconds += time.perf_counter() - started
        return result.inserted, result.duplicates, len(bad)

    def _commit(self, records: list[Any], stored: tuple[int, int, int]) -> None:
        # The buffer holds each partition's records in offset order: the last one is the highest.
        last: dict[tuple[str, int], int] = {}
        for r in records:
            last[r.topic, r.partition] = r.offset
        offsets = {TopicPartition(topic, partition): OffsetAndMetadata(offset + 1, "", -1)
                   for (topic, partition), offset in last.items()}
        try:
            self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # Stored already; the partition's next owner replays these records and stores
            # nothing twice (deduplicated by check_id).
            log.warning("committing after a stored batch failed (%s); it will be replayed", exc)
        s = self.stats
        s.batches += 1
        s.received += len(records)
        s.inserted += stored[0]
        s.duplicates += stored[1]
        s.dead_lettered += stored[2]
        if self._on_batch is not None:
            self._on_batch(s)

    def _dead_letter(self, records: list[Any], bad: list[tuple[int, str]]) -> None:
        if self._dead_producer is None:
            self._dead_producer = KafkaProducer(
                **producer_kwargs(self.settings, client_id="linkvet-ingest-dead-letter"))
        futures = []
        for i, error in bad:
            r = records[i]
            record = DeadLetter(**dead_letter_fields(
                topic=r.topic, partition=r.partition, offset=r.offset, key=r.key,
                value=r.value, error=error))
            value, headers = encode(record)
            futures.append(self._dead_producer.send(
                self.settings.kafka_topic_dead_letter, value=value, key=r.key, headers=headers))
        self._dead_producer.flush()
        for fut in futures:
            fut.get(timeout=30)  # a failure raises: the batch is then not committed
        log.warning("%d record(s) failed validation and went to %s", len(bad),
                    self.settings.kafka_topic_dead_letter)

    # -- the loop
    def run(self, *, max_batches: int | None = None, idle_timeout_s: float = 10.0,
            until: Callable[[], bool] | None = None,
            on_batch: Callable[[IngestStats], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> IngestStats:
        """Consume until ``max_batches`` batches, ``idle_timeout_s`` without a record (``<= 0``:
        never idle out), ``until()`` is true after a batch, or ``should_stop()``."""
        self._on_batch = on_batch
        last_record = started = time.monotonic()
        while True:
            if should_stop is not None and should_stop():
                break
            want = self.batch_records - len(self._buffer)
            polled = self.consumer.poll(timeout_ms=200, max_records=min(want, 20_000))
            got = 0
            for batch in polled.values():
                self._buffer.extend(batch)
                got += len(batch)
            now = time.monotonic()
            if not got:
                self._rejoin_if_stranded(now)
            if got:
                last_record = now
            elif not self.consumer.assignment() and now - started < UNASSIGNED_WAIT_S:
                # Idle time counts once the group gave us partitions: after a crash the old
                # member's partitions are reassigned only when its session times out.
                last_record = now
            if len(self._buffer) >= self.batch_records:
                self._submit()
            elif self._buffer and not got:
                self.flush()  # the topic is drained: store what there is now
            elif not got:
                self._settle()
            else:
                continue
            if max_batches is not None and self.stats.batches + (self._pending is not None) \
                    >= max_batches:
                break
            if self._pending is None and until is not None and until():
                break
            if not got and idle_timeout_s > 0 and now - last_record >= idle_timeout_s:
                break
        self.flush()
        self.stats.lag = self.lag()
        return self.stats

    def lag(self) -> dict[str, int]:
        """Records not yet committed per assigned partition (end offset - committed)."""
        tps = list(self.consumer.assignment())
        if not tps:
            return {}
        ends = self.consumer.end_offsets(tps)
        out = {}
        for tp in tps:
            committed = self.consumer.committed(tp) or 0
            out[f"{tp.topic}[{tp.partition}]"] = max(0, ends.get(tp, 0) - committed)
        return out


def _validate_each(records: list[Any]) -> tuple[list[tuple[int, LinkCheck]], list[tuple[int, str]]]:
    """The per-record path: each record through the pydantic model (and its header)."""
    good: list[tuple[int, LinkCheck]] = []
    bad: list[tuple[int, str]] = []
    for i, r in enumerate(records):
        try:
            good.append((i, decode(LinkCheck, r.value, r.headers)))
        except ValueError as exc:
            bad.append((i, str(exc)))
    return good, bad


def ingest_kafka(settings: Settings, *, max_batches: int | None = None,
                 idle_timeout_s: float = 10.0, until: Callable[[duckdb.DuckDBPyConnection], bool]
                 | None = None, batch_records: int | None = None,
                 on_batch: Callable[[IngestStats], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> IngestStats:
    """Open the store, recover the lake, and run one ingest consumer (see :class:`KafkaIngest`)."""
    con = open_store(settings)
    try:
        con.execute(f"SET checkpoint_threshold = '{INGEST_CHECKPOINT_THRESHOLD}'")
        recover_lake(con, settings.lake_dir)
        ingest = KafkaIngest(settings, con, batch_records=batch_records)
        try:
            return ingest.run(max_batches=max_batches, idle_timeout_s=idle_timeout_s,
                              until=(lambda: until(con)) if until is not None else None,
                              on_batch=on_batch, should_stop=should_stop)
        finally:
            ingest.close()
    finally:
        con.close()


@flow(name="ingest-kafka", log_prints=True)
def ingest(max_batches: int | None = None, idle_timeout_s: float = 10,
           data_dir: str = "data") -> dict[str, Any]:
    """Load LinkCheck records from the link-checks topic into DuckDB and the Parquet lake
    (offsets committed only after each batch is stored)."""
    from pathlib import Path

    settings = load_settings(data_dir=Path(data_dir))
    stats = ingest_kafka(settings, max_batches=max_batches, idle_timeout_s=idle_timeout_s)
    return stats.as_dict()
