"""Parsing and the small tree helpers shared by the page, link and placement rules."""

from __future__ import annotations

import threading
from typing import Any, TypeAlias

from lxml import etree

from linkvet.urls import resolve

# A parsed element: plain ``etree`` elements, not ``lxml.html`` ones (lxml.html picks each
# element's class through a Python callback, a cost on every element the rules touch).
Element: TypeAlias = Any  # etree._Element (lxml ships no type hints)

# Elements whose text a reader never sees as page text.
INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
# Elements whose content is no text of the block around them (links.block_text skips inside).
TEXT_HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript"})
# Elements that start a new block of text (HTML's block-level and table/list structure).
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul", "br", "noscript", "template", "iframe", "select", "option", "button",
    "textarea", "legend", "frame", "frameset",
})
_PARSER_OPTIONS: dict[str, Any] = dict(
    encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
    default_doctype=False,
    # Unclosed inline tags nest deeply on real pages; libxml2 drops everything past depth 256
    # unless told otherwise. Past 2048 it still stops: :func:`parse_html` then builds the
    # page again with :mod:`linkvet.facts.deep_parse`.
    huge_tree=True,
)
# One parser per thread: parse_html reads the parser's error log after each parse, and a
# parser shared between threads would show another thread's log.
_parsers = threading.local()


def _parser() -> etree.HTMLParser:
    try:
        parser: etree.HTMLParser = _parsers.parser
    except AttributeError:
        parser = _parsers.parser = etree.HTMLParser(**_PARSER_OPTIONS)
    return parser


_STRING = etree.XPath("string()", smart_strings=False)


def parse_html(text: str) -> Element:
    """The document element of ``text``; an empty ``<html>`` for text with no markup.

    The text is handed to libxml2 as UTF-8 bytes with the encoding fixed, so that XML
    declarations and stray ``<meta charset>`` cannot make it re-decode the page; NUL
    characters (which end libxml2's input early) become U+FFFD. A page nested deeper than
    libxml2 parses is built by :func:`linkvet.facts.deep_parse.parse_capped` instead."""
    text = text.replace("\x00", "\ufffd")
    data = text.encode("utf-8", "replace")
    parser = _parser()
    try:
        root = etree.fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        root = None
    if _stopped_early(parser):
        # Nested deeper than libxml2 goes: the rest of the page would be lost.
        from linkvet.facts.deep_parse import parse_capped

        return parse_capped(text)
    if root is None:
        root = etree.fromstring(b"<html></html>", parser=parser)
    return root


def _stopped_early(parser: etree.HTMLParser) -> bool:
    """Whether the parser's last parse stopped at one of libxml2's limits (its nesting depth:
    the others are lifted by ``huge_tree``). Nothing is reported after it, so it is the last
    error."""
    error = parser.error_log.last_error
    return error is not None and error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT


def text_content(el: Element) -> str:
    """All the text inside ``el`` (as ``lxml.html``'s ``text_content()``)."""
    if not len(el):
        # No child nodes but text: its text (an XPath call costs more).
        return str(el.text or "")
    return str(_STRING(el))


def squash(text: str | None) -> str:
    """Whitespace runs become one space; ends are stripped."""
    # str.split() and the regex ``\s`` agree on what whitespace is; splitting is faster.
    return " ".join(text.split()) if text else ""


def tag_of(el: etree._Element) -> str:
    """Lower-case tag name; '' for comments, processing instructions and entities."""
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def in_template(el: Element) -> bool:
    """Whether ``el`` is inside a ``<template>``, whose content is not part of the document."""
    return next(el.iterancestors("template"), None) is not None


def base_url_of(root: Element, url: str) -> str:
    """The document's base URL: the first ``<base href>`` resolved against ``url``, if any
    resolves to an http(s) URL; ``url`` otherwise."""
    for base in root.iter("base"):
        href = base.get("href")
        if href is None or in_template(base):
            continue
        resolved = resolve(url, href)
        return resolved or url
    return url
