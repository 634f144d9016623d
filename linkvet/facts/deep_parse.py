"""A depth-capped HTML tree for the pages libxml2 gives up on.

libxml2's HTML parser stops at a nesting depth of 2048 (with ``huge_tree``; 256 without) and
keeps only what it parsed before that point. Pages from sloppy generators can reach that
depth with thousands of unclosed ``<font>``, ``<div>`` or table tags. A link after that point
would then look removed, although every browser shows it: Chromium nests no deeper than 512
elements and puts any deeper element beside the innermost one instead of inside it.

:func:`parse_capped` builds the tree that way. It is only the fallback of
:func:`linkvet.facts.dom.parse_html`, used when libxml2 reports that it stopped. It uses the
standard library's HTML tokenizer and a small part of HTML's tree-building rules:

- ``<html>``, ``<head>`` and ``<body>`` are implied where missing;
- void elements never take children, and ``<x/>`` on a non-void element opens it;
- a new ``<p>``, ``<li>``, ``<dt>``/``<dd>``, ``<tr>``, ``<td>``/``<th>`` or ``<option>``
  closes the open one it would close in a browser;
- an end tag closes the innermost open element with that name, and is ignored when there is
  none.

Elements are never nested deeper than :data:`MAX_DEPTH`. Comments and processing instructions
are dropped, as the main parser drops them. Attribute names that lxml rejects are dropped, and
characters that XML forbids become U+FFFD.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from lxml import etree

from linkvet.facts.dom import Element

MAX_DEPTH = 512

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen",
                   "link", "meta", "param", "source", "track", "wbr"})
_HEAD_ONLY = frozenset({"title", "meta", "link", "base", "style", "script", "noscript",
                        "template"})
# Start tags that close an open <p> (HTML's "close a p element" cases).
_CLOSES_P = frozenset({
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div",
    "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section",
    "summary", "table", "ul",
})
# A start tag that closes the nearest open element of these names, unless one of the
# boundary elements is opened after it.
_CLOSES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "menu", "table"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl", "table"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl", "table"})),
    "tr": (frozenset({"tr"}), frozenset({"table"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "option": (frozenset({"option"}), frozenset({"select", "datalist"})),
    "a": (frozenset({"a"}), frozenset()),
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: Element = etree.Element("html")
        self.head: Element | None = None
        self.body: Element | None = None
        # Open elements, the root first.
        self.stack: list[Element] = [self.root]

    # -- structure -------------------------------------------------------------------
    def _open_head(self) -> None:
        if self.head is None and self.body is None:
            self.head = etree.SubElement(self.root, "head")
            self.stack.append(self.head)

    def _open_body(self) -> Element:
        if self.body is None:
            del self.stack[1:]
            self.body = etree.SubElement(self.root, "body")
            self.stack.append(self.body)
        return self.body

    def _pop_to(self, names: frozenset[str], boundary: frozenset[str]) -> None:
        """Close the innermost open element named in ``names`` (and everything inside it),
        unless a ``boundary`` element, ``<body>`` or ``<head>`` comes first."""
        stack = self.stack
        for i in range(len(stack) - 1, 1, -1):
            tag = stack[i].tag
            if tag in names:
                del stack[i:]
                return
            if tag in boundary or tag == "body" or tag == "head":
                return

    @staticmethod
    def _set_attributes(el: Element, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            try:
                if el.get(name) is None:  # the first of duplicate attributes counts
                    el.set(name, _xml_safe(value or ""))
            except ValueError:
                continue  # a name XML cannot hold; browsers would keep it, nothing reads it

    # -- tokens ----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self._set_attributes(self.root, attrs)
            return
        if tag == "head":
            self._open_head()
            return
        if tag == "body":
            self._set_attributes(self._open_body(), attrs)
            return
        if self.body is None:
            if tag not in _HEAD_ONLY:
                self._open_body()
            elif self.head is None:
                self._open_head()
            elif self.stack[-1] is self.root:
                self.stack.append(self.head)  # after </head>, head elements still go there
        if tag in _CLOSES_P and self.stack[-1].tag == "p":
            self.stack.pop()
        rule = _CLOSES.get(tag)
        if rule is not None:
            self._pop_to(*rule)
        if len(self.stack) > MAX_DEPTH:
            # Chromium's rule: past the limit, the new element goes beside the innermost one.
            self.stack.pop()
        try:
            el = etree.SubElement(self.stack[-1], tag)
        except ValueError:
            return  # a tag name XML cannot hold: its text stays with the parent
        self._set_attributes(el, attrs)
        if tag not in _VOID:
            self.stack.append(el)

    # ``<div/>`` opens a div in HTML; a void element is closed either way.
    handle_startendtag = handle_starttag

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        """``<![...`` outside foreign content: a bogus comment up to the next ``>``, as in
        browsers (the standard library's version raises on any keyword but a few)."""
        end = self.rawdata.find(">", i + 3)
        return -1 if end < 0 else end + 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("html", "body"):
            return  # content after </body> still belongs to the body, as in browsers
        if tag == "head":
            if self.head is not None and self.body is None:
                del self.stack[1:]
            return
        stack = self.stack
        for i in range(len(stack) - 1, 0, -1):
            if stack[i].tag == tag:
                del stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self.body is None and (self.stack[-1] is self.root or self.stack[-1] is self.head):
            if not data.strip():
                return
            self._open_body()
        el = self.stack[-1]
        data = _xml_safe(data)
        if len(el):
            last = el[-1]
            last.tail = (last.tail or "") + data
        else:
            el.text = (el.text or "") + data


def parse_capped(text: str) -> Element:
    """The ``<html>`` element of ``text``, built by the rules of the module."""
    builder = _TreeBuilder()
    try:
        builder.feed(text)
        builder.close()
    except AssertionError:
        # The tokenizer's own consistency checks: keep the tree built so far.
        pass
    if builder.body is None:
        builder._open_body()
    return builder.root
