"""The in-memory store: plain growable numpy columns and sorted postings.

Rows are positions in insertion order. Removal marks a row dead; when a quarter of the
rows are dead the columns are compacted (the rows after a removed one move up).

Columns are 32-bit (passage keys, band keys); shingle fingerprint sets are packed in about
3.2 bytes a value (:mod:`dedupe.packing`) and decoded when fetched. The first block put
into an empty store is adopted as it is (no copy: a memory-mapped index file stays mapped,
its sets too).

Query postings are built on the first query (or adopted from an index file that keeps
them, :meth:`~dedupe.store.MemoryStore.adopt_postings`): two sorted runs of ``key << 32 | row``
(8 bytes an entry), a large one and a small recent one that is folded into the large one
when it passes a quarter of its size, so a stream of add-then-query costs amortised
``O(log n)`` per key, not a full re-sort.

>>> from dedupe.sketch import sketch_texts
>>> from dedupe.sketch import band_keys
>>> sk = sketch_texts(["a b c d e f", "x y z"], ngram=5, window=8, num_perm=8, seed=1)
>>> store = MemoryStore()
>>> store.put(["a", "b"], sk, band_keys(sk.signatures, 2), np.full(2, np.nan))
>>> store.lookup(band_keys(sk.signatures, 2)[1], np.full(2, 10)).rows.tolist()
[1, 1]
>>> store.drop(["a"]); store.ids(), len(store), "a" in store
(['b'], 1, False)
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import UnknownIdError
from ..flat import offsets_of, row_ids, segment_positions, take
from ..packing import pack, unpack
from ..params import IndexParams, Thresholds
from ..sketch import Sketch
from .base import Columns, Fetched, Hits, check_new_ids

__all__ = ["MemoryStore", "posting_entries"]

_EMPTY_RUN = np.empty(0, dtype=np.uint64)
#: Postings are folded under this lock: a save and a query in two threads (or two saves)
#: must not fold the same new rows twice.
_POSTINGS_LOCK = threading.RLock()
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)


class _Column:
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


class _Ragged:
    """A growable ragged column: row ``i`` owns ``values[offsets[i]:offsets[i + 1]]``."""

    def __init__(self, dtype: type) -> None:
        self._values = _Column(dtype)
        self._offsets = _Column(np.int64)
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


class _Sets:
    """A growable column of sorted ``uint32`` sets, packed (:mod:`dedupe.packing`: about
    3.2 bytes a value, not 4) when ``packed``. Sets come first plain when not ``packed``,
    and a first block that is read-only (a memory-mapped index file) is adopted plain (no
    copy: it stays mapped); rows after it are packed."""

    def __init__(self, packed: bool) -> None:
        self._packed = packed
        self._plain = _Column(np.uint32)
        self._plain_rows = 0
        self._offsets = _Column(np.int64)  # every row's value offsets, plain rows first
        self._offsets.append(np.zeros(1, dtype=np.int64))
        self._low = _Column(np.uint8)
        self._high = _Column(np.uint8)
        self._high_offsets = _Column(np.int64)
        self._high_offsets.append(np.zeros(1, dtype=np.int64))

    def append(self, values: np.ndarray, offsets: np.ndarray) -> None:
        base = int(self._offsets.view[-1])
        values = np.asarray(values)[offsets[0] : offsets[-1]]
        mapped = len(self._offsets.view) == 1 and not values.flags.writeable  # the first rows
        if mapped or not self._packed:
            self._plain.append(values)
            self._plain_rows += len(offsets) - 1
        else:
            low, high, high_lens = pack(values, offsets - offsets[0])
            self._low.append(low)
            self._high.append(high)
            self._high_offsets.append(np.cumsum(high_lens) + self._high_offsets.view[-1])
        self._offsets.append(np.asarray(offsets[1:] - offsets[0], dtype=np.int64) + base)

    @property
    def offsets(self) -> np.ndarray:
        return self._offsets.view

    def all(self) -> tuple[np.ndarray, np.ndarray]:
        """Every set: a view when all are plain (a mapped file), else decoded."""
        if self._plain_rows == len(self.offsets) - 1:
            return self._plain.view, self.offsets
        return self.take(np.arange(len(self.offsets) - 1))

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sets of ``rows`` (in that order), decoded: as :func:`dedupe.flat.take`."""
        rows = np.asarray(rows, dtype=np.int64)
        plain = rows < self._plain_rows
        if plain.all():
            return take(self._plain.view, self.offsets[: self._plain_rows + 1], rows)
        offsets = self.offsets[self._plain_rows :] - self.offsets[self._plain_rows]
        packed = self._low.view, self._high.view, offsets, self._high_offsets.view
        if not plain.any():
            return unpack(*packed, rows - self._plain_rows)
        lens = self.offsets[rows + 1] - self.offsets[rows]
        out = np.empty(int(lens.sum()), dtype=np.uint32)
        in_plain = np.repeat(plain, lens)
        out[in_plain] = take(self._plain.view, self.offsets[: self._plain_rows + 1], rows[plain])[0]
        out[~in_plain] = unpack(*packed, rows[~plain] - self._plain_rows)[0]
        return out, offsets_of(lens)


class MemoryStore:
    """Documents in this process's memory (see the module docstring). With
    ``pack_sets=False`` shingle sets are kept as plain ``uint32`` (4 bytes a value, no
    packing and decoding: for a collection held only while it is compared, as
    :func:`~dedupe.find_duplicates` does)."""

    def __init__(self, *, pack_sets: bool = True) -> None:
        self._meta: tuple[IndexParams, Thresholds] | None = None
        self._pack_sets = pack_sets
        self._reset()

    def _reset(self) -> None:
        self._ids: list[str | None] = []
        self._row: dict[str, int] = {}
        self._alive = _Column(np.bool_)
        self._times = _Column(np.float64)
        self._bands = _Column(np.uint32)
        self._sets = _Sets(self._pack_sets)
        self._keys = _Ragged(np.uint32)
        self._texts = _Ragged(np.uint8)  # fuzzy words, in a fuzzy index
        self._metadata: dict[str, dict[str, str]] = {}  # of the ids that have some
        self._postings = [_EMPTY_RUN, _EMPTY_RUN]
        self._posted = 0  # rows below this are in the postings

    @classmethod
    def from_columns(cls, columns: Columns) -> MemoryStore:
        """A store holding ``columns`` (as :meth:`columns` returns them)."""
        store = cls()
        store.put(
            columns.ids,
            columns.sketch,
            columns.band_keys,
            columns.timestamps,
            metadata=columns.metadata,
        )
        return store

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row

    def __repr__(self) -> str:
        return f"MemoryStore({len(self)} documents)"

    def ids(self) -> list[str]:
        return [d for d in self._ids if d is not None]

    def contains_many(self, ids: Sequence[str]) -> np.ndarray:
        return np.fromiter((d in self._row for d in ids), dtype=bool, count=len(ids))

    def meta(self) -> tuple[IndexParams, Thresholds] | None:
        return self._meta

    def record_meta(
        self, params: IndexParams, thresholds: Thresholds
    ) -> tuple[IndexParams, Thresholds]:
        if self._meta is None:
            self._meta = (params, thresholds)
        return self._meta

    def metadata(self, ids: Sequence[str]) -> list[dict[str, str] | None]:
        return [dict(self._metadata.get(d, {})) if d in self._row else None for d in ids]

    def _alive_rows(self) -> np.ndarray:
        return np.flatnonzero(self._alive.view)

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        try:
            return np.fromiter((self._row[d] for d in ids), dtype=np.int64, count=len(ids))
        except KeyError as err:
            raise UnknownIdError(f"no document with id {err.args[0]!r} in the index") from None

    def fetch(self, rows: np.ndarray) -> Fetched:
        rows = np.asarray(rows, dtype=np.int64)
        offsets = self._keys.offsets
        return Fetched(
            [self._ids[r] for r in rows.tolist()],
            *self._sets.take(rows),
            offsets[rows + 1] - offsets[rows],
            *self._take_texts(rows),
        )

    def _take_texts(self, rows: np.ndarray | None) -> tuple[np.ndarray | None, ...]:
        """The fuzzy words of ``rows`` (all rows: ``None``), when the store keeps them."""
        if len(self._texts.offsets) == 1:  # no fuzzy words kept
            return None, None
        if rows is None:
            return self._texts.values, self._texts.offsets
        return take(self._texts.values, self._texts.offsets, rows)

    def columns(self) -> Columns:
        if len(self) == len(self._ids):  # nothing removed: views, no copy (but the sets)
            return Columns(
                list(self._ids),  # type: ignore[arg-type]
                self._times.view,
                Sketch(
                    *self._sets.all(),
                    self._keys.values,
                    self._keys.offsets,
                    None,
                    *self._take_texts(None),
                ),
                self._bands.view,
                dict(self._metadata),
            )
        rows = self._alive_rows()
        return Columns(
            self.ids(),
            self._times.view[rows],
            Sketch(
                *self._sets.take(rows),
                *take(self._keys.values, self._keys.offsets, rows),
                None,
                *self._take_texts(rows),
            ),
            self._bands.view[rows],
            dict(self._metadata),
        )

    def lookup(self, keys: np.ndarray, max_df: np.ndarray) -> Hits:
        self._refresh_postings()
        keys = np.asarray(keys, dtype=np.uint64)
        n = len(keys)
        idx_parts, row_parts = [], []
        runs = [run for run in self._postings if len(run)]
        for run in runs:  # each run sorted: a key's rows ascend
            lo = np.searchsorted(run, keys << _SHIFT, "left")
            lens = np.searchsorted(run, (keys << _SHIFT) | _LOW32, "right") - lo
            pos = np.repeat(lo, lens) + segment_positions(lens)
            idx_parts.append(np.repeat(np.arange(n, dtype=np.int64), lens))
            row_parts.append((run[pos] & _LOW32).astype(np.int64))
        if len(runs) == 1:  # grouped by key already
            key_index, rows = idx_parts[0], row_parts[0]
        else:
            key_index = np.concatenate(idx_parts or [np.zeros(0, dtype=np.int64)])
            rows = np.concatenate(row_parts or [np.zeros(0, dtype=np.int64)])
            order = np.lexsort((rows, key_index))  # by key, earliest row first
            key_index, rows = key_index[order], rows[order]
        if len(self._row) < len(self._ids):  # removed rows linger in the postings
            live = self._alive.view[rows]
            key_index, rows = key_index[live], rows[live]
        df = np.bincount(key_index, minlength=n).astype(np.int64, copy=False)
        over = df > np.asarray(max_df)
        if over.any():  # those keys keep their earliest row only
            first = np.ones(len(rows), dtype=bool)
            first[1:] = key_index[1:] != key_index[:-1]
            keep = first | ~over[key_index]
            key_index, rows = key_index[keep], rows[keep]
        keys_off, sets_off = self._keys.offsets, self._sets.offsets
        return Hits(
            df,
            key_index,
            rows,
            keys_off[rows + 1] - keys_off[rows],
            sets_off[rows + 1] - sets_off[rows],
        )

    def newest(self) -> float:
        times = self._times.view[self._alive.view] if len(self._ids) else np.zeros(0)
        return float(np.nanmax(times)) if np.isfinite(times).any() else float("nan")

    # ------------------------------------------------------------------ writing
    def evict(self, before: float) -> list[str]:
        if not len(self._ids):
            return []
        old = np.flatnonzero(self._alive.view & (self._times.view < before))
        ids: list[str] = [self._ids[r] for r in old.tolist()]
        if ids:
            self.drop(ids)
        return ids

    def put(
        self,
        ids: Sequence[str],
        sketch: Sketch,
        band_keys: np.ndarray,
        timestamps: np.ndarray,
        *,
        replace: bool = True,
        metadata: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        ids = list(ids)
        check_new_ids(ids, [d in self._row for d in ids], replace=replace)
        for doc_id in ids:
            if doc_id in self._row:
                self._drop(doc_id)
        start = len(self._ids)
        self._ids.extend(ids)
        self._row.update(zip(ids, range(start, start + len(ids))))
        self._alive.append(np.ones(len(ids), dtype=bool))
        self._times.append(timestamps)
        self._bands.append(band_keys)
        self._sets.append(sketch.set_values, sketch.set_offsets)
        self._keys.append(sketch.key_values, sketch.key_offsets)
        if sketch.text_values is not None and sketch.text_offsets is not None:
            self._texts.append(sketch.text_values, sketch.text_offsets)
        if metadata:
            batch = set(ids)
            self._metadata.update({d: dict(f) for d, f in metadata.items() if f and d in batch})
        self._maybe_compact()

    def drop(self, ids: Sequence[str]) -> None:
        self.rows(ids)  # every id known, before anything changes
        for doc_id in ids:
            self._drop(doc_id)
        self._maybe_compact()

    def _drop(self, doc_id: str) -> None:
        row = self._row.pop(doc_id)
        self._metadata.pop(doc_id, None)
        self._ids[row] = None
        self._alive.view[row] = False

    def _maybe_compact(self) -> None:
        dead = len(self._ids) - len(self._row)
        if 4 * dead > len(self._ids) + 64:
            columns = self.columns()
            self._reset()
            self.put(
                columns.ids,
                columns.sketch,
                columns.band_keys,
                columns.timestamps,
                metadata=columns.metadata,
            )

    # ------------------------------------------------------------------ postings
    def _refresh_postings(self) -> None:
        """Fold rows added since the last refresh into the query postings."""
        with _POSTINGS_LOCK:
            self._fold_postings()

    def _fold_postings(self) -> None:
        total = len(self._ids)
        if self._posted == total:
            return
        offsets = self._keys.offsets
        lo, hi = offsets[self._posted], offsets[total]
        entries = posting_entries(
            self._bands.view[self._posted : total],
            self._keys.values[lo:hi],
            offsets[self._posted : total + 1] - lo,
            first_row=self._posted,
        )
        big, small = self._postings
        small = np.sort(np.concatenate((small, entries)))
        if not len(big):  # the first fold: one sort, not two
            self._postings = [small, _EMPTY_RUN]
        elif len(small) > max(65536, len(big) // 4):
            self._postings = [np.sort(np.concatenate((big, small))), _EMPTY_RUN]
        else:
            self._postings = [big, small]
        self._posted = total

    def sorted_postings(self) -> np.ndarray | None:
        """Every row's postings as one sorted run (``key << 32 | row``), as an index file
        keeps them; ``None`` when removed rows still hold row numbers (the file renumbers
        its rows: build them from :meth:`columns` then)."""
        if len(self._row) != len(self._ids):
            return None
        with _POSTINGS_LOCK:
            self._fold_postings()
            big, small = self._postings
            if len(small):
                self._postings = [np.sort(np.concatenate((big, small))), _EMPTY_RUN]
            return self._postings[0]

    def adopt_postings(self, postings: np.ndarray) -> None:
        """Take ``postings`` (one sorted run of every row's entries, checked by the
        caller, e.g. read from an index file) instead of building them on the first
        query. Only right after the first ``put`` into an empty store."""
        if self._posted or len(self._row) != len(self._ids):
            raise ValueError("postings are adopted only by a store holding just its first put")
        self._postings = [postings, _EMPTY_RUN]
        self._posted = len(self._ids)


def posting_entries(
    bands: np.ndarray, key_values: np.ndarray, key_offsets: np.ndarray, *, first_row: int = 0
) -> np.ndarray:
    """The postings ``key << 32 | row`` (``uint64``, unsorted) of consecutive rows from
    ``first_row``: each row's band keys, then its passage keys.

    >>> posting_entries(np.array([[5], [6]]), np.array([7, 8, 9]), np.array([0, 2, 3])).tolist()
    [21474836480, 25769803777, 30064771072, 34359738368, 38654705665]
    """
    bands = np.asarray(bands)
    n = len(key_offsets) - 1
    new = np.arange(first_row, first_row + n, dtype=np.uint64)
    keys = np.concatenate((bands.ravel(), key_values)).astype(np.uint64)
    rows = np.concatenate(
        (
            np.repeat(new, bands.shape[1] if bands.ndim == 2 else 0),
            np.uint64(first_row) + row_ids(key_offsets).astype(np.uint64),
        )
    )
    return (keys << np.uint64(32)) | rows
