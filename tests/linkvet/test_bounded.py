from __future__ import annotations

import pytest

from linkvet.bounded import BoundedDict


def test_writing_past_the_limit_drops_the_oldest_written() -> None:
    d: BoundedDict[str, int] = BoundedDict(limit=3)
    for i, key in enumerate("abcd"):
        d[key] = i
    assert list(d.items()) == [("b", 1), ("c", 2), ("d", 3)]
    d["b"] = 10  # rewritten: now the newest
    d["e"] = 4
    assert list(d.items()) == [("d", 3), ("b", 10), ("e", 4)]


def test_reading_does_not_keep_an_entry() -> None:
    d: BoundedDict[str, int] = BoundedDict(limit=2)
    d["a"], d["b"] = 1, 2
    assert d["a"] == 1 and d.get("b") == 2 and "a" in d
    d["c"] = 3
    assert list(d) == ["b", "c"]


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        BoundedDict(limit=0)
