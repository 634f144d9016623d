from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkvet.imports.values import parse_bool, parse_datetime, parse_number, parse_url


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-09-28", datetime(2026, 9, 28)),
    ("2026-09-28 10:11:12", datetime(2026, 9, 28, 10, 11, 12)),
    ("2026-09-28T10:11:12Z", datetime(2026, 9, 28, 10, 11, 12)),
    ("Sep 15, 2026", datetime(2026, 9, 15)),
    ("15 September 2026", datetime(2026, 9, 15)),
    ("28/09/2026", datetime(2026, 9, 28)),
    ("09/28/2026", datetime(2026, 9, 28)),
    ("03/04/2026", datetime(2026, 4, 3)),
    ("28.09.2026", datetime(2026, 9, 28)),
    ("", None),
    ("-", None),
])
def test_dates(text: str, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "Foo 1, 2026", "31/02/2026"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(ValueError, match="unreadable date"):
        parse_datetime(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("12", 12.0), ("12.5", 12.5), ("1,240", 1240.0), ("1,234,567.5", 1234567.5),
    ("1 240", 1240.0), ("1\u00a0240", 1240.0), ("12,5", 12.5), ("45%", 45.0), ("", None),
    ("n/a", None), ("-3", -3.0),
])
def test_numbers(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


@given(st.integers(min_value=0, max_value=10**12))
def test_grouped_thousands_read_back(value: int) -> None:
    assert parse_number(f"{value:,}") == float(value)
    assert parse_number(f'{value:,}'.replace(",", " ")) == float(value)


def test_booleans_and_urls() -> None:
    assert [parse_bool(x) for x in ("true", "No", "1", "", "YES")] == [True, False, True, None,
                                                                       True]
    with pytest.raises(ValueError, match="unreadable yes/no value 'maybe'"):
        parse_bool("maybe")
    assert parse_url("www.site.example/a b") is None
    assert parse_url("www.site.example/page") == "http://www.site.example/page"
    assert parse_url("javascript:void(0)") is None
    assert parse_url("HTTPS://Site.Example") == "https://site.example/"
