"""The verify spider: visits linking pages and records what it finds about each known link.

Thin by design: fetching is Scrapy's (and Chromium's, through scrapy-playwright, when a page
needs it); every decision is made in ``linkvet`` (facts from HTML, outcome, render policy,
redirecting hrefs). Requests come from a source (a JSON-lines file in embedded mode, Kafka in
distributed mode); every request ends as exactly one :class:`LinkCheck` item, whatever happens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Self

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from linkvet.facts import analyse
from linkvet.ids import check_id
from linkvet.outcome import decide, is_html
from linkvet.redirect_hrefs import candidates
from linkvet.refresh import parse_refresh
from linkvet.render_policy import render_reason
from linkvet.urls import domain_of, match_target, resolve, warm_up
from schemas.records import (
    CrawlRequest,
    FetchFacts,
    LinkCheck,
    LinkOccurrence,
    PageFacts,
    RedirectHop,
)
from spiders.errors import classify_failure
from spiders.guard import load_host_map
from spiders.render import RENDER_META, BrowserPool
from spiders.sources import RequestSource, source_from_settings

log = logging.getLogger(__name__)

META_KEY = "linkvet_request"


class VerifySpider(scrapy.Spider):
    name = "verify"

    def __init__(
        self,
        source: RequestSource,
        *,
        proxy: str = "",
        host_map: dict[str, str] | None = None,
        render_policy: str = "auto",
        href_hops: int = 3,
        browser: BrowserPool | None = None,
        body_dir: str = "",
        max_redirects: int = 10,
        max_refresh_delay: float = 100.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.proxy = proxy
        self.host_map = host_map or {}
        self.render_policy = render_policy
        self.href_hops = href_hops
        self.browser = browser or BrowserPool(restart_pages=500, enabled=render_policy != "never")
        # ``linkvet inspect URL`` asks for the final body to be kept (the same fetch path).
        self.body_dir = Path(body_dir) if body_dir else None
        self.max_redirects = max_redirects
        self.outstanding = 0
        self.max_outstanding = 128
        # Checks per outcome, added to the crawl stats when the spider closes (Scrapy's stats
        # collector costs microseconds per call, on every page).
        self.outcomes: Counter[str] = Counter()
        self._progress = asyncio.Event()
        self.max_refresh_delay = max_refresh_delay

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        s = crawler.settings
        spider = cls(
            source_from_settings(crawler),
            proxy=s.get("LINKVET_PROXY", ""),
            host_map=load_host_map(s.get("LINKVET_HOST_MAP", "")),
            render_policy=s.get("LINKVET_RENDER", "auto"),
            href_hops=s.getint("LINKVET_HREF_REDIRECT_HOPS", 3),
            browser=BrowserPool(
                restart_pages=s.getint("LINKVET_BROWSER_RESTART_PAGES", 500),
                enabled=s.get("LINKVET_RENDER", "auto") != "never"
                and "scrapy_playwright" in str(s.getdict("DOWNLOAD_HANDLERS")),
            ),
            body_dir=s.get("LINKVET_SAVE_BODY_DIR", ""),
            max_redirects=s.getint("REDIRECT_MAX_TIMES", 10),
            max_refresh_delay=s.getfloat("METAREFRESH_MAXDELAY", 100.0),
            **kwargs,
        )
        spider._set_crawler(crawler)
        warm_up()  # the suffix list's tables, before the first request's download slot
        spider.max_outstanding = max(16, 4 * s.getint("CONCURRENT_REQUESTS", 32))
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error,
                       signals.spider_error):
            crawler.signals.connect(spider._record_done, signal=signal)
        return spider

    # ----------------------------------------------------------------- requests
    async def start(self) -> AsyncIterator[Any]:
        """Requests from the source, never more than ``max_outstanding`` without their
        LinkCheck: memory stays flat however many requests the source holds (Scrapy would
        otherwise queue every start request it is given)."""
        async for crawl_request in self.source.requests(self):
            while self.outstanding >= self.max_outstanding:
                self._progress.clear()
                await self._progress.wait()
            self.outstanding += 1
            yield self.page_request(crawl_request)

    def _record_done(self, *args: Any, **kwargs: Any) -> None:
        """One LinkCheck left the pipelines (stored, dropped or failed), or a callback failed:
        one request done."""
        self.outstanding -= 1
        self._progress.set()

    def page_request(
        self, cr: CrawlRequest, *, render: str | None = None, static: LinkCheck | None = None
    ) -> Request:
        meta: dict[str, Any] = {
            META_KEY: cr,
            "linkvet_started": time.monotonic(),
            "download_slot": _slot(cr.source_url),
        }
        if render:
            meta.update(self.browser.meta(render))
            meta["linkvet_static"] = static
        elif cr.render == "always" and self.browser.enabled:
            meta.update(self.browser.meta("requested"))
        return Request(
            cr.source_url,
            callback=self.parse_page,
            errback=self.on_error,
            meta=meta,
            dont_filter=True,
            priority=cr.priority,
        )

    # ----------------------------------------------------------------- callbacks
    async def parse_page(self, response: Response) -> AsyncIterator[LinkCheck | Request]:
        cr: CrawlRequest = response.meta[META_KEY]
        page = response.meta.get("playwright_page")
        rendered_reason = response.meta.get(RENDER_META)
        try:
            if page is not None:
                await self.browser.annotate_visibility(page)
                body = (await page.content()).encode("utf-8")
            else:
                body = response.body
        finally:
            if page is not None:
                await self.browser.release(page, response.meta.get("linkvet_context"))
        if page is None:
            step = self._refresh_step(cr, response, _header(response, b"Refresh"),
                                      "refresh_header", response.url)
            if step is not None:
                yield step
                return
        fetch = self._fetch_facts(response, len(body), rendered_reason)
        headers = _headers(response)
        if self.body_dir is not None:
            self._keep_body(cr, response.url, headers, body)
        if not (is_html(fetch.content_type) and response.status < 400):
            yield self._check(cr, fetch, PageFacts(), [])
            return
        try:
            analysis = analyse(body, response.url, headers=headers, target=cr.target)
        except Exception as exc:  # one hostile page must not lose its record
            log.exception("could not analyse %s", response.url)
            self.crawler.stats.inc_value("linkvet/errors/extract")
            fetch = fetch.model_copy(update={
                "error_kind": "extract",
                "error": f"the page could not be analysed ({type(exc).__name__}: {exc})"[:500],
            })
            yield self._check(cr, fetch, PageFacts(), [])
            return
        if page is None and analysis.refresh is not None:
            step = self._refresh_step(cr, response, analysis.refresh, "meta_refresh",
                                      analysis.base_url)
            if step is not None:
                yield step
                return
        page_facts = analysis.page
        links: list[LinkOccurrence] = list(analysis.links)
        if not links and rendered_reason is None and response.status < 300:
            reason = render_reason(
                self.render_policy if self.browser.enabled else "never",
                link_found=False,
                body=body,
                word_count=page_facts.word_count,
            )
            if reason:
                static = self._check(cr, fetch, page_facts, links)
                yield self.page_request(cr, render=reason, static=static)
                return
        if not links and self.href_hops:
            links = await self._links_behind_redirects(response, cr)
        static_check = response.meta.get("linkvet_static")
        if static_check is not None:
            links = _mark_js_only(links, static_check.links)
        yield self._check(cr, fetch, page_facts, links)

    def on_error(self, failure: Failure) -> Iterator[LinkCheck]:
        request = failure.request  # type: ignore[attr-defined]
        cr: CrawlRequest = request.meta[META_KEY]
        page = request.meta.get("playwright_page")
        if page is not None:
            self.browser.release_soon(page, request.meta.get("linkvet_context"))
        static: LinkCheck | None = request.meta.get("linkvet_static")
        if static is not None:
            # The render failed: the static facts stand, with the render failure noted.
            fetch = static.fetch.model_copy(
                update={
                    "render_reason": f"{request.meta.get(RENDER_META)} (render failed: "
                    f"{classify_failure(failure)[0]})"
                }
            )
            yield static.model_copy(update={"fetch": fetch})
            return
        kind, message, robots = classify_failure(failure)
        redirects = _hops(request.meta)
        status = redirects[-1].status if kind == "redirect_loop" and redirects else None
        answered = getattr(failure.value, "response", None)
        if isinstance(failure.value, HttpError) and answered is not None:
            status = answered.status  # a status Scrapy would not pass on (a 3xx unfollowed)
        fetch = FetchFacts(
            status=status,
            final_url=request.url,
            redirects=redirects,
            elapsed_ms=_elapsed(request.meta),
            robots_allowed=False if robots else request.meta.get("linkvet_robots_allowed"),
            error_kind=kind,
            error=message,
            server_ip=self.host_map.get((request.url.split("/")[2:3] or [""])[0].lower()),
        )
        self.crawler.stats.inc_value(f"linkvet/errors/{kind}")
        yield self._check(cr, fetch, PageFacts(), [])

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        for outcome, count in self.outcomes.items():
            stats.inc_value(f"linkvet/outcome/{outcome}", count)
        stats.set_value("linkvet/browser/rendered", self.browser.rendered)
        stats.set_value("linkvet/browser/contexts_closed", self.browser.closed_contexts)

    # ----------------------------------------------------------------- helpers
    def _refresh_target(self, response: Response, value: str | None, kind: RefreshKind,
                        base_url: str) -> Request | _TooManyRedirects | None:
        """A ``Refresh: N; url=...`` header or a meta refresh, read by HTML's declarative
        refresh steps (:mod:`linkvet.refresh`, not Scrapy's meta refresh middleware, which
        missed ``0, url=...`` and ``0; /x`` and looked only at the first 4 KB), is a redirect
        when it names a URL within ``METAREFRESH_MAXDELAY`` seconds. Refresh hops and 3xx
        hops together are bounded by ``REDIRECT_MAX_TIMES``; past it the check records a redirect
        loop. Each refresh hop remembers how many 3xx hops came before it, so the
        chain is recorded in the order it was followed."""
        if not value or not 200 <= response.status < 300:
            return None
        parsed = parse_refresh(value)
        if parsed is None or parsed[1] is None or parsed[0] > self.max_refresh_delay:
            return None
        url = resolve(base_url, parsed[1])
        if not url:
            return None
        before = len(response.meta.get("redirect_urls") or [])
        hops: list[tuple[int, RedirectHop]] = list(
            response.meta.get("linkvet_refresh_hops") or [])
        request = response.request
        assert request is not None
        hops.append((before, RedirectHop(url=response.url, status=response.status, kind=kind)))
        meta = {**response.meta, "linkvet_refresh_hops": hops}
        if before + len(hops) > self.max_redirects:
            return _TooManyRedirects(meta, f"max redirections ({self.max_redirects}) reached, "
                                           f"the last by a {kind.replace('_', ' ')} to {url}")
        return request.replace(url=url, meta=meta)

    def _refresh_step(self, cr: CrawlRequest, response: Response, value: str | None,
                      kind: RefreshKind, base_url: str) -> Request | LinkCheck | None:
        """What a refresh makes of the response: the next request, the check of a redirect
        loop, or ``None`` (no refresh to follow: the page is analysed)."""
        target = self._refresh_target(response, value, kind, base_url)
        if isinstance(target, _TooManyRedirects):
            return self._loop_check(cr, response, target)
        return target

    def _loop_check(self, cr: CrawlRequest, response: Response,
                    loop: _TooManyRedirects) -> LinkCheck:
        """The check of a request whose redirects ran past the limit (``redirect_loop``)."""
        self.crawler.stats.inc_value("linkvet/errors/redirect_loop")
        hops = _hops(loop.meta)
        fetch = FetchFacts(status=hops[-1].status, final_url=response.url, redirects=hops,
                           elapsed_ms=_elapsed(response.meta),
                           robots_allowed=response.meta.get("linkvet_robots_allowed"),
                           error_kind="redirect_loop", error=loop.message)
        return self._check(cr, fetch, PageFacts(), [])

    def _keep_body(self, cr: CrawlRequest, url: str, headers: dict[str, str | list[str]],
                   body: bytes) -> None:
        assert self.body_dir is not None
        self.body_dir.mkdir(parents=True, exist_ok=True)
        (self.body_dir / f"{cr.request_id}.body").write_bytes(body)
        (self.body_dir / f"{cr.request_id}.json").write_text(
            json.dumps({"url": url, "headers": headers}), encoding="utf-8"
        )

    def _check(
        self, cr: CrawlRequest, fetch: FetchFacts, page: PageFacts, links: list[LinkOccurrence]
    ) -> LinkCheck:
        outcome = decide(
            status=fetch.status,
            robots_allowed=fetch.robots_allowed,
            error_kind=fetch.error_kind,
            content_type=fetch.content_type,
            source_url=cr.source_url,
            final_url=fetch.final_url,
            link_present=bool(links),
            noindex=page.noindex,
            canonical=page.canonical,
            canonical_is_self=page.canonical_is_self,
            empty_body=fetch.bytes == 0,
        )
        self.outcomes[outcome] += 1
        return LinkCheck(
            check_id=check_id(cr.request_id),
            request_id=cr.request_id,
            run_id=cr.run_id,
            link_id=cr.link_id,
            source_url=cr.source_url,
            target=cr.target,
            checked_at=datetime.now(UTC),
            outcome=outcome,
            fetch=fetch,
            page=page,
            links=links,
        )

    def _fetch_facts(self, response: Response, size: int, rendered: str | None) -> FetchFacts:
        host = (response.url.split("/")[2:3] or [""])[0].lower()
        ip = self.host_map.get(host)
        if ip is None and not self.proxy and response.ip_address is not None:
            ip = str(response.ip_address)
        hops = _hops(response.meta)
        return FetchFacts(
            status=response.status,
            final_url=response.url,
            redirects=hops,
            elapsed_ms=_elapsed(response.meta),
            bytes=size,
            content_type=_header(response, b"Content-Type"),
            rendered=rendered is not None,
            render_reason=rendered,
            robots_allowed=response.meta.get("linkvet_robots_allowed"),
            server_ip=ip,
        )

    async def _links_behind_redirects(
        self, response: Response, cr: CrawlRequest
    ) -> list[LinkOccurrence]:
        """Follow hrefs that may redirect to the target (bounded), and report those that do."""
        assert self.crawler.engine is not None
        hrefs = [
            u
            for u in (resolve(response.url, h) for h in response.xpath("//a/@href").getall()[:5000])
            if u
        ]
        found: list[LinkOccurrence] = []
        for href_url in candidates(hrefs, response.url, cr.target):
            chain = [href_url]
            url = href_url
            for _ in range(self.href_hops):
                meta: dict[str, Any] = {
                    "dont_redirect": True,
                    "handle_httpstatus_all": True,
                    "dont_retry": True,
                }
                try:
                    hop = await self.crawler.engine.download_async(
                        Request(url, meta=meta, dont_filter=True, method="GET")
                    )
                except Exception as exc:
                    log.debug("href redirect probe %s failed: %s", url, exc)
                    break
                location = _header(hop, b"Location")
                if not (300 <= hop.status < 400 and location):
                    break
                nxt = resolve(url, location)
                if not nxt:
                    break
                chain.append(nxt)
                url = nxt
                if match_target(nxt, cr.target):
                    occ = _occurrence_for_href(response, href_url, chain, cr.target)
                    if occ is not None:
                        found.append(occ)
                    break
        return found


def _occurrence_for_href(
    response: Response, href_url: str, chain: list[str], target: str
) -> LinkOccurrence | None:
    """Facts of the anchor whose href is ``href_url``, as a link to the target by redirect."""
    analysis = analyse(response.body, response.url, headers=_headers(response), target=href_url)
    if not analysis.links:
        return None
    return analysis.links[0].model_copy(update={"match": "redirect", "href_chain": chain})


def _mark_js_only(
    rendered: list[LinkOccurrence], static: Iterable[LinkOccurrence]
) -> list[LinkOccurrence]:
    seen = {(o.url, o.anchor_text) for o in static}
    return [
        o if (o.url, o.anchor_text) in seen else o.model_copy(update={"js_only": True})
        for o in rendered
    ]


RefreshKind = Literal["refresh_header", "meta_refresh"]


@dataclass(frozen=True)
class _TooManyRedirects:
    """A refresh that would go past ``REDIRECT_MAX_TIMES``: the hops so far and why."""

    meta: dict[str, Any]
    message: str


def _hops(meta: dict[str, Any]) -> list[RedirectHop]:
    """Every hop followed before this response, in order: Scrapy's 3xx hops with the refresh
    hops (header or meta) put back where they happened."""
    urls = meta.get("redirect_urls") or []
    reasons = meta.get("redirect_reasons") or []
    refresh: list[tuple[int, RedirectHop]] = meta.get("linkvet_refresh_hops") or []
    hops: list[RedirectHop] = []
    waiting = iter(refresh)
    pending = next(waiting, None)
    for i in range(len(urls) + 1):
        while pending is not None and pending[0] <= i:
            hops.append(pending[1])
            pending = next(waiting, None)
        if i < len(urls):
            reason = reasons[i] if i < len(reasons) else None
            status = reason if isinstance(reason, int) else None
            hops.append(RedirectHop(url=urls[i], status=status, kind="http"))
    return hops


def _elapsed(meta: dict[str, Any]) -> float | None:
    started: float | None = meta.get("linkvet_started")
    if started is None:
        return None
    return round((time.monotonic() - started) * 1000.0, 1)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _headers(response: Response) -> dict[str, str | list[str]]:
    """The response headers by lower-case name; a header sent on several lines keeps each line
    as its own value. Joining them with commas changed their meaning: in X-Robots-Tag a
    bot name scopes the directives after it on its line, so ``bingbot: nofollow`` and a
    separate ``noindex`` became ``bingbot: nofollow, noindex`` and the page lost its noindex."""
    # dict.items: Scrapy's Headers.items() looks every key up again through normkey().
    return {
        k.decode("latin-1").lower(): (vs[0].decode("latin-1") if len(vs) == 1
                                      else [v.decode("latin-1") for v in vs])
        for k, vs in dict.items(response.headers)
    }


def _slot(url: str) -> str:
    """One download slot per registrable domain: politeness holds across a site's hosts."""
    return domain_of(url) or url
