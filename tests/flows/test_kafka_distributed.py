"""Kafka mode end to end on the real broker and the sandbox web: workers in one group, the
run's ingest, and the faults a deployment meets (a worker killed, the broker restarted)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from flows.db import connect
from flows.kafka_run import KafkaRunResult, enqueue_and_wait
from flows.topics import ensure_topics, group_members
from linkvet.sandbox import SandboxWeb
from linkvet.urls import host_of, registrable_domain
from tests.fixtures.kafka import KafkaBroker
from tests.flows.test_kafka_support import Worker, kafka_settings, wait_for, write_requests

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

REQUESTS = 2000


@pytest.fixture(scope="module")
def big_web(tmp_path_factory: pytest.TempPathFactory) -> tuple[SandboxWeb, Path]:
    web = SandboxWeb(seed=0, filler_hosts=250, pages_per_host=8, slow_delay=0.2)
    host_map = tmp_path_factory.mktemp("web") / "hosts.json"
    web.write_host_map(host_map)
    return web, host_map


def _rows(settings: Any, run_id: str) -> tuple[int, int]:
    con = connect(settings.duckdb_path)
    try:
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT request_id) FROM link_checks WHERE run_id = ?",
            [run_id]).fetchall()[0]
    finally:
        con.close()
    return int(total), int(distinct)


def _run_in_thread(settings: Any, requests: Path, run_id: str,
                   timeout_s: float) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["result"] = enqueue_and_wait(settings, requests, run_id, timeout_s=timeout_s)
        except BaseException as exc:  # reported by the test
            out["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, out


def test_three_workers_check_every_request_once_and_never_share_a_site(
        kafka_bootstrap: str, big_web: tuple[SandboxWeb, Path], tmp_path: Path) -> None:
    web, host_map = big_web
    settings = kafka_settings(kafka_bootstrap, tmp_path / "data")
    ensure_topics(settings)
    run_id = "run-three-workers"
    requests = write_requests(web, tmp_path / "requests.jsonl", run_id, REQUESTS)
    assert len(requests) == REQUESTS
    fetches: list[tuple[str, float, str]] = []
    workers = [Worker(f"w{i}", settings, web, host_map, fetches, tmp_path, idle_s=6)
               for i in range(3)]
    try:
        # All three in the group before any request: no rebalance during the run.
        wait_for(lambda: group_members(settings, settings.kafka_group_workers) == 3, 60,
                 "three workers in the group")
        time.sleep(3)  # the last join's rebalance settles
        result = enqueue_and_wait(settings, tmp_path / "requests.jsonl", run_id,
                                  timeout_s=150)
    finally:
        codes = [w.stop(terminate=False) for w in workers]
    assert isinstance(result, KafkaRunResult)
    assert codes == [0, 0, 0]
    assert _rows(settings, run_id) == (REQUESTS, REQUESTS)
    # A linking page's own fetches (robots.txt, redirects and href probes may lead any worker
    # to other sites, which is not the page fetch that politeness is about).
    pages = {r.source_url for r in requests}
    times: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for url, t, worker in fetches:
        if url in pages:
            times[registrable_domain(host_of(url))][worker].append(t)
    con = connect(settings.duckdb_path)
    try:
        fetched = {r[0] for r in con.execute(
            "SELECT source_url FROM link_checks WHERE run_id = ? AND outcome <> 'robots_blocked'",
            [run_id]).fetchall()}
    finally:
        con.close()
    assert set(times) == {registrable_domain(host_of(u)) for u in fetched}
    # A site may move to another worker at a rebalance, never while its first worker still
    # fetches it: per site, the workers' fetch windows do not overlap.
    overlapping = {}
    for site, by_worker in times.items():
        windows = sorted((min(ts), max(ts), w) for w, ts in by_worker.items())
        for (_s1, e1, w1), (s2, _e2, w2) in pairwise(windows):
            if s2 <= e1:
                overlapping[site] = (w1, w2)
    assert overlapping == {}
    per_worker = [json.loads(w.stats.read_text()).get("linkvet/kafka/requests", 0)
                  for w in workers]
    # Every request was taken by some worker (a rebalance may redeliver a few), and the group
    # shared the work (on a loaded machine a late joiner may find its partitions drained).
    assert sum(per_worker) >= REQUESTS
    assert sum(1 for n in per_worker if n > 0) >= 2


def test_a_worker_killed_mid_run_loses_nothing(
        kafka_bootstrap: str, big_web: tuple[SandboxWeb, Path], tmp_path: Path) -> None:
    web, host_map = big_web
    settings = kafka_settings(kafka_bootstrap, tmp_path / "data")
    ensure_topics(settings)
    run_id = "run-kill-worker"
    n = 1200
    write_requests(web, tmp_path / "requests.jsonl", run_id, n)
    fetches: list[tuple[str, float, str]] = []
    victim = Worker("victim", settings, web, host_map, fetches, tmp_path)
    survivor = Worker("survivor", settings, web, host_map, fetches, tmp_path, idle_s=8)
    try:
        wait_for(lambda: group_members(settings, settings.kafka_group_workers) == 2, 60,
                 "two workers in the group")
        thread, out = _run_in_thread(settings, tmp_path / "requests.jsonl", run_id, 150)
        wait_for(lambda: sum(1 for f in fetches if f[2] == "victim") >= 100, 60,
                 "the victim to be busy")
        victim.kill()
        thread.join(timeout=170)
    finally:
        victim.kill() if victim.proc.poll() is None else None
        survivor.stop()
    assert "error" not in out, out.get("error")
    assert out["result"].stored == n
    assert _rows(settings, run_id) == (n, n)


def test_broker_restart_mid_run_loses_nothing(
        big_web: tuple[SandboxWeb, Path], tmp_path: Path) -> None:
    web, host_map = big_web
    broker = KafkaBroker.on_free_ports(tmp_path / "broker")
    broker.start()
    try:
        settings = kafka_settings(broker.bootstrap, tmp_path / "data")
        ensure_topics(settings)
        run_id = "run-broker-restart"
        n = 800
        write_requests(web, tmp_path / "requests.jsonl", run_id, n)
        fetches: list[tuple[str, float, str]] = []
        worker = Worker("w", settings, web, host_map, fetches, tmp_path)
        try:
            wait_for(lambda: group_members(settings, settings.kafka_group_workers) == 1, 60,
                     "the worker in the group")
            thread, out = _run_in_thread(settings, tmp_path / "requests.jsonl", run_id, 170)
            wait_for(lambda: len(fetches) >= 150, 180, "the crawl to be under way")
            broker.stop()
            stopped_at = len(fetches)
            time.sleep(2)
            broker.start()
            thread.join(timeout=190)
        finally:
            worker.stop()
        assert stopped_at < n
        assert "error" not in out, out.get("error")
        assert out["result"].stored == n
        assert _rows(settings, run_id) == (n, n)
    finally:
        broker.stop()
