"""Prospect vetting on the sandbox web: one real crawl through the sandbox proxy, real DuckDB
files in tmp, the packaged score model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.act import publish_snapshot
from flows.db import connect
from flows.demo import sandbox_settings
from flows.judge import JudgeConfig
from flows.prospect import (
    FetchedPage,
    Prospect,
    checked_urls,
    existing_store_of,
    fetch_pages,
    judge_prospects,
    prospect,
)
from flows.store import write_checks
from linkvet.errors import InputError
from linkvet.judging.model import load_model
from linkvet.settings import Settings, load_settings
from tests.fixtures.sandbox import RunningSandbox

DOMAIN = "acme.example"
EDITORIAL = "http://www.trailnews.example/2026/05/best-trail-running-shoes-tested"
FARM = "http://best-links-4u.example/page/7"
NETWORK = (
    "http://trailrunnerhub.example/blog/best-track-running-trainers-guide-1",
    "http://trailgearhub.example/blog/greatest-trail-runner-sneakers-guide-2",
    "http://trailshoeshub.example/blog/best-trail-running-shoes-guide-3",
    "http://runnergearhub.example/blog/finest-off-road-running-shoes-guide-4",
)
NOT_FOUND = "http://gearblog.example/posts/deleted-review"
NOINDEX = "http://fitlife-magazine.example/tag/trail-running"
ROBOTS = "http://members-run.example/members/acme-discount"
OWN = ("http://acme.example/", "http://acme.example/shop/trail-shoes")
CANDIDATES = (EDITORIAL, FARM, NETWORK[0], NOT_FOUND, NOINDEX, ROBOTS)
CONFIG = JudgeConfig()
MODEL = load_model()


def sandbox_run_settings(sandbox: RunningSandbox, folder: Path) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    host_map = folder / "hostmap.json"
    sandbox.web.write_host_map(host_map)
    return sandbox_settings(load_settings(data_dir=folder / "data"), sandbox.server, host_map)


@pytest.fixture(scope="module")
def pages(sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, FetchedPage]:
    folder = tmp_path_factory.mktemp("prospect-crawl")
    settings = sandbox_run_settings(sandbox, folder)
    return fetch_pages(settings, [*CANDIDATES, *NETWORK[1:], *OWN], DOMAIN, folder / "crawl")


@pytest.fixture
def user_store(tmp_path: Path, pages: dict[str, FetchedPage]) -> Iterator[Path]:
    """A user's store whose backlinks of acme.example come from three look-alike sites."""
    store = tmp_path / "data" / "linkvet.duckdb"
    con = connect(store)
    try:
        write_checks(con, tmp_path / "data" / "lake", [pages[u].check for u in NETWORK[1:]])
        con.executemany(
            "INSERT INTO backlinks (link_id, source_url, source_domain, target_url, "
            "target_domain, sources, imported_at) VALUES (?, ?, ?, ?, ?, ['ahrefs'], ?)",
            [(pages[u].check.link_id, u, u.split("/")[2], DOMAIN, DOMAIN,
              datetime(2026, 10, 1)) for u in NETWORK[1:]])
    finally:
        con.close()
    yield store


def verdicts(prospects: list[Prospect]) -> dict[str, tuple[object, ...]]:
    return {p.url: (p.outcome, p.score, p.tier, p.toxic, p.markers) for p in prospects}


def test_candidates_against_existing_backlinks(
        pages: dict[str, FetchedPage], user_store: Path, tmp_path: Path) -> None:
    prospects, existing = judge_prospects(pages, CANDIDATES, OWN, DOMAIN, CONFIG, MODEL,
                                          tmp_path / "work", existing_store=user_store)
    assert existing == 3
    assert verdicts(prospects) == {
        EDITORIAL: ("live", 86.0, "high", False, ()),
        FARM: ("live", 44.0, "low", True, ("link_farm",)),
        NETWORK[0]: ("live", 54.0, "low", True, ("same_subnet",)),
        NOT_FOUND: ("page_not_found", None, None, None, ()),
        NOINDEX: ("noindex", 66.0, "medium", False, ()),
        ROBOTS: ("robots_blocked", None, None, None, ()),
    }
    by_url = {p.url: p for p in prospects}
    assert [r.rule for r in by_url[EDITORIAL].reasons] == ["followed", "in_content", "relevant"]
    assert [r.rule for r in by_url[FARM].reasons] == [
        "link_farm", "followed", "in_content", "directory_like"]
    assert by_url[NETWORK[0]].signals["same_subnet_domains"] == 3
    assert by_url[NOINDEX].reasons[0].rule == "noindex_page"
    # the editorial page already links to the target: reported, not scored as is
    assert by_url[EDITORIAL].existing_link == {
        "url": "http://acme.example/shop/trail-shoes", "anchor": "Acme's trail shoe range",
        "rel": [], "follow": True, "placement": "content", "hidden": False, "occurrences": 1}
    assert (by_url[NOT_FOUND].reachable, by_url[NOT_FOUND].error) == (False, "HTTP 404")
    assert by_url[ROBOTS].reachable is False
    # the user's store was only read
    con = connect(user_store, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM backlinks").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM link_scores").fetchone() == (0,)
    finally:
        con.close()


def test_network_among_candidates_without_a_store(
        pages: dict[str, FetchedPage], tmp_path: Path) -> None:
    prospects, existing = judge_prospects(pages, (EDITORIAL, *NETWORK), OWN, DOMAIN, CONFIG,
                                          MODEL, tmp_path / "work")
    assert existing == 0
    assert verdicts(prospects) == {
        EDITORIAL: ("live", 86.0, "high", False, ()),
        **{u: ("live", 54.0, "low", True, ("same_subnet",)) for u in NETWORK},
    }


def test_one_network_page_alone_is_not_recognised(
        pages: dict[str, FetchedPage], tmp_path: Path) -> None:
    prospects, _ = judge_prospects(pages, (NETWORK[0],), OWN, DOMAIN, CONFIG, MODEL,
                                   tmp_path / "work")
    assert verdicts(prospects) == {NETWORK[0]: ("live", 74.0, "high", False, ())}


def test_unknown_target_topic_is_not_off_topic(
        pages: dict[str, FetchedPage], tmp_path: Path) -> None:
    prospects, _ = judge_prospects(pages, (EDITORIAL, FARM), (NOT_FOUND,), DOMAIN, CONFIG,
                                   MODEL, tmp_path / "work")
    assert verdicts(prospects) == {
        EDITORIAL: ("live", 74.0, "high", False, ()),
        FARM: ("live", 44.0, "low", True, ("link_farm",)),
    }
    assert all(p.signals["relevance"] is None for p in prospects)


def test_no_candidate_that_can_be_scored_gives_each_its_outcome(
        pages: dict[str, FetchedPage], tmp_path: Path) -> None:
    prospects, existing = judge_prospects(pages, (NOT_FOUND, ROBOTS), OWN, DOMAIN, CONFIG,
                                          MODEL, tmp_path / "work")
    assert existing == 0
    assert verdicts(prospects) == {
        NOT_FOUND: ("page_not_found", None, None, None, ()),
        ROBOTS: ("robots_blocked", None, None, None, ()),
    }


def test_existing_store_prefers_the_snapshot(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    assert existing_store_of(settings) is None
    con = connect(settings.duckdb_path)
    try:
        assert existing_store_of(settings) == settings.duckdb_path
        publish_snapshot(con, settings.snapshot_path)
    finally:
        con.close()
    assert existing_store_of(settings) == settings.snapshot_path


def test_bad_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="absolute http"):
        checked_urls(["trailnews.example/post"], "URL")
    assert checked_urls([EDITORIAL, EDITORIAL], "URL") == [EDITORIAL]
    settings = load_settings(data_dir=tmp_path)
    with pytest.raises(InputError, match=r"must be on acme\.example"):
        prospect(settings, [EDITORIAL], DOMAIN, CONFIG, MODEL,
                 target_urls=["http://elsewhere.example/"])


def test_cli_prints_json_lines(sandbox: RunningSandbox, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from linkvet.cli.app import app

    settings = sandbox_run_settings(sandbox, tmp_path)
    monkeypatch.setenv("LINKVET_PROXY", str(settings.proxy))
    monkeypatch.setenv("LINKVET_HOST_MAP", str(settings.host_map))
    monkeypatch.setenv("LINKVET_ALLOW_HOSTS", "*.example")
    result = CliRunner().invoke(app, ["prospect", EDITORIAL, FARM, NOT_FOUND, "--target",
                                      DOMAIN, "--data-dir", str(tmp_path / "data"), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["url"], r["outcome"], r["score"], r["tier"], r["toxic"], r["markers"])
            for r in rows] == [
        (EDITORIAL, "live", 86.0, "high", False, []),
        (FARM, "live", 44.0, "low", True, ["link_farm"]),
        (NOT_FOUND, "page_not_found", None, None, None, []),
    ]
    assert {r["target"] for r in rows} == {DOMAIN}
    assert not (tmp_path / "data" / "linkvet.duckdb").exists()
