"""`linkvet inspect URL` goes through the spider's fetch path: refused for a loopback server by
default (non-zero exit, the setting named), allowed by the allowlist, facts printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

LINKVET = Path(sys.executable).with_name("linkvet")
PROSE = (b"<p>Our club has tested trail shoes on muddy hills, rocky ridges and long forest "
         b"paths for three seasons, and we write up what held up and what did not.</p>")
PAGE = (b"<html><head><title>Partners</title></head><body><main><article>" + PROSE * 3
        + b"<p>This season we like <a href='https://acme.example/shop' rel='sponsored'>Acme "
        b"shoes</a> a lot, for grip and for the price.</p>" + PROSE + b"</article></main>"
        b"<footer><a href='/about'>About</a></footer></body></html>")


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"" if self.path == "/robots.txt" else PAGE
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/partners"
    server.shutdown()


def inspect(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINKVET_")}
    return subprocess.run([str(LINKVET), "inspect", url, *args], capture_output=True, text=True,
                          timeout=120, env={**clean, **env}, check=False)


def test_loopback_url_is_refused_by_default(url: str) -> None:
    done = inspect(url, "--target", "acme.example")
    assert done.returncode == 3
    assert done.stdout == ""
    assert "LINKVET_ALLOW_HOSTS" in done.stderr and "loopback" in done.stderr


def test_allowlisted_url_prints_its_links_and_page(url: str) -> None:
    done = inspect(url, "--all-links", LINKVET_ALLOW_HOSTS="127.0.0.1")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    links = [(r["url"], r["placement"], r["rel"], r["follow"], r["hidden"]) for r in rows[:-1]]
    assert links == [
        ("https://acme.example/shop", "content", ["sponsored"], False, False),
        (url.rsplit("/", 1)[0] + "/about", "footer", [], True, False),
    ]
    assert rows[-1]["page"]["title"] == "Partners"
    assert rows[-1]["page"]["url"] == url
