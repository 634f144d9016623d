"""``linkvet bench crawl``: the verify spider against a bare Scrapy spider, same pages, one run.

The sandbox web serves N static filler pages from its own process (pinned to the second core
when there is one); each crawl runs in its own child process pinned to the first core, with the
same Scrapy settings and middlewares. The bare spider only extracts hrefs; the verify spider
does its full work (facts, outcome, records to landing files). Rounds alternate bare/verify;
the best round of each counts. Each crawl reports pages per wall second and pages per CPU
second of its process while the spider is open; the last line, ``ratio=<verify/bare>``, is the
ratio of pages per CPU second (on a shared machine, others' load stretches wall time, not the
work per page), with the wall-clock ratio printed just before it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import typer

from linkvet.cli.app import bench_app, console


def _first_cpu() -> int | None:
    """The core crawls are pinned to (``None`` on a single-core machine: nothing to pin)."""
    cpus = sorted(os.sched_getaffinity(0))
    return cpus[0] if len(cpus) > 1 else None


def _pin_to_other_core() -> Any:
    """``preexec_fn`` moving the sandbox server off the crawls' core."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return lambda: os.sched_setaffinity(0, set(cpus[1:]))


def start_sandbox(work: Path, hosts: int, pages: int) -> tuple[subprocess.Popen[bytes], str]:
    port_file = work / "sandbox.port"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "linkvet.sandbox",
            "serve",
            "--hosts",
            str(hosts),
            "--pages",
            str(pages),
            "--port-file",
            str(port_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_pin_to_other_core(),
    )
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text().strip():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the sandbox server did not start")
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port_file.read_text().strip()}"


def write_filler_requests(path: Path, hosts: int, pages: int, limit: int) -> int:
    from itertools import islice

    from flows.verify import write_requests
    from linkvet.ids import link_id
    from linkvet.sandbox import SandboxWeb

    web = SandboxWeb(filler_hosts=hosts, pages_per_host=pages)
    named = {p.url for p in web.named_pages()}
    filler = (p for p in web.referring_pages() if p.url not in named)
    n = write_requests(
        path,
        "bench",
        ((link_id(p.url, p.target), p.url, p.target) for p in islice(filler, limit)),
        "never",
    )
    web.write_host_map(path.with_name("hostmap.json"))
    return n


def crawl_once(spider: str, settings: Any, requests: Path, work: Path,
               round_no: int) -> tuple[float, float]:
    """``(pages per wall second, pages per CPU second)`` of one crawl."""
    from flows.crawl import run_crawl

    extra: dict[str, Any] = {"LOG_LEVEL": "WARNING"}
    if spider == "bare":
        # Its items are plain dicts: no record pipelines (they would drop them).
        extra["ITEM_PIPELINES"] = {}
    run_dir = work / f"{spider}-{round_no}"
    stats = run_crawl(settings, requests=requests,
                      landing=run_dir / "landing" if spider == "verify" else None,
                      work_dir=run_dir, scrapy_extra=extra, spider=spider, cpu=_first_cpu())
    items = int(stats.get("item_scraped_count", 0))
    elapsed = float(stats["elapsed_time_seconds"])
    cpu = float(stats["linkvet/cpu_seconds"])
    return items / elapsed, items / cpu


@bench_app.command("crawl")
def bench_crawl(
    pages: int = typer.Option(3000, help="Static sandbox pages to crawl."),
    rounds: int = typer.Option(2, help="Rounds of (bare, verify); the best of each counts."),
    concurrency: int = typer.Option(32, help="CONCURRENT_REQUESTS for both spiders."),
) -> None:
    """Verify spider vs a bare Scrapy spider over the same static pages; prints ratio last."""
    from linkvet.settings import load_settings

    hosts = max(1, pages // 10)
    with tempfile.TemporaryDirectory(prefix="linkvet-bench-crawl-") as tmp:
        work = Path(tmp)
        requests = work / "requests.jsonl"
        n = write_filler_requests(requests, hosts, 10, pages)
        server, proxy = start_sandbox(work, hosts, 10)
        try:
            settings = load_settings(
                data_dir=work,
                proxy=proxy,
                host_map=work / "hostmap.json",
                allow_hosts=["*.example"],
                autothrottle=False,
                render="never",
                concurrent_requests=concurrency,
                concurrent_per_domain=4,
                retry_times=0,
            )
            console.print(
                f"{n} pages on {hosts} hosts, proxy {proxy}, "
                f"{concurrency} concurrent requests, {rounds} round(s)"
            )
            wall: dict[str, float] = {"bare": 0.0, "verify": 0.0}
            cpu: dict[str, float] = {"bare": 0.0, "verify": 0.0}
            for r in range(rounds):
                for spider in ("bare", "verify"):
                    per_wall, per_cpu = crawl_once(spider, settings, requests, work, r)
                    wall[spider] = max(wall[spider], per_wall)
                    cpu[spider] = max(cpu[spider], per_cpu)
                    typer.echo(f"round {r + 1}: {spider:6s} {per_wall:8.1f} pages/s "
                               f"({per_cpu:.1f} pages per CPU second)")
        finally:
            server.terminate()
            server.wait(10)
    for spider in ("bare", "verify"):
        typer.echo(f"{spider} spider: {wall[spider]:.1f} pages/s wall, {cpu[spider]:.1f} pages "
                   f"per CPU second (best of {rounds}, one core)")
    typer.echo(f"wall-clock ratio={wall['verify'] / wall['bare']:.3f} (noisy on a shared machine)")
    # The ratio compares throughput per CPU second of the pinned crawl process: other load on a
    # shared machine stretches wall time but not the work each spider does per page.
    typer.echo(f"ratio={cpu['verify'] / cpu['bare']:.3f}")
