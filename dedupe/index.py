"""The live index and ``find_duplicates``: documents in, verified matches out.

:class:`Index` orchestrates the pipeline stages and holds no rule of its own: texts are
sketched (:func:`dedupe.sketch.sketch_texts`), their band keys computed
(:func:`dedupe.sketch.band_keys`), and both kept in a :class:`~dedupe.store.Store`; queries and
``pairs`` choose candidates with the one rule of :func:`dedupe.lsh.candidates` and verify
them exactly (:mod:`dedupe.verify`); clusters come from :mod:`dedupe.cluster`.

>>> index = Index()
>>> index.add("wire", "The minister said on Monday that the new rail line will open in May "
...           "and carry ten thousand passengers a day between the two cities.")
>>> index.add("other", "Shares fell sharply in early trade as investors weighed the outlook.")
>>> [(m.b, m.kind) for m in index.query("Officials said the new rail line will open in May "
...                                      "and carry ten thousand passengers a day.")]
[('wire', 'partial')]
"""

from __future__ import annotations

import datetime
import functools
import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import kernel
from .cluster import group_matches
from .errors import (
    DuplicateIdError,
    EmptyTextError,
    IndexNotFoundError,
    InvalidParameterError,
    InvalidTextError,
    UnknownIdError,
)
from .flat import lengths, release_freed, sorted_unique, take
from .inputs import DocumentStream
from .lsh import (
    candidates,
    group_collection,
    probe_hits,
    query_keys,
)
from .match import Match
from .metadata import check_metadata
from .parallel import ForkPool, Joined, Progress, Shown, fork_map, resolve_workers
from .params import (
    IndexParams,
    RunOptions,
    Thresholds,
    check_int,
    seconds,
    split_options,
    timestamp,
)
from .provenance import MAX_GAP, MIN_WORDS, Provenance, trace
from .ranking import Rule
from .records import LineBlock, ParsedLine
from .results import Cluster, Grouping, Report, build_report
from .sketch import MinHasher, Sketch, kernel_chars
from .sketch_tasks import joined_parts, read_part, sketch_part
from .store import Columns, Fetched, Hits, MemoryStore, Store
from .store.base import check_new_ids
from .store.file import load_store, save_store
from .text import check_unicode, ensure_text, fuzzy_buffers, has_words
from .verify import (
    Fuzzy,
    copy_matches,
    exact_copies,
    fuzzy_pairs,
    judge,
    pair_scores,
    shared_counts,
    shared_with,
    sharing_keys,
    with_words,
)
from .version import __version__

__all__ = ["Index", "IndexParams", "Report", "Thresholds", "find_duplicates", "QUERY_ID"]

#: The id a query text takes in the matches :meth:`Index.query` returns.
QUERY_ID = "<query>"
#: Texts are sketched in chunks of this many (a progress step, and a task for a worker).
SKETCH_CHUNK_DOCS = 1000
#: :func:`find_duplicates` reads its documents in batches of this many chunks (each
#: sketched in worker processes while the next is read, and stored once it is: two
#: batches of texts are held at most)...
STREAM_BATCH_CHUNKS = 8
#: ...that is, of this many documents (JSONL: lines)...
STREAM_BATCH_DOCS = STREAM_BATCH_CHUNKS * SKETCH_CHUNK_DOCS
#: ...or of fewer documents, once a batch holds this many characters of text.
STREAM_BATCH_CHARS = 2**26
#: Batches of at least this many texts are sketched, and collections of at least this many
#: documents grouped by key, in worker processes.
PARALLEL_MIN_DOCS = 4000
#: At least this many candidate pairs are verified in worker processes...
PARALLEL_MIN_PAIRS = 5000
#: ...and at least this many fuzzy scores computed there (about 0.15 ms each).
PARALLEL_MIN_FUZZY = 500
#: The fuzzy scores are computed in this many parts per worker (two parts, one a worker,
#: left one worker idle while the other scored the OCR copies that came together).
FUZZY_PARTS_PER_WORKER = 8


def _check_id(doc_id: Any) -> str:
    if not isinstance(doc_id, str):
        raise InvalidParameterError(f"document ids must be str, got {type(doc_id).__name__}")
    _not_empty(doc_id)
    try:
        return check_unicode(doc_id, name=f"document id {doc_id!r}")
    except InvalidTextError as err:
        raise InvalidParameterError(str(err)) from None


def _not_empty(doc_id: str) -> None:
    if not doc_id:
        raise InvalidParameterError("document ids must not be empty")


def _shared_part(pairs: np.ndarray, sets: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return shared_counts(*sets, pairs)


def _fuzzy_part(rows: np.ndarray, job: tuple[Any, float, int]) -> Fuzzy:
    """Fuzzy scores of pairs ``rows[:, :2]`` (the pairs :func:`~dedupe.verify.sharing_keys`
    keeps, and those that reach an exact threshold, ``rows[:, 2]``): in full for the
    latter, else to the floor ``job[1]``, and not for a pair whose shorter text has fewer
    than ``job[2]`` words (:func:`~dedupe.verify.with_words`). ``job[0]`` gives the fuzzy
    words of some rows (ascending) as a ragged array."""
    words_of, floor, min_words = job
    own = np.unique(rows[:, :2])
    words = words_of(own)
    local = np.searchsorted(own, rows[:, :2])
    exact = rows[:, 2] > 0
    wanted = with_words(words, local, exact, ~exact, min_words)
    return fuzzy_pairs(words, words, local, wanted, full=exact, floor=floor)


def _made_words(
    texts: Mapping[str, str | bytes], ids: Any, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The fuzzy words of ``rows`` (``ids[r]`` is row ``r``'s id in ``texts``), made as
    they were when the texts were sketched (:func:`dedupe.text.fuzzy_buffers`)."""
    own = [texts[ids[r]] for r in rows.tolist()]  # checked when read: bytes only decoded
    values, offsets, _, _ = fuzzy_buffers(
        [t if isinstance(t, str) else bytes(t).decode("utf-8-sig") for t in own]
    )
    return values, offsets


@dataclass
class _Batch:
    """A batch of documents to add, checked: ``named`` every id given (in order), ``ids``,
    ``texts`` and ``times`` those with words, ``skipped`` those without."""

    named: list[str]
    ids: list[str]
    texts: list[str]
    times: np.ndarray
    skipped: list[str]

    @classmethod
    def read(cls, items: Any, timestamps: Any, *, skip_empty: bool) -> _Batch:
        """Check every entry of ``items`` (ids, texts, times) before anything is added."""
        pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
        times = _times_for(pairs, timestamps)
        batch = cls([], [], [], np.zeros(0), [])
        kept: list[float] = []
        for entry, when in zip(pairs, times):
            if not (isinstance(entry, tuple) and len(entry) == 2):
                raise InvalidParameterError(
                    f"items must be (id, text) pairs or a mapping, got {type(entry).__name__}"
                )
            doc_id = _check_id(entry[0])
            batch.named.append(doc_id)
            text = ensure_text(entry[1], name=f"text of {doc_id!r}")
            if has_words(text):
                batch.ids.append(doc_id)
                batch.texts.append(text)
                kept.append(when)
            elif skip_empty:
                batch.skipped.append(doc_id)
            else:
                raise _no_words(doc_id)
        batch.times = np.array(kept, dtype=np.float64)
        return batch


def _no_words(doc_id: str) -> EmptyTextError:
    return EmptyTextError(
        f"text of {doc_id!r} holds no words (it is empty, blank or punctuation only); "
        "leave it out or pass skip_empty=True"
    )


def _threshold_property(name: str) -> property:
    def get(self: Index) -> Any:
        return getattr(self._thresholds, name)

    def set_(self: Index, value: Any) -> None:
        self._thresholds = replace(self._thresholds, **{name: value})

    doc = f"The ``{name}`` threshold (see :class:`~dedupe.params.Thresholds`)."
    return property(get, set_, doc=doc)


class Index:
    """A live MinHash/LSH index of documents that finds whole and partial overlap.

    Parameters that shape what is stored (see :class:`~dedupe.params.IndexParams`):
    ``ngram`` (words per shingle), ``num_perm`` and ``seed`` (MinHash), ``bands`` (document
    LSH bands; 0, the default, means bands of 4 signature rows), ``window`` (shingles per
    passage key), ``short_text`` (texts with fewer distinct shingles take each one as a
    passage key). Thresholds, which may change any time (see
    :class:`~dedupe.params.Thresholds`): ``jaccard``, ``containment``, ``min_shingles``,
    ``max_key_docs``, ``min_key_share``.

    ``retention`` (seconds or a ``timedelta``) keeps a date window for news streams: each
    add evicts the documents whose timestamp is older than the newest timestamp minus the
    retention (documents added without a timestamp stay until removed).

    ``workers`` processes sketch large batches and verify many candidate pairs (0: one
    per core, at most 4; 1: none). They are forked, so they are used only on platforms
    with ``fork`` and while the calling process runs a single thread; otherwise the batch
    is sketched in-process. ``store`` is where documents are kept (default: a
    :class:`~dedupe.store.MemoryStore` in this process; a
    :class:`~dedupe.store.redis.RedisStore` shares one index between processes). A store
    that already holds an index built with other shaping parameters raises
    :class:`~dedupe.errors.ParameterMismatchError`; :meth:`open` takes the parameters a
    store recorded.

    Texts with fewer words than ``ngram`` become one shingle of all their words; a text
    with no words is refused (:class:`~dedupe.errors.EmptyTextError`).

    >>> idx = Index(ngram=3)
    >>> idx.add_many({"a": "one two three four five six", "b": "one two three four five seven"})
    []
    >>> len(idx), "a" in idx, [(m.a, m.b, round(m.jaccard, 2)) for m in idx.pairs()]
    (2, True, [('a', 'b', 0.6)])
    >>> idx.remove("b"); len(idx)
    1
    """

    def __init__(
        self,
        *,
        ngram: int = IndexParams.ngram,
        num_perm: int = IndexParams.num_perm,
        seed: int = IndexParams.seed,
        bands: int = IndexParams.bands,
        window: int = IndexParams.window,
        short_text: int = IndexParams.short_text,
        fuzzy: bool = IndexParams.fuzzy,
        jaccard: float = Thresholds.jaccard,
        containment: float = Thresholds.containment,
        min_shingles: int = Thresholds.min_shingles,
        max_key_docs: int = Thresholds.max_key_docs,
        fuzzy_threshold: float = Thresholds.fuzzy_threshold,
        fuzzy_min_words: int = Thresholds.fuzzy_min_words,
        min_key_share: float = Thresholds.min_key_share,
        workers: int = RunOptions.workers,
        retention: float | datetime.timedelta | None = None,
        store: Store | None = None,
    ) -> None:
        self.params, self._thresholds, run = split_options(locals())
        self.workers = run.workers
        self.retention = None if retention is None else seconds(retention)
        if store is not None and not isinstance(store, Store):
            raise InvalidParameterError(f"store must be a dedupe Store, got {type(store).__name__}")
        self.store: Store = store if store is not None else MemoryStore()
        self._recorded = False  # whether the store holds our parameters (see _record)
        # find_duplicates over texts the caller holds, in fuzzy mode: the fuzzy words are
        # not kept but made again from ``_texts`` (id to text) for the pairs scored
        self._keep_words = True
        self._texts: Mapping[str, str | bytes] | None = None
        recorded = self.store.meta() if store is not None else None
        if recorded is not None:
            self.params.check_same(recorded[0], what=f"{store!r}")

    @classmethod
    def open(
        cls,
        store: Store,
        *,
        workers: int = 0,
        retention: float | datetime.timedelta | None = None,
        **thresholds: Any,
    ) -> Index:
        """The index kept in ``store``, with the parameters and thresholds recorded there
        when it was first written (``thresholds`` overrides some of them, e.g. ``jaccard``).
        A store that holds no index raises :class:`~dedupe.errors.IndexNotFoundError` (it
        never starts an empty one; ``Index(store=...)`` does).

        >>> store = MemoryStore()
        >>> Index(store=store, ngram=3).add("a", "one two three four")
        >>> opened = Index.open(store); opened.params.ngram, opened.ids()
        (3, ['a'])
        >>> Index.open(MemoryStore())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        dedupe.errors.IndexNotFoundError: no index in MemoryStore(0 documents): ...
        """
        if not isinstance(store, Store):
            raise InvalidParameterError(f"store must be a dedupe Store, got {type(store).__name__}")
        recorded = store.meta()
        if recorded is None:
            raise IndexNotFoundError(
                f"no index in {store!r}: nothing was ever written there; check its name, "
                "or create the index with dedupe.Index(store=...)"
            )
        params, stored = recorded
        unknown = sorted(set(thresholds) - set(stored.to_dict()))
        if unknown:
            raise InvalidParameterError(
                f"unknown threshold(s) {', '.join(unknown)}: Index.open takes "
                f"{', '.join(stored.to_dict())}"
            )
        chosen = Thresholds.from_dict({**stored.to_dict(), **thresholds})
        index = cls(workers=workers, retention=retention)
        index.params, index._thresholds = params, chosen
        index.store, index._recorded = store, True
        return index

    def _record(self) -> None:
        """Before the first write: record the parameters in the store, or check them
        against those another process recorded first."""
        if not self._recorded:
            params, _ = self.store.record_meta(self.params, self._thresholds)
            self.params.check_same(params, what=f"{self.store!r}")
            self._recorded = True

    jaccard = _threshold_property("jaccard")
    containment = _threshold_property("containment")
    min_shingles = _threshold_property("min_shingles")
    max_key_docs = _threshold_property("max_key_docs")
    min_key_share = _threshold_property("min_key_share")

    # ----------------------------------------------------------------- basics
    def __len__(self) -> int:
        return len(self.store)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.store

    def __repr__(self) -> str:
        p = self.params
        return f"Index({len(self)} documents, ngram={p.ngram}, num_perm={p.num_perm})"

    def thresholds(self) -> dict[str, float | int]:
        """The matching options (they do not shape what is stored).

        >>> Index(jaccard=0.8).thresholds()["jaccard"]
        0.8
        """
        return self._thresholds.to_dict()

    def ids(self) -> list[str]:
        """Ids in insertion order.

        >>> idx = Index(); idx.add_many({"b": "x y", "a": "z"}); idx.ids()
        []
        ['b', 'a']
        """
        return self.store.ids()

    def signature(self, doc_id: str) -> np.ndarray:
        """The MinHash signature of a document (``uint32[num_perm]``, datasketch-compatible).

        >>> from datasketch import MinHash
        >>> idx = Index(num_perm=16)
        >>> idx.add("a", "some words that make up a short text")
        >>> m = MinHash(num_perm=16, hashvalues=idx.signature("a"), scheme="affine32")
        >>> m.jaccard(m)
        1.0
        """
        doc = self.store.fetch(self.store.rows([doc_id]))
        hasher = MinHasher(num_perm=self.params.num_perm, seed=self.params.seed)
        return hasher.signatures(doc.set_values, doc.set_offsets)[0]

    def metadata(self, doc_id: str) -> dict[str, str]:
        """The metadata given for a document when it was added (a copy; ``{}`` when none);
        an unknown id raises :class:`~dedupe.errors.UnknownIdError`.

        The store keeps it with the document: :meth:`save` writes it in the index file and
        :meth:`load` reads it back, and on Redis every process sharing the index reads it
        (it is written in the same script as the document, and removed and evicted with it).

        >>> idx = Index(); idx.add("a", "some words", metadata={"title": "Rail line"})
        >>> idx.metadata("a"), [(m.b, idx.metadata(m.b)["title"]) for m in idx.query("some words")]
        ({'title': 'Rail line'}, [('a', 'Rail line')])
        """
        (fields,) = self.store.metadata([_check_id(doc_id)])
        if fields is None:
            raise UnknownIdError(f"no document with id {doc_id!r} in the index")
        return fields

    def metadata_many(self, ids: Iterable[str]) -> dict[str, dict[str, str]]:
        """The metadata of each of ``ids`` still in the index (``{}`` when it has none), read
        at one moment (on Redis: one round trip); ids not in the index (never added, or
        removed since a query found them) are left out, so callers labelling matches need
        no error handling for documents removed meanwhile.

        >>> idx = Index(); idx.add("a", "some words", metadata={"title": "Rail line"})
        >>> idx.add("b", "other words")
        >>> idx.metadata_many(["a", "b", "gone"])
        {'a': {'title': 'Rail line'}, 'b': {}}
        """
        if isinstance(ids, (str, bytes)):
            raise InvalidParameterError("metadata_many takes a list of ids; use metadata for one")
        wanted = list(dict.fromkeys(_check_id(d) for d in ids))
        if not wanted:
            return {}
        got = self.store.metadata(wanted)
        return {d: fields for d, fields in zip(wanted, got) if fields is not None}

    def _require(self, doc_id: str) -> None:
        _check_id(doc_id)
        if doc_id not in self.store:
            raise UnknownIdError(f"no document with id {doc_id!r} in the index")

    # ----------------------------------------------------------------- adding
    def _sketch(
        self, texts: list[str], progress: Progress | None = None
    ) -> tuple[Sketch, np.ndarray]:
        """Sketch many texts (and their band keys), in forked workers for large batches."""
        return self._sketch_submit(texts, progress)()

    def _sketch_submit(
        self, texts: list[str], progress: Progress | None = None, pool: ForkPool | None = None
    ) -> Callable[[], tuple[Sketch, np.ndarray]]:
        """:meth:`_sketch`, started: the function returned waits for the sketch. With a
        ``pool`` (a :class:`~dedupe.parallel.ForkPool` of
        :func:`~dedupe.sketch_tasks.sketch_part`) large batches are sketched in it while
        the caller goes on; without, in workers forked now."""
        step = SKETCH_CHUNK_DOCS
        job = (self.params, self._keep_words)
        if len(texts) <= step:  # one chunk (a query): sketched here
            sketch, bands = sketch_part(texts, job)
            if progress is not None:
                progress.update(len(texts))
            return lambda: (sketch, bands)
        chunks = [Joined(texts[i : i + step]) for i in range(0, len(texts), step)]
        done = (lambda i: progress.update(len(chunks[i].texts))) if progress else None
        if pool is not None:  # its workers count their own share for the kernel
            wait = pool.submit(chunks, done)
            return lambda: joined_parts(wait())
        workers = resolve_workers(self.workers) if len(texts) >= PARALLEL_MIN_DOCS else 1
        if workers > 1:  # loaded here if each worker's share makes it pay: they inherit it
            kernel.expect(kernel_chars(texts, fuzzy=self.params.fuzzy) // workers)
        parts = fork_map(sketch_part, chunks, workers, shared=job, done=done)
        return lambda: joined_parts(parts)

    def add(
        self,
        doc_id: str,
        text: str | bytes,
        *,
        replace: bool = False,
        timestamp: float | datetime.date | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Add one document. A known id raises :class:`~dedupe.errors.DuplicateIdError`
        unless ``replace``.
        ``timestamp`` (seconds since the epoch, a ``datetime`` or a ``date``) places it in
        time for :meth:`evict` and ``retention``. ``metadata`` is a dict of ``str`` fields
        (title, outlet, date...) kept with it (see :meth:`~dedupe.Index.metadata`).

        >>> idx = Index(); idx.add("a", "text")
        >>> idx.add("a", "other text")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        dedupe.errors.DuplicateIdError: id 'a' is already in the index; pass replace=True ...
        """
        self.add_many(
            [(doc_id, text)],
            replace=replace,
            timestamps=[timestamp],
            metadata=None if metadata is None else {doc_id: metadata},
        )

    def add_many(
        self,
        items: Mapping[str, str | bytes] | Iterable[tuple[str, str | bytes]],
        *,
        replace: bool = False,
        skip_empty: bool = False,
        progress: Shown = False,
        timestamps: Mapping[str, Any] | Iterable[Any] | None = None,
        metadata: Mapping[str, Mapping[str, str]] | None = None,
    ) -> list[str]:
        """Add many documents in one batch (much faster than :meth:`add` in a loop).

        ``timestamps`` are the documents' times (see :meth:`add`), in the order of
        ``items`` or as a mapping of id to time. ``metadata`` maps ids of the batch to
        dicts of ``str`` fields (see :meth:`~dedupe.Index.metadata`); a replaced document takes the
        metadata given now (none if none is given).

        Everything is checked before anything is added: on any error the index is
        unchanged. A text without words raises :class:`~dedupe.errors.EmptyTextError`, or with
        ``skip_empty`` is left out; the ids left out are returned. ``progress`` shows a
        progress bar on stderr (``True``, with tqdm installed) or a line per long stage
        (``"lines"``), see :class:`dedupe.parallel.Progress`.

        >>> Index().add_many({"a": "some words", "b": " -- "}, skip_empty=True)
        ['b']
        """
        batch = _Batch.read(items, timestamps, skip_empty=skip_empty)
        check_new_ids(batch.named, self.store.contains_many(batch.named), replace=replace)
        given = check_metadata(metadata, batch.named)
        with Progress(len(batch.ids), desc="indexing", unit="doc", enabled=progress) as bar:
            self._put(batch, given, bar, replace=replace)
        return batch.skipped

    def _put(
        self, batch: _Batch, given: dict[str, dict[str, str]], bar: Progress, *, replace: bool
    ) -> None:
        """Sketch and store a checked batch (its texts are let go once sketched), with the
        metadata ``given`` for its ids; then apply ``retention``."""
        self._put_submit(batch, given, bar, replace=replace)()

    def _put_submit(
        self,
        batch: _Batch,
        given: dict[str, dict[str, str]],
        bar: Progress,
        *,
        replace: bool,
        pool: ForkPool | None = None,
    ) -> Callable[[], None]:
        """:meth:`_put`, started: the batch is sketched (in ``pool`` while the caller goes
        on, see :meth:`_sketch_submit`) and the function returned stores it."""
        wait = self._sketch_submit(batch.texts, bar, pool) if batch.ids else None

        def store() -> None:
            if wait is not None:
                self._keep(batch, given, wait, replace=replace)
            if self.retention is not None and batch.ids:
                newest = self.store.newest()
                if np.isfinite(newest):
                    self.store.evict(newest - self.retention)

        return store

    def _keep(
        self,
        batch: _Batch,
        given: dict[str, dict[str, str]],
        sketched: Callable[[], tuple[Sketch, np.ndarray]],
        *,
        replace: bool,
    ) -> None:
        """Store a checked batch, with the metadata ``given`` for its ids: its sketch and
        band keys, waited for (``sketched()``), and its texts let go."""
        sketch, bands = sketched()
        batch.texts.clear()
        self._record()
        # the metadata of the documents stored (not of those skipped: no words)
        described = {d: given[d] for d in batch.ids if d in given} if given else None
        self.store.put(batch.ids, sketch, bands, batch.times, replace=replace, metadata=described)
        del sketch, bands
        if len(batch.ids) >= PARALLEL_MIN_DOCS:  # a large batch: hand its scratch back
            release_freed()

    def remove(self, doc_id: str) -> None:
        """Remove a document; an unknown id raises :class:`~dedupe.errors.UnknownIdError`.

        >>> Index().remove("nope")
        Traceback (most recent call last):
        ...
        dedupe.errors.UnknownIdError: no document with id 'nope' in the index
        """
        self._require(doc_id)
        self.store.drop([doc_id])

    def evict(self, *, before: float | datetime.date) -> int:
        """Remove every document whose timestamp is before ``before``; how many.

        >>> idx = Index(); idx.add("old", "some words", timestamp=100)
        >>> idx.add("new", "other words", timestamp=200); idx.evict(before=150), idx.ids()
        (1, ['new'])
        """
        return len(self.store.evict(timestamp(before, name="before")))

    # ----------------------------------------------------------------- queries
    def query(self, text: str | bytes, *, k: int | None = None) -> list[Match]:
        """Indexed documents that overlap ``text``, best first (``Match.a`` is ``"<query>"``).

        ``containment_ab`` is the share of the query found in the document. The candidates
        are those :meth:`pairs` would pair with the text if it were indexed.

        >>> idx = Index(); idx.add("a", "one two three four five six seven")
        >>> [(m.b, m.kind) for m in idx.query("one two three four five six seven")]
        [('a', 'exact')]
        """
        return self.query_many([text], k=k)[0]

    def query_many(
        self, texts: Iterable[str | bytes], *, k: int | None = None
    ) -> list[list[Match]]:
        """:meth:`query` of each text, answered together: the texts are sketched in one
        batch and the store is asked once for the keys of them all and at most once for all
        their candidates (on Redis: one or two round trips, whatever the number of texts).

        >>> idx = Index(); idx.add("a", "one two three four five six seven")
        >>> [[m.b for m in ms] for ms in idx.query_many(["one two three four five six", "x"])]
        [['a'], []]
        """
        texts = _query_texts(texts)
        if k is not None:
            check_int("k", k, 1)
        if not texts:
            return []
        t = self._thresholds
        sketch, bands = self._sketch(texts)
        _check_words(sketch, len(texts))
        keys = query_keys(bands, sketch)
        hits = self.store.lookup(keys, np.full(len(keys), t.max_key_docs))
        chosen = probe_hits(
            hits,
            keys,
            bands,
            sketch,
            short_text=self.params.short_keys,
            max_key_docs=t.max_key_docs,
            min_key_share=t.key_share,
            passage_key_docs=self.params.passage_key_docs(t.max_key_docs),
        )
        wanted = chosen[0] if len(chosen) == 1 else sorted_unique(np.concatenate(chosen))
        if not len(wanted):
            return [[] for _ in texts]
        docs, doc_rows = self._fetch(hits, wanted)
        return [self._judge(sketch, i, docs, doc_rows, rows, k) for i, rows in enumerate(chosen)]

    def _fetch(self, hits: Hits, wanted: np.ndarray) -> tuple[Fetched, np.ndarray]:
        """The documents of the ``wanted`` rows and their rows: sent along with ``hits``
        by stores that do (every row they found), else fetched."""
        if hits.docs is not None:
            return hits.docs, sorted_unique(hits.rows)
        return self.store.fetch(wanted), wanted

    def _judge(
        self,
        sketch: Sketch,
        i: int,
        docs: Fetched,
        doc_rows: np.ndarray,
        rows: np.ndarray,
        k: int | None,
    ) -> list[Match]:
        """The verified matches of query text ``i`` with its candidate ``rows``, best
        first (at most ``k``)."""
        if len(rows) == len(doc_rows):  # the text's candidates are the documents
            at = np.arange(len(doc_rows))
            values, doc_offsets, names = docs.set_values, docs.set_offsets, docs.ids
        else:
            at = np.searchsorted(doc_rows, rows)
            values, doc_offsets = take(docs.set_values, docs.set_offsets, at)
            names = [docs.ids[j] for j in at.tolist()]
        own = sketch.set_values[sketch.set_offsets[i] : sketch.set_offsets[i + 1]]
        shared = shared_with(own, values, doc_offsets)
        size_a, size_b = np.full(len(names), len(own)), lengths(doc_offsets)
        fuzzy = None
        if self.params.fuzzy:  # every candidate of a query is given a fuzzy score
            exact = pair_scores(shared, size_a, size_b, self._thresholds)[0]
            pairs = np.stack((np.full(len(at), i), at), axis=1)
            mine = (sketch.text_values, sketch.text_offsets)
            theirs = (docs.text_values, docs.text_offsets)
            fuzzy = fuzzy_pairs(
                mine,  # type: ignore[arg-type]
                theirs,  # type: ignore[arg-type]
                pairs,
                np.ones(len(at), dtype=bool),
                full=exact,
                floor=self._thresholds.fuzzy_threshold,
            )
        out = judge([QUERY_ID] * len(names), names, shared, size_a, size_b, self._thresholds, fuzzy)
        out.sort(key=Match.sort_key)
        return out[:k] if k is not None else out

    def provenance(
        self, text: str | bytes, *, min_words: int = MIN_WORDS, max_gap: int = MAX_GAP
    ) -> Provenance:
        """Which indexed documents ``text`` was built from, span by span (see
        :mod:`dedupe.provenance`): ``spans`` cover the text in order, each with the id of
        the earliest-added document holding it (or ``None``); ``sources`` best first.

        >>> idx = Index(); idx.add("a", "one two three four five six seven eight nine ten "
        ...                           "eleven twelve thirteen")
        >>> [s.source for s in idx.provenance("Intro words here. One two three four five "
        ...                                    "six seven eight nine ten eleven twelve").spans]
        [None, 'a']
        """
        return trace(
            text,
            self.store,
            self.params,
            max_key_docs=self._thresholds.max_key_docs,
            min_words=min_words,
            max_gap=max_gap,
        )

    def _pair_rows(self, columns: Columns) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs among the first documents of each exact-copy group, and the
        group each document belongs to (:func:`dedupe.verify.exact_copies`)."""
        sk = columns.sketch
        rep = exact_copies(sk.set_values, sk.set_offsets)
        firsts = rep == np.arange(len(rep))
        t = self._thresholds
        pairs = candidates(
            group_collection(
                columns.band_keys.reshape(len(rep), self.params.bands),
                sk.key_values,
                sk.key_offsets,
                keep=None if firsts.all() else firsts,  # copies pair through their first
                map_parts=self._map if len(rep) >= PARALLEL_MIN_DOCS else None,
            ),
            sk.key_counts(),
            max_key_docs=t.max_key_docs,
            min_key_share=t.key_share,
            passage_key_docs=self.params.passage_key_docs(t.max_key_docs),
            short=sk.set_sizes() < self.params.short_keys,
            map_blocks=self._map,
        )
        return pairs, rep

    def _map(self, fn: Callable[[Any, Any], Any], items: list, shared: Any) -> list:
        """``fn(item, shared)`` for each item, over the index's worker processes."""
        return fork_map(fn, items, resolve_workers(self.workers), shared=shared)

    def candidate_pairs(self) -> np.ndarray:
        """Pairs proposed by the LSH keys before verification, as positions in :meth:`ids`
        (``int64[k, 2]``, sorted, smaller position first).

        >>> idx = Index(ngram=2); idx.add_many({"a": "x y z", "b": "x y z w"})
        []
        >>> idx.candidate_pairs().tolist()
        [[0, 1]]
        """
        pairs, rep = self._pair_rows(self.store.columns())
        copies = np.flatnonzero(rep != np.arange(len(rep)))
        both = np.concatenate((pairs, np.stack((rep[copies], copies), axis=1)))
        return both[np.lexsort((both[:, 1], both[:, 0]))]

    def pairs(self, *, progress: Shown = False) -> list[Match]:
        """Every verified overlapping pair among the indexed documents, best first.

        In each match ``a`` was added before ``b``. Documents with the very same shingle set
        (exact copies) are matched once: each copy is reported against the first document of
        its group (kind ``exact``), and other documents are matched against that first
        document only, as every copy would score the same.

        >>> idx = Index(ngram=2); idx.add_many({"a": "x y z", "b": "x y z"})
        []
        >>> [(m.a, m.b, m.kind) for m in idx.pairs()]
        [('a', 'b', 'exact')]
        """
        with Progress(None, desc="candidate pairs", enabled=progress, eta=False) as bar:
            columns = self.store.columns()
            pairs, rep = self._pair_rows(columns)
            bar.describe(f"verifying {len(pairs):,} candidate pairs")
            sk = columns.sketch
            shared = self._shared(sk, pairs)
            sizes = sk.set_sizes()
            ids = columns.ids
            fuzzy = self._fuzzy(sk, pairs, shared, ids) if self.params.fuzzy else None
            out = judge(
                [ids[r] for r in pairs[:, 0].tolist()],
                [ids[r] for r in pairs[:, 1].tolist()],
                shared,
                sizes[pairs[:, 0]],
                sizes[pairs[:, 1]],
                self._thresholds,
                fuzzy,
            )
            out += copy_matches(ids, rep, sizes, fuzzy=self.params.fuzzy)
        out.sort(key=Match.sort_key)
        return out

    def _fuzzy(self, sk: Sketch, pairs: np.ndarray, shared: np.ndarray, ids: Any) -> Fuzzy:
        """Fuzzy scores of the candidate pairs :func:`~dedupe.verify.fuzzy_choice` picks
        (its two halves: :func:`~dedupe.verify.sharing_keys` here,
        :func:`~dedupe.verify.with_words` in the worker that has the words), in full for
        those that reach an exact threshold, else only as far as needed to know they
        miss ``fuzzy_threshold``, in worker processes for many pairs. The fuzzy words are
        the store's, or made again from ``_texts`` (``ids``: each row's id) for the rows
        of the pairs that may be scored, by the worker that scores them."""
        sizes, t = sk.set_sizes(), self._thresholds
        exact = pair_scores(shared, sizes[pairs[:, 0]], sizes[pairs[:, 1]], t)[0]
        chosen = np.flatnonzero(exact | sharing_keys((sk.key_values, sk.key_offsets), pairs, exact))
        if sk.text_values is not None and sk.text_offsets is not None:
            words: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] = functools.partial(
                take, sk.text_values, sk.text_offsets
            )
        elif self._texts is not None:
            words = functools.partial(_made_words, self._texts, ids)
        else:
            raise RuntimeError("this index keeps no fuzzy words and was given no texts")
        rows = np.column_stack((pairs[chosen], exact[chosen]))
        job = (words, t.fuzzy_threshold, t.fuzzy_min_words)
        workers = resolve_workers(self.workers)
        if workers < 2 or len(chosen) < PARALLEL_MIN_FUZZY:
            parts = [_fuzzy_part(rows, job)]
        else:  # many small parts, handed out as workers free up: fuzzy scores cost from
            # a few microseconds to milliseconds (OCR copies), and neighbouring pairs alike
            split = np.array_split(rows, min(len(rows), workers * FUZZY_PARTS_PER_WORKER))
            parts = fork_map(_fuzzy_part, split, workers, shared=job)
        score = np.full(len(pairs), np.nan)
        words_a, words_b = (np.zeros(len(pairs), dtype=np.int64) for _ in range(2))
        if len(chosen):
            score[chosen] = np.concatenate([p.score for p in parts])
            words_a[chosen] = np.concatenate([p.words_a for p in parts])
            words_b[chosen] = np.concatenate([p.words_b for p in parts])
        return Fuzzy(score, words_a, words_b)

    def _shared(self, sk: Sketch, pairs: np.ndarray) -> np.ndarray:
        """Exact shared-shingle counts of ``pairs``, in worker processes for many pairs."""
        workers = resolve_workers(self.workers)
        if workers < 2 or len(pairs) < PARALLEL_MIN_PAIRS:
            return shared_counts(sk.set_values, sk.set_offsets, pairs)
        chunks = np.array_split(pairs, workers)
        sets = (sk.set_values, sk.set_offsets)
        return np.concatenate(fork_map(_shared_part, chunks, workers, shared=sets))

    def clusters(
        self,
        matches: Iterable[Match] | None = None,
        *,
        clusters: str = RunOptions.clusters,
        representative: Rule = RunOptions.representative,
    ) -> list[Cluster]:
        """Clusters of the verified pairs (see :func:`dedupe.cluster.group_matches`):
        ``clusters="hubs"`` keeps roundups and shared quotes from chaining stories,
        ``"components"`` joins every pair.

        >>> idx = Index(ngram=2); idx.add_many({"a": "x y z", "b": "x y z", "c": "q"})
        []
        >>> [c.members for c in idx.clusters()]
        [('a', 'b')]
        """
        return list(self.group(matches, clusters=clusters, representative=representative).clusters)

    def group(
        self,
        matches: Iterable[Match] | None = None,
        *,
        clusters: str = RunOptions.clusters,
        representative: Rule = RunOptions.representative,
    ) -> Grouping:
        """Clusters and hubs of the verified pairs (see :func:`dedupe.cluster.group_matches`).

        >>> idx = Index(ngram=2); idx.add_many({"a": "x y z", "b": "x y z"})
        []
        >>> g = idx.group(); [c.members for c in g.clusters], g.hubs
        ([('a', 'b')], ())
        >>> idx.group(clusters="all")
        Traceback (most recent call last):
        ...
        dedupe.errors.InvalidParameterError: clusters must be one of 'hubs', 'components'; got 'all'
        """
        RunOptions(clusters=clusters, representative=representative)  # checked first
        if matches is None:
            matches = self.pairs()
        columns = self.store.columns()
        sizes = dict(zip(columns.ids, columns.sketch.set_sizes().tolist()))
        return group_matches(
            columns.ids,
            matches,
            clusters=clusters,
            representative=representative,
            sizes=sizes,
            metadata=columns.metadata,
        )

    # ----------------------------------------------------------------- merge / save / load
    def merge(self, other: Index, *, replace: bool = False) -> None:
        """Add every document of ``other`` (built with the same
        :class:`~dedupe.params.IndexParams`).

        >>> a, b = Index(), Index(); a.add("x", "some words"); b.merge(a); b.ids()
        ['x']
        """
        if not isinstance(other, Index):
            raise InvalidParameterError(f"merge takes an Index, got {type(other).__name__}")
        self.params.check_same(other.params)
        columns = other.store.columns()
        check_new_ids(columns.ids, self.store.contains_many(columns.ids), replace=replace)
        self._record()
        self.store.put(
            columns.ids,
            columns.sketch,
            columns.band_keys,
            columns.timestamps,
            replace=replace,
            metadata=columns.metadata,
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` atomically (see :mod:`dedupe.store.file` for the format).

        >>> import os, tempfile
        >>> idx = Index(); idx.add("a", "some words")
        >>> idx.save(os.path.join(tempfile.mkdtemp(), "x.idx"))
        """
        save_store(
            path,
            self.store,
            params=self.params,
            thresholds=self._thresholds,
            created_by=f"dedupe {__version__}",
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, expect: IndexParams | None = None) -> Index:
        """Read an index written by :meth:`save` into memory.

        With ``expect``, parameters that differ raise
        :class:`~dedupe.errors.ParameterMismatchError`.

        >>> Index.load("no/such.idx")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        dedupe.errors.IndexNotFoundError: no/such.idx: no such index file; ...
        """
        store, stored = load_store(path)
        if expect is not None:
            expect.check_same(stored.params, what=str(path))
        index = cls(store=store)
        index.params, index._thresholds = stored.params, stored.thresholds
        return index


def _query_texts(texts: Any) -> list[str]:
    """Query texts as ``str``, each checked (named by its position when there are several)."""
    if isinstance(texts, (str, bytes)):
        raise InvalidParameterError("query_many takes a list of texts; use query for one")
    texts = list(texts)
    name = "query text" if len(texts) == 1 else "query text {}"
    return [ensure_text(x, name=name.format(i)) for i, x in enumerate(texts)]


def _check_words(sketch: Sketch, n: int) -> None:
    """Every query text holds words (else :class:`~dedupe.errors.EmptyTextError` naming the
    first one)."""
    sizes = sketch.set_sizes()
    if not sizes.all():
        empty = int(np.flatnonzero(sizes == 0)[0])
        name = "query text" if n == 1 else f"query text {empty}"
        raise EmptyTextError(f"{name} holds no words (it is empty, blank or punctuation only)")


def _times_for(pairs: list[Any], timestamps: Any) -> list[float]:
    """One time per item (NaN: none), from a sequence in item order or a mapping by id."""
    if timestamps is None:
        return [np.nan] * len(pairs)
    if isinstance(timestamps, Mapping):
        return [
            timestamp(timestamps.get(p[0]) if isinstance(p, tuple) and p else None) for p in pairs
        ]
    if isinstance(timestamps, (str, bytes)) or not isinstance(timestamps, Iterable):
        raise InvalidParameterError("timestamps must be a sequence (in item order) or a mapping")
    times = [timestamp(t) for t in timestamps]
    if len(times) != len(pairs):
        raise InvalidParameterError(
            f"{len(times)} timestamps for {len(pairs)} documents: give one per document"
        )
    return times


def _batches(docs: Any) -> Iterator[list[tuple[Any, Any]]]:
    """The documents given to :func:`find_duplicates` (a mapping of id to text, or an
    iterable of ``(id, text)`` pairs, a generator included): a mapping or a sequence in one
    batch (its texts are in memory already), anything else in batches of at most
    :data:`STREAM_BATCH_DOCS` documents or :data:`STREAM_BATCH_CHARS` characters, pulled
    from ``docs`` only as each batch is wanted; each entry checked with a message that
    names ``docs`` (the type of ``docs`` at once, its entries as they come)."""
    if isinstance(docs, (str, bytes)) or not isinstance(docs, Iterable):
        raise InvalidParameterError(
            f"docs must be a mapping of id to text or (id, text) pairs, got {type(docs).__name__}"
        )
    if isinstance(docs, (Mapping, Sequence)):  # held in memory already: one batch, so
        # that the sketching runs in one pool over every document, as before streaming
        entries = iter(docs.items() if isinstance(docs, Mapping) else docs)
        return _batched(entries, most_docs=len(docs), most_chars=None)
    return _batched(iter(docs), most_docs=STREAM_BATCH_DOCS, most_chars=STREAM_BATCH_CHARS)


def _batched(
    entries: Iterator[Any], *, most_docs: int, most_chars: int | None
) -> Iterator[list[tuple[Any, Any]]]:
    batch: list[tuple[Any, Any]] = []
    chars = 0
    for entry in entries:
        if not (isinstance(entry, tuple) and len(entry) == 2):
            raise InvalidParameterError(
                "docs must be a mapping of id to text or (id, text) pairs; it holds a "
                f"{type(entry).__name__}: {_short(entry)} (for a list of texts, give "
                "each an id: dict(enumerate(texts)) with str ids, say)"
            )
        batch.append(entry)
        chars += len(entry[1]) if isinstance(entry[1], (str, bytes)) else 0
        if len(batch) >= most_docs or (most_chars is not None and chars >= most_chars):
            out, batch, chars = batch, [], 0
            del entry
            yield out  # the caller holds the only reference: let go once sketched
            del out
    if batch:
        yield batch


def _index_batches(
    index: Index,
    batches: Iterator[list[tuple[Any, Any]]],
    skip_empty: bool,
    metadata: Mapping[str, Mapping[str, str]] | None,
    bar: Progress,
) -> list[str]:
    """Check, sketch and store each batch of ``(id, text)`` pairs (for
    :func:`find_duplicates`), in one pool of workers that sketches a batch while the next
    is read; the ids skipped for having no words."""
    skipped: list[str] = []
    empty: set[str] = set()
    job = (index.params, index._keep_words)
    with ForkPool(sketch_part, resolve_workers(index.workers), shared=job) as pool:
        in_flight: set[str] = set()
        store_pending: Callable[[], None] = lambda: None  # noqa: E731
        for entries in batches:
            batch = _Batch.read(entries, None, skip_empty=skip_empty)
            del entries  # the batch holds the texts now, until they are sketched
            _check_stream_ids(index, batch, empty, in_flight)
            meta = _metadata_for(metadata, batch.named)
            store_next = index._put_submit(batch, meta, bar, replace=False, pool=pool)
            store_pending()  # the batch before, sketched meanwhile
            store_pending, in_flight = store_next, set(batch.ids)
            skipped += batch.skipped
            empty.update(batch.skipped)
            bar.update(len(batch.skipped))
            del batch, store_next
        store_pending()
    return skipped


def _line_groups(blocks: Iterator[LineBlock]) -> Iterator[list[LineBlock]]:
    """Blocks of lines in groups of :data:`STREAM_BATCH_CHUNKS` (fewer once they hold
    :data:`STREAM_BATCH_CHARS` bytes, or at an input's end): one batch for the workers."""
    group: list[LineBlock] = []
    held = 0
    for block in blocks:
        group.append(block)
        held += sum(len(line) for line in block.lines if line is not None)
        if len(group) >= STREAM_BATCH_CHUNKS or held >= STREAM_BATCH_CHARS or block.end:
            yield group
            group, held = [], 0
    if group:
        yield group


def _index_lines(
    index: Index,
    stream: DocumentStream,
    blocks: Iterator[LineBlock],
    skip_empty: bool,
    metadata: Mapping[str, Mapping[str, str]] | None,
    bar: Progress,
) -> list[str]:
    """:func:`_index_batches` for a stream over JSONL inputs: the workers parse and check
    the lines they sketch (:func:`~dedupe.sketch_tasks.read_part`), and the stream notes
    what they found in line order (:meth:`~dedupe.inputs.DocumentStream.take`)."""
    skipped: list[str] = []
    job = (index.params, index._keep_words, stream.fields)
    with ForkPool(read_part, resolve_workers(index.workers), shared=job) as pool:
        pending: Callable[[], None] = lambda: None  # noqa: E731
        for group in _line_groups(blocks):
            wait = pool.submit(group)
            pending()  # the group before, read and sketched meanwhile
            pending = functools.partial(
                _take_lines, index, stream, group, wait, skip_empty, metadata, bar, skipped
            )
            del group, wait
        pending()
    return skipped


def _take_lines(
    index: Index,
    stream: DocumentStream,
    group: list[LineBlock],
    wait: Callable[[], list[tuple[list[ParsedLine], list[bool], Sketch, np.ndarray]]],
    skip_empty: bool,
    metadata: Mapping[str, Mapping[str, str]] | None,
    bar: Progress,
    skipped: list[str],
) -> None:
    """Store a group of blocks read by the workers, block by block: the stream notes each
    line (a problem raises or is skipped, as the stream says), each document taken is
    checked as :meth:`_Batch.read` checks it, and those with words are stored (each
    block's sketch as it came: not copied into one for the group first); those without
    are added to ``skipped`` (``skip_empty``) or raise."""
    results = wait()
    results.reverse()
    for block in group:
        parsed, words, sketch, bands = results.pop()
        taken = stream.take(block, parsed)
        batch = _Batch([], [], [], np.zeros(0), [])
        for doc_id, has in zip(taken, words):
            _not_empty(doc_id)  # read from a line: a str the worker checked (_check_id)
            batch.named.append(doc_id)
            if has:
                batch.ids.append(doc_id)
            elif skip_empty:
                batch.skipped.append(doc_id)
            else:
                raise _no_words(doc_id)
        batch.times = np.full(len(batch.ids), np.nan)
        meta = _metadata_for(metadata, batch.named)
        index._keep(batch, meta, _ready(sketch, bands), replace=False)
        del sketch, bands
        skipped += batch.skipped
        bar.update(len(taken))


def _ready(sketch: Sketch, bands: np.ndarray) -> Callable[[], tuple[Sketch, np.ndarray]]:
    """A sketch already made, as :meth:`Index._keep` waits for one."""
    return lambda: (sketch, bands)


def _check_stream_ids(
    index: Index, batch: _Batch, skipped: set[str], in_flight: set[str] | None = None
) -> None:
    """No id of ``batch`` given before (stored, skipped for having no words, or in the
    batch still being sketched, ``in_flight``) or twice in it: else
    :class:`~dedupe.errors.DuplicateIdError` naming it."""
    here: set[str] = set()
    earlier = in_flight or set()
    for doc_id, stored in zip(batch.named, index.store.contains_many(batch.named)):
        if stored or doc_id in skipped or doc_id in here or doc_id in earlier:
            raise DuplicateIdError(
                f"id {doc_id!r} appears twice in docs; give each document its own id"
            )
        here.add(doc_id)


def _metadata_for(
    metadata: Mapping[str, Mapping[str, str]] | None, ids: list[str]
) -> dict[str, dict[str, str]]:
    """The entries of ``metadata`` for ``ids`` (read when their batch comes: a mapping the
    caller fills as the documents are read, as :func:`dedupe.inputs.iter_documents` does,
    works), checked."""
    if metadata is None:
        return {}
    return check_metadata({d: metadata[d] for d in ids if d in metadata}, ids)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def find_duplicates(
    docs: Mapping[str, str | bytes] | Iterable[tuple[str, str | bytes]],
    *,
    jaccard: float = Thresholds.jaccard,
    containment: float = Thresholds.containment,
    ngram: int = IndexParams.ngram,
    num_perm: int = IndexParams.num_perm,
    seed: int = IndexParams.seed,
    bands: int = IndexParams.bands,
    window: int = IndexParams.window,
    short_text: int = IndexParams.short_text,
    fuzzy: bool = IndexParams.fuzzy,
    min_shingles: int = Thresholds.min_shingles,
    max_key_docs: int = Thresholds.max_key_docs,
    fuzzy_threshold: float = Thresholds.fuzzy_threshold,
    fuzzy_min_words: int = Thresholds.fuzzy_min_words,
    min_key_share: float = Thresholds.min_key_share,
    workers: int = RunOptions.workers,
    representative: Rule = RunOptions.representative,
    clusters: str = RunOptions.clusters,
    skip_empty: bool = False,
    progress: Shown = False,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
    spill: str | os.PathLike[str] | None = None,
) -> Report:
    """Every overlapping pair in a collection, verified and scored, and the clusters.

    ``docs`` is a mapping of id to text or any iterable of ``(id, text)`` pairs: a
    generator, or :func:`dedupe.inputs.iter_documents` over JSONL/CSV files and folders,
    is read in batches (``dedupe.index.STREAM_BATCH_DOCS``, 8,000, documents; fewer once they
    hold ``STREAM_BATCH_CHARS``, 64M, characters), each sketched in one pool of worker
    processes while the next is pulled, so at most two batches of texts are held at a
    time (over JSONL inputs this process reads only lines, which the workers parse: see
    :class:`~dedupe.inputs.DocumentStream`; the shingle sets, passage and band keys of
    every document are kept; in fuzzy mode their normalised words too, which a dict or a
    list does not need: they are made again from its texts for the pairs scored). The
    report is
    the one of the same documents given as a dict. An id given twice raises
    :class:`~dedupe.errors.DuplicateIdError` naming it, when it comes.

    A pair is reported when its Jaccard similarity reaches ``jaccard`` or the share of
    either document found in the other reaches ``containment``. Every option is described
    in :mod:`dedupe.params` (the shaping ones are those of :class:`Index`). With
    ``skip_empty`` texts without words are left out and listed in ``Report.skipped``
    instead of raising :class:`~dedupe.errors.EmptyTextError`. ``progress``: ``True`` for
    progress bars on stderr, ``"lines"`` for a line per long stage (logs). ``metadata`` maps
    document ids to dicts of ``str`` fields (title, outlet, date...); it is checked
    (:class:`~dedupe.errors.InvalidParameterError` for an unknown id or a value that is not
    a ``str``) and carried in ``Report.metadata``. ``spill``, a folder, writes the shingle
    sets and passage keys to unnamed temporary files there as they are made and reads them
    through memory maps: a collection whose sets outgrow the memory then pages them from
    disk (the kernel's page cache holds what fits) instead of running out of memory; the
    report is the same. The files are gone when the call returns.
    ``clusters`` is the grouping rule: ``"hubs"`` (a roundup or a quote shared by unrelated
    stories does not merge them; it is listed in ``Report.hubs``) or ``"components"``
    (every pair joins); see :mod:`dedupe.cluster`. ``Report.matches`` holds every verified
    pair with exact copies collapsed, ``Report.expanded_matches()`` every pair (see
    :class:`~dedupe.results.Report`).

    >>> report = find_duplicates({"a": "one two three four five six seven",
    ...                           "b": "one two three four five six eight", "c": "else"}, ngram=2)
    >>> [(m.a, m.b, m.kind) for m in report.matches], [c.members for c in report.clusters]
    ([('a', 'b', 'near_duplicate')], [('a', 'b')])
    >>> texts = ["one two three four five six seven", "one two three four five six eight"]
    >>> stream = ((f"t{i}", text) for i, text in enumerate(texts))  # pulled as needed
    >>> [(m.a, m.b, m.kind) for m in find_duplicates(stream, ngram=2).matches]
    [('t0', 't1', 'near_duplicate')]
    """
    params, thresholds, run = split_options(locals())
    started = time.perf_counter()
    if metadata is not None and not isinstance(metadata, Mapping):
        check_metadata(metadata, ())  # says what metadata must be
    if metadata is not None and isinstance(docs, Mapping):  # every id known: checked now
        check_metadata(metadata, docs)
    batches = _batches(docs)
    # one pass over sets held for seconds: plain, not packed (packing pays off in a live index)
    index = Index(store=MemoryStore(pack_sets=False, spill=spill), workers=run.workers)
    index.params, index._thresholds = params, thresholds
    # texts the caller holds (not a stream): fuzzy words are made again from them for the
    # pairs scored, instead of being kept for every document (as large as the texts)
    index._keep_words = not (params.fuzzy and isinstance(docs, (Mapping, Sequence)))
    total = len(docs) if isinstance(docs, Sized) else None
    lines = (
        docs.line_blocks(SKETCH_CHUNK_DOCS, STREAM_BATCH_CHARS // STREAM_BATCH_CHUNKS)
        if isinstance(docs, DocumentStream)
        else None
    )
    with Progress(total, desc="indexing", unit="doc", enabled=progress) as bar:
        if lines is not None:  # JSONL: the workers parse the lines they sketch
            assert isinstance(docs, DocumentStream)
            skipped = _index_lines(index, docs, lines, skip_empty, metadata, bar)
        else:
            skipped = _index_batches(index, batches, skip_empty, metadata, bar)
    empty = set(skipped)
    if metadata is not None:  # an id no document has: said once every document is read
        unknown = (d for d in metadata if d not in index.store and d not in empty)
        check_metadata({d: metadata[d] for d in itertools.islice(unknown, 1)}, ())
    if not index._keep_words:  # read and checked by now: a sequence is (id, text) pairs
        index._texts = docs if isinstance(docs, Mapping) else dict(docs)
    matches = index.pairs(progress=progress)
    with Progress(None, desc="clustering", enabled=progress, eta=False):
        grouping = index.group(matches, clusters=run.clusters, representative=run.representative)
    return build_report(
        matches=matches,
        grouping=grouping,
        ids=index.ids(),
        skipped=skipped,
        seconds=time.perf_counter() - started,
        params={**params.to_dict(), **thresholds.to_dict()},
        metadata={k: v for k, v in index.metadata_many(metadata).items() if v} if metadata else {},
    )
