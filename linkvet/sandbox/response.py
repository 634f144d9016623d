"""The sandbox's answer to one request, independent of any server."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Response:
    """Status, headers (without Content-Length, added by the server) and body bytes.
    ``delay`` is how long the server waits before answering (the slow-page archetype)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    delay: float = 0.0

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


def html(text: str, *, status: int = 200, charset: str | None = "utf-8",
         headers: tuple[tuple[str, str], ...] = (), delay: float = 0.0) -> Response:
    """An HTML response encoded as UTF-8; ``charset=None`` leaves it out of Content-Type."""
    ctype = f"text/html; charset={charset}" if charset else "text/html"
    return Response(status, (("Content-Type", ctype), *headers), text.encode("utf-8"), delay)


def plain(text: str, *, status: int = 200) -> Response:
    return Response(status, (("Content-Type", "text/plain; charset=utf-8"),),
                    text.encode("utf-8"))


def redirect(location: str, status: int = 301) -> Response:
    body = f'<!DOCTYPE html><html><body>Moved: <a href="{location}">{location}</a></body></html>'
    return Response(
        status,
        (("Content-Type", "text/html; charset=utf-8"), ("Location", location)),
        body.encode("utf-8"),
    )


def error_page(status: int, reason: str) -> Response:
    body = (
        f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{status} {reason}</title>"
        f"</head><body><h1>{status} {reason}</h1><p>The page you asked for is not here.</p>"
        f"</body></html>"
    )
    return Response(status, (("Content-Type", "text/html; charset=utf-8"),),
                    body.encode("utf-8"))
