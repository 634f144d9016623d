"""A small, independent reading of sandbox pages (lxml), used to check that every page's HTML
says what its expected facts claim. It is a test oracle, not the product's extractor."""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html

from linkvet.sandbox import SandboxWeb
from linkvet.urls import host_of, match_target, resolve
from schemas.records import MatchKind

_LANDMARKS = {"nav": "navigation", "header": "header", "footer": "footer", "aside": "sidebar",
              "main": "content", "article": "content"}


@dataclass(frozen=True)
class Seen:
    href: str
    url: str
    match: str
    anchor_text: str
    anchor_kind: str
    image_alt: str | None
    rel: tuple[str, ...]
    follow: bool
    follow_cause: str
    placement: str
    hidden: bool
    hidden_reason: str | None
    href_chain: tuple[str, ...]


def split(url: str) -> tuple[str, str]:
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    return host, "/" + path


def _placement(el: lxml.html.HtmlElement) -> str:
    node = el
    while node is not None:
        ids = f"{node.get('id', '')} {node.get('class', '')}".split()
        if "comments" in ids:
            return "comments"
        if "links" in ids:  # the sandbox's link wall: a list of links, not text
            return "other"
        if node.tag in _LANDMARKS:
            return _LANDMARKS[node.tag]
        node = node.getparent()
    return "other"


def _hidden(el: lxml.html.HtmlElement) -> str | None:
    node = el
    while node is not None:
        if node.get("hidden") is not None:
            return "hidden_attribute"
        style = node.get("style", "").replace(" ", "").lower()
        if "display:none" in style:
            return "inline_style"
        node = node.getparent()
    return None


def _follow_href(web: SandboxWeb, url: str, target: str) -> tuple[str, ...]:
    chain = [url]
    for _ in range(5):
        response = web.respond(*split(chain[-1]))
        if response is None or response.status not in (301, 302):
            return ()
        location = response.header("Location")
        assert location is not None
        chain.append(location)
        if match_target(location, target):
            return tuple(chain)
    return ()


def read_links(web: SandboxWeb, url: str, target: str, body: bytes, *,
               x_robots: str = "") -> list[Seen]:
    doc = lxml.html.document_fromstring(body.decode("utf-8"))
    base_el = doc.find(".//base")
    base = resolve(url, base_el.get("href")) if base_el is not None else url
    assert base is not None
    robots = " ".join(m.get("content", "") for m in doc.iter("meta")
                      if m.get("name", "").lower() == "robots").lower()
    seen: list[Seen] = []
    for el in doc.iter("a"):
        href = el.get("href")
        if href is None:
            continue
        resolved = resolve(base, href)
        if resolved is None:
            continue
        match: MatchKind | None = match_target(resolved, target)
        chain: tuple[str, ...] = ()
        if match is None and host_of(resolved) == "go.short.example":
            chain = _follow_href(web, resolved, target)
            match = "redirect" if chain else None
        if match is None:
            continue
        text = " ".join(el.text_content().split())
        img = el.find(".//img")
        alt = img.get("alt") if img is not None else None
        rel = tuple(el.get("rel", "").replace(",", " ").split())
        if {"nofollow", "sponsored", "ugc"} & set(rel):
            follow, cause = False, "rel"
        elif "nofollow" in robots:
            follow, cause = False, "meta_robots"
        elif "nofollow" in x_robots.lower():
            follow, cause = False, "x_robots_tag"
        else:
            follow, cause = True, "default"
        reason = _hidden(el)
        seen.append(Seen(
            href=href, url=resolved, match=match, anchor_text=text or (alt or ""),
            anchor_kind="image" if not text and img is not None else "text", image_alt=alt,
            rel=rel, follow=follow, follow_cause=cause, placement=_placement(el),
            hidden=reason is not None, hidden_reason=reason, href_chain=chain,
        ))
    return seen
