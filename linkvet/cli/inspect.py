"""``linkvet inspect``: the facts linkvet records about one page, as JSON lines.

A local file (plain or gzip, told apart by its magic bytes) or an http(s) URL, fetched by
``linkvet.cli.fetch.fetch_for_inspect`` (the spiders' fetch path). One line per link, then
``{"page": {...}}``."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from linkvet.cli.app import app, console

_GZIP_MAGIC = b"\x1f\x8b"


class RenderChoice(StrEnum):
    auto = "auto"
    never = "never"
    always = "always"


def read_page_file(path: Path) -> bytes:
    """The HTML bytes of a local file, gunzipped when it starts with the gzip magic.

    Raises ``ValueError`` saying what to do when the gzip data is cut short or damaged."""
    data = path.read_bytes()
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(
                f"{path} starts like a gzip file but does not decompress ({exc}); give the "
                "whole .gz file, or the page as plain HTML") from exc
    return data


def _check_base_url(base_url: str) -> None:
    """A base URL must be the absolute http(s) URL of the page: links resolve against it."""
    from linkvet.urls import resolve

    if resolve("", base_url) is None:  # linkvet's one rule for "an absolute http(s) URL"
        raise ValueError(f"--base-url {base_url!r} is not an absolute http(s) URL: give the "
                         "page's address, like https://blog.example/post")


def json_lines(body: bytes, url: str, *, headers: Mapping[str, str | Sequence[str]] | None,
               target: str | None, all_links: bool) -> list[str]:
    """The output lines for one page: links (all, or those matching ``target``), then page."""
    from linkvet.facts import analyse

    every = all_links or target is None
    result = analyse(body, url, headers=headers, target=target, all_links=every)
    rows: list[dict[str, Any]]
    if every:
        rows = [link.as_json() for link in result.all_links]
    else:
        rows = [link.model_dump(mode="json") for link in result.links]
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    page = result.page.model_dump(mode="json")
    page.update(url=url, base_url=result.base_url, encoding=result.encoding,
                googlebot_noindex=result.robots.meta.googlebot_noindex
                or result.robots.header.googlebot_noindex,
                googlebot_nofollow=result.robots.meta.googlebot_nofollow
                or result.robots.header.googlebot_nofollow)
    lines.append(json.dumps({"page": page}, ensure_ascii=False))
    return lines


@app.command("inspect")
def inspect_command(
    path_or_url: str = typer.Argument(..., help="A local HTML file (plain or .gz) or an "
                                                "http(s) URL."),
    base_url: str = typer.Option(None, "--base-url", help="The page's URL, for a local file "
                                                          "(default: its file:// URL)."),
    target: str = typer.Option(None, "--target", help="Report only links to this URL or "
                                                      "domain."),
    all_links: bool = typer.Option(False, "--all-links", help="Report every http(s) link "
                                                              "(the default without --target)."),
    render: RenderChoice = typer.Option(RenderChoice.auto, "--render",
                                        help="Render with the browser: auto, never, always "
                                             "(URLs only)."),
) -> None:
    """Print the facts of one page as JSON lines: one per link, then {"page": ...}."""
    headers: Mapping[str, str | Sequence[str]] | None = None
    if path_or_url.startswith(("http://", "https://")):
        try:
            from linkvet.cli.fetch import fetch_for_inspect
        except ImportError as exc:
            console.print(f"[red]Fetching URLs is not available in this build "
                          f"({escape(str(exc))}); save the page and run: linkvet inspect FILE "
                          "--base-url URL[/red]")
            raise typer.Exit(2) from exc
        from linkvet.settings import load_settings

        fetched = fetch_for_inspect(path_or_url, load_settings(render=render.value))
        body: bytes = fetched.body
        url: str = fetched.url
        headers = fetched.headers
    else:
        path = Path(path_or_url)
        if not path.is_file():
            problem = "is a directory, not a page" if path.is_dir() else "does not exist"
            console.print(f"[red]{path} {problem}: give an HTML file (plain or .gz) or an "
                          "http(s) URL[/red]")
            raise typer.Exit(2)
        try:
            if base_url is not None:
                _check_base_url(base_url)
            body = read_page_file(path)
        except ValueError as exc:
            console.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from exc
        url = base_url or path.resolve().as_uri()
    for line in json_lines(body, url, headers=headers, target=target, all_links=all_links):
        typer.echo(line)
