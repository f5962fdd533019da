"""Which paragraphs pair up: the in-order chain, split/merge growth, moves, and op order.

:class:`Pairing` holds the groups of paired paragraphs (``[a0, a1, b0, b1]`` ranges) and
which group owns each paragraph. :func:`chain_pairs` seeds it with the best chain of pairs
in document order, :func:`grow_splits` grows pairs over free neighbours (split and merged
paragraphs), :func:`pair_moves` pairs leftovers out of order, and :func:`op_order` lists
the ops in A's reading order.

>>> p = chain_pairs({(0, 1): 0.9, (1, 0): 0.8}, n=2, m=2)
>>> p.ranges
[[0, 1, 1, 2]]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from rapidfuzz.distance import LCSseq

from .sides import Side

__all__ = ["Pairing", "chain_pairs", "grow_splits", "monotone_chain", "op_order", "pair_moves"]


@dataclass
class Pairing:
    """Groups of paired paragraphs and the group owning each paragraph (-1: none)."""

    n: int
    m: int
    a_owner: list[int] = field(default_factory=list)
    b_owner: list[int] = field(default_factory=list)
    ranges: list[list[int]] = field(default_factory=list)  # [a0, a1, b0, b1] per group
    scores: list[float] = field(default_factory=list)
    moved: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.a_owner = [-1] * self.n
        self.b_owner = [-1] * self.m

    def add(self, i: int, j: int, score: float, *, moved: bool = False) -> int:
        """Pair paragraph ``i`` of A with ``j`` of B; the new group's number."""
        g = len(self.ranges)
        self.a_owner[i] = self.b_owner[j] = g
        self.ranges.append([i, i + 1, j, j + 1])
        self.scores.append(score)
        if moved:
            self.moved.add(g)
        return g


def monotone_chain(cells: dict[tuple[int, int], float], m: int) -> list[tuple[int, int]]:
    """The chain of cells increasing in both i and j with the largest total score.

    Rows are taken in order; a Fenwick tree over j keeps the best chain ending left of
    each column, so the cost is O(K log m) for K candidate cells.
    """
    if not cells:
        return []
    keys = sorted(cells)
    tree_val = [0.0] * (m + 1)
    tree_arg = [-1] * (m + 1)
    best = [0.0] * len(keys)
    pred = [-1] * len(keys)
    k = 0
    while k < len(keys):
        i = keys[k][0]
        row_end = k
        while row_end < len(keys) and keys[row_end][0] == i:
            row_end += 1
        for t in range(k, row_end):
            j = keys[t][1]
            v, arg, x = 0.0, -1, j  # prefix max over columns < j (1-based j)
            while x > 0:
                if tree_val[x] > v:
                    v, arg = tree_val[x], tree_arg[x]
                x -= x & -x
            best[t] = v + cells[keys[t]]
            pred[t] = arg
        for t in range(k, row_end):
            x = keys[t][1] + 1
            while x <= m:
                if best[t] > tree_val[x]:
                    tree_val[x], tree_arg[x] = best[t], t
                x += x & -x
        k = row_end
    t = max(range(len(keys)), key=best.__getitem__)
    chain = []
    while t >= 0:
        chain.append(keys[t])
        t = pred[t]
    return chain[::-1]


def chain_pairs(cells: dict[tuple[int, int], float], *, n: int, m: int) -> Pairing:
    """A pairing seeded with the highest-scoring chain of ``cells`` in document order."""
    pairing = Pairing(n, m)
    for i, j in monotone_chain(cells, m):
        pairing.add(i, j, cells[(i, j)])
    return pairing


def grow_splits(
    pairing: Pairing, a: Side, b: Side, *, coverage: float, max_parts: int, max_words: int
) -> None:
    """Grow each 1:1 pair over free neighbours whose words are found, in order, in the
    pair's other side: the longest common word subsequence must grow by at least
    ``coverage`` of the neighbour's words (a split paragraph on B's side, merged on A's).
    A pair grows on one side only, to at most ``max_parts`` paragraphs."""
    for g, rng in enumerate(pairing.ranges):
        lcs = -1  # computed when first needed
        for side, owner, lo_k, hi_k, size in (
            (b, pairing.b_owner, 2, 3, pairing.m),
            (a, pairing.a_owner, 0, 1, pairing.n),
        ):
            if rng[1] - rng[0] > 1 or rng[3] - rng[2] > 1:
                break  # grown already on one side
            fixed = a.codes[rng[0]] if side is b else b.codes[rng[2]]
            for step in (1, -1):
                while rng[hi_k] - rng[lo_k] < max_parts:
                    k = rng[hi_k] if step == 1 else rng[lo_k] - 1
                    if not (0 <= k < size) or owner[k] != -1:
                        break
                    lo, hi = (rng[lo_k], k + 1) if step == 1 else (k, rng[hi_k])
                    grown = "".join(side.codes[lo:hi])
                    if max(len(grown), len(fixed)) > max_words:
                        break  # too long to score word by word: leave it unpaired
                    if lcs < 0:
                        lcs = LCSseq.similarity(a.codes[rng[0]], b.codes[rng[2]])
                    new_lcs = LCSseq.similarity(fixed, grown)
                    if new_lcs - lcs < coverage * len(side.codes[k]):
                        break
                    rng[lo_k], rng[hi_k] = lo, hi
                    owner[k] = g
                    lcs = new_lcs
                    pairing.scores[g] = 2 * lcs / (len(fixed) + len(grown))


def pair_moves(pairing: Pairing, cells: dict[tuple[int, int], float], least: float) -> None:
    """Pair leftover paragraphs of both sides out of document order, best first, from
    similarity ``least`` (moved paragraphs)."""
    for (i, j), s in sorted(cells.items(), key=lambda c: (-c[1], c[0])):
        if s >= least and pairing.a_owner[i] == -1 and pairing.b_owner[j] == -1:
            pairing.add(i, j, s, moved=True)


def op_order(pairing: Pairing) -> Iterator[tuple[str, int, int]]:
    """The ops in A's reading order: ``("pair", group, 0)``, ``("only_a", i, j)`` or
    ``("only_b", i, j)`` (``i``, ``j``: the paragraph, and where it stands on the other
    side). Moved pairs stand at their place in A; B-only paragraphs in place, after the
    A side of their gap."""
    n, m = pairing.n, pairing.m
    i = j = 0
    anchors = [g for g in range(len(pairing.ranges)) if g not in pairing.moved]
    for g in anchors + [-1]:
        a_stop, b_stop = (pairing.ranges[g][0], pairing.ranges[g][2]) if g >= 0 else (n, m)
        while i < a_stop:
            owner = pairing.a_owner[i]
            if owner == -1:
                yield "only_a", i, j
                i += 1
            else:  # a moved pair, placed at its A position
                yield "pair", owner, 0
                i = pairing.ranges[owner][1]
        while j < b_stop:
            if pairing.b_owner[j] == -1:
                yield "only_b", i, j
            j += 1
        if g >= 0:
            yield "pair", g, 0
            i, j = pairing.ranges[g][1], pairing.ranges[g][3]
