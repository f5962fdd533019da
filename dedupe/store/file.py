"""The on-disk index format: a checksummed JSON header plus raw numpy columns. No pickle.

Layout (little-endian)::

    offset 0   8 bytes   magic b"DEDUPEIX"
    offset 8   u32       format version (2; version 1 files are read too)
    offset 12  u64       header length H
    offset 20  H bytes   header: UTF-8 JSON (see below)
    20+H       32 bytes  SHA-256 of the header bytes
    20+H+32    payload   the arrays, each at an 8-byte aligned offset into the payload

The header holds ``format`` (``"dedupe-index"``), ``version``, ``created_by``, ``params``
(every parameter that shapes what is stored: ngram, num_perm, seed, bands, window,
short_text, hash scheme, tokeniser), ``thresholds`` (the matching options), ``ids``
(document ids in insertion order), optionally ``metadata`` (``{id: {field: value}}``, all
strings, for the ids that have any; files without it read as no metadata, and readers of
older dedupe versions ignore it) and ``arrays``: for each array its ``name``, ``dtype``,
``shape``, ``offset``, ``nbytes`` and ``sha256``. Version 2 arrays: ``timestamps``
(``<f8[n]``, NaN: none), ``set_offsets``/``set_values`` (``<i8[n + 1]``/``<u4``: each
document's sorted distinct 32-bit shingle fingerprints), ``key_offsets``/``key_values``
(its passage keys, likewise), ``band_keys`` (``<u4[n, bands]``) and, optionally, ``postings``
(``<u8``: every row's band and passage keys as ``key << 32 | row``, sorted: the query
postings, so that a loaded index answers its first query at once instead of sorting them;
files without it build them on the first query). Version 1 (dedupe 0.1)
held 64-bit sets and keys and the signatures; it is read by keeping their low bits, which
is what this version computes for the same texts.

Reading checks everything before returning: magic, version, checksums, every header field's
type and range, the exact dtype and shape of every array (no dimension larger than the
file could hold), and that offsets and sorted sets agree, so a crafted or damaged file
raises :class:`~dedupe.errors.IndexFormatError` naming the problem, never another
exception. Version 2 arrays are memory-mapped, not copied: a
large index opens in the time it takes to check its checksums.

>>> import tempfile, os
>>> from dedupe import Index
>>> idx = Index(); idx.add("a", "a few words of text here")
>>> path = os.path.join(tempfile.mkdtemp(), "wire.idx")
>>> idx.save(path); Index.load(path).ids()
['a']
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DedupeError, IndexFormatError, IndexNotFoundError
from ..flat import lengths
from ..inputs import atomic_write
from ..params import IndexParams, Thresholds
from ..sketch import KEY_MASK, LEGACY_HASH_SCHEME, Sketch, band_keys, unique_per_row
from .base import Store
from .memory import MemoryStore, posting_entries

__all__ = ["FORMAT_VERSION", "MAGIC", "IndexFile", "is_index_file", "read_index", "write_index"]

MAGIC = b"DEDUPEIX"
FORMAT_VERSION = 2
_PREFIX = struct.Struct("<8sIQ")
#: Every array of each format version and its exact dtype.
_DTYPES = {
    1: {
        "signatures": "<u4",
        "set_offsets": "<i8",
        "set_values": "<u8",
        "key_offsets": "<i8",
        "key_values": "<u8",
    },
    2: {
        "timestamps": "<f8",
        "set_offsets": "<i8",
        "set_values": "<u4",
        "key_offsets": "<i8",
        "key_values": "<u4",
        "band_keys": "<u4",
    },
}
#: Arrays a file of that version may hold or not.
_OPTIONAL = {1: {}, 2: {"postings": "<u8", "text_offsets": "<i8", "text_values": "|u1"}}
#: The largest dimension of an empty array: the bands (or, in version 1, permutations) of
#: an index without documents, at most ``num_perm``'s bound.
_MAX_EMPTY_DIM = 4096


@dataclass(frozen=True, eq=False)
class IndexFile:
    """What an index file holds. ``band_keys`` is ``None`` for version 1 files (they held
    signatures instead: ``signatures``)."""

    params: IndexParams
    thresholds: Thresholds
    ids: list[str]
    timestamps: np.ndarray
    sketch: Sketch
    band_keys: np.ndarray | None
    version: int
    created_by: str = ""
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    postings: np.ndarray | None = None


def write_index(
    path: str | os.PathLike[str],
    *,
    params: IndexParams,
    thresholds: Thresholds,
    ids: list[str],
    timestamps: np.ndarray,
    sketch: Sketch,
    band_keys: np.ndarray,
    created_by: str,
    metadata: dict[str, dict[str, str]] | None = None,
    postings: np.ndarray | None = None,
) -> None:
    """Write an index file (the current version) atomically (see
    ``dedupe.inputs.atomic_write``); ``postings``, when given, are the sorted query
    postings of exactly these rows (:func:`dedupe.store.memory.posting_entries`)."""
    columns = {
        "timestamps": timestamps,
        "set_offsets": sketch.set_offsets,
        "set_values": sketch.set_values,
        "key_offsets": sketch.key_offsets,
        "key_values": sketch.key_values,
        "band_keys": np.asarray(band_keys).reshape(len(ids), params.bands),
    }
    if postings is not None:
        columns["postings"] = postings
    if sketch.text_values is not None and sketch.text_offsets is not None:
        columns["text_offsets"] = sketch.text_offsets
        columns["text_values"] = sketch.text_values
    dtypes = {**_DTYPES[FORMAT_VERSION], **_OPTIONAL[FORMAT_VERSION]}
    arrays = {k: np.ascontiguousarray(v, dtype=dtypes[k]) for k, v in columns.items()}
    specs, offset = [], 0
    for name, arr in arrays.items():
        specs.append(
            {
                "name": name,
                "dtype": dtypes[name],
                "shape": list(arr.shape),
                "offset": offset,
                "nbytes": arr.nbytes,
                "sha256": hashlib.sha256(arr.data).hexdigest(),
            }
        )
        offset += (arr.nbytes + 7) // 8 * 8
    header = {
        "format": "dedupe-index",
        "version": FORMAT_VERSION,
        "created_by": created_by,
        "params": params.to_dict(),
        "thresholds": thresholds.to_dict(),
        "ids": ids,
        **({"metadata": metadata} if metadata else {}),
        "arrays": specs,
    }
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    # spaces after the JSON put the payload on a 64-byte boundary: the mapped arrays are
    # then aligned, and numpy works on them in place (an unaligned array is copied whole
    # by operations such as searchsorted, on every query)
    head += b" " * (-(_PREFIX.size + len(head) + 32) % 64)
    with atomic_write(path) as fh:
        fh.write(_PREFIX.pack(MAGIC, FORMAT_VERSION, len(head)))
        fh.write(head)
        fh.write(hashlib.sha256(head).digest())
        for arr in arrays.values():
            fh.write(arr.data)
            fh.write(b"\0" * (-arr.nbytes % 8))


def is_index_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a regular file that starts as a dedupe index file does (its
    magic bytes; nothing else is checked): what a command may replace with a new index.

    >>> is_index_file("no/such.idx")
    False
    """
    if not os.path.isfile(path):  # never open a FIFO or a device: it may block
        return False
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _fail(path: Path, problem: str) -> IndexFormatError:
    return IndexFormatError(f"{path}: {problem}")


def _header(path: Path, blob: Any) -> tuple[dict[str, Any], int, int]:
    size = len(blob)
    if not size:
        raise _fail(
            path,
            "empty (0 bytes): no index was written there, or writing it was cut "
            "short; build it again (dedupe index build, Index.save)",
        )
    start = bytes(blob[: len(MAGIC)])
    if not MAGIC.startswith(start):
        raise _fail(path, "not a dedupe index file (it does not start with b'DEDUPEIX')")
    if size < _PREFIX.size:
        raise _fail(path, f"truncated: only {size} bytes, not a whole index file")
    _, version, hlen = _PREFIX.unpack_from(blob)
    if version not in _DTYPES:
        raise _fail(
            path,
            f"index format version {version}, this dedupe reads versions "
            f"{', '.join(map(str, _DTYPES))}; rebuild the index or use the dedupe version "
            "that wrote it",
        )
    end = _PREFIX.size + hlen
    if size < end + 32:
        raise _fail(path, f"truncated: the header needs {end + 32} bytes, the file has {size}")
    head = bytes(blob[_PREFIX.size : end])
    if hashlib.sha256(head).digest() != bytes(blob[end : end + 32]):
        raise _fail(path, "corrupt: the header checksum does not match")
    try:
        header = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _fail(path, f"corrupt header ({type(err).__name__}: {err})") from None
    if not isinstance(header, dict) or header.get("format") != "dedupe-index":
        raise _fail(path, "not a dedupe index file (its header has no 'dedupe-index' format)")
    inner = header.get("version")
    if inner != version or isinstance(inner, bool):
        raise _fail(path, f"corrupt header: version {inner!r} inside, {version} outside")
    return header, end + 32, version


def _is_uint(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _arrays(path: Path, blob: Any, base: int, specs: Any, version: int) -> dict[str, np.ndarray]:
    if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
        raise _fail(path, "corrupt header: 'arrays' is not a list of array descriptions")
    by_name = {s["name"]: s for s in specs if isinstance(s.get("name"), str)}
    out = {}
    wanted = {**_DTYPES[version], **_OPTIONAL[version]}
    for name, dtype in wanted.items():
        spec = by_name.get(name)
        if spec is None and name in _OPTIONAL[version]:
            continue
        if spec is None:
            raise _fail(path, f"corrupt header: array {name!r} is missing")
        shape, offset, nbytes = spec.get("shape"), spec.get("offset"), spec.get("nbytes")
        if spec.get("dtype") != dtype:
            raise _fail(
                path,
                f"corrupt header: array {name!r} has dtype {spec.get('dtype')!r}, "
                f"the format defines {dtype!r}",
            )
        if (
            not isinstance(shape, list)
            or not 1 <= len(shape) <= 2
            or not all(_is_uint(d) for d in shape)
            or not _is_uint(offset)
            or not _is_uint(nbytes)
            or not isinstance(spec.get("sha256"), str)
        ):
            raise _fail(path, f"corrupt header: bad shape, offset, size or checksum of {name!r}")
        if max(shape, default=0) > max(len(blob), _MAX_EMPTY_DIM):
            # no array of the file can have more rows or columns than the file has bytes
            # (an empty one: than an index has bands); an array with a zero dimension
            # holds no bytes, so nbytes alone would let any other dimension through
            raise _fail(
                path, f"corrupt header: array {name!r} has shape {shape}, more than the file holds"
            )
        if int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize != nbytes:
            raise _fail(path, f"corrupt header: array {name!r} has {nbytes} bytes for {shape}")
        start = base + offset
        stop = start + nbytes
        if stop > len(blob):
            raise _fail(
                path, f"truncated: array {name!r} ends at byte {stop}, file has {len(blob)}"
            )
        data = memoryview(blob)[start:stop]
        if hashlib.sha256(data).hexdigest() != spec["sha256"]:
            raise _fail(path, f"corrupt: checksum of array {name!r} does not match")
        out[name] = np.frombuffer(blob, dtype=dtype, count=int(np.prod(shape)), offset=start)
        out[name] = out[name].reshape(shape)
    return out


def _check_offsets(path: Path, name: str, values: np.ndarray, offsets: np.ndarray, n: int) -> None:
    """``offsets`` cut ``values`` into one row per document, in order."""
    if (
        offsets.shape != (n + 1,)
        or values.ndim != 1
        or offsets[0] != 0
        or offsets[-1] != len(values)
        or (lengths(offsets) < 0).any()
    ):
        raise _fail(path, f"corrupt: {name} offsets do not cut the values into {n} rows")


def _check_ragged(path: Path, name: str, values: np.ndarray, offsets: np.ndarray, n: int) -> None:
    if offsets.ndim != 1 or values.ndim != 1 or len(offsets) != n + 1:
        raise _fail(path, f"corrupt: {name} offsets do not have one entry per document")
    lens = lengths(offsets)
    if offsets[0] != 0 or offsets[-1] != len(values) or (lens < 0).any():
        raise _fail(path, f"corrupt: {name} offsets are not increasing from 0 to the values")
    rising = values[1:] > values[:-1]
    boundary = np.zeros(max(len(values) - 1, 0), dtype=bool)
    inner = offsets[1:-1]
    boundary[inner[(inner > 0) & (inner < len(values))] - 1] = True
    if not (rising | boundary).all():
        raise _fail(path, f"corrupt: {name} values are not sorted and distinct per document")


def _open(p: Path) -> Any:
    """The file's bytes, memory-mapped (read-only); ``b""`` for an empty file."""
    try:
        if p.exists() and not p.is_file():
            what = "a folder" if p.is_dir() else "not a regular file"
            raise _fail(p, f"is {what}, not an index file")
        with open(p, "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                return b""
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        raise IndexNotFoundError(
            f"{p}: no such index file; check the path, or build one (dedupe index build, "
            "Index.save)"
        ) from None


def read_index(path: str | os.PathLike[str]) -> IndexFile:
    """Read and fully check an index file; raise :class:`~dedupe.errors.IndexFormatError` on
    any problem.

    The arrays of a version 2 file are read-only views of the memory-mapped file.
    """
    p = Path(path)
    blob = _open(p)
    header, base, version = _header(p, blob)
    params, thresholds, ids = _checked_header(p, header, version)
    arrays = _arrays(p, blob, base, header.get("arrays"), version)
    n = len(ids)
    _check_ragged(p, "shingle set", arrays["set_values"], arrays["set_offsets"], n)
    _check_ragged(p, "passage key", arrays["key_values"], arrays["key_offsets"], n)
    created_by = header.get("created_by")
    created_by = created_by if isinstance(created_by, str) else ""
    metadata = _metadata(p, header.get("metadata", {}), ids)
    if version == 1:
        stored = _from_version_1(p, params, thresholds, ids, arrays, created_by)
        return replace(stored, metadata=metadata)
    if arrays["timestamps"].shape != (n,) or arrays["band_keys"].shape != (n, params.bands):
        raise _fail(p, "corrupt: timestamps or band keys do not have one row per document")
    texts = _fuzzy_words(p, arrays, params, n)
    sketch = Sketch(
        arrays["set_values"],
        arrays["set_offsets"],
        arrays["key_values"],
        arrays["key_offsets"],
        None,
        *texts,
    )
    postings = arrays.get("postings")
    if postings is not None:
        _check_postings(p, postings, n * params.bands + len(sketch.key_values), n)
    return IndexFile(
        params,
        thresholds,
        ids,
        arrays["timestamps"],
        sketch,
        arrays["band_keys"],
        2,
        created_by,
        metadata,
        postings,
    )


def _checked_header(
    p: Path, header: dict, version: int
) -> tuple[IndexParams, Thresholds, list[str]]:
    """The parameters, thresholds and ids of an index file's header, checked."""
    params_dict = header.get("params")
    if version == 1 and isinstance(params_dict, dict):  # 0.1 had no short-text keys
        params_dict = {"short_text": 0, **params_dict}
    try:
        params = IndexParams.from_dict(params_dict)
        thresholds = Thresholds.from_dict(header.get("thresholds", {}))
    except (DedupeError, TypeError) as err:
        raise _fail(p, f"corrupt header or written by another dedupe ({err}); rebuild it") from None
    ids = header.get("ids")
    if not isinstance(ids, list) or not all(isinstance(d, str) and d for d in ids):
        raise _fail(p, "corrupt header: 'ids' is not a list of non-empty strings")
    if len(set(ids)) != len(ids):
        raise _fail(p, "corrupt header: an id appears twice")
    try:
        "".join(ids).encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(p, "corrupt header: an id holds a lone surrogate (not valid Unicode)") from None
    return params, thresholds, ids


def _fuzzy_words(
    p: Path, arrays: dict[str, np.ndarray], params: IndexParams, n: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The fuzzy words of a fuzzy index (checked), none for another."""
    texts = arrays.get("text_values"), arrays.get("text_offsets")
    if (texts[0] is None) != (texts[1] is None):
        raise _fail(p, "corrupt: fuzzy words without their offsets, or offsets without words")
    if params.fuzzy != (texts[0] is not None):
        raise _fail(
            p,
            "corrupt: a fuzzy index without its words, or words in an index that is not fuzzy",
        )
    if texts[0] is not None and texts[1] is not None:
        _check_offsets(p, "text", texts[0], texts[1], n)
    return texts


#: Postings are checked this many entries at a time (bounded scratch memory).
_CHECK_CHUNK = 1 << 24


def _check_postings(p: Path, postings: np.ndarray, expected: int, n: int) -> None:
    """One entry per band and passage key, sorted, every row one of the file's."""
    if postings.ndim != 1 or len(postings) != expected:
        raise _fail(p, f"corrupt: {len(postings)} postings for {expected} band and passage keys")
    for lo in range(0, len(postings), _CHECK_CHUNK):
        part = postings[max(lo - 1, 0) : lo + _CHECK_CHUNK]
        if (part[1:] < part[:-1]).any():
            raise _fail(p, "corrupt: the postings are not sorted")
        if ((part & np.uint64(0xFFFFFFFF)) >= np.uint64(n)).any():
            raise _fail(p, "corrupt: a posting names a row the file does not have")


def _metadata(p: Path, metadata: Any, ids: list[str]) -> dict[str, dict[str, str]]:
    """The header's metadata, checked: a dict of known id to a dict of str to str."""
    if not isinstance(metadata, dict):
        raise _fail(p, "corrupt header: 'metadata' is not an object")
    known = set(ids)
    for doc_id, fields in metadata.items():
        if doc_id not in known:
            raise _fail(p, f"corrupt header: metadata for {doc_id!r}, which is not in the index")
        if not isinstance(fields, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
        ):
            raise _fail(p, f"corrupt header: metadata of {doc_id!r} is not an object of strings")
    return metadata


def _from_version_1(
    p: Path,
    params: IndexParams,
    thresholds: Thresholds,
    ids: list[str],
    arrays: dict[str, np.ndarray],
    created_by: str,
) -> IndexFile:
    """A dedupe 0.1 file: its 64-bit sets and keys reduced to the 32 and 31 bits this
    version keeps (the same values it computes for the same texts with the legacy hash)."""
    n = len(ids)
    if params.hash_scheme != LEGACY_HASH_SCHEME:
        raise _fail(p, f"corrupt header: version 1 files use hash scheme {LEGACY_HASH_SCHEME!r}")
    if arrays["signatures"].shape != (n, params.num_perm):
        raise _fail(p, f"corrupt: signatures have shape {arrays['signatures'].shape}, "
                    f"expected ({n}, {params.num_perm})")  # fmt: skip
    sets = unique_per_row(arrays["set_values"].astype(np.uint32), arrays["set_offsets"])
    keys = unique_per_row(
        (arrays["key_values"] & np.uint64(KEY_MASK)).astype(np.uint32), arrays["key_offsets"]
    )
    sigs = np.array(arrays["signatures"], dtype=np.uint32)
    return IndexFile(
        params, thresholds, ids, np.full(n, np.nan), Sketch(*sets, *keys, sigs), None, 1, created_by
    )


def save_store(
    path: str | os.PathLike[str],
    store: Store,
    *,
    params: IndexParams,
    thresholds: Thresholds,
    created_by: str,
) -> None:
    """Write everything ``store`` holds as an index file (:func:`write_index`), its
    documents' metadata included, with its query postings: a
    :class:`~dedupe.store.MemoryStore`'s own when it keeps them sorted, else built from
    its columns.

    >>> import tempfile, os
    >>> from dedupe import Index
    >>> idx = Index(); idx.add("a", "a few words of text here")
    >>> path = os.path.join(tempfile.mkdtemp(), "x.idx")
    >>> save_store(path, idx.store, params=idx.params, thresholds=Thresholds(),
    ...            created_by="doctest")
    >>> load_store(path)[0].ids()
    ['a']
    """
    columns = store.columns()
    postings = store.sorted_postings(columns) if isinstance(store, MemoryStore) else None
    if postings is None:  # rows renumbered (removals), or another store: build them
        sk = columns.sketch
        postings = np.sort(posting_entries(columns.band_keys, sk.key_values, sk.key_offsets))
    write_index(
        path,
        params=params,
        thresholds=thresholds,
        ids=columns.ids,
        timestamps=columns.timestamps,
        sketch=columns.sketch,
        band_keys=columns.band_keys,
        created_by=created_by,
        metadata={d: columns.metadata[d] for d in columns.ids if d in columns.metadata},
        postings=postings,
    )


def load_store(path: str | os.PathLike[str]) -> tuple[MemoryStore, IndexFile]:
    """A :class:`~dedupe.store.MemoryStore` holding an index file's documents (its arrays
    mapped, not copied; its query postings taken as they are; its metadata), and what the
    file holds."""
    stored = read_index(path)
    bands = stored.band_keys
    if bands is None:  # a version 1 file: band keys from its signatures (it has them)
        assert stored.sketch.signatures is not None
        bands = band_keys(stored.sketch.signatures, stored.params.bands)
    store = MemoryStore()
    store.put(stored.ids, stored.sketch, bands, stored.timestamps, metadata=stored.metadata)
    if stored.postings is not None:  # the query postings, ready (none in older files)
        store.adopt_postings(stored.postings)
    return store, stored
