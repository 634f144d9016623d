"""Signals over the observed link graph: host-level PageRank and near-duplicate fingerprints.

PageRank: nodes are hosts, an edge ``a -> b`` exists when a checked page on host ``a`` links to
host ``b`` (``link_checks.outbound_hosts``; duplicate edges and self-links count once).
Damping :data:`DAMPING`, :data:`ITERATIONS` power iterations from a uniform start; the rank of
a dangling host (no outbound edge) is spread evenly over every host, so ranks sum to 1.

Near-duplicates: two pages are near-duplicates when the Hamming distance of their 64-bit simhash
text fingerprints is at most :data:`NEAR_DUPLICATE_BITS`. Candidates are found by splitting the
fingerprint into four 16-bit bands: two fingerprints within 3 bits agree on at least one band.
"""

from __future__ import annotations

from collections.abc import Iterable

DAMPING = 0.85
ITERATIONS = 20
NEAR_DUPLICATE_BITS = 3
BANDS = 4


def pagerank(edges: Iterable[tuple[str, str | None]], *, damping: float = DAMPING,
             iterations: int = ITERATIONS) -> dict[str, float]:
    """PageRank of every host in ``edges`` (see the module's rules); an edge ``(a, None)``
    makes ``a`` a node without linking anywhere (a checked page with no outbound host)."""
    out: dict[str, set[str]] = {}
    nodes: set[str] = set()
    for a, b in edges:
        nodes.add(a)
        if b is None:
            continue
        nodes.add(b)
        if a != b:
            out.setdefault(a, set()).add(b)
    if not nodes:
        return {}
    n = len(nodes)
    rank = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(iterations):
        dangling = sum(rank[v] for v in nodes if v not in out)
        nxt = dict.fromkeys(nodes, (1.0 - damping) / n + damping * dangling / n)
        for a, targets in out.items():
            share = damping * rank[a] / len(targets)
            for b in targets:
                nxt[b] += share
        rank = nxt
    return rank


def fingerprint_int(fingerprint: str | None) -> int | None:
    """The 64-bit value of a hex simhash (``None`` when missing or not hex)."""
    if not fingerprint:
        return None
    try:
        value = int(fingerprint, 16)
    except ValueError:
        return None
    return value if 0 <= value < 1 << 64 else None


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def bands(value: int) -> tuple[int, ...]:
    """The four 16-bit bands of a 64-bit fingerprint, high band first."""
    return tuple((value >> (16 * (BANDS - 1 - i))) & 0xFFFF for i in range(BANDS))


def is_near_duplicate(a: str | None, b: str | None) -> bool:
    x, y = fingerprint_int(a), fingerprint_int(b)
    return x is not None and y is not None and hamming(x, y) <= NEAR_DUPLICATE_BITS
