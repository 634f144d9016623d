"""``linkvet bench scale``: a nightly verification of N links over the sandbox web, measured.

What it does, per run:

1. a sandbox web of filler sites (``--pages-per-host`` articles each, enough for N links) is
   served from its own process; its Ahrefs export is written and imported into DuckDB;
2. for each mode, a fresh copy of that database is verified end to end with the product's own
   steps (``flows.verify``: plan, crawl, ingest, summarise; then judge and act):
   ``embedded`` runs the spider child and ingests its landing files; ``kafka`` starts a bench
   broker (``infra/kafka/kafka.sh`` on its own ports and data dir), ``--workers`` ``linkvet
   worker --exit-when-idle`` processes, and the run's ``enqueue_and_wait`` ingest;
3. the resident memory of every process involved (crawl children, sandbox server, broker JVM,
   this process, Chromium and its Playwright driver) is sampled every 0.5 s.

The steps are the ones :func:`flows.verify.verify_run` chains, called one by one so each can be
timed. ``--render-js`` asks ``render="always"`` for a fraction of the filler pages (filler pages
are static; only the one named ``js_injected`` page needs a browser on its own), so Chromium
renders throughout the run. Everything lives in a temporary folder removed at the end.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psutil
import typer

from linkvet.cli.app import bench_app, console
from linkvet.cli.bench_crawl import start_sandbox
from linkvet.settings import RenderMode, Settings

REPO_DIR = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO_DIR / "infra" / "kafka" / "kafka.sh"
BENCH_KAFKA_PORT = 19492
MB = 1024 * 1024
T = TypeVar("T")


# ------------------------------------------------------------------ memory sampling
def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


def process_role(proc: psutil.Process) -> str:
    """What a descendant of the bench is, from its command line."""
    try:
        name = proc.name().lower()
        cmd = " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return "gone"
    if "chrom" in name or "headless" in name or ("node" in name and "playwright" in cmd):
        return "browser"
    if "spiders.run" in cmd or " worker " in f"{cmd} ":
        return "crawl"
    if "linkvet.sandbox" in cmd:
        return "sandbox"
    if "java" in name or "kafka" in cmd:
        return "broker"
    return "other"


@dataclass
class RssSampler:
    """Samples the RSS of this process, its descendants and the broker JVM every ``every`` s.

    ``series`` holds ``(seconds since start, {role: summed RSS})``; ``peaks`` the highest RSS
    each process reached, keyed by pid, with its role."""

    broker_pid: Callable[[], int | None] = lambda: None
    every: float = 0.5
    series: list[tuple[float, dict[str, int]]] = field(default_factory=list)
    peaks: dict[int, tuple[str, int]] = field(default_factory=dict)
    _roles: dict[int, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _t0: float = 0.0

    def start(self) -> RssSampler:
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def now(self) -> float:
        return time.monotonic() - self._t0

    def main_during(self, window: tuple[float, float]) -> tuple[int, int]:
        """``(RSS when the window began, highest RSS within it)`` of this process, for a
        ``time.monotonic()`` window."""
        start, end = window[0] - self._t0, window[1] - self._t0
        inside = [t.get("main", 0) for s, t in self.series if start <= s <= end + self.every]
        before = [t.get("main", 0) for s, t in self.series if s <= start]
        first = before[-1] if before else (inside[0] if inside else 0)
        return first, max(inside, default=first)

    def _processes(self) -> Iterator[tuple[str, psutil.Process]]:
        me = psutil.Process()
        yield "main", me
        for child in me.children(recursive=True):
            role = self._roles.get(child.pid)
            if role is None or role == "other":
                role = process_role(child)
                self._roles[child.pid] = role
            yield role, child
        pid = self.broker_pid()
        broker = _process(pid) if pid else None
        if broker is not None:
            yield "broker", broker

    def sample(self) -> None:
        totals: dict[str, int] = {}
        for role, proc in self._processes():
            try:
                rss = int(proc.memory_info().rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            totals[role] = totals.get(role, 0) + rss
            _, peak = self.peaks.get(proc.pid, (role, 0))
            self.peaks[proc.pid] = (role, max(peak, rss))
        self.series.append((self.now(), totals))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def peak_process(self, role: str) -> int:
        """The highest RSS any single process of ``role`` reached."""
        return max((rss for r, rss in self.peaks.values() if r == role), default=0)

    def peak_total(self, role: str, start: float = 0.0, end: float = math.inf) -> int:
        """The highest summed RSS of ``role`` between ``start`` and ``end`` seconds."""
        return max((t.get(role, 0) for s, t in self.series if start <= s <= end), default=0)

    def per_process(self, role: str) -> list[int]:
        return [rss for r, rss in self.peaks.values() if r == role]


# ------------------------------------------------------------------ measurements
@dataclass
class ModeResult:
    mode: str
    links: int
    requested: int = 0
    checked: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    workers: int = 1
    steps: dict[str, float] = field(default_factory=dict)
    crawl_seconds: float = 0.0
    pages_per_worker: list[float] = field(default_factory=list)
    rendered: int = 0
    avg_page_bytes: float = 0.0
    request_bytes: float = 0.0
    check_json_bytes: float = 0.0
    check_broker_bytes: float = 0.0
    request_broker_bytes: float = 0.0
    parquet_bytes: float = 0.0
    duckdb_bytes: float = 0.0
    rss: dict[str, Any] = field(default_factory=dict)
    window: tuple[float, float] = (0.0, 0.0)
    step_windows: dict[str, tuple[float, float]] = field(default_factory=dict)  # monotonic
    overlapped_ingest_s: float = 0.0

    @property
    def end_to_end(self) -> float:
        return sum(self.steps.values())

    @property
    def pages_per_second(self) -> float:
        return self.checked / self.crawl_seconds if self.crawl_seconds else 0.0


@contextmanager
def timed(result: ModeResult, step: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        ended = time.monotonic()
        result.steps[step] = result.steps.get(step, 0.0) + ended - started
        result.step_windows[step] = (started, ended)


def tree_bytes(path: Path, pattern: str = "*") -> int:
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob(pattern) if p.is_file())


def wire_bytes_per_request(requests: Path) -> float:
    """Average bytes of one crawl request on the wire: value + key + headers."""
    from linkvet.kafka_config import encode, request_key
    from schemas.records import CrawlRequest

    total = count = 0
    with requests.open("rb") as fh:
        for line in fh:
            request = CrawlRequest.model_validate_json(line)
            value, headers = encode(request)
            key = request_key(request.source_url)
            total += len(value) + len(key) + sum(len(k) + len(v) for k, v in headers)
            count += 1
    return total / count if count else 0.0


def force_render(requests: Path, fraction: float) -> int:
    """Rewrite the run's requests so every ``1/fraction``-th one asks for ``render="always"``;
    returns how many do."""
    from schemas.records import CrawlRequest

    every = max(1, round(1 / fraction))
    lines = requests.read_bytes().splitlines()
    forced = 0
    with requests.open("w", encoding="utf-8") as fh:
        for i, line in enumerate(lines):
            request = CrawlRequest.model_validate_json(line)
            if i % every == every - 1:
                request = request.model_copy(update={"render": "always"})
                forced += 1
            fh.write(request.model_dump_json() + "\n")
    return forced


def run_facts(settings: Settings, run_id: str, result: ModeResult) -> None:
    from flows.db import open_store

    con = open_store(settings)
    try:
        row = con.execute(
            "SELECT count(*) FILTER (WHERE rendered), avg(bytes) FILTER (WHERE status = 200) "
            "FROM link_checks WHERE run_id = ?", [run_id]).fetchone()
    finally:
        con.close()
    assert row is not None
    result.rendered = int(row[0] or 0)
    result.avg_page_bytes = float(row[1] or 0.0)


# ------------------------------------------------------------------ the two modes
def plan(settings: Settings, run_id: str, render: RenderMode, fraction: float) -> tuple[Path, int]:
    from flows.verify import plan_requests

    requests, n = plan_requests.fn(settings, run_id, target=None, urls=None, only=None,
                                   changed_since=None, render=render, priority=0, limit=None)
    if fraction > 0:
        forced = force_render(requests, fraction)
        console.print(f"  {forced} of {n} requests ask render=always")
    return requests, n


def downstream(settings: Settings, run_id: str, result: ModeResult, requested: int) -> None:
    """Ingest (whatever is left in landing files), summarise, judge and act, each timed."""
    from flows.pipeline import act_step, judge_step
    from flows.verify import ingest, summarise

    with timed(result, "ingest"):
        summary_in = ingest.fn(settings)
    with timed(result, "summarise"):
        summary = summarise.fn(settings, run_id, requested, summary_in)
    result.requested, result.checked, result.outcomes = requested, summary.checked, summary.outcomes
    # Each mode starts from a fresh data dir: the whole lake is this run's checks.
    result.parquet_bytes = (
        tree_bytes(settings.lake_dir, "*.parquet") / summary.checked if summary.checked else 0.0)
    with timed(result, "judge"):
        judge_step.fn(settings)
    with timed(result, "act"):
        act_step.fn(settings, run_id)
    result.duckdb_bytes = settings.duckdb_path.stat().st_size / max(1, summary.checked)
    run_facts(settings, run_id, result)


def run_embedded(settings: Settings, result: ModeResult, fraction: float,
                 clock: Callable[[], float]) -> None:
    from flows.verify import crawl, new_run_id

    run_id = new_run_id()
    with timed(result, "plan"):
        requests, n = plan(settings, run_id, settings.render, fraction)
    result.request_bytes = wire_bytes_per_request(requests)
    console.print(f"  embedded: crawling {n} pages")
    start = clock()
    with timed(result, "crawl"):
        stats = crawl.fn(settings, requests, run_id)
    result.window = (start, clock())
    result.crawl_seconds = result.steps["crawl"]
    items = int(stats.get("item_scraped_count", 0))
    landing = tree_bytes(settings.landing_dir, "*.jsonl")
    result.check_json_bytes = landing / items if items else 0.0
    result.pages_per_worker = [items / float(stats.get("elapsed_time_seconds") or 1.0)]
    downstream(settings, run_id, result, n)


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a ``linkvet worker`` child reads the given settings from."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKVET_")}
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            env[f"LINKVET_{name.upper()}"] = (
                json.dumps(value) if isinstance(value, list | dict) else str(value))
    return env


class BenchBroker:
    """A throwaway broker on its own ports and data dir (``kafka.sh start|stop``)."""

    def __init__(self, data: Path, port: int, heap: str) -> None:
        self.data = data
        self.env = {**os.environ, "LINKVET_KAFKA_PORT": str(port),
                    "LINKVET_KAFKA_CONTROLLER_PORT": str(port + 1),
                    "LINKVET_KAFKA_DATA": str(data), "LINKVET_KAFKA_HEAP": heap}
        self.bootstrap = f"127.0.0.1:{port}"

    def pid(self) -> int | None:
        try:
            return int((self.data / "kafka.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def start(self) -> BenchBroker:
        subprocess.run([str(KAFKA_SH), "start"], env=self.env, check=True,
                       stdout=subprocess.DEVNULL)
        return self

    def stop(self) -> None:
        subprocess.run([str(KAFKA_SH), "stop"], env=self.env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def topic_bytes(self, topic: str) -> int:
        return sum(tree_bytes(d, "*.log")
                   for d in (self.data / "kraft-logs").glob(f"{topic}-*"))


def run_kafka(settings: Settings, result: ModeResult, fraction: float, broker: BenchBroker,
              workers: int, work: Path, clock: Callable[[], float]) -> None:
    from flows.kafka_run import enqueue_and_wait
    from flows.topics import ensure_topics, group_members
    from flows.verify import new_run_id

    tag = uuid.uuid4().hex[:8]
    settings = settings.model_copy(update={
        "kafka_bootstrap_servers": broker.bootstrap,
        "kafka_topic_requests": f"bench-{tag}.crawl-requests",
        "kafka_topic_checks": f"bench-{tag}.link-checks",
        "kafka_topic_dead_letter": f"bench-{tag}.dead-letter",
        "kafka_group_workers": f"bench-{tag}-workers",
        "kafka_group_ingest": f"bench-{tag}-ingest",
    })
    run_id = new_run_id()
    with timed(result, "plan"):
        ensure_topics(settings)
        requests, n = plan(settings, run_id, settings.render, fraction)
    result.request_bytes = wire_bytes_per_request(requests)
    linkvet = Path(sys.executable).with_name("linkvet")
    procs: list[subprocess.Popen[bytes]] = []
    stats_files = [work / f"worker-{i}-stats.json" for i in range(workers)]
    try:
        for i, stats_file in enumerate(stats_files):
            with (work / f"worker-{i}.log").open("wb") as log:
                procs.append(subprocess.Popen(
                    [str(linkvet), "worker", "--exit-when-idle", "15", "--stats-out",
                     str(stats_file), "--client-id", f"bench-w{i}"],
                    env=settings_env(settings), stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 120
        while group_members(settings, settings.kafka_group_workers) < workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"the workers did not join; see {work}/worker-*.log")
            time.sleep(0.5)
        time.sleep(3)  # the last join's rebalance settles before any request exists
        console.print(f"  kafka: {workers} worker(s) in the group; publishing {n} requests")
        start = clock()
        with timed(result, "crawl+ingest"):
            run = enqueue_and_wait(settings, requests, run_id, timeout_s=4 * 3600)
        result.window = (start, clock())
        result.crawl_seconds = run.seconds
        for proc in procs:
            proc.wait(120)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(60)
    for i, stats_file in enumerate(stats_files):
        stats = json.loads(stats_file.read_text(encoding="utf-8"))
        done = int(stats.get("linkvet/kafka/requests", 0))
        result.pages_per_worker.append(done / run.seconds)
        if not done:  # a worker that never got a partition: show why
            log_tail = (work / f"worker-{i}.log").read_text(errors="replace").splitlines()[-40:]
            console.print(f"  worker {i} checked nothing; the end of its log:")
            for line in log_tail:
                console.print(f"    {line}", markup=False, highlight=False)
            kafka_lines = [k for k, v in stats.items() if k.startswith("linkvet/kafka/")]
            console.print(f"    stats: { {k: stats[k] for k in kafka_lines} }", markup=False)
    delivered = run.ingest.received
    checks_bytes = broker.topic_bytes(settings.kafka_topic_checks)
    result.check_broker_bytes = checks_bytes / delivered if delivered else 0.0
    result.request_broker_bytes = broker.topic_bytes(settings.kafka_topic_requests) / n
    result.overlapped_ingest_s = run.ingest.seconds
    downstream(settings, run_id, result, n)


# ------------------------------------------------------------------ the command
def _fmt_mb(value: int) -> str:
    return f"{value / MB:.0f} MB" if value else "-"


def _rss_summary(sampler: RssSampler, window: tuple[float, float]) -> dict[str, Any]:
    crawl_from, crawl_to = window
    third = (crawl_to - crawl_from) / 3
    return {
        "crawl": sampler.per_process("crawl"),
        "sandbox": sampler.peak_process("sandbox"),
        "broker": sampler.peak_process("broker"),
        "main": sampler.peak_process("main"),
        "browser_total": sampler.peak_total("browser"),
        "browser_first_third": sampler.peak_total("browser", crawl_from, crawl_from + third),
        "browser_last_third": sampler.peak_total("browser", crawl_to - third, crawl_to),
        "browser_processes": len(sampler.per_process("browser")),
    }


def _main_by_step(sampler: RssSampler, result: ModeResult) -> dict[str, tuple[int, int]]:
    return {step: sampler.main_during(window) for step, window in result.step_windows.items()}


def print_result(r: ModeResult) -> None:
    rss = r.rss
    typer.echo(f"\n== {r.mode}: {r.links} links, {r.workers} crawl worker(s) ==")
    rows = [
        ("requested / checked", f"{r.requested} / {r.checked}"),
        ("outcomes", json.dumps(r.outcomes, sort_keys=True)),
        ("crawl (s)", f"{r.crawl_seconds:.1f}"),
        ("pages/s (all workers)", f"{r.pages_per_second:.1f}"),
        ("pages/s per worker", ", ".join(f"{x:.1f}" for x in r.pages_per_worker)),
        *((f"step {k} (s)", f"{v:.1f}") for k, v in r.steps.items()),
        ("end to end (s)", f"{r.end_to_end:.1f}"),
        ("kafka ingest busy inside crawl+ingest (s)",
         f"{r.overlapped_ingest_s:.1f}" if r.mode == "kafka" else "-"),
        ("peak RSS crawl process(es)", ", ".join(_fmt_mb(x) for x in rss["crawl"]) or "-"),
        ("peak RSS sandbox server", _fmt_mb(rss["sandbox"])),
        ("peak RSS broker JVM", _fmt_mb(rss["broker"])),
        ("peak RSS main (plan/ingest/judge/act)", _fmt_mb(rss["main"])),
        *((f"  main in step {step}: at start / peak", f"{_fmt_mb(a)} / {_fmt_mb(b)}")
          for step, (a, b) in rss.get("main_by_step", {}).items()),
        ("peak RSS browser (sum, all processes)", _fmt_mb(rss["browser_total"])),
        ("  browser first third / last third",
         f"{_fmt_mb(rss['browser_first_third'])} / {_fmt_mb(rss['browser_last_third'])}"),
        ("rendered pages", str(r.rendered)),
        ("avg page bytes (200s)", f"{r.avg_page_bytes:.0f}"),
        ("CrawlRequest bytes on the wire", f"{r.request_bytes:.0f}"),
        ("CrawlRequest bytes in broker log", f"{r.request_broker_bytes:.0f}"
         if r.request_broker_bytes else "-"),
        ("LinkCheck JSON bytes (landing)", f"{r.check_json_bytes:.0f}" if r.check_json_bytes
         else "-"),
        ("LinkCheck bytes in broker log", f"{r.check_broker_bytes:.0f}" if r.check_broker_bytes
         else "-"),
        ("Parquet bytes per check (lake)", f"{r.parquet_bytes:.0f}"),
        ("DuckDB file bytes per check", f"{r.duckdb_bytes:.0f}"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        typer.echo(f"  {key:<{width}}  {value}")
    if r.checked < r.requested:
        typer.echo(f"  INCOMPLETE: {r.checked} of {r.requested} requests have a check; "
                   "the figures above do not describe a finished run")


@bench_app.command("scale")
def bench_scale(
    links: int = typer.Option(100_000, help="Links to verify (filler pages)."),
    modes: str = typer.Option("embedded,kafka", help="Comma-separated: embedded, kafka."),
    workers: int = typer.Option(2, help="Crawl workers in Kafka mode."),
    render_js: bool = typer.Option(False, "--render-js",
                                   help="Render a fraction of the pages in Chromium."),
    render_fraction: float = typer.Option(0.1, help="With --render-js: share rendered."),
    pages_per_host: int = typer.Option(20, help="Filler articles per site."),
    concurrency: int = typer.Option(32, help="CONCURRENT_REQUESTS per crawl process."),
    per_domain: int = typer.Option(2, help="CONCURRENT_REQUESTS_PER_DOMAIN (politeness)."),
    kafka_port: int = typer.Option(BENCH_KAFKA_PORT, help="Bench broker port (and port+1)."),
    kafka_heap: str = typer.Option("512m", help="Bench broker JVM heap."),
) -> None:
    """A nightly verification of N links over the sandbox web in each mode: throughput, step
    times, peak RSS per process and record sizes; the last line holds the key figures."""
    import logging

    from flows.imports import import_file
    from linkvet.sandbox import SandboxWeb, write_ahrefs_export
    from linkvet.settings import load_settings

    logging.getLogger("kafka").setLevel(logging.WARNING)
    chosen = [m.strip() for m in modes.split(",") if m.strip()]
    if not chosen or set(chosen) - {"embedded", "kafka"}:
        raise typer.BadParameter("--modes takes embedded and/or kafka")
    hosts = max(1, math.ceil(links / pages_per_host))
    load0 = os.getloadavg()
    results: list[ModeResult] = []
    with tempfile.TemporaryDirectory(prefix="linkvet-bench-scale-") as tmp:
        work = Path(tmp)
        web = SandboxWeb(filler_hosts=hosts, pages_per_host=pages_per_host)
        base_dir = work / "base"
        base_dir.mkdir()
        started = time.monotonic()
        export = work / "ahrefs-backlinks.csv"
        rows = write_ahrefs_export(web, export)
        host_map = work / "hostmap.json"
        web.write_host_map(host_map)
        export_s = time.monotonic() - started
        started = time.monotonic()
        counts = import_file(base_dir / "linkvet.duckdb", base_dir, export, "ahrefs",
                             web.target_host)
        import_s = time.monotonic() - started
        console.print(f"{rows} export rows on {hosts} filler hosts x {pages_per_host} pages "
                      f"(+ named archetypes): export {export_s:.1f}s, import {import_s:.1f}s "
                      f"({counts.imported} imported)")
        server, proxy = start_sandbox(work, hosts, pages_per_host)
        try:
            for mode in chosen:
                data = work / mode
                data.mkdir()
                shutil.copy(base_dir / "linkvet.duckdb", data / "linkvet.duckdb")
                settings = load_settings(
                    data_dir=data, proxy=proxy, host_map=host_map, allow_hosts=["*.example"],
                    autothrottle=False, render="auto" if render_js else "never",
                    concurrent_requests=concurrency, concurrent_per_domain=per_domain)
                result = ModeResult(mode, links, workers=workers if mode == "kafka" else 1)
                result.steps["import"] = import_s
                broker: BenchBroker | None = None
                if mode == "kafka":
                    broker = BenchBroker(work / "kafka", kafka_port, kafka_heap)
                sampler = RssSampler(broker_pid=broker.pid if broker else lambda: None).start()
                try:
                    if broker is not None:
                        console.print(f"{mode}: starting the bench broker on {broker.bootstrap}")
                        broker.start()
                        run_kafka(settings, result, render_fraction if render_js else 0.0,
                                  broker, workers, work, sampler.now)
                    else:
                        run_embedded(settings, result, render_fraction if render_js else 0.0,
                                     sampler.now)
                finally:
                    sampler.stop()
                    if broker is not None:
                        broker.stop()
                result.rss.update(_rss_summary(sampler, result.window))
                result.rss["main_by_step"] = _main_by_step(sampler, result)
                results.append(result)
                print_result(result)
        finally:
            server.terminate()
            server.wait(10)
    load1 = os.getloadavg()
    typer.echo(f"\nmachine: {os.cpu_count()} cores; load average before {load0[0]:.2f}, "
               f"after {load1[0]:.2f} (1 min)")
    parts = [f"links={links}"]
    for r in results:
        crawl_peak = max(r.rss["crawl"], default=0)
        parts.append(
            ("INCOMPLETE " if r.checked < r.requested else "")
            + f"{r.mode}: {r.pages_per_second:.1f} pages/s "
            f"({'/'.join(f'{x:.1f}' for x in r.pages_per_worker)} per worker), "
            f"e2e {r.end_to_end:.0f}s, crawl RSS {crawl_peak / MB:.0f} MB"
            + (f", browser RSS {r.rss['browser_first_third'] / MB:.0f}->"
               f"{r.rss['browser_last_third'] / MB:.0f} MB" if render_js else ""))
    typer.echo("RESULT " + "; ".join(parts))
