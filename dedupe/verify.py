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
from .sketch import mix64

__all__ = [
    "SHARED_CHUNK",
    "copy_matches",
    "exact_copies",
    "judge",
    "pair_scores",
    "set_fingerprints",
    "shared_counts",
    "shared_with",
]

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
    ok, jac, c_ab, c_ba = pair_scores(shared, size_a, size_b, thresholds)
    out = []
    for k in np.flatnonzero(ok).tolist():
        n_sh, n_a, n_b = int(shared[k]), int(size_a[k]), int(size_b[k])
        out.append(
            Match(
                a_ids[k],
                b_ids[k],
                float(jac[k]),
                float(c_ab[k]),
                float(c_ba[k]),
                match_kind(n_sh, n_a, n_b, jaccard=float(jac[k]), threshold=thresholds.jaccard),
                n_sh,
                n_a,
                n_b,
                True,
            )
        )
    return out


def pair_scores(
    shared: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, thresholds: Thresholds
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The exact scores of pairs and whether each reaches a threshold, vectorised: ``(ok,
    jaccard, containment_ab, containment_ba)`` (the rule of :func:`judge`, which calls it;
    engines that build their own rows, such as Spark, call it to decide alike).

    >>> ok, jac, c_ab, c_ba = pair_scores(np.array([3, 1]), np.array([4, 40]),
    ...                                   np.array([3, 40]), Thresholds())
    >>> ok.tolist(), jac.round(4).tolist(), c_ba.tolist()
    ([True, False], [0.75, 0.0127], [1.0, 0.025])
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
    return ok, jac, c_ab, c_ba


def exact_copies(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """For each row, the first row whose set is the very same (the row itself when none
    comes before it): exact copies are collapsed onto their earliest document before
    candidates are formed, so that 2,500 copies of a text cost 2,499 pairs, not 3 million.

    Rows are grouped by a 64-bit fingerprint of their set (its size and the sum of its
    values, which are hashes), then every copy is compared value by value with its first
    row (a fingerprint collision joins nothing).

    >>> v, o = np.array([1, 2, 5, 1, 2, 1, 2], np.uint32), np.array([0, 2, 3, 5, 7])
    >>> exact_copies(v, o).tolist()
    [0, 1, 0, 0]
    """
    n = len(offsets) - 1
    sizes = lengths(offsets)
    finger = set_fingerprints(values, offsets)
    order = np.lexsort((np.arange(n), finger))
    same = np.zeros(n, dtype=bool)
    same[1:] = finger[order][1:] == finger[order][:-1]
    head = order[np.maximum.accumulate(np.where(same, 0, np.arange(n)))]
    rep = np.arange(n, dtype=np.int64)
    members, heads = order[same], head[same]
    if len(members):  # value by value: copies must be equal, not just alike in fingerprint
        ok = sizes[members] == sizes[heads]
        members, heads = members[ok], heads[ok]
        a, a_off = take(values, offsets, members)
        b, _ = take(values, offsets, heads)
        differ = np.zeros(len(members), dtype=np.int64)
        nonzero = lengths(a_off) > 0
        if len(a):
            differ[nonzero] = np.add.reduceat((a != b).astype(np.int64), a_off[:-1][nonzero])
        equal = differ == 0
        rep[members[equal]] = heads[equal]
    return rep


def set_fingerprints(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A 64-bit fingerprint of each row's set (``uint64``): equal sets have equal
    fingerprints, whatever the order of their values; :func:`exact_copies` groups rows by
    it (engines that group rows their own way, such as Spark, group by it too).

    >>> f = set_fingerprints(np.array([1, 2, 2, 1, 3], np.uint32), np.array([0, 2, 4, 5]))
    >>> bool(f[0] == f[1]), bool(f[0] == f[2])
    (True, False)
    """
    n = len(offsets) - 1
    sizes = lengths(offsets)
    total = np.zeros(n, dtype=np.uint64)  # sum of the values (they are hashes), by chunks
    nonempty = np.flatnonzero(sizes > 0)
    lo = 0
    while lo < len(nonempty):  # about SHARED_CHUNK values at a time
        limit = offsets[nonempty[lo]] + SHARED_CHUNK
        hi = max(lo + 1, int(np.searchsorted(offsets[nonempty + 1], limit, side="right")))
        rows = nonempty[lo:hi]
        v0, v1 = offsets[rows[0]], offsets[rows[-1] + 1]
        total[rows] = np.add.reduceat(values[v0:v1], offsets[rows] - v0, dtype=np.uint64)
        lo = hi
    with np.errstate(over="ignore"):
        return mix64(total ^ (sizes.astype(np.uint64) << np.uint64(40)))


def copy_matches(ids: Sequence[str], rep: np.ndarray, sizes: np.ndarray) -> list[Match]:
    """The ``exact`` match of every copy with the first document of its group.

    >>> [(m.a, m.b, m.kind) for m in copy_matches(["x", "y"], np.array([0, 0]), np.array([4, 4]))]
    [('x', 'y', 'exact')]
    """
    out = []
    for copy in np.flatnonzero(rep != np.arange(len(rep))).tolist():
        first, size = int(rep[copy]), int(sizes[copy])
        out.append(Match(ids[first], ids[copy], 1.0, 1.0, 1.0, "exact", size, size, size, True))
    return out
