"""Meta refresh and the Refresh header through the real path (the verify spider in a child
process, a sandbox proxy): the forms HTML's declarative refresh steps accept, a refresh late in
a long head, the order of a mixed chain, and a refresh loop; and answers that are no page: a
3xx without a Location, a non-standard status, an empty 200."""

from __future__ import annotations

from pathlib import Path

from linkvet.sandbox import TARGET_HOME, Response, SandboxWeb
from linkvet.sandbox.html import Site, a, article, linked_para, page
from linkvet.sandbox.response import error_page, html, redirect
from tests.fixtures.sandbox import crawl_sites

HOST = "refresh.example"
ADDRESS = "100.64.250.3"
SITE = Site(host=HOST, name="Refresh tests", theme="blog")
BIG_STYLE = "<style>" + ".c{color:red}\n" * 600 + "</style>"  # ~8 KB of head before the meta


def refresh_page(content: str, *, head: str = "", body: str = "<p>Moved.</p>") -> Response:
    meta = f'<meta http-equiv="refresh" content="{content}">'
    return html(f"<html><head>{head}{meta}</head><body>{body}</body></html>")


PAGES: dict[str, Response] = {
    "/with-link": html(page(SITE, title="Here", main=article(
        "Here", "By Jo", linked_para("We like", a(TARGET_HOME, "Acme gear"), "a lot.")))),
    "/comma": refresh_page("0, url=/with-link"),
    "/bare": refresh_page("0; /with-link"),
    "/spaced": refresh_page("0; url = '/with-link'"),
    "/late": refresh_page("0; url=/with-link", head=BIG_STYLE),
    "/in-body": html(f'<html><body><p>x</p><meta http-equiv="refresh" '
                     f'content="0;url=http://{HOST}/with-link"></body></html>'),
    "/noscript": html('<html><head><noscript><meta http-equiv="refresh" '
                      'content="0;url=/with-link"></noscript></head><body>No link.</body></html>'),
    "/delayed": refresh_page("500; url=/with-link"),
    "/rh-then-301": Response(200, (("Content-Type", "text/html"), ("Refresh", "0; url=/r301")),
                             b"<p>moving</p>"),
    "/r301": redirect(f"http://{HOST}/with-link"),
    "/loop-a": refresh_page("0; url=/loop-b"),
    "/loop-b": refresh_page("0; url=/loop-a"),
    "/no-location": Response(302, (("Content-Type", "text/html"),), b"<p>gone somewhere</p>"),
    "/bot-wall": Response(999, (("Content-Type", "text/html"),), b"<p>request denied</p>"),
    "/empty": Response(200, (("Content-Type", "text/html"),), b""),
}


class RefreshWeb(SandboxWeb):
    def respond(self, host: str, path: str) -> Response | None:
        if host.lower().rstrip(".") != HOST:
            return super().respond(host, path)
        if path == "/robots.txt":
            return error_page(404, "Not Found")
        return PAGES.get(path) or error_page(404, "Not Found")


def test_refresh_forms_order_and_loops(tmp_path: Path) -> None:
    sources = [f"http://{HOST}{p}" for p in PAGES if p not in ("/with-link", "/r301", "/loop-b")]
    landed = crawl_sites(RefreshWeb(seed=0, slow_delay=0.0), tmp_path, sources,
                         {HOST: ADDRESS}, max_redirects=5)
    checks = {c.source_url.split(HOST, 1)[1]: c for c in landed}
    u = f"http://{HOST}"
    got = {path: (c.outcome, [(h.url.removeprefix(u), h.status, h.kind)
                              for h in c.fetch.redirects], c.fetch.error_kind)
           for path, c in checks.items()}
    followed = "live"
    assert {k: v for k, v in got.items() if k not in ("/no-location", "/bot-wall", "/empty")} == {
        "/comma": (followed, [("/comma", 200, "meta_refresh")], None),
        "/bare": (followed, [("/bare", 200, "meta_refresh")], None),
        "/spaced": (followed, [("/spaced", 200, "meta_refresh")], None),
        "/late": (followed, [("/late", 200, "meta_refresh")], None),
        "/in-body": (followed, [("/in-body", 200, "meta_refresh")], None),
        "/noscript": ("link_removed", [], None),
        "/delayed": ("link_removed", [], None),
        "/rh-then-301": (followed, [("/rh-then-301", 200, "refresh_header"),
                                    ("/r301", 301, "http")], None),
        "/loop-a": ("redirected_away", [("/loop-a", 200, "meta_refresh"),
                                        ("/loop-b", 200, "meta_refresh")] * 3,
                    "redirect_loop"),
    }
    assert "max redirections (5) reached" in (checks["/loop-a"].fetch.error or "")
    odd = {path: (checks[path].outcome, checks[path].fetch.status, checks[path].fetch.error_kind)
           for path in ("/no-location", "/bot-wall", "/empty")}
    assert odd == {"/no-location": ("redirected_away", 302, "http"),
                   "/bot-wall": ("transient_failure", 999, "http"),
                   "/empty": ("transient_failure", 200, None)}
