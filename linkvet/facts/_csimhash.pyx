# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The arithmetic of :func:`linkvet.facts.simhash.simhash` in C: shingle hashes from the word
digests, then the majority bit of each position. The same result as the big-integer
version in ``simhash`` (which runs where this was not built; a test holds the two equal).

Counting is bit-sliced: for each shingle hash ``x`` and each ``k`` in 0..7,
``(x >> k) & 0x0101010101010101`` adds one to eight byte-wide counters at once (bits ``k``,
``k + 8``, ... ``k + 56``); the byte counters are emptied into 32-bit ones before they can
overflow."""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memset

cdef uint64_t ONES = 0x0101010101010101ULL


cdef inline uint64_t _rotl(uint64_t x, int bits) noexcept nogil:
    return (x << bits) | (x >> (64 - bits))


cdef inline uint64_t _lane(const unsigned char* data, Py_ssize_t i) noexcept nogil:
    """Digest ``i`` of ``data``, read little-endian (as ``int.from_bytes(..., "little")``)."""
    cdef uint64_t value = 0
    cdef int k
    for k in range(7, -1, -1):
        value = (value << 8) | data[8 * i + k]
    return value


cdef inline void _flush(uint64_t* acc, uint32_t* counts) noexcept nogil:
    cdef int k, byte
    for k in range(8):
        for byte in range(8):
            counts[8 * byte + k] += (acc[k] >> (8 * byte)) & 0xFF
        acc[k] = 0


cdef uint64_t _majority(const unsigned char* data, Py_ssize_t n, bint shingles) noexcept nogil:
    """The majority bits over the ``n`` digests of ``data`` (their shingle hashes when
    ``shingles``); each digest is read once, the shingle window rolling over them."""
    cdef Py_ssize_t total = n - 2 if shingles else n
    cdef Py_ssize_t i
    cdef uint64_t acc[8]
    cdef uint32_t counts[64]
    cdef uint64_t x, first, second = 0, third = 0, result = 0
    cdef int k, pending = 0
    if total <= 0:
        return 0
    memset(acc, 0, sizeof(acc))
    memset(counts, 0, sizeof(counts))
    if shingles:
        second = _lane(data, 0)
        third = _lane(data, 1)
    for i in range(total):
        if shingles:
            first, second, third = second, third, _lane(data, i + 2)
            x = first ^ _rotl(second, 21) ^ _rotl(third, 42)
        else:
            x = _lane(data, i)
        for k in range(8):
            acc[k] += (x >> k) & ONES
        pending += 1
        if pending == 255:
            _flush(acc, counts)
            pending = 0
    _flush(acc, counts)
    for k in range(64):
        if counts[k] > <uint32_t>(total >> 1):
            result |= (<uint64_t>1) << k
    return result


def of_lanes(bytes lanes):
    """The 64-bit simhash of the words whose digests ``lanes`` holds, 8 bytes a word in order
    (each read little-endian, as ``int.from_bytes(d, "little")``): over word 3-shingles, each
    the XOR of its words' digests rotated left by 0, 21 and 42 bits (over the words themselves
    when there are fewer than three), bit ``i`` set when more than half of the features have
    it set; 0 for no words."""
    cdef Py_ssize_t size = PyBytes_GET_SIZE(lanes)
    cdef const unsigned char* data = <const unsigned char*>PyBytes_AS_STRING(lanes)
    cdef Py_ssize_t n = size // 8
    cdef uint64_t result
    if size % 8:
        raise ValueError(f"lanes must be 8 bytes a word, not {size} bytes")
    with nogil:
        result = _majority(data, n, n >= 3)
    return result
