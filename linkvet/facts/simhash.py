"""A 64-bit simhash of text, for spotting near-duplicate pages.

Features are word 3-shingles of the lower-cased words (single words when there are fewer
than three), each weighing one per occurrence. A shingle's 64-bit hash combines its words'
BLAKE2b-64 hashes (digest read little-endian), rotated by 0, 21 and 42 bits, with XOR. Bit
``i`` of the result is set when more features have bit ``i`` set than not. Near-identical
texts differ in few bits (see :func:`distance`); unrelated texts in about half.

How it stays cheap on long pages: word digests are memoised (bounded) by the word as given,
each the digest of its lower-case form, so the page's text is never lower-cased as a whole
(on non-ASCII text that costs as much as the hashing); and the features are never handled one
by one: the word digests, joined, are the 64-bit lanes of one integer, and the rotations, the
shingle XOR and the per-bit counts are a few dozen big-int operations. Page analysis goes one
step further: the compiled walk looks the visible words' digests up by their bytes and hands
over the digests alone (:func:`of_lanes`), so no str is made for a word seen before."""

from __future__ import annotations

import hashlib
from operator import itemgetter

from linkvet.facts.native import csimhash as _csimhash

SHINGLE = 3
_MASK = (1 << 64) - 1
# Page text is mostly common words, so across a crawl nearly every word was hashed before.
# Keys are words as they appear (any case); values the digests of their lower-case forms.
_CACHE_LIMIT = 1 << 17
_digests: dict[str, bytes] = {}
# Lane masks for the rotations, kept for pages up to this many words.
_MASK_LANES_LIMIT = 1 << 14
_lane_masks: dict[int, tuple[int, int]] = {}


def _joined(table: dict[str, bytes], words: list[str]) -> bytes:
    """The digests of ``words`` from ``table``, concatenated (``KeyError`` for a word not in
    it). One ``itemgetter`` call fetches them all: no Python-level step per word."""
    if len(words) > 1:
        return b"".join(itemgetter(*words)(table))
    return table[words[0]] if words else b""


def _word_digests(words: list[str]) -> bytes:
    """The BLAKE2b-64 digests of the lower-cased words, concatenated (memoised per word)."""
    table = _digests
    try:
        return _joined(table, words)
    except KeyError:
        pass
    fresh = list(set(words).difference(table))
    if len(table) + len(fresh) > _CACHE_LIMIT:
        table.clear()
        fresh = list(set(words))
    table.update(zip(fresh, map(word_digest, fresh), strict=True))
    return _joined(table, words)


def _masks(bits: int, n: int) -> tuple[int, int]:
    """(high, low) lane masks for a left rotation by ``bits``, for at least ``n`` lanes: bits
    ``bits``..63 and bits 0..``bits - 1`` of every lane. A longer mask does no harm (``&``
    keeps the shorter operand's length)."""
    cached = _lane_masks.get(bits)
    if cached is not None and cached[0].bit_length() >= 64 * n:
        return cached
    lanes = max(n, 64)
    low = (1 << bits) - 1
    masks = (int.from_bytes((_MASK ^ low).to_bytes(8, "little") * lanes, "little"),
             int.from_bytes(low.to_bytes(8, "little") * lanes, "little"))
    if lanes <= _MASK_LANES_LIMIT:
        _lane_masks[bits] = masks
    return masks


def _rotl_lanes(value: int, bits: int, n: int) -> int:
    """Every 64-bit lane of ``value`` (``n`` lanes) rotated left by ``bits``."""
    high, low = _masks(bits, n)
    return ((value << bits) & high) | ((value >> (64 - bits)) & low)


def _majority(lanes: int, n: int) -> int:
    """The bits set in more than half of the ``n`` 64-bit lanes of ``lanes``.

    The 64 per-bit counts are kept as bit planes (plane k holds bit k of every count): each
    round adds the upper half of the lanes to the lower half with a ripple-carry adder, then
    the counts are compared with ``n // 2`` plane by plane, from the top bit down."""
    planes = [lanes]
    width = n
    while width > 1:
        half = (width + 1) >> 1
        shift = half << 6
        low = (1 << shift) - 1
        carry = 0
        added = []
        for plane in planes:
            a = plane & low
            b = plane >> shift
            x = a ^ b
            added.append(x ^ carry)
            carry = (a & b) | (carry & x)
        if carry:
            added.append(carry)
        planes = added
        width = half
    threshold = n >> 1
    above = 0
    equal = _MASK
    for k in range(max(len(planes), threshold.bit_length()) - 1, -1, -1):
        plane = planes[k] if k < len(planes) else 0
        if threshold >> k & 1:
            equal &= plane
        else:
            above |= equal & plane
            equal &= ~plane
    return above


def simhash(words: list[str], *, compiled: bool = True) -> int:
    """The 64-bit simhash of a word sequence, case-insensitive (0 for no words). Lower-casing
    word by word gives the words that lower-casing their text gives: case mappings never
    produce or remove whitespace, and the final-sigma rule stops at it. The arithmetic runs
    in C (:mod:`linkvet.facts._csimhash`) when that was built, else on big integers here."""
    return of_lanes(_word_digests(words), compiled=compiled) if words else 0


def word_digest(word: str) -> bytes:
    """The digest :func:`simhash` gives a word: BLAKE2b-64 of its lower-case form, UTF-8."""
    return hashlib.blake2b(word.lower().encode("utf-8", "replace"), digest_size=8).digest()


def of_lanes(lanes: bytes, *, compiled: bool = True) -> int:
    """The simhash of the words whose :func:`word_digest` s ``lanes`` holds, concatenated in
    order (8 bytes a word): ``simhash(words) == of_lanes(b"".join(map(word_digest, words)))``.
    For callers that have the digests without the words (``_cwalk.visible_lanes``)."""
    if len(lanes) % 8:
        raise ValueError(f"lanes must be 8 bytes a word, not {len(lanes)} bytes")
    if compiled and _csimhash is not None:
        return _csimhash.of_lanes(lanes)
    n = len(lanes) // 8
    if not n:
        return 0
    value = int.from_bytes(lanes, "little")
    if n < SHINGLE:
        return _majority(value, n)
    total = n - SHINGLE + 1
    shingles = value ^ (_rotl_lanes(value, 21, n) >> 64) ^ (_rotl_lanes(value, 42, n) >> 128)
    return _majority(shingles & ((1 << (64 * total)) - 1), total)


def to_hex(value: int) -> str:
    return f"{value:016x}"


def distance(a: int | str, b: int | str) -> int:
    """Hamming distance of two simhashes (ints or hex strings)."""
    x = int(a, 16) if isinstance(a, str) else a
    y = int(b, 16) if isinstance(b, str) else b
    return (x ^ y).bit_count()
