"""What a correct verifier must see on each sandbox page: the expected facts.

The literal vocabularies mirror ``schemas/records.py`` exactly (a test asserts it); they are
restated here because the pure package does not import the record layer above it.

Conventions a checker must share with these expectations:

- ``status`` is the HTTP status of the *final* response after following HTTP redirects;
  ``None`` when the page must not be fetched at all (robots.txt disallows it).
- ``redirects`` lists each URL that sent the client on, in order, with the status it answered
  and how it redirected (``http`` 3xx, ``meta_refresh``, ``refresh_header``);
  ``final_url`` is the page whose HTML is analysed.
- ``links`` holds every ``<a href>`` occurrence that reaches the target, in document order.
  ``anchor_text`` is the element's text with whitespace collapsed; for an image link with no
  text it is the image's ``alt`` (also given in ``image_alt``). ``url`` is the href resolved
  against the document base (``<base href>`` included). ``href_chain`` is empty unless the href
  had to be followed: then it lists every URL visited, starting with ``url`` and ending with the
  URL that matched the target. ``placement`` is the innermost landmark holding the link:
  ``<nav>`` navigation, ``<header>`` header, ``<footer>`` footer, ``<aside>`` sidebar, an
  element with id or class ``comments`` comments, ``<main>``/``<article>`` content.
  ``follow`` is false when any of rel ``nofollow``/``sponsored``/``ugc`` (cause ``rel``),
  meta robots ``nofollow`` (``meta_robots``) or ``X-Robots-Tag: nofollow`` (``x_robots_tag``)
  applies, checked in that order.
- ``link_present`` is true when at least one occurrence is expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal[
    "live",
    "link_removed",
    "page_not_found",
    "page_gone",
    "server_error",
    "redirected_away",
    "noindex",
    "canonicalised_away",
    "robots_blocked",
    "not_html",
    "transient_failure",
]
Placement = Literal["content", "navigation", "header", "footer", "sidebar", "comments", "other"]
AnchorKind = Literal["text", "image", "empty"]
MatchKind = Literal["exact", "normalised", "same_host_path", "domain", "redirect"]
HopKind = Literal["http", "meta_refresh", "refresh_header", "js"]
FollowCause = Literal["rel", "meta_robots", "x_robots_tag", "default"]
HiddenReason = Literal["inline_style", "hidden_attribute"]


@dataclass(frozen=True)
class ExpectedLink:
    """One occurrence of a link to the target that a correct extractor reports."""

    href: str
    url: str
    match: MatchKind
    anchor_text: str
    anchor_kind: AnchorKind = "text"
    image_alt: str | None = None
    rel: tuple[str, ...] = ()
    follow: bool = True
    follow_cause: FollowCause = "default"
    placement: Placement = "content"
    hidden: bool = False
    hidden_reason: HiddenReason | None = None
    js_only: bool = False
    href_chain: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExpectedHop:
    """A URL that redirected the client: its status and the redirect mechanism."""

    url: str
    status: int
    kind: HopKind = "http"


@dataclass(frozen=True)
class ExpectedFacts:
    """The verdict and facts for one referring page (see the module docstring for rules)."""

    outcome: Outcome
    status: int | None
    final_url: str | None
    content_type: str | None = "text/html"
    redirects: tuple[ExpectedHop, ...] = ()
    links: tuple[ExpectedLink, ...] = ()
    robots_allowed: bool = True
    noindex: bool = False
    nofollow: bool = False
    canonical: str | None = None
    charset_declared: bool = True

    @property
    def link_present(self) -> bool:
        return bool(self.links)

    @property
    def needs_render(self) -> bool:
        """True when the link only exists after running the page's JavaScript."""
        return any(link.js_only for link in self.links)


@dataclass(frozen=True)
class Listing:
    """How a third-party index (Ahrefs) last saw the link: the basis of the export row.

    Every listing shows the link as live and followed or not by its rel at that time, with
    HTTP 200: the index has not noticed what changed since, which is what linkvet finds out.
    """

    title: str
    anchor: str
    left_context: str
    right_context: str
    link_type: Literal["text", "image"] = "text"
    rel: tuple[str, ...] = ()
    rendered_only: bool = False
    language: str = "en"
    platform: str = "cms"
    profile: str = "blog"
    page_category: str = "Sports/Running"
    in_content: bool = True
    links_in_group: int = 1


@dataclass(frozen=True)
class ReferringPage:
    """A page listed as linking to the target, with what a verifier must find there now.

    ``target`` is the expected target of the backlink (the export's Target URL).
    """

    archetype: str
    url: str
    target: str
    expected: ExpectedFacts
    listing: Listing
