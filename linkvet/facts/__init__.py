"""Facts from one HTML page: page facts, the links to a target, optionally every link.

:func:`analyse` parses once (lxml) and computes the placement model only when a link needs a
placement, so a page without the target costs a parse and a pass over its links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from linkvet.facts.decode import decode_html
from linkvet.facts.dom import base_url_of, parse_html
from linkvet.facts.links import LinkExtractor, LinkFacts
from linkvet.facts.page import (
    HeaderValue,
    PageRobots,
    header_values,
    meta_refresh,
    page_facts,
    page_robots,
)
from schemas.records import LinkOccurrence, PageFacts

__all__ = ["LinkFacts", "PageAnalysis", "analyse"]


@dataclass(frozen=True)
class PageAnalysis:
    """What :func:`analyse` found. ``links``: occurrences of the target (empty without a
    target); ``all_links``: every http(s) link when asked, else empty."""

    page: PageFacts
    links: list[LinkOccurrence]
    encoding: str
    base_url: str
    robots: PageRobots
    all_links: list[LinkFacts] = field(default_factory=list)
    refresh: str | None = None  # the content of the page's meta refresh (see meta_refresh)


def analyse(body: bytes | str, url: str, *, headers: Mapping[str, HeaderValue] | None = None,
            target: str | None = None, all_links: bool = False) -> PageAnalysis:
    """Page facts and link facts of an HTML body fetched from ``url``.

    ``body`` as bytes is decoded by :func:`linkvet.facts.decode.decode_html` with the
    ``Content-Type`` header; as str it is used as is (encoding reported as ``"str"``).
    ``target`` is a URL or a bare domain (see :func:`linkvet.urls.match_target`)."""
    if isinstance(body, bytes):
        content_types = header_values(headers, "content-type")
        decoded = decode_html(body, content_types[0] if content_types else None)
        text, encoding = decoded.text, decoded.encoding
    else:
        text, encoding = body, "str"
    root = parse_html(text)
    base = base_url_of(root, url)
    robots = page_robots(root, headers)
    extractor = LinkExtractor(root, base, meta_nofollow=robots.meta.any_nofollow,
                              header_nofollow=robots.header.any_nofollow)
    page = page_facts(root, url, base, extractor.link_hosts(), robots, headers)
    every: list[LinkFacts] = []
    links: list[LinkOccurrence] = []
    if all_links:
        every = extractor.all_links(target)
        links = [f.occurrence() for f in every if f.match is not None]
    elif target:
        links = extractor.target_occurrences(target)
    return PageAnalysis(
        page=page, links=links, encoding=encoding, base_url=base,
        robots=robots, all_links=every, refresh=meta_refresh(root),
    )
