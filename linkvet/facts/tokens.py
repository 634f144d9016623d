"""Words taken from ``class`` and ``id`` attributes, and the word lists that give them meaning.

The lists name generic page furniture (menus, footers, share bars, comment threads...) the way
authors and CMS themes commonly name it; they hold no site-specific names."""

from __future__ import annotations

import re
from functools import lru_cache

_SPLIT = re.compile(r"[^a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")

NAVIGATION = frozenset({
    "nav", "navbar", "navigation", "menu", "menubar", "submenu", "breadcrumb", "breadcrumbs",
    "crumbs", "pagination", "pager", "paging", "toc", "skip", "topbar", "toolbar", "tabs",
    "dropdown", "megamenu", "hamburger", "drawer", "offcanvas", "sitemap",
})
HEADER = frozenset({"header", "masthead", "banner", "branding", "logo", "topnav"})
FOOTER = frozenset({"footer", "foot", "colophon", "copyright", "legal", "bottom"})
SIDEBAR_STRONG = frozenset({"sidebar", "aside", "sidebox", "complementary", "rail"})
SIDEBAR = SIDEBAR_STRONG | frozenset({"widget", "widgets", "secondary"})
COMMENTS = frozenset({
    "comment", "comments", "disqus", "respond", "reply", "replies", "discussion",
    "responses", "commentlist",
})
# Boxes that sit inside or next to an article but are not its text.
EXTRAS = frozenset({
    "related", "recommended", "recommendations", "recirc", "more", "popular", "trending",
    "readmore", "read", "also", "next", "prev", "previous", "share", "sharing", "social",
    "follow", "sharebar", "promo", "promotion", "newsletter", "subscribe", "subscription",
    "signup", "tags", "tag", "tagcloud", "tagged", "topics", "categories", "category", "author",
    "bio", "byline", "authors", "contributor", "profile", "ad", "ads", "advert", "advertisement",
    "adslot", "sponsor", "sponsored", "outbrain", "taboola", "teaser", "teasers", "cookie",
    "consent", "popup", "modal", "overlay", "meta", "metadata", "dateline", "timestamp",
    "caption", "credit", "credits", "embed", "video", "gallery", "slideshow", "carousel",
    "slider", "feed", "headlines", "linkbox", "partner", "partners", "cta", "button",
    "btn", "icon", "icons", "print", "rss", "login", "register", "account", "search", "jump",
})
POSITIVE = frozenset({
    "article", "articlebody", "body", "content", "entry", "main", "post", "story", "text",
    "blog", "hentry", "prose", "richtext", "copy", "paragraph", "paragraphs", "storytext",
    "postbody", "entrycontent", "single",
})


@lru_cache(maxsize=8192)
def words_of(attr: str) -> frozenset[str]:
    """Lower-case words of a class or id value: split on anything but letters and at
    camelCase humps (``articleBody__text-2`` gives article, body, text, articlebody)."""
    parts = _CAMEL.sub(" ", attr).lower()
    out: set[str] = set()
    for chunk in parts.split():
        words = [w for w in _SPLIT.split(chunk) if w]
        out.update(words)
        # Joined forms name the same thing written as one word ("entry-content").
        if 1 < len(words) <= 3:
            out.add("".join(words))
    return frozenset(out)
