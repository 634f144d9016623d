"""schemas.fit: a check of any size serialises to at most the record bound, keeps its primary
occurrence and counts what it left out; a check under the bound is never touched."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkvet.cli.kafka import synthetic_check
from linkvet.occurrence import primary_index
from schemas.fit import (
    ELLIPSIS,
    LIST_ITEMS,
    MAX_RECORD_BYTES,
    TEXT_CHARS,
    URL_CHARS,
    RecordTooLargeError,
    fit,
)
from schemas.records import LinkCheck, LinkOccurrence
from schemas.rows import check_row

OCC = LinkOccurrence(href="/p", url="https://acme.example/p", match="domain",
                     anchor_text="acme", placement="content")


def with_links(links: list[LinkOccurrence], hosts: int = 0) -> LinkCheck:
    base = synthetic_check(7, "fit")
    page = base.page.model_copy(update={
        "outbound_hosts": [f"site-{i}.example.org" for i in range(hosts)]})
    check: LinkCheck = base.model_copy(update={"links": links, "page": page})
    return check


def test_a_check_under_the_bound_is_returned_as_it_is() -> None:
    check = synthetic_check(1, "fit")
    fitted, value = fit(check)
    assert fitted is check
    assert value == check.model_dump_json().encode()


def test_many_occurrences_are_cut_from_the_end_and_counted() -> None:
    links = [OCC.model_copy(update={"href": f"/p/{i}", "anchor_text": f"acme {i} " * 20})
             for i in range(20_000)]
    check = with_links(links)
    fitted, value = fit(check)
    assert len(value) <= MAX_RECORD_BYTES
    assert value == fitted.model_dump_json().encode()
    kept = len(fitted.links)
    assert 1_000 < kept < 20_000
    assert fitted.links == links[:kept]
    assert fitted.links_omitted == 20_000 - kept
    assert fitted.occurrences == 20_000
    assert check_row(fitted)["occurrences"] == 20_000
    assert fitted.page == check.page  # room was found among the occurrences alone


def test_the_primary_occurrence_is_kept_wherever_it_is_on_the_page() -> None:
    footer = OCC.model_copy(update={"placement": "footer", "follow": False,
                                    "anchor_text": "footer link " * 30})
    best = OCC.model_copy(update={"anchor_text": "the editorial link"})
    links = [footer] * 15_000 + [best] + [footer] * 100
    fitted, value = fit(with_links(links))
    assert len(value) <= MAX_RECORD_BYTES
    assert fitted.links[-1] == best
    assert fitted.links[:-1] == [footer] * (len(fitted.links) - 1)
    assert primary_index(fitted.links) == len(fitted.links) - 1
    assert check_row(fitted)["anchor_text"] == "the editorial link"
    assert fitted.occurrences == 15_101


def test_outbound_hosts_are_cut_when_one_occurrence_is_all_that_is_left() -> None:
    check = with_links([OCC], hosts=60_000)
    fitted, value = fit(check)
    assert len(value) <= MAX_RECORD_BYTES
    assert fitted.links == [OCC] and fitted.links_omitted == 0
    hosts = fitted.page.outbound_hosts
    assert 10_000 < len(hosts) < 60_000
    assert hosts == check.page.outbound_hosts[: len(hosts)]
    assert fitted.page.outbound_domains == check.page.outbound_domains


def test_long_fields_are_cut_to_their_bounds() -> None:
    rel = [f"token{i}" for i in range(5_000)] + ["nofollow"]
    occ = OCC.model_copy(update={
        "anchor_text": "word " * 300_000, "href": "/?q=" + "x" * 100_000,
        "url": "https://acme.example/?q=" + "x" * 100_000, "rel": rel, "follow": False,
        "follow_cause": "rel", "dom_path": ">".join(["div"] * 400_000) + ">a",
        "image_alt": "alt " * 100_000, "title": None,
    })
    check = with_links([occ])
    page = check.page.model_copy(update={"title": "t" * 2_000_000,
                                         "meta_robots": ["noindex"] * 10_000})
    fitted, value = fit(check.model_copy(update={"page": page}))
    assert len(value) <= MAX_RECORD_BYTES
    got = fitted.links[0]
    assert len(got.anchor_text) == TEXT_CHARS and got.anchor_text.endswith(ELLIPSIS)
    assert got.anchor_text.startswith("word word ")
    assert len(got.url) == URL_CHARS and got.url.startswith("https://acme.example/?q=xxx")
    assert len(got.href) == URL_CHARS
    assert got.rel == [f"token{i}" for i in range(LIST_ITEMS)] + ["nofollow"]
    assert got.dom_path.startswith(ELLIPSIS) and got.dom_path.endswith("div>div>a")
    assert len(got.dom_path) == TEXT_CHARS
    assert got.title is None and len(got.image_alt or "") == TEXT_CHARS
    assert len(fitted.page.title or "") == TEXT_CHARS
    assert fitted.page.meta_robots == ["noindex"] * LIST_ITEMS
    assert (fitted.outcome, fitted.check_id, fitted.source_url) == (
        check.outcome, check.check_id, check.source_url)


def test_a_check_that_cannot_fit_says_why() -> None:
    check = synthetic_check(1, "fit").model_copy(
        update={"source_url": "https://blog.example/" + "a" * 5_000})
    with pytest.raises(RecordTooLargeError, match="source URL is 5,021 characters"):
        fit(check, limit=4_000)


@settings(max_examples=40, deadline=None)
@given(occurrences=st.integers(0, 3_000), hosts=st.integers(0, 20_000),
       anchor=st.integers(0, 50_000), limit=st.integers(20_000, 400_000),
       primary=st.integers(0, 3_000))
def test_any_check_fits_any_bound_and_keeps_its_facts(occurrences: int, hosts: int,
                                                      anchor: int, limit: int,
                                                      primary: int) -> None:
    hidden = OCC.model_copy(update={"hidden": True, "anchor_text": "é" * anchor})
    links = [hidden] * occurrences
    if occurrences:
        links[primary % occurrences] = OCC
    check = with_links(links, hosts)
    fitted, value = fit(check, limit=limit)
    assert len(value) <= limit
    assert json.loads(value) == json.loads(fitted.model_dump_json())
    assert fitted.occurrences == occurrences
    if occurrences:
        assert fitted.links[primary_index(fitted.links) or 0] == OCC
    assert check_row(fitted)["link_present"] == (occurrences > 0)
