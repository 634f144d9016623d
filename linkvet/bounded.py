"""A dict that keeps only its most recently written entries.

Crawl processes cache per-site facts (robots.txt parsers, the network policy's verdict per
host). A nightly run visits every site once, in site order, so a cache that forgets its oldest
sites keeps memory flat however many sites a run holds, and costs at most a repeated lookup
for a site that comes back after thousands of others.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

DEFAULT_SITES = 10_000


class BoundedDict(OrderedDict[K, V]):
    """An ordered dict of at most ``limit`` entries: writing a key makes it the newest, and
    writing past the limit drops the oldest. Reading does not change the order."""

    def __init__(self, limit: int = DEFAULT_SITES) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1 (got {limit})")
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)
