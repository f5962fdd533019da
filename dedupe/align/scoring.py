"""Candidate paragraph pairs and their word similarity (rapidfuzz ``cdist``), in blocks.

Without blocking every pair is scored, ``block_cells`` cells at a time; with blocking only
pairs that share a word bigram rare on both sides, or a paragraph of the very same words,
are scored (see :func:`candidate_cells`).
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from ..flat import sorted_unique
from ..parallel import resolve_workers
from .options import BLOCKING_MAX_DF, BLOCKING_MIN_WORDS, PARALLEL_MIN_CELLS
from .sides import Encoder, Side, sentence_codes

__all__ = ["candidate_cells"]

# Pair sets up to this many possible pairs are deduplicated with a bitmap (1 byte a pair).
_BITMAP_PAIRS = 16_000_000


def _grams(codes: list[str], which: list[int], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (word n-gram, paragraph) entries of paragraphs ``which``, as two arrays, for
    words (``size`` 1) or word bigrams (``size`` 2, two code points packed in one integer)."""
    sel = [codes[k] for k in which]
    flat = np.frombuffer("".join(sel).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    para = np.repeat(np.array(which, dtype=np.int64), [len(c) for c in sel])
    if size == 1:
        key = sorted_unique((para << 42) | flat)
    else:
        same = para[:-1] == para[1:]
        key = sorted_unique((para[:-1][same] << 42) | (flat[:-1][same] << 21) | flat[1:][same])
    return key & ((1 << 42) - 1), key >> 42


def _gram_pairs(
    a_codes: list[str],
    b_codes: list[str],
    rows: list[int],
    cols: list[int],
    max_df: int,
    size: int,
) -> np.ndarray:
    """Pairs ``i * len(b_codes) + j`` (``i`` in ``rows``, ``j`` in ``cols``) that share a
    word n-gram (see :func:`_grams`) found in at most ``max_df`` paragraphs of each side
    (blocking: pairs sharing no such n-gram are not scored)."""
    m = len(b_codes)
    if not rows or not cols:
        return np.zeros(0, dtype=np.int64)
    ga, pa = _grams(a_codes, rows, size)
    gb, pb = _grams(b_codes, cols, size)
    if not len(ga) or not len(gb):
        return np.zeros(0, dtype=np.int64)
    grams, inverse = np.unique(np.concatenate([ga, gb]), return_inverse=True)
    ga, gb = inverse[: len(ga)], inverse[len(ga) :]
    df_a = np.bincount(ga, minlength=len(grams))
    df_b = np.bincount(gb, minlength=len(grams))
    useful = (df_a <= max_df) & (df_b <= max_df) & (df_b > 0)
    keep = useful[ga]
    ga, pa = ga[keep], pa[keep]
    order = np.argsort(gb, kind="stable")
    gb, pb = gb[order], pb[order]
    lo = np.searchsorted(gb, ga, "left")
    counts = np.searchsorted(gb, ga, "right") - lo
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    first = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    keys = np.repeat(pa, counts) * m + pb[first + np.arange(total)]
    if len(a_codes) * m <= _BITMAP_PAIRS:  # dedupe with a bitmap when it is small
        seen = np.zeros(len(a_codes) * m, dtype=bool)
        seen[keys] = True
        return np.flatnonzero(seen)
    return sorted_unique(keys)


def _copy_pairs(a_codes: list[str], b_codes: list[str], rows: list[int], band: int) -> np.ndarray:
    """Pairs ``i * len(b_codes) + j`` of paragraphs with the very same words (``i`` in
    ``rows``), so that blocking keeps repeated paragraphs whose bigrams are all common.
    A word-for-word paragraph found ``ca`` times in A and ``cb`` times in B proposes, for
    its k-th copy in A, the copies of B within ``band`` of ``k * cb / ca``."""
    where_b: dict[str, list[int]] = {}
    for j, c in enumerate(b_codes):
        where_b.setdefault(c, []).append(j)
    where_a: dict[str, list[int]] = {}
    for i in rows:
        if a_codes[i] in where_b:
            where_a.setdefault(a_codes[i], []).append(i)
    m = len(b_codes)
    out: list[int] = []
    for code, ia in where_a.items():
        jb = where_b[code]
        for k, i in enumerate(ia):
            mid = k * len(jb) // len(ia)
            out.extend(i * m + j for j in jb[max(0, mid - band) : mid + band + 1])
    return np.array(out, dtype=np.int64)


def candidate_cells(
    a: Side,
    b: Side,
    cutoff: float,
    max_candidates: int,
    block_cells: int,
    workers: int,
    max_words: int,
    blocking: bool,
) -> dict[tuple[int, int], float]:
    """Pairs (i, j) scoring at least ``cutoff``; at most ``max_candidates`` per row.

    Without ``blocking`` every pair is scored, ``block_cells`` cells at a time. With
    ``blocking``, a pair of paragraphs of at least ``BLOCKING_MIN_WORDS`` words each is
    scored only when they share a word bigram that is rare on both sides (see
    :func:`_gram_pairs`); shorter paragraphs are scored against everything.

    A pair where either paragraph has more than ``max_words`` words is scored over
    sentences (one symbol per sentence) instead of words, so that a 1 MB paragraph costs
    no more than a few thousand short ones.
    """
    n, m = len(a.codes), len(b.codes)
    if not n or not m:
        return {}
    long_a = {i for i in range(n) if len(a.codes[i]) > max_words}
    long_b = {j for j in range(m) if len(b.codes[j]) > max_words}
    cells = _Cells(a, b, long_a, long_b, cutoff, max_candidates, workers)
    if blocking:
        cells.score_blocked(block_cells)
    else:
        cells.score_all(block_cells)
    if long_a or long_b:  # long paragraphs: scored over sentences
        cells.score_long(long_a, long_b)
    return cells.out


class _Cells:
    """The scoring of :func:`candidate_cells`: ``out`` collects the pairs that reach the
    cutoff, at most ``max_candidates`` per row."""

    def __init__(
        self,
        a: Side,
        b: Side,
        long_a: set[int],
        long_b: set[int],
        cutoff: float,
        max_candidates: int,
        workers: int,
    ) -> None:
        self.a, self.b = a, b
        self.n, self.m = len(a.codes), len(b.codes)
        # Long paragraphs are left out of the word-level scoring: stand-ins that match
        # nothing (code points below those of the encoder).
        self.queries = ["\x01" if k in long_a else c for k, c in enumerate(a.codes)]
        self.choices = ["\x02" if k in long_b else c for k, c in enumerate(b.codes)]
        self.cutoff, self.max_candidates, self.workers = cutoff, max_candidates, workers
        self.cut = int(np.floor(cutoff * 100))
        self.floor = max(self.cut, 1)
        self.out: dict[tuple[int, int], float] = {}

    def keep(self, i: int, cols: np.ndarray, vals: np.ndarray) -> None:
        """Score row ``i``'s best columns exactly (ties nearest the diagonal first)."""
        n, m = self.n, self.m
        if len(cols) > self.max_candidates:
            key = vals.astype(np.float64) * (m + 1) - np.abs(cols - i * m / n)
            cols = cols[np.argpartition(-key, self.max_candidates - 1)[: self.max_candidates]]
        for j in cols.tolist():
            sim = Indel.normalized_similarity(self.a.codes[i], self.b.codes[j])
            if sim >= self.cutoff:
                self.out[(i, j)] = sim

    def threads(self, cells: int) -> int:
        return resolve_workers(self.workers) if cells >= PARALLEL_MIN_CELLS else 1

    def score_all(self, block_cells: int) -> None:
        """Every pair, ``block_cells`` cells at a time."""
        n, m = self.n, self.m
        rows = max(1, block_cells // m)
        for r0 in range(0, n, rows):
            block = process.cdist(
                self.queries[r0 : r0 + rows],
                self.choices,
                scorer=fuzz.ratio,
                score_cutoff=self.cut,
                dtype=np.uint8,
                workers=self.threads(min(rows, n - r0) * m),
            )
            for r in range(block.shape[0]):
                cols = np.flatnonzero(block[r] >= self.floor)
                if len(cols):
                    self.keep(r0 + r, cols, block[r][cols])

    def score_blocked(self, block_cells: int) -> None:
        """Pairs sharing a word bigram rare on both sides; short paragraphs (too few words
        for rare bigrams) pair on a rare word; identical paragraphs always pair. Every rule
        proposes a bounded number of pairs per paragraph: linear, however many."""
        queries, choices, n, m = self.queries, self.choices, self.n, self.m
        short_a = [i for i in range(n) if len(queries[i]) < BLOCKING_MIN_WORDS]
        short_b = [j for j in range(m) if len(choices[j]) < BLOCKING_MIN_WORDS]
        rest_a = [i for i in range(n) if len(queries[i]) >= BLOCKING_MIN_WORDS]
        every_b = list(range(m))
        keys = [
            _gram_pairs(queries, choices, rest_a, every_b, BLOCKING_MAX_DF, 2),
            _gram_pairs(queries, choices, short_a, every_b, BLOCKING_MAX_DF, 1),
            _gram_pairs(queries, choices, rest_a, short_b, BLOCKING_MAX_DF, 1),
            _copy_pairs(queries, choices, list(range(n)), self.max_candidates),
        ]
        pairs = sorted_unique(np.concatenate(keys))
        for c0 in range(0, len(pairs), block_cells):
            chunk = pairs[c0 : c0 + block_cells]
            ii, jj = chunk // m, chunk % m
            scores = process.cpdist(
                [queries[i] for i in ii.tolist()],
                [choices[j] for j in jj.tolist()],
                scorer=fuzz.ratio,
                score_cutoff=self.cut,
                dtype=np.uint8,
                workers=self.threads(len(chunk)),
            )
            hit = scores >= self.floor
            ii, jj, scores = ii[hit], jj[hit], scores[hit]
            bounds = np.flatnonzero(np.diff(ii)) + 1  # pairs are sorted by row
            for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(ii)]):
                if hi > lo:
                    self.keep(int(ii[lo]), jj[lo:hi], scores[lo:hi])

    def score_long(self, long_a: set[int], long_b: set[int]) -> None:
        """Pairs with a long paragraph, scored over sentences."""
        enc = Encoder()
        sent_a, sent_b = sentence_codes(self.a, enc), sentence_codes(self.b, enc)
        for i in range(self.n):
            for j in range(self.m) if i in long_a else sorted(long_b):
                sim = Indel.normalized_similarity(sent_a[i], sent_b[j])
                if sim >= self.cutoff:
                    self.out[(i, j)] = sim
