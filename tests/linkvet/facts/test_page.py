from __future__ import annotations

import pytest

from linkvet.facts import analyse
from linkvet.facts.robots import RobotsVerdict, parse_x_robots_tag
from linkvet.facts.simhash import distance, simhash

URL = "https://www.site.example/post/1"


def page(html: str, **kw: object) -> object:
    return analyse(html, URL, **kw).page  # type: ignore[arg-type]


def test_title_language_canonical_self() -> None:
    html = ("<html lang='en-GB'><head><title>  A \n title </title>"
            "<link rel='canonical' href='/post/1/'></head><body><svg><title>x</title></svg>"
            "</body></html>")
    facts = analyse(html, URL).page
    assert (facts.title, facts.language) == ("A title", "en-GB")
    assert facts.canonical == "https://www.site.example/post/1/"
    assert facts.canonical_is_self is True


def test_canonical_elsewhere_and_header_canonical_and_meta_language() -> None:
    html = ("<head><meta http-equiv='content-language' content=' de  en'>"
            "<link rel='canonical' href='https://other.example/a'></head>")
    facts = analyse(html, URL).page
    assert (facts.canonical, facts.canonical_is_self, facts.language) == (
        "https://other.example/a", False, "de")
    facts = analyse("<p>x</p>", URL, headers={"Link": '<https://site.example/c>; rel="canonical"'}
                    ).page
    assert (facts.canonical, facts.canonical_is_self, facts.language) == (
        "https://site.example/c", False, None)


def test_meta_robots_generic_and_bot_specific() -> None:
    html = ("<meta name='robots' content='NOINDEX'><meta name='googlebot' content='nofollow'>"
            "<meta name='bingbot' content='none'><meta name='viewport' content='x'>")
    result = analyse(html, URL)
    assert result.page.meta_robots == ["noindex", "googlebot: nofollow", "bingbot: noindex",
                                       "bingbot: nofollow"]
    assert (result.page.noindex, result.page.nofollow) == (True, True)
    assert result.robots.meta == RobotsVerdict(noindex=True, nofollow=False,
                                                googlebot_noindex=True, googlebot_nofollow=True)


def test_x_robots_tag_forms() -> None:
    assert RobotsVerdict.of(parse_x_robots_tag(["googlebot: noindex, nofollow"])) == \
        RobotsVerdict(False, False, True, True)
    assert RobotsVerdict.of(parse_x_robots_tag(["otherbot: noindex", "nofollow"])) == \
        RobotsVerdict(False, True, False, True)
    assert RobotsVerdict.of(parse_x_robots_tag(["unavailable_after: 25 Jun 2010, none"])) == \
        RobotsVerdict(True, True, True, True)
    result = analyse("<p>x</p>", URL, headers={"X-Robots-Tag": ["googlebot: noindex",
                                                                 "bingbot: nofollow"]})
    assert result.page.x_robots_tag == ["googlebot: noindex", "bingbot: nofollow"]
    assert (result.page.noindex, result.page.nofollow) == (True, False)


def test_word_count_ignores_invisible_text() -> None:
    html = ("<head><title>t t</title><style>a b</style></head><body>one two"
            "<script>var x = 1</script><noscript>no js</noscript><template>t</template>"
            "<p>three <b>four</b></p></body>")
    assert analyse(html, URL).page.word_count == 4


def test_link_counts_by_registrable_domain() -> None:
    html = ("<a href='/a'>1</a><a href='https://blog.site.example/'>2</a>"
            "<a href='https://x.other.example/p'>3</a><a href='https://y.other.example/'>4</a>"
            "<a href='https://third.example'>5</a><a href='mailto:a@b.c'>6</a>"
            "<a href='javascript:void(0)'>7</a><area href='//third.example/q'><a>8</a>")
    facts = analyse(html, URL).page
    assert (facts.internal_links, facts.outbound_links, facts.outbound_domains) == (2, 4, 2)
    assert facts.outbound_hosts == ["x.other.example", "y.other.example", "third.example"]


def test_simhash_near_duplicates_are_close_and_different_texts_far() -> None:
    text = ("The quick brown fox jumps over the lazy dog while the farmer watches from the "
            "porch and the sun sets slowly behind the distant hills of the quiet valley ") * 4
    near = text.replace("farmer", "farmers", 1)
    other = ("Quarterly revenue rose sharply as the company expanded its cloud business "
             "into new markets across Europe and Asia, analysts said on Tuesday ") * 4
    a, b, c = (simhash(t.split()) for t in (text, near, other))
    assert distance(a, b) <= 6
    assert distance(a, c) >= 20
    assert simhash([]) == 0
    fp = analyse(f"<p>{text}</p>", URL).page.text_fingerprint
    assert fp == f"{a:016x}"


LANGUAGE = {"Content-Language": "pt-BR"}


@pytest.mark.parametrize(("html", "language"), [
    ("<html lang='nl'><p>x", "nl"),
    ("<html lang=''><p>x", None),  # empty: the language is unknown, nothing else is asked
    ("<html xml:lang='nl'><p>x", "pt-BR"),  # xml:lang means nothing in HTML
    ("<meta http-equiv='Content-Language' content='fr, en'><p>x", "pt-BR"),  # a list: ignored
    ("<meta http-equiv='content-language' content='fr en'><p>x", "fr"),  # its first word
    ("<template><meta http-equiv='content-language' content='fr'></template><p>x", "pt-BR"),
])
def test_language_follows_html_rules(html: str, language: str | None) -> None:
    assert analyse(html, URL, headers=LANGUAGE).page.language == language


@pytest.mark.parametrize(("html", "canonical"), [
    # in the body (written there, or pushed there by a <div> that ends the head): ignored
    ("<head><title>P</title></head><body><p><link rel='canonical' href='https://s.example/'>",
     None),
    ("<head><title>P</title><div>ad</div><link rel='canonical' href='https://s.example/'>",
     None),
    ("<body><svg><link rel='canonical' href='https://s.example/'></svg>", None),
    ("<head><template><link rel='canonical' href='https://s.example/'></template></head>", None),
    # several that disagree: none counts; several that agree: that one
    ("<head><link rel=canonical href='https://a.example/'>"
     "<link rel=canonical href='https://b.example/'></head>", None),
    ("<head><link rel=canonical href='/a'><link rel=canonical href='https://www.site.example/a'>",
     "https://www.site.example/a"),
    # one that cannot be resolved is skipped
    ("<head><link rel=canonical href='javascript:void(0)'>"
     "<link rel='Canonical alternate' href='/b'></head>", "https://www.site.example/b"),
])
def test_canonical_only_from_the_head_and_only_when_agreed(html: str,
                                                          canonical: str | None) -> None:
    assert analyse(html, URL).page.canonical == canonical


@pytest.mark.parametrize(("link", "canonical"), [
    ('<https://site.example/c>; title="a, b"; rel="canonical"', "https://site.example/c"),
    ('<https://site.example/c>; rel="non-canonical"', None),
    ('<https://site.example/c>; rel="alternate CANONICAL"', "https://site.example/c"),
    ('<https://site.example/c>; rel=canonical; rel=alternate', "https://site.example/c"),
    ('<https://site.example/c>; rel=alternate; rel=canonical', None),  # a second rel: ignored
    ('<https://x.example/s.css>; rel=preload, <https://site.example/d>; rel=canonical',
     "https://site.example/d"),
    ('<a<https://site.example/e>; rel=canonical', "https://site.example/e"),
    ('<https://a.example/>; rel=canonical, <https://b.example/>; rel=canonical', None),
])
def test_link_header_canonical(link: str, canonical: str | None) -> None:
    assert analyse("<p>x</p>", URL, headers={"Link": link}).page.canonical == canonical


def test_a_relative_link_header_canonical_ignores_the_documents_base() -> None:
    html = "<head><base href='https://cdn.example/x/'></head><p>x</p>"
    facts = analyse(html, URL, headers={"Link": '<page>; rel="canonical"'}).page
    assert facts.canonical == "https://www.site.example/post/page"


def test_template_content_is_not_part_of_the_page() -> None:
    html = ("<head><template><title>T</title><meta name=robots content=noindex>"
            "<base href='https://cdn.example/'></template><title>Real</title></head>"
            "<p><a href='a'>a</a></p>")
    result = analyse(html, URL, target="https://www.site.example/post/a")
    assert (result.page.title, result.page.noindex, result.base_url) == ("Real", False, URL)
    assert [o.url for o in result.links] == ["https://www.site.example/post/a"]


@pytest.mark.parametrize(("page", "canonical", "is_self"), [
    ("https://www.site.example/post?utm_source=x&utm_medium=y", "https://www.site.example/post",
     True),
    ("https://www.site.example/post?fbclid=abc", "/post", True),
    ("https://www.site.example/p?b=2&a=1&gclid=z", "https://site.example/p?a=1&b=2", True),
    ("https://www.site.example/p?id=7&utm_campaign=q", "https://www.site.example/p?id=7", True),
    ("https://www.site.example/p?id=7", "https://www.site.example/p?id=8", False),
    ("https://www.site.example/p?id=7", "https://www.site.example/p", False),
])
def test_a_canonical_differing_only_by_tracking_parameters_is_the_page(
        page: str, canonical: str, is_self: bool) -> None:
    html = f"<head><link rel=canonical href='{canonical}'></head><p>x</p>"
    assert analyse(html, page).page.canonical_is_self is is_self
