"""The HTML report rendered in real Chromium (no injected script runs, the charts draw) and the
XLSX audit spreadsheet, over the five simulated nights of test_act."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from flows.db import connect
from flows.report import SHEETS, XLSX_COLUMNS, export_xlsx, report_data, write_report
from linkvet.errors import InputError
from linkvet.settings import Settings
from tests.flows.test_act import DAYS, SPAM, A, lid, run_nights, settings_for

INJECTED = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
CONTROL = "an\x02chor\x0b with \x1f controls\x00"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = settings_for(tmp_path_factory.mktemp("report"))
    run_nights(settings, DAYS)
    con = connect(settings.duckdb_path)
    try:
        con.execute("UPDATE link_signals SET anchor = $a WHERE link_id = $id",
                    {"a": INJECTED, "id": lid(SPAM[0])})
        con.execute("UPDATE backlinks SET source_url = $u WHERE link_id = $id",
                    {"u": "https://spam1.xyz/" + INJECTED, "id": lid(SPAM[0])})
        con.execute("UPDATE alerts SET evidence = $e WHERE kind = 'rel_changed'",
                    {"e": json.dumps({"source_url": INJECTED})})
        con.execute("UPDATE link_signals SET anchor = '=HYPERLINK(\"http://x\")' "
                    "WHERE link_id = $id", {"id": lid(SPAM[1])})
        # control characters (a page can carry them in any text) and an over-long anchor
        con.execute("UPDATE link_signals SET anchor = $a WHERE link_id = $id",
                    {"a": CONTROL, "id": lid(SPAM[2])})
        con.execute("UPDATE backlinks SET source_url = $u WHERE link_id = $id",
                    {"u": "https://spam3.xyz/" + "p" * 40_000, "id": lid(SPAM[2])})
    finally:
        con.close()
    return settings


def render(path: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.resolve().as_uri())
            result: dict[str, Any] = page.evaluate("""() => ({
                pwned: window.__pwned === undefined ? null : window.__pwned,
                scripts: document.querySelectorAll('script').length,
                imgs: document.querySelectorAll('img').length,
                charts: [...document.querySelectorAll('svg.chart')].map(s => {
                    const r = s.getBoundingClientRect(); return [r.width, r.height]; }),
                marks: [...document.querySelectorAll(
                    'svg.chart polyline, svg.chart circle.point, svg.chart rect.bar')]
                    .filter(e => { const r = e.getBoundingClientRect();
                                   return r.width > 0 && r.height > 0; }).length,
                text: document.body.innerText,
            })""")
            result["requests"] = requests
            page.close()
        finally:
            browser.close()
    return result


@pytest.mark.browser
def test_report_escapes_crawled_text_and_draws_its_charts(judged: Settings,
                                                         tmp_path: Path) -> None:
    con = connect(judged.duckdb_path)
    try:
        out = write_report(con, "acme.example", tmp_path / "r.html",
                           datetime(2026, 10, 5, 3, tzinfo=UTC))
    finally:
        con.close()
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    got = render(out)
    assert got["pwned"] is None
    assert (got["scripts"], got["imgs"]) == (0, 0)
    assert got["requests"] == [out.resolve().as_uri()]  # nothing external
    assert len(got["charts"]) == 4
    assert all(w > 0 and h > 0 for w, h in got["charts"])
    # 2 lines + 10 points, 10 new/lost bars, 4 quality bars, 4 anchor bars (>0 only)
    assert got["marks"] >= 20
    assert INJECTED in got["text"]
    assert "Backlink report: acme.example" in got["text"]
    assert "high_quality_lost" in got["text"]


def test_xlsx_has_one_sheet_per_class_with_reasons(judged: Settings, tmp_path: Path) -> None:
    con = connect(judged.duckdb_path)
    try:
        counts = export_xlsx(con, tmp_path / "audit.xlsx", "acme.example")
        expected = dict(con.execute("""
            SELECT CASE WHEN toxic THEN 'toxic' ELSE tier END, count(*) FROM link_scores
            GROUP BY 1""").fetchall())
    finally:
        con.close()
    assert counts == {s: expected.get(s, 0) for s in SHEETS}
    assert sum(counts.values()) == 9
    wb = load_workbook(tmp_path / "audit.xlsx")
    assert wb.sheetnames == list(SHEETS)
    for name in SHEETS:
        ws = wb[name]
        assert [c.value for c in ws[1]] == list(XLSX_COLUMNS)
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:O{counts[name] + 1}"
        assert ws.max_row == counts[name] + 1
    high = wb["high"]
    ids = [r[0] for r in high.iter_rows(min_row=2, values_only=True)]
    assert lid(A) not in ids  # lost links keep their (lower) current tier
    reasons = [r[-1] for r in high.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(r, str) and r for r in reasons)
    cells = [c for ws in wb for row in ws.iter_rows(min_row=2) for c in row
             if c.value == '=HYPERLINK("http://x")']
    assert len(cells) == 1 and cells[0].data_type == "s"
    row = next(r for ws in wb for r in ws.iter_rows(min_row=2, values_only=True)
               if r[0] == lid(SPAM[2]))
    assert row[XLSX_COLUMNS.index("anchor")] == "an\ufffdchor\ufffd with \ufffd controls\ufffd"
    url = row[XLSX_COLUMNS.index("source_url")]
    assert len(url) == 32_767 and url.startswith("https://spam3.xyz/ppp") and url[-1] == "…"


def test_report_of_an_empty_store_still_opens(tmp_path: Path) -> None:
    con = connect(tmp_path / "empty.duckdb")
    try:
        out = write_report(con, "acme.example", tmp_path / "e.html",
                           datetime(2026, 10, 5, tzinfo=UTC))
    finally:
        con.close()
    html = out.read_text(encoding="utf-8")
    assert "No open alerts." in html and "No live links." in html
    assert date(2026, 10, 5).isoformat() in html


def test_report_links_carry_the_reasons_their_score_was_explained_with(judged: Settings
                                                                       ) -> None:
    con = connect(judged.duckdb_path)
    try:
        data = report_data(con, "acme.example", datetime(2026, 10, 5, tzinfo=UTC))
        explained = {url: tuple(r["text"] for r in reasons) for url, reasons in con.execute("""
            SELECT b.source_url, e.reasons FROM backlinks b
            JOIN link_scores_explained e USING (link_id)""").fetchall()}
    finally:
        con.close()
    shown = [*data.top_links, *data.worst_links]
    assert shown and any(row.reasons for row in shown)
    for row in shown:
        assert row.reasons == explained[row.source_url], row.source_url


def test_writing_to_a_folder_is_an_input_error_that_leaves_nothing_behind(
        judged: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    con = connect(judged.duckdb_path)
    try:
        with pytest.raises(InputError, match="is a folder"):
            write_report(con, "acme.example", folder, datetime(2026, 10, 5, tzinfo=UTC))
        with pytest.raises(InputError, match="is a folder"):
            export_xlsx(con, folder)
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert list(folder.iterdir()) == []
