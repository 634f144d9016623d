"""Bad settings and an unreachable broker end every command with one message that says what
to fix, and an exit code a supervisor can act on (2: fix, then run again; 75: run again
later), not a traceback; nothing is created on the way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

LINKVET = Path(sys.executable).parent / "linkvet"


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, *,
        timeout: float = 60) -> tuple[int, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINKVET_")}
    done = subprocess.run([str(LINKVET), *args], cwd=cwd, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=timeout, check=False)
    return done.returncode, " ".join((done.stdout + done.stderr).split())


@pytest.mark.parametrize(("env", "toml", "message"), [
    ({"LINKVET_CONCURRENT_REQUESTS": "abc"}, None,
     "invalid setting(s): LINKVET_CONCURRENT_REQUESTS='abc': Input should be a valid integer"),
    ({"LINKVET_RENDER": "sometimes"}, None, "LINKVET_RENDER='sometimes'"),
    ({}, "concurent_requests = 4\n", "linkvet.toml: concurent_requests is not a setting"),
    ({}, "[linkvet]\nrender = 'never'\n", "linkvet.toml: linkvet is not a setting"),
    ({}, "render = [\n", "linkvet.toml cannot be read as TOML"),
    ({}, "concurrent_requests = 'many'\n",
     "linkvet.toml: concurrent_requests = 'many': Input should be a valid integer"),
    ({"LINKVET_CONFIG": "missing.toml"}, None, "LINKVET_CONFIG='missing.toml' is not a file"),
    ({"LINKVET_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:notaport"}, None,
     "'127.0.0.1:notaport' is not host:port; write the brokers as host:port[,host:port...]"),
    ({"LINKVET_KAFKA_BOOTSTRAP_SERVERS": "kafka://broker:9092"}, None, "is not host:port"),
    ({"LINKVET_PROXY": "notaurl"}, None, "LINKVET_PROXY='notaurl': Value error, write the "
                                         "proxy as http://host:port"),
    ({"LINKVET_DATA_DIR": ""}, None, "LINKVET_DATA_DIR='': Value error, an empty data folder"),
])
def test_a_bad_setting_is_one_message_and_exit_2(tmp_path: Path, env: dict[str, str],
                                                 toml: str | None, message: str) -> None:
    if toml is not None:
        (tmp_path / "linkvet.toml").write_text(toml, encoding="utf-8")
    code, out = run(["alerts"], tmp_path, env)
    assert code == 2, out
    assert out.startswith("error: ") and message in out, out
    assert "Traceback" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == (
        ["linkvet.toml"] if toml is not None else [])  # no data folder made


@pytest.mark.timeout(120)
def test_a_worker_that_cannot_reach_kafka_fails_fast_with_exit_75(tmp_path: Path) -> None:
    code, out = run(["worker", "--exit-when-idle", "1"], tmp_path,
                    {"LINKVET_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
                     "LINKVET_DATA_DIR": str(tmp_path / "data")}, timeout=100)
    assert code == 75, out[-2000:]
    assert out.endswith("start the broker (infra/kafka/kafka.sh start) or fix "
                        "LINKVET_KAFKA_BOOTSTRAP_SERVERS"), out[-500:]
    assert "transient error (run again later): cannot reach Kafka at 127.0.0.1:1" in out


def test_verify_refuses_a_bad_limit_or_render_before_anything_runs(tmp_path: Path) -> None:
    code, out = run(["verify", "--limit", "0"], tmp_path)
    assert code == 2 and "Invalid value for '--limit'" in out
    code, out = run(["verify", "--render", "sometimes"], tmp_path)
    assert (code, out) == (2, "error: --render 'sometimes': use one of auto, never, always")
    assert list(tmp_path.iterdir()) == []


def test_messages_keep_their_brackets(tmp_path: Path) -> None:
    (tmp_path / "model.toml").write_text('version = "x"\n', encoding="utf-8")
    code, out = run(["score", "--model", "model.toml", "--data-dir", "data"], tmp_path)
    assert code == 2
    assert "it needs version, tiers.high, tiers.medium and [[rule]] tables" in out


def test_a_data_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder", encoding="utf-8")
    code, out = run(["alerts", "--data-dir", "data"], tmp_path)
    assert code == 2
    assert "the data folder data cannot be made" in out and "Traceback" not in out
    assert (tmp_path / "data").read_text(encoding="utf-8") == "not a folder"
