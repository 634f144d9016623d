"""Kafka ingest: the SQL fast path maps records exactly as schemas.rows does, refuses what
is not canonical, and a killed ingest loses and duplicates nothing (real broker, DuckDB)."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.db import connect
from flows.kafka_ingest import fast_rows, ingest_kafka
from flows.store import checks_table, write_checks
from flows.topics import ensure_topics
from linkvet.cli.kafka import synthetic_check
from linkvet.kafka_config import encode, key_partition, murmur2, python_murmur2
from schemas.records import DeadLetter, LinkCheck, LinkOccurrence
from schemas.rows import LINK_CHECK_COLUMNS
from tests.flows.test_kafka_support import (
    LINKVET,
    kafka_settings,
    read_topic,
    send_raw,
    settings_env,
    wait_for,
)


def _varied_checks() -> list[LinkCheck]:
    checks = [synthetic_check(i, "eq") for i in range(300)]
    base = checks[0]
    occ = LinkOccurrence(href="/x", url="https://t.example/", match="domain")
    # Primary occurrence picked by every rule: hidden, follow, placement, anchor kind, order.
    checks.append(base.model_copy(update={"check_id": "c-primary", "links": [
        occ.model_copy(update={"hidden": True, "anchor_text": "hidden"}),
        occ.model_copy(update={"follow": False, "placement": "content", "anchor_text": "nf"}),
        occ.model_copy(update={"placement": "footer", "anchor_text": "footer"}),
        occ.model_copy(update={"placement": "content", "anchor_kind": "image",
                               "anchor_text": "img"}),
        occ.model_copy(update={"placement": "content", "anchor_text": "winner ✓ «»"}),
        occ.model_copy(update={"placement": "content", "anchor_text": "second"}),
    ]}))
    # A check shrunk to the record size bound: occurrences counts the omitted ones too.
    checks.append(base.model_copy(update={"check_id": "c-shrunk", "links": [occ],
                                          "links_omitted": 4_321}))
    return checks


def _stored(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    cols = ", ".join(LINK_CHECK_COLUMNS)
    rel = con.execute(f"SELECT {cols} FROM link_checks ORDER BY check_id")
    names = [d[0] for d in rel.description]
    out = {}
    for row in rel.fetchall():
        record = dict(zip(names, row, strict=True))
        record["links"] = json.loads(record["links"])  # same JSON, formatting may differ
        out[record["check_id"]] = record
    return out


def test_sql_mapping_equals_the_python_mapping(tmp_path: Path) -> None:
    checks = _varied_checks()
    values = [c.model_dump_json().encode() for c in checks]
    python_con = duckdb.connect(str(tmp_path / "py.duckdb"))
    sql_con = duckdb.connect(str(tmp_path / "sql.duckdb"))
    from schemas.ddl import ddl_script

    for con in (python_con, sql_con):
        con.execute(ddl_script())
    write_checks(python_con, tmp_path / "lake-py", checks_table(checks))
    table = fast_rows(sql_con, values)
    assert table is not None
    write_checks(sql_con, tmp_path / "lake-sql", table)
    by_python, by_sql = _stored(python_con), _stored(sql_con)
    assert len(by_sql) == len(checks)
    assert by_sql == by_python
    assert by_sql["c-primary"]["anchor_text"] == "winner ✓ «»"
    assert by_sql["c-shrunk"]["occurrences"] == 4_322


@pytest.mark.parametrize("mutate", [
    lambda d: {**d, "extra": 1},
    lambda d: {**d, "fetch": {**d["fetch"], "status": "200"}},
    lambda d: {**d, "outcome": "fine"},
    lambda d: {k: v for k, v in d.items() if k != "page"},
    lambda d: {**d, "checked_at": "yesterday"},
    lambda d: {**d, "links_omitted": -1},
])
def test_fast_path_refuses_what_is_not_canonical(mutate: Any) -> None:
    good = json.loads(synthetic_check(1, "r").model_dump_json())
    values = [json.dumps(good, separators=(",", ":"), ensure_ascii=False).encode(),
              json.dumps(mutate(good)).encode()]
    assert fast_rows(duckdb.connect(), values[:1]) is not None
    assert fast_rows(duckdb.connect(), values) is None


@pytest.mark.kafka
def test_bad_records_are_dead_lettered_and_the_rest_stored(
        kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = kafka_settings(kafka_bootstrap, tmp_path / "data")
    ensure_topics(settings)
    checks = [synthetic_check(i, "dl") for i in range(20)]
    for c in checks[:10]:
        value, headers = encode(c)
        send_raw(kafka_bootstrap, settings.kafka_topic_checks, value, c.link_id.encode(), headers)
    where = send_raw(kafka_bootstrap, settings.kafka_topic_checks, b"{not json", b"k1")
    noncanonical = json.dumps(json.loads(checks[10].model_dump_json()), indent=1).encode()
    send_raw(kafka_bootstrap, settings.kafka_topic_checks, noncanonical, b"k2")
    stats = ingest_kafka(settings, idle_timeout_s=2.0)
    assert (stats.received, stats.inserted, stats.dead_lettered) == (12, 11, 1)
    dead = read_topic(kafka_bootstrap, settings.kafka_topic_dead_letter, 1)
    assert len(dead) == 1
    letter = DeadLetter.model_validate_json(dead[0].value)
    assert base64.b64decode(letter.original) == b"{not json"
    assert (letter.topic, letter.key, (letter.partition, letter.offset)) == (
        settings.kafka_topic_checks, "k1", where)
    assert "Invalid JSON" in letter.error or "json" in letter.error.lower()
    assert dict(dead[0].headers)["schema"] == b"DeadLetter"


@pytest.mark.kafka
def test_a_bad_record_too_large_to_dead_letter_whole_keeps_its_head_and_size(
        kafka_bootstrap: str, tmp_path: Path) -> None:
    """Base64 makes a record a third larger: a bad record near the broker's limit (1 MiB by
    default) cannot be dead-lettered whole. Its first bytes and its size are, and the batch
    is stored and committed."""
    settings = kafka_settings(kafka_bootstrap, tmp_path / "data")
    ensure_topics(settings)
    good = synthetic_check(1, "big")
    value, headers = encode(good)
    send_raw(kafka_bootstrap, settings.kafka_topic_checks, value, good.link_id.encode(), headers)
    bad = b'{"schema_name":"LinkCheck","junk":"' + b"z" * 1_000_000 + b'"}'
    where = send_raw(kafka_bootstrap, settings.kafka_topic_checks, bad, b"k-big")
    stats = ingest_kafka(settings, idle_timeout_s=2.0)
    assert (stats.received, stats.inserted, stats.dead_lettered) == (2, 1, 1)
    dead = read_topic(kafka_bootstrap, settings.kafka_topic_dead_letter, 1)
    assert len(dead) == 1
    letter = DeadLetter.model_validate_json(dead[0].value)
    head = base64.b64decode(letter.original)
    assert head == bad[: len(head)] and 0 < len(head) < len(bad)
    assert letter.original_bytes == len(bad)
    assert ((letter.partition, letter.offset), letter.key) == (where, "k-big")
    # nothing is left to read: the batch's offsets were committed
    assert ingest_kafka(settings, idle_timeout_s=2.0).received == 0


@pytest.mark.kafka
def test_ingest_killed_mid_batch_then_restarted_loses_and_duplicates_nothing(
        kafka_bootstrap: str, tmp_path: Path) -> None:
    n = 6000
    settings = kafka_settings(kafka_bootstrap, tmp_path / "data", ingest_batch_records=400)
    ensure_topics(settings)
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=20)
    for i in range(n):
        value, headers = encode(synthetic_check(i, "kill"))
        producer.send(settings.kafka_topic_checks, value=value, headers=headers)
    producer.flush()
    producer.close()
    lake = settings.lake_dir / "link_checks"
    cmd = [str(LINKVET), "ingest", "--idle-timeout", "3"]
    log = (tmp_path / "ingest.log").open("wb")
    proc = subprocess.Popen(cmd, env=settings_env(settings), stdout=log, stderr=log)
    wait_for(lambda: len(list(lake.rglob("*.parquet"))) >= 3, 60, "a few stored batches")
    time.sleep(0.15)
    proc.kill()
    proc.wait(timeout=30)
    rerun = subprocess.run(cmd, env=settings_env(settings), capture_output=True, timeout=180,
                           check=False)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    con = connect(settings.duckdb_path)
    try:
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT check_id) FROM link_checks").fetchall()[0]
        lake_rows = con.execute(
            f"SELECT count(*), count(DISTINCT check_id) FROM read_parquet('{lake}/**/*.parquet')"
        ).fetchall()[0]
    finally:
        con.close()
    assert (total, distinct) == (n, n)
    assert lake_rows == (n, n)
    assert list(lake.rglob("*.tmp")) == []


def test_key_partition_is_kafkas_default_partitioning() -> None:
    from kafka.partitioner.default import DefaultPartitioner
    from kafka.partitioner.default import murmur2 as kafka_murmur2

    # Kafka's own vectors (UtilsTest.testMurmur2), as unsigned 32-bit values.
    assert murmur2(b"21") == -973932308 & 0xFFFFFFFF
    assert murmur2(b"foobar") == -790332482 & 0xFFFFFFFF
    keys = [synthetic_check(i, "p").link_id.encode() for i in range(200)]
    keys += [bytes(range(n)) for n in range(40)] + ["naïve ✓".encode()]
    for key in keys:
        assert murmur2(key) == python_murmur2(key) == kafka_murmur2(key) & 0xFFFFFFFF
    assert python_murmur2(b"21") == -973932308 & 0xFFFFFFFF
    assert murmur2.__module__ == "linkvet._cmurmur2"  # built, and the one in use

    class _Cluster:
        def __init__(self, n: int) -> None:
            self.n = n

        def topics(self) -> set[str]:
            return {"t"}

        def partitions_for_topic(self, _topic: str) -> set[int]:
            return set(range(self.n))

        available_partitions_for_topic = partitions_for_topic

    for n in (1, 6, 12):
        default = DefaultPartitioner()
        assert [key_partition(k, n) for k in keys] == [
            default.partition("t", None, k, None, None, _Cluster(n)) for k in keys]
