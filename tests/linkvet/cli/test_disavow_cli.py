"""`linkvet disavow` on the store of the simulated nights: --target is checked (it names a file
and a list that replaces the user's), a whole-site link disavows its domain, and a failed
write leaves the user's file as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.act import record_decision
from flows.db import connect
from linkvet.cli.app import app
from linkvet.settings import Settings
from tests.fixtures.volumes import small_tmpfs
from tests.flows.test_act import DAYS, SPAM, lid, run_nights, settings_for

T = datetime(2026, 10, 6, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = settings_for(tmp_path_factory.mktemp("disavow-cli"))
    run_nights(settings, DAYS)
    con = connect(settings.duckdb_path)
    try:
        record_decision(con, "domain:spam1.xyz", "disavow", "alice", "casino network", T)
        record_decision(con, lid(SPAM[2]), "disavow", "carol", "paid link", T)
    finally:
        con.close()
    return settings


def disavow(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["disavow", "--data-dir", str(settings.data_dir), *args])
    return result.exit_code, " ".join(result.output.split())


def entries(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")]


@pytest.mark.parametrize("target", ["../escaped", "acme.example/x", "", "https://"])
def test_a_target_that_names_no_domain_is_refused(store: Settings, target: str) -> None:
    code, out = disavow(store, "--target", target)
    assert code == 2
    assert "give your site's domain, as acme.example" in out
    assert not (store.data_dir / "escaped.txt").exists()
    assert not (store.data_dir / "disavow").exists()


def test_a_target_without_backlinks_writes_nothing(store: Settings) -> None:
    code, out = disavow(store, "--target", "acme.exmaple")
    assert code == 2
    assert "no backlinks to acme.exmaple in the store" in out
    assert "Targets there: acme.example" in out
    assert not (store.data_dir / "disavow").exists()


def test_a_target_given_as_a_url_names_its_domain(store: Settings) -> None:
    code, out = disavow(store, "--target", "https://www.ACME.example/")
    assert code == 0, out
    path = store.data_dir / "disavow" / "acme.example.txt"
    assert entries(path) == ["domain:spam1.xyz", "https://spam3.xyz/casino-3"]


def test_a_whole_site_link_disavows_its_domain(store: Settings, tmp_path: Path) -> None:
    con = connect(store.duckdb_path)
    try:
        con.execute("UPDATE backlinks SET metrics = MAP {'domain_level': 1.0} "
                    "WHERE link_id = $id", {"id": lid(SPAM[2])})
    finally:
        con.close()
    try:
        code, out = disavow(store, "--target", "acme.example", "--out",
                            str(tmp_path / "d.txt"))
        assert code == 0, out
        assert entries(tmp_path / "d.txt") == ["domain:spam1.xyz", "domain:spam3.xyz"]
    finally:
        con = connect(store.duckdb_path)
        try:
            con.execute("UPDATE backlinks SET metrics = NULL WHERE link_id = $id",
                        {"id": lid(SPAM[2])})
        finally:
            con.close()


@pytest.fixture
def tiny_volume(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "tiny", "64k") as mount:
        yield mount


def test_a_full_disk_leaves_the_merged_file_as_it_was(store: Settings,
                                                      tiny_volume: Path) -> None:
    mine = tiny_volume / "mine.txt"
    original = "".join(f"https://old{i}.example/page\n" for i in range(1_500)).encode()
    mine.write_bytes(original)  # 42 KB of 64: the new file (larger) cannot fit beside it
    code, out = disavow(store, "--target", "acme.example", "--merge", str(mine),
                        "--out", str(mine))
    assert code == 1
    assert "was left as it was" in out
    assert mine.read_bytes() == original
    assert sorted(p.name for p in tiny_volume.iterdir()) == ["mine.txt"]
