"""Kafka mode's publisher: every LinkCheck to ``linkvet.link-checks``, keyed by link id.

The producer waits for every in-sync replica (``acks='all'``) with idempotence on, and batches
for throughput (see :func:`linkvet.kafka_config.producer_kwargs`). Delivery is asynchronous:
when the broker acknowledges a check, the request source is told (``source.ack(request_id)``)
so that the worker commits a crawl request's offset only after its check is safe on the broker.
A failed delivery is counted, logged once, and handed back (``source.nack(request_id,
reason)``) for another attempt. ``close_spider`` flushes whatever is still buffered. A check
larger than one record may be (a link farm's thousands of occurrences) is shrunk to fit by
:func:`schemas.fit.fit`, the same rule the landing files apply.

Per record the pipeline does only what the contract needs: the value serialised straight to
bytes, the schema headers encoded once per schema, the key's partition computed with Kafka's
default keyed partitioning (:func:`linkvet.kafka_config.key_partition`, the same partition the
default partitioner picks, hashed in C), and plain counters that reach the crawler stats
when the spider closes (Scrapy's stats collector costs microseconds per call, which is a
quarter of a record's budget at 20,000 records/s).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any, Self

from kafka import KafkaProducer
from kafka.errors import KafkaError
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from linkvet.kafka_config import (
    Compression,
    encode,
    first_line,
    key_partition,
    producer_kwargs,
)
from linkvet.settings import Settings
from schemas.fit import MAX_RECORD_BYTES, fit
from schemas.records import LinkCheck

log = logging.getLogger(__name__)

FLUSH_TIMEOUT_S = 60.0
PARTITIONS_TTL_S = 1.0


class KafkaPublishPipeline:
    def __init__(self, settings: Settings, crawler: Crawler, stats: StatsCollector, *,
                 compression: Compression, client_id: str) -> None:
        self.settings = settings
        self.crawler = crawler
        self.stats = stats
        self.topic = settings.kafka_topic_checks
        self.compression = compression
        self.client_id = client_id
        self.producer: KafkaProducer | None = None
        self._ack: Callable[[str], None] | None = None
        self._nack: Callable[[str, str], None] | None = None
        self._failure_logged = False
        # Counted here, added to the stats in close_spider. "delivered" is written only by the
        # producer's I/O thread, "sent" only by the crawl thread.
        self._sent = 0
        self._delivered = 0
        # The topic's partition count, asked of the producer's metadata once a second rather
        # than per record (kafka-python checks the metadata's freshness on every call).
        self._partitions = 0
        self._partitions_at = -PARTITIONS_TTL_S

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings.get("LINKVET_KAFKA_SETTINGS")
        if not isinstance(settings, Settings) or not settings.kafka_mode:
            raise NotConfigured(
                "KafkaPublishPipeline needs LINKVET_KAFKA_SETTINGS (set by "
                "spiders.settings.from_linkvet(kafka=True)) with a bootstrap server")
        compression = crawler.settings.get("LINKVET_KAFKA_COMPRESSION") or None
        assert crawler.stats is not None
        from linkvet.kafka_config import DEFAULT_COMPRESSION

        return cls(settings, crawler, crawler.stats,
                   compression=compression or DEFAULT_COMPRESSION,
                   client_id=f"linkvet-publish-{os.getpid()}")

    def open_spider(self) -> None:
        self.producer = KafkaProducer(**producer_kwargs(
            self.settings, client_id=self.client_id, compression=self.compression))
        source = getattr(self.crawler.spider, "source", None)
        self._ack = getattr(source, "ack", None)
        self._nack = getattr(source, "nack", None)

    def process_item(self, item: LinkCheck) -> LinkCheck:
        producer = self.producer
        assert producer is not None
        value, headers = encode(item)
        if len(value) > MAX_RECORD_BYTES:
            item, value = self._fitted(item)
        key = item.link_id.encode()
        try:
            now = time.monotonic()
            if now - self._partitions_at >= PARTITIONS_TTL_S:
                self._partitions = len(producer.partitions_for(self.topic))
                self._partitions_at = now
            partition = key_partition(key, self._partitions)
            future = producer.send(self.topic, value=value, key=key, headers=headers,
                                   partition=partition)
        except KafkaError as exc:
            self._failed(item.request_id, exc)
            return item
        future.add_callback(self._on_delivered, item.request_id)
        future.add_errback(self._on_error, item.request_id)
        self._sent += 1
        return item

    def _fitted(self, item: LinkCheck) -> tuple[LinkCheck, bytes]:
        """A check over the record size bound, shrunk to fit (schemas.fit)."""
        fitted, value = fit(item)
        self.stats.inc_value("linkvet/kafka/shrunk_checks")
        log.info("check %s of %s shrunk to %d bytes: %d of %d occurrence(s) listed",
                 item.check_id, item.source_url, len(value), len(fitted.links),
                 fitted.occurrences)
        return fitted, value

    def close_spider(self) -> None:
        if self.producer is None:
            return
        try:
            self.producer.flush(timeout=FLUSH_TIMEOUT_S)
        except KafkaError as exc:
            log.error("could not flush %s before closing (%s); unacknowledged checks are "
                      "redelivered as requests and checked again", self.topic, exc)
        self.producer.close(timeout=FLUSH_TIMEOUT_S)
        self.producer = None
        self.stats.inc_value("linkvet/kafka/sent", self._sent)
        self.stats.inc_value("linkvet/kafka/delivered", self._delivered)
        self._sent = self._delivered = 0

    # Called on the producer's I/O thread.
    def _on_delivered(self, request_id: str, _metadata: Any) -> None:
        self._delivered += 1
        if self._ack is not None:
            self._ack(request_id)

    def _on_error(self, request_id: str, exc: BaseException) -> None:
        self._failed(request_id, exc)

    def _failed(self, request_id: str, exc: BaseException) -> None:
        if not self._failure_logged:
            self._failure_logged = True
            log.error("publishing to %s failed (%s); check the broker at %s. Further failures "
                      "are counted in linkvet/kafka/delivery_failed", self.topic,
                      first_line(exc), self.settings.kafka_bootstrap_servers)
        self.stats.inc_value("linkvet/kafka/delivery_failed")
        if self._nack is not None:
            self._nack(request_id, first_line(exc))
