"""The sandbox web on loopback, as an HTTP forward proxy.

Clients send absolute-form requests (``GET http://acme.example/ HTTP/1.1``), as Scrapy with a
``proxy`` and Chromium with ``--proxy-server`` / Playwright's ``proxy`` option do; origin-form
requests are answered from the ``Host`` header, so pointing a client straight at the port
works too. Only ``http://`` is served: ``CONNECT`` (HTTPS tunnelling) gets 501.

Answers: the web's response with ``Content-Length``; 502 for a host outside the web; 404 for
an unknown path on a known host; HEAD gets the headers of GET. Connections are kept alive
(HTTP/1.1); each connection has a daemon thread. Nothing is logged per request.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from linkvet.sandbox.response import Response
from linkvet.sandbox.web import SandboxWeb

log = logging.getLogger(__name__)

_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found",
            410: "Gone", 500: "Internal Server Error", 501: "Not Implemented",
            502: "Bad Gateway"}
_SPLIT_WRITE = 64 * 1024


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], web: SandboxWeb) -> None:
        self.web = web
        super().__init__(address, _ProxyHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hang up mid-answer (timeouts, cancelled renders): not worth a traceback.
        log.debug("sandbox: error serving %s", client_address, exc_info=True)


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "linkvet-sandbox"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 60
    server: _HttpServer

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def do_CONNECT(self) -> None:
        self._send(Response(501, (("Content-Type", "text/plain; charset=utf-8"),),
                            b"linkvet sandbox: CONNECT (https) is not supported; "
                            b"use http:// URLs\n"), with_body=True)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("sandbox: " + format, *args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return

    def _target(self) -> tuple[str, str]:
        target = self.path
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            path = parts.path or "/"
            if parts.query:
                path = f"{path}?{parts.query}"
            return (parts.hostname or "").lower(), path
        host = self.headers.get("Host", "")
        if host.startswith("["):
            host = host.split("]", 1)[0] + "]"
        else:
            host = host.rsplit(":", 1)[0] if ":" in host else host
        return host.lower(), target

    def _answer(self, *, with_body: bool) -> None:
        host, path = self._target()
        response = self.server.web.respond(host, path)
        if response is None:
            message = (f"linkvet sandbox: unknown host {host!r} (not part of the sandbox "
                       f"web)\n").encode()
            response = Response(502, (("Content-Type", "text/plain; charset=utf-8"),), message)
        if response.delay:
            time.sleep(response.delay)
        self._send(response, with_body=with_body)

    def _send(self, response: Response, *, with_body: bool) -> None:
        reason = _REASONS.get(response.status, "Unknown")
        lines = [f"HTTP/1.1 {response.status} {reason}",
                 f"Server: {self.server_version}",
                 f"Date: {self.date_time_string()}"]
        lines.extend(f"{key}: {value}" for key, value in response.headers)
        lines.append(f"Content-Length: {len(response.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        body = response.body if with_body else b""
        if len(body) < _SPLIT_WRITE:
            self.wfile.write(head + body)
        else:
            self.wfile.write(head)
            self.wfile.write(body)


class SandboxServer:
    """A running sandbox proxy. Use as a context manager or call :meth:`start`/:meth:`stop`.

    ``port=0`` picks a free port; read :attr:`port` / :attr:`proxy_url` after starting.
    """

    def __init__(self, web: SandboxWeb, host: str = "127.0.0.1", port: int = 0) -> None:
        self.web = web
        self.host = host
        self._requested_port = port
        self._server: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SandboxServer is not running: call start() first")
        return int(self._server.server_address[1])

    @property
    def proxy_url(self) -> str:
        """The proxy for clients: ``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    def _bind(self) -> _HttpServer:
        if self._server is not None:
            raise RuntimeError("SandboxServer is already running")
        self._server = _HttpServer((self.host, self._requested_port), self.web)
        self._server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        return self._server

    def start(self) -> SandboxServer:
        """Bind and serve from a daemon thread; returns self."""
        server = self._bind()
        self._thread = threading.Thread(target=server.serve_forever, kwargs={
            "poll_interval": 0.2}, name=f"sandbox-proxy-{self.port}", daemon=True)
        self._thread.start()
        log.info("sandbox web serving on %s", self.proxy_url)
        return self

    def serve_forever(self) -> None:
        """Bind and serve in the calling thread until :meth:`stop` or KeyboardInterrupt."""
        server = self._bind()
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
            self._server = None

    def stop(self) -> None:
        """Stop serving and close the listening socket (open keep-alive connections end
        with their daemon threads)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
