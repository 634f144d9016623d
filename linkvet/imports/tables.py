"""Streaming the rows of a tabular file: CSV in any of the encodings and delimiters exports use,
gzipped CSV, and XLSX. Bounded memory: one row at a time.

Encoding rules (first that holds wins): a UTF-8 BOM means UTF-8; a UTF-16 BOM means UTF-16 of
that byte order (Ahrefs' "CSV for Excel"); NUL bytes in every other position of the first bytes
mean UTF-16 without a BOM; a file that decodes as UTF-8 throughout is UTF-8; one whose start is
plain ASCII but that later holds bytes UTF-8 cannot be is Windows-1252 (an Excel re-save);
one with UTF-8 text at the start and damage later stays UTF-8 (the damage reads as U+FFFD);
anything else is Windows-1252. In XLSX files a number shown as a percentage reads as one
(``17%``, stored as 0.17).
A file starting with the gzip magic bytes is decompressed first (Majestic API downloads).

The header is the first line among the first :data:`HEADER_SCAN_LINES` whose cells name a
linking-page column (so metadata lines before the header, as in Moz exports, are skipped).
The delimiter is the one of ``, \\t ; |`` that splits that line into the most cells.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from linkvet.errors import InputError

HEADER_SCAN_LINES = 50
_SNIFF_BYTES = 65536
_DELIMITERS = (",", "\t", ";", "|")
# What a damaged gzip stream raises while it is read.
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)

T = TypeVar("T")


@dataclass(frozen=True)
class Cells:
    """One record of the file: its 1-based line (or sheet row) number and its cells."""

    line: int
    cells: list[str]


def sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:200]
    if len(sample) >= 4:
        if sample[1::2].count(0) >= len(sample[1::2]) * 0.4 and sample[0::2].count(0) == 0:
            return "utf-16-le"
        if sample[0::2].count(0) >= len(sample[0::2]) * 0.4 and sample[1::2].count(0) == 0:
            return "utf-16-be"
    try:
        # incremental: a multi-byte character cut by the sniff window is still UTF-8
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _utf8_throughout(path: Path) -> bool:
    """Whether the whole file decodes as UTF-8 (read in chunks: memory stays bounded)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with _open_binary(path) as raw:
            while chunk := raw.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except _GZIP_ERRORS:
        pass  # a damaged end: reading the rows reports it, after the rows before it
    return True


def _open_binary(path: Path) -> IO[bytes]:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as probe:
        return probe.read(4) == b"PK\x03\x04"


def read_table(path: Path, find_header: Callable[[list[str]], T | None],
               ) -> tuple[Cells | None, T | None, Iterator[Cells]]:
    """``(header, what find_header returned for it, the rows after it)``.

    ``find_header`` is given the cells of candidate header lines and returns something (a column
    plan) for the header line or ``None``. When no header is found, the first non-empty line is
    returned as the header with ``None`` so the caller can say which headers it saw."""
    if is_xlsx(path):
        return _read_xlsx(path, find_header)
    return _read_csv(path, find_header)


def _read_csv(path: Path, find_header: Callable[[list[str]], T | None],
              ) -> tuple[Cells | None, T | None, Iterator[Cells]]:
    raw = _open_binary(path)
    try:
        head = raw.read(_SNIFF_BYTES)
    except _GZIP_ERRORS as exc:
        raise _damaged_gzip(path, exc) from exc
    finally:
        raw.close()
    encoding = sniff_encoding(head)
    if encoding == "utf-8" and not _utf8_throughout(path) and head.isascii():
        # ASCII at the start, bytes that are not UTF-8 later (accented names after the first
        # 64 KB of an Excel re-save): the file is Windows-1252, not UTF-8 with damage.
        encoding = "cp1252"
    binary = _open_binary(path)
    text = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
    lines: list[str] = []
    try:
        for line in text:
            lines.append(line)
            if len(lines) >= HEADER_SCAN_LINES:
                break
    except _GZIP_ERRORS as exc:
        text.close()
        raise _damaged_gzip(path, exc) from exc
    first: Cells | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        delimiter = _delimiter_of(line)
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if first is None:
            first = Cells(number, cells)
        found = find_header(cells)
        if found is not None:
            rest = itertools.chain(lines[number:], text)
            return Cells(number, cells), found, _csv_rows(path, rest, delimiter, number, text)
    text.close()
    return first, None, iter(())


def _delimiter_of(line: str) -> str:
    best = ","
    best_cells = 1
    for delimiter in _DELIMITERS:
        cells = len(next(csv.reader([line], delimiter=delimiter), []))
        if cells > best_cells:
            best, best_cells = delimiter, cells
    return best


def _damaged_gzip(path: Path, exc: BaseException) -> InputError:
    return InputError(f"{path} is gzip-compressed but damaged or cut short ({exc}); download "
                      "the export again.")


def _csv_rows(path: Path, lines: Iterator[str], delimiter: str, offset: int,
              handle: io.TextIOWrapper) -> Iterator[Cells]:
    reader = csv.reader(lines, delimiter=delimiter)
    end = 0
    try:
        for cells in reader:
            start = end + 1
            end = reader.line_num
            if not cells or not any(c.strip() for c in cells):
                continue
            yield Cells(offset + start, cells)
    except csv.Error as exc:
        # A quote that never closes swallows the rest of the file into one cell.
        raise InputError(
            f"{path}: line {offset + end + 1}: {exc}; a quoted cell starting there never ends "
            "(an unbalanced '\"'). Fix or remove that line and import again.") from exc
    except _GZIP_ERRORS as exc:
        raise _damaged_gzip(path, exc) from exc
    finally:
        handle.close()


def _sheet_cell_text(cell: Any) -> str:
    """A sheet cell as text. A number shown as a percentage is written with its sign (Excel
    stores 17% as 0.17, and the same export saved as CSV reads "17%")."""
    value = getattr(cell, "value", None)
    if (isinstance(value, int | float) and not isinstance(value, bool)
            and "%" in (getattr(cell, "number_format", None) or "")):
        return f"{round(value * 100, 10):g}%"
    return _cell_text(value)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path, find_header: Callable[[list[str]], T | None],
               ) -> tuple[Cells | None, T | None, Iterator[Cells]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, EOFError) as exc:
        raise InputError(f"{path} starts like an XLSX (zip) file but is not a readable workbook "
                         f"({type(exc).__name__}: {exc}); export it again as CSV or XLSX.") from exc
    first: Cells | None = None
    for sheet in book.worksheets:
        rows = sheet.iter_rows()
        for number, values in enumerate(itertools.islice(rows, HEADER_SCAN_LINES), start=1):
            cells = _trimmed([_sheet_cell_text(c) for c in values])
            if not cells:
                continue
            if first is None:
                first = Cells(number, cells)
            found = find_header(cells)
            if found is not None:
                return Cells(number, cells), found, _xlsx_rows(book, rows, number, len(cells))
    book.close()
    return first, None, iter(())


def _trimmed(cells: list[str]) -> list[str]:
    # read-only sheets pad rows to the sheet's width: trailing empty cells are not columns
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _xlsx_rows(book: Any, rows: Iterator[tuple[Any, ...]], offset: int,
               width: int) -> Iterator[Cells]:
    try:
        for number, values in enumerate(rows, start=offset + 1):
            cells = _trimmed([_sheet_cell_text(c) for c in values])
            if cells:
                yield Cells(number, cells + [""] * (width - len(cells)))
    finally:
        book.close()
