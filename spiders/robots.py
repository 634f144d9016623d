"""robots.txt: the verdict is always recorded; it is honoured unless ``LINKVET_OBEY_ROBOTS`` is off.

Scrapy's own middleware only exists when it obeys; this subclass is always on, writes the
verdict to ``request.meta["linkvet_robots_allowed"]``, raises ``IgnoreRequest`` only when
obeying, and applies a robots.txt ``Crawl-delay`` to the site's download slot.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from twisted.internet.defer import Deferred

from linkvet.bounded import BoundedDict

log = logging.getLogger(__name__)

ROBOTS_FORBIDDEN = "Forbidden by robots.txt"


class RobotsVerdictMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler, obey: bool, max_crawl_delay: float) -> None:
        # Scrapy's __init__ refuses to run unless ROBOTSTXT_OBEY is on; this middleware runs
        # always (it records the verdict either way), so the same state is set up here.
        settings = crawler.settings
        self._default_useragent = settings["USER_AGENT"]
        self._robotstxt_useragent = settings["ROBOTSTXT_USER_AGENT"]
        self.crawler = crawler
        assert crawler.stats is not None
        self._stats = crawler.stats
        # Per site; bounded so that a long run keeps memory flat (linkvet.bounded).
        self._parsers = BoundedDict()
        self._parserimpl = load_object(settings.get("ROBOTSTXT_PARSER"))
        self._obey = obey
        self._max_crawl_delay = max_crawl_delay
        self._floors: BoundedDict[str, float] = BoundedDict()  # slot key -> Crawl-delay (s)
        self._watching = False  # the signal handlers below, connected at the first Crawl-delay

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            obey=settings.getbool("LINKVET_OBEY_ROBOTS", True),
            max_crawl_delay=settings.getfloat("LINKVET_MAX_CRAWL_DELAY", 30.0),
        )

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        if request.meta.get("dont_obey_robotstxt") or not request.url.startswith("http"):
            return
        rp = await self.robot_parser(request)
        if rp is None:
            # Scrapy hands the parsed robots.txt to the first request waiting for it only
            # (a Deferred awaited twice yields None to the others); the parser is stored by
            # then, so the other requests take it from there.
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if stored is not None and not isinstance(stored, Deferred):
                rp = stored
        self.process_request_2(rp, request)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if rp is None:
            request.meta["linkvet_robots_allowed"] = None
            return
        useragent: Any = self._robotstxt_useragent or request.headers.get(
            b"User-Agent", self._default_useragent
        )
        allowed = bool(rp.allowed(request.url, useragent))
        request.meta["linkvet_robots_allowed"] = allowed
        self._apply_crawl_delay(rp, request, useragent)
        if not allowed:
            self._stats.inc_value("linkvet/robots/forbidden")
            if self._obey:
                raise IgnoreRequest(ROBOTS_FORBIDDEN)

    def _apply_crawl_delay(self, rp: RobotParser, request: Request, useragent: Any) -> None:
        inner = getattr(rp, "rp", None)
        crawl_delay = getattr(inner, "crawl_delay", None)
        if crawl_delay is None or not self._obey:
            return
        ua = useragent.decode() if isinstance(useragent, bytes) else str(useragent)
        delay = crawl_delay(ua)
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
