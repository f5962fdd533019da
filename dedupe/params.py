"""The parameters of an index: what shapes stored data, and the thresholds of a match.

Both are small frozen dataclasses, validated on creation (a wrong type or a value out of
range raises :class:`~dedupe.errors.InvalidParameterError` naming it) and picklable, so
worker processes, Spark tasks and index files all carry the same values.

>>> IndexParams().rows, Thresholds().jaccard
(4, 0.5)
>>> IndexParams(ngram="5")
Traceback (most recent call last):
...
dedupe.errors.InvalidParameterError: ngram must be a whole number, got '5' (str)
"""

from __future__ import annotations

import datetime
import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import InvalidParameterError, ParameterMismatchError
from .sketch import HASH_SCHEME, HASH_SCHEMES
from .text import TOKENIZER

__all__ = ["IndexParams", "Thresholds", "check_int", "check_unit", "seconds", "timestamp"]


def check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]``, or :class:`InvalidParameterError`.

    >>> check_int("k", 3, 1)
    3
    >>> check_int("k", True, 1)
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: k must be a whole number, got True (bool)
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameterError(
            f"{name} must be a whole number, got {value!r} ({type(value).__name__})"
        )
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f">= {low}"
        raise InvalidParameterError(f"{name} must be {bounds}, got {value}")
    return int(value)


def check_unit(name: str, value: Any) -> float:
    """``value`` as a float in ``[0, 1]``, or :class:`InvalidParameterError`.

    >>> check_unit("jaccard", 1)
    1.0
    >>> check_unit("jaccard", float("nan"))
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: jaccard must be a number between 0 and 1, got nan
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0.0 <= value <= 1.0
    ):
        raise InvalidParameterError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def timestamp(value: Any, *, name: str = "timestamp") -> float:
    """A point in time as seconds since the epoch: a number, or a ``datetime`` (naive ones
    are taken as UTC) or ``date`` (midnight UTC); ``None`` is NaN (no time).

    >>> timestamp(datetime.datetime(1970, 1, 2, tzinfo=datetime.timezone.utc))
    86400.0
    >>> timestamp("yesterday")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: timestamp must be seconds since the epoch, ...
    """
    if value is None:
        return math.nan
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.timestamp()
    if isinstance(value, datetime.date):
        return datetime.datetime(
            value.year, value.month, value.day, tzinfo=datetime.timezone.utc
        ).timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise InvalidParameterError(
        f"{name} must be seconds since the epoch, a datetime or a date, got {value!r}"
    )


def seconds(value: Any, *, name: str = "retention") -> float:
    """A positive duration in seconds, from a number or a ``timedelta``.

    >>> seconds(datetime.timedelta(days=2))
    172800.0
    """
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidParameterError(f"{name} must be a positive number of seconds or a timedelta")
    return float(value)


def _from_dict(cls: type, data: Any, what: str) -> Any:
    if not isinstance(data, dict):
        raise InvalidParameterError(f"{what} must be a mapping, got {type(data).__name__}")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names, key=str)
    if unknown:
        raise InvalidParameterError(f"{what} has unknown fields: {', '.join(map(str, unknown))}")
    return cls(**data)


@dataclass(frozen=True)
class IndexParams:
    """Everything that shapes what is stored for a document; two indexes can be merged,
    and a file loaded, only when these agree.

    ``ngram``: words per shingle; ``num_perm`` and ``seed``: the MinHash permutations
    (datasketch's); ``bands``: document LSH bands (0: bands of 4 rows, or of 1 row when
    ``num_perm`` is not a multiple of 4); ``window``: shingles per passage key;
    ``short_text``: texts with fewer distinct shingles take every shingle as a passage key,
    so that a short alert inside a longer story is found (0: never; at the default 40, on
    Reuters-21578, every containment pair with a text under 20 shingles is found, against
    0.99 at 20 and 0.63 at 0); ``hash_scheme`` and
    ``tokenizer``: versions of the hashing and tokenising code.

    >>> IndexParams().bands, IndexParams(num_perm=6).bands
    (32, 6)
    """

    ngram: int = 5
    num_perm: int = 128
    seed: int = 1
    bands: int = 0
    window: int = 8
    short_text: int = 40
    hash_scheme: str = HASH_SCHEME
    tokenizer: str = TOKENIZER

    def __post_init__(self) -> None:
        check_int("ngram", self.ngram, 1, 64)
        check_int("num_perm", self.num_perm, 1, 4096)
        check_int("seed", self.seed, 0, 2**32 - 1)
        check_int("bands", self.bands, 0)
        check_int("window", self.window, 1, 1000)
        check_int("short_text", self.short_text, 0, 10_000)
        if self.hash_scheme not in HASH_SCHEMES:
            raise InvalidParameterError(
                f"unknown hash scheme {self.hash_scheme!r}: this dedupe hashes with "
                f"{', '.join(HASH_SCHEMES)}"
            )
        if self.tokenizer != TOKENIZER:
            raise InvalidParameterError(
                f"unknown tokeniser {self.tokenizer!r}: this dedupe tokenises with {TOKENIZER!r}"
            )
        if self.bands == 0:
            object.__setattr__(self, "bands", self.num_perm // (4 if self.num_perm % 4 == 0 else 1))
        if self.num_perm % self.bands:
            raise InvalidParameterError(
                f"bands must divide num_perm: {self.bands} does not divide {self.num_perm}"
            )

    @property
    def rows(self) -> int:
        """Signature rows per band."""
        return self.num_perm // self.bands

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> IndexParams:
        """Strict inverse of :meth:`to_dict` (unknown fields and wrong types refused).

        >>> IndexParams.from_dict(IndexParams(ngram=4).to_dict()).ngram
        4
        """
        return _from_dict(cls, data, "index parameters")

    def check_same(self, other: IndexParams, *, what: str = "the other index") -> None:
        """Raise :class:`ParameterMismatchError` naming every parameter that differs.

        >>> IndexParams().check_same(IndexParams(ngram=4))
        Traceback (most recent call last):
        ...
        dedupe.errors.ParameterMismatchError: index parameters differ (ngram: 5 here, 4 in ...
        """
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
class Thresholds:
    """When a candidate pair is proposed and when it is reported; they may change any time.

    * ``jaccard``: a pair is reported when its Jaccard similarity reaches this, or
    * ``containment``: when the share of either text's shingles found in the other does;
    * ``min_shingles``: texts with fewer distinct shingles are matched on Jaccard only.
      At the default 5 (9 words) and ``containment=0.5`` a containment match needs at
      least 3 shared shingles, 7 words in a row or more scattered, so a 5-word
      coincidence (one shared shingle) never makes a match. On Reuters-21578 every pair
      with containment 0.5 involves texts of 9 shingles or more (template notices, market
      flashes inside longer reports);
    * ``max_key_docs``: a passage key held by more documents than this (boilerplate,
      datelines) proposes no candidates; document bands are never capped;
    * ``min_key_share``: two texts that share only passage keys (no document band) are
      candidates when they share at least this share of the smaller one's keys (a pair
      with containment ``c`` in runs of ``L`` shingles shares about
      ``c * (L - window + 1) / L`` of them).

    >>> Thresholds(jaccard=0.8).to_dict()["jaccard"]
    0.8
    """

    jaccard: float = 0.5
    containment: float = 0.5
    min_shingles: int = 5
    max_key_docs: int = 200
    min_key_share: float = 0.1

    def __post_init__(self) -> None:
        for name in ("jaccard", "containment", "min_key_share"):
            object.__setattr__(self, name, check_unit(name, getattr(self, name)))
        check_int("min_shingles", self.min_shingles, 0)
        check_int("max_key_docs", self.max_key_docs, 2)

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Thresholds:
        """Strict inverse of :meth:`to_dict` (unknown fields and wrong types refused).

        >>> Thresholds.from_dict({"jaccard": 0.7}).containment
        0.5
        """
        return _from_dict(cls, data, "thresholds")
