"""The live index and ``find_duplicates``: documents in, verified matches out.

:class:`Index` orchestrates the pipeline stages and holds no rule of its own: texts are
sketched (:func:`dedupe.sketch.sketch_texts`), their band keys computed
(:func:`dedupe.lsh.band_keys`), and both kept in a :class:`~dedupe.store.Store`; queries and
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
import inspect
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .cluster import Cluster, Grouping, Hub, check_cluster_rule, group_matches
from .dedup import Deduplication, deduplicate
from .errors import (
    DuplicateIdError,
    EmptyTextError,
    IndexNotFoundError,
    InvalidParameterError,
    InvalidTextError,
    UnknownIdError,
)
from .flat import (
    concat_arrays,
    lengths,
    release_freed,
    segment_positions,
    sorted_unique,
    take,
)
from .lsh import (
    BAND_BIT,
    band_keys,
    candidates,
    group_collection,
    probe_candidates,
    sketch_for_store,
)
from .match import Match
from .metadata import check_metadata
from .parallel import Joined, Progress, fork_map, resolve_workers
from .params import IndexParams, Thresholds, check_int, seconds, timestamp
from .provenance import MAX_GAP, MIN_WORDS, Provenance, trace
from .sketch import MinHasher, Sketch
from .store import Columns, MemoryStore, Store
from .store.file import read_index, write_index
from .store.memory import posting_entries
from .text import check_unicode, ensure_text, has_words
from .verify import (
    copy_matches,
    exact_copies,
    expand_copies,
    judge,
    shared_counts,
    shared_with,
)
from .version import __version__

__all__ = ["Index", "IndexParams", "Report", "Thresholds", "find_duplicates", "QUERY_ID"]

#: The id a query text takes in the matches :meth:`Index.query` returns.
QUERY_ID = "<query>"
#: Texts are sketched in chunks of this many (a progress step, and a task for a worker).
SKETCH_CHUNK_DOCS = 1000
#: Batches of at least this many texts are sketched, and collections of at least this many
#: documents grouped by key, in worker processes.
PARALLEL_MIN_DOCS = 4000
#: At least this many candidate pairs are verified in worker processes.
PARALLEL_MIN_PAIRS = 5000


@dataclass(frozen=True)
class Report:
    """What :func:`find_duplicates` found: matches best first, clusters largest first.

    ``metadata`` holds the metadata given for the documents of the report (id -> dict of
    ``str`` fields; ids without metadata are left out), and ``ids`` every document id in
    input order (those skipped for holding no words aside).
    """

    matches: tuple[Match, ...]
    clusters: tuple[Cluster, ...]
    documents: int
    skipped: tuple[str, ...] = ()
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: tuple[str, ...] = ()
    hubs: tuple[Hub, ...] = ()

    def expanded_matches(self) -> list[Match]:
        """Every pair the matches stand for, exact copies expanded: each copy takes the
        matches of the first document of its group (see :func:`dedupe.verify.expand_copies`).

        >>> r = find_duplicates({"a": "x y z w", "b": "x y z w", "c": "x y z w"}, ngram=2)
        >>> len(r.matches), len(r.expanded_matches())
        (2, 3)
        """
        return sorted(expand_copies(self.matches), key=Match.sort_key)

    def deduplicate(
        self,
        *,
        keep: str | Callable[[str], Any] = "earliest",
        partial: str = "drop",
        date_field: str | None = None,
    ) -> Deduplication:
        """Which documents to keep, and for each dropped one the kept document it duplicates
        (see :mod:`dedupe.dedup` for the rule and its guarantees).

        ``keep``: ``"earliest"`` (input order, or by the date in the metadata field
        ``date_field``), ``"longest"``, a metadata field name (``"-name"``: largest value
        first) or a key function of the id. ``partial="drop"`` (default) drops a document
        contained in another (the container is kept); ``"keep"`` drops only exact copies
        and near-duplicates.

        >>> r = find_duplicates({"a": "one two three four five six", "b": "one two three "
        ...                      "four five six", "c": "else"}, ngram=2)
        >>> d = r.deduplicate(); d.kept, [(x.id, x.duplicate_of, x.kind) for x in d.dropped]
        (('a', 'c'), [('b', 'a', 'exact')])
        """
        if not self.ids and self.documents:
            raise InvalidParameterError(
                "this Report does not list its document ids (Report.ids); build it with "
                "find_duplicates"
            )
        return deduplicate(
            self.ids,
            self.matches,
            keep=keep,
            partial=partial,
            metadata=self.metadata,
            date_field=date_field,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict.

        >>> find_duplicates({"a": "x y"}, metadata={"a": {"title": "T"}}).to_dict()["metadata"]
        {'a': {'title': 'T'}}
        """
        return {
            "documents": self.documents,
            "skipped": list(self.skipped),
            "seconds": self.seconds,
            "params": dict(self.params),
            "metadata": {k: dict(v) for k, v in self.metadata.items()},
            "matches": [m.to_dict() for m in self.matches],
            "clusters": [c.to_dict() for c in self.clusters],
            "hubs": [h.to_dict() for h in self.hubs],
        }


def _check_id(doc_id: Any) -> str:
    if not isinstance(doc_id, str):
        raise InvalidParameterError(f"document ids must be str, got {type(doc_id).__name__}")
    if not doc_id:
        raise InvalidParameterError("document ids must not be empty")
    try:
        return check_unicode(doc_id, name=f"document id {doc_id!r}")
    except InvalidTextError as err:
        raise InvalidParameterError(str(err)) from None


def _sketch_part(texts: list[str] | Joined, params: IndexParams) -> tuple[Sketch, np.ndarray]:
    """A worker's task: :func:`dedupe.lsh.sketch_for_store` of one chunk (sent joined:
    see :class:`dedupe.parallel.Joined`; texts hold no NUL)."""
    return sketch_for_store(texts.texts if isinstance(texts, Joined) else texts, params)


def _shared_part(pairs: np.ndarray, sets: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return shared_counts(*sets, pairs)


def _threshold_property(name: str) -> property:
    def get(self: Index) -> Any:
        return getattr(self._thresholds, name)

    def set_(self: Index, value: Any) -> None:
        self._thresholds = replace(self._thresholds, **{name: value})

    return property(get, set_, doc=f"The ``{name}`` threshold (see :class:`Thresholds`).")


class Index:
    """A live MinHash/LSH index of documents that finds whole and partial overlap.

    Parameters that shape what is stored (see :class:`IndexParams`): ``ngram`` (words per
    shingle), ``num_perm`` and ``seed`` (MinHash), ``bands`` (document LSH bands; 0, the
    default, means bands of 4 signature rows), ``window`` (shingles per passage key),
    ``short_text`` (texts with fewer distinct shingles take each one as a passage key).
    Thresholds, which may change any time (see :class:`Thresholds`): ``jaccard``,
    ``containment``, ``min_shingles``, ``max_key_docs``, ``min_key_share``.

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
    :class:`ParameterMismatchError`; :meth:`open` takes the parameters a store recorded.

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
        ngram: int = 5,
        num_perm: int = 128,
        seed: int = 1,
        bands: int = 0,
        window: int = 8,
        short_text: int = 40,
        jaccard: float = 0.5,
        containment: float = 0.5,
        min_shingles: int = 5,
        max_key_docs: int = 200,
        min_key_share: float = 0.1,
        workers: int = 0,
        retention: float | datetime.timedelta | None = None,
        store: Store | None = None,
    ) -> None:
        self.params = IndexParams(
            ngram=ngram,
            num_perm=num_perm,
            seed=seed,
            bands=bands,
            window=window,
            short_text=short_text,
        )
        self._thresholds = Thresholds(
            jaccard=jaccard,
            containment=containment,
            min_shingles=min_shingles,
            max_key_docs=max_key_docs,
            min_key_share=min_key_share,
        )
        self.workers = check_int("workers", workers, 0, 256)
        self.retention = None if retention is None else seconds(retention)
        if store is not None and not isinstance(store, Store):
            raise InvalidParameterError(f"store must be a dedupe Store, got {type(store).__name__}")
        self.store: Store = store if store is not None else MemoryStore()
        self._metadata: dict[str, dict[str, str]] = {}
        self._recorded = False  # whether the store holds our parameters (see _record)
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
        A store that holds no index raises :class:`IndexNotFoundError` (it never starts an
        empty one; ``Index(store=...)`` does).

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
        options = stored.to_dict()
        unknown = sorted(set(thresholds) - set(options))
        if unknown:
            raise InvalidParameterError(
                f"unknown threshold(s) {', '.join(unknown)}: Index.open takes {', '.join(options)}"
            )
        index = cls(**{**options, **thresholds}, workers=workers, retention=retention)
        index.params, index.store, index._recorded = params, store, True
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
        """The metadata given for a document when it was added (a copy; ``{}`` when none).

        :meth:`save` writes it in the index file and :meth:`load` reads it back. With
        another ``store`` (Redis) it lives in this process only.

        >>> idx = Index(); idx.add("a", "some words", metadata={"title": "Rail line"})
        >>> idx.metadata("a"), [(m.b, idx.metadata(m.b)["title"]) for m in idx.query("some words")]
        ({'title': 'Rail line'}, [('a', 'Rail line')])
        """
        self._require(doc_id)
        return dict(self._metadata.get(doc_id, {}))

    def _require(self, doc_id: str) -> None:
        _check_id(doc_id)
        if doc_id not in self.store:
            raise UnknownIdError(f"no document with id {doc_id!r} in the index")

    # ----------------------------------------------------------------- adding
    def _sketch(
        self, texts: list[str], progress: Progress | None = None
    ) -> tuple[Sketch, np.ndarray]:
        """Sketch many texts (and their band keys), in forked workers for large batches."""
        step = SKETCH_CHUNK_DOCS
        if len(texts) <= step:  # one chunk (a query): sketched here
            sketch, bands = sketch_for_store(texts, self.params)
            if progress is not None:
                progress.update(len(texts))
            return sketch, bands
        chunks = [Joined(texts[i : i + step]) for i in range(0, len(texts), step)]
        workers = resolve_workers(self.workers) if len(texts) >= PARALLEL_MIN_DOCS else 1
        parts = fork_map(
            _sketch_part,
            chunks,
            workers,
            shared=self.params,
            done=(lambda i: progress.update(len(chunks[i].texts))) if progress else None,
        )
        sketches, bands = [sk for sk, _ in parts], [b for _, b in parts]
        parts.clear()  # each part is freed as it is copied into the whole
        return Sketch.concat(sketches), concat_arrays(bands)

    def add(
        self,
        doc_id: str,
        text: str | bytes,
        *,
        replace: bool = False,
        timestamp: float | datetime.date | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Add one document. A known id raises :class:`DuplicateIdError` unless ``replace``.
        ``timestamp`` (seconds since the epoch, a ``datetime`` or a ``date``) places it in
        time for :meth:`evict` and ``retention``. ``metadata`` is a dict of ``str`` fields
        (title, outlet, date...) kept with it (see :meth:`metadata`).

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
        progress: bool = False,
        timestamps: Mapping[str, Any] | Iterable[Any] | None = None,
        metadata: Mapping[str, Mapping[str, str]] | None = None,
    ) -> list[str]:
        """Add many documents in one batch (much faster than :meth:`add` in a loop).

        ``timestamps`` are the documents' times (see :meth:`add`), in the order of
        ``items`` or as a mapping of id to time. ``metadata`` maps ids of the batch to
        dicts of ``str`` fields (see :meth:`metadata`); a replaced document takes the
        metadata given now (none if none is given).

        Everything is checked before anything is added: on any error the index is
        unchanged. A text without words raises :class:`EmptyTextError`, or with
        ``skip_empty`` is left out; the ids left out are returned. ``progress`` shows a
        progress bar on stderr (with tqdm installed) for batches that take a while.

        >>> Index().add_many({"a": "some words", "b": " -- "}, skip_empty=True)
        ['b']
        """
        pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
        times = _times_for(pairs, timestamps)
        named = [p[0] for p in pairs if isinstance(p, tuple) and p and isinstance(p[0], str)]
        stored = {d for d, known in zip(named, self.store.contains_many(named)) if known}
        ids: list[str] = []
        texts: list[str] = []
        kept: list[float] = []
        skipped: list[str] = []
        seen: set[str] = set()
        for entry, when in zip(pairs, times):
            if not (isinstance(entry, tuple) and len(entry) == 2):
                raise InvalidParameterError(
                    f"items must be (id, text) pairs or a mapping, got {type(entry).__name__}"
                )
            doc_id = _check_id(entry[0])
            if doc_id in seen:
                raise DuplicateIdError(f"id {doc_id!r} appears twice in the batch")
            if doc_id in stored and not replace:
                raise DuplicateIdError(
                    f"id {doc_id!r} is already in the index; pass replace=True to replace it"
                )
            seen.add(doc_id)
            text = ensure_text(entry[1], name=f"text of {doc_id!r}")
            if not has_words(text):
                if not skip_empty:
                    raise EmptyTextError(
                        f"text of {doc_id!r} holds no words (it is empty, blank or "
                        "punctuation only); leave it out or pass skip_empty=True"
                    )
                skipped.append(doc_id)
                continue
            ids.append(doc_id)
            texts.append(text)
            kept.append(when)
        given = check_metadata(metadata, seen)
        with Progress(len(ids), desc="indexing", unit="doc", enabled=progress) as bar:
            if ids:
                sketch, bands = self._sketch(texts, bar)
                del texts
                self._record()
                self.store.put(
                    ids, sketch, bands, np.array(kept, dtype=np.float64), replace=replace
                )
                del sketch, bands
                if len(ids) >= PARALLEL_MIN_DOCS:  # a large batch: hand its scratch back
                    release_freed()
        for doc_id in ids:
            self._metadata.pop(doc_id, None)
            if doc_id in given:
                self._metadata[doc_id] = given[doc_id]
        if self.retention is not None and ids:
            newest = self.store.newest()
            if np.isfinite(newest):
                self._forget(self.store.evict(newest - self.retention))
        return skipped

    def _forget(self, ids: Iterable[str]) -> list[str]:
        """Drop the metadata of removed documents; their ids."""
        ids = list(ids)
        for doc_id in ids:
            self._metadata.pop(doc_id, None)
        return ids

    def remove(self, doc_id: str) -> None:
        """Remove a document; an unknown id raises :class:`UnknownIdError`.

        >>> Index().remove("nope")
        Traceback (most recent call last):
        ...
        dedupe.errors.UnknownIdError: no document with id 'nope' in the index
        """
        self._require(doc_id)
        self.store.drop([doc_id])
        self._forget([doc_id])

    def evict(self, *, before: float | datetime.date) -> int:
        """Remove every document whose timestamp is before ``before``; how many.

        >>> idx = Index(); idx.add("old", "some words", timestamp=100)
        >>> idx.add("new", "other words", timestamp=200); idx.evict(before=150), idx.ids()
        (1, ['new'])
        """
        return len(self._forget(self.store.evict(timestamp(before, name="before"))))

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
        if isinstance(texts, (str, bytes)):
            raise InvalidParameterError("query_many takes a list of texts; use query for one")
        texts = list(texts)
        name = "query text" if len(texts) == 1 else "query text {}"
        texts = [ensure_text(x, name=name.format(i)) for i, x in enumerate(texts)]
        if k is not None:
            check_int("k", k, 1)
        if not texts:
            return []
        sketch, bands = self._sketch(texts)
        set_sizes, key_counts = sketch.set_sizes(), sketch.key_counts()
        if not set_sizes.all():
            empty = int(np.flatnonzero(set_sizes == 0)[0])
            raise EmptyTextError(
                f"{name.format(empty)} holds no words (it is empty, blank or punctuation only)"
            )
        t = self._thresholds
        n, short_text = len(texts), self.params.short_text
        ko = sketch.key_offsets
        # The keys of every text, band keys and passage keys, asked for once in all. Every
        # key, band keys too, is asked for its rows up to max_key_docs: past that the rule
        # uses a band key's earliest document only, so the rest need not be read.
        distinct = sorted_unique(np.concatenate((bands.ravel(), sketch.key_values[: ko[-1]])))
        hits = self.store.lookup(distinct, np.full(len(distinct), t.max_key_docs))
        is_band = (distinct & BAND_BIT) != 0
        short = hits.row_sizes < short_text
        first = np.searchsorted(hits.key_index, np.arange(len(distinct) + 1)) if n > 1 else None
        chosen = []
        for i in range(n):
            if first is None:  # one text: every key asked for is its own
                ks, at, key_of = slice(None), slice(None), hits.key_index
            else:  # the entries of this text's keys
                ks = np.searchsorted(
                    distinct, np.concatenate((bands[i], sketch.key_values[ko[i] : ko[i + 1]]))
                )
                count = first[ks + 1] - first[ks]
                at = np.repeat(first[ks], count) + segment_positions(count)
                key_of = np.repeat(np.arange(len(ks)), count)
            chosen.append(
                probe_candidates(
                    is_band[ks],
                    hits.df[ks],
                    key_of,
                    hits.rows[at],
                    hits.row_keys[at],
                    short[at],
                    int(key_counts[i]),
                    bool(set_sizes[i] < short_text),
                    max_key_docs=t.max_key_docs,
                    min_key_share=t.min_key_share,
                )
            )
        wanted = chosen[0] if n == 1 else sorted_unique(np.concatenate(chosen))
        if not len(wanted):
            return [[] for _ in range(n)]
        if hits.docs is not None:  # the store sent every row's document along
            docs, doc_rows = hits.docs, sorted_unique(hits.rows)
        else:
            docs, doc_rows = self.store.fetch(wanted), wanted
        answers = []
        for i, rows in enumerate(chosen):
            if len(rows) == len(doc_rows):  # the text's candidates are the documents
                values, doc_offsets, names = docs.set_values, docs.set_offsets, docs.ids
            else:
                at = np.searchsorted(doc_rows, rows)
                values, doc_offsets = take(docs.set_values, docs.set_offsets, at)
                names = [docs.ids[j] for j in at.tolist()]
            own = sketch.set_values[sketch.set_offsets[i] : sketch.set_offsets[i + 1]]
            out = judge(
                [QUERY_ID] * len(names),
                names,
                shared_with(own, values, doc_offsets),
                np.full(len(names), set_sizes[i]),
                lengths(doc_offsets),
                t,
            )
            out.sort(key=Match.sort_key)
            answers.append(out[:k] if k is not None else out)
        return answers

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
            min_key_share=t.min_key_share,
            short=sk.set_sizes() < self.params.short_text,
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

    def pairs(self) -> list[Match]:
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
        columns = self.store.columns()
        pairs, rep = self._pair_rows(columns)
        sk = columns.sketch
        workers = resolve_workers(self.workers)
        if workers >= 2 and len(pairs) >= PARALLEL_MIN_PAIRS:
            chunks = np.array_split(pairs, workers)
            shared = np.concatenate(
                fork_map(_shared_part, chunks, workers, shared=(sk.set_values, sk.set_offsets))
            )
        else:
            shared = shared_counts(sk.set_values, sk.set_offsets, pairs)
        sizes = sk.set_sizes()
        ids = columns.ids
        out = judge(
            [ids[r] for r in pairs[:, 0].tolist()],
            [ids[r] for r in pairs[:, 1].tolist()],
            shared,
            sizes[pairs[:, 0]],
            sizes[pairs[:, 1]],
            self._thresholds,
        )
        out += copy_matches(ids, rep, sizes)
        out.sort(key=Match.sort_key)
        return out

    def clusters(
        self,
        matches: Iterable[Match] | None = None,
        *,
        clusters: str = "hubs",
        representative: str | Callable[[str], Any] = "earliest",
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
        clusters: str = "hubs",
        representative: str | Callable[[str], Any] = "earliest",
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
        check_cluster_rule(clusters)
        if matches is None:
            matches = self.pairs()
        columns = self.store.columns()
        sizes = dict(zip(columns.ids, columns.sketch.set_sizes().tolist()))
        return group_matches(
            columns.ids, matches, clusters=clusters, representative=representative, sizes=sizes
        )

    # ----------------------------------------------------------------- merge / save / load
    def merge(self, other: Index, *, replace: bool = False) -> None:
        """Add every document of ``other`` (built with the same :class:`IndexParams`).

        >>> a, b = Index(), Index(); a.add("x", "some words"); b.merge(a); b.ids()
        ['x']
        """
        if not isinstance(other, Index):
            raise InvalidParameterError(f"merge takes an Index, got {type(other).__name__}")
        self.params.check_same(other.params)
        columns = other.store.columns()
        clash = [d for d, known in zip(columns.ids, self.store.contains_many(columns.ids)) if known]
        if clash and not replace:
            raise DuplicateIdError(
                f"{len(clash)} ids are in both indexes (first: {clash[0]!r}); pass replace=True"
            )
        self._record()
        self.store.put(
            columns.ids, columns.sketch, columns.band_keys, columns.timestamps, replace=replace
        )
        for doc_id in columns.ids:
            self._metadata.pop(doc_id, None)
        self._metadata.update({k: dict(v) for k, v in other._metadata.items()})

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` atomically (see :mod:`dedupe.store.file` for the format).

        >>> import os, tempfile
        >>> idx = Index(); idx.add("a", "some words")
        >>> idx.save(os.path.join(tempfile.mkdtemp(), "x.idx"))
        """
        columns = self.store.columns()
        sorted_postings = getattr(self.store, "sorted_postings", None)
        postings = sorted_postings() if sorted_postings is not None else None
        if postings is None:  # rows renumbered (removals), or another store: build them
            sk = columns.sketch
            postings = np.sort(posting_entries(columns.band_keys, sk.key_values, sk.key_offsets))
        write_index(
            path,
            params=self.params,
            thresholds=self._thresholds,
            ids=columns.ids,
            timestamps=columns.timestamps,
            sketch=columns.sketch,
            band_keys=columns.band_keys,
            created_by=f"dedupe {__version__}",
            metadata={d: self._metadata[d] for d in columns.ids if d in self._metadata},
            postings=postings,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, expect: IndexParams | None = None) -> Index:
        """Read an index written by :meth:`save` into memory.

        With ``expect``, parameters that differ raise :class:`ParameterMismatchError`.

        >>> Index.load("no/such.idx")
        Traceback (most recent call last):
        ...
        dedupe.errors.IndexFormatError: no/such.idx: no such file
        """
        stored = read_index(path)
        if expect is not None:
            expect.check_same(stored.params, what=str(path))
        index = cls(**stored.thresholds.to_dict())
        index.params = stored.params
        bands = stored.band_keys
        if bands is None:  # a version 1 file: band keys from its signatures
            bands = band_keys(stored.sketch.signatures, stored.params.bands)
        index.store.put(stored.ids, stored.sketch, bands, stored.timestamps)
        if stored.postings is not None:  # the query postings, ready (none in older files)
            index.store.adopt_postings(stored.postings)
        index._metadata = stored.metadata
        return index


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


def _iter_docs(docs: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(docs, Mapping):
        return docs.items()
    if isinstance(docs, (str, bytes)) or not isinstance(docs, Iterable):
        raise InvalidParameterError(
            f"docs must be a mapping of id to text or (id, text) pairs, got {type(docs).__name__}"
        )
    return docs


_INDEX_OPTIONS = tuple(p for p in inspect.signature(Index).parameters if p != "store")


def find_duplicates(
    docs: Mapping[str, str | bytes] | Iterable[tuple[str, str | bytes]],
    *,
    jaccard: float = 0.5,
    containment: float = 0.5,
    ngram: int = 5,
    num_perm: int = 128,
    seed: int = 1,
    bands: int = 0,
    window: int = 8,
    short_text: int = 40,
    min_shingles: int = 5,
    max_key_docs: int = 200,
    min_key_share: float = 0.1,
    workers: int = 0,
    representative: str | Callable[[str], Any] = "earliest",
    clusters: str = "hubs",
    skip_empty: bool = False,
    progress: bool = False,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
) -> Report:
    """Every overlapping pair in a collection, verified and scored, and the clusters.

    A pair is reported when its Jaccard similarity reaches ``jaccard`` or the share of
    either document found in the other reaches ``containment``. The other options are
    those of :class:`Index`. With ``skip_empty`` texts without words are left out and
    listed in ``Report.skipped`` instead of raising :class:`EmptyTextError`. ``metadata``
    maps document ids to dicts of ``str`` fields (title, outlet, date...); it is checked
    (:class:`InvalidParameterError` for an unknown id or a value that is not a ``str``)
    and carried in ``Report.metadata`` for the documents of the report.
    ``clusters`` is the grouping rule: ``"hubs"`` (a roundup or a quote shared by unrelated
    stories does not merge them; it is listed in ``Report.hubs``) or ``"components"``
    (every pair joins); see :mod:`dedupe.cluster`. Every pair is in ``Report.matches``
    either way.

    >>> report = find_duplicates({"a": "one two three four five six seven",
    ...                           "b": "one two three four five six eight", "c": "else"}, ngram=2)
    >>> [(m.a, m.b, m.kind) for m in report.matches], [c.members for c in report.clusters]
    ([('a', 'b', 'near_duplicate')], [('a', 'b')])
    """
    options = {k: v for k, v in locals().items() if k in _INDEX_OPTIONS}
    check_cluster_rule(clusters)
    started = time.perf_counter()
    # one pass over sets held for seconds: plain, not packed (packing pays off in a live index)
    index = Index(store=MemoryStore(pack_sets=False), **options)
    skipped = index.add_many(
        list(_iter_docs(docs)), skip_empty=skip_empty, progress=progress, metadata=metadata
    )
    matches = index.pairs()
    grouping = index.group(matches, clusters=clusters, representative=representative)
    return Report(
        tuple(matches),
        grouping.clusters,
        len(index),
        tuple(skipped),
        time.perf_counter() - started,
        {**index.params.to_dict(), **index.thresholds()},
        dict(index._metadata),
        tuple(index.ids()),
        grouping.hubs,
    )
