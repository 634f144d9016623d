"""Helpers (no tests) for the Kafka-mode tests: per-test topics and groups, worker processes,
proxy per worker that records which host it served when."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from linkvet.ids import link_id, request_id
from linkvet.sandbox import SandboxServer, SandboxWeb
from linkvet.settings import Settings
from schemas.records import CrawlRequest

LINKVET = Path(sys.executable).parent / "linkvet"


def kafka_settings(bootstrap: str, data_dir: Path, **overrides: Any) -> Settings:
    tag = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap,
        "kafka_topic_requests": f"t-{tag}.crawl-requests",
        "kafka_topic_checks": f"t-{tag}.link-checks",
        "kafka_topic_dead_letter": f"t-{tag}.dead-letter",
        "kafka_group_workers": f"g-{tag}-workers",
        "kafka_group_ingest": f"g-{tag}-ingest",
        "kafka_partitions": 6,
        "data_dir": data_dir,
        "ingest_batch_records": 500,
    }
    values.update(overrides)
    return Settings(**values)


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as LINKVET_* variables (how a worker or ingest process gets them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKVET_")}
    for name, value in settings.model_dump(mode="json").items():
        if value is None:
            continue
        if isinstance(value, list | dict):
            value = json.dumps(value)
        env[f"LINKVET_{name.upper()}"] = str(value)
    return env


@dataclass
class RecordingWeb:
    """The sandbox web, noting ``(url, started, worker)`` for every request it answers."""

    web: SandboxWeb
    worker: str
    log: list[tuple[str, float, str]]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def respond(self, host: str, path: str) -> Any:
        with self.lock:
            self.log.append((f"http://{host}{path}", time.monotonic(), self.worker))
        return self.web.respond(host, path)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.web, name)


def write_requests(web: SandboxWeb, path: Path, run_id: str, limit: int) -> list[CrawlRequest]:
    out: list[CrawlRequest] = []
    now = datetime.now(UTC)
    for page in web.referring_pages():
        if len(out) >= limit:
            break
        if page.archetype in {"slow", "huge"}:
            continue
        lid = link_id(page.url, page.target)
        out.append(CrawlRequest(request_id=request_id(run_id, lid), run_id=run_id, link_id=lid,
                                source_url=page.url, target=page.target, render="never",
                                requested_at=now))
    with path.open("w", encoding="utf-8") as fh:
        for request in out:
            fh.write(request.model_dump_json() + "\n")
    return out


class Worker:
    """``linkvet worker`` as a child process with its own sandbox proxy and User-Agent."""

    def __init__(self, name: str, settings: Settings, web: SandboxWeb, host_map: Path,
                 log: list[tuple[str, float, str]], work: Path, *, idle_s: float = 0.0) -> None:
        self.name = name
        self.server = SandboxServer(RecordingWeb(web, name, log)).start()  # type: ignore[arg-type]
        worker_settings = settings.model_copy(update={
            "proxy": self.server.proxy_url, "host_map": host_map, "allow_hosts": ["*.example"],
            "render": "never", "autothrottle": False, "concurrent_requests": 32,
            "user_agent": f"linkvet-test/{name}"})
        self.stats = work / f"{name}-stats.json"
        self.log_path = work / f"{name}.log"
        cmd = [str(LINKVET), "worker", "--stats-out", str(self.stats), "--client-id", name]
        if idle_s:
            cmd += ["--exit-when-idle", str(idle_s)]
        with self.log_path.open("wb") as fh:
            self.proc = subprocess.Popen(cmd, env=settings_env(worker_settings), stdout=fh,
                                         stderr=subprocess.STDOUT)

    def stop(self, timeout: float = 60.0, *, terminate: bool = True) -> int:
        """SIGTERM (or, with ``terminate=False``, wait for the idle exit) and the exit code."""
        if terminate and self.proc.poll() is None:
            self.proc.terminate()
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            self.server.stop()
        return code

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.server.stop()


def wait_for(predicate: Any, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list[Any]:
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None,
                             consumer_timeout_ms=int(timeout * 1000))
    out: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        while len(out) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                out.extend(batch)
    finally:
        consumer.close()
    return out


def send_raw(bootstrap: str, topic: str, value: bytes, key: bytes | None = None,
             headers: list[tuple[str, bytes]] | None = None) -> tuple[int, int]:
    """Send one record; its ``(partition, offset)``."""
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        meta = producer.send(topic, value=value, key=key, headers=headers or []).get(timeout=30)
        return int(meta.partition), int(meta.offset)
    finally:
        producer.close()
