"""Writing a whole file so that a reader, or a crash, never sees half of it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_through_tmp(out: Path, write: Callable[[Path], Any]) -> None:
    """``write`` a temporary file beside ``out``, flush it to disk, then rename it over
    ``out``. On an ``OSError`` (a full disk, ``out`` a folder) the temporary file is removed,
    ``out`` is left as it was, and the error is raised for the caller to word."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        if out.is_dir():
            raise IsADirectoryError(f"{out} is a folder")
        out.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, out)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
