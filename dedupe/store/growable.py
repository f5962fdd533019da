"""Growable numpy columns: the in-memory store's building blocks.

A :class:`Column` grows along its first axis (blocks held until it is read, then copied
into a buffer that grows by doubling: ``n`` appends cost amortised ``O(n)``); a
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
from typing import Any

import numpy as np

from ..errors import InvalidParameterError, StoreError

__all__ = ["Column", "Ragged", "SpilledColumn"]


class Column:
    """An array whose first axis grows; ``view`` is the filled part. Appended blocks are
    held as they are until the column is read: ``view`` then copies them into the buffer,
    which grows by doubling (so ``n`` appends cost amortised ``O(n)``, and pages of the
    doubled buffer not yet written are not resident). A column filled in one go and then
    read (a collection's sketches, batch after batch) is copied once, not once per batch
    and again at each doubling. Rows already filled are never written (except ``alive``
    flags, in a buffer of its own); a caller must not change an array after appending it.

    >>> col = Column(np.int64); col.append(np.array([1, 2])); col.append(np.array([3]))
    >>> len(col), int(col.last()), col.view.tolist()
    (3, 3, [1, 2, 3])
    """

    def __init__(self, dtype: type) -> None:
        self._dtype = dtype
        self._buf: np.ndarray | None = None
        self._n = 0
        self._pending: list[np.ndarray] = []  # appended, not yet in the buffer
        self._pending_n = 0

    def __len__(self) -> int:
        return self._n + self._pending_n

    def append(self, arr: np.ndarray) -> None:
        arr = np.asarray(arr, dtype=self._dtype)
        if self._buf is None and not self._pending:  # adopt the first block as it is: no
            self._buf, self._n = np.ascontiguousarray(arr), len(arr)  # copy (it is never
            return  # written in place, a later append outgrows it into a buffer of our own)
        if len(arr):
            self._pending.append(arr)
            self._pending_n += len(arr)

    def last(self) -> Any:
        """The last row (the column must not be empty), without filling the buffer."""
        if self._pending:
            return self._pending[-1][-1]
        assert self._buf is not None
        return self._buf[self._n - 1]

    @property
    def view(self) -> np.ndarray:
        if self._buf is None:
            return np.empty(0, dtype=self._dtype)
        if self._pending:
            self._settle()
        return self._buf[: self._n]

    def _settle(self) -> None:
        """Copy the blocks appended since the last read into the buffer."""
        assert self._buf is not None
        need = self._n + self._pending_n
        if need > len(self._buf):
            grown = np.empty((max(need, 2 * len(self._buf)), *self._buf.shape[1:]), self._dtype)
            grown[: self._n] = self._buf[: self._n]
            self._buf = grown
        at = self._n
        pending, self._pending, self._pending_n = self._pending[::-1], [], 0
        while pending:  # each block let go once copied: the buffer plus the blocks not
            arr = pending.pop()  # yet copied are held, not twice the column
            self._buf[at : at + len(arr)] = arr
            at += len(arr)
            del arr
        self._n = need


class Ragged:
    """A growable ragged column: row ``i`` owns ``values[offsets[i]:offsets[i + 1]]``."""

    def __init__(self, dtype: type) -> None:
        self._values = Column(dtype)
        self._offsets = Column(np.int64)
        self._offsets.append(np.zeros(1, dtype=np.int64))

    def append(self, values: np.ndarray, offsets: np.ndarray) -> None:
        base = int(self._offsets.last())
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
