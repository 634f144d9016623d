"""The shortcuts taken for speed give exactly what the plain rules give."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkvet.facts.dom import parse_html
from linkvet.facts.page import _VISIBLE_TEXT, visible_text
from linkvet.facts.simhash import _majority, simhash
from linkvet.urls import host_of, resolve, simple_host


def test_simhash_values_are_stable() -> None:
    # Computed with the first (one feature at a time) implementation: stored fingerprints
    # stay comparable.
    text = "The quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat"
    assert simhash(text.split()) == 0x2A599CFEFCBE0D77
    assert simhash(["Hello", "WORLD"]) == 0x0D10C40128C13000
    assert simhash(["one"]) == 0xC915768BAADDF234


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_simhash_lowers_word_by_word_as_the_whole_text_would(text: str) -> None:
    # Digests are memoised by the word as written: the first spelling seen must not decide
    # what another spelling of the same lower-case word hashes to.
    assert simhash(text.split()) == simhash(text.lower().split())


def test_simhash_is_case_insensitive_whichever_spelling_comes_first() -> None:
    assert simhash(["ΟΔΟΣ", "Straße", "İstanbul"]) == simhash(["οδος", "straße", "i̇stanbul"])
    assert simhash(["Hello", "WORLD"]) == simhash(["hello", "world"]) == 0x0D10C40128C13000


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 255, 256, 257, 1000])
def test_majority_matches_counting_each_bit(n: int) -> None:
    rng = random.Random(n)
    lanes = [rng.getrandbits(64) for _ in range(n)]
    packed = sum(v << (64 * i) for i, v in enumerate(lanes))
    expected = sum(1 << bit for bit in range(64)
                   if sum(v >> bit & 1 for v in lanes) * 2 > n)
    assert _majority(packed, n) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<html><head><style>p{}</style></head><body><p>a <b>b</b></p>c</body></html>",
         "a  b  c"),
        ("<html><body><p>a</p><script>x()</script><noscript>n</noscript>b</body></html>",
         "a b"),
        ("<html><body><template>t</template><p>a<style>s</style></p></body></html>", "a"),
        ("<html><body><script src=x></script><p>a</p></body></html>", "a"),
        # libxml2 puts this body inside the noscript: its text is hidden
        ("<head><noscript><body>q</noscript>", ""),
        ("<p>a</p><noscript><p>n</p></noscript><script>s</script>b", "a b"),
        # libxml2 leaves this noscript beside the root element, inside a body of its own
        ("<html></html><noscript><", ""),
    ],
)
def test_visible_text_skips_hidden_elements_with_or_without_the_shortcut(
        html: str, expected: str) -> None:
    assert " ".join(visible_text(parse_html(html)).split()) == " ".join(expected.split())


_SOUP_TAGS = ["html", "body", "head", "div", "p", "b", "script", "style", "noscript",
              "template", "table", "td", "svg", "textarea", "title"]


@st.composite
def _markup(draw: st.DrawFn) -> str:
    """Random, often broken nesting (unclosed and stray end tags, bodies inside scripts)."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(draw(st.text(alphabet="ab <>/!-", max_size=8)))
        elif kind == 1:
            parts.append(f"<{draw(st.sampled_from(_SOUP_TAGS))}>")
        elif kind == 2:
            parts.append(f"</{draw(st.sampled_from(_SOUP_TAGS))}>")
        else:
            parts.append(draw(st.sampled_from(["<!-- c -->", "<br>", "&amp;", "<img>"])))
    return "".join(parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_markup())
def test_visible_text_shortcuts_equal_the_ancestor_test(html: str) -> None:
    root = parse_html(html)
    assert visible_text(root) == " ".join(_VISIBLE_TEXT(root))


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://acme.example/", "acme.example"),
        ("https://a-b.example?q", "a-b.example"),
        ("http://acme.example#f", "acme.example"),
        ("http://acme.example", "acme.example"),
        ("HTTP://Acme.example/", None),  # left to ada
        ("http://127.0.0.1/", None),
        ("http://1.2.3/", None),
        ("http://0x7f.1/", None),
        ("http://xn--bcher-kva.example/", None),
        ("http://acme.example./", None),
        ("http://a..example/", None),
        ("http://user@acme.example/", None),
        ("http://acme.example:8080/", None),
        ("http://acme.example\\path", None),
        (" http://acme.example/", None),
        ("/relative", None),
    ],
)
def test_simple_host_only_answers_when_exact(url: str, host: str | None) -> None:
    assert simple_host(url) == host
    if host is not None:
        resolved = resolve("http://base.example/", url)
        assert resolved is not None
        assert host_of(resolved) == host


@pytest.mark.parametrize(("href", "host"), [
    ("/x", "page.example"),
    ("/", "page.example"),
    ("/\x00x", "page.example"),
    ("/\t/evil.example/", "evil.example"),  # WHATWG drops the tab: "//evil.example/"
    ("/\n/evil.example/", "evil.example"),
    ("/\\evil.example/", "evil.example"),  # a backslash is a slash in http(s) URLs
    ("//evil.example/x", "evil.example"),
    ("x/y", "page.example"),
])
def test_link_hosts_reads_paths_from_the_root_without_resolving(href: str, host: str) -> None:
    from linkvet.facts.links import LinkExtractor

    root = parse_html(f"<a href='{href}'>x</a>")
    extractor = LinkExtractor(root, "http://page.example/a/b", meta_nofollow=False,
                              header_nofollow=False)
    assert list(extractor.link_hosts()) == [host]
    assert host_of(resolve("http://page.example/a/b", href) or "") == host
