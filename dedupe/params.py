"""The one source of options: their names, defaults, validation and documentation.

Three small frozen dataclasses hold them, each field declared once with :func:`option`
(its default, a one-line doc and its check):

* :class:`IndexParams`: what shapes stored data (two indexes, or an index and a file,
  can be compared only when these agree);
* :class:`Thresholds`: when a pair is proposed and reported (they may change any time);
* :class:`RunOptions`: how a run is carried out and presented (worker processes, the
  cluster rule and the representative).

They are validated on creation (a wrong type or a value out of range raises
:class:`~dedupe.errors.InvalidParameterError` naming it) and picklable, so worker
processes, Spark tasks and index files all carry the same values. :data:`OPTIONS` lists
every user-facing option; the public signatures (:class:`dedupe.Index`,
:func:`dedupe.find_duplicates`, :mod:`dedupe.spark`) take their defaults from these classes
and build them with :func:`split_options`, and the command line builds its flags from
:data:`OPTIONS`; a test checks that no signature drifts from it.

>>> IndexParams().rows, Thresholds().jaccard, RunOptions().workers
(4, 0.5, 0)
>>> IndexParams(ngram="5")
Traceback (most recent call last):
...
dedupe.errors.InvalidParameterError: ngram must be a whole number, got '5' (str)
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping
from dataclasses import Field, asdict, dataclass, field, fields
from typing import Any

from .errors import InvalidParameterError, ParameterMismatchError
from .ranking import RANK_RULES, Rule
from .sketch import FUZZY_KEY_DOCS, FUZZY_SCHEME, HASH_SCHEME, HASH_SCHEMES
from .text import TOKENIZER

__all__ = [
    "CLUSTER_RULES",
    "MAX_AUTO_WORKERS",
    "OPTIONS",
    "IndexParams",
    "KEY_SHARE_PER_THRESHOLD",
    "Option",
    "RunOptions",
    "Thresholds",
    "check_cluster_rule",
    "check_int",
    "check_unit",
    "check_workers",
    "option",
    "seconds",
    "split_options",
    "timestamp",
]

#: Grouping rules: ``"hubs"`` (the default) keeps hubs from chaining stories together,
#: ``"components"`` joins every verified match (connected components); see
#: :mod:`dedupe.cluster`.
CLUSTER_RULES = ("hubs", "components")
#: Most worker processes (or threads) ``workers=0`` starts.
MAX_AUTO_WORKERS = 4


def check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]``, or :class:`~dedupe.errors.InvalidParameterError`.

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
        raise _out_of_range(f"{name} must be {bounds}, got {value}", bounds)
    return int(value)


def check_unit(name: str, value: Any) -> float:
    """``value`` as a float in ``[0, 1]``, or :class:`~dedupe.errors.InvalidParameterError`.

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
        raise _out_of_range(
            f"{name} must be a number between 0 and 1, got {value!r}", "between 0 and 1"
        )
    return float(value)


def _out_of_range(message: str, allowed: str) -> InvalidParameterError:
    """The error of a value out of range; ``allowed`` (``"between 0 and 1"``) lets a
    caller with its own words, such as the command line, say it again."""
    err = InvalidParameterError(message)
    err.allowed = allowed  # type: ignore[attr-defined]
    return err


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


def check_workers(value: Any, name: str = "workers") -> int:
    """``workers`` as an int, by the one convention of the library: ``0`` (the default)
    one per core, at most :data:`MAX_AUTO_WORKERS`; ``1`` none (everything in this
    process); ``n`` at most ``n`` processes (or threads, where the work runs in threads).

    >>> check_workers(0), check_workers(3)
    (0, 3)
    >>> check_workers(-1)
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: workers must be between 0 and 256, got -1
    """
    return check_int(name, value, 0, 256)


def check_cluster_rule(rule: Any) -> str:
    """``rule`` if it is one of :data:`CLUSTER_RULES`, else
    :class:`~dedupe.errors.InvalidParameterError`.

    >>> check_cluster_rule("chains")
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: clusters must be one of 'hubs', 'components'; got 'chains'
    """
    if not isinstance(rule, str) or rule not in CLUSTER_RULES:
        choices = ", ".join(repr(r) for r in CLUSTER_RULES)
        raise InvalidParameterError(f"clusters must be one of {choices}; got {rule!r}")
    return rule


def check_rule(rule: Any, name: str = "representative") -> Rule:
    """A ranking rule (:mod:`dedupe.ranking`) whose form is right: a named rule, a field
    name or a callable (whether a named field exists is checked when documents are ranked).

    >>> check_rule(42)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: representative must be one of ('earliest', ...
    """
    if callable(rule) or (isinstance(rule, str) and rule not in ("", "-")):
        return rule
    raise InvalidParameterError(
        f"{name} must be one of {RANK_RULES}, a metadata field name or a key function, got {rule!r}"
    )


def option(default: Any, doc: str, check: Callable[[str, Any], Any], *, cli: bool = True) -> Any:
    """A field of an options class: its default, its one-line ``doc`` and ``check(name,
    value)``, which returns the value to keep or raises
    :class:`~dedupe.errors.InvalidParameterError`.
    ``cli=False`` keeps it off the command line (and off :data:`OPTIONS`)."""
    return field(default=default, metadata={"doc": doc, "check": check, "cli": cli})


def _validate(obj: Any) -> None:
    """Run every field's check, keeping what it returns (``1`` -> ``1.0`` for a share)."""
    for f in fields(obj):
        value = f.metadata["check"](f.name, getattr(obj, f.name))
        object.__setattr__(obj, f.name, value)


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be True or False, got {value!r}")
    return value


def _whole(low: int, high: int | None = None) -> Callable[[str, Any], int]:
    return lambda name, value: check_int(name, value, low, high)


def _one_of(choices: tuple[str, ...], what: str) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        if value not in choices:
            known = ", ".join(repr(c) for c in choices if c)
            raise InvalidParameterError(f"unknown {what} {value!r}: this dedupe knows {known}")
        return str(value)

    return check


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
    and a file loaded, only when these agree (``hash_scheme`` and ``tokenizer`` are the
    versions of the hashing and tokenising code, recorded in index files).

    ``short_text``: at the default 40, on Reuters-21578, every containment pair with a
    text under 20 shingles is found, against 0.99 at 20 and 0.63 at 0.

    >>> IndexParams().bands, IndexParams(num_perm=6).bands
    (32, 6)
    """

    ngram: int = option(5, "words per shingle", _whole(1, 64))
    num_perm: int = option(
        128, "bins of the one-permutation signature band keys are cut from, and permutations "
        "of Index.signature's datasketch-compatible MinHash", _whole(1, 4096),
    )  # fmt: skip
    seed: int = option(1, "MinHash seed", _whole(0, 2**32 - 1))
    bands: int = option(
        0, "document LSH bands (0: bands of 4 rows, or of 1 row when num_perm is not a "
        "multiple of 4)", _whole(0)
    )  # fmt: skip
    window: int = option(
        8, "shingles per passage key: texts sharing a run of this many shingles share a key",
        _whole(1, 1000),
    )  # fmt: skip
    short_text: int = option(
        40, "texts with fewer distinct shingles take every shingle as a passage key, so that "
        "a short alert inside a longer story is found (0: never)", _whole(0, 10_000)
    )  # fmt: skip
    fuzzy: bool = option(
        False, "also find copies that are not letter-perfect (OCR-read or lightly re-worded): "
        "character keys that survive misread letters, and a fuzzy score of the words",
        lambda n, v: _boolean(n, v),
    )  # fmt: skip
    hash_scheme: str = option(
        HASH_SCHEME, "version of the hashing code", _one_of(HASH_SCHEMES, "hash scheme"),
        cli=False,
    )  # fmt: skip
    tokenizer: str = option(
        TOKENIZER, "version of the tokenising code", _one_of((TOKENIZER,), "tokeniser"),
        cli=False,
    )  # fmt: skip
    fuzzy_scheme: str = option(
        "", "version of fuzzy mode's normalisation and keys (empty when fuzzy is off)",
        _one_of(("", FUZZY_SCHEME), "fuzzy scheme"), cli=False,
    )  # fmt: skip

    @property
    def short_keys(self) -> int:
        """Texts with fewer distinct shingles than this are *short* for the candidate rule
        (one shared key makes a candidate): ``short_text``, or 0 in fuzzy mode, whose
        character keys (4 words or so) are too common for one to say anything.

        >>> IndexParams().short_keys, IndexParams(fuzzy=True).short_keys
        (40, 0)
        """
        return 0 if self.fuzzy else self.short_text

    def passage_key_docs(self, max_key_docs: int) -> int:
        """The most documents a passage key may be held by and still propose pairs:
        ``max_key_docs``, and at most :data:`~dedupe.sketch.FUZZY_KEY_DOCS` in fuzzy mode,
        whose character keys recur far more often (band keys keep ``max_key_docs``).

        >>> IndexParams().passage_key_docs(200), IndexParams(fuzzy=True).passage_key_docs(200)
        (200, 100)
        """
        return min(max_key_docs, FUZZY_KEY_DOCS) if self.fuzzy else max_key_docs

    def __post_init__(self) -> None:
        _validate(self)
        if self.fuzzy_scheme != (FUZZY_SCHEME if self.fuzzy else ""):
            if self.fuzzy_scheme and not self.fuzzy:
                raise InvalidParameterError("fuzzy_scheme is set but fuzzy is off")
            object.__setattr__(self, "fuzzy_scheme", FUZZY_SCHEME if self.fuzzy else "")
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
        """Raise :class:`~dedupe.errors.ParameterMismatchError` naming every parameter that differs.

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


#: The candidate rule never asks two texts for more than this times the smaller report
#: threshold as their share of shared passage keys (:attr:`Thresholds.key_share`): a pair
#: with containment ``c`` in runs of ``L`` shingles shares about ``c * (L - window + 1) /
#: L`` of the smaller one's keys, at least ``0.2 * c`` for runs of ``1.25 * window`` or more.
KEY_SHARE_PER_THRESHOLD = 0.2


@dataclass(frozen=True)
class Thresholds:
    """When a candidate pair is proposed and when it is reported; they may change any time.

    A pair is reported when its Jaccard similarity reaches ``jaccard``, or the share of
    either text's shingles found in the other reaches ``containment`` (for a text of at
    least ``min_shingles`` shingles). At the default ``min_shingles`` 5 (9 words) and
    ``containment`` 0.5 a containment match needs at least 3 shared shingles, 7 words in
    a row or more scattered, so a 5-word coincidence (one shared shingle) never makes a
    match; on Reuters-21578 every pair with containment 0.5 involves texts of 9 shingles
    or more. Two texts sharing only passage keys (no document band) are candidates when
    they share ``min_key_share`` of the smaller one's keys: a pair with containment ``c``
    in runs of ``L`` shingles shares about ``c * (L - window + 1) / L`` of them.

    >>> Thresholds(jaccard=0.8).to_dict()["jaccard"]
    0.8
    """

    jaccard: float = option(0.5, "report a pair whose Jaccard similarity reaches this", check_unit)
    containment: float = option(
        0.5, "...or where this share of either text's shingles is in the other", check_unit
    )
    min_shingles: int = option(
        5, "texts with fewer distinct shingles are matched on Jaccard only", _whole(0)
    )
    max_key_docs: int = option(
        200, "a passage key held by more documents (boilerplate, datelines) proposes no "
        "candidates; document bands are never capped", _whole(2)
    )  # fmt: skip
    fuzzy_threshold: float = option(
        0.9, "with fuzzy on, also report a pair whose fuzzy score (the share of the shorter "
        "text's words found in the other, misread letters forgiven) reaches this", check_unit
    )  # fmt: skip
    fuzzy_min_words: int = option(
        50, "...when the shorter text has at least this many words (short templated notices "
        "differ in a word or two)", _whole(1)
    )  # fmt: skip
    min_key_share: float = option(
        0.1, "texts sharing only passage keys are candidates when they share this share of "
        "the smaller one's keys (at most 0.2 times the smaller of jaccard and containment, "
        "so 0 at thresholds 0: then one shared run of window shingles makes a candidate)",
        check_unit
    )  # fmt: skip

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def key_share(self) -> float:
        """The share of the smaller text's passage keys the candidate rule asks of two
        texts sharing only passage keys: ``min_key_share``, lowered with the report
        thresholds to at most :data:`KEY_SHARE_PER_THRESHOLD` times the smaller of
        ``jaccard`` and ``containment``. At the defaults it is ``min_key_share`` (0.1); at
        thresholds 0 it is 0, so that every pair sharing one passage key (any run of
        ``window`` shingles) is a candidate, as the thresholds ask.

        >>> Thresholds().key_share, round(Thresholds(containment=0.2).key_share, 3)
        (0.1, 0.04)
        >>> Thresholds(jaccard=0, containment=0).key_share
        0.0
        """
        return min(
            self.min_key_share, KEY_SHARE_PER_THRESHOLD * min(self.jaccard, self.containment)
        )

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


@dataclass(frozen=True)
class RunOptions:
    """How a run is carried out and presented; they shape no stored data.

    >>> RunOptions(clusters="components").clusters
    'components'
    """

    workers: int = option(
        0, "worker processes (0: one per core, at most 4; 1: none)", lambda _, v: check_workers(v)
    )
    clusters: str = option(
        "hubs", "grouping rule: hubs (a roundup, or a text quoted by unrelated stories, does "
        "not merge them; it is listed as a hub) or components (every pair joins)",
        lambda _, v: check_cluster_rule(v),
    )  # fmt: skip
    representative: Rule = option(
        "earliest", "which member represents a cluster: earliest, longest, a metadata field "
        "(-field: largest first) or a key function", lambda n, v: check_rule(v, n)
    )  # fmt: skip

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class Option:
    """One user-facing option as :data:`OPTIONS` lists it: ``group`` is the class that
    holds it (``"IndexParams"``, ``"Thresholds"`` or ``"RunOptions"``), ``annotation``
    its type as written there and ``check(name, value)`` its validation."""

    name: str
    default: Any
    doc: str
    group: str
    annotation: str
    check: Callable[[str, Any], Any]


def _options_of(cls: type) -> list[Field[Any]]:
    return [f for f in fields(cls) if f.metadata.get("cli", True)]


#: Every user-facing option, by name, in the order of the classes' fields.
OPTIONS: dict[str, Option] = {
    f.name: Option(
        f.name, f.default, f.metadata["doc"], cls.__name__, str(f.type), f.metadata["check"]
    )
    for cls in (IndexParams, Thresholds, RunOptions)
    for f in _options_of(cls)
}


def split_options(values: Mapping[str, Any]) -> tuple[IndexParams, Thresholds, RunOptions]:
    """The three option classes built from ``values`` (a function's arguments: names that
    are not options are passed over; options left out take their defaults).

    >>> params, thresholds, run = split_options({"ngram": 3, "jaccard": 0.7, "docs": {}})
    >>> params.ngram, thresholds.jaccard, run.clusters
    (3, 0.7, 'hubs')
    """

    def picked(cls: type) -> dict[str, Any]:
        return {f.name: values[f.name] for f in _options_of(cls) if f.name in values}

    return (
        IndexParams(**picked(IndexParams)),
        Thresholds(**picked(Thresholds)),
        RunOptions(**picked(RunOptions)),
    )
