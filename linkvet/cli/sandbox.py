"""``linkvet sandbox ...``: run the sandbox web as a proxy, write its backlink export and its
host map."""

from __future__ import annotations

from pathlib import Path

import typer

from linkvet.cli.app import console, sandbox_app

_SEED = typer.Option(0, "--seed", help="Generation seed (same seed, same bytes).")
_HOSTS = typer.Option(0, "--hosts", min=0, help="Filler hosts added for scale.")
_PAGES = typer.Option(1, "--pages", min=1, help="Pages per filler host.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@sandbox_app.command("serve")
def serve(
    port: int = typer.Option(0, "--port", min=0, max=65535, help="0 picks a free port."),
    bind: str = typer.Option("127.0.0.1", "--bind", help="Address to listen on."),
    hosts: int = _HOSTS,
    pages: int = _PAGES,
    seed: int = _SEED,
    slow_delay: float = typer.Option(2.0, "--slow-delay", min=0.0,
                                     help="Seconds the slow page waits before answering."),
) -> None:
    """Serve the sandbox web as an HTTP forward proxy until Ctrl-C (or SIGTERM)."""
    import signal
    import time

    from linkvet.sandbox import SandboxServer, SandboxWeb

    web = SandboxWeb(seed=seed, filler_hosts=hosts, pages_per_host=pages, slow_delay=slow_delay)
    server = SandboxServer(web, host=bind, port=port)
    signal.signal(signal.SIGTERM, _interrupt)
    server.start()
    console.print(f"sandbox web: {web.page_count()} referring pages; target "
                  f"{web.target_home}")
    console.print(f"proxy: [bold]{server.proxy_url}[/bold]  (Ctrl-C to stop)")
    typer.echo(server.proxy_url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        server.stop()


@sandbox_app.command("export")
def export(
    out: Path = typer.Argument(..., help="CSV file to write."),
    hosts: int = _HOSTS,
    pages: int = _PAGES,
    seed: int = _SEED,
) -> None:
    """Write the target's backlinks as an Ahrefs backlinks CSV (UTF-8, comma)."""
    from linkvet.sandbox import SandboxWeb, write_ahrefs_export

    web = SandboxWeb(seed=seed, filler_hosts=hosts, pages_per_host=pages)
    with console.status(f"writing {web.page_count()} rows"):
        rows = write_ahrefs_export(web, out)
    console.print(f"{rows} rows -> {out}")


@sandbox_app.command("hostmap")
def hostmap(
    out: Path = typer.Argument(..., help="JSON file to write."),
    hosts: int = _HOSTS,
    pages: int = _PAGES,
    seed: int = _SEED,
) -> None:
    """Write every sandbox host's IPv4 address as a JSON object."""
    from linkvet.sandbox import SandboxWeb

    web = SandboxWeb(seed=seed, filler_hosts=hosts, pages_per_host=pages)
    count = web.write_host_map(out)
    console.print(f"{count} hosts -> {out}")
