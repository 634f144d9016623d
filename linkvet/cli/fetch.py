"""Fetching one page the way the verify spider does, for ``linkvet inspect URL``.

The page is fetched by a one-request crawl in a child process (the same guard, robots.txt,
redirect, render and size rules as a real run); the spider keeps the final body for the
extractor. A refused fetch exits non-zero with the reason and the setting that allows it."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import typer

from linkvet.cli.app import console
from linkvet.netpolicy import NetPolicy, literal_ip
from linkvet.settings import Settings
from linkvet.urls import domain_of, host_of


@dataclass(frozen=True)
class Fetched:
    url: str
    body: bytes
    headers: dict[str, str]
    outcome: str
    status: int | None


def _refuse_early(url: str, settings: Settings) -> None:
    """Refuse an IP-literal URL before starting a crawl (names are checked by the spider)."""
    host = host_of(url)
    ip = literal_ip(host)
    if ip is None:
        return
    policy = NetPolicy(
        allow_private=settings.allow_private, allow_hosts=tuple(settings.allow_hosts)
    )
    reason = policy.refusal(host, [ip])
    if reason:
        console.print(f"[red]{reason}[/red]")
        raise typer.Exit(3)


def fetch_for_inspect(url: str, settings: Settings) -> Fetched:
    from flows.crawl import run_crawl
    from linkvet.ids import link_id, request_id
    from schemas.records import CrawlRequest, LinkCheck

    _refuse_early(url, settings)
    with tempfile.TemporaryDirectory(prefix="linkvet-inspect-") as tmp:
        work = Path(tmp)
        target = domain_of(url) or url
        link = link_id(url, target)
        cr = CrawlRequest(
            request_id=request_id("inspect", link),
            run_id="inspect",
            link_id=link,
            source_url=url,
            target=target,
            render=settings.render,
            requested_at=datetime.now(UTC),
        )
        requests = work / "requests.jsonl"
        requests.write_text(cr.model_dump_json() + "\n", encoding="utf-8")
        run_crawl(
            settings,
            requests=requests,
            landing=work / "landing",
            work_dir=work,
            scrapy_extra={
                "LINKVET_SAVE_BODY_DIR": str(work / "bodies"),
                "LINKVET_LANDING_BATCH": 1,
            },
        )
        checks = [
            LinkCheck.model_validate_json(line)
            for f in (work / "landing").glob("*.jsonl")
            for line in f.read_bytes().splitlines()
            if line.strip()
        ]
        if not checks:
            console.print(f"[red]the crawl produced no record for {url}; see the log above[/red]")
            raise typer.Exit(4)
        check = checks[0]
        body_file = work / "bodies" / f"{cr.request_id}.body"
        if check.fetch.error_kind == "blocked_private":
            console.print(f"[red]{check.fetch.error}[/red]")
            raise typer.Exit(3)
        if not body_file.exists():
            console.print(
                f"[red]{url}: {check.outcome} ({check.fetch.error_kind or ''} "
                f"{check.fetch.error or check.fetch.status})[/red]"
            )
            raise typer.Exit(4)
        meta = json.loads((work / "bodies" / f"{cr.request_id}.json").read_text("utf-8"))
        return Fetched(
            url=meta["url"],
            body=body_file.read_bytes(),
            headers=meta["headers"],
            outcome=check.outcome,
            status=check.fetch.status,
        )
