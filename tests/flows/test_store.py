"""The exactly-once ingest protocol of flows.store, on real DuckDB files and Parquet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.db import connect
from flows.store import checks_table, parse_checks, recover_lake, write_checks
from schemas.records import FetchFacts, LinkCheck, LinkOccurrence, PageFacts

DAY1 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def make_check(i: int, when: datetime = DAY1, present: bool = True) -> LinkCheck:
    links = (
        [
            LinkOccurrence(
                href="/x",
                url="http://acme.example/",
                match="exact",
                anchor_text=f"acme {i}",
                rel=["ugc"],
                follow=False,
                follow_cause="rel",
                placement="comments",
            )
        ]
        if present
        else []
    )
    return LinkCheck(
        check_id=f"c{i}",
        request_id=f"r{i}",
        run_id="run",
        link_id=f"l{i}",
        source_url=f"http://s{i}.example/",
        target="acme.example",
        checked_at=when,
        outcome="live" if present else "link_removed",
        fetch=FetchFacts(status=200, final_url=f"http://s{i}.example/", content_type="text/html"),
        page=PageFacts(title=f"page {i}", word_count=10 * i),
        links=links,
    )


def lake_rows(lake: Path) -> int:
    files = sorted(lake.rglob("*.parquet"))
    return sum(pq.read_metadata(f).num_rows for f in files)


def test_batch_lands_once_in_duckdb_and_the_lake(tmp_path: Path) -> None:
    con = connect(tmp_path / "db.duckdb")
    checks = [make_check(i) for i in range(10)] + [make_check(100, DAY1 + timedelta(days=1))]
    first = write_checks(con, tmp_path / "lake", checks)
    assert (first.received, first.inserted, first.duplicates) == (11, 11, 0)
    assert sorted(first.files) == [
        f"link_checks/check_date=2026-11-20/batch-{first.batch_id}.parquet",
        f"link_checks/check_date=2026-11-21/batch-{first.batch_id}.parquet",
    ]
    again = write_checks(con, tmp_path / "lake", [*checks[:5], make_check(11), make_check(11)])
    assert (again.received, again.inserted, again.duplicates) == (7, 1, 6)
    assert con.execute("SELECT count(*), count(DISTINCT check_id) FROM link_checks").fetchone() == (
        12,
        12,
    )
    assert lake_rows(tmp_path / "lake") == 12
    assert con.execute("SELECT sum(rows) FROM lake_files").fetchone() == (12,)
    row = con.execute(
        "SELECT link_present, anchor_text, rel, follow, placement, word_count "
        "FROM link_checks WHERE check_id = 'c3'"
    ).fetchone()
    assert row == (True, "acme 3", ["ugc"], False, "comments", 30)


@pytest.mark.parametrize(("second", "expected"), [
    ([0, 1, 2], (3, 0, 3)),          # a replay of stored checks: nothing new, no file
    ([3, 3, 4, 4, 4], (5, 2, 3)),    # repeats within a batch, none stored yet
    ([0, 5, 6], (3, 2, 1)),          # some stored, some new
])
def test_only_checks_never_stored_are_written(
        tmp_path: Path, second: list[int], expected: tuple[int, int, int]) -> None:
    con = connect(tmp_path / "db.duckdb")
    write_checks(con, tmp_path / "lake", [make_check(i) for i in range(3)])
    again = write_checks(con, tmp_path / "lake", [make_check(i) for i in second])
    assert (again.received, again.inserted, again.duplicates) == expected
    assert len(again.files) == (1 if again.inserted else 0)
    stored = 3 + again.inserted
    assert con.execute("SELECT count(*), count(DISTINCT check_id) FROM link_checks").fetchone() \
        == (stored, stored)
    assert lake_rows(tmp_path / "lake") == stored
    assert con.execute("SELECT sum(rows) FROM lake_files").fetchone() == (stored,)


def test_lake_is_readable_with_hive_partitions(tmp_path: Path) -> None:
    con = connect(tmp_path / "db.duckdb")
    write_checks(con, tmp_path / "lake", [make_check(i) for i in range(3)])
    glob = str(tmp_path / "lake" / "link_checks" / "**" / "*.parquet")
    got = duckdb.sql(
        f"SELECT check_date::VARCHAR, count(*) FROM read_parquet('{glob}', "
        "hive_partitioning = true) GROUP BY 1"
    ).fetchall()
    assert got == [("2026-11-20", 3)]


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    con = connect(tmp_path / "db.duckdb")
    table = checks_table([make_check(1)])
    bad = table.drop_columns(["outcome"])
    with pytest.raises(Exception, match="outcome"):
        write_checks(con, tmp_path / "lake", bad)
    assert con.execute("SELECT count(*) FROM link_checks").fetchone() == (0,)
    assert list((tmp_path / "lake").rglob("*")) == []


def test_recovery_completes_committed_files_and_drops_orphans(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    con = connect(tmp_path / "db.duckdb")
    result = write_checks(con, lake, [make_check(1), make_check(2)])
    committed = lake / result.files[0]
    # A crash after COMMIT but before the rename leaves the committed file as .tmp ...
    committed.rename(committed.with_name(committed.name + ".tmp"))
    # ... and a crash before COMMIT leaves an orphan that no row owns.
    orphan = committed.parent / "batch-orphan.parquet.tmp"
    orphan.write_bytes(b"half a file")
    assert recover_lake(con, lake) == (1, 1)
    assert committed.exists() and not orphan.exists()
    assert lake_rows(lake) == 2


def test_parse_checks_separates_bad_records() -> None:
    good, bad = parse_checks([make_check(1).model_dump_json(), b"{not json", b'{"check_id": 1}'])
    assert [c.check_id for c in good] == ["c1"]
    assert [i for i, _ in bad] == [1, 2]
