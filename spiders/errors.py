"""Download failures classified into linkvet's error kinds (one place, at the boundary)."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as tx
from twisted.python.failure import Failure

from schemas.records import ErrorKind
from spiders.guard import PrivateAddressRefused
from spiders.robots import ROBOTS_FORBIDDEN, RobotsUnreachable

_KINDS: tuple[tuple[tuple[type[BaseException], ...], ErrorKind], ...] = (
    ((CannotResolveHostError, tx.DNSLookupError), "dns"),
    ((DownloadTimeoutError, tx.TimeoutError, tx.TCPTimedOutError), "timeout"),
    (
        (
            DownloadConnectionRefusedError,
            tx.ConnectionRefusedError,
            tx.ConnectError,
            tx.ConnectionLost,
            tx.NoRouteError,
        ),
        "connect",
    ),
)


def classify_failure(failure: Failure) -> tuple[ErrorKind, str, bool]:
    """``(error_kind, message, robots_forbidden)`` for a failed request."""
    exc = failure.value
    assert exc is not None
    return classify_exception(exc)


def classify_exception(exc: BaseException) -> tuple[ErrorKind, str, bool]:
    """``(error_kind, message, robots_forbidden)`` for the exception a request failed with."""
    message = f"{type(exc).__name__}: {exc}"[:500]
    if isinstance(exc, PrivateAddressRefused):
        return "blocked_private", str(exc), False
    if isinstance(exc, RobotsUnreachable):
        return exc.kind, str(exc), False
    if isinstance(exc, HttpError) and exc.response is not None:
        status = exc.response.status
        return "http", (f"HTTP {status} could not be followed or read (a redirect without a "
                        "Location, or a status outside the standard ones)"), False
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if ROBOTS_FORBIDDEN in text:
            return "other", text, True
        if "max redirections" in text.lower() or "redirect" in text.lower():
            return "redirect_loop", text, False
        return "other", text, False
    if isinstance(exc, DownloadCancelledError):
        # Scrapy cancels a download only when the body outgrows DOWNLOAD_MAXSIZE (announced
        # or while streaming, where the message is empty).
        return "too_large", str(exc) or (
            "the page grew past the size cap (LINKVET_MAX_PAGE_BYTES) while downloading"
        ), False
    for types, kind in _KINDS:
        if isinstance(exc, types):
            return kind, message, False
    name = type(exc).__name__.lower()
    if "ssl" in name or "tls" in name or "certificate" in str(exc).lower():
        return "tls", message, False
    if "timeout" in name:
        return "timeout", message, False
    return "other", message, False
