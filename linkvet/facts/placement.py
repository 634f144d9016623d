"""Where on the page a link sits: the main content or one kind of page furniture.

How the main content is found (one pass over the tree, then arithmetic):

1. Text is gathered into *blocks*: every block-level element owns the text of its inline
   descendants (text inside nested blocks belongs to those). For each block: its characters,
   the characters inside links, and its commas.
2. Blocks that read like prose (enough characters, few of them in links) vote for the
   elements that hold them, in the spirit of readability: the parent gets the full vote, the
   grandparent half, the next a third. A vote grows with the block's length and commas.
   An element's total is scaled by its class/id words (article, content, story... up;
   comment, sidebar, footer, related... down) and by ``1 - link density`` of its subtree.
3. The best element is the content root; siblings that carry prose of their own (high score,
   or a paragraph with little link text) join it, since CMSs often split one article into
   several containers.

A link is ``content`` when it lies in that region, no element between it and the region is
page furniture (``nav``, ``aside``, ``footer``, ``form``, navigation/complementary roles,
class/id words such as related, share, tags, author...), and its own block reads like text
(link characters are not most of it). Anything else is named by the nearest furniture
around it: comments, navigation, sidebar, footer, header, else other.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from linkvet.facts import tokens
from linkvet.facts.dom import BLOCK_TAGS, TEXT_HIDDEN_TAGS, Element
from linkvet.facts.native import cwalk as _cwalk
from schemas.records import Placement

_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "svg", "select",
                   "option", "button", "textarea", "iframe", "object"})
_LINK_TAGS = frozenset({"a", "area"})
_PROSE_MIN = 25
_SIBLING_PROSE = 50
_TEXT_AROUND = 30
_TAG_PRIOR = {
    "article": 8, "main": 8, "div": 5, "section": 3, "td": 3, "pre": 3, "blockquote": 3,
    "form": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "address": -3,
    "th": -5, "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5,
}
_FURNITURE_TAGS = {"nav": "navigation", "aside": "sidebar", "footer": "footer",
                   "header": "header", "form": "other", "menu": "navigation"}
_ROLES = {"navigation": "navigation", "menu": "navigation", "menubar": "navigation",
          "complementary": "sidebar", "contentinfo": "footer", "banner": "header",
          "search": "navigation", "dialog": "other", "alert": "other"}


# What a tag means to the scan, as bits: one dict lookup per element. The compiled walks get
# the same table, and one more bit for the block text of links.py (hidden from it).
_SKIPS, _BLOCK, _LINK, _TEXT_HIDDEN = 1, 2, 4, 8
_TAG_KIND: dict[str, int] = {}
for _tag in _SKIP | BLOCK_TAGS | _LINK_TAGS:
    _TAG_KIND[_tag] = ((_SKIPS if _tag in _SKIP else 0) | (_BLOCK if _tag in BLOCK_TAGS else 0)
                       | (_LINK if _tag in _LINK_TAGS else 0))
if _cwalk is not None:
    _cwalk.configure({t: _TAG_KIND.get(t, 0) | (_TEXT_HIDDEN if t in TEXT_HIDDEN_TAGS else 0)
                      for t in _TAG_KIND.keys() | TEXT_HIDDEN_TAGS}, _TAG_PRIOR)


@dataclass(slots=True)
class _Block:
    chars: int = 0
    link_chars: int = 0
    commas: int = 0


def _squashed_len(text: str) -> int:
    """``len(squash(text))``: without splitting when spaces are the only whitespace (in a
    printable string) and none is doubled, the common case for prose."""
    if text.isprintable():
        stripped = text.strip(" ")
        if "  " not in stripped:
            return len(stripped)
    return len(" ".join(text.split()))


def _comma_count(text: str) -> int:
    if text.isascii():
        return text.count(",")
    return text.count(",") + text.count("،") + text.count("，") + text.count("、")


def furniture_kind(el: Element, *, in_content: bool = False) -> Placement | None:
    """What kind of page furniture ``el`` itself is by tag, role or class/id words.

    Inside the content region the layout words of page builders (``widget``, ``column``...)
    say nothing, so only the sidebar words that name a sidebar outright count there."""
    tag = el.tag
    if tag == "body" or tag == "html":
        return None
    return _furniture_of(tag if isinstance(tag, str) else None, el.get("role"), el.get("class"),
                         el.get("id"), in_content)


@lru_cache(maxsize=8192)
def _furniture_of(tag: str | None, role_attr: str | None, cls: str | None, ident: str | None,
                  in_content: bool) -> Placement | None:
    """:func:`furniture_kind` from the element's tag and attributes (memoised: pages repeat
    the same few class names)."""
    role = (role_attr or "").strip().lower()
    if role in _ROLES:
        return _ROLES[role]  # type: ignore[return-value]
    words = _words_of(cls, ident)
    if words:
        if words & tokens.COMMENTS:
            return "comments"
        if words & tokens.NAVIGATION:
            return "navigation"
        if words & (tokens.SIDEBAR_STRONG if in_content else tokens.SIDEBAR):
            return "sidebar"
        if words & tokens.FOOTER:
            return "footer"
        if words & tokens.HEADER:
            return "header"
        if words & tokens.EXTRAS and not words & tokens.POSITIVE:
            return "other"
    if tag is not None and tag in _FURNITURE_TAGS:
        return _FURNITURE_TAGS[tag]  # type: ignore[return-value]
    return None


_REGIONS: frozenset[str] = frozenset({"footer", "header", "navigation", "sidebar", "comments"})


def _enclosing_region(node: Element | None) -> Placement | None:
    """The nearest structural page region (footer, header, navigation, sidebar, comments)
    enclosing ``node``, if any."""
    while node is not None:
        kind = furniture_kind(node)
        if kind in _REGIONS:
            return kind
        node = node.getparent()
    return None


def _words_of(cls: str | None, ident: str | None) -> frozenset[str]:
    """The class/id words of an element with these ``class`` and ``id`` values."""
    if not cls and not ident:
        return frozenset()
    if cls and ident:
        return tokens.words_of(cls) | tokens.words_of(ident)
    return tokens.words_of(cls or ident or "")


_NEGATIVE = (tokens.COMMENTS | tokens.NAVIGATION | tokens.SIDEBAR | tokens.FOOTER
             | tokens.HEADER | tokens.EXTRAS)


def _class_weight(el: Element) -> int:
    cls = el.get("class")
    ident = el.get("id")
    if not cls and not ident:
        return 0
    return _weight_of(cls, ident)


@lru_cache(maxsize=8192)
def _weight_of(cls: str | None, ident: str | None) -> int:
    """The class/id weight of an element with these ``class`` and ``id`` values."""
    words = _words_of(cls, ident)
    if not words:
        return 0
    weight = 0
    if words & tokens.POSITIVE:
        weight += 25
    if words & _NEGATIVE:
        weight -= 25
    return weight


def _is_prose(b: _Block) -> bool:
    """A block that reads like running text: long enough, mostly not link text."""
    return b.chars >= _PROSE_MIN and b.link_chars * 2 <= b.chars


class PythonRegion:
    """The content region of one parsed document, found in Python: the reference for the
    compiled walk (:mod:`linkvet.facts._cwalk`), and what runs where it was not built.

    Elements are numbered in document order; per-element facts live in lists indexed by that
    number (cheaper than dicts keyed by element proxies)."""

    def __init__(self, root: Element) -> None:
        self.root = root
        # Per element: its block, that block's counters, inside a link, skipped, its number.
        self._states: dict[Element, tuple[Element, _Block, bool, bool, int]] = {}
        self._order: list[Element] = []
        self._parent: list[int] = []
        # The element's own block counters when it starts a block and is not skipped.
        self._own: list[_Block | None] = []
        self.blocks: dict[Element, _Block] = {}
        self._scan()
        self.region: frozenset[Element] = self._find_region()

    # -- pass 1: blocks ------------------------------------------------------------------
    def _scan(self) -> None:
        states = self._states
        blocks = self.blocks
        order = self._order
        parents = self._parent
        own = self._own
        number = 0
        for el in self.root.iter(etree.Element):
            tag = el.tag
            parent = el.getparent()
            if parent is None:
                link = skip = False
                up = -1
            else:
                block, b, link, skip, up = states[parent]
                if not skip:
                    tail = el.tail
                    if tail:
                        n = _squashed_len(tail)
                        if n:
                            b.chars += n
                            b.commas += _comma_count(tail)
                            if link:
                                b.link_chars += n
            kind = _TAG_KIND.get(tag, 0)
            if kind & _SKIPS:
                skip = True
            if parent is None or kind & _BLOCK:
                block = el
                b = blocks[el] = _Block()
                own.append(None if skip else b)
            else:
                own.append(None)
            if kind & _LINK:
                link = True
            states[el] = (block, b, link, skip, number)
            order.append(el)
            parents.append(up)
            number += 1
            if skip:
                continue
            text = el.text
            if text:
                n = _squashed_len(text)
                if n:
                    b.chars += n
                    b.commas += _comma_count(text)
                    if link:
                        b.link_chars += n

    def _totals(self) -> tuple[list[int], list[int], list[int]]:
        """Per element number: chars, link chars and prose chars of its whole subtree."""
        size = len(self._order)
        chars = [0] * size
        links = [0] * size
        prose = [0] * size
        parents = self._parent
        own = self._own
        for i in range(size - 1, -1, -1):
            c, lc, pc = chars[i], links[i], prose[i]
            b = own[i]
            if b is not None:
                c += b.chars
                lc += b.link_chars
                if _is_prose(b):
                    pc += b.chars - b.link_chars
                chars[i], links[i], prose[i] = c, lc, pc
            up = parents[i]
            if up >= 0 and (c or pc):
                chars[up] += c
                links[up] += lc
                prose[up] += pc
        return chars, links, prose

    # -- pass 2: the content region ------------------------------------------------------
    def _find_region(self) -> frozenset[Element]:
        order = self._order
        parents = self._parent
        scores: dict[int, float] = {}
        for i, b in enumerate(self._own):
            if b is None or not _is_prose(b):
                continue
            vote = 1.0 + b.commas + min(b.chars // 100, 3)
            node = parents[i]
            level = 0
            while node >= 0 and level < 3:
                if node not in scores:
                    el = order[node]
                    scores[node] = float(_TAG_PRIOR.get(el.tag, 0) + _class_weight(el))
                scores[node] += vote / (1 if level == 0 else 2 if level == 1 else level * 3)
                node = parents[node]
                level += 1
        if not scores:
            return frozenset()
        chars, links, prose = self._totals()
        best = -1
        best_score = 0.0
        for i, score in scores.items():
            density = links[i] / chars[i] if chars[i] else 0.0
            s = score * (1.0 - density)
            if best < 0 or s > best_score:
                best, best_score = i, s
        # Climb while the parent holds no prose beyond the candidate's own: the siblings
        # worth joining sit at the level where the article's parts meet.
        own_prose = prose[best]
        while parents[best] >= 0 and prose[parents[best]] <= own_prose:
            best = parents[best]
        best_el = order[best]
        region = {best_el}
        if parents[best] >= 0:
            states = self._states
            for sib in order[parents[best]]:
                if sib is best_el or not isinstance(sib.tag, str):
                    continue
                _, _, _, skipped, i = states[sib]
                if skipped or furniture_kind(sib) is not None:
                    continue
                if prose[i] >= _SIBLING_PROSE and links[i] * 3 < chars[i]:
                    region.add(sib)
        return frozenset(region)

    # -- per link ------------------------------------------------------------------------
    def block_stats(self, el: Element) -> tuple[int, int]:
        """Characters and link characters of the block holding ``el``."""
        state = self._states.get(el)
        b = self.blocks.get(state[0]) if state is not None else None
        return (b.chars, b.link_chars) if b is not None else (0, 0)


class PagePlacement:
    """The main-content region of one parsed document, and the placement of its links.

    The region is found by the compiled walk over libxml2's tree when it is built (every
    install from this repository builds it), else by :class:`PythonRegion`: the same rules,
    the same region."""

    def __init__(self, root: Element, *, compiled: bool = True) -> None:
        self.root = root
        self._python: PythonRegion | None = None
        if compiled and _cwalk is not None:
            self.region: frozenset[Element] = frozenset(
                _cwalk.content_region(root, _weight_of, furniture_kind))
        else:
            self._python = PythonRegion(root)
            self.region = self._python.region

    def block_stats(self, el: Element) -> tuple[int, int]:
        """Characters and link characters of the block holding ``el``."""
        if self._python is not None:
            return self._python.block_stats(el)
        assert _cwalk is not None
        return _cwalk.block_counts(el, self.root)

    def classify(self, link: Element) -> Placement:
        """The placement of one ``<a>``/``<area>`` element of this document."""
        furniture: Placement | None = None
        furniture_node: Element | None = None
        in_region = False
        node: Element | None = link.getparent()
        while node is not None:
            if node in self.region:
                in_region = True
                break
            if furniture is None:
                furniture = furniture_kind(node, in_content=True)
                furniture_node = node
            node = node.getparent()
        if in_region and furniture is None:
            chars, link_chars = self.block_stats(link)
            if chars and (link_chars * 2 <= chars or chars - link_chars >= _TEXT_AROUND):
                return "content"
            return "other"
        if furniture is None:
            # outside the region: the nearest furniture above the region names it
            while node is not None:
                furniture = furniture_kind(node)
                if furniture is not None:
                    furniture_node = node
                    break
                node = node.getparent()
        if furniture == "other" and furniture_node is not None:
            # A box of extras (partners, promos) inside a page region belongs to the region:
            # a sponsor line in the footer is a footer link.
            structural = _enclosing_region(furniture_node.getparent())
            if structural is not None:
                return structural
        return furniture or "other"
