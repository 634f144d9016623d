"""Pages nested deeper than libxml2 parses keep every link (linkvet.facts.deep_parse)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from linkvet.facts import analyse, dom
from linkvet.facts.deep_parse import MAX_DEPTH, parse_capped
from tests.linkvet.facts.test_fuzz import JUNK, TARGET, URL, soup

DEEP = {
    "unclosed font tags": "<p>intro</p>" + "<font color=red>x " * 5000,
    "closed divs": "<div>" * 20000 + "text",
    "nested tables": "<table><tr><td>" * 3000,
    "unclosed inline tags": "<span><b><i>x " * 2000,
}


def _depth(root: etree._Element) -> int:
    return max(sum(1 for _ in el.iterancestors()) for el in root.iter())


@pytest.mark.parametrize("prefix", DEEP.values(), ids=list(DEEP))
def test_links_past_libxml2s_depth_limit_are_found(prefix: str) -> None:
    html = (f"<html><head><title>Deep</title></head><body>{prefix}"
            f"<p>see <a href='{TARGET}' rel=nofollow>acme</a> here</p>"
            "<footer><a href='/about'>about</a></footer></body></html>")
    result = analyse(html, URL, target=TARGET, all_links=True)
    assert [(o.url, o.anchor_text, o.follow) for o in result.links] == [(TARGET, "acme", False)]
    assert [f.url for f in result.all_links] == [TARGET, "https://page.example/about"]
    assert result.page.title == "Deep"
    assert _depth(dom.parse_html(html)) <= MAX_DEPTH + 1


def test_ordinary_pages_stay_with_libxml2() -> None:
    dom.parse_html("<div>" * 3000)
    assert dom._stopped_early(dom._parser())
    # The parser's error log starts afresh with each page.
    root = dom.parse_html("<html><body>" + "<div>" * 1500 + "x</body></html>")
    assert not dom._stopped_early(dom._parser())
    assert _depth(root) == 1501  # html > body > 1500 divs: nothing dropped, nothing capped


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<title>T</title><p>a<p>b<ul><li>x<li>y</ul>",
         "<html><head><title>T</title></head><body><p>a</p><p>b</p>"
         "<ul><li>x</li><li>y</li></ul></body></html>"),
        ("<html lang=fr><body class=b>t</body></html> after",
         '<html lang="fr"><body class="b">t after</body></html>'),
        ("<script>if (a<b) {}</script><p>x",
         "<html><head><script>if (a&lt;b) {}</script></head><body><p>x</p></body></html>"),
        ('<a href="/x?a=1&amp;b=2">A &amp; B</a>',
         '<html><body><a href="/x?a=1&amp;b=2">A &amp; B</a></body></html>'),
        ('<p a"b=1 c=2 c=3>x\x01y</p>',
         '<html><body><p c="2">x\ufffdy</p></body></html>'),
        ("<br/><div/>t</span>u", "<html><body><br/><div>tu</div></body></html>"),
        ("<a href=1>x<a href=2>y", '<html><body><a href="1">x</a><a href="2">y</a></body></html>'),
        ("<table><tr><td>1<td>2<tr><td>3</table>",
         "<html><body><table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>"
         "</body></html>"),
        ("<!-- c --><?pi x?>text", "<html><body>text</body></html>"),
        ("", "<html><body/></html>"),
    ],
)
def test_capped_tree(html: str, expected: str) -> None:
    assert etree.tostring(parse_capped(html), encoding="unicode") == expected


def test_nesting_stops_at_chromiums_depth() -> None:
    root = parse_capped("<div>" * 600 + "x")
    assert _depth(root) == MAX_DEPTH
    assert root.xpath("string(//body)") == "x"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(soup())
def test_every_target_link_reported_once_by_the_capped_tree(case: tuple[str, int]) -> None:
    html, count = case
    with mock.patch.object(dom, "_stopped_early", return_value=True):  # always the fallback
        result = analyse(html, URL, target=TARGET, all_links=True)
    assert len(result.links) == count
    assert sum(1 for f in result.all_links if f.url == TARGET) == count


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["font", "div", "span", "li", "blockquote"]), st.integers(2100, 3000),
       soup())
def test_every_target_link_reported_once_after_deep_nesting(
        tag: str, depth: int, case: tuple[str, int]) -> None:
    html, count = case
    result = analyse(f"<{tag}>" * depth + html, URL, target=TARGET, all_links=True)
    assert len(result.links) == count
    assert sum(1 for f in result.all_links if f.url == TARGET) == count


def test_threads_parsing_at_once_each_read_their_own_parse() -> None:
    # Each thread has its own parser (and so its own error log); one thread keeps its own.
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(dom._parser()))
    thread.start()
    thread.join()
    assert other[0] is not dom._parser()
    assert dom._parser() is dom._parser()
    deep = "<font>" * 2500 + f"<a href='{TARGET}'>acme</a>"
    shallow = f"<p>flat <a href='{TARGET}'>acme</a></p>"
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda html: len(analyse(html, URL, target=TARGET).links),
                              [deep, shallow] * 20))
    assert found == [1] * 40


MARKUP_JUNK = st.sampled_from([
    "<![ x", "<![CDATA[x]]>", "<![if", "<![endif]>", "<!", "<!-", "<?xml", "<a\x01b=1>",
    "<div a=\"\x01\">", "<x:y>", "</x:y>", "<1a>", "<a b='", "&#xD800;", "&#99999999;",
    "<p \x7f=1>", "<svg>", "<head>", "</body>", "<html lang=x>", "<td>", "<li>", "<option>",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(JUNK, MARKUP_JUNK), max_size=40))
def test_the_capped_tree_takes_any_tag_soup(parts: list[str]) -> None:
    root = parse_capped("".join(parts))
    assert root.tag == "html"
    assert [child.tag for child in root][-1] == "body"
