"""A store on a Redis server: many processes share one live index.

``RedisStore(url, namespace=...)`` keeps an index's documents in a Redis (7.0 or later)
database, under keys that start with ``dedupe:{namespace}:``, so that several ingest
processes add and remove documents while others query, all seeing the same index. It needs
the ``redis`` package (``pip install 'article-dedupe[redis]'``); ``import dedupe`` does not.

Guarantees:

* **Atomic per document.** Adding, replacing and removing run as Lua scripts, each on a
  batch of whole documents (at most ``write_batch`` postings, :data:`MAX_WRITE_BATCH` at
  most); a script checks everything that can fail before its first write, so a call is
  done whole or not at all, a reader never sees part of a document, and writers adding at
  once end in the state of some serial order of their batches. Rows (document numbers)
  come from a counter, so they grow in insertion order, as the candidate rule expects.
* **Fuzzy mode.** A fuzzy index (``fuzzy=True``) keeps each document's fuzzy words
  (:func:`dedupe.text.fuzzy_buffer`) in its packed string, so they are written, read,
  evicted and removed with it, and :meth:`~RedisStore.fetch` and
  :meth:`~RedisStore.lookup` send them along for the fuzzy score.
* **Metadata with each document.** A document's metadata (``str`` fields, see
  :mod:`dedupe.metadata`) is written by the same script call as the document, so a reader
  never sees one without the other; it is removed, replaced and evicted with it, and every
  process reads it (:meth:`~RedisStore.metadata`, one round trip; :meth:`~RedisStore.columns`).
  Queries do not read it: they cost what they did.
* **A fixed number of round trips.** :meth:`~RedisStore.lookup` is one script call (document
  frequencies, rows, set sizes and key counts of every key of a query, and when it finds
  at most ``LOOKUP_DOCS`` (64) documents, their shingle sets and ids too),
  :meth:`~RedisStore.fetch` one more (the candidates' shingle sets and ids, in three
  strings): a query costs one round trip, or two when its keys find many documents,
  whatever its number of keys.
* **Compact.** A posting is 8 bytes (key and row, ``uint32``) in a bucket string of a few
  hundred bytes (linear hashing splits buckets as the index grows); a document's shingle
  set, passage keys and band keys are one packed string. About 2 KB per Reuters article
  (a fuzzy index adds the fuzzy words: about as many bytes as the text).
* **A date window.** Timestamps are a sorted set, so :meth:`~RedisStore.evict` reads only the
  documents it removes.
* **A restarted server is waited for.** While it loads its data (replaying its
  append-only file or snapshot) Redis answers ``LOADING`` and runs nothing; each call is
  tried again for up to ``timeout`` seconds, then a :class:`~dedupe.errors.StoreError`
  says the server is still loading.
* **Data is never dropped silently.** A server whose ``maxmemory-policy`` may evict keys
  (anything but ``noeviction``) is refused (``check_policy="warn"`` only warns). A
  namespace that disappears (deleted, or the server restarted without persistence) raises
  :class:`~dedupe.errors.IndexNotFoundError` on the next call, never answers as if empty.

Layout of a namespace ``NS`` (every key starts with ``dedupe:{NS}:``):

====================  ======  ==========================================================
key                   type    holds
====================  ======  ==========================================================
``meta``              hash    format, version, parameters and thresholds (JSON), the
                              parameters' fingerprint, the buckets' state (level, split
                              pointer, postings, load)
``next``              string  the row counter (``INCR``)
``ids``               hash    document id -> row
``time``              zset    row, scored by timestamp (``+inf``: none)
``d:<row>``           string  the document: ``<u4 n_set, u4 n_keys, u4 n_bands, f8
                              timestamp>``, then its shingle set, passage keys and band
                              keys (``uint32`` little-endian), in a fuzzy index its fuzzy
                              words (``<u4 length>``, UTF-8; ``n_bands`` has its top bit
                              set), and its id (UTF-8)
``p:<bucket>``        string  postings: 8 bytes each, the key then its row (``uint32``
                              little-endian), in insertion order; row ``0xFFFFFFFF``
                              marks a key whose rows are in ``s:<key>``
``s:<key bytes>``     string  the rows of a key held by more than ``inline`` (16)
                              documents, packed ``uint32``
``m:<row>``           string  the document's metadata, a JSON object of ``str`` fields
                              (UTF-8); none for a document without metadata
====================  ======  ==========================================================

A removed document's ``d:<row>`` and ``m:<row>`` strings linger ``linger`` seconds (default
60) with an expiry, so a query that looked its row up a moment before still reads it whole.

Versions: a new namespace records ``version`` 1 (:data:`BASE_VERSION`), the layout without
``m:<row>`` strings, which dedupe releases from before metadata was kept on Redis read and
write too. The first document written with metadata raises it to 2
(:data:`FORMAT_VERSION`): those releases, which would leave a removed document's metadata
behind, then refuse to open the namespace (upgrade every process before adding metadata:
one already running when the version changes does not look again). This release reads
both; a namespace of version 1 answers ``{}`` for every document's metadata.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import struct
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from ..errors import (
    DuplicateIdError,
    IndexFormatError,
    IndexNotFoundError,
    InvalidParameterError,
    ParameterMismatchError,
    StoreError,
    UnknownIdError,
)
from ..flat import offsets_of
from ..metadata import check_metadata
from ..params import IndexParams, Thresholds, check_int
from ..sketch import Sketch
from ..version import __version__
from . import lua
from .base import Columns, Fetched, Hits, already_stored, check_new_ids

__all__ = [
    "BASE_VERSION",
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_WRITE_BATCH",
    "RedisPolicyWarning",
    "RedisStore",
    "safe_url",
]

#: The ``format`` field of a namespace's ``meta`` hash.
FORMAT = "dedupe-redis"
#: Its ``version`` once the namespace holds metadata (``m:<row>`` strings), and the newest
#: this release reads.
FORMAT_VERSION = 2
#: The version a new namespace records, until a document is written with metadata: the
#: layout of releases that kept metadata in the adding process only (they read it too).
BASE_VERSION = 1
#: Posting buckets of a new namespace: ``2 ** INITIAL_LEVEL``.
INITIAL_LEVEL = 8
#: Postings per bucket (on average) before one is split: 512-byte strings.
BUCKET_LOAD = 64
#: A key held by more documents than this keeps its rows in a string of its own.
INLINE_ROWS = 16
#: Postings written by one script call at most (one document at least), the default of
#: ``RedisStore(write_batch=...)``, and removed by one call:
#: a script blocks the server while it runs, so batches stay short. Measured with 2 writers
#: and 1 reader on Reuters (benchmarks --redis): 1,000 against 3,000 gave the reader 28%
#: more queries per second during the ingest and a 37% lower p99, for 12% fewer inserts.
BATCH_POSTINGS = 1000
#: The largest ``write_batch``: postings of one script call. It bounds how long one call
#: holds the server (measured with the transfer: 100,000 postings of 2,800 short documents
#: in 1.1 s, 40,000 one-band documents of 2 postings in 1.8 s). The scripts take any
#: number of documents in a call (their commands go 1,000 values at a time), so a call at
#: this bound is as atomic as any other.
MAX_WRITE_BATCH = 100_000
#: Documents one eviction script removes at most.
EVICT_BATCH = 100
#: Rows fetched by one ``MGET`` (or one ``FETCH`` script).
FETCH_BATCH = 2000
#: A lookup that finds at most this many distinct rows sends their documents along, so
#: that the query needs no second round trip (95% of Reuters articles queried against the
#: whole corpus find at most 64). The bound keeps what one lookup reads and sends small:
#: a query whose keys find more documents fetches its candidates only.
LOOKUP_DOCS = 64
_HEADER = struct.Struct("<IIId")
_STAT = np.dtype([("row", "<u4"), ("n_set", "<u4"), ("n_keys", "<u4")])
_HEAD = np.dtype([("n_set", "<u4"), ("n_keys", "<u4"), ("id_len", "<u4")])
_NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_POLICIES = ("refuse", "warn", "off")
_T = TypeVar("_T")


#: Seconds between two tries while a server loads its data (doubling from the first).
LOADING_RETRY = (0.05, 0.5)


class _Absent(Exception):
    """A script found no namespace, and none was ever seen: the caller's empty answer."""


class _Loading(Exception):
    """The server answered ``LOADING``: it did not run the command (tried again)."""


class RedisPolicyWarning(UserWarning):
    """The server's ``maxmemory-policy`` could drop postings, or could not be checked."""


def safe_url(url: str) -> str:
    """``url`` without its password (for messages).

    >>> safe_url("redis://user:secret@db.example:6380/2?password=x&ssl_cert_reqs=none")
    'redis://user@db.example:6380/2?ssl_cert_reqs=none'
    >>> safe_url("redis://:secret@localhost")
    'redis://localhost'
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None or "@" in netloc:
            host = parts.hostname or ""
            host = f"[{host}]" if ":" in host else host
            user = f"{parts.username}@" if parts.username else ""
            netloc = user + host + (f":{parts.port}" if parts.port else "")
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"])
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:
        return "<a Redis URL that cannot be parsed>"


def _fingerprint(params: IndexParams) -> str:
    text = json.dumps(params.to_dict(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _u4(values: Any) -> bytes:
    return np.ascontiguousarray(values, dtype="<u4").tobytes()


def _u4_array(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32, copy=False)


def _metadata_json(fields: Mapping[str, str] | None) -> bytes:
    """A document's metadata as its ``m:<row>`` string holds it (``b""``: none).

    >>> _metadata_json({"title": "Zürich", "n": "1"})
    b'{"title":"Z\\xc3\\xbcrich","n":"1"}'
    """
    if not fields:
        return b""
    return json.dumps(dict(fields), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _fetched(heads: bytes, sets: bytes, ids: bytes, *words: bytes) -> Fetched:
    """Documents as the ``FETCH`` script replies them (see :mod:`dedupe.store.lua`):
    ``words``, from a fuzzy index, the lengths of their fuzzy words and the words."""
    head = np.frombuffer(heads, dtype=_HEAD)
    ends = np.cumsum(head["id_len"]).tolist()
    texts: tuple[np.ndarray | None, np.ndarray | None] = (None, None)
    if words:
        lens, text = words
        texts = np.frombuffer(text, dtype=np.uint8), offsets_of(_u4_array(lens))
    return Fetched(
        [ids[a:b].decode("utf-8", "surrogatepass") for a, b in zip([0, *ends], ends)],
        _u4_array(sets),
        offsets_of(head["n_set"]),
        head["n_keys"].astype(np.int64),
        *texts,
    )


def _blobs(
    ids: Sequence[str], sketch: Sketch, band_keys: np.ndarray, timestamps: np.ndarray
) -> list[bytes]:
    """One packed string per document (see the module docstring), with its fuzzy words
    when ``sketch`` has them."""
    n = len(ids)
    bands = np.asarray(band_keys).reshape(n, -1) if n else np.zeros((0, 0), np.uint32)
    n_bands = bands.shape[1]
    sv, kv, bv = _u4(sketch.set_values), _u4(sketch.key_values), _u4(bands)
    so = (np.asarray(sketch.set_offsets, dtype=np.int64) * 4).tolist()
    ko = (np.asarray(sketch.key_offsets, dtype=np.int64) * 4).tolist()
    times = np.asarray(timestamps, dtype=np.float64).tolist()
    width = 4 * n_bands
    words: list[bytes] = [b""] * n
    flag = 0
    if sketch.text_values is not None and sketch.text_offsets is not None:
        tv = np.ascontiguousarray(sketch.text_values, dtype=np.uint8).tobytes()
        to = np.asarray(sketch.text_offsets, dtype=np.int64).tolist()
        words = [struct.pack("<I", to[i + 1] - to[i]) + tv[to[i] : to[i + 1]] for i in range(n)]
        flag = lua.WORDS_BIT
    return [
        b"".join(
            (
                _HEADER.pack(
                    (so[i + 1] - so[i]) // 4, (ko[i + 1] - ko[i]) // 4, n_bands | flag, times[i]
                ),
                sv[so[i] : so[i + 1]],
                kv[ko[i] : ko[i + 1]],
                bv[i * width : (i + 1) * width],
                words[i],
                doc_id.encode("utf-8", "surrogatepass"),
            )
        )
        for i, doc_id in enumerate(ids)
    ]


class _Parsed:
    """Documents parsed from their packed strings, as flat columns."""

    def __init__(self, blobs: Sequence[bytes]) -> None:
        n = len(blobs)
        self.ids: list[str] = []
        self.times = np.empty(n, dtype=np.float64)
        self.set_sizes = np.empty(n, dtype=np.int64)
        self.key_counts = np.empty(n, dtype=np.int64)
        sets, keys, bands, texts = [], [], [], []
        text_lens = np.zeros(n, dtype=np.int64)
        n_bands, with_words = 0, 0
        for i, blob in enumerate(blobs):
            ns, nk, n_bands, ts = _HEADER.unpack_from(blob)
            has_words = bool(n_bands & lua.WORDS_BIT)
            n_bands &= ~lua.WORDS_BIT
            with_words += has_words
            a = _HEADER.size + 4 * ns
            b = a + 4 * nk
            c = b + 4 * n_bands
            sets.append(blob[_HEADER.size : a])
            keys.append(blob[a:b])
            bands.append(blob[b:c])
            if has_words:
                (size,) = struct.unpack_from("<I", blob, c)
                texts.append(blob[c + 4 : c + 4 + size])
                text_lens[i] = size
                c += 4 + size
            self.ids.append(blob[c:].decode("utf-8", "surrogatepass"))
            self.times[i], self.set_sizes[i], self.key_counts[i] = ts, ns, nk
        if with_words not in (0, n):
            raise StoreError("documents with and without fuzzy words in one index; run check()")
        self.set_values = _u4_array(b"".join(sets))
        self.key_values = _u4_array(b"".join(keys))
        self.band_keys = _u4_array(b"".join(bands)).reshape(n, n_bands)
        self.text_values: np.ndarray | None = None
        self.text_offsets: np.ndarray | None = None
        if with_words:
            self.text_values = np.frombuffer(b"".join(texts), dtype=np.uint8)
            self.text_offsets = offsets_of(text_lens)


class RedisStore:
    """Documents of one index in a namespace of a Redis server (see the module docstring).

    ``url``: a Redis URL (``redis://[[user]:password@]host[:port][/db]``, ``rediss://``
    for TLS, ``unix:///path.sock``). ``namespace``: letters, digits and ``._:/-`` (up to
    128 characters); several indexes share a server under different namespaces.
    ``timeout``: seconds to wait for the server (connecting and each reply; and for a
    restarted server still loading its data, which answers ``LOADING`` meanwhile).
    ``linger``: seconds a removed document stays readable to queries already under way.
    ``check_policy``: what to do when the server's ``maxmemory-policy`` may evict keys
    (which would silently lose postings): ``"refuse"`` (raise
    :class:`~dedupe.errors.StoreError`, the default), ``"warn"`` or ``"off"``.
    ``write_batch``: postings one script call writes at most (one document at least; at
    most :data:`MAX_WRITE_BATCH`). A script holds the server while it runs, so queries
    wait for the writes under way: smaller batches give readers lower latency during a
    heavy ingest, for fewer documents added per second (see the Redis benchmark in
    ``docs/results.md``).

    Nothing is sent to the server until the store is first used. The
    :class:`~dedupe.index.Index` records its parameters in the namespace on its first
    write; ``Index.open(store)`` reads them back::

        store = RedisStore("redis://localhost:6379/0", namespace="wire")
        index = dedupe.Index(store=store)         # new, or the same parameters as stored
        index.add("a", text, timestamp=now)
        index = dedupe.Index.open(store)          # the parameters stored

    >>> RedisStore("redis://localhost", namespace="a b")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: namespace must be 1 to 128 letters, digits ...
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str,
        timeout: float = 10.0,
        linger: float = 60.0,
        check_policy: str = "refuse",
        write_batch: int = BATCH_POSTINGS,
    ) -> None:
        if not isinstance(url, str) or not url:
            raise InvalidParameterError(f"url must be a Redis URL string, got {url!r}")
        if not isinstance(namespace, str) or not _NAMESPACE.fullmatch(namespace):
            raise InvalidParameterError(
                "namespace must be 1 to 128 letters, digits or ._:/- (starting with a letter "
                f"or digit), got {namespace!r}"
            )
        for name, value in (("timeout", timeout), ("linger", linger)):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
                or (name == "timeout" and value == 0)
            ):
                raise InvalidParameterError(f"{name} must be a positive number of seconds")
        check_int("write_batch", write_batch, 1, MAX_WRITE_BATCH)
        if check_policy not in _POLICIES:
            raise InvalidParameterError(
                f"check_policy must be one of {', '.join(_POLICIES)}, got {check_policy!r}"
            )
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError:
            raise StoreError(
                "RedisStore needs the redis package: pip install 'article-dedupe[redis]'"
            ) from None
        self.url, self.namespace = url, namespace
        self.prefix = f"dedupe:{{{namespace}}}:"
        self._safe_url = safe_url(url)
        self._redis = redis
        self._linger_ms = round(linger * 1000)
        self._check_policy = check_policy
        self._timeout = float(timeout)
        self._write_batch = write_batch
        try:
            self._client = redis.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 0),  # a write that timed out must not run twice
            )
        except (ValueError, redis.RedisError) as err:
            raise InvalidParameterError(
                f"{self._safe_url}: not a usable Redis URL ({err})"
            ) from None
        self._scripts: dict[str, Any] = {}
        self._reader: Any = None  # the connection of _read_script, and its process
        self._reader_pid = 0
        self._reader_lock = threading.Lock()
        self._ready = False
        self._seen = False  # the namespace existed at some point: its loss is an error
        self._sha: str | None = None

    def __repr__(self) -> str:
        return f"RedisStore({self._safe_url!r}, namespace={self.namespace!r})"

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError("a RedisStore cannot be pickled: open one in each process with its URL")

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def _errors(self, ids: Sequence[str] = ()) -> Iterator[None]:
        """Turn the client's exceptions into :class:`StoreError` naming the server (and a
        script's errors into their own classes; ``ids``: those the script was given)."""
        redis = self._redis
        where = f"Redis at {self._safe_url} (namespace {self.namespace!r})"
        try:
            yield
        except redis.exceptions.TimeoutError as err:
            raise StoreError(
                f"{where} did not answer in time ({err}); check the server's load and network, "
                "or pass a longer timeout="
            ) from None
        except redis.exceptions.AuthenticationError as err:
            raise StoreError(f"{where} refused the credentials ({err}); check the URL") from None
        except redis.exceptions.BusyLoadingError:  # before ConnectionError, its base class
            raise _Loading from None
        except redis.exceptions.ConnectionError as err:
            raise StoreError(
                f"cannot reach {where}: {str(err).rstrip('.')}; is the server running, and "
                "is the URL right?"
            ) from None
        except redis.exceptions.ResponseError as err:
            text = str(err)
            if text.startswith("DEDUPE "):
                self._script_error(text, ids)
            if text.startswith("OOM"):
                raise StoreError(
                    f"{where} is out of memory ({text}); raise its maxmemory or evict old "
                    "documents (Index.evict)"
                ) from None
            if "user_script" in text:  # a script stopped by the server or by Lua itself
                raise StoreError(
                    f"{where}: a dedupe script failed ({text}); what it wrote before may be "
                    "kept, so run RedisStore.check() and report the error"
                ) from None
            raise StoreError(f"{where} answered with an error: {text}") from None
        except redis.exceptions.RedisError as err:
            raise StoreError(f"{where}: {type(err).__name__}: {err}") from None

    def _script_error(self, text: str, ids: Sequence[str] = ()) -> None:
        """Raise what a script's ``DEDUPE <code> <detail>`` error means (see
        :mod:`dedupe.store.lua`); ``ids``: the ids of the call, which ``duplicate`` and
        ``unknown`` name by position. Returns only for ``notfound`` in a namespace never
        seen (raising ``_Absent``, an empty answer)."""
        code, _, detail = text[len("DEDUPE ") :].partition(" ")
        if code in ("duplicate", "unknown") and detail.isdigit() and 0 < int(detail) <= len(ids):
            detail = ids[int(detail) - 1]
        if code == "duplicate":
            raise already_stored(detail)
        if code == "unknown":
            raise UnknownIdError(f"no document with id {detail!r} in the index")
        if code == "full":
            raise StoreError(
                f"{self!r} has used its 4,294,967,294 document rows ({detail} so far; rows "
                "are never reused, not even after removals): nothing of this batch was "
                "written. Copy the index into a new namespace, where rows start again from "
                "1: Index(store=RedisStore(url, namespace=NEW)).merge(Index.open(store))"
            )
        if code == "removed":
            raise StoreError(
                f"documents removed from {self!r} while they were read, more than the "
                "store's linger seconds ago; try again (or raise linger=)"
            )
        if code == "mismatch":
            raise ParameterMismatchError(
                f"{self!r} holds an index built with other parameters than those this store "
                "recorded when it was opened (it was deleted and built again meanwhile?); "
                "open it again with dedupe.Index.open(store)"
            )
        if code == "notfound":
            self._missing()
            raise _Absent
        raise StoreError(
            f"{self!r}: a dedupe script answered an error this dedupe {__version__} does not "
            f"know ({text[:200]!r}); report it, with the server's version"
        )

    def _missing(self) -> None:
        """The namespace has no ``meta``: an error if it existed, else nothing."""
        if self._seen:
            raise IndexNotFoundError(
                f"namespace {self.namespace!r} is gone from Redis at {self._safe_url}: it was "
                "deleted, or the server restarted without persistence (appendonly or save); "
                "rebuild it, and turn persistence on to keep it across restarts"
            )

    def _first_use(self) -> None:
        """Once: check the server's version and eviction policy; register the scripts."""
        if self._ready:
            return
        client = self._client
        version = str(client.info("server").get("redis_version", "0"))
        if tuple(int(x) for x in re.findall(r"\d+", version)[:2]) < (7, 0):
            raise StoreError(
                f"Redis at {self._safe_url} is version {version}; RedisStore needs 7.0 or later"
            )
        if self._check_policy != "off":
            self._check_eviction_policy()
        for name in ("RECORD", "PUT", "DROP", "EVICT", "LOOKUP", "FETCH", "METADATA"):
            self._scripts[name] = client.register_script(getattr(lua, name))
        self._ready = True

    def _check_eviction_policy(self) -> None:
        try:
            policy = self._client.config_get("maxmemory-policy").get("maxmemory-policy")
        except self._redis.exceptions.ResponseError:
            policy = None  # CONFIG is disabled (managed services): say so, go on
        if policy is None:
            warnings.warn(
                f"could not read maxmemory-policy of Redis at {self._safe_url} (CONFIG is not "
                "allowed); make sure it is noeviction, or postings may be dropped",
                RedisPolicyWarning,
                stacklevel=4,
            )
        elif policy != "noeviction":
            message = (
                f"Redis at {self._safe_url} has maxmemory-policy {policy}: when it fills up "
                "it deletes keys, which would silently drop postings and documents; run "
                "`CONFIG SET maxmemory-policy noeviction` (and in redis.conf)"
            )
            if self._check_policy == "refuse":
                raise StoreError(message + ", or pass check_policy='warn'")
            warnings.warn(message, RedisPolicyWarning, stacklevel=4)

    def _run(
        self, fn: Callable[[], _T], *, retry: bool = False, ids: Sequence[str] = ()
    ) -> _T | None:
        """``fn()`` with errors translated; ``None`` when a script found no namespace and
        none was ever seen here. Reads (``retry``) are tried again once when the connection
        broke (a server restart closes idle connections). ``ids``: those a script is
        given, which its errors name by position.

        A server that answers ``LOADING`` (restarted, it replays its append-only file or
        snapshot first) ran nothing: the call is tried again, waiting longer each time,
        for up to the store's ``timeout``; then :class:`StoreError` says it is still
        loading."""
        deadline, pause = None, LOADING_RETRY[0]
        while True:
            try:
                with self._errors(ids):
                    self._first_use()
                    try:
                        return fn()
                    except self._redis.exceptions.BusyLoadingError:
                        raise
                    except self._redis.exceptions.ConnectionError:
                        if not retry:
                            raise
                        return fn()
            except _Absent:
                return None
            except _Loading:
                now = time.monotonic()
                deadline = now + self._timeout if deadline is None else deadline
                if now >= deadline:
                    raise StoreError(
                        f"Redis at {self._safe_url} (namespace {self.namespace!r}) is still "
                        f"loading its data after {self._timeout:g} s (a restarted server "
                        "replays its append-only file or snapshot before it answers); try "
                        "again once it has loaded, or pass a longer timeout="
                    ) from None
                time.sleep(min(pause, deadline - now))
                pause = min(2 * pause, LOADING_RETRY[1])

    def _script(self, name: str, args: Sequence[Any]) -> Any:
        return self._scripts[name](args=[self.prefix, *args])

    def _read_script(self, name: str, args: Sequence[Any]) -> Any:
        """:meth:`_script` of a read-only script (a query's ``LOOKUP`` or ``FETCH``) on a
        connection this store keeps for them: one ``EVALSHA`` sent and its reply read,
        without the client's pool, retry and script layers, which cost about as much
        client CPU as the rest of a query's call (measured: 89 -> 44 us a ``LOOKUP``).

        One thread at a time holds it (another meanwhile takes :meth:`_script`'s way); a
        forked process opens its own. A reply that errs leaves the connection in step; any
        other failure (a broken connection, a timeout, an interrupt between sending and
        reading) closes it, so no later call reads a stale reply: the next opens it again.
        A server that no longer knows the script (restarted, or ``SCRIPT FLUSH``) is
        answered through :meth:`_script`, which loads it again."""
        if not self._reader_lock.acquire(blocking=False):
            return self._script(name, args)
        try:
            conn = self._reader
            if conn is None or self._reader_pid != os.getpid():
                conn = self._reader = self._client.connection_pool.make_connection()
                self._reader_pid = os.getpid()
            command = conn.pack_command("EVALSHA", self._scripts[name].sha, 0, self.prefix, *args)
            try:
                conn.send_packed_command(command, check_health=False)
                return conn.read_response()
            except self._redis.exceptions.NoScriptError:
                pass
            except self._redis.exceptions.ResponseError:
                raise  # the server's answer: nothing left unread
            except BaseException:
                conn.disconnect()
                raise
        finally:
            self._reader_lock.release()
        return self._script(name, args)

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _exists_and(self, *commands: tuple[str | int, ...]) -> list[Any] | None:
        """Run ``commands`` in one transaction with ``EXISTS meta``; ``None`` when the
        namespace does not exist (after :meth:`_missing` had its say)."""

        def go() -> list[Any]:
            pipe = self._client.pipeline(transaction=True)
            pipe.exists(self._key("meta"))
            for command in commands:
                pipe.execute_command(*command)
            return pipe.execute()

        exists, *replies = self._run(go, retry=True) or [0]
        if not exists:
            self._missing()
            return None
        self._seen = True
        return replies

    # ------------------------------------------------------------------ parameters
    def meta(self) -> tuple[IndexParams, Thresholds] | None:
        replies = self._exists_and(
            ("HMGET", self._key("meta"), "format", "version", "params", "thresholds")
        )
        if replies is None:
            return None
        return self._parse_meta(replies[0])

    def _parse_meta(self, fields: list[Any]) -> tuple[IndexParams, Thresholds]:
        fmt, version, params, thresholds = (
            None if f is None else f.decode("utf-8", "replace") for f in fields
        )
        where = f"namespace {self.namespace!r} on Redis at {self._safe_url}"
        if fmt != FORMAT:
            raise IndexFormatError(
                f"{where} holds keys that dedupe did not write (format {fmt!r}); choose "
                "another namespace"
            )
        if version not in {str(v) for v in range(BASE_VERSION, FORMAT_VERSION + 1)}:
            raise IndexFormatError(
                f"{where} was written in format version {version} and this dedupe "
                f"{__version__} reads versions {BASE_VERSION} to {FORMAT_VERSION}; upgrade "
                "dedupe"
            )
        try:
            stored = IndexParams.from_dict(json.loads(params or ""))
            self._sha = _fingerprint(stored)
            return stored, Thresholds.from_dict(json.loads(thresholds or ""))
        except (ValueError, TypeError) as err:
            raise IndexFormatError(f"{where}: unreadable parameters ({err})") from None

    def record_meta(
        self, params: IndexParams, thresholds: Thresholds
    ) -> tuple[IndexParams, Thresholds]:
        def go() -> Any:
            fields = {
                "format": FORMAT,
                "version": BASE_VERSION,  # FORMAT_VERSION once metadata is written
                "params": json.dumps(params.to_dict(), sort_keys=True),
                "thresholds": json.dumps(thresholds.to_dict(), sort_keys=True),
                "params_sha": _fingerprint(params),
                "created_by": f"dedupe {__version__}",
                "lvl": INITIAL_LEVEL,
                "spl": 0,
                "entries": 0,
                "load": BUCKET_LOAD,
                "inline": INLINE_ROWS,
            }
            return self._script("RECORD", [x for kv in fields.items() for x in kv])

        recorded = self._parse_meta(self._run(go) or [None] * 4)
        self._seen = True
        return recorded

    def _fingerprint(self) -> str:
        if self._sha is None:
            if self.meta() is None:
                raise IndexNotFoundError(
                    f"namespace {self.namespace!r} on Redis at {self._safe_url} holds no index "
                    "yet: write through dedupe.Index(store=...), which records its parameters"
                )
        assert self._sha is not None
        return self._sha

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        replies = self._exists_and(("HLEN", self._key("ids")))
        return 0 if replies is None else int(replies[0])

    def __contains__(self, doc_id: object) -> bool:
        if not isinstance(doc_id, str):
            return False
        replies = self._exists_and(("HEXISTS", self._key("ids"), doc_id))
        return bool(replies and replies[0])

    def contains_many(self, ids: Sequence[str]) -> np.ndarray:
        ids = list(ids)
        if not ids:
            return np.zeros(0, dtype=bool)
        replies = self._exists_and(("HMGET", self._key("ids"), *ids))
        if replies is None:
            return np.zeros(len(ids), dtype=bool)
        return np.array([r is not None for r in replies[0]], dtype=bool)

    def _id_rows(self) -> tuple[list[str], np.ndarray]:
        """Every id and its row, in insertion order (one snapshot)."""
        replies = self._exists_and(("HGETALL", self._key("ids")))
        if not replies:
            return [], np.zeros(0, dtype=np.int64)
        flat = replies[0]
        if isinstance(flat, dict):
            flat = [x for kv in flat.items() for x in kv]
        ids = [d.decode("utf-8", "surrogatepass") for d in flat[0::2]]
        rows = np.array(flat[1::2], dtype=np.int64)
        order = np.argsort(rows, kind="stable")
        return [ids[i] for i in order.tolist()], rows[order]

    def ids(self) -> list[str]:
        return self._id_rows()[0]

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        ids = list(ids)
        if not ids:
            return np.zeros(0, dtype=np.int64)
        replies = self._exists_and(("HMGET", self._key("ids"), *ids))
        got = replies[0] if replies else [None] * len(ids)
        for doc_id, row in zip(ids, got):
            if row is None:
                raise UnknownIdError(f"no document with id {doc_id!r} in the index")
        return np.array(got, dtype=np.int64)

    def _blobs_of(self, rows: np.ndarray) -> tuple[list[bytes], list[bytes | None]]:
        """The packed documents of ``rows``, whole, and their metadata strings (``None``:
        none), in one round trip."""
        numbers = np.asarray(rows, dtype=np.int64).tolist()
        if not numbers:
            return [], []
        names = [f"{self.prefix}{kind}:{r}" for kind in "dm" for r in numbers]

        def go() -> list[Any]:
            pipe = self._client.pipeline(transaction=False)
            for i in range(0, len(names), FETCH_BATCH):
                pipe.mget(names[i : i + FETCH_BATCH])
            return [b for part in pipe.execute() for b in part]

        got = self._run(go, retry=True) or [None] * len(names)
        blobs, metas = got[: len(numbers)], got[len(numbers) :]
        if any(b is None for b in blobs):
            if self.meta() is None:
                raise IndexNotFoundError(f"namespace {self.namespace!r} is gone")
            raise StoreError(
                f"documents removed from {self!r} while they were read, more than the "
                "store's linger seconds ago; try again (or raise linger=)"
            )
        return blobs, metas

    def fetch(self, rows: np.ndarray) -> Fetched:
        rows = np.asarray(rows, dtype=np.int64)
        parts = [_u4(rows[i : i + FETCH_BATCH]) for i in range(0, len(rows), FETCH_BATCH)]

        def go() -> list[Any]:
            if len(parts) == 1:  # a query's candidates: one call
                return [self._read_script("FETCH", parts)]
            pipe = self._client.pipeline(transaction=False)
            for part in parts:
                self._scripts["FETCH"](args=[self.prefix, part], client=pipe)
            return pipe.execute()

        replies = self._run(go, retry=True) if parts else [[b"", b"", b""]]
        if replies is None:
            raise IndexNotFoundError(f"namespace {self.namespace!r} is gone")
        width = len(replies[0])
        if any(len(r) != width for r in replies):
            raise StoreError(f"{self!r}: documents with and without fuzzy words; run check()")
        return _fetched(*(b"".join(r[i] for r in replies) for i in range(width)))

    def columns(self) -> Columns:
        ids, rows = self._id_rows()
        blobs, metas = self._blobs_of(rows)
        docs = _Parsed(blobs)
        if docs.ids != ids:
            raise StoreError(f"{self!r}: document ids and rows disagree; run check()")
        metadata = {d: self._fields(d, m) for d, m in zip(ids, metas) if m}
        sketch = Sketch(
            docs.set_values,
            offsets_of(docs.set_sizes),
            docs.key_values,
            offsets_of(docs.key_counts),
            None,
            docs.text_values,
            docs.text_offsets,
        )
        return Columns(ids, docs.times, sketch, docs.band_keys, metadata)

    def metadata(self, ids: Sequence[str]) -> list[dict[str, str] | None]:
        ids = list(ids)
        if not ids:
            return []
        got = self._run(lambda: self._script("METADATA", ids), retry=True)
        if got is None:  # a namespace never written holds no document
            return [None] * len(ids)
        return [None if m is None else self._fields(d, m) for d, m in zip(ids, got)]

    def _fields(self, doc_id: str, stored: bytes) -> dict[str, str]:
        """A document's metadata from its ``m:<row>`` string (``b""``: none)."""
        if not stored:
            return {}
        try:
            fields = json.loads(stored.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError too
            fields = None
        if not isinstance(fields, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
        ):
            raise StoreError(
                f"{self!r}: the metadata of {doc_id!r} is not a JSON object of strings (it "
                "was not written by dedupe); run check(), and add the document again"
            )
        return fields

    def lookup(self, keys: np.ndarray, max_df: np.ndarray) -> Hits:
        keys = np.asarray(keys, dtype=np.uint32)
        caps = np.minimum(np.asarray(max_df, dtype=np.int64), 2**32 - 1)
        reply = self._run(
            lambda: self._read_script("LOOKUP", [_u4(keys), _u4(caps), LOOKUP_DOCS]), retry=True
        )
        if reply is None:  # a namespace never written: nothing holds any key
            n = len(keys)
            empty = np.zeros(0, dtype=np.int64)
            return Hits(np.zeros(n, dtype=np.int64), empty, empty, empty, empty)
        df, counts, entries, *docs = reply
        entries = np.frombuffer(entries, dtype=_STAT)  # one per row returned, key after key
        return Hits(
            _u4_array(df).astype(np.int64),
            np.repeat(np.arange(len(keys), dtype=np.int64), _u4_array(counts)),
            entries["row"].astype(np.int64),
            entries["n_keys"].astype(np.int64),
            entries["n_set"].astype(np.int64),
            _fetched(*docs) if docs else None,  # few rows: their documents came along
        )

    def newest(self) -> float:
        replies = self._exists_and(
            ("ZRANGE", self._key("time"), "(+inf", "-inf", "BYSCORE", "REV", "LIMIT", 0, 1,
             "WITHSCORES")
        )  # fmt: skip
        if not replies or not replies[0]:
            return float("nan")
        got = replies[0]  # [member, score], or [(member, score)] after the client's parsing
        return float(got[0][1] if isinstance(got[0], (tuple, list)) else got[1])

    # ------------------------------------------------------------------ writing
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
        check_new_ids(ids, [False] * len(ids), replace=True)  # stored ids: checked by PUT
        given = check_metadata(metadata, ids)
        if not ids:
            return
        sha = self._fingerprint()
        blobs = _blobs(ids, sketch, band_keys, timestamps)
        described = [_metadata_json(given.get(d)) for d in ids]
        scores = [
            "+inf" if math.isnan(t) else repr(t)
            for t in np.asarray(timestamps, dtype=np.float64).tolist()
        ]
        n_bands = np.asarray(band_keys).reshape(len(ids), -1).shape[1]
        weights = (sketch.key_counts() + n_bands).tolist()
        done: list[str] = []
        for lo, hi in _batches(weights, self._write_batch):
            args: list[Any] = [sha, "1" if replace else "0", self._linger_ms, FORMAT_VERSION]
            for i in range(lo, hi):
                args += [ids[i], scores[i], blobs[i], described[i]]
            try:
                self._run(functools.partial(self._script, "PUT", args), ids=ids[lo:hi])
            except DuplicateIdError:
                if done:  # a writer added one of our ids meanwhile: take ours back out
                    self.drop(done)
                raise
            except StoreError as err:
                if done:
                    raise StoreError(
                        f"{err} ({len(done)} of {len(ids)} documents were added, each whole)"
                    ) from None
                raise
            done += ids[lo:hi]

    def drop(self, ids: Sequence[str]) -> None:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return
        self.rows(ids)  # every id known, before anything changes
        for lo in range(0, len(ids), EVICT_BATCH):
            part = ids[lo : lo + EVICT_BATCH]
            self._run(functools.partial(self._script, "DROP", [self._linger_ms, *part]), ids=part)

    def evict(self, before: float) -> list[str]:
        out: list[str] = []
        while True:
            got = self._run(
                lambda: self._script("EVICT", [repr(float(before)), EVICT_BATCH, self._linger_ms])
            )
            got = got or []
            out += [d.decode("utf-8", "surrogatepass") for d in got]
            if len(got) < EVICT_BATCH:
                return out

    # ------------------------------------------------------------------ administration
    def delete_namespace(self) -> int:
        """Delete every key of the namespace (the index and its parameters); how many.

        Other processes using it get :class:`~dedupe.errors.IndexNotFoundError` next."""

        def go() -> int:
            n = 0
            batch: list[bytes] = []
            for key in self._client.scan_iter(match=_glob_escape(self.prefix) + "*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    n += self._client.unlink(*batch)
                    batch = []
            if batch:
                n += self._client.unlink(*batch)
            return n

        n = self._run(go) or 0
        self._seen, self._sha = False, None
        return n

    def describe(self) -> dict[str, Any]:
        """What the namespace holds: documents, postings, buckets.

        ``postings`` counts those in buckets (a key kept apart counts once there)."""
        replies = self._exists_and(
            ("HLEN", self._key("ids")),
            ("HMGET", self._key("meta"), "entries", "lvl", "spl", "load", "inline"),
        )
        out: dict[str, Any] = {"url": self._safe_url, "namespace": self.namespace}
        if replies is None:
            return {**out, "documents": 0}
        entries, lvl, spl, load, inline = (int(x or 0) for x in replies[1])
        return {
            **out,
            "documents": int(replies[0]),
            "postings": entries,
            "posting_buckets": 2**lvl + spl,
            "bucket_load": load,
            "inline_rows": inline,
        }

    def _whole_namespace(
        self,
    ) -> tuple[dict[bytes, bytes], dict[bytes, bytes], list[Any], list[Any]]:
        """Every bucket, every row list kept apart, the time index and the bucket counters
        (for :meth:`check`)."""

        def go() -> tuple[dict[bytes, bytes], dict[bytes, bytes], list[Any], list[Any]]:
            buckets: dict[Any, Any] = {}  # the client answers bytes (no decoding)
            spilled: dict[Any, Any] = {}
            pattern = _glob_escape(self.prefix) + "p:*"
            for name in self._client.scan_iter(match=pattern, count=1000):
                buckets[name] = self._client.get(name) or b""
            pattern = _glob_escape(self.prefix) + "s:*"
            for name in self._client.scan_iter(match=pattern, count=1000):
                spilled[name[-4:]] = self._client.get(name) or b""
            times = self._client.zrange(self._key("time"), 0, -1)
            meta = self._client.hmget(self._key("meta"), "entries", "lvl", "spl", "inline")
            return buckets, spilled, list(times), list(meta)

        return self._run(go) or ({}, {}, [], [0, 0, 0, 0])

    def check(self) -> dict[str, int]:
        """Check that the postings are exactly those of the stored documents (none
        dangling, none missing, each key's rows ascending, every key in its bucket), that
        ids, times and documents agree, and that the documents of a fuzzy index (only they)
        hold fuzzy words, and that no metadata is left without its document (but for the
        ``linger`` seconds after a removal); raise :class:`~dedupe.errors.StoreError`
        listing what is wrong. Reads the whole namespace: for tests and diagnosis."""
        columns = self.columns()
        _, rows = self._id_rows()
        sk = columns.sketch
        expected: dict[int, list[int]] = {}
        for i, row in enumerate(rows.tolist()):
            keys = columns.band_keys[i].tolist()
            keys += sk.key_values[sk.key_offsets[i] : sk.key_offsets[i + 1]].tolist()
            for k in keys:
                expected.setdefault(k, []).append(row)

        buckets, spilled, times, meta = self._whole_namespace()
        entries, lvl, spl, inline = (int(x or 0) for x in meta)
        problems: list[str] = []
        got = _bucket_rows(self.prefix, buckets, spilled, lvl, spl, inline, problems)
        for k, want in expected.items():
            have = got.pop(k, [])
            if have != want:
                problems.append(f"key {k}: rows {have}, expected {want}")
        problems += [f"dangling key {k}: rows {rows_}" for k, rows_ in got.items()]
        problems += [f"rows kept apart for key {f.hex()} without a marker" for f in spilled]
        if sorted(int(t) for t in times) != rows.tolist():
            problems.append("the time index does not hold exactly the live rows")
        problems += self._stray_metadata(set(rows.tolist()))
        recorded = self.meta()
        fuzzy = recorded is not None and recorded[0].fuzzy
        if len(columns) and fuzzy != (sk.text_values is not None):
            problems.append(
                "a fuzzy index whose documents lack their fuzzy words"
                if fuzzy
                else "fuzzy words in an index that is not fuzzy"
            )
        n_entries = sum(len(data) // 8 for data in buckets.values())
        if entries != n_entries:
            problems.append(f"meta counts {entries} postings in buckets, there are {n_entries}")
        if problems:
            raise StoreError(f"{self!r} is inconsistent: " + "; ".join(problems[:20]))
        return {
            "documents": len(columns),
            "keys": len(expected),
            "buckets": len(buckets),
            "with_metadata": len(columns.metadata),
        }

    def _stray_metadata(self, live: set[int]) -> list[str]:
        """The metadata strings of rows that hold no document and do not expire (left by
        a release that did not remove metadata, or by hand), as problems of :meth:`check`."""

        def go() -> list[str]:
            pattern = _glob_escape(self.prefix) + "m:*"
            start = len(self.prefix) + 2
            out = []
            for name in self._client.scan_iter(match=pattern, count=1000):
                tail = name[start:].decode("utf-8", "replace")
                row = int(tail) if tail.isdigit() else -1
                if row not in live and self._client.pttl(name) < 0:
                    out.append(f"metadata m:{tail} of no document")
            return out

        return self._run(go) or []


def _bucket_rows(
    prefix: str,
    buckets: dict[bytes, bytes],
    spilled: dict[bytes, bytes],
    lvl: int,
    spl: int,
    inline: int,
    problems: list[str],
) -> dict[int, list[int]]:
    """The rows each key holds in the buckets (and rows kept apart), each key checked to be
    in its home bucket; what is wrong is appended to ``problems`` (for
    :meth:`RedisStore.check`)."""
    got: dict[int, list[int]] = {}
    start = (prefix + "p:").encode()
    for name, data in buckets.items():
        pairs = np.frombuffer(data, dtype="<u4").reshape(-1, 2).tolist()
        where = int(name[len(start) :])
        for k, row in pairs:
            home = k % 2**lvl
            if home < spl:
                home = k % 2 ** (lvl + 1)
            if home != where:
                problems.append(f"key {k} in bucket {where}, expected {home}")
            if row == lua.MARK_ROW:
                kept = spilled.pop(struct.pack("<I", k), b"")
                got.setdefault(k, []).extend(_u4_array(kept).tolist())
                if len(kept) // 4 <= inline and not kept:
                    problems.append(f"key {k} is kept apart with no rows")
            else:
                got.setdefault(k, []).append(row)
    return got


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def _batches(weights: list[int], budget: int) -> Iterator[tuple[int, int]]:
    """Consecutive ``(lo, hi)`` ranges whose weights sum to at most ``budget`` (one item
    at least).

    >>> list(_batches([2, 2, 5, 1], 4))
    [(0, 2), (2, 3), (3, 4)]
    """
    lo, total = 0, 0
    for i, w in enumerate(weights):
        if i > lo and total + w > budget:
            yield lo, i
            lo, total = i, 0
        total += w
    if lo < len(weights):
        yield lo, len(weights)
