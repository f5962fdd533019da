"""The Reuters-21578 corpus (../shared/data, skipped when absent) against brute force."""

from __future__ import annotations

import sys

import pytest
from conftest import REPO

from dedupe import find_duplicates

pytest.importorskip("scipy")
sys.path.insert(0, str(REPO))  # benchmarks/ is a top-level folder, not an installed package
from benchmarks.exact import exact_pairs  # noqa: E402  (string shingles: not dedupe's hashing)


@pytest.mark.slow
def test_recall_against_exhaustive_exact_computation(reuters):
    docs = {d["id"]: d["text"] for d in reuters}
    exact = {(p.a, p.b): p for p in exact_pairs(docs, jaccard=0.5, containment=0.5)}
    want_j = {k for k, p in exact.items() if p.jaccard >= 0.5}
    want_c = {
        k
        for k, p in exact.items()
        if p.size_a >= 20 and p.size_b >= 20 and max(p.containment_ab, p.containment_ba) >= 0.5
    }

    report = find_duplicates(docs, jaccard=0.5, containment=0.5)
    # exact copies are reported once, against the first of their group: expand them
    got = {tuple(sorted((m.a, m.b))): m for m in report.expanded_matches()}
    recall_j = len(want_j & got.keys()) / len(want_j)
    recall_c = len(want_c & got.keys()) / len(want_c)
    assert recall_j >= 0.99, sorted(want_j - got.keys())[:20]
    assert recall_c >= 0.98, sorted(want_c - got.keys())[:20]
    for key, m in got.items():
        # scores are exact, so nothing reported falls below both thresholds ...
        assert m.exact
        assert m.jaccard >= 0.5 - 1e-9 or max(m.containment_ab, m.containment_ba) >= 0.5 - 1e-9
        # ... and they agree with the reference computed from shingle strings
        assert m.jaccard == pytest.approx(exact[key].jaccard)
        assert m.containment_ab == pytest.approx(
            exact[key].containment_ab if key == (m.a, m.b) else exact[key].containment_ba
        )
