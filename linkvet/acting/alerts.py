"""Alert rules: stable ids, severities, the robust spike baseline, the anchor threshold and
clusters of look-alike new domains.

An alert is identified by ``(kind, subject, evidence day)``: recomputing alerts from the whole
history (every run does) finds the same ids again, so an alert is raised once and its
acknowledgement survives re-runs.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar

from linkvet.judging.anchors import EXACT_MIN_LINKS
from linkvet.judging.graph import is_near_duplicate

AlertKind = Literal[
    "high_quality_lost",
    "rel_changed",
    "anchor_changed",
    "target_changed",
    "moved_out_of_content",
    "new_links_spike",
    "new_domains_spike",
    "toxic_cluster",
    "anchor_over_optimised",
    "js_only",
]
Severity = Literal["critical", "warning", "info"]

ALERT_KINDS: tuple[str, ...] = AlertKind.__args__  # type: ignore[attr-defined]

SEVERITY: Mapping[str, Severity] = {
    "high_quality_lost": "critical",
    "rel_changed": "warning",
    "anchor_changed": "info",
    "target_changed": "warning",
    "moved_out_of_content": "warning",
    "new_links_spike": "warning",
    "new_domains_spike": "warning",
    "toxic_cluster": "critical",
    "anchor_over_optimised": "warning",
    "js_only": "info",
}

UNFOLLOWED_REL: frozenset[str] = frozenset({"nofollow", "sponsored", "ugc"})

# 1.4826 * MAD estimates the standard deviation of normally distributed counts.
MAD_SCALE = 1.4826


@dataclass(frozen=True)
class AlertConfig:
    """Thresholds of the alert rules (defaults documented in docs/alerts.md).

    ``spike_window`` trailing days form the baseline of a day's count; a day needs
    ``spike_min_history`` of them (days before the first check do not count). A count is a
    spike when it exceeds ``median + spike_k * 1.4826 * MAD`` and the median by at least
    ``spike_min_excess``. Anchor over-optimisation: the exact-match share of a target's live
    links crosses ``exact_share_max`` with at least ``exact_min_links`` links. A cluster is at
    least ``cluster_min_domains`` new low or toxic domains on one /24 or one page template.
    Only evidence days within ``lookback_days`` of the run are raised (a first run over a long
    history does not replay years of alerts).
    """

    spike_window: int = 28
    spike_min_history: int = 7
    spike_k: float = 3.5
    spike_min_excess: int = 3
    exact_share_max: float = 0.30
    exact_min_links: int = EXACT_MIN_LINKS
    cluster_min_domains: int = 3
    lookback_days: int = 7


@dataclass(frozen=True)
class Alert:
    alert_id: str
    kind: str
    severity: Severity
    subject: str
    target: str
    evidence_day: date
    evidence: Mapping[str, Any] = field(default_factory=dict)
    # when the evidence was complete, if later than evidence_day (the lookback window reads it)
    known_on: date | None = None

    def payload(self) -> dict[str, Any]:
        """The alert as plain JSON values (event payloads, artifacts, CLI output)."""
        return {
            "alert_id": self.alert_id,
            "kind": self.kind,
            "severity": self.severity,
            "subject": self.subject,
            "target": self.target,
            "evidence_day": self.evidence_day.isoformat(),
            "evidence": json.loads(json.dumps(self.evidence, default=str)),
        }


def alert_id(kind: str, subject: str, evidence_day: date) -> str:
    """Stable id of one alert: the same (kind, subject, day) always gives the same id."""
    raw = "\x1f".join(("alert", kind, subject, evidence_day.isoformat()))
    return hashlib.blake2b(raw.encode("utf-8"), digest_size=8).hexdigest()


def make_alert(kind: str, subject: str, target: str, evidence_day: date,
               evidence: Mapping[str, Any] | None = None, *,
               known_on: date | None = None) -> Alert:
    if kind not in SEVERITY:
        raise ValueError(f"unknown alert kind {kind!r}; known kinds: {', '.join(ALERT_KINDS)}")
    return Alert(alert_id(kind, subject, evidence_day), kind, SEVERITY[kind], subject, target,
                 evidence_day, dict(evidence or {}), known_on)


def rel_tokens(value: str | None) -> frozenset[str]:
    """Rel tokens of a stored rel value (space- or comma-separated, any case)."""
    if not value:
        return frozenset()
    return frozenset(t for t in value.lower().replace(",", " ").split() if t)


def newly_unfollowed(old_rel: str | None, new_rel: str | None) -> tuple[str, ...]:
    """The nofollow/sponsored/ugc tokens present in ``new_rel`` and absent from ``old_rel``."""
    return tuple(sorted((rel_tokens(new_rel) - rel_tokens(old_rel)) & UNFOLLOWED_REL))


@dataclass(frozen=True)
class SpikeVerdict:
    count: int
    history: int                 # days in the baseline
    median: float
    mad: float
    threshold: float | None      # None: not enough history to judge
    spike: bool


def spike_verdict(history: Sequence[int], count: int, config: AlertConfig = AlertConfig()
                  ) -> SpikeVerdict:
    """Is ``count`` a spike against the trailing ``history`` (oldest first, one count a day)?

    Only the last ``config.spike_window`` days are used. Median and MAD resist the odd big day
    in the baseline, unlike mean and standard deviation.
    """
    window = list(history[-config.spike_window:])
    if len(window) < config.spike_min_history:
        return SpikeVerdict(count, len(window), 0.0, 0.0, None, False)
    median = float(statistics.median(window))
    mad = float(statistics.median(abs(x - median) for x in window))
    threshold = max(median + config.spike_k * MAD_SCALE * mad, median + config.spike_min_excess)
    return SpikeVerdict(count, len(window), median, mad, threshold, count >= threshold)


def exact_share_crossed(previous: float | None, current: float | None, links: int,
                        config: AlertConfig = AlertConfig()) -> bool:
    """True on the day the exact-match anchor share goes above the threshold (not on every day
    it stays above)."""
    if current is None or links < config.exact_min_links or current <= config.exact_share_max:
        return False
    return previous is None or previous <= config.exact_share_max


def subnet24(ip: str | None) -> str | None:
    """``a.b.c.0/24`` of an IPv4 address; None for anything else."""
    if not ip:
        return None
    parts = ip.strip().split(".")
    if len(parts) != 4 or not all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
        return None
    return ".".join(parts[:3]) + ".0/24"


K = TypeVar("K", bound=Hashable)


def link_groups(items: Sequence[K], linked: Callable[[K, K], bool]) -> list[list[K]]:
    """Connected groups of ``items`` under the symmetric relation ``linked`` (union-find),
    each group in input order, groups ordered by their first item."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if linked(items[i], items[j]):
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[K]] = {}
    for i, item in enumerate(items):
        groups.setdefault(root(i), []).append(item)
    return [groups[k] for k in sorted(groups)]


def exact_groups(pairs: Iterable[tuple[str, K]]) -> dict[K, list[str]]:
    """Names grouped by an exact key (``(domain, subnet)`` -> ``{subnet: [domains]}``),
    names sorted and unique."""
    out: dict[K, set[str]] = {}
    for name, key in pairs:
        out.setdefault(key, set()).add(name)
    return {k: sorted(v) for k, v in out.items()}


def template_clusters(prints: Mapping[str, Iterable[str]]) -> list[tuple[str, list[str]]]:
    """Domains whose pages share a template: linked when any two of their text fingerprints
    are near duplicates (:func:`linkvet.judging.graph.is_near_duplicate`). Returns
    ``(smallest fingerprint of the group, sorted domains)`` for every group."""
    fps = {d: sorted(set(v)) for d, v in prints.items() if v}
    names = sorted(fps)

    def near(a: str, b: str) -> bool:
        return any(is_near_duplicate(x, y) for x in fps[a] for y in fps[b])

    return [(min(fp for d in group for fp in fps[d]), sorted(group))
            for group in link_groups(names, near)]
