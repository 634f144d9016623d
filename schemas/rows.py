"""LinkCheck records flattened to ``link_checks`` rows (one definition, used by every writer)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from linkvet.occurrence import primary_index
from schemas.records import LinkCheck

LINK_CHECK_COLUMNS: tuple[str, ...] = (
    "check_id",
    "request_id",
    "run_id",
    "link_id",
    "source_url",
    "target",
    "checked_at",
    "check_date",
    "outcome",
    "schema_version",
    "status",
    "final_url",
    "redirects",
    "elapsed_ms",
    "bytes",
    "content_type",
    "rendered",
    "render_reason",
    "robots_allowed",
    "error_kind",
    "error",
    "server_ip",
    "title",
    "language",
    "canonical",
    "canonical_is_self",
    "meta_robots",
    "x_robots_tag",
    "noindex",
    "page_nofollow",
    "word_count",
    "outbound_links",
    "outbound_domains",
    "internal_links",
    "text_fingerprint",
    "outbound_hosts",
    "link_present",
    "occurrences",
    "href",
    "link_url",
    "match_kind",
    "anchor_text",
    "anchor_kind",
    "rel",
    "follow",
    "follow_cause",
    "placement",
    "hidden",
    "hidden_reason",
    "js_only",
    "text_before",
    "text_after",
    "link_density",
    "links",
)


def check_row(check: LinkCheck) -> dict[str, Any]:
    """One ``link_checks`` row. The primary occurrence's facts are denormalised into columns;
    every occurrence listed in the check is kept as JSON in ``links`` (``occurrences`` also
    counts those the record's size bound left out, see schemas/fit.py)."""
    f, p = check.fetch, check.page
    idx = primary_index(check.links)
    occ = check.links[idx] if idx is not None else None
    return {
        "check_id": check.check_id,
        "request_id": check.request_id,
        "run_id": check.run_id,
        "link_id": check.link_id,
        "source_url": check.source_url,
        "target": check.target,
        "checked_at": check.checked_at,
        "check_date": check.checked_at.date(),
        "outcome": check.outcome,
        "schema_version": check.schema_version,
        "status": f.status,
        "final_url": f.final_url,
        "redirects": [h.model_dump() for h in f.redirects],
        "elapsed_ms": f.elapsed_ms,
        "bytes": f.bytes,
        "content_type": f.content_type,
        "rendered": f.rendered,
        "render_reason": f.render_reason,
        "robots_allowed": f.robots_allowed,
        "error_kind": f.error_kind,
        "error": f.error,
        "server_ip": f.server_ip,
        "title": p.title,
        "language": p.language,
        "canonical": p.canonical,
        "canonical_is_self": p.canonical_is_self,
        "meta_robots": list(p.meta_robots),
        "x_robots_tag": list(p.x_robots_tag),
        "noindex": p.noindex,
        "page_nofollow": p.nofollow,
        "word_count": p.word_count,
        "outbound_links": p.outbound_links,
        "outbound_domains": p.outbound_domains,
        "internal_links": p.internal_links,
        "text_fingerprint": p.text_fingerprint,
        "outbound_hosts": list(p.outbound_hosts),
        "link_present": occ is not None,
        "occurrences": check.occurrences,
        "href": occ.href if occ else None,
        "link_url": occ.url if occ else None,
        "match_kind": occ.match if occ else None,
        "anchor_text": occ.anchor_text if occ else None,
        "anchor_kind": occ.anchor_kind if occ else None,
        "rel": list(occ.rel) if occ else None,
        "follow": occ.follow if occ else None,
        "follow_cause": occ.follow_cause if occ else None,
        "placement": occ.placement if occ else None,
        "hidden": occ.hidden if occ else None,
        "hidden_reason": occ.hidden_reason if occ else None,
        "js_only": occ.js_only if occ else None,
        "text_before": occ.text_before if occ else None,
        "text_after": occ.text_after if occ else None,
        "link_density": occ.link_density if occ else None,
        "links": json.dumps([o.model_dump() for o in check.links], separators=(",", ":")),
    }


def check_rows(checks: Iterable[LinkCheck]) -> dict[str, list[Any]]:
    """Column-oriented rows (``{column: [values]}``), ready for ``pyarrow.table``."""
    cols: dict[str, list[Any]] = {c: [] for c in LINK_CHECK_COLUMNS}
    for check in checks:
        row = check_row(check)
        for c in LINK_CHECK_COLUMNS:
            cols[c].append(row[c])
    return cols
