"""The ``Refresh`` header (``5; url=/next``), which browsers follow like a redirect."""

from __future__ import annotations

import re

_REFRESH = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*(?:[;,]\s*(?:url\s*=\s*)?(.*))?$", re.IGNORECASE)


def parse_refresh(value: str) -> tuple[float, str | None] | None:
    """``(delay_seconds, url)`` of a Refresh value (url ``None`` reloads the page itself);
    ``None`` when the value is malformed."""
    match = _REFRESH.match(value or "")
    if not match:
        return None
    url = (match.group(2) or "").strip().strip("'\"").strip()
    return float(match.group(1)), url or None
