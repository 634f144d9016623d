"""Crawl requests from Kafka: the worker side of Kafka mode.

One consumer in group ``kafka_group_workers`` on ``linkvet.crawl-requests``, with manual
commits. Requests are keyed by registrable domain, so a site's requests all sit in one
partition and one worker at a time fetches that site.

Rules:

- **Bounded**: at most ``LINKVET_KAFKA_MAX_IN_FLIGHT`` requests are held (yielded and not yet
  acknowledged); when full, every assigned partition is paused and the consumer keeps polling
  (for the group's liveness) without fetching. Memory stays flat however long the topic is.
- **Commit after the check is safe**: the publish pipeline calls :meth:`ack` when the broker
  acknowledged a request's LinkCheck; per partition the highest *contiguous* acknowledged offset
  is committed. A crash replays only uncommitted requests; a replayed request yields the same
  ``check_id`` and ingest stores it once.
- **Rebalance**: on revoke, the worker waits (up to ``LINKVET_KAFKA_DRAIN_S``) for the revoked
  partitions' in-flight requests to be acknowledged, commits them, and forgets the rest (their
  redelivery to the new owner is deduplicated downstream). Waiting keeps one site on one worker.
- **Failed publish**: :meth:`nack` hands the request back for another attempt; after
  ``MAX_PUBLISH_ATTEMPTS`` it goes to the dead-letter topic, like a record that is not a valid
  CrawlRequest, and its offset counts as done once the dead letter is acknowledged.
- **Stopping**: Scrapy's graceful shutdown (SIGTERM/SIGINT) finishes the downloads in progress;
  then the final offsets are committed and the consumer leaves the group. With
  ``LINKVET_KAFKA_EXIT_WHEN_IDLE`` seconds set, the source ends after that long without a record
  and with nothing in flight (tests, benchmarks); otherwise it polls for as long as it runs.

Blocking consumer calls run in a thread (``asyncio.to_thread``) with short timeouts so the
asyncio reactor keeps crawling; acknowledgements arrive on the producer's I/O thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Self

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from linkvet.errors import TerminalError
from linkvet.kafka_config import (
    RejoinTimer,
    consumer_kwargs,
    dead_letter_fields,
    decode,
    encode,
    first_line,
    producer_kwargs,
)
from linkvet.settings import Settings
from schemas.records import CrawlRequest, DeadLetter

log = logging.getLogger(__name__)

MAX_PUBLISH_ATTEMPTS = 3
POLL_TIMEOUT_MS = 200
COMMIT_EVERY_S = 1.0


@dataclass
class _Entry:
    request: CrawlRequest | None
    raw: bytes | None
    key: bytes | None
    done: bool = False
    attempts: int = 0


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, source: KafkaRequestSource) -> None:
        self.source = source

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.source._on_revoked(list(revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.source._on_assigned(list(assigned))


class KafkaRequestSource:
    def __init__(self, settings: Settings, crawler: Crawler, *, max_in_flight: int,
                 exit_when_idle_s: float, drain_s: float, client_id: str) -> None:
        self.settings = settings
        self.crawler = crawler
        self.max_in_flight = max_in_flight
        self.exit_when_idle_s = exit_when_idle_s
        self.drain_s = drain_s
        self.client_id = client_id
        self.topic = settings.kafka_topic_requests
        self.consumer: KafkaConsumer | None = None
        self._dead_producer: KafkaProducer | None = None
        self._lock = threading.Lock()  # one consumer call at a time
        self._acks: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._acked = threading.Condition()
        # Offsets handed out per partition, in order; an entry is done when its check (or its
        # dead letter) was acknowledged.
        self._parts: dict[TopicPartition, OrderedDict[int, _Entry]] = {}
        self._by_request: dict[str, list[tuple[TopicPartition, int]]] = {}
        self._retry: list[CrawlRequest] = []
        self._in_flight = 0
        self._paused = False
        self._closing = False
        self._last_commit = 0.0
        self._rejoin = RejoinTimer()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings.get("LINKVET_KAFKA_SETTINGS")
        if not isinstance(settings, Settings) or not settings.kafka_mode:
            raise NotConfigured(
                "the Kafka request source needs LINKVET_KAFKA_SETTINGS with a bootstrap server "
                "(run `linkvet worker` or `python -m spiders.run --kafka` with "
                "LINKVET_KAFKA_BOOTSTRAP_SERVERS set)")
        s = crawler.settings
        source = cls(
            settings, crawler,
            max_in_flight=s.getint("LINKVET_KAFKA_MAX_IN_FLIGHT",
                                   2 * s.getint("CONCURRENT_REQUESTS", 16)),
            exit_when_idle_s=s.getfloat("LINKVET_KAFKA_EXIT_WHEN_IDLE", 0.0),
            drain_s=s.getfloat("LINKVET_KAFKA_DRAIN_S", 60.0),
            client_id=s.get("LINKVET_KAFKA_CLIENT_ID") or f"linkvet-worker-{os.getpid()}",
        )
        crawler.signals.connect(source.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(source.item_dropped, signal=signals.item_dropped)
        return source

    @property
    def stats(self) -> StatsCollector:
        """The crawl's stats (set when the crawl starts, after this source is made)."""
        stats = self.crawler.stats
        assert stats is not None
        return stats

    # ------------------------------------------------------------ called by other threads
    def ack(self, request_id: str) -> None:
        """The request's LinkCheck is on the broker (any thread)."""
        self._acks.put(("ack", request_id))
        with self._acked:
            self._acked.notify_all()

    def nack(self, request_id: str, reason: str) -> None:
        """Publishing the request's LinkCheck failed (any thread)."""
        self._acks.put(("nack", (request_id, reason)))
        with self._acked:
            self._acked.notify_all()

    def _offset_done(self, tp: TopicPartition, offset: int) -> None:
        self._acks.put(("offset", (tp, offset)))
        with self._acked:
            self._acked.notify_all()

    def item_dropped(self, item: Any, response: Any, exception: Exception) -> None:
        """A check dropped by an earlier pipeline will never be published: count it and let
        the partition move on (retrying would drop it again)."""
        request_id = getattr(item, "request_id", None)
        if isinstance(request_id, str):
            self.stats.inc_value("linkvet/kafka/dropped_checks")
            self.ack(request_id)

    # ------------------------------------------------------------ the source
    async def requests(self, spider: Any) -> AsyncIterator[CrawlRequest]:
        try:
            await asyncio.to_thread(self._open)
        except Exception as exc:
            log.error("the worker cannot consume %s: %s", self.topic, exc)
            self.stats.set_value("linkvet/kafka/source_error", str(exc))
            self.stats.set_value("linkvet/kafka/source_error_terminal",
                                 isinstance(exc, TerminalError))
            return
        idle_since = time.monotonic()
        while not self._closing:
            batch = await asyncio.to_thread(self._poll)
            if self._retry:
                batch = self._retry + batch
                self._retry = []
            for request in batch:
                yield request
            now = time.monotonic()
            if batch or self._in_flight:
                idle_since = now
            elif self.exit_when_idle_s > 0 and now - idle_since >= self.exit_when_idle_s:
                if not await asyncio.to_thread(self._group_drained):
                    # Requests wait on partitions the group has not handed out yet (a dead
                    # member's, until its session times out): stay for them.
                    idle_since = now
                    continue
                log.info("no crawl request for %.0fs, nothing in flight and nothing left "
                         "for the group: stopping", self.exit_when_idle_s)
                break
            if self._paused and not batch:
                # Full: let the crawl catch up instead of spinning on empty polls.
                await asyncio.sleep(0.05)

    def _group_drained(self) -> bool:
        """True when the group has committed every request of every partition of the topic
        (not only this worker's): nothing is waiting for a worker anywhere."""
        consumer = self.consumer
        if consumer is None:
            return True
        try:
            partitions = consumer.partitions_for_topic(self.topic) or set()
            tps = [TopicPartition(self.topic, p) for p in partitions]
            ends = consumer.end_offsets(tps)
            return all((consumer.committed(tp) or 0) >= ends.get(tp, 0) for tp in tps)
        except KafkaError as exc:
            log.warning("cannot tell whether the group is drained (%s); staying", exc)
            return False

    async def spider_closed(self, spider: Any, reason: str) -> None:
        self._closing = True
        await asyncio.to_thread(self._close)

    # ------------------------------------------------------------ consumer thread
    def _open(self) -> None:
        with self._lock:
            try:
                self.consumer = KafkaConsumer(
                    **consumer_kwargs(self.settings, group_id=self.settings.kafka_group_workers,
                                      client_id=self.client_id,
                                      max_poll_records=self.max_in_flight),
                    max_partition_fetch_bytes=256 * 1024,
                )
            except KafkaError as exc:
                raise ConnectionError(
                    f"cannot reach Kafka at {self.settings.kafka_bootstrap_servers} ({exc}); "
                    "start the broker or fix LINKVET_KAFKA_BOOTSTRAP_SERVERS") from exc
            self.consumer.subscribe([self.topic], listener=_Listener(self))
            log.info("worker %s consuming %s in group %s (at most %d in flight)",
                     self.client_id, self.topic, self.settings.kafka_group_workers,
                     self.max_in_flight)

    def _poll(self) -> list[CrawlRequest]:
        with self._lock:
            consumer = self.consumer
            if consumer is None or self._closing:
                return []
            self._apply_acks()
            self._maybe_commit(force=False)
            free = self.max_in_flight - self._in_flight
            assigned = consumer.assignment()
            if self._rejoin.due(time.monotonic(), bool(assigned or self._in_flight)) \
                    and consumer.partitions_for_topic(self.topic):
                # Stranded without partitions (see linkvet.kafka_config.RejoinTimer).
                log.warning("worker %s has had no partition of %s for %.0fs although it has "
                            "partitions; joining the group again", self.client_id, self.topic,
                            self._rejoin.after_s)
                consumer.unsubscribe()
                consumer.subscribe([self.topic], listener=_Listener(self))
                self._rejoin.rejoined(time.monotonic())
                self.stats.inc_value("linkvet/kafka/rejoins")
                return []
            if free <= 0:
                if not self._paused and assigned:
                    consumer.pause(*assigned)
                    self._paused = True
                    self.stats.inc_value("linkvet/kafka/paused")
                consumer.poll(timeout_ms=POLL_TIMEOUT_MS // 4)
                return []
            if self._paused:
                consumer.resume(*consumer.paused())
                self._paused = False
            try:
                polled = consumer.poll(timeout_ms=POLL_TIMEOUT_MS, max_records=free)
            except KafkaError as exc:
                if not self.stats.get_value("linkvet/kafka/poll_errors"):
                    log.warning("polling %s failed (%s); retrying", self.topic, first_line(exc))
                self.stats.inc_value("linkvet/kafka/poll_errors")
                return []
            out: list[CrawlRequest] = []
            for tp, records in polled.items():
                entries = self._parts.get(tp)
                if entries is None:  # revoked while the fetch was in flight
                    continue
                for record in records:
                    if record.offset in entries:
                        continue
                    try:
                        request = decode(CrawlRequest, record.value, record.headers)
                    except ValueError as exc:
                        entries[record.offset] = _Entry(None, record.value, record.key)
                        self._in_flight += 1
                        self._send_dead_letter(tp, record.offset, record.key, record.value,
                                               str(exc))
                        continue
                    entries[record.offset] = _Entry(request, record.value, record.key)
                    self._by_request.setdefault(request.request_id, []).append(
                        (tp, record.offset))
                    self._in_flight += 1
                    out.append(request)
            if out:
                self.stats.inc_value("linkvet/kafka/requests", len(out))
            return out

    def _apply_acks(self) -> None:
        while True:
            try:
                kind, value = self._acks.get_nowait()
            except queue.Empty:
                return
            if kind == "ack":
                for tp, offset in self._by_request.pop(value, ()):
                    self._mark_done(tp, offset)
            elif kind == "offset":
                self._mark_done(*value)
            else:
                request_id, reason = value
                for tp, offset in self._by_request.get(request_id, ()):
                    part = self._parts.get(tp)
                    entry = part.get(offset) if part is not None else None
                    if entry is None or entry.done or entry.request is None:
                        continue
                    entry.attempts += 1
                    self.stats.inc_value("linkvet/kafka/republish")
                    if entry.attempts >= MAX_PUBLISH_ATTEMPTS:
                        self._by_request.pop(request_id, None)
                        self._send_dead_letter(tp, offset, entry.key, entry.raw,
                                               f"publishing its LinkCheck failed "
                                               f"{entry.attempts} times: {reason}")
                    else:
                        self._retry.append(entry.request)
                    break

    def _mark_done(self, tp: TopicPartition, offset: int) -> None:
        part = self._parts.get(tp)
        entry = part.get(offset) if part is not None else None
        if entry is not None and not entry.done:
            entry.done = True
            self._in_flight -= 1

    def _committable(self, tps: list[TopicPartition]) -> dict[TopicPartition, OffsetAndMetadata]:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for tp in tps:
            entries = self._parts.get(tp)
            last = None
            while entries:
                offset, entry = next(iter(entries.items()))
                if not entry.done:
                    break
                entries.popitem(last=False)
                last = offset
            if last is not None:
                offsets[tp] = OffsetAndMetadata(last + 1, "", -1)
        return offsets

    def _maybe_commit(self, *, force: bool, tps: list[TopicPartition] | None = None) -> None:
        now = time.monotonic()
        if self.consumer is None or (not force and now - self._last_commit < COMMIT_EVERY_S):
            return
        self._last_commit = now
        offsets = self._committable(list(self._parts) if tps is None else tps)
        if not offsets:
            return
        try:
            self.consumer.commit(offsets)
            self.stats.inc_value("linkvet/kafka/commits")
        except (CommitFailedError, KafkaError) as exc:
            # Not fatal: the offsets stay uncommitted and their requests are redelivered.
            self.stats.inc_value("linkvet/kafka/commit_failed")
            log.warning("committing offsets failed (%s); uncommitted requests will be "
                        "redelivered and deduplicated downstream", first_line(exc))

    def _on_assigned(self, assigned: list[TopicPartition]) -> None:
        for tp in assigned:
            self._parts.setdefault(tp, OrderedDict())
        if self._paused:
            self._paused = False  # a new assignment starts unpaused
        self.stats.inc_value("linkvet/kafka/rebalances")
        log.info("assigned %s", sorted(tp.partition for tp in assigned))

    def _on_revoked(self, revoked: list[TopicPartition]) -> None:
        """Runs inside ``poll`` (the lock is held): drain, commit, forget."""
        deadline = time.monotonic() + self.drain_s
        while True:
            self._apply_acks()
            pending = sum(1 for tp in revoked for e in self._parts.get(tp, {}).values()
                          if not e.done)
            if not pending or time.monotonic() >= deadline:
                break
            with self._acked:
                self._acked.wait(timeout=0.2)
        self._maybe_commit(force=True, tps=revoked)
        abandoned = 0
        for tp in revoked:
            for offset, entry in self._parts.pop(tp, OrderedDict()).items():
                if not entry.done:
                    abandoned += 1
                    self._in_flight -= 1
                if entry.request is not None:
                    refs = self._by_request.get(entry.request.request_id)
                    if refs and (tp, offset) in refs:
                        refs.remove((tp, offset))
                        if not refs:
                            del self._by_request[entry.request.request_id]
        self._retry = [r for r in self._retry if r.request_id in self._by_request]
        if abandoned:
            self.stats.inc_value("linkvet/kafka/abandoned_on_revoke", abandoned)
            log.warning("%d request(s) of revoked partitions still in flight after %.0fs; "
                        "their redelivery is deduplicated downstream", abandoned, self.drain_s)

    def _send_dead_letter(self, tp: TopicPartition, offset: int, key: bytes | None,
                          value: bytes | None, error: str) -> None:
        if self._dead_producer is None:
            self._dead_producer = KafkaProducer(**producer_kwargs(
                self.settings, client_id=f"{self.client_id}-dead-letter"))
        record = DeadLetter(**dead_letter_fields(topic=tp.topic, partition=tp.partition,
                                                 offset=offset, key=key, value=value,
                                                 error=error))
        data, headers = encode(record)
        future = self._dead_producer.send(self.settings.kafka_topic_dead_letter, value=data,
                                          key=key, headers=headers)
        future.add_callback(lambda _md: self._offset_done(tp, offset))
        self.stats.inc_value("linkvet/kafka/dead_letter")
        if self.stats.get_value("linkvet/kafka/dead_letter") == 1:
            log.error("%s[%d]@%d is not a valid crawl request (%s); sent to %s", tp.topic,
                      tp.partition, offset, error[:200], self.settings.kafka_topic_dead_letter)

    def _close(self) -> None:
        with self._lock:
            consumer, self.consumer = self.consumer, None
            if self._dead_producer is not None:
                self._dead_producer.flush(timeout=30)
            if consumer is not None:
                self.consumer = consumer
                self._apply_acks()
                self._maybe_commit(force=True)
                self.consumer = None
                consumer.close(autocommit=False)
            if self._dead_producer is not None:
                self._dead_producer.close(timeout=30)
                self._dead_producer = None
        log.info("worker %s stopped; %d request(s) were in flight", self.client_id,
                 self._in_flight)
