"""The ``Refresh`` header (``5; url=/next``), which browsers follow like a redirect.

Parsed by HTML's "shared declarative refresh steps" (the same for ``<meta http-equiv=refresh>``):
whole seconds first (``.5`` means 0; digits and dots after them are ignored), then ``;`` or
``,`` or whitespace, then an optional ``url=``, then the URL, which a quote ends when it starts
with one."""

from __future__ import annotations

_WHITESPACE = " \t\n\f\r"
_DIGITS = "0123456789"


def _skip(value: str, at: int, chars: str) -> int:
    while at < len(value) and value[at] in chars:
        at += 1
    return at


def _after_url_equals(value: str, at: int) -> int:
    """Past ``url`` (any case), optional whitespace and ``=``, when they are there; ``at``
    otherwise (the URL then starts right away)."""
    if value[at:at + 3].lower() != "url":
        return at
    after = _skip(value, at + 3, _WHITESPACE)
    if after < len(value) and value[after] == "=":
        return _skip(value, after + 1, _WHITESPACE)
    return at


def parse_refresh(value: str) -> tuple[float, str | None] | None:
    """``(delay_seconds, url)`` of a Refresh value (url ``None`` reloads the page itself);
    ``None`` when the value is malformed."""
    value = value or ""
    at = _skip(value, 0, _WHITESPACE)
    digits_end = _skip(value, at, _DIGITS)
    if digits_end == at and not value.startswith(".", at):
        return None
    delay = float(value[at:digits_end] or 0)
    at = _skip(value, digits_end, _DIGITS + ".")
    if at == len(value):
        return delay, None
    if value[at] not in ";," + _WHITESPACE:
        return None
    at = _skip(value, at, _WHITESPACE)
    if at < len(value) and value[at] in ";,":
        at = _skip(value, at + 1, _WHITESPACE)
    at = _after_url_equals(value, at)
    url = value[at:]
    if url[:1] in ("'", '"'):
        url = url[1:].split(url[0], 1)[0]
    url = url.strip(_WHITESPACE)
    return delay, url or None
