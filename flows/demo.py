"""The end-to-end demo on the sandbox web (what ``make demo`` runs), in embedded mode.

1. start the sandbox web (a forward proxy on loopback serving ``*.example`` sites);
2. write its Ahrefs-style backlink export and import it into DuckDB;
3. verify every linking page (spider in a child process, records to landing files);
4. ingest into DuckDB and the date-partitioned Parquet lake;
5. judge (state, signals, scores) and act (alerts, daily metrics, BI views, the published
   snapshot, the HTML report), and summarise.

The demo's settings allow the sandbox's own hosts only (``*.example``); everything else keeps
linkvet's safe defaults.
"""

from __future__ import annotations

import importlib
import logging
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from prefect import flow

from flows.pipeline import after_verify
from flows.verify import RunSummary, verify_run
from linkvet.sandbox import SandboxServer, SandboxWeb, write_ahrefs_export
from linkvet.settings import Settings, load_settings

log = logging.getLogger(__name__)

SANDBOX_HOSTS = ("*.example",)


@dataclass(frozen=True)
class DemoResult:
    run: RunSummary
    imported: dict[str, Any]
    expected: dict[str, int]
    steps: dict[str, Any]


def expected_outcomes(web: SandboxWeb) -> dict[str, int]:
    return dict(Counter(page.expected.outcome for page in web.referring_pages()))


def sandbox_settings(base: Settings, server: SandboxServer, host_map: Path) -> Settings:
    return base.model_copy(
        update={
            "proxy": server.proxy_url,
            "host_map": host_map,
            "allow_hosts": sorted({*base.allow_hosts, *SANDBOX_HOSTS}),
        }
    )


def run_demo(settings: Settings, *, seed: int = 0, slow_delay: float = 1.0) -> DemoResult:
    web = SandboxWeb(seed=seed, slow_delay=slow_delay)
    sandbox_dir = settings.data_dir / "sandbox"
    sandbox_dir.mkdir(parents=True, exist_ok=True)
    export = sandbox_dir / "ahrefs-backlinks-acme.example.csv"
    write_ahrefs_export(web, export)
    host_map = sandbox_dir / "hostmap.json"
    web.write_host_map(host_map)
    imports = importlib.import_module("flows.imports")
    imported = imports.import_backlinks(
        str(export), "ahrefs", web.target_host, data_dir=str(settings.data_dir)
    )
    with SandboxServer(web) as server:
        run_settings = sandbox_settings(settings, server, host_map)
        summary = verify_run(run_settings, target=web.target_host)
    steps = after_verify(settings, summary)
    return DemoResult(
        run=summary, imported=dict(imported), expected=expected_outcomes(web), steps=steps
    )


@flow(name="demo", log_prints=True)
def demo(data_dir: str = "data", seed: int = 0) -> dict[str, Any]:
    """Run the whole pipeline once on the sandbox web and return the summary."""
    settings = load_settings(data_dir=Path(data_dir))
    return asdict(run_demo(settings, seed=seed))
