"""The on-disk index format: a checksummed JSON header plus raw numpy columns. No pickle.

Layout (little-endian)::

    offset 0   8 bytes   magic b"DEDUPEIX"
    offset 8   u32       format version (1)
    offset 12  u64       header length H
    offset 20  H bytes   header: UTF-8 JSON (see below)
    20+H       32 bytes  SHA-256 of the header bytes
    20+H+32    payload   the arrays, each at an 8-byte aligned offset into the payload

The header holds ``format`` (``"dedupe-index"``), ``version``, ``created_by``, ``params``
(every parameter that shapes a signature: ngram, num_perm, seed, bands, window, hash
scheme, tokeniser), ``thresholds`` (the matching options), ``ids`` (document ids in
insertion order) and ``arrays``: for each array its ``name``, ``dtype``, ``shape``,
``offset``, ``nbytes`` and ``sha256``. Arrays: ``signatures`` (``<u4[n, num_perm]``),
``set_offsets``/``set_values`` (``<i8[n + 1]``/``<u8``: each document's sorted distinct
64-bit shingle hashes) and ``key_offsets``/``key_values`` (its passage keys, likewise).

Reading checks everything before returning: magic, version, checksums, every header field's
type and range, the exact dtype and shape of every array, and that offsets and sorted sets
agree, so a crafted or damaged file raises :class:`~dedupe.errors.IndexFormatError` naming
the problem, never another exception.

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
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DedupeError, IndexFormatError
from ..flat import lengths
from ..inputs import atomic_write
from ..params import IndexParams, Thresholds
from ..sketch import HASH_SCHEME, Sketch
from ..text import TOKENIZER

__all__ = ["FORMAT_VERSION", "MAGIC", "IndexFile", "read_index", "write_index"]

MAGIC = b"DEDUPEIX"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sIQ")
#: Every array of the format and its exact dtype.
_DTYPES = {
    "signatures": "<u4",
    "set_offsets": "<i8",
    "set_values": "<u8",
    "key_offsets": "<i8",
    "key_values": "<u8",
}


@dataclass(frozen=True, eq=False)
class IndexFile:
    """What an index file holds."""

    params: IndexParams
    thresholds: Thresholds
    ids: list[str]
    sketch: Sketch
    created_by: str = ""


def write_index(
    path: str | os.PathLike[str],
    *,
    params: IndexParams,
    thresholds: Thresholds,
    ids: list[str],
    sketch: Sketch,
    created_by: str,
) -> None:
    """Write an index file atomically (see :func:`dedupe.inputs.atomic_write`)."""
    arrays = {
        "signatures": sketch.signatures,
        "set_offsets": sketch.set_offsets,
        "set_values": sketch.set_values,
        "key_offsets": sketch.key_offsets,
        "key_values": sketch.key_values,
    }
    arrays = {k: np.ascontiguousarray(v, dtype=_DTYPES[k]) for k, v in arrays.items()}
    specs, offset = [], 0
    for name, arr in arrays.items():
        specs.append(
            {
                "name": name,
                "dtype": _DTYPES[name],
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
        "arrays": specs,
    }
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    with atomic_write(path) as fh:
        fh.write(_PREFIX.pack(MAGIC, FORMAT_VERSION, len(head)))
        fh.write(head)
        fh.write(hashlib.sha256(head).digest())
        for arr in arrays.values():
            fh.write(arr.data)
            fh.write(b"\0" * (-arr.nbytes % 8))


def _fail(path: Path, problem: str) -> IndexFormatError:
    return IndexFormatError(f"{path}: {problem}")


def _header(path: Path, blob: bytes) -> tuple[dict[str, Any], int]:
    if not blob.startswith(MAGIC[: len(blob)]) or not blob:
        raise _fail(path, "not a dedupe index file (it does not start with b'DEDUPEIX')")
    if len(blob) < _PREFIX.size:
        raise _fail(path, f"truncated: only {len(blob)} bytes, not a whole index file")
    _, version, hlen = _PREFIX.unpack_from(blob)
    if version != FORMAT_VERSION:
        raise _fail(
            path,
            f"index format version {version}, this dedupe reads version {FORMAT_VERSION}; "
            "rebuild the index or use the dedupe version that wrote it",
        )
    end = _PREFIX.size + hlen
    if len(blob) < end + 32:
        raise _fail(path, f"truncated: the header needs {end + 32} bytes, the file has {len(blob)}")
    head = blob[_PREFIX.size : end]
    if hashlib.sha256(head).digest() != blob[end : end + 32]:
        raise _fail(path, "corrupt: the header checksum does not match")
    try:
        header = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _fail(path, f"corrupt header ({type(err).__name__}: {err})") from None
    if not isinstance(header, dict) or header.get("format") != "dedupe-index":
        raise _fail(path, "not a dedupe index file (its header has no 'dedupe-index' format)")
    if header.get("version") != FORMAT_VERSION or isinstance(header.get("version"), bool):
        raise _fail(path, f"corrupt header: version {header.get('version')!r} inside, "
                    f"{FORMAT_VERSION} outside")  # fmt: skip
    return header, end + 32


def _is_uint(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _arrays(path: Path, blob: bytes, base: int, specs: Any) -> dict[str, np.ndarray]:
    if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
        raise _fail(path, "corrupt header: 'arrays' is not a list of array descriptions")
    by_name = {s.get("name"): s for s in specs}
    out = {}
    for name, dtype in _DTYPES.items():
        spec = by_name.get(name)
        if spec is None:
            raise _fail(path, f"corrupt header: array {name!r} is missing")
        shape, offset, nbytes = spec.get("shape"), spec.get("offset"), spec.get("nbytes")
        if spec.get("dtype") != dtype:
            raise _fail(path, f"corrupt header: array {name!r} has dtype "
                        f"{spec.get('dtype')!r}, the format defines {dtype!r}")  # fmt: skip
        if (
            not isinstance(shape, list)
            or not 1 <= len(shape) <= 2
            or not all(_is_uint(d) for d in shape)
            or not _is_uint(offset)
            or not _is_uint(nbytes)
            or not isinstance(spec.get("sha256"), str)
        ):
            raise _fail(path, f"corrupt header: bad shape, offset, size or checksum of {name!r}")
        if int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize != nbytes:
            raise _fail(path, f"corrupt header: array {name!r} has {nbytes} bytes for "
                        f"shape {shape}")  # fmt: skip
        start = base + offset
        stop = start + nbytes
        if stop > len(blob):
            raise _fail(
                path, f"truncated: array {name!r} ends at byte {stop}, file has {len(blob)}"
            )
        data = memoryview(blob)[start:stop]
        if hashlib.sha256(data).hexdigest() != spec["sha256"]:
            raise _fail(path, f"corrupt: checksum of array {name!r} does not match")
        out[name] = np.frombuffer(data, dtype=dtype).reshape(shape)
    return out


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


def read_index(path: str | os.PathLike[str]) -> IndexFile:
    """Read and fully check an index file; raise :class:`IndexFormatError` on any problem."""
    p = Path(path)
    try:
        if p.exists() and not p.is_file():
            what = "a folder" if p.is_dir() else "not a regular file"
            raise _fail(p, f"is {what}, not an index file")
        blob = p.read_bytes()
    except FileNotFoundError:
        raise _fail(p, "no such file") from None
    header, base = _header(p, blob)
    try:
        params = IndexParams.from_dict(header.get("params"))
        thresholds = Thresholds.from_dict(header.get("thresholds", {}))
    except (DedupeError, TypeError) as err:
        raise _fail(p, f"corrupt header (bad parameters: {err})") from None
    if (params.hash_scheme, params.tokenizer) != (HASH_SCHEME, TOKENIZER):
        raise _fail(
            p,
            f"written with hash scheme {params.hash_scheme!r} and tokeniser {params.tokenizer!r}; "
            f"this dedupe uses {HASH_SCHEME!r} and {TOKENIZER!r}: rebuild it",
        )
    ids = header.get("ids")
    if not isinstance(ids, list) or not all(isinstance(d, str) and d for d in ids):
        raise _fail(p, "corrupt header: 'ids' is not a list of non-empty strings")
    if len(set(ids)) != len(ids):
        raise _fail(p, "corrupt header: an id appears twice")
    try:
        "".join(ids).encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(p, "corrupt header: an id holds a lone surrogate (not valid Unicode)") from None
    arrays = _arrays(p, blob, base, header.get("arrays"))
    n = len(ids)
    if arrays["signatures"].shape != (n, params.num_perm):
        raise _fail(p, f"corrupt: signatures have shape {arrays['signatures'].shape}, "
                    f"expected ({n}, {params.num_perm})")  # fmt: skip
    _check_ragged(p, "shingle set", arrays["set_values"], arrays["set_offsets"], n)
    _check_ragged(p, "passage key", arrays["key_values"], arrays["key_offsets"], n)
    sketch = Sketch(
        arrays["set_values"].astype(np.uint64),
        arrays["set_offsets"].astype(np.int64),
        arrays["key_values"].astype(np.uint64),
        arrays["key_offsets"].astype(np.int64),
        arrays["signatures"].astype(np.uint32),
    )
    created_by = header.get("created_by")
    return IndexFile(
        params, thresholds, ids, sketch, created_by if isinstance(created_by, str) else ""
    )
