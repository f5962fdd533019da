"""Which document comes first: the one ranking rule behind a cluster's ``representative=``
and a deduplication's ``keep=``.

A rule is one of :data:`RANK_RULES`, the name of a metadata field, or a key function:

* ``"earliest"``: input order (with ``date_field``: the date in that metadata field, read
  by :func:`dedupe.metadata.parse_date`; undated documents after every dated one);
* ``"longest"``: most distinct shingles first;
* ``"name"``: the metadata field ``name``, smallest value first (compared as numbers when
  every value is one); ``"-name"``: largest first; documents without it last;
* a function of the id: smallest key first.

Ties always go to the document given first. :func:`rank_key` turns a rule into a sort key
(smaller: first) and the rule's name.

>>> key, name = rank_key("-score", ["a", "b", "c"], metadata={"a": {"score": "2"},
...                                                          "b": {"score": "10"}})
>>> sorted("abc", key=key), name
(['b', 'a', 'c'], '-score')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .errors import InvalidParameterError
from .metadata import parse_date

__all__ = ["RANK_RULES", "Rule", "rank_key"]

#: Named rules (any other string names a metadata field).
RANK_RULES = ("earliest", "longest")

#: A ranking rule as users give it.
Rule = str | Callable[[str], Any]


def rank_key(
    rule: Rule,
    order: Sequence[str],
    *,
    sizes: Mapping[str, int] | None = None,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
    date_field: str | None = None,
    option: str = "keep",
) -> tuple[Callable[[str], Any], str]:
    """A sort key over the ids of ``order`` (every document, in input order) for ``rule``,
    and the rule's name. ``sizes`` (distinct shingles by id) serves ``"longest"``;
    ``metadata`` serves field rules and ``date_field``. ``option`` names the caller's
    parameter in error messages.

    >>> key, _ = rank_key("longest", ["a", "b", "c"], sizes={"a": 3, "b": 9, "c": 9})
    >>> sorted("abc", key=key)
    ['b', 'c', 'a']
    >>> rank_key("", ["a"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: keep must be one of ('earliest', 'longest'), a ...
    """
    position = {doc: i for i, doc in enumerate(order)}
    metadata = metadata or {}
    if date_field is not None and rule != "earliest":
        raise InvalidParameterError(
            f"date_field ranks documents for {option}='earliest' only, and {option} is "
            f"{rule!r}: leave date_field out, or use {option}='earliest'"
        )
    if callable(rule):
        user = rule
        return (lambda d: (user(d), position[d])), getattr(rule, "__name__", "key")
    if not isinstance(rule, str) or not rule or rule == "-":
        raise InvalidParameterError(
            f"{option} must be one of {RANK_RULES}, a metadata field name or a key "
            f"function, got {rule!r}"
        )
    if rule == "longest":
        if sizes is None:
            raise InvalidParameterError(f"{option}='longest' needs the documents' sizes")
        known = sizes
        return (lambda d: (-known.get(d, 0), position[d])), "longest"
    if rule == "earliest":
        if date_field is None:
            return position.__getitem__, "earliest"
        return _by_date(position, metadata, date_field), f"earliest by {date_field}"
    return _by_field(rule, position, metadata, option), rule


def _by_date(
    position: Mapping[str, int], metadata: Mapping[str, Mapping[str, str]], date_field: str
) -> Callable[[str], Any]:
    dates: dict[str, float] = {}
    for doc in position:
        value = metadata.get(doc, {}).get(date_field)
        if value is not None:
            try:
                dates[doc] = parse_date(value)
            except InvalidParameterError as err:
                raise InvalidParameterError(
                    f"document {doc!r}, field {date_field!r}: {err}; fix the value, or "
                    "leave the field out for that document (undated documents rank last)"
                ) from None
    return lambda d: (0, dates[d], position[d]) if d in dates else (1, 0.0, position[d])


def _by_field(
    rule: str,
    position: Mapping[str, int],
    metadata: Mapping[str, Mapping[str, str]],
    option: str,
) -> Callable[[str], Any]:
    descending = rule.startswith("-")
    name = rule[1:] if descending else rule
    values = {d: metadata[d][name] for d in position if name in metadata.get(d, {})}
    if not values:
        raise InvalidParameterError(
            f"{option}={rule!r}: no document has a metadata field {name!r}; use "
            f"{' or '.join(RANK_RULES)}, or the name of a field the documents have"
        )
    sign = -1.0 if descending else 1.0
    if _numeric(values.values()):
        numbers = {d: sign * float(v) for d, v in values.items()}
        return lambda d: (0, numbers[d], position[d]) if d in numbers else (1, 0.0, position[d])
    ordered = sorted(set(values.values()), reverse=descending)
    rank = {v: i for i, v in enumerate(ordered)}
    return lambda d: (0, rank[values[d]], position[d]) if d in values else (1, 0, position[d])


def _numeric(values: Iterable[str]) -> bool:
    try:
        return all(math.isfinite(float(v)) for v in values)
    except ValueError:
        return False
