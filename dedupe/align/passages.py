"""Shared passages: the stretches of words two texts have in common, wherever they stand,
word for word or with a few words changed.

:func:`shared_runs` finds the maximal runs of identical words of two sequences of word ids;
``find_passages`` joins them into approximate passages (steps 5-7) and turns them into
:class:`~dedupe.align.model.Passage` objects with character offsets into the texts.

How (linear in the number of words, never all pairs of words or paragraphs):

1. Every window of ``k`` consecutive words (a *k-gram*) of each side gets a 64-bit key.
2. The keys of both sides are sorted and joined (numpy ``argsort`` and ``searchsorted``):
   each k-gram found on both sides gives *seeds*, pairs ``(i, j)`` of its positions in A
   and B. A k-gram found at most ``max_repeats`` times on each side gives every pair of its
   occurrences. A more frequent one pairs the r-th occurrence in A only with the
   occurrences of B at about the same relative rank (``r * cb / ca``, within
   ``max_repeats * max(1, cb / ca)`` ranks), so that a k-gram makes at most about
   ``(2 * max_repeats + 1) * (ca + cb)`` seeds and no input makes quadratic work or output.
   Seeds are then checked word by word (a key collision makes no false seed).
3. Seeds on one diagonal (``i - j``) at consecutive positions form one run of ``k`` words
   plus one per further seed.
4. A run whose neighbouring seed was left out in step 2 (text repeated more than
   ``max_repeats`` times) is extended to its full length with prefix hashes (polynomial,
   two 31-bit primes, binary search: ``O(log n)`` per run), then runs found twice are
   dropped. Extensions are checked word by word unless their total length exceeds four
   times the words of both texts (only in such repetitive text do they rely on the hash).

**Approximate passages** (``find_passages`` with ``gap > 0``, the default of
:func:`~dedupe.align.align`'s ``passage_gap``): one reused passage is one passage even when
the copy misread, substituted, added or dropped a few words.

5. The runs of at least ``SEED_WORDS`` (2) identical words are
   chained, in the same order on both sides, each run to the predecessor that gives the
   best chain (its words less the larger gap), at most ``RAW_GAP_FACTOR * gap`` words
   apart on either side (a bounded look-back: linear in the runs).
6. The words between two chained runs are compared (:func:`dedupe.noise.block_edits`:
   letters aligned, a word counts as *misread* when its letters stand in the other side
   alike, else as *edited*). The runs are joined when each side has at most ``gap`` edited
   words there and the gap's numbers (words at least half digits) are the same on both
   sides: **a changed number always breaks a passage**.
7. A passage is a stretch of joined runs whose score stays positive (identical words +1,
   edited words -1, misread ones -1/2), starting and ending on a run with more than twice
   as many words as the edits next to it (two common words after a changed one do not
   stretch it), holding at least ``MIN_EXACT_SHARE`` (half) of
   identical words on its longer side, and at least ``min_words`` words on each side. It
   then grows over misread words at both ends (at most ``gap``, ending on an identical
   word or a misread one of four letters or more).

Each passage says how many of its words are identical (``exact_words``): an exact passage
(``exact``) holds the very same words on both sides.

>>> import numpy as np
>>> a = np.array([1, 2, 3, 4, 5, 6, 9, 9])
>>> b = np.array([7, 1, 2, 3, 4, 5, 6, 8])
>>> shared_runs(a, b, 3).tolist()  # (start in a, start in b, length)
[[0, 1, 6]]
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import overload

import numpy as np

from ..noise import block_edits, is_number, scan_variant
from ..text import word_spans
from .model import Passage
from .options import MAX_PASSAGE_GAP, MIN_EXACT_SHARE, RAW_GAP_FACTOR, SEED_WORDS
from .sides import Encoder, Side

__all__ = ["approximate_passages", "find_passages", "shared_runs", "word_ids"]

# Key of a k-gram: a polynomial over the word ids, modulo 2**64 (collisions only cost time:
# seeds are checked word by word).
_KEY_MUL = np.uint64(0x9E3779B97F4A7C15)
_KEY_MIX = np.uint64(0xBF58476D1CE4E5B9)
# Prefix hashes for extending runs: two primes below 2**31, so that products fit in int64.
_PRIMES = (2_147_483_647, 2_147_483_629)
_BASES = (1_000_003, 911_382_323)
# Extensions are checked word by word while their total length is at most this many times
# the words of both texts.
_CHECK_BUDGET = 4


def _keys(x: np.ndarray, k: int) -> np.ndarray:
    """The 64-bit key of every k-gram of ``x`` (``len(x) - k + 1`` of them)."""
    n = len(x) - k + 1
    h = x.astype(np.uint64) * _KEY_MIX
    key = np.zeros(n, dtype=np.uint64)
    for t in range(k):
        key = key * _KEY_MUL + h[t : t + n]
    return key


def _seeds(x: np.ndarray, y: np.ndarray, k: int, max_repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` where the same k-gram starts in ``x`` and ``y`` (see step 2)."""
    ka, kb = _keys(x, k), _keys(y, k)
    oa = np.argsort(ka, kind="stable")
    sa = ka[oa]
    ob = np.argsort(kb, kind="stable")
    sb = kb[ob]
    lo = np.searchsorted(sb, sa, "left")
    cb = np.searchsorted(sb, sa, "right") - lo
    both = np.flatnonzero(cb > 0)
    if not len(both):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sa_both = sa[both]
    first = np.searchsorted(sa, sa_both, "left")
    ca = np.searchsorted(sa, sa_both, "right") - first
    rank = both - first
    lo, cb = lo[both], cb[both]
    scale = cb / ca
    centre = (rank + 0.5) * scale - 0.5
    half = max_repeats * np.maximum(1.0, scale)
    frm = np.maximum(0, np.ceil(centre - half)).astype(np.int64)
    to = np.minimum(cb, np.floor(centre + half).astype(np.int64) + 1)
    counts = np.maximum(0, to - frm)
    total = int(counts.sum())
    i = np.repeat(oa[both], counts)
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    j = ob[np.repeat(lo + frm, counts) + offset]
    ok = np.ones(total, dtype=bool)
    for t in range(k):  # exact: a key collision makes no seed
        ok &= x[i + t] == y[j + t]
    return i[ok].astype(np.int64), j[ok].astype(np.int64)


def _powers(base: int, p: int, n: int) -> np.ndarray:
    """``base**t % p`` for ``t < n``, computed in blocks of ``sqrt(n)``."""
    step = max(1, int(n**0.5) + 1)
    small = [1]
    for _ in range(step - 1):
        small.append(small[-1] * base % p)
    big = [1]
    stride = small[-1] * base % p
    for _ in range((n - 1) // step):
        big.append(big[-1] * stride % p)
    table = np.array(big, dtype=np.int64)[:, None] * np.array(small, dtype=np.int64)[None, :]
    return (table % p).ravel()[:n]


class _Prefix:
    """Prefix hashes of two id sequences: equality of any two slices in O(1)."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        n = max(len(x), len(y)) + 1
        self.tables = []
        for base, p in zip(_BASES, _PRIMES):
            pw = _powers(base, p, n)
            hx, hy = (
                np.concatenate([[0], np.cumsum((s + 1) * pw[: len(s)] % p) % p])
                for s in (x.astype(np.int64), y.astype(np.int64))
            )
            self.tables.append((p, pw, hx, hy))

    def equal(self, i: np.ndarray, j: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Whether ``x[i:i+n] == y[j:j+n]``, element-wise (by two hashes)."""
        out = np.ones(len(i), dtype=bool)
        for p, pw, hx, hy in self.tables:
            dx = (hx[i + n] - hx[i]) % p
            dy = (hy[j + n] - hy[j]) % p
            out &= dx * pw[j] % p == dy * pw[i] % p
        return out


def _longest(test, most: np.ndarray) -> np.ndarray:
    """For each element, the largest ``t <= most`` with ``test(t)`` true (``test(0)`` is)."""
    lo = np.zeros(len(most), dtype=np.int64)
    hi = most.astype(np.int64)
    while True:
        open_ = np.flatnonzero(lo < hi)
        if not len(open_):
            return lo
        mid = (lo[open_] + hi[open_] + 1) // 2
        ok = test(open_, mid)
        lo[open_[ok]] = mid[ok]
        hi[open_[~ok]] = mid[~ok] - 1


def _extend_exact(x: np.ndarray, y: np.ndarray, a0: int, b0: int, n: int) -> tuple[int, int, int]:
    """The maximal run through ``x[a0:a0+n] == y[b0:b0+n]``, word by word."""
    while a0 and b0 and x[a0 - 1] == y[b0 - 1]:
        a0, b0, n = a0 - 1, b0 - 1, n + 1
    while a0 + n < len(x) and b0 + n < len(y) and x[a0 + n] == y[b0 + n]:
        n += 1
    return a0, b0, n


def _extend(x: np.ndarray, y: np.ndarray, a0: np.ndarray, b0: np.ndarray, n: np.ndarray) -> None:
    """Extend runs ``(a0, b0, n)`` in place to their maximal length (see step 4)."""
    pre = _Prefix(x, y)
    e, f = a0 + n, b0 + n
    right = _longest(lambda s, t: pre.equal(e[s], f[s], t), np.minimum(len(x) - e, len(y) - f))
    left = _longest(lambda s, t: pre.equal(a0[s] - t, b0[s] - t, t), np.minimum(a0, b0))
    if int(left.sum() + right.sum()) <= _CHECK_BUDGET * (len(x) + len(y)):
        for s in np.flatnonzero(left + right).tolist():  # check the extended words exactly
            ext_a = np.r_[a0[s] - left[s] : a0[s], e[s] : e[s] + right[s]]
            ext_b = np.r_[b0[s] - left[s] : b0[s], f[s] : f[s] + right[s]]
            if not np.array_equal(x[ext_a], y[ext_b]):  # a hash collision
                a0[s], b0[s], n[s] = _extend_exact(x, y, int(a0[s]), int(b0[s]), int(n[s]))
                left[s] = right[s] = 0
    a0 -= left
    b0 -= left
    n += left + right


def shared_runs(x: np.ndarray, y: np.ndarray, k: int, max_repeats: int = 8) -> np.ndarray:
    """Maximal runs of at least ``k`` equal items of ``x`` and ``y``: rows ``(i, j, n)``
    with ``x[i:i+n] == y[j:j+n]`` that cannot be extended on either end, sorted by ``i``
    then ``j``.

    Items repeated more than ``max_repeats`` times on a side are paired by rank (see the
    module docstring), so not every pair of occurrences of repeated text is reported.

    >>> import numpy as np
    >>> shared_runs(np.array([5, 1, 2, 3, 1, 2, 3]), np.array([1, 2, 3, 0]), 2).tolist()
    [[1, 0, 3], [4, 0, 3]]
    """
    x, y = np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.int64)
    empty = np.zeros((0, 3), dtype=np.int64)
    if k < 1 or len(x) < k or len(y) < k:
        return empty
    i, j = _seeds(x, y, k, max_repeats)
    if not len(i):
        return empty
    order = np.lexsort((i, i - j))
    i, j = i[order], j[order]
    diag = i - j
    cut = np.flatnonzero((diag[1:] != diag[:-1]) | (i[1:] != i[:-1] + 1)) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [len(i)]])
    a0, b0 = i[starts], j[starts]
    n = i[ends - 1] - a0 + k
    e, f = a0 + n, b0 + n
    at_a, at_b = np.maximum(a0 - 1, 0), np.maximum(b0 - 1, 0)
    grow = (a0 > 0) & (b0 > 0) & (x[at_a] == y[at_b])
    ea, fb = np.minimum(e, len(x) - 1), np.minimum(f, len(y) - 1)
    grow |= (e < len(x)) & (f < len(y)) & (x[ea] == y[fb])
    if grow.any():  # runs broken where repeated k-grams were paired by rank
        s = np.flatnonzero(grow)
        ga, gb, gn = a0[s], b0[s], n[s]
        _extend(x, y, ga, gb, gn)
        a0[s], b0[s], n[s] = ga, gb, gn
        _, first = np.unique(a0 * (len(y) + 1) + b0, return_index=True)
        a0, b0, n = a0[first], b0[first], n[first]
    order = np.lexsort((b0, a0))
    return np.stack([a0[order], b0[order], n[order]], axis=1)


def word_ids(a: Side, b: Side, enc: Encoder) -> tuple[np.ndarray, np.ndarray]:
    """The words of both sides as integer ids, equal exactly when the words are equal.

    >>> from dedupe.align.sides import build_side
    >>> enc = Encoder()
    >>> x, y = word_ids(build_side("A b. A", enc), build_side("b a", enc), enc)
    >>> x.tolist() == [x[0], x[1], x[0]] and y.tolist() == [x[1], x[0]]
    True
    """
    if enc.unique:  # one code point per distinct word: the codes are the ids
        return tuple(  # type: ignore[return-value]
            np.frombuffer("".join(s.words).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
            for s in (a, b)
        )
    ids: dict[str, int] = {}  # more distinct words than code points: number them here
    out = []
    for side in (a, b):
        toks = (w for p in side.paras for w, _, _ in word_spans(p.text))
        out.append(np.fromiter((ids.setdefault(w, len(ids)) for w in toks), dtype=np.int64))
    return out[0], out[1]


class _Words:
    """Character offsets of the words of one side, by word index over the whole text."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.cum = [0]
        for w in side.words:
            self.cum.append(self.cum[-1] + len(w))

    def para(self, t: int) -> int:
        """Paragraph holding word ``t``."""
        return bisect.bisect_right(self.cum, t) - 1

    def start(self, t: int) -> int:
        k = self.para(t)
        return self.side.starts[k][t - self.cum[k]]

    def end(self, t: int) -> int:
        k = self.para(t)
        return self.side.ends[k][t - self.cum[k]]


# ------------------------------------------------------------------ approximate passages
# Identical words count +1, words between runs (or past a run's end) -1 when edited and
# -1/2 when misread; a passage is a stretch of a chain with a positive score.
_MISREAD_COST = 0.5
#: A passage's first (last) run holds more than this many times the cost of the gap
#: after (before) it.
EDGE_GAIN = 2


class _Tokens(Sequence[str]):
    """The normalised words of a side by word index (the words its codes stand for), read
    paragraph by paragraph when asked: passages look only at the words between runs."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.cum = [0]
        for w in side.words:
            self.cum.append(self.cum[-1] + len(w))
        self.paras: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return self.cum[-1]

    def _word(self, t: int) -> str:
        k = bisect.bisect_right(self.cum, t) - 1
        words = self.paras.get(k)
        if words is None:
            words = self.paras[k] = [w for w, _, _ in word_spans(self.side.paras[k].text)]
        return words[t - self.cum[k]]

    @overload
    def __getitem__(self, t: int) -> str: ...
    @overload
    def __getitem__(self, t: slice) -> list[str]: ...
    def __getitem__(self, t: int | slice) -> str | list[str]:
        if isinstance(t, slice):
            return [self._word(u) for u in range(*t.indices(len(self)))]
        if not 0 <= t < len(self):
            raise IndexError(t)
        return self._word(t)


def _numbers(words: Sequence[str]) -> list[str]:
    """The numbers among ``words`` (:func:`dedupe.noise.is_number`)."""
    return [w for w in words if is_number(w)]


def _gap_cost(ga: Sequence[str], gb: Sequence[str], gap: int) -> tuple[float, int] | None:
    """The cost of joining two runs across gap words ``ga`` (side A) and ``gb`` (side B)
    and its edited words: ``None`` (no join) when the gap's numbers differ or either side
    has more than ``gap`` edited words, else one for each edited word of the side with
    more and one half for each other word of the longer side (misread:
    :func:`dedupe.noise.block_edits`, a word of one side standing in the other with
    similar letters, split or joined)."""
    if _numbers(ga) != _numbers(gb):
        return None
    if not ga or not gb:
        added = len(ga) + len(gb)
        return (float(added), added) if added <= gap else None
    edits = max(len(block_edits(ga, gb, limit=gap)[0]), len(block_edits(gb, ga, limit=gap)[0]))
    if edits > gap:
        return None
    return edits + _MISREAD_COST * (max(len(ga), len(gb)) - edits), edits


def _chains(runs: np.ndarray, gap: int) -> list[list[tuple[int, int, int]]]:
    """Runs ``(i, j, n)`` (sorted by ``i``) chained in the same order on both sides, at most
    ``gap`` words apart on each side: each run takes the predecessor that gives the best
    chain score (its words, less the larger gap, less the words a predecessor overlapping
    it takes off its start), then chains are read back from the best-scoring run down, each
    run used once (as minimap2 chains seeds). Looking only at runs ending within ``gap``
    words of a run's start keeps this linear in the runs. Each chain is a list of runs
    ``(i, j, n)``, trimmed where two overlap, in text order."""
    m = len(runs)
    ri, rj, rn = (runs[:, c].tolist() for c in range(3))
    score = [0.0] * m
    pred = [-1] * m
    shift = [0] * m  # words taken off a run's start by an overlapping predecessor
    # runs by the word of A they end before, each list sorted by diagonal (j - i): a
    # predecessor's diagonal is within gap of its successor's (its gaps differ by that), so
    # only that slice is looked at, however often the text repeats
    by_end: dict[int, list[tuple[int, int]]] = {}
    for r in range(m):
        i, j, n = ri[r], rj[r], rn[r]
        best, bp, bd = float(n), -1, 0
        diag = j - i
        for ea in range(i - gap, i + gap + 1):
            ends = by_end.get(ea)
            if not ends:
                continue
            lo = bisect.bisect_left(ends, (diag - gap, -1))
            hi = bisect.bisect_right(ends, (diag + gap, m))
            for _, p in ends[lo:hi]:
                eb = rj[p] + rn[p]
                if ri[p] >= i or rj[p] >= j:
                    continue
                d = max(0, ea - i, eb - j)
                ga, gb = i + d - ea, j + d - eb
                if d >= n or ga > gap or gb > gap:
                    continue
                s = score[p] + n - d - max(ga, gb)
                if s > best:
                    best, bp, bd = s, p, d
        score[r], pred[r], shift[r] = best, bp, bd
        bisect.insort(by_end.setdefault(i + n, []), (diag, r))
    used = [False] * m
    chains = []
    for r in sorted(range(m), key=lambda t: -score[t]):
        if used[r]:
            continue
        chain = []
        t = r
        while t >= 0 and not used[t]:
            used[t] = True
            chain.append(t)
            t = pred[t]
        chain.reverse()
        out = []
        for k, t in enumerate(chain):
            d = shift[t] if k else 0
            out.append((ri[t] + d, rj[t] + d, rn[t] - d))
        chains.append(out)
    return chains


def _segments(gains: list[int], costs: list[tuple[float, int] | None]) -> list[tuple[int, int]]:
    """Stretches ``[first, last]`` of a chain of runs (``gains[k]`` identical words of run
    ``k``, ``costs[k]`` the cost and edited words of the gap after it, ``None``: a break)
    whose score is positive all along; a stretch ends (starts) with a run holding more
    than :data:`EDGE_GAIN` times the edited words of the gap before (after) it, so that
    two common words after a changed one ("in the") do not stretch a passage."""
    out = []
    start = 0
    while start < len(gains):
        while start + 1 < len(gains):  # the first run must outweigh the edits after it
            after = costs[start]
            if after is None or gains[start] > EDGE_GAIN * after[1]:
                break
            start += 1
        total = best = float(gains[start])
        end = k = start
        while k + 1 < len(gains):
            gap = costs[k]
            if gap is None:
                break
            total -= gap[0]
            if total <= 0:
                break
            k += 1
            total += gains[k]
            if total >= best and gains[k] > EDGE_GAIN * gap[1]:
                best, end = total, k
        out.append((start, end))
        start = end + 1
    return out


def _extend_misread(
    wa: Sequence[str], wb: Sequence[str], i: int, j: int, step: int, most: int
) -> int:
    """How many words a passage grows past ``(i, j)`` (its first words with ``step=-1``,
    else one past its last) where both sides hold the same word misread (no number), at
    most ``most``, ending on an identical word or a misread one of four letters or more
    (short words look alike by chance: ``ba`` and ``be`` extend nothing alone)."""
    k = good = 0
    while k < most:
        x, y = (i - k - 1, j - k - 1) if step < 0 else (i + k, j + k)
        if x < 0 or y < 0 or x >= len(wa) or y >= len(wb):
            break
        u, v = wa[x], wb[y]
        if _numbers([u, v]) or not scan_variant(u, v):
            break
        k += 1
        if u == v or min(len(u), len(v)) >= 4:
            good = k
    return good


def find_passages(
    a: Side,
    b: Side,
    enc: Encoder,
    min_words: int,
    max_repeats: int,
    gap: int = MAX_PASSAGE_GAP,
) -> tuple[Passage, ...]:
    """The shared passages of two sides, with character offsets, sorted by position in A,
    then in B (see the module docstring, "Approximate passages"). ``gap=0`` gives the
    maximal runs of at least ``min_words`` identical words only (:func:`shared_runs`).

    A passage never starts or ends inside one original token that normalises to several
    words (``"2½"``: ``21``, ``2``): such a passage is trimmed to whole tokens on both sides.

    >>> from dedupe.align.sides import build_side
    >>> enc = Encoder()
    >>> a = build_side("Intro.\\n\\nThe cat sat on the mat.", enc)
    >>> b = build_side("The cat sat on the mat, again.", enc)
    >>> (p,) = find_passages(a, b, enc, 4, 8)
    >>> p, a.text[p.a_start : p.a_end]  # doctest: +NORMALIZE_WHITESPACE
    (Passage(a_start=8, a_end=30, b_start=0, b_end=22, words=6, b_words=6, exact_words=6),
     'The cat sat on the mat')
    >>> a = build_side("The cat sat on the old mat in the hall today.", enc)
    >>> b = build_side("The cat sat on the red mat in the hall today.", enc)
    >>> (p,) = find_passages(a, b, enc, 8, 8)
    >>> p.words, p.exact_words, p.exact
    (11, 10, False)
    """
    x, y = word_ids(a, b, enc)
    wa, wb = _Words(a), _Words(b)
    if gap == 0:
        parts = [(i, j, n, n, n) for i, j, n in shared_runs(x, y, min_words, max_repeats).tolist()]
    else:
        parts = _joined(x, y, a, b, min_words, max_repeats, gap)

    def cut_start(i: int, j: int) -> bool:  # the passage starts inside an original token
        return (i > 0 and wa.start(i) == wa.start(i - 1)) or (
            j > 0 and wb.start(j) == wb.start(j - 1)
        )

    def cut_end(i: int, j: int, na: int, nb: int) -> bool:  # it ends inside a token
        return (i + na < len(x) and wa.end(i + na - 1) == wa.end(i + na)) or (
            j + nb < len(y) and wb.end(j + nb - 1) == wb.end(j + nb)
        )

    out = []
    for i, j, na, nb, exact in parts:
        while min(na, nb) >= min_words and cut_start(i, j):
            i, j, na, nb, exact = i + 1, j + 1, na - 1, nb - 1, exact - 1
        while min(na, nb) >= min_words and cut_end(i, j, na, nb):
            na, nb, exact = na - 1, nb - 1, exact - 1
        if min(na, nb) >= min_words:
            out.append(
                Passage(
                    wa.start(i),
                    wa.end(i + na - 1),
                    wb.start(j),
                    wb.end(j + nb - 1),
                    na,
                    nb,
                    max(0, min(exact, na, nb)),
                )  # fmt: skip
            )
    out.sort(key=lambda p: (p.a_start, p.b_start))
    return tuple(out)


def _joined(
    x: np.ndarray, y: np.ndarray, a: Side, b: Side, min_words: int, max_repeats: int, gap: int
) -> list[tuple[int, int, int, int, int]]:
    """Approximate passages as ``(i, j, words in A, words in B, identical words)``."""
    return approximate_passages(
        x, y, _Tokens(a), _Tokens(b), min_words=min_words, max_repeats=max_repeats, gap=gap
    )


#: A run of :data:`SEED_WORDS` words found more often than this on a side is paired by rank
#: as a seed of an approximate passage (see :func:`approximate_passages`).
SEED_REPEATS = 2


def approximate_passages(
    x: np.ndarray,
    y: np.ndarray,
    ta: Sequence[str],
    tb: Sequence[str],
    *,
    min_words: int,
    max_repeats: int = 8,
    gap: int = MAX_PASSAGE_GAP,
) -> list[tuple[int, int, int, int, int]]:
    """The approximate passages of two word sequences (steps 5-7 of the module docstring):
    ``x``/``y`` their word ids (equal exactly when the words are), ``ta``/``tb`` the words
    themselves. Rows ``(i, j, na, nb, exact)``: words ``ta[i:i+na]`` stand as
    ``tb[j:j+nb]``, ``exact`` of them identical.

    >>> ta = "the council met on tuesday to discuss the new rail line".split()
    >>> tb = "tbe council met on tuesday to debate the new rail line".split()
    >>> ids = {w: k for k, w in enumerate(dict.fromkeys(ta + tb))}
    >>> x, y = (np.array([ids[w] for w in t]) for t in (ta, tb))
    >>> approximate_passages(x, y, ta, tb, min_words=8)  # "tbe": too short to start on
    [(1, 1, 10, 10, 9)]
    """
    x, y = np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.int64)
    # Seeds: runs of SEED_WORDS words, each paired every way only while it occurs at most
    # SEED_REPEATS times on a side (common pairs of words, "of the", by rank: a text that
    # repeats itself would otherwise pair every occurrence with every other, quadratic),
    # and the runs of min_words or more, paired every way up to max_repeats as exact
    # passages are.
    seeds = shared_runs(x, y, SEED_WORDS, SEED_REPEATS)
    long_runs = shared_runs(x, y, max(min_words, SEED_WORDS), max_repeats)
    runs = np.unique(np.concatenate((seeds, long_runs)), axis=0)
    if not len(runs):
        return []
    need = max(1, math.ceil(MIN_EXACT_SHARE * min_words))  # identical words a passage holds
    reach = RAW_GAP_FACTOR * gap  # words between two runs, misread ones included
    runs = runs[_chainable(runs, reach, need)]
    out = []
    for chain in _chains(runs, reach):
        costs: list[tuple[float, int] | None] = []
        for (i0, j0, n0), (i1, j1, _) in zip(chain, chain[1:]):
            costs.append(_gap_cost(ta[i0 + n0 : i1], tb[j0 + n0 : j1], gap))
        for first, last in _segments([n for _, _, n in chain], costs):
            i, j, _ = chain[first]
            ie, je = chain[last][0] + chain[last][2], chain[last][1] + chain[last][2]
            exact = sum(n for _, _, n in chain[first : last + 1])
            if exact < need or exact < MIN_EXACT_SHARE * max(ie - i, je - j):
                continue
            back = _extend_misread(ta, tb, i, j, -1, gap)
            ahead = _extend_misread(ta, tb, ie, je, 1, gap)
            if exact >= MIN_EXACT_SHARE * (max(ie - i, je - j) + back + ahead):
                i, j, ie, je = i - back, j - back, ie + ahead, je + ahead
            if min(ie - i, je - j) >= min_words:
                out.append((i, j, ie - i, je - j, exact))
    return out


def _chainable(runs: np.ndarray, gap: int, need: int) -> np.ndarray:
    """Which runs may belong to a passage: those of at least ``need`` words, and those
    with another run ending at most ``gap`` words before them (or starting at most ``gap``
    after them) on both sides. Most runs of two common words shared by chance have none,
    and this vectorised test drops them before :func:`_chains` looks at each run."""
    m = len(runs)
    long_ = np.flatnonzero(runs[:, 2] >= need)
    # a long run stands in also as its last gap + 1 words, so that a run after it (or
    # overlapping its end) finds it nearby
    ea_l = runs[long_, 0] + runs[long_, 2]
    ti = np.maximum(runs[long_, 0], ea_l - gap - 1)
    tj = runs[long_, 1] + (ti - runs[long_, 0])
    tails = np.stack((ti, tj, ea_l - ti), axis=1)  # the same diagonal, the same end
    every = np.concatenate((runs, tails))
    origin = np.concatenate((np.arange(m), long_))
    tail = np.arange(len(every)) >= m  # a stand-in: a predecessor only
    order = np.argsort(every[:, 0], kind="stable")
    every, origin, tail = every[order], origin[order], tail[order]
    i, j, n = every[:, 0], every[:, 1], every[:, 2]
    keep = np.zeros(len(every), dtype=bool)
    # a short predecessor starts at most need + gap words before its successor: each run
    # looks back over the runs starting there (sorted by i), all runs at once per step;
    # the work is the pairs of runs starting within need + gap words of each other
    back = np.arange(len(every)) - np.searchsorted(i, i - need - 2 * gap - 1, side="left")
    ea, eb = i + n, j + n
    r = np.flatnonzero(back >= 1)
    off = 1
    while len(r):
        p = r - off
        ga, gb = i[r] - ea[p], j[r] - eb[p]
        ok = (np.abs(ga) <= gap) & (np.abs(gb) <= gap) & (i[p] < i[r]) & (j[p] < j[r])
        ok &= ~tail[r]
        keep[p[ok]] = True
        keep[r[ok]] = True
        off += 1
        r = r[back[r] >= off]
    out = runs[:, 2] >= need
    out[origin[keep]] = True
    return out
