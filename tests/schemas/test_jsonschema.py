"""The shipped JSON Schema files: current with the models, and valid for what goes on Kafka."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from kafka import KafkaProducer

from linkvet.cli.kafka import synthetic_check
from linkvet.kafka_config import encode
from schemas.jsonschema import load_schema, stale_files, write_schema_files
from schemas.records import SCHEMA_VERSION


def test_shipped_files_match_the_models() -> None:
    assert stale_files() == []


def test_stale_files_are_found_and_rewritten(tmp_path: Path) -> None:
    write_schema_files(tmp_path)
    (tmp_path / "LinkCheck.json").write_text("{}", encoding="utf-8")
    (tmp_path / "Gone.json").write_text("{}", encoding="utf-8")
    assert stale_files(tmp_path) == [tmp_path / "LinkCheck.json", tmp_path / "Gone.json"]
    assert write_schema_files(tmp_path) == [tmp_path / "LinkCheck.json", tmp_path / "Gone.json"]
    assert stale_files(tmp_path) == []


def test_schema_rejects_what_the_model_rejects() -> None:
    validator = jsonschema.Draft202012Validator(load_schema("LinkCheck"))
    good = json.loads(synthetic_check(3, "r").model_dump_json())
    assert list(validator.iter_errors(good)) == []
    bad = {**good, "outcome": "fine", "extra": 1}
    assert sorted(e.validator for e in validator.iter_errors(bad)) == [
        "additionalProperties", "enum"]


@pytest.mark.kafka
def test_kcat_reads_keys_headers_and_schema_valid_values(
        kafka_bootstrap: str, kafka_topic_factory: object) -> None:
    topic = kafka_topic_factory(partitions=2)  # type: ignore[operator]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    checks = [synthetic_check(i, "kcat") for i in range(5)]
    for check in checks:
        value, headers = encode(check)
        producer.send(topic, value=value, key=check.link_id.encode(), headers=headers)
    producer.flush()
    producer.close()
    out = subprocess.run(["kcat", "-C", "-b", kafka_bootstrap, "-t", topic, "-e", "-J",
                          "-q"], capture_output=True, text=True, timeout=60, check=True).stdout
    messages = [json.loads(line) for line in out.splitlines() if line.strip()]
    validator = jsonschema.Draft202012Validator(
        load_schema("LinkCheck"), format_checker=jsonschema.FormatChecker())
    assert sorted(m["key"] for m in messages) == sorted(c.link_id for c in checks)
    for m in messages:
        assert m["headers"] == ["schema", "LinkCheck", "schema-version", SCHEMA_VERSION]
        assert list(validator.iter_errors(json.loads(m["payload"]))) == []
