"""Which occurrence of a link stands for the link when a page links to the target several times.

Rule: the occurrence a search engine would value most wins — visible before hidden, followed
before not, in content before elsewhere, text anchors before image before empty, then page order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class _Occurrence(Protocol):
    @property
    def hidden(self) -> bool: ...
    @property
    def follow(self) -> bool: ...
    @property
    def placement(self) -> str: ...
    @property
    def anchor_kind(self) -> str: ...


_ANCHOR_RANK = {"text": 0, "image": 1, "empty": 2}


def primary_index(occurrences: Sequence[_Occurrence]) -> int | None:
    """Index of the primary occurrence, or ``None`` for an empty sequence."""
    if not occurrences:
        return None
    return min(
        range(len(occurrences)),
        key=lambda i: (
            occurrences[i].hidden,
            not occurrences[i].follow,
            occurrences[i].placement != "content",
            _ANCHOR_RANK.get(occurrences[i].anchor_kind, 3),
            i,
        ),
    )
