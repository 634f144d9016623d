"""Which hrefs may hide the target behind a redirect (shorteners, tracking redirects).

Only used when the target is not linked directly. Candidates, best first: hrefs on known
URL-shortener hosts; hrefs whose query carries the target's domain (``?url=...``, ``?u=``);
then short opaque tokens with a digit on other sites (``/x1``, ``/go/a7b``).
At most ``limit`` are followed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from linkvet.urls import domain_of, host_of, registrable_domain

SHORTENER_DOMAINS = frozenset(
    {
        "bit.ly",
        "t.co",
        "goo.gl",
        "tinyurl.com",
        "ow.ly",
        "buff.ly",
        "is.gd",
        "rebrand.ly",
        "lnkd.in",
        "t.ly",
        "cutt.ly",
        "shorturl.at",
        "rb.gy",
        "tiny.cc",
        "bl.ink",
        "soo.gd",
        "s.id",
        "short.io",
        "v.gd",
        "trib.al",
        "dlvr.it",
        "amzn.to",
        "fb.me",
        "youtu.be",
    }
)
_OPAQUE_PATH = re.compile(r"^/(?:[a-z]{1,8}/)?[A-Za-z0-9_-]{1,16}/?$")


def _spellings(domain: str) -> tuple[str, ...]:
    """A registrable domain as URLs carry it (IDNA ASCII) and, for an internationalised
    one, as a tracking query may spell it once unquoted (Unicode)."""
    if not domain:
        return ()
    try:
        # Punycode per label, exactly (Python's "idna" codec re-checks labels by IDNA 2003
        # and refuses some that WHATWG produces, such as straße's).
        unicode = ".".join(
            label[4:].encode("ascii").decode("punycode") if label.startswith("xn--") else label
            for label in domain.split("."))
    except UnicodeError:
        return (domain,)
    return (domain,) if unicode == domain else (domain, unicode)


def candidates(hrefs: Iterable[str], source_url: str, target: str, limit: int = 5) -> list[str]:
    target_domain = registrable_domain(host_of(target) or target)
    spellings = _spellings(target_domain)
    source_domain = domain_of(source_url)
    scored: dict[str, int] = {}
    for url in hrefs:
        domain = domain_of(url)
        if not domain or domain in (source_domain, target_domain) or url in scored:
            continue
        rank = None
        if domain in SHORTENER_DOMAINS or host_of(url).startswith(("go.", "l.", "lnk.", "out.")):
            rank = 0
        elif spellings and "?" in url and any(
                t in unquote(url.split("?", 1)[1]).lower() for t in spellings):
            rank = 1  # the target's domain in the query (a URL without one has none)
        else:
            path = "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
            if _OPAQUE_PATH.match(path) and any(ch.isdigit() for ch in path):
                rank = 2
        if rank is not None:
            scored[url] = rank
    return sorted(scored, key=lambda u: scored[u])[:limit]
