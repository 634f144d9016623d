from __future__ import annotations

from linkvet.facts import analyse
from linkvet.facts.links import rel_tokens

URL = "https://blog.example/posts/1"
TARGET = "https://acme.example/shop"


def links(html: str, **kw: object) -> list:  # type: ignore[type-arg]
    return analyse(html, URL, target=TARGET, **kw).links  # type: ignore[arg-type]


def test_rel_tokens_split_lowercase_dedupe() -> None:
    assert rel_tokens(" NoFollow,sponsored  nofollow ,UGC\tx ") == ("nofollow", "sponsored",
                                                                     "ugc", "x")
    assert rel_tokens(None) == ()


def test_follow_causes_in_order() -> None:
    a = "<a href='https://acme.example/shop' rel='{}'>x</a>"
    assert [(o.follow, o.follow_cause) for o in links(a.format("noopener"))] == [
        (True, "default")]
    assert [(o.follow, o.follow_cause) for o in links(a.format("Sponsored"))] == [
        (False, "rel")]
    meta = "<meta name='googlebot' content='nofollow'>"
    assert [(o.follow, o.follow_cause) for o in links(meta + a.format("ugc"))] == [
        (False, "rel")]
    assert [(o.follow, o.follow_cause) for o in links(meta + a.format(""))] == [
        (False, "meta_robots")]
    headers = {"X-Robots-Tag": "googlebot: nofollow"}
    assert [(o.follow, o.follow_cause) for o in links(a.format(""), headers=headers)] == [
        (False, "x_robots_tag")]
    bing = {"X-Robots-Tag": "bingbot: nofollow"}
    assert [(o.follow, o.follow_cause) for o in links(a.format(""), headers=bing)] == [
        (True, "default")]


def test_match_kinds_base_href_and_ignored_hrefs() -> None:
    html = ("<head><base href='https://acme.example/'></head>"
            "<a href='shop'>rel</a><a href='HTTPS://WWW.acme.example/shop/'>norm</a>"
            "<a href='https://acme.example/shop?x=1'>q</a><a href='https://acme.example/'>d</a>"
            "<a href='javascript:go(\"https://acme.example/shop\")'>js</a>"
            "<a href='mailto:x@acme.example'>m</a><a href='data:text/html,shop'>data</a>"
            "<a href='https://[acme.example/shop'>bad</a><a href='http://'>bad2</a>"
            "<a href='https://other.example/shop'>other</a>")
    found = links(html)
    assert [(o.anchor_text, o.url, o.match) for o in found] == [
        ("rel", "https://acme.example/shop", "exact"),
        ("norm", "https://www.acme.example/shop/", "normalised"),
        ("q", "https://acme.example/shop?x=1", "same_host_path"),
        ("d", "https://acme.example/", "domain"),
    ]
    assert found[0].href == "shop"


def test_anchor_kinds_and_image_alt_and_title() -> None:
    html = ("<a href='https://acme.example/shop' title=' Buy  now '> Shop <b>here</b></a>"
            "<a href='https://acme.example/shop'><img src=x alt=' Acme  logo'></a>"
            "<a href='https://acme.example/shop'><span> </span></a>"
            "<map><area href='https://acme.example/shop' alt='Region'></map>")
    assert [(o.anchor_text, o.anchor_kind, o.image_alt, o.title) for o in links(html)] == [
        ("Shop here", "text", None, "Buy now"),
        ("Acme logo", "image", "Acme logo", None),
        ("", "empty", None, None),
        ("Region", "image", "Region", None),
    ]


def test_hidden_reasons() -> None:
    a = "<a href='https://acme.example/shop'>x</a>"
    cases = [
        (f"<div style='color:red; DISPLAY: none !important'>{a}</div>", "inline_style"),
        (f"<p style='visibility:hidden'>{a}</p>", "inline_style"),
        (f"<span style='font-size:0px'>{a}</span>", "inline_style"),
        (f"<div hidden>{a}</div>", "hidden_attribute"),
        (f"<div aria-hidden='true'><p>{a}</p></div>", "aria_hidden"),
        (f"<noscript>{a}</noscript>", "noscript"),
        (f"<template><div>{a}</div></template>", "template"),
        (f"<div style='display:block;font-size:12px'>{a}</div>", None),
        ("<a aria-hidden='true' href='https://acme.example/shop'>x</a>", None),
    ]
    for html, reason in cases:
        found = links(html)
        assert [(o.hidden, o.hidden_reason) for o in found] == [(reason is not None, reason)], html


def test_dom_path() -> None:
    html = ("<body><div class='main wide'><article><p>a</p><p>b "
            "<a href='https://acme.example/shop'>x</a></p></article></div>"
            "<div id='side'><a href='https://acme.example/shop'>y</a></div></body>")
    assert [o.dom_path for o in links(html)] == [
        "html>body>div.main:nth-of-type(1)>article>p:nth-of-type(2)>a",
        "html>body>div#side:nth-of-type(2)>a",
    ]


def test_text_before_after_and_link_density() -> None:
    long_before = " ".join(f"w{i}" for i in range(60))
    html = (f"<div><p>{long_before} see <a href='https://acme.example/shop'>the shop</a>, "
            "then <a href='/x'>more</a> words.</p><p>next block</p></div>")
    (occ,) = links(html)
    assert occ.text_after == ", then more words."
    assert occ.text_before.endswith("w58 w59 see")
    assert len(occ.text_before) <= 100 and not occ.text_before.startswith(" ")
    assert occ.text_before.split()[0].startswith("w")
    text = f"{long_before} see the shop, then more words."
    assert occ.link_density == round(len("the shopmore") / len(text), 4)


def test_all_links_mode_reports_every_http_link_with_optional_match() -> None:
    html = ("<p>Read <a href='/a'>A</a> and <a href='https://acme.example/shop'>B</a>."
            " <a href='ftp://x.example/'>C</a></p>")
    result = analyse(html, URL, target=TARGET, all_links=True)
    assert [(f.url, f.match) for f in result.all_links] == [
        ("https://blog.example/a", None), ("https://acme.example/shop", "exact")]
    assert [o.url for o in result.links] == ["https://acme.example/shop"]
    assert analyse(html, URL).links == []


def test_placement_content_versus_furniture() -> None:
    prose = ("This is a long paragraph of article text, with commas, clauses, and enough "
             "words to read like prose rather than a menu or a list of links. ") * 3
    html = (
        "<body><header><nav><ul><li><a href='https://acme.example/shop'>Shop</a></li>"
        "<li><a href='/about'>About</a></li></ul></nav></header>"
        f"<main><article><p>{prose}</p><p>{prose} As <a href='https://acme.example/shop'>"
        f"Acme says</a>, it works.</p><p>{prose}</p>"
        "<div class='related-posts'><ul><li><a href='https://acme.example/shop'>Related "
        "story headline</a></li></ul></div></article>"
        "<aside><p>Sponsored: <a href='https://acme.example/shop'>deal</a></p></aside></main>"
        "<footer><a href='https://acme.example/shop'>Partner</a></footer>"
        "<div id='comments'><p>Great post, see <a href='https://acme.example/shop'>my "
        f"shop</a>. {prose}</p></div></body>")
    assert [o.placement for o in links(html)] == [
        "navigation", "content", "other", "sidebar", "footer", "comments"]


def test_a_unicode_domain_target_matches_either_spelling_of_the_host() -> None:
    html = ("<p><a href='https://bücher.example/a'>one</a> <a href='https://XN--BCHER-KVA"
            ".example/b'>two</a> <a href='https://buecher.example/'>three</a></p>")
    found = analyse(html, URL, target="Bücher.example").links
    assert [(o.url, o.match) for o in found] == [
        ("https://xn--bcher-kva.example/a", "domain"),
        ("https://xn--bcher-kva.example/b", "domain"),
    ]


def test_a_tag_name_with_a_control_character_does_not_lose_the_page() -> None:
    # libxml2 keeps such names; lxml refuses to look them up by name.
    html = "<p><x\x01y><a href='https://acme.example/shop'>x</a></x\x01y><x\x01y></x\x01y></p>"
    assert [(o.dom_path, o.anchor_text) for o in links(html)] == [
        ("html>body>p>x\x01y:nth-of-type(1)>a", "x")]


def test_anchor_text_reads_blocks_and_breaks_as_breaks_and_skips_code() -> None:
    href = "https://acme.example/shop"
    got = [o.anchor_text for o in links(
        f"<p><a href='{href}'>Best<br>widgets</a></p>"
        f"<div><a href='{href}'><div>Best</div><div>widgets</div></a></div>"
        f"<p><a href='{href}'>Best <script>track('x')</script><style>.a{{}}</style>widgets"
        "</a></p>"
        f"<p><a href='{href}'>Best <b>wid</b>gets</a></p>"
        f"<noscript><a href='{href}'>Best<br>widgets<script>x()</script></a></noscript>")]
    assert got == ["Best widgets", "Best widgets", "Best widgets", "Best widgets",
                   "Best widgets"]


def test_a_nearer_style_undoes_an_inherited_one() -> None:
    href = "https://acme.example/shop"
    cases = {
        "<div style='visibility:hidden'><a href='{h}' style='visibility:visible'>x</a></div>":
            None,
        "<div style='visibility:hidden'><span style='visibility:inherit'><a href='{h}'>x</a>"
        "</span></div>": "inline_style",
        "<ul style='font-size:0'><li style='font-size:16px'><a href='{h}'>x</a></li></ul>": None,
        "<ul style='font-size:0'><li style='font-size:1.2em'><a href='{h}'>x</a></li></ul>":
            "inline_style",
        "<ul style='font-size:0'><li style='font-size:1rem'><a href='{h}'>x</a></li></ul>": None,
        "<div style='display:none'><a href='{h}' style='display:block'>x</a></div>":
            "inline_style",
        "<div style='opacity:0'><a href='{h}' style='opacity:1'>x</a></div>": "inline_style",
        # one declaration block: the last declaration wins, unless an earlier one is important
        "<p><a href='{h}' style='display:none;display:inline'>x</a></p>": None,
        "<p><a href='{h}' style='display:none !important;display:inline'>x</a></p>":
            "inline_style",
        "<p><a href='{h}' style='display:nonex'>x</a></p>": None,
        "<p><a href='{h}' style='opacity:.0'>x</a></p>": "inline_style",
    }
    for html, reason in cases.items():
        assert [o.hidden_reason for o in links(html.format(h=href))] == [reason], html


def test_context_skips_long_whitespace_runs() -> None:
    pad = "\n" + " " * 440
    html = (f"<p>Some prose before the link.{pad}<a href='https://acme.example/shop'>Acme</a>"
            f"{pad}and prose after it.</p>")
    [o] = links(html)
    assert (o.text_before, o.text_after) == ("Some prose before the link.", "and prose after it.")


def test_only_ascii_spaces_are_trimmed_from_an_href() -> None:
    html = ("<p><a href='&#xA0;https://acme.example/shop'>nbsp</a>"
            "<a href=' \t https://acme.example/shop\n'>ascii</a></p>")
    assert [(o.anchor_text, o.url) for o in links(html)] == [
        ("ascii", "https://acme.example/shop")]
