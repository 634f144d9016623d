"""Chromium through scrapy-playwright: opt-in per request, pages always closed, memory bounded.

- A page is rendered only when linkvet.render_policy says so (the reason is recorded).
- Images, media and fonts are never downloaded (:func:`abort_request`).
- Pages are opened with ``playwright_include_page`` so that the spider can measure link boxes;
  every page is closed in the callback and in the errback.
- The browser context is rotated every ``restart_pages`` renders: the old context is closed once
  its pages are done, which returns the renderer processes' memory.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from linkvet.bounded import BoundedDict
from linkvet.netpolicy import NetPolicy, literal_ip

log = logging.getLogger(__name__)

RENDER_META = "linkvet_render_reason"
BLOCKED_RESOURCES = frozenset({"image", "media", "font"})

# Marks every anchor with why it is invisible in the rendered page (zero size, off-screen,
# hidden by computed style); the HTML extractor reads ``data-linkvet-hidden``.
_VISIBILITY_JS = """
() => {
  const W = document.documentElement.scrollWidth, H = document.documentElement.scrollHeight;
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    const s = getComputedStyle(a);
    let why = null;
    if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0')
      why = 'computed_style';
    else {
      const r = a.getBoundingClientRect();
      const kids = Array.from(a.querySelectorAll('img')).some(i => i.width > 0 && i.height > 0);
      if ((r.width < 1 || r.height < 1) && !kids) why = 'zero_size';
      else if (r.right + window.scrollX < 0 || r.bottom + window.scrollY < 0
               || r.left + window.scrollX > W || r.top + window.scrollY > H) why = 'off_screen';
    }
    if (why) a.setAttribute('data-linkvet-hidden', why);
  }
}
"""


async def abort_request(request: Any) -> bool:
    """Playwright request filter: drop images, media and fonts."""
    return bool(request.resource_type in BLOCKED_RESOURCES)


class BrowserRequestFilter:
    """Playwright request filter (``PLAYWRIGHT_ABORT_REQUEST``): drops images, media and fonts,
    and every request — a page's own sub-resources and redirects included — to a host the
    network policy refuses (no SSRF through the browser)."""

    def __init__(self, policy: NetPolicy, host_map: dict[str, str]) -> None:
        self.policy = policy
        self.host_map = host_map
        self._verdicts: BoundedDict[str, str | None] = BoundedDict()
        self.refused = 0

    async def __call__(self, request: Any) -> bool:
        if request.resource_type in BLOCKED_RESOURCES:
            return True
        host = (urlsplit(request.url).hostname or "").lower()
        if not host:
            return False
        if host not in self._verdicts:
            self._verdicts[host] = await self._verdict(host)
        if self._verdicts[host]:
            self.refused += 1
            log.warning("browser: %s", self._verdicts[host])
            return True
        return False

    async def _verdict(self, host: str) -> str | None:
        if self.policy.allow_private or self.policy.host_allowlisted(host):
            return None
        literal = literal_ip(host)
        if literal:
            return self.policy.refusal(host, [literal])
        if host in self.host_map:
            return self.policy.refusal(host, [self.host_map[host]])
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
        except OSError:
            return None
        return self.policy.refusal(host, sorted({str(i[4][0]) for i in infos}))


class BrowserContextMiddleware:
    """Downloader middleware: gives each render request its browser context right before it is
    downloaded (see :meth:`BrowserPool.assign`)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> BrowserContextMiddleware:
        return cls(crawler)

    def process_request(self, request: Any) -> None:
        if not request.meta.get("playwright") or "linkvet_context" in request.meta:
            return
        pool = getattr(self.crawler.spider, "browser", None)
        if isinstance(pool, BrowserPool):
            pool.assign(request.meta)


class BrowserPool:
    """Hands out browser contexts by name and closes each one once it is retired and drained.

    Every ``restart_pages`` renders a new context name is used; the previous context is retired
    and closed as soon as none of its pages is still open (at the rotation itself when it is
    already drained, else when its last page is released), so only the current context and the
    few still draining exist at any time (pages per context are capped by
    ``PLAYWRIGHT_MAX_PAGES_PER_CONTEXT``).
    """

    def __init__(self, *, restart_pages: int, enabled: bool) -> None:
        self.restart_pages = restart_pages
        self.enabled = enabled
        self.rendered = 0
        self.closed_contexts = 0
        self._current: str | None = None
        self._open: dict[str, int] = {}
        self._contexts: dict[str, Any] = {}
        self._retired: set[str] = set()
        self._closing: set[asyncio.Future[None]] = set()

    def _context_name(self) -> str:
        return f"linkvet-{self.rendered // self.restart_pages}"

    def meta(self, reason: str) -> dict[str, Any]:
        """Request meta asking for a render. The context is chosen later, when the request is
        about to be downloaded (:meth:`assign`): choosing it when the request is created would
        rotate in scheduling order and could leave a request of a retired context queued behind
        requests waiting for a new one, holding the site's download slots (a deadlock)."""
        return {
            "playwright": True,
            "playwright_include_page": True,
            RENDER_META: reason,
            # a failed render falls back to the static facts; retrying it would reuse a context
            "dont_retry": True,
        }

    def assign(self, meta: dict[str, Any]) -> str:
        """Put a request about to be rendered in the current context (rotating as needed)."""
        name = self._context_name()
        if self._current is not None and self._current != name:
            self._retire(self._current)
        self._current = name
        self.rendered += 1
        self._open[name] = self._open.get(name, 0) + 1
        meta["playwright_context"] = name
        meta["linkvet_context"] = name
        return name

    def _retire(self, name: str) -> None:
        self._retired.add(name)
        if self._open.get(name, 0) <= 0:
            self._schedule(self._close_context(name))

    async def _close_context(self, name: str) -> None:
        context = self._contexts.pop(name, None)
        self._open.pop(name, None)
        if context is None:
            return
        log.info("closing browser context %s after %d renders", name, self.restart_pages)
        self.closed_contexts += 1
        await context.close()

    async def annotate_visibility(self, page: Any) -> None:
        try:
            await page.evaluate(_VISIBILITY_JS)
        except Exception as exc:
            log.debug("visibility probe failed on %s: %s", getattr(page, "url", "?"), exc)

    async def release(self, page: Any, name: str | None) -> None:
        """Close a rendered page; close its context too once it is retired and drained."""
        context = page.context
        await page.close()
        if name is None:
            return
        self._contexts[name] = context
        self._open[name] = self._open.get(name, 1) - 1
        if name in self._retired and self._open[name] <= 0:
            await self._close_context(name)

    def release_soon(self, page: Any, name: str | None) -> None:
        """Close a page from a synchronous errback; the task is kept until it finishes."""
        self._schedule(self.release(page, name))

    def _schedule(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
