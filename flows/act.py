"""Acting on judged links: alerts, daily trend metrics, the BI snapshot, Prefect events and
artifacts.

:func:`act_after_run` runs right after judging (the demo and the nightly flow call it). Every
step recomputes from the whole history and is idempotent: ``daily_metrics`` is replaced for
every day, alerts are keyed by ``(kind, subject, evidence day)`` so a re-run raises nothing
twice, and the snapshot is rebuilt under a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import pyarrow as pa
from prefect import flow, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.context import FlowRunContext, TaskRunContext
from prefect.events import emit_event

from flows.db import open_store
from flows.retry import retry_if_transient
from linkvet.acting.alerts import (
    Alert,
    AlertConfig,
    exact_groups,
    exact_share_crossed,
    make_alert,
    newly_unfollowed,
    spike_verdict,
    subnet24,
    template_clusters,
)
from linkvet.acting.decisions import (
    check_action,
    check_outreach_status,
    check_text,
    normalise_subject,
)
from linkvet.acting.disavow import DisavowEntry, DisavowFile, build_disavow
from linkvet.acting.notify import ALERT_EVENT, NotifyConfig, alert_resource_id
from linkvet.errors import InputError
from linkvet.judging.anchors import AnchorVocabulary, anchor_class
from linkvet.judging.state import NEUTRAL_OUTCOMES
from linkvet.settings import Settings, load_settings
from linkvet.urls import target_domain

log = logging.getLogger(__name__)

RELEVANT = 0.2  # the score model's "relevant" rule (TF-IDF cosine), see score_model.toml


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params).fetchall() if params is not None else con.execute(
        sql).fetchall()


def _sql_list(values: Iterable[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


# -------------------------------------------------------------------------- daily metrics --

def _anchor_classes(con: duckdb.DuckDBPyConnection, brand_terms: Sequence[str],
                    money_keywords: Sequence[str]) -> pa.Table:
    """Anchor class of every distinct (target, anchor, kind) seen in a check (the rules of
    :mod:`linkvet.judging.anchors`, applied once per distinct value)."""
    rows = _rows(con, """
        SELECT DISTINCT b.target_domain, c.anchor_text, c.anchor_kind
        FROM link_checks c JOIN backlinks b USING (link_id) WHERE c.link_present""")
    vocabularies: dict[str, AnchorVocabulary] = {}
    out: dict[str, list[Any]] = {"target": [], "anchor": [], "kind": [], "cls": []}
    for domain, anchor, kind in rows:
        vocab = vocabularies.get(domain)
        if vocab is None:
            vocab = vocabularies[domain] = AnchorVocabulary.for_target(
                domain, brand_terms, money_keywords)
        out["target"].append(domain)
        out["anchor"].append(anchor)
        out["kind"].append(kind)
        out["cls"].append(anchor_class(anchor, kind, vocab))
    return pa.table(out, schema=pa.schema([(k, pa.string()) for k in out]))


DAILY_SQL = f"""
WITH checks AS (
    SELECT c.link_id, c.check_date AS day, c.checked_at, c.outcome, c.follow, c.anchor_text,
           c.anchor_kind, b.target_domain AS target, b.source_domain
    FROM link_checks c JOIN backlinks b USING (link_id)
    WHERE NOT list_contains({_sql_list(NEUTRAL_OUTCOMES)}, c.outcome)
),
link_days AS (
    SELECT link_id, target, source_domain, day,
           arg_max(outcome, checked_at) AS outcome, arg_max(follow, checked_at) AS follow,
           arg_max(anchor_text, checked_at) AS anchor_text,
           arg_max(anchor_kind, checked_at) AS anchor_kind
    FROM checks GROUP BY ALL
),
bounds AS (SELECT target, min(day) AS first_day FROM link_days GROUP BY target),
calendar AS (
    SELECT b.target, d::DATE AS day
    FROM bounds b,
         range(b.first_day::TIMESTAMP, (SELECT max(day) FROM link_days)::TIMESTAMP
               + INTERVAL 1 DAY, INTERVAL 1 DAY) AS t(d)
),
links AS (SELECT DISTINCT link_id, target, source_domain FROM link_days),
grid AS (SELECT l.link_id, l.target, l.source_domain, c.day
         FROM links l JOIN calendar c USING (target)),
as_of AS (
    SELECT g.link_id, g.target, g.source_domain, g.day,
           coalesce(d.outcome = 'live', false) AS live, d.follow, d.anchor_text, d.anchor_kind
    FROM grid g ASOF LEFT JOIN link_days d ON g.link_id = d.link_id AND g.day >= d.day
),
flags AS (
    SELECT a.*,
           a.live AND NOT coalesce(bool_or(a.live) OVER (
               PARTITION BY a.link_id ORDER BY a.day
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS is_new,
           NOT a.live AND coalesce(lag(a.live) OVER (
               PARTITION BY a.link_id ORDER BY a.day), false) AS is_lost
    FROM as_of a
),
domain_days AS (
    SELECT target, source_domain, day, bool_or(live) AS live FROM as_of GROUP BY ALL
),
domain_flags AS (
    SELECT d.*,
           d.live AND NOT coalesce(bool_or(d.live) OVER (
               PARTITION BY d.target, d.source_domain ORDER BY d.day
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS is_new,
           NOT d.live AND coalesce(lag(d.live) OVER (
               PARTITION BY d.target, d.source_domain ORDER BY d.day), false) AS is_lost
    FROM domain_days d
),
relevance AS (
    SELECT target_domain AS target, source_domain, max(relevance) AS relevance
    FROM link_signals GROUP BY ALL
),
domain_counts AS (
    SELECT f.target, f.day,
           count(*) FILTER (WHERE f.live)::INTEGER AS referring_domains,
           count(*) FILTER (WHERE f.is_new)::INTEGER AS new_referring_domains,
           count(*) FILTER (WHERE f.is_lost)::INTEGER AS lost_referring_domains,
           count(*) FILTER (WHERE f.is_new AND r.relevance >= {RELEVANT})::INTEGER
               AS new_relevant_domains
    FROM domain_flags f LEFT JOIN relevance r USING (target, source_domain)
    GROUP BY ALL
),
classed AS (
    SELECT f.*, ac.cls, s.tier, s.toxic, b.metrics
    FROM flags f
    LEFT JOIN _anchor_classes ac ON ac.target = f.target
         AND ac.anchor IS NOT DISTINCT FROM f.anchor_text
         AND ac.kind IS NOT DISTINCT FROM f.anchor_kind
    LEFT JOIN link_scores s USING (link_id)
    LEFT JOIN backlinks b USING (link_id)
),
link_counts AS (
    SELECT target, day,
           count(*) FILTER (WHERE live)::INTEGER AS live_links,
           count(*) FILTER (WHERE is_new)::INTEGER AS new_links,
           count(*) FILTER (WHERE is_lost)::INTEGER AS lost_links,
           count(*) FILTER (WHERE live AND tier = 'high' AND NOT toxic)::INTEGER AS high_links,
           count(*) FILTER (WHERE live AND tier = 'medium' AND NOT toxic)::INTEGER
               AS medium_links,
           count(*) FILTER (WHERE live AND tier = 'low' AND NOT toxic)::INTEGER AS low_links,
           count(*) FILTER (WHERE live AND toxic)::INTEGER AS toxic_links,
           count(*) FILTER (WHERE live AND follow)::INTEGER AS followed_links,
           count(*) FILTER (WHERE live AND NOT follow)::INTEGER AS nofollow_links,
           count(*) FILTER (WHERE live AND cls = 'exact') AS exact_links,
           count(*) FILTER (WHERE live AND cls IS NOT NULL) AS classed_links,
           sum(metrics['referral_traffic']) FILTER (WHERE live) AS referral_traffic,
           sum(metrics['conversions']) FILTER (WHERE live) AS conversions
    FROM classed GROUP BY ALL
),
anchor_counts AS (
    SELECT target, day, map_from_entries(list({{'key': cls, 'value': n}} ORDER BY cls))
               AS anchor_mix
    FROM (SELECT target, day, cls, count(*)::INTEGER AS n FROM classed
          WHERE live AND cls IS NOT NULL GROUP BY ALL)
    GROUP BY ALL
)
SELECT l.target, l.day, d.referring_domains, l.live_links, l.new_links, l.lost_links,
       d.new_referring_domains, d.lost_referring_domains, d.new_relevant_domains,
       l.high_links, l.medium_links, l.low_links, l.toxic_links,
       l.followed_links, l.nofollow_links,
       coalesce(a.anchor_mix, MAP {{}}::MAP(VARCHAR, INTEGER)) AS anchor_mix,
       CASE WHEN l.classed_links > 0 THEN round(l.exact_links / l.classed_links, 4) END
           AS exact_anchor_share,
       (l.live_links - lag(l.live_links, 7) OVER w)::INTEGER AS link_velocity_7d,
       (d.referring_domains - lag(d.referring_domains, 7) OVER w)::INTEGER
           AS domain_velocity_7d,
       l.referral_traffic, l.conversions, $now AS computed_at
FROM link_counts l
JOIN domain_counts d USING (target, day)
LEFT JOIN anchor_counts a USING (target, day)
WINDOW w AS (PARTITION BY l.target ORDER BY l.day)
"""


def compute_daily_metrics(con: duckdb.DuckDBPyConnection, now: datetime,
                          brand_terms: Sequence[str] = (),
                          money_keywords: Sequence[str] = ()) -> int:
    """Replace ``daily_metrics`` for every target and day from ``link_checks`` history (needs
    the judged tables for tiers and relevance); returns the number of rows."""
    con.register("_anchor_classes", _anchor_classes(con, brand_terms, money_keywords))
    try:
        con.execute("DELETE FROM daily_metrics")
        con.execute(f"INSERT INTO daily_metrics {DAILY_SQL}", {"now": now})
    finally:
        con.unregister("_anchor_classes")
    return int(_rows(con, "SELECT count(*) FROM daily_metrics")[0][0])


# --------------------------------------------------------------------------------- alerts --

def _lost_alerts(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    rows = _rows(con, """
        SELECT st.link_id, b.target_domain, st.lost_at::DATE, st.lost_reason,
               coalesce(m.tier, s.tier), coalesce(m.score, s.score), b.source_url,
               m.tier IS NOT NULL, st.last_checked::DATE
        FROM link_state st JOIN backlinks b USING (link_id)
        LEFT JOIN link_tier_memory m USING (link_id)
        LEFT JOIN link_scores s USING (link_id)
        WHERE st.status = 'lost' AND st.lost_at IS NOT NULL
          AND coalesce(m.tier, s.tier) = 'high'
        ORDER BY 1""")
    # dated by the first miss, known when the losing streak was complete: the lookback
    # window reads the latter (a streak with neutral nights between misses can span weeks)
    return [make_alert("high_quality_lost", link, target, day,
                       {"source_url": url, "lost_reason": reason, "tier": tier,
                        "score": score, "tier_when_live": remembered}, known_on=known)
            for link, target, day, reason, tier, score, url, remembered, known in rows]


def _change_alerts(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    rows = _rows(con, """
        SELECT c.link_id, b.target_domain, c.changed_at::DATE, c.field, c.old_value,
               c.new_value, b.source_url, c.check_id
        FROM link_changes c JOIN backlinks b USING (link_id)
        WHERE c.field IN ('rel', 'anchor_text', 'link_url', 'placement')
        ORDER BY c.changed_at, c.link_id, c.field""")
    alerts = []
    for link, target, day, fld, old, new, url, check in rows:
        evidence = {"source_url": url, "old": old, "new": new, "check_id": check}
        if fld == "rel":
            added = newly_unfollowed(old, new)
            if added:
                alerts.append(make_alert("rel_changed", link, target, day,
                                         {**evidence, "added": list(added)}))
        elif fld == "anchor_text":
            alerts.append(make_alert("anchor_changed", link, target, day, evidence))
        elif fld == "link_url":
            alerts.append(make_alert("target_changed", link, target, day, evidence))
        elif old == "content" and new != "content":
            alerts.append(make_alert("moved_out_of_content", link, target, day, evidence))
    return alerts


def _js_only_alerts(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    rows = _rows(con, """
        WITH seen AS (
            SELECT link_id, check_id, checked_at, js_only,
                   lag(js_only) OVER (PARTITION BY link_id ORDER BY checked_at) AS was
            FROM link_checks WHERE link_present
        )
        SELECT s.link_id, b.target_domain, s.checked_at::DATE, b.source_url, s.check_id
        FROM seen s JOIN backlinks b USING (link_id)
        WHERE s.js_only AND s.was = false
        ORDER BY s.checked_at, s.link_id""")
    return [make_alert("js_only", link, target, day, {"source_url": url, "check_id": check})
            for link, target, day, url, check in rows]


def _series(con: duckdb.DuckDBPyConnection, column: str) -> dict[str, list[tuple[date, Any]]]:
    out: dict[str, list[tuple[date, Any]]] = {}
    for target, day, value in _rows(
            con, f"SELECT target, day, {column} FROM daily_metrics ORDER BY target, day"):
        out.setdefault(target, []).append((day, value))
    return out


def _spike_alerts(con: duckdb.DuckDBPyConnection, config: AlertConfig) -> list[Alert]:
    alerts = []
    for kind, column in (("new_links_spike", "new_links"),
                         ("new_domains_spike", "new_referring_domains")):
        for target, series in _series(con, column).items():
            counts = [int(v) for _, v in series]
            for i, (day, count) in enumerate(series):
                verdict = spike_verdict(counts[:i], int(count), config)
                if verdict.spike:
                    alerts.append(make_alert(kind, f"target:{target}", target, day, {
                        "count": verdict.count, "median": verdict.median, "mad": verdict.mad,
                        "threshold": verdict.threshold, "baseline_days": verdict.history}))
    return alerts


def _anchor_alerts(con: duckdb.DuckDBPyConnection, config: AlertConfig) -> list[Alert]:
    shares = _series(con, "exact_anchor_share")
    links = _series(con, "live_links")
    alerts = []
    for target, series in shares.items():
        previous: float | None = None
        for (day, share), (_, live) in zip(series, links[target], strict=True):
            if exact_share_crossed(previous, share, int(live), config):
                alerts.append(make_alert("anchor_over_optimised", f"target:{target}", target,
                                         day, {"exact_share": share, "live_links": live,
                                               "threshold": config.exact_share_max,
                                               "previous_share": previous}))
            previous = share
    return alerts


def _cluster_alerts(con: duckdb.DuckDBPyConnection, config: AlertConfig) -> list[Alert]:
    """New low-quality or toxic referring domains of one day sharing a /24 or a page
    template (near-duplicate text fingerprints)."""
    rows = _rows(con, """
        WITH first_live AS (
            SELECT b.target_domain, b.source_domain, min(c.check_date) AS day
            FROM link_checks c JOIN backlinks b USING (link_id)
            WHERE c.outcome = 'live' GROUP BY ALL
        ),
        poor AS (
            SELECT target_domain, source_domain FROM referring_domains
            WHERE toxic_links > 0 OR best_tier = 'low'
        ),
        pages AS (
            SELECT b.target_domain, b.source_domain, c.check_date, c.server_ip,
                   c.text_fingerprint
            FROM link_checks c JOIN backlinks b USING (link_id)
            WHERE c.outcome = 'live'
        )
        -- the pages as they were on that day: later checks (a page edited, a new address)
        -- must not change a past day's cluster, or its alert would be raised again
        SELECT DISTINCT f.target_domain, f.day, f.source_domain, p.server_ip, p.text_fingerprint
        FROM first_live f JOIN poor USING (target_domain, source_domain)
        JOIN pages p ON p.target_domain = f.target_domain
                    AND p.source_domain = f.source_domain AND p.check_date = f.day
        ORDER BY 1, 2, 3, 4, 5""")
    by_day: dict[tuple[str, date], list[tuple[str, str | None, str | None]]] = {}
    for target, day, domain, ip, fp in rows:
        by_day.setdefault((target, day), []).append((domain, ip, fp))
    alerts = []
    for (target, day), pages in sorted(by_day.items()):
        subnets = exact_groups((d, s) for d, ip, _ in pages if (s := subnet24(ip)))
        for subnet, domains in sorted(subnets.items()):
            if len(domains) >= config.cluster_min_domains:
                alerts.append(make_alert("toxic_cluster", f"subnet:{subnet}", target, day,
                                         {"by": "subnet", "domains": domains}))
        prints: dict[str, set[str]] = {}
        for domain, _, fp in pages:
            if fp:
                prints.setdefault(domain, set()).add(fp)
        for template, domains in template_clusters(prints):
            if len(domains) >= config.cluster_min_domains:
                alerts.append(make_alert("toxic_cluster", f"template:{template}", target, day,
                                         {"by": "template", "domains": domains}))
    return alerts


def compute_alerts(con: duckdb.DuckDBPyConnection, config: AlertConfig) -> list[Alert]:
    """Every alert the rules find in the whole history (not yet filtered or stored)."""
    return [*_lost_alerts(con), *_change_alerts(con), *_js_only_alerts(con),
            *_spike_alerts(con, config), *_cluster_alerts(con, config),
            *_anchor_alerts(con, config)]


def store_alerts(con: duckdb.DuckDBPyConnection, alerts: Sequence[Alert], now: datetime,
                 config: AlertConfig) -> list[Alert]:
    """Insert the alerts of the last ``config.lookback_days`` that are not stored yet;
    returns the new ones (each raised exactly once)."""
    since = now.date() - timedelta(days=config.lookback_days)
    known = {r[0] for r in _rows(con, "SELECT alert_id FROM alerts")}
    fresh: dict[str, Alert] = {}
    for alert in alerts:
        if (alert.known_on or alert.evidence_day) >= since and alert.alert_id not in known:
            fresh.setdefault(alert.alert_id, alert)
    if not fresh:
        return []
    con.executemany(
        "INSERT INTO alerts (alert_id, kind, severity, subject, target, evidence_day, evidence,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(a.alert_id, a.kind, a.severity, a.subject, a.target, a.evidence_day,
          json.dumps(a.payload()["evidence"], sort_keys=True), now) for a in fresh.values()])
    return list(fresh.values())


def remember_tiers(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Record the tier of every live link (what "a high-quality link was lost" compares to)."""
    con.execute("""
        INSERT OR REPLACE INTO link_tier_memory
        SELECT s.link_id, s.tier, s.score, s.toxic, $now
        FROM link_scores s JOIN link_state st USING (link_id) WHERE st.status = 'live'""",
                {"now": now})


# ------------------------------------------------------------------------------- snapshot --

def publish_snapshot(con: duckdb.DuckDBPyConnection, snapshot_path: Path) -> Path:
    """Copy the open database to ``snapshot_path`` for readers (BI tools) while the pipeline
    keeps writing: built under a temporary name, then renamed into place atomically (a reader
    that opened the old file keeps reading it)."""
    snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = snapshot_path.with_name(f".{snapshot_path.name}.{os.getpid()}.tmp")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    name = _rows(con, "SELECT current_database()")[0][0].replace('"', '""')
    con.execute(f"ATTACH '{_sql_path(tmp)}' AS _snapshot")
    try:
        con.execute(f'COPY FROM DATABASE "{name}" TO _snapshot')
    finally:
        con.execute("DETACH _snapshot")
    os.replace(tmp, snapshot_path)
    snapshot_path.with_name(snapshot_path.name + ".wal").unlink(missing_ok=True)
    return snapshot_path


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


# --------------------------------------------------------------------------------- prefect --

def _in_prefect_run() -> bool:
    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def emit_alert_events(alerts: Sequence[Alert]) -> int:
    """One ``linkvet.alert.raised`` event per alert (resource ``linkvet.alert.<id>``); a
    Prefect automation turns them into notifications (:func:`ensure_alert_automation`)."""
    sent = 0
    for alert in alerts:
        event = emit_event(
            event=ALERT_EVENT,
            resource={"prefect.resource.id": alert_resource_id(alert.alert_id),
                      "prefect.resource.name": f"{alert.kind} {alert.subject}",
                      "linkvet.kind": alert.kind, "linkvet.severity": alert.severity,
                      "linkvet.target": alert.target},
            payload={"alert": alert.payload()},
        )
        sent += event is not None
    return sent


def ensure_alert_automation(notify: NotifyConfig, *, name: str = "linkvet-alerts") -> UUID:
    """Create (or update in place) the automation that sends every raised alert to the
    notification block described by ``notify``; returns the automation id. Idempotent: the
    block and the automation are found by name."""
    from prefect.automations import Automation, EventTrigger, Posture, SendNotification

    block_id = save_notification_block(notify)
    trigger = EventTrigger(expect={ALERT_EVENT}, match={"prefect.resource.id": "linkvet.alert.*"},
                           posture=Posture.Reactive, threshold=1, within=timedelta(0))
    action = SendNotification(block_document_id=block_id, subject=notify.subject,
                              body=notify.body)
    automation = Automation(name=name, description="linkvet alerts to "
                            f"{notify.kind} ({notify.block_name})", enabled=True,
                            trigger=trigger, actions=[action])
    existing = _read_automation(name)
    if existing is None:
        created: Any = automation.create()
        return UUID(str(created.id))
    automation.id = existing.id
    automation.update()
    return UUID(str(existing.id))


def save_notification_block(notify: NotifyConfig) -> UUID:
    """Save (overwrite) the notification block ``notify.block_name``; returns its id."""
    from prefect.blocks.notifications import (
        AppriseNotificationBlock,
        CustomWebhookNotificationBlock,
        SlackWebhook,
    )

    block: Any
    if notify.kind == "webhook":
        block = CustomWebhookNotificationBlock(
            name=notify.block_name, url=notify.url, method="POST",
            json_data={"subject": "{{subject}}", "body": "{{body}}"},
            allow_private_urls=notify.allow_private_urls)
    elif notify.kind == "slack":
        block = SlackWebhook(url=notify.url, allow_private_urls=notify.allow_private_urls)
    else:
        block = AppriseNotificationBlock(url=notify.url,
                                         allow_private_urls=notify.allow_private_urls)
    block_id: UUID = block.save(notify.block_name, overwrite=True)
    return block_id


def _read_automation(name: str) -> Any:
    from prefect.automations import Automation
    from prefect.exceptions import ObjectNotFound

    try:
        return Automation.read(name=name)
    except (ObjectNotFound, ValueError):
        return None


def publish_artifacts(summary: dict[str, Any], alerts: Sequence[Alert],
                      reports: dict[str, str]) -> None:
    """The run's summary in the Prefect UI: a markdown summary, a table of the new alerts and a
    link to each report file."""
    lines = ["# linkvet: after the run", "",
             f"- new alerts: {summary['alerts_new']}",
             f"- daily metric rows: {summary['daily_metrics']}",
             f"- snapshot: `{summary['snapshot']}`"]
    for target, counts in sorted(summary.get("latest", {}).items()):
        lines.append(f"- {_md(target)}: {counts['live_links']} live links from "
                     f"{counts['referring_domains']} referring domains on {counts['day']}")
    create_markdown_artifact("\n".join(lines), key="linkvet-summary",
                             description="linkvet run summary")
    create_table_artifact(
        [{"kind": a.kind, "severity": a.severity, "subject": a.subject, "target": a.target,
          "day": a.evidence_day.isoformat()} for a in alerts] or
        [{"kind": "", "severity": "", "subject": "no new alerts", "target": "", "day": ""}],
        key="linkvet-new-alerts", description="alerts raised by this run")
    for target, path in sorted(reports.items()):
        create_link_artifact(Path(path).resolve().as_uri(), link_text=f"report {target}",
                             key=_artifact_key(f"linkvet-report-{target}"))


def _md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>()#|!" else ch for ch in text)


def _artifact_key(text: str) -> str:
    key = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in text.lower())
    return "-".join(part for part in key.split("-") if part)


# ------------------------------------------------------------------------------ the step --

@dataclass(frozen=True)
class ActConfig:
    """What acting needs from the settings (plain values)."""

    brand_terms: tuple[str, ...] = ()
    money_keywords: tuple[str, ...] = ()
    alerts: AlertConfig = field(default_factory=AlertConfig)

    @classmethod
    def from_settings(cls, settings: Settings) -> ActConfig:
        return cls(tuple(settings.brand_terms), tuple(settings.money_keywords))


def act_on_store(con: duckdb.DuckDBPyConnection, config: ActConfig, now: datetime
                 ) -> tuple[dict[str, Any], list[Alert]]:
    """Daily metrics, then alerts, then the tier memory, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        metrics = compute_daily_metrics(con, now, config.brand_terms, config.money_keywords)
        found = compute_alerts(con, config.alerts)
        new = store_alerts(con, found, now, config.alerts)
        remember_tiers(con, now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    latest = {t: {"day": d.isoformat(), "live_links": live, "referring_domains": rd}
              for t, d, live, rd in _rows(con, """
                  SELECT target, max(day), arg_max(live_links, day),
                         arg_max(referring_domains, day)
                  FROM daily_metrics GROUP BY target""")}
    summary = {"daily_metrics": metrics, "alerts_found": len(found), "alerts_new": len(new),
               "alerts_by_kind": _count(a.kind for a in new), "latest": latest}
    return summary, new


def _count(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def act_after_run(settings: Settings, run_id: str | None = None, now: datetime | None = None,
                  *, config: ActConfig | None = None, emit: bool | None = None,
                  reports: bool = True) -> dict[str, Any]:
    """Everything after judging: daily metrics (all days), alerts (new ones stored, one Prefect
    event each), the BI views (DDL applied on connect), an HTML report per target under
    ``data/reports/`` and the read-only snapshot at ``settings.snapshot_path``.

    ``emit`` None: emit events and artifacts only inside a Prefect flow or task run.
    Returns a JSON-able summary (``alerts`` holds the new alerts' payloads).
    """
    now = now or datetime.now(UTC)
    config = config or ActConfig.from_settings(settings)
    emit = _in_prefect_run() if emit is None else emit
    report_files: dict[str, str] = {}
    con = open_store(settings)
    try:
        summary, new = act_on_store(con, config, now)
        if reports:
            from flows.report import write_reports

            report_files = write_reports(con, settings.data_dir / "reports", now)
        snapshot = publish_snapshot(con, settings.snapshot_path)
    finally:
        con.close()
    summary.update(run_id=run_id, snapshot=str(snapshot), reports=report_files,
                   alerts=[a.payload() for a in new])
    if emit:
        summary["events"] = emit_alert_events(new)
        publish_artifacts(summary, new, report_files)
    log.info("acted: %d new alert(s), %d daily metric row(s), snapshot %s",
             len(new), summary["daily_metrics"], snapshot)
    return summary


@task(name="act-on-store", retries=3, retry_delay_seconds=[2.0, 10.0, 30.0],
      retry_condition_fn=retry_if_transient)
def act_task(data_dir: str, run_id: str | None) -> dict[str, Any]:
    return act_after_run(load_settings(data_dir=Path(data_dir)), run_id, emit=True)


@flow(name="act")
def act(data_dir: str = "data", run_id: str | None = None) -> dict[str, Any]:
    """Alerts, daily metrics, reports, the BI snapshot and Prefect events/artifacts for the
    judged store under ``data_dir`` (run after ``judge``)."""
    result: dict[str, Any] = act_task(data_dir, run_id)
    return result


# ----------------------------------------------------------- decisions, outreach, disavow --

def record_decision(con: duckdb.DuckDBPyConnection, subject: str, action: str, who: str,
                    why: str, at: datetime | None = None) -> dict[str, Any]:
    """Append a review decision (the latest per subject wins; history is kept)."""
    key = normalise_subject(subject)
    row = {"subject": key, "action": check_action(action),
           "who": check_text("who", who), "why": check_text("why", why),
           "decided_at": at or datetime.now(UTC)}
    if not key.startswith("domain:") and not _rows(
            con, "SELECT 1 FROM backlinks WHERE link_id = $s", {"s": key}):
        raise InputError(f"no known link has id {key}; list ids with `linkvet export` or the "
                         "v_links view")
    con.execute("INSERT INTO decisions VALUES ($subject, $action, $who, $why, $decided_at)", row)
    return row


def list_decisions(con: duckdb.DuckDBPyConnection, subject: str | None = None,
                   history: bool = False) -> list[dict[str, Any]]:
    table = "decisions" if history else "current_decisions"
    where = "WHERE subject = $s" if subject else ""
    params = {"s": normalise_subject(subject)} if subject else {}
    return [dict(zip(("subject", "action", "who", "why", "decided_at"), r, strict=True))
            for r in _rows(con, f"SELECT subject, action, who, why, decided_at FROM {table} "
                                f"{where} ORDER BY decided_at, subject", params)]


def record_outreach(con: duckdb.DuckDBPyConnection, subject: str, status: str, who: str,
                    note: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    row = {"subject": normalise_subject(subject), "status": check_outreach_status(status),
           "at": at or datetime.now(UTC), "note": note, "who": check_text("who", who)}
    con.execute('INSERT INTO outreach_log (subject, status, "at", note, who) '
                "VALUES ($subject, $status, $at, $note, $who)", row)
    return row


def list_outreach(con: duckdb.DuckDBPyConnection, subject: str | None = None
                  ) -> list[dict[str, Any]]:
    where = "WHERE subject = $s" if subject else ""
    params = {"s": normalise_subject(subject)} if subject else {}
    return [dict(zip(("subject", "status", "at", "note", "who"), r, strict=True))
            for r in _rows(con, f'SELECT subject, status, "at", note, who FROM outreach_log '
                                f'{where} ORDER BY "at", subject', params)]


def disavow_file(con: duckdb.DuckDBPyConnection, target: str, generated: date,
                 existing: str | None = None) -> DisavowFile:
    """The disavow file of ``target`` (a registrable domain) from the current decisions:
    ``disavow`` decisions on its linking domains and on its links; whitelisted domains never."""
    domain = target_domain(target)
    if not _rows(con, "SELECT 1 FROM backlinks WHERE target_domain = $t LIMIT 1", {"t": domain}):
        known = [r[0] for r in _rows(con, "SELECT DISTINCT target_domain FROM backlinks "
                                          "ORDER BY 1 LIMIT 20")]
        raise InputError(f"no backlinks to {domain} in the store, so no disavow file was "
                         f"written (an empty one, uploaded, would replace your list). Targets "
                         f"there: {', '.join(known) or 'none yet (run linkvet import)'}")
    # A link imported as a whole site (a Search Console "top linking sites" row) stands for
    # every page of it: disavowing it disavows the domain, not the home page it was stored as.
    entries = [
        DisavowEntry(value, is_domain, who, why, at)
        for value, is_domain, who, why, at in _rows(con, """
            SELECT substr(d.subject, 8), true, d.who, d.why, d.decided_at
            FROM current_decisions d
            WHERE d.action = 'disavow' AND d.subject LIKE 'domain:%'
              AND substr(d.subject, 8) IN (SELECT source_domain FROM backlinks
                                           WHERE target_domain = $t)
            UNION ALL
            SELECT CASE WHEN site THEN b.source_domain ELSE b.source_url END, site,
                   d.who, d.why, d.decided_at
            FROM current_decisions d
            JOIN (SELECT *, coalesce(metrics['domain_level'] = 1, false) AS site
                  FROM backlinks) b ON b.link_id = d.subject
            WHERE d.action = 'disavow' AND b.target_domain = $t
            ORDER BY 1""", {"t": domain})]
    whitelist = [r[0] for r in _rows(con, """
        SELECT substr(subject, 8) FROM current_decisions
        WHERE action = 'whitelist' AND subject LIKE 'domain:%'""")]
    return build_disavow(entries, target=domain, generated=generated, existing=existing,
                         whitelist=whitelist)


# ---------------------------------------------------------------------------------- alerts --

def list_alerts(con: duckdb.DuckDBPyConnection, *, status: str | None = "open",
                target: str | None = None) -> list[dict[str, Any]]:
    names = ("alert_id", "kind", "severity", "subject", "target", "evidence_day", "evidence",
             "created_at", "status")
    return [dict(zip(names, r, strict=True)) for r in _rows(con, f"""
        SELECT {", ".join(names)} FROM alerts
        WHERE ($status IS NULL OR status = $status) AND ($target IS NULL OR target = $target)
        ORDER BY evidence_day, kind, subject""", {"status": status, "target": target})]


def acknowledge_alert(con: duckdb.DuckDBPyConnection, alert: str, who: str,
                      at: datetime | None = None) -> int:
    """Mark an open alert acknowledged; returns 1, or raises when no open alert has the id."""
    done = _rows(con, """
        UPDATE alerts SET status = 'acknowledged', acknowledged_at = $at, acknowledged_by = $who
        WHERE alert_id = $id AND status = 'open' RETURNING alert_id""",
                 {"id": alert.strip(), "who": check_text("who", who),
                  "at": at or datetime.now(UTC)})
    if not done:
        raise InputError(f"no open alert has id {alert!r}; list them with `linkvet alerts`")
    return len(done)
