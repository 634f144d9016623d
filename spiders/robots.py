"""robots.txt: the verdict is always recorded; it is honoured unless ``LINKVET_OBEY_ROBOTS`` is off.

Scrapy's own middleware only exists when it obeys; this one is always on, writes the verdict to
``request.meta["linkvet_robots_allowed"]``, raises ``IgnoreRequest`` only when obeying, and
applies a robots.txt ``Crawl-delay`` to the site's download slot. How a robots.txt is read
(which answer counts, how much of it, which group) is :mod:`linkvet.robots_txt` (RFC 9309);
this module fetches it:

- one robots.txt per scheme, host and port, fetched once and kept a day (RFC 9309: no more than
  24 hours), or five minutes when it could not be had;
- at most the first 500 KiB are downloaded (the parse limit), whatever the page size cap;
- unreachable (a 5xx or 429 after retries, or no answer): nothing on the site is fetched while
  obeying; the check records the failure as a transient one (``robots_allowed`` unknown), so
  the link is checked again next run and never reported lost.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from linkvet.bounded import BoundedDict
from linkvet.robots_txt import PARSE_LIMIT, RobotsRules, robots_key, status_rule
from schemas.records import ErrorKind

log = logging.getLogger(__name__)

ROBOTS_FORBIDDEN = "Forbidden by robots.txt"
KEEP_S = 24 * 3600.0
RETRY_UNREACHABLE_S = 300.0
_ROBOTS_META = "linkvet_robots_txt"


class RobotsUnreachable(IgnoreRequest):
    """The site's robots.txt could not be had: RFC 9309 says to crawl nothing there."""

    def __init__(self, message: str, kind: ErrorKind) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class _Unreachable:
    message: str
    kind: ErrorKind


@dataclass
class _Site:
    """One site's robots.txt: its rules (``None`` while being fetched), when they were had,
    and the requests waiting for them."""

    rules: RobotsRules | _Unreachable | None = None
    at: float = 0.0
    waiters: list[Deferred[Any]] = field(default_factory=list)

    def fresh(self, now: float) -> bool:
        keep = RETRY_UNREACHABLE_S if isinstance(self.rules, _Unreachable) else KEEP_S
        return self.rules is None or now - self.at < keep


class RobotsVerdictMiddleware:
    # robots.txt goes before the pages waiting for it (Scrapy's own middleware's priority)
    DOWNLOAD_PRIORITY = 1000

    def __init__(self, crawler: Crawler, obey: bool, max_crawl_delay: float) -> None:
        settings = crawler.settings
        self._user_agent = str(settings["ROBOTSTXT_USER_AGENT"] or settings["USER_AGENT"])
        self.crawler = crawler
        assert crawler.stats is not None
        self._stats = crawler.stats
        # Per site; bounded so that a long run keeps memory flat (linkvet.bounded).
        self._sites: BoundedDict[str, _Site] = BoundedDict()
        self._obey = obey
        self._max_crawl_delay = max_crawl_delay
        self._floors: BoundedDict[str, float] = BoundedDict()  # slot key -> Crawl-delay (s)
        self._watching = False  # the signal handlers below, connected at the first Crawl-delay
        crawler.signals.connect(self._on_bytes, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            obey=settings.getbool("LINKVET_OBEY_ROBOTS", True),
            max_crawl_delay=settings.getfloat("LINKVET_MAX_CRAWL_DELAY", 30.0),
        )

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt") or not request.url.startswith("http"):
            return
        self._apply(await self._rules(request.url), request)

    async def _rules(self, url: str) -> RobotsRules | _Unreachable:
        key = robots_key(url)
        site = self._sites.get(key)
        if site is not None and site.fresh(time.monotonic()):
            if site.rules is not None:
                return site.rules
            waiter: Deferred[Any] = Deferred()
            site.waiters.append(waiter)
            result: RobotsRules | _Unreachable = await maybe_deferred_to_future(waiter)
            return result
        site = _Site()
        self._sites[key] = site
        rules = await self._fetch(key)
        site.rules, site.at = rules, time.monotonic()
        waiters, site.waiters = site.waiters, []
        for waiter in waiters:
            waiter.callback(rules)
        return rules

    async def _fetch(self, key: str) -> RobotsRules | _Unreachable:
        request = Request(f"{key}/robots.txt", priority=self.DOWNLOAD_PRIORITY,
                          callback=NO_CALLBACK,
                          meta={"dont_obey_robotstxt": True, _ROBOTS_META: True,
                                "download_maxsize": 0, "download_warnsize": 0})
        engine = self.crawler.engine
        assert engine is not None
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await engine.download_async(request)
        except Exception as exc:
            from spiders.errors import classify_exception  # spiders.errors imports this module

            kind, message, _ = classify_exception(exc)
            if kind in ("redirect_loop", "blocked_private"):
                # Not the site being down: too many redirects (RFC 9309: may be taken as
                # unavailable, no rules), or linkvet's own refusal of a private address. The
                # pages are fetched, and the same guard then stands before each of them.
                return RobotsRules.allow_all(self._user_agent)
            self._stats.inc_value("linkvet/robots/unreachable")
            return _Unreachable(f"robots.txt of {key} could not be fetched ({message}); "
                                "RFC 9309 says to crawl nothing on the site until it can be: "
                                "the link is checked again next run", kind)
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        rule = status_rule(response.status)
        if rule == "unreachable":
            self._stats.inc_value("linkvet/robots/unreachable")
            return _Unreachable(f"robots.txt of {key} answered {response.status}; RFC 9309 "
                                "says to crawl nothing on the site until it answers: the link "
                                "is checked again next run", "http")
        if rule == "allow_all":
            return RobotsRules.allow_all(self._user_agent)
        return RobotsRules.parse(response.body, self._user_agent)

    def _on_bytes(self, data: bytes, request: Request, spider: Any = None) -> None:
        """Stop a robots.txt download past the parse limit; what came is read."""
        meta = request.meta
        if not meta.get(_ROBOTS_META):
            return
        got = meta.get("linkvet_robots_bytes", 0) + len(data)
        meta["linkvet_robots_bytes"] = got
        if got > PARSE_LIMIT:
            raise StopDownload(fail=False)

    def _apply(self, rules: RobotsRules | _Unreachable, request: Request) -> None:
        if isinstance(rules, _Unreachable):
            request.meta["linkvet_robots_allowed"] = None
            if self._obey:
                self._stats.inc_value("linkvet/robots/unreachable_skipped")
                raise RobotsUnreachable(rules.message, rules.kind)
            return
        allowed = rules.allowed(request.url)
        request.meta["linkvet_robots_allowed"] = allowed
        self._apply_crawl_delay(rules, request)
        if not allowed:
            self._stats.inc_value("linkvet/robots/forbidden")
            if self._obey:
                raise IgnoreRequest(ROBOTS_FORBIDDEN)

    def _apply_crawl_delay(self, rules: RobotsRules, request: Request) -> None:
        if not self._obey:
            return
        delay = rules.crawl_delay()
        if not delay:
            return
        engine = self.crawler.engine
        assert engine is not None
        key = engine.downloader.get_slot_key(request)
        self._floors[key] = min(float(delay), self._max_crawl_delay)
        if not self._watching:  # crawls that meet no Crawl-delay pay nothing per request
            self._watching = True
            self.crawler.signals.connect(self._on_request_reached,
                                         signal=signals.request_reached_downloader)
            self.crawler.signals.connect(self._on_response, signal=signals.response_downloaded)
        self._enforce_floor(key)

    # The Crawl-delay is a floor under the site's download slot. It is set again when a request
    # reaches the downloader (the first request of a site creates its slot only after the
    # middlewares ran; Scrapy drops idle slots, so a site that comes back gets a fresh one) and
    # after every response (AutoThrottle lowers a slot's delay on response_downloaded; it was
    # connected first, so this handler runs after it, before the slot sends its next request).
    # The slot's random jitter is turned off: Crawl-delay is a minimum, not an average.
    def _on_request_reached(self, request: Request, spider: Any = None) -> None:
        self._enforce_floor(request.meta.get("download_slot", ""))

    def _on_response(self, response: Any, request: Request, spider: Any = None) -> None:
        self._enforce_floor(request.meta.get("download_slot", ""))

    def _enforce_floor(self, key: str) -> None:
        floor = self._floors.get(key)
        engine = self.crawler.engine
        if floor is None or engine is None:
            return
        slot = engine.downloader.slots.get(key)
        if slot is None:
            return
        if slot.delay < floor or slot.jitter:
            if slot.delay < floor:
                self._stats.inc_value("linkvet/robots/crawl_delay_applied")
            slot.delay = max(slot.delay, floor)
            slot.jitter = 0.0
