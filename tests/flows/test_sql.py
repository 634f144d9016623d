"""The SQL renderings in flows.sql agree with the Python rules they render."""

from __future__ import annotations

import duckdb

from flows.sql import host_sql
from linkvet.urls import host_of

URLS = [
    "http://blog.example/post",
    "https://WWW.Example.COM/a?b=c#d",
    "http://user:pw@shop.example:8080/x",
    "https://acme.example",
    "http://acme.example?q=1",
    "http://acme.example#frag",
    "HTTP://Mixed.Case.Example/Path",
    "https://xn--bcher-kva.example/",
    "http://a.b.c.d.example:443/",
]


def test_host_sql_matches_host_of() -> None:
    con = duckdb.connect()
    got = [con.execute(f"SELECT {host_sql('?')}", [u]).fetchone()[0] for u in URLS]  # type: ignore[index]
    assert got == [host_of(u) for u in URLS]
