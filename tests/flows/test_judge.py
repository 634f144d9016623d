"""Judging over a real DuckDB file in a tmp dir: state rules, signals, tiers on synthetic facts,
SQL/Python equivalence of the rules, and the Prefect flow."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from flows.db import connect
from flows.judge import (
    JudgeConfig,
    compute_state,
    judge,
    judge_all,
    page_key_sql,
    pagerank_sql,
)
from linkvet.ids import link_id
from linkvet.judging.graph import pagerank
from linkvet.judging.model import SIGNALS, ScoreModel, load_model
from linkvet.judging.state import Check, link_changes, link_state
from linkvet.urls import domain_of, without_tracking
from schemas.records import FetchFacts, LinkCheck, LinkOccurrence, PageFacts
from schemas.rows import LINK_CHECK_COLUMNS, check_rows

T0 = datetime(2026, 10, 1, tzinfo=UTC)
TARGET = "https://acme.example/"
CONFIG = JudgeConfig(lost_after_checks=2, brand_terms=("acme",),
                     money_keywords=("project management software",))

_n = 0


def check(source: str, *, outcome: str = "live", day: int = 0, ip: str | None = None,
          title: str = "A page", words: int = 800, out_domains: int = 5,
          hosts: tuple[str, ...] = (), fp: str | None = None, anchor: str = "Acme",
          rel: tuple[str, ...] = (), follow: bool = True, placement: str = "content",
          hidden: bool = False, density: float = 0.05, before: str = "", after: str = "",
          target: str = TARGET, kind: str = "text") -> LinkCheck:
    global _n
    _n += 1
    present = outcome == "live"
    links = [LinkOccurrence(
        href=target, url=target, match="exact", anchor_text=anchor, anchor_kind=kind,
        rel=list(rel), follow=follow, placement=placement, hidden=hidden,
        text_before=before, text_after=after, link_density=density)] if present else []
    return LinkCheck(
        check_id=f"c{_n}", request_id=f"r{_n}", run_id="run", link_id=link_id(source, target),
        source_url=source, target=target, checked_at=T0 + timedelta(days=day),
        outcome=outcome,
        fetch=FetchFacts(status=200, final_url=source, server_ip=ip),
        page=PageFacts(title=title, word_count=words, outbound_links=out_domains * 2,
                       outbound_domains=out_domains, text_fingerprint=fp,
                       outbound_hosts=list(hosts)),
        links=links,
    )


def store(con: duckdb.DuckDBPyConnection, checks: list[LinkCheck],
          metrics: dict[str, dict[str, float]] | None = None) -> None:
    """Backlinks for every linking page of ``checks`` plus the checks themselves."""
    seen: dict[str, LinkCheck] = {}
    for c in checks:
        seen.setdefault(c.link_id, c)
    for c in seen.values():
        m = (metrics or {}).get(c.source_url, {})
        con.execute(
            "INSERT INTO backlinks VALUES ($id, $src, $sd, $t, $td, NULL, ['ahrefs'], "
            "TIMESTAMP '2025-01-01', NULL, NULL, $m::MAP(VARCHAR, DOUBLE), NULL, now())",
            {"id": c.link_id, "src": c.source_url, "sd": domain_of(c.source_url),
             "t": c.target, "td": domain_of(c.target),
             "m": {"key": list(m), "value": list(m.values())} if m else None})
    table = pa.table(check_rows(checks))
    con.register("incoming", table)
    cols = ", ".join(LINK_CHECK_COLUMNS)
    con.execute(f"INSERT INTO link_checks ({cols}) SELECT {cols} FROM incoming")
    con.unregister("incoming")


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect(tmp_path / "linkvet.duckdb")
    yield c
    c.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


# ------------------------------------------------------------------------------- state --

STATE_CASES: dict[str, list[str]] = {
    "https://s1.example/live": ["live", "live"],
    "https://s2.example/removed-once": ["live", "link_removed"],
    "https://s3.example/removed-twice": ["live", "link_removed", "link_removed"],
    "https://s4.example/transient": ["live", "transient_failure", "transient_failure",
                                     "robots_blocked", "server_error"],
    "https://s5.example/gone-around-transient": ["live", "page_gone", "transient_failure",
                                                 "noindex"],
    "https://s6.example/back": ["live", "link_removed", "link_removed", "live"],
    "https://s7.example/never": ["transient_failure"],
}


def test_state_rules_in_sql_match_python(con: duckdb.DuckDBPyConnection) -> None:
    checks = [check(src, outcome=o, day=i) for src, outcomes in STATE_CASES.items()
              for i, o in enumerate(outcomes)]
    store(con, checks)
    compute_state(con, 2, T0)
    got = {r[0]: r[1:] for r in rows(con, """
        SELECT link_id, status, checks, last_live, consecutive_failures, losing_streak, lost_at,
               lost_reason FROM link_state""")}
    expected_status = {
        "https://s1.example/live": ("live", None, None),
        "https://s2.example/removed-once": ("at_risk", None, None),
        "https://s3.example/removed-twice": ("lost", T0 + timedelta(days=1), "link_removed"),
        "https://s4.example/transient": ("live", None, None),
        "https://s5.example/gone-around-transient": ("lost", T0 + timedelta(days=1), "noindex"),
        "https://s6.example/back": ("live", None, None),
        "https://s7.example/never": ("unverified", None, None),
    }
    for src, outcomes in STATE_CASES.items():
        lid = link_id(src, TARGET)
        status, checks_n, last_live, failures, streak, lost_at, reason = got[lid]
        assert (status, lost_at, reason) == expected_status[src], src
        py = link_state([Check(T0 + timedelta(days=i), o) for i, o in enumerate(outcomes)], 2)
        assert (py.status, py.checks, py.last_live, py.consecutive_failures, py.losing_streak,
                py.lost_at, py.lost_reason) == (status, checks_n, last_live, failures, streak,
                                                lost_at, reason), src


def test_changes_are_recorded_between_checks_that_saw_the_link(
        con: duckdb.DuckDBPyConnection) -> None:
    src = "https://c.example/post"
    checks = [check(src, day=0), check(src, day=1, rel=("nofollow",), follow=False),
              check(src, day=2, outcome="link_removed"),
              check(src, day=3, rel=("nofollow",), follow=False, placement="footer",
                    anchor="Acme Inc")]
    store(con, checks)
    compute_state(con, 2, T0)
    got = rows(con, "SELECT check_id, field, old_value, new_value FROM link_changes "
                    "ORDER BY changed_at, field")
    py = link_changes([
        Check(c.checked_at, c.outcome, c.check_id, bool(c.links),
              tuple((k, v) for k, v in _facts(c).items())) for c in checks])
    assert got == [(ch.check_id, ch.field, ch.old, ch.new)
                   for ch in sorted(py, key=lambda ch: (ch.changed_at, ch.field))]
    assert [(g[1], g[2], g[3]) for g in got] == [
        ("follow", "true", "false"), ("rel", "", "nofollow"),
        ("anchor_text", "Acme", "Acme Inc"), ("placement", "content", "footer")]
    assert [g[0] for g in got] == [checks[1].check_id] * 2 + [checks[3].check_id] * 2


def _facts(c: LinkCheck) -> dict[str, Any]:
    if not c.links:
        return {}
    o = c.links[0]
    return {"rel": o.rel, "anchor_text": o.anchor_text, "placement": o.placement,
            "link_url": o.url, "follow": o.follow}


# ------------------------------------------------------------------------------- tiers --

def synthetic_web() -> tuple[list[LinkCheck], dict[str, dict[str, float]]]:
    topic = "project management software for small teams"
    c: list[LinkCheck] = [
        check("https://news.example/best-tools", title="The best project management software",
              before=f"We tested {topic}; our pick is", after="which plans projects well",
              ip="10.1.1.1", fp="0123456789abcdef", hosts=("acme.example", "other.example")),
        check("https://blog.example/sponsored", rel=("sponsored",), follow=False,
              title="Sponsored: project management software", before=topic, ip="10.2.2.2"),
        check("https://forum.example/t/1", rel=("ugc",), follow=False, placement="comments",
              title="Forum thread", ip="10.3.3.3"),
        check("https://dir.example/list", out_domains=60, density=0.7, title="Business directory",
              ip="10.4.4.4"),
        check("https://farm.xyz/p1", out_domains=400, words=90, anchor="casino bonus",
              title="links links links", ip="10.5.5.5"),
    ]
    c += [check(f"https://partner.example/page-{i}", placement="footer", title=f"Partner {i}",
                ip="10.6.6.6") for i in range(12)]
    c += [check(f"https://net{i}.example/post", title=f"Lookalike {i}", ip=f"10.9.9.{i}",
                fp=f"ffff0000ffff000{i}", anchor="project management software")
          for i in range(1, 5)]
    metrics = {"https://news.example/best-tools": {"dr": 72.0}}
    return c, metrics


def test_tiers_on_synthetic_facts(con: duckdb.DuckDBPyConnection) -> None:
    checks, metrics = synthetic_web()
    store(con, checks, metrics)
    result = judge_all(con, CONFIG, load_model(), T0)
    assert result["links"] == 21
    got = {r[0]: r[1:] for r in rows(con, """
        SELECT g.source_url, s.tier, s.toxic, e.markers
        FROM link_scores s JOIN link_signals g USING (link_id)
        JOIN link_scores_explained e USING (link_id)""")}
    assert got["https://news.example/best-tools"] == ("high", False, [])
    assert got["https://blog.example/sponsored"][0:2] == ("medium", False)
    assert got["https://forum.example/t/1"][0:2] == ("low", False)
    assert got["https://dir.example/list"][0:2] == ("medium", False)
    assert got["https://partner.example/page-0"][0:2] == ("low", False)
    assert got["https://farm.xyz/p1"] == ("low", True, ["link_farm", "thin_page",
                                                        "poison_anchor", "spammy_tld"])
    for i in range(1, 5):
        assert got[f"https://net{i}.example/post"] == ("low", True,
                                                       ["same_subnet", "near_duplicate"])


def test_signals_have_exact_values(con: duckdb.DuckDBPyConnection) -> None:
    checks, metrics = synthetic_web()
    store(con, checks, metrics)
    judge_all(con, CONFIG, load_model(), T0)
    sig = {r[0]: r[1:] for r in rows(con, """
        SELECT source_url, anchor_class, sitewide_pages, same_subnet_domains,
               near_duplicate_domains, spammy_tld, poison_anchor, authority, sponsored,
               target_exact_share
        FROM link_signals""")}
    assert sig["https://news.example/best-tools"][:7] == ("branded", 1, 0, 0, False, False,
                                                          72.0)
    assert sig["https://partner.example/page-3"][1] == 12
    assert sig["https://net2.example/post"][:5] == ("exact", 1, 3, 3, False)
    assert sig["https://farm.xyz/p1"][:6] == ("other", 1, 0, 0, True, True)
    assert sig["https://blog.example/sponsored"][7] is True
    assert sig["https://net2.example/post"][8] == pytest.approx(4 / 21)


def test_score_sql_equals_python_evaluation(con: duckdb.DuckDBPyConnection) -> None:
    checks, metrics = synthetic_web()
    store(con, checks, metrics)
    model = load_model()
    judge_all(con, CONFIG, model, T0)
    names = list(SIGNALS)
    for row in rows(con, f"""
            SELECT s.score, s.tier, s.toxic, s.reason_bits, {", ".join("g." + n for n in names)}
            FROM link_scores s JOIN link_signals g USING (link_id)"""):
        judgement = model.evaluate(dict(zip(names, row[4:], strict=True)))
        assert (judgement.score, judgement.tier, judgement.toxic, judgement.reason_bits) == \
            row[:4]


@pytest.mark.parametrize("scale", [1.0, 0.37])
def test_score_sql_equals_python_with_whole_and_fractional_points(
        con: duckdb.DuckDBPyConnection, scale: float) -> None:
    """Whole points are summed as integers in SQL, fractional ones as decimals: both give
    Python's judgement, and the toxic rule by marker points holds in both."""
    checks, metrics = synthetic_web()
    store(con, checks, metrics)
    packaged = load_model()
    model = ScoreModel(
        version="test", base=packaged.base * scale, high=packaged.high * scale,
        medium=packaged.medium * scale, min_markers=3,
        min_marker_points=20.0 * scale,
        rules=tuple(dataclasses.replace(r, points=r.points * scale) for r in packaged.rules))
    judge_all(con, CONFIG, model, T0)
    names = list(SIGNALS)
    got = rows(con, f"""
            SELECT s.score, s.tier, s.toxic, s.reason_bits, s.marker_count,
                   {", ".join("g." + n for n in names)}
            FROM link_scores s JOIN link_signals g USING (link_id)""")
    assert len(got) == 21
    for row in got:
        judgement = model.evaluate(dict(zip(names, row[5:], strict=True)))
        assert row[0] == pytest.approx(judgement.score, abs=1e-9)
        assert (judgement.tier, judgement.toxic, judgement.reason_bits,
                len(judgement.markers)) == row[1:5]
    assert {row[1] for row in got} == {"high", "medium", "low"}
    assert any(row[2] for row in got)


def test_rescoring_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    checks, metrics = synthetic_web()
    store(con, checks, metrics)
    judge_all(con, CONFIG, load_model(), T0)
    first = rows(con, "SELECT * FROM link_scores ORDER BY link_id")
    judge_all(con, CONFIG, load_model(), T0)
    assert rows(con, "SELECT * FROM link_scores ORDER BY link_id") == first
    assert rows(con, "SELECT count(*) FROM link_state") == [(21,)]


def test_pagerank_sql_matches_python(con: duckdb.DuckDBPyConnection) -> None:
    edges: list[tuple[str, str | None]] = [
        ("a", "b"), ("b", "c"), ("c", "a"), ("a", "c"), ("d", "c"), ("c", "c"), ("e", None)]
    values = ", ".join(f"('{a}', " + (f"'{b}')" if b else "NULL)") for a, b in edges)
    pagerank_sql(con, f"SELECT * FROM (VALUES {values}) AS t(src, dst)")
    got = dict(rows(con, "SELECT host, pr FROM _pagerank"))
    want = pagerank(edges)
    assert set(got) == set(want)
    for host, pr in want.items():
        assert got[host] == pytest.approx(pr, abs=1e-12)
    assert sum(want.values()) == pytest.approx(1.0)


@pytest.mark.slow
def test_judge_flow(prefect_harness: None, tmp_path: Path) -> None:
    c = connect(tmp_path / "linkvet.duckdb")
    checks, metrics = synthetic_web()
    store(c, checks, metrics)
    c.close()
    result = judge(data_dir=str(tmp_path), target="acme.example")
    assert (result["links"], result["toxic"], result["target_tiers"]["high"]) == (21, 5, 1)


def test_sitewide_counts_pages_with_the_link_once_whatever_their_tracking_tags(
        con: duckdb.DuckDBPyConnection) -> None:
    feed = [check(f"https://feed.example/post?utm_source=feed{i}&utm_medium=rss")
            for i in range(10)]
    pages = [check(f"https://gone.example/p{i}", outcome="link_removed") for i in range(9)]
    pages.append(check("https://gone.example/p9"))
    store(con, [*feed, check("https://feed.example/post#top"), *pages])
    judge_all(con, CONFIG, load_model(), T0)
    sitewide = dict(rows(con, "SELECT source_domain, max(sitewide_pages) FROM link_signals "
                              "GROUP BY 1"))
    assert sitewide == {"feed.example": 1, "gone.example": 1}


def test_a_share_of_a_few_anchors_is_unknown_and_so_is_an_unknown_topic(
        tmp_path: Path) -> None:
    con = connect(tmp_path / "few.duckdb")
    try:
        store(con, [check("https://one.example/a", anchor="project management software",
                          title="Acme project management software review")])
        judge_all(con, JudgeConfig(lost_after_checks=2), load_model(), T0)
        share, relevance, fired = rows(con, """
            SELECT g.target_exact_share, g.relevance, r.reasons
            FROM link_signals g JOIN link_scores_explained r USING (link_id)""")[0]
    finally:
        con.close()
    assert (share, relevance) == (None, None)
    assert not {r["rule"] for r in fired} & {"over_optimised", "off_topic", "relevant"}


PAGE_URLS = [
    "https://a.example/post", "https://a.example/post#top", "https://a.example/post?",
    "https://a.example/post?utm_source=feed&utm_medium=rss",
    "https://a.example/post?id=7&utm_campaign=q&x=1", "https://a.example/post?UTM_Source=X&id=7",
    "https://a.example/post?fbclid=abc#c", "https://a.example/p?gclid=1&gclid=2&b=2&a=1",
    "https://a.example/p?xfbclid=1&utm_a-b=2&utm_source", "https://a.example/p?&&id=1&&",
    "https://a.example/p?_ga=2.1&MKT_TOK=z&li_fat_id=q", "https://a.example/?p=123&fbclid=",
]


def test_the_page_key_sql_strips_what_the_python_rule_strips(
        con: duckdb.DuckDBPyConnection) -> None:
    got = dict(con.execute(f"SELECT u, {page_key_sql('u')} FROM unnest(?) AS t(u)",
                           [PAGE_URLS]).fetchall())
    assert got == {u: without_tracking(u) for u in PAGE_URLS}
    assert got["https://a.example/post?id=7&utm_campaign=q&x=1"] == \
        "https://a.example/post?id=7&x=1"
    assert got["https://a.example/p?xfbclid=1&utm_a-b=2&utm_source"] == \
        "https://a.example/p?xfbclid=1&utm_source"
