"""Commands that put linkvet under a Prefect server: ``deploy`` (work pool, crawl concurrency
limit and the deployments, for ``prefect worker start``) and ``serve-flows`` (the same
deployments served by one process, no work pool).

The deployments (schedules from the settings):

- ``nightly/nightly``: cron ``0 <nightly_cron_hour> * * *`` in ``timezone``;
- ``recrawl/recrawl``: no schedule (the UI's "Custom run" or the API);
- ``ingest-kafka/ingest``: every ``--ingest-every`` seconds, active only in Kafka mode;
- ``import-backlinks/import-backlinks``: no schedule.

The client reads ``PREFECT_API_URL`` and ``PREFECT_API_AUTH_STRING`` (``eval "$(
infra/prefect/prefect.sh env)"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from linkvet.cli.app import app, console
from linkvet.settings import Settings, load_settings

if TYPE_CHECKING:
    from prefect import Flow
    from prefect.deployments.runner import RunnerDeployment

REPO = Path(__file__).resolve().parents[2]
DEFAULT_POOL = "linkvet-pool"


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment: which flow (by entrypoint, relative to the repository) and when."""

    name: str
    entrypoint: str
    schedules: list[Any] = field(default_factory=list)
    description: str | None = None
    tags: tuple[str, ...] = ("linkvet",)
    concurrency_limit: int | None = None  # runs of this deployment at once (others queue)


def deployment_specs(settings: Settings, *, ingest_every_s: int) -> list[DeploymentSpec]:
    from prefect.schedules import Cron, Interval

    return [
        DeploymentSpec(
            "nightly",
            "flows/nightly.py:nightly",
            [Cron(f"0 {settings.nightly_cron_hour} * * *", timezone=settings.timezone)],
            concurrency_limit=1,
        ),
        DeploymentSpec("recrawl", "flows/nightly.py:recrawl"),
        DeploymentSpec(
            "ingest",
            "flows/kafka_ingest.py:ingest",
            # Without a broker the schedule stays off: it would only fail every interval.
            [Interval(ingest_every_s, active=settings.kafka_mode)],
            concurrency_limit=1,
        ),
        DeploymentSpec("import-backlinks", "flows/imports.py:import_backlinks"),
    ]


def ensure_pool_and_limit(pool: str, crawl_slots: int) -> None:
    """Create (or update) the ``process`` work pool and the crawl concurrency limit."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
        WorkPoolCreate,
    )
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    from flows.nightly import CRAWL_LIMIT

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(
                WorkPoolCreate(
                    name=pool,
                    type="process",
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                )
            )
        try:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=CRAWL_LIMIT, limit=crawl_slots)
            )
        except ObjectAlreadyExists:
            client.update_global_concurrency_limit(
                CRAWL_LIMIT, GlobalConcurrencyLimitUpdate(limit=crawl_slots, active=True)
            )


def load_flow(entrypoint: str) -> Flow[..., Any]:
    """The flow at ``entrypoint``, with this checkout as its source (workers run it from
    here: the deployment's pull step sets the working directory to the repository)."""
    from prefect import Flow

    # from_source is sync-compatible: called from sync code it returns the flow itself.
    return cast("Flow[..., Any]", Flow.from_source(source=str(REPO), entrypoint=entrypoint))


def deploy_all(settings: Settings, pool: str, *, ingest_every_s: int = 300) -> list[str]:
    """Register every deployment on ``pool``; the worker runs them from this checkout."""
    names = []
    for spec in deployment_specs(settings, ingest_every_s=ingest_every_s):
        flow = load_flow(spec.entrypoint)
        flow.deploy(
            name=spec.name,
            work_pool_name=pool,
            schedules=spec.schedules,
            description=spec.description,
            tags=list(spec.tags),
            concurrency_limit=spec.concurrency_limit,
            build=False,
            push=False,
            print_next_steps=False,
            ignore_warnings=True,
        )
        names.append(f"{flow.name}/{spec.name}")
    return names


@app.command("deploy")
def deploy_command(
    pool: str = typer.Option(DEFAULT_POOL, "--pool", help="The process work pool to use."),
    crawl_slots: int = typer.Option(
        2, "--crawl-slots", min=1, help="Concurrent crawls on all workers (limit linkvet-crawl)."
    ),
    ingest_every: int = typer.Option(
        300, "--ingest-every", min=10, help="Seconds between Kafka ingest runs."
    ),
) -> None:
    """Create the work pool, the crawl concurrency limit and linkvet's deployments on the
    Prefect server the client points at (PREFECT_API_URL)."""
    settings = load_settings()
    with console.status("registering deployments"):
        ensure_pool_and_limit(pool, crawl_slots)
        names = deploy_all(settings, pool, ingest_every_s=ingest_every)
    for name in names:
        console.print(f"deployed [bold]{name}[/bold] on {pool}")
    console.print(
        f"nightly at {settings.nightly_cron_hour:02d}:00 {settings.timezone}; "
        f"crawl slots: {crawl_slots}; Kafka ingest {'on' if settings.kafka_mode else 'off'}"
    )


@app.command("serve-flows")
def serve_flows_command(
    ingest_every: int = typer.Option(
        300, "--ingest-every", min=10, help="Seconds between Kafka ingest runs."
    ),
) -> None:
    """Serve linkvet's deployments from this one process (no work pool or worker needed);
    stops on Ctrl-C."""
    from prefect import serve

    settings = load_settings()
    deployments = [
        cast(
            "RunnerDeployment",
            load_flow(spec.entrypoint).to_deployment(
                name=spec.name, schedules=spec.schedules, tags=list(spec.tags)
            ),
        )
        for spec in deployment_specs(settings, ingest_every_s=ingest_every)
    ]
    serve(*deployments)
