"""Deterministic shingle hashing and batched MinHash signatures in numpy.

Words are hashed in numpy from their UTF-8 bytes, 8 bytes at a time (a 64-bit polynomial
hash, :data:`HASH_SCHEME`; never Python's salted ``hash()``; the BLAKE2b scheme of dedupe
0.1 is kept to read its files); word n-grams are combined in numpy with no per-shingle
Python loop. Band keys are cut from one-permutation signatures
(:func:`one_permutation_signatures`: about one operation a shingle). :class:`MinHasher`'s
signatures, which :meth:`dedupe.Index.signature` returns and indexes of the older
:data:`AFFINE_HASH_SCHEME` cut band keys from, are bit-identical to a datasketch
``MinHash(num_perm, seed)`` (its default ``affine32`` scheme) fed the same shingles with
:func:`datasketch_hash` as its ``hashfunc``:

>>> from datasketch import MinHash
>>> from dedupe.text import shingles
>>> text = "the quick brown fox jumps over the lazy dog"
>>> m = MinHash(num_perm=16, seed=1, hashfunc=datasketch_hash)
>>> m.update_batch(shingles(text, ngram=3))
>>> hasher = MinHasher(num_perm=16, seed=1)
>>> bool((hasher.signature(text_hashes(text, ngram=3)) == m.hashvalues).all())
True

:func:`sketch_texts` is the whole stage for a batch of texts: each text's sorted distinct
shingle hashes, its passage keys (the minimum shingle hash of every ``window`` consecutive
shingles: winnowing, the one-permutation MinHash of each passage) and its band signature
(:func:`band_signatures`), as one flat :class:`Sketch`.

With numba installed (the ``fast`` extra), :mod:`dedupe.kernel` runs the hot loops below
compiled once a process sketches large batches, with bit-identical output
(``DEDUPE_KERNEL=numpy`` keeps the numpy path).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import kernel
from .errors import InvalidParameterError
from .flat import (
    concat_arrays,
    concat_offsets,
    lengths,
    offsets_of,
    row_ids,
    sorted_unique,
    take,
)
from .text import FUZZY_TOKENIZER, fuzzy_buffers, word_buffer

__all__ = [
    "HASH_SCHEME",
    "HASH_SCHEMES",
    "AFFINE_HASH_SCHEME",
    "DENSIFY_ROUNDS",
    "KEY_MASK",
    "LEGACY_HASH_SCHEME",
    "SKETCH_CHUNK_CHARS",
    "BAND_BIT",
    "MinHasher",
    "Sketch",
    "band_keys",
    "band_signatures",
    "set_band_keys",
    "signs_cheaply",
    "one_permutation_signatures",
    "buffer_word_hashes",
    "batch_text_hashes",
    "datasketch_hash",
    "shingle_hash",
    "shingle_hashes",
    "mix64",
    "passage_keys",
    "fuzzy_keys",
    "packed_fuzzy_keys",
    "FUZZY_KEY_DOCS",
    "FUZZY_KERNEL_WEIGHT",
    "kernel_chars",
    "FUZZY_SCHEME",
    "FUZZY_GRAM",
    "FUZZY_WINDOW",
    "sketch_texts",
    "text_hashes",
    "unique_per_row",
    "window_minima",
    "word_hashes",
]

#: Name of the hashing scheme of new indexes, recorded in index files: a change to any
#: function below that alters a hash value or a band key must change this name. Its last
#: part names how band keys are made: ``oph32`` (:func:`one_permutation_signatures`).
HASH_SCHEME = "bytes8-poly64-words/poly64-fmix64/oph32"
#: The scheme of dedupe 0.2-0.4: the same shingle hashes, band keys cut from datasketch
#: ``affine32`` signatures (:class:`MinHasher`: num_perm multiply-adds a shingle, against
#: about one for ``oph32``). Its index files still load and answer as before.
AFFINE_HASH_SCHEME = "bytes8-poly64-words/poly64-fmix64/affine32"
#: The scheme of dedupe 0.1 (each distinct word hashed with BLAKE2b through a cache):
#: slower, kept so that index files written by 0.1 still load and answer the same.
LEGACY_HASH_SCHEME = "blake2b64-words/poly64-fmix64/affine32"
#: Every scheme this version can hash with.
HASH_SCHEMES = (HASH_SCHEME, AFFINE_HASH_SCHEME, LEGACY_HASH_SCHEME)

_MASK64 = (1 << 64) - 1
#: Odd multiplier of the polynomial hashes (words of an n-gram, rows of an LSH band).
POLY = np.uint64(0x9E3779B97F4A7C15)
#: Passage keys and band keys keep 31 bits; band keys have the 32nd (top) bit set.
KEY_MASK = np.uint64(0x7FFFFFFF)
#: Texts are tokenised and sketched in chunks of about this many characters, which
#: bounds the memory a batch takes at once.
SKETCH_CHUNK_CHARS = 4_000_000
#: Words longer than this many bytes (rare: URLs, junk) are hashed one by one (BLAKE2b).
LONG_WORD_BYTES = 64
_EMPTY32 = np.uint32(0xFFFFFFFF)
_WORD_CACHE_MAX = 2_000_000
_SPACE = 32


def _blake_hash(word: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(word, digest_size=8).digest(), "little")


class _WordCache(dict):
    """bytes -> 64-bit BLAKE2b hash (the legacy scheme), filled on first sight of each word."""

    def __missing__(self, word: bytes) -> int:
        h = self[word] = _blake_hash(word)
        return h


_WORD_CACHE = _WordCache()

# MurmurHash3 finalizers (shift, multiply, shift, multiply, shift) for 64 and 32 bits.
_FMIX64 = tuple(np.uint64(c) for c in (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33))
_FMIX32 = tuple(np.uint32(c) for c in (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16))
# _BYTE_MASKS[r] keeps the low r bytes of a little-endian 64-bit word.
_BYTE_MASKS = np.array([(1 << (8 * r)) - 1 for r in range(9)], dtype=np.uint64)


def _fmix(x: np.ndarray, consts: tuple, *, inplace: bool = False) -> np.ndarray:
    """MurmurHash3's finalizer: a fixed bijection that spreads every input bit (computed
    in ``x`` itself with ``inplace``). Integer ufuncs on arrays wrap without a warning, so
    no ``np.errstate`` is needed (entering one costs more than an operation on a query's
    few hundred values)."""
    s1, m1, s2, m2, s3 = consts
    x = x if inplace else x.copy()
    x ^= x >> s1
    x *= m1
    x ^= x >> s2
    x *= m2
    x ^= x >> s3
    return x


def mix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer over ``uint64`` values (a bijection).

    >>> mix64(np.array([0, 1], np.uint64)).tolist()[0]
    0
    """
    return _fmix(np.asarray(x, dtype=np.uint64), _FMIX64)


def _check_scheme(scheme: str) -> None:
    if scheme not in HASH_SCHEMES:
        raise InvalidParameterError(
            f"unknown hash scheme {scheme!r}: this dedupe knows {', '.join(HASH_SCHEMES)}"
        )


def _check_num_perm(num_perm: int) -> None:
    if not 1 <= num_perm <= 4096:
        raise InvalidParameterError(f"num_perm must be between 1 and 4096, got {num_perm}")


def _word_bounds(buf: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end byte of every word of a buffer whose words are separated by spaces."""
    is_word = np.zeros(len(buf) + 2, dtype=bool)  # a space before and after the buffer
    np.not_equal(np.frombuffer(buf, dtype=np.uint8), _SPACE, out=is_word[1:-1])
    edges = np.flatnonzero(is_word[1:] != is_word[:-1])  # byte i of buf is is_word[i + 1]
    return edges[0::2], edges[1::2]  # words start and end by turns


def _buffer_word_hashes(
    buf: bytes, starts: np.ndarray, ends: np.ndarray, scheme: str
) -> np.ndarray:
    """64-bit hashes of the words ``buf[starts[i]:ends[i]]``.

    The fast scheme reads each word 8 bytes at a time as little-endian integers (numpy, no
    Python object per word), combines them polynomially with the word's length and mixes
    the result with MurmurHash3's 64-bit finalizer. The legacy scheme hashes each distinct
    word with BLAKE2b through a cache.
    """
    if scheme == LEGACY_HASH_SCHEME:
        if len(_WORD_CACHE) > _WORD_CACHE_MAX:  # bound the cache on unbounded vocabularies
            _WORD_CACHE.clear()
        words = buf.split()
        return np.fromiter(map(_WORD_CACHE.__getitem__, words), dtype=np.uint64, count=len(words))
    lens = ends - starts
    padded = buf + bytes(8)
    view = np.ndarray((len(buf),), dtype="<u8", buffer=padded, strides=(1,))
    h = lens.astype(np.uint64)  # integer ufuncs on arrays wrap silently: no errstate
    h *= POLY
    first = view[starts]
    first &= _BYTE_MASKS[np.minimum(lens, 8)]
    h += first
    del first
    sel = np.flatnonzero(lens > 8)
    for at in range(8, LONG_WORD_BYTES, 8):
        if not len(sel):
            break
        chunk = view[starts[sel] + at] & _BYTE_MASKS[np.minimum(lens[sel] - at, 8)]
        h[sel] = h[sel] * POLY + chunk
        sel = sel[lens[sel] > at + 8]  # the words that go on past these bytes
    out = _fmix(h, _FMIX64, inplace=True)
    for i in sel.tolist():  # longer than LONG_WORD_BYTES
        out[i] = _blake_hash(buf[starts[i] : ends[i]])
    return out


def word_hashes(tokens: Sequence[str | bytes], *, scheme: str = HASH_SCHEME) -> np.ndarray:
    """64-bit hashes of word tokens (each a word of :func:`dedupe.text.words`).

    >>> word_hashes([b"a", "b", b"a"]).dtype, len(set(word_hashes(["a", "b", "a"]).tolist()))
    (dtype('uint64'), 2)
    """
    _check_scheme(scheme)
    buf = b" ".join(t.encode("utf-8") if isinstance(t, str) else t for t in tokens)
    return _buffer_word_hashes(buf, *_word_bounds(buf), scheme)


def buffer_word_hashes(buf: bytes, *, scheme: str = HASH_SCHEME) -> np.ndarray:
    """:func:`word_hashes` of the words of a buffer whose words are separated by spaces
    (such as :func:`dedupe.text.fuzzy_buffer`), without a Python object per word.

    >>> bool((buffer_word_hashes(b"a b") == word_hashes(["a", "b"])).all())
    True
    """
    _check_scheme(scheme)
    return _buffer_word_hashes(buf, *_word_bounds(buf), scheme)


def shingle_hashes(hashes: np.ndarray, ngram: int) -> np.ndarray:
    """Combine per-word hashes into one 64-bit hash per word n-gram, in order.

    Fewer words than ``ngram`` (but at least one) give one shingle of all the words;
    no words give an empty array.

    >>> h = word_hashes("a b c d".split())
    >>> len(shingle_hashes(h, 2)), len(shingle_hashes(h, 9)), len(shingle_hashes(h[:0], 2))
    (3, 1, 0)
    """
    if ngram < 1:
        raise InvalidParameterError(f"ngram must be >= 1, got {ngram}")
    total = len(hashes)
    if total == 0:
        return np.empty(0, dtype=np.uint64)
    n = min(ngram, total)
    count = total - n + 1
    acc = np.array(hashes[:count], dtype=np.uint64)  # a copy: 0 * POLY + the first word
    for j in range(1, n):  # wraps silently (an array, not a scalar)
        acc *= POLY
        acc += hashes[j : j + count]
    acc ^= np.uint64(n)
    return _fmix(acc, _FMIX64, inplace=True)


def text_hashes(text: str, *, ngram: int = 5, scheme: str = HASH_SCHEME) -> np.ndarray:
    """Shingle hashes of a text, in text order (duplicates kept).

    >>> len(text_hashes("one two three four five six", ngram=5))
    2
    """
    return batch_text_hashes([text], ngram=ngram, scheme=scheme)[0]


def batch_text_hashes(
    texts: Sequence[str], *, ngram: int = 5, scheme: str = HASH_SCHEME
) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts at once: ``(hashes, offsets)``.

    Text ``i`` owns ``hashes[offsets[i]:offsets[i + 1]]``, equal to ``text_hashes(texts[i])``.
    The texts' word buffers (:func:`dedupe.text.word_buffer`) are joined into one, whose
    words are found and hashed in numpy (hashed by :mod:`dedupe.kernel` where it runs).

    >>> hashes, offsets = batch_text_hashes(["a b c d e f", "", "x y"], ngram=5)
    >>> offsets.tolist(), bool((hashes[0:2] == text_hashes("a b c d e f")).all())
    ([0, 2, 2, 3], True)
    """
    if ngram < 1:
        raise InvalidParameterError(f"ngram must be >= 1, got {ngram}")
    _check_scheme(scheme)
    buffers = [word_buffer(t) for t in texts]
    big = b" ".join(buffers)
    starts, ends = _word_bounds(big)
    compiled = scheme == HASH_SCHEME and kernel.wanted()
    if compiled:
        flat = kernel.word_hashes(
            big, starts, ends, long_hash=_blake_hash, long_bytes=LONG_WORD_BYTES
        )
    else:
        flat = _buffer_word_hashes(big, starts, ends, scheme)
    if len(buffers) == 1:  # one text (a query): every word is its own
        first = np.array([0, len(flat)], dtype=np.int64)
    else:  # each text's first word
        doc_starts = offsets_of(np.fromiter(map(len, buffers), np.int64, len(buffers)) + 1)[:-1]
        first = np.append(np.searchsorted(starts, doc_starts), len(starts))
    del starts, ends
    if compiled:  # each text's own n-grams, in one pass
        return kernel.shingle_hashes(flat, first, ngram)
    # one rolling combination over the whole word stream, then each text's own n-grams
    return _text_windows(
        shingle_hashes(flat, ngram) if len(flat) >= ngram else np.empty(0, np.uint64),
        lengths(first),
        ngram,
        lambda i: shingle_hashes(flat[first[i] : first[i + 1]], ngram)[0],
    )


def _text_windows(
    whole: np.ndarray, counts: np.ndarray, width: int, short_value: Callable[[int], Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's windows, ragged, from ``whole``: one value per window of ``width``
    consecutive items of the texts' items laid end to end (the windows that straddle two
    texts are dropped; text ``i`` holds ``counts[i]`` items). A non-empty text of fewer
    items has one window, ``short_value(i)``.

    >>> v, o = _text_windows(np.array([1, 2, 3, 4]), np.array([3, 0, 1, 1]), 2, lambda i: 9)
    >>> v.tolist(), o.tolist()
    ([1, 2, 9, 9], [0, 2, 2, 3, 4])
    >>> [a.tolist() for a in _text_windows(np.array([], np.uint64), np.array([1]), 2, lambda i: 9)]
    [[9], [0, 1]]
    """
    if len(counts) == 1:  # one text (a query): its windows are those of the whole stream
        n = int(counts[0])
        if n >= width:
            return whole, np.array([0, len(whole)], dtype=np.int64)
        short = [short_value(0)] if n else []
        return np.array(short, dtype=whole.dtype), np.array([0, len(short)], dtype=np.int64)
    long_rows = counts >= width
    n_win = np.where(long_rows, counts - width + 1, np.minimum(counts, 1))
    offsets = offsets_of(n_win)
    row = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    found = whole[row[: len(whole)] == row[width - 1 :]] if len(whole) else whole
    del row
    if long_rows.all():
        return found, offsets
    out = np.empty(int(offsets[-1]), dtype=whole.dtype)
    out[np.repeat(long_rows, n_win)] = found
    for i in np.flatnonzero((counts > 0) & ~long_rows).tolist():
        out[offsets[i]] = short_value(i)
    return out, offsets


def shingle_hash(shingle: str | bytes, *, scheme: str = HASH_SCHEME) -> int:
    """64-bit hash of one shingle (its words joined by single spaces), as in the batch path.

    >>> shingle_hash("a b c") == int(text_hashes("a b c", ngram=3)[0])
    True
    """
    if isinstance(shingle, str):
        shingle = shingle.encode("utf-8")
    words = shingle.split(b" ")
    return int(shingle_hashes(word_hashes(words, scheme=scheme), len(words))[0])


def datasketch_hash(shingle: str | bytes) -> int:
    """32-bit shingle hash for ``datasketch.MinHash(hashfunc=...)`` (``affine32`` scheme):
    the low 32 bits of :func:`shingle_hash`, the fingerprint the index keeps.

    >>> 0 <= datasketch_hash("a b c d e") < 2**32
    True
    """
    return shingle_hash(shingle) & 0xFFFFFFFF


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``affine32`` permutations (``a``, ``b`` as ``uint32[num_perm, 1]``),
    made once per process for each (num_perm, seed).

    datasketch 2 draws them from ``numpy.random.RandomState(seed)``: ``num_perm`` odd
    multipliers ``a`` (``2 * randint(0, 2**31) + 1``), then ``num_perm`` offsets ``b``
    (``randint(0, 2**32)``), as ``uint32``. They are drawn here the same way instead of
    taken from a ``datasketch.MinHash``: importing datasketch costs about 0.6 s (it imports
    scipy), a third of the time of 20,000 articles. A test checks them equal to
    datasketch's for many (num_perm, seed).

    >>> a, b = _permutations(4, 1)
    >>> a.shape, a.dtype, bool((a % 2 == 1).all())
    ((4, 1), dtype('uint32'), True)
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a, b = np.ascontiguousarray(a[:, None]), np.ascontiguousarray(b[:, None])
    a.flags.writeable = b.flags.writeable = False
    return a, b


class MinHasher:
    """MinHash signatures, bit-identical to datasketch ``MinHash(num_perm, seed)``.

    The permutations are datasketch's own (``affine32``: ``a * fmix32(h) + b mod 2**32``),
    taken from a datasketch ``MinHash`` of the same ``num_perm`` and ``seed``; ``h`` is the
    low 32 bits of each shingle hash.

    >>> hasher = MinHasher(num_perm=8, seed=3)
    >>> sig = hasher.signature(text_hashes("a b c d e f g"))
    >>> sig.dtype, sig.shape
    (dtype('uint32'), (8,))
    >>> h = text_hashes("a b c d e f g")
    >>> hasher.signatures(h, np.array([0, len(h), len(h)]))[0].tolist() == sig.tolist()
    True
    """

    #: Cells (shingles x permutations) computed at once; bounds the scratch memory, even
    #: for one very long document.
    CHUNK_CELLS = 1 << 20

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        _check_num_perm(num_perm)
        self.num_perm = num_perm
        self.seed = seed
        self._a, self._b = _permutations(num_perm, seed)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """The signature (``uint32[num_perm]``) of one document's shingle hashes (64-bit
        hashes or their 32-bit fingerprints: only the low 32 bits count).

        An empty set gives all ``0xFFFFFFFF``, like an empty datasketch ``MinHash``.
        """
        return self.signatures(np.asarray(hashes), np.array([0, len(hashes)]))[0]

    def signatures(self, values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Signatures of many documents (ragged: ``values[offsets[i]:offsets[i + 1]]``), as
        ``uint32[n, num_perm]``, computed :attr:`CHUNK_CELLS` cells at a time."""
        n = len(offsets) - 1
        out = np.full((n, self.num_perm), _EMPTY32, dtype=np.uint32)
        if n == 1:  # one text (a query): no rows to keep apart
            values = np.asarray(values)[offsets[0] : offsets[1]]
        h32 = _fmix(np.asarray(values).astype(np.uint32), _FMIX32, inplace=True)
        step = max(1, self.CHUNK_CELLS // self.num_perm)
        scratch = np.empty((self.num_perm, min(step, len(h32))), dtype=np.uint32)
        lens = lengths(offsets)
        nonempty = np.flatnonzero(lens)
        ne_start, ne_end = offsets[nonempty], offsets[nonempty + 1]
        with np.errstate(over="ignore"):
            for lo in range(0, len(h32), step):
                hi = min(lo + step, len(h32))
                block = np.multiply(self._a, h32[None, lo:hi], out=scratch[:, : hi - lo])
                block += self._b
                if n == 1:
                    np.minimum(out[0], block.min(axis=1), out=out[0])
                    continue
                i0 = int(np.searchsorted(ne_end, lo, side="right"))
                i1 = int(np.searchsorted(ne_start, hi, side="left"))
                mins = np.minimum.reduceat(block, np.maximum(ne_start[i0:i1], lo) - lo, axis=1)
                docs = nonempty[i0:i1]
                out[docs] = np.minimum(out[docs], mins.T)
        return out


#: :func:`one_permutation_signatures` fills an empty bin from a bin drawn at random, up to
#: this many draws (each bin has its own fixed sequence of draws)...
DENSIFY_ROUNDS = 32


@functools.lru_cache(maxsize=8)
def _densify_draws(num_perm: int, seed: int) -> np.ndarray:
    """``draws[t, i]``: the bin an empty bin ``i`` copies at draw ``t`` (the same for every
    document, so two documents with the same filled bins fill their empty ones alike)."""
    t = np.arange(DENSIFY_ROUNDS, dtype=np.uint64)[:, None]
    i = np.arange(num_perm, dtype=np.uint64)[None, :]
    with np.errstate(over="ignore"):
        mixed = mix64((np.uint64(seed) << np.uint64(32)) ^ (t << np.uint64(16)) ^ i)
        draws = ((mixed >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)
    draws = draws.astype(np.int64)
    draws.flags.writeable = False
    return draws


@functools.lru_cache(maxsize=8)
def _seed_offset(seed: int) -> np.uint32:
    return np.uint32(int(mix64(np.array([seed], dtype=np.uint64))[0]) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=8)
def _row_tables(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`_row_signature` looks up, made once per (num_perm, seed): the smallest
    rotated value of each bin (``ceil(b * 2**32 / num_perm)``) and the largest
    (``0xFFFFFFFE`` for the last: see :func:`one_permutation_signatures`), as ``uint32``,
    and each bin's densification draws, bin by bin (``int64[num_perm, DENSIFY_ROUNDS]``).

    >>> lo, hi, draws = _row_tables(4, 1)
    >>> lo.tolist(), hi.tolist()[-2:], draws.shape
    ([0, 1073741824, 2147483648, 3221225472], [3221225471, 4294967294], (4, 32))
    """
    lo = [-(-(b << 32) // num_perm) for b in range(num_perm + 1)]
    first = np.array(lo[:-1], dtype=np.uint32)
    last = np.array([min(x - 1, 0xFFFFFFFE) for x in lo[1:]], dtype=np.uint32)
    draws = np.ascontiguousarray(_densify_draws(num_perm, seed).T)
    for table in (first, last, draws):
        table.flags.writeable = False
    return first, last, draws


def _row_signature(values: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """:func:`one_permutation_signatures` of one row (``uint32[num_perm]``), with no row
    bookkeeping: a query text's, several times faster than the general path for it.

    The rotated values sorted, each bin's smallest is the first at or above the bin's
    lowest value (one ``searchsorted``); empty bins are then filled as :func:`_densify`
    fills them.

    >>> v = np.array([5, 2**31, 7], np.uint32)
    >>> bool((_row_signature(v, 8, 1) == one_permutation_signatures(
    ...     v, np.array([0, 3]), num_perm=8, seed=1)[0]).all())
    True
    """
    if not len(values):
        return np.full(num_perm, _EMPTY32, dtype=np.uint32)
    first, last, draws = _row_tables(num_perm, seed)
    n = len(values)
    r = np.empty(n + 1, dtype=np.uint32)  # one more: what a bin past the largest reads
    np.add(values, _seed_offset(seed), out=r[:n])  # wraps: a rotation
    r[:n].sort()
    if r[n - 1] == _EMPTY32:  # 0xFFFFFFFF marks an empty bin: kept one below
        r[n - 1] = _EMPTY32 - 1
    r[n] = _EMPTY32
    sig = r[np.searchsorted(r[:n], first)]
    empty = sig > last  # the value found is in a later bin, or there is none
    cols = np.flatnonzero(empty)
    if not len(cols):
        return sig
    # each empty bin copies the first bin of its draws that was filled at the start
    tries = draws[cols]
    hit = ~empty[tries]
    pick = hit.argmax(axis=1)
    pick += np.arange(0, hit.size, DENSIFY_ROUNDS)
    found = hit.ravel()[pick]
    sig[cols[found]] = sig[tries.ravel()[pick[found]]]
    rest = cols[~found]
    if len(rest):  # then the next bin to its right filled at the start
        filled = np.flatnonzero(~empty)
        sig[rest] = sig[filled[np.searchsorted(filled, rest) % len(filled)]]
    return sig


def one_permutation_signatures(
    values: np.ndarray, offsets: np.ndarray, *, num_perm: int, seed: int
) -> np.ndarray:
    """One-permutation MinHash signatures (``uint32[n, num_perm]``) of sorted distinct
    32-bit fingerprints (each row of ``values``, as :func:`unique_per_row` gives them).

    Each fingerprint (already a uniform hash) is turned by the seed, ``r = v + c mod 2**32``,
    and falls in bin ``r * num_perm >> 32``; a bin keeps its smallest ``r`` (at most
    ``2**32 - 2``: ``2**32 - 1`` marks an empty bin). Two sets then
    agree on a bin with probability their Jaccard, as for a full MinHash, at about one
    operation a shingle instead of ``num_perm`` multiply-adds. An empty bin copies a filled
    one (optimal densification: bin ``i`` tries the bins of its fixed random sequence,
    :data:`DENSIFY_ROUNDS` of them, then the next filled bin to its right), so short texts
    keep every band. An empty set gives all ``0xFFFFFFFF``.

    Band keys are all it is for: it is not a datasketch signature
    (:meth:`MinHasher.signatures` is, and :meth:`dedupe.Index.signature` gives it).

    >>> sig = one_permutation_signatures(np.array([5, 2**31, 7], np.uint32), np.array([0, 2, 2, 3]),
    ...                                  num_perm=4, seed=1)
    >>> sig.shape, bool((sig[1] == 0xFFFFFFFF).all()), len(set(sig[2].tolist()))
    ((3, 4), True, 1)
    """
    n = len(offsets) - 1
    if n == 1:  # one text (a query)
        row = np.asarray(values, dtype=np.uint32)[offsets[0] : offsets[1]]
        return _row_signature(row, num_perm, seed)[None, :]
    out = np.full((n, num_perm), _EMPTY32, dtype=np.uint32)
    if not n or not len(values):
        return out
    r = np.asarray(values, dtype=np.uint32) + _seed_offset(seed)  # wraps: a rotation
    if num_perm & (num_perm - 1):  # bins r * num_perm >> 32, through 64 bits
        bins = ((r.astype(np.uint64) * np.uint64(num_perm)) >> np.uint64(32)).astype(np.uint32)
    else:  # a power of two: the top bits of r (all in bin 0 when there is one bin)
        bins = r >> np.uint32(32 - num_perm.bit_length() + 1) if num_perm > 1 else r & 0
    # a row is sorted by v, so r is sorted but for one wrap (to a smaller r): the first
    # value of each run of equal bins, and the first after the wrap, are the candidates
    first = np.empty(len(r), dtype=bool)
    first[0] = True
    np.not_equal(bins[1:], bins[:-1], out=first[1:])
    first[1:] |= r[1:] < r[:-1]
    first[offsets[:-1][lengths(offsets) > 0]] = True
    at = np.flatnonzero(first)
    del first
    cells = np.searchsorted(offsets, at, side="right") - 1  # the row of each
    cells *= num_perm
    cells += bins[at]
    # 0xFFFFFFFF marks an empty bin: a value that rotates onto it is kept one below
    np.minimum.at(out.reshape(-1), cells, np.minimum(r[at], _EMPTY32 - 1))
    _densify(out, num_perm, seed)
    return out


def _densify(sig: np.ndarray, num_perm: int, seed: int) -> None:
    """Fill the empty bins of each non-empty row of ``sig`` in place (see
    :func:`one_permutation_signatures`)."""
    empty = sig == _EMPTY32
    filled_rows = ~empty.all(axis=1)
    rows, cols = np.nonzero(empty & filled_rows[:, None])
    if not len(rows):
        return
    draws = _densify_draws(num_perm, seed)[:, cols]  # every draw of every empty bin at once
    hit = ~empty[rows[None, :], draws]
    found = hit.any(axis=0)
    first = hit.argmax(axis=0)  # the first draw that found a filled bin
    src = draws[first, np.arange(len(cols))]
    sig[rows[found], cols[found]] = sig[rows[found], src[found]]  # src was filled at the start
    rows, cols = rows[~found], cols[~found]
    if not len(rows):
        return
    # the rest (texts of a few shingles): the next bin to the right filled at the start
    need, local = np.unique(rows, return_inverse=True)
    width = 2 * num_perm
    pos = np.where(np.tile(~empty[need], 2), np.arange(width), width)
    nxt = np.minimum.accumulate(pos[:, ::-1], axis=1)[:, ::-1]  # nxt[j]: first filled >= j
    src = nxt[local, cols + 1] % num_perm
    sig[rows, cols] = sig[rows, src]


def band_signatures(
    values: np.ndarray, offsets: np.ndarray, *, num_perm: int, seed: int, scheme: str
) -> np.ndarray:
    """The signatures band keys are cut from, as ``scheme`` makes them: one-permutation
    (:data:`HASH_SCHEME`) or datasketch ``affine32`` (older schemes).

    >>> v, o = np.array([1, 2, 3], np.uint32), np.array([0, 3])
    >>> band_signatures(v, o, num_perm=8, seed=1, scheme=AFFINE_HASH_SCHEME).tolist() == (
    ...     MinHasher(num_perm=8, seed=1).signatures(v, o).tolist())
    True
    """
    if not signs_cheaply(scheme):
        return MinHasher(num_perm=num_perm, seed=seed).signatures(values, offsets)
    return one_permutation_signatures(values, offsets, num_perm=num_perm, seed=seed)


def signs_cheaply(scheme: str) -> bool:
    """Whether ``scheme`` cuts band keys from one-permutation signatures (about one
    operation a shingle, so band keys can be recomputed from stored sets when needed)
    rather than datasketch ``affine32`` ones (``num_perm`` multiply-adds a shingle).

    >>> signs_cheaply(HASH_SCHEME), signs_cheaply(AFFINE_HASH_SCHEME)
    (True, False)
    """
    _check_scheme(scheme)
    return not scheme.endswith("/affine32")


def set_band_keys(
    values: np.ndarray, offsets: np.ndarray, *, num_perm: int, seed: int, scheme: str, bands: int
) -> np.ndarray:
    """The band keys of stored shingle sets: equal to those :func:`sketch_texts`'s
    signatures give for the texts of the sets (both sign the sets).

    >>> sk = sketch_texts(["a b c d e f g h"], ngram=2, window=4, num_perm=8, seed=1)
    >>> keys = set_band_keys(sk.set_values, sk.set_offsets, num_perm=8, seed=1,
    ...                      scheme=HASH_SCHEME, bands=2)
    >>> keys.tolist() == band_keys(sk.signatures, 2).tolist()
    True
    """
    signatures = band_signatures(values, offsets, num_perm=num_perm, seed=seed, scheme=scheme)
    return band_keys(signatures, bands)


def _sliding_min(x: np.ndarray, window: int) -> np.ndarray:
    """``x[i:i + window].min()`` for every ``i`` (by doubling: about log2(window) passes)."""
    span, m = 1, x
    while 2 * span <= window:  # m[i] = min(x[i:i + 2 * span])
        m = np.minimum(m[: len(m) - span], m[span:])
        span *= 2
    if span < window:  # cover the rest with an overlapping second window
        rest = window - span
        m = np.minimum(m[: len(m) - rest], m[rest:])
    return m


def window_minima(
    hashes: np.ndarray, offsets: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Passage keys in text order: the minimum of every ``window`` consecutive shingle
    hashes of each text (one key for a text with fewer shingles), low 31 bits, ``uint32``.

    Two texts that share a run of at least ``window`` shingles always share a key.

    >>> keys, offs = window_minima(np.array([5, 3, 9, 4, 2], np.uint64), np.array([0, 4, 5]), 2)
    >>> keys.tolist(), offs.tolist()
    ([3, 3, 4, 2], [0, 3, 4])
    """
    minima, win_off = _text_windows(  # minima over the whole stream, then each text's own
        _sliding_min(hashes, window) if len(hashes) >= window else np.empty(0, np.uint64),
        lengths(offsets),
        window,
        lambda i: hashes[offsets[i] : offsets[i + 1]].min(),
    )
    keys = minima.astype(np.uint32)
    keys &= np.uint32(KEY_MASK)
    return keys, win_off


def _drop_repeats(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row without the values equal to the one before them (window minima repeat for
    several windows in a row; a sorted row keeps its distinct values).

    >>> [a.tolist() for a in _drop_repeats(np.array([4, 4, 2, 4, 4]), np.array([0, 3, 5]))]
    [[4, 2, 4], [0, 2, 3]]
    """
    keep = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    keep[offsets[:-1][lengths(offsets) > 0]] = True  # every row keeps its first value
    kept = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept[1:])
    return values[keep], kept[offsets]


#: :func:`unique_per_row` sorts up to this many rows at once, as the rows of a matrix...
SORT_GROUP_ROWS = 128
#: ...of at most this many cells (rows of similar lengths, padded to the longest).
SORT_GROUP_CELLS = 1 << 20
#: Up to this many rows are sorted one by one (less overhead for a few query texts).
FEW_ROWS = 4


def unique_per_row(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's 32-bit values sorted and distinct.

    Rows are sorted in groups of similar lengths, as the rows of a padded ``uint32``
    matrix: numpy sorts short rows in cache, several times faster an element than one
    sort of the whole array.

    >>> v, o = unique_per_row(np.array([3, 1, 3, 9, 9], np.uint32), np.array([0, 3, 5]))
    >>> v.tolist(), o.tolist()
    ([1, 3, 9], [0, 2, 3])
    """
    values = np.asarray(values, dtype=np.uint32)
    offsets = np.asarray(offsets, dtype=np.int64)
    lens = lengths(offsets)
    if kernel.wanted():
        return kernel.unique_per_row(values, offsets)
    if len(lens) <= FEW_ROWS:  # a query's text or two: each row on its own
        each = [sorted_unique(values[lo:hi]) for lo, hi in zip(offsets[:-1], offsets[1:])]
        sizes = np.array([len(r) for r in each], dtype=np.int64)
        return (np.concatenate(each) if each else values[:0]), offsets_of(sizes)
    out = np.empty_like(values)
    order = np.argsort(lens, kind="stable")
    order = order[lens[order] > 0]
    g = 0
    while g < len(order):
        k = min(SORT_GROUP_ROWS, len(order) - g)
        while k > 1 and k * int(lens[order[g + k - 1]]) > SORT_GROUP_CELLS:
            k //= 2
        rows = order[g : g + k]
        g += k
        row_lens = lens[rows]
        width = int(row_lens[-1])  # the longest: rows are in length order
        ends = np.cumsum(row_lens)
        total = int(ends[-1])
        firsts = ends - row_lens
        src = np.repeat(offsets[rows] - firsts, row_lens) + np.arange(total)
        cell = np.repeat(np.arange(k, dtype=np.int64) * width - firsts, row_lens)
        cell += np.arange(total)
        matrix = np.full(k * width, _EMPTY32, dtype=np.uint32)  # padding sorts last
        matrix[cell] = values[src]
        matrix.reshape(k, width).sort(axis=1)
        out[src] = matrix[cell]
    return _drop_repeats(out, offsets)


@dataclass(frozen=True, eq=False)
class Sketch:
    """What the index keeps of a batch of texts, as flat arrays (text ``i`` owns
    ``set_values[set_offsets[i]:set_offsets[i + 1]]``, and likewise for keys).

    ``set_values``: each text's sorted distinct shingle fingerprints (the low 32 bits of
    its shingle hashes, ``uint32``); ``key_values``: its sorted distinct passage keys
    (``uint32``, top bit clear; in fuzzy mode its fuzzy keys, :func:`fuzzy_keys`);
    ``signatures``: its band signature (:func:`band_signatures`, ``uint32[n, num_perm]``), or
    ``None`` where it was not computed; ``text_values``: in fuzzy mode, its fuzzy words
    (:func:`dedupe.text.fuzzy_buffer`, ``uint8``), which the fuzzy score reads, else
    ``None``.

    >>> sk = sketch_texts(["a b c d e f", "x y"], ngram=5, window=8, num_perm=16, seed=1)
    >>> len(sk), sk.set_sizes().tolist(), sk.key_counts().tolist(), sk.signatures.shape
    (2, [2, 1], [1, 1], (2, 16))
    """

    set_values: np.ndarray
    set_offsets: np.ndarray
    key_values: np.ndarray
    key_offsets: np.ndarray
    signatures: np.ndarray | None = None
    text_values: np.ndarray | None = None
    text_offsets: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.set_offsets) - 1

    def set_sizes(self) -> np.ndarray:
        """Distinct shingles of each text."""
        return lengths(self.set_offsets)

    def key_counts(self) -> np.ndarray:
        """Distinct passage keys of each text."""
        return lengths(self.key_offsets)

    def take(self, rows: np.ndarray) -> Sketch:
        """The sketch of the texts ``rows``, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        texts: tuple[np.ndarray | None, np.ndarray | None] = (None, None)
        if self.text_values is not None and self.text_offsets is not None:
            texts = take(self.text_values, self.text_offsets, rows)
        return Sketch(
            *take(self.set_values, self.set_offsets, rows),
            *take(self.key_values, self.key_offsets, rows),
            None if self.signatures is None else self.signatures[rows],
            *texts,
        )

    def words(self, i: int) -> list[str]:
        """Text ``i``'s fuzzy words (fuzzy mode only).

        >>> sketch_texts(["Tbe Coun-\\ncil"], ngram=5, window=8, num_perm=4, seed=1,
        ...              fuzzy=True).words(0)
        ['tbe', 'council']
        """
        if self.text_values is None or self.text_offsets is None:
            raise ValueError("this sketch keeps no words: it was not made in fuzzy mode")
        lo, hi = self.text_offsets[i], self.text_offsets[i + 1]
        return self.text_values[lo:hi].tobytes().decode("utf-8").split()

    @staticmethod
    def concat(parts: Sequence[Sketch]) -> Sketch:
        """The texts of several sketches, one batch after the other. A ``list`` of parts is
        emptied as it is copied (peak memory: the result plus one part)."""
        if len(parts) == 1:
            return parts[0]
        sigs = [p.signatures for p in parts]
        set_off = concat_offsets([p.set_offsets for p in parts])
        key_off = concat_offsets([p.key_offsets for p in parts])
        text_offs = [p.text_offsets for p in parts]
        kept = all(o is not None for o in text_offs)
        names = ("set_values", "key_values") + (("text_values",) if kept else ())
        columns = {name: [getattr(p, name) for p in parts] for name in names}
        if isinstance(parts, list):
            parts.clear()
        return Sketch(
            concat_arrays(columns["set_values"]),
            set_off,
            concat_arrays(columns["key_values"]),
            key_off,
            None if any(s is None for s in sigs) else np.concatenate(sigs),  # type: ignore[arg-type]
            concat_arrays(columns["text_values"]) if kept else None,
            concat_offsets(text_offs) if kept else None,  # type: ignore[arg-type]
        )


def sketch_texts(
    texts: Sequence[str],
    *,
    ngram: int,
    window: int,
    num_perm: int,
    seed: int,
    short_text: int = 0,
    scheme: str = HASH_SCHEME,
    fuzzy: bool = False,
    load_kernel: bool = True,
) -> Sketch:
    """The sketch stage, pure: shingle sets, passage keys and signatures of ``texts``
    (with ``fuzzy``: fuzzy keys in place of passage keys, and the fuzzy words).
    A batch counts towards loading the compiled kernel (:func:`dedupe.kernel.expect`)
    unless ``load_kernel`` is false; the result is the same either way.

    A text with fewer than ``short_text`` distinct shingles takes every shingle as a
    passage key (winnowing would keep only a few of them); the others take the minimum of
    every ``window`` consecutive shingles. Texts are processed in chunks of about
    :data:`SKETCH_CHUNK_CHARS` characters; the result does not depend on the chunking.

    >>> sk = sketch_texts(["a b c d e f"], ngram=5, window=8, num_perm=16, seed=1)
    >>> sk.set_offsets.tolist(), sk.key_offsets.tolist(), sk.signatures.shape
    ([0, 2], [0, 1], (1, 16))
    """
    _check_scheme(scheme)
    _check_num_perm(num_perm)
    if len(texts) == 1 and scheme == HASH_SCHEME and not fuzzy and not kernel.wanted():
        return _one_text_sketch(texts[0], ngram, window, num_perm, seed, short_text)
    signing = functools.partial(band_signatures, num_perm=num_perm, seed=seed, scheme=scheme)
    if len(texts) > FEW_ROWS and load_kernel:  # a batch: the kernel may pay off (a query: no)
        kernel.expect(kernel_chars(texts, fuzzy=fuzzy))
    parts, start, chars = [], 0, 0
    for i, text in enumerate(texts):
        chars += len(text)
        if chars >= SKETCH_CHUNK_CHARS or i == len(texts) - 1:
            chunk = texts[start : i + 1]
            parts.append(_sketch_chunk(chunk, ngram, window, short_text, scheme, signing, fuzzy))
            start, chars = i + 1, 0
    if not parts:
        parts.append(_sketch_chunk([], ngram, window, short_text, scheme, signing, fuzzy))
    return Sketch.concat(parts)


def _one_text_sketch(
    text: str, ngram: int, window: int, num_perm: int, seed: int, short_text: int
) -> Sketch:
    """:func:`sketch_texts` of one text (a query) in the default mode, without the
    bookkeeping of rows and chunks the general path keeps: the same stages, each on one
    row (bit-identical; tests compare the two on many texts).

    >>> one = _one_text_sketch("a b c d e f g h i j", 3, 4, 16, 1, 0)
    >>> two = sketch_texts(["a b c d e f g h i j", "x"], ngram=3, window=4, num_perm=16, seed=1)
    >>> bool((one.signatures[0] == two.signatures[0]).all()), one.key_values.tolist() == (
    ...     two.key_values[: two.key_offsets[1]].tolist())
    (True, True)
    """
    buf = word_buffer(text)
    hashes = shingle_hashes(_buffer_word_hashes(buf, *_word_bounds(buf), HASH_SCHEME), ngram)
    set_values = sorted_unique(hashes.astype(np.uint32))
    set_offsets = np.array([0, len(set_values)], dtype=np.int64)
    keys = passage_keys(
        hashes,
        np.array([0, len(hashes)], dtype=np.int64),
        set_values,
        set_offsets,
        window=window,
        short_text=short_text,
    )
    return Sketch(
        set_values, set_offsets, *keys, _row_signature(set_values, num_perm, seed)[None, :]
    )


def passage_keys(
    hashes: np.ndarray, offsets: np.ndarray, set_values: np.ndarray, set_offsets: np.ndarray,
    *, window: int, short_text: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Sorted distinct passage keys of each text: window minima of its shingle hashes (in
    text order), or every shingle fingerprint for a text of fewer than ``short_text``
    distinct shingles; low 31 bits.

    >>> h = np.array([5, 3, 9, 4, 2], np.uint64)
    >>> passage_keys(h, np.array([0, 5]), *unique_per_row(h.astype(np.uint32), np.array([0, 5])),
    ...              window=2, short_text=0)[0].tolist()
    [2, 3, 4]
    """
    short = lengths(set_offsets) < short_text
    if short.all():  # short texts only (a short query): every shingle is a key
        return unique_per_row(set_values & np.uint32(KEY_MASK), set_offsets)
    if kernel.wanted():
        return unique_per_row(
            *kernel.passage_minima(
                hashes,
                offsets,
                window,
                short=short,
                set_values=set_values,
                set_offsets=set_offsets,
                mask=int(KEY_MASK),
            )
        )
    minima, win_off = window_minima(hashes, offsets, window)
    if len(short) > 1:  # minima repeat: fewer values to sort (one text is sorted as it is)
        minima, win_off = _drop_repeats(minima, win_off)
    if not short.any():
        return unique_per_row(minima, win_off)
    win_rows, set_rows = row_ids(win_off), row_ids(set_offsets)
    keep_win, keep_set = ~short[win_rows], short[set_rows]
    keys = np.concatenate((minima[keep_win], set_values[keep_set] & np.uint32(KEY_MASK)))
    rows = np.concatenate((win_rows[keep_win], set_rows[keep_set]))
    order = np.argsort(rows, kind="stable")
    return unique_per_row(keys[order], offsets_of(np.bincount(rows, minlength=len(short))))


def _sketch_chunk(
    texts: Sequence[str],
    ngram: int,
    window: int,
    short_text: int,
    scheme: str,
    signing: Callable[[np.ndarray, np.ndarray], np.ndarray],
    fuzzy: bool = False,
) -> Sketch:
    hashes, offsets = batch_text_hashes(texts, ngram=ngram, scheme=scheme)
    set_values, set_offsets = unique_per_row(hashes.astype(np.uint32), offsets)
    signatures = signing(set_values, set_offsets)
    if not fuzzy:
        keys = passage_keys(
            hashes, offsets, set_values, set_offsets, window=window, short_text=short_text
        )
        return Sketch(set_values, set_offsets, *keys, signatures)
    del hashes
    text_values, text_offsets, packed, packed_offsets = fuzzy_buffers(list(texts))
    keys = packed_fuzzy_keys(packed, packed_offsets)
    return Sketch(set_values, set_offsets, *keys, signatures, text_values, text_offsets)


#: Version of fuzzy mode's words and keys (:func:`dedupe.text.fuzzy_words`, :func:`fuzzy_keys`),
#: recorded in index files built with ``fuzzy=True``.
FUZZY_SCHEME = FUZZY_TOKENIZER + "+bytes7-window16-le64-fmix64"
#: Fuzzy keys (``fuzzy=True``) hash runs of this many bytes of a text's fuzzy words
#: (:func:`dedupe.text.fuzzy_buffer`) with the spaces taken out...
FUZZY_GRAM = 7
#: ...and keep the minimum of every this many consecutive ones: two texts that share a
#: run of ``FUZZY_GRAM + FUZZY_WINDOW - 1`` (22) such bytes, about four words, share a key.
#: (24 made a third fewer keys, but a 12-word alert then holds one or two, and lost 48 of
#: 6,621 clean pairs at 100,000 generated articles against 10 at 16.)
FUZZY_WINDOW = 16
#: A fuzzy key held by more documents than this proposes only the pairs one shared key
#: decides (with a short text: see :mod:`dedupe.lsh`'s rule 1). Runs of seven letters recur
#: far more often than runs of word shingles. Measured (workers=1 CPU of Index.add_many +
#: Index.pairs on 20,000 generated articles with OCR-noised copies; recall of the main
#: job's generated OCR copies at 10-20% / over 20% errors): cap 200 12.4 s, 89/89, 66/76;
#: 100 9.3 s, 89/89, 63/76; 50 7.7 s, 84/89, 24/76 (its collection, generated from few
#: sentence skeletons, holds many common runs). The OCR development set loses none at 50.
FUZZY_KEY_DOCS = 100
#: A character sketched in fuzzy mode counts this many times towards loading the compiled
#: kernel (:data:`dedupe.kernel.LOAD_AFTER_CHARS`): it saves about four times as much there.
#: Measured (20,000 generated articles with OCR-noised copies, 73M characters, one core,
#: ``Index.add_many``): fuzzy 3.83 s with numpy, 2.30 s with the kernel (about 21 ns a
#: character; default mode about 5 ns).
FUZZY_KERNEL_WEIGHT = 4


def kernel_chars(texts: Sequence[str], *, fuzzy: bool) -> int:
    """How much sketching ``texts`` counts towards loading the compiled kernel
    (:func:`dedupe.kernel.expect`): their characters, :data:`FUZZY_KERNEL_WEIGHT` times
    each in fuzzy mode.

    >>> kernel_chars(["abc", "de"], fuzzy=False), kernel_chars(["abc", "de"], fuzzy=True)
    (5, 20)
    """
    return sum(map(len, texts)) * (FUZZY_KERNEL_WEIGHT if fuzzy else 1)


def _gram_hashes(
    packed: np.ndarray, offsets: np.ndarray, gram: int
) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every run of ``gram`` bytes (at most 8) of each row of ``packed``
    (``uint8``, ragged; the hashes in text order): the run read as one little-endian
    integer, then mixed; a row shorter than ``gram`` bytes (and not empty) has one, of all
    its bytes.

    >>> v, o = _gram_hashes(np.frombuffer(b"abcdefghxyz", np.uint8), np.array([0, 8, 11]), 7)
    >>> o.tolist(), bool(v[0] != v[1])
    ([0, 2, 3], True)
    """
    counts = lengths(offsets)
    raw = np.ascontiguousarray(packed[offsets[0] : offsets[-1]], dtype=np.uint8).tobytes()
    n = max(len(raw) - gram + 1, 0)
    # every byte offset read as the start of an 8-byte integer (overlapping, unaligned),
    # masked to its first ``gram`` bytes: one pass instead of one per byte of the run
    padded = np.frombuffer(raw + bytes(8), dtype=np.uint8)
    starts = np.ndarray((n,), dtype="<u8", buffer=padded, strides=(1,))
    h = starts & np.uint64((1 << (8 * gram)) - 1 if gram < 8 else _MASK64)
    base = int(offsets[0])

    def short(i: int) -> np.uint64:
        b = raw[int(offsets[i]) - base : int(offsets[i + 1]) - base]
        return np.uint64(int.from_bytes(b, "little") * 0x9E3779B97F4A7C15 + len(b) & _MASK64)

    values, windows = _text_windows(h, counts, gram, short)
    return _fmix(values, _FMIX64, inplace=True), windows


def fuzzy_keys(buffers: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The fuzzy keys of each text (sorted, distinct, low 31 bits), from its fuzzy words
    (:func:`dedupe.text.fuzzy_buffer`): the minimum hash of every :data:`FUZZY_WINDOW`
    consecutive runs of :data:`FUZZY_GRAM` bytes, spaces taken out (winnowing over
    characters: a misread letter changes only the keys whose runs hold it). Short texts
    get no more keys than others: one 7-byte run in common says nothing.

    >>> a = fuzzy_keys([b"the council met on tuesday to discuss the new rail line"])[0]
    >>> b = fuzzy_keys([b"tho cmincil met on tuesday to discuss the new rail line"])[0]
    >>> len(set(a.tolist()) & set(b.tolist())) > 0
    True
    """
    packed = [b.replace(b" ", b"") for b in buffers]
    sizes = np.fromiter(map(len, packed), dtype=np.int64, count=len(packed))
    return packed_fuzzy_keys(np.frombuffer(b"".join(packed), np.uint8), offsets_of(sizes))


def packed_fuzzy_keys(
    packed: np.ndarray, offsets: np.ndarray, *, gram: int = FUZZY_GRAM, window: int = FUZZY_WINDOW
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`fuzzy_keys` of texts given as their fuzzy words without the spaces, laid end
    to end (``uint8``, row ``i`` owning ``packed[offsets[i]:offsets[i + 1]]``; the
    ``packed`` of :func:`dedupe.text.fuzzy_buffers`).

    >>> a = fuzzy_keys([b"the council met on tuesday", b"x"])
    >>> b = packed_fuzzy_keys(np.frombuffer(b"thecouncilmetontuesdayx", np.uint8),
    ...                       np.array([0, 22, 23]))
    >>> all(bool((x == y).all()) for x, y in zip(a, b))
    True
    """
    if kernel.wanted():  # hashed and winnowed in one pass
        return unique_per_row(
            *kernel.gram_minima(packed, offsets, gram, window, mask=int(KEY_MASK))
        )
    hashes, windows = _gram_hashes(packed, offsets, gram)
    minima, win_off = window_minima(hashes, windows, window)
    return unique_per_row(*_drop_repeats(minima, win_off))


#: Band keys have the top bit set, passage keys have it clear: one key space, no clash.
BAND_BIT = np.uint32(1 << 31)


def band_keys(signatures: np.ndarray, bands: int) -> np.ndarray:
    """One 32-bit key per (document, band), top bit set: ``uint32[n, bands]``.

    >>> k = band_keys(np.zeros((2, 8), np.uint32), 4)
    >>> k.shape, bool((k >= 2**31).all())
    ((2, 4), True)
    """
    n = len(signatures)
    rows = signatures.shape[1] // bands
    weights, start = _band_polynomial(bands, rows)
    # each band's Horner sum (((b + 1) * POLY + v0) * POLY + v1) ..., as one product with
    # the powers of POLY (integer matmul wraps like the sums; no errstate for arrays)
    acc = signatures.reshape(n, bands, rows).astype(np.uint64) @ weights
    acc += start
    acc ^= acc >> np.uint64(31)
    acc *= np.uint64(0xBF58476D1CE4E5B9)
    acc ^= acc >> np.uint64(29)
    keys = acc.astype(np.uint32)
    keys &= np.uint32(KEY_MASK)
    keys |= BAND_BIT
    return keys


@functools.lru_cache(maxsize=8)
def _band_polynomial(bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The weights of a band's values in its key's polynomial (``POLY ** (rows - 1)`` ..
    ``1``, ``uint64[rows]``) and each band's own term (``(b + 1) * POLY ** rows``), mod
    2**64."""
    powers = [pow(int(POLY), e, 1 << 64) for e in range(rows + 1)]
    weights = np.array(powers[:rows][::-1], dtype=np.uint64)
    start = np.array([(b + 1) * powers[rows] & _MASK64 for b in range(bands)], dtype=np.uint64)
    weights.flags.writeable = start.flags.writeable = False
    return weights, start
