"""The compiled kernel (dedupe.kernel) against the numpy path: bit-identical output.

The comparisons need numba (the ``fast`` extra) and skip without it; the switch, the
plain-Python loops and ``import dedupe`` without numba are tested either way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, seed_texts
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sketch import VOCAB as SKETCH_VOCAB

from dedupe import kernel
from dedupe.errors import InvalidParameterError, MissingDependencyError
from dedupe.parallel import fork_map
from dedupe.sketch import (
    LEGACY_HASH_SCHEME,
    LONG_WORD_BYTES,
    Sketch,
    _blake_hash,
    _word_bounds,
    batch_text_hashes,
    buffer_word_hashes,
    passage_keys,
    shingle_hashes,
    sketch_texts,
    unique_per_row,
    window_minima,
)
from dedupe.text import fuzzy_buffer

needs_numba = pytest.mark.skipif(
    not kernel.available(), reason="numba is not installed (pip install 'article-dedupe[fast]')"
)

# test_sketch's words, and words at the kernel's edges
VOCAB = [
    *SKETCH_VOCAB,
    "平",
    "naïve",
    "Ωμέγα",
    "x" * (LONG_WORD_BYTES - 1),
    "y" * LONG_WORD_BYTES,  # the longest word the fast hash takes
    "z" * (LONG_WORD_BYTES + 1),  # handed back to BLAKE2b
    "é" * 40,  # 80 bytes of UTF-8
    "—",
    "...",
    "\n\n",
    "don't",
]
texts = st.lists(st.one_of(st.sampled_from(VOCAB), st.text(max_size=12)), max_size=60).map(" ".join)


def both(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` on the numpy path and on the kernel."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(kernel.SETTING_ENV, "numpy")
        numpy_out = fn(*args, **kwargs)
        mp.setenv(kernel.SETTING_ENV, "numba")
        kernel_out = fn(*args, **kwargs)
    return numpy_out, kernel_out


def assert_identical(a, b):
    if isinstance(a, Sketch):
        a = (a.set_values, a.set_offsets, a.key_values, a.key_offsets, a.signatures)
        b = (b.set_values, b.set_offsets, b.key_values, b.key_offsets, b.signatures)
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_identical(x, y)
        return
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    assert a.shape == b.shape
    assert np.array_equal(a, b)


def same(fn, *args, **kwargs):
    assert_identical(*both(fn, *args, **kwargs))


# ------------------------------------------------------------------ kernel == numpy
@needs_numba
@settings(max_examples=150, deadline=None)
@given(batch=st.lists(texts, max_size=12), ngram=st.integers(1, 7))
def test_shingle_hashes_are_identical(batch, ngram):
    same(lambda: batch_text_hashes(batch, ngram=ngram))


@needs_numba
@settings(max_examples=100, deadline=None)
@given(
    batch=st.lists(texts, max_size=10),
    ngram=st.integers(1, 6),
    window=st.integers(1, 12),
    short_text=st.sampled_from([0, 1, 5, 40]),
)
def test_sets_and_passage_keys_are_identical(batch, ngram, window, short_text):
    def run():
        hashes, offsets = batch_text_hashes(batch, ngram=ngram)
        sets = unique_per_row(hashes.astype(np.uint32), offsets)
        keys = passage_keys(hashes, offsets, *sets, window=window, short_text=short_text)
        return (hashes, offsets, *sets, *keys)

    same(run)


@needs_numba
@settings(max_examples=40, deadline=None)
@given(batch=st.lists(texts, max_size=8), fuzzy=st.booleans())
def test_sketches_are_identical(batch, fuzzy):
    same(
        lambda: sketch_texts(
            batch, ngram=5, window=8, num_perm=16, seed=1, short_text=10, fuzzy=fuzzy
        )
    )


@needs_numba
@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.one_of(
            st.lists(st.integers(0, 2**32 - 1), max_size=300),  # hash-like: spread out
            st.lists(st.integers(0, 5), max_size=300),  # many repeats, one bucket
            st.lists(st.integers(2**32 - 3, 2**32 - 1), max_size=50),  # the top values
        ),
        max_size=12,
    )
)
def test_unique_per_row_is_identical_on_any_values(rows):
    values = np.array([v for r in rows for v in r], dtype=np.uint32)
    offsets = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    numpy_out, kernel_out = both(lambda: unique_per_row(values, offsets))
    assert_identical(numpy_out, kernel_out)
    expected = [sorted(set(r)) for r in rows]
    got = [kernel_out[0][a:b].tolist() for a, b in zip(kernel_out[1][:-1], kernel_out[1][1:])]
    assert got == expected


@needs_numba
def test_the_seeds_sketch_identically():
    docs = list(seed_texts().values())
    assert len(docs) == 5
    for fuzzy in (False, True):
        same(
            sketch_texts, docs, ngram=5, window=8, num_perm=128, seed=1, short_text=40, fuzzy=fuzzy
        )
    for ngram in (1, 3, 9):  # each seed on its own (a query) and all at once
        for doc in docs:
            same(batch_text_hashes, [doc], ngram=ngram)
        same(batch_text_hashes, docs, ngram=ngram)


@needs_numba
def test_many_texts_in_several_chunks(monkeypatch):
    rng = np.random.default_rng(7)
    words = np.array([w for w in VOCAB if w.strip()] + [f"w{i}" for i in range(300)])
    docs = [
        " ".join(rng.choice(words, size=int(rng.integers(0, 400))).tolist()) for _ in range(2500)
    ]
    docs[10] = docs[20] = ""  # empty texts among them
    docs[30] = "one two"  # shorter than ngram
    monkeypatch.setattr("dedupe.sketch.SKETCH_CHUNK_CHARS", 100_000)  # a dozen chunks
    same(lambda: sketch_texts(docs, ngram=5, window=8, num_perm=32, seed=3, short_text=40))


@needs_numba
def test_edge_texts():
    edge = ["", " ", "...", "a", "a b", "a b c d e", "习近平", "z" * 500, "a " * 5000, "é" * 65]
    for ngram in (1, 5):
        same(batch_text_hashes, edge, ngram=ngram)
        for text in edge:
            same(batch_text_hashes, [text], ngram=ngram)
    same(lambda: sketch_texts(edge, ngram=5, window=8, num_perm=8, seed=1, short_text=40))
    same(lambda: sketch_texts([], ngram=5, window=8, num_perm=8, seed=1))


@needs_numba
def test_long_words_are_hashed_by_blake2b():
    text = "short " + "q" * (LONG_WORD_BYTES + 1) + " word " + "r" * 300
    numpy_out, kernel_out = both(lambda: batch_text_hashes([text, text], ngram=1))
    assert_identical(numpy_out, kernel_out)
    assert len(set(kernel_out[0].tolist())) == 4


@needs_numba
def test_the_legacy_scheme_keeps_its_path():
    docs = list(seed_texts().values())
    same(lambda: batch_text_hashes(docs, ngram=5, scheme=LEGACY_HASH_SCHEME))
    same(
        lambda: sketch_texts(
            docs, ngram=5, window=8, num_perm=16, seed=1, scheme=LEGACY_HASH_SCHEME
        )
    )


@needs_numba
def test_forked_workers_inherit_the_loaded_kernel(monkeypatch):
    monkeypatch.delenv(kernel.SETTING_ENV, raising=False)
    assert kernel.load()
    assert fork_map(_loaded_here, [0, 1, 2], workers=2) == [True, True, True]


def _loaded_here(_item: int, _shared: object) -> bool:
    return kernel.loaded()


# ------------------------------------------------------------------ the plain loops
@settings(max_examples=30, deadline=None)
@given(batch=st.lists(texts, max_size=4), ngram=st.integers(1, 4), window=st.integers(1, 5))
def test_the_plain_loops_match_numpy(batch, ngram, window):
    """The loops as plain Python (what runs without numba) give numpy's output too."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kernel, "_loops", lambda: kernel._PLAIN)
        mp.setenv(kernel.SETTING_ENV, "numpy")
        buf = b" ".join(fuzzy_buffer(t) for t in batch)
        got = kernel.word_hashes(buf, *_word_bounds(buf), long_hash=_blake_hash, long_bytes=64)
        assert_identical(got, buffer_word_hashes(buf))
        per_text = [buffer_word_hashes(fuzzy_buffer(t)) for t in batch]
        assert_identical(
            kernel.shingle_hashes(
                np.concatenate([np.empty(0, np.uint64), *per_text]),
                np.cumsum([0, *map(len, per_text)]),
                ngram,
            )[0],
            np.concatenate([np.empty(0, np.uint64), *(shingle_hashes(h, ngram) for h in per_text)]),
        )
        values, offsets = batch_text_hashes(batch, ngram=ngram)
        assert_identical(
            kernel.unique_per_row(values.astype(np.uint32), offsets),
            unique_per_row(values.astype(np.uint32), offsets),
        )
        minima = kernel.passage_minima(
            values,
            offsets,
            window,
            short=np.zeros(len(batch), dtype=bool),
            set_values=np.empty(0, np.uint32),
            set_offsets=np.zeros(len(batch) + 1, np.int64),
            mask=0x7FFFFFFF,
        )
        assert_identical(
            unique_per_row(*minima), unique_per_row(*window_minima(values, offsets, window))
        )


# ------------------------------------------------------------------ the switch
def test_the_setting_is_read_at_each_call(monkeypatch):
    monkeypatch.setenv(kernel.SETTING_ENV, "numpy")
    assert kernel.setting() == "numpy" and not kernel.wanted()
    monkeypatch.setenv(kernel.SETTING_ENV, " NumPy ")
    assert kernel.setting() == "numpy"
    monkeypatch.delenv(kernel.SETTING_ENV)
    assert kernel.setting() == "auto"
    monkeypatch.setenv(kernel.SETTING_ENV, "fast")
    with pytest.raises(InvalidParameterError, match="DEDUPE_KERNEL='fast'"):
        kernel.wanted()


def test_without_numba_the_numpy_path_runs(monkeypatch):
    monkeypatch.setattr(kernel, "available", lambda: False)
    monkeypatch.setattr(kernel, "_COMPILED", None)
    monkeypatch.setattr(kernel, "_EXPECTED", 0)
    monkeypatch.delenv(kernel.SETTING_ENV, raising=False)
    assert not kernel.wanted() and not kernel.load() and not kernel.expect(10**12)
    docs = list(seed_texts().values())
    sk = sketch_texts(docs, ngram=5, window=8, num_perm=16, seed=1)
    assert len(sk) == 5 and not kernel.loaded()
    monkeypatch.setenv(kernel.SETTING_ENV, "numba")
    with pytest.raises(MissingDependencyError, match="article-dedupe\\[fast\\]"):
        sketch_texts(docs, ngram=5, window=8, num_perm=16, seed=1)


def test_expect_loads_the_kernel_after_enough_text(monkeypatch):
    monkeypatch.delenv(kernel.SETTING_ENV, raising=False)
    monkeypatch.setattr(kernel, "_COMPILED", None)
    monkeypatch.setattr(kernel, "_EXPECTED", 0)
    monkeypatch.setattr(kernel, "LOAD_AFTER_CHARS", 1000)
    assert not kernel.expect(999) and not kernel.wanted()
    assert kernel.expect(1) == kernel.available() == kernel.wanted()


def _python(code: str, **env: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_import_and_a_query_do_not_import_numba():
    code = (
        "import sys, dedupe\n"
        "assert 'numba' not in sys.modules\n"
        "index = dedupe.Index(ngram=2)\n"
        "index.add_many({'a': 'x y z w', 'b': 'p q r s', 'c': 'x y z v', 'd': 'k l m'})\n"
        "print(len(index.query('x y z w')), 'numba' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != kernel.SETTING_ENV}
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    found, imported = run.stdout.split()
    assert int(found) >= 1 and imported == "False"


def test_dedupe_works_where_numba_cannot_be_imported():
    code = (
        "import sys\n"
        "sys.modules['numba'] = None  # import numba fails\n"
        "import dedupe\n"
        "from dedupe import kernel\n"
        "report = dedupe.find_duplicates({'a': 'x y z w v', 'b': 'x y z w v'}, ngram=2)\n"
        "print(len(report.matches), kernel.loaded())\n"
    )
    assert _python(code).split() == ["1", "False"]


@needs_numba
def test_the_cache_goes_elsewhere_when_the_package_is_read_only(tmp_path):
    """An installed package's folder is often not writable: numba caches the compiled
    code in NUMBA_CACHE_DIR (or the user's cache folder) instead, and loads it from there."""
    package = tmp_path / "site" / "dedupe"
    shutil.copytree(REPO / "dedupe", package, ignore=shutil.ignore_patterns("__pycache__"))
    for folder in [package, *package.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o555)
    cache = tmp_path / "cache"
    code = (
        "import time; from dedupe import kernel; t = time.perf_counter()\n"
        "assert kernel.load(); print(round(time.perf_counter() - t, 2))\n"
    )
    env = {"PYTHONPATH": str(package.parent), "NUMBA_CACHE_DIR": str(cache)}
    try:
        _python(code, **env)
        assert any(Path(cache).rglob("*.nbi")), "no cache written"
        assert not (package / "__pycache__").exists()
        _python(code, **env)  # loads from the cache
    finally:
        for folder in [package, *package.rglob("*")]:
            if folder.is_dir():
                folder.chmod(0o755)


@needs_numba
def test_the_kernel_compiles_where_nothing_can_be_cached():
    code = (
        "from numba.core import caching\n"
        "impl = getattr(caching, 'CacheImpl', None) or caching._CacheImpl  # numba < 0.61\n"
        "impl._locator_classes = []  # no writable place anywhere\n"
        "import numpy as np\n"
        "from dedupe import kernel\n"
        "assert kernel.load()\n"
        "print(kernel.unique_per_row(np.array([3, 1, 3], np.uint32), np.array([0, 3]))[0])\n"
    )
    assert _python(code) == "[1 3]"


def test_the_loops_are_not_given_arrays_they_would_overrun():
    """The compiled loops do not check indexes: their inputs are checked before."""
    values = np.arange(4, dtype=np.uint32)
    for offsets in ([0, 5], [1, 0, 4], []):
        with pytest.raises(ValueError):
            kernel.unique_per_row(values, np.array(offsets))
    with pytest.raises(ValueError):
        kernel.word_hashes(b"ab", np.array([0]), np.array([3]), long_hash=len)
    with pytest.raises(ValueError):
        kernel.word_hashes(b"ab", np.array([1]), np.array([1]), long_hash=len)
    with pytest.raises(ValueError):
        kernel.passage_minima(
            values.astype(np.uint64),
            np.array([0, 4]),
            2,
            short=np.array([False, False]),
            set_values=values,
            set_offsets=np.array([0, 4]),
            mask=0xFF,
        )


# ------------------------------------------------------------------ the self-join
# A collection's keys as (key, row) entries: few keys, so that groups are large and rows
# share several (rule 3 and its short texts decide), and a few band keys (capped ones too).
join_entries = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 30)), min_size=0, max_size=160
).map(sorted)


def _join_case(entries, bands, n=31):
    from dedupe.lsh import group_keys
    from dedupe.sketch import BAND_BIT

    keys = np.array([k for k, _ in entries] or [], dtype=np.uint32)
    rows = np.array([r for _, r in entries] or [], dtype=np.int64)
    keys[: len(keys) * bands // 4] |= BAND_BIT  # some entries are band keys
    pairs = np.unique(np.stack((keys, rows), axis=1), axis=0) if len(keys) else np.zeros((0, 2))
    groups = group_keys(pairs[:, 0].astype(np.uint32), pairs[:, 1].astype(np.int64))
    n_keys = np.bincount(rows, minlength=n).astype(np.int64)
    return groups, n_keys, n_keys < 2


@settings(max_examples=120, deadline=None)
@given(
    entries=join_entries,
    bands=st.integers(0, 4),
    share=st.sampled_from([0.0, 0.1, 0.34, 0.5, 1.0]),
    cap=st.integers(2, 40),
    block_pairs=st.integers(1, 60),
    plain=st.booleans(),
)
def test_the_join_kernel_equals_the_sort(entries, bands, share, cap, block_pairs, plain):
    """lsh.candidates counts pairs in the kernel (compiled, or its plain loops) exactly as
    the numpy path does by sorting them: every block size (one block, a few scanned, many
    sorted into blocks), capped band keys, short texts, every share."""
    from dedupe.lsh import candidates

    if not plain and not kernel.available():
        pytest.skip("numba is not installed")
    groups, n_keys, short = _join_case(entries, bands)
    kw = dict(max_key_docs=cap, min_key_share=share, short=short, block_pairs=block_pairs)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(kernel.SETTING_ENV, "numpy")
        expected = candidates(groups, n_keys, **kw, passage_key_docs=cap // 2)
        mp.setenv(kernel.SETTING_ENV, "numba")
        if plain:
            mp.setattr(kernel, "_loops", lambda: kernel._PLAIN)
            mp.setattr(kernel, "available", lambda: True)
        got = candidates(groups, n_keys, **kw, passage_key_docs=cap // 2)
    assert_identical(expected, got)


def test_the_join_kernel_is_not_given_rows_it_would_overrun():
    rows, n_keys, short = np.array([0, 1], np.uint32), np.array([1, 1]), np.zeros(2, bool)
    kw = dict(n_keys=n_keys, short=short, min_key_share=0.1, band=False)
    with pytest.raises(ValueError):  # a partner past the last entry
        kernel.join_block(rows, np.array([2, 0], np.uint8), (0, 2), at=None, **kw)
    with pytest.raises(ValueError):  # a row past n_keys
        kernel.join_block(np.array([0, 5], np.uint32), np.array([1, 0], np.uint8), (0, 2),
                          at=None, **kw)  # fmt: skip
    with pytest.raises(ValueError):  # an entry that is not there
        kernel.join_block(rows, np.array([1, 0], np.uint8), (0, 2), at=np.array([7]), **kw)
    with pytest.raises(ValueError):
        kernel.join_block(rows, np.array([1], np.uint8), (0, 2), at=None, **kw)


# ------------------------------------------------------------------ fuzzy keys
@settings(max_examples=150, deadline=None)
@given(
    batch=st.lists(texts, max_size=8),
    gram=st.integers(1, 8),
    window=st.integers(1, 20),
    plain=st.booleans(),
)
def test_fuzzy_keys_in_one_pass_equal_numpy(batch, gram, window, plain):
    """The kernel hashes and winnows runs of bytes in one pass (compiled, or its plain
    loops): the keys of numpy's hashes, window minima and sort, for every run and window
    size, texts shorter than a run or than a window, and empty ones."""
    from dedupe.sketch import packed_fuzzy_keys
    from dedupe.text import fuzzy_buffers

    if not plain and not kernel.available():
        pytest.skip("numba is not installed")
    _, _, packed, offsets = fuzzy_buffers(batch)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(kernel.SETTING_ENV, "numpy")
        expected = packed_fuzzy_keys(packed, offsets, gram=gram, window=window)
        if plain:
            mp.setattr(kernel, "_loops", lambda: kernel._PLAIN)
        got = unique_per_row_of(kernel.gram_minima(packed, offsets, gram, window, mask=0x7FFFFFFF))
    assert_identical(expected, got)


def unique_per_row_of(ragged):
    return unique_per_row(*ragged)


def test_gram_minima_is_not_given_bytes_it_would_overrun():
    packed = np.frombuffer(b"abcdefgh", np.uint8)
    for offsets in ([0, 9], [2, 1], []):
        with pytest.raises(ValueError):
            kernel.gram_minima(packed, np.array(offsets), 7, 4, mask=0xFF)
    with pytest.raises(ValueError):
        kernel.gram_minima(packed, np.array([0, 8]), 9, 4, mask=0xFF)


# ------------------------------------------------------------------ grouping the keys
@settings(max_examples=120, deadline=None)
@given(
    keys=st.lists(st.integers(0, 2**32 - 1) | st.integers(0, 20), max_size=300),
    plain=st.booleans(),
)
def test_the_key_sort_equals_numpys_when_rows_come_in_order(keys, plain):
    """kernel.sort_by_key (compiled, or its plain loop) sorts key << 32 | row entries by
    key alone, stably: numpy's full sort, when each key's rows come in ascending order
    (the rows are the entries' positions here; keys repeat, and use every bit)."""
    if not plain and not kernel.available():
        pytest.skip("numba is not installed")
    packed = (np.array(keys, dtype=np.uint64) << np.uint64(32)) | np.arange(
        len(keys), dtype=np.uint64
    )
    loops = kernel._PLAIN if plain else kernel._loops()
    assert_identical(np.sort(packed), loops.key_sort(packed.copy()))


@needs_numba
@settings(max_examples=60, deadline=None)
@given(batch=st.lists(texts, min_size=2, max_size=14), short_text=st.integers(0, 40))
def test_a_collection_groups_its_keys_identically(batch, short_text):
    """group_collection over a collection's band and passage keys (some rows left out)
    gives the same groups with the kernel's key sort as with numpy's sort."""
    from dedupe.lsh import group_collection
    from dedupe.sketch import band_keys

    sk = sketch_texts(batch * 3, ngram=2, window=3, num_perm=16, seed=1, short_text=short_text)
    bands = band_keys(sk.signatures, 4)
    keep = np.arange(len(sk)) % 5 != 3

    def groups():
        g = group_collection(bands, sk.key_values, sk.key_offsets, keep=keep)
        return (g.offsets, g.rows, g.is_band, g.df)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("dedupe.lsh.KERNEL_MIN_GROUP", 0)  # the kernel for any size
        same(groups)
