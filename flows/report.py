"""Reports from the judged store: the self-contained HTML report per target and the XLSX audit
spreadsheet. The HTML rendering rules live in :mod:`linkvet.acting.report`; this module reads
DuckDB and writes files.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from flows.files import write_through_tmp
from linkvet.acting.report import AlertRow, DayPoint, LinkRow, ReportData, render_html
from linkvet.errors import InputError

log = logging.getLogger(__name__)

TOP_LINKS = 15
XLSX_CELL_CHARS = 32_767  # Excel's limit for the text of one cell
SHEETS: tuple[str, ...] = ("high", "medium", "low", "toxic")
XLSX_COLUMNS: tuple[str, ...] = (
    "link_id", "source_url", "source_domain", "target_url", "status", "score", "tier", "toxic",
    "anchor", "anchor_class", "follow", "placement", "decision", "markers", "reasons",
)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params).fetchall()


LINKS_SQL = """
SELECT b.link_id, b.source_url, g.anchor, s.score, s.tier, s.toxic, st.status
FROM backlinks b
JOIN link_scores s USING (link_id)
LEFT JOIN link_state st USING (link_id)
LEFT JOIN link_signals g USING (link_id)
WHERE b.target_domain = $target
"""

# The reasons of a few chosen links only: explaining every link (link_scores_explained) to show
# fifteen of them would cost memory and time in proportion to the whole store.
REASONS_SQL = """
SELECT link_id, list(text ORDER BY abs(points) DESC, bit) AS reasons
FROM link_score_reasons
WHERE link_id IN (SELECT unnest($ids))
GROUP BY link_id
"""


def report_data(con: duckdb.DuckDBPyConnection, target: str, now: datetime) -> ReportData:
    """Everything the report shows for ``target`` (a registrable domain)."""
    days = tuple(DayPoint(*r) for r in _rows(con, """
        SELECT day, referring_domains, live_links, new_links, lost_links
        FROM daily_metrics WHERE target = $t ORDER BY day""", {"t": target}))
    quality = dict(_rows(con, """
        SELECT CASE WHEN s.toxic THEN 'toxic' ELSE s.tier END, count(*)
        FROM link_scores s JOIN backlinks b USING (link_id) JOIN link_state st USING (link_id)
        WHERE b.target_domain = $t AND st.status = 'live' GROUP BY 1""", {"t": target}))
    anchors = dict(_rows(con, """
        SELECT anchor_class, live_links FROM v_anchor_distribution
        WHERE target_domain = $t AND live_links > 0""", {"t": target}))

    def links(order: str, where: str) -> tuple[LinkRow, ...]:
        rows = _rows(con, f"{LINKS_SQL} AND {where} ORDER BY {order} LIMIT {TOP_LINKS}",
                     {"target": target})
        reasons = dict(_rows(con, REASONS_SQL, {"ids": [r[0] for r in rows]})) if rows else {}
        return tuple(
            LinkRow(url, anchor, score, tier, bool(toxic), status,
                    tuple(reasons.get(link_id) or ()))
            for link_id, url, anchor, score, tier, toxic, status in rows)

    top = links("s.score DESC, b.source_url", "st.status = 'live' AND NOT s.toxic")
    worst = links("s.toxic DESC, s.score ASC, b.source_url", "TRUE")
    alerts = tuple(
        AlertRow(day, severity, kind, subject, _evidence_text(evidence))
        for day, severity, kind, subject, evidence in _rows(con, """
            SELECT evidence_day, severity, kind, subject, evidence FROM alerts
            WHERE target = $t AND status = 'open'
            ORDER BY evidence_day DESC, CASE severity WHEN 'critical' THEN 0
                     WHEN 'warning' THEN 1 ELSE 2 END, kind, subject""", {"t": target}))
    return ReportData(target, now, days, quality, anchors, top, worst, alerts)


def _evidence_text(evidence: str | None) -> str:
    data = json.loads(evidence) if evidence else {}
    return "; ".join(f"{k}: {v}" for k, v in sorted(data.items()) if v not in (None, "", []))


def write_report(con: duckdb.DuckDBPyConnection, target: str, out: Path,
                 now: datetime | None = None) -> Path:
    """Write the HTML report of ``target`` to ``out`` (temp file, then rename)."""
    html = render_html(report_data(con, target, now or datetime.now(UTC)))
    _write_through_tmp(out, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    return out


def _write_through_tmp(out: Path, write: Callable[[Path], Any]) -> None:
    """:func:`flows.files.write_through_tmp`, its error worded as what to change."""
    try:
        write_through_tmp(out, write)
    except OSError as exc:
        raise InputError(f"cannot write {out} ({exc}); give a file path you can write "
                         "(and free some space if the disk is full)") from None


def report_targets(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in _rows(con, "SELECT DISTINCT target_domain FROM backlinks ORDER BY 1")]


def write_reports(con: duckdb.DuckDBPyConnection, folder: Path, now: datetime | None = None
                  ) -> dict[str, str]:
    """One report per target: ``folder/<target>.html``; returns ``{target: path}``."""
    return {t: str(write_report(con, t, folder / f"{_file_safe(t)}.html", now))
            for t in report_targets(con)}


def _file_safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in ".-" else "_" for ch in name) or "target"


# ------------------------------------------------------------------------------------ XLSX --

XLSX_SQL = f"""
SELECT CASE WHEN s.toxic THEN 'toxic' ELSE s.tier END AS sheet,
       {", ".join("v." + c for c in XLSX_COLUMNS)}
FROM v_links v JOIN link_scores s USING (link_id)
WHERE $target IS NULL OR v.target_domain = $target
ORDER BY sheet, v.score DESC, v.source_url
"""


XLSX_CHUNK_ROWS = 10_000


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _text_cell(ws: Any, value: Any) -> Any:
    """A cell value; strings as explicit text cells (openpyxl would store "=..." as a
    formula), their control characters (which XML 1.0 cannot hold, and openpyxl refuses,
    failing the whole export) as U+FFFD, cut to a cell's 32,767 characters."""
    value = _cell(value)
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(value) > XLSX_CELL_CHARS:
        value = value[: XLSX_CELL_CHARS - 1] + "…"
    cell = WriteOnlyCell(ws, value)
    cell.data_type = "s"
    return cell


def export_xlsx(con: duckdb.DuckDBPyConnection, out: Path, target: str | None = None
                ) -> dict[str, int]:
    """The audit spreadsheet: one sheet per quality class (``high``, ``medium``, ``low``,
    ``toxic``; a toxic link is only on ``toxic``) with its reasons, an autofilter and a frozen
    header row. Text from crawled pages is stored as text, never as a formula. Returns the
    rows per sheet.

    Streamed: rows are read from DuckDB in chunks and written through openpyxl's write-only
    workbook, so memory does not grow with the number of links (a normal workbook keeps an
    object per cell, several KB per link)."""
    if out.is_dir():  # before the workbook exists: an unsaved write-only one warns when freed
        raise InputError(f"cannot write {out} ({out} is a folder); give a file path")
    wb = Workbook(write_only=True)
    sheets = {name: wb.create_sheet(name) for name in SHEETS}
    for ws in sheets.values():
        ws.freeze_panes = "A2"
        for i, name in enumerate(XLSX_COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = {
                "source_url": 60, "target_url": 40, "reasons": 80}.get(name, 14)
        ws.append(list(XLSX_COLUMNS))
    counts = dict.fromkeys(SHEETS, 0)
    result = con.execute(XLSX_SQL, {"target": target})
    while chunk := result.fetchmany(XLSX_CHUNK_ROWS):
        for sheet, *values in chunk:
            ws = sheets[sheet]
            ws.append([_text_cell(ws, v) for v in values])
            counts[sheet] += 1
    last = get_column_letter(len(XLSX_COLUMNS))
    for name, ws in sheets.items():
        ws.auto_filter.ref = f"A1:{last}{counts[name] + 1}"
    _write_through_tmp(out, wb.save)
    log.info("wrote %s: %s", out, counts)
    return counts
