"""Topical relevance: TF-IDF cosine between what the linking page says around the link and
what the target is about.

- Linking document: the page title, the text before the link, the anchor, the text after.
- Target document: the titles of the target's pages when linkvet has seen them, the words of
  the target URL's path, and the money keywords (what the site wants to rank for).
- Tokens: lower-case words of two or more letters/digits, minus :data:`STOPWORDS`.
- Weights: term frequency x ``ln((1 + N) / (1 + df)) + 1`` (smoothed IDF), ``N`` the number of
  linking documents and ``df`` how many contain the term; cosine of the two weight vectors,
  rounded to 4 places. Empty documents have relevance 0.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

_STOPWORDS_TEXT = (
    "a an and are as at be by for from has have in is it its of on or that the this to was "
    "were will with you your we our they their not but can all more about www com http https "
    "html htm php"
)
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())
_TOKEN = re.compile(r"[^\W_]{2,}", re.UNICODE)


def tokens(*texts: str | None) -> list[str]:
    out: list[str] = []
    for text in texts:
        if text:
            out.extend(t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS)
    return out


def document_frequencies(documents: Iterable[list[str]]) -> tuple[Counter[str], int]:
    df: Counter[str] = Counter()
    n = 0
    for doc in documents:
        df.update(set(doc))
        n += 1
    return df, n


def idf(term: str, df: Mapping[str, int], n: int) -> float:
    return math.log((1 + n) / (1 + df.get(term, 0))) + 1.0


def tfidf(doc: list[str], df: Mapping[str, int], n: int) -> dict[str, float]:
    return {t: c * idf(t, df, n) for t, c in Counter(doc).items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return round(dot / (na * nb), 4) if na and nb else 0.0


def relevance(link_doc: list[str], target_doc: list[str], df: Mapping[str, int], n: int) -> float:
    """TF-IDF cosine of two token lists under one corpus' document frequencies."""
    return cosine(tfidf(link_doc, df, n), tfidf(target_doc, df, n))
