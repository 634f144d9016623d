"""Imports into a real DuckDB file: merge across tools, idempotent re-import, rejections file,
and the Prefect flow end to end."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.imports import import_backlinks, import_file
from linkvet.errors import InputError
from linkvet.ids import link_id

AHREFS = (
    "Referring page title,Referring page URL,Domain rating,UR,Target URL,Anchor,Nofollow,"
    "First seen,Last seen\n"
    "Post,https://blog.example/post,45,12,https://acme.example/,Acme,false,"
    "2024-01-02 00:00:00,2026-09-01 00:00:00\n"
    "Post again,https://blog.example/post,45,12,https://acme.example/,Acme tools,false,"
    "2023-06-01 00:00:00,2026-08-01 00:00:00\n"
    "Bad,https://blog.example/x,45,12,https://other.example/,x,false,,\n"
    "Forum,https://forum.example/t,7,1,https://acme.example/p,,true,2025-01-01 00:00:00,\n"
)
SEMRUSH = (
    "Page ascore,Source title,Source url,Target url,Anchor,Nofollow,First seen,Last seen\n"
    "30,Post,https://blog.example/post,https://acme.example/,Acme!,true,2022-05-05,2026-10-02\n"
    "5,New,https://new.example/a,https://acme.example/,Acme,false,2026-01-01,2026-10-02\n"
)


def table(db: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(
            "SELECT link_id, source_url, source_domain, target_url, target_domain, anchor, "
            "sources, first_seen, last_seen, nofollow, metrics, metrics_date "
            "FROM backlinks ORDER BY source_url").fetchall()
    finally:
        con.close()


@pytest.fixture
def exports(tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "ahrefs.csv"
    a.write_text(AHREFS, encoding="utf-8")
    s = tmp_path / "semrush.csv"
    s.write_text(SEMRUSH, encoding="utf-8")
    return a, s


def test_import_merges_rows_of_one_link_and_writes_rejections(
        tmp_path: Path, exports: tuple[Path, Path]) -> None:
    db, data = tmp_path / "d" / "linkvet.duckdb", tmp_path / "d"
    counts = import_file(db, data, exports[0], "ahrefs", "acme.example",
                         metrics_date=date(2026, 9, 1), batch_rows=1)
    assert counts.as_dict() == {
        "read": 4, "imported": 3, "rejected": 1, "new_links": 2,
        "rejections": [(4, "target 'https://other.example/' is not on acme.example")],
        "rejected_file": str(data / "imports" / "ahrefs-rejected.csv"),
    }
    assert (data / "imports" / "ahrefs-rejected.csv").read_bytes() == (
        b"line,reason\r\n4,target 'https://other.example/' is not on acme.example\r\n")
    assert table(db) == [
        (link_id("https://blog.example/post", "https://acme.example/"),
         "https://blog.example/post", "blog.example", "https://acme.example/", "acme.example",
         "Acme tools", ["ahrefs"], datetime(2023, 6, 1), datetime(2026, 9, 1), False,
         {"dr": 45.0, "ur": 12.0}, date(2026, 9, 1)),
        (link_id("https://forum.example/t", "https://acme.example/p"),
         "https://forum.example/t", "forum.example", "https://acme.example/p", "acme.example",
         "", ["ahrefs"], datetime(2025, 1, 1), None, True, {"dr": 7.0, "ur": 1.0},
         date(2026, 9, 1)),
    ]


def test_merge_across_tools_and_idempotent_reimport(
        tmp_path: Path, exports: tuple[Path, Path]) -> None:
    db, data = tmp_path / "linkvet.duckdb", tmp_path
    import_file(db, data, exports[0], "ahrefs", "acme.example", metrics_date=date(2026, 9, 1))
    second = import_file(db, data, exports[1], "semrush", "acme.example",
                         metrics_date=date(2026, 10, 2))
    assert (second.read, second.imported, second.rejected, second.new_links) == (2, 2, 0, 1)
    merged = table(db)
    post = merged[0]
    assert post[5:] == (
        "Acme!", ["ahrefs", "semrush"], datetime(2022, 5, 5), datetime(2026, 10, 2), True,
        {"dr": 45.0, "ur": 12.0, "page_ascore": 30.0}, date(2026, 10, 2),
    )
    # importing both files again, in the other order, changes nothing
    again = import_file(db, data, exports[1], "semrush", "acme.example",
                        metrics_date=date(2026, 10, 2))
    import_file(db, data, exports[0], "ahrefs", "acme.example", metrics_date=date(2026, 9, 1))
    assert again.new_links == 0
    after = table(db)
    assert [r[:5] + r[6:9] + r[10:] for r in after] == [r[:5] + r[6:9] + r[10:] for r in merged]
    assert len(after) == 3


def test_older_metrics_do_not_overwrite_newer(tmp_path: Path, exports: tuple[Path, Path]) -> None:
    db = tmp_path / "linkvet.duckdb"
    old = tmp_path / "old.csv"
    old.write_text(AHREFS.replace(",45,12,", ",20,3,"), encoding="utf-8")
    import_file(db, tmp_path, exports[0], "ahrefs", "acme.example", metrics_date=date(2026, 9, 1))
    import_file(db, tmp_path, old, "ahrefs", "acme.example", metrics_date=date(2025, 1, 1))
    assert table(db)[0][10:] == ({"dr": 45.0, "ur": 12.0}, date(2026, 9, 1))


def test_header_error_leaves_no_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="Headers seen: 'a', 'b'"):
        import_file(tmp_path / "d" / "linkvet.duckdb", tmp_path / "d", bad, "ahrefs",
                    "acme.example")
    assert not (tmp_path / "d" / "linkvet.duckdb").exists()


@pytest.mark.slow
def test_import_flow_end_to_end(prefect_harness: None, tmp_path: Path,
                                exports: tuple[Path, Path]) -> None:
    result = import_backlinks(str(exports[0]), "ahrefs", "acme.example",
                              data_dir=str(tmp_path / "data"))
    assert {k: result[k] for k in ("read", "imported", "rejected", "new_links")} == {
        "read": 4, "imported": 3, "rejected": 1, "new_links": 2}
    assert len(table(tmp_path / "data" / "linkvet.duckdb")) == 2
