"""Which column of an export holds which field: known header variants per tool, matched by
name (spaces trimmed, case ignored), never by position.

A field is one of :data:`FIELDS` or a metric name (``dr``, ``trust_flow``...). A user mapping
(``--map field=Column``) wins over the known variants; a mapped name that is not a field is
read as a numeric metric of that name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from linkvet.errors import InputError

Tool = Literal["ahrefs", "semrush", "majestic", "moz", "gsc", "bing", "csv"]
TOOLS: tuple[str, ...] = Tool.__args__  # type: ignore[attr-defined]

FIELDS: tuple[str, ...] = (
    "source_url",   # the linking page
    "site",         # a linking site, for domain-level tables (GSC "Top linking sites")
    "target_url",   # the linked page on the target site
    "anchor",
    "first_seen",
    "last_seen",
    "nofollow",     # true when the link is nofollow
    "follow",       # true when the link is followed (Moz "Only follow")
    "nofollow_flag",  # Majestic's FlagNoFollow: non-empty means nofollow
    "title",
)

# field -> header variants, per tool. Metrics are listed with their linkvet name.
_AHREFS: dict[str, tuple[str, ...]] = {
    "source_url": ("Referring page URL", "Referring Page URL"),
    "target_url": ("Target URL", "Link URL"),
    "anchor": ("Anchor", "Link Anchor"),
    "first_seen": ("First seen",),
    "last_seen": ("Last seen", "Last check", "Last visited"),
    "nofollow": ("Nofollow",),
    "title": ("Referring page title",),
    "dr": ("Domain rating", "DR"),
    "ur": ("UR", "URL Rating"),
    "domain_traffic": ("Domain traffic",),
    "page_traffic": ("Page traffic",),
    "referring_domains": ("Referring domains",),
    "linked_domains": ("Linked domains",),
    "external_links": ("External links",),
    "keywords": ("Keywords",),
}
_SEMRUSH: dict[str, tuple[str, ...]] = {
    "source_url": ("Source url",),
    "target_url": ("Target url",),
    "anchor": ("Anchor",),
    "first_seen": ("First seen",),
    "last_seen": ("Last seen",),
    "nofollow": ("Nofollow",),
    "title": ("Source title",),
    "page_ascore": ("Page ascore",),
    "page_score": ("Page score",),
    "page_trust_score": ("Page trust score",),
    "external_links": ("External links",),
    "internal_links": ("Internal links",),
    "toxicity_score": ("Toxicity Score",),
}
_MAJESTIC: dict[str, tuple[str, ...]] = {
    "source_url": ("Source URL",),
    "target_url": ("Target URL",),
    "anchor": ("Anchor Text",),
    "first_seen": ("Source First Found Date", "FirstIndexedDate"),
    "last_seen": ("Source Crawl Date", "LastSeenDate"),
    "nofollow_flag": ("FlagNoFollow",),
    "citation_flow": ("SourceCitationFlow",),
    "trust_flow": ("SourceTrustFlow",),
    "target_citation_flow": ("TargetCitationFlow",),
    "target_trust_flow": ("TargetTrustFlow",),
}
_MOZ: dict[str, tuple[str, ...]] = {
    "source_url": ("URL", "Source URL"),
    "target_url": ("Target URL",),
    "anchor": ("Anchor Text",),
    "first_seen": ("First Seen",),
    "last_seen": ("Last Seen",),
    "nofollow": ("Only rel=nofollow",),
    "follow": ("Only follow",),
    "title": ("Title",),
    "spam_score": ("Spam Score",),
    "pa": ("Page Authority",),
    "da": ("Domain Authority",),
}
_GSC: dict[str, tuple[str, ...]] = {
    "source_url": ("Linking page",),
    "site": ("Site", "Linking site"),
    "last_seen": ("Last crawled",),
    "linking_pages": ("Linking pages",),
    "target_pages": ("Target pages",),
}
_BING: dict[str, tuple[str, ...]] = {
    "source_url": ("Source Url",),
    "target_url": ("Target Url",),
    "anchor": ("Anchor text",),
}
_GENERIC: dict[str, tuple[str, ...]] = {
    "source_url": ("source", "source page", "linking url", "referring url", "from", "from url",
                   "backlink", "backlink url"),
    "target_url": ("target", "to", "to url", "linked url", "destination"),
    "anchor": ("anchor text",),
}

# Google Search Console's "Top linked pages" table lists targets, not linking pages.
_NOT_BACKLINKS: dict[str, str] = {
    "target page": "this is GSC's 'Top linked pages' table, which lists your pages and not the "
                   "pages linking to them; export 'Latest links' or 'Top linking sites' instead",
}


def _merge(*tables: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    merged: dict[str, tuple[str, ...]] = {}
    for table in tables:
        for name, variants in table.items():
            merged[name] = merged.get(name, ()) + tuple(v for v in variants
                                                      if v not in merged.get(name, ()))
    return merged


KNOWN_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "ahrefs": _AHREFS,
    "semrush": _SEMRUSH,
    "majestic": _MAJESTIC,
    "moz": _MOZ,
    "gsc": _GSC,
    "bing": _BING,
    # a plain CSV (own outreach records...) accepts every tool's names and a few generic ones
    "csv": _merge(_GENERIC, _AHREFS, _SEMRUSH, _MAJESTIC, _BING, _MOZ, _GSC),
}

_SPACES = re.compile(r"\s+")
_METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def header_key(name: str) -> str:
    """The comparison key of a header: BOM and surrounding spaces dropped, inner runs of spaces
    collapsed, case ignored."""
    return _SPACES.sub(" ", name.replace("\ufeff", "").strip()).lower()


@dataclass(frozen=True)
class ColumnPlan:
    """Where each field of one export lives: field name -> column index."""

    fields: dict[str, int]
    metrics: dict[str, int]
    header: tuple[str, ...]

    @property
    def domain_level(self) -> bool:
        """Rows name a linking site, not a linking page (GSC "Top linking sites")."""
        return "source_url" not in self.fields and "site" in self.fields


def plan_columns(header: Sequence[str], tool: str,
                 column_map: Mapping[str, str] | None = None) -> ColumnPlan | None:
    """The column plan for ``header``, or ``None`` when neither a linking page nor a linking
    site column can be found in it."""
    keys = [header_key(h) for h in header]
    index: dict[str, int] = {}
    for i, key in enumerate(keys):
        index.setdefault(key, i)
    found: dict[str, int] = {}
    for name, variants in KNOWN_COLUMNS[tool].items():
        for variant in variants:
            col = index.get(header_key(variant))
            if col is not None:
                found[name] = col
                break
    for name, column in (column_map or {}).items():
        col = index.get(header_key(column))
        if col is not None:
            found[name] = col
    if "source_url" not in found and "site" not in found:
        return None
    fields = {k: v for k, v in found.items() if k in FIELDS}
    metrics = {k: v for k, v in found.items() if k not in FIELDS}
    return ColumnPlan(fields=fields, metrics=metrics, header=tuple(header))


def check_column_map(column_map: Mapping[str, str] | None) -> None:
    """Reject a mapping whose field names are neither fields nor metric names."""
    for name, column in (column_map or {}).items():
        if name not in FIELDS and not _METRIC_NAME.match(name):
            raise InputError(
                f"--map {name}={column}: {name!r} is not a field. Fields are "
                f"{', '.join(FIELDS)}; any other lower_snake name is read as a numeric metric."
            )
        if not column.strip():
            raise InputError(f"--map {name}=: give the column header after '='.")


def not_backlinks_reason(header: Sequence[str]) -> str | None:
    """Why a recognised non-backlink table cannot be imported, else ``None``."""
    for key in (header_key(h) for h in header):
        if key in _NOT_BACKLINKS:
            return _NOT_BACKLINKS[key]
    return None


def missing_columns_error(path: str, tool: str, header: Sequence[str],
                          column_map: Mapping[str, str] | None) -> InputError:
    known = KNOWN_COLUMNS[tool]
    expected = " or ".join(repr(v) for v in known.get("source_url", ()) + known.get("site", ()))
    seen = ", ".join(repr(h.strip()) for h in header if h.strip()) or "(no header line found)"
    mapped = ""
    if column_map:
        mapped = " Mapped columns not found: " + ", ".join(
            f"{k}={v!r}" for k, v in column_map.items()
            if header_key(v) not in {header_key(h) for h in header}
        ) + "."
    return InputError(
        f"{path}: no linking-page column for a {tool} export (expected {expected}). "
        f"Headers seen: {seen}.{mapped} Name the columns yourself with "
        f"--map source_url=<column>[,target_url=<column>,anchor=<column>,...], "
        f"or check --from (the tool that made the file)."
    )
