"""Scrapy settings for the verify spider.

The module-level names are Scrapy's defaults for this project (``scrapy.cfg`` points here).
:func:`from_linkvet` derives the per-run settings from linkvet's typed :class:`Settings`: the
only place where linkvet settings become Scrapy settings.
"""

from __future__ import annotations

import json
from typing import Any

from linkvet.netpolicy import NetPolicy
from linkvet.settings import Settings
from spiders.guard import load_host_map
from spiders.render import BrowserRequestFilter

BOT_NAME = "linkvet"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
ROBOTSTXT_OBEY = False  # Scrapy's own middleware is replaced by spiders.robots (always on).
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
# Every response yields one LinkCheck: Scrapy's default of 100 makes it start 100 asyncio
# tasks per response to process that one item (measured: ~0.3 ms of CPU per page).
CONCURRENT_ITEMS = 1
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# Statuses the spider must see itself (redirects stay with RedirectMiddleware).
HTTPERROR_ALLOWED_CODES = list(range(400, 600))
RETRY_HTTP_CODES = [408, 429, 502, 503, 504, 522, 524]

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    # meta refresh is followed by the verify spider, by HTML's rules (spiders/verify.py)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "spiders.robots.RobotsVerdictMiddleware": 100,
    "spiders.guard.PrivateAddressGuardMiddleware": 110,
    "spiders.proxy.ForwardProxyMiddleware": 740,
    "spiders.render.BrowserContextMiddleware": 950,
}
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
}

PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_ABORT_REQUEST = "spiders.render.abort_request"  # from_linkvet adds the host guard

DEBIAN_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_launch_options(settings: Settings) -> dict[str, Any]:
    """Launch options for Playwright: Debian's Chromium by path when present (or the configured
    path), else a Playwright-managed browser (``playwright install chromium``)."""
    import shutil
    from pathlib import Path

    options: dict[str, Any] = {"headless": True, "args": list(CHROMIUM_ARGS)}
    path = settings.chromium_path or (
        DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).exists() else shutil.which("chromium")
    )
    if path:
        options["executable_path"] = path
    if settings.proxy:
        options["proxy"] = {"server": settings.proxy}
    return options


def from_linkvet(
    settings: Settings, *, landing_dir: str | None = None, kafka: bool = False, render: bool = True
) -> dict[str, Any]:
    """Scrapy settings for one crawl, derived from linkvet's settings."""
    out: dict[str, Any] = {
        "USER_AGENT": settings.user_agent,
        "CONCURRENT_REQUESTS": settings.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.concurrent_per_domain,
        "DOWNLOAD_DELAY": settings.download_delay,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
        "DOWNLOAD_MAXSIZE": settings.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_MAX_TIMES": settings.max_redirects,
        "RETRY_TIMES": settings.retry_times,
        "AUTOTHROTTLE_ENABLED": settings.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(settings.concurrent_per_domain),
        "AUTOTHROTTLE_START_DELAY": max(settings.download_delay, 0.0),
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "LINKVET_OBEY_ROBOTS": settings.obey_robots,
        "LINKVET_RENDER": settings.render,
        "LINKVET_PROXY": settings.proxy or "",
        "LINKVET_HOST_MAP": str(settings.host_map) if settings.host_map else "",
        "LINKVET_HREF_REDIRECT_HOPS": settings.href_redirect_hops,
        "LINKVET_ALLOW_PRIVATE": settings.allow_private,
        "LINKVET_ALLOW_HOSTS": json.dumps(settings.allow_hosts),
        "LINKVET_BROWSER_RESTART_PAGES": settings.browser_restart_pages,
        # No cap on contexts: a request waiting for a context slot inside the download handler
        # holds its site's download slot, which can deadlock a retiring context's last request.
        # spiders.render closes each retired context once drained, so few ever exist at once.
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": settings.max_browser_pages,
        "PLAYWRIGHT_LAUNCH_OPTIONS": chromium_launch_options(settings),
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": settings.download_timeout * 1000,
        "PLAYWRIGHT_ABORT_REQUEST": BrowserRequestFilter(
            NetPolicy(allow_private=settings.allow_private,
                      allow_hosts=tuple(settings.allow_hosts)),
            load_host_map(str(settings.host_map) if settings.host_map else ""),
        ),
    }
    pipelines = dict(ITEM_PIPELINES)
    if landing_dir:
        out["LINKVET_LANDING_DIR"] = landing_dir
        pipelines["pipelines.landing.LandingPipeline"] = 800
    if kafka:
        pipelines["pipelines.kafka_publish.KafkaPublishPipeline"] = 800
        out["LINKVET_KAFKA_SETTINGS"] = settings  # an object: Scrapy's log shows secrets masked
    out["ITEM_PIPELINES"] = pipelines
    if render and settings.render != "never":
        out["DOWNLOAD_HANDLERS"] = {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        }
    return out
