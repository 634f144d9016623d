"""``linkvet bench scale``: the render rewrite, and a tiny embedded run end to end."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkvet.cli.app import bench_app
from linkvet.cli.bench_scale import force_render
from schemas.records import CrawlRequest


def test_force_render_asks_always_for_every_nth_request(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    path.write_text("".join(
        CrawlRequest(request_id=f"r{i}", run_id="run", link_id=f"l{i}",
                     source_url=f"http://s{i}.example/", target="http://acme.example/",
                     render="never", requested_at=now).model_dump_json() + "\n"
        for i in range(20)), encoding="utf-8")
    assert force_render(path, 0.25) == 5
    renders = [CrawlRequest.model_validate_json(line).render
               for line in path.read_text(encoding="utf-8").splitlines()]
    assert [i for i, r in enumerate(renders) if r == "always"] == [3, 7, 11, 15, 19]
    assert renders.count("never") == 15


@pytest.mark.slow
def test_tiny_embedded_run_checks_every_link_and_reports() -> None:
    result = CliRunner().invoke(
        bench_app, ["scale", "--links", "200", "--pages-per-host", "10", "--modes", "embedded"])
    assert result.exit_code == 0, result.output
    # 200 filler pages + the 44 named archetype pages of the sandbox web.
    assert re.search(r"requested / checked\s+244 / 244", result.output), result.output
    final = result.output.strip().splitlines()[-1]
    assert final.startswith("RESULT links=200; embedded: ")
    assert re.search(r"crawl RSS [1-9]\d* MB", final), final
