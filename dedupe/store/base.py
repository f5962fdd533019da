"""The storage protocol every index backend implements, and the plain data it exchanges.

A store keeps, for each document id, what the sketch stage made of its text (shingle set
and passage keys, 32-bit), its band keys, an optional timestamp and its metadata (``str``
fields, :mod:`dedupe.metadata`), and answers three
questions: which documents hold these keys (:meth:`Store.lookup
<dedupe.store.Store.lookup>`), what are the shingle sets of these documents
(:meth:`Store.fetch <dedupe.store.Store.fetch>`), and everything at once, in insertion order
(:meth:`Store.columns <dedupe.store.Store.columns>`). It knows nothing of LSH rules or
thresholds: the :class:`~dedupe.index.Index` computes keys and verifies candidates, so every
store gives the same answers.

Documents are addressed by *rows*: integers a store hands out (positions, or numbers kept
in Redis) that grow with insertion order. Rows are valid only until the next change to the
store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import DuplicateIdError
from ..params import IndexParams, Thresholds
from ..sketch import Sketch

__all__ = ["Columns", "Fetched", "Hits", "Store", "already_stored", "check_new_ids"]


def already_stored(doc_id: str) -> DuplicateIdError:
    """The error for adding ``doc_id`` again without ``replace`` (stores whose check runs
    elsewhere, as Redis's in a script, raise it too).

    >>> print(already_stored("a"))
    id 'a' is already in the index; pass replace=True to replace it
    """
    return DuplicateIdError(
        f"id {doc_id!r} is already in the index; pass replace=True to replace it"
    )


def check_new_ids(
    ids: Sequence[str], stored: Sequence[bool] | np.ndarray, *, replace: bool
) -> None:
    """The one duplicate-id rule of a batch: no id twice in ``ids``, and none already
    stored (``stored[i]``) unless ``replace``; else
    :class:`~dedupe.errors.DuplicateIdError` naming the first offender.

    >>> check_new_ids(["a", "b", "a"], [False] * 3, replace=True)
    Traceback (most recent call last):
    ...
    dedupe.errors.DuplicateIdError: id 'a' appears twice in the batch
    """
    seen: set[str] = set()
    for doc_id, known in zip(ids, stored, strict=True):
        if doc_id in seen:
            raise DuplicateIdError(f"id {doc_id!r} appears twice in the batch")
        if known and not replace:
            raise already_stored(doc_id)
        seen.add(doc_id)


@dataclass(frozen=True, eq=False)
class Columns:
    """Every document of a store in insertion order: ids, timestamps (``float64`` seconds
    since the epoch, NaN where none was given), their sketch (no signatures), their band
    keys (``uint32[n, bands]``) and ``metadata``: id -> ``str`` fields, for the documents
    that have some."""

    ids: list[str]
    timestamps: np.ndarray
    sketch: Sketch
    band_keys: np.ndarray
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class Fetched:
    """Documents fetched by row: their ids, shingle sets (ragged: ``set_values``,
    ``set_offsets``), passage key counts and, from a fuzzy index, their fuzzy words
    (ragged ``uint8``: ``text_values``, ``text_offsets``; see :meth:`words`)."""

    ids: list[str]
    set_values: np.ndarray
    set_offsets: np.ndarray
    key_counts: np.ndarray
    text_values: np.ndarray | None = None
    text_offsets: np.ndarray | None = None

    def words(self, i: int) -> list[str]:
        """The fuzzy words of document ``i`` (a fuzzy index only)."""
        if self.text_values is None or self.text_offsets is None:
            raise ValueError("these documents come from an index without fuzzy words")
        lo, hi = self.text_offsets[i], self.text_offsets[i + 1]
        return self.text_values[lo:hi].tobytes().decode("utf-8").split()


@dataclass(frozen=True, eq=False)
class Hits:
    """What a store holds for a list of keys: ``df[k]`` documents hold key ``k``; their rows
    are ``rows[key_index == k]`` when ``df[k]`` is within the limit asked for, else only the
    earliest of them. Entries are grouped by key in the order the keys were asked for
    (``key_index`` ascends), each key's rows ascending. ``row_keys`` and ``row_sizes`` are
    the passage key count and the shingle set size of each entry's row (the candidate rule
    needs them). ``docs``, when a store sends it along (sparing a :meth:`Store.fetch`), is
    what :meth:`Store.fetch` gives for every distinct row of ``rows``, by ascending row."""

    df: np.ndarray
    key_index: np.ndarray
    rows: np.ndarray
    row_keys: np.ndarray
    row_sizes: np.ndarray
    docs: Fetched | None = None


@runtime_checkable
class Store(Protocol):
    """Where an :class:`~dedupe.index.Index` keeps its documents.

    Implementations: :class:`~dedupe.store.memory.MemoryStore` (the default),
    :class:`~dedupe.store.redis.RedisStore`. Each change (:meth:`put`, :meth:`drop`) is all
    or nothing for every document.
    """

    def __len__(self) -> int: ...

    def __contains__(self, doc_id: object) -> bool: ...

    def ids(self) -> list[str]:
        """Ids in insertion order."""
        ...

    def contains_many(self, ids: Sequence[str]) -> np.ndarray:
        """For each id, whether it is stored (``bool[len(ids)]``), in one step."""
        ...

    def meta(self) -> tuple[IndexParams, Thresholds] | None:
        """The parameters recorded by :meth:`record_meta` (``None``: none yet)."""
        ...

    def record_meta(
        self, params: IndexParams, thresholds: Thresholds
    ) -> tuple[IndexParams, Thresholds]:
        """Record the parameters of the index kept here unless some are recorded already
        (atomically); return those recorded. An index calls it before its first write."""
        ...

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
        """Add documents; an id already stored is replaced, or with ``replace=False``
        raises :class:`~dedupe.errors.DuplicateIdError` and nothing is added. ``metadata``
        (checked by the caller, :func:`dedupe.metadata.check_metadata`) maps ids of the
        batch to their ``str`` fields, written with the documents; a replaced document
        takes the metadata given now (none if none is given). Removing or evicting a
        document removes its metadata."""
        ...

    def metadata(self, ids: Sequence[str]) -> list[dict[str, str] | None]:
        """For each id, its metadata (a new dict; ``{}`` when none was given), or ``None``
        when the id is not stored, read at one moment."""
        ...

    def drop(self, ids: Sequence[str]) -> None:
        """Remove documents (every id must be stored)."""
        ...

    def lookup(self, keys: np.ndarray, max_df: np.ndarray) -> Hits:
        """For each key (``uint32``), how many documents hold it, and their rows where that
        number is at most ``max_df`` for the key (else the earliest row only), grouped by
        key in order, each key's rows ascending (see :class:`Hits`), and possibly the
        documents of those rows (``Hits.docs``)."""
        ...

    def fetch(self, rows: np.ndarray) -> Fetched:
        """The ids, shingle sets and passage key counts of ``rows`` (in that order)."""
        ...

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        """The rows of ``ids`` (an unknown id raises :class:`~dedupe.errors.UnknownIdError`)."""
        ...

    def columns(self) -> Columns:
        """Everything stored, in insertion order."""
        ...

    def newest(self) -> float:
        """The latest timestamp stored (NaN when no document has one)."""
        ...

    def evict(self, before: float) -> list[str]:
        """Remove the documents whose timestamp is before ``before``; their ids."""
        ...
