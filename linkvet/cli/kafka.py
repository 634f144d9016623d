"""Kafka mode from the command line: ``worker``, ``ingest``, ``topics``, ``schemas`` and
``bench kafka``. Heavy imports (kafka, scrapy, duckdb, flows) happen inside the commands."""

from __future__ import annotations

import gc
import json
import os
import random
import signal
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer

from linkvet.cli.app import app, bench_app, console
from linkvet.ids import check_id, link_id, request_id
from linkvet.settings import Settings, load_settings

REPO_DIR = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO_DIR / "infra" / "kafka" / "kafka.sh"
BENCH_PORT = 19392


# ------------------------------------------------------------------ realistic records
_WORDS = (
    "garden", "tools", "review", "best", "guide", "cheap", "quality", "steel", "handle",
    "spring", "offer", "local", "shop", "how", "to", "choose", "compare", "price", "winter",
    "care", "expert", "tips", "café", "naïve", "déjà-vu",
)
_PLACEMENTS = ("content", "content", "content", "footer", "sidebar", "navigation", "comments")
_OUTCOMES = ("live", "live", "live", "live", "link_removed", "page_not_found", "noindex",
             "redirected_away", "canonicalised_away", "transient_failure")


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def synthetic_check(i: int, run_id: str, rng: random.Random | None = None) -> Any:
    """A LinkCheck shaped like the verify spider's (~1-2 KB of JSON), deterministic in ``i``."""
    from schemas.records import FetchFacts, LinkCheck, LinkOccurrence, PageFacts, RedirectHop

    rng = rng or random.Random(i)
    host = f"site{i % 5000:04d}.example"
    source = f"https://{host}/articles/{i}/{_words(rng, 3).replace(' ', '-')}"
    target = "https://target.example/products/garden-shears"
    link = link_id(source, target)
    req = request_id(run_id, link)
    outcome = _OUTCOMES[i % len(_OUTCOMES)]
    n_links = 0 if outcome != "live" else 1 + (i % 7 == 0)
    links = [
        LinkOccurrence(
            href="/go/shears" if k else target, url=target, match="exact",
            anchor_text=_words(rng, 4), anchor_kind="text" if (i + k) % 9 else "image",
            image_alt=None if (i + k) % 9 else _words(rng, 3),
            rel=["nofollow"] if (i + k) % 5 == 0 else [],
            follow=(i + k) % 5 != 0, follow_cause="rel" if (i + k) % 5 == 0 else "default",
            placement=_PLACEMENTS[(i + k) % len(_PLACEMENTS)],
            dom_path=f"html>body>main>article>p:nth-of-type({1 + k})>a",
            hidden=(i + k) % 31 == 0, hidden_reason="display:none" if (i + k) % 31 == 0 else None,
            text_before=_words(rng, 18), text_after=_words(rng, 18),
            link_density=round(rng.random() / 10, 4),
        )
        for k in range(n_links)
    ]
    checked = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(seconds=i * 7.3)
    return LinkCheck(
        check_id=check_id(req), request_id=req, run_id=run_id, link_id=link,
        source_url=source, target=target, checked_at=checked,
        outcome=outcome,
        fetch=FetchFacts(
            status=404 if outcome == "page_not_found" else 200, final_url=source,
            redirects=[RedirectHop(url=source.replace("https:", "http:"), status=301)]
            if i % 4 == 0 else [],
            elapsed_ms=round(rng.uniform(20, 900), 1), bytes=rng.randint(8_000, 200_000),
            content_type="text/html; charset=utf-8", rendered=i % 13 == 0,
            render_reason="link_not_in_static_html" if i % 13 == 0 else None,
            robots_allowed=True, server_ip=f"10.{i % 200}.{i % 250}.{i % 240 + 1}",
            error_kind="timeout" if outcome == "transient_failure" else None,
            error="download timed out after 20s" if outcome == "transient_failure" else None,
        ),
        page=PageFacts(
            title=_words(rng, 7).title(), language="en", canonical=source,
            canonical_is_self=True, meta_robots=["noindex"] if outcome == "noindex" else [],
            noindex=outcome == "noindex", word_count=rng.randint(200, 3000),
            outbound_links=rng.randint(5, 80), outbound_domains=rng.randint(2, 30),
            internal_links=rng.randint(10, 120), text_fingerprint=f"{rng.getrandbits(64):016x}",
            outbound_hosts=[f"ref{rng.randint(0, 999)}.example" for _ in range(6)],
        ),
        links=links,
    )


# ------------------------------------------------------------------ commands
def _kafka_settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    settings = load_settings(**({"data_dir": data_dir} if data_dir else {}), **overrides)
    if not settings.kafka_mode:
        console.print("[red]LINKVET_KAFKA_BOOTSTRAP_SERVERS is not set[/]: Kafka mode needs a "
                      "broker (infra/kafka/kafka.sh start, then export "
                      "LINKVET_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092)")
        raise typer.Exit(2)
    return settings


WORKER_BOOTSTRAP_TIMEOUT_MS = 15_000


@app.command()
def worker(
    exit_when_idle: float = typer.Option(
        0.0, "--exit-when-idle", metavar="SECONDS",
        help="Stop after this long without a crawl request (0: run until SIGTERM)."),
    max_in_flight: int = typer.Option(
        0, help="Requests held at once (default: twice LINKVET_CONCURRENT_REQUESTS)."),
    stats_out: Path | None = typer.Option(None, help="Write the crawl stats here as JSON."),
    client_id: str = typer.Option("", help="Kafka client id (default linkvet-worker-<pid>)."),
) -> None:
    """Crawl worker: verify crawl requests from Kafka and publish the checks (one process of
    the consumer group; run as many as you like). SIGTERM drains, commits and exits."""
    settings = _kafka_settings()
    import logging

    from flows.topics import admin_client
    from spiders.run import run

    # Fail fast, with one message, when the broker cannot be reached (the crawl would log its
    # producer's and consumer's retries for half a minute and end as if it had run).
    admin_client(settings, client_id="linkvet-worker-check",
                 bootstrap_timeout_ms=WORKER_BOOTSTRAP_TIMEOUT_MS).close()

    logging.getLogger("kafka").setLevel(logging.WARNING)

    extra: dict[str, Any] = {"LINKVET_KAFKA_EXIT_WHEN_IDLE": exit_when_idle}
    if max_in_flight:
        extra["LINKVET_KAFKA_MAX_IN_FLIGHT"] = max_in_flight
    if client_id:
        extra["LINKVET_KAFKA_CLIENT_ID"] = client_id
    stats = run(settings, requests=None, landing=None, kafka=True, extra=extra)
    if stats_out:
        stats_out.write_text(json.dumps(stats, indent=1, default=str), encoding="utf-8")
    failed = stats.get("linkvet/kafka/source_error")
    if not failed and "start_time" not in stats:
        failed = "the crawl did not start (see the log above)"
    if failed:
        # the worker never consumed: exit non-zero, so a supervisor sees it and restarts it
        from linkvet.errors import ConfigError, TransientError

        error = ConfigError if stats.get("linkvet/kafka/source_error_terminal") \
            else TransientError
        raise error(f"the worker could not consume crawl requests: {failed}")
    console.print(f"worker done: {stats.get('linkvet/kafka/requests', 0)} request(s), "
                  f"{stats.get('linkvet/kafka/delivered', 0)} check(s) delivered, "
                  f"{stats.get('linkvet/kafka/delivery_failed', 0)} failed")


@app.command()
def ingest(
    max_batches: int | None = typer.Option(None, help="Stop after this many batches."),
    idle_timeout: float = typer.Option(
        0.0, metavar="SECONDS", help="Stop after this long without a record (0: run until "
        "SIGTERM)."),
    data_dir: Path | None = typer.Option(None, help="Data folder (default from settings)."),
) -> None:
    """Long-running ingest: link checks from Kafka into DuckDB and the Parquet lake, offsets
    committed after each stored batch. SIGTERM finishes the current batch and exits."""
    settings = _kafka_settings(data_dir)
    from flows.kafka_ingest import IngestStats, ingest_kafka

    stopping = {"flag": False}

    def _stop(signum: int, _frame: Any) -> None:
        console.print(f"signal {signum}: finishing the current batch")
        stopping["flag"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    def _report(stats: IngestStats) -> None:
        console.print(f"batch {stats.batches}: {stats.received} received, {stats.inserted} "
                      f"stored, {stats.duplicates} duplicate(s), {stats.dead_lettered} "
                      "dead-lettered", highlight=False)

    stats = ingest_kafka(settings, max_batches=max_batches, idle_timeout_s=idle_timeout,
                         on_batch=_report, should_stop=lambda: stopping["flag"])
    console.print_json(data=stats.as_dict())


@app.command()
def topics() -> None:
    """Create the Kafka topics (idempotent) and show partitions and consumer lag."""
    settings = _kafka_settings()
    from flows.topics import ensure_topics, group_lag

    for state in ensure_topics(settings):
        console.print(f"{state.name}: {state.partitions} partition(s)"
                      f"{' (created)' if state.created else ''}")
    for group, topic in ((settings.kafka_group_workers, settings.kafka_topic_requests),
                         (settings.kafka_group_ingest, settings.kafka_topic_checks)):
        lag = group_lag(settings, group, topic)
        console.print(f"group {group} on {topic}: lag {sum(lag.values())} "
                      f"({', '.join(f'{p}:{n}' for p, n in sorted(lag.items()))})")


@app.command()
def schemas(write: bool = typer.Option(False, "--write", help="Regenerate the files.")) -> None:
    """Check (or with --write regenerate) the JSON Schema files of the record contract."""
    from schemas.jsonschema import SCHEMA_DIR, stale_files, write_schema_files

    if write:
        changed = write_schema_files()
        console.print(f"{len(changed)} file(s) written under {SCHEMA_DIR}")
        return
    stale = stale_files()
    if stale:
        console.print(f"[red]stale[/]: {', '.join(p.name for p in stale)}; run "
                      "`linkvet schemas --write`")
        raise typer.Exit(1)
    console.print(f"JSON Schema files under {SCHEMA_DIR} are up to date")


# ------------------------------------------------------------------ bench
def _kafka_sh(command: str, port: int, data: Path) -> None:
    env = {**os.environ, "LINKVET_KAFKA_PORT": str(port),
           "LINKVET_KAFKA_CONTROLLER_PORT": str(port + 1), "LINKVET_KAFKA_DATA": str(data)}
    proc = subprocess.run([str(KAFKA_SH), command], env=env, capture_output=True, text=True,
                          check=False, timeout=600)
    if proc.returncode != 0:
        console.print(proc.stderr + proc.stdout)
        raise typer.Exit(1)


def _kafka_classpath() -> str:
    return subprocess.run([str(KAFKA_SH), "classpath"], capture_output=True, text=True,
                          check=True, timeout=600).stdout.strip()


def _producer_performance(settings: Settings, topic: str, records: int, payloads: Path,
                          compression: str) -> float:
    """Kafka's own producer performance tool; returns its records/s."""
    from linkvet.kafka_config import PRODUCER_BATCH_BYTES, PRODUCER_LINGER_MS

    assert settings.kafka_bootstrap_servers
    cmd = ["java", "-Xmx512m", "-cp", _kafka_classpath(),
           "org.apache.kafka.tools.ProducerPerformance",
           "--bootstrap-server", settings.kafka_bootstrap_servers,
           "--topic", topic, "--num-records", str(records), "--throughput", "-1",
           "--payload-file", str(payloads),
           "--command-property", "acks=all", "enable.idempotence=true",
           f"compression.type={compression}", f"linger.ms={PRODUCER_LINGER_MS}",
           f"batch.size={PRODUCER_BATCH_BYTES}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
    summary = [ln for ln in proc.stdout.splitlines() if "records sent" in ln]
    if proc.returncode != 0 or not summary:
        console.print(proc.stdout[-2000:] + proc.stderr[-2000:])
        raise typer.Exit(1)
    # "200000 records sent, 123456.7 records/sec (177.9 MB/sec), ..."
    return float(summary[-1].split(",")[1].split("records/sec")[0])


@bench_app.command("kafka")
def bench_kafka(
    records: int = typer.Option(200_000, help="Records to publish and ingest."),
    compression: str = typer.Option("", help="gzip or none (default: linkvet's)."),
    ingest_batch: int = typer.Option(50_000, help="Records per ingest batch."),
    partitions: int = typer.Option(6, help="Partitions of the bench topics."),
) -> None:
    """linkvet's publishing path vs Kafka's ProducerPerformance on the same records, then the
    ingest into DuckDB. Uses LINKVET_KAFKA_BOOTSTRAP_SERVERS when set, else starts a broker."""
    import uuid

    from kafka import KafkaAdminClient
    from scrapy.settings import Settings as ScrapySettings
    from scrapy.statscollectors import MemoryStatsCollector

    from flows.kafka_ingest import ingest_kafka
    from linkvet.kafka_config import DEFAULT_COMPRESSION, client_kwargs
    from pipelines.kafka_publish import KafkaPublishPipeline

    codec = compression or DEFAULT_COMPRESSION
    if codec not in ("gzip", "none"):
        raise typer.BadParameter("compression must be gzip or none (no extras installed)")
    base = load_settings()
    work = Path(tempfile.mkdtemp(prefix="linkvet-bench-kafka-"))
    own_broker = not base.kafka_mode
    if own_broker:
        console.print(f"starting a bench broker on 127.0.0.1:{BENCH_PORT}")
        _kafka_sh("start", BENCH_PORT, work / "broker")
    tag = uuid.uuid4().hex[:8]
    try:
        settings = load_settings(
            data_dir=work / "data", kafka_partitions=partitions,
            kafka_bootstrap_servers=base.kafka_bootstrap_servers or f"127.0.0.1:{BENCH_PORT}",
            kafka_topic_checks=f"bench-{tag}.link-checks",
            kafka_topic_requests=f"bench-{tag}.crawl-requests",
            kafka_topic_dead_letter=f"bench-{tag}.dead-letter",
            kafka_group_ingest=f"bench-{tag}-ingest", ingest_batch_records=ingest_batch)
        from flows.topics import ensure_topics

        ensure_topics(settings)
        tool_topic = f"bench-{tag}.producer-performance"
        admin = KafkaAdminClient(**client_kwargs(settings, client_id="linkvet-bench"))
        admin.create_topics({tool_topic: {"num_partitions": partitions,
                                          "replication_factor": 1}}, wait_for_metadata=True)

        console.print(f"generating {records} LinkCheck records")
        run_id = f"bench-{tag}"
        items = [synthetic_check(i, run_id) for i in range(records)]
        payloads = work / "payloads.jsonl"
        with payloads.open("wb") as fh:
            for item in items[: min(records, 20_000)]:
                fh.write(item.model_dump_json().encode() + b"\n")
        avg = payloads.stat().st_size / min(records, 20_000) - 1
        # A crawl worker holds a few checks at a time, the bench holds all of them: without
        # this, the garbage collector would walk the whole pre-built set again and again
        # while the producer allocates (about 20 us per record at 60,000 records), which
        # measures the bench's heap instead of the publishing path.
        gc.collect()
        gc.freeze()

        # 1. linkvet's publishing path: the pipeline itself (serialise, key, headers, send,
        #    delivery callbacks), flushed at the end as close_spider does.
        acked = {"n": 0}

        class _Acks:
            def ack(self, _request_id: str) -> None:
                acked["n"] += 1

            def nack(self, _request_id: str, _reason: str) -> None:
                pass

        crawler: Any = type("BenchCrawler", (), {})()
        crawler.settings = ScrapySettings()
        crawler.spider = type("BenchSpider", (), {"source": _Acks()})()
        stats = MemoryStatsCollector(crawler)
        pipeline = KafkaPublishPipeline(settings, crawler, stats,
                                        compression=codec,  # type: ignore[arg-type]
                                        client_id="linkvet-bench")
        pipeline.open_spider()
        cpu_started = time.process_time()
        started = time.perf_counter()
        for item in items:
            pipeline.process_item(item)
        pipeline.close_spider()
        publish_s = time.perf_counter() - started
        publish_cpu_us = (time.process_time() - cpu_started) / records * 1e6
        failed = stats.get_value("linkvet/kafka/delivery_failed", 0)
        if acked["n"] != records or failed:
            console.print(f"[red]only {acked['n']} of {records} acknowledged, {failed} failed")
            raise typer.Exit(1)
        linkvet_rate = records / publish_s
        del items
        gc.unfreeze()
        print(f"linkvet publish: {records} records ({avg:.0f} B avg JSON, compression {codec}, "
              f"acks=all, idempotent) in {publish_s:.2f}s = {linkvet_rate:,.0f} records/s "
              f"(CPU {publish_cpu_us:.0f} us/record, wall {publish_s / records * 1e6:.0f})",
              flush=True)

        # 2. Kafka's own tool, same records, same producer settings.
        tool_rate = _producer_performance(settings, tool_topic, records, payloads, codec)
        print(f"kafka ProducerPerformance: {records} records (same payloads, acks=all, "
              f"compression {codec}) = {tool_rate:,.0f} records/s", flush=True)

        # 3. Ingest into DuckDB through the ingest path.
        started = time.perf_counter()
        result = ingest_kafka(settings, idle_timeout_s=3.0,
                              until=lambda con: _stored(con, run_id) >= records)
        ingest_s = time.perf_counter() - started
        if result.inserted != records:
            console.print(f"[red]ingest stored {result.inserted} of {records}")
            raise typer.Exit(1)
        print(f"linkvet ingest: {records} records into DuckDB + Parquet in {ingest_s:.2f}s = "
              f"{records / ingest_s:,.0f} records/s (batches of {ingest_batch}: "
              f"{result.fast_batches} fast, {result.slow_batches} per-record; store thread "
              f"{result.seconds:.2f}s: rows {result.transform_seconds:.2f}s, write "
              f"{result.write_seconds:.2f}s)", flush=True)
        admin.delete_topics([tool_topic, *(t for t in (settings.kafka_topic_checks,
                             settings.kafka_topic_requests, settings.kafka_topic_dead_letter))])
        admin.close()
        print(f"ratio={linkvet_rate / tool_rate:.3f}", flush=True)
    finally:
        if own_broker:
            _kafka_sh("stop", BENCH_PORT, work / "broker")
        import shutil

        shutil.rmtree(work, ignore_errors=True)


def _stored(con: Any, run_id: str) -> int:
    rows = con.execute("SELECT count(*) FROM link_checks WHERE run_id = ?", [run_id]).fetchall()
    return int(rows[0][0])

