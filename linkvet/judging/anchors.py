"""Anchor classes: what an anchor says about the link's intent.

Rules, first that holds wins (texts compared case-insensitively, spaces collapsed):

1. ``image``: the anchor is an image (``anchor_kind == "image"``);
2. ``empty``: no visible text;
3. ``naked_url``: the text is a URL or a host name (``https://acme.example``, ``acme.example``,
   ``www.acme.example/pricing``, ``bücher.example:8080/``); without a scheme or ``www.`` only
   when it ends in a domain suffix (``node.js`` and ``file.pdf`` are not host names);
4. ``branded``: the text contains a brand term as whole words (brand terms default to the first
   label of the target's registrable domain, ``acme`` for ``acme.example``, as it is written:
   ``bücher`` for ``xn--bcher-kva.example``);
5. ``exact``: the text is exactly a money keyword;
6. ``partial``: the text contains a money keyword, or all the words of one;
7. ``generic``: the text is a generic call to action (``click here``, ``read more``...);
8. ``other``: descriptive text that is none of the above.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from linkvet.urls import has_public_suffix

AnchorClass = Literal["image", "empty", "naked_url", "branded", "exact", "partial", "generic",
                      "other"]
ANCHOR_CLASSES: tuple[str, ...] = AnchorClass.__args__  # type: ignore[attr-defined]

GENERIC_ANCHORS: frozenset[str] = frozenset({
    "click here", "here", "this", "this site", "this website", "this page", "this article",
    "read more", "more", "learn more", "more info", "more information", "find out more",
    "website", "site", "link", "source", "visit", "visit site", "visit website", "go",
    "homepage", "home page", "details", "see more", "continue reading", "check it out",
    "official site", "view", "download",
})

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Below this many classified anchors, a target's share of exact-match anchors says nothing
# (one exact anchor of one link is not over-optimisation): the judge's signal is unknown and
# the anchor alert does not fire.
EXACT_MIN_LINKS = 10

# A URL or bare host written as the anchor: ASCII or internationalised labels (bücher.example).
_URLISH = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[^\W\d_][\w-]*"
                     r"(?::\d+)?\.?(?:[/?#]\S*)?$")


def _names_a_host(text: str) -> bool:
    """A URL-shaped anchor with a scheme or ``www.`` is one; a bare ``name.ext`` only when its
    ending is a domain suffix (``acme.co.uk``, not ``node.js`` or ``file.pdf``)."""
    if text.startswith(("http://", "https://", "www.")):
        return True
    host = re.split(r"[/?#:]", text, maxsplit=1)[0]
    return has_public_suffix(host)


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return label


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip().lower()


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _contains_phrase(words: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(list(words[i:i + n]) == list(phrase) for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class AnchorVocabulary:
    """The brand terms and money keywords anchors are classified against."""

    brand_terms: tuple[str, ...]
    money_keywords: tuple[str, ...]

    @classmethod
    def for_target(cls, target_domain: str, brand_terms: Iterable[str] = (),
                   money_keywords: Iterable[str] = ()) -> AnchorVocabulary:
        brands = tuple(_clean(b) for b in brand_terms if b.strip())
        if not brands and target_domain:
            label = target_domain.lower().split(".")[0]
            # an internationalised domain is stored in its ASCII form: the brand is how it is
            # written (xn--bcher-kva is "bücher")
            brands = (_unicode_label(label),)
        return cls(brands, tuple(_clean(k) for k in money_keywords if k.strip()))


def anchor_class(text: str | None, kind: str | None, vocab: AnchorVocabulary) -> AnchorClass:
    """The class of one anchor (see the module's rules)."""
    if kind == "image":
        return "image"
    clean = _clean(text or "")
    if not clean:
        return "empty"
    if _URLISH.match(clean) and _names_a_host(clean):
        return "naked_url"
    words = _words(clean)
    if not words:
        return "empty"
    if any(_contains_phrase(words, _words(b)) for b in vocab.brand_terms):
        return "branded"
    if any(clean == k or words == _words(k) for k in vocab.money_keywords):
        return "exact"
    for keyword in vocab.money_keywords:
        kw = _words(keyword)
        if _contains_phrase(words, kw) or (kw and set(kw) <= set(words)):
            return "partial"
    if " ".join(words) in GENERIC_ANCHORS:
        return "generic"
    return "other"


def anchor_distribution(classes: Iterable[str]) -> dict[str, float]:
    """Share of each class among ``classes`` (every class present, rounded to 4 places)."""
    counts = dict.fromkeys(ANCHOR_CLASSES, 0)
    total = 0
    for c in classes:
        counts[c] = counts.get(c, 0) + 1
        total += 1
    return {c: round(n / total, 4) if total else 0.0 for c, n in counts.items()}
