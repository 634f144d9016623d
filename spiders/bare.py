"""The reference for ``linkvet bench crawl``: a bare Scrapy spider that fetches the same pages
with the same settings and only extracts the hrefs (what any crawler does at the least)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Self

import scrapy
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from spiders.sources import RequestSource, source_from_settings


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, source: RequestSource, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = cls(source_from_settings(crawler), **kwargs)
        spider._set_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        async for cr in self.source.requests(self):
            yield Request(cr.source_url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response) -> Iterator[dict[str, Any]]:
        hrefs = response.css("a::attr(href)").getall()
        yield {"url": response.url, "links": len(hrefs)}
