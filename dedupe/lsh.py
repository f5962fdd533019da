"""LSH keys and candidate pairs, in numpy: document bands and passage keys.

Pure functions over arrays (picklable, no state), so that batch jobs and worker
processes compute exactly what :class:`dedupe.Index` does.

* :func:`sketch_texts` turns texts into sorted distinct shingle hashes, passage keys
  (the minimum shingle hash of every ``window`` consecutive shingles: winnowing, the
  one-permutation MinHash of each passage) and MinHash signatures.
* :func:`band_keys` cuts signatures into bands and hashes each band to one key.
* :func:`pairs_in_runs` lists every pair of documents that share a key.
* :func:`shared_with` counts exact shared shingles between one set and many.

>>> sets, off, keys, koff, sigs = sketch_texts(["a b c d e f", "a b c d e g"], 5, 8, 16, 1)
>>> shared_with(sets[off[0]:off[1]], [sets[off[1]:off[2]]]).tolist()
[1]
"""

from __future__ import annotations

import numpy as np

from .sketch import MinHasher, batch_text_hashes, segment_positions

__all__ = [
    "BAND_BIT",
    "PARALLEL_MIN_DOCS",
    "PARALLEL_MIN_PAIRS",
    "band_keys",
    "can_fork",
    "pairs_in_runs",
    "shared_counts",
    "shared_counts_parallel",
    "shared_with",
    "sketch_parallel",
    "sketch_texts",
]

#: Band keys have the top bit set, passage keys have it clear: one key space, no clash.
BAND_BIT = np.uint64(1 << 63)
_LOW63 = np.uint64((1 << 63) - 1)
_POLY = np.uint64(0x9E3779B97F4A7C15)
#: Batches of at least this many texts are sketched in worker processes.
PARALLEL_MIN_DOCS = 4000
#: Texts are tokenised and sketched in chunks of about this many characters, which
#: bounds the memory their word tokens (Python objects) take at once.
SKETCH_CHUNK_CHARS = 4_000_000
#: At least this many candidate pairs are verified in worker processes.
PARALLEL_MIN_PAIRS = 20000


def _sorted_unique_flat(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-document sorted distinct values, flat, with new offsets."""
    counts = np.diff(offsets)
    doc = np.repeat(np.arange(len(counts), dtype=np.uint64), counts)
    key = (doc << np.uint64(40)) | (values >> np.uint64(24))
    order = np.argsort(key, kind="stable")
    vals, docs = values[order], doc[order]
    keep = np.ones(len(vals), dtype=bool)
    keep[1:] = (vals[1:] != vals[:-1]) | (docs[1:] != docs[:-1])
    vals, docs = vals[keep], docs[keep]
    bounds = np.searchsorted(docs, np.arange(len(counts) + 1, dtype=np.uint64))
    return vals, bounds.astype(np.int64)


def sketch_texts(
    texts: list[str], ngram: int, window: int, num_perm: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pure batch sketch: (shingle sets, their offsets, passage keys, offsets, signatures).

    Sets and keys are flat arrays, sorted and distinct within each text; text ``i`` owns
    ``values[offsets[i]:offsets[i + 1]]``. Picklable inputs and outputs, for workers.

    >>> sets, off, keys, koff, sigs = sketch_texts(["a b c d e f"], 5, 8, 16, 1)
    >>> off.tolist(), koff.tolist(), sigs.shape
    ([0, 2], [0, 1], (1, 16))
    """
    hasher = MinHasher(num_perm=num_perm, seed=seed)
    parts, start, chars = [], 0, 0
    for i, text in enumerate(texts):  # bounded chunks: word tokens are Python objects
        chars += len(text)
        if chars >= SKETCH_CHUNK_CHARS or i == len(texts) - 1:
            parts.append(_sketch_chunk(texts[start : i + 1], ngram, window, hasher))
            start, chars = i + 1, 0
    if not parts:
        parts.append(_sketch_chunk([], ngram, window, hasher))
    return _concat_sketches(parts)


def _sketch_chunk(texts: list[str], ngram: int, window: int, hasher: MinHasher) -> tuple:
    hashes, offsets = batch_text_hashes(texts, ngram=ngram)
    set_vals, set_off = _sorted_unique_flat(hashes, offsets)
    minima, win_off = _window_minima(hashes, offsets, window)
    key_vals, key_off = _sorted_unique_flat(minima, win_off)
    sigs = hasher.signatures([hashes[offsets[i] : offsets[i + 1]] for i in range(len(texts))])
    return set_vals, set_off, key_vals, key_off, sigs


def _concat_sketches(parts: list[tuple]) -> tuple:
    """Join sketches of consecutive batches of texts (offsets shifted)."""
    if len(parts) == 1:
        return parts[0]
    out = []
    for k in (0, 2):
        offs = [parts[0][k + 1]]
        for part in parts[1:]:
            offs.append(part[k + 1][1:] + offs[-1][-1])
        out += [np.concatenate([part[k] for part in parts]), np.concatenate(offs)]
    return (*out, np.concatenate([part[4] for part in parts]))


def can_fork() -> bool:
    """Worker processes are used only where fork is available and safe (one thread):
    other start methods re-import the caller's ``__main__``, a trap for scripts."""
    import multiprocessing as mp
    import threading

    return "fork" in mp.get_all_start_methods() and threading.active_count() == 1


def sketch_parallel(
    texts: list[str], ngram: int, window: int, num_perm: int, seed: int, workers: int
) -> tuple | None:
    """:func:`sketch_texts` split over ``workers`` forked processes; None if the pool fails."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    chunks = np.array_split(np.arange(len(texts)), workers)
    args = [([texts[i] for i in c], ngram, window, num_perm, seed) for c in chunks]
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=mp.get_context("fork")) as pool:
            futures = [pool.submit(sketch_texts, *a) for a in args[1:]]
            results = [sketch_texts(*args[0])] + [f.result() for f in futures]
    except (BrokenProcessPool, OSError):
        return None
    return _concat_sketches(results)


def _window_minima(hashes: np.ndarray, offsets: np.ndarray, window: int) -> tuple:
    """Passage keys: minimum shingle hash of each ``window`` consecutive shingles per doc."""
    counts = np.diff(offsets)
    n_win = np.where(counts >= window, counts - window + 1, np.minimum(counts, 1))
    win_off = np.concatenate(([0], np.cumsum(n_win)))
    out = np.empty(int(win_off[-1]), dtype=np.uint64)
    long_docs = np.flatnonzero(counts >= window)
    if len(long_docs) and len(hashes) >= window:
        minima = np.lib.stride_tricks.sliding_window_view(hashes, window).min(axis=1)
        lens = n_win[long_docs]
        k = segment_positions(lens)
        out[np.repeat(win_off[long_docs], lens) + k] = minima[
            np.repeat(offsets[long_docs], lens) + k
        ]
    for i in np.flatnonzero((counts > 0) & (counts < window)):
        out[win_off[i]] = hashes[offsets[i] : offsets[i + 1]].min()
    return out & _LOW63, win_off


def band_keys(sigs: np.ndarray, bands: int) -> np.ndarray:
    """One 64-bit key per (document, band), top bit set: ``uint64[n, bands]``."""
    n = len(sigs)
    rows = sigs.shape[1] // bands
    cube = sigs.reshape(n, bands, rows).astype(np.uint64)
    acc = np.arange(1, bands + 1, dtype=np.uint64)[None, :].repeat(n, axis=0)
    with np.errstate(over="ignore"):
        for r in range(rows):
            acc = acc * _POLY + cube[:, :, r]
        acc ^= acc >> np.uint64(31)
        acc *= np.uint64(0xBF58476D1CE4E5B9)
        acc ^= acc >> np.uint64(29)
    return acc | BAND_BIT


def pairs_in_runs(keys: np.ndarray, rows: np.ndarray, max_run: int | None) -> np.ndarray:
    """All ``(row_i, row_j)`` pairs that share a key, as ``int64[k, 2]`` with ``i < j``.

    ``keys`` must be sorted. Runs longer than ``max_run`` are skipped (``None``: no cap).
    """
    n = len(keys)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    lengths = np.diff(np.concatenate((starts, [n])))
    ok = lengths >= 2
    if max_run is not None:
        ok &= lengths <= max_run
    starts, lengths = starts[ok], lengths[ok]
    pos = np.repeat(starts, lengths) + segment_positions(lengths)
    run_end = np.repeat(starts + lengths, lengths)
    out = []
    d = 1
    while len(pos):
        pos_ok = pos + d < run_end
        pos, run_end = pos[pos_ok], run_end[pos_ok]
        if not len(pos):
            break
        out.append(np.stack((rows[pos], rows[pos + d]), axis=1))
        d += 1
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(out)
    pairs.sort(axis=1)
    return pairs[pairs[:, 0] != pairs[:, 1]]


def shared_with(
    a: np.ndarray, others: list[np.ndarray], lens: np.ndarray | None = None
) -> np.ndarray:
    """How many values of each sorted distinct array in ``others`` are in sorted ``a``."""
    if lens is None:
        lens = np.fromiter(map(len, others), dtype=np.int64, count=len(others))
    out = np.zeros(len(others), dtype=np.int64)
    if not len(a) or not lens.sum():
        return out
    cat = np.concatenate(others)
    idx = np.searchsorted(a, cat)
    idx[idx == len(a)] = 0
    hit = (a[idx] == cat).astype(np.int64)
    nonempty = lens > 0
    starts = np.cumsum(lens) - lens
    out[nonempty] = np.add.reduceat(hit, starts[nonempty])
    return out


def shared_counts(sets: list[np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """Exact shared-value counts of ``sets[i]`` and ``sets[j]`` for each row ``(i, j)`` of
    ``pairs`` (best sorted by ``i``: one vectorised search per distinct ``i``).

    >>> sets = [np.array(s, np.uint64) for s in ([1, 2, 3], [2, 3], [9])]
    >>> shared_counts(sets, np.array([[0, 1], [0, 2], [1, 2]])).tolist()
    [2, 0, 0]
    """
    out = np.zeros(len(pairs), dtype=np.int64)
    if not len(pairs):
        return out
    sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    bounds = (np.flatnonzero(np.diff(pairs[:, 0])) + 1).tolist()
    for lo, hi in zip([0, *bounds], [*bounds, len(pairs)]):
        rows = pairs[lo:hi, 1]
        out[lo:hi] = shared_with(sets[int(pairs[lo, 0])], [sets[r] for r in rows], sizes[rows])
    return out


_FORKED_SETS: list[np.ndarray] = []


def _shared_counts_forked(pairs: np.ndarray) -> np.ndarray:
    return shared_counts(_FORKED_SETS, pairs)


def shared_counts_parallel(sets: list[np.ndarray], pairs: np.ndarray, workers: int) -> np.ndarray:
    """:func:`shared_counts` over ``workers`` forked processes, which inherit ``sets``
    (nothing large is copied); falls back to one process if the pool fails."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _FORKED_SETS
    chunks = np.array_split(pairs, workers)
    _FORKED_SETS = sets
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=mp.get_context("fork")) as pool:
            futures = [pool.submit(_shared_counts_forked, c) for c in chunks[1:]]
            parts = [shared_counts(sets, chunks[0])] + [f.result() for f in futures]
        return np.concatenate(parts)
    except (BrokenProcessPool, OSError):
        return shared_counts(sets, pairs)
    finally:
        _FORKED_SETS = []
