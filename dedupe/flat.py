"""Ragged arrays as two flat numpy arrays: ``values`` and ``offsets``.

Row ``i`` owns ``values[offsets[i]:offsets[i + 1]]``. Every pipeline stage passes its
per-document data in this form, so batches cross process boundaries (and Spark, and Redis)
as a few plain arrays instead of lists of small arrays.

>>> values, offsets = concat([(np.array([1, 2]), np.array([0, 1, 2])),
...                          (np.array([7]), np.array([0, 0, 1]))])
>>> offsets.tolist(), take(values, offsets, np.array([3, 0]))[0].tolist()
([0, 1, 2, 2, 3], [7, 1])
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Sequence

import numpy as np

__all__ = [
    "concat",
    "concat_arrays",
    "concat_offsets",
    "lengths",
    "offsets_of",
    "release_freed",
    "reuse_freed",
    "row_chunks",
    "row_ids",
    "segment_positions",
    "sorted_unique",
    "take",
]


def offsets_of(lens: np.ndarray) -> np.ndarray:
    """Offsets (``int64[n + 1]``, from 0) of rows with the given lengths.

    >>> offsets_of(np.array([2, 0, 3])).tolist()
    [0, 2, 2, 5]
    """
    out = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=out[1:])
    return out


def lengths(offsets: np.ndarray) -> np.ndarray:
    """Row lengths of an offsets array.

    >>> lengths(np.array([0, 2, 2, 5])).tolist()
    [2, 0, 3]
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    return offsets[1:] - offsets[:-1]  # np.diff, without its overhead (a query calls it often)


def segment_positions(lens: np.ndarray) -> np.ndarray:
    """``0 .. n-1`` for each segment length ``n``, concatenated.

    >>> segment_positions(np.array([3, 0, 2])).tolist()
    [0, 1, 2, 0, 1]
    """
    lens = np.asarray(lens, dtype=np.int64)
    return np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)


def row_ids(offsets: np.ndarray) -> np.ndarray:
    """The row of every value: ``int64[offsets[-1]]``.

    >>> row_ids(np.array([0, 2, 2, 3])).tolist()
    [0, 0, 2]
    """
    lens = lengths(offsets)
    return np.repeat(np.arange(len(lens), dtype=np.int64), lens)


def take(
    values: np.ndarray, offsets: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``rows`` (in that order, repeats allowed) as a new ragged array.

    >>> v, o = take(np.array([5, 6, 7]), np.array([0, 2, 3]), np.array([1, 1]))
    >>> v.tolist(), o.tolist()
    ([7, 7], [0, 1, 2])
    """
    rows = np.asarray(rows, dtype=np.int64)
    starts = offsets[rows]
    lens = offsets[rows + 1] - starts
    new_offsets = offsets_of(lens)
    out = np.empty(int(new_offsets[-1]), dtype=values.dtype)
    shift = starts - new_offsets[:-1]  # value j of the result is values[j + shift[row]]
    # TAKE_CHUNK values at a time: the gather's index never holds more (8 bytes each)
    for lo, hi in row_chunks(new_offsets, TAKE_CHUNK):
        a, b = int(new_offsets[lo]), int(new_offsets[hi])
        index = np.repeat(shift[lo:hi], lens[lo:hi])
        index += np.arange(a, b)
        out[a:b] = values[index]
    return out, new_offsets


#: :func:`take` gathers this many values at a time.
TAKE_CHUNK = 1 << 22


def row_chunks(offsets: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Consecutive row ranges ``[lo, hi)`` covering every row that holds values, a new
    range starting at the row that holds each ``size``-th value: work done a range at a
    time holds about ``size`` values (a row is never split).

    >>> row_chunks(np.array([0, 2, 2, 5, 6]), 3)
    [(0, 2), (2, 4)]
    >>> row_chunks(np.array([0, 9, 10]), 2)  # a row longer than size: no empty range
    [(0, 2)]
    """
    total = int(offsets[-1])
    cuts = np.searchsorted(offsets, np.arange(0, total, size), side="right") - 1
    cuts = sorted_unique(cuts)  # a row longer than size is one range, not several
    return list(zip(cuts.tolist(), [*cuts[1:].tolist(), len(offsets) - 1]))


def concat(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of several ragged arrays, one after the other.

    >>> v, o = concat([(np.array([1]), np.array([0, 1])), (np.array([2, 3]), np.array([0, 2]))])
    >>> v.tolist(), o.tolist()
    ([1, 2, 3], [0, 1, 3])
    """
    if len(parts) == 1:
        return parts[0]
    return concat_arrays([v for v, _ in parts]), concat_offsets([o for _, o in parts])


def concat_offsets(offsets: Sequence[np.ndarray]) -> np.ndarray:
    """The offsets of several ragged arrays put one after the other.

    >>> concat_offsets([np.array([0, 2]), np.array([0, 1, 3])]).tolist()
    [0, 2, 3, 5]
    """
    out = [np.zeros(1, dtype=np.int64)]
    base = 0
    for o in offsets:
        out.append(np.asarray(o[1:], dtype=np.int64) + base)
        base += int(o[-1])
    return np.concatenate(out)


def concat_arrays(arrays: list[np.ndarray | None]) -> np.ndarray:
    """``np.concatenate(arrays)``, dropping each input from the list once copied, so that
    the peak memory is the result plus one input, not twice the result.

    >>> parts = [np.array([1, 2]), np.array([3])]
    >>> concat_arrays(parts).tolist(), parts
    ([1, 2, 3], [None, None])
    """
    first = next(a for a in arrays if a is not None)
    total = sum(len(a) for a in arrays if a is not None)
    out = np.empty((total, *first.shape[1:]), dtype=first.dtype)
    at = freed = 0
    for i, a in enumerate(arrays):
        if a is not None:
            out[at : at + len(a)] = a
            at += len(a)
            freed += a.nbytes
            arrays[i] = a = None
            if freed >= RELEASE_BYTES:
                release_freed()
                freed = 0
    if freed >= RELEASE_BYTES // 16:
        release_freed()
    return out


#: :func:`concat_arrays` hands freed memory back to the system every this many bytes.
RELEASE_BYTES = 1 << 28


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    """glibc, or ``None`` (macOS and musl have neither ``mallopt`` nor ``malloc_trim``)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "mallopt") else None


#: glibc ``mallopt`` parameters (``malloc.h``).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: A worker process keeps up to this much freed memory at the top of its heap for reuse.
WORKER_TRIM_BYTES = 256 << 20
#: ...and takes blocks below this size (glibc's largest allowed) from its heap.
WORKER_MMAP_BYTES = 32 << 20


def reuse_freed() -> None:
    """Make this (short-lived worker) process keep the memory it frees for its next
    allocations instead of returning it to the system at once.

    By default glibc gives large freed blocks back, so a worker that sketches chunk
    after chunk faults in fresh zeroed pages for every temporary array (a third of its
    time went to the kernel). Kept blocks are reused; the process's memory is its own
    high-water mark plus at most ``WORKER_TRIM_BYTES`` (256 MiB), freed when it exits. A
    no-op where the C library is not glibc.

    >>> reuse_freed()
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_TRIM_THRESHOLD, WORKER_TRIM_BYTES)
        libc.mallopt(_M_MMAP_THRESHOLD, WORKER_MMAP_BYTES)


def release_freed() -> None:
    """Give memory freed by this process back to the system, where the C library keeps it.

    glibc keeps freed blocks of a few megabytes (the parts of a batch, once copied into
    the whole) in its heap for reuse; the process's resident memory then holds the parts
    and the whole at once. ``malloc_trim`` returns them. Elsewhere this does nothing.

    >>> release_freed()
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values, by sorting (numpy 2's ``np.unique`` hashes integer arrays,
    which is many times slower on large ones).

    >>> sorted_unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    out = np.sort(np.asarray(values).ravel())
    if len(out) > 1:
        keep = np.empty(len(out), dtype=bool)  # cheaper than concatenating a mask
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out
