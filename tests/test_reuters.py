"""The Reuters-21578 corpus (../shared/data, skipped when absent) against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from dedupe import find_duplicates
from dedupe.sketch import text_hashes

sparse = pytest.importorskip("scipy.sparse")


def exact_all_pairs(texts: list[str], ngram: int = 5):
    """Every pair sharing a shingle: (i, j, shared, size_i, size_j), via a sparse product."""
    sets = [np.unique(text_hashes(t, ngram=ngram)) for t in texts]
    sizes = np.array([len(s) for s in sets])
    flat = np.concatenate(sets)
    _, col = np.unique(flat, return_inverse=True)
    row = np.repeat(np.arange(len(sets)), sizes)
    m = sparse.csr_matrix((np.ones(len(flat), np.int32), (row, col)))
    product = sparse.triu(m @ m.T, k=1).tocoo()
    return product.row, product.col, product.data, sizes


@pytest.mark.slow
def test_recall_against_exhaustive_exact_computation(reuters):
    texts = [d["text"] for d in reuters]
    ids = [d["id"] for d in reuters]
    i, j, shared, sizes = exact_all_pairs(texts)
    jac = shared / (sizes[i] + sizes[j] - shared)
    c_ij, c_ji = shared / sizes[i], shared / sizes[j]
    both20 = (sizes[i] >= 20) & (sizes[j] >= 20)
    want_j = {(ids[a], ids[b]) for a, b in zip(i[jac >= 0.5], j[jac >= 0.5])}
    mask_c = both20 & (np.maximum(c_ij, c_ji) >= 0.5)
    want_c = {(ids[a], ids[b]) for a, b in zip(i[mask_c], j[mask_c])}

    report = find_duplicates(zip(ids, texts), jaccard=0.5, containment=0.5)
    got = {(m.a, m.b) for m in report.matches}
    recall_j = len(want_j & got) / len(want_j)
    recall_c = len(want_c & got) / len(want_c)
    assert recall_j >= 0.99, sorted(want_j - got)[:20]
    assert recall_c >= 0.98, sorted(want_c - got)[:20]
    # scores are exact, so nothing reported falls below both thresholds
    for m in report.matches:
        assert m.exact
        assert m.jaccard >= 0.5 - 1e-9 or max(m.containment_ab, m.containment_ba) >= 0.5 - 1e-9
