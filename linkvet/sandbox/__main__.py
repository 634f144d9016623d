"""``python -m linkvet.sandbox``: serve, export or map the sandbox web without the full CLI
(benchmarks run the proxy in its own process this way).

``serve`` writes ``PROXY http://127.0.0.1:<port>`` on stdout once listening (and the port to
``--port-file`` when given), then serves until interrupted or terminated.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from linkvet.sandbox.export import write_ahrefs_export
from linkvet.sandbox.loadtest import filler_urls, run_load
from linkvet.sandbox.server import SandboxServer
from linkvet.sandbox.web import SandboxWeb


def _web(args: argparse.Namespace) -> SandboxWeb:
    return SandboxWeb(seed=args.seed, filler_hosts=args.hosts, pages_per_host=args.pages,
                      slow_delay=getattr(args, "slow_delay", 2.0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m linkvet.sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the proxy until interrupted")
    serve.add_argument("--bind", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--slow-delay", type=float, default=2.0)
    serve.add_argument("--port-file", type=Path)
    export = sub.add_parser("export", help="write the Ahrefs-style backlink CSV")
    export.add_argument("out", type=Path)
    hostmap = sub.add_parser("hostmap", help="write the host -> IPv4 map as JSON")
    hostmap.add_argument("out", type=Path)
    bench = sub.add_parser("bench", help="load a running proxy with filler page requests")
    bench.add_argument("--proxy", required=True, help="e.g. http://127.0.0.1:8899")
    bench.add_argument("--threads", type=int, default=4)
    bench.add_argument("--seconds", type=float, default=5.0)
    for command in (serve, export, hostmap, bench):
        command.add_argument("--seed", type=int, default=0)
        command.add_argument("--hosts", type=int, default=0, help="filler hosts")
        command.add_argument("--pages", type=int, default=1, help="pages per filler host")
    args = parser.parse_args(argv)
    web = _web(args)
    if args.command == "export":
        rows = write_ahrefs_export(web, args.out)
        sys.stdout.write(f"{rows} rows -> {args.out}\n")
        return 0
    if args.command == "hostmap":
        hosts = web.write_host_map(args.out)
        sys.stdout.write(f"{hosts} hosts -> {args.out}\n")
        return 0
    if args.command == "bench":
        result = run_load(args.proxy, filler_urls(web), threads=args.threads,
                          seconds=args.seconds)
        sys.stdout.write(f"{result.requests} requests, {result.errors} errors in "
                         f"{result.seconds:.1f} s: {result.per_second:.0f} req/s\n")
        return 0
    server = SandboxServer(web, host=args.bind, port=args.port).start()
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    if args.port_file:
        args.port_file.write_text(f"{server.port}\n", encoding="utf-8")
    sys.stdout.write(f"PROXY {server.proxy_url}\n")
    sys.stdout.flush()
    try:
        while server._thread is not None and server._thread.is_alive():
            server._thread.join(timeout=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
