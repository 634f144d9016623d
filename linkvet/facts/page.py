"""Facts about a whole page.

- ``title``: the first ``<title>`` outside ``<svg>``, whitespace squashed.
- ``language`` (HTML's rules): ``<html lang>`` (an empty one means unknown: ``None``), else
  ``<meta http-equiv="content-language">`` (its first word; ignored when it lists several,
  with commas), else the ``Content-Language`` header (first value). ``xml:lang`` means nothing
  in HTML.
- ``canonical``: ``<link rel="canonical" href>`` in ``<head>``, resolved against the base URL
  (search engines ignore one in the body, and so does linkvet); when the head's canonicals
  disagree, none counts (Google ignores them all). Without one, a ``Link`` header with
  ``rel="canonical"`` (RFC 8288; resolved against the page URL: a header never uses the
  document's ``<base>``), again only when its canonicals agree. ``canonical_is_self``
  compares it with the page URL by :func:`linkvet.urls.same_page_key` (normalised, tracking
  parameters such as ``utm_source`` and ``fbclid`` dropped, the query sorted).
- Nothing inside ``<template>`` counts (its content is not part of the document): robots
  metas, title, canonical and ``<base>`` there are ignored.
- ``meta_robots``: directives of ``<meta name="robots">`` and bot-specific robots metas
  (``googlebot: noindex`` for a bot); ``x_robots_tag``: the header values as received.
  ``noindex``/``nofollow`` hold when a generic or a Googlebot directive says so (see
  :mod:`linkvet.facts.robots`).
- ``word_count``: whitespace-separated words of the visible body text (not in script, style,
  noscript, template).
- link counts by registrable domain against the page URL's: ``outbound_links`` (elements),
  ``outbound_domains`` and ``outbound_hosts`` (distinct, first-seen order), ``internal_links``.
- ``text_fingerprint``: :func:`linkvet.facts.simhash.simhash` of the visible words, hex.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from linkvet.facts import link_header
from linkvet.facts.dom import Element, in_template, squash, text_content
from linkvet.facts.native import cwalk as _cwalk
from linkvet.facts.robots import Directive, RobotsVerdict, parse_meta, parse_x_robots_tag
from linkvet.facts.simhash import of_lanes, simhash, to_hex, word_digest
from linkvet.urls import domain_of, registrable_domain, resolve, same_page_key
from schemas.records import PageFacts

HeaderValue = str | Sequence[str]
# A bot-specific robots meta names a crawler; names are short words like "googlebot-news".
_BOT_NAME = re.compile(r"^[a-z0-9_.\-]{2,40}$")
_HIDING_TAGS = ("script", "style", "noscript", "template")


def _hiding_elements(root: Element) -> Iterator[Element]:
    """Every hiding element of the document (in no particular order). From the document's
    top level, like the text queries: on broken markup libxml2 can leave elements beside the
    root element, where ``root.iter()`` alone does not look but ``//`` does."""
    yield from root.iter(*_HIDING_TAGS)
    for side in (root.itersiblings(preceding=True), root.itersiblings()):
        for top in side:
            yield from top.iter(*_HIDING_TAGS)
# Hiding elements whose content libxml2's HTML parser keeps as raw text (no child elements).
_RAW_TEXT_TAGS = ("script", "style")
# One ancestor test per hiding tag: libxml2 then collects only ancestors with that name,
# instead of every ancestor of every text node to test it against a predicate (3x faster
# on deep pages, same nodes).
_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]",
    smart_strings=False,
)
# The same when nothing hides text: libxml2 need not look at each text node's ancestors.
_BODY_TEXT = etree.XPath("//body//text()", smart_strings=False)
# The same when only scripts and styles without child nodes hide text inside the body (most
# pages): a hidden text node is then a child of one of them, so its parent is enough.
_UNSCRIPTED_TEXT = etree.XPath(
    "//body//text()[not(parent::script or parent::style)]", smart_strings=False)
_NOT_BOTS = frozenset({
    "viewport", "description", "keywords", "author", "generator", "theme-color", "referrer",
    "twitter", "format-detection", "application-name", "msapplication", "copyright",
})


def header_values(headers: Mapping[str, HeaderValue] | None, name: str) -> list[str]:
    """All values of a header (case-insensitive name; a value may be a list of values)."""
    if not headers:
        return []
    out: list[str] = []
    lname = name.lower()
    for key, value in headers.items():
        if len(key) != len(lname) or key.lower() != lname:
            continue
        if isinstance(value, str | bytes):
            out.append(value.decode("latin-1") if isinstance(value, bytes) else value)
        else:
            out.extend(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in value)
    return out


def robots_metas(root: Element) -> list[Directive]:
    """Directives of every robots meta tag: ``robots`` and bot names (``googlebot``...)."""
    out: list[Directive] = []
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").strip().lower()
        content = meta.get("content")
        if not name or content is None or name in _NOT_BOTS:
            continue
        if ((name == "robots" or (_BOT_NAME.match(name) and "bot" in name))
                and not in_template(meta)):
            out.extend(parse_meta(name, content))
    return out


def meta_refresh(root: Element) -> str | None:
    """The ``content`` of the first ``<meta http-equiv="refresh">`` of the document (in head or
    body, as browsers act on it), not one inside ``<noscript>`` (raw text for a browser that
    runs scripts) or ``<template>``. Parse it with :func:`linkvet.refresh.parse_refresh`."""
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        content = meta.get("content")
        if content is None or any(a.tag in ("noscript", "template")
                                  for a in meta.iterancestors()):
            continue
        return str(content)
    return None


def _body_text_query(root: Element) -> etree.XPath:
    """The cheapest query that gives exactly the visible body text of ``root``.

    A hiding element (script, style, noscript, template) matters when it holds text or
    children and is inside a body, or (on odd trees) around one. None: every body text node
    is visible. Only scripts and styles without children, inside the body: their own text
    nodes are the hidden ones. Anything else: each text node's ancestors are tested."""
    query = _BODY_TEXT
    for el in _hiding_elements(root):
        children = len(el)
        if not (el.text or children):
            continue
        if children and next(el.iter("body"), None) is not None:
            return _VISIBLE_TEXT
        if next(el.iterancestors("body"), None) is not None:
            if children or el.tag not in _RAW_TEXT_TAGS:
                return _VISIBLE_TEXT
            query = _UNSCRIPTED_TEXT
    return query


def visible_text(root: Element) -> str:
    """The visible text nodes of the body (not in script, style, noscript, template), joined
    by single spaces."""
    texts = _body_text_query(root)(root)
    assert isinstance(texts, list)
    return " ".join(texts)


def visible_words(root: Element, *, compiled: bool = True) -> list[str]:
    """The words of :func:`visible_text`, as ``str.split()`` cuts them. The compiled walk
    (:func:`linkvet.facts._cwalk.visible_words`) reads them straight from libxml2's text nodes
    when it was built; the XPath query here gives the same list."""
    if compiled and _cwalk is not None:
        return _cwalk.visible_words(root)
    return visible_text(root).split()


# The compiled walk's table of word digests, kept across pages (a crawl's pages share most
# of their words): most words are found in it by their bytes, and never made a str.
_WORD_DIGESTS = _cwalk.WordDigests(word_digest) if _cwalk is not None else None


def visible_fingerprint(root: Element, *, compiled: bool = True) -> tuple[int, int | None]:
    """``(word count, simhash)`` of :func:`visible_words` (simhash ``None`` for no words).
    The compiled walk hands over the words' digests instead of the words."""
    if compiled and _WORD_DIGESTS is not None:
        count, lanes = _cwalk.visible_lanes(root, _WORD_DIGESTS)
        return count, of_lanes(lanes) if count else None
    words = visible_words(root, compiled=compiled)
    return len(words), simhash(words, compiled=compiled) if words else None


def _title(root: Element) -> str | None:
    for el in root.iter("title"):
        node = el.getparent()
        while node is not None and node.tag not in ("svg", "template"):
            node = node.getparent()
        if node is None:
            return squash(text_content(el)) or None
    return None


def _language(root: Element, headers: Mapping[str, HeaderValue] | None) -> str | None:
    lang = root.get("lang")
    if lang is not None:
        return lang.strip() or None
    for meta in root.iter("meta"):
        if ((meta.get("http-equiv") or "").strip().lower() == "content-language"
                and not in_template(meta)):
            content = meta.get("content") or ""
            words = content.split()
            if "," not in content and words:
                return words[0]
    for value in header_values(headers, "content-language"):
        value = value.split(",")[0].strip()
        if value:
            return value
    return None


def _agreed(urls: list[str]) -> str | None:
    """The one URL all of ``urls`` name (``None`` for none, or for several that differ)."""
    return urls[0] if urls and all(u == urls[0] for u in urls) else None


def _canonical(root: Element, url: str, base_url: str,
               headers: Mapping[str, HeaderValue] | None) -> str | None:
    # the first <head> child (``root.find("head")`` goes through lxml's Python path engine)
    head = next(root.iterchildren("head"), None)
    declared: list[str] = []
    for link in head.iter("link") if head is not None else ():
        rels = (link.get("rel") or "").lower().split()
        href = link.get("href")
        if "canonical" in rels and href is not None and not in_template(link):
            resolved = resolve(base_url, href)
            if resolved:
                declared.append(resolved)
    if declared:
        return _agreed(declared)
    for value in header_values(headers, "link"):
        for target, rels in link_header.links(value):
            if "canonical" in rels:
                resolved = resolve(url, target)
                if resolved:
                    declared.append(resolved)
    return _agreed(declared)


def link_counts(link_hosts: Iterable[str], page_url: str) -> tuple[int, int, list[str]]:
    """(outbound links, internal links, distinct outbound hosts) from the links' hosts."""
    own = domain_of(page_url)
    outbound = internal = 0
    hosts: dict[str, None] = {}
    for host in link_hosts:
        if registrable_domain(host) == own:
            internal += 1
        else:
            outbound += 1
            hosts[host] = None
    return outbound, internal, list(hosts)


@dataclass(frozen=True, slots=True)
class PageRobots:
    """Robots directives of a page, from its metas and from its X-Robots-Tag headers."""

    metas: tuple[Directive, ...]
    headers: tuple[str, ...]
    meta: RobotsVerdict
    header: RobotsVerdict

    @property
    def noindex(self) -> bool:
        return self.meta.any_noindex or self.header.any_noindex

    @property
    def nofollow(self) -> bool:
        return self.meta.any_nofollow or self.header.any_nofollow


def page_robots(root: Element, headers: Mapping[str, HeaderValue] | None) -> PageRobots:
    metas = tuple(robots_metas(root))
    raw = tuple(squash(v) for v in header_values(headers, "x-robots-tag") if v.strip())
    return PageRobots(metas, raw, RobotsVerdict.of(metas),
                      RobotsVerdict.of(parse_x_robots_tag(raw)))


def page_facts(root: Element, url: str, base_url: str, link_hosts: Iterable[str],
               robots: PageRobots, headers: Mapping[str, HeaderValue] | None = None,
               ) -> PageFacts:
    """The :class:`PageFacts` of a parsed page (``link_hosts``: the host of each link)."""
    canonical = _canonical(root, url, base_url, headers)
    word_count, fingerprint = visible_fingerprint(root)
    outbound, internal, hosts = link_counts(link_hosts, url)
    return PageFacts(
        title=_title(root),
        language=_language(root, headers),
        canonical=canonical,
        canonical_is_self=(same_page_key(canonical) == same_page_key(url)) if canonical
        else None,
        meta_robots=[str(d) for d in robots.metas],
        x_robots_tag=list(robots.headers),
        noindex=robots.noindex,
        nofollow=robots.nofollow,
        word_count=word_count,
        outbound_links=outbound,
        outbound_domains=len({registrable_domain(h) for h in hosts}),
        internal_links=internal,
        text_fingerprint=to_hex(fingerprint) if fingerprint is not None else None,
        outbound_hosts=hosts,
    )
