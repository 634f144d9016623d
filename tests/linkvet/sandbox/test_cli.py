from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from linkvet.cli.app import sandbox_app
from linkvet.cli.sandbox import export, hostmap  # noqa: F401  (registers the commands)

ROOT = Path(__file__).resolve().parents[3]


def test_export_and_hostmap_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "links.csv"
    result = runner.invoke(sandbox_app, ["export", str(out), "--hosts", "3", "--pages", "2"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + 44 + 6
    hosts = tmp_path / "hosts.json"
    result = runner.invoke(sandbox_app, ["hostmap", str(hosts), "--hosts", "3"])
    assert result.exit_code == 0, result.output
    mapping = json.loads(hosts.read_text())
    assert mapping["trailrunnerhub.example"] == "198.51.100.10"
    assert len(mapping) == len(set(mapping)) == 31 + 3


def test_module_serves_in_its_own_process(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkvet.sandbox", "serve", "--hosts", "2", "--port-file",
         str(port_file)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("PROXY http://127.0.0.1:")
        proxy = line.split()[1]
        assert port_file.read_text().strip() == proxy.rsplit(":", 1)[1]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
        with opener.open("http://alpinerunner-0.example/robots.txt", timeout=10) as response:
            assert response.read() == b"User-agent: *\nDisallow:\n"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
