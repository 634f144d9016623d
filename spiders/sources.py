"""Where crawl requests come from: a JSON-lines file (embedded mode) or Kafka (distributed).

A source is chosen by settings only: ``LINKVET_REQUESTS_FILE`` or ``LINKVET_SOURCE=kafka``.
Sources yield :class:`CrawlRequest` lazily, so Scrapy pulls only what it can hold.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from schemas.records import CrawlRequest

log = logging.getLogger(__name__)


class RequestSource(Protocol):
    def requests(self, spider: Any) -> AsyncIterator[CrawlRequest]: ...


class FileRequestSource:
    """CrawlRequests, one JSON object per line. A bad line is logged once, counted, skipped."""

    def __init__(self, path: Path, crawler: Crawler) -> None:
        self.path = path
        self.crawler = crawler

    async def requests(self, spider: Any) -> AsyncIterator[CrawlRequest]:
        stats = self.crawler.stats
        assert stats is not None
        with self.path.open("rb") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    request = CrawlRequest.model_validate_json(line)
                except ValidationError as exc:
                    if not stats.get_value("linkvet/requests/invalid"):
                        log.error(
                            "%s:%d is not a CrawlRequest: %s",
                            self.path,
                            lineno,
                            str(exc).splitlines()[0],
                        )
                    stats.inc_value("linkvet/requests/invalid")
                    continue
                stats.inc_value("linkvet/requests/read")
                yield request


def source_from_settings(crawler: Crawler) -> RequestSource:
    s = crawler.settings
    path = s.get("LINKVET_REQUESTS_FILE")
    if path:
        return FileRequestSource(Path(path), crawler)
    if s.get("LINKVET_SOURCE") == "kafka":
        module = importlib.import_module("spiders.kafka_source")
        source: RequestSource = module.KafkaRequestSource.from_crawler(crawler)
        return source
    raise NotConfigured(
        "the verify spider has no request source: set LINKVET_REQUESTS_FILE (a JSON-lines file "
        "of CrawlRequest) or LINKVET_SOURCE=kafka with LINKVET_KAFKA_BOOTSTRAP_SERVERS"
    )
