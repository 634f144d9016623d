"""Long hostile inputs cost linear time. Before, patterns rescanned to the end of the input
from every start position: a long style, a Link header of many "<" or "rel=", and a body of
unclosed "<div" each took from 15 seconds to minutes (the "<noscript" case about 2 s, as
the render policy reads only the first 200 KB). The timeout is the guard against that
coming back; the other inputs check that the results stay right."""

from __future__ import annotations

import pytest

from linkvet.facts import analyse
from linkvet.render_policy import render_reason

URL = "https://page.example/a"
TARGET = "acme.example"


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("style", "reason"), [
    ("a" * 200_000, None),                                # letters, never a colon
    ("/*" * 100_000 + "display:none", None),              # an unclosed comment runs to the end
    ("color:red;" * 20_000 + "/* x */ display : none", "inline_style"),
])
def test_a_long_inline_style(style: str, reason: str | None) -> None:
    html = f"<p>see <a href='https://acme.example/' style='{style}'>acme</a></p>"
    [link] = analyse(html, URL, target=TARGET).links
    assert link.hidden_reason == reason


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("link_header", "canonical"), [
    ("<" * 200_000, None),
    ("<https://page.example/c>;" + "rel=" * 50_000, None),
    ("<x>; rel=next, " * 5_000 + '<https://page.example/c>; rel="canonical"',
     "https://page.example/c"),
])
def test_a_long_link_header(link_header: str, canonical: str | None) -> None:
    page = analyse("<p>x</p>", URL, headers={"Link": link_header}).page
    assert page.canonical == canonical


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("body", "reason"), [
    (b"<div " * 40_000, None),
    (b"<noscript " * 40_000, None),
    (b"<div " * 30_000 + b'<div id="root"></div><script src="a.js"></script>',
     "link_missing_js_page:app_shell+little_text"),
])
def test_many_unclosed_tags_in_the_render_policy(body: bytes, reason: str | None) -> None:
    assert render_reason("auto", link_found=False, body=body, word_count=0) == reason
