"""A small load generator for the sandbox proxy: N client threads, one keep-alive connection
each, requesting filler pages in absolute form for a fixed time. It measures what the proxy
sustains, so crawl benchmarks know the sandbox is not their bottleneck."""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from linkvet.sandbox.web import SandboxWeb


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    bytes: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def filler_urls(web: SandboxWeb) -> Iterator[str]:
    """The filler page URLs, cycling forever (falls back to the named pages)."""
    pages = [p.url for p in itertools.islice(web.filler.referring_pages(), 20_000)]
    if not pages:
        pages = [p.url for p in web.named_pages() if p.expected.status == 200
                 and p.archetype not in ("slow", "huge")]
    return itertools.cycle(pages)


def run_load(proxy_url: str, urls: Iterator[str], *, threads: int = 4,
             seconds: float = 5.0) -> LoadResult:
    """Request ``urls`` through ``proxy_url`` from ``threads`` threads for ``seconds``."""
    proxy = urlsplit(proxy_url)
    lock = threading.Lock()
    totals = {"requests": 0, "errors": 0, "bytes": 0}
    deadline = time.monotonic() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(proxy.hostname or "127.0.0.1", proxy.port or 80,
                                          timeout=30)
        done = errors = size = 0
        while time.monotonic() < deadline:
            with lock:
                url = next(urls)
            try:
                conn.request("GET", url, headers={"Host": urlsplit(url).netloc})
                response = conn.getresponse()
                size += len(response.read())
                if response.status != 200:
                    errors += 1
                done += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
        conn.close()
        with lock:
            totals["requests"] += done
            totals["errors"] += errors
            totals["bytes"] += size

    started = time.monotonic()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    return LoadResult(totals["requests"], totals["errors"], elapsed, totals["bytes"])
