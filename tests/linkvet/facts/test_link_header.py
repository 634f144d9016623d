"""linkvet.facts.link_header: RFC 8288 link-values, quoted strings and all."""

from __future__ import annotations

import pytest

from linkvet.facts.link_header import links


def test_link_values_with_quoted_commas_semicolons_and_escapes() -> None:
    header = ('<https://a.example/1>; title="x, y; z"; rel="Preload  Canonical", '
              '<https://a.example/2>; title="say \\"hi\\", ok"; rel=next,'
              '<https://a.example/3>;rel="alternate";rel="canonical" ,'
              '<https://a.example/4>; anchor="#x"')
    assert list(links(header)) == [
        ("https://a.example/1", ["preload", "canonical"]),
        ("https://a.example/2", ["next"]),
        ("https://a.example/3", ["alternate"]),
        ("https://a.example/4", []),
    ]


def test_broken_headers_give_what_can_be_read() -> None:
    assert list(links("")) == []
    assert list(links("no links here; rel=canonical")) == []
    assert list(links("<https://a.example/>")) == [("https://a.example/", [])]
    assert list(links('<https://a.example/>; rel="canonical')) == [
        ("https://a.example/", ["canonical"])]  # an unclosed quote runs to the end
    assert list(links("<<<https://a.example/>; rel=canonical")) == [
        ("https://a.example/", ["canonical"])]
    assert list(links("<https://a.example/; rel=canonical")) == []


@pytest.mark.timeout(20)  # a quadratic reading of any of these takes minutes
@pytest.mark.parametrize(("header", "count"), [
    ("<" * 200_000, 0), (";rel=" * 100_000, 0), ("<x>" + ";" * 200_000, 1),
    ('<x>; rel="' + "a " * 100_000, 1), ("<x>," * 50_000, 50_000),
    ("<" * 100_000 + "x>; rel=canonical", 1),
])
def test_hostile_headers_take_linear_time(header: str, count: int) -> None:
    assert len(list(links(header))) == count
