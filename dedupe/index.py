"""The live index: documents in, verified matches out, whole or partial overlap.

Two LSH tables propose candidates and exact set arithmetic verifies every one:

* **document bands**: the MinHash signature cut into ``bands`` bands; documents that
  agree on a whole band collide. This finds near-duplicates (high Jaccard).
* **passage keys**: the smallest shingle hash in every window of ``window`` consecutive
  shingles, i.e. the one-permutation MinHash of each passage (winnowing). Two texts
  sharing a passage of ``window`` shingles or more *always* share a key, whatever their
  lengths, so an excerpt embedded in a longer article is proposed even when the
  whole-document Jaccard is tiny.

>>> index = Index()
>>> index.add("wire", "The minister said on Monday that the new rail line will open in May "
...           "and carry ten thousand passengers a day between the two cities.")
>>> index.add("other", "Shares fell sharply in early trade as investors weighed the outlook.")
>>> [(m.b, m.kind) for m in index.query("Officials said the new rail line will open in May "
...                                      "and carry ten thousand passengers a day.")]
[('wire', 'partial')]
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .cluster import Cluster, build_clusters
from .errors import (
    DuplicateIdError,
    EmptyTextError,
    InvalidParameterError,
    ParameterMismatchError,
    UnknownIdError,
)
from .lsh import (
    BAND_BIT,
    PARALLEL_MIN_DOCS,
    PARALLEL_MIN_PAIRS,
    band_keys,
    can_fork,
    pairs_in_runs,
    shared_counts,
    shared_counts_parallel,
    shared_with,
    sketch_parallel,
    sketch_texts,
)
from .match import Match, match_kind
from .sketch import HASH_SCHEME, sorted_unique
from .text import ensure_text, has_words

__all__ = ["Index", "IndexParams", "Report", "find_duplicates", "QUERY_ID"]

#: The id a query text takes in the matches :meth:`Index.query` returns.
QUERY_ID = "<query>"
#: Version of the tokeniser (``dedupe.text.words``); recorded in index files.
TOKENIZER = "nfkc-casefold-words-cjkchar/1"

#: Seconds before the indexing progress bar appears (quick runs show none).
PROGRESS_DELAY = 0.5
#: With a progress bar, add_many indexes this many texts per step.
PROGRESS_BATCH = 5000


@dataclass(frozen=True)
class IndexParams:
    """Everything that shapes what is stored for a document; two indexes can be merged,
    and a file loaded, only when these agree.

    >>> IndexParams().rows
    4
    """

    ngram: int = 5
    num_perm: int = 128
    seed: int = 1
    bands: int = 0
    window: int = 8
    hash_scheme: str = HASH_SCHEME
    tokenizer: str = TOKENIZER

    def __post_init__(self) -> None:
        if not 1 <= self.ngram <= 64:
            raise InvalidParameterError(f"ngram must be between 1 and 64, got {self.ngram}")
        if not 1 <= self.num_perm <= 4096:
            raise InvalidParameterError(f"num_perm must be 1-4096, got {self.num_perm}")
        if self.bands == 0:  # default: bands of 4 rows (1 row when num_perm is not a multiple)
            object.__setattr__(self, "bands", self.num_perm // (4 if self.num_perm % 4 == 0 else 1))
        if self.bands < 1 or self.num_perm % self.bands:
            raise InvalidParameterError(
                f"bands must divide num_perm: {self.bands} does not divide {self.num_perm}"
            )
        if not 1 <= self.window <= 1000:
            raise InvalidParameterError(f"window must be between 1 and 1000, got {self.window}")

    @property
    def rows(self) -> int:
        """Signature rows per band."""
        return self.num_perm // self.bands

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)

    def check_same(self, other: IndexParams, *, what: str = "the other index") -> None:
        """Raise :class:`ParameterMismatchError` naming every parameter that differs."""
        diffs = [
            f"{k}: {v!r} here, {getattr(other, k)!r} in {what}"
            for k, v in asdict(self).items()
            if getattr(other, k) != v
        ]
        if diffs:
            raise ParameterMismatchError(
                "index parameters differ (" + "; ".join(diffs) + "): signatures built with "
                "different parameters cannot be compared; rebuild one side with the other's"
            )


@dataclass(frozen=True)
class Report:
    """What :func:`find_duplicates` found: matches best first, clusters largest first."""

    matches: tuple[Match, ...]
    clusters: tuple[Cluster, ...]
    documents: int
    skipped: tuple[str, ...] = ()
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "documents": self.documents,
            "skipped": list(self.skipped),
            "seconds": self.seconds,
            "params": dict(self.params),
            "matches": [m.to_dict() for m in self.matches],
            "clusters": [c.to_dict() for c in self.clusters],
        }


def _check_unit(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise InvalidParameterError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def _check_id(doc_id: Any) -> str:
    if not isinstance(doc_id, str):
        raise InvalidParameterError(f"document ids must be str, got {type(doc_id).__name__}")
    if not doc_id:
        raise InvalidParameterError("document ids must not be empty")
    return doc_id


class Index:
    """A live MinHash/LSH index of documents that finds whole and partial overlap.

    Parameters that shape what is stored (see :class:`IndexParams`): ``ngram`` (words per
    shingle), ``num_perm`` and ``seed`` (MinHash), ``bands`` (document LSH bands; 0, the
    default, means bands of 4 signature rows),
    ``window`` (shingles per passage key). Thresholds, which may change any time:

    * ``jaccard``: a pair is reported when its Jaccard similarity reaches this, or
    * ``containment``: when the share of either text's shingles found in the other does;
    * ``min_shingles``: texts with fewer distinct shingles (20 shingles are 24 words)
      are matched on Jaccard only: "most of a ten-word text" says little, and passage
      keys only guarantee finding shared runs of at least ``window`` shingles;
    * ``max_key_docs``: a passage key shared by more documents than this (boilerplate,
      datelines) proposes no candidates; document bands are never capped;
    * ``min_key_share``: two texts that share only passage keys (no document band) are
      verified when they share at least this share of the smaller one's keys (a pair
      with containment ``c`` in runs of ``L`` shingles shares about
      ``c * (L - window + 1) / L`` of them).

    ``workers`` processes sketch large batches and verify many candidate pairs (0: one
    per core, at most 4; 1: none).
    They are forked, so they are used only on platforms with ``fork`` and while the
    calling process runs a single thread; otherwise the batch is sketched in-process.

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
        jaccard: float = 0.5,
        containment: float = 0.5,
        min_shingles: int = 20,
        max_key_docs: int = 200,
        min_key_share: float = 0.1,
        workers: int = 0,
    ) -> None:
        self.params = IndexParams(
            ngram=ngram, num_perm=num_perm, seed=seed, bands=bands, window=window
        )
        self.jaccard = _check_unit("jaccard", jaccard)
        self.containment = _check_unit("containment", containment)
        if min_shingles < 0 or max_key_docs < 2:
            raise InvalidParameterError("min_shingles must be >= 0 and max_key_docs >= 2")
        self.min_shingles = int(min_shingles)
        self.max_key_docs = int(max_key_docs)
        self.min_key_share = _check_unit("min_key_share", min_key_share)
        self.workers = int(workers)
        self._ids: list[str | None] = []
        self._row: dict[str, int] = {}
        self._sets: list[np.ndarray] = []
        self._passages: list[np.ndarray] = []
        self._sig = np.empty((0, num_perm), dtype=np.uint32)
        self._reset_postings()

    # ----------------------------------------------------------------- basics
    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row

    def __repr__(self) -> str:
        p = self.params
        return f"Index({len(self)} documents, ngram={p.ngram}, num_perm={p.num_perm})"

    def thresholds(self) -> dict[str, float | int]:
        """The query-time options (they do not shape what is stored)."""
        return {
            "jaccard": self.jaccard,
            "containment": self.containment,
            "min_shingles": self.min_shingles,
            "max_key_docs": self.max_key_docs,
            "min_key_share": self.min_key_share,
        }

    def ids(self) -> list[str]:
        """Ids in insertion order."""
        return [d for d in self._ids if d is not None]

    def signature(self, doc_id: str) -> np.ndarray:
        """The MinHash signature of a document (``uint32[num_perm]``, datasketch-compatible).

        >>> from datasketch import MinHash
        >>> idx = Index(num_perm=16)
        >>> idx.add("a", "some words that make up a short text")
        >>> m = MinHash(num_perm=16, hashvalues=idx.signature("a"), scheme="affine32")
        >>> m.jaccard(m)
        1.0
        """
        return self._sig[self._lookup(doc_id)].copy()

    def _lookup(self, doc_id: str) -> int:
        row = self._row.get(doc_id)
        if row is None:
            raise UnknownIdError(f"no document with id {doc_id!r} in the index")
        return row

    # ----------------------------------------------------------------- adding
    def _workers(self) -> int:
        return self.workers or min(4, os.cpu_count() or 1)

    def _sketch(self, texts: list[str]) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """Shingle sets, passage keys and signatures of many texts at once."""
        p = self.params
        workers = self._workers()
        flat = None
        if workers >= 2 and len(texts) >= PARALLEL_MIN_DOCS and can_fork():
            flat = sketch_parallel(texts, p.ngram, p.window, p.num_perm, p.seed, workers)
        if flat is None:
            flat = sketch_texts(texts, p.ngram, p.window, p.num_perm, p.seed)
        set_vals, set_off, key_vals, key_off, sigs = flat
        return (
            np.split(set_vals, set_off[1:-1]),
            np.split(key_vals, key_off[1:-1]),
            sigs,
        )

    def add(self, doc_id: str, text: str | bytes, *, replace: bool = False) -> None:
        """Add one document. A known id raises :class:`DuplicateIdError` unless ``replace``.

        >>> idx = Index(); idx.add("a", "text")
        >>> idx.add("a", "other text")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        dedupe.errors.DuplicateIdError: id 'a' is already in the index; pass replace=True ...
        """
        self.add_many([(doc_id, text)], replace=replace)
        return None

    def add_many(
        self,
        items: Mapping[str, str | bytes] | Iterable[tuple[str, str | bytes]],
        *,
        replace: bool = False,
        skip_empty: bool = False,
        progress: bool = False,
    ) -> list[str]:
        """Add many documents in one batch (much faster than :meth:`add` in a loop).

        Everything is checked before anything is added: on any error the index is
        unchanged. A text without words raises :class:`EmptyTextError`, or with
        ``skip_empty`` is left out; the ids left out are returned. ``progress`` shows a
        progress bar on stderr (with tqdm installed) for batches that take a while.

        >>> Index().add_many({"a": "some words", "b": " -- "}, skip_empty=True)
        ['b']
        """
        pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
        ids: list[str] = []
        texts: list[str] = []
        skipped: list[str] = []
        seen: set[str] = set()
        for entry in pairs:
            if not (isinstance(entry, tuple) and len(entry) == 2):
                raise InvalidParameterError(
                    f"items must be (id, text) pairs or a mapping, got {type(entry).__name__}"
                )
            doc_id = _check_id(entry[0])
            if doc_id in seen:
                raise DuplicateIdError(f"id {doc_id!r} appears twice in the batch")
            if doc_id in self._row and not replace:
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
        step = PROGRESS_BATCH if progress else max(1, len(ids))
        bar = _progress(len(ids), progress)
        for start in range(0, len(ids), step):
            batch = ids[start : start + step]
            sets, passages, sigs = self._sketch(texts[start : start + step])
            for doc_id in batch:
                if doc_id in self._row:
                    self._drop(doc_id)
            self._append(batch, sets, passages, sigs)
            bar(len(batch))
        bar(0, close=True)
        return skipped

    def _append(
        self, ids: list[str], sets: list[np.ndarray], passages: list[np.ndarray], sigs: np.ndarray
    ) -> None:
        start = len(self._ids)
        need = start + len(ids)
        if need > len(self._sig):
            grown = np.empty((max(need, 2 * len(self._sig), 64), self.params.num_perm), np.uint32)
            grown[: len(self._sig)] = self._sig
            self._sig = grown
        self._sig[start:need] = sigs
        for i, doc_id in enumerate(ids):
            self._row[doc_id] = start + i
        self._ids.extend(ids)
        self._sets.extend(sets)
        self._passages.extend(passages)

    def remove(self, doc_id: str) -> None:
        """Remove a document; an unknown id raises :class:`UnknownIdError`.

        >>> Index().remove("nope")
        Traceback (most recent call last):
        ...
        dedupe.errors.UnknownIdError: no document with id 'nope' in the index
        """
        self._lookup(doc_id)
        self._drop(doc_id)

    def _drop(self, doc_id: str) -> None:
        row = self._row.pop(doc_id)
        self._ids[row] = None
        self._sets[row] = np.empty(0, dtype=np.uint64)
        self._passages[row] = np.empty(0, dtype=np.uint64)
        if 4 * (len(self._ids) - len(self._row)) > len(self._ids) + 64:
            self._compact()

    def _compact(self) -> None:
        """Drop removed rows (renumbering the rest) and the postings."""
        alive = [r for r, d in enumerate(self._ids) if d is not None]
        self._sig = self._sig[alive].copy()
        self._ids = [self._ids[r] for r in alive]
        self._sets = [self._sets[r] for r in alive]
        self._passages = [self._passages[r] for r in alive]
        self._row = {d: i for i, d in enumerate(self._ids) if d is not None}
        self._reset_postings()

    # ----------------------------------------------------------------- keys
    def _keys_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(band keys, passage keys, their rows) for the given rows."""
        bands = band_keys(self._sig[rows], self.params.bands)
        band_rows = np.repeat(rows, self.params.bands)
        lens = np.fromiter((len(self._passages[r]) for r in rows), dtype=np.int64, count=len(rows))
        passage = (
            np.concatenate([self._passages[r] for r in rows])
            if len(rows)
            else np.empty(0, np.uint64)
        )
        return bands.ravel(), passage, np.concatenate((band_rows, np.repeat(rows, lens)))

    def _reset_postings(self) -> None:
        # Query postings: two sorted (keys, rows) runs, a large one and a small recent one
        # that is folded into the large one when it passes a quarter of its size, so a
        # stream of add-then-query costs amortised O(log n) per key, not a full re-sort.
        empty = (np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64))
        self._postings = [empty, empty]
        self._posted = 0  # rows below this are in the postings

    @staticmethod
    def _sorted_run(keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(keys, kind="stable")
        return keys[order], rows[order]

    def _refresh_postings(self) -> None:
        """Fold rows added since the last refresh into the query postings."""
        total = len(self._ids)
        if self._posted == total:
            return
        bands, passage, rows = self._keys_of(np.arange(self._posted, total, dtype=np.int64))
        (big_k, big_r), (small_k, small_r) = self._postings
        small = self._sorted_run(
            np.concatenate((small_k, bands, passage)), np.concatenate((small_r, rows))
        )
        if len(small[0]) > max(65536, len(big_k) // 4):
            big = self._sorted_run(
                np.concatenate((big_k, small[0])), np.concatenate((big_r, small[1]))
            )
            small = (np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64))
            self._postings = [big, small]
        else:
            self._postings = [(big_k, big_r), small]
        self._posted = total

    # ----------------------------------------------------------------- scoring
    def _judge(
        self, a_ids: list[str], b_ids: list[str], shared: np.ndarray, na: np.ndarray, nb: np.ndarray
    ) -> list[Match]:
        """Matches for the pairs whose exact scores pass a threshold (vectorised)."""
        shared = shared.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            jac = shared / (na + nb - shared)
            c_ab, c_ba = shared / na, shared / nb
        ok = (shared > 0) & (
            (jac >= self.jaccard)
            | ((c_ab >= self.containment) & (na >= self.min_shingles))
            | ((c_ba >= self.containment) & (nb >= self.min_shingles))
        )
        out = []
        for k in np.flatnonzero(ok).tolist():
            n_sh, n_a, n_b = int(shared[k]), int(na[k]), int(nb[k])
            kind = match_kind(n_sh, n_a, n_b, jaccard=float(jac[k]), threshold=self.jaccard)
            out.append(
                Match(
                    a_ids[k],
                    b_ids[k],
                    float(jac[k]),
                    float(c_ab[k]),
                    float(c_ba[k]),
                    kind,
                    n_sh,
                    n_a,
                    n_b,
                    True,
                )
            )
        return out

    # ----------------------------------------------------------------- queries
    def query(self, text: str | bytes, *, k: int | None = None) -> list[Match]:
        """Indexed documents that overlap ``text``, best first (``Match.a`` is ``"<query>"``).

        ``containment_ab`` is the share of the query found in the document.
        """
        text = ensure_text(text, name="query text")
        if k is not None and k < 1:
            raise InvalidParameterError(f"k must be >= 1 or None, got {k}")
        sets, passages, sigs = self._sketch([text])
        if not len(sets[0]):
            raise EmptyTextError(
                "query text holds no words (it is empty, blank or punctuation only)"
            )
        self._refresh_postings()
        keys = np.concatenate((band_keys(sigs, self.params.bands).ravel(), passages[0]))
        spans = [
            (
                run_rows,
                np.searchsorted(run_keys, keys, "left"),
                np.searchsorted(run_keys, keys, "right"),
            )
            for run_keys, run_rows in self._postings
        ]
        df = sum(hi - lo for _, lo, hi in spans)
        capped = ((keys & BAND_BIT) == 0) & (df > self.max_key_docs)
        found = [
            run_rows[s:e]
            for run_rows, lo, hi in spans
            for s, e in zip(lo[~capped].tolist(), hi[~capped].tolist())
            if e > s
        ]
        rows = sorted_unique(np.concatenate(found)).tolist() if found else []
        rows = [r for r in rows if self._ids[r] is not None]
        others = [self._sets[r] for r in rows]
        out = self._judge(
            [QUERY_ID] * len(rows),
            [self._ids[r] for r in rows],
            shared_with(sets[0], others),
            np.full(len(rows), len(sets[0]), dtype=np.int64),
            np.fromiter(map(len, others), dtype=np.int64, count=len(others)),
        )
        out.sort(key=Match.sort_key)
        return out[:k] if k is not None else out

    def candidate_pairs(self) -> np.ndarray:
        """Row pairs proposed by the LSH tables (before verification), ``int64[k, 2]``."""
        alive = np.array([r for r, d in enumerate(self._ids) if d is not None], dtype=np.int64)
        bands, passage, rows = self._keys_of(alive)
        n_band = len(bands)
        parts = []
        for keys, rws, cap in (
            (bands, rows[:n_band], None),
            (passage, rows[n_band:], self.max_key_docs),
        ):
            order = np.argsort(keys, kind="stable")
            parts.append(pairs_in_runs(keys[order], rws[order], cap))
        band_pairs, passage_pairs = parts
        n = len(self._ids)
        codes, shared = np.unique(passage_pairs[:, 0] * n + passage_pairs[:, 1], return_counts=True)
        first, second = codes // n, codes % n
        n_keys = np.fromiter(map(len, self._passages), dtype=np.int64, count=n)
        fewest = np.minimum(n_keys[first], n_keys[second])
        keep = shared >= np.maximum(1.0, self.min_key_share * fewest)
        codes = sorted_unique(
            np.concatenate((codes[keep], band_pairs[:, 0] * n + band_pairs[:, 1]))
        )
        return np.stack((codes // n, codes % n), axis=1)

    def pairs(self) -> list[Match]:
        """Every verified overlapping pair among the indexed documents, best first.

        In each match ``a`` was added before ``b``.
        """
        pairs = self.candidate_pairs()  # sorted by first row
        workers = self._workers()
        if workers >= 2 and len(pairs) >= PARALLEL_MIN_PAIRS and can_fork():
            shared = shared_counts_parallel(self._sets, pairs, workers)
        else:
            shared = shared_counts(self._sets, pairs)
        sizes = np.fromiter(map(len, self._sets), dtype=np.int64, count=len(self._sets))
        out = self._judge(
            [self._ids[r] for r in pairs[:, 0]],
            [self._ids[r] for r in pairs[:, 1]],
            shared,
            sizes[pairs[:, 0]],
            sizes[pairs[:, 1]],
        )
        out.sort(key=Match.sort_key)
        return out

    def clusters(
        self,
        matches: Iterable[Match] | None = None,
        *,
        representative: str | Callable[[str], Any] = "earliest",
    ) -> list[Cluster]:
        """Clusters of the verified pairs (see :func:`dedupe.cluster.build_clusters`)."""
        if matches is None:
            matches = self.pairs()
        sizes = {d: len(self._sets[r]) for d, r in self._row.items()}
        return build_clusters(self.ids(), matches, representative=representative, sizes=sizes)

    # ----------------------------------------------------------------- merge / store
    def merge(self, other: Index, *, replace: bool = False) -> None:
        """Add every document of ``other`` (built with the same :class:`IndexParams`)."""
        self.params.check_same(other.params)
        ids = other.ids()
        clash = [d for d in ids if d in self._row]
        if clash and not replace:
            raise DuplicateIdError(
                f"{len(clash)} ids are in both indexes (first: {clash[0]!r}); pass replace=True"
            )
        for d in clash:
            self._drop(d)
        rows = [other._row[d] for d in ids]
        self._append(
            ids,
            [other._sets[r] for r in rows],
            [other._passages[r] for r in rows],
            other._sig[rows],
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` atomically (see :mod:`dedupe.store` for the format)."""
        from .store import write_index

        write_index(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, expect: IndexParams | None = None) -> Index:
        """Read an index written by :meth:`save`.

        With ``expect``, parameters that differ raise :class:`ParameterMismatchError`.
        """
        from .store import read_index

        index = read_index(path, cls)
        if expect is not None:
            expect.check_same(index.params, what=str(path))
        return index


def _iter_docs(docs: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(docs, Mapping):
        return docs.items()
    if isinstance(docs, (str, bytes)):
        raise InvalidParameterError("docs must be a mapping of id to text or (id, text) pairs")
    return docs


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
    min_shingles: int = 20,
    max_key_docs: int = 200,
    min_key_share: float = 0.1,
    workers: int = 0,
    representative: str | Callable[[str], Any] = "earliest",
    skip_empty: bool = False,
    progress: bool = False,
) -> Report:
    """Every overlapping pair in a collection, verified and scored, and the clusters.

    A pair is reported when its Jaccard similarity reaches ``jaccard`` or the share of
    either document found in the other reaches ``containment``. The other options are
    those of :class:`Index`. With ``skip_empty`` texts without words are left out and
    listed in ``Report.skipped`` instead of raising :class:`EmptyTextError`.

    >>> report = find_duplicates({"a": "one two three four five six seven",
    ...                           "b": "one two three four five six eight", "c": "else"}, ngram=2)
    >>> [(m.a, m.b, m.kind) for m in report.matches], [c.members for c in report.clusters]
    ([('a', 'b', 'near_duplicate')], [('a', 'b')])
    """
    started = time.perf_counter()
    index = Index(
        ngram=ngram,
        num_perm=num_perm,
        seed=seed,
        bands=bands,
        window=window,
        jaccard=jaccard,
        containment=containment,
        min_shingles=min_shingles,
        max_key_docs=max_key_docs,
        min_key_share=min_key_share,
        workers=workers,
    )
    skipped = index.add_many(list(_iter_docs(docs)), skip_empty=skip_empty, progress=progress)
    matches = index.pairs()
    clusters = index.clusters(matches, representative=representative)
    return Report(
        tuple(matches),
        tuple(clusters),
        len(index),
        tuple(skipped),
        time.perf_counter() - started,
        {**index.params.to_dict(), **index.thresholds()},
    )


def _progress(total: int, enabled: bool) -> Callable[..., None]:
    """A tqdm progress bar on stderr when enabled and tqdm is installed, else a no-op."""
    if not enabled:
        return lambda n, close=False: None
    try:
        from tqdm import tqdm
    except ImportError:
        return lambda n, close=False: None
    bar = tqdm(total=total, unit="doc", desc="indexing", leave=False, delay=PROGRESS_DELAY)

    def update(n: int, close: bool = False) -> None:
        bar.update(n)
        if close:
            bar.close()

    return update
