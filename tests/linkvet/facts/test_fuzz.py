"""Hostile input: tag soup with a known number of links to the target, and random bytes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkvet.facts import analyse

URL = "https://page.example/a/b"
TARGET = "https://acme.example/t"
TAGS = ["div", "p", "span", "b", "table", "td", "tr", "li", "ul", "noscript", "template",
        "nav", "footer", "script", "style", "textarea", "title", "select", "svg", "a", "form"]
JUNK = st.sampled_from([
    "<", ">", "</", "&amp;", "&#x0;", "\x00", "\"", "'", "=", "<!--", "-->", "<![CDATA[",
    "<?xml version='1.0' encoding='latin-1'?>", "<meta charset=utf-16>", "é", "\ud7ff", "\n",
    "<a href='https://acme.example/other'>", "<base href='javascript:x'>", "<a href='//'>",
    "<br/>", "<img src=x>", "word", "<x\x01y>", "<p \x02=1>",
])


@st.composite
def soup(draw: st.DrawFn) -> tuple[str, int]:
    """Random nested markup (all tags closed, text escaped) plus unclosed-tag junk that
    cannot break a quoted attribute, with a known count of target links."""
    parts: list[str] = []
    count = 0

    def node(depth: int) -> None:
        nonlocal count
        kind = draw(st.integers(0, 5 if depth < 6 else 2))
        if kind == 0:
            parts.append(draw(st.text(alphabet="abc ,.", max_size=12)))
        elif kind == 1:
            parts.append(draw(JUNK).replace("<", "&lt;").replace(">", "&gt;"))
        elif kind == 2:
            count += 1
            parts.append(f"<a href='{TARGET}' rel='{draw(st.sampled_from(['', 'nofollow']))}'>"
                         f"{draw(st.text(alphabet='xyz ', max_size=5))}</a>")
        else:
            tag = draw(st.sampled_from([t for t in TAGS if t not in {
                "a", "script", "style", "textarea", "title", "select", "svg", "template"}]))
            parts.append(f"<{tag}>")
            for _ in range(draw(st.integers(0, 3))):
                node(depth + 1)
            parts.append(f"</{tag}>")

    for _ in range(draw(st.integers(0, 8))):
        node(0)
    return "".join(parts), count


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(soup())
def test_every_target_link_reported_once(case: tuple[str, int]) -> None:
    html, count = case
    result = analyse(html, URL, target=TARGET, all_links=True)
    assert len(result.links) == count
    assert all(o.url == TARGET and o.match == "exact" for o in result.links)
    assert sum(1 for f in result.all_links if f.url == TARGET) == count


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600), st.lists(JUNK, max_size=30))
def test_random_bytes_and_junk_do_not_crash(noise: bytes, junk: list[str]) -> None:
    for body in (noise, "".join(junk).encode("utf-8", "surrogatepass"), "".join(junk)):
        result = analyse(body, URL, target="acme.example", all_links=True,
                         headers={"Content-Type": "text/html; charset=utf-16"})
        assert result.page.word_count >= 0
        assert {o.url for o in result.links} <= {f.url for f in result.all_links}
        assert all(f.placement in {"content", "navigation", "header", "footer", "sidebar",
                                   "comments", "other"} for f in result.all_links)
