"""A 64-bit simhash of text, for spotting near-duplicate pages.

Features are word 3-shingles of the lower-cased words (single words when there are fewer
than three), each weighing one per occurrence. A shingle's 64-bit hash combines its words'
BLAKE2b-64 hashes, rotated by 0, 21 and 42 bits, with XOR (each distinct word is hashed
once, which keeps long pages cheap). Bit ``i`` of the result is set when more features have
bit ``i`` set than not. Near-identical texts differ in few bits (see :func:`distance`);
unrelated texts in about half."""

from __future__ import annotations

import hashlib
import sys
from array import array
from collections import Counter

SHINGLE = 3
_MASK = (1 << 64) - 1
# For each bit position of a byte, the byte values that have it set.
_WITH_BIT = tuple(tuple(v for v in range(256) if v >> bit & 1) for bit in range(8))


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8", "replace"), digest_size=8)
                          .digest(), "little")


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (64 - bits))) & _MASK


def simhash(words: list[str]) -> int:
    """The 64-bit simhash of a word sequence (0 for no words)."""
    if not words:
        return 0
    lowered = [w.lower() for w in words]
    table = {w: _word_hash(w) for w in set(lowered)}
    first = [table[w] for w in lowered]
    if len(first) < SHINGLE:
        features = first
    else:
        table21 = {w: _rotl(h, 21) for w, h in table.items()}
        table42 = {w: _rotl(h, 42) for w, h in table.items()}
        second = [table21[w] for w in lowered[1:]]
        third = [table42[w] for w in lowered[2:]]
        features = [a ^ b ^ c for a, b, c in zip(first, second, third, strict=False)]
    packed = array("Q", features)
    if sys.byteorder == "big":
        packed.byteswap()
    digests = packed.tobytes()
    total = len(features)
    result = 0
    # Count set bits per position one byte column at a time: Counter runs in C over a bytes
    # slice, which keeps this linear in features with a tiny constant.
    for column in range(8):
        counts = [0] * 256
        for value, n in Counter(digests[column::8]).items():
            counts[value] = n
        for bit in range(8):
            if sum(map(counts.__getitem__, _WITH_BIT[bit])) * 2 > total:
                result |= 1 << (8 * column + bit)
    return result


def to_hex(value: int) -> str:
    return f"{value:016x}"


def distance(a: int | str, b: int | str) -> int:
    """Hamming distance of two simhashes (ints or hex strings)."""
    x = int(a, 16) if isinstance(a, str) else a
    y = int(b, 16) if isinstance(b, str) else b
    return (x ^ y).bit_count()
