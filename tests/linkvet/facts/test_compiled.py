"""The compiled walks (Cython) give exactly what their Python references give.

``linkvet.facts._cwalk`` finds the content region and block counts, the text of a link's block
and DOM paths; ``_csimhash`` does the simhash arithmetic. Each has a pure-Python twin that runs
where they were not built; both are held equal here on the real dev pages, the sandbox's pages
and random markup."""

from __future__ import annotations

import gzip
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from linkvet.facts import _csimhash, _cwalk
from linkvet.facts.decode import decode_html
from linkvet.facts.dom import Element, parse_html
from linkvet.facts.links import DomPaths, block_text, hidden_reason, nearest_block
from linkvet.facts.page import visible_fingerprint, visible_words
from linkvet.facts.placement import PagePlacement
from linkvet.facts.simhash import of_lanes, simhash, word_digest
from linkvet.sandbox import SandboxWeb
from tests.linkvet.facts.test_fuzz import soup

ROOT = Path(__file__).resolve().parents[3]
DEV_PAGES = sorted((ROOT.parent / "shared" / "testdata" / "placement-dev" / "html").glob("*.gz"))


def assert_same_placement(root: Element) -> int:
    """Region, block counts and placement of every link, the text of its block, the DOM
    path of every element and the visible words of the page agree; returns the links
    compared."""
    words = visible_words(root)
    assert words == visible_words(root, compiled=False)
    assert _cwalk.visible_lanes(root, _cwalk.WordDigests(word_digest)) == (
        len(words), b"".join(map(word_digest, words)))
    assert visible_fingerprint(root) == visible_fingerprint(root, compiled=False)
    compiled = PagePlacement(root)
    python = PagePlacement(root, compiled=False)
    assert compiled.region == python.region
    links = 0
    for el in root.iter("a", "area"):
        assert compiled.block_stats(el) == python.block_stats(el)
        assert compiled.classify(el) == python.classify(el)
        block = nearest_block(el)
        assert block_text(block) == block_text(block, compiled=False)
        assert _cwalk.may_hide(el) or hidden_reason(el) is None
        links += 1
    paths, python_paths = DomPaths(), DomPaths(compiled=False)
    for el in root.iter(etree.Element):
        assert paths.path(el) == python_paths.path(el)
    return links


def test_the_compiled_walks_are_built() -> None:
    # every install from this repository builds them (setup.py); a missing one is a broken
    # install that would run several times slower
    assert _cwalk is not None
    assert _csimhash is not None


def test_build_pins_the_lxml_it_runs_with() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    build_lxml = [r for r in pyproject["build-system"]["requires"] if r.startswith("lxml")]
    constraints = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    assert build_lxml == [c for c in constraints if c.startswith("lxml==")]


def test_space_is_what_python_splits_on() -> None:
    differ = [c for c in range(0x110000) if _cwalk.is_space(c) != chr(c).isspace()]
    assert differ == []


@pytest.mark.skipif(not DEV_PAGES, reason="../shared/testdata/placement-dev is not beside")
def test_same_placement_on_the_real_dev_pages() -> None:
    links = 0
    for path in DEV_PAGES:
        links += assert_same_placement(parse_html(decode_html(gzip.decompress(
            path.read_bytes()), None).text))
    assert links > 10_000


def test_same_placement_on_the_sandbox_pages() -> None:
    web = SandboxWeb(filler_hosts=3, pages_per_host=3, slow_delay=0.0)
    bodies = []
    for page in web.referring_pages():
        parts = urlsplit(page.url)
        answer = web.respond(parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
        if answer is not None and answer.body:
            bodies.append(answer.body)
    assert len(bodies) > 20
    for body in bodies:
        assert_same_placement(parse_html(body.decode("utf-8", "replace")))


CASES = [
    "<p>plain words, and a <a href=x>link</a> inside a paragraph long enough to be prose</p>",
    "<div><a href=x><div>a block inside a link counts as link text, all of it here</div></a></div>",
    "<noscript><p>hidden prose <a href=x>link</a> that is skipped, however long</p></noscript>",
    "<div>tail \u00a0 spaces\u2003and\u3000ideographic,\u060c\uff0c\u3001 commas<b>x</b> "
    "after <a href=x>y</a>\t\n   words words words words words words</div>",
    "<article><p>" + "word, " * 300 + "<a href=x>z</a></p></article><aside><p>" + "s " * 40
    + "<a href=y>w</a></p></aside>",
    "<html><body><main><div class='content'><p>" + "text " * 30 + "</p></div><div id='related'>"
    "<p>" + "more " * 30 + "</p></div><div><p>" + "sibling prose, " * 10 + "</p></div></main>",
    "<table><tr><td>cell " * 20 + "<a href=x>l</a></td></tr></table>",
    "<div id=' main ' class='\u00a0first second'><p><a href=x>a</a><a href=y>b</a>"
    "<noscript><a href=z>c</a></noscript><br><a href=w>é<b>d</b>e</a></p><p>x</p></div>",
    "<ul>" + "<li><a href=x>item</a></li>" * 70 + "</ul>",
    "<div style='display:none'><a href=x>a</a></div><p hidden><a href=y>b</a></p>"
    "<span aria-hidden=true><a href=z>c</a></span><template><a href=t>d</a></template>"
    "<a href=s style='visibility:hidden'>e</a><a href=v>visible</a>",
    "<div>" * 40 + "<a href=deep>deep</a>" + "</div>" * 40,
    "",
    "<a href=x>only a link</a>",
    # visible words: bodies beside and inside bodies, hiding elements with children, around
    # the body and inside it, text beside the root element
    "<p>before</p></html><body>beside <b>the root</b></body><p>after \u2028 all</p>",
    "<body>outer <body>inner <script>no</script> x</body> y</body>",
    "<body><noscript><p>hidden <b>too</b></p></noscript><style>s{}</style>a<template><p>t"
    "</p></template> b\x0b\x1cc\u0085d</body>",
    "<template><body>never <p>seen</p></body></template><div>words</div>",
    "<svg><script>x</script><style>y</style><title>t</title><text>svg words</text></svg>",
    "<![CDATA[cdata]]><body>\u00e9t\u00e9 <![CDATA[in body]]> \U0001f600\u00a0ok</body>",
]


@pytest.mark.parametrize("html", CASES)
def test_same_placement_on_written_cases(html: str) -> None:
    assert_same_placement(parse_html(html))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(soup(), st.text(max_size=40))
def test_same_placement_on_random_markup(case: tuple[str, int], noise: str) -> None:
    assert_same_placement(parse_html(case[0] + noise))


WORDS = st.lists(st.text(alphabet=st.characters(exclude_categories=["Zs", "Cs"]), min_size=1,
                         max_size=6), max_size=700)


@settings(max_examples=200, deadline=None)
@given(WORDS)
def test_same_simhash_as_the_big_integer_version(words: list[str]) -> None:
    assert simhash(words) == simhash(words, compiled=False)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 254, 255, 256, 257, 258, 600])
def test_same_simhash_across_counter_flushes(n: int) -> None:
    # 255 shingles fill the byte-wide counters: the counts around it must carry over
    words = [f"w{i % 37}" for i in range(n)]
    assert simhash(words) == simhash(words, compiled=False)
    lanes = b"".join(map(word_digest, words))
    assert of_lanes(lanes) == of_lanes(lanes, compiled=False) == simhash(words)


@settings(max_examples=100, deadline=None)
@given(WORDS)
def test_simhash_of_the_digests_is_the_simhash_of_the_words(words: list[str]) -> None:
    lanes = b"".join(map(word_digest, words))
    assert of_lanes(lanes) == of_lanes(lanes, compiled=False) == simhash(words)


@pytest.mark.parametrize("compiled", [True, False])
def test_lanes_that_are_not_whole_digests_are_refused(compiled: bool) -> None:
    with pytest.raises(ValueError, match="8 bytes a word, not 12 bytes"):
        of_lanes(b"x" * 12, compiled=compiled)


def test_word_digests_ask_once_per_word_and_start_again_when_full() -> None:
    asked: list[str] = []

    def digest(word: str) -> bytes:
        asked.append(word)
        return word_digest(word)

    table = _cwalk.WordDigests(digest, limit=3)
    root = parse_html("<body><p>Tea tea \u00e9t\u00e9</p><script>x y</script> tea Tea</body>")
    expected = b"".join(map(word_digest, ["Tea", "tea", "\u00e9t\u00e9", "tea", "Tea"]))
    assert _cwalk.visible_lanes(root, table) == (5, expected)
    assert asked == ["Tea", "tea", "\u00e9t\u00e9"] and len(table) == 3
    # a fourth word fills the table past its limit: it is emptied, then refills
    assert _cwalk.visible_lanes(parse_html("<body>new Tea</body>"), table) == (
        2, word_digest("new") + word_digest("Tea"))
    assert asked[3:] == ["new", "Tea"] and len(table) == 2
    table.clear()
    assert len(table) == 0 and _cwalk.visible_lanes(parse_html("<p>"), table) == (0, b"")


def test_word_digests_shared_by_threads_give_each_page_its_own_lanes() -> None:
    # The digest callable runs Python code, so another thread can fill or empty the table
    # meanwhile: every walk must still get exactly its own page's digests.
    import sys
    import threading

    table = _cwalk.WordDigests(word_digest, limit=40)  # emptied again and again
    pages = [" ".join(f"w{t}x{i % 97}" for i in range(300)) for t in range(4)]
    roots = [parse_html(f"<body><p>{text}</p></body>") for text in pages]
    wanted = [(300, b"".join(map(word_digest, text.split()))) for text in pages]
    wrong: list[int] = []

    def walk(t: int) -> None:
        for _ in range(30):
            if _cwalk.visible_lanes(roots[t], table) != wanted[t]:
                wrong.append(t)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=walk, args=(t,)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert wrong == []


def test_word_digests_refuse_a_digest_that_is_not_8_bytes() -> None:
    table = _cwalk.WordDigests(lambda word: word.encode())
    with pytest.raises(TypeError, match="digest must return 8 bytes, not b'short'"):
        _cwalk.visible_lanes(parse_html("<body>short</body>"), table)
    with pytest.raises(ValueError, match="limit must be at least 1, not 0"):
        _cwalk.WordDigests(word_digest, limit=0)
