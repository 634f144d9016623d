"""Exports re-saved by Excel in other locales: the file's encoding, date order, number format
and yes/no words are the file's, and are read as such."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from linkvet.imports.values import numeric_date_order, parse_bool, parse_datetime, parse_number
from tests.linkvet.imports.test_export import (
    AHREFS_HEADER,
    ahrefs_row,
    csv_line,
    good,
    read,
    rejections,
)

SEMRUSH_HEADER = ("Page ascore;Source title;Source url;Target url;Anchor;External links;"
                  "Internal links;Nofollow;Sponsored;Ugc;Text;Frame;Form;Image;Sitewide;"
                  "First seen;Last seen;New link;Lost link")


def semrush_line(i: int, anchor: str = "Acme", nofollow: str = "FALSCH",
                 links: str = "12") -> str:
    return (f"{i % 90};Seite {i};https://s{i}.example/p;https://acme.example/;{anchor};{links};"
            f"3;{nofollow};FALSCH;FALSCH;WAHR;FALSCH;FALSCH;FALSCH;FALSCH;"
            f"02.01.2024;01.09.2026;FALSCH;FALSCH\n")


def test_windows_1252_after_64_kb_of_ascii(tmp_path: Path) -> None:
    lines = [SEMRUSH_HEADER + "\n"] + [semrush_line(i) for i in range(1, 1500)]
    lines.append(semrush_line(1500, anchor="Acme Müller Größe"))
    path = tmp_path / "semrush-de.csv"
    path.write_bytes("".join(lines).encode("cp1252"))
    assert path.stat().st_size > 200_000
    items = read(path, "semrush")
    assert rejections(items) == []
    rows = good(items)
    assert len(rows) == 1500
    assert rows[-1].anchor == "Acme Müller Größe"
    assert (rows[0].nofollow, rows[0].first_seen) == (False, datetime(2024, 1, 2))


def test_utf8_damaged_late_stays_utf8(tmp_path: Path) -> None:
    lines = [SEMRUSH_HEADER + "\n", semrush_line(1, anchor="Acme Café")]
    lines += [semrush_line(i) for i in range(2, 1500)]
    body = "".join(lines).encode("utf-8") + semrush_line(1500, anchor="Acme X").encode()
    path = tmp_path / "semrush.csv"
    path.write_bytes(body.replace(b"Acme X", b"Acme \xff"))
    rows = good(read(path, "semrush"))
    assert (rows[0].anchor, rows[-1].anchor) == ("Acme Café", "Acme \ufffd")


def ahrefs_file(tmp_path: Path, dates: list[tuple[str, str]]) -> Path:
    lines = [AHREFS_HEADER] + [
        csv_line(ahrefs_row(f"T{i}", f"https://r{i}.example/p", "https://acme.example/", "Acme",
                            first=first, last=last))
        for i, (first, last) in enumerate(dates)]
    path = tmp_path / "ahrefs-excel.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_date_order_is_the_files_not_each_cells(tmp_path: Path) -> None:
    # US Excel: month first; only the second row can tell, the first reads both ways
    path = ahrefs_file(tmp_path, [("1/2/2024 3:04", "9/1/2026 10:00"),
                                  ("1/13/2024 3:04", "9/30/2026 10:00")])
    rows = good(read(path, "ahrefs"))
    assert [(r.first_seen, r.last_seen) for r in rows] == [
        (datetime(2024, 1, 2, 3, 4), datetime(2026, 9, 1, 10, 0)),
        (datetime(2024, 1, 13, 3, 4), datetime(2026, 9, 30, 10, 0))]
    # Excel for Mac: two-digit years
    rows = good(read(ahrefs_file(tmp_path, [("1/2/24 3:04", "12/31/26 10:00")]), "ahrefs"))
    assert [(r.first_seen, r.last_seen) for r in rows] == [
        (datetime(2024, 1, 2, 3, 4), datetime(2026, 12, 31, 10, 0))]


def test_a_date_against_the_files_order_is_refused(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # the order is read from the first rows (here one), then held
    monkeypatch.setattr("linkvet.imports.export.DATE_ORDER_ROWS", 1)
    path = ahrefs_file(tmp_path, [("13/01/2024", "01/09/2026"), ("01/13/2024", "01/09/2026")])
    items = read(path, "ahrefs")
    assert [r.first_seen for r in good(items)] == [datetime(2024, 1, 13)]
    assert rejections(items) == [
        (3, "unreadable date '01/13/2024' (this file writes the day first) in column "
            "'First seen'")]


@pytest.mark.parametrize(("cells", "order"), [
    (["28/09/2026", "01/02/2026"], True), (["09/28/2026", "1/2/26"], False),
    (["01/02/2026", "2026-09-28", ""], None), (["13/01/2026", "01/13/2026"], None),
])
def test_numeric_date_order(cells: list[str], order: bool | None) -> None:
    assert numeric_date_order(cells) is order


def test_dates_without_a_known_order_keep_the_per_cell_rule() -> None:
    assert parse_datetime("01/02/2026") == datetime(2026, 2, 1)
    assert parse_datetime("09/28/2026") == datetime(2026, 9, 28)
    assert parse_datetime("01/02/2026", day_first=False) == datetime(2026, 1, 2)
    assert parse_datetime("28-09-2026") == datetime(2026, 9, 28)
    assert parse_datetime("1/2/70") == datetime(1970, 2, 1)


@pytest.mark.parametrize(("cell", "value"), [
    ("1.234.567", 1234567.0), ("12.345,5", 12345.5), ("-1.000,25", -1000.25),
    ("1.234", 1.234),  # one dot group alone is a decimal point: the file cannot say otherwise
    ("1,240", 1240.0), ("45,5", 45.5), ("0.125", 0.125),
])
def test_numbers_grouped_by_dots(cell: str, value: float) -> None:
    assert parse_number(cell) == value


@pytest.mark.parametrize(("cell", "value"), [
    ("WAHR", True), ("falsch", False), ("VRAI", True), ("FAUX", False), ("VERDADERO", True),
    ("FALSO", False), ("ONWAAR", False), ("PRAWDA", True), ("FAŁSZ", False), ("ИСТИНА", True),
])
def test_excels_true_and_false_in_other_languages(cell: str, value: bool) -> None:
    assert parse_bool(cell) is value


def test_xlsx_percent_cells_read_as_percentages(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["URL", "Title", "Anchor Text", "Spam Score", "Page Authority",
                  "Domain Authority", "Target URL"])
    sheet.append(["spam.example/x", "Spam", "buy", 0.17, 2, 3, "acme.example/"])
    sheet["D2"].number_format = "0%"
    sheet.append(["ok.example/y", "Ok", "Acme", 0.055, 20, 51, "acme.example/"])
    sheet["D3"].number_format = "0.0%"
    path = tmp_path / "moz.xlsx"
    book.save(path)
    rows = good(read(path, "moz"))
    assert [r.metrics["spam_score"] for r in rows] == [17.0, 5.5]
