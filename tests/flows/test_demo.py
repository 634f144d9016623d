"""The first end-to-end slice (embedded mode) on the sandbox web, as `linkvet demo` runs it:
import -> verify (Scrapy child process) -> landing -> ingest flow -> DuckDB + Parquet lake.
Run twice: the second run adds one check per link and duplicates nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest
from prefect import flow

from flows.demo import DemoResult, run_demo
from linkvet.sandbox import SandboxWeb
from linkvet.settings import Settings


@pytest.mark.slow
def test_demo_twice_matches_the_sandbox_and_never_duplicates(
    prefect_harness: None, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    @flow
    def twice() -> list[DemoResult]:
        return [run_demo(settings), run_demo(settings)]

    first, second = twice()
    web = SandboxWeb(slow_delay=1.0)
    pages = web.named_pages()
    for result in (first, second):
        assert result.run.outcomes == result.expected
        assert result.run.requested == result.run.checked == len(pages)
        assert result.run.ingest["inserted"] == len(pages)
        assert result.run.ingest["duplicates"] == 0
    assert first.imported["imported"] == second.imported["imported"] == len(pages)
    assert first.run.run_id != second.run.run_id

    con = duckdb.connect(str(tmp_path / "data" / "linkvet.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM backlinks").fetchone() == (len(pages),)
    assert con.execute(
        "SELECT count(*), count(DISTINCT check_id), count(DISTINCT run_id) FROM link_checks"
    ).fetchone() == (2 * len(pages), 2 * len(pages), 2)
    per_link = con.execute(
        "SELECT min(n), max(n) FROM (SELECT link_id, count(*) n FROM link_checks GROUP BY 1)"
    ).fetchone()
    assert per_link == (2, 2)

    # Every archetype lands in the tier a careful SEO would give it (docs/scoring.md).
    tiers: dict[str, set[tuple[str, bool]]] = {}
    for url, tier, toxic in con.execute(
            "SELECT b.source_url, s.tier, s.toxic FROM link_scores s JOIN backlinks b "
            "USING (link_id)").fetchall():
        archetype = next(p.archetype for p in pages if p.url == url)
        tiers.setdefault(archetype, set()).add((tier, toxic))
    assert tiers["editorial"] == {("high", False)}
    assert tiers["trade_blog"] == {("high", False)}
    for paid_or_weak in ("sponsored", "ugc_comment", "sitewide_footer", "directory", "nofollow"):
        assert {t for t, _ in tiers[paid_or_weak]} <= {"medium", "low"}, paid_or_weak
        assert not any(toxic for _, toxic in tiers[paid_or_weak]), paid_or_weak
    assert tiers["link_farm"] == {("low", True)}
    assert tiers["network"] == {("low", True)}
    assert tiers["hidden_style"] == tiers["hidden_attribute"] == {("low", True)}
    con.close()
    lake = ds.dataset(tmp_path / "data" / "lake" / "link_checks", format="parquet",
                      partitioning="hive")
    assert lake.count_rows() == 2 * len(pages)
    assert list((tmp_path / "data" / "landing").rglob("*.jsonl")) == []
