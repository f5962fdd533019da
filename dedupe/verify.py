"""Verification: exact shared-shingle counts of candidate pairs, then thresholds and kinds.

LSH only proposes; a pair is reported only after its scores are computed from both
documents' full shingle sets (sorted distinct hashes, flat: row ``i`` owns
``values[offsets[i]:offsets[i + 1]]``). Pure functions, so every engine verifies alike.

>>> values, offsets = np.array([1, 2, 3, 2, 3, 9], np.uint64), np.array([0, 3, 5, 6])
>>> shared_counts(values, offsets, np.array([[0, 1], [0, 2]])).tolist()
[2, 0]
>>> [m.kind for m in judge(["a"], ["b"], np.array([2]), np.array([3]), np.array([2]),
...                         Thresholds())]
['near_duplicate']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .flat import lengths, take
from .match import Match, match_kind
from .params import Thresholds

__all__ = ["SHARED_CHUNK", "judge", "shared_counts", "shared_with"]

#: :func:`shared_counts` gathers about this many set values at a time (8 bytes each).
SHARED_CHUNK = 1_000_000


def shared_with(a: np.ndarray, values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """How many values of each row of a ragged array are in the sorted array ``a``.

    >>> a = np.array([2, 5], np.uint64)
    >>> shared_with(a, np.array([5, 1, 2, 5], np.uint64), np.array([0, 1, 4])).tolist()
    [1, 2]
    """
    lens = lengths(offsets)
    out = np.zeros(len(lens), dtype=np.int64)
    if not len(a) or not len(values):
        return out
    idx = np.searchsorted(a, values)
    idx[idx == len(a)] = 0
    hit = (a[idx] == values).astype(np.int64)
    nonempty = lens > 0
    out[nonempty] = np.add.reduceat(hit, offsets[:-1][nonempty])
    return out


def shared_counts(
    values: np.ndarray, offsets: np.ndarray, pairs: np.ndarray, *, chunk: int = SHARED_CHUNK
) -> np.ndarray:
    """Exact shared-value counts of rows ``i`` and ``j`` for each row ``(i, j)`` of ``pairs``
    (fastest when sorted by ``i``: one vectorised search per distinct ``i``). The ``j`` rows
    are gathered about ``chunk`` values at a time, which bounds the memory.

    >>> v, o = np.array([1, 2, 3, 2, 3, 9], np.uint64), np.array([0, 3, 5, 6])
    >>> shared_counts(v, o, np.array([[0, 1], [0, 2], [1, 2]])).tolist()
    [2, 0, 0]
    """
    out = np.zeros(len(pairs), dtype=np.int64)
    sizes = lengths(offsets)
    ends = np.cumsum(sizes[pairs[:, 1]]) if len(pairs) else np.zeros(0, dtype=np.int64)
    start = 0
    while start < len(pairs):
        stop = max(start + 1, int(np.searchsorted(ends, ends[start] + chunk, side="right")))
        block = pairs[start:stop]
        others, other_off = take(values, offsets, block[:, 1])
        hit = np.zeros(len(others), dtype=bool)
        bounds = (np.flatnonzero(np.diff(block[:, 0])) + 1).tolist()
        for lo, hi in zip([0, *bounds], [*bounds, len(block)]):
            i = int(block[lo, 0])
            a = values[offsets[i] : offsets[i + 1]]
            seg = slice(other_off[lo], other_off[hi])
            if len(a) and seg.stop > seg.start:
                idx = np.searchsorted(a, others[seg])
                np.minimum(idx, len(a) - 1, out=idx)
                hit[seg] = a[idx] == others[seg]
        nonempty = other_off[1:] > other_off[:-1]
        counts = np.zeros(len(block), dtype=np.int64)
        counts[nonempty] = np.add.reduceat(hit, other_off[:-1][nonempty])
        out[start:stop] = counts
        start = stop
    return out


def judge(
    a_ids: Sequence[str],
    b_ids: Sequence[str],
    shared: np.ndarray,
    size_a: np.ndarray,
    size_b: np.ndarray,
    thresholds: Thresholds,
) -> list[Match]:
    """The :class:`Match` of every pair whose exact scores reach a threshold, in input order.

    A pair is kept when its Jaccard similarity reaches ``thresholds.jaccard``, or the share
    of one side found in the other reaches ``thresholds.containment`` and that side has at
    least ``thresholds.min_shingles`` shingles.
    """
    shared = np.asarray(shared, dtype=np.float64)
    na = np.asarray(size_a, dtype=np.int64)
    nb = np.asarray(size_b, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        jac = shared / (na + nb - shared)
        c_ab, c_ba = shared / na, shared / nb
    t = thresholds
    ok = (shared > 0) & (
        (jac >= t.jaccard)
        | ((c_ab >= t.containment) & (na >= t.min_shingles))
        | ((c_ba >= t.containment) & (nb >= t.min_shingles))
    )
    out = []
    for k in np.flatnonzero(ok).tolist():
        n_sh, n_a, n_b = int(shared[k]), int(na[k]), int(nb[k])
        out.append(
            Match(
                a_ids[k],
                b_ids[k],
                float(jac[k]),
                float(c_ab[k]),
                float(c_ba[k]),
                match_kind(n_sh, n_a, n_b, jaccard=float(jac[k]), threshold=t.jaccard),
                n_sh,
                n_a,
                n_b,
                True,
            )
        )
    return out
