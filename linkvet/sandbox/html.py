"""HTML page templates for sandbox sites: a site chrome (header with logo and nav menu,
main, sidebar, footer) around an article or listing, with inline CSS only.

Sandbox pages load nothing: no external stylesheet, script, font or image (images are
``data:`` URIs), so a browser rendering them makes no request besides the page itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

Link = tuple[str, str]  # (href, label)

# A 1x1 transparent GIF: image links carry an image without fetching anything.
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

_THEMES: dict[str, str] = {
    "magazine": "body{font-family:Georgia,serif;margin:0;color:#222}"
    ".top{background:#111;color:#fff;padding:1em}.top a{color:#fff}"
    ".wrap{display:flex;gap:2em;max-width:1100px;margin:auto}main{flex:3}aside{flex:1}",
    "blog": "body{font-family:sans-serif;max-width:900px;margin:auto;line-height:1.6}"
    "header{border-bottom:1px solid #ddd}nav a{margin-right:1em}",
    "network": "body{font:15px/1.5 Arial,sans-serif;background:#fafafa}"
    ".nw-head{background:#2b6cb0;color:#fff}.nw-grid{display:grid;"
    "grid-template-columns:3fr 1fr}.nw-foot{font-size:12px}",
    "directory": "body{font:13px Verdana,sans-serif}ol.listing li{margin:.2em 0}",
    "farm": "body{font:12px Arial}a{color:#00c}",
    "forum": "body{font-family:Tahoma,sans-serif}.comment{border-top:1px solid #ccc}",
    "club": "body{font-family:Trebuchet MS,sans-serif;background:#f4f8f2}"
    "footer{background:#33553a;color:#fff}footer a{color:#dfd}",
    "shop": "body{font-family:Helvetica,sans-serif;margin:0}.hero{background:#1f4e3d;"
    "color:#fff;padding:2em}",
    "plain": "body{font-family:sans-serif;margin:2em}",
}


@dataclass(frozen=True)
class Site:
    """A site's chrome: what every page of it shares."""

    host: str
    name: str
    theme: str = "blog"
    tagline: str = ""
    nav: tuple[Link, ...] = (("/", "Home"),)
    footer: tuple[Link, ...] = ()
    sidebar_title: str = "Elsewhere"
    sidebar: tuple[Link, ...] = ()
    lang: str = "en"
    extra: dict[str, str] = field(default_factory=dict)


def a(href: str, text: str, *, rel: str | None = None, attrs: str = "") -> str:
    """An ``<a>`` element; ``text`` is escaped, ``attrs`` is raw."""
    rel_attr = f' rel="{escape(rel)}"' if rel else ""
    extra = f" {attrs}" if attrs else ""
    return f'<a href="{escape(href)}"{rel_attr}{extra}>{escape(text)}</a>'


def links_list(items: Sequence[Link], css_class: str = "") -> str:
    cls = f' class="{css_class}"' if css_class else ""
    lis = "".join(f"<li>{a(href, label)}</li>" for href, label in items)
    return f"<ul{cls}>{lis}</ul>"


def paras(texts: Sequence[str]) -> str:
    """Plain-text paragraphs (escaped)."""
    return "".join(f"<p>{escape(t)}</p>" for t in texts)


def linked_para(left: str, link_html: str, right: str) -> str:
    """A paragraph whose text surrounds a raw link element."""
    return f"<p>{escape(left)} {link_html} {escape(right)}</p>"


def article(title: str, byline: str, body_html: str, after_html: str = "") -> str:
    return (
        f'<article><h1>{escape(title)}</h1><div class="article-meta">{escape(byline)}</div>'
        f"{body_html}</article>{after_html}"
    )


def document(
    *,
    title: str,
    body: str,
    lang: str = "en",
    head: str = "",
    charset_meta: bool = True,
    css: str = "",
) -> str:
    meta = '<meta charset="utf-8">' if charset_meta else ""
    style = f"<style>{css}</style>" if css else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head>{meta}'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{head}{style}</head>\n<body>{body}</body></html>\n"
    )


def page(
    site: Site,
    *,
    title: str,
    main: str,
    head: str = "",
    header_extra: str = "",
    nav_extra: str = "",
    aside_extra: str = "",
    footer_extra: str = "",
    charset_meta: bool = True,
    with_aside: bool = True,
) -> str:
    """A full page in the site's chrome. The ``*_extra`` fragments are raw HTML placed inside
    the header (outside its nav), the nav menu, the sidebar and the footer."""
    nav_items = "".join(f"<li>{a(href, label)}</li>" for href, label in site.nav) + nav_extra
    header = (
        f'<header class="top"><a class="logo" href="/">{escape(site.name)}</a>'
        f'<span class="tagline">{escape(site.tagline)}</span>{header_extra}'
        f"<nav><ul>{nav_items}</ul></nav></header>"
    )
    aside = ""
    if with_aside:
        aside = (
            f'<aside class="sidebar"><section class="widget"><h3>{escape(site.sidebar_title)}'
            f"</h3>{links_list(site.sidebar)}</section>{aside_extra}</aside>"
        )
    footer_links = " | ".join(a(href, label) for href, label in site.footer)
    footer = (
        f'<footer><p class="footer-links">{footer_links}</p>{footer_extra}'
        f"<p>&copy; 2026 {escape(site.name)}</p></footer>"
    )
    wrap_class = "nw-grid" if site.theme == "network" else "wrap"
    body = f'{header}<div class="{wrap_class}"><main>{main}</main>{aside}</div>{footer}'
    return document(
        title=f"{title} | {site.name}" if title != site.name else title,
        body=body,
        lang=site.lang,
        head=head,
        charset_meta=charset_meta,
        css=_THEMES.get(site.theme, _THEMES["plain"]),
    )
