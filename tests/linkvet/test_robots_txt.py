"""linkvet.robots_txt: RFC 9309's reading of a robots.txt, as pure functions."""

from __future__ import annotations

import pytest

from linkvet.robots_txt import (
    PARSE_LIMIT,
    RobotsRules,
    product_token,
    robots_key,
    status_rule,
)

UA = "linkvet/0.1 (+https://github.com/linkvet/linkvet; backlink verifier)"
PAGE = "https://site.example/page"


def allowed(robots: str, url: str = PAGE, user_agent: str = UA) -> bool:
    return RobotsRules.parse(robots.encode(), user_agent).allowed(url)


def test_product_token() -> None:
    assert product_token(UA) == "linkvet"
    assert product_token("  Googlebot-News/2.1") == "googlebot-news"
    assert product_token("/0.1") == ""


@pytest.mark.parametrize(("robots", "verdict"), [
    # another crawler's group, whatever words of linkvet's User-Agent it shares
    ("User-agent: linkvet\nAllow: /\n\nUser-agent: backlink\nDisallow: /\n", True),
    ("User-agent: link\nDisallow: /\n", True),
    ("User-agent: verifier\nDisallow: /\n", True),
    ("User-agent: linkvet-news\nDisallow: /\n", True),
    ("User-agent: github\nDisallow: /\n", True),
    # linkvet's own group, named in any case or with a version
    ("User-agent: LinkVet/2.0\nDisallow: /\n", False),
    ("User-agent: linkvet\nDisallow: /page\n", False),
    ("User-Agent:LINKVET # us\nDisallow: /\n", False),
    ("User-agent: otherbot\nUser-agent: linkvet\nDisallow: /\n", False),  # one group, two names
    # its own group before the "*" one, whichever comes first
    ("User-agent: *\nDisallow: /\n\nUser-agent: linkvet\nAllow: /\n", True),
    ("User-agent: linkvet\nDisallow:\n\nUser-agent: *\nDisallow: /\n", True),
    ("User-agent: *\nDisallow: /\n", False),
    ("\ufeffUser-agent: *\r\nDisallow: /page\r\n", False),  # BOM and CRLF
    ("", True),
])
def test_the_group_is_chosen_by_the_whole_product_token(robots: str, verdict: bool) -> None:
    assert allowed(robots) is verdict


def test_crawl_delay_comes_from_the_crawlers_group() -> None:
    robots = "User-agent: *\nCrawl-delay: 9\n\nUser-agent: link\nCrawl-delay: 7\n"
    assert RobotsRules.parse(robots.encode(), UA).crawl_delay() == 9.0
    robots += "\nUser-agent: linkvet\nCrawl-delay: 2\n"
    assert RobotsRules.parse(robots.encode(), UA).crawl_delay() == 2.0


def test_only_the_first_500_kib_are_read_back_to_a_whole_line() -> None:
    head = "User-agent: *\nDisallow: /private\n"
    comment = "#" + "x" * (PARSE_LIMIT - 13 - len(head) - 2) + "\n"
    # the limit cuts "Disallow: /page" after "Disallow: /pa" (which, kept, would block /page);
    # "Disallow: /" is past it
    robots = head + comment + "Disallow: /page\nDisallow: /\n"
    assert robots.index("Disallow: /page") == PARSE_LIMIT - 13
    rules = RobotsRules.parse(robots.encode(), UA)
    assert rules.allowed(PAGE) is True
    assert rules.allowed("https://site.example/private/1") is False
    assert allowed(head + "Disallow: /page\n") is False  # the same rule, read whole


@pytest.mark.parametrize(("status", "rule"), [
    (200, "parse"), (204, "parse"), (401, "allow_all"), (403, "allow_all"),
    (404, "allow_all"), (410, "allow_all"), (429, "unreachable"), (500, "unreachable"),
    (503, "unreachable"), (599, "unreachable"), (304, "allow_all"),
])
def test_status_rules(status: int, rule: str) -> None:
    assert status_rule(status) == rule


def test_each_scheme_host_and_port_has_its_own_robots_txt() -> None:
    assert robots_key("https://Site.Example/a?b") == "https://site.example"
    assert robots_key("http://site.example/a") == "http://site.example"
    assert robots_key("http://site.example:8080/a") == "http://site.example:8080"
