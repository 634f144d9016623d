"""Rendering many pages rotates the browser context without hanging: every request still ends
as one check, retired contexts are closed, and JavaScript-only links are seen."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.crawl import run_crawl
from flows.verify import write_requests
from linkvet.ids import link_id
from linkvet.settings import Settings
from schemas.records import LinkCheck
from tests.fixtures.sandbox import RunningSandbox


@pytest.mark.browser
@pytest.mark.slow
def test_context_rotation_under_load(sandbox: RunningSandbox, tmp_path: Path) -> None:
    pages = [p for p in sandbox.web.named_pages()
             if p.expected.status == 200 and p.expected.content_type == "text/html"
             and p.archetype != "slow"][:24]
    requests = tmp_path / "requests.jsonl"
    write_requests(requests, "rot", ((link_id(p.url, p.target), p.url, p.target)
                                     for p in pages), "always")
    host_map = tmp_path / "hosts.json"
    sandbox.web.write_host_map(host_map)
    settings = Settings(data_dir=tmp_path, proxy=sandbox.proxy_url, host_map=host_map,
                        allow_hosts=["*.example"], browser_restart_pages=10,
                        max_browser_pages=4, download_timeout=30)
    stats = run_crawl(settings, requests=requests, landing=tmp_path / "landing",
                      work_dir=tmp_path / "work", timeout_s=240)
    checks = [LinkCheck.model_validate_json(line)
              for f in (tmp_path / "landing").glob("*.jsonl")
              for line in f.read_bytes().splitlines() if line.strip()]
    assert sorted(c.source_url for c in checks) == sorted(p.url for p in pages)
    assert stats["linkvet/browser/rendered"] == len(pages)
    # 24 renders, a new context every 10: two retired contexts, both closed.
    assert stats["linkvet/browser/contexts_closed"] == 2
    assert all(c.fetch.rendered and c.fetch.render_reason == "requested" for c in checks)
    js = [c for c in checks if any(o.js_only for o in c.links)]
    assert js == []  # rendered from the start: nothing was seen statically to compare with
