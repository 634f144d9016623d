"""Reading one backlink export into :class:`BacklinkRow` records, streaming.

Rules for a row (each broken rule is a :class:`Rejection` with the row's line; nothing else is
dropped, and blank lines are not rows):

- the row has as many cells as the header (Majestic writes some rows that are not valid CSV);
- the linking page is an http(s) URL (a URL without a scheme is read as ``http://``);
- the target URL, when the export has a target column, is a URL on the target's registrable
  domain (subdomains included); exports without one (GSC) link to the target domain itself;
- dates, yes/no values and metrics, when present, can be read.

GSC's "Top linking sites" table names sites, not pages: each site becomes a row with
``source_url = http://<site>/`` and ``domain_level = True``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from linkvet.errors import InputError
from linkvet.ids import link_id
from linkvet.imports.columns import (
    TOOLS,
    ColumnPlan,
    Tool,
    check_column_map,
    missing_columns_error,
    not_backlinks_reason,
    plan_columns,
)
from linkvet.imports.tables import Cells, read_table
from linkvet.imports.values import (
    numeric_date_order,
    parse_bool,
    parse_datetime,
    parse_flag,
    parse_number,
    parse_url,
)
from linkvet.urls import domain_of, is_domain_target, registrable_domain, target_domain

# Rows read ahead to tell the file's order of numeric dates (bounded memory: a few MB).
DATE_ORDER_ROWS = 10_000


@dataclass(frozen=True)
class BacklinkRow:
    """One link read from an export."""

    link_id: str
    source_url: str
    target_url: str
    anchor: str | None
    source_tool: str
    first_seen: datetime | None
    last_seen: datetime | None
    nofollow: bool | None
    metrics: dict[str, float] = field(default_factory=dict)
    metrics_date: date | None = None
    line: int = 0
    domain_level: bool = False
    title: str | None = None

    @property
    def source_domain(self) -> str:
        return domain_of(self.source_url)

    @property
    def target_domain(self) -> str:
        return domain_of(self.target_url) if not is_domain_target(self.target_url) \
            else registrable_domain(self.target_url)


@dataclass(frozen=True)
class Rejection:
    """A row that was not imported, and why."""

    line: int
    reason: str


def read_export(path: Path, tool: Tool, target: str,
                column_map: Mapping[str, str] | None = None, *,
                metrics_date: date | None = None) -> Iterator[BacklinkRow | Rejection]:
    """Stream the links of one export of ``tool`` about ``target`` (a domain or URL).

    ``metrics_date`` is when the export was made (its metrics' date, used when merging
    metrics of several imports); by default the file's modification date.
    Raises :class:`InputError` before the first row when the file cannot be an export of that
    kind (the message lists the headers seen and how to map columns)."""
    if tool not in TOOLS:
        raise InputError(f"--from {tool!r} is not known; use one of {', '.join(TOOLS)}.")
    if not path.is_file():
        raise InputError(f"{path} is not a file; give the path of the exported CSV or XLSX.")
    check_column_map(column_map)
    domain = target_domain(target)
    if metrics_date is None:
        metrics_date = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()

    def find(cells: list[str]) -> ColumnPlan | None:
        return plan_columns(cells, tool, column_map)

    header, plan, rows = read_table(path, find)
    if plan is None:
        seen = header.cells if header else []
        reason = not_backlinks_reason(seen)
        if reason:
            raise InputError(f"{path}: {reason}.")
        raise missing_columns_error(str(path), tool, seen, column_map)
    assert header is not None
    reader = _RowReader(plan, tool, domain, metrics_date)
    # The order of numeric dates (day or month first) is the file's, not each cell's: read from
    # the first rows, where one date that reads only one way settles it (1/13/2024: month
    # first), then held for every row.
    head: list[Cells] = []
    broken: InputError | None = None  # raised after the rows before it, as without read-ahead
    try:
        head.extend(itertools.islice(rows, DATE_ORDER_ROWS))
    except InputError as exc:
        broken = exc
    dates = [plan.fields[n] for n in ("first_seen", "last_seen") if n in plan.fields]
    reader.day_first = numeric_date_order(
        row.cells[col] for row in head for col in dates if col < len(row.cells))
    for cells in head:
        yield reader.read(cells)
    if broken is not None:
        raise broken
    for cells in rows:
        yield reader.read(cells)


class _RowReader:
    def __init__(self, plan: ColumnPlan, tool: str, domain: str, metrics_date: date) -> None:
        self.plan = plan
        self.tool = tool
        self.domain = domain
        self.metrics_date = metrics_date
        self.width = len(plan.header)
        self.day_first: bool | None = None

    def _cell(self, cells: list[str], name: str) -> str:
        col = self.plan.fields.get(name)
        return cells[col] if col is not None else ""

    def _column(self, name: str) -> str:
        col = self.plan.fields.get(name, self.plan.metrics.get(name))
        return self.plan.header[col].strip() if col is not None else name

    def read(self, row: Cells) -> BacklinkRow | Rejection:
        cells = row.cells
        if len(cells) != self.width:
            return Rejection(row.line, f"wrong number of cells: {len(cells)}, the header has "
                                       f"{self.width} (a broken CSV row)")
        try:
            return self._read(row.line, cells)
        except ValueError as exc:
            return Rejection(row.line, str(exc))

    def _read(self, line: int, cells: list[str]) -> BacklinkRow | Rejection:
        plan = self.plan
        if plan.domain_level:
            site = self._cell(cells, "site").strip().strip("/")
            if not site:
                return Rejection(line, f"no linking site in column {self._column('site')!r}")
            parsed = parse_url(site)
            host = domain_of(parsed) if parsed else ""
            if not parsed or not host:
                return Rejection(line, f"linking site {site!r} is not a host name")
            source = parse_url(site.split("://", 1)[-1].split("/", 1)[0] + "/")
            assert source is not None
        else:
            raw = self._cell(cells, "source_url").strip()
            if not raw:
                return Rejection(line, f"no linking page URL in column "
                                       f"{self._column('source_url')!r}")
            parsed = parse_url(raw)
            if parsed is None:
                return Rejection(line, f"linking page {raw!r} is not an http(s) URL")
            source = parsed
        if "target_url" in plan.fields:
            raw_target = self._cell(cells, "target_url").strip()
            if not raw_target:
                return Rejection(line, f"no target URL in column {self._column('target_url')!r}")
            target_url = parse_url(raw_target)
            if target_url is None:
                return Rejection(line, f"target {raw_target!r} is not an http(s) URL")
            if domain_of(target_url) != self.domain:
                return Rejection(line, f"target {raw_target!r} is not on {self.domain}")
        else:
            target_url = self.domain
        nofollow = self._nofollow(cells)
        metrics: dict[str, float] = {}
        for name, col in plan.metrics.items():
            try:
                value = parse_number(cells[col])
            except ValueError as exc:
                raise ValueError(f"{exc} in column {plan.header[col].strip()!r}") from None
            if value is not None:
                metrics[name] = value
        if plan.domain_level:
            metrics["domain_level"] = 1.0
        anchor = self._cell(cells, "anchor") if "anchor" in plan.fields else None
        title = self._cell(cells, "title").strip() or None
        return BacklinkRow(
            link_id=link_id(source, target_url),
            source_url=source,
            target_url=target_url,
            anchor=anchor.strip() if anchor is not None else None,
            source_tool=self.tool,
            first_seen=self._date(cells, "first_seen"),
            last_seen=self._date(cells, "last_seen"),
            nofollow=nofollow,
            metrics=metrics,
            metrics_date=self.metrics_date,
            line=line,
            domain_level=plan.domain_level,
            title=title,
        )

    def _date(self, cells: list[str], name: str) -> datetime | None:
        try:
            return parse_datetime(self._cell(cells, name), self.day_first)
        except ValueError as exc:
            raise ValueError(f"{exc} in column {self._column(name)!r}") from None

    def _nofollow(self, cells: list[str]) -> bool | None:
        fields = self.plan.fields
        try:
            if "nofollow" in fields:
                value = parse_bool(self._cell(cells, "nofollow"))
                if value is not None:
                    return value
            if "follow" in fields:
                follow = parse_bool(self._cell(cells, "follow"))
                if follow is not None:
                    return not follow
        except ValueError as exc:
            column = self._column("nofollow" if "nofollow" in fields else "follow")
            raise ValueError(f"{exc} in column {column!r}") from None
        if "nofollow_flag" in fields:
            return parse_flag(self._cell(cells, "nofollow_flag"))
        return None
