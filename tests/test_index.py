from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedupe
from dedupe import Index, find_duplicates
from dedupe.errors import (
    DuplicateIdError,
    EmptyTextError,
    InvalidParameterError,
    InvalidTextError,
    UnknownIdError,
)
from dedupe.text import shingles

WORDS = (
    "the minister said on monday that new rail line will open in may and carry ten thousand "
    "passengers a day between two cities officials added cost rose sharply after delays "
    "workers union strike talks government budget plan shares fell investors outlook"
).split()


def make_text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def exact_pairs(docs: dict[str, str], *, jaccard=0.5, containment=0.5, ngram=5, min_shingles=20):
    """Brute force over shingle *strings* (independent of the hashing code)."""
    sets = {k: set(shingles(v, ngram=ngram)) for k, v in docs.items()}
    ids = list(docs)
    out = {}
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            shared = len(sets[a] & sets[b])
            if not shared:
                continue
            jac = shared / len(sets[a] | sets[b])
            c_ab, c_ba = shared / len(sets[a]), shared / len(sets[b])
            if (
                jac >= jaccard
                or (c_ab >= containment and len(sets[a]) >= min_shingles)
                or (c_ba >= containment and len(sets[b]) >= min_shingles)
            ):
                out[(a, b)] = (jac, c_ab, c_ba)
    return out


# ------------------------------------------------------------------ seeds, end to end
def test_seeds_report_exactly_the_partial_republication(seeds):
    report = find_duplicates(seeds)
    assert [(m.a, m.b) for m in report.matches] == [("000", "001")]
    m = report.matches[0]
    assert m.kind == "partial" and m.exact
    assert 0.45 <= m.containment_ab <= 0.8
    assert m.jaccard < 0.5
    assert [c.members for c in report.clusters] == [("000", "001")]


def test_seed_query_ranks_the_source_first(seeds):
    index = Index()
    index.add_many({k: v for k, v in seeds.items() if k != "000"})
    (hit,) = index.query(seeds["000"])
    assert (hit.a, hit.b) == ("<query>", "001")
    assert 0.45 <= hit.containment_ab <= 0.8


# ------------------------------------------------------------------ against brute force
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_pairs_equal_brute_force_on_planted_overlaps(seed):
    rng = random.Random(seed)
    docs = {f"d{i}": make_text(rng, rng.randint(5, 120)) for i in range(12)}
    keys = list(docs)
    for j in range(6):  # plant excerpts, embeddings and edited copies
        src = docs[rng.choice(keys)].split()
        lo = rng.randint(0, max(0, len(src) - 20))
        piece = src[lo : lo + rng.randint(15, 80)]
        if rng.random() < 0.5:
            piece = [w if rng.random() > 0.05 else rng.choice(WORDS) for w in piece]
        pad = make_text(rng, rng.randint(0, 60)).split()
        docs[f"p{j}"] = " ".join(pad[: len(pad) // 2] + piece + pad[len(pad) // 2 :])
    truth = exact_pairs(docs)
    report = find_duplicates(docs)
    got = {(m.a, m.b): (m.jaccard, m.containment_ab, m.containment_ba) for m in report.matches}
    assert set(got) <= set(truth)  # nothing reported that is not there
    for key, scores in got.items():
        assert np.allclose(scores, truth[key])
    # the passage keys guarantee every pair sharing a long enough run is proposed
    assert len(got) >= 0.9 * len(truth)


def test_every_reported_pair_meets_a_threshold_and_sorts_best_first():
    rng = random.Random(7)
    base = make_text(rng, 300)
    docs = {"base": base, "copy": base + " extra words here", "half": base[: len(base) // 2]}
    docs.update({f"n{i}": make_text(rng, 80) for i in range(20)})
    matches = find_duplicates(docs, jaccard=0.6, containment=0.7).matches
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    for m in matches:
        assert m.jaccard >= 0.6 or max(m.containment_ab, m.containment_ba) >= 0.7
    kinds = {(m.a, m.b): m.kind for m in matches}
    assert kinds[("base", "copy")] == "near_duplicate"
    assert kinds[("base", "half")] == "partial"


def test_identical_shingles_are_exact():
    report = find_duplicates(
        {"a": "One two three four five six.", "b": "one TWO three, four five six"}
    )
    assert report.matches[0].kind == "exact" and report.matches[0].jaccard == 1.0


# ------------------------------------------------------------------ live index
def test_add_query_remove_replace():
    rng = random.Random(3)
    story = make_text(rng, 200)
    index = Index()
    index.add("story", story)
    index.add("other", make_text(rng, 200))
    assert len(index) == 2 and "story" in index and index.ids() == ["story", "other"]
    assert [m.b for m in index.query(story[:600])] == ["story"]
    assert index.query(story, k=1)[0].jaccard == 1.0
    with pytest.raises(DuplicateIdError, match="replace=True"):
        index.add("story", "new text")
    index.add("story", make_text(rng, 100), replace=True)
    assert index.query(story) == []
    index.remove("story")
    assert "story" not in index and len(index) == 1
    with pytest.raises(UnknownIdError):
        index.remove("story")


def test_many_removals_compact_and_keep_results_right():
    rng = random.Random(11)
    texts = {f"d{i}": make_text(rng, 60) for i in range(300)}
    index = Index()
    index.add_many(texts)
    for i in range(0, 300, 2):
        index.remove(f"d{i}")
    assert len(index) == 150
    for i in (1, 51, 299):
        assert index.query(texts[f"d{i}"], k=1)[0].b == f"d{i}"
    assert index.query(texts["d0"]) == [] or index.query(texts["d0"])[0].b != "d0"


def test_failed_batch_leaves_index_unchanged():
    index = Index()
    index.add("a", "some text that is here to stay in the index")
    with pytest.raises(EmptyTextError):
        index.add_many([("b", "valid words in this one"), ("c", "  ...  ")])
    with pytest.raises(InvalidTextError, match="UTF-8"):
        index.add_many([("b", "fine"), ("c", b"\xff\xfe")])
    with pytest.raises(DuplicateIdError):
        index.add_many([("b", "x y"), ("b", "z w")])
    assert index.ids() == ["a"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ngram": 0},
        {"num_perm": 0},
        {"num_perm": 128, "bands": 7},
        {"jaccard": 1.5},
        {"containment": -0.1},
        {"window": 0},
    ],
)
def test_bad_parameters_are_refused(kwargs):
    with pytest.raises(InvalidParameterError):
        Index(**kwargs)


def test_bad_ids_and_inputs():
    with pytest.raises(InvalidParameterError):
        Index().add(5, "text")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError):
        find_duplicates("just a string")  # type: ignore[arg-type]
    with pytest.raises(DuplicateIdError):
        find_duplicates([("a", "x y z"), ("a", "x y z")])
    with pytest.raises(EmptyTextError):
        find_duplicates({"a": "", "b": "words"})
    report = find_duplicates({"a": "", "b": "some words", "c": "?!"}, skip_empty=True)
    assert report.skipped == ("a", "c") and report.documents == 1


def test_short_texts_follow_the_documented_rule():
    report = find_duplicates({"a": "Breaking news", "b": "breaking NEWS!", "c": "news"})
    assert [(m.a, m.b, m.kind) for m in report.matches] == [("a", "b", "exact")]


def test_top_level_exports():
    for name in ("Index", "find_duplicates", "Match", "Cluster", "Report", "DedupeError"):
        assert hasattr(dedupe, name)


def test_parallel_sketch_equals_serial():
    from dedupe.index import IndexParams
    from dedupe.lsh import sketch_parallel, sketch_texts

    rng = random.Random(5)
    texts = [make_text(rng, rng.randint(0, 90)) for _ in range(60)]
    p = IndexParams()
    serial = sketch_texts(texts, p.ngram, p.window, p.num_perm, p.seed)
    parallel = sketch_parallel(texts, p.ngram, p.window, p.num_perm, p.seed, 2)
    assert parallel is not None
    for x, y in zip(serial, parallel, strict=True):
        assert np.array_equal(x, y)


def test_parallel_verification_equals_serial():
    from dedupe.lsh import shared_counts, shared_counts_parallel

    rng = np.random.default_rng(3)
    sets = [
        np.unique(rng.integers(0, 500, rng.integers(0, 80)).astype(np.uint64)) for _ in range(50)
    ]
    pairs = np.array([(i, j) for i in range(50) for j in range(i + 1, 50)])
    assert np.array_equal(shared_counts_parallel(sets, pairs, 2), shared_counts(sets, pairs))
    brute = [len(np.intersect1d(sets[i], sets[j])) for i, j in pairs]
    assert shared_counts(sets, pairs).tolist() == brute


def test_chunked_sketch_equals_one_batch(monkeypatch):
    import dedupe.lsh as lsh

    rng = random.Random(9)
    texts = [make_text(rng, rng.randint(0, 200)) for _ in range(80)]
    whole = lsh.sketch_texts(texts, 5, 8, 32, 1)
    monkeypatch.setattr(lsh, "SKETCH_CHUNK_CHARS", 700)
    for x, y in zip(whole, lsh.sketch_texts(texts, 5, 8, 32, 1), strict=True):
        assert np.array_equal(x, y)
