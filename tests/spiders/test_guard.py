"""No SSRF: the real crawl path refuses loopback/private targets, on the first hop and on
redirects, unless the allowlist says otherwise; the browser filter refuses them too."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from typing import TypedDict, Unpack

import pytest

from flows.crawl import run_crawl
from linkvet.netpolicy import NetPolicy
from linkvet.settings import Settings
from schemas.records import CrawlRequest, LinkCheck
from spiders.render import BrowserRequestFilter

SECRET = b"<html><body><a href='http://acme.example/'>internal</a></body></html>"


class _Handler(BaseHTTPRequestHandler):
    """Serves a 'secret' page directly, and acts as a forward proxy for public.example,
    whose page redirects to the secret one on loopback."""

    def do_GET(self) -> None:
        if self.path.startswith("http://public.example/"):
            assert isinstance(self.server, HTTPServer)  # typeshed types it as a BaseServer
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/secret")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"" if self.path.endswith("robots.txt") else SECRET
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()


class _SettingsOverrides(TypedDict, total=False):
    """The :class:`Settings` fields the tests below override."""

    proxy: str
    host_map: Path
    allow_hosts: list[str]


def crawl(tmp_path: Path, url: str, **settings: Unpack[_SettingsOverrides]) -> LinkCheck:
    requests = tmp_path / "requests.jsonl"
    requests.write_text(
        CrawlRequest(
            request_id="r1",
            run_id="t",
            link_id="l1",
            source_url=url,
            target="acme.example",
            requested_at=datetime.now(UTC),
        ).model_dump_json()
        + "\n",
        encoding="utf-8",
    )
    run_crawl(
        Settings(data_dir=tmp_path, retry_times=0, render="never", **settings),
        requests=requests,
        landing=tmp_path / "landing",
        work_dir=tmp_path,
        timeout_s=120,
    )
    lines = [
        ln for f in (tmp_path / "landing").glob("*.jsonl") for ln in f.read_bytes().splitlines()
    ]
    assert len(lines) == 1
    return LinkCheck.model_validate_json(lines[0])


def test_loopback_page_is_refused_by_default(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    check = crawl(tmp_path, f"http://127.0.0.1:{server.server_port}/secret")
    assert (check.outcome, check.fetch.error_kind, check.links) == (
        "transient_failure",
        "blocked_private",
        [],
    )
    assert "LINKVET_ALLOW_HOSTS" in (check.fetch.error or "")


def test_redirect_to_loopback_is_refused(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    host_map = tmp_path / "hosts.json"
    host_map.write_text(json.dumps({"public.example": "93.184.215.14"}), encoding="utf-8")
    check = crawl(
        tmp_path,
        "http://public.example/page",
        proxy=f"http://127.0.0.1:{server.server_port}",
        host_map=host_map,
    )
    assert (check.fetch.error_kind, check.links) == ("blocked_private", [])
    assert "127.0.0.1" in (check.fetch.error or "")
    assert [(h.url, h.status) for h in check.fetch.redirects] == [
        ("http://public.example/page", 302)
    ]


def test_allowlist_lets_a_named_host_through(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    check = crawl(
        tmp_path, f"http://127.0.0.1:{server.server_port}/secret", allow_hosts=["127.0.0.1"]
    )
    assert (check.outcome, check.fetch.status, len(check.links)) == ("live", 200, 1)


@dataclass(frozen=True)
class _BrowserRequest:
    url: str
    resource_type: str = "document"


def test_browser_filter_refuses_private_hosts_and_heavy_resources() -> None:
    guard = BrowserRequestFilter(
        NetPolicy(allow_hosts=("*.example",)), {"public.example": "93.184.215.14"}
    )

    async def verdicts() -> list[bool]:
        return [
            await guard(_BrowserRequest("http://127.0.0.1:8080/admin")),
            await guard(_BrowserRequest("http://169.254.169.254/latest/meta-data")),
            await guard(_BrowserRequest("http://blog.example/post")),
            await guard(_BrowserRequest("http://blog.example/logo.png", "image")),
            await guard(_BrowserRequest("http://[::1]/x", "xhr")),
        ]

    assert asyncio.run(verdicts()) == [True, True, False, True, True]
    assert guard.refused == 3
