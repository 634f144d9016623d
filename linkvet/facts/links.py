"""Facts about the links of a parsed page.

Which elements: every ``<a href>`` and ``<area href>`` whose href resolves (WHATWG, against
the document's base URL, ``<base href>`` honoured) to an http(s) URL; ``javascript:``,
``data:``, ``mailto:`` and unparsable hrefs are skipped. In target mode only those matching
the target by :func:`linkvet.urls.match_target` are kept.

Per link:

- ``anchor_text``: the element's text as it reads (a ``<br>`` or a block inside it separates
  words; scripts, styles and templates inside it are not text), whitespace squashed; for an
  image link (no text) the image's ``alt``, as search engines and backlink tools read it.
- ``anchor_kind``: ``text`` when there is text, ``image`` when there is none but an
  ``<img>`` (or it is an ``<area>``), else ``empty``; ``image_alt`` is the first image's alt.
- ``rel``: lower-case tokens split on ASCII whitespace and commas, duplicates dropped, order
  kept.
- ``follow``/``follow_cause``: rel ``nofollow``, ``sponsored`` or ``ugc`` gives ``rel``; else
  a page-wide meta robots ``nofollow`` gives ``meta_robots``; else an X-Robots-Tag
  ``nofollow`` gives ``x_robots_tag``; else followed, ``default``.
- ``hidden``/``hidden_reason``: the nearest element, from the link up, that hides it
  statically: inline style ``display:none``, ``visibility:hidden|collapse``, ``font-size:0``
  or ``opacity:0`` (``inline_style``; within a style the last declaration of a property
  wins, ``!important`` aside; ``visibility`` and ``font-size`` are inherited, so a nearer
  ``visibility:visible`` or absolute font size undoes them, see :func:`hidden_reason`);
  a ``hidden`` attribute (``hidden_attribute``);
  ``aria-hidden="true"`` on an ancestor (``aria_hidden``); a ``<noscript>`` or
  ``<template>`` ancestor (``noscript``, ``template``).
- ``dom_path``: tag steps from ``html``; each step adds ``#id`` or else ``.first-class``, and
  ``:nth-of-type(n)`` when the parent has several children with that tag.
- ``text_before``/``text_after``: up to 100 characters of the text of the link's block (its
  nearest block-level ancestor) before and after it, whitespace squashed first, cut at word
  boundaries.
- ``link_density``: characters inside links / all characters, over that block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from linkvet.facts.dom import BLOCK_TAGS, TEXT_HIDDEN_TAGS, Element, squash
from linkvet.facts.native import cwalk as _cwalk
from linkvet.facts.placement import PagePlacement
from linkvet.urls import (
    C0_SPACE,
    host_of,
    is_domain_target,
    match_target,
    registrable_domain,
    resolve,
    simple_host,
)
from schemas.records import AnchorKind, LinkOccurrence, MatchKind, Placement

CONTEXT_CHARS = 100
UNFOLLOW_REL = frozenset({"nofollow", "sponsored", "ugc"})
# HTML splits rel on ASCII whitespace (Python's \s would split on no-break spaces too);
# Google also accepts commas.
_REL_SPLIT = re.compile(r"[\t\n\f\r ,]+")
_ZERO = re.compile(r"^(?:0+(?:\.0*)?|\.0+)([a-z%]*)$")
_IMPORTANT = re.compile(r"\s*!\s*important$")
_HIDING_PROPS = frozenset({"display", "visibility", "font-size", "opacity"})
# A font size relative to the parent's (0 times anything is 0); any other one is absolute.
_RELATIVE_FONT = re.compile(
    r"(?<![a-z])(?:\d*\.?\d+)(?:em|ex|ch|lh|ic|cap|%)(?![a-z])|\b(?:smaller|larger|inherit"
    r"|unset|revert)\b")


@dataclass(frozen=True, slots=True)
class LinkFacts:
    """One link of the page; ``match`` is ``None`` for links that do not point at a target."""

    href: str
    url: str
    match: MatchKind | None
    anchor_text: str
    anchor_kind: AnchorKind
    image_alt: str | None
    title: str | None
    rel: tuple[str, ...]
    follow: bool
    follow_cause: str
    placement: Placement
    dom_path: str
    hidden: bool
    hidden_reason: str | None
    text_before: str
    text_after: str
    link_density: float
    js_only: bool = False

    def occurrence(self) -> LinkOccurrence:
        """This link as the record's ``LinkOccurrence`` (only for links matching a target)."""
        if self.match is None:
            raise ValueError(f"{self.url} does not match the target")
        # read from the attributes (the fields of the model; rel as a list)
        return LinkOccurrence.model_validate(self, from_attributes=True)

    def as_json(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__slots__}
        out["rel"] = list(self.rel)
        return out


def rel_tokens(value: str | None) -> tuple[str, ...]:
    """``rel`` tokens: lower-case, split on whitespace and commas, first occurrence kept."""
    if not value:
        return ()
    return tuple(dict.fromkeys(t for t in _REL_SPLIT.split(value.lower()) if t))


def follow_of(rel: tuple[str, ...], meta_nofollow: bool, header_nofollow: bool,
              ) -> tuple[bool, str]:
    """Effective follow and its cause, by the rules of the module."""
    if UNFOLLOW_REL.intersection(rel):
        return False, "rel"
    if meta_nofollow:
        return False, "meta_robots"
    if header_nofollow:
        return False, "x_robots_tag"
    return True, "default"


def _without_comments(style: str) -> str:
    """``style`` without CSS comments (an unclosed one runs to the end), in one pass."""
    if "/*" not in style:
        return style
    parts: list[str] = []
    at = 0
    while (start := style.find("/*", at)) >= 0:
        parts.append(style[at:start])
        end = style.find("*/", start + 2)
        if end < 0:
            return "".join(parts)
        at = end + 2
    parts.append(style[at:])
    return "".join(parts)


def _hiding_declarations(style: str) -> dict[str, str]:
    """The values an inline style gives the properties that can hide (``display``,
    ``visibility``, ``font-size``, ``opacity``), lower-case, as CSS resolves one declaration
    block: the last declaration of a property wins, unless an earlier one is ``!important``
    and it is not. Split on ``;`` and ``:`` rather than matched by a pattern, so a long style
    costs linear time (a hostile page's 50 KB style made a pattern backtrack for half a
    minute)."""
    out: dict[str, str] = {}
    important: set[str] = set()
    for declaration in _without_comments(style).split(";"):
        prop, colon, value = declaration.partition(":")
        if not colon:
            continue
        prop = prop.strip().lower()
        if prop not in _HIDING_PROPS:
            continue
        value = value.strip().lower()
        bare = _IMPORTANT.sub("", value)
        if bare != value:
            important.add(prop)
        elif prop in important:
            continue
        out[prop] = bare.strip()
    return out


def hidden_reason(link: Element) -> str | None:
    """Why ``link`` is statically hidden, or ``None`` (rules in the module docstring).

    From the link up: ``display:none`` or a zero ``opacity`` anywhere hides it; ``visibility``
    and ``font-size`` are inherited, so the nearest element that sets them decides
    (``visibility:visible`` on the link shows it inside a hidden block; a font size in px,
    rem or a keyword under an ancestor's ``font-size:0``, the inline-block gap trick, shows
    it; a relative one, such as 1.2em, is still zero)."""
    visibility_set = font_size_set = False
    node: Element | None = link
    while node is not None:
        tag = node.tag
        if tag == "noscript" or tag == "template":
            return str(tag)
        style = node.get("style")
        if style:
            declared = _hiding_declarations(style)
            if declared.get("display") == "none":
                return "inline_style"
            if _ZERO.match(declared.get("opacity", "1")):
                return "inline_style"
            visibility = declared.get("visibility")
            if visibility is not None and not visibility_set:
                if visibility in ("hidden", "collapse"):
                    return "inline_style"
                visibility_set = visibility not in ("inherit", "unset", "revert")
            size = declared.get("font-size")
            if size is not None and not font_size_set:
                if _ZERO.match(size):
                    return "inline_style"
                font_size_set = _RELATIVE_FONT.search(size) is None
        if node.get("hidden") is not None:
            return "hidden_attribute"
        if node is not link and (node.get("aria-hidden") or "").strip().lower() == "true":
            return "aria_hidden"
        node = node.getparent()
    return None


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
# After a leading "/", these make an href something else than a path from the root: a second
# slash or a backslash starts a host, and WHATWG drops tabs and newlines ("/<TAB>/x" is "//x").
_NOT_A_PATH = frozenset({"/", "\\", "\t", "\n", "\r"})
_AUTHORITY_STARTS = ("//", "\\\\", "/\\", "\\/")


def is_relative(href: str) -> bool:
    """True when ``href`` has neither a scheme nor a host (WHATWG: tabs and newlines are
    dropped and C0/space trimmed first; ``\\`` counts as ``/`` in http(s) URLs)."""
    flat = href.replace("\t", "").replace("\n", "").replace("\r", "").strip(C0_SPACE)
    return bool(flat) and not _SCHEME.match(flat) and not flat.startswith(_AUTHORITY_STARTS)


def host_of_serialised(url: str) -> str:
    """The host of an http(s) URL as serialised by WHATWG (what :func:`resolve` returns):
    after ``://``, before the first ``/``, without userinfo and port."""
    authority = url.partition("://")[2].partition("/")[0].rpartition("@")[2]
    if authority.startswith("["):
        return authority.partition("]")[0] + "]"
    return authority.partition(":")[0]


class DomPaths:
    """Short CSS-like paths of elements, memoised per document: each element's path, each
    ancestor's step (links share their ancestors) and each element's position among its
    same-tag siblings (found for all of them in one pass over the parent's children)."""

    def __init__(self, *, compiled: bool = True) -> None:
        self.compiled = compiled
        self._cache: dict[Element, str] = {}
        self._steps: dict[Element, str] = {}
        self._nth: dict[Element, int] = {}

    def _nth_of_type(self, el: Element, parent: Element) -> int:
        """``el``'s 1-based position among the children of ``parent`` with its tag; 0 when
        it is the only one."""
        nth = self._nth.get(el)
        if nth is None:
            try:
                same = list(parent.iterchildren(el.tag))
            except ValueError:
                # libxml2 keeps tag names that lxml refuses to look up (control characters).
                same = [child for child in parent if child.tag == el.tag]
            if len(same) > 1:
                self._nth.update((sibling, i) for i, sibling in enumerate(same, 1))
            else:
                self._nth[el] = 0
            nth = self._nth.get(el, 0)
        return nth

    def step(self, el: Element) -> str:
        cached = self._steps.get(el)
        if cached is not None:
            return cached
        tag = str(el.tag).lower()
        step = tag
        ident = (el.get("id") or "").strip()
        if ident and " " not in ident:
            step += f"#{ident}"
        else:
            cls = (el.get("class") or "").split()
            if cls:
                step += f".{cls[0]}"
        parent = el.getparent()
        if parent is not None:
            nth = self._nth_of_type(el, parent)
            if nth:
                step += f":nth-of-type({nth})"
        self._steps[el] = step
        return step

    MAX_STEPS = 32

    def path(self, el: Element) -> str:
        """The element's path from the root; on pathologically deep documents only the last
        :attr:`MAX_STEPS` steps, after ``...`` (iterative: no recursion limit to hit). Built by
        the compiled walk when it was built and the names on the way are plain ASCII."""
        cached = self._cache.get(el)
        if cached is not None:
            return cached
        if self.compiled and _cwalk is not None:
            found = _cwalk.dom_path(el, self.MAX_STEPS)
            if found is not None:
                self._cache[el] = found
                return found
        steps: list[str] = []
        node: Element | None = el
        while node is not None and len(steps) < self.MAX_STEPS:
            steps.append(self.step(node))
            node = node.getparent()
        if node is not None:
            steps.append("...")
        path = ">".join(reversed(steps))
        self._cache[el] = path
        return path


@dataclass(slots=True)
class _BlockText:
    text: str
    spans: dict[Element, tuple[int, int]]
    density: float


def _walk_text(block: Element) -> Iterator[tuple[str, Element | None, str]]:
    """Events over a block: ('text', None, s), ('start'|'end', element, '')."""
    walker = etree.iterwalk(block, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if not isinstance(tag, str) or tag in TEXT_HIDDEN_TAGS:
                walker.skip_subtree()
                yield "start", el, ""
                continue
            yield "start", el, ""
            if el.text:
                yield "text", None, el.text
        else:
            yield "end", el, ""
            if el is not block and el.tail:
                yield "text", None, el.tail


def block_text(block: Element, *, compiled: bool = True) -> _BlockText:
    """The text of ``block`` with the character span of every link in it (read by the
    compiled walk, :func:`linkvet.facts._cwalk.block_text`, when it was built)."""
    if compiled and _cwalk is not None:
        text, spans = _cwalk.block_text(block)
    else:
        text, spans = _python_block_text(block)
    total = len(squash(text))
    link_chars = 0
    last_end = -1
    for start, end in sorted(spans.values()):
        if start >= last_end:
            link_chars += len(squash(text[start:end]))
            last_end = end
    return _BlockText(text, spans, min(1.0, link_chars / total) if total else 0.0)


def _python_block_text(block: Element) -> tuple[str, dict[Element, tuple[int, int]]]:
    parts: list[str] = []
    size = 0
    spans: dict[Element, tuple[int, int]] = {}
    open_links: dict[Element, int] = {}
    for event, el, text in _walk_text(block):
        if event == "text":
            parts.append(text)
            size += len(text)
            continue
        assert el is not None
        tag = el.tag
        if tag in BLOCK_TAGS:
            parts.append(" ")
            size += 1
        if tag == "a" or tag == "area":
            if event == "start":
                open_links[el] = size
            else:
                start = open_links.pop(el, size)
                spans[el] = (start, size)
    return "".join(parts), spans


def link_text(el: Element) -> str:
    """The text of a link on its own: blocks and ``<br>`` separate words, scripts, styles and
    templates inside it are not text."""
    parts: list[str] = []
    for event, child, text in _walk_text(el):
        if event == "text":
            parts.append(text)
        elif child is not None and child.tag in BLOCK_TAGS:
            parts.append(" ")
    return "".join(parts)


def _squashed(text: str, *, tail: bool) -> str:
    """The last (``tail``) or first words of ``text``, squashed: at least
    :data:`CONTEXT_CHARS` characters of them when ``text`` has that many (whitespace runs of
    any length are skipped, the window growing until enough words are in it)."""
    window = 4 * CONTEXT_CHARS
    while True:
        part = squash(text[-window:] if tail else text[:window])
        if len(part) > CONTEXT_CHARS or window >= len(text):
            return part
        window *= 4


def _before(text: str) -> str:
    text = _squashed(text, tail=True)
    if len(text) <= CONTEXT_CHARS:
        return text
    cut = text[-CONTEXT_CHARS:]
    space = cut.find(" ")
    return cut[space + 1:] if 0 <= space < len(cut) - 1 else cut


def _after(text: str) -> str:
    text = _squashed(text, tail=False)
    if len(text) <= CONTEXT_CHARS:
        return text
    cut = text[:CONTEXT_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > 0 else cut


def nearest_block(el: Element) -> Element:
    node = el.getparent()
    while node is not None:
        if node.tag in BLOCK_TAGS:
            return node
        parent = node.getparent()
        if parent is None:
            return node
        node = parent
    return el


class LinkExtractor:
    """Builds :class:`LinkFacts` for the links of one document."""

    def __init__(self, root: Element, base_url: str, *, meta_nofollow: bool,
                 header_nofollow: bool) -> None:
        self.root = root
        self.base_url = base_url
        self.meta_nofollow = meta_nofollow
        self.header_nofollow = header_nofollow
        self._placement: PagePlacement | None = None
        self._paths = DomPaths()
        self._blocks: dict[Element, _BlockText] = {}
        self._hrefs: list[tuple[Element, str]] | None = None
        self._resolved: dict[str, str | None] = {}

    @property
    def placement(self) -> PagePlacement:
        if self._placement is None:
            self._placement = PagePlacement(self.root)
        return self._placement

    def hrefs(self) -> list[tuple[Element, str]]:
        """(element, raw href) of every ``<a href>``/``<area href>``, in document order."""
        if self._hrefs is None:
            self._hrefs = [(el, href) for el in self.root.iter("a", "area")
                           if (href := el.get("href")) is not None]
        return self._hrefs

    def resolve(self, href: str) -> str | None:
        """:func:`linkvet.urls.resolve` against the base URL, memoised per href."""
        try:
            return self._resolved[href]
        except KeyError:
            url = self._resolved[href] = resolve(self.base_url, href)
            return url

    def links(self) -> Iterator[tuple[Element, str, str]]:
        """(element, raw href, resolved URL) of every http(s) link, in document order."""
        for el, href in self.hrefs():
            url = self.resolve(href)
            if url is not None:
                yield el, href, url

    def link_hosts(self) -> Iterator[str]:
        """The host of every http(s) link. Two shortcuts keep counting cheap on link-heavy
        pages: a relative href takes the base URL's host, and an absolute one whose host the
        string shows exactly (:func:`linkvet.urls.simple_host`) is not resolved."""
        base_host = host_of_serialised(self.base_url)
        shortcut = self.base_url.startswith(("http://", "https://")) and bool(base_host)
        for _, href in self.hrefs():
            if shortcut and href[:1] == "/" and href[1:2] not in _NOT_A_PATH:
                yield base_host  # a path from the root ("/x"): the commonest href
                continue
            host = simple_host(href)
            if host is not None:
                yield host
                continue
            if shortcut and is_relative(href):
                yield base_host
                continue
            url = self.resolve(href)
            if url is not None:
                yield host_of_serialised(url)

    def facts(self, el: Element, href: str, url: str, match: MatchKind | None,
              ) -> LinkFacts:
        return LinkFacts(**self._fields(el, href, url, match))

    def _fields(self, el: Element, href: str, url: str, match: MatchKind | None,
                ) -> dict[str, Any]:
        """The fields of the link's :class:`LinkFacts` (``js_only`` aside), by name."""
        if el.tag == "area":
            alt: str | None = squash(el.get("alt"))
            text = alt or ""
            kind: AnchorKind = "image"
        else:
            text = ""  # from the block's text below: breaks between blocks, no scripts
            img = next(el.iter("img"), None)
            alt = squash(img.get("alt")) if img is not None else None
        rel = rel_tokens(el.get("rel"))
        follow, cause = follow_of(rel, self.meta_nofollow, self.header_nofollow)
        block = nearest_block(el)
        bt = self._blocks.get(block)
        if bt is None:
            bt = self._blocks[block] = block_text(block)
        span = bt.spans.get(el)
        start, end = span or (0, 0)
        if el.tag != "area":
            # the link's words as the block reads them; a link the block's text does not
            # reach (inside noscript or template) is read on its own
            text = squash(bt.text[start:end]) if span else squash(link_text(el))
            kind = "text" if text else "image" if img is not None else "empty"
            if kind == "image":
                # An image link's anchor text is its alt text (what search engines and
                # backlink tools read as its anchor).
                text = alt or ""
        # the compiled walk says at once when nothing on the way up could hide the link
        reason = hidden_reason(el) if _cwalk is None or _cwalk.may_hide(el) else None
        title = el.get("title")
        return {
            "href": href, "url": url, "match": match, "anchor_text": text, "anchor_kind": kind,
            "image_alt": alt, "title": squash(title) if title is not None else None, "rel": rel,
            "follow": follow, "follow_cause": cause, "placement": self.placement.classify(el),
            "dom_path": self._paths.path(el), "hidden": reason is not None,
            "hidden_reason": reason, "text_before": _before(bt.text[:start]),
            "text_after": _after(bt.text[end:]), "link_density": round(bt.density, 4),
        }

    def target_occurrences(self, target: str) -> list[LinkOccurrence]:
        """The links matching ``target``, in document order, as the record's occurrences:
        validated straight from their fields, with no :class:`LinkFacts` on the way (this is
        the verify spider's path; :meth:`all_links` gives every link's facts)."""
        return [LinkOccurrence.model_validate(self._fields(el, href, url, match))
                for el, href, url, match in self._matches(target)]

    def _matches(self, target: str) -> Iterator[tuple[Element, str, str, MatchKind]]:
        """(element, raw href, resolved URL, match) of each link matching ``target``. Only
        hrefs that can name the target's domain are resolved: when the base URL is on another
        domain, a match must spell the host out, so an ASCII href without ``%`` that lacks
        the domain text cannot match."""
        domain = registrable_domain(target if is_domain_target(target) else host_of(target))
        base_domain = registrable_domain(host_of_serialised(self.base_url))
        needle = domain.lower()
        screen = bool(needle) and base_domain != needle and needle.isascii()
        for el, href in self.hrefs():
            if screen and href.isascii() and "%" not in href:
                flat = href.lower().replace("\t", "").replace("\n", "").replace("\r", "")
                if needle not in flat:
                    continue
            url = self.resolve(href)
            if url is None:
                continue
            match = match_target(url, target)
            if match is not None:
                yield el, href, url, match

    def all_links(self, target: str | None) -> list[LinkFacts]:
        return [
            self.facts(el, href, url, match_target(url, target) if target else None)
            for el, href, url in self.links()
        ]
