"""Robots directives of a page: ``<meta name="robots|googlebot|...">`` and ``X-Robots-Tag``.

Rules: directives are comma-separated and case-insensitive; ``none`` means ``noindex,
nofollow``. In ``X-Robots-Tag`` a part ``bot: directive`` names the crawler for that part and
for the parts after it, until another bot is named (``googlebot: noindex, nofollow`` covers
both); a part without a bot before any bot is named applies to every crawler. Several headers
may be given, or one comma-joined value. Directives that take a value (``max-snippet: 20``,
``unavailable_after: ...``) are kept but do not name a bot.

*Generic* directives (meta ``robots``, headers without a bot) bind every crawler; *googlebot*
directives are the generic ones plus those addressed to ``googlebot``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

GENERIC_BOT = "robots"
GOOGLEBOT = "googlebot"
_VALUE_DIRECTIVES = frozenset({
    "unavailable_after", "max-snippet", "max-image-preview", "max-video-preview",
})
_BOT_PART = re.compile(r"^\s*([a-z0-9_.\-]+)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Directive:
    """One directive, for ``bot`` ('robots' when for every crawler)."""

    bot: str
    value: str

    def __str__(self) -> str:
        return self.value if self.bot == GENERIC_BOT else f"{self.bot}: {self.value}"


def _expand(bot: str, value: str) -> list[Directive]:
    value = " ".join(value.lower().split())
    if not value:
        return []
    if value == "none":
        return [Directive(bot, "noindex"), Directive(bot, "nofollow")]
    return [Directive(bot, value)]


def parse_meta(name: str, content: str) -> list[Directive]:
    """Directives of one robots meta tag (``name`` is the bot, 'robots' for all)."""
    bot = " ".join(name.lower().split())
    out: list[Directive] = []
    for part in content.split(","):
        out.extend(_expand(bot, part))
    return out


def parse_x_robots_tag(values: Iterable[str]) -> list[Directive]:
    """Directives of the ``X-Robots-Tag`` header values, by the rules of the module."""
    out: list[Directive] = []
    for header in values:
        bot = GENERIC_BOT
        for part in header.split(","):
            found = _BOT_PART.match(part)
            if found and found.group(1).lower() not in _VALUE_DIRECTIVES:
                bot = found.group(1).lower()
                part = found.group(2)
            out.extend(_expand(bot, part))
    return out


@dataclass(frozen=True, slots=True)
class RobotsVerdict:
    """What the directives mean for a generic crawler and for Googlebot."""

    noindex: bool = False
    nofollow: bool = False
    googlebot_noindex: bool = False
    googlebot_nofollow: bool = False

    @classmethod
    def of(cls, directives: Iterable[Directive]) -> RobotsVerdict:
        generic: set[str] = set()
        google: set[str] = set()
        for d in directives:
            if d.bot == GENERIC_BOT:
                generic.add(d.value)
                google.add(d.value)
            elif d.bot == GOOGLEBOT:
                google.add(d.value)
        return cls("noindex" in generic, "nofollow" in generic,
                   "noindex" in google, "nofollow" in google)

    @property
    def any_noindex(self) -> bool:
        return self.noindex or self.googlebot_noindex

    @property
    def any_nofollow(self) -> bool:
        return self.nofollow or self.googlebot_nofollow
