"""The verify spider on every sandbox archetype, through the real path: a child process running
Scrapy (and Chromium for the JavaScript pages) through the sandbox proxy, landing files out.

One crawl per session covers every page; each archetype is then one test asserting its exact
facts and outcome against what the sandbox knows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flows.crawl import run_crawl
from flows.verify import write_requests
from linkvet.ids import link_id
from linkvet.sandbox import ReferringPage, SandboxWeb
from linkvet.settings import Settings
from schemas.records import LinkCheck
from tests.fixtures.sandbox import RunningSandbox

PAGES = SandboxWeb(seed=0, slow_delay=1.0).named_pages()


@pytest.fixture(scope="session")
def crawled(
    sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, LinkCheck]:
    work = tmp_path_factory.mktemp("verify")
    host_map = work / "hostmap.json"
    sandbox.web.write_host_map(host_map)
    requests = work / "requests.jsonl"
    write_requests(
        requests,
        "t",
        ((link_id(p.url, p.target), p.url, p.target) for p in sandbox.web.named_pages()),
        "auto",
    )
    settings = Settings(
        data_dir=work,
        proxy=sandbox.proxy_url,
        host_map=host_map,
        allow_hosts=["*.example"],
        download_timeout=10,
        retry_times=1,
    )
    stats = run_crawl(
        settings, requests=requests, landing=work / "landing", work_dir=work, timeout_s=240
    )
    assert stats["linkvet/requests/read"] == len(PAGES)
    checks = [
        LinkCheck.model_validate_json(line)
        for f in sorted((work / "landing").glob("*.jsonl"))
        for line in f.read_bytes().splitlines()
        if line.strip()
    ]
    return {c.source_url: c for c in checks}


def _ids(pages: list[ReferringPage]) -> Iterator[str]:
    for page in pages:
        yield f"{page.archetype}:{page.url.split('//', 1)[1]}"


def test_every_request_ends_as_exactly_one_check(crawled: dict[str, LinkCheck]) -> None:
    assert sorted(crawled) == sorted(p.url for p in PAGES)


@pytest.mark.browser
@pytest.mark.parametrize("page", PAGES, ids=list(_ids(PAGES)))
def test_archetype_facts(page: ReferringPage, crawled: dict[str, LinkCheck]) -> None:
    check = crawled[page.url]
    exp = page.expected
    assert check.outcome == exp.outcome
    assert check.fetch.status == exp.status
    if exp.final_url is not None:
        assert check.fetch.final_url == exp.final_url
    assert [(h.url, h.status, h.kind) for h in check.fetch.redirects] == [
        (h.url, h.status, h.kind) for h in exp.redirects
    ]
    assert check.fetch.robots_allowed is exp.robots_allowed
    if exp.status == 200 and exp.content_type == "text/html":
        assert check.page.noindex is exp.noindex
        assert check.page.nofollow is exp.nofollow
    got = [
        (
            o.url,
            o.match,
            o.anchor_text,
            o.anchor_kind,
            o.image_alt,
            tuple(o.rel),
            o.follow,
            o.follow_cause,
            o.placement,
            o.hidden,
            o.hidden_reason,
            o.js_only,
            tuple(o.href_chain),
        )
        for o in check.links
    ]
    want = [
        (
            e.url,
            e.match,
            e.anchor_text,
            e.anchor_kind,
            e.image_alt,
            e.rel,
            e.follow,
            e.follow_cause,
            e.placement,
            e.hidden,
            e.hidden_reason,
            e.js_only,
            e.href_chain,
        )
        for e in exp.links
    ]
    assert got == want
    assert check.fetch.rendered is exp.needs_render
    assert check.fetch.server_ip is not None or exp.status is None
