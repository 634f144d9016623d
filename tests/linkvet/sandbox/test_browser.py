"""Chromium through the sandbox proxy: the JavaScript archetype builds its link, and pages
load nothing but themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.sandbox import RunningSandbox

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium")]


def test_chromium_renders_the_injected_link_via_the_proxy(sandbox: RunningSandbox) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), proxy={"server": sandbox.proxy_url},
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            page.goto("http://spa-news.example/article/42", wait_until="load")
            links = page.eval_on_selector_all(
                "a", "els => els.map(e => [e.href, e.textContent, !!e.closest('main')])")
            page.goto("http://www.trailnews.example/2026/05/best-trail-running-shoes-tested")
            page.close()
        finally:
            browser.close()
    assert links == [["http://acme.example/blog/hydration-vest-guide", "Acme hydration vests",
                      True]]
    assert requested == ["http://spa-news.example/article/42",
                         "http://www.trailnews.example/2026/05/best-trail-running-shoes-tested"]
