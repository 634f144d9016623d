"""Spam markers decided from plain values: spammy top-level domains and poison words.

The lists are data, kept short and conservative on purpose: a marker alone never makes a link
toxic (see the score model's ``toxic.min_markers``).
"""

from __future__ import annotations

import re

# Top-level domains that abuse reports list far above their share of registrations.
SPAMMY_TLDS: frozenset[str] = frozenset({
    "xyz", "top", "click", "loan", "work", "gq", "tk", "ml", "cf", "ga", "buzz", "rest", "fit",
    "cam", "icu", "mom", "bar", "country", "stream", "download", "racing", "win", "bid",
    "review", "date", "faith", "party", "science", "trade", "webcam", "men", "accountant",
    "cricket", "su",
})

# Words that almost never appear in the anchor of an editorial link to a legitimate business.
POISON_WORDS: tuple[str, ...] = (
    "viagra", "cialis", "casino", "poker", "porn", "xxx", "escort", "payday loan",
    "replica watches", "essay writing service", "buy followers", "sex", "betting",
)

_POISON = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in POISON_WORDS) + r")s?\b",
                     re.IGNORECASE)


def tld_of(domain: str) -> str:
    """The last label of a host or domain, lower-cased (``xyz`` for ``spam.xyz``)."""
    return domain.lower().rstrip(".").rsplit(".", 1)[-1] if domain else ""


def is_spammy_tld(domain: str) -> bool:
    return tld_of(domain) in SPAMMY_TLDS


def poison_words_in(text: str | None) -> list[str]:
    """The poison words found in ``text`` (whole words, any case), in order of appearance."""
    if not text:
        return []
    return [m.group(0).lower() for m in _POISON.finditer(text)]
