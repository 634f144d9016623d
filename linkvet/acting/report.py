"""The audit report: a data model and its rendering as one self-contained HTML file.

The file has inline CSS and inline SVG charts, no script and no external resource, so it opens
offline and can be mailed. Every string that reaches the HTML (page titles, anchors, URLs,
reasons, alert evidence) goes through :func:`html.escape`; a Content-Security-Policy that
allows no script at all is a second line of defence, not the first.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

QUALITY_ORDER: tuple[str, ...] = ("high", "medium", "low", "toxic")
QUALITY_COLOURS: Mapping[str, str] = {"high": "#2e7d32", "medium": "#f9a825", "low": "#ef6c00",
                                      "toxic": "#c62828"}
SERIES_COLOURS: tuple[str, ...] = ("#1565c0", "#6a1b9a", "#2e7d32", "#c62828")

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@dataclass(frozen=True)
class DayPoint:
    day: date
    referring_domains: int
    live_links: int
    new_links: int
    lost_links: int


@dataclass(frozen=True)
class LinkRow:
    source_url: str
    anchor: str | None
    score: float | None
    tier: str | None
    toxic: bool
    status: str | None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlertRow:
    day: date
    severity: str
    kind: str
    subject: str
    detail: str


@dataclass(frozen=True)
class ReportData:
    target: str
    generated_at: datetime
    days: tuple[DayPoint, ...] = ()
    quality: Mapping[str, int] = field(default_factory=dict)
    anchors: Mapping[str, int] = field(default_factory=dict)
    top_links: tuple[LinkRow, ...] = ()
    worst_links: tuple[LinkRow, ...] = ()
    alerts: tuple[AlertRow, ...] = ()


def esc(value: object) -> str:
    """Text for HTML content or a quoted attribute value."""
    return html.escape("" if value is None else str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------- SVG charts --

def line_chart(title: str, labels: Sequence[str], series: Mapping[str, Sequence[int]],
               *, width: int = 640, height: int = 220) -> str:
    """Lines over days (one per series) with a legend; a single day draws dots."""
    pad_l, pad_r, pad_t, pad_b = 44, 12, 12, 40
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    top = max([1, *(v for values in series.values() for v in values)])
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return pad_l + (inner_w / 2 if n == 1 else inner_w * i / (n - 1))

    def y(v: float) -> float:
        return pad_t + inner_h - inner_h * v / top

    parts = [_svg_open(title, width, height), _axes(pad_l, pad_t, inner_w, inner_h, top)]
    for k, (name, values) in enumerate(series.items()):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        points = " ".join(f"{_num(x(i))},{_num(y(v))}" for i, v in enumerate(values))
        if len(values) > 1:
            parts.append(f'<polyline class="series" fill="none" stroke="{colour}" '
                         f'stroke-width="2" points="{points}"/>')
        parts.extend(f'<circle class="point" cx="{_num(x(i))}" cy="{_num(y(v))}" r="3" '
                     f'fill="{colour}"><title>{esc(name)} {esc(labels[i])}: {v}</title>'
                     '</circle>' for i, v in enumerate(values))
        parts.append(f'<rect x="{pad_l + 150 * k}" y="{height - 14}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{pad_l + 150 * k + 14}" y="{height - 5}">'
                     f'{esc(name)}</text>')
    parts.append(_x_labels(labels, x, pad_t + inner_h + 14))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, labels: Sequence[str], series: Mapping[str, Sequence[int]],
              *, width: int = 640, height: int = 220) -> str:
    """Grouped bars per day (one bar per series)."""
    pad_l, pad_r, pad_t, pad_b = 44, 12, 12, 40
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    top = max([1, *(v for values in series.values() for v in values)])
    n, k_count = max(len(labels), 1), max(len(series), 1)
    slot = inner_w / n
    bar = max(slot * 0.8 / k_count, 1.0)
    parts = [_svg_open(title, width, height), _axes(pad_l, pad_t, inner_w, inner_h, top)]
    for k, (name, values) in enumerate(series.items()):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        for i, v in enumerate(values):
            h = inner_h * v / top
            bx = pad_l + slot * i + slot * 0.1 + bar * k
            parts.append(f'<rect class="bar" x="{_num(bx)}" y="{_num(pad_t + inner_h - h)}" '
                         f'width="{_num(bar)}" height="{_num(max(h, 0.0))}" fill="{colour}">'
                         f'<title>{esc(name)} {esc(labels[i])}: {v}</title></rect>')
        parts.append(f'<rect x="{pad_l + 150 * k}" y="{height - 14}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{pad_l + 150 * k + 14}" y="{height - 5}">'
                     f'{esc(name)}</text>')
    parts.append(_x_labels(labels, lambda i: pad_l + slot * (i + 0.5), pad_t + inner_h + 14))
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(title: str, values: Mapping[str, int], colours: Mapping[str, str] | None = None,
               *, width: int = 640) -> str:
    """One horizontal bar per label, with its count and share."""
    row, pad_l = 24, 140
    height = max(len(values), 1) * row + 8
    total = sum(values.values()) or 1
    top = max([1, *values.values()])
    parts = [_svg_open(title, width, height)]
    for i, (label, v) in enumerate(values.items()):
        w = (width - pad_l - 90) * v / top
        colour = (colours or {}).get(label, SERIES_COLOURS[0])
        y = 4 + i * row
        parts.append(f'<text x="{pad_l - 6}" y="{y + 15}" text-anchor="end">{esc(label)}</text>'
                     f'<rect class="bar" x="{pad_l}" y="{y + 2}" width="{_num(max(w, 1.0))}" '
                     f'height="{row - 6}" fill="{colour}"><title>{esc(label)}: {v}</title>'
                     f'</rect><text x="{_num(pad_l + max(w, 1.0) + 6)}" y="{y + 15}">{v} '
                     f'({_num(100 * v / total)}%)</text>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(title: str, width: int, height: int) -> str:
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-label="{esc(title)}"><title>{esc(title)}</title>')


def _axes(x0: int, y0: int, w: int, h: int, top: int) -> str:
    return (f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y0 + h}" stroke="#999"/>'
            f'<line x1="{x0}" y1="{y0 + h}" x2="{x0 + w}" y2="{y0 + h}" stroke="#999"/>'
            f'<text x="{x0 - 6}" y="{y0 + 10}" text-anchor="end">{top}</text>'
            f'<text x="{x0 - 6}" y="{y0 + h}" text-anchor="end">0</text>')


def _x_labels(labels: Sequence[str], x: Callable[[int], float], y: float) -> str:
    if not labels:
        return ""
    step = max(1, len(labels) // 8)
    pick = sorted({*range(0, len(labels), step), len(labels) - 1})
    return "".join(f'<text x="{_num(x(i))}" y="{_num(y)}" text-anchor="middle">'
                   f'{esc(labels[i])}</text>' for i in pick)


# -------------------------------------------------------------------------------- the page --

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222;
padding:0 12px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
td.url{word-break:break-all;max-width:360px}.muted{color:#777}
.chart text{font-size:11px;fill:#444}.sev-critical{color:#c62828;font-weight:600}
.sev-warning{color:#ef6c00}.kpis{display:flex;gap:24px}.kpi b{display:block;font-size:20px}
"""


def _link_table(rows: Sequence[LinkRow]) -> str:
    if not rows:
        return '<p class="muted">No links.</p>'
    body = "".join(
        f"<tr><td class=\"url\">{esc(r.source_url)}</td><td>{esc(r.anchor)}</td>"
        f"<td>{'' if r.score is None else _num(r.score)}</td>"
        f"<td>{esc('toxic' if r.toxic else r.tier)}</td><td>{esc(r.status)}</td>"
        f"<td><ul>{''.join(f'<li>{esc(x)}</li>' for x in r.reasons)}</ul></td></tr>"
        for r in rows)
    return ("<table><thead><tr><th>Linking page</th><th>Anchor</th><th>Score</th><th>Tier</th>"
            f"<th>Status</th><th>Reasons</th></tr></thead><tbody>{body}</tbody></table>")


def _alert_table(rows: Sequence[AlertRow]) -> str:
    if not rows:
        return '<p class="muted">No open alerts.</p>'
    body = "".join(
        f'<tr><td>{esc(a.day.isoformat())}</td><td class="sev-{esc(a.severity)}">'
        f"{esc(a.severity)}</td><td>{esc(a.kind)}</td><td class=\"url\">{esc(a.subject)}</td>"
        f'<td class="url">{esc(a.detail)}</td></tr>' for a in rows)
    return ("<table><thead><tr><th>Day</th><th>Severity</th><th>Kind</th><th>Subject</th>"
            f"<th>Evidence</th></tr></thead><tbody>{body}</tbody></table>")


def render_html(data: ReportData) -> str:
    """The whole report as one HTML document (UTF-8)."""
    labels = [p.day.isoformat() for p in data.days]
    last = data.days[-1] if data.days else None
    kpis = "".join(
        f'<div class="kpi"><b>{value}</b>{esc(name)}</div>' for name, value in (
            ("referring domains", last.referring_domains if last else 0),
            ("live links", last.live_links if last else 0),
            ("open alerts", len(data.alerts))))
    quality = {k: int(data.quality.get(k, 0)) for k in QUALITY_ORDER}
    anchors = dict(sorted(data.anchors.items(), key=lambda kv: (-kv[1], kv[0])))
    charts = (
        "<h2>Referring domains and live links</h2>"
        + line_chart("Referring domains and live links over time", labels, {
            "referring domains": [p.referring_domains for p in data.days],
            "live links": [p.live_links for p in data.days]})
        + "<h2>New and lost links</h2>"
        + bar_chart("New and lost links per day", labels, {
            "new": [p.new_links for p in data.days], "lost": [p.lost_links for p in data.days]})
        + "<h2>Quality mix of live links</h2>"
        + hbar_chart("Quality mix", quality, QUALITY_COLOURS)
        + "<h2>Anchor distribution of live links</h2>"
        + (hbar_chart("Anchor classes", anchors) if anchors
           else '<p class="muted">No live links.</p>'))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>linkvet report: {esc(data.target)}</title><style>{STYLE}</style></head><body>"
        f"<h1>Backlink report: {esc(data.target)}</h1>"
        f'<p class="muted">Generated {esc(data.generated_at.strftime("%Y-%m-%d %H:%M UTC"))}'
        f" from {len(data.days)} day(s) of checks.</p>"
        f'<div class="kpis">{kpis}</div>{charts}'
        f"<h2>Open alerts</h2>{_alert_table(data.alerts)}"
        f"<h2>Top links</h2>{_link_table(data.top_links)}"
        f"<h2>Worst links</h2>{_link_table(data.worst_links)}"
        "</body></html>\n")
