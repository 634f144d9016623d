"""Hostile exports: malformed, truncated, binary, mis-encoded, damaged containers, header-only,
and 2,000,000 rows in bounded memory. Each gives exact rows and rejections, or an InputError
that says what to do; nothing else escapes ``read_export``."""

from __future__ import annotations

import codecs
import gzip
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from linkvet.errors import InputError
from linkvet.imports import BacklinkRow, Rejection, read_export

DAY = date(2026, 10, 1)
HEADER = "Source Url,Anchor text,Target Url\n"
BROKEN = "wrong number of cells: {n}, the header has 3 (a broken CSV row)"


def row(i: int, anchor: str | None = None) -> str:
    return f"http://s{i}.example/p,{anchor or f'anchor {i}'},http://acme.example/t\n"


def outcome(path: Path, tool: str = "bing") -> list[tuple[int, str]]:
    """``(line, anchor)`` of each row, ``(line, reason)`` of each rejection, in file order."""
    out: list[tuple[int, str]] = []
    for item in read_export(path, tool, "acme.example", metrics_date=DAY):  # type: ignore[arg-type]
        if isinstance(item, BacklinkRow):
            out.append((item.line, item.anchor or ""))
        else:
            assert isinstance(item, Rejection)
            out.append((item.line, item.reason))
    return out


def write(tmp_path: Path, data: str | bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_malformed_rows_are_rejected_one_by_one(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + row(1) + "only-one-cell\n" + "a,b,c,d\n"
                 + "ftp://x.example/,a,http://acme.example/\n"
                 + "http://s5.example/,a,http://other.example/\n"
                 + ",a,http://acme.example/\n" + "\n" + row(8))
    assert outcome(path) == [
        (2, "anchor 1"),
        (3, BROKEN.format(n=1)),
        (4, BROKEN.format(n=4)),
        (5, "linking page 'ftp://x.example/' is not an http(s) URL"),
        (6, "target 'http://other.example/' is not on acme.example"),
        (7, "no linking page URL in column 'Source Url'"),
        (9, "anchor 8"),  # the blank line 8 is not a row
    ]


@pytest.mark.parametrize("tail", ["http://s3.example/p,anch", 'http://s3.example/p,"anchor cu'],
                         ids=["cut-mid-row", "cut-mid-quote"])
def test_truncated_last_row_is_one_rejection(tmp_path: Path, tail: str) -> None:
    path = write(tmp_path, HEADER + row(1) + row(2) + tail)
    assert outcome(path) == [(2, "anchor 1"), (3, "anchor 2"), (4, BROKEN.format(n=2))]


def test_unclosed_quote_swallowing_the_file_is_an_input_error(tmp_path: Path) -> None:
    rest = "".join(row(i) for i in range(3, 10_000))  # ~500 KB: past the csv field limit
    path = write(tmp_path, HEADER + row(1) + 'http://s2.example/p,"open,http://acme.example/\n'
                 + rest)
    items = read_export(path, "bing", "acme.example", metrics_date=DAY)
    first = next(items)
    assert isinstance(first, BacklinkRow) and first.line == 2
    with pytest.raises(InputError, match=r"line 3: field larger than field limit .* never ends"):
        next(items)


@pytest.mark.parametrize("data", [
    bytes(range(256)) * 64,
    b"\x00" * 5000,
    b"\xff\xfe" + bytes(range(1, 256)) * 10,
    b"",
], ids=["all-bytes", "nuls", "utf16-bom-garbage", "empty"])
def test_binary_garbage_is_an_input_error(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InputError, match="no linking-page column for a bing export"):
        outcome(write(tmp_path, data))


def test_damaged_containers_are_input_errors(tmp_path: Path) -> None:
    body = (HEADER + "".join(row(i) for i in range(2000))).encode()
    fake_gz = write(tmp_path, b"\x1f\x8b" + b"not deflate" * 50, "fake.csv.gz")
    with pytest.raises(InputError, match="gzip-compressed but damaged or cut short"):
        outcome(fake_gz)
    cut_gz = write(tmp_path, gzip.compress(body)[:4000], "cut.csv.gz")
    with pytest.raises(InputError, match="gzip-compressed but damaged or cut short"):
        outcome(cut_gz)
    fake_xlsx = write(tmp_path, b"PK\x03\x04" + b"not a zip" * 50, "fake.xlsx")
    with pytest.raises(InputError, match="not a readable workbook"):
        outcome(fake_xlsx)


def test_a_truncated_gzip_yields_its_whole_rows_first(tmp_path: Path) -> None:
    body = (HEADER + "".join(row(i) for i in range(20_000))).encode()
    path = write(tmp_path, gzip.compress(body)[:60_000], "cut.csv.gz")
    items = read_export(path, "bing", "acme.example", metrics_date=DAY)
    lines = []
    with pytest.raises(InputError, match="gzip-compressed but damaged"):
        for item in items:
            assert isinstance(item, BacklinkRow), item
            lines.append(item.line)
    assert lines == list(range(2, len(lines) + 2)) and 1000 < len(lines) < 20_000


@pytest.mark.parametrize(("data", "anchor"), [
    ((HEADER + row(1, "café")).encode("utf-16-le"), "café"),
    (codecs.BOM_UTF16_BE + (HEADER + row(1, "café")).encode("utf-16-be"), "café"),
    ((HEADER + row(1, "café “q”")).encode("cp1252"), "café “q”"),
    (codecs.BOM_UTF8 + (HEADER + row(1, "naïve")).encode(), "naïve"),
    # mostly UTF-8 with one Latin-1 byte early: the sniffer reads the file as Windows-1252
    ((HEADER + row(1, "café")).encode() + "naïve\n".encode("latin-1"), "cafÃ©"),
], ids=["utf16le-no-bom", "utf16be-bom", "cp1252", "utf8-bom", "mixed-early"])
def test_wrong_and_mixed_encodings(tmp_path: Path, data: bytes, anchor: str) -> None:
    assert outcome(write(tmp_path, data))[0] == (2, anchor)


def test_a_bad_byte_after_the_sniff_window_becomes_a_replacement_char(tmp_path: Path) -> None:
    filler = "".join(row(i) for i in range(2, 2000))  # > 64 KB of clean UTF-8 first
    data = (HEADER + row(1, "café") + filler).encode() + b"http://s9.example/p,caf\xe9," \
        b"http://acme.example/t\n"
    found = outcome(write(tmp_path, data))
    assert len(found) == 2000
    assert found[0] == (2, "café") and found[-1] == (2001, "caf\ufffd")


def test_nul_bytes_inside_a_cell_are_kept_as_text(tmp_path: Path) -> None:
    assert outcome(write(tmp_path, HEADER + row(1, "a\x00b"))) == [(2, "a\x00b")]


@pytest.mark.parametrize("data", [HEADER, HEADER.rstrip("\n"), "\ufeff" + HEADER + "\n\n \n"],
                         ids=["newline", "no-newline", "bom-and-blank-lines"])
def test_header_only_is_an_empty_export(tmp_path: Path, data: str) -> None:
    assert outcome(write(tmp_path, data)) == []


BIG_ROWS = 2_000_000
VALID_EVERY = 10

STREAM_SCRIPT = """
import json, resource, sys
from datetime import date
from pathlib import Path
from linkvet.imports import BacklinkRow, read_export

def peak_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

path = Path(sys.argv[1])
items = read_export(path, "bing", "acme.example", metrics_date=date(2026, 10, 1))
rows = rejected = last_line = 0
for item in items:  # the first thousand items load every lazy import and cache
    rows += isinstance(item, BacklinkRow)
    rejected += not isinstance(item, BacklinkRow)
    last_line = item.line
    if rows + rejected == 1000:
        break
base = peak_kb()
for item in items:
    rows += isinstance(item, BacklinkRow)
    rejected += not isinstance(item, BacklinkRow)
    last_line = item.line
print(json.dumps({"rows": rows, "rejected": rejected, "last_line": last_line,
                  "growth_kb": peak_kb() - base}))
"""


@pytest.mark.slow
def test_two_million_rows_stream_in_bounded_memory(tmp_path: Path) -> None:
    """Valid rows cost ~0.1 ms each here (URL normalisation), so 9 of 10 rows are broken
    (a cheap rejection) to keep the run short; every row still goes through the reader."""
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        chunk = []
        for i in range(BIG_ROWS):
            chunk.append(row(i) if i % VALID_EVERY == 0 else f"http://s{i}.example/p,broken\n")
            if len(chunk) == 50_000:
                fh.write("".join(chunk))
                chunk = []
        fh.write("".join(chunk))
    assert path.stat().st_size > 50_000_000
    done = subprocess.run([sys.executable, "-c", STREAM_SCRIPT, str(path)], capture_output=True,
                          text=True, timeout=300, check=True)
    result = json.loads(done.stdout)
    assert result["rows"] == BIG_ROWS // VALID_EVERY
    assert result["rejected"] == BIG_ROWS - BIG_ROWS // VALID_EVERY
    assert result["last_line"] == BIG_ROWS + 1
    print(f"2M rows: {result}")
    assert result["growth_kb"] < 100 * 1024, result
