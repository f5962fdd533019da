from __future__ import annotations

import subprocess
import sys

import numpy as np
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe.sketch import (
    MinHasher,
    batch_text_hashes,
    datasketch_hash,
    shingle_hash,
    text_hashes,
    word_hashes,
)
from dedupe.text import shingles

VOCAB = [
    "the",
    "minister",
    "said",
    "rail",
    "line",
    "open",
    "may",
    "Ma",
    "Si",
    "习",
    "近",
    "2025",
    "Ünïcode",
    "internationalization",
    "abcdefgh",
    "abcdefghi",
    "x" * 70,
    "x" * 71,
]
texts = st.lists(st.sampled_from(VOCAB), max_size=80).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    text=texts,
    num_perm=st.sampled_from([1, 16, 128]),
    seed=st.integers(0, 2**31 - 1),
    ngram=st.integers(1, 6),
)
def test_signature_is_bit_identical_to_datasketch(text, num_perm, seed, ngram):
    ours = MinHasher(num_perm=num_perm, seed=seed).signature(text_hashes(text, ngram=ngram))
    theirs = MinHash(num_perm=num_perm, seed=seed, hashfunc=datasketch_hash)
    for sh in shingles(text, ngram=ngram):
        theirs.update(sh)
    assert ours.dtype == np.uint32
    assert np.array_equal(ours, theirs.hashvalues)


@settings(max_examples=40, deadline=None)
@given(num_perm=st.integers(1, 4096), seed=st.integers(0, 2**32 - 1))
def test_permutations_are_datasketchs_own(num_perm, seed):
    # drawn without importing datasketch (it imports scipy): they must stay its own
    from dedupe.sketch import _permutations

    a, b = _permutations(num_perm, seed)
    theirs_a, theirs_b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert np.array_equal(a[:, 0], theirs_a) and np.array_equal(b[:, 0], theirs_b)


def test_sketching_does_not_import_datasketch():
    code = (
        "import sys; from dedupe import find_duplicates; "
        "find_duplicates({'a': 'one two three four five six', 'b': 'one two three four five'}); "
        "print('datasketch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_signature_usable_as_datasketch_lean_minhash():
    a = MinHasher().signature(text_hashes("one two three four five six seven eight"))
    b = MinHasher().signature(text_hashes("one two three four five six seven nine"))
    la = LeanMinHash(seed=1, hashvalues=a, scheme="affine32")
    lb = LeanMinHash(seed=1, hashvalues=b, scheme="affine32")
    assert 0.0 < la.jaccard(lb) < 1.0


@settings(max_examples=40, deadline=None)
@given(docs=st.lists(texts, max_size=12), ngram=st.integers(1, 6))
def test_batch_paths_equal_single_paths(docs, ngram):
    hashes, offsets = batch_text_hashes(docs, ngram=ngram)
    hasher = MinHasher(num_perm=32, seed=5)
    per_doc = [text_hashes(d, ngram=ngram) for d in docs]
    for i, single in enumerate(per_doc):
        assert np.array_equal(hashes[offsets[i] : offsets[i + 1]], single)
    sigs = hasher.signatures(hashes, offsets)
    for i, single in enumerate(per_doc):
        assert np.array_equal(sigs[i], hasher.signature(single))


def test_shingle_hash_matches_batch_and_differs_by_order():
    assert shingle_hash("a b c") == int(text_hashes("a b c", ngram=3)[0])
    assert shingle_hash("a b c") != shingle_hash("c b a")
    assert shingle_hash(b"a b") == shingle_hash("a b")


def test_hashes_do_not_depend_on_the_process():
    text = "alpha beta gamma delta epsilon zeta"
    code = f"from dedupe.sketch import text_hashes; print(text_hashes({text!r}).tolist())"
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "random")
    }
    assert len(outs) == 1
    assert outs.pop().strip() == str(text_hashes(text).tolist())


def test_empty_document_has_datasketch_empty_signature():
    sig = MinHasher(num_perm=8).signature(np.empty(0, dtype=np.uint64))
    assert np.array_equal(sig, MinHash(num_perm=8).hashvalues)


def test_sorted_unique_matches_numpy():
    from dedupe.flat import sorted_unique

    rng = np.random.default_rng(1)
    for n in (0, 1, 2, 1000):
        x = rng.integers(0, 50, n)
        assert np.array_equal(sorted_unique(x), np.unique(x))


def test_word_hashes_tell_words_apart_across_the_8_byte_chunks():
    words = ["a", "ab", "abcdefg", "abcdefgh", "abcdefgha", "abcdefghab", "x" * 64, "x" * 65,
             "x" * 200, "y" * 200, "é", "e"]  # fmt: skip
    hashes = word_hashes(words).tolist()
    assert len(set(hashes)) == len(words)
    # the same word hashes the same wherever it stands in a buffer
    assert word_hashes(list(reversed(words))).tolist() == hashes[::-1]


def test_legacy_scheme_keeps_the_word_hashes_of_version_0_1():
    """Index files of dedupe 0.1 hold shingle hashes of BLAKE2b word hashes."""
    import hashlib

    from dedupe.sketch import LEGACY_HASH_SCHEME

    want = int.from_bytes(hashlib.blake2b(b"minister", digest_size=8).digest(), "little")
    assert word_hashes(["minister"], scheme=LEGACY_HASH_SCHEME).tolist() == [want]
    assert text_hashes("one two three", scheme=LEGACY_HASH_SCHEME).tolist() != (
        text_hashes("one two three").tolist()
    )


def test_one_long_document_takes_bounded_signature_memory():
    """Signatures are computed in blocks of MinHasher.CHUNK_CELLS cells, even inside one
    document (a 2-million-shingle text does not ask for num_perm x 2M cells)."""
    import tracemalloc

    rng = np.random.default_rng(0)
    values = rng.integers(0, 2**32, 2_000_000, dtype=np.uint64).astype(np.uint32)
    hasher = MinHasher(num_perm=128)
    tracemalloc.start()
    sig = hasher.signatures(values, np.array([0, 1000, len(values)]))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 * 2**20  # the input is 8 MB; one block is 4 MB
    assert np.array_equal(sig[1], hasher.signature(values[1000:]))


def test_unique_per_row_equals_numpy_unique_on_every_path(monkeypatch):
    import dedupe.sketch as sk
    from dedupe.flat import offsets_of

    rng = np.random.default_rng(5)
    lens = np.concatenate(([0, 3, 5000, 0, 1], rng.integers(0, 400, 600)))
    offsets = offsets_of(lens)
    values = rng.integers(0, 300, int(offsets[-1])).astype(np.uint32)
    values[-50:] = 0xFFFFFFFF  # the padding value is a real value too
    expected = [np.unique(values[a:b]) for a, b in zip(offsets[:-1], offsets[1:])]

    def check() -> None:
        got, got_off = sk.unique_per_row(values, offsets)
        assert got_off.tolist() == offsets_of([len(e) for e in expected]).tolist()
        assert got.tolist() == np.concatenate(expected).tolist()

    check()  # rows sorted in padded groups
    monkeypatch.setattr(sk, "SORT_GROUP_CELLS", 700)  # groups cut by the cell limit
    check()
    monkeypatch.setattr(sk, "FEW_ROWS", 10_000)  # rows sorted one by one
    check()


def _oph_by_definition(row: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """The filled bins of a one-permutation signature, one value at a time."""
    from dedupe.sketch import _seed_offset

    want = np.full(num_perm, 2**32 - 1, dtype=np.uint64)
    for v in row.tolist():
        r = (v + int(_seed_offset(seed))) % 2**32
        b = r * num_perm >> 32
        want[b] = min(want[b], r, 2**32 - 2)  # 2**32 - 1 marks an empty bin
    return want


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.sets(st.integers(0, 2**32 - 1), max_size=60), min_size=1, max_size=8),
    num_perm=st.sampled_from([1, 2, 3, 4, 12, 128, 129]),
    seed=st.integers(0, 2**32 - 1),
)
def test_one_permutation_signature_keeps_each_bins_smallest(rows, num_perm, seed):
    from dedupe.sketch import one_permutation_signatures

    sorted_rows = [np.array(sorted(r), dtype=np.uint32) for r in rows]
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in sorted_rows])])
    values = np.concatenate(sorted_rows).astype(np.uint32)
    sig = one_permutation_signatures(values, offsets, num_perm=num_perm, seed=seed)
    assert sig.shape == (len(rows), num_perm) and sig.dtype == np.uint32
    for got, row in zip(sig, sorted_rows):
        want = _oph_by_definition(row, num_perm, seed)
        filled = want != 2**32 - 1
        assert np.array_equal(got[filled], want[filled])
        # empty bins are filled from filled ones; an empty set stays empty
        assert set(got.tolist()) <= set(want[filled].tolist()) or not len(row)
        assert bool((got == 2**32 - 1).all()) == (not len(row))


def test_one_permutation_bins_agree_as_often_as_the_jaccard():
    # pairs of sets of known Jaccard: the share of equal bins estimates it, as a MinHash's
    # share of equal rows does, for large and for small (densified) sets
    from dedupe.sketch import one_permutation_signatures

    rng = np.random.default_rng(5)
    for size, jaccard in [(600, 0.2), (600, 0.5), (600, 0.8), (40, 0.5), (12, 0.6)]:
        shared = round(2 * size * jaccard / (1 + jaccard))
        agree = []
        for trial in range(200):
            pool = rng.choice(2**32, size=2 * size, replace=False).astype(np.uint32)
            a = np.sort(pool[:size])
            b = np.sort(np.concatenate([pool[:shared], pool[size : 2 * size - shared]]))
            true_j = shared / (2 * size - shared)
            sig = one_permutation_signatures(
                np.concatenate([a, b]), np.array([0, size, 2 * size]), num_perm=128, seed=trial
            )
            agree.append(np.mean(sig[0] == sig[1]))
        assert abs(np.mean(agree) - true_j) < 0.03, (size, jaccard, np.mean(agree), true_j)


def test_band_signatures_follow_the_scheme():
    from dedupe.sketch import (
        AFFINE_HASH_SCHEME,
        HASH_SCHEME,
        band_signatures,
        one_permutation_signatures,
        sketch_texts,
    )

    texts = ["one two three four five six seven", "eight nine ten eleven twelve thirteen"]
    for scheme, make in [
        (HASH_SCHEME, lambda v, o: one_permutation_signatures(v, o, num_perm=16, seed=3)),
        (AFFINE_HASH_SCHEME, MinHasher(num_perm=16, seed=3).signatures),
    ]:
        sk = sketch_texts(texts, ngram=3, window=4, num_perm=16, seed=3, scheme=scheme)
        assert np.array_equal(sk.signatures, make(sk.set_values, sk.set_offsets))
        got = band_signatures(sk.set_values, sk.set_offsets, num_perm=16, seed=3, scheme=scheme)
        assert np.array_equal(got, sk.signatures)


# ------------------------------------------------------------------ one text (a query)
def _sketch_rows(sk):
    return (sk.set_values, sk.set_offsets, sk.key_values, sk.key_offsets, sk.signatures)


def _assert_one_text_path_is_the_batch_path(text, **params):
    """``sketch_texts([text])`` (the one-text path) equals the text's row of a batch (the
    general path), dtypes and shapes included."""
    from dedupe.sketch import sketch_texts

    one = sketch_texts([text], **params)
    batch = sketch_texts([text, "one two three four five six seven"], **params).take([0])
    for got, want in zip(_sketch_rows(one), _sketch_rows(batch)):
        assert got.dtype == want.dtype and got.shape == want.shape, (text[:40], params)
        assert np.array_equal(got, want), (text[:40], params)


EDGE_TEXTS = ["", " ", "...", "a", "a b", "a b c d e", "习近平", "z" * 500, "a " * 5000,
              "é" * 65, "Zürich naïve Ωμέγα — don't", "x" * 71 + " " + "y" * 64]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    text=st.one_of(texts, st.text(max_size=200)),
    ngram=st.integers(1, 6),
    window=st.integers(1, 12),
    num_perm=st.sampled_from([1, 3, 16, 128, 129]),
    short_text=st.sampled_from([0, 1, 5, 40]),
)
def test_one_text_sketch_equals_the_batch_path(text, ngram, window, num_perm, short_text):
    _assert_one_text_path_is_the_batch_path(
        text, ngram=ngram, window=window, num_perm=num_perm, seed=7, short_text=short_text
    )


def test_one_text_sketch_equals_the_batch_path_on_real_and_edge_texts(reuters):
    from conftest import seed_texts

    docs = [*seed_texts().values(), *EDGE_TEXTS, *(r["text"] for r in reuters[:300])]
    for doc in docs:
        _assert_one_text_path_is_the_batch_path(
            doc, ngram=5, window=8, num_perm=128, seed=1, short_text=40
        )
    for doc in docs[:20]:
        _assert_one_text_path_is_the_batch_path(
            doc, ngram=3, window=4, num_perm=100, seed=2, short_text=0
        )


@settings(max_examples=200, deadline=None)
@given(
    row=st.one_of(
        st.sets(st.integers(0, 2**32 - 1), max_size=300),
        st.sets(st.integers(0, 9), max_size=10),
        st.sets(st.integers(2**32 - 12, 2**32 - 1), max_size=12),
    ),
    num_perm=st.sampled_from([1, 2, 3, 8, 100, 128, 129, 4096]),
    seed=st.integers(0, 5),
)
def test_one_row_signature_equals_the_batch_path(row, num_perm, seed):
    """One row (a query's set) is signed by its own path: the same as in a batch, where
    every value may rotate onto 0xFFFFFFFF (the empty mark) and every bin be densified."""
    from dedupe.sketch import _seed_offset, one_permutation_signatures

    values = np.array(sorted(row), dtype=np.uint32)
    # a value that rotates onto 0xFFFFFFFF, the empty mark, is kept one below
    top = (2**32 - 1 - int(_seed_offset(seed))) % 2**32
    for v in (values, np.union1d(values, [top]).astype(np.uint32)):
        one = one_permutation_signatures(v, np.array([0, len(v)]), num_perm=num_perm, seed=seed)
        both = np.concatenate((v, np.array([5, 6, 7], np.uint32)))
        batch = one_permutation_signatures(
            both, np.array([0, len(v), len(both)]), num_perm=num_perm, seed=seed
        )
        assert one.shape == (1, num_perm) and one.dtype == np.uint32
        assert np.array_equal(one[0], batch[0])


def test_band_keys_are_those_of_dedupe_0_5():
    """Band keys are in index files: their values must not change (these are the values of
    the per-row loop that came before the matrix product)."""
    from dedupe.sketch import band_keys

    sig = (np.arange(16, dtype=np.uint64) * 0x9E3779B9 % 2**32).astype(np.uint32).reshape(2, 8)
    sig[1, :4] = 0xFFFFFFFF
    assert band_keys(sig, 4).tolist() == [
        [4237898106, 4272702852, 3188643496, 3343495106],
        [3591562090, 3784456901, 2253711580, 4217425201],
    ]
    assert band_keys(sig, 1).tolist() == [[2852724105], [3070859961]]
    assert band_keys(sig[1:], 8).tolist() == [
        [2421416043, 2465556133, 3157632510, 4046191406, 3650334078, 3014193357, 3398770063,
         3966834915]
    ]  # fmt: skip
    assert band_keys(sig[:0], 4).shape == (0, 4)
