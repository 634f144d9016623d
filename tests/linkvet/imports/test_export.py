"""Exports of every tool, written the way the tools write them, read into rows and rejections."""

from __future__ import annotations

import codecs
import gzip
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from linkvet.errors import InputError
from linkvet.ids import link_id
from linkvet.imports import BacklinkRow, Rejection, read_export

DAY = date(2026, 10, 1)

AHREFS_HEADER = (
    "Referring page title,Referring page URL,Language,Platform,Referring page HTTP code,"
    "Domain rating,UR,Domain traffic,Referring domains,Linked domains,External links,"
    "Page traffic,Keywords,Target URL,Left context,Anchor,Right context,Redirect Chain URLs,"
    "Redirect Chain status codes,Type,Is spam,Content,Nofollow,UGC,Sponsored,Rendered,Raw,"
    "Lost status,Drop reason,Discovered status,First seen,Last seen,Lost,Author,Page type,"
    "Page category,Links in group"
)


def ahrefs_row(title: str, url: str, target: str, anchor: str, *, dr: str = "45.5",
               nofollow: str = "false", first: str = "2024-01-02 03:04:05",
               last: str = "2026-09-01 10:00:00", traffic: str = "1200") -> list[str]:
    return [title, url, "zh-tw, en", "wordpress", "200", dr, "12", traffic, "30", "10", "5",
            "40", "3", target, "see the", anchor, "for details", "", "", "text", "false",
            "true", nofollow, "false", "false", "false", "false", "", "", "", first, last, "",
            "", "blog", "Business", "1"]


def csv_line(cells: list[str], sep: str = ",", quote_all: bool = False) -> str:
    out = []
    for c in cells:
        if quote_all or any(ch in c for ch in (sep, '"', "\n")):
            out.append('"' + c.replace('"', '""') + '"')
        else:
            out.append(c)
    return sep.join(out)


def read(path: Path, tool: str, target: str = "acme.example",
         column_map: dict[str, str] | None = None) -> list[BacklinkRow | Rejection]:
    return list(read_export(path, tool, target, column_map, metrics_date=DAY))  # type: ignore[arg-type]


def rejections(items: list[BacklinkRow | Rejection]) -> list[tuple[int, str]]:
    return [(r.line, r.reason) for r in items if isinstance(r, Rejection)]


def good(items: list[BacklinkRow | Rejection]) -> list[BacklinkRow]:
    return [r for r in items if isinstance(r, BacklinkRow)]


def test_ahrefs_current_utf8_comma(tmp_path: Path) -> None:
    lines = [
        AHREFS_HEADER,
        csv_line(ahrefs_row("Best tools, 2026", "https://blog.example/post",
                            "https://acme.example/pricing", "Acme pricing")),
        csv_line(ahrefs_row("Nofollowed", "http://forum.example/t/1", "https://www.acme.example/",
                            "acme.example", nofollow="true", dr="7", traffic="")),
        csv_line(ahrefs_row("Other site", "https://blog.example/x", "https://other.example/",
                            "x")),
        csv_line(ahrefs_row("No page", "", "https://acme.example/", "x")),
        csv_line(ahrefs_row("Bad date", "https://b.example/", "https://acme.example/", "x",
                            first="yesterday")),
    ]
    path = tmp_path / "ahrefs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = read(path, "ahrefs")
    first, second = good(items)
    assert first == BacklinkRow(
        link_id=link_id("https://blog.example/post", "https://acme.example/pricing"),
        source_url="https://blog.example/post",
        target_url="https://acme.example/pricing",
        anchor="Acme pricing",
        source_tool="ahrefs",
        first_seen=datetime(2024, 1, 2, 3, 4, 5),
        last_seen=datetime(2026, 9, 1, 10, 0, 0),
        nofollow=False,
        metrics={"dr": 45.5, "ur": 12.0, "domain_traffic": 1200.0, "page_traffic": 40.0,
                 "referring_domains": 30.0, "linked_domains": 10.0, "external_links": 5.0,
                 "keywords": 3.0},
        metrics_date=DAY,
        line=2,
        title="Best tools, 2026",
    )
    assert (second.line, second.nofollow, second.metrics["dr"]) == (3, True, 7.0)
    assert "domain_traffic" not in second.metrics
    assert second.target_url == "https://www.acme.example/"
    assert rejections(items) == [
        (4, "target 'https://other.example/' is not on acme.example"),
        (5, "no linking page URL in column 'Referring page URL'"),
        (6, "unreadable date 'yesterday' in column 'First seen'"),
    ]


def test_ahrefs_csv_for_excel_utf16_tab_quoted(tmp_path: Path) -> None:
    header = AHREFS_HEADER.split(",")
    rows = [
        header,
        ahrefs_row("Ünïcode title", "https://blog.example/ü", "https://acme.example/", "Acme"),
        ahrefs_row("Two", "https://news.example/a", "https://acme.example/b", "read\tmore"),
    ]
    text = "\r\n".join(csv_line(r, sep="\t", quote_all=True) for r in rows) + "\r\n"
    path = tmp_path / "ahrefs-excel.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    items = read(path, "ahrefs")
    assert rejections(items) == []
    assert [(r.line, r.source_url, r.anchor, r.title) for r in good(items)] == [
        (2, "https://blog.example/%C3%BC", "Acme", "Ünïcode title"),
        (3, "https://news.example/a", "read\tmore", "Two"),
    ]


def test_ahrefs_pre_2022_headers_and_utf8_bom(tmp_path: Path) -> None:
    text = (
        "\ufeff#,Domain Rating,URL Rating,Referring Page URL,Link URL,TextPre,Link Anchor,"
        "TextPost,Type,First Seen,Last Check\n"
        "1,71,22,https://old.example/a,https://acme.example/x,before,Acme tools,after,Dofollow,"
        "2019-03-04 05:06:07,2021-01-01 00:00:00\n"
        "2,abc,22,https://old.example/b,https://acme.example/x,before,Acme,after,Dofollow,"
        "2019-03-04 05:06:07,2021-01-01 00:00:00\n"
    )
    path = tmp_path / "old.csv"
    path.write_text(text, encoding="utf-8")
    items = read(path, "ahrefs")
    (row,) = good(items)
    assert (row.source_url, row.target_url, row.anchor, row.metrics, row.first_seen,
            row.last_seen) == (
        "https://old.example/a", "https://acme.example/x", "Acme tools",
        {"dr": 71.0, "ur": 22.0}, datetime(2019, 3, 4, 5, 6, 7), datetime(2021, 1, 1),
    )
    assert rejections(items) == [(3, "unreadable number 'abc' in column 'Domain Rating'")]


def test_semrush_backlink_audit_with_toxicity(tmp_path: Path) -> None:
    text = (
        "Page ascore,Source title,Source url,Target url,Anchor,External links,Internal links,"
        "Nofollow,Sponsored,Ugc,Text,Frame,Form,Image,Sitewide,First seen,Last seen,New link,"
        "Lost link,Toxicity Score,Toxic markers\n"
        '12,"Title, with comma",https://dir.example/list,https://acme.example/,"Acme ""best""",'
        "250,40,false,false,false,true,false,false,false,true,2025-02-03,2026-09-30,false,"
        'false,67,"Link Network, Spam in Domain"\n'
        "3,Bad,https://dir.example/b,https://acme.example/,A,1,1,maybe,false,false,true,false,"
        "false,false,false,2025-02-03,2026-09-30,false,false,10,\n"
    )
    path = tmp_path / "semrush.csv"
    path.write_text(text, encoding="utf-8")
    items = read(path, "semrush")
    (row,) = good(items)
    assert (row.anchor, row.nofollow, row.metrics, row.first_seen, row.title) == (
        'Acme "best"', False,
        {"page_ascore": 12.0, "external_links": 250.0, "internal_links": 40.0,
         "toxicity_score": 67.0},
        datetime(2025, 2, 3), "Title, with comma",
    )
    assert rejections(items) == [(3, "unreadable yes/no value 'maybe' in column 'Nofollow'")]


def test_majestic_flags_and_malformed_row(tmp_path: Path) -> None:
    text = (
        "Target URL,Source URL,Anchor Text,Source Crawl Date,Source First Found Date,"
        "FlagNoFollow,FlagImageLink,FlagRedirect,FlagFrame,FlagOldCrawl,FlagAltText,"
        "FlagMention,SourceCitationFlow,SourceTrustFlow,TargetCitationFlow,TargetTrustFlow,"
        "SourceTopicalTrustFlow_Topic_0,SourceTopicalTrustFlow_Value_0\n"
        "https://acme.example/,https://farm.example/p1,cheap tools,2026-09-20,2024-05-06,+,,,,,,,"
        "8,2,30,25,Business/Tools,2\n"
        "https://acme.example/,https://farm.example/p2,cheap tools,2026-09-20,2024-05-06,,,"
        "8,2,30,25\n"
        'https://acme.example/,https://news.example/a,"Acme, Inc",2026-09-21,2023-01-01,,,,,,,,'
        "40,35,30,25,News,30\n"
    )
    path = tmp_path / "majestic.csv.gz"
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    items = read(path, "majestic")
    assert [(r.line, r.anchor, r.nofollow, r.metrics["trust_flow"], r.last_seen, r.first_seen)
            for r in good(items)] == [
        (2, "cheap tools", True, 2.0, datetime(2026, 9, 20), datetime(2024, 5, 6)),
        (4, "Acme, Inc", False, 35.0, datetime(2026, 9, 21), datetime(2023, 1, 1)),
    ]
    assert good(items)[1].metrics == {"citation_flow": 40.0, "trust_flow": 35.0,
                                      "target_citation_flow": 30.0, "target_trust_flow": 25.0}
    assert rejections(items) == [
        (3, "wrong number of cells: 11, the header has 18 (a broken CSV row)")]


def test_moz_preamble_and_scheme_less_urls(tmp_path: Path) -> None:
    text = (
        "Inbound Links for acme.example\n"
        "Generated on 2026-09-30\n"
        "\n"
        "URL,Title,Anchor Text,Spam Score,Page Authority,Domain Authority,Number of Domains "
        "Linking to this Page,Target URL,Link Equity,No Link Equity,Only rel=nofollow,"
        "Only follow,301\n"
        "www.review.example/acme,Review,Acme review,1%,33,51,4,acme.example/,Yes,No,No,Yes,No\n"
        "spam.example/x,Spam,buy now,17%,2,3,0,acme.example/,No,Yes,Yes,No,No\n"
        "review.example/2,Mixed,Acme,2%,20,51,1,acme.example/,Yes,No,No,No,No\n"
    )
    path = tmp_path / "moz.csv"
    path.write_text(text, encoding="utf-8")
    items = read(path, "moz")
    assert rejections(items) == []
    assert [(r.line, r.source_url, r.target_url, r.nofollow, r.metrics) for r in good(items)] == [
        (5, "http://www.review.example/acme", "http://acme.example/", False,
         {"spam_score": 1.0, "pa": 33.0, "da": 51.0}),
        (6, "http://spam.example/x", "http://acme.example/", True,
         {"spam_score": 17.0, "pa": 2.0, "da": 3.0}),
        (7, "http://review.example/2", "http://acme.example/", False,
         {"spam_score": 2.0, "pa": 20.0, "da": 51.0}),
    ]


def test_gsc_latest_links_dates_and_bom(tmp_path: Path) -> None:
    text = (
        "\ufeffLinking page,Last crawled\n"
        "https://a.example/1,2026-09-28\n"
        'https://b.example/2,"Sep 15, 2026"\n'
        "https://c.example/3,28 Sep 2026\n"
        "https://d.example/4,28/09/2026\n"
        "https://e.example/5,09/28/2026\n"
        "https://f.example/6,31/02/2026\n"
    )
    path = tmp_path / "gsc-latest.csv"
    path.write_text(text, encoding="utf-8")
    items = read(path, "gsc")
    assert [(r.line, r.target_url, r.last_seen, r.domain_level) for r in good(items)] == [
        (2, "acme.example", datetime(2026, 9, 28), False),
        (3, "acme.example", datetime(2026, 9, 15), False),
        (4, "acme.example", datetime(2026, 9, 28), False),
        (5, "acme.example", datetime(2026, 9, 28), False),
        (6, "acme.example", datetime(2026, 9, 28), False),
    ]
    assert good(items)[0].link_id == link_id("https://a.example/1", "acme.example")
    assert rejections(items) == [(7, "unreadable date '31/02/2026' in column 'Last crawled'")]


def test_gsc_top_linking_sites_are_domain_level(tmp_path: Path) -> None:
    text = (
        "Site,Linking pages,Target pages\n"
        'news.example,"1,240",3\n'
        "blog.example,17,1\n"
        ',"2",1\n'
    )
    path = tmp_path / "gsc-sites.csv"
    path.write_text(text, encoding="utf-8")
    items = read(path, "gsc")
    assert [(r.line, r.source_url, r.target_url, r.domain_level, r.metrics)
            for r in good(items)] == [
        (2, "http://news.example/", "acme.example", True,
         {"linking_pages": 1240.0, "target_pages": 3.0, "domain_level": 1.0}),
        (3, "http://blog.example/", "acme.example", True,
         {"linking_pages": 17.0, "target_pages": 1.0, "domain_level": 1.0}),
    ]
    assert rejections(items) == [(4, "no linking site in column 'Site'")]


def test_gsc_top_linked_pages_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gsc-pages.csv"
    path.write_text("Target page,Incoming links,Linking sites\nhttps://acme.example/,3,2\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="Top linked pages"):
        read(path, "gsc")


def test_gsc_xlsx_with_one_sheet_per_table(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    meta = book.active
    assert meta is not None
    meta.title = "Metadata"
    meta.append(["Property", "https://acme.example/"])
    sheet = book.create_sheet("Latest links")
    sheet.append(["Linking page", "Last crawled"])
    sheet.append(["https://a.example/1", datetime(2026, 9, 28)])
    sheet.append(["not a url", "2026-09-28"])
    path = tmp_path / "gsc.xlsx"
    book.save(path)
    items = read(path, "gsc")
    assert [(r.line, r.source_url, r.last_seen) for r in good(items)] == [
        (2, "https://a.example/1", datetime(2026, 9, 28))]
    assert rejections(items) == [(3, "linking page 'not a url' is not an http(s) URL")]


def test_bing_all_quoted_with_bom(tmp_path: Path) -> None:
    text = (
        '"Source Url","Anchor text","Target Url"\r\n'
        '"https://a.example/1","Acme","https://acme.example/x"\r\n'
        '"https://a.example/2","","https://acme.example/x"\r\n'
        '"ftp://a.example/3","Acme","https://acme.example/x"\r\n'
    )
    path = tmp_path / "bing.csv"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    items = read(path, "bing")
    assert [(r.line, r.anchor) for r in good(items)] == [(2, "Acme"), (3, "")]
    assert rejections(items) == [(4, "linking page 'ftp://a.example/3' is not an http(s) URL")]


def test_unknown_headers_raise_with_the_headers_seen_and_the_map_hint(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text("Von,Nach,Text\nhttps://a.example/,https://acme.example/,Acme\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read(path, "ahrefs")
    message = str(caught.value)
    assert "Headers seen: 'Von', 'Nach', 'Text'" in message
    assert "--map source_url=<column>" in message


def test_column_map_names_columns_and_metrics(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text("Von;Nach;Text;Wert\nhttps://a.example/;https://acme.example/;Acme;4,5\n",
                    encoding="utf-8")
    items = read(path, "csv", column_map={"source_url": "Von", "target_url": " nach ",
                                          "anchor": "TEXT", "value": "Wert"})
    (row,) = good(items)
    assert (row.source_url, row.target_url, row.anchor, row.metrics, row.source_tool) == (
        "https://a.example/", "https://acme.example/", "Acme", {"value": 4.5}, "csv")


def test_bad_map_and_tool_and_target_are_input_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Source url\nhttps://a.example/\n", encoding="utf-8")
    with pytest.raises(InputError, match="is not a field"):
        read(path, "csv", column_map={"Bad Name": "x"})
    with pytest.raises(InputError, match="--from 'hrefs' is not known"):
        read(path, "hrefs")
    with pytest.raises(InputError, match="--target"):
        read(path, "csv", target="")
    with pytest.raises(InputError, match="is not a file"):
        read(tmp_path / "missing.csv", "csv")


def test_multiline_quoted_cells_keep_line_numbers(tmp_path: Path) -> None:
    text = (
        "Source url,Target url,Anchor\n"
        'https://a.example/1,https://acme.example/,"two\nlines"\n'
        "https://a.example/2,https://elsewhere.example/,x\n"
    )
    path = tmp_path / "ml.csv"
    path.write_text(text, encoding="utf-8")
    items = read(path, "semrush")
    assert [(r.line, r.anchor) for r in good(items)] == [(2, "two\nlines")]
    assert rejections(items) == [
        (4, "target 'https://elsewhere.example/' is not on acme.example")]


def test_cp1252_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("Source url,Target url,Anchor\nhttps://a.example/,https://acme.example/,"
                     "caf\xe9\n".encode("cp1252"))
    (row,) = good(read(path, "semrush"))
    assert row.anchor == "café"


def test_streaming_reads_lazily(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("Source url,Target url,Anchor\n")
        for i in range(20000):
            out.write(f"https://s{i}.example/p,https://acme.example/,a{i}\n")
    rows = read_export(path, "semrush", "acme.example", metrics_date=DAY)
    first = next(rows)
    assert isinstance(first, BacklinkRow) and first.line == 2
    assert sum(1 for _ in rows) == 19999
