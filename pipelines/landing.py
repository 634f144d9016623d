"""Embedded mode's publisher: LinkCheck records as JSON lines in the landing folder.

Records are appended to ``part-<pid>-<n>.jsonl.tmp`` and the file is renamed to ``.jsonl`` when
it holds ``LINKVET_LANDING_BATCH`` records or the crawl closes. Ingest reads only ``.jsonl``
files, so a crash never exposes half a batch (the record bytes are those a Kafka message holds:
the same ingest code reads both). A check larger than one record may be is shrunk by
:func:`schemas.fit.fit`, as the Kafka publisher does.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import IO, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro

from schemas.fit import MAX_RECORD_BYTES, fit
from schemas.records import LinkCheck

log = logging.getLogger(__name__)

WRITE_BUFFER_BYTES = 1 << 20


class LandingPipeline:
    def __init__(self, folder: Path, batch: int, crawler: Crawler) -> None:
        self.folder = folder
        self.batch = batch
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self._fh: IO[bytes] | None = None
        self._path: Path | None = None
        self._count = 0
        self._part = 0
        self._failed = False
        self._closing: object = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        folder = crawler.settings.get("LINKVET_LANDING_DIR")
        if not folder:
            raise NotConfigured("LINKVET_LANDING_DIR is not set")
        return cls(Path(folder), crawler.settings.getint("LINKVET_LANDING_BATCH", 2000), crawler)

    def open_spider(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def process_item(self, item: LinkCheck) -> LinkCheck:
        if self._failed:
            raise DropItem("the landing folder cannot be written (see the first error)")
        try:
            if self._fh is None:
                self._part += 1
                self._path = self.folder / f"part-{os.getpid()}-{self._part:05d}.jsonl.tmp"
                # a large buffer: a write call per few hundred checks, not per four
                self._fh = self._path.open("wb", buffering=WRITE_BUFFER_BYTES)
            # model_dump_json() as UTF-8, serialised to bytes directly (no intermediate str);
            # a check over the record size bound is shrunk as the Kafka publisher does
            value = LinkCheck.__pydantic_serializer__.to_json(item)
            if len(value) > MAX_RECORD_BYTES:
                item, value = fit(item)
                self.stats.inc_value("linkvet/landing/shrunk_checks")
            self._fh.write(value + b"\n")
            self._count += 1
            if self._count >= self.batch:
                self._seal()
        except OSError as exc:
            self._fail(exc)
            raise DropItem(f"landing write failed: {exc}") from exc
        return item

    def close_spider(self) -> None:
        if self._failed:
            return
        try:
            self._seal()
        except OSError as exc:
            self._fail(exc)

    def _seal(self) -> None:
        if self._fh is None or self._path is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._path, self._path.with_suffix(""))
        self.stats.inc_value("linkvet/landing/files")
        self.stats.inc_value("linkvet/landing/records", self._count)
        self._fh, self._path, self._count = None, None, 0

    def _fail(self, exc: OSError) -> None:
        """Drop the half-written batch (never seal it) and stop the crawl: its requests stay
        unrecorded, so the run reports them missing and the next run checks them again."""
        self._failed = True
        self.stats.inc_value("linkvet/landing/write_failed")
        self.stats.inc_value("linkvet/landing/records_discarded", self._count)
        log.error(
            "cannot write to the landing folder %s (%s): free disk space there or point "
            "LINKVET_DATA_DIR at a volume with room; the unsealed batch of %d record(s) was "
            "discarded and the crawl stops",
            self.folder,
            exc,
            self._count,
        )
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
        if self._path is not None:
            self._path.unlink(missing_ok=True)
        self._fh, self._path, self._count = None, None, 0
        engine = self.crawler.engine
        if engine is not None:
            self._closing = deferred_from_coro(
                engine.close_spider_async(reason="landing_write_failed")
            )
