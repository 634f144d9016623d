"""The compiled walks of page analysis (Cython, built by ``pip install`` from this repository:
see setup.py), or ``None`` for each that was not built. Every user keeps a pure-Python twin
with the same rules, which then runs instead (``tests/linkvet/facts/test_compiled.py`` holds
them equal)."""

from __future__ import annotations

__all__ = ["csimhash", "cwalk"]

# Typed by their stubs (_cwalk.pyi, _csimhash.pyi); None stands in for a module not built.
try:
    from linkvet.facts import _cwalk as cwalk
except ImportError:  # pragma: no cover - a source tree nobody built
    cwalk = None  # type: ignore[assignment]
try:
    from linkvet.facts import _csimhash as csimhash
except ImportError:  # pragma: no cover
    csimhash = None  # type: ignore[assignment]
