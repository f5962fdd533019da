"""Exhaustive exact scores: every pair, exact word-n-gram Jaccard and containment.

A document x shingle incidence matrix ``M`` (scipy sparse, one row per document, 1 where
the document holds the shingle) gives every pair's shared shingle count as ``M @ M.T``.
Shingles are :func:`dedupe.text.shingles` (tokens from :func:`dedupe.text.words`), so
the definitions are the library's own. The product is taken in row blocks so memory stays
bounded on large corpora.

>>> pairs = exact_pairs({"a": "one two three four five six", "b": "one two three four five"},
...                     jaccard=0.4, containment=0.9)
>>> [(p.a, p.b, round(p.jaccard, 2), p.containment_ab, p.containment_ba) for p in pairs]
[('a', 'b', 0.5, 0.5, 1.0)]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import sparse

from dedupe.text import shingles

# Rows of the incidence matrix multiplied at a time.
BLOCK_ROWS = 2000


@dataclass(frozen=True)
class ExactPair:
    """Exact scores of one pair (``a < b``); containment_ab is the share of a's shingles in b."""

    a: str
    b: str
    jaccard: float
    containment_ab: float
    containment_ba: float
    shared: int
    size_a: int
    size_b: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def incidence(docs: Mapping[str, str], *, ngram: int = 5) -> tuple[list[str], sparse.csr_matrix]:
    """Sorted ids and the binary document x shingle matrix (CSR, int32)."""
    ids = sorted(docs)
    vocab: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for i in ids:
        cols = {vocab.setdefault(s, len(vocab)) for s in shingles(docs[i], ngram=ngram)}
        indices.extend(cols)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.int32)
    m = sparse.csr_matrix(
        (data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
        shape=(len(ids), max(1, len(vocab))),
    )
    return ids, m


def exact_pairs(
    docs: Mapping[str, str],
    *,
    jaccard: float = 0.5,
    containment: float = 0.5,
    ngram: int = 5,
    floor: float | None = None,
) -> list[ExactPair]:
    """Every pair with Jaccard >= ``jaccard`` or containment either way >= ``containment``.

    With ``floor`` set, every pair whose largest score reaches ``floor`` is returned instead
    (used for threshold sweeps). Pairs are sorted by id.
    """
    ids, m = incidence(docs, ngram=ngram)
    return pairs_from_incidence(ids, m, jaccard=jaccard, containment=containment, floor=floor)


def pairs_from_incidence(
    ids: list[str],
    m: sparse.csr_matrix,
    *,
    jaccard: float = 0.5,
    containment: float = 0.5,
    floor: float | None = None,
) -> list[ExactPair]:
    """:func:`exact_pairs` from an incidence matrix made by :func:`incidence`."""
    sizes = np.asarray(m.sum(axis=1)).ravel()
    mt = m.T.tocsr()
    out: list[ExactPair] = []
    for start in range(0, len(ids), BLOCK_ROWS):
        block = (m[start : start + BLOCK_ROWS] @ mt).tocoo()
        rows = block.row + start
        keep = block.col > rows
        r, c, shared = rows[keep], block.col[keep], block.data[keep].astype(np.float64)
        sa, sb = sizes[r], sizes[c]
        with np.errstate(divide="ignore", invalid="ignore"):
            jac = shared / (sa + sb - shared)
            cab = shared / sa
            cba = shared / sb
        if floor is None:
            hit = (jac >= jaccard) | (cab >= containment) | (cba >= containment)
        else:
            hit = np.maximum(np.maximum(jac, cab), cba) >= floor
        for k in np.flatnonzero(hit):
            i, j = int(r[k]), int(c[k])
            out.append(
                ExactPair(
                    ids[i], ids[j], float(jac[k]), float(cab[k]), float(cba[k]),
                    int(shared[k]), int(sa[k]), int(sb[k]),
                )
            )  # fmt: skip
    out.sort(key=lambda p: (p.a, p.b))
    return out
