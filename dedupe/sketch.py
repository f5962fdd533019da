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

:func:`sketch_texts` is the whole stage for a batch of texts: each text's sorted distinct
shingle hashes, its passage keys (the minimum shingle hash of every ``window`` consecutive
shingles: winnowing, the one-permutation MinHash of each passage) and its signature, as
one flat :class:`Sketch`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from .errors import InvalidParameterError
from .flat import concat, lengths, offsets_of, segment_positions, take
from .text import word_bytes

__all__ = [
    "HASH_SCHEME",
    "PASSAGE_KEY_MASK",
    "SKETCH_CHUNK_CHARS",
    "MinHasher",
    "Sketch",
    "batch_text_hashes",
    "datasketch_hash",
    "shingle_hash",
    "shingle_hashes",
    "sketch_texts",
    "text_hashes",
    "unique_per_row",
    "window_minima",
    "word_hashes",
]

#: Name of the hashing scheme, recorded in index files: a change to any function
#: below that alters a hash value must change this name.
HASH_SCHEME = "blake2b64-words/poly64-fmix64/affine32"

_MASK64 = (1 << 64) - 1
#: Odd multiplier of the polynomial hashes (words of an n-gram, rows of an LSH band).
POLY = np.uint64(0x9E3779B97F4A7C15)
#: Passage keys keep the low 63 bits of a shingle hash (the top bit marks band keys).
PASSAGE_KEY_MASK = np.uint64((1 << 63) - 1)
#: Texts are tokenised and sketched in chunks of about this many characters, which
#: bounds the memory their word tokens (Python objects) take at once.
SKETCH_CHUNK_CHARS = 4_000_000
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
            acc = acc * POLY + hashes[j : j + count]
        return _fmix(acc ^ np.uint64(n), _FMIX64)


def text_hashes(text: str, *, ngram: int = 5) -> np.ndarray:
    """Shingle hashes of a text, in text order (duplicates kept).

    >>> len(text_hashes("one two three four five six", ngram=5))
    2
    """
    return shingle_hashes(word_hashes(word_bytes(text)), ngram)


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
        acc = (acc * int(POLY) + _word_hash(tok)) & _MASK64
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


def window_minima(
    hashes: np.ndarray, offsets: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Passage keys in text order: the minimum of every ``window`` consecutive shingle
    hashes of each text (one key for a text with fewer shingles), low 63 bits.

    Two texts that share a run of at least ``window`` shingles always share a key.

    >>> keys, offs = window_minima(np.array([5, 3, 9, 4, 2], np.uint64), np.array([0, 4, 5]), 2)
    >>> keys.tolist(), offs.tolist()
    ([3, 3, 4, 2], [0, 3, 4])
    """
    counts = lengths(offsets)
    n_win = np.where(counts >= window, counts - window + 1, np.minimum(counts, 1))
    win_off = offsets_of(n_win)
    out = np.empty(int(win_off[-1]), dtype=np.uint64)
    long_docs = np.flatnonzero(counts >= window)
    if len(long_docs) and len(hashes) >= window:
        minima = np.lib.stride_tricks.sliding_window_view(hashes, window).min(axis=1)
        lens = n_win[long_docs]
        k = segment_positions(lens)
        out[np.repeat(win_off[long_docs], lens) + k] = minima[
            np.repeat(offsets[long_docs], lens) + k
        ]
    for i in np.flatnonzero((counts > 0) & (counts < window)):
        out[win_off[i]] = hashes[offsets[i] : offsets[i + 1]].min()
    return out & PASSAGE_KEY_MASK, win_off


def unique_per_row(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's values sorted and distinct (exact for any row length).

    >>> v, o = unique_per_row(np.array([3, 1, 3, 9, 9], np.uint64), np.array([0, 3, 5]))
    >>> v.tolist(), o.tolist()
    ([1, 3, 9], [0, 2, 3])
    """
    rows = np.repeat(np.arange(len(offsets) - 1, dtype=np.uint64), lengths(offsets))
    # One sort on (row, top 40 bits of the value): fast, and exact unless two different
    # values of one row share their top 40 bits, which is checked and then fully sorted.
    packed = (rows << np.uint64(40)) | (values >> np.uint64(24))
    order = np.argsort(packed, kind="stable")  # timsort: rows arrive in order
    vals, packed = values[order], packed[order]
    if np.any((packed[1:] == packed[:-1]) & (vals[1:] != vals[:-1])):
        order = np.lexsort((values, rows))
        vals = values[order]
    rows = rows[order]
    keep = np.ones(len(vals), dtype=bool)
    keep[1:] = (vals[1:] != vals[:-1]) | (rows[1:] != rows[:-1])
    bounds = np.searchsorted(rows[keep], np.arange(len(offsets), dtype=np.uint64))
    return vals[keep], bounds.astype(np.int64)


@dataclass(frozen=True, eq=False)
class Sketch:
    """What the index keeps of a batch of texts, as flat arrays (text ``i`` owns
    ``set_values[set_offsets[i]:set_offsets[i + 1]]``, and likewise for keys).

    ``set_values``: each text's sorted distinct shingle hashes (``uint64``);
    ``key_values``: its sorted distinct passage keys (``uint64``, top bit clear);
    ``signatures``: its MinHash signature (``uint32[n, num_perm]``).

    >>> sk = sketch_texts(["a b c d e f", "x y"], ngram=5, window=8, num_perm=16, seed=1)
    >>> len(sk), sk.set_sizes().tolist(), sk.key_counts().tolist(), sk.signatures.shape
    (2, [2, 1], [1, 1], (2, 16))
    """

    set_values: np.ndarray
    set_offsets: np.ndarray
    key_values: np.ndarray
    key_offsets: np.ndarray
    signatures: np.ndarray

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
        return Sketch(
            *take(self.set_values, self.set_offsets, rows),
            *take(self.key_values, self.key_offsets, rows),
            self.signatures[rows],
        )

    @staticmethod
    def concat(parts: Sequence[Sketch]) -> Sketch:
        """The texts of several sketches, one batch after the other."""
        if len(parts) == 1:
            return parts[0]
        return Sketch(
            *concat([(p.set_values, p.set_offsets) for p in parts]),
            *concat([(p.key_values, p.key_offsets) for p in parts]),
            np.concatenate([p.signatures for p in parts]),
        )


def sketch_texts(
    texts: Sequence[str], *, ngram: int, window: int, num_perm: int, seed: int
) -> Sketch:
    """The sketch stage, pure: shingle sets, passage keys and signatures of ``texts``.

    Texts are processed in chunks of about :data:`SKETCH_CHUNK_CHARS` characters, which
    bounds the memory their word tokens take; the result does not depend on the chunking.

    >>> sk = sketch_texts(["a b c d e f"], ngram=5, window=8, num_perm=16, seed=1)
    >>> sk.set_offsets.tolist(), sk.key_offsets.tolist(), sk.signatures.shape
    ([0, 2], [0, 1], (1, 16))
    """
    hasher = MinHasher(num_perm=num_perm, seed=seed)
    parts, start, chars = [], 0, 0
    for i, text in enumerate(texts):
        chars += len(text)
        if chars >= SKETCH_CHUNK_CHARS or i == len(texts) - 1:
            parts.append(_sketch_chunk(texts[start : i + 1], ngram, window, hasher))
            start, chars = i + 1, 0
    if not parts:
        parts.append(_sketch_chunk([], ngram, window, hasher))
    return Sketch.concat(parts)


def _sketch_chunk(texts: Sequence[str], ngram: int, window: int, hasher: MinHasher) -> Sketch:
    hashes, offsets = batch_text_hashes(texts, ngram=ngram)
    minima, win_off = window_minima(hashes, offsets, window)
    sigs = hasher.signatures([hashes[offsets[i] : offsets[i + 1]] for i in range(len(texts))])
    return Sketch(
        *unique_per_row(hashes, offsets), *unique_per_row(minima, win_off), signatures=sigs
    )
