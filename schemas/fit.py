"""A LinkCheck's serialised size, bounded: every check fits in one Kafka record.

A broker refuses a record larger than its ``message.max.bytes`` (1 MiB by default), and a page
decides how large its check is: a link farm listing the target 6,000 times, or one anchor of a
million words, gives a check of several MB. Refused, such a check was lost, and took the checks
that shared its batch with it. Both writers (the Kafka publisher and the landing files) pass
every check through :func:`fit`, so both modes store the same record.

A check that serialises to at most :data:`MAX_RECORD_BYTES` is left exactly as it is (the usual
case costs one length comparison). A larger one is shrunk, in this order, until it fits:

1. free text and URLs are cut to :data:`TEXT_CHARS` and :data:`URL_CHARS` (a cut string ends
   with ``…``; a DOM path keeps its end, nearest the link), and lists of robots directives
   and redirect hops to :data:`LIST_ITEMS` (rel tokens too, keeping every `nofollow`, `ugc`
   and `sponsored`);
2. occurrences are dropped from the end of the page, never the primary one (the occurrence that
   stands for the link, :func:`linkvet.occurrence.primary_index`); ``links_omitted`` counts
   them, so ``occurrences`` (listed plus omitted) stays the number found on the page;
3. ``page.outbound_hosts`` (distinct hosts, first seen first) is cut from the end;
   ``outbound_links`` and ``outbound_domains`` keep counting every link and site.

Identifiers, the source URL and the target are never changed. What is left after step 3 is one
occurrence and the page's own facts, each cut to its bound: tens of KB at most.
"""

from __future__ import annotations

from typing import Any

from linkvet.occurrence import primary_index
from schemas.records import FetchFacts, LinkCheck, LinkOccurrence, PageFacts, RedirectHop

# Below a broker's default message.max.bytes (1 MiB) with room for the record's key, headers
# and batch overhead.
MAX_RECORD_BYTES = 768 * 1024
TEXT_CHARS = 1_000
URL_CHARS = 8_192
LIST_ITEMS = 32
ELLIPSIS = "…"
_FOLLOW_TOKENS = frozenset({"nofollow", "ugc", "sponsored"})

_serialise = LinkCheck.__pydantic_serializer__.to_json


class RecordTooLargeError(ValueError):
    """Even shrunk to its identifiers and one occurrence, the check does not fit (its source
    URL or target alone is too long)."""


def fit(check: LinkCheck, limit: int = MAX_RECORD_BYTES) -> tuple[LinkCheck, bytes]:
    """``(check, value)``: ``value`` is ``model_dump_json()`` of ``check`` as UTF-8, at most
    ``limit`` bytes; ``check`` is the argument itself when it already fitted."""
    value = _serialise(check)
    if len(value) <= limit:
        return check, value
    capped = _capped(check)
    value = _serialise(capped)
    keep, hosts = len(capped.links), len(capped.page.outbound_hosts)
    shrunk = capped
    while len(value) > limit:
        # scale what is left by the share that fits, and always drop at least one item
        share = limit / len(value) * 0.9
        if keep > 1:
            keep = max(1, min(keep - 1, int(keep * share)))
        elif hosts > 0:
            hosts = max(0, min(hosts - 1, int(hosts * share)))
        else:
            raise RecordTooLargeError(
                f"check {check.check_id} is {len(value):,} bytes even with one occurrence and "
                f"no hosts listed; the limit is {limit:,} (its source URL is "
                f"{len(check.source_url):,} characters)")
        shrunk = _trimmed(capped, keep, hosts)
        value = _serialise(shrunk)
    return shrunk, value


def _trimmed(check: LinkCheck, keep: int, hosts: int) -> LinkCheck:
    """The first ``keep`` occurrences (the primary one always among them) and ``hosts``
    outbound hosts."""
    links = check.links
    if keep < len(links):
        primary = primary_index(links)
        assert primary is not None
        chosen = list(range(keep)) if primary < keep else [*range(keep - 1), primary]
        links = [links[i] for i in chosen]
    omitted = check.links_omitted + len(check.links) - len(links)
    page = check.page
    if hosts < len(page.outbound_hosts):
        page = page.model_copy(update={"outbound_hosts": page.outbound_hosts[:hosts]})
    return check.model_copy(update={"links": links, "links_omitted": omitted, "page": page})


def _capped(check: LinkCheck) -> LinkCheck:
    """Every free-text, URL and list field cut to its bound."""
    return check.model_copy(update={
        "fetch": _fetch(check.fetch),
        "page": _page(check.page),
        "links": [_occurrence(o) for o in check.links],
    })


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + ELLIPSIS


def _cut_opt(value: str | None, limit: int) -> str | None:
    return None if value is None else _cut(value, limit)


def _cut_list(values: list[str], limit: int) -> list[str]:
    return [_cut(v, limit) for v in values[:LIST_ITEMS]]


def _occurrence(o: LinkOccurrence) -> LinkOccurrence:
    path = o.dom_path
    if len(path) > TEXT_CHARS:
        path = ELLIPSIS + path[len(path) - TEXT_CHARS + 1:]
    update: dict[str, Any] = {
        "href": _cut(o.href, URL_CHARS),
        "url": _cut(o.url, URL_CHARS),
        "href_chain": _cut_list(o.href_chain, URL_CHARS),
        "anchor_text": _cut(o.anchor_text, TEXT_CHARS),
        "image_alt": _cut_opt(o.image_alt, TEXT_CHARS),
        "title": _cut_opt(o.title, TEXT_CHARS),
        "rel": _rel(o.rel),
        "dom_path": path,
        "text_before": _cut(o.text_before, TEXT_CHARS),
        "text_after": _cut(o.text_after, TEXT_CHARS),
    }
    return o.model_copy(update=update)


def _rel(tokens: list[str]) -> list[str]:
    """Distinct rel tokens, the first :data:`LIST_ITEMS` of them plus every one that decides
    whether the link is followed (``follow_cause`` was worked out from all of them)."""
    seen: set[str] = set()
    out: list[str] = []
    for token in tokens:
        if token not in seen and (len(out) < LIST_ITEMS or token in _FOLLOW_TOKENS):
            seen.add(token)
            out.append(_cut(token, TEXT_CHARS))
    return out


def _page(p: PageFacts) -> PageFacts:
    return p.model_copy(update={
        "title": _cut_opt(p.title, TEXT_CHARS),
        "language": _cut_opt(p.language, TEXT_CHARS),
        "canonical": _cut_opt(p.canonical, URL_CHARS),
        "meta_robots": _cut_list(p.meta_robots, TEXT_CHARS),
        "x_robots_tag": _cut_list(p.x_robots_tag, TEXT_CHARS),
        "outbound_hosts": [_cut(h, TEXT_CHARS) for h in p.outbound_hosts],
    })


def _fetch(f: FetchFacts) -> FetchFacts:
    hops = [RedirectHop(url=_cut(h.url, URL_CHARS), status=h.status, kind=h.kind)
            for h in f.redirects[:LIST_ITEMS]]
    return f.model_copy(update={
        "final_url": _cut_opt(f.final_url, URL_CHARS),
        "redirects": hops,
        "content_type": _cut_opt(f.content_type, TEXT_CHARS),
        "render_reason": _cut_opt(f.render_reason, TEXT_CHARS),
        "error": _cut_opt(f.error, TEXT_CHARS),
    })
