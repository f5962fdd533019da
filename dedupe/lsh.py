"""LSH keys and **the one candidate rule**, in numpy.

Two kinds of key propose candidate pairs:

* **band keys** (:func:`band_keys`): the MinHash signature cut into bands, each band hashed to
  one 64-bit key (top bit set). Documents that agree on a whole band collide: this finds
  near-duplicates (high Jaccard).
* **passage keys** (:func:`dedupe.sketch.window_minima`, top bit clear): two texts sharing a
  run of ``window`` shingles always share one, whatever their lengths, so an excerpt
  embedded in a longer article is proposed even when the whole-document Jaccard is tiny.

:func:`candidates` decides which documents sharing keys become candidate pairs. Every
engine calls it (``Index.query`` and ``Index.pairs`` over any store, the Spark job), so all
of them propose the same pairs:

1. a passage key held by more than ``max_key_docs`` documents proposes nothing
   (boilerplate); band keys are never capped;
2. two documents sharing a band key are a candidate pair;
3. two documents sharing only passage keys are a candidate pair when they share at least
   ``max(1, min_key_share * fewest)`` of them, ``fewest`` being the smaller of their
   passage key counts.

>>> groups = group_keys(np.array([7, 7, 9, 9, 9], np.uint64), np.array([0, 1, 0, 1, 2]))
>>> candidates(groups, np.array([2, 2, 8]), max_key_docs=200, min_key_share=0.6).tolist()
[[0, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .flat import lengths, offsets_of, segment_positions, sorted_unique
from .sketch import POLY

__all__ = ["BAND_BIT", "KeyGroups", "band_keys", "candidates", "group_keys", "probe_groups"]

#: Band keys have the top bit set, passage keys have it clear: one key space, no clash.
BAND_BIT = np.uint64(1 << 63)


def band_keys(signatures: np.ndarray, bands: int) -> np.ndarray:
    """One 64-bit key per (document, band), top bit set: ``uint64[n, bands]``.

    >>> band_keys(np.zeros((2, 8), np.uint32), 4).shape
    (2, 4)
    """
    n = len(signatures)
    rows = signatures.shape[1] // bands
    cube = signatures.reshape(n, bands, rows).astype(np.uint64)
    acc = np.arange(1, bands + 1, dtype=np.uint64)[None, :].repeat(n, axis=0)
    with np.errstate(over="ignore"):
        for r in range(rows):
            acc = acc * POLY + cube[:, :, r]
        acc ^= acc >> np.uint64(31)
        acc *= np.uint64(0xBF58476D1CE4E5B9)
        acc ^= acc >> np.uint64(29)
    return acc | BAND_BIT


@dataclass(frozen=True, eq=False)
class KeyGroups:
    """Documents grouped by a shared key: group ``g`` holds the document rows
    ``rows[offsets[g]:offsets[g + 1]]`` (each row once). ``is_band`` says whether the key is a
    band key, and ``df`` how many indexed documents hold the key (the cap counts these;
    it may exceed a group's size when a store leaves out the rows of capped keys)."""

    offsets: np.ndarray
    rows: np.ndarray
    is_band: np.ndarray
    df: np.ndarray


def group_keys(keys: np.ndarray, rows: np.ndarray) -> KeyGroups:
    """Group ``(key, row)`` entries (each key at most once per row) by key, keeping only the
    keys held by two rows or more (the others pair nothing).

    >>> g = group_keys(np.array([5, 3, 5], np.uint64), np.array([0, 0, 1]))
    >>> g.offsets.tolist(), g.rows.tolist(), g.df.tolist()
    ([0, 2], [0, 1], [2])
    """
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    same = keys[1:] == keys[:-1]
    shared = np.zeros(len(keys), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    del same
    keys, rows = keys[shared], np.asarray(rows, dtype=np.int64)[order[shared]]
    del order, shared
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else []
    offsets = np.append(np.asarray(starts, dtype=np.int64), len(keys))
    return KeyGroups(offsets, rows, (keys[offsets[:-1]] & BAND_BIT) != 0, lengths(offsets))


def probe_groups(
    keys: np.ndarray, df: np.ndarray, key_index: np.ndarray, rows: np.ndarray, probe: int
) -> KeyGroups:
    """Groups for one probe document (a query) against a store's postings: group ``g`` is
    the probe's key ``keys[g]`` with the probe row first, then the stored rows found for it
    (``rows[key_index == g]``); ``df`` is the number of stored documents holding it.

    >>> g = probe_groups(np.array([4, 6], np.uint64), np.array([1, 0]), np.array([0]),
    ...                  np.array([3]), probe=9)
    >>> g.rows.tolist(), g.offsets.tolist()
    ([9, 3, 9], [0, 2, 3])
    """
    order = np.argsort(key_index, kind="stable")
    found = np.bincount(key_index, minlength=len(keys))
    offsets = offsets_of(found + 1)
    out = np.empty(int(offsets[-1]), dtype=np.int64)
    out[offsets[:-1]] = probe
    pos = np.repeat(offsets[:-1] + 1, found) + segment_positions(found)
    out[pos] = np.asarray(rows, dtype=np.int64)[order]
    return KeyGroups(offsets, out, (keys & BAND_BIT) != 0, np.asarray(df, dtype=np.int64))


def _pairs_in_groups(
    rows: np.ndarray, starts: np.ndarray, lens: np.ndarray, probe: int | None
) -> np.ndarray:
    """Every pair of rows in the same group (group ``g`` holds ``rows[starts[g]:starts[g] +
    lens[g]]``; with ``probe``: only the pairs holding the probe, which stands first in each
    group), as ``int64[k, 2]`` with the smaller row first."""
    if probe is not None:
        others = np.repeat(starts + 1, lens - 1) + segment_positions(lens - 1)
        pairs = np.stack((np.full(len(others), probe, dtype=np.int64), rows[others]), axis=1)
    else:
        pos = np.repeat(starts, lens) + segment_positions(lens)
        run_end = np.repeat(starts + lens, lens)
        out = []
        d = 1
        while len(pos):
            pos_ok = pos + d < run_end
            pos, run_end = pos[pos_ok], run_end[pos_ok]
            if len(pos):
                out.append(np.stack((rows[pos], rows[pos + d]), axis=1))
            d += 1
        pairs = np.concatenate(out) if out else np.empty((0, 2), dtype=np.int64)
    pairs.sort(axis=1)
    return pairs[pairs[:, 0] != pairs[:, 1]]


def _code_counts(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``codes`` and how often each occurs (by sorting)."""
    codes = np.sort(codes)
    if not len(codes):
        return codes, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    return codes[starts], lengths(np.append(starts, len(codes)))


def candidates(
    groups: KeyGroups,
    n_keys: np.ndarray,
    *,
    max_key_docs: int,
    min_key_share: float,
    probe: int | None = None,
) -> np.ndarray:
    """Candidate pairs (``int64[k, 2]``, sorted, smaller row first) under the rule above.

    ``n_keys[row]`` is the number of passage keys of each row (rows run from 0 to
    ``len(n_keys) - 1``, the probe's included). With ``probe`` only pairs holding the probe
    row are formed (a query against an index); without, every pair of documents that share
    a key (all pairs of a collection).

    >>> g = group_keys(np.array([1, 1, 2, 2], np.uint64), np.array([0, 1, 1, 2]))
    >>> candidates(g, np.array([1, 1, 1]), max_key_docs=200, min_key_share=0.1).tolist()
    [[0, 1], [1, 2]]
    """
    n = len(n_keys)
    lens = lengths(groups.offsets)
    usable = (lens >= 2) & (groups.is_band | (groups.df <= max_key_docs))
    parts = []
    for band in (True, False):
        sel = np.flatnonzero(usable & (groups.is_band == band))
        pairs = _pairs_in_groups(groups.rows, groups.offsets[sel], lens[sel], probe)
        codes, shared = _code_counts(pairs[:, 0] * n + pairs[:, 1])
        if not band:
            first, second = codes // n, codes % n
            fewest = np.minimum(n_keys[first], n_keys[second])
            codes = codes[shared >= np.maximum(1.0, min_key_share * fewest)]
        parts.append(codes)
    codes = sorted_unique(np.concatenate(parts))
    return np.stack((codes // n, codes % n), axis=1)
