"""Document ids packed: their UTF-8 bytes end to end, and a hash table from id to row.

A live index of a million short ids held them as a Python ``list`` plus a ``dict`` of
``str`` to ``int``: about 130 bytes an id (the ``str`` object, the ``dict`` entry and the
``int``). An :class:`IdTable` keeps each id's bytes and end offset (8 bytes), and an
open-addressing table of ``int32`` rows (linear probing, at most half full: 8-16 bytes an
id), so about 25 bytes plus the id's length. Lookups and inserts run on whole batches
with numpy (a probing round per collision step, not a Python loop per id).

Rows are insertion positions and never move; :meth:`IdTable.remove` leaves a tombstone
(the row's bytes stay until the owner rebuilds the table, as the in-memory store does when
it compacts). The table hashes with Python's ``hash()`` of the id, which differs between
processes: index files keep the ids themselves, and a pickled table places its rows again
when unpickled.

>>> table = IdTable()
>>> table.add(["a", "bb", "ccc"]).tolist()
[0, 1, 2]
>>> table.find(["ccc", "zz", "a"]).tolist()
[2, -1, 0]
>>> table.remove(["bb"]).tolist(), table.find(["bb"]).tolist(), len(table)
([1], [-1], 2)
>>> table.id_of([2, 0])
['ccc', 'a']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import StoreError
from ..flat import offsets_of, take
from .growable import Ragged

__all__ = ["IdTable"]

_EMPTY = -1  # a slot never used
_GONE = -2  # a slot whose id was removed (probing goes on past it)
_MIN_SLOTS = 16
_FEW = 8
#: Rows are ``int32`` in the table: at most this many ids are ever added to one table.
MAX_ROWS = 2**31 - 1


def _encoded(ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The ids' UTF-8 bytes end to end, and their offsets."""
    parts = [d.encode("utf-8", "surrogatepass") for d in ids]
    lens = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    return np.frombuffer(b"".join(parts), dtype=np.uint8), offsets_of(lens)


def _hashes(ids: Sequence[str]) -> np.ndarray:
    return np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids)).view(np.uint64)


class IdTable:
    """Ids by row and rows by id (see the module docstring)."""

    def __init__(self) -> None:
        self._bytes = Ragged(np.uint8)
        self._slots = np.full(_MIN_SLOTS, _EMPTY, dtype=np.int32)
        self._used = 0  # slots not empty (live ids and tombstones)
        self._live = 0

    def __len__(self) -> int:
        """The ids added and not removed."""
        return self._live

    def __getstate__(self) -> dict:
        """Pickled without its slots: ``hash()`` of a ``str`` differs between processes,
        so an unpickled table places its live rows again (:meth:`__setstate__`)."""
        state = dict(self.__dict__)
        state["_slots"] = np.sort(self._slots[self._slots >= 0])  # the live rows
        return state

    def __setstate__(self, state: dict) -> None:
        live = state.pop("_slots").astype(np.int64)
        self.__dict__.update(state)
        self._slots = np.full(_MIN_SLOTS, _EMPTY, dtype=np.int32)
        self._used = 0
        self._rehash(len(live), live)

    @property
    def rows(self) -> int:
        """Every row ever added (removed ones included): the next row's number."""
        return len(self._bytes.offsets) - 1

    def id_of(self, rows: Sequence[int] | np.ndarray) -> list[str]:
        """The ids of ``rows`` (removed rows too: their bytes stay)."""
        rows = np.asarray(rows, dtype=np.int64)
        values, offsets = take(self._bytes.values, self._bytes.offsets, rows)
        blob = values.tobytes()
        ends = offsets.tolist()
        return [blob[a:b].decode("utf-8", "surrogatepass") for a, b in zip(ends, ends[1:])]

    def find(self, ids: Sequence[str]) -> np.ndarray:
        """The row of each id (``int64``), ``-1`` where it is not in the table."""
        if len(ids) <= _FEW:  # a few ids: a plain loop beats numpy's per-call overhead
            return np.array([self._find_one(d) for d in ids], dtype=np.int64)
        return self._probe(ids, *_encoded(ids), _hashes(ids))[0]

    def _find_one(self, doc_id: str) -> int:
        mask = len(self._slots) - 1
        pos, wanted = hash(doc_id) & mask, doc_id.encode("utf-8", "surrogatepass")
        slots, ends, values = self._slots, self._bytes.offsets, self._bytes.values
        while True:
            row = int(slots[pos])
            if row == _EMPTY:
                return -1
            if row >= 0 and values[ends[row] : ends[row + 1]].tobytes() == wanted:
                return row
            pos = (pos + 1) & mask

    def _probe(
        self, ids: Sequence[str], blob: np.ndarray, offsets: np.ndarray, hashes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, slots)`` of ``ids`` (``-1``, and the empty slot probing stopped at,
        where absent)."""
        n = len(ids)
        found = np.full(n, -1, dtype=np.int64)
        where = np.empty(n, dtype=np.int64)
        mask = np.uint64(len(self._slots) - 1)
        pos = (hashes & mask).astype(np.int64)
        pending = np.arange(n, dtype=np.int64)
        stored_ends = self._bytes.offsets
        while len(pending):
            slot = self._slots[pos[pending]]
            empty = slot == _EMPTY
            where[pending[empty]] = pos[pending[empty]]
            live = np.flatnonzero(slot >= 0)
            if len(live):
                q, r = pending[live], slot[live].astype(np.int64)
                same = self._same(blob, offsets, q, r, stored_ends)
                found[q[same]] = r[same]
                where[q[same]] = pos[q[same]]
                done = np.zeros(len(pending), dtype=bool)
                done[live[same]] = True
                done |= empty
            else:
                done = empty
            pending = pending[~done]
            pos[pending] = (pos[pending] + 1) & int(mask)
        return found, where

    def _same(
        self,
        blob: np.ndarray,
        offsets: np.ndarray,
        q: np.ndarray,
        r: np.ndarray,
        stored_ends: np.ndarray,
    ) -> np.ndarray:
        """Whether query id ``q[i]`` (in ``blob``) is stored row ``r[i]``, byte for byte."""
        q_len = offsets[q + 1] - offsets[q]
        same = q_len == stored_ends[r + 1] - stored_ends[r]
        check = np.flatnonzero(same)
        if len(check):
            mine = take(blob, offsets, q[check])[0]
            theirs = take(self._bytes.values, stored_ends, r[check])[0]
            pair = np.repeat(np.arange(len(check)), q_len[check])
            differs = np.bincount(pair[mine != theirs], minlength=len(check)) > 0
            same[check[differs]] = False
        return same

    def add(self, ids: Sequence[str]) -> np.ndarray:
        """Add ``ids`` (distinct, none in the table: the caller checks) as the next rows;
        their rows."""
        blob, offsets = _encoded(ids)
        start = self.rows
        if start + len(ids) > MAX_ROWS:
            raise StoreError(
                f"an in-memory index holds at most {MAX_ROWS:,} documents over its life; "
                "save it and load it again (loading renumbers its rows), or use RedisStore "
                "or dedupe.spark"
            )
        self._bytes.append(blob, offsets)
        self._live += len(ids)
        if 2 * (self._used + len(ids)) > len(self._slots):
            self._rehash(self._live)  # the live ids, the new ones included
        rows = np.arange(start, start + len(ids), dtype=np.int64)
        self._insert(rows, _hashes(ids))
        return rows

    def _insert(self, rows: np.ndarray, hashes: np.ndarray) -> None:
        """Put ``rows`` (absent) into free slots: probing from each hash, the first of the
        batch to reach a free slot takes it."""
        mask = len(self._slots) - 1
        pos = (hashes & np.uint64(mask)).astype(np.int64)
        pending = np.arange(len(rows), dtype=np.int64)
        while len(pending):
            p = pos[pending]
            free = self._slots[p] < 0
            taken, first = np.unique(p[free], return_index=True)
            winners = pending[free][first]
            self._used += int((self._slots[taken] == _EMPTY).sum())
            self._slots[taken] = rows[winners]
            placed = np.zeros(len(pending), dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            pending = pending[~placed]
            pos[pending] = (pos[pending] + 1) & mask

    def _rehash(self, needed: int, rows: np.ndarray | None = None) -> None:
        """A new table at most a quarter full with ``needed`` ids (tombstones dropped),
        holding the live rows (``rows`` when given)."""
        size = _MIN_SLOTS
        while size < 4 * needed:
            size *= 2
        if rows is None:
            rows = np.sort(self._slots[self._slots >= 0]).astype(np.int64)
        self._slots = np.full(size, _EMPTY, dtype=np.int32)
        self._used = 0
        self._insert(rows, _hashes(self.id_of(rows)))

    def remove(self, ids: Sequence[str]) -> np.ndarray:
        """Remove ``ids`` (each once, however often given) and return their rows; an id
        not in the table raises ``KeyError`` naming it, before anything is removed."""
        ids = list(dict.fromkeys(ids))
        rows, slots = self._probe(ids, *_encoded(ids), _hashes(ids))
        if (rows < 0).any():
            raise KeyError(ids[int(np.flatnonzero(rows < 0)[0])])
        self._slots[slots] = _GONE
        self._live -= len(rows)
        return rows
