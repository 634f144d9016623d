"""robots.txt as RFC 9309 says a crawler reads it (the rules of the file, not the fetching).

- **Which file**: one per scheme, host and port (``http://a.example`` and ``https://a.example``
  each have their own, :func:`robots_key`).
- **Which answer counts** (:func:`status_rule`): a 2xx body is parsed; any other 4xx means there
  are no rules (crawl everything), whatever its body says; a 5xx or 429, or no answer at all
  (DNS, connection, timeout), means the site is unreachable: crawl nothing there for now.
- **How much is read**: the first :data:`PARSE_LIMIT` bytes (500 KiB, the RFC's minimum and
  Google's limit), cut back to the last complete line.
- **Which group applies**: the one whose user-agent names the crawler's product token (the
  leading letters, ``_`` and ``-`` of a user-agent value, compared case-insensitively and
  whole: ``link`` and ``linkvet-news`` are other crawlers), else ``*``. Rules, wildcards, ``$``
  and longest-match precedence are Protego's.
- **Crawl-delay** from the same group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from protego import Protego

PARSE_LIMIT = 500 * 1024
StatusRule = Literal["parse", "allow_all", "unreachable"]

_PRODUCT = re.compile(r"[A-Za-z_-]+")
_USER_AGENT_LINE = re.compile(r"^(\s*user[-_ ]?agent\s*:)([^#\r\n]*)", re.IGNORECASE | re.MULTILINE)
# A user-agent value that names no crawler: "~" is never part of a product token.
_NOBODY = "~"


def robots_key(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: the site a robots.txt governs."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def product_token(user_agent: str) -> str:
    """The product token of a User-Agent (``linkvet`` of ``linkvet/0.1 (+https://...)``),
    lower-case; ``""`` when it starts with no token character."""
    match = _PRODUCT.match(user_agent.strip())
    return match.group(0).lower() if match else ""


def status_rule(status: int) -> StatusRule:
    """What the HTTP status of a robots.txt (after redirects) means (RFC 9309, 2.3.1)."""
    if 200 <= status < 300:
        return "parse"
    if status == 429 or status >= 500:
        return "unreachable"
    return "allow_all"


def _for_token(text: str, token: str) -> str:
    """``text`` with each user-agent value replaced by ``token`` when its product token is that
    token, kept when it is ``*``, and replaced by a name no crawler has otherwise. Protego finds a
    group by searching the crawler's name for the group's (``link`` would match ``linkvet``);
    after this, only the crawler's own groups and ``*`` can match it."""

    def line(m: re.Match[str]) -> str:
        value = m.group(2).strip()
        if value == "*":
            return m.group(0)
        named = _PRODUCT.match(value)
        same = named is not None and named.group(0).lower() == token
        return f"{m.group(1)} {token if same else _NOBODY}"

    return _USER_AGENT_LINE.sub(line, text)


def _head(body: bytes) -> bytes:
    """The first :data:`PARSE_LIMIT` bytes of ``body``, back to the last complete line when cut
    (a cut rule such as ``Disallow: /pri`` would block more than the file says)."""
    if len(body) <= PARSE_LIMIT:
        return body
    head = body[:PARSE_LIMIT]
    end = max(head.rfind(b"\n"), head.rfind(b"\r"))
    return head[: end + 1] if end >= 0 else b""


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one robots.txt for one crawler."""

    token: str
    _parser: Protego

    @classmethod
    def parse(cls, body: bytes, user_agent: str) -> RobotsRules:
        """Rules from a robots.txt body (2xx); bytes that are not UTF-8 are replaced."""
        token = product_token(user_agent) or _NOBODY
        text = _head(body).decode("utf-8-sig", errors="replace")
        return cls(token, Protego.parse(_for_token(text, token)))

    @classmethod
    def allow_all(cls, user_agent: str) -> RobotsRules:
        return cls.parse(b"", user_agent)

    def allowed(self, url: str) -> bool:
        return bool(self._parser.can_fetch(url, self.token))

    def crawl_delay(self) -> float | None:
        delay = self._parser.crawl_delay(self.token)
        return None if delay is None else float(delay)
