from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from linkvet.sandbox import AHREFS_COLUMNS, SandboxWeb, iter_ahrefs_rows, write_ahrefs_export
from linkvet.sandbox.export import write_ahrefs_csv

FACTS_HEADER = (
    "Referring page title, Referring page URL, Language, Platform, Referring page HTTP code, "
    "Domain rating, UR, Domain traffic, Referring domains, Linked domains, External links, "
    "Page traffic, Keywords, Target URL, Left context, Anchor, Right context, Redirect Chain "
    "URLs, Redirect Chain status codes, Type, Is spam, Content, Nofollow, UGC, Sponsored, "
    "Rendered, Raw, Lost status, Drop reason, Discovered status, First seen, Last seen, Lost, "
    "Author, Page type, Page category, Links in group"
)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_header_is_the_current_ahrefs_layout(tmp_path: Path) -> None:
    out = tmp_path / "backlinks.csv"
    write_ahrefs_export(SandboxWeb(), out)
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.split(b"\r\n", 1)[0].decode() == ",".join(AHREFS_COLUMNS)
    assert ", ".join(AHREFS_COLUMNS) == FACTS_HEADER


def test_one_row_per_listed_page_with_what_the_index_last_saw(tmp_path: Path) -> None:
    web = SandboxWeb()
    out = tmp_path / "backlinks.csv"
    assert write_ahrefs_export(web, out) == 44
    rows = read(out)
    pages = web.named_pages()
    assert [r["Referring page URL"] for r in rows] == [p.url for p in pages]
    assert [r["Target URL"] for r in rows] == [p.target for p in pages]
    assert Counter(r["Referring page HTTP code"] for r in rows) == {"200": 44}
    assert {r["Lost status"] for r in rows} == {""}
    row = {p.archetype: r for p, r in zip(pages, rows, strict=True)}
    assert row["removed"]["Anchor"] == "Acme winter shells"
    assert (row["sponsored"]["Sponsored"], row["sponsored"]["Nofollow"]) == ("true", "false")
    assert (row["ugc_comment"]["UGC"], row["ugc_comment"]["Nofollow"]) == ("true", "true")
    assert row["nofollow"]["Nofollow"] == "true"
    assert row["image_link"]["Type"] == "image"
    assert (row["js_injected"]["Rendered"], row["js_injected"]["Raw"]) == ("true", "false")
    assert row["link_farm"]["Is spam"] == "true"
    assert row["sitewide_footer"]["Content"] == "false"
    assert row["redirecting_href"]["Redirect Chain URLs"] == (
        "http://go.short.example/x1, http://acme.example/")
    assert row["redirecting_href"]["Redirect Chain status codes"] == "301"
    assert row["bad_encoding"]["Anchor"] == "Équipement trail Acme : vestes & chaussures"
    assert row["bad_encoding"]["Language"] == "fr"
    assert int(row["editorial"]["Domain rating"]) >= 62
    assert int(row["link_farm"]["Domain rating"]) <= 6
    for r in rows:
        assert r["First seen"] < r["Last seen"] < "2026-09-01 06:00:00"
        assert len(r["Last seen"]) == 19
        assert 0 <= float(r["UR"]) <= 100


def test_export_is_byte_stable_and_streams_filler(tmp_path: Path) -> None:
    web = SandboxWeb(filler_hosts=30, pages_per_host=10)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert write_ahrefs_export(web, a) == 344
    write_ahrefs_export(SandboxWeb(filler_hosts=30, pages_per_host=10), b)
    assert a.read_bytes() == b.read_bytes()
    buffer = io.StringIO(newline="")
    write_ahrefs_csv(web, buffer)
    assert buffer.getvalue().encode() == a.read_bytes()
    rows = read(a)
    filler = rows[44:]
    assert {r["Referring page URL"] for r in filler} == {
        p.url for p in web.referring_pages() if p.archetype == "filler"}
    rows_iter = iter_ahrefs_rows(SandboxWeb(filler_hosts=10_000, pages_per_host=10))
    assert len(next(rows_iter)) == len(AHREFS_COLUMNS)
