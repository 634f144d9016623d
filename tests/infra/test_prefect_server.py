"""linkvet under a real ``prefect server`` (infra/prefect/prefect.sh): basic auth, the
deployments and their schedules, the scheduler, flow runs through the API and through the UI
(headless Chromium), and an alert event reaching a webhook through an automation.

One server, worker and sandbox web for the module, on free ports with their own PREFECT_HOME
and data folder; everything started is stopped at the end and checked gone.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import httpx
import pytest

from linkvet.acting.alerts import make_alert
from linkvet.sandbox import ReferringPage, write_ahrefs_export
from tests.fixtures.sandbox import RunningSandbox

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "infra" / "prefect" / "prefect.sh"
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
CRON_HOUR = 3
TIMEZONE = "Europe/Berlin"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _RetryBusy(httpx.HTTPTransport):
    """The server answers 503 while its SQLite database is busy (a loaded machine): such an
    answer is retried a few times with backoff, as Prefect's own client does."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(6):
            response = super().handle_request(request)
            if response.status_code != 503:
                return response
            response.close()
            time.sleep(1.0 + attempt)
        return super().handle_request(request)


@dataclass
class PrefectServer:
    url: str  # http://127.0.0.1:<port>
    auth: str
    env: dict[str, str]
    run_dir: Path
    data_dir: Path
    api: httpx.Client

    @property
    def api_url(self) -> str:
        return self.url + "/api"

    def deployment(self, flow: str, name: str) -> dict[str, Any]:
        response = self.api.get(f"/deployments/name/{flow}/{name}")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def run_deployment(self, flow: str, name: str, parameters: dict[str, Any]) -> str:
        dep = self.deployment(flow, name)
        response = self.api.post(f"/deployments/{dep['id']}/create_flow_run",
                                 json={"parameters": parameters})
        response.raise_for_status()
        return str(response.json()["id"])

    def run_ids(self, deployment_id: str) -> list[str]:
        runs = self.api.post("/flow_runs/filter", json={
            "deployments": {"id": {"any_": [deployment_id]}}}).json()
        return [str(r["id"]) for r in runs]

    def wait_run(self, run_id: str, timeout_s: float = 180) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            run: dict[str, Any] = self.api.get(f"/flow_runs/{run_id}").json()
            if run["state_type"] in TERMINAL:
                return run
            time.sleep(1)
        raise AssertionError(f"flow run {run_id} not finished after {timeout_s}s "
                             f"(worker log: {self.worker_log()})")

    def worker_log(self) -> str:
        return (self.run_dir / "worker.log").read_text(encoding="utf-8")[-3000:]


def _group_members(pgid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory,
                   sandbox: RunningSandbox) -> Iterator[PrefectServer]:
    base = tmp_path_factory.mktemp("prefect-server")
    run_dir, data_dir = base / "run", base / "data"
    host_map = base / "hostmap.json"
    sandbox.web.write_host_map(host_map)
    port = free_port()
    auth = "linkvet-test:" + base64.b32encode(os.urandom(10)).decode().lower()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PREFECT_", "LINKVET_"))}
    env.update({
        "LINKVET_PREFECT_RUN_DIR": str(run_dir),
        "LINKVET_PREFECT_PORT": str(port),
        "PREFECT_SERVER_API_AUTH_STRING": auth,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "LINKVET_DATA_DIR": str(data_dir),
        "LINKVET_PROXY": sandbox.proxy_url,
        "LINKVET_HOST_MAP": str(host_map),
        "LINKVET_ALLOW_HOSTS": json.dumps(["*.example"]),
        "LINKVET_NIGHTLY_CRON_HOUR": str(CRON_HOUR),
        "LINKVET_TIMEZONE": TIMEZONE,
    })
    started = time.monotonic()
    result = subprocess.run([str(SCRIPT), "start"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    pids = {n: int((run_dir / f"{n}.pid").read_text()) for n in ("server", "worker")
            if (run_dir / f"{n}.pid").exists()}
    try:
        assert result.returncode == 0, result.stderr
        print(f"prefect.sh start took {time.monotonic() - started:.1f}s")
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url + "/api", auth=tuple(auth.split(":", 1)),  # type: ignore[arg-type]
                          timeout=30, transport=_RetryBusy()) as api:
            yield PrefectServer(url, auth, env, run_dir, data_dir, api)
    finally:
        stopped = subprocess.run([str(SCRIPT), "stop"], env=env, cwd=ROOT,
                                 capture_output=True, text=True, timeout=120)
        assert stopped.returncode == 0, stopped.stderr
        left = {name: _group_members(pid) for name, pid in pids.items()}
        assert left == {name: [] for name in pids}, "prefect.sh stop left processes"


@pytest.fixture(scope="module")
def seeded(prefect_server: PrefectServer, sandbox: RunningSandbox) -> dict[str, Any]:
    """The sandbox's Ahrefs export imported through the ``import-backlinks`` deployment."""
    export = prefect_server.data_dir.parent / "ahrefs-acme.csv"
    write_ahrefs_export(sandbox.web, export)
    run_id = prefect_server.run_deployment("import-backlinks", "import-backlinks", {
        "path": str(export), "tool": "ahrefs", "target": sandbox.web.target_host,
        "data_dir": str(prefect_server.data_dir)})
    run = prefect_server.wait_run(run_id)
    assert run["state_type"] == "COMPLETED", prefect_server.worker_log()
    return run


def db_rows(data_dir: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(data_dir / "linkvet.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_api_refuses_requests_without_credentials(prefect_server: PrefectServer) -> None:
    bare = httpx.post(prefect_server.api_url + "/deployments/filter", json={}, timeout=10)
    wrong = httpx.post(prefect_server.api_url + "/deployments/filter", json={},
                       auth=("linkvet-test", "wrong"), timeout=10)
    right = prefect_server.api.post("/deployments/filter", json={})
    assert (bare.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert (prefect_server.run_dir / "auth").stat().st_mode & 0o777 == 0o600


def test_deployments_schedules_and_pool(prefect_server: PrefectServer) -> None:
    nightly = prefect_server.deployment("nightly", "nightly")
    recrawl = prefect_server.deployment("recrawl", "recrawl")
    ingest = prefect_server.deployment("ingest-kafka", "ingest")
    imports = prefect_server.deployment("import-backlinks", "import-backlinks")

    assert [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"])
            for s in nightly["schedules"]] == [(f"0 {CRON_HOUR} * * *", TIMEZONE, True)]
    assert recrawl["schedules"] == [] and imports["schedules"] == []
    # No broker configured here: the ingest schedule exists but stays off.
    assert [(s["schedule"]["interval"], s["active"]) for s in ingest["schedules"]] == [
        (300.0, False)]
    assert {d["work_pool_name"] for d in (nightly, recrawl, ingest, imports)} == {
        "linkvet-pool"}
    assert set(recrawl["parameter_openapi_schema"]["properties"]) == {
        "target", "urls", "only", "changed_since", "render", "priority", "limit", "data_dir"}
    assert "exports" in nightly["parameter_openapi_schema"]["properties"]

    pool = prefect_server.api.get("/work_pools/linkvet-pool").json()
    assert pool["type"] == "process"
    limit = prefect_server.api.get("/v2/concurrency_limits/linkvet-crawl").json()
    assert (limit["limit"], limit["active"]) == (2, True)


def test_scheduler_creates_the_next_nightly_runs(prefect_server: PrefectServer) -> None:
    nightly = prefect_server.deployment("nightly", "nightly")
    query = {"deployments": {"id": {"any_": [nightly["id"]]}},
             "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}
    deadline = time.monotonic() + 60
    runs: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not runs:
        runs = prefect_server.api.post("/flow_runs/filter", json=query).json()
        time.sleep(1)
    assert runs, "the scheduler created no nightly run"
    starts = sorted(datetime.fromisoformat(r["expected_start_time"]) for r in runs)
    local = [s.astimezone(ZoneInfo(TIMEZONE)) for s in starts]
    assert {(t.hour, t.minute) for t in local} == {(CRON_HOUR, 0)}
    assert starts[0] > datetime.now(starts[0].tzinfo)
    assert len({t.date() for t in local}) == len(local)  # one per day


def _pick_pages(sandbox: RunningSandbox, count: int) -> list[ReferringPage]:
    """One static (no JavaScript needed, not slow) page per outcome, ``count`` at most."""
    chosen: dict[str, ReferringPage] = {}
    for page in sandbox.web.referring_pages():
        if page.expected.needs_render or page.archetype in ("slow", "huge"):
            continue
        chosen.setdefault(page.expected.outcome, page)
    return sorted(chosen.values(), key=lambda p: p.url)[:count]


def test_recrawl_through_the_api(prefect_server: PrefectServer, seeded: dict[str, Any],
                                 sandbox: RunningSandbox) -> None:
    pages = _pick_pages(sandbox, 4)
    urls = [p.url for p in pages]
    run_id = prefect_server.run_deployment("recrawl", "recrawl", {
        "urls": urls, "render": "never", "priority": 5})
    run = prefect_server.wait_run(run_id)
    assert run["state_type"] == "COMPLETED", prefect_server.worker_log()
    assert run["parameters"]["urls"] == urls

    found = db_rows(prefect_server.data_dir,
                    "SELECT source_url, outcome FROM link_checks "
                    "WHERE source_url IN (SELECT unnest(?)) ORDER BY 1", [urls])
    assert found == sorted((p.url, p.expected.outcome) for p in pages)
    judged = db_rows(prefect_server.data_dir, "SELECT count(*) FROM link_scores")[0][0]
    imported = db_rows(prefect_server.data_dir, "SELECT count(*) FROM backlinks")[0][0]
    assert judged == imported > 0

    artifacts = prefect_server.api.post("/artifacts/filter", json={
        "artifacts": {"flow_run_id": {"any_": [run_id]}}}).json()
    summary = [a for a in artifacts if a["key"] == "linkvet-run-summary"]
    assert len(summary) == 1 and summary[0]["type"] == "markdown"
    assert f"| {len(pages)} | {len(pages)} |" in summary[0]["data"]


def _submit_run_form(page: Any, timeout_s: float = 150) -> None:
    """Submit the custom-run form and wait until the UI leaves it for the new run's page.

    Under load the server's SQLite database can be busy, and the server then answers a request
    with 503; the UI shows an error and stays on the form, and a user submits again after a
    while. So does this, but only after such an answer: a form that stays put for any other
    reason fails the test at once, with what the API answered.
    """
    from playwright.sync_api import expect

    answers: list[tuple[str, str, int]] = []
    page.on("response", lambda r: answers.append((r.request.method, r.url, r.status))
            if "/api/" in r.url else None)
    submit = page.get_by_role("button", name="Submit")
    deadline = time.monotonic() + timeout_s
    pause = 1.0
    while True:
        expect(submit).to_be_enabled()
        seen = len(answers)
        submit.click()
        while not any(status == 503 for _, _, status in answers[seen:]):
            page.wait_for_timeout(250)  # lets Playwright take in the page's events
            # The form's own URL matches the deployment's too: wait until it is left.
            if "/run?" not in page.url:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the form was not left after {timeout_s:.0f}s; "
                                     f"the API answered: {answers[seen:]}")
        if time.monotonic() + pause > deadline:
            raise AssertionError(f"the server stayed busy for {timeout_s:.0f}s: {answers}")
        page.wait_for_timeout(pause * 1000)  # the busy database gets a moment
        pause = min(2 * pause, 15.0)
        if "/run?" not in page.url:  # the busy answer was to another request
            return


@pytest.mark.browser
def test_recrawl_through_the_ui(prefect_server: PrefectServer, seeded: dict[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    dep = prefect_server.deployment("recrawl", "recrawl")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(prefect_server.url + f"/deployments/deployment/{dep['id']}")
            page.wait_for_url("**/login**")  # the UI asks for the API's credentials
            page.get_by_placeholder("admin:pass").fill(prefect_server.auth)
            page.get_by_role("button", name="Login").click()
            page.wait_for_url(f"**/deployments/deployment/{dep['id']}**")
            page.get_by_role("button", name="Run", exact=True).click()
            page.get_by_text("Custom run").click()
            page.wait_for_url("**/run?**")
            limit = page.locator(".p-label", has_text="limit (Optional)")
            limit.get_by_role("button", name="int", exact=True).click()
            limit.locator("input").fill("2")
            expect(limit.locator("input")).to_have_value("2")
            before = set(prefect_server.run_ids(dep["id"]))
            _submit_run_form(page)
            new: set[str] = set()
            deadline = time.monotonic() + 60
            while not new and time.monotonic() < deadline:
                new = set(prefect_server.run_ids(dep["id"])) - before
                time.sleep(0.5)
            assert len(new) == 1, "submitting the form created no flow run"
            run_id = new.pop()
            run = prefect_server.wait_run(run_id)
            assert run["state_type"] == "COMPLETED", prefect_server.worker_log()
            # the form sends every parameter: the one filled in, the others at their defaults
            assert run["parameters"] == {
                "target": None, "urls": None, "only": None, "changed_since": None,
                "render": "auto", "priority": 0, "limit": 2, "data_dir": None}
            page.goto(prefect_server.url + f"/runs/flow-run/{run_id}")
            expect(page.get_by_text("Completed").first).to_be_visible(timeout=30_000)
        finally:
            browser.close()
    checked = db_rows(prefect_server.data_dir, """
        SELECT count(DISTINCT link_id) FROM link_checks WHERE run_id =
            (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1)""")[0][0]
    assert checked == 2


ALERT_SCRIPT = """
import sys, time
from datetime import date
from prefect import flow
from flows.act import emit_alert_events, ensure_alert_automation
from linkvet.acting.alerts import make_alert
from linkvet.acting.notify import NotifyConfig

ensure_alert_automation(NotifyConfig(kind="webhook", url=sys.argv[1], allow_private_urls=True))
time.sleep(3)  # the triggers service picks up the new automation


@flow(name="raise-test-alert")
def raise_alert() -> int:
    alert = make_alert("high_quality_lost", "https://blog.example/a", "acme.example",
                       date(2026, 11, 1))
    return emit_alert_events([alert])


assert raise_alert() == 1
"""


class _Hook(BaseHTTPRequestHandler):
    received: queue.Queue[dict[str, Any]] = queue.Queue()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.received.put(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_alert_event_reaches_the_webhook_through_an_automation(
    prefect_server: PrefectServer,
) -> None:
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=hook.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**prefect_server.env, "PREFECT_API_URL": prefect_server.api_url,
               "PREFECT_API_AUTH_STRING": prefect_server.auth,
               "PREFECT_HOME": str(prefect_server.run_dir / "client-home")}
        hook_url = f"http://127.0.0.1:{hook.server_address[1]}/alerts"
        done = subprocess.run([sys.executable, "-c", ALERT_SCRIPT, hook_url], env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        message = _Hook.received.get(timeout=60)
    finally:
        hook.shutdown()
    alert = make_alert("high_quality_lost", "https://blog.example/a", "acme.example",
                       date(2026, 11, 1))
    assert message["subject"] == "linkvet critical: high_quality_lost on acme.example"
    assert message["body"].splitlines() == [
        f"{name}: {alert.payload()[name]}"
        for name in ("alert_id", "kind", "severity", "subject", "target", "evidence_day")]
