"""Growable numpy columns: the in-memory store's building blocks.

A :class:`Column` grows along its first axis by doubling (so ``n`` appends cost amortised
``O(n)``, and pages of the doubled buffer not yet written are not resident); a
:class:`Ragged` column is a growable ``values``/``offsets`` pair (:mod:`dedupe.flat`); a
:class:`SpilledColumn` grows in a temporary file, read through a memory map.

>>> col = Ragged(np.uint8)
>>> col.append(np.frombuffer(b"abcde", np.uint8), np.array([0, 2, 5]))
>>> col.offsets.tolist(), bytes(col.values[2:5])
([0, 2, 5], b'cde')
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from ..errors import InvalidParameterError, StoreError

__all__ = ["Column", "Ragged", "SpilledColumn"]


class Column:
    """An array whose first axis grows by doubling; ``view`` is the filled part. Rows
    already filled are never written (except ``alive`` flags, in a buffer of its own)."""

    def __init__(self, dtype: type) -> None:
        self._dtype = dtype
        self._buf: np.ndarray | None = None
        self._n = 0

    def append(self, arr: np.ndarray) -> None:
        arr = np.asarray(arr, dtype=self._dtype)
        if self._buf is None:  # adopt the first block as it is: no copy (it is never
            self._buf, self._n = np.ascontiguousarray(arr), len(arr)  # written in place,
            return  # a later append outgrows it into a buffer of our own)
        need = self._n + len(arr)
        if need == self._n:  # nothing to add (an adopted block may be read-only)
            return
        if need > len(self._buf):
            grown = np.empty((max(need, 2 * len(self._buf)), *self._buf.shape[1:]), self._dtype)
            grown[: self._n] = self._buf[: self._n]
            self._buf = grown
        self._buf[self._n : need] = arr
        self._n = need

    @property
    def view(self) -> np.ndarray:
        if self._buf is None:
            return np.empty(0, dtype=self._dtype)
        return self._buf[: self._n]


class Ragged:
    """A growable ragged column: row ``i`` owns ``values[offsets[i]:offsets[i + 1]]``."""

    def __init__(self, dtype: type) -> None:
        self._values = Column(dtype)
        self._offsets = Column(np.int64)
        self._offsets.append(np.zeros(1, dtype=np.int64))

    def append(self, values: np.ndarray, offsets: np.ndarray) -> None:
        base = int(self._offsets.view[-1])
        self._values.append(values)
        self._offsets.append(np.asarray(offsets[1:], dtype=np.int64) + base)

    @property
    def values(self) -> np.ndarray:
        return self._values.view

    @property
    def offsets(self) -> np.ndarray:
        return self._offsets.view


class SpilledColumn:
    """A 1-D column written, as it grows, to an unnamed temporary file in ``folder`` and
    read through a memory map: its values live in the page cache, which the kernel
    writes back and drops under memory pressure, not in the process's anonymous memory.
    The file has no name (it is gone when the column and its views are), and ``view`` is
    read-only (rows filled are never written again).

    >>> import tempfile
    >>> col = SpilledColumn(np.uint32, tempfile.gettempdir())
    >>> col.append(np.array([1, 2], np.uint32)); col.append(np.array([3], np.uint32))
    >>> col.view.tolist(), col.view.flags.writeable
    ([1, 2, 3], False)
    """

    def __init__(self, dtype: type, folder: str | os.PathLike[str]) -> None:
        self._dtype = np.dtype(dtype)
        self._folder = os.fspath(folder)
        try:
            self._file = tempfile.TemporaryFile(dir=self._folder)
        except OSError as err:
            raise InvalidParameterError(
                f"spill folder {self._folder!r} cannot hold temporary files ({err.strerror}); "
                "give an existing folder you can write to"
            ) from None
        self._n = 0
        self._map: np.ndarray | None = None

    def append(self, arr: np.ndarray) -> None:
        arr = np.ascontiguousarray(arr, dtype=self._dtype)
        if arr.ndim != 1:
            raise ValueError("a spilled column holds 1-D values")
        try:
            self._file.write(arr.data.cast("B"))
        except OSError as err:
            raise StoreError(
                f"spilling to {self._folder!r} failed ({err.strerror}); free space there "
                "or give another spill folder"
            ) from None
        self._n += len(arr)
        self._map = None

    @property
    def view(self) -> np.ndarray:
        if not self._n:
            return np.empty(0, dtype=self._dtype)
        if self._map is None:
            self._file.flush()
            self._map = np.memmap(self._file, dtype=self._dtype, mode="r", shape=(self._n,))
        return self._map
