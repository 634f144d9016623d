"""First pipeline: only well-formed LinkCheck records go further."""

from __future__ import annotations

import logging
from typing import Any, Self

from pydantic import ValidationError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from schemas.records import SCHEMA_VERSION, LinkCheck

log = logging.getLogger(__name__)


class ValidatePipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        # Counted here and added to the stats when the spider closes (Scrapy's stats
        # collector costs microseconds per call, on every record).
        self.ok = 0

    def close_spider(self) -> None:
        if self.ok:
            self.stats.inc_value("linkvet/validate/ok", self.ok)
            self.ok = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> LinkCheck:
        if isinstance(item, LinkCheck) and item.schema_version == SCHEMA_VERSION:
            self.ok += 1
            return item
        try:
            data = item.model_dump() if hasattr(item, "model_dump") else dict(item)
            check = LinkCheck.model_validate(data)
        except (ValidationError, TypeError, ValueError) as exc:
            if not self.stats.get_value("linkvet/validate/invalid"):
                log.error("dropping an invalid LinkCheck: %s", str(exc).splitlines()[0])
            self.stats.inc_value("linkvet/validate/invalid")
            raise DropItem(f"not a valid LinkCheck: {str(exc).splitlines()[0]}") from exc
        self.ok += 1
        return check
