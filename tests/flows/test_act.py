"""Acting over five simulated nights on a real DuckDB file: the exact alerts each night raises,
daily metrics backfilled from the check history, decisions and the disavow file, the
read-only snapshot with the BI views, the Parquet lake read by pyarrow alone, and alerts
delivered through real Prefect events and an automation to a local webhook."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, cast

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from flows.act import (
    ActConfig,
    acknowledge_alert,
    act_after_run,
    disavow_file,
    emit_alert_events,
    ensure_alert_automation,
    list_alerts,
    list_decisions,
    record_decision,
    record_outreach,
)
from flows.db import connect
from flows.judge import JudgeConfig, judge_all
from flows.store import write_checks
from linkvet.acting.alerts import AlertConfig, alert_id, make_alert
from linkvet.acting.notify import ALERT_EVENT, NotifyConfig
from linkvet.errors import InputError
from linkvet.ids import link_id
from linkvet.judging.model import load_model
from linkvet.settings import Settings, load_settings
from linkvet.urls import domain_of
from schemas.records import FetchFacts, LinkCheck, LinkOccurrence, PageFacts
from schemas.rows import LINK_CHECK_COLUMNS, check_rows

TARGET = "https://acme.example/"
DAYS = [date(2026, 10, d) for d in range(1, 6)]
MONEY = "project management software"
SPAM_FP = "0f0f0f0f0f0f0f0f"
CONFIG = ActConfig(("acme",), (MONEY,), AlertConfig(
    spike_min_history=3, exact_min_links=5, cluster_min_domains=3))
JUDGE = JudgeConfig(2, ("acme",), (MONEY,))


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


def check(source: str, day: date, *, outcome: str = "live", anchor: str = "Acme",
          rel: tuple[str, ...] = (), placement: str = "content", js_only: bool = False,
          url: str = TARGET, ip: str = "10.1.0.1", fp: str | None = None, words: int = 900,
          out_domains: int = 4, title: str = "Project management software for teams"
          ) -> LinkCheck:
    n = f"{source}|{day}"
    present = outcome == "live"
    follow = not rel
    links = [LinkOccurrence(
        href=url, url=url, match="exact", anchor_text=anchor, rel=list(rel), follow=follow,
        placement=placement, js_only=js_only,
        text_before="the best project management software is", text_after="for teams",
        link_density=0.02)] if present else []
    return LinkCheck(
        check_id=f"c-{n}", request_id=f"r-{n}", run_id=f"run-{day}",
        link_id=link_id(source, TARGET), source_url=source, target=TARGET,
        checked_at=at(day), outcome=outcome,
        fetch=FetchFacts(status=200, final_url=source, server_ip=ip),
        page=PageFacts(title=title, word_count=words, outbound_links=out_domains * 2,
                       outbound_domains=out_domains, text_fingerprint=fp),
        links=links)


A = "https://news.example/acme-review"       # high quality, removed on D4 and D5
B = "https://blog.example/tools"             # turns sponsored on D3
C = "https://shop.example/partners"          # anchor becomes exact-match on D3
D = "https://forum.example/thread"           # moves to the footer on D4
E = "https://js.example/page"                # needs JavaScript from D3
G = "https://dir.example/listing"            # its link points elsewhere on the site from D2
SPAM = [f"https://spam{i}.xyz/casino-{i}" for i in (1, 2, 3)]  # one /24, one template, D5


def night(day: date) -> list[LinkCheck]:
    i = DAYS.index(day)
    checks = [
        check(A, day, outcome="live" if i < 3 else "link_removed", ip="10.1.0.2",
              fp="1234567890abcdef"),
        check(B, day, anchor=MONEY, rel=("sponsored",) if i >= 2 else (), ip="10.2.0.2"),
        check(C, day, anchor=MONEY if i >= 2 else "Acme", ip="10.3.0.2"),
        check(D, day, placement="footer" if i >= 3 else "content", ip="10.4.0.2"),
        check(E, day, js_only=i >= 2, ip="10.5.0.2"),
        check(G, day, anchor="team planning", ip="10.6.0.2",
              url="https://acme.example/pricing" if i >= 1 else TARGET),
    ]
    if i == 4:
        checks += [check(s, day, anchor="casino bonus", ip=f"10.9.9.{k}", fp=SPAM_FP, words=60,
                         out_domains=300, title="casino bonus slots")
                   for k, s in enumerate(SPAM, start=1)]
    return checks


def store_night(con: duckdb.DuckDBPyConnection, checks: list[LinkCheck]) -> None:
    for c in checks:
        metrics = {"dr": 90.0, "referral_traffic": 120.0, "conversions": 3.0} if \
            c.source_url == A else {"dr": 35.0}
        con.execute(
            "INSERT OR IGNORE INTO backlinks VALUES ($id, $src, $sd, $t, $td, NULL, ['ahrefs'], "
            "TIMESTAMP '2025-01-01', NULL, NULL, $m::MAP(VARCHAR, DOUBLE), NULL, now())",
            {"id": c.link_id, "src": c.source_url, "sd": domain_of(c.source_url),
             "t": c.target, "td": domain_of(c.target),
             "m": {"key": list(metrics), "value": list(metrics.values())}})
    con.register("incoming", pa.table(check_rows(checks)))
    cols = ", ".join(LINK_CHECK_COLUMNS)
    con.execute(f"INSERT INTO link_checks ({cols}) SELECT {cols} FROM incoming")
    con.unregister("incoming")


def settings_for(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data")


def run_nights(settings: Settings, days: list[date]) -> dict[date, dict[str, Any]]:
    results = {}
    model = load_model()
    for day in days:
        con = connect(settings.duckdb_path)
        try:
            store_night(con, night(day))
            judge_all(con, JUDGE, model, now=at(day))
        finally:
            con.close()
        results[day] = act_after_run(settings, f"run-{day}", at(day) + timedelta(hours=1),
                                     config=CONFIG, emit=False)
    return results


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[date, Any]]:
    settings = settings_for(tmp_path_factory.mktemp("act"))
    return settings, run_nights(settings, DAYS)


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def lid(source: str) -> str:
    return link_id(source, TARGET)


def test_each_night_raises_exactly_its_alerts(nights: tuple[Settings, dict[date, Any]]) -> None:
    _, results = nights
    raised = {day: sorted((a["kind"], a["subject"], a["evidence_day"]) for a in r["alerts"])
              for day, r in results.items()}
    assert raised == {
        DAYS[0]: [],
        DAYS[1]: [("target_changed", lid(G), "2026-10-02")],
        DAYS[2]: sorted([("anchor_changed", lid(C), "2026-10-03"),
                         ("anchor_over_optimised", "target:acme.example", "2026-10-03"),
                         ("js_only", lid(E), "2026-10-03"),
                         ("rel_changed", lid(B), "2026-10-03")]),
        DAYS[3]: [("moved_out_of_content", lid(D), "2026-10-04")],
        DAYS[4]: sorted([("high_quality_lost", lid(A), "2026-10-04"),
                         ("new_domains_spike", "target:acme.example", "2026-10-05"),
                         ("new_links_spike", "target:acme.example", "2026-10-05"),
                         ("toxic_cluster", "subnet:10.9.9.0/24", "2026-10-05"),
                         ("toxic_cluster", f"template:{SPAM_FP}", "2026-10-05")]),
    }


def test_alert_evidence_and_ids_are_stable(nights: tuple[Settings, dict[date, Any]]) -> None:
    settings, results = nights
    by_kind = {a["kind"]: a for r in results.values() for a in r["alerts"]}
    assert by_kind["rel_changed"]["evidence"]["added"] == ["sponsored"]
    assert by_kind["rel_changed"]["severity"] == "warning"
    assert by_kind["high_quality_lost"]["evidence"]["lost_reason"] == "link_removed"
    assert by_kind["high_quality_lost"]["evidence"]["tier_when_live"] is True
    assert by_kind["high_quality_lost"]["severity"] == "critical"
    assert by_kind["moved_out_of_content"]["evidence"]["new"] == "footer"
    assert by_kind["new_links_spike"]["evidence"] == {
        "count": 3, "median": 0.0, "mad": 0.0, "threshold": 3.0, "baseline_days": 4}
    assert by_kind["anchor_over_optimised"]["evidence"]["exact_share"] == pytest.approx(2 / 6,
                                                                                        abs=1e-4)
    assert sorted(by_kind["toxic_cluster"]["evidence"]["domains"]) == [
        "spam1.xyz", "spam2.xyz", "spam3.xyz"]
    assert by_kind["js_only"]["alert_id"] == alert_id("js_only", lid(E), DAYS[2])
    stored = rows(settings.duckdb_path, "SELECT count(*), count(DISTINCT alert_id) FROM alerts")
    assert stored == [(11, 11)]


def test_rerun_raises_nothing_and_keeps_acknowledgement(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    run_nights(settings, DAYS[:3])
    con = connect(settings.duckdb_path)
    try:
        open_ids = [a["alert_id"] for a in list_alerts(con)]
        assert len(open_ids) == 5
        acknowledge_alert(con, open_ids[0], "alice")
        with pytest.raises(InputError, match="no open alert"):
            acknowledge_alert(con, open_ids[0], "alice")
    finally:
        con.close()
    again = act_after_run(settings, "rerun", at(DAYS[2]) + timedelta(hours=2), config=CONFIG,
                          emit=False)
    assert again["alerts_new"] == 0
    assert again["alerts_found"] == 5
    assert rows(settings.duckdb_path, "SELECT status, count(*) FROM alerts GROUP BY 1 "
                                      "ORDER BY 1") == [("acknowledged", 1), ("open", 4)]


def test_daily_metrics_are_backfilled_for_every_day(
        nights: tuple[Settings, dict[date, Any]]) -> None:
    settings, _ = nights
    got = rows(settings.duckdb_path, """
        SELECT day, referring_domains, live_links, new_links, lost_links, new_referring_domains,
               lost_referring_domains, followed_links, nofollow_links, exact_anchor_share,
               link_velocity_7d, referral_traffic, conversions
        FROM v_daily_metrics WHERE target = 'acme.example' ORDER BY day""")
    assert got == [
        (DAYS[0], 6, 6, 6, 0, 6, 0, 6, 0, 0.1667, None, 120.0, 3.0),
        (DAYS[1], 6, 6, 0, 0, 0, 0, 6, 0, 0.1667, None, 120.0, 3.0),
        (DAYS[2], 6, 6, 0, 0, 0, 0, 5, 1, 0.3333, None, 120.0, 3.0),
        (DAYS[3], 5, 5, 0, 1, 0, 1, 4, 1, 0.4, None, None, None),
        (DAYS[4], 8, 8, 3, 0, 3, 0, 7, 1, 0.25, None, None, None),
    ]
    mix = rows(settings.duckdb_path, "SELECT anchor_mix FROM daily_metrics ORDER BY day")
    assert mix[0][0] == {"branded": 4, "exact": 1, "other": 1}
    assert mix[4][0] == {"branded": 2, "exact": 2, "other": 4}
    quality = rows(settings.duckdb_path, """
        SELECT high_links + medium_links + low_links + toxic_links, low_links + toxic_links
        FROM daily_metrics WHERE day = '2026-10-05'""")
    assert quality == [(8, 3)]


def test_snapshot_has_the_bi_views_while_the_writer_holds_the_file(
        nights: tuple[Settings, dict[date, Any]]) -> None:
    settings, _ = nights
    writer = connect(settings.duckdb_path)
    try:
        snap = duckdb.connect(str(settings.snapshot_path), read_only=True)
        try:
            counts = {v: snap.execute(f"SELECT count(*) FROM {v}").fetchall()[0][0]
                      for v in ("v_links", "v_referring_domains", "v_anchor_distribution",
                                "v_daily_metrics", "v_alerts")}
        finally:
            snap.close()
    finally:
        writer.close()
    assert counts == {"v_links": 9, "v_referring_domains": 9, "v_anchor_distribution": 4,
                      "v_daily_metrics": 5, "v_alerts": 11}
    assert sorted(p.name for p in settings.snapshot_path.parent.iterdir()) == [
        "linkvet-snapshot.duckdb"]


def test_decisions_and_disavow_file(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    run_nights(settings, DAYS)
    t = datetime(2026, 10, 6, 9, tzinfo=UTC)
    con = connect(settings.duckdb_path)
    try:
        record_decision(con, "domain:spam1.xyz", "disavow", "alice", "casino network", t)
        record_decision(con, "domain:spam2.xyz", "disavow", "alice", "casino\nnetwork", t)
        record_decision(con, "domain:spam2.xyz", "whitelist", "bob", "our partner",
                        t + timedelta(hours=1))
        record_decision(con, lid(SPAM[2]), "disavow", "carol", "paid link", t)
        record_decision(con, lid(B), "keep", "carol", "sponsored is fine", t)
        record_outreach(con, "domain:spam3.xyz", "contacted", "dave", "asked to remove", t)
        with pytest.raises(InputError, match=r"registrable domain, domain:spam1\.xyz"):
            record_decision(con, "domain:www.spam1.xyz", "disavow", "alice", "x", t)
        with pytest.raises(InputError, match="use one of keep, whitelist, remove, disavow"):
            record_decision(con, lid(B), "ignore", "alice", "x", t)
        current = {d["subject"]: d["action"] for d in list_decisions(con)}
        history = len(list_decisions(con, "domain:spam2.xyz", history=True))
        existing = ("# mine\nhttps://spam1.xyz/old-page\nhttps://other.example/x\n"
                    "domain:spam2.xyz\nhttps://other.example/x\n")
        result = disavow_file(con, "acme.example", date(2026, 10, 6), existing)
    finally:
        con.close()
    assert current == {"domain:spam1.xyz": "disavow", "domain:spam2.xyz": "whitelist",
                       lid(SPAM[2]): "disavow", lid(B): "keep"}
    assert history == 2
    assert result.text.encode("utf-8") == (
        b"# linkvet disavow file for acme.example\n"
        b"# generated 2026-10-06 from reviewed disavow decisions\n"
        b"# --- kept from your existing file ---\n"
        b"# mine\n"
        b"https://other.example/x\n"
        b"# --- added by linkvet ---\n"
        b"# 2026-10-06 alice: casino network\n"
        b"domain:spam1.xyz\n"
        b"# 2026-10-06 carol: paid link\n"
        b"https://spam3.xyz/casino-3\n")
    assert result.dropped == (
        "https://spam1.xyz/old-page: covered by domain:spam1.xyz",
        "domain:spam2.xyz: whitelisted (spam2.xyz)",
        "https://other.example/x: duplicate",
    )


def test_lake_is_readable_by_pyarrow_alone(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    con = connect(settings.duckdb_path)
    try:
        for day in DAYS[:2]:
            write_checks(con, settings.lake_dir, night(day), batch_id=f"batch-{day}")
    finally:
        con.close()
    dataset = ds.dataset(settings.lake_dir / "link_checks", format="parquet",
                         partitioning="hive")
    table = dataset.to_table(columns=["link_id", "outcome", "check_date"])
    by_day = table.group_by("check_date").aggregate([("link_id", "count")]).to_pylist()
    assert sorted((str(r["check_date"]), r["link_id_count"]) for r in by_day) == [
        ("2026-10-01", 6), ("2026-10-02", 6)]


# ---------------------------------------------------------------------- Prefect delivery --

class _Hook(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def webhook() -> Iterator[str]:
    _Hook.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alerts"
    server.shutdown()
    server.server_close()


def test_alert_reaches_the_webhook_through_an_automation(prefect_harness: None,
                                                         webhook: str) -> None:
    from prefect.automations import Automation
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter

    notify = NotifyConfig("webhook", webhook, block_name="linkvet-test-alerts",
                          allow_private_urls=True)
    first = ensure_alert_automation(notify, name="linkvet-test-alerts")
    assert ensure_alert_automation(notify, name="linkvet-test-alerts") == first
    # Automation.read is @async_dispatch'ed: its stubs declare only the coroutine, but called
    # outside an event loop (as here) it runs the sync implementation and returns the Automation.
    automation = cast(Automation, Automation.read(name="linkvet-test-alerts"))
    assert automation.trigger.expect == {ALERT_EVENT}  # type: ignore[union-attr]
    time.sleep(2)  # the triggers service loads automations periodically
    since = datetime.now(UTC) - timedelta(seconds=5)
    alert = make_alert("rel_changed", lid(B), "acme.example", DAYS[2],
                       {"added": ["sponsored"], "source_url": B})
    assert emit_alert_events([alert]) == 1
    deadline = time.monotonic() + 60
    while not _Hook.received and time.monotonic() < deadline:
        time.sleep(0.5)
    events: list[Any] = []
    while not events and time.monotonic() < deadline + 30:
        with get_client(sync_client=True) as client:
            page = client.read_events(filter=EventFilter(
                event=EventNameFilter(name=[ALERT_EVENT]),
                occurred=EventOccurredFilter(since=since)), limit=50)
        events = [e for e in page.events
                  if e.resource.id == f"linkvet.alert.{alert.alert_id}"]
        time.sleep(0.5)
    assert len(events) == 1
    assert events[0].payload["alert"]["kind"] == "rel_changed"
    assert len(_Hook.received) == 1
    message = _Hook.received[0]
    assert message["subject"] == "linkvet warning: rel_changed on acme.example"
    assert f"alert_id: {alert.alert_id}" in message["body"]
    assert f"subject: {lid(B)}" in message["body"]


# ------------------------------------------------------------------ alert days and windows --

def _act_on(settings: Settings, checks_by_day: list[tuple[date, list[LinkCheck]]]
            ) -> dict[date, list[tuple[str, str, str]]]:
    model = load_model()
    raised = {}
    for day, checks in checks_by_day:
        con = connect(settings.duckdb_path)
        try:
            store_night(con, checks)
            judge_all(con, JUDGE, model, now=at(day))
        finally:
            con.close()
        result = act_after_run(settings, f"run-{day}", at(day) + timedelta(hours=1),
                               config=CONFIG, emit=False)
        raised[day] = sorted((a["kind"], a["subject"], a["evidence_day"])
                             for a in result["alerts"])
    return raised


def test_a_loss_completed_weeks_after_its_first_miss_is_still_alerted(tmp_path: Path) -> None:
    """live, removed, eight nights of server errors (neutral: the streak goes on), removed:
    the link is lost on the last night, dated by its first miss ten days earlier."""
    days = [date(2026, 10, d) for d in range(1, 12)]
    outcomes = ["live", "link_removed", *["server_error"] * 8, "link_removed"]
    raised = _act_on(settings_for(tmp_path), [
        (day, [check(A, day, outcome=o, ip="10.1.0.2")]) for day, o in zip(days, outcomes,
                                                                            strict=True)])
    assert raised[days[-1]] == [("high_quality_lost", lid(A), "2026-10-02")]
    assert all(not r for r in list(raised.values())[:-1])


def test_alert_days_are_utc_days_whatever_the_hosts_zone(
        nights: tuple[Settings, dict[date, Any]]) -> None:
    """The nights were stored and acted on in this process's zone; acting again from a process
    in Los Angeles (DuckDB takes the zone at start) finds the same alert ids: nothing new."""
    settings, _ = nights
    script = (
        "import json, sys\n"
        "from datetime import timedelta\n"
        "from flows.act import act_after_run\n"
        "from linkvet.settings import load_settings\n"
        "from tests.flows.test_act import CONFIG, DAYS, at\n"
        "settings = load_settings(data_dir=sys.argv[1])\n"
        "result = act_after_run(settings, 'run-la', at(DAYS[-1]) + timedelta(hours=2),\n"
        "                       config=CONFIG, emit=False)\n"
        "print(json.dumps([a['kind'] for a in result['alerts']]))\n")
    env = {**os.environ, "TZ": "America/Los_Angeles"}
    done = subprocess.run([sys.executable, "-c", script, str(settings.data_dir)], env=env,
                          cwd=Path(__file__).resolve().parents[2], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_clusters_alert_is_not_raised_again_when_a_page_changes_later(tmp_path: Path) -> None:
    days = [date(2026, 10, d) for d in range(1, 7)]
    spam = [(s, f"10.9.{k}.1") for k, s in enumerate(SPAM, start=1)]  # no shared /24

    def spam_night(day: date, first_fp: str) -> list[LinkCheck]:
        return [check(s, day, anchor="casino bonus", ip=ip, fp=first_fp if k == 0 else SPAM_FP,
                      words=60, out_domains=300, title="casino bonus slots")
                for k, (s, ip) in enumerate(spam)]

    plan = [(day, [check(B, day, ip="10.2.0.2")]) for day in days[:4]]
    plan.append((days[4], [check(B, days[4], ip="10.2.0.2"), *spam_night(days[4], SPAM_FP)]))
    changed = SPAM_FP[:-1] + "e"  # spam1's page edited a little: still the same template
    plan.append((days[5], [check(B, days[5], ip="10.2.0.2"), *spam_night(days[5], changed)]))
    raised = _act_on(settings_for(tmp_path), plan)
    assert ("toxic_cluster", f"template:{SPAM_FP}", "2026-10-05") in raised[days[4]]
    assert not [a for a in raised[days[5]] if a[0] == "toxic_cluster"]
