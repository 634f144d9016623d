"""Send every request through the configured forward proxy (``LINKVET_PROXY``).

Per-request ``meta["proxy"]`` would miss requests made by middlewares (robots.txt) and
redirects; this middleware sets it on every request that has none."""

from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class ForwardProxyMiddleware:
    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        proxy = crawler.settings.get("LINKVET_PROXY", "")
        if not proxy:
            raise NotConfigured("no LINKVET_PROXY")
        return cls(proxy)

    def process_request(self, request: Request) -> None:
        request.meta.setdefault("proxy", self.proxy)
