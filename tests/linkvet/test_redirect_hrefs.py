from __future__ import annotations

from linkvet.redirect_hrefs import candidates

SOURCE = "https://blog.example/post"


def test_shorteners_first_then_queries_naming_the_target_then_opaque_paths() -> None:
    hrefs = [
        "https://blog.example/about",                         # the linking site itself
        "https://acme.example/pricing",                       # the target itself
        "https://track.example/c/ab12cd",                     # opaque path with digits
        "https://ads.example/click?u=https%3A%2F%2Facme.example%2F",
        "https://bit.ly/3xYz",                                # a shortener
        "https://news.example/story/long-readable-title",     # an ordinary link
        "https://bit.ly/3xYz",                                # the same href again
    ]
    assert candidates(hrefs, SOURCE, "https://acme.example/") == [
        "https://bit.ly/3xYz",
        "https://ads.example/click?u=https%3A%2F%2Facme.example%2F",
        "https://track.example/c/ab12cd",
    ]
    assert candidates(hrefs, SOURCE, "https://acme.example/", limit=1) == ["https://bit.ly/3xYz"]


def test_an_internationalised_target_is_found_in_queries_in_either_spelling() -> None:
    hrefs = [
        "https://ads.example/a?u=https%3A%2F%2Fb%C3%BCcher.example%2F",
        "https://ads.example/b?u=https://xn--bcher-kva.example/",
        "https://ads.example/c?u=https://buecher.example/",
    ]
    expected = hrefs[:2]
    assert candidates(hrefs, SOURCE, "bücher.example") == expected
    assert candidates(hrefs, SOURCE, "https://xn--bcher-kva.example/") == expected


def test_a_target_with_sharp_s_is_found_in_a_unicode_query() -> None:
    href = "https://ads.example/a?u=https%3A%2F%2Fstra%C3%9Fe.example%2F"
    assert candidates([href], SOURCE, "straße.example") == [href]


def test_the_target_counts_only_in_the_query() -> None:
    hrefs = ["https://news.example/reviews/acme.example-is-great",
             "https://ads.example/go?to=acme.example"]
    assert candidates(hrefs, SOURCE, "https://acme.example/") == [
        "https://ads.example/go?to=acme.example"]
