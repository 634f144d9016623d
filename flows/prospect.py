"""Vetting outreach prospects: how would a link from this page score, before anyone asks for it?

One crawl (child process, :func:`flows.crawl.run_crawl`) fetches every candidate page and the
target's own pages, with the target given as the bare domain so a link that already exists is
found and reported. The checks go into a throwaway DuckDB file in a temporary folder, never the
user's store; each reachable candidate becomes a ``backlinks`` row for the target domain, and the
user's existing backlinks of that domain with their checks are copied in read-only (from the
published snapshot when there is one) so the network signals compare candidates with each other
and with the sites that already link. :func:`flows.judge.judge_all` then computes every signal
with its one definition; the link-level signals are replaced by a would-be link (see
:data:`WOULD_BE_LINK_SQL`) and the same score model scores it. Unreachable pages keep their
outcome and get no score. Rules: docs/scoring.md, "Prospects".
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from flows.crawl import run_crawl
from flows.db import connect
from flows.judge import JudgeConfig, compute_scores, judge_all
from flows.store import write_checks
from linkvet.errors import InputError
from linkvet.facts.decode import decode_html
from linkvet.facts.dom import parse_html
from linkvet.facts.page import header_values, visible_text
from linkvet.ids import link_id, request_id
from linkvet.judging.model import ScoreModel
from linkvet.judging.relevance import document_frequencies, relevance, tokens
from linkvet.judging.spam import poison_words_in
from linkvet.occurrence import primary_index
from linkvet.settings import Settings
from linkvet.urls import domain_of, host_of, target_domain
from schemas.records import CrawlRequest, LinkCheck

log = logging.getLogger(__name__)

RUN_ID = "prospect"

# Outcomes of a page whose HTML was read: the page can be judged as a place for a link.
SCOREABLE_OUTCOMES: frozenset[str] = frozenset(
    {"live", "link_removed", "noindex", "canonicalised_away"})

# The would-be link: followed (unless the whole page is nofollow), in the main content,
# visible, in the static HTML, no rel, no anchor yet, no history, no third-party metrics.
# Page-level signals (words, outbound links and domains, TLD, network, sitewide, outcome) stay
# as judge_all computed them. Authority is unknown: the observed-graph PageRank of a handful of
# fetched pages says nothing about a site. The poison-word rule reads the page title, the only
# text a would-be anchor is known to sit under.
WOULD_BE_LINK_SQL = """
UPDATE link_signals AS s SET
    link_present = TRUE,
    follow = NOT p.page_nofollow,
    nofollow = p.page_nofollow,
    sponsored = FALSE, ugc = FALSE,
    placement = 'content', hidden = FALSE, js_only = FALSE, link_density = NULL,
    anchor = NULL, anchor_class = NULL, target_exact_share = NULL,
    poison_anchor = p.poison_title,
    status = NULL,
    imported_authority = NULL, pagerank = NULL, authority = NULL, third_party_toxicity = NULL,
    relevance = p.relevance
FROM _prospects AS p
WHERE s.link_id = p.link_id
"""


@dataclass(frozen=True)
class FetchedPage:
    """One fetched page: its check and, when HTML was read, its visible text."""

    url: str
    check: LinkCheck
    text: str | None


@dataclass(frozen=True)
class Reason:
    rule: str
    points: float
    text: str


@dataclass(frozen=True)
class Prospect:
    """The verdict on one candidate page. ``score``/``tier``/``toxic`` are ``None`` when the
    page could not be judged (``reachable`` false); ``existing_link`` describes a link to the
    target the page already has."""

    url: str
    outcome: str
    reachable: bool
    final_url: str | None = None
    error: str | None = None
    existing_link: dict[str, Any] | None = None
    score: float | None = None
    tier: str | None = None
    toxic: bool | None = None
    markers: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    signals: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url, "outcome": self.outcome, "reachable": self.reachable,
            "final_url": self.final_url, "error": self.error,
            "existing_link": self.existing_link, "score": self.score, "tier": self.tier,
            "toxic": self.toxic, "markers": list(self.markers),
            "reasons": [{"rule": r.rule, "points": r.points, "text": r.text}
                        for r in self.reasons],
            "signals": self.signals,
        }


@dataclass(frozen=True)
class ProspectReport:
    target: str
    model_version: str
    prospects: tuple[Prospect, ...]
    target_pages: tuple[str, ...]
    existing_store: str | None
    existing_links: int

    def json_lines(self) -> list[str]:
        return [json.dumps({"target": self.target, "model_version": self.model_version,
                            **p.as_json()}, default=str)
                for p in self.prospects]


# --------------------------------------------------------------------------------- fetch --

def checked_urls(urls: Sequence[str], option: str) -> list[str]:
    """``urls`` in order without repeats; each must be an absolute http(s) URL."""
    out: list[str] = []
    for url in urls:
        url = url.strip()
        if not url.lower().startswith(("http://", "https://")) or not host_of(url):
            raise InputError(f"{option} {url!r} is not an absolute http(s) URL; write it as "
                             "https://site.example/page")
        if url not in out:
            out.append(url)
    return out


def _page_text(body_dir: Path, check: LinkCheck) -> str | None:
    body = body_dir / f"{check.request_id}.body"
    if check.outcome not in SCOREABLE_OUTCOMES or not body.exists():
        return None
    meta = json.loads((body_dir / f"{check.request_id}.json").read_text("utf-8"))
    content_type = next(iter(header_values(meta["headers"], "content-type")), None)
    return visible_text(parse_html(decode_html(body.read_bytes(), content_type).text))


def fetch_pages(settings: Settings, urls: Sequence[str], domain: str, work: Path,
                *, timeout_s: float | None = None) -> dict[str, FetchedPage]:
    """Fetch ``urls`` in one crawl (target: the bare ``domain``); keyed by URL. Every URL gets
    a page: the spider yields one check per request whatever happens."""
    requested_at = datetime.now(UTC)
    requests: dict[str, CrawlRequest] = {}
    for url in urls:
        link = link_id(url, domain)
        requests[request_id(RUN_ID, link)] = CrawlRequest(
            request_id=request_id(RUN_ID, link), run_id=RUN_ID, link_id=link, source_url=url,
            target=domain, render=settings.render, requested_at=requested_at)
    work.mkdir(parents=True, exist_ok=True)
    requests_file = work / "requests.jsonl"
    requests_file.write_text("".join(cr.model_dump_json() + "\n" for cr in requests.values()),
                             encoding="utf-8")
    body_dir = work / "bodies"
    run_crawl(settings, requests=requests_file, landing=work / "landing", work_dir=work,
              timeout_s=timeout_s, scrapy_extra={"LINKVET_SAVE_BODY_DIR": str(body_dir)})
    checks = {
        check.request_id: check
        for f in sorted((work / "landing").glob("*.jsonl"))
        for line in f.read_bytes().splitlines() if line.strip()
        for check in [LinkCheck.model_validate_json(line)]
    }
    missing = [cr.source_url for rid, cr in requests.items() if rid not in checks]
    if missing:
        raise InputError(f"the crawl wrote no record for {', '.join(missing)}; see "
                         f"{work / 'crawl.log'}")
    return {cr.source_url: FetchedPage(cr.source_url, checks[rid],
                                       _page_text(body_dir, checks[rid]))
            for rid, cr in requests.items()}


# --------------------------------------------------------------------------------- judge --

def _copy_existing(con: duckdb.DuckDBPyConnection, store: Path, domain: str) -> int:
    """Copy the backlinks of ``domain`` and their checks from the user's store (opened
    read-only); returns the number of links copied."""
    src = connect(store, read_only=True, wait_s=5.0)
    try:
        links = src.execute("SELECT * FROM backlinks WHERE target_domain = $d",
                            {"d": domain}).fetch_arrow_table()
        checks = src.execute("""
            SELECT c.* FROM link_checks c
            WHERE c.link_id IN (SELECT link_id FROM backlinks WHERE target_domain = $d)""",
                             {"d": domain}).fetch_arrow_table()
    finally:
        src.close()
    for table, rows in (("backlinks", links), ("link_checks", checks)):
        own = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        cols = ", ".join(f'"{c}"' for c in own if c in rows.column_names)
        con.register("_existing", rows)
        try:
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _existing "
                        "ON CONFLICT DO NOTHING")
        finally:
            con.unregister("_existing")
    return int(links.num_rows)


def _relevance(candidates: Sequence[FetchedPage], target_pages: Sequence[FetchedPage],
               money_keywords: Sequence[str]) -> dict[str, float | None]:
    """Page-level relevance: the TF-IDF cosine of :mod:`linkvet.judging.relevance` between a
    candidate's title and visible text and the target's fetched pages (titles and text) plus
    the money keywords; ``None`` when nothing is known about the target."""
    target_doc = tokens(*(p.check.page.title for p in target_pages),
                        *(p.text for p in target_pages), " ".join(money_keywords))
    docs = [tokens(p.check.page.title, p.text) for p in candidates]
    df, n = document_frequencies(docs)
    return {p.url: relevance(doc, target_doc, df, n) if target_doc else None
            for p, doc in zip(candidates, docs, strict=True)}


def _existing_link(check: LinkCheck) -> dict[str, Any] | None:
    index = primary_index(check.links)
    if index is None:
        return None
    occ = check.links[index]
    return {"url": occ.url, "anchor": occ.anchor_text, "rel": occ.rel, "follow": occ.follow,
            "placement": occ.placement, "hidden": occ.hidden, "occurrences": check.occurrences}


def _unreachable(page: FetchedPage) -> Prospect:
    fetch = page.check.fetch
    error = fetch.error or (f"HTTP {fetch.status}" if fetch.status else None)
    return Prospect(page.url, page.check.outcome, False, final_url=fetch.final_url,
                    error=error)


def judge_prospects(
    pages: dict[str, FetchedPage], candidates: Sequence[str], target_pages: Sequence[str],
    domain: str, config: JudgeConfig, model: ScoreModel, work: Path,
    *, existing_store: Path | None = None, now: datetime | None = None,
) -> tuple[list[Prospect], int]:
    """Score each candidate as a would-be link to ``domain`` in a new DuckDB file under
    ``work``; returns the prospects (in ``candidates`` order) and how many existing links
    were copied from ``existing_store``."""
    now = now or datetime.now(UTC)
    scoreable = [pages[u] for u in candidates if pages[u].check.outcome in SCOREABLE_OUTCOMES]
    own = [pages[u] for u in target_pages if pages[u].text is not None]
    if target_pages and not own:
        log.warning("no page of %s could be read; relevance is unknown", domain)
    rel = _relevance(scoreable, own, config.money_keywords)
    con = connect(work / "prospects.duckdb")
    try:
        existing = _copy_existing(con, existing_store, domain) if existing_store else 0
        # a candidate that already is a known backlink is judged from the fresh check
        ids = [p.check.link_id for p in scoreable]
        con.execute("DELETE FROM backlinks WHERE list_contains($ids, link_id)", {"ids": ids})
        write_checks(con, work / "lake", [p.check for p in scoreable])
        if scoreable:  # DuckDB refuses executemany without rows
            con.executemany(
                "INSERT INTO backlinks (link_id, source_url, source_domain, target_url, "
                "target_domain, sources, imported_at) VALUES (?, ?, ?, ?, ?, ['prospect'], ?)",
                [(p.check.link_id, p.url, domain_of(p.url), domain, domain,
                  now.replace(tzinfo=None)) for p in scoreable])
        # the link-context relevance pass has nothing to read for would-be links
        judge_all(con, replace(config, relevance=False), model, now)
        con.register("_prospects", pa.table({
            "link_id": ids,
            "page_nofollow": [p.check.page.nofollow for p in scoreable],
            "poison_title": [bool(poison_words_in(p.check.page.title)) for p in scoreable],
            "relevance": pa.array([rel[p.url] for p in scoreable], pa.float64()),
        }))
        try:
            con.execute(WOULD_BE_LINK_SQL)
        finally:
            con.unregister("_prospects")
        compute_scores(con, model, now)
        rows = con.execute("""
            SELECT e.link_id, e.score, e.tier, e.toxic, e.markers, e.reasons,
                   to_json(g)::VARCHAR AS signals
            FROM link_scores_explained e JOIN link_signals g USING (link_id)
            WHERE list_contains($ids, e.link_id)""", {"ids": ids}).fetchall()
    finally:
        con.close()
    judged = {r[0]: r for r in rows}
    out: list[Prospect] = []
    for url in candidates:
        page = pages[url]
        if page.check.outcome not in SCOREABLE_OUTCOMES:
            out.append(_unreachable(page))
            continue
        _, score, tier, toxic, markers, reasons, signals = judged[page.check.link_id]
        out.append(Prospect(
            url, page.check.outcome, True, final_url=page.check.fetch.final_url,
            existing_link=_existing_link(page.check), score=float(score), tier=tier,
            toxic=bool(toxic), markers=tuple(markers),
            reasons=tuple(Reason(r["rule"], float(r["points"]), r["text"]) for r in reasons),
            signals=_signals(json.loads(signals))))
    return out, existing


# the signals a reader needs to see why, in the JSON output
SHOWN_SIGNALS = ("word_count", "outbound_links", "outbound_domains", "words_per_link",
                 "relevance", "spammy_tld", "poison_anchor", "same_ip_domains",
                 "same_subnet_domains", "near_duplicate_domains", "sitewide_pages", "reciprocal",
                 "nofollow", "server_ip")


def _signals(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in SHOWN_SIGNALS}


def existing_store_of(settings: Settings) -> Path | None:
    """The user's store to compare with: the published snapshot, else the store itself."""
    for path in (settings.snapshot_path, settings.duckdb_path):
        if path.exists():
            return path
    return None


def prospect(
    settings: Settings, urls: Sequence[str], target: str, config: JudgeConfig,
    model: ScoreModel, *, target_urls: Sequence[str] = (), existing_store: Path | None = None,
    timeout_s: float | None = None,
) -> ProspectReport:
    """Fetch and judge candidate pages for ``target`` (a domain or URL) in a temporary folder.
    ``target_urls`` are the target's pages to read its topic from (default: its home page)."""
    domain = target_domain(target)
    candidates = checked_urls(urls, "URL")
    if not candidates:
        raise InputError("give at least one candidate page URL")
    own = checked_urls(target_urls, "--target-url") or [f"http://{domain}/"]
    if any(domain_of(u) != domain for u in own):
        raise InputError(f"--target-url pages must be on {domain}")
    with tempfile.TemporaryDirectory(prefix="linkvet-prospect-") as tmp:
        work = Path(tmp)
        pages = fetch_pages(settings, [*candidates, *(u for u in own if u not in candidates)],
                            domain, work, timeout_s=timeout_s)
        prospects, existing = judge_prospects(pages, candidates, own, domain, config, model,
                                              work, existing_store=existing_store)
    return ProspectReport(domain, model.version, tuple(prospects), tuple(own),
                          str(existing_store) if existing_store else None, existing)
