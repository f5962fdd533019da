"""One JSONL record read and checked, and JSONL lines parsed in blocks where they are used.

:func:`dedupe.inputs.iter_documents` reads a JSONL line with :func:`parse_line` and checks
the document with :func:`check_document`. :func:`dedupe.find_duplicates` given such a
stream over JSONL inputs has the main process read only lines, in :class:`LineBlock`
blocks, and each worker process parse and check its blocks (:func:`parse_block`, the same
two functions) before it sketches them: the JSON decoding, the largest cost of reading,
runs on every core instead of one. The main process then does the bookkeeping the
stream does (ids seen, skipped lines, metadata) from the :class:`ParsedLine` results, in
line order.

>>> block = LineBlock("a.jsonl", "a.jsonl", 1, [b'{"id": "x", "text": "One."}\\n', b"\\n",
...                    b"{oops\\n"], True, True)
>>> parsed, texts = parse_block(block, ("id", "text", False))
>>> [(p.number, p.doc_id, p.problem is None) for p in parsed], texts
([(1, 'x', True), (3, None, False)], ['One.', None])
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from .errors import InputError, InvalidTextError
from .text import check_unicode, ensure_text

__all__ = [
    "LineBlock",
    "ParsedLine",
    "bounded_lines",
    "check_document",
    "decode_utf8",
    "parse_block",
    "parse_line",
    "too_long",
]

#: A line past the limit is skipped (``--on-error skip``) this many bytes at a time.
SKIP_CHUNK = 2**20


def decode_utf8(raw: bytes, where: str) -> str:
    """``raw`` decoded as UTF-8 (a BOM dropped), or :class:`~dedupe.errors.InputError`
    naming ``where``.

    >>> decode_utf8(b"caf\\xc3\\xa9", "a.txt")
    'café'
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{where}: not valid UTF-8 (bad byte 0x{raw[err.start]:02x} at offset {err.start}); "
            "convert the file to UTF-8"
        ) from None


def too_long(where: str, limit: int) -> InputError:
    """The error of a record longer than ``limit`` bytes at ``where``.

    >>> str(too_long("a.jsonl:3", 10)).startswith("a.jsonl:3: a record longer than 10 bytes")
    True
    """
    return InputError(
        f"{where}: a record longer than {limit:,} bytes, the limit; if it is meant to be "
        "that long, raise the limit with --max-record-bytes (max_record_bytes= in "
        "read_documents)"
    )


def bounded_lines(fh: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The lines of ``fh`` (line end included), each read with at most ``limit + 1``
    bytes held: a longer line is read through in chunks and given as ``None``.

    >>> import io
    >>> list(bounded_lines(io.BytesIO(b"ab\\n" + b"x" * 9 + b"\\nc"), 5))
    [b'ab\\n', None, b'c']
    """
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit:
            yield raw
            continue
        while not raw.endswith(b"\n"):  # the rest of the long line, never held whole
            raw = fh.readline(SKIP_CHUNK)
            if not raw:
                break
        yield None


def _json_object(line: str, where: str) -> dict[str, Any] | None:
    """The JSON object on one (decoded, stripped) line (``None`` for a blank line), or
    :class:`~dedupe.errors.InputError`."""
    if not line:
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply to read") from None
    except ValueError as err:  # e.g. an integer of thousands of digits
        raise InputError(f"{where}: JSON value not accepted ({err})") from None
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    return record


def record_field(record: dict[str, Any], name: str, where: str, role: str, option: str) -> str:
    """The ``role`` (``id`` or ``text``) field ``name`` of a record, as a string (an integer
    id as its digits), or :class:`~dedupe.errors.InputError` naming ``option``.

    >>> record_field({"id": 7}, "id", "a.jsonl:1", "id", "--id-field")
    '7'
    """
    if name not in record:
        keys = ", ".join(repr(k) for k in list(record)[:10]) or "none"
        raise InputError(f"{where}: no {name!r} field (fields: {keys}); choose one with {option}")
    value = record[name]
    if role == "id" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InputError(
            f"{where}: the {role} field {name!r} is {type(value).__name__}, not a string"
        )
    return value


def _meta_value(value: Any) -> str:
    """A JSON value as a metadata string: strings as they are, anything else as its JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def parse_line(
    raw: bytes, where: str, fields: tuple[str, str, bool]
) -> tuple[str, str, dict[str, str] | None, str] | None:
    """One JSONL line read: ``(id, text, metadata, line)`` (the metadata, the record's other
    fields, when ``fields[2]``; the line decoded and stripped), ``None`` for a blank line,
    or :class:`~dedupe.errors.InputError` naming ``where``. ``fields`` is ``(id field, text
    field, want metadata)``.

    >>> parse_line(b'{"id": 1, "text": "T", "n": null, "k": [1]}\\n', "a:1", ("id", "text", True))
    ('1', 'T', {'k': '[1]'}, '{"id": 1, "text": "T", "n": null, "k": [1]}')
    """
    id_field, text_field, want_meta = fields
    line = decode_utf8(raw, where).strip()
    record = _json_object(line, where)
    if record is None:
        return None
    doc_id = record_field(record, id_field, where, "id", "--id-field")
    text = record_field(record, text_field, where, "text", "--text-field")
    meta = None
    if want_meta:
        meta = {
            k: _meta_value(v)
            for k, v in record.items()
            if k != id_field and k != text_field and v is not None
        }
    return doc_id, text, meta, line


def check_document(doc_id: str, text: Any, where: str) -> tuple[str | None, Any, str | None]:
    """A document's checks that need no other document: ``(id problem, text, text
    problem)``, the text as ``str`` when it has no problem. The id must be valid Unicode
    (:func:`~dedupe.text.check_unicode`), the text valid text
    (:func:`~dedupe.text.ensure_text`); a problem is the message to raise or skip with.

    >>> check_document("a", b"caf\\xc3\\xa9", "a.txt")
    (None, 'café', None)
    >>> check_document("a", "x\\x00", "a.txt")[2]
    'a.txt contains NUL bytes: it looks like binary data, not text'
    """
    try:
        check_unicode(doc_id, name=f"{where}: the id")
    except InvalidTextError as err:
        return str(err), text, None
    try:  # NUL bytes, binary data: said here, where the file and line are known
        return None, ensure_text(text, name=where), None
    except InvalidTextError as err:
        return None, text, str(err)


class LineBlock(NamedTuple):
    """Lines of one JSONL input, read in order by the main process for a worker to parse."""

    path: str  #: the input as given (``-``: standard input)
    label: str  #: its name in messages
    first: int  #: the line number of ``lines[0]``
    lines: list[bytes | None]  #: raw lines, line ends included; ``None``: one too long
    start: bool  #: the input's first block
    end: bool  #: its last block
    error: InputError | None = None  #: raised once the lines before it are taken
    limit: int = 0  #: the longest line, for the message of one too long


class ParsedLine(NamedTuple):
    """What a worker found on one line that is not blank (see :func:`parse_block`)."""

    number: int  #: the line number
    doc_id: str | None  #: ``None`` when the line could not be read
    meta: dict[str, str] | None  #: the record's other fields, when asked for
    problem: str | None  #: why the line cannot be read, or its id is invalid
    text_problem: str | None  #: why its text is refused (checked after the id is)


def parse_block(
    block: LineBlock, fields: tuple[str, str, bool]
) -> tuple[list[ParsedLine], list[str | None]]:
    """Each line of ``block`` that is not blank, read (:func:`parse_line`) and checked
    (:func:`check_document`), and the text of each: ``str`` for a line without a
    problem, else ``None``. ``fields`` as for :func:`parse_line`.
    """
    parsed: list[ParsedLine] = []
    texts: list[str | None] = []
    for number, raw in enumerate(block.lines, start=block.first):
        where = f"{block.label}:{number}"
        if raw is None:
            parsed.append(ParsedLine(number, None, None, str(too_long(where, block.limit)), None))
            texts.append(None)
            continue
        try:
            got = parse_line(raw, where, fields)
        except InputError as err:
            parsed.append(ParsedLine(number, None, None, str(err), None))
            texts.append(None)
            continue
        if got is None:
            continue
        doc_id, text, meta, _ = got
        id_problem, text, text_problem = check_document(doc_id, text, where)
        parsed.append(ParsedLine(number, doc_id, meta, id_problem, text_problem))
        texts.append(text if id_problem is None and text_problem is None else None)
    return parsed, texts
