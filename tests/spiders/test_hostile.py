"""Hostile pages through the real crawl path: every one ends as a recorded outcome, never a
crash and never a hung worker (the whole crawl has a hard time limit)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flows.crawl import run_crawl
from linkvet.settings import Settings
from schemas.records import CrawlRequest, LinkCheck

TARGET = "http://acme.example/"
HOSTILE_PATHS = ["/huge", "/endless", "/drip", "/misdeclared", "/nested", "/links100k",
                 "/loop-a", "/hrefs", "/binary"]
LINK = b'<a href="http://acme.example/">Acme</a>'


def _page(body: bytes) -> bytes:
    return (
        b"<html><head><title>t</title></head><body><main><p>" + body + b"</p></main></body></html>"
    )


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str = "text/html; charset=utf-8",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif path == "/huge":
            self._send(200, _page(b"x" * 4_000_000 + LINK))
        elif path == "/endless":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + b"spam " * 2000 + b"</p>"
            try:
                for _ in range(100_000):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                return
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(60):
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                return
        elif path == "/misdeclared":
            self._send(
                200, _page("Équipe <a href='http://acme.example/'>Forêt</a>".encode("latin-1"))
            )
        elif path == "/nested":
            self._send(200, _page(b"<div>" * 1_500 + LINK + b"</div>" * 1_500))
        elif path == "/links100k":
            links = b"".join(b'<a href="/p%d">p</a>' % i for i in range(100_000))
            self._send(200, _page(links + LINK))
        elif path in ("/loop-a", "/loop-b"):
            other = "/loop-b" if path == "/loop-a" else "/loop-a"
            self._send(302, b"", extra={"Location": other})
        elif path == "/hrefs":
            self._send(
                200,
                _page(
                    b'<a href="javascript:alert(1)">js</a><a href="data:text/html,<b>x</b>">d</a>'
                    b'<a href="http://[::1">bad</a><a href="http://b\xc3\xbccher.example/">idn</a>'
                    b'<a href="http://acme.example:99999/">bad port</a>' + LINK
                ),
            )
        elif path == "/binary":
            self._send(200, bytes(range(256)) * 400)
        else:
            self._send(404, b"nope")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_checks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LinkCheck]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    work = tmp_path_factory.mktemp("hostile")
    paths = HOSTILE_PATHS
    now = datetime.now(UTC)
    with (work / "requests.jsonl").open("w", encoding="utf-8") as fh:
        for i, path in enumerate(paths):
            fh.write(
                CrawlRequest(
                    request_id=f"r{i}",
                    run_id="h",
                    link_id=f"l{i}",
                    source_url=base + path,
                    target=TARGET,
                    requested_at=now,
                ).model_dump_json()
                + "\n"
            )
    settings = Settings(
        data_dir=work,
        allow_hosts=["127.0.0.1"],
        max_page_bytes=2_500_000,
        download_timeout=4,
        retry_times=0,
        render="never",
        max_redirects=5,
    )
    started = time.monotonic()
    run_crawl(
        settings,
        requests=work / "requests.jsonl",
        landing=work / "landing",
        work_dir=work,
        timeout_s=120,
    )
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"the crawl took {elapsed:.0f} s: something hung"
    checks = [
        LinkCheck.model_validate_json(line)
        for f in (work / "landing").glob("*.jsonl")
        for line in f.read_bytes().splitlines()
        if line.strip()
    ]
    yield {c.source_url.removeprefix(base): c for c in checks}
    server.shutdown()


def test_every_hostile_page_gets_exactly_one_outcome(hostile_checks: dict[str, LinkCheck]) -> None:
    assert sorted(hostile_checks) == sorted(HOSTILE_PATHS)


@pytest.mark.parametrize(
    ("path", "outcome", "error_kind", "links"),
    [
        ("/huge", "transient_failure", "too_large", 0),
        ("/endless", "transient_failure", "too_large", 0),
        ("/drip", "transient_failure", "timeout", 0),
        ("/misdeclared", "live", None, 1),
        ("/nested", "live", None, 1),
        ("/links100k", "live", None, 1),
        ("/loop-a", "redirected_away", "redirect_loop", 0),
        ("/hrefs", "live", None, 1),
        ("/binary", "link_removed", None, 0),
    ],
)
def test_hostile_outcome(
    hostile_checks: dict[str, LinkCheck],
    path: str,
    outcome: str,
    error_kind: str | None,
    links: int,
) -> None:
    check = hostile_checks[path]
    assert (check.outcome, check.fetch.error_kind, len(check.links)) == (outcome, error_kind, links)


def test_misdeclared_encoding_reads_the_real_text(hostile_checks: dict[str, LinkCheck]) -> None:
    assert hostile_checks["/misdeclared"].links[0].anchor_text == "Forêt"


def test_page_with_100k_links_is_counted(hostile_checks: dict[str, LinkCheck]) -> None:
    page = hostile_checks["/links100k"].page
    assert (page.internal_links, page.outbound_links) == (100_000, 1)
