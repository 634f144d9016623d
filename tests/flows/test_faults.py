"""Faults on real components, each ending in "nothing lost, nothing duplicated", counted exactly:

- the DuckDB file held by another process while the ingest writes (BI readers use the snapshot);
- the embedded-mode ingest killed with SIGKILL mid-batch, then run again;
- the Prefect worker killed with SIGKILL while a flow run is RUNNING, the run re-triggered
  through the API on a new worker.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import psutil
import pytest

from flows.act import publish_snapshot
from flows.db import connect
from flows.ingest import IngestSummary, ingest_landing_files
from linkvet.cli.kafka import synthetic_check
from linkvet.errors import StoreLockedError
from linkvet.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
PREFECT_SH = ROOT / "infra" / "prefect" / "prefect.sh"
PY = sys.executable

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("held", flush=True)
time.sleep(float(sys.argv[3]))
"""
COUNT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*), count(DISTINCT check_id) FROM link_checks").fetchone()[0])
"""
INGEST = """
import sys
from pathlib import Path
from flows.ingest import ingest_landing_files
from linkvet.settings import load_settings
print(ingest_landing_files(load_settings(data_dir=Path(sys.argv[1]))), flush=True)
"""


def write_landing(settings: Settings, files: int, per_file: int, run: str = "run-f") -> set[str]:
    """``files`` sealed landing files of ``per_file`` LinkChecks each; returns the check ids."""
    folder = settings.landing_dir / run
    folder.mkdir(parents=True, exist_ok=True)
    ids: set[str] = set()
    for f in range(files):
        checks = [synthetic_check(f * per_file + i, run) for i in range(per_file)]
        ids |= {c.check_id for c in checks}
        (folder / f"part-{f:05d}.jsonl").write_text(
            "".join(c.model_dump_json() + "\n" for c in checks), encoding="utf-8")
    return ids


def stored(settings: Settings) -> dict[str, Any]:
    """What DuckDB and the lake hold, read after every writer is gone."""
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        rows, distinct = con.execute(
            "SELECT count(*), count(DISTINCT check_id) FROM link_checks").fetchone()  # type: ignore[misc]
        db_ids = {r[0] for r in con.execute("SELECT check_id FROM link_checks").fetchall()}
        registered = con.execute("SELECT coalesce(sum(rows), 0) FROM lake_files").fetchone()[0]  # type: ignore[index]
        lake_glob = str(settings.lake_dir / "link_checks" / "**" / "*.parquet")
        lake_ids = [r[0] for r in con.execute(
            f"SELECT check_id FROM read_parquet('{lake_glob}')").fetchall()] \
            if list(settings.lake_dir.rglob("*.parquet")) else []
    finally:
        con.close()
    return {
        "rows": rows, "distinct": distinct, "ids": db_ids, "registered": registered,
        "lake_rows": len(lake_ids), "lake_ids": set(lake_ids),
        "tmp": sorted(p.name for p in settings.data_dir.rglob("*.tmp")),
        "landing": sorted(p.name for p in settings.landing_dir.rglob("*.jsonl")),
    }


def assert_exactly_once(settings: Settings, ids: set[str]) -> None:
    state = stored(settings)
    assert (state["rows"], state["distinct"], state["registered"], state["lake_rows"]) == (
        len(ids), len(ids), len(ids), len(ids))
    assert state["ids"] == ids and state["lake_ids"] == ids
    assert (state["tmp"], state["landing"]) == ([], [])


def child(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([PY, "-c", script, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def snapshot_count(settings: Settings) -> int:
    done = subprocess.run([PY, "-c", COUNT, str(settings.snapshot_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    return int(done.stdout)


# ------------------------------------------------------------------ DuckDB held elsewhere --
@pytest.mark.parametrize("holder_mode", ["rw", "ro"], ids=["writer-holds", "reader-holds"])
def test_ingest_waits_for_a_held_duckdb_file(tmp_path: Path, holder_mode: str) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    first = write_landing(settings, files=2, per_file=50, run="run-a")
    assert ingest_landing_files(settings).inserted == 100
    con = connect(settings.duckdb_path)
    try:
        publish_snapshot(con, settings.snapshot_path)
    finally:
        con.close()
    second = write_landing(settings, files=4, per_file=50, run="run-b")

    holder = child(HOLD, str(settings.duckdb_path), holder_mode, "4")
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        # Past its wait budget the writer gives up with the how-to-fix message.
        with pytest.raises(StoreLockedError, match=r"Close the program holding it .* published "
                                                   r"snapshot under data/published/"):
            connect(settings.duckdb_path, wait_s=0.5)
        # A BI tool reads the published snapshot meanwhile.
        assert snapshot_count(settings) == 100
        started = time.monotonic()
        summary = ingest_landing_files(settings)  # waits for the holder, then writes
        waited = time.monotonic() - started
        assert holder.wait(timeout=30) == 0
    finally:
        holder.kill()
        holder.wait()
    assert summary == IngestSummary(files=4, received=200, inserted=200, duplicates=0,
                                    rejected=0)
    assert waited > 1.0
    assert_exactly_once(settings, first | second)


def test_snapshot_reader_keeps_its_view_while_a_new_one_is_published(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    write_landing(settings, files=1, per_file=30, run="run-a")
    ingest_landing_files(settings)
    con = connect(settings.duckdb_path)
    try:
        publish_snapshot(con, settings.snapshot_path)
        reader = child(HOLD, str(settings.snapshot_path), "ro", "3")
        try:
            assert reader.stdout is not None and reader.stdout.readline() == "held\n"
            write_landing(settings, files=1, per_file=20, run="run-b")
            con.close()
            ingest_landing_files(settings)
            con = connect(settings.duckdb_path)
            publish_snapshot(con, settings.snapshot_path)  # the reader's open file is no obstacle
        finally:
            reader.wait(timeout=30)
    finally:
        con.close()
    assert snapshot_count(settings) == 50


# ------------------------------------------------------------- ingest killed mid-batch --
@pytest.mark.slow
def test_ingest_killed_mid_batch_then_rerun(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    ids = write_landing(settings, files=40, per_file=100)
    total = len(ids)
    proc = child(INGEST, str(settings.data_dir))
    lake = settings.lake_dir
    tmp_seen = False
    deadline = time.monotonic() + 120
    try:
        # Kill while a batch is in flight (a .parquet.tmp exists) once a few batches are done.
        while time.monotonic() < deadline and proc.poll() is None:
            done = 40 - len(list(settings.landing_dir.rglob("*.jsonl")))
            if done >= 3 and lake.exists() and any(lake.rglob("*.parquet.tmp")):
                tmp_seen = True
                break
            time.sleep(0.001)
        assert proc.poll() is None, "the ingest finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    left = len(list(settings.landing_dir.rglob("*.jsonl")))
    assert 0 < left < 40
    print(f"killed with {40 - left} file(s) ingested, batch in flight: {tmp_seen}")

    rerun = ingest_landing_files(settings)
    # The files still there are replayed. The killed batch either never committed (all its rows
    # go in now) or committed before its file was deleted (its rows are all duplicates now).
    assert rerun.files == left and rerun.received == left * 100
    assert (rerun.inserted, rerun.duplicates) in {(left * 100, 0), (left * 100 - 100, 100)}
    assert total - rerun.inserted == (40 - left) * 100 + rerun.duplicates
    assert_exactly_once(settings, ids)


# ------------------------------------------------------------- Prefect worker killed --
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, base: Path) -> None:
        self.run_dir = base / "run"
        self.port = free_port()
        self.auth = "faults:" + os.urandom(8).hex()
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("PREFECT_", "LINKVET_"))}
        self.env.update({
            "LINKVET_PREFECT_RUN_DIR": str(self.run_dir),
            "LINKVET_PREFECT_PORT": str(self.port),
            "PREFECT_SERVER_API_AUTH_STRING": self.auth,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "LINKVET_DATA_DIR": str(base / "data"),
        })
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{self.port}/api",
                                auth=tuple(self.auth.split(":", 1)), timeout=30)  # type: ignore[arg-type]

    def script(self, command: str) -> None:
        done = subprocess.run([str(PREFECT_SH), command], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]

    def client_env(self) -> dict[str, str]:
        return {**self.env, "PREFECT_API_URL": f"http://127.0.0.1:{self.port}/api",
                "PREFECT_API_AUTH_STRING": self.auth,
                "PREFECT_HOME": str(self.run_dir / "client-home")}

    def state(self, run_id: str) -> str:
        return str(self.api.get(f"/flow_runs/{run_id}").json()["state_type"])

    def wait_state(self, run_id: str, wanted: set[str], timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = self.state(run_id)
            if state in wanted:
                return state
            time.sleep(0.5)
        log = (self.run_dir / "worker.log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"run {run_id} is {self.state(run_id)}, not {wanted}: {log}")


DEPLOY = """
import sys
from prefect import Flow
flow = Flow.from_source(source=sys.argv[1], entrypoint="flows/ingest.py:ingest_landing")
print(flow.deploy(name="faults", work_pool_name="linkvet-pool", print_next_steps=False,
                  build=False, push=False))
"""


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path)
    try:
        server.script("start")
        yield server
    finally:
        server.script("stop")
        server.api.close()


@pytest.mark.slow
def test_worker_killed_mid_flow_run_is_rerun_without_duplicates(
        tmp_path: Path, prefect_server: Server) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    ids = write_landing(settings, files=120, per_file=50)
    deployed = subprocess.run([PY, "-c", DEPLOY, str(ROOT)], env=prefect_server.client_env(),
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    dep = prefect_server.api.get("/deployments/name/ingest-landing/faults").json()
    run_id = prefect_server.api.post(f"/deployments/{dep['id']}/create_flow_run", json={
        "parameters": {"data_dir": str(settings.data_dir)}}).json()["id"]

    prefect_server.wait_state(run_id, {"RUNNING"}, timeout_s=60)
    deadline = time.monotonic() + 60
    while len(list(settings.landing_dir.rglob("*.jsonl"))) > 110:
        assert time.monotonic() < deadline, "the flow run ingests nothing"
        time.sleep(0.05)
    # The worker's machine dies: the worker and every process under it (the flow run runs in
    # its own session, so a process-group kill would miss it) get SIGKILL; nobody reports.
    worker = psutil.Process(int((prefect_server.run_dir / "worker.pid").read_text()))
    tree = [worker, *worker.children(recursive=True)]
    assert len(tree) >= 2, "no flow-run process under the worker"
    for proc in tree:
        proc.send_signal(signal.SIGKILL)
    psutil.wait_procs(tree, timeout=10)
    left = len(list(settings.landing_dir.rglob("*.jsonl")))
    assert 0 < left < 120
    assert prefect_server.state(run_id) == "RUNNING"  # nobody told the server

    # Re-trigger the same run through the API; a new worker picks it up.
    forced = prefect_server.api.post(f"/flow_runs/{run_id}/set_state", json={
        "state": {"type": "SCHEDULED", "name": "Rescheduled"}, "force": True})
    assert forced.status_code in (200, 201), forced.text
    prefect_server.script("start")  # the server is up: this starts a new worker
    final = prefect_server.wait_state(run_id, {"COMPLETED", "FAILED", "CRASHED"}, timeout_s=90)
    history = prefect_server.api.get("/flow_run_states/",
                                     params={"flow_run_id": run_id}).json()
    assert final == "COMPLETED", history
    assert [h["type"] for h in sorted(history, key=lambda h: h["timestamp"])
            if h["type"] != "PENDING"] == ["SCHEDULED", "RUNNING", "SCHEDULED", "RUNNING",
                                           "COMPLETED"]
    run = prefect_server.api.get(f"/flow_runs/{run_id}").json()
    assert run["run_count"] >= 2
    assert_exactly_once(settings, ids)
