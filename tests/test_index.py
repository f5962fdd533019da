from __future__ import annotations

import dataclasses
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
from dedupe.store import MemoryStore
from dedupe.text import shingles

WORDS = (
    "the minister said on monday that new rail line will open in may and carry ten thousand "
    "passengers a day between two cities officials added cost rose sharply after delays "
    "workers union strike talks government budget plan shares fell investors outlook"
).split()


def make_text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def exact_pairs(docs: dict[str, str], *, jaccard=0.5, containment=0.5, ngram=5, min_shingles=None):
    """Brute force over shingle *strings* (independent of the hashing code)."""
    if min_shingles is None:  # the library's documented default
        min_shingles = dedupe.Thresholds().min_shingles
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


def longest_shared_run(a: str, b: str) -> int:
    """The longest run of consecutive shingles of ``a`` that stands, in order, in ``b``."""
    sa, sb = shingles(a), shingles(b)
    where = {}
    for j, s in enumerate(sb):
        where.setdefault(s, []).append(j)
    best, runs = 0, {}
    for s in sa:  # runs[j]: length of the run ending at b's shingle j
        runs = {j: runs.get(j - 1, 0) + 1 for j in where.get(s, [])}
        best = max([best, *runs.values()])
    return best


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
    # passage keys guarantee a shared key to texts sharing a run of `window` (8) shingles;
    # an overlap made of shorter runs is found most of the time, not always. An exact copy
    # is matched through the first document of its group: its pairs are the expanded ones.
    guaranteed = {k for k in truth if longest_shared_run(docs[k[0]], docs[k[1]]) >= 8}
    expanded = {(m.a, m.b) for m in report.expanded_matches()}
    assert guaranteed <= expanded | {(b, a) for a, b in expanded}


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


def _sketch_in_a_pool() -> None:
    import dedupe.index

    rng = random.Random(5)
    texts = [make_text(rng, rng.randint(0, 90)) for _ in range(60)]
    serial_sketch, serial_bands = Index(workers=1)._sketch(texts)
    dedupe.index.PARALLEL_MIN_DOCS = 1
    dedupe.index.SKETCH_CHUNK_DOCS = 7
    sketch, bands = Index(workers=2)._sketch(texts)
    assert np.array_equal(bands, serial_bands)
    for name in ("set_values", "set_offsets", "key_values", "key_offsets"):
        assert np.array_equal(getattr(sketch, name), getattr(serial_sketch, name))


def _verification_in_a_pool() -> None:
    import dedupe.index

    rng = random.Random(13)
    base = make_text(rng, 120)
    docs = {f"d{i}": base + " " + make_text(rng, 30) for i in range(30)}
    serial = find_duplicates(docs, workers=1)
    dedupe.index.PARALLEL_MIN_PAIRS = 1
    assert find_duplicates(docs, workers=2).matches == serial.matches


def _in_a_pool(name: str) -> None:
    """Run the function ``name`` of this module in a new interpreter, where only the main
    thread runs (threads that other tests leave behind, Spark's for one, would make
    fork_map fall back): it must run its work in a pool of worker processes, a fallback
    to one process (a warning) failing it."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, warnings\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import dedupe.parallel as parallel\n"
        "warnings.simplefilter('error', parallel.ParallelFallbackWarning)\n"
        f"import test_index\ntest_index.{name}()\n"
        "assert parallel.POOLS_RUN > 0, 'no pool of worker processes ran'\n"
        "print('pools', parallel.POOLS_RUN)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("pools "), done.stderr


def test_parallel_sketch_equals_serial():
    _in_a_pool("_sketch_in_a_pool")


def test_parallel_verification_equals_serial():
    _in_a_pool("_verification_in_a_pool")


def test_a_progress_bar_leaves_no_thread_behind():
    """tqdm starts a monitor thread with its first bar and leaves it running: after any
    progress bar (`dedupe scan` on a terminal), every fork_map ran in one process. Tried in
    a new interpreter, so that no other test's thread is there."""
    import subprocess
    import sys

    pytest.importorskip("tqdm")
    code = (
        "import threading\nfrom dedupe.parallel import Progress, can_fork\n"
        "with Progress(3, desc='x', enabled=True) as bar:\n    bar.update(3)\n"
        "print([t.name for t in threading.enumerate()], can_fork())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.stdout.strip() == "['MainThread'] True", done.stdout + done.stderr


def test_a_fallback_to_this_process_is_visible(monkeypatch):
    """fork_map ran serially without a word when other threads ran or the pool broke:
    the parallel tests above passed without parallelism. Now it warns, saying why, and
    counts no pool."""
    import threading
    import warnings
    from concurrent.futures.process import BrokenProcessPool

    import dedupe.parallel as parallel

    before = parallel.POOLS_RUN
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with pytest.warns(parallel.ParallelFallbackWarning, match=r"runs \d+ threads"):
            assert parallel.fork_map(parallel._square, [1, 2, 3], 2) == [1, 4, 9]
    finally:
        stop.set()
        other.join()

    class Broken:
        def __init__(self, *args, **kwargs) -> None:
            raise BrokenProcessPool("a worker was killed")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", Broken)
    with pytest.warns(parallel.ParallelFallbackWarning, match="pool of worker processes broke"):
        assert parallel.fork_map(parallel._square, [1, 2, 3], 2) == [1, 4, 9]
    assert parallel.POOLS_RUN == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parallel.fork_map(parallel._square, [1, 2, 3], 1) == [1, 4, 9]  # as asked


def test_shared_counts_equal_brute_force():
    from dedupe.flat import offsets_of
    from dedupe.verify import shared_counts

    rng = np.random.default_rng(3)
    sets = [
        np.unique(rng.integers(0, 500, rng.integers(0, 80)).astype(np.uint64)) for _ in range(50)
    ]
    values, offsets = np.concatenate(sets), offsets_of(np.array([len(s) for s in sets]))
    pairs = np.array([(i, j) for i in range(50) for j in range(i + 1, 50)])
    brute = [len(np.intersect1d(sets[i], sets[j])) for i, j in pairs]
    assert shared_counts(values, offsets, pairs).tolist() == brute


def test_chunked_sketch_equals_one_batch(monkeypatch):
    import dedupe.sketch as sketch

    rng = random.Random(9)
    texts = [make_text(rng, rng.randint(0, 200)) for _ in range(80)]
    shape = {"ngram": 5, "window": 8, "num_perm": 32, "seed": 1}
    whole = sketch.sketch_texts(texts, **shape)
    monkeypatch.setattr(sketch, "SKETCH_CHUNK_CHARS", 700)
    chunked = sketch.sketch_texts(texts, **shape)
    for name in ("set_values", "set_offsets", "key_values", "key_offsets", "signatures"):
        assert np.array_equal(getattr(whole, name), getattr(chunked, name))


# ------------------------------------------------------------------ one candidate rule
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), max_key_docs=st.sampled_from([2, 3, 200]))
def test_query_and_pairs_share_one_candidate_rule(seed, max_key_docs):
    """query() proposes only partners candidate_pairs() pairs a document with, and every
    candidate pair (so every reported pair) is found by query() from one side at least: a
    query counts as the newest document, so a band key held by more than max_key_docs
    documents leads it to the earliest of them only, as pairs() pairs each with that one."""
    rng = random.Random(seed)
    docs = {f"d{i}": make_text(rng, rng.randint(3, 90)) for i in range(10)}
    keys = list(docs)
    for j in range(5):  # excerpts and near-copies share keys with their sources
        src = docs[rng.choice(keys)].split()
        lo = rng.randint(0, max(0, len(src) - 12))
        docs[f"p{j}"] = " ".join(src[lo : lo + rng.randint(10, 60)] + make_text(rng, 10).split())
    index = Index(max_key_docs=max_key_docs, min_key_share=rng.choice([0.0, 0.1, 0.5]),
                  jaccard=0.3, containment=0.3, min_shingles=5)  # fmt: skip
    index.add_many(docs)
    ids = index.ids()
    proposed = {(ids[a], ids[b]) for a, b in index.candidate_pairs().tolist()}
    reported = {(m.a, m.b) for m in index.pairs()}
    assert reported <= proposed
    index.jaccard = index.containment = 0.0  # report every candidate that shares a shingle
    found = {d: {m.b for m in index.query(text)} - {d} for d, text in docs.items()}
    for doc_id in docs:
        partners = {b if a == doc_id else a for a, b in proposed if doc_id in (a, b)}
        assert found[doc_id] <= partners
    for a, b in proposed:
        if set(shingles(docs[a])) & set(shingles(docs[b])):  # else no match at all
            assert b in found[a] or a in found[b]
    for a, b in reported:
        assert b in found[a] or a in found[b]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    max_key_docs=st.sampled_from([2, 3, 200]),
    fuzzy=st.booleans(),
    tasks=st.integers(1, 5),
)
def test_key_pairs_split_among_tasks_equal_candidates(seed, max_key_docs, fuzzy, tasks):
    """An engine that splits the keys among tasks (Spark) and sums each pair's shared
    passage key counts over them before passage_rule proposes what candidates() does, with
    hot keys (low caps: stars, and passage keys over a lower cap pairing few-key holders)."""
    from dedupe.lsh import candidates, group_collection, key_pairs, passage_rule, sketch_for_store
    from dedupe.params import IndexParams

    rng = random.Random(seed)
    texts = [make_text(rng, rng.randint(3, 90)) for _ in range(10)]
    for _ in range(8):  # excerpts, near-copies and short alerts share keys with sources
        src = rng.choice(texts).split()
        lo = rng.randint(0, max(0, len(src) - 12))
        texts.append(" ".join(src[lo : lo + rng.randint(4, 60)] + make_text(rng, 5).split()))
    params = IndexParams(fuzzy=fuzzy)
    share = rng.choice([0.0, 0.1, 0.5])
    sk, bands = sketch_for_store(texts, params)
    n_keys, short = sk.key_counts(), sk.set_sizes() < params.short_keys
    groups = group_collection(bands, sk.key_values, sk.key_offsets)
    passage_cap = min(max_key_docs, rng.choice([params.passage_key_docs(max_key_docs), 1, 2]))
    rule = {"max_key_docs": max_key_docs, "passage_key_docs": passage_cap}  # rule 1's few keys
    want = candidates(groups, n_keys, min_key_share=share, short=short, **rule)
    task = np.array([rng.randrange(tasks) for _ in range(len(groups.df))])  # a key's task
    lens = np.diff(groups.offsets)
    outright, counted = set(), {}
    for t in range(tasks):
        mine = np.repeat(task == t, lens)
        keys = np.repeat(np.flatnonzero(task == t), lens[task == t]).astype(np.uint32)
        part = dedupe.lsh.group_keys(keys, groups.rows[mine])
        part = dataclasses.replace(part, is_band=groups.is_band[task == t])  # keys: groups
        for codes, shared in key_pairs(part, n_keys, min_key_share=share, block_pairs=5, **rule):
            if shared is None:
                outright.update(codes.tolist())
            else:
                for code, c in zip(codes.tolist(), shared.tolist()):
                    counted[code] = counted.get(code, 0) + c
    n = len(n_keys)
    codes = np.array(sorted(counted), dtype=np.int64)
    sums = np.array([counted[c] for c in codes.tolist()], dtype=np.int64)
    kept = passage_rule(codes // n, codes % n, sums, n_keys, short, min_key_share=share)
    got = sorted(outright | set(codes[kept].tolist()))
    assert got == [a * n + b for a, b in want.tolist()]


# ------------------------------------------------------------------ short texts, copies, skew
def test_a_short_alert_inside_the_full_story_is_found():
    rng = random.Random(21)
    story = make_text(rng, 400)
    words = story.split()
    alert = " ".join(words[100:115])  # a 15-word flash, later embedded in the full story
    report = find_duplicates({"alert": alert, "story": story, "other": make_text(rng, 400)})
    (m,) = report.matches
    assert (m.a, m.b, m.kind) == ("alert", "story", "partial") and m.containment_ab == 1.0


def test_a_five_word_coincidence_is_not_a_match():
    """One shared 5-word shingle never makes a containment match (min_shingles)."""
    docs = {
        "flash": "the minister said on monday",  # one shingle, inside the story
        "story": "officials added that the minister said on monday the plan would pass",
    }
    assert find_duplicates(docs).matches == ()
    docs["flash7"] = "minister said on monday that new rail"  # 3 shingles, one shared
    docs["story"] += " minister said on monday"
    assert find_duplicates(docs).matches == ()


def test_exact_copies_are_reported_once_against_their_first_document():
    rng = random.Random(4)
    text = make_text(rng, 200)
    docs = {f"copy{i}": text for i in range(300)}
    docs["edited"] = text.replace(text.split()[50], "zzz", 1)
    report = find_duplicates(docs)
    exact = [m for m in report.matches if m.kind == "exact"]
    assert len(exact) == 299 and {m.a for m in exact} == {"copy0"}
    others = [m for m in report.matches if m.kind != "exact"]
    assert [(m.a, m.b) for m in others] == [("copy0", "edited")]
    # every pair they stand for, on demand
    assert len(report.expanded_matches()) == 301 * 300 // 2
    assert [c.members[0] for c in report.clusters] == ["copy0"]


def test_shared_boilerplate_costs_linear_candidates():
    """Texts sharing one 100-word paragraph (and otherwise unrelated): candidates grow
    with the number of texts, not its square, because capped band keys pair with their
    earliest document only and capped passage keys pair nothing."""
    rng = random.Random(8)
    shared = make_text(rng, 100)
    docs = {f"d{i}": shared + " " + make_text(rng, 200) for i in range(800)}

    def count(n: int, cap: int) -> int:
        index = Index(max_key_docs=cap)
        index.add_many({k: docs[k] for k in list(docs)[:n]})
        return len(index.candidate_pairs())

    assert count(800, 5) < 6 * count(200, 5)  # linear: 4x the texts
    assert count(800, 10_000) > 10 * count(200, 10_000)  # uncapped: quadratic
    small = Index(max_key_docs=5)
    small.add_many({k: docs[k] for k in list(docs)[:200]})
    assert small.pairs() == []  # containment 0.33: no match, whatever the candidates


def test_the_blocked_self_join_does_not_depend_on_the_block_size(monkeypatch):
    import dedupe.lsh

    rng = random.Random(17)
    base = [make_text(rng, 200).split() for _ in range(8)]
    docs = {}
    for i in range(120):  # slices of a few stories, with words of their own
        words, lo = base[i % 8], rng.randint(0, 150)
        own = make_text(rng, rng.randint(5, 60))
        docs[f"d{i}"] = " ".join(words[lo : lo + rng.randint(20, 120)]) + " " + own
    docs.update({f"copy{i}": docs[f"d{i}"] for i in range(0, 120, 9)})  # exact copies
    one = Index(jaccard=0.3, containment=0.3)
    one.add_many(docs)
    whole, candidates = one.pairs(), one.candidate_pairs()
    assert any(m.kind == "exact" for m in whole) and len(whole) > 20
    monkeypatch.setattr(dedupe.lsh, "BLOCK_PAIRS", 7)  # many blocks (sorted into blocks)...
    monkeypatch.setattr(dedupe.lsh, "PASS_ENTRIES", 5)  # ...sorted a few entries at a time
    blocked = Index(jaccard=0.3, containment=0.3)
    blocked.add_many(docs)
    assert blocked.pairs() == whole
    assert blocked.candidate_pairs().tolist() == candidates.tolist()
    monkeypatch.setattr(dedupe.lsh, "SCAN_BLOCKS", 10_000)  # blocks scan for their entries
    assert blocked.candidate_pairs().tolist() == candidates.tolist()
    monkeypatch.setattr(dedupe.lsh, "CODES32", 0)  # pair codes sorted as int64
    assert blocked.candidate_pairs().tolist() == candidates.tolist()


# ------------------------------------------------------------------ date window
def _stream(seed: int) -> tuple[dict[str, str], dict[str, float]]:
    rng = random.Random(seed)
    base = [make_text(rng, 150) for _ in range(6)]
    docs, times = {}, {}
    for i in range(40):  # stories re-published over 40 days
        src = base[i % 6].split()
        lo = rng.randint(0, 60)
        docs[f"d{i}"] = " ".join(src[lo : lo + 80] + make_text(rng, 20).split())
        times[f"d{i}"] = 86400.0 * i
    return docs, times


def test_after_evict_the_index_answers_as_one_built_from_the_newer_documents():
    docs, times = _stream(1)
    index = Index()
    index.add_many(docs, timestamps=times)
    cut = 86400.0 * 25
    assert index.evict(before=cut) == 25
    fresh = Index()
    fresh.add_many({k: v for k, v in docs.items() if times[k] >= cut})
    assert index.ids() == fresh.ids()
    assert index.pairs() == fresh.pairs()
    for text in docs.values():
        assert index.query(text) == fresh.query(text)


def test_retention_keeps_a_window_behind_the_newest_document():
    import datetime

    docs, times = _stream(2)
    index = Index(retention=datetime.timedelta(days=10))
    for doc_id, text in docs.items():  # a stream, one article at a time
        index.add(doc_id, text, timestamp=times[doc_id])
    assert index.ids() == [f"d{i}" for i in range(29, 40)]
    undated = Index(retention=3600)
    undated.add("a", "words without a date")
    undated.add("b", "more words", timestamp=10**9)
    assert undated.ids() == ["a", "b"]  # no timestamp: never evicted


def test_timestamps_are_validated():
    with pytest.raises(InvalidParameterError, match="timestamp"):
        Index().add("a", "text", timestamp="monday")
    with pytest.raises(InvalidParameterError, match="2 timestamps for 1"):
        Index().add_many({"a": "text"}, timestamps=[1, 2])
    with pytest.raises(InvalidParameterError, match="retention"):
        Index(retention=-5)
    index = Index()
    index.add_many({"a": "some text", "b": "other"}, timestamps={"b": 5})
    index.add("c", "late words", timestamp=__import__("datetime").date(2026, 11, 26))
    assert index.evict(before=6) == 1 and index.ids() == ["a", "c"]


def test_an_empty_collection_has_no_pairs():
    report = find_duplicates({})
    assert report.matches == () and report.clusters == () and report.documents == 0
    assert find_duplicates({"a": "", "b": " -- "}, skip_empty=True).skipped == ("a", "b")
    assert Index().pairs() == [] and len(Index().candidate_pairs()) == 0


def test_query_many_answers_as_query_one_by_one():
    rng = random.Random(17)
    docs = {f"d{i}": make_text(rng, rng.randint(5, 150)) for i in range(40)}
    index = Index(jaccard=0.3, containment=0.3, max_key_docs=3)
    index.add_many(docs)
    texts = [*docs.values(), make_text(rng, 30), docs["d3"][:200]]
    assert index.query_many(texts) == [index.query(x) for x in texts]
    assert index.query_many(texts, k=1) == [index.query(x, k=1) for x in texts]
    assert index.query_many([]) == []
    with pytest.raises(EmptyTextError, match="query text 1 holds no words"):
        index.query_many(["some words", " ... "])
    with pytest.raises(InvalidParameterError, match="list of texts"):
        index.query_many("one text")


def test_at_thresholds_zero_one_shared_run_of_window_shingles_makes_a_candidate():
    """Issue 21: the candidate rule keeps its promise at any threshold. Long unrelated texts
    that share one run of ``window`` shingles (window + ngram - 1 words) are proposed when
    the thresholds are 0; at the defaults they are not reported."""
    rng = np.random.default_rng(5)
    vocab = [f"w{i}" for i in range(20_000)]
    params = dedupe.IndexParams()
    run_words = params.window + params.ngram - 1
    shared = " ".join(rng.choice(vocab, run_words))
    docs = {}
    for k in range(6):
        words = list(rng.choice(vocab, 2_000))
        at = int(rng.integers(0, len(words)))
        docs[f"d{k}"] = " ".join(words[:at]) + " " + shared + " " + " ".join(words[at:])
    everything = dedupe.find_duplicates(docs, jaccard=0, containment=0)
    assert len(everything.expanded_matches()) == 15  # every pair of the six
    index = dedupe.Index(jaccard=0, containment=0)
    index.add_many({k: v for k, v in docs.items() if k != "d0"})
    assert sorted(m.b for m in index.query(docs["d0"])) == ["d1", "d2", "d3", "d4", "d5"]
    assert not dedupe.find_duplicates(docs).matches


# ----------------------------------------------------------------- streaming input (issue 22)
def _stream_cases(seeds):
    from test_dedup import generated_collection

    return {"seeds": seeds, "generated": generated_collection()}


@pytest.mark.parametrize("case", ["seeds", "generated"])
@pytest.mark.parametrize("fuzzy", [False, True])
def test_find_duplicates_equal_from_dict_generator_and_path(
    seeds, case, fuzzy, tmp_path, monkeypatch
):
    """A generator of (id, text) pairs and a JSONL file read lazily give the report of the
    dict, in batches far smaller than the collection."""
    import json

    from dedupe.inputs import iter_documents

    docs = _stream_cases(seeds)[case]
    docs = {**docs, "blank": " -- "}  # a document with no words, skipped
    meta = {k: {"title": f"T{i}"} for i, k in enumerate(docs) if i % 2}
    path = tmp_path / "docs.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for k, v in docs.items():
            fh.write(json.dumps({"id": k, "text": v, **meta.get(k, {})}) + "\n")
    options = dict(fuzzy=fuzzy, skip_empty=True)
    whole = find_duplicates(docs, metadata=meta, **options).to_dict()
    monkeypatch.setattr(dedupe.index, "STREAM_BATCH_DOCS", 7)
    streamed = find_duplicates(((k, v) for k, v in docs.items()), metadata=meta, **options)
    read_meta: dict = {}
    from_path = find_duplicates(
        iter_documents([path], metadata=read_meta), metadata=read_meta, **options
    )
    for report in (streamed.to_dict(), from_path.to_dict()):
        report.pop("seconds", None)
        whole.pop("seconds", None)
        assert report == whole
    assert whole["matches"] and whole["skipped"] == ["blank"]
    assert (
        from_path.metadata == streamed.metadata == {k: v for k, v in meta.items() if k != "blank"}
    )


def test_find_duplicates_pulls_a_generator_one_batch_at_a_time(monkeypatch):
    """The first batch is sketched before the generator has given more than one batch:
    collecting every document first (into a list) fails this."""
    monkeypatch.setattr(dedupe.index, "STREAM_BATCH_DOCS", 10)
    pulled = 0
    at_sketch: list[int] = []
    at_store: list[int] = []
    sketch = Index._sketch_submit
    put = MemoryStore.put

    def counting_sketch(self, texts, progress=None, pool=None):
        at_sketch.append(pulled)
        return sketch(self, texts, progress, pool)

    def counting_put(self, ids, *args, **kwargs):
        at_store.append(pulled)
        return put(self, ids, *args, **kwargs)

    monkeypatch.setattr(Index, "_sketch_submit", counting_sketch)
    monkeypatch.setattr(MemoryStore, "put", counting_put)
    rng = random.Random(3)

    def docs():
        nonlocal pulled
        for i in range(55):
            pulled += 1
            yield f"d{i}", make_text(rng, 30)

    report = find_duplicates(docs(), workers=1)
    assert len(report.ids) == 55
    assert at_sketch == [10, 20, 30, 40, 50, 55]
    # each batch is stored once the next is read (it was sketched meanwhile): two batches
    # of texts at most are held
    assert at_store == [20, 30, 40, 50, 55, 55]


def test_find_duplicates_batches_by_characters_too(monkeypatch):
    monkeypatch.setattr(dedupe.index, "STREAM_BATCH_CHARS", 100)
    sizes: list[int] = []
    sketch = Index._sketch_submit

    def counting_sketch(self, texts, progress=None, pool=None):
        sizes.append(len(texts))
        return sketch(self, texts, progress, pool)

    monkeypatch.setattr(Index, "_sketch_submit", counting_sketch)
    docs = ((f"d{i}", "word " * 30) for i in range(5))  # 150 characters each
    assert len(find_duplicates(docs).ids) == 5
    assert sizes == [1, 1, 1, 1, 1]


@pytest.mark.parametrize("first_blank", [False, True])
def test_find_duplicates_duplicate_id_in_a_stream(monkeypatch, first_blank):
    """An id given twice is refused, named, whether its first copy was in an earlier batch
    (stored, or skipped for having no words) or in the same one."""
    monkeypatch.setattr(dedupe.index, "STREAM_BATCH_DOCS", 2)
    first = " -- " if first_blank else "some words here"
    for gap in (0, 3):  # the same batch, a later batch
        docs = [("dup", first)] + [(f"x{i}", f"other words {i}") for i in range(gap)]
        docs.append(("dup", "more words"))
        with pytest.raises(DuplicateIdError, match="'dup' appears twice in docs"):
            find_duplicates(iter(docs), skip_empty=True)


def test_find_duplicates_stream_checks_entries_and_metadata_ids():
    with pytest.raises(InvalidParameterError, match="holds a str"):
        find_duplicates(iter(["a text without an id"]))
    with pytest.raises(InvalidParameterError, match="unknown document id 'zz'"):
        find_duplicates(iter([("a", "some words")]), metadata={"a": {"t": "x"}, "zz": {"t": "y"}})
    with pytest.raises(InvalidParameterError, match="unknown document id 'zz'"):
        find_duplicates({"a": "some words"}, metadata={"zz": {"t": "y"}})
    with pytest.raises(EmptyTextError, match="'b'"):
        find_duplicates(iter([("a", "some words"), ("b", " ")]))


def test_find_duplicates_spilled_gives_the_same_report(tmp_path, monkeypatch):
    """With ``spill`` the sets and keys live in unnamed files of that folder, read through
    memory maps, and the report is the one held in memory gives; nothing stays behind."""
    import dedupe.store.growable

    monkeypatch.setattr(dedupe.index, "STREAM_BATCH_DOCS", 7)  # appended batch by batch
    rng = random.Random(5)
    base = [make_text(rng, 40) for _ in range(12)]
    docs = {f"d{i}": base[i % 12] + (" extra words" * (i % 3)) for i in range(30)}
    maps: list[np.ndarray] = []
    view = dedupe.store.growable.SpilledColumn.view

    def seen(self):
        out = view.fget(self)
        maps.append(out)
        return out

    monkeypatch.setattr(dedupe.store.growable.SpilledColumn, "view", property(seen))
    spilled = find_duplicates(iter(docs.items()), spill=tmp_path, workers=1)
    held = find_duplicates(docs, workers=1)
    assert spilled.matches == held.matches and spilled.clusters == held.clusters
    assert len(held.matches) > 10
    assert any(isinstance(m, np.memmap) and len(m) for m in maps)  # read from the files
    assert list(tmp_path.iterdir()) == []  # the files never had a name


def test_spill_folder_problems_are_named(tmp_path, monkeypatch):
    import dedupe.store.growable
    from dedupe.errors import StoreError

    missing = tmp_path / "nope"
    with pytest.raises(InvalidParameterError, match="spill folder .*nope.* cannot hold"):
        find_duplicates({"a": "some words here"}, spill=missing)
    with pytest.raises(InvalidParameterError, match="pack_sets=False"):
        MemoryStore(spill=tmp_path)

    class Full:  # a disk that fills up
        def write(self, data):
            raise OSError(28, "No space left on device")

    column = dedupe.store.growable.SpilledColumn(np.uint32, tmp_path)
    column._file = Full()
    with pytest.raises(StoreError, match="No space left on device.*another spill folder"):
        column.append(np.arange(3, dtype=np.uint32))
