from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

cli = pytest.importorskip("linkvet.cli", reason="the linkvet CLI package does not import yet")
from linkvet.cli.app import app  # noqa: E402

HTML = ("<html><head><title>T</title></head><body><p>Text with a "
        "<a href='https://acme.example/x' rel='nofollow'>link</a> and "
        "<a href='/local'>local</a>.</p></body></html>")


def run(*args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(app, ["inspect", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_gzip_file_all_links_by_default(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(gzip.compress(HTML.encode()))
    rows = run(str(page), "--base-url", "https://site.example/p")
    assert [(r["url"], r["anchor_text"], r["rel"], r["follow"]) for r in rows[:-1]] == [
        ("https://acme.example/x", "link", ["nofollow"], False),
        ("https://site.example/local", "local", [], True)]
    assert all("placement" in r and "hidden" in r for r in rows[:-1])
    assert rows[-1]["page"]["title"] == "T"  # type: ignore[index]


def test_target_filters_links(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(HTML)
    rows = run(str(page), "--base-url", "https://site.example/p", "--target", "acme.example")
    assert [(r["url"], r["match"]) for r in rows[:-1]] == [("https://acme.example/x", "domain")]


@pytest.mark.parametrize(("name", "problem"), [
    ("missing.html", "does not exist"),
    ("", "is a directory, not a page"),
])
def test_a_path_that_is_not_a_page_is_refused_with_what_to_give(
        tmp_path: Path, name: str, problem: str) -> None:
    path = tmp_path / name if name else tmp_path
    result = CliRunner().invoke(app, ["inspect", str(path)])
    assert result.exit_code == 2
    assert " ".join(result.output.split()) == (
        f"{path} {problem}: give an HTML file (plain or .gz) or an http(s) URL")


@pytest.mark.parametrize(("args", "message"), [
    (["--base-url", "notaurl"], "--base-url 'notaurl' is not an absolute http(s) URL: give the "
                                "page's address, like https://blog.example/post"),
    (["--base-url", "ftp://site.example/p"], "--base-url 'ftp://site.example/p' is not an "
     "absolute http(s) URL: give the page's address, like https://blog.example/post"),
])
def test_a_base_url_that_cannot_resolve_links_is_refused(
        tmp_path: Path, args: list[str], message: str) -> None:
    page = tmp_path / "page.html"
    page.write_text(HTML)
    result = CliRunner().invoke(app, ["inspect", str(page), *args])
    assert result.exit_code == 2
    assert " ".join(result.output.split()) == message


def test_a_cut_short_gzip_file_is_refused_with_what_to_give(tmp_path: Path) -> None:
    page = tmp_path / "page.html.gz"
    page.write_bytes(gzip.compress(HTML.encode())[:30])
    result = CliRunner().invoke(app, ["inspect", str(page)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert output.startswith(f"{page} starts like a gzip file but does not decompress (")
    assert output.endswith("); give the whole .gz file, or the page as plain HTML")
