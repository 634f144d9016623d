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

from lxml.html import HtmlElement

from linkvet.facts import tokens
from linkvet.facts.dom import BLOCK_TAGS
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


@dataclass(slots=True)
class _Block:
    chars: int = 0
    link_chars: int = 0
    commas: int = 0


def _text_len(text: str | None) -> int:
    if not text:
        return 0
    return len(" ".join(text.split()))


def _comma_count(text: str) -> int:
    return text.count(",") + text.count("،") + text.count("，") + text.count("、")


def furniture_kind(el: HtmlElement, *, in_content: bool = False) -> Placement | None:
    """What kind of page furniture ``el`` itself is by tag, role or class/id words.

    Inside the content region the layout words of page builders (``widget``, ``column``...)
    say nothing, so only the sidebar words that name a sidebar outright count there."""
    tag = el.tag
    if tag == "body" or tag == "html":
        return None
    role = (el.get("role") or "").strip().lower()
    if role in _ROLES:
        return _ROLES[role]  # type: ignore[return-value]
    words = _words(el)
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
    if isinstance(tag, str) and tag in _FURNITURE_TAGS:
        return _FURNITURE_TAGS[tag]  # type: ignore[return-value]
    return None


_REGIONS: frozenset[str] = frozenset({"footer", "header", "navigation", "sidebar", "comments"})


def _enclosing_region(node: HtmlElement | None) -> Placement | None:
    """The nearest structural page region (footer, header, navigation, sidebar, comments)
    enclosing ``node``, if any."""
    while node is not None:
        kind = furniture_kind(node)
        if kind in _REGIONS:
            return kind
        node = node.getparent()
    return None


def _words(el: HtmlElement) -> frozenset[str]:
    cls = el.get("class")
    ident = el.get("id")
    if not cls and not ident:
        return frozenset()
    if cls and ident:
        return tokens.words_of(cls) | tokens.words_of(ident)
    return tokens.words_of(cls or ident or "")


def _class_weight(el: HtmlElement) -> int:
    words = _words(el)
    if not words:
        return 0
    weight = 0
    if words & tokens.POSITIVE:
        weight += 25
    if words & (tokens.COMMENTS | tokens.NAVIGATION | tokens.SIDEBAR | tokens.FOOTER
                | tokens.HEADER | tokens.EXTRAS):
        weight -= 25
    return weight


def _is_prose(b: _Block) -> bool:
    """A block that reads like running text: long enough, mostly not link text."""
    return b.chars >= _PROSE_MIN and b.link_chars * 2 <= b.chars


class PagePlacement:
    """The main-content region of one parsed document, and the placement of its links."""

    def __init__(self, root: HtmlElement) -> None:
        self.root = root
        self.order: list[HtmlElement] = []
        self.totals: dict[HtmlElement, list[int]] = {}
        self.block_of: dict[HtmlElement, HtmlElement] = {}
        self.blocks: dict[HtmlElement, _Block] = {}
        self.skipped: set[HtmlElement] = set()
        self._scan()
        self.region: frozenset[HtmlElement] = self._find_region()

    # -- pass 1: blocks ------------------------------------------------------------------
    def _scan(self) -> None:
        block_of = self.block_of
        blocks = self.blocks
        in_link: dict[HtmlElement, bool] = {}
        skipped = self.skipped
        order = self.order
        for el in self.root.iter():
            tag = el.tag
            if not isinstance(tag, str):
                continue
            order.append(el)
            parent = el.getparent()
            if parent is None:
                block = el
                link = False
                skip = False
            else:
                block = block_of[parent]
                link = in_link[parent]
                skip = parent in skipped
                tail = el.tail
                if tail and not skip:
                    n = _text_len(tail)
                    if n:
                        b = blocks[block]
                        b.chars += n
                        b.commas += _comma_count(tail)
                        if link:
                            b.link_chars += n
            if tag in _SKIP:
                skip = True
            if skip:
                skipped.add(el)
            if tag in BLOCK_TAGS or parent is None:
                block = el
                blocks[el] = _Block()
            if tag in _LINK_TAGS:
                link = True
            block_of[el] = block
            in_link[el] = link
            text = el.text
            if text and not skip:
                n = _text_len(text)
                if n:
                    b = blocks[block]
                    b.chars += n
                    b.commas += _comma_count(text)
                    if link:
                        b.link_chars += n

    def _totals(self) -> dict[HtmlElement, list[int]]:
        """Per element: [chars, link chars, prose chars] of its whole subtree."""
        totals: dict[HtmlElement, list[int]] = {}
        blocks = self.blocks
        for el in reversed(self.order):
            t = totals.get(el)
            if t is None:
                t = totals[el] = [0, 0, 0]
            b = blocks.get(el)
            if b is not None and el not in self.skipped:
                t[0] += b.chars
                t[1] += b.link_chars
                if _is_prose(b):
                    t[2] += b.chars - b.link_chars
            parent = el.getparent()
            if parent is not None and (t[0] or t[2]):
                pt = totals.get(parent)
                if pt is None:
                    totals[parent] = [t[0], t[1], t[2]]
                else:
                    pt[0] += t[0]
                    pt[1] += t[1]
                    pt[2] += t[2]
        return totals

    # -- pass 2: the content region ------------------------------------------------------
    def _find_region(self) -> frozenset[HtmlElement]:
        scores: dict[HtmlElement, float] = {}
        for el, b in self.blocks.items():
            if not _is_prose(b) or el in self.skipped:
                continue
            vote = 1.0 + b.commas + min(b.chars // 100, 3)
            node = el.getparent()
            level = 0
            while node is not None and level < 3:
                if node not in scores:
                    scores[node] = float(_TAG_PRIOR.get(node.tag, 0) + _class_weight(node))
                scores[node] += vote / (1 if level == 0 else 2 if level == 1 else level * 3)
                node = node.getparent()
                level += 1
        if not scores:
            return frozenset()
        totals = self._totals()
        self.totals = totals
        best: HtmlElement | None = None
        best_score = 0.0
        for el, score in scores.items():
            chars, link_chars, _ = totals.get(el, (0, 0, 0))
            density = link_chars / chars if chars else 0.0
            s = score * (1.0 - density)
            if best is None or s > best_score:
                best, best_score = el, s
        assert best is not None
        # Climb while the parent holds no prose beyond the candidate's own: the siblings
        # worth joining sit at the level where the article's parts meet.
        prose = totals[best][2]
        while True:
            parent = best.getparent()
            if parent is None or totals.get(parent, (0, 0, 0))[2] > prose:
                break
            best = parent
        region = {best}
        parent = best.getparent()
        if parent is not None:
            for sib in parent:
                if (sib is best or not isinstance(sib.tag, str) or sib in self.skipped
                        or furniture_kind(sib) is not None):
                    continue
                chars, link_chars, sib_prose = totals.get(sib, (0, 0, 0))
                if sib_prose >= _SIBLING_PROSE and link_chars * 3 < chars:
                    region.add(sib)
        return frozenset(region)

    # -- per link ------------------------------------------------------------------------
    def block_stats(self, el: HtmlElement) -> tuple[int, int]:
        """Characters and link characters of the block holding ``el``."""
        block = self.block_of.get(el)
        b = self.blocks.get(block) if block is not None else None
        return (b.chars, b.link_chars) if b is not None else (0, 0)

    def classify(self, link: HtmlElement) -> Placement:
        """The placement of one ``<a>``/``<area>`` element of this document."""
        furniture: Placement | None = None
        furniture_node: HtmlElement | None = None
        in_region = False
        node: HtmlElement | None = link.getparent()
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
