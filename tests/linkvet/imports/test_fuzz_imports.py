"""Property tests: whatever bytes an export holds, every importer yields only rows and
rejections with a line number inside the file, or raises InputError; nothing else escapes.

(``linkvet.facts.analyse`` on random bytes is covered by tests/linkvet/facts/test_fuzz.py.)
"""

from __future__ import annotations

import gzip
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkvet.errors import InputError
from linkvet.imports import BacklinkRow, Rejection, read_export

DAY = date(2026, 10, 1)
HEADERS: dict[str, str] = {
    "ahrefs": "Referring page title,Referring page URL,Domain rating,UR,Target URL,Anchor,"
              "Nofollow,First seen,Last seen",
    "semrush": "Page ascore,Source title,Source url,Target url,Anchor,Nofollow,First seen,"
               "Last seen",
    "majestic": "Target URL,Source URL,Anchor Text,Source Crawl Date,Source First Found Date,"
                "FlagNoFollow,SourceTrustFlow",
    "moz": "URL,Title,Anchor Text,Spam Score,Page Authority,Target URL,Only rel=nofollow,"
           "Only follow",
    "gsc": "Linking page,Last crawled",
    "bing": '"Source Url","Anchor text","Target Url"',
    "csv": "from,to,words,dr",
}
CSV_MAP = {"source_url": "from", "target_url": "to", "anchor": "words", "dr": "dr"}
# Pieces that stress the CSV reader and the value parsers.
PIECES = st.sampled_from([
    ",", ";", "\t", "|", '"', '""', "\n", "\r\n", "\r", " ", "\x00", "\ufeff", "é", "“",
    "http://", "https://", "acme.example", "//acme.example/t", "http://acme.example/p?q=1",
    "http://blog.example/a", "www.", "true", "false", "Yes", "No", "1,240", "-3.5e9", "nan",
    "2026-09-28", "Sep 15, 2026", "28/09/2026", "31/02/2026", "9999-99-99 99:99:99",
    "[::1]", "http://[::1]:99999/", "xn--", "%zz", "\\", "<a href=x>",
])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=80).map("".join)


def check(path: Path, tool: str, plain_lines: int) -> None:
    column_map = CSV_MAP if tool == "csv" else None
    try:
        items = list(read_export(path, tool, "acme.example", column_map,  # type: ignore[arg-type]
                                 metrics_date=DAY))
    except InputError:
        return
    for item in items:
        assert isinstance(item, BacklinkRow | Rejection), item
        assert 1 < item.line <= plain_lines, (item, plain_lines)


def lines_in(data: bytes) -> int:
    """An upper bound of the lines a reader can see: every CR and LF byte may end one."""
    return data.count(b"\n") + data.count(b"\r") + 1


def run(data: bytes, tool: str, plain: bytes | None = None, suffix: str = ".csv") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{suffix}"
        path.write_bytes(data)
        check(path, tool, lines_in(plain if plain is not None else data))


FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("tool", list(HEADERS))
@FUZZ
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(tool: str, data: bytes) -> None:
    run(data, tool)


@pytest.mark.parametrize("tool", list(HEADERS))
@FUZZ
@given(body=TEXT, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_csvish_text_under_a_real_header(tool: str, body: str, encoding: str) -> None:
    text = HEADERS[tool] + "\n" + body
    data = text.encode(encoding, errors="replace")
    run(data, tool)


@pytest.mark.parametrize("tool", ["majestic", "csv"])
@FUZZ
@given(body=TEXT, cut=st.integers(min_value=0, max_value=400))
def test_gzip_whole_or_cut(tool: str, body: str, cut: int) -> None:
    plain = (HEADERS[tool] + "\n" + body).encode("utf-8")
    packed = gzip.compress(plain)
    run(packed[: len(packed) - cut] if cut else packed, tool, plain=plain, suffix=".csv.gz")


@FUZZ
@given(data=st.binary(max_size=600))
def test_zip_magic_with_garbage(data: bytes) -> None:
    run(b"PK\x03\x04" + data, "ahrefs", suffix=".xlsx")
