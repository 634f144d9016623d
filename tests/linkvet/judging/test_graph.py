from __future__ import annotations

import pytest

from linkvet.judging.graph import bands, fingerprint_int, hamming, is_near_duplicate, pagerank


def test_pagerank_of_a_small_graph() -> None:
    ranks = pagerank([("a", "b"), ("b", "a")])
    assert ranks == {"a": pytest.approx(0.5), "b": pytest.approx(0.5)}
    star = pagerank([("x", "hub"), ("y", "hub"), ("z", "hub"), ("w", None)])
    assert sum(star.values()) == pytest.approx(1.0)
    assert star["hub"] > star["x"] == pytest.approx(star["w"])
    assert pagerank([]) == {}


def test_fingerprints_and_distance() -> None:
    assert fingerprint_int("00000000000000ff") == 255
    assert fingerprint_int("zz") is None
    assert fingerprint_int("1" * 17) is None
    assert hamming(0b1011, 0b0001) == 2
    assert bands(0x0001000200030004) == (1, 2, 3, 4)
    assert is_near_duplicate("ffff0000ffff0000", "ffff0000ffff0007") is True
    assert is_near_duplicate("ffff0000ffff0000", "ffff0000ffff000f") is False
    assert is_near_duplicate(None, "00") is False
