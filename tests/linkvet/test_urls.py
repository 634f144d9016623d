from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkvet.urls import (
    _parsed_key,
    ascii_host,
    match_target,
    normalise,
    registrable_domain,
    resolve,
)


@pytest.mark.parametrize(
    ("base", "href", "expected"),
    [
        ("http://a.example/x/y", "../z?q=1#f", "http://a.example/z?q=1#f"),
        ("http://a.example/x/", "//acme.example/p", "http://acme.example/p"),
        (
            "https://a.example/",
            "HTTP://Bücher.example:80/a/./b",
            "http://xn--bcher-kva.example/a/b",
        ),
        ("http://a.example/", "javascript:void(0)", None),
        ("http://a.example/", "data:text/html,hi", None),
        ("http://a.example/", "mailto:x@a.example", None),
        ("http://a.example/", "   ", None),
        ("http://a.example/", "http://[::1", None),
    ],
)
def test_resolve_follows_whatwg_rules(base: str, href: str, expected: str | None) -> None:
    assert resolve(base, href) == expected


BASES = st.sampled_from(["http://a.example/x/y?q#f", "https://b.example", "", "file:///tmp/x",
                         "https://user:pw@c.example:8443/deep/er/"])
ABSOLUTE = st.builds("".join, st.tuples(
    st.sampled_from(["http://", "https://"]),
    st.text(alphabet="aZ.-:@[]/\\?#%\t\n 0\u00e9", max_size=24)))


@settings(max_examples=300, deadline=None)
@given(BASES, ABSOLUTE)
def test_an_http_href_resolves_as_ada_resolves_it_against_any_base(base: str,
                                                                   href: str) -> None:
    # such hrefs are resolved once for every base (memoised): ada, given the base, agrees
    import ada_url

    try:
        joined: str | None = ada_url.join_url(base, href) if base else ada_url.URL(href).href
    except ValueError:
        joined = None
    if joined is not None and not joined.startswith(("http://", "https://")):
        joined = None
    assert resolve(base, href) == joined


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("blog.acme.example", "acme.example"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        # the private section of the suffix list: each blog is its own site
        ("a.b.github.io", "b.github.io"),
        ("Spammer.Blogspot.com", "spammer.blogspot.com"),
        ("www.x.co.uk", "x.co.uk"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        ("", ""),
        # A target typed in Unicode compares with the IDNA hosts of resolved URLs.
        ("Bücher.example", "xn--bcher-kva.example"),
        ("www.münchen.de.", "xn--mnchen-3ya.de"),
    ],
)
def test_registrable_domain(host: str, expected: str) -> None:
    assert registrable_domain(host) == expected


def test_ascii_host_is_the_host_a_resolved_url_carries() -> None:
    assert ascii_host("Bücher.Example.") == "xn--bcher-kva.example"
    assert ascii_host("ACME.example") == "acme.example"
    assert resolve("http://a.example/", "http://Straße.example/") == (
        f"http://{ascii_host('straße.example')}/")
    # More than a host, or not a host at all: left as it is.
    assert ascii_host("bücher.example:80") == "bücher.example:80"
    assert ascii_host("bü cher.example") == "bü cher.example"


def test_normalise_drops_what_does_not_change_the_page() -> None:
    assert normalise("HTTPS://www.Acme.example:443/pricing/#plans") == "acme.example/pricing"
    assert normalise("http://acme.example:8080/a?b=1") == "acme.example:8080/a?b=1"
    assert normalise("http://acme.example") == "acme.example/"


@pytest.mark.parametrize(
    ("url", "target", "expected"),
    [
        ("http://acme.example/pricing", "http://acme.example/pricing", "exact"),
        ("http://acme.example/pricing#x", "http://acme.example/pricing", "exact"),
        ("https://www.acme.example/pricing/", "http://acme.example/pricing", "normalised"),
        (
            "http://acme.example/pricing?utm_source=x",
            "http://acme.example/pricing",
            "same_host_path",
        ),
        ("http://shop.acme.example/", "http://acme.example/pricing", "domain"),
        ("http://blog.acme.example/post", "acme.example", "domain"),
        ("http://acme-example.example/", "acme.example", None),
        ("http://other.example/pricing", "http://acme.example/pricing", None),
        ("", "acme.example", None),
        ("http://xn--bcher-kva.example/x", "bücher.example", "domain"),
        ("http://shop.xn--bcher-kva.example/", "https://Bücher.example/a", "domain"),
        ("http://xn--bcher-kva.example/a", "https://bücher.example/a", "normalised"),
    ],
)
def test_match_target(url: str, target: str, expected: str | None) -> None:
    assert match_target(url, target) == expected


URL_PARTS = ["http://", "https://", "HTTP://", "ftp://", "mailto:", "//", "www.", "WWW.",
             "user:pw@", "a@b@", "[::1]", "[2001:DB8::1]", ":80", ":443", ":8080", ":",
             "Acme.Example", "bücher.example", "xn--bcher-kva.example", "127.0.0.1", "0x7f.1",
             "/", "//", "/a/", "/a//", "?", "?q=1", "#", "#f", "?a#b", "%2F", "%3F", "\\",
             "/b/../c", "/./d", " ", "\t", "é", "?x=é", "#?", "/?#"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(URL_PARTS), min_size=1, max_size=8))
def test_normalise_reads_the_serialisation_as_ada_parses_the_url(parts: list[str]) -> None:
    # the fast path (string parts of ada's serialisation) against ada's URL object: link ids
    # are digests of these keys, so the two must never differ
    url = "".join(parts)
    assert normalise(url) == _parsed_key(url)


@pytest.mark.parametrize(("url", "key"), [
    ("http://u:p@WWW.Acme.example:8080/a/?", "acme.example:8080/a"),
    ("https://[2001:db8::1]:444/x?y=1#z", "[2001:db8::1]:444/x?y=1"),
    ("https://[2001:db8::1]/", "[2001:db8::1]/"),
    ("http://a.example?#", "a.example/"),
    ("http://a.example/p?#x", "a.example/p"),
])
def test_normalise_of_unusual_http_urls(url: str, key: str) -> None:
    assert normalise(url) == key == _parsed_key(url)
