"""Deterministic shingle hashing and batched MinHash signatures in numpy.

Each distinct word is hashed once (BLAKE2b, 64 bits; never Python's salted ``hash()``);
word n-grams are combined in numpy with no per-shingle Python loop. Signatures are
bit-identical to a datasketch ``MinHash(num_perm, seed)`` (its default ``affine32``
scheme) fed the same shingles with :func:`datasketch_hash` as its ``hashfunc``:

>>> from datasketch import MinHash
>>> from dedupe.text import shingles
>>> text = "the quick brown fox jumps over the lazy dog"
>>> m = MinHash(num_perm=16, seed=1, hashfunc=datasketch_hash)
>>> m.update_batch(shingles(text, ngram=3))
>>> hasher = MinHasher(num_perm=16, seed=1)
>>> bool((hasher.signature(text_hashes(text, ngram=3)) == m.hashvalues).all())
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from itertools import chain

import numpy as np

from .errors import InvalidParameterError
from .text import word_bytes

__all__ = [
    "HASH_SCHEME",
    "MinHasher",
    "batch_text_hashes",
    "datasketch_hash",
    "segment_positions",
    "sorted_unique",
    "shingle_hash",
    "shingle_hashes",
    "text_hashes",
    "word_hashes",
]

#: Name of the hashing scheme, recorded in index files: a change to any function
#: below that alters a hash value must change this name.
HASH_SCHEME = "blake2b64-words/poly64-fmix64/affine32"

_MASK64 = (1 << 64) - 1
_POLY = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier combining the words of an n-gram
_EMPTY32 = np.uint32(0xFFFFFFFF)
_WORD_CACHE_MAX = 2_000_000


def _word_hash(word: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(word, digest_size=8).digest(), "little")


class _WordCache(dict):
    """bytes -> 64-bit hash, filled on first sight of each word."""

    def __missing__(self, word: bytes) -> int:
        h = self[word] = _word_hash(word)
        return h


_WORD_CACHE = _WordCache()


def word_hashes(tokens: Sequence[str | bytes]) -> np.ndarray:
    """64-bit hashes of word tokens (each distinct word hashed once, then cached).

    >>> word_hashes([b"a", "b", b"a"]).dtype, len(set(word_hashes(["a", "b", "a"]).tolist()))
    (dtype('uint64'), 2)
    """
    return _hash_words([t.encode("utf-8") if isinstance(t, str) else t for t in tokens])


def _hash_words(tokens: Sequence[bytes]) -> np.ndarray:
    if len(_WORD_CACHE) > _WORD_CACHE_MAX:  # bound the cache on unbounded vocabularies
        _WORD_CACHE.clear()
    return np.fromiter(map(_WORD_CACHE.__getitem__, tokens), dtype=np.uint64, count=len(tokens))


# MurmurHash3 finalizers (shift, multiply, shift, multiply, shift) for 64 and 32 bits.
_FMIX64 = tuple(np.uint64(c) for c in (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33))
_FMIX32 = tuple(np.uint32(c) for c in (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16))


def _fmix(x: np.ndarray, consts: tuple) -> np.ndarray:
    """MurmurHash3's finalizer: a fixed bijection that spreads every input bit."""
    s1, m1, s2, m2, s3 = consts
    x = (x ^ (x >> s1)) * m1
    x = (x ^ (x >> s2)) * m2
    return x ^ (x >> s3)


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
    acc = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            acc = acc * _POLY + hashes[j : j + count]
        return _fmix(acc ^ np.uint64(n), _FMIX64)


def text_hashes(text: str, *, ngram: int = 5) -> np.ndarray:
    """Shingle hashes of a text, in text order (duplicates kept).

    >>> len(text_hashes("one two three four five six", ngram=5))
    2
    """
    return shingle_hashes(word_hashes(word_bytes(text)), ngram)


def segment_positions(lengths: np.ndarray) -> np.ndarray:
    """``0 .. n-1`` for each segment length ``n``, concatenated.

    >>> segment_positions(np.array([3, 0, 2])).tolist()
    [0, 1, 2, 0, 1]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values, by sorting (numpy 2's ``np.unique`` hashes integer arrays,
    which is many times slower on large ones).

    >>> sorted_unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    out = np.sort(np.asarray(values).ravel())
    if len(out) > 1:
        out = out[np.concatenate(([True], out[1:] != out[:-1]))]
    return out


def batch_text_hashes(texts: Sequence[str], *, ngram: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts at once: ``(hashes, offsets)``.

    Text ``i`` owns ``hashes[offsets[i]:offsets[i + 1]]``, equal to ``text_hashes(texts[i])``.

    >>> hashes, offsets = batch_text_hashes(["a b c d e f", "", "x y"], ngram=5)
    >>> offsets.tolist(), bool((hashes[0:2] == text_hashes("a b c d e f")).all())
    ([0, 2, 2, 3], True)
    """
    if ngram < 1:
        raise InvalidParameterError(f"ngram must be >= 1, got {ngram}")
    tokens = [word_bytes(t) for t in texts]
    counts = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    flat = _hash_words(list(chain.from_iterable(tokens)))
    starts = np.concatenate(([0], np.cumsum(counts)))
    # one rolling combination over the whole token stream, then keep in-document n-grams
    full = shingle_hashes(flat, ngram) if len(flat) >= ngram else np.empty(0, np.uint64)
    n_sh = np.where(counts >= ngram, counts - ngram + 1, np.minimum(counts, 1))
    offsets = np.concatenate(([0], np.cumsum(n_sh)))
    out = np.empty(int(offsets[-1]), dtype=np.uint64)
    long_docs = np.flatnonzero(counts >= ngram)
    if len(long_docs):
        lens = n_sh[long_docs]
        k = segment_positions(lens)
        out[np.repeat(offsets[long_docs], lens) + k] = full[np.repeat(starts[long_docs], lens) + k]
    for i in np.flatnonzero((counts > 0) & (counts < ngram)):
        out[offsets[i]] = shingle_hashes(flat[starts[i] : starts[i + 1]], ngram)[0]
    return out, offsets


def shingle_hash(shingle: str | bytes) -> int:
    """64-bit hash of one shingle (its words joined by single spaces), as in the batch path.

    >>> shingle_hash("a b c") == int(text_hashes("a b c", ngram=3)[0])
    True
    """
    if isinstance(shingle, str):
        shingle = shingle.encode("utf-8")
    toks = shingle.split(b" ")
    acc = 0
    for tok in toks:
        acc = (acc * int(_POLY) + _word_hash(tok)) & _MASK64
    return int(_fmix(np.array([acc ^ len(toks)], dtype=np.uint64), _FMIX64)[0])


def datasketch_hash(shingle: str | bytes) -> int:
    """32-bit shingle hash for ``datasketch.MinHash(hashfunc=...)`` (``affine32`` scheme).

    >>> 0 <= datasketch_hash("a b c d e") < 2**32
    True
    """
    return shingle_hash(shingle) & 0xFFFFFFFF


class MinHasher:
    """MinHash signatures, bit-identical to datasketch ``MinHash(num_perm, seed)``.

    The permutations are datasketch's own (``affine32``: ``a * fmix32(h) + b mod 2**32``),
    taken from a datasketch ``MinHash`` of the same ``num_perm`` and ``seed``.

    >>> hasher = MinHasher(num_perm=8, seed=3)
    >>> sig = hasher.signature(text_hashes("a b c d e f g"))
    >>> sig.dtype, sig.shape
    (dtype('uint32'), (8,))
    >>> sigs = hasher.signatures([text_hashes("a b c d e f g"), text_hashes("")])
    >>> sigs[0].tolist() == sig.tolist()
    True
    """

    #: Rows (shingles x permutations) computed at once; bounds the scratch memory.
    CHUNK_CELLS = 1 << 20

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        if not 1 <= num_perm <= 4096:
            raise InvalidParameterError(f"num_perm must be between 1 and 4096, got {num_perm}")
        self.num_perm = num_perm
        self.seed = seed
        from datasketch import MinHash  # imported here: it costs ~0.4 s at start-up

        a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        self._a = np.ascontiguousarray(a, dtype=np.uint32)
        self._b = np.ascontiguousarray(b, dtype=np.uint32)

    def _permuted_min(self, h32: np.ndarray) -> np.ndarray:
        """Column minimum of the permuted values of already-mixed 32-bit hashes."""
        out = np.full(self.num_perm, _EMPTY32, dtype=np.uint32)
        step = max(1, self.CHUNK_CELLS // self.num_perm)
        for s in range(0, len(h32), step):
            block = h32[s : s + step, None] * self._a
            block += self._b
            np.minimum(out, block.min(axis=0), out=out)
        return out

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """The signature (``uint32[num_perm]``) of one document's shingle hashes.

        An empty set gives all ``0xFFFFFFFF``, like an empty datasketch ``MinHash``.
        """
        h32 = _fmix(np.asarray(hashes, dtype=np.uint64).astype(np.uint32), _FMIX32)
        return self._permuted_min(h32)

    def signatures(self, docs: Sequence[np.ndarray]) -> np.ndarray:
        """Signatures of many documents at once: ``uint32[len(docs), num_perm]``."""
        out = np.full((len(docs), self.num_perm), _EMPTY32, dtype=np.uint32)
        sizes = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        nonempty = np.flatnonzero(sizes)
        if not len(nonempty):
            return out
        flat = _fmix(np.concatenate([docs[i] for i in nonempty]).astype(np.uint32), _FMIX32)
        ends = np.cumsum(sizes[nonempty])
        starts = ends - sizes[nonempty]
        step = max(1, self.CHUNK_CELLS // self.num_perm)
        a, b = self._a[:, None], self._b[:, None]
        i = 0
        while i < len(nonempty):  # whole documents per chunk, permutations x shingles layout
            j = max(i + 1, int(np.searchsorted(ends, starts[i] + step, side="right")))
            lo, hi = starts[i], ends[j - 1]
            block = a * flat[None, lo:hi]
            block += b
            out[nonempty[i:j]] = np.minimum.reduceat(block, starts[i:j] - lo, axis=1).T
            i = j
        return out
