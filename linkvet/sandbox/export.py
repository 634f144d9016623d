"""The target's backlinks as a third-party index lists them: an Ahrefs "backlinks" export
(current UTF-8, comma-separated variant, RFC 4180 quoting, no BOM).

One row per (referring page, target link) as the index last saw it: HTTP 200, link present,
``Lost status`` empty, even where the page now 404s, redirects away or lost the link. That gap
is what linkvet exists to find. Metrics (DR, UR, traffic, counts) are plausible values
derived from the seed and the page's profile (authority site, blog, farm, network...), and
dates count back from ``as_of`` (fixed by default, so the file is byte-stable).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from linkvet.sandbox.facts import ReferringPage
from linkvet.sandbox.web import SandboxWeb
from linkvet.urls import host_of

AHREFS_COLUMNS: tuple[str, ...] = (
    "Referring page title", "Referring page URL", "Language", "Platform",
    "Referring page HTTP code", "Domain rating", "UR", "Domain traffic", "Referring domains",
    "Linked domains", "External links", "Page traffic", "Keywords", "Target URL",
    "Left context", "Anchor", "Right context", "Redirect Chain URLs",
    "Redirect Chain status codes", "Type", "Is spam", "Content", "Nofollow", "UGC",
    "Sponsored", "Rendered", "Raw", "Lost status", "Drop reason", "Discovered status",
    "First seen", "Last seen", "Lost", "Author", "Page type", "Page category",
    "Links in group",
)

DEFAULT_AS_OF = datetime(2026, 9, 1, 6, 0, 0)
_DATE = "%Y-%m-%d %H:%M:%S"

# profile -> (DR range, domain traffic range, linked domains range, external links range)
_PROFILES: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int],
                           tuple[int, int]]] = {
    "authority": ((62, 84), (80_000, 900_000), (900, 6_000), (3, 12)),
    "blog": ((18, 46), (300, 12_000), (40, 400), (2, 9)),
    "forum": ((30, 55), (2_000, 40_000), (300, 2_500), (1, 6)),
    "club": ((8, 28), (50, 2_000), (10, 90), (1, 5)),
    "directory": ((9, 24), (10, 600), (5_000, 40_000), (95, 110)),
    "farm": ((0, 6), (0, 20), (20_000, 90_000), (390, 420)),
    "network": ((12, 27), (0, 150), (150, 700), (4, 8)),
    "small": ((3, 20), (0, 900), (5, 120), (1, 6)),
    "filler": ((1, 70), (0, 30_000), (10, 900), (1, 9)),
}
_AUTHORS = ("", "", "Maya Lindqvist", "Tom Okafor", "Ines Duarte", "admin")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def ahrefs_row(page: ReferringPage, seed: int = 0, as_of: datetime = DEFAULT_AS_OF) -> list[str]:
    """The export row for one referring page (values in :data:`AHREFS_COLUMNS` order)."""
    listing = page.listing
    host = host_of(page.url)
    hrng = random.Random(f"{seed}:ahrefs-host:{host}")
    prng = random.Random(f"{seed}:ahrefs-page:{page.url}")
    dr_range, traffic_range, linked_range, external_range = _PROFILES.get(
        listing.profile, _PROFILES["blog"])
    dr = hrng.randint(*dr_range)
    domain_traffic = hrng.randint(*traffic_range)
    linked = hrng.randint(*linked_range)
    ur = round(min(dr, 60) * prng.uniform(0.15, 0.6) + prng.uniform(0, 4), 1)
    page_traffic = int(domain_traffic * prng.uniform(0, 0.02))
    last_seen = as_of - timedelta(days=prng.randint(1, 30), seconds=prng.randint(0, 86_399))
    first_seen = last_seen - timedelta(days=prng.randint(20, 900), seconds=prng.randint(0, 86_399))
    chain_urls = chain_codes = ""
    for link in page.expected.links:
        if link.href_chain:
            chain_urls = ", ".join(link.href_chain)
            chain_codes = ", ".join(["301"] * (len(link.href_chain) - 1))
    rel = set(listing.rel)
    return [
        listing.title,
        page.url,
        listing.language,
        listing.platform,
        "200",
        str(dr),
        f"{ur:g}",
        str(domain_traffic),
        str(prng.randint(0, 3 + dr)),
        str(linked),
        str(prng.randint(*external_range)),
        str(page_traffic),
        str(prng.randint(0, 40) if page_traffic else 0),
        page.target,
        listing.left_context,
        listing.anchor,
        listing.right_context,
        chain_urls,
        chain_codes,
        listing.link_type,
        _flag(listing.profile == "farm"),
        _flag(listing.in_content),
        _flag("nofollow" in rel),
        _flag("ugc" in rel),
        _flag("sponsored" in rel),
        _flag(listing.rendered_only),
        _flag(not listing.rendered_only),
        "",
        "",
        "",
        first_seen.strftime(_DATE),
        last_seen.strftime(_DATE),
        "",
        _AUTHORS[prng.randrange(len(_AUTHORS))],
        "article" if listing.profile not in ("directory", "farm") else "list",
        listing.page_category,
        str(listing.links_in_group),
    ]


def iter_ahrefs_rows(web: SandboxWeb, as_of: datetime = DEFAULT_AS_OF) -> Iterator[list[str]]:
    """Every export row, in listing order, lazily (without the header)."""
    for page in web.referring_pages():
        yield ahrefs_row(page, web.seed, as_of)


def write_ahrefs_csv(web: SandboxWeb, out: TextIO, as_of: datetime = DEFAULT_AS_OF) -> int:
    """Write header and rows to an open text stream (opened with ``newline=""``); returns the
    number of rows."""
    writer = csv.writer(out)
    writer.writerow(AHREFS_COLUMNS)
    count = 0
    for row in iter_ahrefs_rows(web, as_of):
        writer.writerow(row)
        count += 1
    return count


def write_ahrefs_export(web: SandboxWeb, path: Path, as_of: datetime = DEFAULT_AS_OF) -> int:
    """Write the export to ``path`` (UTF-8, streamed); returns the number of rows."""
    with path.open("w", encoding="utf-8", newline="") as out:
        return write_ahrefs_csv(web, out, as_of)
