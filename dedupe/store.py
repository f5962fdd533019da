"""The on-disk index format: a checksummed JSON header plus raw numpy arrays. No pickle.

Layout (little-endian)::

    offset 0   8 bytes   magic b"DEDUPEIX"
    offset 8   u32       format version (1)
    offset 12  u64       header length H
    offset 20  H bytes   header: UTF-8 JSON (see below)
    20+H       32 bytes  SHA-256 of the header bytes
    20+H+32    payload   the arrays, each at an 8-byte aligned offset into the payload

The header holds ``params`` (every parameter that shapes a signature: ngram, num_perm,
seed, bands, window, hash scheme, tokeniser), ``thresholds`` (the query-time options),
``ids`` (document ids in insertion order) and ``arrays``: for each array its ``name``,
``dtype``, ``shape``, ``offset``, ``nbytes`` and ``sha256``. Arrays: ``signatures``
(``uint32[n, num_perm]``), ``set_offsets``/``set_values`` (each document's sorted distinct
64-bit shingle hashes) and ``key_offsets``/``key_values`` (its passage keys).

Files are written to a temporary name in the same folder, synced, then renamed over
the target, so a crash never leaves a half-written index under the real name.

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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import IndexFormatError

if TYPE_CHECKING:
    from .index import Index

__all__ = ["MAGIC", "FORMAT_VERSION", "write_index", "read_index"]

MAGIC = b"DEDUPEIX"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sIQ")
_ARRAYS = ("signatures", "set_offsets", "set_values", "key_offsets", "key_values")
_SHAPING = ("ngram", "num_perm", "seed", "bands", "window")


def _flat(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(parts) + 1, dtype="<i8")
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    values = np.concatenate(parts) if parts else np.empty(0)
    return offsets, values.astype("<u8")


def write_index(index: Index, path: str | os.PathLike[str]) -> None:
    """Write ``index`` to ``path`` atomically (temporary file, fsync, rename)."""
    from . import __version__

    rows = [index._row[d] for d in index.ids()]
    set_off, set_val = _flat([index._sets[r] for r in rows])
    key_off, key_val = _flat([index._passages[r] for r in rows])
    arrays = {
        "signatures": np.ascontiguousarray(index._sig[rows], dtype="<u4"),
        "set_offsets": set_off,
        "set_values": set_val,
        "key_offsets": key_off,
        "key_values": key_val,
    }
    specs, offset = [], 0
    for name in _ARRAYS:
        arr = arrays[name]
        data = arr.tobytes()
        specs.append(
            {
                "name": name,
                "dtype": arr.dtype.str,
                "shape": list(arr.shape),
                "offset": offset,
                "nbytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
        offset += (len(data) + 7) // 8 * 8
    header = {
        "format": "dedupe-index",
        "version": FORMAT_VERSION,
        "created_by": f"dedupe {__version__}",
        "params": index.params.to_dict(),
        "thresholds": index.thresholds(),
        "ids": index.ids(),
        "arrays": specs,
    }
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(_PREFIX.pack(MAGIC, FORMAT_VERSION, len(head)))
            fh.write(head)
            fh.write(hashlib.sha256(head).digest())
            for name, spec in zip(_ARRAYS, specs):
                data = arrays[name].tobytes()
                fh.write(data)
                fh.write(b"\0" * ((spec["nbytes"] + 7) // 8 * 8 - spec["nbytes"]))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    try:  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _fail(path: Path, problem: str) -> IndexFormatError:
    return IndexFormatError(f"{path}: {problem}")


def _read_header(path: Path, blob: bytes) -> tuple[dict[str, Any], int]:
    if len(blob) < _PREFIX.size or not blob.startswith(MAGIC):
        if len(blob) < len(MAGIC) and MAGIC.startswith(blob):
            raise _fail(path, f"truncated: only {len(blob)} bytes, not a whole index file")
        raise _fail(path, "not a dedupe index file (it does not start with b'DEDUPEIX')")
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
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _fail(path, f"corrupt header ({err})") from None
    if not isinstance(header, dict) or header.get("format") != "dedupe-index":
        raise _fail(path, "not a dedupe index file (its header has no 'dedupe-index' format)")
    return header, end + 32


def read_index(path: str | os.PathLike[str], cls: type[Index]) -> Index:
    """Read and fully check an index file; raise :class:`IndexFormatError` on any problem."""
    from .index import TOKENIZER, IndexParams
    from .sketch import HASH_SCHEME

    p = Path(path)
    try:
        blob = p.read_bytes()
    except FileNotFoundError:
        raise _fail(p, "no such file") from None
    except IsADirectoryError:
        raise _fail(p, "is a folder, not an index file") from None
    header, base = _read_header(p, blob)
    try:
        params = IndexParams(**header["params"])
        ids = header["ids"]
        specs = {s["name"]: s for s in header["arrays"]}
        thresholds = dict(header.get("thresholds", {}))
    except (KeyError, TypeError, ValueError) as err:
        raise _fail(p, f"corrupt header (bad or missing field: {err})") from None
    if (params.hash_scheme, params.tokenizer) != (HASH_SCHEME, TOKENIZER):
        raise _fail(
            p,
            f"written with hash scheme {params.hash_scheme!r} and tokeniser {params.tokenizer!r}; "
            f"this dedupe uses {HASH_SCHEME!r} and {TOKENIZER!r}: rebuild it",
        )
    arrays: dict[str, np.ndarray] = {}
    for name in _ARRAYS:
        spec = specs.get(name)
        if spec is None:
            raise _fail(p, f"corrupt header: array {name!r} is missing")
        start = base + int(spec["offset"])
        stop = start + int(spec["nbytes"])
        if stop > len(blob):
            raise _fail(p, f"truncated: array {name!r} ends at byte {stop}, file has {len(blob)}")
        data = blob[start:stop]
        if hashlib.sha256(data).hexdigest() != spec["sha256"]:
            raise _fail(p, f"corrupt: checksum of array {name!r} does not match")
        try:
            arrays[name] = np.frombuffer(data, dtype=spec["dtype"]).reshape(spec["shape"])
        except (TypeError, ValueError) as err:
            raise _fail(p, f"corrupt: array {name!r} cannot be read ({err})") from None
    n = len(ids)
    sigs = arrays["signatures"]
    if (
        len(set(ids)) != n
        or not all(isinstance(d, str) and d for d in ids)
        or sigs.shape != (n, params.num_perm)
        or len(arrays["set_offsets"]) != n + 1
        or len(arrays["key_offsets"]) != n + 1
        or arrays["set_offsets"][-1] != len(arrays["set_values"])
        or arrays["key_offsets"][-1] != len(arrays["key_values"])
    ):
        raise _fail(p, "corrupt: ids, signatures and offsets do not agree")
    try:
        index = cls(**{k: getattr(params, k) for k in _SHAPING}, **thresholds)
    except (TypeError, ValueError) as err:
        raise _fail(p, f"corrupt header (bad thresholds: {err})") from None
    set_vals = arrays["set_values"].astype(np.uint64)
    key_vals = arrays["key_values"].astype(np.uint64)
    index._append(
        list(ids),
        np.split(set_vals, arrays["set_offsets"][1:-1]),
        np.split(key_vals, arrays["key_offsets"][1:-1]),
        sigs.astype(np.uint32),
    )
    return index
