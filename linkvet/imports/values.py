"""Reading the cell values of backlink exports: dates, booleans, numbers, URLs.

Every parser returns ``None`` for an empty cell and raises :class:`ValueError` with a short
reason for a cell it cannot read; the caller turns that into a rejection of the row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from linkvet.urls import resolve

_MISSING = frozenset({"", "-", "--", "n/a", "na", "none", "null"})

# English words, and Excel's TRUE and FALSE as its other languages write them in a CSV it saves
# (German, French, Spanish, Italian, Portuguese, Dutch, Polish, Russian, Swedish, Danish).
_TRUE = frozenset({"true", "yes", "y", "1", "t", "x", "wahr", "vrai", "verdadero", "vero",
                   "verdadeiro", "waar", "prawda", "истина", "sant", "sand"})
_FALSE = frozenset({"false", "no", "n", "0", "f", "falsch", "faux", "falso", "onwaar",
                    "fałsz", "ложь", "falskt", "falsk"})

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?$"
)
_NUMERIC_DMY = re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_MONTH_FIRST = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")
_DAY_FIRST = re.compile(r"^(\d{1,2}) ([A-Za-z]{3,9})\.?,? (\d{4})$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:([,\u00a0\u202f ' ])\d{3})(?:\1\d{3})*(?:\.\d+)?$")
# Thousands grouped by dots, as European locales write them: unambiguous only with two groups
# or more, or with a decimal comma after them ("1.234" alone could be a decimal).
_DOT_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3}){2,}$|^[+-]?\d{1,3}(?:\.\d{3})+,\d+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d{1,2}$|^[+-]?\d+,\d{4,}$")


def is_missing(cell: str) -> bool:
    return cell.strip().lower() in _MISSING


def parse_datetime(cell: str, day_first: bool | None = None) -> datetime | None:
    """A date or date-time as exports write them.

    Accepted: ISO ``2026-09-28`` / ``2026-09-28 10:11:12`` / ``2026-09-28T10:11:12Z`` (a zone
    suffix is dropped: exports are in UTC), ``Sep 15, 2026``, ``28 Sep 2026``, and numeric
    ``28/09/2026``, ``28.09.2026`` or ``28-09-2026``, with a two-digit year too (``1/2/24``, as
    Excel for Mac saves: 00-69 are 2000-2069, 70-99 are 1970-1999).

    ``day_first`` is the file's order of numeric dates (:func:`numeric_date_order` finds it);
    a date that cannot be read in that order is refused. ``None`` (the order is unknown): day
    first (the GSC and European order) unless the second number cannot be a month.
    """
    text = cell.strip()
    if is_missing(text):
        return None
    m = _ISO.match(text)
    if m:
        y, mo, d, hh, mm, ss = m.groups()
        return _make(int(y), int(mo), int(d), hh, mm, ss, text)
    m = _NUMERIC_DMY.match(text)
    if m:
        a, _, b, y, hh, mm, ss = m.groups()
        day, month = (int(a), int(b)) if day_first in (True, None) else (int(b), int(a))
        if day_first is None and month > 12 >= day:
            day, month = month, day
        elif month > 12:
            order = "day" if day_first else "month"
            raise ValueError(f"unreadable date {text!r} (this file writes the {order} first)")
        year = int(y) if len(y) == 4 else int(y) + (2000 if int(y) < 70 else 1900)
        return _make(year, month, day, hh, mm, ss, text)
    m = _MONTH_FIRST.match(text)
    if m:
        return _make(int(m.group(3)), _month(m.group(1), text), int(m.group(2)), None, None,
                     None, text)
    m = _DAY_FIRST.match(text)
    if m:
        return _make(int(m.group(3)), _month(m.group(2), text), int(m.group(1)), None, None,
                     None, text)
    raise ValueError(f"unreadable date {text!r}")


def _month(name: str, text: str) -> int:
    month = _MONTHS.get(name.lower())
    if month is None:
        raise ValueError(f"unreadable date {text!r}")
    return month


def _make(y: int, mo: int, d: int, hh: str | None, mm: str | None, ss: str | None,
          text: str) -> datetime:
    try:
        return datetime(y, mo, d, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        raise ValueError(f"unreadable date {text!r}") from None


def numeric_date_order(cells: Iterable[str]) -> bool | None:
    """Whether a file's numeric dates are written day first (``True``), month first
    (``False``), or cannot be told from ``cells`` (``None``: every date has both numbers up to
    12, or the file writes both orders). Excel writes a whole file in one order (its locale's):
    one date that can only be read one way settles it for all."""
    day_first = month_first = False
    for cell in cells:
        m = _NUMERIC_DMY.match(cell.strip())
        if m:
            a, b = int(m.group(1)), int(m.group(3))
            day_first |= a > 12 >= b
            month_first |= b > 12 >= a
    return day_first if day_first != month_first else None


def parse_date(cell: str) -> date | None:
    value = parse_datetime(cell)
    return value.date() if value is not None else None


def parse_bool(cell: str) -> bool | None:
    """``true``/``false``, ``Yes``/``No``, ``1``/``0``, Excel's TRUE/FALSE in other languages
    (``WAHR``/``FALSCH``, ``VRAI``/``FAUX``...), any case; empty is unknown."""
    text = cell.strip().lower()
    if text in _MISSING - {"no", "n"}:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"unreadable yes/no value {cell.strip()!r}")


def parse_flag(cell: str) -> bool:
    """Majestic's flags: any non-empty cell is true, an empty cell is false."""
    return bool(cell.strip())


def parse_number(cell: str) -> float | None:
    """A number as exports write it: ``12``, ``12.5``, ``"1,240"`` (thousands grouped by
    comma, space, no-break space or apostrophe; by dots with two groups or a decimal comma:
    ``1.234.567``, ``12.345,5``), ``12,5`` (decimal comma, when the digits after the comma are
    not a group of three), ``45%`` (the percent sign is dropped)."""
    text = cell.strip()
    if is_missing(text):
        return None
    if text.endswith("%"):
        text = text[:-1].strip()
    m = _GROUPED.match(text)
    if m:
        text = text.replace(m.group(1), "")
    elif _DOT_GROUPED.match(text):
        text = text.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"unreadable number {cell.strip()!r}") from None


def parse_url(cell: str) -> str | None:
    """An absolute http(s) URL. A URL written without a scheme (``www.site.example/page``, as
    Moz and some GSC tables write them) is read as ``http://``. ``None`` when it is not a
    web URL."""
    text = cell.strip()
    if not text:
        return None
    if "://" not in text and not text.lower().startswith(("javascript:", "mailto:", "data:")):
        host = text.split("/", 1)[0]
        if "." not in host or " " in text:
            return None
        text = "http://" + text
    return resolve("", text)
