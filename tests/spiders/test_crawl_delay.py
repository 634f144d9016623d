"""robots.txt ``Crawl-delay`` through the real path: the verify spider in a child process, with
the production defaults (AutoThrottle on, two requests per domain, Scrapy's delay jitter),
fetching four pages of one site through a sandbox proxy that notes when each request arrives.

The site is built here, on top of the sandbox web (which holds the target site): its
``/robots.txt`` says ``Crawl-delay: 1``, so consecutive fetches of its pages must be at least
about a second apart (0.9 s leaves room for timer granularity, not for jitter or AutoThrottle
lowering the slot's delay)."""

from __future__ import annotations

import json
import threading
import time
from itertools import pairwise
from pathlib import Path

from flows.crawl import run_crawl
from flows.verify import write_requests
from linkvet.ids import link_id
from linkvet.sandbox import TARGET_HOME, Response, SandboxServer, SandboxWeb
from linkvet.sandbox.html import Site, a, article, linked_para, page
from linkvet.sandbox.response import error_page, html, plain
from linkvet.settings import Settings
from schemas.records import LinkCheck

HOST = "slowcrawl.example"  # its own registrable domain, so its own download slot
ADDRESS = "100.64.250.1"  # shared address space, like the sandbox's named hosts
ROBOTS_TXT = "User-agent: *\nCrawl-delay: 1\n"
CRAWL_DELAY = 1.0
MIN_GAP = 0.9
PATHS = tuple(f"/posts/trail-notes-{i}" for i in range(1, 5))
URLS = tuple(f"http://{HOST}{path}" for path in PATHS)
ANCHOR = "Acme trail gear"
SITE = Site(host=HOST, name="Slow Crawl Notes", theme="blog")


class CrawlDelayWeb(SandboxWeb):
    """The sandbox web plus ``HOST`` (robots.txt with a Crawl-delay, four pages linking to the
    target), noting ``(path, monotonic arrival time)`` for every request to ``HOST``."""

    def __init__(self) -> None:
        super().__init__(seed=0, slow_delay=0.0)
        self.fetches: list[tuple[str, float]] = []
        self._fetch_lock = threading.Lock()

    def respond(self, host: str, path: str) -> Response | None:
        if host.lower().rstrip(".") != HOST:
            return super().respond(host, path)
        with self._fetch_lock:
            self.fetches.append((path, time.monotonic()))
        if path == "/robots.txt":
            return plain(ROBOTS_TXT)
        if path in PATHS:
            title = f"Trail notes {path[-1]}"
            body = linked_para("We ran the ridge in", a(TARGET_HOME, ANCHOR), "and loved it.")
            return html(page(SITE, title=title, main=article(title, "By Jo", body)))
        return error_page(404, "Not Found")


def test_crawl_delay_spaces_fetches_of_a_site(tmp_path: Path) -> None:
    web = CrawlDelayWeb()
    host_map = tmp_path / "hostmap.json"
    host_map.write_text(json.dumps({**web.host_map(), HOST: ADDRESS}), encoding="utf-8")
    requests = tmp_path / "requests.jsonl"
    write_requests(requests, "t", ((link_id(u, TARGET_HOME), u, TARGET_HOME) for u in URLS),
                   "never")
    with SandboxServer(web) as server:
        settings = Settings(
            data_dir=tmp_path,
            proxy=server.proxy_url,
            host_map=host_map,
            allow_hosts=["*.example"],
            render="never",
            download_timeout=10,
            retry_times=0,
        )
        # The production defaults this test is about: AutoThrottle lowers a slot's delay after
        # every response, and two requests of one site may be in flight at once.
        assert settings.autothrottle
        assert settings.obey_robots
        assert settings.concurrent_per_domain == 2
        assert settings.download_delay == 0.0
        stats = run_crawl(settings, requests=requests, landing=tmp_path / "landing",
                          work_dir=tmp_path, timeout_s=60)

    # Every page was fetched once and checked: live, the link found, robots allowed it.
    checks = [
        LinkCheck.model_validate_json(line)
        for f in sorted((tmp_path / "landing").glob("*.jsonl"))
        for line in f.read_bytes().splitlines()
        if line.strip()
    ]
    assert sorted(c.source_url for c in checks) == sorted(URLS)
    for check in checks:
        assert check.outcome == "live", check.source_url
        assert check.fetch.status == 200
        assert check.fetch.robots_allowed is True
        assert [(o.url, o.anchor_text) for o in check.links] == [(TARGET_HOME, ANCHOR)]
    assert stats["linkvet/requests/read"] == len(URLS)

    # robots.txt first and once, then each page once.
    paths = [path for path, _ in web.fetches]
    assert paths[0] == "/robots.txt"
    assert sorted(paths[1:]) == sorted(PATHS)

    # The Crawl-delay was put on the site's download slot ...
    assert stats.get("linkvet/robots/crawl_delay_applied", 0) >= 1

    # ... and held: consecutive page fetches at least ~Crawl-delay apart, all of them.
    times = [t for path, t in web.fetches if path != "/robots.txt"]
    gaps = [round(later - earlier, 3) for earlier, later in pairwise(times)]
    print(f"gaps between page fetches of {HOST} (s): {gaps}; crawl_delay_applied: "
          f"{stats.get('linkvet/robots/crawl_delay_applied')}")
    assert len(gaps) == len(PATHS) - 1
    assert all(gap >= MIN_GAP for gap in gaps), (
        f"Crawl-delay {CRAWL_DELAY} s not honoured: gaps {gaps}"
    )
