"""Judging every stored link in DuckDB: state, then signals, then score.

Each step replaces its tables as a whole from ``backlinks`` and ``link_checks`` (idempotent;
re-running after a model change re-scores without recrawling). The rules are defined once in
``linkvet/judging``: this module renders them as SQL, or applies the Python functions to the
distinct values they need (anchors, hosts), never per row.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from prefect import flow, task

from flows.db import connect
from flows.sql import host_sql
from linkvet.judging.anchors import EXACT_MIN_LINKS, AnchorVocabulary, anchor_class
from linkvet.judging.graph import DAMPING, ITERATIONS, NEAR_DUPLICATE_BITS
from linkvet.judging.model import ScoreModel, load_model
from linkvet.judging.relevance import document_frequencies, relevance, tokens
from linkvet.judging.spam import SPAMMY_TLDS, poison_words_in
from linkvet.judging.state import LOSING_OUTCOMES, NEUTRAL_OUTCOMES
from linkvet.settings import load_settings
from linkvet.urls import TRACKING_PARAM_SQL, registrable_domain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JudgeConfig:
    """What judging needs from the settings (handed down as plain values)."""

    lost_after_checks: int = 2
    brand_terms: tuple[str, ...] = ()
    money_keywords: tuple[str, ...] = ()
    relevance: bool = True  # the TF-IDF pass runs in Python; benches switch it off


def _sql_list(values: Iterable[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _all(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


# ---------------------------------------------------------------------------------- state --

def state_sql(lost_after: int) -> str:
    """``link_state`` rows for every link in ``backlinks`` or ``link_checks`` (rules:
    :mod:`linkvet.judging.state`)."""
    losing = _sql_list(LOSING_OUTCOMES)
    return f"""
WITH live AS (
    SELECT link_id,
           max(checked_at) FILTER (WHERE outcome = 'live') AS last_live,
           count(*) AS checks, min(checked_at) AS first_checked,
           max(checked_at) AS last_checked, arg_max(outcome, checked_at) AS last_outcome
    FROM link_checks GROUP BY link_id
),
since AS (
    SELECT c.link_id,
           count(*) AS failures,
           count(*) FILTER (WHERE list_contains({losing}, c.outcome)) AS streak,
           min(c.checked_at) FILTER (WHERE list_contains({losing}, c.outcome)) AS streak_start,
           arg_max(c.outcome, c.checked_at) FILTER (WHERE list_contains({losing}, c.outcome))
               AS latest_losing
    FROM link_checks c JOIN live l USING (link_id)
    WHERE l.last_live IS NULL OR c.checked_at > l.last_live
    GROUP BY c.link_id
),
links AS (
    SELECT coalesce(b.link_id, l.link_id) AS link_id, b.first_seen
    FROM backlinks b FULL OUTER JOIN live l USING (link_id)
)
SELECT k.link_id,
       CASE WHEN coalesce(s.streak, 0) >= {int(lost_after)} THEN 'lost'
            WHEN coalesce(s.streak, 0) > 0 THEN 'at_risk'
            WHEN l.last_live IS NOT NULL THEN 'live'
            ELSE 'unverified' END AS status,
       k.first_seen,
       coalesce(l.checks, 0)::INTEGER AS checks,
       l.first_checked, l.last_checked, l.last_live, l.last_outcome,
       coalesce(s.failures, 0)::INTEGER AS consecutive_failures,
       coalesce(s.streak, 0)::INTEGER AS losing_streak,
       CASE WHEN coalesce(s.streak, 0) >= {int(lost_after)} THEN s.streak_start END AS lost_at,
       CASE WHEN coalesce(s.streak, 0) >= {int(lost_after)} THEN s.latest_losing END
           AS lost_reason,
       $now AS computed_at
FROM links k LEFT JOIN live l USING (link_id) LEFT JOIN since s USING (link_id)
"""


CHANGES_SQL = """
WITH seen AS (
    SELECT link_id, check_id, checked_at,
           array_to_string(rel, ' ') AS rel, anchor_text, placement, link_url,
           CASE WHEN follow THEN 'true' WHEN NOT follow THEN 'false' END AS follow
    FROM link_checks WHERE link_present
),
paired AS (
    SELECT *,
           row_number() OVER w AS n,
           lag(rel) OVER w AS old_rel, lag(anchor_text) OVER w AS old_anchor_text,
           lag(placement) OVER w AS old_placement, lag(link_url) OVER w AS old_link_url,
           lag(follow) OVER w AS old_follow
    FROM seen WINDOW w AS (PARTITION BY link_id ORDER BY checked_at)
)
SELECT link_id, check_id, checked_at, field, old_value, new_value FROM (
    SELECT link_id, check_id, checked_at, n, 'rel' AS field, old_rel AS old_value,
           rel AS new_value FROM paired
    UNION ALL SELECT link_id, check_id, checked_at, n, 'anchor_text', old_anchor_text,
           anchor_text FROM paired
    UNION ALL SELECT link_id, check_id, checked_at, n, 'placement', old_placement, placement
           FROM paired
    UNION ALL SELECT link_id, check_id, checked_at, n, 'link_url', old_link_url, link_url
           FROM paired
    UNION ALL SELECT link_id, check_id, checked_at, n, 'follow', old_follow, follow FROM paired
)
WHERE n > 1 AND old_value IS DISTINCT FROM new_value
"""


def compute_state(con: duckdb.DuckDBPyConnection, lost_after: int, now: datetime) -> int:
    """Replace ``link_state`` and ``link_changes``; returns the number of links."""
    con.execute("DELETE FROM link_state")
    con.execute(f"INSERT INTO link_state {state_sql(lost_after)}", {"now": now})
    con.execute("DELETE FROM link_changes")
    con.execute(f"INSERT INTO link_changes {CHANGES_SQL}")
    return int(_all(con, "SELECT count(*) FROM link_state")[0][0])


# -------------------------------------------------------------------------------- signals --

LATEST_SQL = f"""
CREATE OR REPLACE TEMP TABLE _latest AS
SELECT link_id, outcome, link_present, follow, rel, page_nofollow, placement, hidden, js_only,
       word_count, outbound_links, outbound_domains, internal_links, link_density, anchor_text,
       anchor_kind, title, text_before, text_after, server_ip, text_fingerprint, outbound_hosts,
       {host_sql("coalesce(final_url, source_url)")} AS source_host
FROM link_checks
QUALIFY row_number() OVER (
    PARTITION BY link_id
    ORDER BY list_contains({_sql_list(NEUTRAL_OUTCOMES)}, outcome), checked_at DESC) = 1
"""

BASE_SQL = f"""
CREATE OR REPLACE TEMP TABLE _base AS
SELECT b.link_id, b.source_url, b.source_domain, b.target_url AS target, b.target_domain,
       coalesce(l.source_host, {host_sql("b.source_url")}) AS source_host,
       coalesce(l.anchor_text, b.anchor) AS anchor,
       coalesce(l.anchor_kind, CASE WHEN b.anchor = '' THEN 'empty' ELSE 'text' END)
           AS anchor_kind,
       l.* EXCLUDE (link_id, anchor_text, anchor_kind, source_host),
       coalesce(b.metrics['dr'], b.metrics['da'], b.metrics['trust_flow']) AS imported_authority,
       greatest(b.metrics['toxicity_score'], b.metrics['spam_score']) AS third_party_toxicity,
       b.nofollow AS imported_nofollow
FROM backlinks b LEFT JOIN _latest l USING (link_id)
"""


def pagerank_sql(con: duckdb.DuckDBPyConnection, edges: str, *, damping: float = DAMPING,
                 iterations: int = ITERATIONS) -> None:
    """Host PageRank over the ``edges`` relation ``(src, dst)`` (``dst`` NULL: a node only) into
    temp table ``_pagerank (host, pr)``: the rules of :func:`linkvet.judging.graph.pagerank`."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _edges AS
        SELECT DISTINCT src, dst FROM ({edges}) WHERE src IS NOT NULL""")
    # integer node ids: the iterations join and group integers, not host names
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _nodes AS
        SELECT host, (row_number() OVER (ORDER BY host) - 1)::INTEGER AS id
        FROM (SELECT src AS host FROM _edges UNION SELECT dst FROM _edges WHERE dst IS NOT NULL)""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _out AS
        SELECT s.id AS src, d.id AS dst, 1.0 / count(*) OVER (PARTITION BY s.id) AS w
        FROM _edges e JOIN _nodes s ON s.host = e.src JOIN _nodes d ON d.host = e.dst
        WHERE e.src <> e.dst""")
    n = int(_all(con, "SELECT count(*) FROM _nodes")[0][0])
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _rank AS
        SELECT id, id NOT IN (SELECT DISTINCT src FROM _out) AS dangling, 1.0 / $n AS pr
        FROM _nodes""", {"n": max(n, 1)})
    for _ in range(iterations):
        dangling = float(_all(con, "SELECT coalesce(sum(pr), 0) FROM _rank WHERE dangling")[0][0])
        base = (1 - damping) / max(n, 1) + damping * dangling / max(n, 1)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _rank AS
            WITH inflow AS (
                SELECT o.dst AS id, sum(r.pr * o.w) AS inflow
                FROM _out o JOIN _rank r ON r.id = o.src GROUP BY o.dst
            )
            SELECT r.id, r.dangling, {base!r} + {damping!r} * coalesce(i.inflow, 0) AS pr
            FROM _rank r LEFT JOIN inflow i USING (id)""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _pagerank AS
        SELECT n.host, r.pr FROM _nodes n JOIN _rank r USING (id)""")


def _anchor_table(con: duckdb.DuckDBPyConnection, config: JudgeConfig) -> pa.Table:
    rows = _all(con, "SELECT DISTINCT target_domain, anchor, anchor_kind FROM _base")
    vocabularies: dict[str, AnchorVocabulary] = {}
    domains, anchors, kinds, classes, poison = [], [], [], [], []
    for domain, anchor, kind in rows:
        vocab = vocabularies.get(domain)
        if vocab is None:
            vocab = vocabularies[domain] = AnchorVocabulary.for_target(
                domain, config.brand_terms, config.money_keywords)
        domains.append(domain)
        anchors.append(anchor)
        kinds.append(kind)
        classes.append(anchor_class(anchor, kind, vocab) if anchor is not None
                       or kind in ("image", "empty") else None)
        poison.append(bool(poison_words_in(anchor)))
    return pa.table({"target_domain": domains, "anchor": anchors, "anchor_kind": kinds,
                     "anchor_class": classes, "poison_anchor": poison},
                    schema=pa.schema([("target_domain", pa.string()), ("anchor", pa.string()),
                                      ("anchor_kind", pa.string()),
                                      ("anchor_class", pa.string()),
                                      ("poison_anchor", pa.bool_())]))


def _back_link_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """``(target_domain, linked_domain)``: sites the target's own checked pages link to."""
    rows = _all(con, """
        SELECT DISTINCT b.source_domain, h FROM _base b, unnest(b.outbound_hosts) AS t(h)
        WHERE b.source_domain IN (SELECT DISTINCT target_domain FROM _base)""")
    pairs = {(src, registrable_domain(host)) for src, host in rows}
    return pa.table({"target_domain": [p[0] for p in pairs],
                     "linked_domain": [p[1] for p in pairs]},
                    schema=pa.schema([("target_domain", pa.string()),
                                      ("linked_domain", pa.string())]))


RELEVANCE_CHUNK_ROWS = 20_000


def page_key_sql(url: str) -> str:
    """SQL for :func:`linkvet.urls.without_tracking` of the column ``url`` (a test holds the
    two to the same result)."""
    stripped = (f"regexp_replace(split_part({url}, '#', 1), '{TRACKING_PARAM_SQL}', "
                "'\\1', 'gi')")
    return (f"regexp_replace(regexp_replace({stripped}, '([?&])&+', '\\1', 'g'), "
            "'[?&]+$', '')")


_RELEVANCE_ROWS_SQL = """
    SELECT link_id, target_domain, target, title, text_before, anchor, text_after
    FROM _base WHERE link_present"""


def _relevance_rows(con: duckdb.DuckDBPyConnection) -> Iterator[list[tuple[Any, ...]]]:
    """The present links' texts in chunks (nothing else may run on ``con`` meanwhile)."""
    result = con.execute(_RELEVANCE_ROWS_SQL)
    while chunk := result.fetchmany(RELEVANCE_CHUNK_ROWS):
        yield chunk


def _relevance_table(con: duckdb.DuckDBPyConnection, config: JudgeConfig) -> pa.Table:
    """TF-IDF relevance of each present link's text to its target, in two streamed passes
    (document frequencies, then the scores), so memory holds one chunk of texts at a time."""
    titles: dict[str, list[str]] = {}
    for domain, title in _all(con, """
            SELECT DISTINCT source_domain, title FROM _base
            WHERE title IS NOT NULL AND source_domain IN (SELECT target_domain FROM _base)"""):
        titles.setdefault(domain, []).append(title)
    df, n = document_frequencies(tokens(r[3], r[4], r[5], r[6])
                                 for chunk in _relevance_rows(con) for r in chunk)
    keywords = " ".join(config.money_keywords)
    target_docs: dict[tuple[str, str], list[str]] = {}
    ids: list[pa.Array] = []
    values: list[pa.Array] = []
    for chunk in _relevance_rows(con):
        scores = []
        for _link, domain, target, *texts in chunk:
            target_doc = target_docs.get((domain, target))
            if target_doc is None:
                path = target.split("://", 1)[-1].partition("/")[2] if "://" in target else ""
                target_doc = tokens(" ".join(titles.get(domain, [])), path.replace("-", " "),
                                    keywords)
                if len(target_docs) >= RELEVANCE_CHUNK_ROWS:
                    target_docs.clear()
                target_docs[domain, target] = target_doc
            # nothing known of the target's topic (no page of it checked, no path words, no
            # money keywords): relevance is unknown, neither on nor off topic
            scores.append(relevance(tokens(*texts), target_doc, df, n) if target_doc else None)
        ids.append(pa.array([r[0] for r in chunk], pa.string()))
        values.append(pa.array(scores, pa.float64()))
    schema = pa.schema([("link_id", pa.string()), ("relevance", pa.float64())])
    if not ids:
        return schema.empty_table()
    return pa.table([pa.concat_arrays(ids), pa.concat_arrays(values)], schema=schema)


SIGNALS_SQL = f"""
WITH sitewide AS (
    -- pages where the link is (or, unchecked, is said to be): one page whatever its tracking
    -- parameters or fragment
    SELECT source_domain, target_domain,
           count(DISTINCT CASE WHEN link_present IS NOT FALSE THEN
               {page_key_sql("source_url")} END) AS pages
    FROM _base GROUP BY ALL
),
hosting AS (
    SELECT link_id, target_domain, source_domain, server_ip,
           CASE WHEN regexp_matches(server_ip, '^\\d+\\.\\d+\\.\\d+\\.\\d+$')
                THEN regexp_extract(server_ip, '^(\\d+\\.\\d+\\.\\d+)\\.', 1) END AS subnet
    FROM _base WHERE server_ip IS NOT NULL
),
same_ip AS (
    SELECT target_domain, server_ip, count(DISTINCT source_domain) AS domains
    FROM hosting GROUP BY ALL
),
same_subnet AS (
    SELECT target_domain, subnet, count(DISTINCT source_domain) AS domains
    FROM hosting WHERE subnet IS NOT NULL GROUP BY ALL
),
pages AS (
    SELECT DISTINCT target_domain, source_domain,
           ('0x' || text_fingerprint)::UBIGINT AS fp
    FROM _base
    WHERE regexp_matches(coalesce(text_fingerprint, ''), '^[0-9a-fA-F]{{1,16}}$')
),
banded AS (
    SELECT target_domain, fp, band, (fp >> (16 * band)::UBIGINT) & 65535 AS key
    FROM (SELECT DISTINCT target_domain, fp FROM pages), range(4) AS t(band)
),
near_fps AS (
    -- pairs of distinct fingerprints first: a network sharing one text is one pair, not n^2
    SELECT DISTINCT a.target_domain, a.fp, b.fp AS near_fp
    FROM banded a JOIN banded b
      ON a.target_domain = b.target_domain AND a.band = b.band AND a.key = b.key
     AND a.fp <> b.fp
    WHERE bit_count(xor(a.fp, b.fp)) <= {NEAR_DUPLICATE_BITS}
    UNION ALL
    SELECT DISTINCT target_domain, fp, fp FROM pages
),
near AS (
    -- other referring sites with a page within the distance (the page's own site excluded)
    SELECT n.target_domain, n.fp, count(DISTINCT p.source_domain) - 1 AS domains
    FROM near_fps n JOIN pages p ON p.target_domain = n.target_domain AND p.fp = n.near_fp
    GROUP BY ALL
),
exact_share AS (
    -- a share needs a sample: below {EXACT_MIN_LINKS} classified anchors it is unknown
    SELECT target_domain,
           CASE WHEN count(*) >= {EXACT_MIN_LINKS}
                THEN avg((anchor_class = 'exact')::INTEGER) END AS share
    FROM _base JOIN _anchors USING (target_domain, anchor, anchor_kind)
    WHERE anchor_class IS NOT NULL GROUP BY ALL
),
host_rank AS (
    SELECT host,
           CASE WHEN max(pr) OVER () * count(*) OVER () > 1
                THEN round(100 * greatest(0, ln(pr * count(*) OVER ()))
                           / ln(max(pr) OVER () * count(*) OVER ()), 2)
                ELSE 0 END AS score
    FROM _pagerank
)
SELECT b.link_id, b.source_url, b.source_host, b.source_domain, b.target, b.target_domain,
       s.status, b.outcome, b.link_present, b.follow,
       coalesce(list_contains(b.rel, 'nofollow') OR b.page_nofollow,
                b.imported_nofollow) AS nofollow,
       list_contains(b.rel, 'sponsored') AS sponsored,
       list_contains(b.rel, 'ugc') AS ugc,
       b.placement, b.hidden, b.js_only, b.word_count, b.outbound_links, b.outbound_domains,
       b.link_density, b.anchor, a.anchor_class, a.poison_anchor,
       b.word_count::DOUBLE / nullif(b.outbound_links + coalesce(b.internal_links, 0), 0)
           AS words_per_link,
       es.share AS target_exact_share,
       sw.pages::INTEGER AS sitewide_pages,
       list_contains($spammy_tlds, string_split(b.source_domain, '.')[-1]) AS spammy_tld,
       b.server_ip,
       (si.domains - 1)::INTEGER AS same_ip_domains,
       (ss.domains - 1)::INTEGER AS same_subnet_domains,
       coalesce(nr.domains, 0)::INTEGER AS near_duplicate_domains,
       bl.linked_domain IS NOT NULL AS reciprocal,
       b.imported_authority,
       hr.score AS pagerank,
       coalesce(b.imported_authority, hr.score) AS authority,
       rv.relevance,
       b.third_party_toxicity,
       $now AS computed_at
FROM _base b
LEFT JOIN link_state s USING (link_id)
LEFT JOIN _anchors a ON a.target_domain = b.target_domain AND a.anchor IS NOT DISTINCT FROM b.anchor
     AND a.anchor_kind IS NOT DISTINCT FROM b.anchor_kind
LEFT JOIN exact_share es ON es.target_domain = b.target_domain
LEFT JOIN sitewide sw ON sw.source_domain = b.source_domain AND sw.target_domain = b.target_domain
LEFT JOIN hosting h ON h.link_id = b.link_id
LEFT JOIN same_ip si ON si.target_domain = b.target_domain AND si.server_ip = h.server_ip
LEFT JOIN same_subnet ss ON ss.target_domain = b.target_domain AND ss.subnet = h.subnet
LEFT JOIN near nr ON nr.target_domain = b.target_domain
     AND nr.fp = TRY_CAST('0x' || b.text_fingerprint AS UBIGINT)
LEFT JOIN _back_links bl ON bl.target_domain = b.target_domain
     AND bl.linked_domain = b.source_domain
LEFT JOIN host_rank hr ON hr.host = b.source_host
LEFT JOIN _relevance rv ON rv.link_id = b.link_id
"""


def compute_signals(con: duckdb.DuckDBPyConnection, config: JudgeConfig, now: datetime) -> int:
    """Replace ``link_signals`` (needs ``link_state``); returns the number of links."""
    con.execute(LATEST_SQL)
    con.execute(BASE_SQL)
    pagerank_sql(con, """
        SELECT source_host AS src, lower(h) AS dst FROM _latest, unnest(outbound_hosts) AS t(h)
        UNION ALL SELECT source_host, NULL FROM _latest""")
    con.register("_anchors", _anchor_table(con, config))
    con.register("_back_links", _back_link_table(con))
    if config.relevance:
        con.register("_relevance", _relevance_table(con, config))
    else:
        con.register("_relevance", pa.table({"link_id": pa.array([], pa.string()),
                                             "relevance": pa.array([], pa.float64())}))
    try:
        con.execute("DELETE FROM link_signals")
        con.execute(f"INSERT INTO link_signals BY NAME {SIGNALS_SQL}",
                    {"now": now, "spammy_tlds": sorted(SPAMMY_TLDS)})
    finally:
        for name in ("_anchors", "_back_links", "_relevance"):
            con.unregister(name)
    return int(_all(con, "SELECT count(*) FROM link_signals")[0][0])


# ---------------------------------------------------------------------------------- score --

def write_rules(con: duckdb.DuckDBPyConnection, model: ScoreModel) -> None:
    con.execute("DELETE FROM score_rules WHERE model_version = $v", {"v": model.version})
    con.executemany("INSERT INTO score_rules VALUES (?, ?, ?, ?, ?, ?)", model.rule_rows())


def compute_scores(con: duckdb.DuckDBPyConnection, model: ScoreModel, now: datetime,
                   *, source: str = "link_signals") -> int:
    """Replace ``link_scores`` with the model applied to ``source`` in one pass."""
    write_rules(con, model)
    con.execute("DELETE FROM link_scores")
    con.execute(f"INSERT INTO link_scores {model.score_sql(source, scored_at='$now')}",
                {"now": now})
    return int(_all(con, "SELECT count(*) FROM link_scores")[0][0])


REFERRING_DOMAINS_SQL = """
SELECT g.target_domain, g.source_domain,
       count(*)::INTEGER AS links,
       count(*) FILTER (WHERE g.status = 'live')::INTEGER AS live_links,
       count(*) FILTER (WHERE g.status = 'lost')::INTEGER AS lost_links,
       count(*) FILTER (WHERE g.follow AND g.link_present)::INTEGER AS followed_links,
       max(s.score) AS best_score,
       round(avg(s.score), 2) AS avg_score,
       arg_max(s.tier, s.score) AS best_tier,
       count(*) FILTER (WHERE s.toxic)::INTEGER AS toxic_links,
       min(st.first_seen) AS first_seen,
       max(st.last_live) AS last_live,
       $now AS computed_at
FROM link_signals g
LEFT JOIN link_scores s USING (link_id)
LEFT JOIN link_state st USING (link_id)
GROUP BY g.target_domain, g.source_domain
"""


def compute_referring_domains(con: duckdb.DuckDBPyConnection, now: datetime) -> int:
    con.execute("DELETE FROM referring_domains")
    con.execute(f"INSERT INTO referring_domains {REFERRING_DOMAINS_SQL}", {"now": now})
    return int(_all(con, "SELECT count(*) FROM referring_domains")[0][0])


def judge_all(con: duckdb.DuckDBPyConnection, config: JudgeConfig, model: ScoreModel,
              now: datetime | None = None) -> dict[str, Any]:
    """State, signals, scores and referring domains in one transaction; returns counts and
    the seconds each step took."""
    now = now or datetime.now(UTC)
    timings: dict[str, float] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        t = time.perf_counter()
        links = compute_state(con, config.lost_after_checks, now)
        timings["state_s"] = time.perf_counter() - t
        t = time.perf_counter()
        compute_signals(con, config, now)
        timings["signals_s"] = time.perf_counter() - t
        t = time.perf_counter()
        compute_scores(con, model, now)
        timings["score_s"] = time.perf_counter() - t
        domains = compute_referring_domains(con, now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    tiers = dict(_all(con, "SELECT tier, count(*) FROM link_scores GROUP BY tier"))
    toxic = int(_all(con, "SELECT count(*) FROM link_scores WHERE toxic")[0][0])
    statuses = dict(_all(con, "SELECT status, count(*) FROM link_state GROUP BY status"))
    return {"links": links, "referring_domains": domains, "model_version": model.version,
            "tiers": tiers, "toxic": toxic, "status": statuses,
            **{k: round(v, 3) for k, v in timings.items()}}


def judge_file(db_path: Path, config: JudgeConfig, model: ScoreModel,
               target: str | None = None, *, memory_limit: str | None = None) -> dict[str, Any]:
    con = connect(db_path, memory_limit=memory_limit)
    try:
        result = judge_all(con, config, model)
        if target:
            domain = registrable_domain(target)
            result["target"] = domain
            result["target_tiers"] = dict(con.execute("""
                SELECT s.tier, count(*) FROM link_scores s JOIN link_signals g USING (link_id)
                WHERE g.target_domain = $domain GROUP BY s.tier""", {"domain": domain}).fetchall())
        return result
    finally:
        con.close()


@task(name="judge-links")
def judge_links(data_dir: str, target: str | None, model_path: str | None) -> dict[str, Any]:
    settings = load_settings(data_dir=Path(data_dir))
    config = JudgeConfig(settings.lost_after_checks, tuple(settings.brand_terms),
                         tuple(settings.money_keywords))
    model = load_model(Path(model_path) if model_path else None)
    return judge_file(settings.duckdb_path, config, model, target,
                      memory_limit=settings.duckdb_memory_limit)


@flow(name="judge")
def judge(data_dir: str = "data", target: str | None = None,
          model_path: str | None = None) -> dict[str, Any]:
    """Recompute link state, signals and scores of every stored link (no recrawl). ``target``
    adds that site's tier counts to the result; ``model_path`` scores with another model file
    than the packaged one."""
    result: dict[str, Any] = judge_links(data_dir, target, model_path)
    return result


# ---------------------------------------------------------------------------------- bench --

BENCH_TARGETS = 20
BENCH_ANCHORS = ("Acme", "acme.example", "https://acme.example/", "click here", "read more",
                 "project management software", "best project management software",
                 "cheap software", "this tool", "", "Acme pricing", "casino bonus",
                 "team planning", "kanban boards", "our partner")


def generate_bench_facts(con: duckdb.DuckDBPyConnection, links: int) -> None:
    """``links`` plausible backlinks and one check each, generated in SQL: ~links/20 linking
    sites (so sitewide groups exist), 20 target sites, 1 in 40 sites on a shared /24 with
    near-identical text, 90% live, the rest removed, not found or transient."""
    sites = max(links // 20, 10)
    anchors = _sql_list(BENCH_ANCHORS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _gen AS
        SELECT i,
               's' || (hash(i * 7) % {sites})::VARCHAR ||
                   CASE WHEN hash(i * 7) % 53 = 0 THEN '.xyz' ELSE '.example' END AS sdom,
               'acme' || (i % {BENCH_TARGETS})::VARCHAR || '.example' AS tdom,
               (hash(i * 7) % {sites})::BIGINT AS site,
               (hash(i * 13) % 1000)::BIGINT AS r1, (hash(i * 17) % 1000)::BIGINT AS r2,
               (hash(i * 19) % 1000)::BIGINT AS r3
        FROM range({links}) AS t(i)""")
    con.execute(f"""
        INSERT INTO backlinks
        SELECT md5(i::VARCHAR)[:20], 'https://www.' || sdom || '/p/' || i::VARCHAR, sdom,
               'https://' || tdom || '/', tdom, {anchors}[1 + r1 % {len(BENCH_ANCHORS)}],
               ['ahrefs'], TIMESTAMP '2025-01-01' + to_days((r2 % 600)::INTEGER), NULL,
               r3 < 150,
               CASE WHEN r2 < 700 THEN MAP {{'dr': (r2 % 100)::DOUBLE}} END,
               DATE '2026-10-01', TIMESTAMP '2026-10-01'
        FROM _gen""")
    con.execute(f"""
        INSERT INTO link_checks (check_id, request_id, run_id, link_id, source_url, target,
            checked_at, check_date, outcome, schema_version, status, final_url, server_ip,
            title, word_count, outbound_links, outbound_domains, text_fingerprint,
            outbound_hosts, link_present, occurrences, anchor_text, anchor_kind, rel, follow,
            placement, hidden, js_only, text_before, text_after, link_density)
        SELECT 'c' || i::VARCHAR, 'r' || i::VARCHAR, 'bench', md5(i::VARCHAR)[:20],
               'https://www.' || sdom || '/p/' || i::VARCHAR, 'https://' || tdom || '/',
               TIMESTAMPTZ '2026-10-02 00:00:00+00', DATE '2026-10-02',
               CASE WHEN r1 < 900 THEN 'live' WHEN r1 < 950 THEN 'link_removed'
                    WHEN r1 < 980 THEN 'transient_failure' ELSE 'page_not_found' END,
               '1.0', 200, 'https://www.' || sdom || '/p/' || i::VARCHAR,
               CASE WHEN site % 40 = 0 THEN '10.40.' || (site % 7)::VARCHAR || '.'
                    ELSE '10.' || (site % 200)::VARCHAR || '.' || (site % 211)::VARCHAR || '.'
               END || (site % 250)::VARCHAR,
               'Page ' || (r2 % 50)::VARCHAR, (r2 * 3)::INTEGER, (r3 % 300)::INTEGER,
               (r3 % 150)::INTEGER,
               CASE WHEN site % 40 = 0 THEN printf('%016x', 1311768467463790320 + site % 3)
                    ELSE printf('%016x', hash(i * 23) >> 1) END,
               ['www.s' || (hash(i * 29) % {sites})::VARCHAR || '.example',
                'www.s' || (hash(i * 31) % {sites})::VARCHAR || '.example'],
               r1 < 900, CASE WHEN r1 < 900 THEN 1 ELSE 0 END,
               {anchors}[1 + r1 % {len(BENCH_ANCHORS)}],
               CASE WHEN r1 % 15 = 9 THEN 'empty' ELSE 'text' END,
               CASE WHEN r2 < 100 THEN ['sponsored'] WHEN r2 < 200 THEN ['nofollow']
                    WHEN r2 < 230 THEN ['ugc'] ELSE [] END,
               r2 >= 230,
               ['content', 'content', 'content', 'footer', 'sidebar', 'navigation',
                'comments'][1 + r3 % 7],
               r3 % 97 = 0, FALSE, 'see', 'for more', (r3 % 100) / 100.0
        FROM _gen""")
    con.execute("DROP TABLE _gen")


def bench_score(links: int, workdir: Path, *, rounds: int = 5) -> dict[str, Any]:
    """Judge ``links`` generated links in a DuckDB file under ``workdir``; time state, signals
    (relevance off: it is a Python pass), the stored scoring (``write_s``: rules + INSERT into
    ``link_scores`` on disk), then the scoring query and, over the same ``link_signals`` table,
    a plain GROUP BY by linking site, both materialised the same way (best of ``rounds``)."""
    con = connect(workdir / "bench.duckdb")
    try:
        t = time.perf_counter()
        generate_bench_facts(con, links)
        generate_s = time.perf_counter() - t
        config = JudgeConfig(2, ("acme",), ("project management software",), relevance=False)
        model = load_model()
        now = datetime.now(UTC)
        t = time.perf_counter()
        compute_state(con, config.lost_after_checks, now)
        state_s = time.perf_counter() - t
        t = time.perf_counter()
        compute_signals(con, config, now)
        signals_s = time.perf_counter() - t
        t = time.perf_counter()
        scored = compute_scores(con, model, now)
        write_s = time.perf_counter() - t
        con.execute("CHECKPOINT")
        # the scoring pass and the baseline aggregate are timed alike: one query over
        # link_signals, its result materialised in a temp table; best of `rounds`
        score_sql = model.score_sql("link_signals", scored_at="$now")
        score_times, agg_times = [], []
        for _ in range(rounds):
            t = time.perf_counter()
            con.execute(f"CREATE OR REPLACE TEMP TABLE _bench_scores AS {score_sql}",
                        {"now": now})
            score_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            con.execute("""
                CREATE OR REPLACE TEMP TABLE _bench_agg AS
                SELECT source_domain, count(*) AS links, avg(word_count) AS words,
                       avg(outbound_domains) AS outbound, avg(authority) AS authority
                FROM link_signals GROUP BY source_domain""")
            agg_times.append(time.perf_counter() - t)
        groups = int(_all(con, "SELECT count(*) FROM _bench_agg")[0][0])
        tiers = dict(_all(con, "SELECT tier, count(*) FROM link_scores GROUP BY tier"))
    finally:
        con.close()
    score_s, agg_s = min(score_times), min(agg_times)
    return {"links": links, "scored": scored, "groups": groups, "tiers": tiers,
            "generate_s": generate_s, "state_s": state_s, "signals_s": signals_s,
            "write_s": write_s, "score_s": score_s, "aggregate_s": agg_s,
            "ratio": score_s / agg_s,
            "model_version": model.version}
