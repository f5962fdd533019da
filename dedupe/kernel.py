"""Compiled versions of the sketch stage's hot loops (numba, optional).

:mod:`dedupe.sketch` hashes words, combines n-grams, takes window minima and sorts each
text's values with whole-array numpy operations. The loops here do the same work one text
at a time, compiled by numba (the ``fast`` extra: ``pip install 'article-dedupe[fast]'``),
without numpy's temporary arrays: the sketch stage (signatures aside) runs about 1.9 times
as fast. One more loop counts the pairs of the candidate stage's self-join
(:func:`join_block`, called by :func:`dedupe.lsh.candidates`) in a dense array instead of
sorting every pair entry, and one sorts the key entries grouped before it by key alone, a
radix sort (:func:`sort_by_key`, called by :func:`dedupe.lsh.group_collection`). Their
output is bit-identical to the numpy path's (the tests
compare the two on random and real texts); the numpy path stays, and is what runs without
numba. Only the default hash scheme (:data:`dedupe.sketch.HASH_SCHEME`) is compiled: the
legacy BLAKE2b scheme keeps its own path, and words longer than ``long_bytes`` are handed
back to the caller's hash function.

When the kernel runs is one switch, the environment variable ``DEDUPE_KERNEL``, read at
every call (:func:`setting`):

* unset or ``auto``: once loaded. It is loaded when the process has sketched
  :data:`LOAD_AFTER_CHARS` characters in batches (``Index.add_many``,
  ``find_duplicates``, Spark partitions; see :func:`expect`), where it starts to pay for
  the 0.45 s that importing numba and loading the compiled code take; a query never
  waits for it. ``Index`` loads it before forking workers, which inherit it; the
  candidate stage loads it for a collection of ``dedupe.lsh.KERNEL_MIN_GROUP`` key
  entries or a join of ``dedupe.lsh.KERNEL_MIN_PAIRS`` pair entries;
* ``numpy``: never the kernel;
* ``numba``: the kernel for every call, one text too, loaded on first use (a
  :class:`~dedupe.errors.MissingDependencyError` without numba).

numba is imported when the kernel is loaded, never by ``import dedupe``. Without numba
the same loops run as plain Python (slow: for the examples and tests only; the sketch
stage never picks them):

>>> import numpy as np
>>> hashes = word_hashes(b"to be or not", np.array([0, 3, 6]), np.array([2, 5, 8]), long_hash=len)
>>> values, offsets = shingle_hashes(hashes, np.array([0, 3]), 2)
>>> offsets.tolist(), len(set(values.tolist()))
([0, 2], 2)
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .errors import InvalidParameterError, MissingDependencyError

__all__ = [
    "LOAD_AFTER_CHARS",
    "SETTING_ENV",
    "SETTINGS",
    "available",
    "expect",
    "load",
    "loaded",
    "collapse_spaces",
    "sort_by_key",
    "gram_minima",
    "join_block",
    "passage_minima",
    "setting",
    "shingle_hashes",
    "unique_per_row",
    "wanted",
    "word_hashes",
]

#: The environment variable that chooses when the kernel runs (see :func:`setting`).
SETTING_ENV = "DEDUPE_KERNEL"
#: Its values: ``auto`` (the default), ``numpy`` and ``numba``.
SETTINGS = ("auto", "numpy", "numba")
#: With ``auto``, the kernel is loaded once a process has sketched this many characters in
#: batches (:func:`expect`; a parent forking workers counts each worker's share). Measured
#: (20,000 news articles, 73M characters, one core): the kernel saves about 5.3 ns a
#: character (the stage without signatures, 0.82 s -> 0.43 s), and loading it costs about
#: 0.45 s (importing numba, loading its cache), on the critical path: with two workers
#: ``find_duplicates`` of those 20,000 took 2.31 s of wall time against 1.95 s without it
#: (whole processes, median of 5, ``farm-bench``), and 100,000 read from JSONL the same
#: time either way. So it waits for 100M characters a process (about 28,000 articles).
LOAD_AFTER_CHARS = 100_000_000

_RADIX = 1 << 11  # the buckets of a pass of _key_sort_loop

# Constants of dedupe.sketch's fast scheme, typed so that numba keeps the arithmetic in
# uint64 (an int64 operand would make it float64). They must equal sketch's: the tests
# compare the two paths.
_POLY = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)
#: A bucket of :func:`_unique_loop` holds about one hash value, so that insertion moves each
#: value about once; a row whose values move more is not made of hash values.
_MOVES_PER_VALUE = 16
# _BYTE_MASKS[r] keeps the low r bytes of a little-endian 64-bit word.
_BYTE_MASKS = np.array([(1 << (8 * r)) - 1 for r in range(9)], dtype=np.uint64)


# ------------------------------------------------------------------ the loops
# Plain Python over numpy arrays and scalars, compiled by numba with the signatures of
# _compile(). They call no other function of this module (numba would need it compiled).


def _word_loop(
    view: np.ndarray, starts: np.ndarray, ends: np.ndarray, masks: np.ndarray, long_bytes: int
) -> tuple[np.ndarray, int]:
    """64-bit hashes of the words ``[starts[i], ends[i])`` of a buffer read as overlapping
    little-endian 8-byte integers (``view[p]`` holds bytes ``p`` to ``p + 7``, past the end
    padded): the length times ``POLY``, then each 8-byte chunk (``masks[r]`` keeps the low
    ``r`` bytes) combined polynomially, mixed; 0 for a word longer than ``long_bytes``.
    Returns the hashes and the number of such words."""
    hashes = np.empty(len(starts), dtype=np.uint64)
    n_long = 0
    for k in range(len(starts)):
        start = starts[k]
        size = ends[k] - start
        if size > long_bytes:
            hashes[k] = _ZERO
            n_long += 1
            continue
        h = np.uint64(size) * _POLY + (view[start] & masks[min(size, 8)])
        for at in range(8, size, 8):
            h = h * _POLY + (view[start + at] & masks[min(size - at, 8)])
        h ^= h >> _S33  # MurmurHash3's 64-bit finalizer
        h *= _M1
        h ^= h >> _S33
        h *= _M2
        h ^= h >> _S33
        hashes[k] = h
    return hashes, n_long


def _shingle_loop(
    hashes: np.ndarray, word_offsets: np.ndarray, ngram: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's n-gram hashes (ragged): every ``n = ngram`` consecutive word hashes
    combined polynomially (``h_1 * POLY**(n - 1) + ... + h_n``), xor ``n``, mixed; a text of
    fewer words (and at least one) has one, of all its words (``n`` of them). The sum rolls
    from one n-gram to the next (mod 2**64, so exactly as if each were summed anew)."""
    n_texts = len(word_offsets) - 1
    offsets = np.zeros(n_texts + 1, dtype=np.int64)
    for t in range(n_texts):
        count = word_offsets[t + 1] - word_offsets[t]
        offsets[t + 1] = offsets[t] + (count - ngram + 1 if count >= ngram else min(count, 1))
    out = np.empty(offsets[n_texts], dtype=np.uint64)
    for t in range(n_texts):
        lo = word_offsets[t]
        n = min(ngram, word_offsets[t + 1] - lo)
        if n == 0:
            continue
        top = _ONE  # POLY ** (n - 1): the weight of the word that leaves the sum
        acc = hashes[lo]
        for j in range(1, n):
            top *= _POLY
            acc = acc * _POLY + hashes[lo + j]
        size = np.uint64(n)
        base = offsets[t]
        for w in range(offsets[t + 1] - base):
            if w:
                acc = (acc - hashes[lo + w - 1] * top) * _POLY + hashes[lo + w + n - 1]
            x = acc ^ size
            x ^= x >> _S33
            x *= _M1
            x ^= x >> _S33
            x *= _M2
            x ^= x >> _S33
            out[base + w] = x
    return out, offsets


def _minima_loop(
    hashes: np.ndarray,
    offsets: np.ndarray,
    window: int,
    short: np.ndarray,
    set_values: np.ndarray,
    set_offsets: np.ndarray,
    mask: np.uint64,
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's unsorted passage keys (low bits ``mask``): for a ``short`` text its set
    values, else the minimum of every ``window`` consecutive hashes (of all of them for a
    text of fewer), a key equal to the one before it left out."""
    n_texts = len(offsets) - 1
    bound = 0
    longest = 0
    for t in range(n_texts):
        count = offsets[t + 1] - offsets[t]
        if short[t]:
            bound += set_offsets[t + 1] - set_offsets[t]
        else:
            bound += count - window + 1 if count >= window else min(count, 1)
            longest = max(longest, count)
    out = np.empty(bound, dtype=np.uint32)
    out_offsets = np.zeros(n_texts + 1, dtype=np.int64)
    ahead = np.empty(longest, dtype=np.uint64)  # minimum from here to the end of its block
    mask32 = np.uint32(mask)
    k = 0
    for t in range(n_texts):
        lo, hi = offsets[t], offsets[t + 1]
        count = hi - lo
        if short[t]:
            for i in range(set_offsets[t], set_offsets[t + 1]):
                out[k] = set_values[i] & mask32
                k += 1
        elif 0 < count < window:
            low = hashes[lo]
            for i in range(lo + 1, hi):
                low = min(low, hashes[i])
            out[k] = np.uint32(low & mask)
            k += 1
        elif count:
            # van Herk / Gil-Werman: blocks of `window` hashes; a window's minimum is the
            # minimum from its start to its first block's end and from the next block's
            # start to its end
            for b in range(0, count, window):
                e = min(b + window, count) - 1
                ahead[e] = hashes[lo + e]
                for i in range(e - 1, b - 1, -1):
                    ahead[i] = min(ahead[i + 1], hashes[lo + i])
            fresh = True  # no key of this text yet
            previous = np.uint32(0)
            behind = hashes[lo]  # minimum from the start of its block to here
            at = 0  # the position of `last` in its block
            for last in range(count):
                behind = hashes[lo + last] if at == 0 else min(behind, hashes[lo + last])
                at = at + 1 if at < window - 1 else 0
                if last >= window - 1:
                    key = np.uint32(min(ahead[last - window + 1], behind) & mask)
                    out[k] = key  # kept (k moves on) unless it repeats the one before
                    k += 1 if fresh or key != previous else 0
                    fresh = False
                    previous = key
        out_offsets[t + 1] = k
    return out[:k].copy(), out_offsets


def _unique_loop(
    values: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's values sorted and distinct. A row of ``n`` values is sorted by its top
    ``log2(n)`` bits into about ``n`` buckets (counting sort), then by insertion, each value
    moving within its bucket only: linear for hash values, which spread evenly. A row
    whose insertion would move values more than :data:`_MOVES_PER_VALUE` times a value on
    average (values that do not spread) is left as it is, and flagged in the third array
    returned."""
    n_rows = len(offsets) - 1
    longest = 0
    for t in range(n_rows):
        longest = max(longest, offsets[t + 1] - offsets[t])
    starts = np.zeros(2 * longest + 2, dtype=np.int64)  # up to 2 * n buckets, and one
    row = np.empty(longest, dtype=np.uint32)
    out = np.empty(len(values), dtype=np.uint32)
    out_offsets = np.zeros(n_rows + 1, dtype=np.int64)
    unsorted = np.zeros(n_rows, dtype=np.bool_)
    k = 0
    for t in range(n_rows):
        lo, hi = offsets[t], offsets[t + 1]
        n = hi - lo
        bits = 0
        while (1 << bits) < n:
            bits += 1
        shift = np.uint32(32 - bits)
        starts[: (1 << bits) + 1] = 0
        for i in range(lo, hi):
            starts[(np.int64(values[i] >> shift) if bits else 0) + 1] += 1
        for c in range(1 << bits):
            starts[c + 1] += starts[c]
        for i in range(lo, hi):
            bucket = np.int64(values[i] >> shift) if bits else 0
            row[starts[bucket]] = values[i]
            starts[bucket] += 1
        budget = _MOVES_PER_VALUE * n
        for i in range(1, n):
            x = row[i]
            j = i
            while j > 0 and row[j - 1] > x:
                row[j] = row[j - 1]
                j -= 1
            row[j] = x
            budget -= i - j
            if budget < 0:
                break
        if budget < 0:  # numpy sorts this row
            unsorted[t] = True
            for i in range(n):
                out[k + i] = values[lo + i]
            k += n
        elif n:
            out[k] = row[0]
            k += 1
            for i in range(1, n):
                out[k] = row[i]  # kept (k moves on) unless it repeats the one before
                k += 1 if row[i] != row[i - 1] else 0
        out_offsets[t + 1] = k
    return out[:k].copy(), out_offsets, unsorted


def _join_loop(
    rows: np.ndarray,
    weight: np.ndarray,
    at: np.ndarray,
    scan: bool,
    lo: int,
    hi: int,
    n_keys: np.ndarray,
    short: np.ndarray,
    min_key_share: float,
    band: bool,
) -> np.ndarray:
    """The pair codes (``first * n + partner``, unsorted) a block of the self-join of
    :func:`dedupe.lsh.candidates` keeps: entry ``e`` (row ``rows[e]``) pairs with the rows
    ``rows[e + 1 : e + 1 + weight[e]]``; the block's entries are those of first rows in
    ``[lo, hi)``, found by scanning every entry (``scan``) or listed in ``at``. Each first
    row's partners are counted in a dense array (no sort), then kept when ``band``, or when
    they share enough keys (rule 3: at least ``max(1, min_key_share * fewest)`` of them, or
    one when either is ``short``)."""
    n = len(n_keys)
    span = hi - lo
    starts = np.zeros(span + 1, dtype=np.int64)  # the block's entries grouped by first row
    total = len(rows) if scan else len(at)
    for k in range(total):
        e = k if scan else at[k]
        if e < 0 or e >= len(rows) or e + 1 + np.int64(weight[e]) > len(rows):
            raise ValueError("an entry or its partners lie outside the rows")
        r = np.int64(rows[e])
        if r >= n:
            raise ValueError("a row is not below len(n_keys)")
        if lo <= r < hi:
            starts[r - lo + 1] += 1
    for r in range(span):
        starts[r + 1] += starts[r]
    mine = np.empty(starts[span], dtype=np.int64)
    fill = starts[:span].copy()
    for k in range(total):
        e = k if scan else at[k]
        r = np.int64(rows[e])
        if lo <= r < hi:
            mine[fill[r - lo]] = e
            fill[r - lo] += 1
    # rule 3 as max(1, min(least[first], least[partner])): min_key_share times a row's
    # key count, 0 for a short text (a positive factor keeps the order of the products)
    least = np.empty(n, dtype=np.float64)
    for r in range(n):
        least[r] = 0.0 if short[r] else min_key_share * n_keys[r]
    counts = np.zeros(n, dtype=np.int32)
    touched = np.empty(n + 1, dtype=np.int64)
    out = np.empty(1024, dtype=np.int64)
    kept = 0
    for r in range(lo, hi):
        t = 0
        for k in range(starts[r - lo], starts[r - lo + 1]):
            e = mine[k]
            for j in range(e + 1, e + 1 + np.int64(weight[e])):
                p = np.int64(rows[j])
                if p >= n:
                    raise ValueError("a row is not below len(n_keys)")
                touched[t] = p  # kept (t moves on) on its first count only
                t += counts[p] == 0
                counts[p] += 1
        counts[r] = 0  # a row is not its own partner
        for i in range(t):
            p = touched[i]
            shared = counts[p]
            counts[p] = 0
            if shared == 0:
                continue
            if not band and shared < max(1.0, min(least[r], least[p])):
                continue
            if kept == len(out):
                grown = np.empty(2 * len(out), dtype=np.int64)
                grown[:kept] = out
                out = grown
            out[kept] = r * n + p
            kept += 1
    return out[:kept].copy()


def _gram_minima_loop(
    view: np.ndarray, offsets: np.ndarray, gram: int, window: int, mask: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's unsorted fuzzy keys (low bits ``mask``; a key equal to the one before it
    left out): the minimum of every ``window`` consecutive hashes of its runs of ``gram``
    bytes (of all of them for a text of fewer). A run's hash: its bytes read as one
    little-endian integer (``view[p]`` holds bytes ``p`` to ``p + 7``, past the end
    padded), mixed; a text shorter than ``gram`` bytes has one, of all its bytes (times
    ``POLY``, plus its length, mixed). As :func:`dedupe.sketch.packed_fuzzy_keys`."""
    n_texts = len(offsets) - 1
    bound = 0
    longest = 0
    for t in range(n_texts):
        count = offsets[t + 1] - offsets[t]
        runs = count - gram + 1 if count >= gram else min(count, 1)
        bound += runs - window + 1 if runs >= window else min(runs, 1)
        longest = max(longest, runs)
    out = np.empty(bound, dtype=np.uint32)
    out_offsets = np.zeros(n_texts + 1, dtype=np.int64)
    hashes = np.empty(longest, dtype=np.uint64)
    ahead = np.empty(longest, dtype=np.uint64)  # minimum from here to the end of its block
    keep = (_ONE << np.uint64(8 * gram)) - _ONE if gram < 8 else ~_ZERO
    k = 0
    for t in range(n_texts):
        lo, hi = offsets[t], offsets[t + 1]
        count = hi - lo
        runs = count - gram + 1 if count >= gram else min(count, 1)
        for p in range(runs):  # the run's bytes, then MurmurHash3's 64-bit finalizer
            if count < gram:
                x = (view[lo] & ((_ONE << np.uint64(8 * count)) - _ONE)) * _POLY + np.uint64(count)
            else:
                x = view[lo + p] & keep
            x ^= x >> _S33
            x *= _M1
            x ^= x >> _S33
            x *= _M2
            x ^= x >> _S33
            hashes[p] = x
        if 0 < runs < window:
            low = hashes[0]
            for i in range(1, runs):
                low = min(low, hashes[i])
            out[k] = np.uint32(low & mask)
            k += 1
        elif runs:  # van Herk / Gil-Werman, as _minima_loop
            for b in range(0, runs, window):
                e = min(b + window, runs) - 1
                ahead[e] = hashes[e]
                for i in range(e - 1, b - 1, -1):
                    ahead[i] = min(ahead[i + 1], hashes[i])
            fresh = True
            previous = np.uint32(0)
            behind = hashes[0]
            at = 0
            for last in range(runs):
                behind = hashes[last] if at == 0 else min(behind, hashes[last])
                at = at + 1 if at < window - 1 else 0
                if last >= window - 1:
                    key = np.uint32(min(ahead[last - window + 1], behind) & mask)
                    out[k] = key
                    k += 1 if fresh or key != previous else 0
                    fresh = False
                    previous = key
        out_offsets[t + 1] = k
    return out[:k].copy(), out_offsets


def _collapse_loop(
    raw: np.ndarray, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Texts' bytes laid end to end (text ``i`` holds ``sizes[i]`` of them) with every run
    of spaces inside a text made one space and those at its ends dropped; and the same
    without any space: ``(values, offsets, packed, packed_offsets)``. As
    :func:`dedupe.text.fuzzy_buffers`."""
    n = len(sizes)
    values = np.empty(len(raw), dtype=np.uint8)
    packed = np.empty(len(raw), dtype=np.uint8)
    offsets = np.zeros(n + 1, dtype=np.int64)
    packed_offsets = np.zeros(n + 1, dtype=np.int64)
    space = np.uint8(32)
    v = 0
    p = 0
    at = 0
    for t in range(n):
        end = at + sizes[t]
        if sizes[t] < 0 or end > len(raw):
            raise ValueError("sizes do not fit the bytes")
        started = False  # a word of this text was written
        pending = False  # a space waits for the next word
        for i in range(at, end):
            c = raw[i]
            if c == space:
                pending = started
            else:
                if pending:
                    values[v] = space
                    v += 1
                    pending = False
                values[v] = c
                v += 1
                packed[p] = c
                p += 1
                started = True
        at = end
        offsets[t + 1] = v
        packed_offsets[t + 1] = p
    return values[:v].copy(), offsets, packed[:p].copy(), packed_offsets


def _key_sort_loop(packed: np.ndarray) -> np.ndarray:
    """``key << 32 | row`` entries sorted by their key (the top 32 bits), stably: a radix
    sort of three passes of 11 bits, into a scratch array and back (``packed`` is
    overwritten; the sorted array is returned). As :func:`dedupe.lsh.group_collection`
    sorts them."""
    n = len(packed)
    src = packed
    dst = np.empty_like(packed)
    counts = np.empty(_RADIX + 1, dtype=np.int64)
    mask = np.uint64(_RADIX - 1)
    one = np.uint64(1)
    for shift in (np.uint64(32), np.uint64(43), np.uint64(54)):
        counts[:] = 0
        for i in range(n):
            counts[((src[i] >> shift) & mask) + one] += 1
        for b in range(_RADIX):
            counts[b + 1] += counts[b]
        for i in range(n):
            digit = (src[i] >> shift) & mask
            dst[counts[digit]] = src[i]
            counts[digit] += 1
        src, dst = dst, src
    return src


class _Loops(NamedTuple):
    words: Callable[..., Any]
    shingles: Callable[..., Any]
    minima: Callable[..., Any]
    unique: Callable[..., Any]
    join: Callable[..., Any]
    gram_minima: Callable[..., Any]
    collapse: Callable[..., Any]
    key_sort: Callable[..., Any]


_PLAIN = _Loops(
    _word_loop,
    _shingle_loop,
    _minima_loop,
    _unique_loop,
    _join_loop,
    _gram_minima_loop,
    _collapse_loop,
    _key_sort_loop,
)
_COMPILED: _Loops | None = None
_LOCK = threading.Lock()
_EXPECTED = 0  # characters counted by expect()


def _compile() -> _Loops:
    """The loops compiled (numba imported here): from numba's cache when it holds them."""
    import numba
    from numba import types

    def ro(dtype: Any, ndim: int = 1) -> Any:  # a read-only C array (writable ones convert)
        return types.Array(dtype, ndim, "C", readonly=True)

    u32, u64, i64 = types.uint32, types.uint64, types.int64
    signatures = {
        # the 8-byte integer at every byte: unaligned, as sketch reads them
        _word_loop: (
            types.Array(u64, 1, "A", readonly=True, aligned=False),
            types.Array(i64, 1, "A", readonly=True),  # word starts and ends: strided views
            types.Array(i64, 1, "A", readonly=True),
            ro(u64),
            i64,
        ),
        _shingle_loop: (ro(u64), ro(i64), i64),
        _minima_loop: (ro(u64), ro(i64), i64, ro(types.boolean), ro(u32), ro(i64), u64),
        _unique_loop: (ro(u32), ro(i64)),
        _gram_minima_loop: (
            types.Array(u64, 1, "A", readonly=True, aligned=False),
            ro(i64),
            i64,
            i64,
            u64,
        ),
        _collapse_loop: (ro(types.uint8), ro(i64)),
        _key_sort_loop: (types.Array(u64, 1, "C"),),
        # the join's weights are as narrow as its groups allow (lsh._join_entries)
        _join_loop: [
            (
                ro(u32),
                ro(w),
                ro(i64),
                types.boolean,
                i64,
                i64,
                ro(i64),
                ro(types.boolean),
                types.float64,
                types.boolean,
            )
            for w in (types.uint8, types.uint16, u32, i64)
        ],
    }

    def jit(fn: Callable[..., Any]) -> Callable[..., Any]:
        signature: Any = signatures[fn]  # one signature, or a list of them
        try:  # numba writes its cache beside this file, or else in the user's cache folder
            return numba.njit(signature, cache=True, nogil=True)(fn)
        except RuntimeError:  # "cannot cache function": no writable place for it
            return numba.njit(signature, nogil=True)(fn)

    return _Loops(*map(jit, _PLAIN))


def _loops() -> _Loops:
    """The compiled loops (compiled on the first call), or the plain ones without numba."""
    global _COMPILED
    if _COMPILED is None:
        if not available():
            return _PLAIN
        with _LOCK:
            if _COMPILED is None:
                _COMPILED = _compile()
    return _COMPILED


# ------------------------------------------------------------------ the switch
@functools.cache
def available() -> bool:
    """Whether numba is installed (looked up once, not imported).

    >>> isinstance(available(), bool)
    True
    """
    return importlib.util.find_spec("numba") is not None


def setting() -> str:
    """The value of ``DEDUPE_KERNEL`` (``auto`` when unset), read now.

    >>> import os
    >>> os.environ.get(SETTING_ENV, "auto") == setting()
    True
    """
    value = os.environ.get(SETTING_ENV, "").strip().lower() or "auto"
    if value not in SETTINGS:
        raise InvalidParameterError(
            f"{SETTING_ENV}={value!r} is not a kernel setting: use one of {', '.join(SETTINGS)}"
        )
    return value


def loaded() -> bool:
    """Whether the compiled kernel is loaded in this process.

    >>> isinstance(loaded(), bool)
    True
    """
    return _COMPILED is not None


def wanted() -> bool:
    """Whether the sketch stage runs the kernel now: by :func:`setting`, and with ``auto``
    when it is loaded (:func:`expect` loads it).

    >>> wanted() == (setting() == "numba" or (setting() == "auto" and loaded()))
    True
    """
    choice = setting()
    if choice == "numba":
        if not available():
            raise MissingDependencyError(
                f"{SETTING_ENV}=numba asks for the compiled kernel, and numba is not "
                "installed: pip install 'article-dedupe[fast]', or unset the variable"
            )
        return True
    return choice == "auto" and loaded()


def expect(chars: int) -> bool:
    """Count ``chars`` characters of text about to be sketched as a batch; with ``auto``,
    load the kernel (:func:`load`) once this process's batches add up to
    :data:`LOAD_AFTER_CHARS`. Returns whether it is loaded. A process that sketches a few
    texts never pays for numba; one that sketches many loads it early in the work.

    >>> expect(0) == loaded()
    True
    """
    global _EXPECTED
    _EXPECTED += chars
    if _EXPECTED >= LOAD_AFTER_CHARS and setting() == "auto" and available():
        load()
    return loaded()


def load() -> bool:
    """Compile the kernel now (or load it from numba's on-disk cache) unless numba is
    missing or ``DEDUPE_KERNEL=numpy``; return whether it is loaded. Call it before forking
    worker processes, so that each does not load it again.

    The first compile takes a few seconds; numba caches the machine code in the
    ``__pycache__`` folder beside this module, or in the user's cache folder when that is
    not writable (``NUMBA_CACHE_DIR`` chooses another), and later processes load it in
    about 0.3 s (with 0.15 s to import numba).

    >>> load() == loaded()
    True
    """
    if available() and setting() != "numpy":
        _loops()
    return loaded()


# ------------------------------------------------------------------ the stages
def _array(values: Any, dtype: Any) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=dtype)


def _ragged(values: Any, offsets: Any, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """``values`` and ``offsets`` as the loops take them, checked: the compiled loops do not
    check their indexes, and must not read or write past an array."""
    values, offsets = _array(values, dtype), _array(offsets, np.int64)
    if not len(offsets) or offsets[0] < 0 or offsets[-1] > len(values):
        raise ValueError(f"offsets {offsets[:1]}...{offsets[-1:]} do not fit {len(values)} values")
    if (offsets[1:] < offsets[:-1]).any():
        raise ValueError("offsets must not decrease")
    return values, offsets


def word_hashes(
    buffer: bytes,
    starts: np.ndarray,
    ends: np.ndarray,
    *,
    long_hash: Callable[[bytes], int],
    long_bytes: int = 64,
) -> np.ndarray:
    """64-bit hashes of the words ``buffer[starts[i]:ends[i]]``, as
    :func:`dedupe.sketch.buffer_word_hashes` hashes them; a word longer than
    ``long_bytes`` is hashed by ``long_hash``.

    >>> from dedupe.sketch import buffer_word_hashes
    >>> hashes = word_hashes(b"a bb", np.array([0, 2]), np.array([1, 4]), long_hash=len)
    >>> bool((hashes == buffer_word_hashes(b"a bb")).all())
    True
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    if len(starts) != len(ends) or (
        len(starts) and (starts.min() < 0 or ends.max() > len(buffer) or (ends <= starts).any())
    ):
        raise ValueError("words must be non-empty [start, end) spans inside the buffer")
    view = np.ndarray((len(buffer),), dtype="<u8", buffer=buffer + bytes(8), strides=(1,))
    view.flags.writeable = False
    with np.errstate(over="ignore"):  # the plain loops' uint64 arithmetic wraps around
        hashes, n_long = _loops().words(view, starts, ends, _BYTE_MASKS, long_bytes)
    if n_long:
        for at in np.flatnonzero(ends - starts > long_bytes).tolist():
            hashes[at] = long_hash(buffer[starts[at] : ends[at]])
    return hashes


def shingle_hashes(
    hashes: np.ndarray, word_offsets: np.ndarray, ngram: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's shingle hashes ``(values, offsets)``, text ``i`` holding the word hashes
    ``hashes[word_offsets[i]:word_offsets[i + 1]]``: :func:`dedupe.sketch.shingle_hashes`
    of each text's words, in one pass.

    >>> from dedupe import sketch
    >>> h = sketch.word_hashes("a b c d".split())
    >>> values, offsets = shingle_hashes(h, np.array([0, 3, 3, 4]), 2)
    >>> offsets.tolist(), bool((values[:2] == sketch.shingle_hashes(h[:3], 2)).all())
    ([0, 2, 2, 3], True)
    """
    with np.errstate(over="ignore"):
        return _loops().shingles(*_ragged(hashes, word_offsets, np.uint64), ngram)


def passage_minima(
    hashes: np.ndarray,
    offsets: np.ndarray,
    window: int,
    *,
    short: np.ndarray,
    set_values: np.ndarray,
    set_offsets: np.ndarray,
    mask: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's passage keys, unsorted and with repeats (low bits ``mask``, ``uint32``):
    the window minima of :func:`dedupe.sketch.window_minima`, a key equal to the one before
    it left out, or for a ``short`` text its set values. Sorted and distinct per text
    (:func:`unique_per_row`), they are :func:`dedupe.sketch.passage_keys`.

    >>> h = np.array([5, 3, 9, 4, 2], np.uint64)
    >>> values, offsets = passage_minima(
    ...     h, np.array([0, 4, 5]), 2, short=np.array([False, False]),
    ...     set_values=np.array([], np.uint32), set_offsets=np.array([0, 0, 0]), mask=0xFF)
    >>> values.tolist(), offsets.tolist()
    ([3, 4, 2], [0, 2, 3])
    """
    hashes, offsets = _ragged(hashes, offsets, np.uint64)
    set_values, set_offsets = _ragged(set_values, set_offsets, np.uint32)
    short = _array(short, np.bool_)
    if not len(short) == len(offsets) - 1 == len(set_offsets) - 1 or window < 1:
        raise ValueError("passage_minima needs window >= 1 and as many rows in each input")
    return _loops().minima(hashes, offsets, window, short, set_values, set_offsets, np.uint64(mask))


def unique_per_row(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``uint32`` values sorted and distinct, ``(values, offsets)``, as
    :func:`dedupe.sketch.unique_per_row` (rows of hash values sort in linear time).

    >>> v, o = unique_per_row(np.array([3, 1, 3, 9, 9], np.uint32), np.array([0, 3, 5]))
    >>> v.tolist(), o.tolist()
    ([1, 3, 9], [0, 2, 3])
    """
    values, offsets, unsorted = _loops().unique(*_ragged(values, offsets, np.uint32))
    if unsorted.any():  # rows of values that do not spread: sorted by numpy
        rows = [values[lo:hi] for lo, hi in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
        for t in np.flatnonzero(unsorted).tolist():
            rows[t] = np.unique(rows[t])
        sizes = np.array([len(r) for r in rows], dtype=np.int64)
        values = np.concatenate([values[:0], *rows])
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
    return values, offsets


def join_block(
    rows: np.ndarray,
    weight: np.ndarray,
    block: tuple[int, int],
    *,
    at: np.ndarray | None,
    n_keys: np.ndarray,
    short: np.ndarray,
    min_key_share: float,
    band: bool,
) -> np.ndarray:
    """The pair codes (``first * n + partner``, ``n = len(n_keys)``; unsorted, each once)
    that one block of :func:`dedupe.lsh.candidates`' self-join keeps, as its numpy path
    does (which sorts every pair entry to count them): entry ``e`` pairs row ``rows[e]``
    with the rows ``rows[e + 1 : e + 1 + weight[e]]``; the block holds the entries
    ``at`` (all of them when ``None``) of first rows ``block = (lo, hi)``. A pair is kept
    when ``band``, or by rule 3 of :mod:`dedupe.lsh` (``min_key_share`` of the fewer
    ``n_keys``, one key when either is ``short``).

    >>> rows = np.array([0, 1, 2, 1, 2], np.uint32)  # groups [0, 1, 2] and [1, 2]
    >>> weight = np.array([2, 1, 0, 1, 0], np.uint8)
    >>> join_block(rows, weight, (0, 3), at=None, n_keys=np.array([2, 2, 2]),
    ...            short=np.zeros(3, bool), min_key_share=0.6, band=False).tolist()
    [5]
    """
    rows, n_keys = _array(rows, np.uint32), _array(n_keys, np.int64)
    weight = np.ascontiguousarray(weight)
    if weight.dtype not in (np.uint8, np.uint16, np.uint32, np.int64):
        weight = weight.astype(np.int64)
    short = _array(short, np.bool_)
    if len(weight) != len(rows) or len(short) != len(n_keys):
        raise ValueError("join_block needs a weight per row entry and a flag per n_keys")
    lo, hi = block
    scan = at is None
    positions = np.zeros(0, np.int64) if at is None else _array(at, np.int64)
    return _loops().join(
        rows, weight, positions, scan, lo, hi, n_keys, short, float(min_key_share), band
    )


def gram_minima(
    packed: np.ndarray, offsets: np.ndarray, gram: int, window: int, *, mask: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's fuzzy keys, unsorted and with repeats (low bits ``mask``, ``uint32``),
    from its bytes ``packed[offsets[i]:offsets[i + 1]]``: the window minima of the hashes
    of its runs of ``gram`` bytes (at most 8), hashed and mixed in the same pass (no array
    of every hash). Sorted and distinct per text (:func:`unique_per_row`), they are
    :func:`dedupe.sketch.packed_fuzzy_keys`.

    >>> from dedupe.sketch import packed_fuzzy_keys
    >>> packed = np.frombuffer(b"thecouncilmetontuesdayxy", np.uint8)
    >>> keys = unique_per_row(*gram_minima(packed, np.array([0, 22, 24]), 7, 4, mask=2**31 - 1))
    >>> [k.tolist() for k in keys] == [k.tolist() for k in packed_fuzzy_keys(
    ...     packed, np.array([0, 22, 24]), gram=7, window=4)]
    True
    """
    values, offsets = _ragged(packed, offsets, np.uint8)
    if not 1 <= gram <= 8 or window < 1:
        raise ValueError("gram_minima needs 1 <= gram <= 8 and window >= 1")
    raw = values[offsets[0] : offsets[-1]].tobytes() + bytes(8)
    view = np.ndarray((len(raw) - 8,), dtype="<u8", buffer=raw, strides=(1,))
    view.flags.writeable = False
    with np.errstate(over="ignore"):
        return _loops().gram_minima(view, offsets - offsets[0], gram, window, np.uint64(mask))


def collapse_spaces(
    raw: bytes, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Texts' bytes laid end to end (text ``i`` holds ``sizes[i]`` bytes of ``raw``), each
    with its runs of spaces made one and the spaces at its ends dropped, and the same
    without spaces, with their offsets: ``(values, offsets, packed, packed_offsets)``, as
    :func:`dedupe.text.fuzzy_buffers` lays out its texts' normalised words.

    >>> v, o, p, po = collapse_spaces(b"  ab  c  x ", np.array([9, 2]))
    >>> v.tobytes(), o.tolist(), p.tobytes(), po.tolist()
    (b'ab cx', [0, 4, 5], b'abcx', [0, 3, 4])
    """
    values = np.frombuffer(raw, dtype=np.uint8)
    sizes = _array(sizes, np.int64)
    if int(sizes.sum()) != len(values):
        raise ValueError(f"sizes add up to {int(sizes.sum())}, not {len(values)} bytes")
    return _loops().collapse(values, sizes)


def sort_by_key(packed: np.ndarray) -> np.ndarray:
    """``key << 32 | row`` entries (``uint64``) sorted by key, stably: equal to
    ``np.sort(packed)`` when the rows of each key come in ascending order, as they do in
    :func:`dedupe.lsh.group_collection` (a radix sort, 3 to 5 times as fast as numpy's on
    this machine). ``packed`` is overwritten.

    >>> sort_by_key(np.array([5 << 32 | 1, 3 << 32 | 2, 5 << 32 | 4], np.uint64)).tolist() == [
    ...     3 << 32 | 2, 5 << 32 | 1, 5 << 32 | 4]
    True
    """
    packed = np.ascontiguousarray(packed, dtype=np.uint64)
    if not packed.flags.writeable:
        packed = packed.copy()
    return _loops().key_sort(packed)
