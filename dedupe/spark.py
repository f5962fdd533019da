"""dedupe on Apache Spark: the same matches as :func:`dedupe.find_duplicates`, on a cluster.

The Spark engine runs the very functions of the single-machine pipeline next to the data,
so its results are equal, not approximately equal: :func:`dedupe.lsh.sketch_for_store`
(the sketch and band keys every engine stores) in ``mapInArrow`` (which works on Spark
Connect, where ``df.rdd`` does not), :func:`dedupe.lsh.key_pairs` (rules 1 and 2 of the
candidate rule) on each partition of the keys, :func:`dedupe.lsh.passage_rule` on the
shared-key counts summed over them, :func:`dedupe.verify.shared_counts` and
:func:`dedupe.verify.pair_scores` on the candidate pairs, and
:func:`dedupe.cluster.group_matches` on the collected matches. Only the grouping is
Spark's (shuffles, joins and aggregations on DataFrames). No task forks processes.

The stages (each materialised once with ``localCheckpoint``, and timed):

1. ``order``: ids are checked (strings, not empty, unique) and ranked by ``(order_col,
   id)``: a sort, then each range partition's row numbers plus the counts of the partitions
   before it. The rank is the row of :func:`dedupe.find_duplicates` ("earlier" = smaller):
   it decides ``a`` and ``b``, the first of a copy group and the earliest document of a
   capped band key. No generated id takes part.
2. ``sketch``: texts are checked (:func:`dedupe.text.ensure_text`) and sketched in Arrow
   batches; per document: its shingle set (sorted ``uint32`` as bytes), its band keys and
   passage keys (``uint32`` as bytes), their count, and a 64-bit set fingerprint
   (:data:`SKETCH_DOCS` documents at a time); each document's row comes from the
   ``order`` table, broadcast (see :data:`BROADCAST_DOCS`), so no set is shuffled here.
3. ``copies``: exact copies collapse onto the earliest document of their fingerprint group
   whose set is byte for byte the same (:func:`dedupe.verify.exact_copies`); the others
   become ``exact`` matches. Candidates are formed among the remaining documents only, so
   300 copies of a story cost 299 rows, not 45,000 pairs. Only the members of fingerprint
   groups of two or more bring their sets to the comparison.
4. ``keys``: first one pass over the representatives' keys finds the keys held by two
   documents or more: each partition sends the driver its keys' hashes (sorted, as
   compressed differences: about 2 bytes a key entry), the driver merges them into a bitmap
   over the hashes where a bit is set when two entries or more hash to it, and the
   bitmap (compressed) goes back to the tasks with their function. Entries whose bit is
   clear (keys held by one document: most of them, and they pair nothing) are left out
   of the shuffle; a key held once that shares its bit with another key is sent, and
   pairs nothing there (see :data:`KEY_FILTER_BITS_PER_ENTRY`). Then each
   representative's remaining ``(key, row)`` entries are cut by a hash of the key
   into ``spark.sql.shuffle.partitions`` key partitions (in Python, as binary rows of many
   entries each, :data:`KEY_BLOB_ENTRIES` at a time, with each document's passage key
   count and shortness) and shuffled once; every holder of a key lands in its key
   partition, so each partition knows its keys' document counts exactly. There
   :func:`dedupe.lsh.key_pairs` (rules 1 and 2 of ``Index.pairs``) groups the entries by
   key and forms the pairs, :data:`KEY_BLOCK_PAIRS` pair entries at a time: a passage key
   held by more than ``max_key_docs`` documents proposes nothing (in fuzzy mode, over its
   lower cap, only the pairs of its holders with few keys); a band key held by more pairs
   every holder with its earliest only (a linear "star", so a hot key costs linear time);
   other band keys pair all their holders outright; usable passage keys give each pair
   its count of shared keys in that partition. The pairs leave as binary rows of records
   (both rows, the count or "outright", both documents' key counts and shortness), cut
   by a hash of the pair.
5. ``candidates``: the pair records are shuffled by pair, so each pair's records from
   every key partition meet in one task, which sums their counts (numpy) and keeps the
   pairs proposed outright and those :func:`dedupe.lsh.passage_rule` keeps. No
   per-document table is joined here: the facts the rule reads came with the pairs.
6. ``verify``: each candidate pair is joined with both shingle sets (only the documents of
   some candidate pair send theirs) and scored exactly in
   Arrow batches; the pairs that reach a threshold, and the copy matches, are the matches.
   In fuzzy mode (``fuzzy=True``) each side also brings its fuzzy keys and fuzzy words: a
   pair is given a fuzzy score under the prefilter of :func:`dedupe.find_duplicates`
   (:func:`dedupe.verify.fuzzy_choice`: it reaches an exact threshold, or shares
   :data:`dedupe.verify.FUZZY_KEY_SHARE` of the smaller side's fuzzy keys), computed by
   :func:`dedupe.verify.fuzzy_pairs` and judged by :func:`dedupe.verify.judge`.
7. ``collect`` (:func:`find_duplicates` only): matches to the driver, sorted best first;
   clusters and hubs by :func:`dedupe.cluster.group_matches`.

For outputs too large to collect, :func:`match_pairs` returns the matches as a DataFrame and
:func:`components` finds the clusters of the ``components`` rule (every pair joins; see
:mod:`dedupe.cluster`) over them with DataFrame operations (min-label
propagation with pointer jumping, no GraphFrames jar); :func:`dedupe.spark_hubs.hubs` finds
the hubs of the ``hubs`` rule over them.

>>> import dedupe.spark
>>> from pyspark.sql import SparkSession
>>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
>>> df = spark.createDataFrame([("a", text_a), ("b", text_b)], ["id", "text"])  # doctest: +SKIP
>>> report = dedupe.spark.find_duplicates(df)  # doctest: +SKIP
>>> report.matches == dedupe.find_duplicates({"a": text_a, "b": text_b}).matches  # doctest: +SKIP
True

(``tests/test_spark.py`` runs the same comparison on a ``local[2]`` session.)
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .cluster import group_matches
from .errors import (
    DuplicateIdError,
    EmptyTextError,
    InvalidParameterError,
    InvalidTextError,
    MissingDependencyError,
)
from .flat import lengths, offsets_of, row_ids, sorted_unique
from .lsh import group_keys, key_pairs, passage_rule, sketch_for_store
from .match import Match, match_kind
from .params import IndexParams, RunOptions, Thresholds, check_int, split_options
from .ranking import Rule, rank_key
from .results import Report, build_report
from .text import ensure_text, has_words
from .verify import (
    Fuzzy,
    fuzzy_choice,
    fuzzy_pairs,
    fuzzy_rule,
    judge,
    pair_scores,
    set_fingerprints,
    shared_counts,
)

try:
    import pandas  # noqa: F401  (pyspark runs mapInArrow through pandas_udf)
    import pyarrow as pa
    from pyspark.sql import DataFrame, Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ImportError as _err:  # pragma: no cover - depends on the environment
    raise MissingDependencyError(
        f"dedupe.spark needs pyspark (>= 4), pyarrow and pandas ({_err}); install the 'spark' "
        "extra: "
        "pip install 'article-dedupe[spark]'"
    ) from None

__all__ = [
    "BROADCAST_DOCS",
    "KEY_BLOB_ENTRIES",
    "KEY_BLOCK_PAIRS",
    "KEY_FILTER_BITS_PER_ENTRY",
    "KEY_FILTER_MAX_BITS",
    "KEY_FILTER_MAX_DOCS",
    "MATCH_COLUMNS",
    "SKETCH_DOCS",
    "STAGES",
    "components",
    "find_duplicates",
    "match_pairs",
]

#: Columns of :func:`match_pairs`, in order: the ids ``a`` (the earlier document) and ``b``;
#: ``jaccard``, ``containment_ab`` (share of ``a``'s shingles found in ``b``) and
#: ``containment_ba`` (doubles); ``kind`` (``exact``, ``near_duplicate`` or ``partial``);
#: ``shared``, ``size_a``, ``size_b`` (distinct shingles, ints). The fields of
#: :class:`~dedupe.results.Match`, with the same values; in fuzzy mode a last column, ``fuzzy``
#: (double, null where no fuzzy score was computed), follows them.
MATCH_COLUMNS = (
    "a",
    "b",
    "jaccard",
    "containment_ab",
    "containment_ba",
    "kind",
    "shared",
    "size_a",
    "size_b",
)
#: A task of the ``sketch`` stage sketches this many documents at a time (an Arrow batch
#: holds up to ``spark.sql.execution.arrow.maxRecordsPerBatch``, 10,000 by default): the
#: peak memory of a Python worker grows with it.
SKETCH_DOCS = 2_000
#: A task of the ``keys`` stage sends its key entries on (8 bytes each) about this many at
#: a time, cut into one binary row per key partition.
KEY_BLOB_ENTRIES = 1 << 20
#: The ``keys`` stage leaves out the entries of keys held by one document only (they pair
#: nothing) before its shuffle, by a bitmap over a hash of the keys in which a bit is set
#: when two entries or more hash to it (see the ``keys`` stage above). A key held by two
#: documents or more is never left out; a key held once is sent when another key shares
#: its bit. The bitmap has about this many bits a key entry (rounded up to a power of two;
#: more bits: fewer keys held once are sent) ...
KEY_FILTER_BITS_PER_ENTRY = 16
#: ... and at most ``2 ** KEY_FILTER_MAX_BITS`` bits (``2 ** (KEY_FILTER_MAX_BITS - 3)``
#: bytes in the driver, twice, and in each task that cuts the entries).
KEY_FILTER_MAX_BITS = 30
#: ... and is built only for collections of at most this many documents: its hashes go
#: through the driver (about 2 bytes a key entry, some 300 MB at a million news articles),
#: so a larger collection shuffles every key entry instead, with the same result.
KEY_FILTER_MAX_DOCS = 2_000_000
#: A task of the ``keys`` stage forms about this many pair entries at a time (the
#: ``block_pairs`` of :func:`dedupe.lsh.key_pairs`; about 80 bytes of scratch memory each).
KEY_BLOCK_PAIRS = 1 << 18
#: Up to this many documents, the tables of one small row a document (ids and rows, copy
#: groups) are broadcast to the tasks that join them (tens of bytes a document) rather than
#: shuffled together with the sketches they are joined to; above it every join shuffles.
BROADCAST_DOCS = 2_000_000
#: The stages timed in ``stage_seconds``, in order.
STAGES = ("order", "sketch", "copies", "keys", "candidates", "verify", "collect")

_OK, _NO_WORDS, _BAD_TEXT = 0, 1, 2

_SKETCH_SCHEMA = T.StructType(
    [
        T.StructField("id", T.StringType()),
        T.StructField("status", T.ByteType()),
        T.StructField("error", T.StringType()),
        T.StructField("size", T.IntegerType()),
        T.StructField("n_keys", T.IntegerType()),
        T.StructField("fp", T.LongType()),
        T.StructField("set", T.BinaryType()),
        T.StructField("keys", T.BinaryType()),  # band keys, then passage keys (uint32)
        T.StructField("pkeys", T.BinaryType()),  # fuzzy mode: the fuzzy keys (uint32)
        T.StructField("words", T.BinaryType()),  # fuzzy mode: the fuzzy words (UTF-8)
    ]
)
_PAIR_SCHEMA = T.StructType([T.StructField("a", T.LongType()), T.StructField("b", T.LongType())])
#: The records of the key stage, sent as the bytes of numpy arrays (one binary value per
#: partition): a key entry, a document's facts the candidate rule reads, and a pair.
_ENTRY = np.dtype("<u8")  # key << 32 | row
_DOC = np.dtype([("row", "<u4"), ("n_keys", "<u4"), ("keys", "<u4"), ("short", "u1")])
_PAIR = np.dtype(
    [
        ("a", "<u4"),
        ("b", "<u4"),
        ("shared", "<i4"),  # usable passage keys the pair shares in one key partition
        ("nk_a", "<u4"),
        ("nk_b", "<u4"),
        ("short_a", "u1"),
        ("short_b", "u1"),
        ("outright", "u1"),  # a candidate whatever it shares (rules 1 and 2)
    ]
)
_HASHES_SCHEMA = T.StructType(
    [
        T.StructField("entries", T.LongType()),  # key entries of (part of) a partition
        T.StructField("hashes", T.BinaryType()),  # their hashes, sorted (see _key_hashes)
    ]
)
_ENTRY_SCHEMA = T.StructType(
    [
        T.StructField("slot", T.IntegerType()),  # sends the row to its key partition
        T.StructField("entries", T.BinaryType()),  # _ENTRY records
        T.StructField("docs", T.BinaryType()),  # _DOC records of their documents
    ]
)
_PAIRS_SCHEMA = T.StructType(
    [
        T.StructField("slot", T.IntegerType()),  # sends the row to its pair partition
        T.StructField("pairs", T.BinaryType()),  # _PAIR records
    ]
)
_VERIFIED_SCHEMA = T.StructType(
    [
        T.StructField("a_row", T.LongType()),
        T.StructField("b_row", T.LongType()),
        T.StructField("a", T.StringType()),
        T.StructField("b", T.StringType()),
        T.StructField("jaccard", T.DoubleType()),
        T.StructField("containment_ab", T.DoubleType()),
        T.StructField("containment_ba", T.DoubleType()),
        T.StructField("kind", T.StringType()),
        T.StructField("shared", T.IntegerType()),
        T.StructField("size_a", T.IntegerType()),
        T.StructField("size_b", T.IntegerType()),
        T.StructField("fuzzy", T.DoubleType()),
    ]
)


# ---------------------------------------------------------------------- Arrow helpers
def _binary_rows(
    values: np.ndarray, offsets: np.ndarray, dtype: str | np.dtype = "<u4"
) -> pa.Array:
    """A ragged ``uint32`` (or ``dtype``) array as one Arrow binary value per row
    (little-endian bytes)."""
    width = np.dtype(dtype).itemsize
    data = np.ascontiguousarray(values, dtype=dtype).tobytes()
    offs = (np.asarray(offsets, dtype=np.int64) * width).astype(np.int32)
    return pa.Array.from_buffers(
        pa.binary(), len(offs) - 1, [None, pa.py_buffer(offs.tobytes()), pa.py_buffer(data)]
    )


def _ragged(column: pa.Array, dtype: str | np.dtype = "<u4") -> tuple[np.ndarray, np.ndarray]:
    """The inverse of :func:`_binary_rows`: ``(uint32 (or dtype) values, int64 offsets)``."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    n = len(column)
    width = np.dtype(dtype).itemsize
    native = np.dtype(dtype).newbyteorder("=")
    buffers = column.buffers()
    offs = np.frombuffer(buffers[1], dtype=np.int32, count=n + 1, offset=column.offset * 4)
    offs = offs.astype(np.int64)
    start, stop = int(offs[0]), int(offs[-1])
    if stop == start or buffers[2] is None:
        return np.zeros(0, dtype=native), np.zeros(n + 1, dtype=np.int64)
    values = np.frombuffer(buffers[2], dtype=dtype, count=(stop - start) // width, offset=start)
    return values.astype(native), (offs - start) // width


def _numpy(column: pa.Array, dtype: Any) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=dtype)


# ---------------------------------------------------------------------- tasks (pure calls)
def _sketch_batches(
    batches: Iterator[pa.RecordBatch], params: IndexParams
) -> Iterator[pa.RecordBatch]:
    """``(id, text)`` batches to one sketch row per document (see ``_SKETCH_SCHEMA``),
    :data:`SKETCH_DOCS` documents at a time."""
    parts = (b.slice(i, SKETCH_DOCS) for b in batches for i in range(0, b.num_rows, SKETCH_DOCS))
    for batch in parts:
        ids = batch.column(0).to_pylist()
        raw = batch.column(1).to_pylist()
        n = len(ids)
        status = np.full(n, _NO_WORDS, dtype=np.int8)
        errors: list[str | None] = [None] * n
        texts, kept = [], []
        for i, (doc_id, value) in enumerate(zip(ids, raw)):
            try:
                text = ensure_text(value, name=f"text of {doc_id!r}")
            except InvalidTextError as err:
                status[i], errors[i] = _BAD_TEXT, str(err)
                continue
            if has_words(text):
                status[i] = _OK
                texts.append(text)
                kept.append(i)
        # no kernel unless DEDUPE_KERNEL=numba: reused workers would hold it (Spark guide)
        sk, bands = sketch_for_store(texts, params, load_kernel=False)
        m, n_bands = bands.shape if len(kept) else (0, params.bands)
        # each document's keys: its band keys, then its passage keys
        all_keys = np.concatenate((bands.ravel(), sk.key_values)).astype(np.uint32)
        all_rows = np.concatenate(
            (np.repeat(np.arange(m, dtype=np.int64), n_bands), row_ids(sk.key_offsets))
        )
        order = np.argsort(all_rows, kind="stable")
        kept_idx = np.asarray(kept, dtype=np.int64)
        key_lens = np.zeros(n, dtype=np.int64)
        key_lens[kept_idx] = np.bincount(all_rows, minlength=m)
        set_lens = np.zeros(n, dtype=np.int64)
        set_lens[kept_idx] = sk.set_sizes()
        n_keys = np.zeros(n, dtype=np.int32)
        n_keys[kept_idx] = sk.key_counts()
        fps = np.zeros(n, dtype=np.int64)
        fps[kept_idx] = set_fingerprints(sk.set_values, sk.set_offsets).view(np.int64)
        keys = _binary_rows(all_keys[order], offsets_of(key_lens))
        pkeys, words = pa.nulls(n, pa.binary()), pa.nulls(n, pa.binary())
        if sk.text_values is not None and sk.text_offsets is not None:  # fuzzy mode
            pkeys = _binary_rows(sk.key_values, offsets_of(n_keys.astype(np.int64)))
            text_lens = np.zeros(n, dtype=np.int64)
            text_lens[kept_idx] = lengths(sk.text_offsets)
            words = _binary_rows(sk.text_values, offsets_of(text_lens), "u1")
        yield pa.RecordBatch.from_arrays(
            [
                pa.array(ids, pa.string()),
                pa.array(status),
                pa.array(errors, pa.string()),
                pa.array(set_lens.astype(np.int32)),
                pa.array(n_keys),
                pa.array(fps),
                _binary_rows(sk.set_values, offsets_of(set_lens)),
                keys,
                pkeys,
                words,
            ],
            schema=_arrow_schema(_SKETCH_SCHEMA),
        )


def _slot_of(values: np.ndarray, parts: int) -> np.ndarray:
    """The partition (``0 .. parts - 1``, ``uint16`` when it fits) of each ``uint32`` value
    (a key, or a pair's mix): the top bits of a multiplicative hash, so that passage keys
    (window minima: small values more often) spread as evenly as band keys."""
    mixed = values.astype(np.uint32) * np.uint32(0x9E3779B1)  # wraps: a hash
    slot = (mixed.astype(np.uint64) * np.uint64(parts)) >> np.uint64(32)  # its top bits
    return slot.astype(np.uint16 if parts <= 1 << 16 else np.int64)


def _cut(slot: np.ndarray, slots: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Records in the order of their partitions (``slot``): ``(order, the partitions that
    get some, their records' offsets in that order)``; stable, so records keep their order
    within a partition."""
    order = np.argsort(slot, kind="stable")  # a radix sort of 16-bit partitions
    counts = np.bincount(slot, minlength=len(slots))
    held = np.flatnonzero(counts)
    return order, held, offsets_of(counts[held])


def _records(
    slots: Sequence[int], held: np.ndarray, columns: list[tuple[np.ndarray, np.ndarray]]
) -> list[pa.Array]:
    """A ``slot`` column for the partitions ``held``, then each ``(records, offsets)`` as
    one binary value per partition."""
    out = [pa.array(np.asarray(slots, dtype=np.int32)[held])]
    out.extend(_binary_rows(r, o, r.dtype) for r, o in columns)
    return out


def _key_bits(keys: np.ndarray, bits: int) -> np.ndarray:
    """The bit of each ``uint32`` key in a bitmap of ``2 ** bits`` bits (``uint32``): the
    top bits of a multiplicative hash, as :func:`_slot_of`, so passage keys (small values
    more often) spread as evenly as band keys. With ``bits=32``, the hash itself (one value
    a key: the hash is a bijection)."""
    mixed = keys.astype(np.uint32) * np.uint32(0x9E3779B1)  # wraps: a hash
    return mixed >> np.uint32(32 - bits)


def _bits_set(bitmap: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Whether bits ``at`` of ``bitmap`` (``uint8``, bit ``i`` in byte ``i >> 3``) are set."""
    return ((bitmap[at >> 3] >> (at & 7).astype(np.uint8)) & 1).astype(bool)


def _set_bits(bitmap: np.ndarray, at: np.ndarray) -> None:
    """Set bits ``at`` of ``bitmap`` (in place; repeats allowed)."""
    np.bitwise_or.at(bitmap, at >> 3, (1 << (at & 7)).astype(np.uint8))


def _pack(data: np.ndarray) -> bytes:
    """``data``'s bytes, compressed (zstd, which pyarrow brings)."""
    return bytes(pa.Codec("zstd").compress(np.ascontiguousarray(data), asbytes=True))


def _unpack(blob: bytes, size: int, dtype: str | np.dtype) -> np.ndarray:
    """The inverse of :func:`_pack`: ``size`` values of ``dtype`` (native byte order)."""
    width = np.dtype(dtype).itemsize
    raw = pa.Codec("zstd").decompress(blob, size * width, asbytes=True)
    return np.frombuffer(raw, dtype=dtype).astype(np.dtype(dtype).newbyteorder("="), copy=False)


def _key_hashes(batches: Iterator[pa.RecordBatch], chunk: int) -> Iterator[pa.RecordBatch]:
    """A partition's ``keys`` batches to ``_HASHES_SCHEMA`` rows, one about every ``chunk``
    key entries: the hash (:func:`_key_bits` of 32 bits) of each entry, sorted (repeats
    kept) and sent as compressed differences (about 2 bytes an entry). :func:`_shared_bitmap`
    merges the rows of every partition (which rows hold which entries does not matter)."""
    parts: list[np.ndarray] = []
    held = 0
    for batch in batches:
        parts.append(_key_bits(_ragged(batch.column("keys"))[0], 32))
        held += len(parts[-1])
        if held >= chunk:
            yield _hash_row(np.concatenate(parts))
            parts, held = [], 0
    if held:
        yield _hash_row(np.concatenate(parts))


def _hash_row(hashes: np.ndarray) -> pa.RecordBatch:
    """One ``_HASHES_SCHEMA`` row of ``hashes`` (sorted here, in place)."""
    hashes.sort()
    steps = np.diff(hashes, prepend=np.uint32(0)).astype("<u4", copy=False)
    return pa.RecordBatch.from_arrays(
        [pa.array([len(hashes)], pa.int64()), pa.array([_pack(steps)], pa.binary())],
        schema=_arrow_schema(_HASHES_SCHEMA),
    )


def _filter_bits(entries: int) -> int:
    """The bits of the key filter's bitmap (a power of two) for ``entries`` key entries:
    :data:`KEY_FILTER_BITS_PER_ENTRY` an entry, at most ``2 ** KEY_FILTER_MAX_BITS``."""
    wanted = max(entries * KEY_FILTER_BITS_PER_ENTRY, 1 << 10)
    return min(KEY_FILTER_MAX_BITS, (wanted - 1).bit_length())


def _shared_bitmap(parts: Sequence[tuple[int, bytes]]) -> tuple[bytes, int]:
    """The ``(entries, hashes)`` rows of :func:`_key_hashes` to ``(bitmap, bits)``:
    the bitmap (compressed, as :func:`_pack`) of ``2 ** bits`` bits (:func:`_filter_bits`)
    where a bit is set when two entries or more hash to it (in one row, or in two).
    A key whose bit is clear is held by one document only (each key of a document is
    distinct); a key held by one document may keep its bit set (another key hashed to it).
    """
    bits = _filter_bits(sum(entries for entries, _ in parts))
    seen = np.zeros(1 << (bits - 3), dtype=np.uint8)
    shared = np.zeros_like(seen)
    for entries, blob in parts:
        at = np.cumsum(_unpack(blob, entries, "<u4"), dtype=np.uint32) >> np.uint32(32 - bits)
        first = np.ones(len(at), dtype=bool)  # sorted: repeats are next to each other
        first[1:] = at[1:] != at[:-1]
        _set_bits(shared, at[~first])
        at = at[first]
        _set_bits(shared, at[_bits_set(seen, at)])
        _set_bits(seen, at)
    return _pack(shared), bits


def _entry_batches(
    batches: Iterator[pa.RecordBatch],
    slots: Sequence[int],
    short_keys: int,
    flush: int,
    shared: tuple[bytes, int] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Representatives' ``(row, n_keys, size, keys)`` batches to their ``(key, row)``
    entries (``_ENTRY``), cut by a hash of the key (:func:`_slot_of`) into one
    ``_ENTRY_SCHEMA`` row per key partition that gets some (``slot``:
    ``slots[partition]``), about ``flush`` entries at a time. Each row also holds its
    entries' documents (``_DOC``: rows, passage key counts and whether they are short
    texts), which the candidate rule reads. With ``shared``, ``(bitmap, bits)`` of
    :func:`_shared_bitmap`, the entries whose bit is clear (keys held by one document) are
    left out; ``n_keys`` still counts every passage key."""
    bitmap, bits = None, 0
    if shared is not None:
        bits = shared[1]
        bitmap = _unpack(shared[0], 1 << (bits - 3), "u1")
    docs: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    held = 0
    for batch in batches:
        values, offsets = _ragged(batch.column("keys"))
        doc = np.zeros(len(offsets) - 1, dtype=_DOC)
        doc["row"] = _numpy(batch.column("row"), np.int64)
        doc["n_keys"] = _numpy(batch.column("n_keys"), np.int64)
        doc["short"] = _numpy(batch.column("size"), np.int64) < short_keys
        if bitmap is None:
            doc["keys"] = lengths(offsets)
        else:
            keep = _bits_set(bitmap, _key_bits(values, bits))
            doc["keys"] = np.bincount(row_ids(offsets)[keep], minlength=len(doc))
            values = values[keep]
        docs.append(doc)
        keys.append(values)
        held += len(values)
        if held >= flush:
            yield _entry_rows(np.concatenate(docs), np.concatenate(keys), slots)
            docs, keys, held = [], [], 0
    if held:
        yield _entry_rows(np.concatenate(docs), np.concatenate(keys), slots)


def _entry_rows(docs: np.ndarray, keys: np.ndarray, slots: Sequence[int]) -> pa.RecordBatch:
    """One ``_ENTRY_SCHEMA`` row per key partition that gets some of the keys of ``docs``
    (document ``i`` holds ``docs["keys"][i]`` of ``keys``, in order)."""
    order, held, offsets = _cut(_slot_of(keys, len(slots)), slots)
    of_doc = np.repeat(np.arange(len(docs), dtype=np.int32), docs["keys"])[order]
    entries = keys[order].astype(np.uint64)
    entries <<= np.uint64(32)
    entries |= docs["row"][of_doc]
    # a partition's documents: where its entries move on to another document (a
    # document's entries are next to each other, before and after the stable cut)
    first = np.ones(len(of_doc), dtype=bool)
    first[1:] = of_doc[1:] != of_doc[:-1]
    first[offsets[:-1]] = True
    at = np.flatnonzero(first)
    doc_offsets = np.searchsorted(at, offsets)
    return pa.RecordBatch.from_arrays(
        _records(slots, held, [(entries, offsets), (docs[of_doc[at]], doc_offsets)]),
        schema=_arrow_schema(_ENTRY_SCHEMA),
    )


def _pair_batches(
    batches: Iterator[pa.RecordBatch],
    slots: Sequence[int],
    max_key_docs: int,
    passage_key_docs: int,
    min_key_share: float,
) -> Iterator[pa.RecordBatch]:
    """The entries of one key partition (every holder of each of its keys) to the pairs
    :func:`dedupe.lsh.key_pairs` forms from them (``_PAIR``: both rows, the count of usable
    passage keys the pair shares in this partition or ``outright``, both documents' passage
    key counts and shortness), cut by a hash of the pair into one ``_PAIR_SCHEMA`` row per
    pair partition that gets some (the ``candidates`` stage sums each pair's counts)."""
    entries, docs = [], []
    for batch in batches:
        entries.append(_ragged(batch.column("entries"), _ENTRY)[0])
        docs.append(_ragged(batch.column("docs"), _DOC)[0])
    if not entries:
        return
    entry = np.concatenate(entries)
    del entries
    groups = group_keys(entry >> np.uint64(32), entry & np.uint64(0xFFFFFFFF))
    del entry
    # the documents of this partition's shared keys, numbered from 0 (ascending, so the
    # earliest holder of a key stays the earliest): memory as the partition, not the
    # collection
    rows = sorted_unique(groups.rows)
    groups = replace(groups, rows=np.searchsorted(rows, groups.rows))
    info = np.concatenate(docs)
    info = info[np.argsort(info["row"], kind="stable")]
    info = info[np.searchsorted(info["row"], rows)]  # each of rows, once
    n = len(rows)
    for codes, shared in key_pairs(
        groups,
        info["n_keys"].astype(np.int64),
        max_key_docs=max_key_docs,
        min_key_share=min_key_share,
        passage_key_docs=passage_key_docs,
        block_pairs=KEY_BLOCK_PAIRS,
    ):
        first, second = codes // n, codes % n
        pairs = np.empty(len(codes), dtype=_PAIR)
        pairs["a"], pairs["b"] = rows[first], rows[second]
        pairs["outright"] = shared is None
        pairs["shared"] = 0 if shared is None else shared
        for side, at in (("a", first), ("b", second)):
            pairs[f"nk_{side}"] = info["n_keys"][at]
            pairs[f"short_{side}"] = info["short"][at]
        mix = pairs["a"] * np.uint32(0x85EBCA6B) + pairs["b"]  # wraps: one value a pair
        order, held, offsets = _cut(_slot_of(mix, len(slots)), slots)
        yield pa.RecordBatch.from_arrays(
            _records(slots, held, [(pairs[order], offsets)]), schema=_arrow_schema(_PAIRS_SCHEMA)
        )


def _pair_codes(pairs: np.ndarray) -> np.ndarray:
    """``a << 32 | b`` of each ``_PAIR`` record (``uint64``; ordered as ``(a, b)``)."""
    return (pairs["a"].astype(np.uint64) << np.uint64(32)) | pairs["b"].astype(np.uint64)


def _candidate_batches(
    batches: Iterator[pa.RecordBatch], min_key_share: float
) -> Iterator[pa.RecordBatch]:
    """One pair partition's ``_PAIR`` records (each pair's, from every key partition) to
    its candidate pairs ``(a, b)``: those proposed outright, and those whose counts of
    shared passage keys, summed, pass :func:`passage_rule`."""
    parts = [_ragged(batch.column("pairs"), _PAIR)[0] for batch in batches]
    if not parts:
        return
    pairs = np.concatenate(parts)
    del parts
    codes = _pair_codes(pairs)
    order = np.argsort(codes)
    pairs, codes = pairs[order], codes[order]
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    shared = np.add.reduceat(pairs["shared"].astype(np.int64), starts)
    outright = np.maximum.reduceat(pairs["outright"], starts).astype(bool)
    pairs = pairs[starts]
    k = len(pairs)
    keep = outright | passage_rule(
        np.arange(k),
        np.arange(k, 2 * k),
        shared,
        np.concatenate((pairs["nk_a"], pairs["nk_b"])).astype(np.int64),
        np.concatenate((pairs["short_a"], pairs["short_b"])).astype(bool),
        min_key_share=min_key_share,
    )
    pairs = pairs[keep]
    yield pa.RecordBatch.from_arrays(
        [pa.array(pairs["a"].astype(np.int64)), pa.array(pairs["b"].astype(np.int64))],
        schema=_arrow_schema(_PAIR_SCHEMA),
    )


def _both(batch: pa.RecordBatch, name: str, dtype: str = "<u4") -> tuple[np.ndarray, np.ndarray]:
    """The ragged binary columns ``{name}_a`` then ``{name}_b`` of ``batch`` as one ragged
    array: pair ``i`` of the batch is rows ``i`` and ``k + i`` of it."""
    va, oa = _ragged(batch.column(f"{name}_a"), dtype)
    vb, ob = _ragged(batch.column(f"{name}_b"), dtype)
    return np.concatenate((va, vb)), np.concatenate((oa, ob[1:] + oa[-1]))


def _verify_batches(
    batches: Iterator[pa.RecordBatch], thresholds: Thresholds, fuzzy: bool
) -> Iterator[pa.RecordBatch]:
    """Candidate pairs with both shingle sets to the verified matches (exact counts; in
    fuzzy mode with fuzzy keys and words, to :func:`_fuzzy_matches`)."""
    for batch in batches:
        k = batch.num_rows
        values, offsets = _both(batch, "set")
        pairs = np.stack((np.arange(k), np.arange(k, 2 * k)), axis=1)
        shared = shared_counts(values, offsets, pairs)
        size_a, size_b = lengths(offsets)[:k], lengths(offsets)[k:]
        if fuzzy:
            yield _fuzzy_matches(batch, pairs, shared, size_a, size_b, thresholds)
            continue
        ok, jac, c_ab, c_ba = pair_scores(shared, size_a, size_b, thresholds)
        sel = np.flatnonzero(ok)
        kinds = [
            match_kind(
                int(shared[i]),
                int(size_a[i]),
                int(size_b[i]),
                jaccard=float(jac[i]),
                threshold=thresholds.jaccard,
            )
            for i in sel.tolist()
        ]
        take = pa.array(sel)
        yield pa.RecordBatch.from_arrays(
            [
                batch.column("a").take(take),
                batch.column("b").take(take),
                batch.column("id_a").take(take),
                batch.column("id_b").take(take),
                pa.array(jac[sel]),
                pa.array(c_ab[sel]),
                pa.array(c_ba[sel]),
                pa.array(kinds, pa.string()),
                pa.array(shared[sel].astype(np.int32)),
                pa.array(size_a[sel].astype(np.int32)),
                pa.array(size_b[sel].astype(np.int32)),
                pa.nulls(len(sel), pa.float64()),
            ],
            schema=_arrow_schema(_VERIFIED_SCHEMA),
        )


def _fuzzy_matches(
    batch: pa.RecordBatch,
    pairs: np.ndarray,
    shared: np.ndarray,
    size_a: np.ndarray,
    size_b: np.ndarray,
    thresholds: Thresholds,
) -> pa.RecordBatch:
    """The verified matches of a batch of candidate pairs in fuzzy mode, as
    ``Index.pairs`` finds them: a fuzzy score for the pairs that reach an exact threshold
    or share :data:`~dedupe.verify.FUZZY_KEY_SHARE` of the smaller side's fuzzy keys
    (:func:`~dedupe.verify.fuzzy_choice`), then :func:`~dedupe.verify.judge`."""
    exact = pair_scores(shared, size_a, size_b, thresholds)[0]
    words = _both(batch, "words", "u1")
    wanted = fuzzy_choice(_both(batch, "pkeys"), words, pairs, exact, thresholds)
    fuzzy = fuzzy_pairs(words, words, pairs, wanted, full=exact, floor=thresholds.fuzzy_threshold)
    sel = np.flatnonzero(exact | fuzzy_rule(fuzzy, thresholds)[0])  # the pairs judge keeps
    ids_a, ids_b = batch.column("id_a").to_pylist(), batch.column("id_b").to_pylist()
    found = judge(  # on the kept pairs only: every one of them is a match
        [ids_a[k] for k in sel.tolist()],
        [ids_b[k] for k in sel.tolist()],
        shared[sel],
        size_a[sel],
        size_b[sel],
        thresholds,
        Fuzzy(fuzzy.score[sel], fuzzy.words_a[sel], fuzzy.words_b[sel]),
    )
    take = pa.array(sel)
    return pa.RecordBatch.from_arrays(
        [
            batch.column("a").take(take),
            batch.column("b").take(take),
            pa.array([m.a for m in found], pa.string()),
            pa.array([m.b for m in found], pa.string()),
            pa.array([m.jaccard for m in found], pa.float64()),
            pa.array([m.containment_ab for m in found], pa.float64()),
            pa.array([m.containment_ba for m in found], pa.float64()),
            pa.array([m.kind for m in found], pa.string()),
            pa.array([m.shared for m in found], pa.int32()),
            pa.array([m.size_a for m in found], pa.int32()),
            pa.array([m.size_b for m in found], pa.int32()),
            pa.array([m.fuzzy for m in found], pa.float64()),
        ],
        schema=_arrow_schema(_VERIFIED_SCHEMA),
    )


def _arrow_schema(schema: T.StructType) -> pa.Schema:
    kinds = {
        T.StringType: pa.string(),
        T.ByteType: pa.int8(),
        T.IntegerType: pa.int32(),
        T.LongType: pa.int64(),
        T.DoubleType: pa.float64(),
        T.BinaryType: pa.binary(),
        T.BooleanType: pa.bool_(),
    }
    return pa.schema([pa.field(f.name, kinds[type(f.dataType)]) for f in schema.fields])


# ---------------------------------------------------------------------- checks
def _check_columns(df: Any, id_col: str, text_col: str, order_col: str | None) -> None:
    if not isinstance(df, DataFrame):
        raise InvalidParameterError(
            f"dedupe.spark takes a pyspark DataFrame, got {type(df).__name__}; for a mapping "
            "of id to text use dedupe.find_duplicates"
        )
    types = {f.name: f.dataType for f in df.schema.fields}
    for role, name in (("id_col", id_col), ("text_col", text_col), ("order_col", order_col)):
        if name is not None and name not in types:
            raise InvalidParameterError(
                f"{role}={name!r} is not a column of the DataFrame (columns: "
                f"{', '.join(types)}); pass the name of the column that holds it"
            )
    if not isinstance(types[id_col], T.StringType):
        raise InvalidParameterError(
            f"id column {id_col!r} is {types[id_col].simpleString()}: document ids must be "
            f"strings; cast it first (F.col({id_col!r}).cast('string'))"
        )
    if not isinstance(types[text_col], (T.StringType, T.BinaryType)):
        raise InvalidParameterError(
            f"text column {text_col!r} is {types[text_col].simpleString()}: texts must be "
            "strings (or UTF-8 binary)"
        )
    if order_col is not None and isinstance(
        types[order_col], (T.MapType, T.ArrayType, T.StructType, T.BinaryType)
    ):
        raise InvalidParameterError(
            f"order column {order_col!r} is {types[order_col].simpleString()}: it must be a "
            "number, a string, a date or a timestamp"
        )


def _check_ids(df: DataFrame, order_col: str | None) -> int:
    """Refuse null, empty and repeated ids and null order values; the number of rows."""
    nulls = F.col("id").isNull()
    checks = [
        F.count(F.lit(1)).alias("n"),
        F.count_distinct("id").alias("distinct"),
        F.sum(nulls.cast("long")).alias("null_ids"),
        F.sum((F.col("id") == "").cast("long")).alias("empty_ids"),
    ]
    if order_col is not None:
        checks.append(F.sum(F.col("ord").isNull().cast("long")).alias("null_order"))
    stats = df.agg(*checks).first()
    assert stats is not None
    if stats["null_ids"]:
        raise InvalidParameterError(
            f"{stats['null_ids']} documents have a null id: document ids must be str; "
            "drop them or fill them in"
        )
    if stats["empty_ids"]:
        raise InvalidParameterError("document ids must not be empty (an id column holds '')")
    if order_col is not None and stats["null_order"]:
        raise InvalidParameterError(
            f"order column {order_col!r} is null for {stats['null_order']} documents: every "
            "document needs a place in the order (fill them in or drop them)"
        )
    if stats["distinct"] < stats["n"]:
        dup = df.groupBy("id").count().where("count > 1").orderBy("id").limit(3).collect()
        names = ", ".join(f"{r['id']!r} ({r['count']} times)" for r in dup)
        raise DuplicateIdError(
            f"{stats['n'] - stats['distinct']} ids appear more than once (first: {names}); "
            "ids must be unique: drop the repeats or make the ids unique"
        )
    return int(stats["n"])


# ---------------------------------------------------------------------- the plan
class _Plan:
    """The stages, each materialised (``localCheckpoint``) and timed in ``seconds``."""

    def __init__(self, params: IndexParams, thresholds: Thresholds) -> None:
        self.params = params
        self.thresholds = thresholds
        self.seconds: dict[str, float] = {}
        self.rows = 0

    def _done(self, stage: str, df: DataFrame, started: float) -> DataFrame:
        out = df.localCheckpoint(eager=True)
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started
        return out

    def small(self, df: DataFrame) -> DataFrame:
        """``df``, a table of at most one small row a document, marked for broadcast when
        the collection holds at most :data:`BROADCAST_DOCS` documents."""
        return F.broadcast(df) if self.rows <= BROADCAST_DOCS else df

    def order(self, df: DataFrame, id_col: str, order_col: str | None) -> DataFrame:
        """``(id, row)``: every id's place in ``(order_col, id)`` order, checked (lazy)."""
        started = time.perf_counter()
        ord_col = F.col(order_col) if order_col is not None else F.col(id_col)
        keyed = df.select(F.col(id_col).alias("id"), ord_col.alias("ord"))
        self.rows = _check_ids(keyed, order_col)
        # a range-partitioned sort; within each partition the row numbers, and each
        # partition starts after the rows of the partitions before it
        parted = (
            keyed.orderBy("ord", "id")
            .withColumn("_part", F.spark_partition_id())
            .withColumn(
                "_local", F.row_number().over(Window.partitionBy("_part").orderBy("ord", "id"))
            )
        )
        parted = self._done("order", parted, started)
        started = time.perf_counter()
        counts = parted.groupBy("_part").agg(F.max("_local").alias("n")).collect()
        starts, total = [], 0
        for r in sorted(counts, key=lambda r: r["_part"]):
            starts.append((int(r["_part"]), total))
            total += int(r["n"])
        firsts = df.sparkSession.createDataFrame(starts, "_part int, _start long")
        rows = parted.join(F.broadcast(firsts), "_part").select(
            "id", (F.col("_start") + F.col("_local") - 1).alias("row")
        )
        self.seconds["order"] += time.perf_counter() - started
        return rows

    def sketch(self, df: DataFrame, id_col: str, text_col: str, rows: DataFrame) -> DataFrame:
        """One row per document: id, status, error, size, n_keys, fp, set, keys, row."""
        started = time.perf_counter()
        params = self.params
        sketched = df.select(F.col(id_col).alias("id"), F.col(text_col).alias("text")).mapInArrow(
            lambda batches: _sketch_batches(batches, params), _SKETCH_SCHEMA
        )
        return self._done("sketch", sketched.join(self.small(rows), "id"), started)

    def copies(self, docs: DataFrame) -> tuple[DataFrame, DataFrame]:
        """The representatives (documents that are no later copy), and the copies' matches.

        Only the members of fingerprint groups of two or more (a broadcast table of the
        groups' heads) bring their sets to the comparison with their head's set."""
        started = time.perf_counter()
        heads = (
            docs.groupBy("fp")
            .agg(F.count(F.lit(1)).alias("n"), F.min("row").alias("head"))
            .where("n > 1")
            .select("fp", "head")
        )
        grouped = docs.select("fp", "row", "id", "size", "set").join(self.small(heads), "fp")
        head_sets = grouped.where(F.col("row") == F.col("head")).select(
            "head", F.col("id").alias("head_id"), F.col("set").alias("head_set")
        )
        copies = (
            grouped.join(head_sets, "head")
            .where((F.col("row") != F.col("head")) & (F.col("set") == F.col("head_set")))
            .select("row", "head", "id", "head_id", "size")
        )
        copies = self._done("copies", copies, started)
        reps = docs.join(self.small(copies.select("row")), "row", "left_anti")
        copy_matches = copies.select(
            F.col("head").alias("a_row"),
            F.col("row").alias("b_row"),
            F.col("head_id").alias("a"),
            F.col("id").alias("b"),
            F.lit(1.0).alias("jaccard"),
            F.lit(1.0).alias("containment_ab"),
            F.lit(1.0).alias("containment_ba"),
            F.lit("exact").alias("kind"),
            F.col("size").alias("shared"),
            F.col("size").alias("size_a"),
            F.col("size").alias("size_b"),
            F.lit(1.0 if self.params.fuzzy else None).cast("double").alias("fuzzy"),
        )
        return reps, copy_matches

    def keys(self, reps: DataFrame) -> DataFrame:
        """Each key partition's pairs, cut by pair partition (``_PAIRS_SCHEMA``): the
        representatives' key entries, but those of keys held by one document
        (:meth:`shared_keys`), shuffled once by key (binary rows of many entries, see
        :func:`_entry_batches`), then grouped per key partition and paired by
        :func:`dedupe.lsh.key_pairs` (:func:`_pair_batches`)."""
        started = time.perf_counter()
        if self.rows > 1 << 32:  # the key stage's records hold rows as uint32
            raise InvalidParameterError(
                f"dedupe.spark takes at most 2**32 documents at once, got {self.rows}"
            )
        t = self.thresholds
        cap, share = t.max_key_docs, t.key_share
        passage_cap = self.params.passage_key_docs(cap)
        short_keys, flush = self.params.short_keys, KEY_BLOB_ENTRIES
        slots = _slots(reps.sparkSession)
        shared = self.shared_keys(reps) if self.rows <= KEY_FILTER_MAX_DOCS else None
        entries = reps.select("row", "n_keys", "size", "keys").mapInArrow(
            lambda batches: _entry_batches(batches, slots, short_keys, flush, shared),
            _ENTRY_SCHEMA,
        )
        pairs = entries.repartition(len(slots), "slot").mapInArrow(
            lambda batches: _pair_batches(batches, slots, cap, passage_cap, share), _PAIRS_SCHEMA
        )
        return self._done("keys", pairs, started)

    def shared_keys(self, reps: DataFrame) -> tuple[bytes, int]:
        """``(bitmap, bits)`` of :func:`_shared_bitmap` over the representatives' keys: one
        pass over their ``keys`` column (:func:`_key_hashes`: rows of compressed hashes,
        about 2 bytes an entry, four times :data:`KEY_BLOB_ENTRIES` entries a row at most),
        collected as Arrow and merged in the driver."""
        chunk = KEY_BLOB_ENTRIES << 2
        hashes = (
            reps.select("keys")
            .mapInArrow(lambda batches: _key_hashes(batches, chunk), _HASHES_SCHEMA)
            .toArrow()
        )
        entries = hashes.column("entries").to_pylist()
        return _shared_bitmap(list(zip(entries, hashes.column("hashes").to_pylist())))

    def candidates(self, pairs: DataFrame) -> DataFrame:
        """Candidate pairs ``(a, b)``, ``a < b``, under the one candidate rule: each
        pair's records shuffled to its pair partition, its counts summed over the key
        partitions and judged by :func:`dedupe.lsh.passage_rule` (:func:`_candidate_batches`;
        pairs proposed outright pass)."""
        started = time.perf_counter()
        share = self.thresholds.key_share
        slots = _slots(pairs.sparkSession)
        found = pairs.repartition(len(slots), "slot").mapInArrow(
            lambda batches: _candidate_batches(batches, share), _PAIR_SCHEMA
        )
        return self._done("candidates", found, started)

    def verify(self, found: DataFrame, reps: DataFrame) -> DataFrame:
        """The verified matches among the candidate pairs (``_VERIFIED_SCHEMA``)."""
        started = time.perf_counter()
        fuzzy = self.params.fuzzy
        sides = ["set", "pkeys", "words"] if fuzzy else ["set"]  # fuzzy: keys and words too
        # only the documents of a candidate pair bring their sets to the joins (a broadcast
        # table of their rows when small)
        held = found.select(F.col("a").alias("row")).union(found.select(F.col("b").alias("row")))
        reps = reps.join(self.small(held.distinct()), "row", "left_semi")
        side_a = reps.select(
            F.col("row").alias("a"),
            F.col("id").alias("id_a"),
            *(F.col(c).alias(f"{c}_a") for c in sides),
        )
        side_b = reps.select(
            F.col("row").alias("b"),
            F.col("id").alias("id_b"),
            *(F.col(c).alias(f"{c}_b") for c in sides),
        )
        joined = (
            found.join(side_a, "a")
            .join(side_b, "b")
            .select("a", "b", "id_a", "id_b", *(f"{c}_{s}" for c in sides for s in "ab"))
        )
        t = self.thresholds
        verified = joined.mapInArrow(
            lambda batches: _verify_batches(batches, t, fuzzy), _VERIFIED_SCHEMA
        )
        return self._done("verify", verified, started)


def _slots(spark: Any) -> list[int]:
    """For each partition ``p`` of the key stage (``spark.sql.shuffle.partitions`` of them),
    a ``slot`` value that ``repartition(n, "slot")`` sends to ``p`` (found with Spark's own
    hash, once a partition count), so that every key partition is one task's. Were a value
    missed, two key partitions would share a task: slower, never wrong (a key's entries
    all go to one task whatever the slots)."""
    try:
        n = max(1, int(spark.conf.get("spark.sql.shuffle.partitions")))
    except (TypeError, ValueError):  # "auto" on some platforms
        n = 200
    if n not in _SLOTS:
        ids = F.col("id").cast("int")
        found = spark.range(16 * n).select(ids.alias("v"), F.pmod(F.hash(ids), F.lit(n)).alias("p"))
        first: dict[int, int] = {}
        for r in found.collect():
            first.setdefault(int(r["p"]), int(r["v"]))
        _SLOTS[n] = [first.get(p, p) for p in range(n)]
    return _SLOTS[n]


_SLOTS: dict[int, list[int]] = {}


def _run(
    df: DataFrame,
    id_col: str,
    text_col: str,
    order_col: str | None,
    params: IndexParams,
    thresholds: Thresholds,
    skip_empty: bool,
) -> tuple[_Plan, DataFrame, DataFrame, list[str]]:
    """Every stage up to the matches: ``(plan, matches with rows, (id, row) of every
    document sketched, ids skipped)``."""
    _check_columns(df, id_col, text_col, order_col)
    plan = _Plan(params, thresholds)
    rows = plan.order(df, id_col, order_col)
    sketched = plan.sketch(df, id_col, text_col, rows)
    started = time.perf_counter()
    failed = sketched.where(F.col("status") != _OK).select("id", "status", "error", "row")
    bad = sorted(failed.collect(), key=lambda r: r["row"])
    plan.seconds["sketch"] += time.perf_counter() - started
    invalid = [r for r in bad if r["status"] == _BAD_TEXT]
    if invalid:
        more = f" (and {len(invalid) - 1} more)" if len(invalid) > 1 else ""
        raise InvalidTextError(f"{invalid[0]['error']}{more}")
    skipped = [r["id"] for r in bad]
    if skipped and not skip_empty:
        raise EmptyTextError(
            f"text of {skipped[0]!r} holds no words (it is empty, blank or punctuation only)"
            f"{f' (and {len(skipped) - 1} more)' if len(skipped) > 1 else ''}; leave such "
            "texts out or pass skip_empty=True"
        )
    docs = sketched.where(F.col("status") == _OK).drop("status", "error")
    reps, copy_matches = plan.copies(docs)
    pairs = plan.keys(reps)
    found = plan.candidates(pairs)
    verified = plan.verify(found, reps)
    return plan, verified.unionByName(copy_matches), docs.select("id", "row"), skipped


def match_pairs(
    df: DataFrame,
    *,
    id_col: str = "id",
    text_col: str = "text",
    order_col: str | None = None,
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
    skip_empty: bool = False,
    stage_seconds: dict[str, float] | None = None,
) -> DataFrame:
    """Every verified match of the documents of ``df``, as a DataFrame (not collected).

    One row per match of :func:`dedupe.find_duplicates` on the same documents given in
    ``(order_col, id)`` order (``order_col`` defaults to the id), with the columns of
    :data:`MATCH_COLUMNS` (``a`` is the earlier document; exact copies are matched with the
    first of their group only; in fuzzy mode a last column, ``fuzzy``, holds each match's
    fuzzy score). The options are those of :func:`dedupe.find_duplicates`
    (``workers`` is checked and ignored: Spark decides the parallelism). The result is
    materialised (``localCheckpoint``) on the executors; write it out, for example with
    ``.write.parquet(path)``. ``stage_seconds``, when given, is filled with the seconds each
    stage took (:data:`STAGES`). Clusters: :func:`components`.

    >>> pairs = dedupe.spark.match_pairs(spark.read.parquet("articles/"))  # doctest: +SKIP
    >>> pairs.write.parquet("matches/")  # doctest: +SKIP
    """
    params, thresholds, _ = split_options(locals())
    plan, matches, _, _ = _run(
        df, id_col, text_col, order_col, params, thresholds, bool(skip_empty)
    )
    started = time.perf_counter()
    out = matches.select(*_columns(params)).localCheckpoint(eager=True)
    plan.seconds["collect"] = time.perf_counter() - started
    if stage_seconds is not None:
        stage_seconds.update(plan.seconds)
    return out


def find_duplicates(
    df: DataFrame,
    *,
    id_col: str = "id",
    text_col: str = "text",
    order_col: str | None = None,
    metadata_cols: Sequence[str] = (),
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
    progress: bool = False,
    stage_seconds: dict[str, float] | None = None,
) -> Report:
    """:func:`dedupe.find_duplicates` on Spark: the same :class:`~dedupe.results.Report`.

    ``df`` holds one document a row: its id (``id_col``, strings, unique), its text
    (``text_col``, strings or UTF-8 binary) and, optionally, its place in the collection
    (``order_col``: numbers, strings, dates or timestamps; ties are broken by id; default:
    the id). The report equals ``dedupe.find_duplicates`` on the same documents given in
    that order: the same matches (scores, kinds, ``a`` the earlier document), clusters, hubs
    and skipped ids (``seconds`` is this run's). The options are those of
    :func:`dedupe.find_duplicates`; ``workers`` and ``progress`` are checked and ignored
    (Spark decides the parallelism and shows its own progress). ``metadata_cols`` names
    columns carried as the documents' metadata (``Report.metadata``: values as text, dates
    in ISO 8601, nulls left out), so that :meth:`~dedupe.results.Report.deduplicate` can
    rank by them. The matches and the ids are collected to the driver: for larger outputs
    use :func:`match_pairs` and :func:`components`.
    ``stage_seconds``, when given, is filled with the seconds each stage took
    (:data:`STAGES`).

    >>> df = spark.read.json("articles.jsonl")  # doctest: +SKIP
    >>> report = dedupe.spark.find_duplicates(df, order_col="published")  # doctest: +SKIP
    """
    params, thresholds, run = split_options(locals())
    metadata = _metadata(df, id_col, metadata_cols)
    rank_key(
        run.representative, list(metadata), metadata=metadata, sizes={}, option="representative"
    )
    begun = time.perf_counter()
    plan, matches, docs, skipped = _run(
        df, id_col, text_col, order_col, params, thresholds, bool(skip_empty)
    )
    started = time.perf_counter()
    found = [Match(**{f: r[f] for f in _columns(params)}) for r in matches.collect()]
    ids = [r["id"] for r in sorted(docs.collect(), key=lambda r: r["row"])]
    sizes = {m.a: m.size_a for m in found} | {m.b: m.size_b for m in found}
    grouping = group_matches(
        ids,
        found,
        clusters=run.clusters,
        representative=run.representative,
        sizes=sizes,
        metadata=metadata,
    )
    plan.seconds["collect"] = time.perf_counter() - started
    if stage_seconds is not None:
        stage_seconds.update(plan.seconds)
    return build_report(
        matches=found,
        grouping=grouping,
        ids=ids,
        skipped=skipped,
        seconds=time.perf_counter() - begun,
        params={**params.to_dict(), **thresholds.to_dict()},
        metadata=metadata,
    )


def _columns(params: IndexParams) -> tuple[str, ...]:
    """The columns of :func:`match_pairs` (:data:`MATCH_COLUMNS`, and ``fuzzy`` in fuzzy
    mode)."""
    return (*MATCH_COLUMNS, "fuzzy") if params.fuzzy else MATCH_COLUMNS


def _metadata(df: DataFrame, id_col: str, columns: Sequence[str]) -> dict[str, dict[str, str]]:
    """The ``columns`` of each document as its metadata (``str`` values; nulls left out)."""
    if isinstance(columns, str):
        raise InvalidParameterError("metadata_cols must be a list of column names, not a str")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InvalidParameterError(
            f"metadata_cols names columns the DataFrame lacks: {', '.join(map(repr, missing))} "
            f"(it has {', '.join(map(repr, df.columns))})"
        )
    if not columns:
        return {}
    out: dict[str, dict[str, str]] = {}
    for r in df.select(F.col(id_col).alias("_id"), *columns).collect():
        fields = {c: _text(r[c]) for c in columns if r[c] is not None}
        if fields:
            out[r["_id"]] = fields
    return out


def _text(value: Any) -> str:
    """A metadata value as text (dates and times in ISO 8601)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# ---------------------------------------------------------------------- clusters at scale
def components(
    pairs: DataFrame, *, a_col: str = "a", b_col: str = "b", max_rounds: int = 100
) -> DataFrame:
    """Connected components of the verified matches, with DataFrame operations only.

    ``pairs`` is a DataFrame of matches (:func:`match_pairs`; only ``a``, ``b``,
    ``jaccard``, ``containment_ab``, ``containment_ba`` and, when there is one, ``fuzzy``
    are read). Returns one row per
    document in a match: ``id``; ``cluster``, the smallest id of its component (a label);
    ``size``, the number of documents in the component; and the component's weakest match
    ``weakest_a``, ``weakest_b``, ``weakest_score`` (its lowest-ranked edge: smallest
    score, then smallest Jaccard). The members are those of the clusters of
    :func:`dedupe.find_duplicates` with ``clusters="components"`` (no hub rule here); its
    ``Cluster.weakest`` is the weakest edge of the strongest spanning tree (union-find
    strongest first), which can be stronger than the component's weakest edge when a weak
    edge closes a cycle of strong ones.

    How: every document starts with the smallest id among itself and its neighbours;
    each round takes the smallest label of each neighbourhood, then jumps each label to its
    own label (pointer jumping), and stops when no label changes (a ``localCheckpoint`` a
    round keeps the plan short). Rounds grow with the logarithm of the longest chain.

    >>> clusters = dedupe.spark.components(dedupe.spark.match_pairs(df))  # doctest: +SKIP
    """
    check_int("max_rounds", max_rounds, 1)
    read = (a_col, b_col, "jaccard", "containment_ab", "containment_ba")
    check_matches(pairs, read, caller="dedupe.spark.components")
    edges = pairs.select(F.col(a_col).alias("a"), F.col(b_col).alias("b"))
    links = (
        edges.select(F.col("a").alias("v"), F.col("b").alias("u"))
        .unionByName(edges.select(F.col("b").alias("v"), F.col("a").alias("u")))
        .distinct()
        .localCheckpoint(eager=True)
    )
    labels = (
        links.groupBy("v")
        .agg(F.least(F.col("v"), F.min("u")).alias("label"))
        .localCheckpoint(eager=True)
    )
    for _ in range(max_rounds):
        around = (
            links.join(labels.select(F.col("v").alias("u"), F.col("label").alias("lu")), "u")
            .groupBy("v")
            .agg(F.min("lu").alias("lu"))
        )
        spread = labels.join(around, "v").select("v", F.least("label", "lu").alias("label"))
        jumped = (
            spread.alias("x")
            .join(spread.alias("y"), F.col("x.label") == F.col("y.v"))
            .select(F.col("x.v").alias("v"), F.col("y.label").alias("label"))
            .localCheckpoint(eager=True)
        )
        changed = (
            jumped.join(labels.withColumnRenamed("label", "old"), "v")
            .where(F.col("label") != F.col("old"))
            .limit(1)
            .count()
        )
        labels = jumped
        if not changed:
            break
    else:
        raise InvalidParameterError(
            f"the components did not settle in max_rounds={max_rounds} rounds; raise it"
        )
    weakest = _weakest_edges(pairs, labels, a_col, b_col)
    sizes = labels.groupBy("label").agg(F.count(F.lit(1)).alias("size"))
    return (
        labels.select(F.col("v").alias("id"), F.col("label").alias("cluster"))
        .join(sizes.withColumnRenamed("label", "cluster"), "cluster")
        .join(weakest, "cluster")
        .select("id", "cluster", "size", "weakest_a", "weakest_b", "weakest_score")
    )


def check_matches(pairs: Any, columns: Sequence[str], *, caller: str) -> dict[str, Any]:
    """Check that ``pairs`` is a DataFrame of matches with ``columns`` (as
    :func:`match_pairs` gives them); its column types by name.
    :class:`~dedupe.errors.InvalidParameterError` names what is wrong.

    >>> check_matches([], ("a",), caller="f")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    dedupe.errors.InvalidParameterError: f takes a pyspark DataFrame of matches, got list
    """
    if not isinstance(pairs, DataFrame):
        raise InvalidParameterError(
            f"{caller} takes a pyspark DataFrame of matches, got {type(pairs).__name__}; "
            "pass dedupe.spark.match_pairs's output (for a Report, use its methods)"
        )
    types = {f.name: f.dataType for f in pairs.schema.fields}
    missing = [c for c in columns if c not in types]
    if missing:
        raise InvalidParameterError(
            f"the matches lack the columns {', '.join(map(repr, missing))} (they have "
            f"{', '.join(map(repr, types))}); pass dedupe.spark.match_pairs's output"
        )
    return types


def _weakest_edges(pairs: DataFrame, labels: DataFrame, a_col: str, b_col: str) -> DataFrame:
    """Each component's weakest match: ``cluster``, ``weakest_a``, ``weakest_b``,
    ``weakest_score``."""
    # the weakest edge is the last in Match.sort_key order: the largest (-score, -jaccard, a, b)
    scores = [F.col("jaccard"), F.col("containment_ab"), F.col("containment_ba")]
    if "fuzzy" in pairs.columns:  # fuzzy mode: Match.score counts the fuzzy score too
        scores.append(F.coalesce(F.col("fuzzy"), F.lit(0.0)))
    score = F.greatest(*scores)
    last = F.max(F.struct((-F.col("score")).alias("s"), (-F.col("jaccard")).alias("j"), "a", "b"))
    return (
        pairs.select(
            F.col(a_col).alias("a"), F.col(b_col).alias("b"), "jaccard", score.alias("score")
        )
        .join(labels.select(F.col("v").alias("a"), F.col("label").alias("cluster")), "a")
        .groupBy("cluster")
        .agg(last.alias("w"))
        .select(
            "cluster",
            F.col("w.a").alias("weakest_a"),
            F.col("w.b").alias("weakest_b"),
            (-F.col("w.s")).alias("weakest_score"),
        )
    )
