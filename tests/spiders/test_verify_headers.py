"""The verify spider hands the analysis every header line as its own value: an X-Robots-Tag
bot name scopes only the directives on its own line."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request

from linkvet.facts import analyse
from spiders.verify import _headers

URL = "https://blog.example/post"
HTML = b"<p>Read <a href='https://acme.example/'>Acme</a> today.</p>"


def response(*pairs: tuple[str, str]) -> HtmlResponse:
    headers: dict[str, list[str]] = {}
    for name, value in pairs:
        headers.setdefault(name, []).append(value)
    return HtmlResponse(URL, body=HTML, headers=headers, request=Request(URL))


def test_each_header_line_stays_a_value_of_its_own() -> None:
    got = _headers(response(("X-Robots-Tag", "bingbot: nofollow"), ("X-Robots-Tag", "noindex"),
                            ("Content-Type", "text/html; charset=utf-8")))
    assert got == {"x-robots-tag": ["bingbot: nofollow", "noindex"],
                   "content-type": "text/html; charset=utf-8"}


def test_a_bot_named_on_one_line_does_not_take_the_next_lines_directives() -> None:
    page = analyse(HTML, URL, target="acme.example",
                   headers=_headers(response(("X-Robots-Tag", "bingbot: nofollow"),
                                             ("X-Robots-Tag", "noindex"))))
    assert (page.page.noindex, page.page.nofollow) == (True, False)
    assert page.page.x_robots_tag == ["bingbot: nofollow", "noindex"]
    page = analyse(HTML, URL, target="acme.example",
                   headers=_headers(response(("X-Robots-Tag", "otherbot: noindex, nofollow"),
                                             ("X-Robots-Tag", "nofollow"))))
    assert (page.page.noindex, page.page.nofollow) == (False, True)
    assert [(o.follow, o.follow_cause) for o in page.links] == [(False, "x_robots_tag")]
