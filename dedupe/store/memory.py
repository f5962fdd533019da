"""The in-memory store: plain growable numpy columns and sorted postings.

Rows are positions in insertion order. Removal marks a row dead; when a quarter of the
rows are dead the columns are compacted (the rows after a removed one move up).

Shingle fingerprint sets and passage keys (both sorted distinct ``uint32`` rows) are packed
in about 3.2 and 3.4 bytes a value (:mod:`dedupe.packing`) and decoded when fetched. Band
keys are not kept once the store knows its parameters and their hash scheme signs cheaply
(:func:`dedupe.sketch.signs_cheaply`): they are recomputed from the sets when the query
postings are built or the columns are read (:func:`dedupe.sketch.set_band_keys`, equal to
those put). The first block put into an empty store is adopted as it is (no copy: a
memory-mapped index file stays mapped, its sets, keys and band keys too).

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

import os
import threading
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import InvalidParameterError, UnknownIdError
from ..flat import offsets_of, row_ids, segment_positions, take
from ..packing import pack, unpack
from ..params import IndexParams, Thresholds
from ..sketch import Sketch, set_band_keys, signs_cheaply
from .base import Columns, Fetched, Hits, check_new_ids
from .growable import Column, Ragged, SpilledColumn
from .ids import IdTable

__all__ = ["MemoryStore", "posting_entries"]

_EMPTY_RUN = np.empty(0, dtype=np.uint64)
#: Postings are folded under this lock: a save and a query in two threads (or two saves)
#: must not fold the same new rows twice.
_POSTINGS_LOCK = threading.RLock()
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
#: Band keys are recomputed (and postings built) this many rows at a time: the decoded sets
#: of a chunk are the scratch (about 2.4 KB a news article).
BAND_CHUNK_ROWS = 16384


class _Sets:
    """A growable column of sorted distinct ``uint32`` rows (shingle sets, passage keys),
    packed (:mod:`dedupe.packing`: about 3.2 bytes a value, not 4) when ``packed``. Rows
    are plain when not ``packed``, and a first block that is read-only (a memory-mapped
    index file) is adopted plain (no copy: it stays mapped); rows after it are packed."""

    def __init__(self, packed: bool, spill: str | os.PathLike[str] | None = None) -> None:
        self._packed = packed
        self._plain: Column | SpilledColumn = (
            Column(np.uint32) if spill is None else SpilledColumn(np.uint32, spill)
        )
        self._plain_rows = 0
        self._offsets = Column(np.int64)  # every row's value offsets, plain rows first
        self._offsets.append(np.zeros(1, dtype=np.int64))
        self._low = Column(np.uint8)
        self._high = Column(np.uint8)
        self._high_offsets = Column(np.int64)
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
    ``pack_sets=False`` shingle sets and passage keys are kept as plain ``uint32`` (4
    bytes a value, no packing and decoding) and band keys as they were put: for a
    collection held only while it is compared, as :func:`~dedupe.find_duplicates` does.
    With ``spill`` (a folder; plain sets only) the sets and passage keys are written to
    unnamed temporary files there as they come, and read through memory maps
    (``dedupe.store.growable.SpilledColumn``)."""

    def __init__(
        self, *, pack_sets: bool = True, spill: str | os.PathLike[str] | None = None
    ) -> None:
        if spill is not None and pack_sets:
            raise InvalidParameterError("spill keeps sets plain: pass pack_sets=False with it")
        self._meta: tuple[IndexParams, Thresholds] | None = None
        self._pack_sets = pack_sets
        self._spill = spill
        self._reset()

    def _reset(self) -> None:
        self._ids = IdTable()
        self._alive = Column(np.bool_)
        self._times = Column(np.float64)
        self._bands = Column(np.uint32)  # the first _band_rows rows' band keys
        self._band_rows = 0
        self._sets = _Sets(self._pack_sets, self._spill)
        self._keys = _Sets(self._pack_sets, self._spill)
        self._texts = Ragged(np.uint8)  # fuzzy words, in a fuzzy index
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
        return len(self._ids)

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and bool(self._ids.find([doc_id])[0] >= 0)

    def __repr__(self) -> str:
        return f"MemoryStore({len(self)} documents)"

    def ids(self) -> list[str]:
        return self._ids.id_of(self._alive_rows())

    def contains_many(self, ids: Sequence[str]) -> np.ndarray:
        return self._ids.find(ids) >= 0

    def meta(self) -> tuple[IndexParams, Thresholds] | None:
        return self._meta

    def record_meta(
        self, params: IndexParams, thresholds: Thresholds
    ) -> tuple[IndexParams, Thresholds]:
        if self._meta is None:
            self._meta = (params, thresholds)
        return self._meta

    def metadata(self, ids: Sequence[str]) -> list[dict[str, str] | None]:
        known = self.contains_many(ids).tolist()
        return [dict(self._metadata.get(d, {})) if k else None for d, k in zip(ids, known)]

    def _alive_rows(self) -> np.ndarray:
        return np.flatnonzero(self._alive.view)

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        rows = self._ids.find(ids)
        if (rows < 0).any():
            missing = ids[int(np.flatnonzero(rows < 0)[0])]
            raise UnknownIdError(f"no document with id {missing!r} in the index")
        return rows

    def fetch(self, rows: np.ndarray) -> Fetched:
        rows = np.asarray(rows, dtype=np.int64)
        offsets = self._keys.offsets
        return Fetched(
            self._ids.id_of(rows),
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
        if len(self) == self._ids.rows:  # nothing removed: views, no copy (but sets, keys)
            rows = np.arange(len(self))
            sets = self._sets.all()
            return Columns(
                self._ids.id_of(rows),
                self._times.view,
                Sketch(*sets, *self._keys.all(), None, *self._take_texts(None)),
                self._band_keys(rows, sets),
                dict(self._metadata),
            )
        rows = self._alive_rows()
        sets = self._sets.take(rows)
        return Columns(
            self.ids(),
            self._times.view[rows],
            Sketch(*sets, *self._keys.take(rows), None, *self._take_texts(rows)),
            self._band_keys(rows, sets),
            dict(self._metadata),
        )

    def _recomputes_bands(self) -> bool:
        """Whether the band keys of rows put now are left out (recomputed when needed)."""
        return (
            self._pack_sets and self._meta is not None and signs_cheaply(self._meta[0].hash_scheme)
        )

    def _band_keys(
        self, rows: np.ndarray, sets: tuple[np.ndarray, np.ndarray] | None = None
    ) -> np.ndarray:
        """The band keys of ``rows``: read where kept, else recomputed from the sets (from
        ``sets``, the decoded sets of ``rows``, when given), a chunk of rows at a time."""
        rows = np.asarray(rows, dtype=np.int64)
        kept = rows < self._band_rows
        if kept.all():
            return self._bands.view[rows]
        assert self._meta is not None  # rows put without band keys knew the parameters
        params = self._meta[0]
        out = np.empty((len(rows), params.bands), dtype=np.uint32)
        if kept.any():
            out[kept] = self._bands.view[rows[kept]]
        todo = np.flatnonzero(~kept)
        for lo in range(0, len(todo), BAND_CHUNK_ROWS):
            part = todo[lo : lo + BAND_CHUNK_ROWS]
            out[part] = set_band_keys(
                *(take(*sets, part) if sets is not None else self._sets.take(rows[part])),
                num_perm=params.num_perm,
                seed=params.seed,
                scheme=params.hash_scheme,
                bands=params.bands,
            )
        return out

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
        if len(self._ids) < self._ids.rows:  # removed rows linger in the postings
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
        times = self._times.view[self._alive.view] if self._ids.rows else np.zeros(0)
        return float(np.nanmax(times)) if np.isfinite(times).any() else float("nan")

    # ------------------------------------------------------------------ writing
    def evict(self, before: float) -> list[str]:
        if not self._ids.rows:
            return []
        old = np.flatnonzero(self._alive.view & (self._times.view < before))
        ids = self._ids.id_of(old)
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
        known = (self._ids.find(ids) >= 0).tolist()
        check_new_ids(ids, known, replace=replace)
        self._drop([d for d, k in zip(ids, known) if k])
        start = self._ids.rows
        self._ids.add(ids)
        self._alive.append(np.ones(len(ids), dtype=bool))
        self._times.append(timestamps)
        if self._band_rows == start and not self._recomputes_bands():
            self._bands.append(band_keys)
            self._band_rows += len(ids)
        self._sets.append(sketch.set_values, sketch.set_offsets)
        self._keys.append(sketch.key_values, sketch.key_offsets)
        if sketch.text_values is not None and sketch.text_offsets is not None:
            self._texts.append(sketch.text_values, sketch.text_offsets)
        if metadata:
            batch = set(ids)
            self._metadata.update({d: dict(f) for d, f in metadata.items() if f and d in batch})
        self._maybe_compact()

    def drop(self, ids: Sequence[str]) -> None:
        try:
            self._drop(ids)  # every id known, before anything changes
        except KeyError as err:
            raise UnknownIdError(f"no document with id {err.args[0]!r} in the index") from None
        self._maybe_compact()

    def _drop(self, ids: Sequence[str]) -> None:
        """Remove the documents ``ids`` (``KeyError`` for one not stored, before anything
        is removed)."""
        if not ids:
            return
        self._alive.view[self._ids.remove(ids)] = False
        for doc_id in ids if self._metadata else ():
            self._metadata.pop(doc_id, None)

    def _maybe_compact(self) -> None:
        dead = self._ids.rows - len(self._ids)
        if 4 * dead > self._ids.rows + 64:
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

    def _fold_postings(self, columns: Columns | None = None) -> None:
        total = self._ids.rows
        if self._posted == total:
            return
        if columns is not None:  # every row's columns at hand (a save): nothing to decode
            ko, first = columns.sketch.key_offsets, self._posted
            entries = posting_entries(
                columns.band_keys[first:total],
                columns.sketch.key_values[ko[first] : ko[total]],
                ko[first : total + 1] - ko[first],
                first_row=first,
            )
        else:
            parts = []
            for lo in range(self._posted, total, BAND_CHUNK_ROWS):
                rows = np.arange(lo, min(lo + BAND_CHUNK_ROWS, total))
                parts.append(
                    posting_entries(self._band_keys(rows), *self._keys.take(rows), first_row=lo)
                )
            entries = np.concatenate(parts)
        big, small = self._postings
        small = np.sort(np.concatenate((small, entries)))
        if not len(big):  # the first fold: one sort, not two
            self._postings = [small, _EMPTY_RUN]
        elif len(small) > max(65536, len(big) // 4):
            self._postings = [np.sort(np.concatenate((big, small))), _EMPTY_RUN]
        else:
            self._postings = [big, small]
        self._posted = total

    def sorted_postings(self, columns: Columns | None = None) -> np.ndarray | None:
        """Every row's postings as one sorted run (``key << 32 | row``), as an index file
        keeps them; ``None`` when removed rows still hold row numbers (the file renumbers
        its rows: build them from :meth:`columns` then). Rows not in the postings yet
        take their keys from ``columns`` (this store's :meth:`columns`) when given,
        instead of decoding them again."""
        if len(self._ids) != self._ids.rows:
            return None
        with _POSTINGS_LOCK:
            self._fold_postings(columns)
            big, small = self._postings
            if len(small):
                self._postings = [np.sort(np.concatenate((big, small))), _EMPTY_RUN]
            return self._postings[0]

    def adopt_postings(self, postings: np.ndarray) -> None:
        """Take ``postings`` (one sorted run of every row's entries, checked by the
        caller, e.g. read from an index file) instead of building them on the first
        query. Only right after the first ``put`` into an empty store."""
        if self._posted or len(self._ids) != self._ids.rows:
            raise ValueError("postings are adopted only by a store holding just its first put")
        self._postings = [postings, _EMPTY_RUN]
        self._posted = self._ids.rows


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
