from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from linkvet.settings import Settings, settings_payload


def test_defaults_are_safe() -> None:
    s = Settings(_env_file=None)
    assert (s.allow_private, s.allow_hosts, s.obey_robots, s.kafka_mode) == (False, [], True, False)


def test_environment_and_toml_with_precedence(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "linkvet.toml"
    toml.write_text('data_dir = "/srv/linkvet"\nconcurrent_requests = 8\n'
                    'brand_terms = ["acme", "acme trail"]\n', encoding="utf-8")
    monkeypatch.setenv("LINKVET_CONFIG", str(toml))
    monkeypatch.setenv("LINKVET_CONCURRENT_REQUESTS", "64")
    monkeypatch.setenv("LINKVET_ALLOW_HOSTS", "*.example, intranet.corp")
    monkeypatch.setenv("LINKVET_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    s = Settings()
    assert s.data_dir == Path("/srv/linkvet")
    assert s.concurrent_requests == 64
    assert s.allow_hosts == ["*.example", "intranet.corp"]
    assert s.brand_terms == ["acme", "acme trail"]
    assert s.kafka_mode is True
    assert s.duckdb_path == Path("/srv/linkvet/linkvet.duckdb")
    assert Settings(concurrent_requests=3).concurrent_requests == 3


def test_bad_values_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValidationError, match="concurrent_requests"):
        Settings(concurrent_requests=0)
    with pytest.raises(ValidationError, match="render"):
        Settings(render="sometimes")


def test_payload_reveals_secrets_only_for_the_child_process() -> None:
    s = Settings(kafka_sasl_password="s3cret")
    assert "s3cret" not in repr(s) and "s3cret" not in s.model_dump_json()
    assert settings_payload(s)["kafka_sasl_password"] == "s3cret"
