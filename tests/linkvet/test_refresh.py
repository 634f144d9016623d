from __future__ import annotations

import pytest

from linkvet.refresh import parse_refresh


@pytest.mark.parametrize(("value", "expected"), [
    ("5", (5.0, None)),
    ("0; url=https://a.example/x", (0.0, "https://a.example/x")),
    ("0;URL='https://a.example/x'", (0.0, "https://a.example/x")),
    ('0; url="/q" trailing words', (0.0, "/q")),          # a quote ends the URL
    ("0; url='/unclosed", (0.0, "/unclosed")),
    ("0; https://a.example/x", (0.0, "https://a.example/x")),   # no url= at all
    ("0 https://a.example/x", (0.0, "https://a.example/x")),    # whitespace separates too
    (" 3 , url = /z ", (3.0, "/z")),
    ("0.5;url=/y", (0.0, "/y")),                           # whole seconds only
    (".5; url=/x", (0.0, "/x")),
    ("0; url=", (0.0, None)),
    ("0;", (0.0, None)),
    ("0; urlx=/p", (0.0, "urlx=/p")),                       # not url=: all of it is the URL
    ("-1; url=/x", None),
    ("1e3;url=/x", None),
    ("soon", None),
    ("", None),
])
def test_refresh_values(value: str, expected: tuple[float, str | None] | None) -> None:
    assert parse_refresh(value) == expected
