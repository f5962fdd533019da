"""Metadata of documents: titles, outlets, dates, any other fields, as ``str -> str``.

Metadata is carried with the documents, never used to match them: a :class:`~dedupe.results.Report`
holds it for the ids it reports on, the CLI shows it next to ids, and the dedup keep rules
(:mod:`dedupe.dedup`) may rank documents by one of its fields (a date, say).

>>> check_metadata({"a": {"title": "Rail line opens"}}, ["a", "b"])
{'a': {'title': 'Rail line opens'}}
>>> parse_date("2024-05-01T10:00:00+02:00")
1714550400.0
"""

from __future__ import annotations

import datetime
import email.utils
import re
from collections.abc import Iterable, Mapping

from .errors import InvalidParameterError, InvalidTextError
from .text import check_unicode

__all__ = ["DATE_FORMATS", "check_metadata", "field_values", "parse_date"]

#: What :func:`parse_date` reads, for messages and documentation.
DATE_FORMATS = (
    "ISO 8601 (2024-05-01, 2024-05-01T10:00:00+02:00), RFC 2822 "
    "(Wed, 01 May 2024 10:00:00 +0000) or DD-Mon-YYYY [HH:MM:SS[.ff]] (01-MAY-2024 10:00:00.00)"
)

_DAY_MONTH_YEAR = re.compile(
    r"(\d{1,2})-([A-Za-z]{3})-(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
)
_MONTHS = {
    m: i for i, m in enumerate(("jan feb mar apr may jun jul aug sep oct nov dec").split(), 1)
}


def check_metadata(
    metadata: Mapping[str, Mapping[str, str]] | None, ids: Iterable[str]
) -> dict[str, dict[str, str]]:
    """``metadata`` (a mapping of document id to a dict of ``str`` fields), checked against
    the ``ids`` it describes, as plain dicts (the caller's mappings are copied, never
    changed). Ids without metadata may be left out; ``None`` is no metadata.

    Raises :class:`~dedupe.errors.InvalidParameterError` for anything that is not a mapping
    of mappings, an id that is not among ``ids``, or a key or value that is not a ``str``
    (or holds a lone surrogate, which no file can hold).

    >>> check_metadata({"x": {"title": "T"}}, ["a"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: metadata for unknown document id 'x': give ...
    >>> check_metadata({"a": {"words": 12}}, ["a"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: metadata of 'a': field 'words' is int, not str; ...
    """
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise InvalidParameterError(
            f"metadata must be a mapping of document id to a dict of str fields, "
            f"got {type(metadata).__name__}"
        )
    known = ids if isinstance(ids, (set, frozenset, dict)) else set(ids)
    out: dict[str, dict[str, str]] = {}
    for doc_id, fields in metadata.items():
        if doc_id not in known:
            raise InvalidParameterError(
                f"metadata for unknown document id {doc_id!r}: give metadata only for ids "
                "of the documents"
            )
        if not isinstance(fields, Mapping):
            raise InvalidParameterError(
                f"metadata of {doc_id!r} must be a dict of str fields, got {type(fields).__name__}"
            )
        for key, value in fields.items():
            if not isinstance(key, str):
                raise InvalidParameterError(
                    f"metadata of {doc_id!r}: field name {key!r} is {type(key).__name__}, not str"
                )
            if not isinstance(value, str):
                raise InvalidParameterError(
                    f"metadata of {doc_id!r}: field {key!r} is {type(value).__name__}, not "
                    f"str; give every value as a string (for example str({value!r}))"
                )
            try:
                check_unicode(key, name=f"metadata of {doc_id!r}: field name")
                check_unicode(value, name=f"metadata of {doc_id!r}: field {key!r}")
            except InvalidTextError as err:
                raise InvalidParameterError(str(err)) from None
        out[doc_id] = dict(fields)
    return out


def parse_date(value: str) -> float:
    """A date string as seconds since the epoch (a date or a time without a zone is UTC).

    Reads the formats of :data:`DATE_FORMATS`; anything else raises
    :class:`~dedupe.errors.InvalidParameterError`.

    >>> parse_date("26-FEB-1987 15:01:01.79") == parse_date("1987-02-26T15:01:01.79")
    True
    >>> parse_date("Wed, 01 May 2024 10:00:00 +0000") == parse_date("2024-05-01T10:00Z")
    True
    >>> parse_date("last Tuesday")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: 'last Tuesday' is not a date this library reads: ...
    """
    text = value.strip()
    when: datetime.datetime | None = None
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        pass
    if when is None:
        m = _DAY_MONTH_YEAR.fullmatch(text)
        if m and m.group(2).lower() in _MONTHS:
            day, month, year = int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3))
            hour, minute, second = (int(m.group(i) or 0) for i in (4, 5, 6))
            micro = int((m.group(7) or "0").ljust(6, "0"))
            try:
                when = datetime.datetime(year, month, day, hour, minute, second, micro)
            except ValueError:
                when = None
    if when is None:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            when = None
    if when is None:
        raise InvalidParameterError(
            f"{value!r} is not a date this library reads: use {DATE_FORMATS}"
        )
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()


def field_values(metadata: Mapping[str, Mapping[str, str]], name: str) -> dict[str, str]:
    """The value of field ``name`` for each id that has it.

    >>> field_values({"a": {"date": "2024"}, "b": {}}, "date")
    {'a': '2024'}
    """
    return {doc_id: fields[name] for doc_id, fields in metadata.items() if name in fields}
