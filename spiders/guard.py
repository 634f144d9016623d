"""Downloader middleware refusing requests to non-public addresses (see linkvet.netpolicy).

It runs for every request Scrapy downloads, including each redirect hop (redirects are new
requests). Hosts are resolved with the host map when one is configured (the sandbox, or hosts
reached through a forward proxy), else with the system resolver.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from pathlib import Path
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from linkvet.bounded import BoundedDict
from linkvet.netpolicy import NetPolicy, literal_ip

log = logging.getLogger(__name__)


def load_host_map(path: str) -> dict[str, str]:
    if not path:
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(k).lower(): str(v) for k, v in data.items()}


class PrivateAddressRefused(IgnoreRequest):
    """A request linkvet refused for safety; the message says which setting allows it."""


class PrivateAddressGuardMiddleware:
    def __init__(self, policy: NetPolicy, host_map: dict[str, str], crawler: Crawler) -> None:
        self.policy = policy
        self.host_map = host_map
        self.crawler = crawler
        self._cache: BoundedDict[str, str | None] = BoundedDict()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        policy = NetPolicy(
            allow_private=s.getbool("LINKVET_ALLOW_PRIVATE", False),
            allow_hosts=tuple(json.loads(s.get("LINKVET_ALLOW_HOSTS") or "[]")),
        )
        return cls(policy, load_host_map(s.get("LINKVET_HOST_MAP", "")), crawler)

    async def process_request(self, request: Request) -> None:
        host = (urlparse_cached(request).hostname or "").lower()
        if host not in self._cache:
            self._cache[host] = await self._verdict(host)
        reason = self._cache[host]
        if reason:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("linkvet/guard/refused")
            raise PrivateAddressRefused(reason)

    async def _verdict(self, host: str) -> str | None:
        if self.policy.allow_private or self.policy.host_allowlisted(host):
            return None
        addresses = await self.addresses(host)
        return self.policy.refusal(host, addresses)

    async def addresses(self, host: str) -> list[str]:
        literal = literal_ip(host)
        if literal:
            return [literal]
        if host in self.host_map:
            return [self.host_map[host]]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except OSError:
            return []
        return sorted({str(info[4][0]) for info in infos})
