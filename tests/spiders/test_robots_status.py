"""robots.txt through the real path (the verify spider in a child process, a sandbox proxy):
which answer counts (RFC 9309), which group is linkvet's, and how much of a large file is
read. Each site has one page linking to the target; what the crawl records for it, and
whether the page was fetched at all, is asserted per site."""

from __future__ import annotations

import threading
from pathlib import Path

from linkvet.robots_txt import PARSE_LIMIT
from linkvet.sandbox import TARGET_HOME, Response, SandboxWeb
from linkvet.sandbox.html import Site, a, article, linked_para, page
from linkvet.sandbox.response import error_page, html, plain
from tests.fixtures.sandbox import crawl_sites

ADDRESS = "100.64.250.2"
BIG = "User-agent: *\nDisallow: /posts/private\n" + "# padding\n" * (PARSE_LIMIT // 10) + \
    "Disallow: /\n"
ROBOTS: dict[str, Response] = {
    "down.example": error_page(503, "Service Unavailable"),  # unreachable: crawl nothing
    "busy.example": error_page(429, "Too Many Requests"),
    # a 4xx means no rules, whatever its body says
    "gone.example": Response(404, (("Content-Type", "text/plain"),),
                             b"User-agent: *\nDisallow: /\n"),
    # groups of other crawlers that share words with linkvet's User-Agent
    "others.example": plain("User-agent: linkvet\nAllow: /\n\nUser-agent: backlink\n"
                            "Disallow: /\n\nUser-agent: link\nDisallow: /\n"),
    "own.example": plain("User-agent: *\nAllow: /\n\nUser-agent: LinkVet/2\nDisallow: /\n"),
    # larger than the page size cap; only its first 500 KiB count
    "big.example": plain(BIG),
}
PAGES = {f"http://{host}/posts/{slug}": host for host in ROBOTS for slug in ("a", "private")}


class RobotsWeb(SandboxWeb):
    """The sandbox web plus one site per robots.txt answer above, noting each path asked."""

    def __init__(self) -> None:
        super().__init__(seed=0, slow_delay=0.0)
        self.asked: list[str] = []
        self._lock = threading.Lock()

    def respond(self, host: str, path: str) -> Response | None:
        host = host.lower().rstrip(".")
        if host not in ROBOTS:
            return super().respond(host, path)
        with self._lock:
            self.asked.append(f"{host}{path}")
        if path == "/robots.txt":
            return ROBOTS[host]
        site = Site(host=host, name=host, theme="blog")
        body = linked_para("Notes on", a(TARGET_HOME, "Acme gear"), "from the trail.")
        return html(page(site, title=path, main=article(path, "By Jo", body)))


def test_robots_txt_answers_groups_and_size(tmp_path: Path) -> None:
    web = RobotsWeb()
    landed = crawl_sites(web, tmp_path, PAGES, dict.fromkeys(ROBOTS, ADDRESS),
                         max_page_bytes=50_000)
    checks = {c.source_url.removeprefix("http://"): c for c in landed}
    got = {url: (c.outcome, c.fetch.robots_allowed, c.fetch.error_kind)
           for url, c in checks.items()}
    assert got == {
        "down.example/posts/a": ("transient_failure", None, "http"),
        "down.example/posts/private": ("transient_failure", None, "http"),
        "busy.example/posts/a": ("transient_failure", None, "http"),
        "busy.example/posts/private": ("transient_failure", None, "http"),
        "gone.example/posts/a": ("live", True, None),
        "gone.example/posts/private": ("live", True, None),
        "others.example/posts/a": ("live", True, None),
        "others.example/posts/private": ("live", True, None),
        "own.example/posts/a": ("robots_blocked", False, "other"),
        "own.example/posts/private": ("robots_blocked", False, "other"),
        "big.example/posts/a": ("live", True, None),
        "big.example/posts/private": ("robots_blocked", False, "other"),
    }
    assert "RFC 9309" in (checks["down.example/posts/a"].fetch.error or "")
    assert "answered 503" in (checks["down.example/posts/a"].fetch.error or "")
    # every robots.txt asked once; no page of an unreachable or disallowing site fetched
    asked = sorted(web.asked)
    assert [p for p in asked if p.endswith("/robots.txt")] == sorted(
        f"{h}/robots.txt" for h in ROBOTS)
    assert [p for p in asked if not p.endswith("/robots.txt")] == sorted([
        "gone.example/posts/a", "gone.example/posts/private", "others.example/posts/a",
        "others.example/posts/private", "big.example/posts/a"])
