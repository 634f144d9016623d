"""The named part of the sandbox web: the target site and one referring page (or a few) per
archetype a link auditor meets, each with its expected facts.

Target: ``acme.example`` (brand "Acme", trail-running gear). Referring pages, in listing
order (T = a target URL on ``acme.example``; all links are ``<a href>`` to exactly one target
URL unless said otherwise; "follow" means followed with cause ``default``):

===================  ==========================================  ===============================
archetype            page                                        expected outcome: link
===================  ==========================================  ===============================
editorial            magazine article, link in body text         live: content, follow
trade_blog           gear blog post                              live: content, follow
directory            category list of 100 sites, one is Acme     live: content, follow
link_farm            400 outbound links, thin off-topic text     live: other (link wall), follow
network (x6)         look-alikes on one /24, one template, spun  live: content, follow
sitewide_footer (3)  every page of a club site, partner credit   live: footer, follow
sponsored            rel="sponsored" in body                     live: content, rel
ugc_comment          reader comment, rel="ugc nofollow"          live: comments, rel
nofollow             rel="nofollow" in body                      live: content, rel
js_injected          app shell ``<div id="root">``, inline JS    live: content, js_only
hidden_style         wrapper ``<span style="display: none">``    live: content, hidden
hidden_attribute     ``<a hidden>``                              live: content, hidden
removed              page 200, anchor text kept, link gone       link_removed: none
not_found            404                                         page_not_found: none
gone                 410                                         page_gone: none
server_error         500                                         server_error: none
redirect_same_site   301 to a page of the same site with link    live (1 http hop): content
redirected_away_301  301 to a parked domain's home page          redirected_away: none
redirected_away_302  302 to the site's home page                 redirected_away: none
meta_refresh         ``<meta http-equiv=refresh>`` to link page  live (meta_refresh hop)
refresh_header       ``Refresh:`` header to a page with the link live (refresh_header hop)
redirecting_href     href ``http://go.short.example/x1`` 301s    live: match ``redirect``
canonical_elsewhere  ``<link rel=canonical>`` to another site    canonicalised_away: content
noindex_meta         meta robots ``noindex, follow``             noindex: content, follow
noindex_header       ``X-Robots-Tag: noindex``                   noindex: content, follow
nofollow_header      ``X-Robots-Tag: nofollow``                  live: follow cause x_robots_tag
nofollow_meta        meta robots ``nofollow``                    live: follow cause meta_robots
robots_blocked       ``/robots.txt`` disallows ``/members/``     robots_blocked: not fetched
slow                 answers after ``slow_delay`` seconds        live: content, follow
huge                 ~3 MB of text, link near the end            live: content, follow
not_html             ``application/pdf``                         not_html: none
bad_encoding         ``text/html`` without charset anywhere,     live: anchor read as UTF-8
                     body UTF-8, French accented anchor
image_link           ``<a><img alt=...></a>``                    live: content, image
nav_link             link in the ``<nav>`` menu                  live: navigation
header_link          "Presented by" link in ``<header>``         live: header
sidebar_link         sponsor widget in ``<aside>``               live: sidebar
base_href            ``<base href="http://acme.example/">`` and  live: content, resolves to T
                     ``<a href="pricing">``
===================  ==========================================  ===============================

The bad_encoding page is valid UTF-8 with no declaration anywhere. Sniffing the bytes (as
Scrapy does: header, BOM, meta, then UTF-8 if it decodes) reads the anchor correctly; Chromium
falls back to windows-1252 and renders ``Ã‰quipement...``. The expected anchor is the UTF-8
reading, so take link text from the fetched bytes, not the rendered DOM, when no charset is
declared.

Pages never link to ``acme.example`` other than through the expected occurrences, so a domain
match cannot add any. Services: ``go.short.example`` (the shortener), ``parked-domain.example``
(where one page redirects away).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html import escape
from typing import Literal

from linkvet.sandbox import text
from linkvet.sandbox.facts import (
    ExpectedFacts,
    ExpectedHop,
    ExpectedLink,
    Listing,
    Placement,
    ReferringPage,
)
from linkvet.sandbox.html import (
    PIXEL,
    Site,
    a,
    article,
    document,
    linked_para,
    links_list,
    page,
    paras,
)
from linkvet.sandbox.response import Response, error_page, html, redirect

TARGET_HOST = "acme.example"
TARGET_HOME = "http://acme.example/"
TARGET_PRICING = "http://acme.example/pricing"
TARGET_SHOP = "http://acme.example/shop/trail-shoes"
TARGET_VESTS = "http://acme.example/blog/hydration-vest-guide"
TARGET_SHOES = "http://acme.example/blog/choosing-trail-shoes"
TARGET_URLS: tuple[str, ...] = (TARGET_HOME, TARGET_PRICING, TARGET_SHOP, TARGET_VESTS,
                                TARGET_SHOES)
SHORTENER_HOST = "go.short.example"
SHORT_URL = "http://go.short.example/x1"

ALLOW_ALL = "User-agent: *\nDisallow:\n"

HostRole = Literal["target", "referring", "network", "service", "filler"]
Route = Callable[[], Response]

_AUTHORS = ("Maya Lindqvist", "Tom Okafor", "Ines Duarte", "Sam Whitlock", "Jo Nakamura",
            "Priya Raman", "Luca Bernardi", "Hannah Cole")


@dataclass(frozen=True)
class HostSpec:
    host: str
    role: HostRole
    robots_txt: str = ALLOW_ALL


@dataclass
class Registry:
    """Hosts, routes ((host, path) -> response maker) and listed referring pages."""

    hosts: dict[str, HostSpec] = field(default_factory=dict)
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    pages: list[ReferringPage] = field(default_factory=list)
    sites: dict[str, Site] = field(default_factory=dict)

    def add_site(self, site: Site, role: HostRole = "referring",
                 robots_txt: str = ALLOW_ALL) -> Site:
        self.hosts[site.host] = HostSpec(site.host, role, robots_txt)
        self.sites[site.host] = site
        return site

    def route(self, host: str, path: str, make: Route) -> None:
        self.routes[(host, path)] = make


def _live(url: str, *links: ExpectedLink, **kw: object) -> ExpectedFacts:
    return ExpectedFacts(outcome="live", status=200, final_url=url, links=links, **kw)  # type: ignore[arg-type]


class _Builder:
    """Builds the named web for one seed. Page text is generated here once (small); bodies are
    rendered by the routes when asked."""

    def __init__(self, seed: int, slow_delay: float) -> None:
        self.seed = seed
        self.slow_delay = slow_delay
        self.reg = Registry()

    # -- helpers ---------------------------------------------------------------------------
    def rng(self, host: str, path: str, salt: str = "") -> random.Random:
        return random.Random(f"{self.seed}:{host}:{path}:{salt}")

    def listed(self, archetype: str, url: str, target: str, expected: ExpectedFacts,
               listing: Listing) -> None:
        self.reg.pages.append(ReferringPage(archetype, url, target, expected, listing))

    def static(self, host: str, path: str, body: str, **kw: object) -> None:
        response = html(body, **kw)  # type: ignore[arg-type]
        self.reg.route(host, path, lambda: response)

    def article_page(
        self,
        site: Site,
        path: str,
        topic: text.Topic,
        link_html: str,
        *,
        paragraphs: int = 5,
        link_at: int = 2,
        after: str = "",
        **page_kw: object,
    ) -> tuple[str, str, str, str]:
        """An article with ``link_html`` inside paragraph ``link_at``; returns the page HTML,
        the title and the text left and right of the link."""
        rng = self.rng(site.host, path)
        title = text.title(rng, topic)
        body = text.paragraphs(rng, topic, paragraphs)
        left, right = text.sentence(rng, topic), text.sentence(rng, topic)
        byline = f"By {_AUTHORS[rng.randrange(len(_AUTHORS))]} · {rng.randint(1, 28)} May 2026"
        main_html = article(
            title, byline,
            paras(body[:link_at]) + linked_para(left, link_html, right) + paras(body[link_at:]),
            after,
        )
        return page(site, title=title, main=main_html, **page_kw), title, left, right  # type: ignore[arg-type]

    def link_article(
        self,
        archetype: str,
        site: Site,
        path: str,
        *,
        target: str,
        anchor: str,
        topic: text.Topic = "trail",
        rel: str | None = None,
        expected: Callable[[str, ExpectedLink], ExpectedFacts] | None = None,
        headers: tuple[tuple[str, str], ...] = (),
        profile: str = "blog",
        platform: str = "cms",
        delay: float = 0.0,
        **page_kw: object,
    ) -> None:
        """The common case: an article page at ``path`` with one content link to ``target``."""
        url = f"http://{site.host}{path}"
        body, title, left, right = self.article_page(
            site, path, topic, a(target, anchor, rel=rel), **page_kw)  # type: ignore[arg-type]
        rel_tokens = tuple(rel.split()) if rel else ()
        link = ExpectedLink(
            href=target, url=target, match="exact", anchor_text=anchor, rel=rel_tokens,
            follow=not rel_tokens, follow_cause="rel" if rel_tokens else "default",
        )
        facts = expected(url, link) if expected else _live(url, link)
        self.static(site.host, path, body, headers=headers, delay=delay)
        self.listed(archetype, url, target, facts, Listing(
            title=title, anchor=anchor, left_context=left, right_context=right, rel=rel_tokens,
            profile=profile, platform=platform))

    def home(self, site: Site) -> None:
        """``/``: the site's front page listing its own pages (never links to the target)."""
        host = site.host

        def make() -> Response:
            own = sorted(p for h, p in self.reg.routes if h == host and p != "/")
            items = [(p, p.strip("/").replace("-", " ").replace("/", " / ") or "home")
                     for p in own]
            rng = self.rng(host, "/")
            main_html = (f"<h1>{escape(site.name)}</h1>"
                         + paras(text.paragraphs(rng, "outdoor", 1))
                         + "<h2>Latest</h2>" + links_list(items, "latest"))
            return html(page(site, title=site.name, main=main_html))

        self.reg.route(host, "/", make)

    # -- the target ------------------------------------------------------------------------
    def target(self) -> None:
        site = self.reg.add_site(Site(
            host=TARGET_HOST, name="Acme Trail Co.", theme="shop",
            tagline="Trail-running gear, tested on real mountains",
            nav=(("/", "Home"), ("/shop/trail-shoes", "Trail shoes"), ("/pricing", "Pricing"),
                 ("/blog/", "Blog"), ("/about", "About")),
            footer=(("/about", "About"), ("/pricing", "Pricing"), ("/blog/", "Journal")),
            sidebar_title="From the journal",
            sidebar=(("/blog/choosing-trail-shoes", "Choosing trail shoes"),
                     ("/blog/hydration-vest-guide", "Hydration vest guide")),
        ), role="target")
        pages = {
            "/shop/trail-shoes": "Acme trail shoes",
            "/pricing": "Pricing and plans",
            "/blog/choosing-trail-shoes": "Choosing trail shoes",
            "/blog/hydration-vest-guide": "Hydration vest guide",
            "/about": "About Acme",
        }
        for path, title in pages.items():
            rng = self.rng(TARGET_HOST, path)
            main_html = article(title, "Acme Trail Co.", paras(text.paragraphs(rng, "trail", 6)))
            self.static(TARGET_HOST, path, page(site, title=title, main=main_html))
        blog_index = links_list([("/blog/choosing-trail-shoes", "Choosing trail shoes"),
                                 ("/blog/hydration-vest-guide", "Hydration vest guide")])
        self.static(TARGET_HOST, "/blog/", page(site, title="Journal", main=(
            "<h1>Journal</h1>" + blog_index)))
        rng = self.rng(TARGET_HOST, "/")
        self.static(TARGET_HOST, "/", page(site, title=site.name, main=(
            '<section class="hero"><h1>Acme Trail Co.</h1><p>Shoes, vests and poles for '
            "trail and mountain running.</p></section>"
            + paras(text.paragraphs(rng, "trail", 3)))))

    # -- referring sites -------------------------------------------------------------------
    def build(self) -> Registry:
        self.target()
        self.services()
        self.trailnews()
        self.gearblog()
        self.directory()
        self.link_farm()
        self.network()
        self.sitewide_footer()
        self.fitlife()
        self.forum()
        self.runreviews()
        self.js_injected()
        self.hidden()
        self.moving_blog()
        self.redirecting_href()
        self.canonical_elsewhere()
        self.robots_blocked()
        self.slow()
        self.huge()
        self.not_html()
        self.bad_encoding()
        self.placements()
        self.base_href()
        for host, spec in self.reg.hosts.items():
            if spec.role in ("referring", "network") and (host, "/") not in self.reg.routes:
                self.home(self.reg.sites[host])
        return self.reg

    def services(self) -> None:
        self.reg.hosts[SHORTENER_HOST] = HostSpec(SHORTENER_HOST, "service")
        self.reg.route(SHORTENER_HOST, "/x1", lambda: redirect(TARGET_HOME, 301))
        parked = self.reg.add_site(Site(host="parked-domain.example", name="parked-domain.example",
                                        theme="plain"), role="service")
        rng = self.rng(parked.host, "/")
        offers = [(f"http://{text.slug(text.title(rng, 'offtopic'))}.offers.example/",
                   text.title(rng, "offtopic")) for _ in range(8)]
        self.static(parked.host, "/", page(parked, title="This domain may be for sale", main=(
            "<h1>This domain may be for sale</h1>" + links_list(offers, "related")),
            with_aside=False))

    def trailnews(self) -> None:
        site = self.reg.add_site(Site(
            host="www.trailnews.example", name="Trail News", theme="magazine",
            tagline="Independent trail and mountain running journalism",
            nav=(("/", "Home"), ("/gear/", "Gear"), ("/races/", "Races"), ("/about", "About")),
            footer=(("/about", "About us"), ("/contact", "Contact"), ("/privacy", "Privacy")),
            sidebar_title="Most read",
            sidebar=(("/2026/04/trail-shoe-trends", "Trail shoe trends"),
                     ("http://weather-peaks.example/", "Mountain forecast")),
        ))
        path = "/2026/05/best-trail-running-shoes-tested"
        url = f"http://{site.host}{path}"
        self.link_article(
            "editorial", site, path, target=TARGET_SHOP, anchor="Acme's trail shoe range",
            profile="authority", platform="cms",
            head=f'<link rel="canonical" href="{url}">',
            expected=lambda u, link: _live(u, link, canonical=u),
        )
        # removed: the sentence stayed, the link went.
        path = "/2025/11/winter-running-kit"
        url = f"http://{site.host}{path}"
        anchor = "Acme winter shells"
        body, title, left, right = self.article_page(site, path, "trail", escape(anchor))
        self.static(site.host, path, body)
        self.listed("removed", url, TARGET_SHOP,
                    ExpectedFacts(outcome="link_removed", status=200, final_url=url),
                    Listing(title, anchor, left, right, profile="authority"))
        # redirected within the site to a page that still links.
        old, new = "/2025/gear-roundup", "/2026/gear-roundup"
        self.reg.route(site.host, old, lambda: redirect(f"http://{site.host}{new}", 301))
        self.link_article(
            "redirect_same_site", site, new, target=TARGET_SHOES,
            anchor="how to choose trail shoes", profile="authority",
            expected=lambda u, link: replace(_live(u, link), redirects=(
                ExpectedHop(f"http://{site.host}{old}", 301),)),
        )
        self._relist_as(f"http://{site.host}{old}")
        # the original of a syndicated copy (no link to the target).
        path = "/2026/04/trail-shoe-trends"
        body, *_ = self.article_page(site, path, "trail", "our own test notes")
        self.static(site.host, path, body)

    def _relist_as(self, url: str) -> None:
        """The last listed page is known to the index under ``url`` (it was redirected)."""
        last = self.reg.pages.pop()
        self.reg.pages.append(replace(last, url=url))

    def gearblog(self) -> None:
        site = self.reg.add_site(Site(
            host="gearblog.example", name="The Gear Blog", theme="blog",
            tagline="Kit reviews from the back of the pack",
            nav=(("/", "Home"), ("/posts/", "Posts"), ("/about", "About")),
            footer=(("/about", "About"), ("/disclosure", "Disclosure")),
            sidebar_title="Blogroll",
            sidebar=(("http://trail-mama-blog.example/", "Trail Mama"),
                     ("http://ultra-events.example/", "Ultra Events")),
        ))
        self.link_article("trade_blog", site, "/posts/hydration-vest-roundup",
                          target=TARGET_VESTS, anchor="hydration vest guide")
        self.reg.route(site.host, "/posts/deleted-review",
                       lambda: error_page(404, "Not Found"))
        self.listed("not_found", f"http://{site.host}/posts/deleted-review", TARGET_SHOP,
                    ExpectedFacts(outcome="page_not_found", status=404,
                                  final_url=f"http://{site.host}/posts/deleted-review"),
                    self._listing(site.host, "/posts/deleted-review", "Acme trail shoes"))
        old = "/posts/old-shoe-review"
        self.reg.route(site.host, old, lambda: redirect("http://parked-domain.example/", 301))
        self.listed("redirected_away_301", f"http://{site.host}{old}", TARGET_SHOP,
                    ExpectedFacts(outcome="redirected_away", status=200,
                                  final_url="http://parked-domain.example/",
                                  redirects=(ExpectedHop(f"http://{site.host}{old}", 301),)),
                    self._listing(site.host, old, "Acme Trail Co."))
        self.link_article(
            "nofollow_meta", site, "/posts/affiliate-picks", target=TARGET_SHOP,
            anchor="Acme trail shoes",
            head='<meta name="robots" content="nofollow">',
            expected=lambda u, link: _live(u, replace(link, follow=False,
                                                      follow_cause="meta_robots"), nofollow=True),
        )

    def _listing(self, host: str, path: str, anchor: str, profile: str = "blog") -> Listing:
        """A listing for a page whose current body says nothing (error, redirect): how the
        index remembers it."""
        rng = self.rng(host, path, "listing")
        return Listing(text.title(rng, "trail"), anchor, text.sentence(rng, "trail"),
                       text.sentence(rng, "trail"), profile=profile)

    def directory(self) -> None:
        site = self.reg.add_site(Site(
            host="outdoor-directory.example", name="Outdoor Business Directory",
            theme="directory", tagline="Submit your site: 1,200 categories",
            nav=(("/", "Home"), ("/submit", "Submit a site"), ("/category/", "Categories")),
            footer=(("/submit", "Submit"), ("/terms", "Terms")),
            sidebar_title="Top categories",
            sidebar=(("/category/camping", "Camping"), ("/category/cycling", "Cycling")),
        ))
        path = "/category/running-gear"
        rng = self.rng(site.host, path)
        anchor = "Acme Trail Co."
        items: list[str] = []
        left = ""
        for i in range(100):
            if i == 36:
                left = "Trail shoes, vests and poles."
                items.append(f"<li>{a(TARGET_HOME, anchor)} – {escape(left)}</li>")
                continue
            name = " ".join(w.capitalize() for w in text.words(rng, 2)) + " " + (
                "Outfitters", "Sports", "Gear", "Supply", "Co.", "Shop")[rng.randrange(6)]
            desc = text.sentence(rng, "outdoor" if i % 3 else "offtopic")
            items.append(f"<li>{a(f'http://{text.slug(name)}-{i}.example/', name)} – "
                         f"{escape(desc)}</li>")
        main_html = ("<h1>Running gear</h1><p>100 listings. Add yours for $9.</p>"
                     f'<ol class="listing">{"".join(items)}</ol>')
        self.static(site.host, path, page(site, title="Running gear", main=main_html))
        url = f"http://{site.host}{path}"
        link = ExpectedLink(href=TARGET_HOME, url=TARGET_HOME, match="exact", anchor_text=anchor)
        self.listed("directory", url, TARGET_HOME, _live(url, link),
                    Listing("Running gear | Outdoor Business Directory", anchor, "", left,
                            profile="directory", platform="directory",
                            page_category="Business/Directories"))

    def link_farm(self) -> None:
        site = self.reg.add_site(Site(host="best-links-4u.example", name="Best Links 4U",
                                      theme="farm", nav=(("/", "Home"),)))
        path = "/page/7"
        rng = self.rng(site.host, path)
        anchor = "trail running shoes"
        cells: list[str] = []
        for i in range(400):
            if i == 211:
                cells.append(a(TARGET_SHOP, anchor))
                continue
            label = text.title(rng, "offtopic")
            cells.append(a(f"http://{text.slug(label, 4)}-{i}.example/", label))
        main_html = ("<h1>Resources page 7</h1>" + paras([text.sentence(rng, "offtopic")])
                     + '<div class="links">' + " ".join(cells) + "</div>")
        self.static(site.host, path, page(site, title="Resources page 7", main=main_html,
                                          with_aside=False))
        url = f"http://{site.host}{path}"
        # A wall of links is a link list, not text: the link is in the main area but not in
        # content (placement "other"); its link density says the rest.
        link = ExpectedLink(href=TARGET_SHOP, url=TARGET_SHOP, match="exact", anchor_text=anchor,
                            placement="other")
        self.listed("link_farm", url, TARGET_SHOP, _live(url, link),
                    Listing("Resources page 7 | Best Links 4U", anchor, "", "", profile="farm",
                            platform="unknown", page_category="Internet/Link farms"))

    def network(self) -> None:
        hosts = ("trailrunnerhub.example", "trailgearhub.example", "trailshoeshub.example",
                 "runnergearhub.example", "ultrarunhub.example", "mountainrunhub.example")
        for n, host in enumerate(hosts, 1):
            others = tuple((f"http://{h}/", h.split(".")[0].capitalize())
                           for h in hosts if h != host)[:3]
            site = self.reg.add_site(Site(
                host=host, name=host.split(".")[0].capitalize(), theme="network",
                tagline="Your trusted resource for running", sidebar_title="Partner sites",
                nav=(("/", "Home"), ("/blog/", "Blog"), ("/contact", "Contact")),
                footer=(("/privacy", "Privacy Policy"), ("/contact", "Contact Us")),
                sidebar=others,
            ), role="network")
            rng = self.rng(host, "slug")
            path = f"/blog/{text.slug(text.title(rng, 'spun'))}-{n}"
            self.link_article("network", site, path, target=TARGET_SHOP,
                              anchor="best trail running shoes", topic="spun",
                              profile="network", platform="blogs")

    def sitewide_footer(self) -> None:
        site = self.reg.add_site(Site(
            host="hikingclub.example", name="Valley Hiking Club", theme="club",
            tagline="Walks, runs and trail days since 1987",
            nav=(("/", "Home"), ("/events", "Events"), ("/membership", "Membership")),
            footer=(("/membership", "Join"), ("/contact", "Contact")),
            sidebar_title="Next walks",
            sidebar=(("/events", "Events calendar"),),
        ))
        anchor = "Acme Trail Co."
        left, right = "Kit partner:", "– 10% off for members."
        footer_extra = (f'<p class="partner">{escape(left)} {a(TARGET_HOME, anchor)} '
                        f"{escape(right)}</p>")
        for path, title in (("/", "Valley Hiking Club"), ("/events", "Events"),
                            ("/membership", "Membership")):
            rng = self.rng(site.host, path)
            main_html = f"<h1>{escape(title)}</h1>" + paras(text.paragraphs(rng, "outdoor", 3))
            self.static(site.host, path, page(site, title=title, main=main_html,
                                              footer_extra=footer_extra))
            url = f"http://{site.host}{path}"
            link = ExpectedLink(href=TARGET_HOME, url=TARGET_HOME, match="exact",
                                anchor_text=anchor, placement="footer")
            self.listed("sitewide_footer", url, TARGET_HOME, _live(url, link),
                        Listing(title if path == "/" else f"{title} | {site.name}", anchor,
                                left, right, profile="club", platform="cms",
                                page_category="Recreation/Hiking", in_content=False,
                                links_in_group=3))

    def fitlife(self) -> None:
        site = self.reg.add_site(Site(
            host="fitlife-magazine.example", name="FitLife Magazine", theme="magazine",
            tagline="Fitness, food and the outdoors",
            nav=(("/", "Home"), ("/features/", "Features"), ("/tag/", "Tags")),
            footer=(("/advertise", "Advertise"), ("/about", "About")),
            sidebar_title="Trending",
            sidebar=(("/features/recovery-week", "Recovery week"),),
        ))
        self.link_article("sponsored", site, "/sponsored/spring-gear-guide",
                          target=TARGET_PRICING, anchor="Acme membership pricing",
                          rel="sponsored", profile="authority")
        self.reg.route(site.host, "/features/broken-page",
                       lambda: error_page(500, "Internal Server Error"))
        self.listed("server_error", f"http://{site.host}/features/broken-page", TARGET_SHOP,
                    ExpectedFacts(outcome="server_error", status=500,
                                  final_url=f"http://{site.host}/features/broken-page"),
                    self._listing(site.host, "/features/broken-page", "Acme", "authority"))
        self.link_article(
            "noindex_meta", site, "/tag/trail-running", target=TARGET_HOME, anchor="Acme",
            head='<meta name="robots" content="noindex, follow">', profile="authority",
            expected=lambda u, link: replace(_live(u, link), outcome="noindex", noindex=True),
        )

    def forum(self) -> None:
        site = self.reg.add_site(Site(
            host="runnersforum.example", name="Runners Forum", theme="forum",
            tagline="Ask, share, run", nav=(("/", "Home"), ("/threads/", "Threads")),
            footer=(("/rules", "Forum rules"),), sidebar_title="Hot threads",
            sidebar=(("/threads/shoe-advice", "Shoe advice"),),
        ))
        path = "/threads/first-ultra-advice"
        rng = self.rng(site.host, path)
        anchor = "http://acme.example/"
        left = "I bought my vest from"
        right = "and it survived two seasons."
        comment = (
            '<section id="comments" class="comments"><h2>3 comments</h2>'
            + "".join(f'<div class="comment"><b>{escape(n)}</b>'
                      f'{paras([text.sentence(rng, "trail")])}</div>'
                      for n in ("fellrunner82", "katie_k"))
            + f'<div class="comment"><b>mountaingoat</b><p>{escape(left)} '
            f'{a(TARGET_HOME, anchor, rel="ugc nofollow")} {escape(right)}</p></div></section>'
        )
        title = text.title(rng, "trail")
        main_html = article(title, "Posted by trailnewbie",
                            paras(text.paragraphs(rng, "trail", 3)), comment)
        self.static(site.host, path, page(site, title=title, main=main_html))
        url = f"http://{site.host}{path}"
        link = ExpectedLink(href=TARGET_HOME, url=TARGET_HOME, match="exact", anchor_text=anchor,
                            rel=("ugc", "nofollow"), follow=False, follow_cause="rel",
                            placement="comments")
        self.listed("ugc_comment", url, TARGET_HOME, _live(url, link),
                    Listing(title, anchor, left, right, rel=("ugc", "nofollow"),
                            profile="forum", platform="message-boards", in_content=False))
        self.link_article(
            "noindex_header", site, "/print/trail-shoe-thread", target=TARGET_SHOP,
            anchor="Acme shoes", headers=(("X-Robots-Tag", "noindex"),), profile="forum",
            expected=lambda u, link: replace(_live(u, link), outcome="noindex", noindex=True),
        )
        self.link_article(
            "nofollow_header", site, "/threads/shoe-advice", target=TARGET_SHOES,
            anchor="Acme's shoe guide", headers=(("X-Robots-Tag", "nofollow"),),
            profile="forum",
            expected=lambda u, link: _live(u, replace(link, follow=False,
                                                      follow_cause="x_robots_tag"),
                                           nofollow=True),
        )

    def runreviews(self) -> None:
        site = self.reg.add_site(Site(
            host="runreviews.example", name="Run Reviews", theme="blog",
            tagline="Honest shoe reviews", nav=(("/", "Home"), ("/reviews/", "Reviews")),
            footer=(("/about", "About"),), sidebar_title="Top rated",
            sidebar=(("/reviews/budget-trail-shoes", "Budget trail shoes"),),
        ))
        self.link_article("nofollow", site, "/reviews/budget-trail-shoes", target=TARGET_SHOP,
                          anchor="Acme trail shoes", rel="nofollow")
        path = "/reviews/discontinued-model"
        self.reg.route(site.host, path, lambda: error_page(410, "Gone"))
        self.listed("gone", f"http://{site.host}{path}", TARGET_SHOP,
                    ExpectedFacts(outcome="page_gone", status=410,
                                  final_url=f"http://{site.host}{path}"),
                    self._listing(site.host, path, "Acme Trail Co."))
        path = "/reviews/acme-sale"
        self.reg.route(site.host, path, lambda: redirect(f"http://{site.host}/", 302))
        self.listed("redirected_away_302", f"http://{site.host}{path}", TARGET_PRICING,
                    ExpectedFacts(outcome="redirected_away", status=200,
                                  final_url=f"http://{site.host}/",
                                  redirects=(ExpectedHop(f"http://{site.host}{path}", 302),)),
                    self._listing(site.host, path, "Acme sale"))

    def js_injected(self) -> None:
        host, path = "spa-news.example", "/article/42"
        self.reg.hosts[host] = HostSpec(host, "referring")
        rng = self.rng(host, path)
        title = text.title(rng, "trail")
        body = text.paragraphs(rng, "trail", 4)
        left, right = text.sentence(rng, "trail"), text.sentence(rng, "trail")
        anchor = "Acme hydration vests"
        data = json.dumps({"title": title, "paras": body, "left": left, "right": right,
                           "anchor": anchor, "path": "/blog/hydration-vest-guide"})
        script = (
            "document.addEventListener('DOMContentLoaded', function () {\n"
            f"  var d = {data.replace('</', '<' + chr(92) + '/')};\n"
            "  var host = ['acme', 'example'].join('.');\n"
            "  var main = document.createElement('main');\n"
            "  var art = document.createElement('article');\n"
            "  var h1 = document.createElement('h1'); h1.textContent = d.title;\n"
            "  art.appendChild(h1);\n"
            "  d.paras.forEach(function (t, i) {\n"
            "    var p = document.createElement('p'); p.textContent = t; art.appendChild(p);\n"
            "    if (i === 1) {\n"
            "      var q = document.createElement('p');\n"
            "      q.appendChild(document.createTextNode(d.left + ' '));\n"
            "      var link = document.createElement('a');\n"
            "      link.href = 'http://' + host + d.path; link.textContent = d.anchor;\n"
            "      q.appendChild(link); q.appendChild(document.createTextNode(' ' + d.right));\n"
            "      art.appendChild(q);\n"
            "    }\n"
            "  });\n"
            "  main.appendChild(art);\n"
            "  document.getElementById('root').appendChild(main);\n"
            "});\n"
        )
        shell = document(title=title, body=(
            '<div id="root"></div><noscript>You need to enable JavaScript to run this app.'
            f"</noscript><script>{script}</script>"))
        self.static(host, path, shell)
        url = f"http://{host}{path}"
        link = ExpectedLink(href=TARGET_VESTS, url=TARGET_VESTS, match="exact",
                            anchor_text=anchor, js_only=True)
        self.listed("js_injected", url, TARGET_VESTS, _live(url, link),
                    Listing(title, anchor, left, right, rendered_only=True, platform="unknown"))
        self.reg.sites[host] = Site(host=host, name="SPA News", theme="plain")

    def hidden(self) -> None:
        site = self.reg.add_site(Site(
            host="cheap-seo-tips.example", name="Cheap SEO Tips", theme="blog",
            nav=(("/", "Home"),), sidebar_title="Services",
            sidebar=(("/buy-links", "Buy links"),),
        ))
        anchor = "trail running gear"
        self.link_article_raw(
            "hidden_style", site, "/2026/ranking-secrets", TARGET_SHOP, anchor,
            f'<span style="display: none">{a(TARGET_SHOP, anchor)}</span>',
            hidden_reason="inline_style")
        self.link_article_raw(
            "hidden_attribute", site, "/2026/more-ranking-secrets", TARGET_SHOP, anchor,
            a(TARGET_SHOP, anchor, attrs="hidden"), hidden_reason="hidden_attribute")

    def link_article_raw(self, archetype: str, site: Site, path: str, target: str, anchor: str,
                         link_html: str, *, hidden_reason: Literal["inline_style",
                                                                   "hidden_attribute"]) -> None:
        body, title, left, right = self.article_page(site, path, "offtopic", link_html)
        self.static(site.host, path, body)
        url = f"http://{site.host}{path}"
        link = ExpectedLink(href=target, url=target, match="exact", anchor_text=anchor,
                            hidden=True, hidden_reason=hidden_reason)
        self.listed(archetype, url, target, _live(url, link),
                    Listing(title, anchor, left, right, profile="small"))

    def moving_blog(self) -> None:
        site = self.reg.add_site(Site(
            host="moving-blog.example", name="Moving Trails", theme="blog",
            nav=(("/", "Home"),), sidebar_title="Archive",
            sidebar=(("/new-post", "New post"),),
        ))
        old, new = "/old-post", "/new-post"
        self.static(site.host, old, document(
            title="Moved", head=f'<meta http-equiv="refresh" content="0; url=http://{site.host}{new}">',
            body=f'<p>This post has moved to <a href="{new}">a new address</a>.</p>'))
        self.link_article(
            "meta_refresh", site, new, target=TARGET_SHOES, anchor="choosing trail shoes",
            expected=lambda u, link: replace(_live(u, link), redirects=(
                ExpectedHop(f"http://{site.host}{old}", 200, "meta_refresh"),)),
        )
        self._relist_as(f"http://{site.host}{old}")
        old, new = "/legacy/trail-guide", "/trail-guide-2026"
        moved = Response(200, (("Content-Type", "text/html; charset=utf-8"),
                               ("Refresh", f"0; url=http://{site.host}{new}")),
                         b"<!DOCTYPE html><html><body><p>Redirecting...</p></body></html>")
        self.reg.route(site.host, old, lambda: moved)
        self.link_article(
            "refresh_header", site, new, target=TARGET_HOME, anchor="Acme Trail Co.",
            expected=lambda u, link: replace(_live(u, link), redirects=(
                ExpectedHop(f"http://{site.host}{old}", 200, "refresh_header"),)),
        )
        self._relist_as(f"http://{site.host}{old}")

    def redirecting_href(self) -> None:
        site = self.reg.add_site(Site(
            host="linkhub-blog.example", name="Linkhub Blog", theme="blog",
            nav=(("/", "Home"),), sidebar_title="Friends",
            sidebar=(("http://gearblog.example/", "The Gear Blog"),),
        ))
        path = "/posts/weekend-long-run"
        anchor = "my favourite trail brand"
        body, title, left, right = self.article_page(site, path, "trail", a(SHORT_URL, anchor))
        self.static(site.host, path, body)
        url = f"http://{site.host}{path}"
        link = ExpectedLink(href=SHORT_URL, url=SHORT_URL, match="redirect", anchor_text=anchor,
                            href_chain=(SHORT_URL, TARGET_HOME))
        self.listed("redirecting_href", url, TARGET_HOME, _live(url, link),
                    Listing(title, anchor, left, right))

    def canonical_elsewhere(self) -> None:
        site = self.reg.add_site(Site(
            host="syndicated-news.example", name="Syndicated News", theme="magazine",
            nav=(("/", "Home"),), sidebar_title="Partners",
            sidebar=(("http://www.trailnews.example/", "Trail News"),),
        ))
        original = "http://www.trailnews.example/2026/04/trail-shoe-trends"
        self.link_article(
            "canonical_elsewhere", site, "/copy/trail-shoe-trends", target=TARGET_SHOP,
            anchor="Acme trail shoes", head=f'<link rel="canonical" href="{original}">',
            expected=lambda u, link: replace(_live(u, link), outcome="canonicalised_away",
                                             canonical=original),
        )

    def robots_blocked(self) -> None:
        site = self.reg.add_site(Site(
            host="members-run.example", name="Members Run", theme="club", nav=(("/", "Home"),),
        ), robots_txt="User-agent: *\nDisallow: /members/\n")
        path = "/members/acme-discount"
        body, title, left, right = self.article_page(site, path, "outdoor",
                                                     a(TARGET_PRICING, "Acme discount"))
        self.static(site.host, path, body)
        self.listed("robots_blocked", f"http://{site.host}{path}", TARGET_PRICING,
                    ExpectedFacts(outcome="robots_blocked", status=None, final_url=None,
                                  content_type=None, robots_allowed=False),
                    Listing(title, "Acme discount", left, right, profile="club"))

    def slow(self) -> None:
        site = self.reg.add_site(Site(host="slow-trail-blog.example", name="Slow Trail Blog",
                                      theme="blog", nav=(("/", "Home"),)))
        self.link_article("slow", site, "/posts/slow-loading-review", target=TARGET_VESTS,
                          anchor="Acme vest review", delay=self.slow_delay)

    def huge(self) -> None:
        site = self.reg.add_site(Site(host="trail-archive.example", name="Trail Archive",
                                      theme="plain", nav=(("/", "Home"),)))
        path = "/archive/all-race-reports"
        anchor = "Acme Trail Co. race kit"
        rng = self.rng(site.host, path, "tail")
        left, right = text.sentence(rng, "trail"), text.sentence(rng, "trail")
        title = "Every race report, 1998–2026"
        cache: list[Response] = []

        def make() -> Response:
            if not cache:
                prng = self.rng(site.host, path)
                chunks: list[str] = []
                size = 0
                n = 0
                while size < 3_000_000:
                    n += 1
                    chunk = (f"<h2>Race report {n}</h2>"
                             + paras(text.paragraphs(prng, "trail", 4)))
                    chunks.append(chunk)
                    size += len(chunk)
                chunks.append(linked_para(left, a(TARGET_HOME, anchor), right))
                chunks.append(paras(text.paragraphs(prng, "trail", 1)))
                main_html = article(title, "The archive team", "".join(chunks))
                cache.append(html(page(site, title=title, main=main_html, with_aside=False)))
            return cache[0]

        self.reg.route(site.host, path, make)
        url = f"http://{site.host}{path}"
        link = ExpectedLink(href=TARGET_HOME, url=TARGET_HOME, match="exact", anchor_text=anchor)
        self.listed("huge", url, TARGET_HOME, _live(url, link),
                    Listing(title, anchor, left, right, profile="small"))

    def not_html(self) -> None:
        site = self.reg.add_site(Site(host="race-results.example", name="Race Results",
                                      theme="plain", nav=(("/", "Home"),)))
        path = "/files/sponsors-2026.pdf"
        pdf = _pdf("Sponsors 2026: Acme Trail Co. http://acme.example/")
        self.reg.route(site.host, path,
                       lambda: Response(200, (("Content-Type", "application/pdf"),), pdf))
        url = f"http://{site.host}{path}"
        self.listed("not_html", url, TARGET_HOME,
                    ExpectedFacts(outcome="not_html", status=200, final_url=url,
                                  content_type="application/pdf"),
                    Listing("sponsors-2026.pdf", "http://acme.example/", "Sponsors 2026:",
                            "", platform="unknown", profile="small"))

    def bad_encoding(self) -> None:
        site = self.reg.add_site(Site(
            host="coureurs-des-bois.example", name="Coureurs des Bois", theme="blog",
            tagline="Le trail en forêt", nav=(("/", "Accueil"),), lang="fr",
            sidebar_title="Amis", sidebar=(("http://hikingclub.example/", "Club de rando"),),
        ))
        path = "/blog/equipement-trail"
        anchor = "Équipement trail Acme : vestes & chaussures"
        left = "Pour les sorties longues, nous avons testé l'"
        right = "pendant tout l'été, sur des sentiers très techniques."
        body = [
            "Le trail en forêt demande des chaussures adaptées à la boue et aux racines.",
            "Après trois mois d'essais, voici nos conclusions sur le matériel à emporter.",
            "Les bâtons sont utiles dans les montées raides, moins dans les descentes.",
        ]
        title = "Notre matériel préféré pour le trail en forêt"
        main_html = article(title, "Par Élodie Ménard",
                            paras(body[:2]) + linked_para(left, a(TARGET_VESTS, anchor), right)
                            + paras(body[2:]))
        doc = page(site, title=title, main=main_html, charset_meta=False)
        self.static(site.host, path, doc, charset=None)
        url = f"http://{site.host}{path}"
        link = ExpectedLink(href=TARGET_VESTS, url=TARGET_VESTS, match="exact",
                            anchor_text=anchor)
        self.listed("bad_encoding", url, TARGET_VESTS,
                    _live(url, link, charset_declared=False),
                    Listing(f"{title} | {site.name}", anchor, left, right, language="fr",
                            page_category="Sports/Running"))

    def placements(self) -> None:
        partners = self.reg.add_site(Site(
            host="trail-partners.example", name="Trail Partners", theme="blog",
            nav=(("/", "Home"),), sidebar_title="Links",
            sidebar=(("http://ultra-events.example/", "Ultra Events"),),
        ))
        path = "/partners"
        alt = "Acme Trail Co. logo"
        img = f'<a href="{TARGET_HOME}"><img src="{PIXEL}" alt="{alt}" width="120" height="40"></a>'
        body, title, left, right = self.article_page(partners, path, "outdoor", img)
        self.static(partners.host, path, body)
        url = f"http://{partners.host}{path}"
        self.listed("image_link", url, TARGET_HOME, _live(url, ExpectedLink(
            href=TARGET_HOME, url=TARGET_HOME, match="exact", anchor_text=alt,
            anchor_kind="image", image_alt=alt)),
            Listing(title, alt, left, right, link_type="image"))

        events = self.reg.add_site(Site(
            host="ultra-events.example", name="Ultra Events", theme="magazine",
            nav=(("/", "Home"), ("/race-info", "Race info"), ("/results", "Results")),
            footer=(("/contact", "Contact"),), sidebar_title="Races",
            sidebar=(("/race-info", "Race info"),),
        ))
        chrome: tuple[tuple[str, str, str, str, Placement], ...] = (
            ("nav_link", "/race-info", "Official gear: Acme", "nav_extra", "navigation"),
            ("header_link", "/results", "Presented by Acme", "header_extra", "header"),
        )
        for archetype, path, anchor, kw, placement in chrome:
            rng = self.rng(events.host, path)
            title = text.title(rng, "outdoor")
            snippet = a(TARGET_HOME, anchor)
            frag = f"<li>{snippet}</li>" if kw == "nav_extra" else (
                f'<span class="presenting">{snippet}</span>')
            main_html = article(title, "Race office", paras(text.paragraphs(rng, "outdoor", 4)))
            self.static(events.host, path, page(events, title=title, main=main_html,
                                                **{kw: frag}))  # type: ignore[arg-type]
            url = f"http://{events.host}{path}"
            self.listed(archetype, url, TARGET_HOME, _live(url, ExpectedLink(
                href=TARGET_HOME, url=TARGET_HOME, match="exact", anchor_text=anchor,
                placement=placement)), Listing(f"{title} | {events.name}", anchor, "", "",
                                               profile="small", in_content=False))

        mama = self.reg.add_site(Site(
            host="trail-mama-blog.example", name="Trail Mama", theme="blog",
            nav=(("/", "Home"),), sidebar_title="Blogroll",
            sidebar=(("http://gearblog.example/", "The Gear Blog"),),
        ))
        path = "/2026/03/first-trail-race"
        anchor = "Acme Trail Co."
        widget = (f'<section class="widget sponsors"><h3>My sponsors</h3>'
                  f"<p>{a(TARGET_HOME, anchor)}</p></section>")
        rng = self.rng(mama.host, path)
        title = text.title(rng, "trail")
        main_html = article(title, "Trail Mama", paras(text.paragraphs(rng, "trail", 5)))
        self.static(mama.host, path, page(mama, title=title, main=main_html,
                                          aside_extra=widget))
        url = f"http://{mama.host}{path}"
        self.listed("sidebar_link", url, TARGET_HOME, _live(url, ExpectedLink(
            href=TARGET_HOME, url=TARGET_HOME, match="exact", anchor_text=anchor,
            placement="sidebar")), Listing(f"{title} | {mama.name}", anchor, "", "",
                                           in_content=False))

    def base_href(self) -> None:
        host = "old-school-runner.example"
        self.reg.hosts[host] = HostSpec(host, "referring")
        path = "/articles/gear.html"
        rng = self.rng(host, path)
        title = text.title(rng, "trail")
        body = text.paragraphs(rng, "trail", 4)
        left, right = text.sentence(rng, "trail"), text.sentence(rng, "trail")
        anchor = "see their prices"
        nav = (f'<div class="nav"><a href="http://{host}/">Home</a> '
               f'<a href="http://{host}/articles/">Articles</a></div>')
        doc = document(
            title=title, head='<base href="http://acme.example/">',
            body=nav + "<main>" + article(
                title, "The old-school runner",
                paras(body[:2]) + linked_para(left, a("pricing", anchor), right)
                + paras(body[2:])) + "</main>")
        self.static(host, path, doc)
        self.reg.sites[host] = Site(host=host, name="Old School Runner", theme="plain",
                                    nav=((f"http://{host}/articles/gear.html", "Gear"),))
        url = f"http://{host}{path}"
        self.listed("base_href", url, TARGET_PRICING, _live(url, ExpectedLink(
            href="pricing", url=TARGET_PRICING, match="exact", anchor_text=anchor)),
            Listing(title, anchor, left, right, profile="small"))


def _pdf(line: str) -> bytes:
    """A one-page PDF showing ``line`` (valid xref offsets, no compression)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)


def build_named(seed: int, slow_delay: float) -> Registry:
    """The named web (target, services, every archetype) for ``seed``."""
    return _Builder(seed, slow_delay).build()
