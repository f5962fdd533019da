"""Reading collections into documents, and writing files atomically.

An input is a folder of ``.txt``/``.md`` files (ids are their paths relative to the folder,
with ``/`` separators), a single ``.txt``/``.md`` file (id: its file name, the id it has as
a file of its folder: :func:`text_file_id`), a JSONL file (``.jsonl``/``.ndjson``,
optionally ``.gz``), a CSV file with a header row (optionally ``.gz``), or ``-`` for JSONL
on standard input. Gzip data is recognised by its first bytes, not by the ``.gz`` suffix: a
gzip file named ``.jsonl`` and plain JSONL named ``.jsonl.gz`` both read. Anything
unreadable raises :class:`~dedupe.errors.InputError` naming the file, the line where there
is one, and the problem; an input holding no documents raises
:class:`~dedupe.errors.EmptyInputError` unless :func:`read_documents` is asked to list it.
:func:`iter_documents` gives the same documents one at a time, as they are read, for
:func:`dedupe.find_duplicates` to sketch a collection without holding all its texts.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.txt").write_text("Some text.", encoding="utf-8")
>>> read_documents([str(folder)])
{'a.txt': 'Some text.'}
>>> with atomic_write(folder / "out.txt") as fh:
...     _ = fh.write(b"all or nothing")
>>> (folder / "out.txt").read_bytes()
b'all or nothing'
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import stat
import sys
import tempfile
import time
import zlib
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import EmptyInputError, InputError, InvalidParameterError
from .records import (
    LineBlock,
    ParsedLine,
    bounded_lines,
    check_document,
    decode_utf8,
    parse_line,
    too_long,
)

__all__ = [
    "CSV_SUFFIXES",
    "DocumentStream",
    "JSONL_SUFFIXES",
    "MAX_RECORD_BYTES",
    "STALE_TEMP_SECONDS",
    "TEXT_SUFFIXES",
    "atomic_write",
    "check_output_path",
    "followed_by_kernel",
    "is_null_device",
    "open_output",
    "iter_documents",
    "read_documents",
    "read_text_file",
    "text_file_id",
]

# Suffixes of the files a folder contributes (compared case-insensitively).
TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)

#: The longest record read by default, in bytes: a JSONL line, or a CSV row (with the line
#: breaks inside its quoted fields), line ends included. Each line is read with this bound,
#: so a record too long (a 400 KB .jsonl.gz can hold a 400 MB line) is refused before it is
#: held in memory. Raise it with ``max_record_bytes=`` (``--max-record-bytes``). Text files
#: are read whole: their size is on the disk, not expanded from a smaller file.
MAX_RECORD_BYTES = 64 * 2**20


class _Docs:
    """Documents in input order, refusing an id seen before (and saying where it was).
    With ``skipped`` (a list), a document that cannot be read is listed there as
    ``(where, reason)`` instead of stopping the reading. Only ids and where each was read
    are kept here: the texts go to the caller one at a time (:meth:`add`)."""

    def __init__(
        self,
        skipped: list | None = None,
        metadata: dict | None = None,
        records: dict | None = None,
    ) -> None:
        self.where: dict[str, str] = {}
        self.skipped = skipped
        self.metadata = metadata
        self.records = records
        self.failed = 0  # documents skipped (counted even when ``skipped`` is not a list)

    def fail(self, err: InputError, where: str) -> None:
        """Raise ``err``, or note it and go on when skipping."""
        if self.skipped is None:
            raise err
        self.skipped.append((where, str(err)))
        self.failed += 1

    def add(
        self,
        doc_id: str,
        text: str,
        where: str,
        meta: dict[str, str] | None = None,
        record: Any = None,
    ) -> tuple[str, str] | None:
        """The document ``(id, text)``, checked, with its metadata and record noted; ``None``
        when it was skipped."""
        id_problem, text, text_problem = check_document(doc_id, text, where)
        if self.note(doc_id, where, id_problem, text_problem, meta, record):
            return doc_id, text
        return None

    def note(
        self,
        doc_id: str | None,
        where: str,
        problem: str | None,
        text_problem: str | None,
        meta: dict[str, str] | None = None,
        record: Any = None,
    ) -> bool:
        """Note a document whose checks (:func:`~dedupe.records.check_document`) found
        ``problem`` with it (or its id) and ``text_problem`` with its text: whether it is
        taken. A problem is raised, or the document skipped; an id seen before is always
        raised (before a problem with the text)."""
        if problem is not None:
            self.fail(InputError(problem), where)
            return False
        assert doc_id is not None  # a line read without a problem has an id
        if doc_id in self.where:
            raise InputError(
                f"{where}: duplicate id {doc_id!r} (first seen at {self.where[doc_id]})"
            )
        if text_problem is not None:
            self.fail(InputError(text_problem), where)
            return False
        self.where[doc_id] = where
        if self.metadata is not None and meta:
            self.metadata[doc_id] = meta
        if self.records is not None:
            self.records[doc_id] = record
        return True


def _kind(path: str) -> str:
    """'stdin', 'folder', 'text', 'jsonl' or 'csv' for an INPUT argument."""
    if path == "-":
        return "stdin"
    if os.path.isdir(path):
        return "folder"
    name = path.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(TEXT_SUFFIXES) and not path.lower().endswith(".gz"):
        return "text"
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file or directory")
    raise InputError(
        f"{path}: unknown kind of input; give a folder of .txt/.md files, a .txt/.md file, "
        "a .jsonl/.jsonl.gz file, a .csv file, or - for JSONL on standard input"
    )


#: JSONL and CSV files are read through a buffer of this many bytes: with the default 8 KB,
#: a line of a news article often takes a system call of its own (reading the lines of
#: 200,000 generated articles took 0.82 s against 0.28 s).
READ_BUFFER = 1 << 20

#: The first two bytes of every gzip stream (RFC 1952).
GZIP_MAGIC = b"\x1f\x8b"


def _peek(fh: IO[bytes], size: int) -> bytes:
    """The first ``size`` bytes of ``fh``, left unread (a seekable file is rewound; a
    buffered stream such as standard input is peeked at)."""
    if fh.seekable():
        where = fh.tell()
        head = fh.read(size)
        fh.seek(where)
        return head
    peek = getattr(fh, "peek", None)
    return peek(size)[:size] if peek is not None else b""


@contextmanager
def _maybe_gunzip(fh: IO[bytes]) -> Iterator[IO[bytes]]:
    """``fh`` itself, or the data it holds decompressed when it starts with the gzip magic
    bytes: the content decides, not the name (a gzip file named ``.jsonl``, or plain JSONL
    named ``.jsonl.gz``, reads as what it is)."""
    if _peek(fh, 2) == GZIP_MAGIC:
        with gzip.GzipFile(fileobj=fh, mode="rb") as unzipped:  # lines read through a
            yield io.BufferedReader(unzipped, buffer_size=READ_BUFFER)  # larger buffer
    else:
        yield fh


@contextmanager
def _open_binary(path: str, stdin: IO[bytes] | None = None) -> Iterator[IO[bytes]]:
    """The bytes of a JSONL or CSV input (``-``: standard input, or ``stdin`` when given),
    gzip-decompressed when they are gzip data, whatever the file's name says."""
    if path == "-":
        if stdin is None:
            if sys.stdin is None or sys.stdin.closed:
                raise InputError("-: standard input is closed; give a file, or pipe the input in")
            stdin = sys.stdin.buffer
        with _maybe_gunzip(stdin) as fh:
            yield fh
    else:
        with open(path, "rb", buffering=READ_BUFFER) as raw, _maybe_gunzip(raw) as fh:
            yield fh


def _read_folder(folder: str, docs: _Docs) -> Generator[tuple[str, str], None, None]:
    root = Path(folder)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(TEXT_SUFFIXES):
                continue
            path = Path(dirpath) / name
            where = str(path)
            try:
                where.encode("utf-8")
            except UnicodeEncodeError:
                where = where.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                docs.fail(
                    InputError(f"{where}: the file name is not valid UTF-8; rename it"), where
                )
                continue
            if not path.is_file():  # a FIFO, a device, a link to one: never read
                docs.fail(InputError(f"{where}: not a regular file; left out"), where)
                continue
            try:
                raw = path.read_bytes()
            except OSError as err:
                docs.fail(InputError(f"{where}: cannot be read ({err.strerror})"), where)
                continue
            try:
                text = decode_utf8(raw, where)
            except InputError as err:
                docs.fail(err, where)
                continue
            item = docs.add(path.relative_to(root).as_posix(), text, where)
            if item is not None:
                yield item


def _read_jsonl(
    path: str, docs: _Docs, id_field: str, text_field: str, limit: int, stdin: IO[bytes] | None
) -> Generator[tuple[str, str], None, None]:
    label = _label(path)
    fields = (id_field, text_field, docs.metadata is not None)
    with _open_binary(path, stdin) as fh:
        for number, raw in enumerate(bounded_lines(fh, limit), start=1):
            where = f"{label}:{number}"
            if raw is None:
                docs.fail(too_long(where, limit), where)
                continue
            try:
                got = parse_line(raw, where, fields)
            except InputError as err:
                docs.fail(err, where)
                continue
            if got is not None:
                doc_id, text, meta, line = got
                item = docs.add(doc_id, text, where, meta, line)
                if item is not None:
                    yield item


class _RecordTooLong(Exception):
    """A CSV record passed the limit (raised by :class:`_RecordLines`)."""


class _RecordLines:
    """The lines of a text stream for :func:`csv.reader`, each read with a bound: the lines
    of the record under way (since :meth:`next_record`) may hold ``limit`` bytes in all
    (UTF-8), and :class:`_RecordTooLong` is raised before more is held."""

    def __init__(self, text: IO[str], limit: int) -> None:
        self.text, self.limit, self.used = text, limit, 0
        self.lines = 0  # lines read
        self.start = 1  # the line where the record under way starts

    def next_record(self) -> None:
        self.used, self.start = 0, self.lines + 1

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        room = self.limit - self.used
        line = self.text.readline(room + 1)  # characters: each is a byte or more
        if not line:
            raise StopIteration
        size = len(line)
        if 4 * size > room:  # near the limit: count the bytes
            size = len(line.encode("utf-8", "surrogatepass"))
        self.used += size
        if self.used > self.limit:
            raise _RecordTooLong
        self.lines += 1
        return line


def _read_csv(
    path: str, docs: _Docs, id_field: str, text_field: str, limit: int
) -> Generator[tuple[str, str], None, None]:
    csv.field_size_limit(sys.maxsize)  # records are bounded by `limit` instead
    with _open_binary(path) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
        lines = _RecordLines(text, limit)
        reader = csv.reader(lines, strict=True)  # an unterminated quote is an error
        try:
            header = next(reader, None)
            if header is None:  # an empty file: no documents (said by read_documents)
                return
            for name, option in ((id_field, "--id-field"), (text_field, "--text-field")):
                if name not in header:
                    cols = ", ".join(repr(c) for c in header[:10])
                    raise InputError(
                        f"{path}:1: no {name!r} column (columns: {cols}); choose one with {option}"
                    )
            id_col, text_col = header.index(id_field), header.index(text_field)
            others = [i for i in range(len(header)) if i not in (id_col, text_col)]
            lines.next_record()
            for row in reader:
                lines.next_record()
                where = f"{path}:{reader.line_num}"
                if not row:
                    continue
                if len(row) != len(header):
                    docs.fail(InputError(f"{where}: {len(row)} fields, the header has "
                                         f"{len(header)}"), where)  # fmt: skip
                    continue
                meta = {header[i]: row[i] for i in others} if docs.metadata is not None else None
                record = dict(zip(header, row)) if docs.records is not None else None
                item = docs.add(row[id_col], row[text_col], where, meta, record)
                if item is not None:
                    yield item
        except UnicodeDecodeError as err:
            raise InputError(
                f"{path}:{reader.line_num + 1}: not valid UTF-8 ({err.reason}); "
                "convert the file to UTF-8"
            ) from None
        except csv.Error as err:
            raise InputError(f"{path}:{reader.line_num}: bad CSV ({err})") from None
        except _RecordTooLong:  # the rest of the file cannot be told apart: stop
            raise too_long(f"{path}:{lines.start}", limit) from None


def read_documents(
    inputs: Sequence[str | os.PathLike[str]],
    *,
    id_field: str = "id",
    text_field: str = "text",
    limit: int | None = None,
    skipped: list[tuple[str, str]] | None = None,
    metadata: dict[str, dict[str, str]] | None = None,
    records: dict[str, Any] | None = None,
    max_record_bytes: int = MAX_RECORD_BYTES,
    empty: list[tuple[str, str]] | None = None,
) -> dict[str, str]:
    """Read every INPUT into one ``{id: text}`` dict, in input order (the first ``limit``
    documents only, when given).

    An input that holds no documents (an empty file or standard input, blank lines only, a
    CSV file with no row under its header, a folder with no ``.txt``/``.md`` file) raises
    :class:`~dedupe.errors.EmptyInputError` naming it; with ``empty`` (a list), it is
    appended there as ``(input, reason)`` instead and the reading goes on (the command
    line warns and goes on: no documents give an empty result). Documents whose text holds
    no words are documents: they are read, and left to the caller.

    A JSONL line or a CSV record longer than ``max_record_bytes`` (default
    :data:`MAX_RECORD_BYTES`) raises :class:`~dedupe.errors.InputError` naming the file and
    line, before it is held in memory; with ``skipped``, a JSONL line that long is skipped,
    while a CSV record that long still stops the reading (the rest of the file cannot be
    told apart).

    With ``metadata`` (a dict), the other fields of each JSONL record and the other columns
    of each CSV row are stored in it as ``{id: {field: value}}``: string values as they are,
    other JSON values as their JSON text (``3``, ``true``, ``["a", "b"]``); ``null`` fields
    are left out. With ``records`` (a dict), each document's record is stored in it by id,
    to write it back unchanged: the JSONL line (decoded, without its line end), the CSV
    row as a dict of column to value, ``None`` for a text file.

    Raises :class:`~dedupe.errors.InputError` naming the file (and line) on anything
    unreadable, and on an id that appears twice; the files of a folder that are not regular
    files (FIFOs, devices, links to them) are never read. With ``skipped`` (a list), a
    document that cannot be read (a JSONL or CSV line, a file of a folder) is appended to it
    as ``(where, reason)`` and the reading goes on; an input that cannot be opened at all
    still raises.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Some text.", encoding="utf-8")
    >>> read_documents([str(folder)])
    {'a.txt': 'Some text.'}
    """
    return dict(
        iter_documents(
            inputs,
            id_field=id_field,
            text_field=text_field,
            limit=limit,
            skipped=skipped,
            metadata=metadata,
            records=records,
            max_record_bytes=max_record_bytes,
            empty=empty,
        )
    )


def iter_documents(
    inputs: Sequence[str | os.PathLike[str]],
    *,
    id_field: str = "id",
    text_field: str = "text",
    limit: int | None = None,
    skipped: list[tuple[str, str]] | None = None,
    metadata: dict[str, dict[str, str]] | None = None,
    records: dict[str, Any] | None = None,
    max_record_bytes: int = MAX_RECORD_BYTES,
    empty: list[tuple[str, str]] | None = None,
    stdin: IO[bytes] | None = None,
) -> DocumentStream:
    """The documents of every INPUT as ``(id, text)`` pairs, in input order, read as they
    are asked for: one record (a JSONL line, a CSV row, a text file) is held at a time, so
    :func:`dedupe.find_duplicates` can take a collection larger than memory. Everything
    :func:`read_documents` says holds (it is ``dict(iter_documents(...))``): the same
    checks, errors, ``skipped``, ``empty``, ``metadata`` and ``records``, which are filled
    as the documents are read (an entry is there when its document is yielded). Only the
    ids read so far and where each was read are kept, to refuse an id seen twice.

    The options and inputs are checked when this is called (an unknown kind of input or a
    missing file raises :class:`~dedupe.errors.InputError` before anything is read); a
    problem inside an input is raised when the reading reaches it. ``stdin`` is a binary
    file read for ``-`` instead of standard input (to read a copy of it twice, say).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.jsonl").write_text('{"id": "x", "text": "One."}\\n'
    ...                                     '{"id": "y", "text": "Two.", "title": "T"}\\n')
    >>> meta = {}
    >>> stream = iter_documents([str(folder / "a.jsonl")], metadata=meta)
    >>> next(stream), meta
    (('x', 'One.'), {})
    >>> next(stream), meta
    (('y', 'Two.'), {'y': {'title': 'T'}})
    """
    if (
        isinstance(max_record_bytes, bool)
        or not isinstance(max_record_bytes, int)
        or max_record_bytes < 1
    ):
        raise InvalidParameterError(
            f"max_record_bytes must be a positive number of bytes, got {max_record_bytes!r}"
        )
    paths: list[str] = [os.fspath(path) for path in inputs]
    if paths.count("-") > 1:
        raise InputError("-: standard input can be read only once")
    kinds = [_kind(path) for path in paths]
    for path, kind in zip(paths, kinds):
        if kind != "stdin" and not os.path.exists(path):
            raise InputError(f"{path}: no such file or directory")
    docs = _Docs(skipped, metadata, records)
    return DocumentStream(
        paths, kinds, docs, (id_field, text_field), limit, max_record_bytes, empty, stdin
    )


class DocumentStream(Iterator[tuple[str, str]]):
    """The documents :func:`iter_documents` reads, as ``(id, text)`` pairs one at a time.

    :func:`dedupe.find_duplicates` may instead read a stream over JSONL inputs in blocks
    of raw lines (:meth:`line_blocks`), parsed by its worker processes
    (:func:`dedupe.records.parse_block`), and note what they found in line order
    (:meth:`take`): the same documents, checks, errors and bookkeeping, with the JSON
    decoding spread over the workers.
    """

    def __init__(
        self,
        paths: list[str],
        kinds: list[str],
        docs: Any,  # the _Docs that notes what is read
        fields: tuple[str, str],
        limit: int | None,
        max_record_bytes: int,
        empty: list[tuple[str, str]] | None,
        stdin: IO[bytes] | None,
    ) -> None:
        self._paths, self._kinds, self._fields = paths, kinds, fields
        self._docs: _Docs = docs
        self._limit, self._max_bytes, self._empty, self._stdin = (
            limit, max_record_bytes, empty, stdin,
        )  # fmt: skip
        self._started = False
        self._found: Iterator[tuple[str, str]] = iter(())
        self._seen = 0  # documents taken or skipped when the input under way started

    def __iter__(self) -> DocumentStream:
        return self

    def __next__(self) -> tuple[str, str]:
        if not self._started:
            self._started = True
            self._found = _documents(
                self._paths, self._kinds, self._docs, *self._fields, self._limit,
                self._max_bytes, self._empty, self._stdin,
            )  # fmt: skip
        return next(self._found)

    def close(self) -> None:
        """Stop reading (the file being read is closed)."""
        self._started = True
        close = getattr(self._found, "close", None)
        if close is not None:
            close()

    @property
    def fields(self) -> tuple[str, str, bool]:
        """``(id field, text field, want metadata)``: how a worker reads a line."""
        return (*self._fields, self._docs.metadata is not None)

    def line_blocks(self, most_lines: int, most_bytes: int) -> Iterator[LineBlock] | None:
        """The lines of every input in blocks of at most ``most_lines`` lines (fewer once
        they hold ``most_bytes``), read as they are asked for; ``None`` (read the
        documents one at a time instead) unless every input is JSONL, nothing is read yet,
        and neither ``limit`` nor ``records`` was asked for."""
        if (
            self._started
            or self._limit is not None
            or self._docs.records is not None
            or any(kind not in ("jsonl", "stdin") for kind in self._kinds)
        ):
            return None
        self._started = True
        return self._blocks(most_lines, most_bytes)

    def _blocks(self, most_lines: int, most_bytes: int) -> Iterator[LineBlock]:
        for path in self._paths:
            label, limit = _label(path), self._max_bytes
            lines: list[bytes | None] = []
            first, held, start, error = 1, 0, True, None
            try:
                with _open_binary(path, self._stdin) as fh:
                    for raw in bounded_lines(fh, limit):
                        lines.append(raw)
                        held += len(raw) if raw is not None else 0
                        if len(lines) >= most_lines or held >= most_bytes:
                            yield LineBlock(path, label, first, lines, start, False, None, limit)
                            first, lines, held, start = first + len(lines), [], 0, False
            except (gzip.BadGzipFile, EOFError, zlib.error) as err:
                error = InputError(f"{path}: broken gzip data ({err or 'file is truncated'})")
            except InputError as err:  # raised in line order, once the lines before are taken
                error = err
            yield LineBlock(path, label, first, lines, start, True, error, limit)

    def take(self, block: LineBlock, parsed: list[ParsedLine]) -> list[str]:
        """Note what a worker found in ``block`` (:func:`dedupe.records.parse_block`), in
        line order, as :func:`iter_documents` would have: the ids of the documents taken
        (a problem raises, or with ``skipped`` skips the line); at the input's end, an
        input that held nothing raises or is listed in ``empty``."""
        docs = self._docs
        if block.start:
            self._seen = len(docs.where) + docs.failed
        taken = []
        for line in parsed:
            where = f"{block.label}:{line.number}"
            if docs.note(line.doc_id, where, line.problem, line.text_problem, line.meta):
                taken.append(line.doc_id)
        if block.error is not None:
            raise block.error
        if block.end and len(docs.where) + docs.failed == self._seen:
            problem = _nothing_in(block.path, "stdin" if block.path == "-" else "jsonl")
            if self._empty is None:
                raise problem
            self._empty.append((block.label, str(problem)))
        return taken  # type: ignore[return-value]  # a taken line has an id


def _documents(
    paths: list[str],
    kinds: list[str],
    docs: _Docs,
    id_field: str,
    text_field: str,
    limit: int | None,
    max_record_bytes: int,
    empty: list[tuple[str, str]] | None,
    stdin: IO[bytes] | None,
) -> Iterator[tuple[str, str]]:
    """The generator behind :func:`iter_documents` (its arguments checked)."""
    if limit is not None and limit <= 0:
        return
    for path, kind in zip(paths, kinds):
        seen = len(docs.where) + docs.failed
        found: Generator[tuple[str, str], None, None]
        if kind == "folder":
            found = _read_folder(path, docs)
        elif kind == "text":
            found = _read_text(path, docs)
        elif kind == "csv":
            found = _read_csv(path, docs, id_field, text_field, max_record_bytes)
        else:
            found = _read_jsonl(path, docs, id_field, text_field, max_record_bytes, stdin)
        try:
            for item in found:
                yield item
                if limit is not None and len(docs.where) >= limit:
                    return
        except (gzip.BadGzipFile, EOFError, zlib.error) as err:
            raise InputError(f"{path}: broken gzip data ({err or 'file is truncated'})") from None
        finally:
            found.close()
        if len(docs.where) + docs.failed == seen:
            problem = _nothing_in(path, kind)
            if empty is None:
                raise problem
            empty.append((_label(path), str(problem)))


def _read_text(path: str, docs: _Docs) -> Generator[tuple[str, str], None, None]:
    """The one document of a ``.txt``/``.md`` file given on its own."""
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        text = decode_utf8(raw, path)
    except InputError as err:
        docs.fail(err, path)
        return
    doc_id = text_file_id(path)
    if doc_id in docs.where:
        raise InputError(
            f"{path}: duplicate id {doc_id!r} (first seen at {docs.where[doc_id]}): "
            "a .txt/.md file given on its own is named by its file name; give a "
            "folder holding both instead (ids are then paths relative to it), or "
            "rename one"
        )
    item = docs.add(doc_id, text, path)
    if item is not None:
        yield item


def text_file_id(path: str | os.PathLike[str]) -> str:
    """The id of a ``.txt``/``.md`` file given on its own: its file name, the id it has in
    a folder given as the input (where ids are paths relative to the folder), whichever
    way the path is written.

    >>> text_file_id("wire/005.txt"), text_file_id("./005.txt"), text_file_id("/news/005.txt")
    ('005.txt', '005.txt', '005.txt')
    """
    return os.path.basename(os.path.normpath(os.fspath(path)))


def _label(path: str) -> str:
    return "<stdin>" if path == "-" else path


def _nothing_in(path: str, kind: str) -> EmptyInputError:
    """What an input that gave no document holds, as the error saying so."""
    if kind == "folder":
        what = "no .txt or .md files in this folder"
    elif kind == "csv":
        what = "a header row and no rows under it" if _has_bytes(path) else "the file is empty"
    elif kind == "stdin":
        what = "standard input is empty"
    else:
        what = "no records in it" if _has_bytes(path) else "the file is empty"
    return EmptyInputError(f"{_label(path)}: {what}; no documents read from it")


def _has_bytes(path: str) -> bool:
    """Whether an input holds anything at all (``-``: unknown, taken as not)."""
    try:
        return path != "-" and os.path.getsize(path) > 0
    except OSError:
        return False


def read_text_file(path: str) -> str:
    """The text of one file (``-``: standard input), decoded as UTF-8.

    >>> read_text_file("no/such.txt")
    Traceback (most recent call last):
    ...
    dedupe.errors.InputError: no/such.txt: no such file or directory
    """
    if path == "-":
        with _open_binary(path) as fh:
            return decode_utf8(fh.read(), "<stdin>")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; give a text file")
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file or directory")
    with _open_binary(path) as fh:
        return decode_utf8(fh.read(), path)


# ---------------------------------------------------------------------------------------
# Output

#: A temporary file of ours (``.NAME.*.tmp`` next to NAME) untouched for this many seconds
#: is left over from a killed write, and the next write to NAME removes it.
STALE_TEMP_SECONDS = 3600


#: Most symbolic links followed while resolving an output path (the kernel's limit).
MAX_LINKS = 40


def followed_by_kernel(link: os.stat_result, folder: os.stat_result, uid: int) -> bool:
    """Whether the kernel's ``fs.protected_symlinks`` rule lets user ``uid`` follow a link
    (``lstat`` of it) that stands in ``folder`` (``stat`` of it): always outside a sticky
    folder writable by everyone (such as ``/tmp``); inside one, only when the link belongs
    to ``uid`` or to the folder's owner. Anyone can plant a link in ``/tmp``; only its
    owner's own links are trusted there.

    >>> import os
    >>> tmp = os.stat_result((0o41777, 0, 0, 0, 0, 0, 0, 0, 0, 0))  # /tmp, owned by root
    >>> theirs = os.stat_result((0o120777, 0, 0, 0, 1001, 0, 0, 0, 0, 0))  # uid 1001's link
    >>> followed_by_kernel(theirs, tmp, 1001), followed_by_kernel(theirs, tmp, 1002)
    (True, False)
    """
    shared = stat.S_ISVTX | stat.S_IWOTH
    if folder.st_mode & shared != shared:
        return True
    return link.st_uid in (uid, folder.st_uid)


def _resolve_output(path: str) -> Path:
    """``os.path.realpath(path)``, except that a symbolic link the kernel would not follow
    for this user (:func:`followed_by_kernel`), anywhere along the path, is refused
    (:class:`~dedupe.errors.InputError`): a write renames over the resolved target, which
    the kernel's own check never sees."""
    if os.name != "posix":
        return Path(os.path.realpath(path))
    todo = [p for p in reversed(path.split("/")) if p]
    current = "/" if path.startswith("/") else os.getcwd()  # the cwd has no links in it
    uid = os.geteuid()
    links = 0
    while todo:
        name = todo.pop()
        if name == ".":
            continue
        if name == "..":  # `current` holds no link: its parent is its dirname
            current = os.path.dirname(current)
            continue
        candidate = os.path.join(current, name)
        try:
            info = os.lstat(candidate)
        except OSError:  # not there (yet): the rest of the path is taken as it is
            current = candidate
            continue
        if not stat.S_ISLNK(info.st_mode):
            current = candidate
            continue
        links += 1
        if links > MAX_LINKS:
            raise InputError(f"{path}: too many levels of symbolic links")
        folder = os.stat(current)
        if not followed_by_kernel(info, folder, uid):
            raise InputError(
                f"{path}: {candidate} is a symbolic link owned by another user (uid "
                f"{info.st_uid}) in the shared folder {current} (sticky and writable by "
                "everyone); dedupe does not write through it, as the system would not "
                "follow it (protected_symlinks): remove the link, or write to another path"
            )
        target = os.readlink(candidate)
        if target.startswith("/"):
            current = "/"
        todo.extend(p for p in reversed(target.split("/")) if p)
    return Path(current)


def is_null_device(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is (or links to) the null device, :data:`os.devnull`: an output
    written there is discarded, and is written directly (nothing to rename or replace).

    >>> is_null_device(os.devnull), is_null_device("no/such/file")
    (True, False)
    """
    try:
        info, null = os.stat(path), os.stat(os.devnull)
    except (OSError, ValueError):
        return False
    if os.name != "posix":
        return os.path.samestat(info, null)
    return stat.S_ISCHR(info.st_mode) and info.st_rdev == null.st_rdev


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` will replace (symlinks followed), checked before any long
    work: its folder must exist and be writable, and an existing target must be a regular
    file (a device, FIFO or folder is never replaced), or the null device
    (:func:`is_null_device`), which discards what is written. A symbolic link planted by another
    user in a shared sticky folder such as ``/tmp`` is never followed (the kernel's
    ``protected_symlinks`` rule, :func:`followed_by_kernel`): the write is refused.

    >>> check_output_path("/no/such/folder/x.idx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InputError: /no/such/folder/x.idx: cannot write it, folder ... does not exist
    """
    target = _resolve_output(os.fspath(path))
    if is_null_device(target):  # the output is discarded: nothing to check or replace
        return target
    if target.exists() and not target.is_file():
        if target.is_dir():
            raise InputError(f"{path}: is a folder; give the name of a file to write")
        mode = target.stat().st_mode
        what = (
            "a FIFO (named pipe)"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        raise InputError(
            f"{path}: is {what}, not a regular file; dedupe writes an output whole to a "
            "temporary file and renames it into place, which a FIFO or device cannot take: "
            f"give a file name, or write to standard output and redirect it ({os.devnull} "
            "is accepted, to discard the output)"
        )
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"{path}: cannot write it, folder {Path(path).parent} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{path}: cannot write it, folder {folder} is not writable")
    return target


#: The random part :func:`tempfile.mkstemp` puts in a name: 8 of these characters.
_TEMP_RANDOM = r"[a-z0-9_]{8}"


def _temporary_name(target: Path) -> re.Pattern[str]:
    """The names :func:`atomic_write` gives its temporary files for ``target``: the target's
    name taken literally (it may hold ``*``, ``?``, ``[``), then mkstemp's random part."""
    return re.compile(re.escape(f".{target.name}.") + _TEMP_RANDOM + re.escape(".tmp"))


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the temporary files of killed writes to ``target`` (regular files named as
    :func:`atomic_write` names them, untouched for :data:`STALE_TEMP_SECONDS`); no other
    file of the folder is touched."""
    ours = _temporary_name(target)
    now = time.time()
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if not ours.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_TEMP_SECONDS:
                os.unlink(entry.path)
        except OSError:
            pass


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``path`` only once it is completely written and synced.

    The data goes to a uniquely named temporary file next to the target, which is synced
    and renamed over it: a crash or a concurrent writer never leaves a half-written file
    under the real name. An existing target keeps its permission bits; a symlink is
    followed (the file it points to is replaced, not the link), unless it is another
    user's link in a shared sticky folder such as ``/tmp``, which is refused, as the
    kernel's ``protected_symlinks`` rule would; a target that is not a regular file is
    refused (:func:`check_output_path`). Temporary files left by killed
    writes are removed after :data:`STALE_TEMP_SECONDS`. The null device
    (:data:`os.devnull`, by any name or link) is written directly: the output is discarded,
    and the device itself is never replaced.
    """
    target = check_output_path(path)
    if is_null_device(target):  # discarded: no temporary file, nothing renamed over it
        with open(target, "wb") as null:
            yield null
        return
    _remove_stale_temporaries(target)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with open(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(err, OSError) and err.filename is None:  # a full disk: say which file
            raise OSError(err.errno, err.strerror or str(err), os.fspath(path)) from err
        raise
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


@contextmanager
def open_output(path: str | None) -> Iterator[IO[str]]:
    """Standard output (``None`` or ``-``), or a UTF-8 text file written atomically."""
    if path is None or path == "-":
        if sys.stdout is None or sys.stdout.closed:
            raise InputError("standard output is closed; write to a file with -o FILE")
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_write(path) as raw:
        fh = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield fh
        fh.flush()
        fh.detach()  # the binary file is closed by atomic_write
