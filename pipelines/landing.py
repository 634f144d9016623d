"""Embedded mode's publisher: LinkCheck records as JSON lines in the landing folder.

Records are appended to ``part-<pid>-<n>.jsonl.tmp`` and the file is renamed to ``.jsonl`` when
it holds ``LINKVET_LANDING_BATCH`` records or the crawl closes. Ingest reads only ``.jsonl``
files, so a crash never exposes half a batch (the record bytes are those a Kafka message holds:
the same ingest code reads both).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from schemas.records import LinkCheck

log = logging.getLogger(__name__)


class LandingPipeline:
    def __init__(self, folder: Path, batch: int, stats: StatsCollector) -> None:
        self.folder = folder
        self.batch = batch
        self.stats = stats
        self._fh: IO[bytes] | None = None
        self._path: Path | None = None
        self._count = 0
        self._part = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        folder = crawler.settings.get("LINKVET_LANDING_DIR")
        if not folder:
            raise NotConfigured("LINKVET_LANDING_DIR is not set")
        assert crawler.stats is not None
        return cls(
            Path(folder), crawler.settings.getint("LINKVET_LANDING_BATCH", 2000), crawler.stats
        )

    def open_spider(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def process_item(self, item: LinkCheck) -> LinkCheck:
        if self._fh is None:
            self._part += 1
            self._path = self.folder / f"part-{os.getpid()}-{self._part:05d}.jsonl.tmp"
            self._fh = self._path.open("wb")
        self._fh.write(item.model_dump_json().encode("utf-8") + b"\n")
        self._count += 1
        self.stats.inc_value("linkvet/landing/records")
        if self._count >= self.batch:
            self._seal()
        return item

    def close_spider(self) -> None:
        self._seal()

    def _seal(self) -> None:
        if self._fh is None or self._path is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._path, self._path.with_suffix(""))
        self.stats.inc_value("linkvet/landing/files")
        self._fh, self._path, self._count = None, None, 0
