"""Filler sites for scale: ``hosts`` x ``pages`` plain article pages, each linking to the
target once in its body text (live, followed, exact match).

Nothing is stored: a host name encodes its index (``<word><word>-<i>.example``) and a page path
its number and slug (``/articles/<j>-<slug>``); every page, listing and export row is
regenerated from (seed, host index, page number) when asked.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from linkvet.sandbox import text
from linkvet.sandbox.archetypes import (
    TARGET_HOME,
    TARGET_PRICING,
    TARGET_SHOES,
    TARGET_SHOP,
    TARGET_VESTS,
)
from linkvet.sandbox.facts import ExpectedFacts, ExpectedLink, Listing, ReferringPage
from linkvet.sandbox.html import Site, a, article, linked_para, links_list, page, paras
from linkvet.sandbox.response import Response, html

_FIRST = ("alpine", "summit", "ridge", "valley", "forest", "canyon", "coastal", "moor",
          "granite", "cedar", "pine", "river", "meadow", "highland", "desert", "glacier")
_SECOND = ("runner", "trails", "stride", "miles", "pacer", "journal", "notes", "gear",
           "tracks", "paths", "legs", "feet", "log", "diary", "review", "outdoors")
_THEMES = ("blog", "magazine", "plain", "club")
_LINKS: tuple[tuple[str, str], ...] = (
    (TARGET_HOME, "Acme"),
    (TARGET_HOME, "Acme Trail Co."),
    (TARGET_HOME, "acme.example"),
    (TARGET_SHOP, "trail running shoes"),
    (TARGET_SHOP, "Acme trail shoes"),
    (TARGET_VESTS, "this hydration vest guide"),
    (TARGET_SHOES, "how to pick trail shoes"),
    (TARGET_PRICING, "here"),
)
_SUFFIX = ".example"


@dataclass(frozen=True)
class _Parts:
    title: str
    target: str
    anchor: str
    left: str
    right: str


class Filler:
    """The filler part of one web: ``hosts`` sites with ``pages`` articles each."""

    def __init__(self, seed: int, hosts: int, pages: int) -> None:
        self.seed = seed
        self.hosts = hosts
        self.pages = pages

    def __len__(self) -> int:
        return self.hosts * self.pages

    @staticmethod
    def host_name(index: int) -> str:
        first = _FIRST[index % len(_FIRST)]
        second = _SECOND[(index // len(_FIRST)) % len(_SECOND)]
        return f"{first}{second}-{index}{_SUFFIX}"

    def host_index(self, host: str) -> int | None:
        """The index of a filler host name, or ``None`` when ``host`` is not one."""
        if not host.endswith(_SUFFIX):
            return None
        _, dash, number = host[: -len(_SUFFIX)].rpartition("-")
        if not dash or not number.isdigit() or (len(number) > 1 and number[0] == "0"):
            return None
        index = int(number)
        if index >= self.hosts or self.host_name(index) != host:
            return None
        return index

    def host_names(self) -> Iterator[str]:
        return (self.host_name(i) for i in range(self.hosts))

    def _parts(self, index: int, number: int) -> _Parts:
        rng = random.Random(f"{self.seed}:filler:{index}:{number}:head")
        title = text.title(rng, "trail")
        target, anchor = _LINKS[rng.randrange(len(_LINKS))]
        return _Parts(title, target, anchor, text.sentence(rng, "trail"),
                      text.sentence(rng, "trail"))

    def path(self, number: int, title: str) -> str:
        return f"/articles/{number}-{text.slug(title, 6)}"

    def _site(self, index: int) -> Site:
        host = self.host_name(index)
        name = host[: -len(_SUFFIX)].rsplit("-", 1)[0].capitalize()
        return Site(
            host=host, name=f"{name} {index}", theme=_THEMES[index % len(_THEMES)],
            nav=(("/", "Home"), ("/about", "About")),
            footer=(("/about", "About"), ("/contact", "Contact")),
            sidebar_title="Friends",
            sidebar=((f"http://{self.host_name((index + 1) % self.hosts)}/", "A friend's blog"),),
        )

    def respond(self, host: str, path: str) -> Response | None:
        """The page at ``path`` on filler ``host``; ``None`` when there is none."""
        index = self.host_index(host)
        if index is None:
            return None
        site = self._site(index)
        if path == "/":
            items = []
            for number in range(min(self.pages, 50)):
                title = self._parts(index, number).title
                items.append((self.path(number, title), title))
            return html(page(site, title=site.name, main=(
                f"<h1>{site.name}</h1>" + links_list(items, "latest"))))
        if not path.startswith("/articles/"):
            return None
        head, _, _ = path[len("/articles/"):].partition("-")
        if not head.isdigit() or int(head) >= self.pages:
            return None
        number = int(head)
        parts = self._parts(index, number)
        if self.path(number, parts.title) != path:
            return None
        rng = random.Random(f"{self.seed}:filler:{index}:{number}:body")
        body = text.paragraphs(rng, "trail", rng.randint(4, 7))
        at = rng.randint(1, 3)
        main_html = article(
            parts.title, "Staff writer",
            paras(body[:at]) + linked_para(parts.left, a(parts.target, parts.anchor), parts.right)
            + paras(body[at:]))
        return html(page(site, title=parts.title, main=main_html))

    def host_pages(self, index: int) -> Iterator[ReferringPage]:
        host = self.host_name(index)
        site_name = self._site(index).name
        for number in range(self.pages):
            parts = self._parts(index, number)
            url = f"http://{host}{self.path(number, parts.title)}"
            link = ExpectedLink(href=parts.target, url=parts.target, match="exact",
                                anchor_text=parts.anchor)
            yield ReferringPage(
                "filler", url, parts.target,
                ExpectedFacts(outcome="live", status=200, final_url=url, links=(link,)),
                Listing(f"{parts.title} | {site_name}", parts.anchor, parts.left,
                        parts.right, profile="filler"),
            )

    def referring_pages(self) -> Iterator[ReferringPage]:
        for index in range(self.hosts):
            yield from self.host_pages(index)
