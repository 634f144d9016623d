"""Opening the store: the memory limit from settings reaches DuckDB; reading a store that
was never written says how to get one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from pydantic import ValidationError

from flows.db import connect, open_store
from linkvet.errors import StoreMissingError
from linkvet.settings import Settings


def _limit(con: object) -> str:
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()  # type: ignore[attr-defined]
    return str(row[0])


def test_the_store_opens_with_the_configured_memory_limit(tmp_path: Path) -> None:
    con = open_store(Settings(data_dir=tmp_path, duckdb_memory_limit="512MiB"))
    try:
        assert _limit(con) == "512.0 MiB"
    finally:
        con.close()
    con = open_store(Settings(data_dir=tmp_path))  # the default, 1GB = 953.6 MiB
    try:
        assert _limit(con) == "953.6 MiB"
    finally:
        con.close()


def test_without_a_limit_duckdb_keeps_its_own_default(tmp_path: Path) -> None:
    con = connect(tmp_path / "plain.duckdb")
    default = duckdb.connect(str(tmp_path / "reference.duckdb"))
    try:
        assert _limit(con) == _limit(default)
    finally:
        con.close()
        default.close()


def test_a_memory_limit_that_is_not_a_size_is_refused() -> None:
    with pytest.raises(ValidationError, match="duckdb_memory_limit"):
        Settings(duckdb_memory_limit="lots")


def test_reading_a_store_that_was_never_written_says_how_to_get_one(tmp_path: Path) -> None:
    path = tmp_path / "data" / "linkvet.duckdb"
    with pytest.raises(StoreMissingError) as caught:
        connect(path, read_only=True)
    assert str(caught.value) == (
        f"{path} does not exist yet: nothing was imported or verified with this data folder. "
        "Run `linkvet demo`, or `linkvet import FILE --from TOOL --target DOMAIN` then "
        "`linkvet verify`; or point --data-dir (LINKVET_DATA_DIR) at the folder that holds "
        "linkvet.duckdb.")
    assert not path.parent.exists()  # reading creates nothing


def test_the_report_command_on_an_empty_data_folder_exits_2_with_the_fix(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from linkvet.cli.app import app

    result = CliRunner().invoke(app, ["report", "--target", "acme.example",
                                      "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert " ".join(result.output.split()).startswith(
        f"error: {tmp_path / 'linkvet.duckdb'} does not exist yet:")
