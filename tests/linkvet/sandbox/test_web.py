from __future__ import annotations

import dataclasses
import ipaddress
import itertools
import json
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import get_args

import pytest

from linkvet.sandbox import TARGET_HOME, TARGET_URLS, SandboxWeb, facts
from linkvet.sandbox.filler import Filler
from schemas import records
from tests.linkvet.sandbox.reference import read_links, split

ARCHETYPES = {
    "editorial": 1, "trade_blog": 1, "directory": 1, "link_farm": 1, "network": 6,
    "sitewide_footer": 3, "sponsored": 1, "ugc_comment": 1, "nofollow": 1, "js_injected": 1,
    "hidden_style": 1, "hidden_attribute": 1, "removed": 1, "not_found": 1, "gone": 1,
    "server_error": 1, "redirect_same_site": 1, "redirected_away_301": 1,
    "redirected_away_302": 1, "meta_refresh": 1, "refresh_header": 1,
    "redirecting_href": 1, "canonical_elsewhere": 1, "noindex_meta": 1, "noindex_header": 1,
    "nofollow_header": 1, "nofollow_meta": 1, "robots_blocked": 1, "slow": 1, "huge": 1,
    "not_html": 1, "bad_encoding": 1, "image_link": 1, "nav_link": 1, "header_link": 1,
    "sidebar_link": 1, "base_href": 1,
}


@pytest.fixture(scope="module")
def web() -> SandboxWeb:
    return SandboxWeb(seed=0, slow_delay=0.0)


def by_archetype(web: SandboxWeb) -> dict[str, facts.ReferringPage]:
    return {p.archetype: p for p in web.named_pages()}


def test_vocabularies_are_the_record_contracts() -> None:
    assert get_args(facts.Outcome) == get_args(records.Outcome)
    assert get_args(facts.Placement) == get_args(records.Placement)
    assert get_args(facts.AnchorKind) == get_args(records.AnchorKind)
    assert get_args(facts.MatchKind) == get_args(records.MatchKind)
    assert set(get_args(facts.HopKind)) == set(
        get_args(records.RedirectHop.model_fields["kind"].annotation))


def test_every_archetype_is_listed_the_expected_number_of_times(web: SandboxWeb) -> None:
    assert Counter(p.archetype for p in web.named_pages()) == ARCHETYPES
    urls = [p.url for p in web.named_pages()]
    assert len(urls) == len(set(urls)) == 44


def test_expected_facts_use_valid_vocabularies(web: SandboxWeb) -> None:
    for p in web.named_pages():
        e = p.expected
        assert e.outcome in records.OUTCOMES
        assert p.target in TARGET_URLS
        for link in e.links:
            assert link.placement in get_args(records.Placement)
            assert link.anchor_kind in get_args(records.AnchorKind)
            assert link.match in get_args(records.MatchKind)
            assert link.follow_cause in ("rel", "meta_robots", "x_robots_tag", "default")
            assert link.follow == (link.follow_cause == "default")
            assert link.hidden == (link.hidden_reason is not None)


def test_outcomes_per_archetype(web: SandboxWeb) -> None:
    got = {a: (p.expected.outcome, p.expected.status, p.expected.link_present)
           for a, p in by_archetype(web).items()}
    assert got["removed"] == ("link_removed", 200, False)
    assert got["not_found"] == ("page_not_found", 404, False)
    assert got["gone"] == ("page_gone", 410, False)
    assert got["server_error"] == ("server_error", 500, False)
    assert got["redirected_away_301"] == ("redirected_away", 200, False)
    assert got["redirected_away_302"] == ("redirected_away", 200, False)
    assert got["canonical_elsewhere"] == ("canonicalised_away", 200, True)
    assert got["noindex_meta"] == ("noindex", 200, True)
    assert got["noindex_header"] == ("noindex", 200, True)
    assert got["robots_blocked"] == ("robots_blocked", None, False)
    assert got["not_html"] == ("not_html", 200, False)
    live = {a for a, (outcome, _, _) in got.items() if outcome == "live"}
    assert live == set(ARCHETYPES) - {
        "removed", "not_found", "gone", "server_error", "redirected_away_301",
        "redirected_away_302", "canonical_elsewhere", "noindex_meta", "noindex_header",
        "robots_blocked", "not_html"}
    assert all(got[a][1:] == (200, True) for a in live)


def test_special_links_are_described_exactly(web: SandboxWeb) -> None:
    pages = by_archetype(web)
    only = {a: p.expected.links[0] for a, p in pages.items() if len(p.expected.links) == 1}
    assert (only["sponsored"].rel, only["sponsored"].follow) == (("sponsored",), False)
    assert (only["ugc_comment"].rel, only["ugc_comment"].placement) == (
        ("ugc", "nofollow"), "comments")
    assert only["nofollow_header"].follow_cause == "x_robots_tag"
    assert only["nofollow_meta"].follow_cause == "meta_robots"
    assert only["js_injected"].js_only and pages["js_injected"].expected.needs_render
    assert (only["hidden_style"].hidden_reason, only["hidden_attribute"].hidden_reason) == (
        "inline_style", "hidden_attribute")
    assert only["redirecting_href"] == facts.ExpectedLink(
        href="http://go.short.example/x1", url="http://go.short.example/x1", match="redirect",
        anchor_text="my favourite trail brand",
        href_chain=("http://go.short.example/x1", TARGET_HOME))
    assert (only["image_link"].anchor_kind, only["image_link"].image_alt) == (
        "image", "Acme Trail Co. logo")
    assert [only[a].placement for a in ("nav_link", "header_link", "sidebar_link")] == [
        "navigation", "header", "sidebar"]
    assert (only["base_href"].href, only["base_href"].url) == (
        "pricing", "http://acme.example/pricing")
    assert only["bad_encoding"].anchor_text == "Équipement trail Acme : vestes & chaussures"
    assert pages["redirect_same_site"].expected.redirects == (facts.ExpectedHop(
        "http://www.trailnews.example/2025/gear-roundup", 301, "http"),)
    assert [h.kind for h in pages["meta_refresh"].expected.redirects] == ["meta_refresh"]
    assert [h.kind for h in pages["refresh_header"].expected.redirects] == ["refresh_header"]
    assert {p.expected.links[0].placement for p in web.named_pages()
            if p.archetype == "sitewide_footer"} == {"footer"}


def _final_body(web: SandboxWeb, page: facts.ReferringPage) -> tuple[bytes, str]:
    assert page.expected.final_url is not None
    response = web.respond(*split(page.expected.final_url))
    assert response is not None
    assert response.status == page.expected.status
    return response.body, response.header("X-Robots-Tag") or ""


def test_page_html_holds_exactly_the_expected_links(web: SandboxWeb) -> None:
    checked = 0
    for page in web.named_pages():
        e = page.expected
        if e.status != 200 or e.content_type != "text/html":
            continue
        body, x_robots = _final_body(web, page)
        seen = read_links(web, e.final_url or "", page.target, body, x_robots=x_robots)
        static = tuple(link for link in e.links if not link.js_only)
        assert len(seen) == len(static), page.archetype
        for s, x in zip(seen, static, strict=True):
            assert dataclasses.asdict(s) == {
                k: v for k, v in dataclasses.asdict(x).items() if k != "js_only"
            }, page.archetype
        checked += 1
    assert checked == 39


def test_js_page_is_an_app_shell_without_the_link(web: SandboxWeb) -> None:
    page = by_archetype(web)["js_injected"]
    body, _ = _final_body(web, page)
    html = body.decode()
    assert '<div id="root"></div>' in html and "DOMContentLoaded" in html
    assert "acme.example" not in html and "<a " not in html
    assert "src=" not in html and "<link" not in html


def test_bad_encoding_page_declares_no_charset(web: SandboxWeb) -> None:
    page = by_archetype(web)["bad_encoding"]
    response = web.respond(*split(page.url))
    assert response is not None
    assert response.header("Content-Type") == "text/html"
    assert b"charset" not in response.body.lower()
    assert "Équipement".encode() in response.body


def test_huge_page_has_the_link_near_the_end(web: SandboxWeb) -> None:
    page = by_archetype(web)["huge"]
    response = web.respond(*split(page.url))
    assert response is not None
    assert 3_000_000 < len(response.body) < 3_200_000
    assert response.body.rfind(b'href="http://acme.example/"') > len(response.body) - 5_000


def test_same_seed_same_bytes_other_seed_other_bytes(web: SandboxWeb) -> None:
    again = SandboxWeb(seed=0, filler_hosts=3, pages_per_host=2, slow_delay=0.0)
    other = SandboxWeb(seed=1, filler_hosts=3, pages_per_host=2, slow_delay=0.0)
    first = SandboxWeb(seed=0, filler_hosts=3, pages_per_host=2, slow_delay=0.0)
    urls = [p.url for p in first.referring_pages()] + [f"http://{h}/robots.txt"
                                                       for h in first.hosts()]
    assert urls == [p.url for p in again.referring_pages()] + [
        f"http://{h}/robots.txt" for h in again.hosts()]
    assert list(first.referring_pages()) == list(again.referring_pages())
    differs = 0
    for url in urls:
        a, b = first.respond(*split(url)), again.respond(*split(url))
        assert a is not None and b is not None
        assert (a.status, a.headers, a.body) == (b.status, b.headers, b.body), url
        c = other.respond(*split(url))
        differs += c is None or c.body != a.body
    assert differs > 30


def test_unknown_hosts_and_paths(web: SandboxWeb) -> None:
    assert web.respond("nowhere.example", "/") is None
    missing = web.respond("gearblog.example", "/no/such/page")
    assert missing is not None and missing.status == 404
    assert web.respond("ACME.example", "/pricing") is not None


def test_robots_txt_for_every_host(web: SandboxWeb) -> None:
    for host in web.hosts():
        response = web.respond(host, "/robots.txt")
        assert response is not None and response.status == 200
        assert response.header("Content-Type") == "text/plain; charset=utf-8"
        expected = (b"User-agent: *\nDisallow: /members/\n" if host == "members-run.example"
                    else b"User-agent: *\nDisallow:\n")
        assert response.body == expected, host


def test_host_map_groups_only_the_network_on_one_subnet(tmp_path: Path) -> None:
    web = SandboxWeb(filler_hosts=20)
    mapping = web.host_map()
    network = {p.url.split("/")[2] for p in web.named_pages() if p.archetype == "network"}
    subnets = Counter(ipaddress.ip_network(f"{ip}/24", strict=False)
                      for ip in mapping.values())
    shared = {net for net, n in subnets.items() if n > 1}
    assert shared == {ipaddress.ip_network("198.51.100.0/24")}
    assert {h for h, ip in mapping.items()
            if ipaddress.ip_address(ip) in ipaddress.ip_network("198.51.100.0/24")} == network
    assert len(network) == 6
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("100.64.0.0/10")
               for h, ip in mapping.items() if h not in network)
    assert set(mapping) == set(web.hosts())
    assert mapping["acme.example"] == "100.64.0.1"
    assert web.address("nowhere.example") is None
    out = tmp_path / "hosts.json"
    assert web.write_host_map(out) == len(mapping)
    assert json.loads(out.read_text()) == mapping


def test_filler_names_round_trip_and_reject_lookalikes() -> None:
    filler = Filler(seed=0, hosts=40, pages=3)
    for i in range(40):
        assert filler.host_index(filler.host_name(i)) == i
    name = filler.host_name(7)
    assert filler.host_index(name.replace("-7.", "-07.")) is None
    assert filler.host_index(filler.host_name(40)) is None
    assert filler.host_index("acme.example") is None


def test_filler_pages_are_served_and_link_once_in_content() -> None:
    web = SandboxWeb(filler_hosts=5, pages_per_host=4)
    fillers = [p for p in web.referring_pages() if p.archetype == "filler"]
    assert len(fillers) == 20 == web.page_count() - 44
    for page in fillers:
        response = web.respond(*split(page.url))
        assert response is not None and response.status == 200
        seen = read_links(web, page.url, page.target, response.body)
        assert [(s.anchor_text, s.placement, s.match, s.follow) for s in seen] == [
            (page.expected.links[0].anchor_text, "content", "exact", True)]
    host, path = split(fillers[0].url)
    assert web.respond(host, path + "x") is not None
    assert web.respond(host, path + "x").status == 404  # type: ignore[union-attr]
    assert web.respond(host, "/articles/4-anything").status == 404  # type: ignore[union-attr]


def test_a_hundred_thousand_pages_stream_without_materialising() -> None:
    web = SandboxWeb(filler_hosts=1000, pages_per_host=100)
    started = time.monotonic()
    assert sum(1 for _ in web.referring_pages()) == 100_044 == web.page_count()
    assert time.monotonic() - started < 20
    tracemalloc.start()
    try:
        for _ in itertools.islice(web.referring_pages(), 20_000):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000
