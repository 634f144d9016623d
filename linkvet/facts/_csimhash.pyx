# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The arithmetic of :func:`linkvet.facts.simhash.simhash` in C: shingle hashes from the word
digests, then the majority bit of each position. The same result as the big-integer
version in ``simhash`` (which runs where this was not built; a test holds the two equal).

Counting is bit-sliced: for each shingle hash ``x`` and each ``k`` in 0..7,
``(x >> k) & 0x0101010101010101`` adds one to eight byte-wide counters at once (bits ``k``,
``k + 8``, ... ``k + 56``); the byte counters are emptied into 32-bit ones before they can
overflow."""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_Check, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem
from cpython.list cimport PyList_GET_ITEM
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.ref cimport PyObject
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


cdef uint64_t _majority(const uint64_t* lanes, Py_ssize_t n, bint shingles) noexcept nogil:
    cdef Py_ssize_t total = n - 2 if shingles else n
    cdef Py_ssize_t i
    cdef uint64_t acc[8]
    cdef uint32_t counts[64]
    cdef uint64_t x, result = 0
    cdef int k, pending = 0
    if total <= 0:
        return 0
    memset(acc, 0, sizeof(acc))
    memset(counts, 0, sizeof(counts))
    for i in range(total):
        x = lanes[i]
        if shingles:
            x = x ^ _rotl(lanes[i + 1], 21) ^ _rotl(lanes[i + 2], 42)
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


def of_words(list words, dict digests):
    """The 64-bit simhash of ``words`` (over word 3-shingles, each the XOR of its words'
    digests rotated left by 0, 21 and 42 bits; over the words themselves when there are fewer
    than three): bit ``i`` is set when more than half of the features have it set.
    ``digests`` maps each word to its BLAKE2b-64 digest (8 bytes, read little-endian, as
    ``int.from_bytes(d, "little")``); ``None`` when a word is not in it."""
    cdef Py_ssize_t n = len(words)
    cdef Py_ssize_t i
    cdef uint64_t* lanes
    cdef uint64_t result
    cdef PyObject* found
    cdef const unsigned char* raw
    if n == 0:
        return 0
    lanes = <uint64_t*>PyMem_Malloc(n * sizeof(uint64_t))
    if lanes is NULL:
        raise MemoryError()
    try:
        for i in range(n):
            found = PyDict_GetItem(digests, <object>PyList_GET_ITEM(words, i))
            if found is NULL or not PyBytes_Check(<object>found) or PyBytes_GET_SIZE(<object>found) != 8:
                return None
            raw = <const unsigned char*>PyBytes_AS_STRING(<object>found)
            lanes[i] = _lane(raw, 0)
        with nogil:
            result = _majority(lanes, n, n >= 3)
        return result
    finally:
        PyMem_Free(lanes)


def of_lanes(bytes lanes):
    """The 64-bit simhash of the words whose digests ``lanes`` holds, 8 bytes each in order
    (as :func:`of_words` reads them from its table); 0 for none."""
    cdef Py_ssize_t n = PyBytes_GET_SIZE(lanes) // 8
    cdef Py_ssize_t i
    cdef uint64_t* values
    cdef uint64_t result
    cdef const unsigned char* raw = <const unsigned char*>PyBytes_AS_STRING(lanes)
    if PyBytes_GET_SIZE(lanes) % 8:
        raise ValueError(f"lanes must be 8 bytes a word, not {PyBytes_GET_SIZE(lanes)} bytes")
    if n == 0:
        return 0
    values = <uint64_t*>PyMem_Malloc(n * sizeof(uint64_t))
    if values is NULL:
        raise MemoryError()
    try:
        with nogil:
            for i in range(n):
                values[i] = _lane(raw, i)
            result = _majority(values, n, n >= 3)
        return result
    finally:
        PyMem_Free(values)
