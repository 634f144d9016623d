from __future__ import annotations

import http.client
import threading
import time
import urllib.error
import urllib.request
from email.message import Message

from linkvet.sandbox import SandboxServer, SandboxWeb
from linkvet.sandbox.loadtest import filler_urls, run_load
from tests.fixtures.sandbox import RunningSandbox


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(sandbox: RunningSandbox, url: str, method: str = "GET") -> tuple[int, Message, bytes]:
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": sandbox.proxy_url}), _NoRedirect())
    request = urllib.request.Request(url, method=method)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_fixture_exposes_port_and_proxy_url(sandbox: RunningSandbox) -> None:
    assert sandbox.proxy_url == f"http://127.0.0.1:{sandbox.port}"
    assert sandbox.web.slow_delay == 1.0


def test_live_page_through_the_proxy(sandbox: RunningSandbox) -> None:
    url = "http://www.trailnews.example/2026/05/best-trail-running-shoes-tested"
    status, headers, body = fetch(sandbox, url)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    assert b'href="http://acme.example/shop/trail-shoes"' in body


def test_error_statuses(sandbox: RunningSandbox) -> None:
    assert fetch(sandbox, "http://gearblog.example/posts/deleted-review")[0] == 404
    assert fetch(sandbox, "http://runreviews.example/reviews/discontinued-model")[0] == 410
    assert fetch(sandbox, "http://fitlife-magazine.example/features/broken-page")[0] == 500
    assert fetch(sandbox, "http://gearblog.example/nothing-here")[0] == 404
    status, headers, body = fetch(sandbox, "http://not-in-the-web.example/")
    assert (status, headers["Content-Type"]) == (502, "text/plain; charset=utf-8")
    assert body == (b"linkvet sandbox: unknown host 'not-in-the-web.example' (not part of the "
                    b"sandbox web)\n")


def test_redirects(sandbox: RunningSandbox) -> None:
    status, headers, _ = fetch(sandbox, "http://www.trailnews.example/2025/gear-roundup")
    assert (status, headers["Location"]) == (301, "http://www.trailnews.example/2026/gear-roundup")
    status, headers, _ = fetch(sandbox, "http://runreviews.example/reviews/acme-sale")
    assert (status, headers["Location"]) == (302, "http://runreviews.example/")
    status, headers, _ = fetch(sandbox, "http://go.short.example/x1")
    assert (status, headers["Location"]) == (301, "http://acme.example/")
    status, headers, _ = fetch(sandbox, "http://moving-blog.example/legacy/trail-guide")
    assert (status, headers["Refresh"]) == (
        200, "0; url=http://moving-blog.example/trail-guide-2026")
    _, _, body = fetch(sandbox, "http://moving-blog.example/old-post")
    assert (b'<meta http-equiv="refresh" content="0; url=http://moving-blog.example/new-post">'
            in body)


def test_robots_headers_and_files(sandbox: RunningSandbox) -> None:
    _, headers, _ = fetch(sandbox, "http://runnersforum.example/print/trail-shoe-thread")
    assert headers["X-Robots-Tag"] == "noindex"
    _, headers, _ = fetch(sandbox, "http://runnersforum.example/threads/shoe-advice")
    assert headers["X-Robots-Tag"] == "nofollow"
    status, headers, body = fetch(sandbox, "http://members-run.example/robots.txt")
    assert (status, headers["Content-Type"], body) == (
        200, "text/plain; charset=utf-8", b"User-agent: *\nDisallow: /members/\n")
    assert fetch(sandbox, "http://acme.example/robots.txt")[2] == b"User-agent: *\nDisallow:\n"


def test_pdf_and_head(sandbox: RunningSandbox) -> None:
    url = "http://race-results.example/files/sponsors-2026.pdf"
    status, headers, body = fetch(sandbox, url)
    assert (status, headers["Content-Type"]) == (200, "application/pdf")
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    status, headers, body = fetch(sandbox, url, method="HEAD")
    assert (status, body, int(headers["Content-Length"])) == (200, b"", 625)


def test_origin_form_uses_the_host_header(sandbox: RunningSandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    try:
        conn.request("GET", "/pricing", headers={"Host": "acme.example:80"})
        response = conn.getresponse()
        assert response.status == 200
        assert b"<title>Pricing and plans | Acme Trail Co.</title>" in response.read()
        conn.request("GET", "/", headers={"Host": "elsewhere.example"})  # same connection
        response = conn.getresponse()
        assert response.status == 502
        response.read()
    finally:
        conn.close()


def test_connect_is_refused(sandbox: RunningSandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    try:
        conn.request("CONNECT", "acme.example:443")
        assert conn.getresponse().status == 501
    finally:
        conn.close()


def test_slow_page_waits_the_configured_delay(sandbox: RunningSandbox) -> None:
    started = time.monotonic()
    status, _, body = fetch(sandbox, "http://slow-trail-blog.example/posts/slow-loading-review")
    elapsed = time.monotonic() - started
    assert status == 200 and b"http://acme.example/blog/hydration-vest-guide" in body
    assert 1.0 <= elapsed < 3.0


def test_concurrent_requests_are_not_serialised_behind_the_slow_page(
        sandbox: RunningSandbox) -> None:
    slow = threading.Thread(target=fetch, args=(
        sandbox, "http://slow-trail-blog.example/posts/slow-loading-review"))
    slow.start()
    started = time.monotonic()
    assert fetch(sandbox, "http://acme.example/")[0] == 200
    assert time.monotonic() - started < 0.5
    slow.join()


def test_start_stop_and_reuse() -> None:
    web = SandboxWeb(filler_hosts=2, pages_per_host=2)
    server = SandboxServer(web).start()
    port = server.port
    result = run_load(server.proxy_url, filler_urls(web), threads=2, seconds=0.5)
    assert result.requests > 50 and result.errors == 0
    server.stop()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "http://acme.example/")
        raised = False
        conn.getresponse()
    except OSError:
        raised = True
    finally:
        conn.close()
    assert raised
