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
from dataclasses import dataclass

import numpy as np

from .flat import lengths, take
from .match import Match, match_kind
from .noise import block_edits, changed_blocks, misread
from .params import Thresholds
from .sketch import mix64

__all__ = [
    "FUZZY_KEY_SHARE",
    "Fuzzy",
    "fuzzy_choice",
    "sharing_keys",
    "with_words",
    "fuzzy_pairs",
    "key_share",
    "fuzzy_rule",
    "word_counts",
    "SHARED_CHUNK",
    "WORDS_KEPT",
    "fuzzy_score",
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


@dataclass(frozen=True, eq=False)
class Fuzzy:
    """Fuzzy-mode scores of pairs: ``score`` (:func:`fuzzy_score`; NaN where none was
    computed) and each side's word count (``words_a``, ``words_b``)."""

    score: np.ndarray
    words_a: np.ndarray
    words_b: np.ndarray


def judge(
    a_ids: Sequence[str],
    b_ids: Sequence[str],
    shared: np.ndarray,
    size_a: np.ndarray,
    size_b: np.ndarray,
    thresholds: Thresholds,
    fuzzy: Fuzzy | None = None,
) -> list[Match]:
    """The :class:`Match` of every pair whose scores reach a threshold, in input order.

    A pair is kept when its Jaccard similarity reaches ``thresholds.jaccard``, or the share
    of one side found in the other reaches ``thresholds.containment`` and that side has at
    least ``thresholds.min_shingles`` shingles, or (with ``fuzzy`` scores) by
    :func:`fuzzy_rule`.

    >>> f = Fuzzy(np.array([0.95]), np.array([80]), np.array([82]))
    >>> [(m.kind, m.fuzzy) for m in judge(["a"], ["b"], np.array([3]), np.array([76]),
    ...                                    np.array([78]), Thresholds(), f)]
    [('near_duplicate', 0.95)]
    """
    ok, jac, c_ab, c_ba = pair_scores(shared, size_a, size_b, thresholds)
    near = np.zeros(len(ok), dtype=bool)
    if fuzzy is not None:
        fuzzy_ok, near = fuzzy_rule(fuzzy, thresholds)
        ok |= fuzzy_ok
    out = []
    kept = np.flatnonzero(ok)
    # plain Python numbers, converted once (a numpy call per pair cost more than the rest)
    columns = zip(
        kept.tolist(),
        shared[kept].tolist(),
        size_a[kept].tolist(),
        size_b[kept].tolist(),
        jac[kept].tolist(),
        _no_nan(jac[kept]),
        _no_nan(c_ab[kept]),
        _no_nan(c_ba[kept]),
        near[kept].tolist(),
        ([None] * len(kept) if fuzzy is None else fuzzy.score[kept].tolist()),
    )
    for k, n_sh, n_a, n_b, j_raw, j, cab, cba, is_near, score in columns:
        kind = match_kind(n_sh, n_a, n_b, jaccard=j_raw, threshold=thresholds.jaccard)
        if kind == "partial" and is_near:
            kind = "near_duplicate"
        if score is not None and score != score:  # NaN: no fuzzy score computed
            score = None
        out.append(Match(a_ids[k], b_ids[k], j, cab, cba, kind, n_sh, n_a, n_b, True, score))
    return out


def _no_nan(values: np.ndarray) -> list[float]:
    """``values`` as Python floats, NaN (no score) as 0.0 (cheaper than ``nan_to_num`` on
    the few pairs of a query)."""
    return [0.0 if v != v else v for v in values.tolist()]


def fuzzy_rule(fuzzy: Fuzzy, thresholds: Thresholds) -> tuple[np.ndarray, np.ndarray]:
    """Which pairs fuzzy mode reports, vectorised: those whose fuzzy score reaches
    ``thresholds.fuzzy_threshold`` when the shorter text has at least
    ``thresholds.fuzzy_min_words`` words; and which of them are near-duplicates (their
    estimated Jaccard over words, ``s * n / (N + n - s * n)`` for score ``s`` and word
    counts ``n <= N``, reaches ``thresholds.jaccard``), the others being partial.

    >>> f = Fuzzy(np.array([0.95, 0.95, 0.5]), np.array([80, 80, 80]), np.array([82, 400, 80]))
    >>> [a.tolist() for a in fuzzy_rule(f, Thresholds())]
    [[True, True, False], [True, False, False]]
    """
    short = np.minimum(fuzzy.words_a, fuzzy.words_b).astype(np.float64)
    long = np.maximum(fuzzy.words_a, fuzzy.words_b).astype(np.float64)
    with np.errstate(invalid="ignore"):
        ok = (fuzzy.score >= thresholds.fuzzy_threshold) & (short >= thresholds.fuzzy_min_words)
        kept = fuzzy.score * short
        with np.errstate(divide="ignore"):
            near = ok & (kept / (long + short - kept) >= thresholds.jaccard)
    return ok, near


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


def copy_matches(
    ids: Sequence[str], rep: np.ndarray, sizes: np.ndarray, *, fuzzy: bool = False
) -> list[Match]:
    """The ``exact`` match of every copy with the first document of its group (in fuzzy
    mode with a fuzzy score of 1).

    >>> [(m.a, m.b, m.kind) for m in copy_matches(["x", "y"], np.array([0, 0]), np.array([4, 4]))]
    [('x', 'y', 'exact')]
    """
    out = []
    score = 1.0 if fuzzy else None
    for copy in np.flatnonzero(rep != np.arange(len(rep))).tolist():
        first, size = int(rep[copy]), int(sizes[copy])
        out.append(
            Match(ids[first], ids[copy], 1.0, 1.0, 1.0, "exact", size, size, size, True, score)
        )
    return out


def key_share(key_values: np.ndarray, key_offsets: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """For each pair of rows, the share of the smaller one's keys the two share.

    >>> key_share(np.array([1, 2, 3, 2, 3], np.uint32), np.array([0, 3, 5]),
    ...           np.array([[0, 1]])).tolist()
    [1.0]
    """
    counts = lengths(key_offsets)
    fewest = np.minimum(counts[pairs[:, 0]], counts[pairs[:, 1]]).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num(shared_counts(key_values, key_offsets, pairs) / fewest)


# ---------------------------------------------------------------------- fuzzy mode
def _survival(a: Sequence[str], b: Sequence[str], floor: float = 0.0) -> float:
    """Share of ``a``'s words that stand in ``b``, in order, as they are or misread, one
    change taken off for each run of words ``b`` adds; NaN as soon as it is sure to be
    under ``floor`` (the rest is not looked at)."""
    if not a:
        return 0.0
    budget = (1.0 - floor) * len(a) if floor > 0 else float("inf")  # edits allowed
    edits = 0
    for i1, i2, j1, j2 in changed_blocks(a, b):
        if i2 - i1 == 1 == j2 - j1 and misread(a[i1], b[j1]):  # one word misread: no edit
            continue
        changed, added = block_edits(a[i1:i2], b[j1:j2], limit=budget - edits)
        edits += len(changed) + added
        if edits > budget:
            return float("nan")
    return max(0.0, 1.0 - edits / len(a))


def fuzzy_score(a: Sequence[str], b: Sequence[str], *, floor: float = 0.0) -> float:
    """The fuzzy score of two texts' words (:func:`dedupe.text.fuzzy_words`): the share of
    the shorter text's words that stand in the other, in order, as they are or misread by
    OCR (:func:`dedupe.noise.misread`), less one for each run of words the other adds in between. An
    OCR copy of an article scores about 1 - (its share of misread words that no longer
    resemble themselves); a different article on the same topic, far less. With
    ``floor``, NaN as soon as the score is sure to be under it (much faster on unrelated
    texts).

    >>> clean = "the council met on tuesday to discuss the new rail line".split()
    >>> ocr = "tbe cmincil met on tuesday to discuss tho new rail linc".split()
    >>> fuzzy_score(clean, ocr), round(fuzzy_score(clean, "the council rejected it".split()), 2)
    (1.0, 0.5)
    >>> fuzzy_score(clean, "the council rejected it".split(), floor=0.9)
    nan
    """
    short, other = (a, b) if len(a) <= len(b) else (b, a)
    return _survival(short, other, floor)


#: A candidate pair is given a fuzzy score when it shares at least this share of the
#: smaller text's fuzzy keys (or already reaches an exact threshold). Measured on the
#: OCR development set: every OCR copy up to 20% character errors shares more; a
#: synthetic copy at 10-20% errors sometimes less (4%); above 20%, about half do.
FUZZY_KEY_SHARE = 0.25


def word_counts(
    text_values: np.ndarray, text_offsets: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """How many words each row of fuzzy words holds (words are separated by one space), or
    each of ``rows`` only: its spaces counted in place (no copy of the rows, no temporary
    array as long as the words).

    >>> word_counts(np.frombuffer(b"a bc d" + b"x", np.uint8), np.array([0, 6, 6, 7])).tolist()
    [3, 0, 1]
    >>> word_counts(np.frombuffer(b"a bc d" + b"x", np.uint8), np.array([0, 6, 6, 7]),
    ...             np.array([2, 0])).tolist()
    [1, 3]
    """
    offsets = np.asarray(text_offsets, dtype=np.int64)
    picked = np.arange(len(offsets) - 1) if rows is None else np.asarray(rows, dtype=np.int64)
    view = np.ascontiguousarray(text_values, dtype=np.uint8).data
    counts = [
        view[lo:hi].tobytes().count(b" ") + 1 if hi > lo else 0
        for lo, hi in zip(offsets[picked].tolist(), offsets[picked + 1].tolist())
    ]
    return np.array(counts, dtype=np.int64)


#: :func:`fuzzy_pairs` keeps the decoded words of at most this many rows of each side (a
#: Python ``str`` per word, about ten times the row's bytes): pairs come grouped by their
#: first row, and decoding a row again costs about 10 us. Kept for every row, they took
#: about 500 MB of the verifying stage at 100,000 generated articles.
WORDS_KEPT = 256


class _Words:
    """The fuzzy words of rows of a ragged ``uint8`` column, decoded when asked for (the
    last :data:`WORDS_KEPT` rows asked for are kept)."""

    def __init__(self, values: np.ndarray, offsets: np.ndarray) -> None:
        self.values, self.offsets = values, offsets
        self.cache: dict[int, list[str]] = {}

    def __getitem__(self, row: int) -> list[str]:
        got = self.cache.pop(row, None)
        if got is None:
            lo, hi = self.offsets[row], self.offsets[row + 1]
            got = self.values[lo:hi].tobytes().decode("utf-8").split()
            if len(self.cache) >= WORDS_KEPT:
                del self.cache[next(iter(self.cache))]  # the least recently asked for
        self.cache[row] = got
        return got


def fuzzy_choice(
    keys: tuple[np.ndarray, np.ndarray],
    words: tuple[np.ndarray, np.ndarray],
    pairs: np.ndarray,
    exact: np.ndarray,
    thresholds: Thresholds,
) -> np.ndarray:
    """Which candidate ``pairs`` (rows of the ragged fuzzy ``keys`` and ``words``, each
    ``(values, offsets)``) a collection scan gives a fuzzy score: those that already
    reach an exact threshold (``exact``; their score is shown), and those that share
    :data:`FUZZY_KEY_SHARE` of the smaller text's fuzzy keys (:func:`sharing_keys`)
    when the shorter text has ``fuzzy_min_words`` words (:func:`with_words`). Index and
    Spark call this, so they score the same pairs.

    >>> words = (np.frombuffer(b"a b c", np.uint8), np.array([0, 5, 5]))
    >>> keys = (np.array([1, 2, 1, 2], np.uint32), np.array([0, 2, 4]))
    >>> fuzzy_choice(keys, words, np.array([[0, 1]]), np.array([True]), Thresholds()).tolist()
    [True]
    """
    open_ = sharing_keys(keys, pairs, exact)
    return with_words(words, pairs, exact, open_, thresholds.fuzzy_min_words)


def sharing_keys(
    keys: tuple[np.ndarray, np.ndarray], pairs: np.ndarray, exact: np.ndarray
) -> np.ndarray:
    """Which candidate ``pairs`` that do not reach an exact threshold (``exact``) share
    :data:`FUZZY_KEY_SHARE` of the smaller text's fuzzy ``keys`` (:func:`key_share`,
    computed for those pairs only): the first half of :func:`fuzzy_choice`.

    >>> keys = (np.array([1, 2, 1, 9], np.uint32), np.array([0, 2, 4]))
    >>> sharing_keys(keys, np.array([[0, 1], [0, 1]]), np.array([False, True])).tolist()
    [True, False]
    """
    open_ = ~exact
    share = np.zeros(len(pairs))
    share[open_] = key_share(*keys, pairs[open_])
    return open_ & (share >= FUZZY_KEY_SHARE)


def with_words(
    words: tuple[np.ndarray, np.ndarray],
    pairs: np.ndarray,
    exact: np.ndarray,
    open_: np.ndarray,
    min_words: int,
) -> np.ndarray:
    """``exact``, and those of the pairs ``open_`` (:func:`sharing_keys`) whose shorter
    text has ``min_words`` words (``fuzzy_min_words``: fewer could not pass
    :func:`fuzzy_rule`): the second half of :func:`fuzzy_choice`. Only the words of the
    rows of ``open_`` pairs are read (counting every row cost more than the rest of the
    choice).

    >>> words = (np.frombuffer(b"a b c" + b"d", np.uint8), np.array([0, 5, 6]))
    >>> with_words(words, np.array([[0, 1]]), np.array([False]), np.array([True]), 2).tolist()
    [False]
    """
    open_ = open_.copy()
    rows, at = np.unique(pairs[open_], return_inverse=True)
    counts = word_counts(*words, rows)[at.reshape(-1, 2)]
    open_[open_] = counts.min(axis=1) >= min_words
    return exact | open_


def fuzzy_pairs(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    pairs: np.ndarray,
    wanted: np.ndarray,
    *,
    full: np.ndarray | None = None,
    floor: float = 0.0,
) -> Fuzzy:
    """The fuzzy scores of ``pairs`` (row ``k``: row ``pairs[k, 0]`` of the fuzzy words
    ``a`` and row ``pairs[k, 1]`` of ``b``, each ``(text_values, text_offsets)``), computed
    where ``wanted`` (NaN elsewhere), with both sides' word counts (0 where not scored:
    :func:`fuzzy_rule` reads them only next to a score). Pairs not in ``full`` (when given)
    stop at ``floor``: NaN once their score is sure to be under it (a pair that only the
    fuzzy rule could report needs no more).

    >>> buffer = np.frombuffer(b"the council met" b"tbe cmincil met", np.uint8)
    >>> words = (buffer, np.array([0, 15, 30]))
    >>> fuzzy_pairs(words, words, np.array([[0, 1]]), np.array([True])).score.tolist()
    [1.0]
    """
    score = np.full(len(pairs), np.nan)
    counts_a = np.zeros(len(pairs), dtype=np.int64)
    counts_b = np.zeros(len(pairs), dtype=np.int64)
    words_a, words_b = _Words(*a), _Words(*b)
    for k in np.flatnonzero(wanted).tolist():
        least = floor if full is not None and not full[k] else 0.0
        x, y = words_a[int(pairs[k, 0])], words_b[int(pairs[k, 1])]
        score[k] = fuzzy_score(x, y, floor=least)
        counts_a[k], counts_b[k] = len(x), len(y)
    return Fuzzy(score, counts_a, counts_b)
