"""What follows a verification run, in one place: judge, then act (state, alerts, trends,
snapshot, report).

:func:`after_verify` is shared by the ``nightly`` and ``recrawl`` flows (and the demo), so
every run that stores new facts ends with fresh scores and the same downstream steps. The run's
verification summary (counts, outcomes, hosts, tiers) is published here as markdown
``linkvet-run-summary``; the alerts table, the acting summary and the report links are
published by ``flows.act.act_after_run`` (never twice).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact

from flows.act import act_after_run
from flows.judge import JudgeConfig, judge_file
from flows.retry import BACKOFF_SECONDS, retry_if_transient
from flows.verify import RunSummary
from linkvet.judging.model import load_model
from linkvet.settings import Settings

SUMMARY_ARTIFACT_KEY = "linkvet-run-summary"


@task(
    name="judge",
    retries=3,
    retry_delay_seconds=BACKOFF_SECONDS,
    retry_condition_fn=retry_if_transient,  # a DuckDB lock held by another process
)
def judge_step(settings: Settings) -> dict[str, Any]:
    """State, signals and scores of every stored link, with the run's own settings."""
    config = JudgeConfig(
        settings.lost_after_checks, tuple(settings.brand_terms), tuple(settings.money_keywords)
    )
    return judge_file(settings.duckdb_path, config, load_model(),
                      memory_limit=settings.duckdb_memory_limit)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


@task(
    name="act",
    retries=3,
    retry_delay_seconds=BACKOFF_SECONDS,
    retry_condition_fn=retry_if_transient,
)
def act_step(settings: Settings, run_id: str) -> dict[str, Any]:
    """Daily metrics, alerts (one event each), report, snapshot; publishes its artifacts."""
    return act_after_run(settings, run_id)


def summary_markdown(summary: RunSummary, judged: Mapping[str, Any]) -> str:
    """The run summary as markdown: counts, outcomes, the busiest hosts, tiers after judging."""
    lines = [
        f"# linkvet run `{summary.run_id}` ({summary.mode})",
        "",
        "| requested | checked | live | lost | unknown |",
        "| ---: | ---: | ---: | ---: | ---: |",
        f"| {summary.requested} | {summary.checked} | {summary.live} | {summary.lost} "
        f"| {summary.unknown} |",
        "",
    ]
    if summary.outcomes:
        lines += ["## Outcomes", "", "| outcome | links |", "| --- | ---: |"]
        lines += [f"| {_cell(k)} | {v} |" for k, v in sorted(summary.outcomes.items())]
        lines.append("")
    if summary.by_domain:
        lines += ["## Linking hosts (top 20)", "", "| host | checked | live | lost |",
                  "| --- | ---: | ---: | ---: |"]
        lines += [
            f"| {_cell(d['host'])} | {d['checked']} | {d['live']} | {d['lost']} |"
            for d in summary.by_domain[:20]
        ]
        lines.append("")
    tiers = judged.get("tiers") or {}
    lines += [
        "## Judging",
        "",
        f"{judged.get('links', 0)} links judged with model `{judged.get('model_version', '?')}`;"
        f" {judged.get('toxic', 0)} toxic.",
        "",
    ]
    if tiers:
        lines += ["| tier | links |", "| --- | ---: |"]
        lines += [f"| {_cell(k)} | {v} |" for k, v in sorted(tiers.items(), key=str)]
        lines.append("")
    lines.append(f"DuckDB: `{summary.duckdb_path}` — lake: `{summary.lake_dir}`")
    return "\n".join(lines) + "\n"


@task(name="publish-summary")
def publish_summary(markdown: str, run_id: str) -> None:
    create_markdown_artifact(
        markdown=markdown, key=SUMMARY_ARTIFACT_KEY, description=f"linkvet run {run_id}"
    )


def after_verify(settings: Settings, summary: RunSummary) -> dict[str, Any]:
    """Judge every stored link, then act on the run (alerts, trends, snapshot, report), then
    publish the run's summary artifact. Call from inside a flow; returns
    ``{"judge": ..., "act": ...}``."""
    judged = judge_step(settings)
    acted = act_step(settings, summary.run_id)
    publish_summary(summary_markdown(summary, judged), summary.run_id)
    return {"judge": judged, "act": acted}
