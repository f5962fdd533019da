"""The ``dedupe`` command line, thin over the library.

Commands::

    dedupe scan INPUT...            matches (or clusters) as JSONL, CSV or an aligned table
    dedupe diff A B                 paragraph diff of two files: text, markdown, html or json
    dedupe report INPUT... -o F     one self-contained HTML page: clusters and side-by-side diffs
    dedupe index build|add|query|remove|stats   work on a saved index

An INPUT is a folder of ``.txt``/``.md`` files (ids are their paths relative to the folder,
with ``/`` separators), a single ``.txt``/``.md`` file (id: the path as given), a JSONL file
(``.jsonl``/``.ndjson``, optionally ``.gz``), a CSV file with a header row (optionally
``.gz``), or ``-`` for JSONL on standard input.

Exit status: 0 on success, 2 for bad usage or unreadable input (a one-line message names the
file, the line where there is one, and the problem), 1 when the reader of standard output
goes away early (``dedupe scan big | head``), 130 when interrupted.

>>> main(["--version"])  # doctest: +ELLIPSIS
dedupe ...
0
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import dedupe
from dedupe import report as views
from dedupe.errors import DedupeError, InvalidTextError
from dedupe.text import ensure_text

__all__ = ["main", "build_parser", "read_documents", "InputError"]

# Suffixes of the files a folder contributes (compared case-insensitively).
TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)

EXIT_OK = 0
EXIT_USAGE = 2  # bad usage or unreadable input
EXIT_INTERRUPTED = 130

# Default number of pairs that `dedupe report` diffs side by side.
DEFAULT_MAX_PAIRS = 200


class InputError(Exception):
    """An input cannot be read; the message names the file (and line) and the problem.

    >>> read_documents(["no/such/folder"])
    Traceback (most recent call last):
    ...
    dedupe.cli.InputError: no/such/folder: no such file or directory
    """


# ---------------------------------------------------------------------------------------
# Reading inputs


class _Docs:
    """Documents in input order, refusing an id seen before (and saying where it was)."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.where: dict[str, str] = {}

    def add(self, doc_id: str, text: str, where: str) -> None:
        if doc_id in self.texts:
            raise InputError(
                f"{where}: duplicate id {doc_id!r} (first seen at {self.where[doc_id]})"
            )
        try:  # NUL bytes, binary data: said here, where the file and line are known
            self.texts[doc_id] = ensure_text(text, name=where)
        except InvalidTextError as err:
            raise InputError(str(err)) from None
        self.where[doc_id] = where


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{where}: not valid UTF-8 (bad byte 0x{raw[err.start]:02x} at offset {err.start}); "
            "convert the file to UTF-8"
        ) from None


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


@contextmanager
def _open_binary(path: str) -> Iterator[IO[bytes]]:
    if path == "-":
        yield sys.stdin.buffer
    elif path.lower().endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            yield fh
    else:
        with open(path, "rb") as fh:
            yield fh


def _read_folder(folder: str, docs: _Docs) -> None:
    root = Path(folder)
    found = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(TEXT_SUFFIXES):
                continue
            path = Path(dirpath) / name
            doc_id = path.relative_to(root).as_posix()
            docs.add(doc_id, _decode(path.read_bytes(), str(path)), str(path))
            found += 1
    if not found:
        raise InputError(f"{folder}: no .txt or .md files in this folder")


def _field(record: dict[str, Any], name: str, where: str, role: str, option: str) -> str:
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


def _read_jsonl(path: str, docs: _Docs, id_field: str, text_field: str) -> None:
    label = "<stdin>" if path == "-" else path
    with _open_binary(path) as fh:
        for number, raw in enumerate(fh, start=1):
            where = f"{label}:{number}"
            line = _decode(raw, where).strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(
                    f"{where}: not valid JSON ({err.msg} at column {err.colno})"
                ) from None
            if not isinstance(record, dict):
                raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
            doc_id = _field(record, id_field, where, "id", "--id-field")
            docs.add(doc_id, _field(record, text_field, where, "text", "--text-field"), where)


def _read_csv(path: str, docs: _Docs, id_field: str, text_field: str) -> None:
    csv.field_size_limit(sys.maxsize)
    with _open_binary(path) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty CSV file (expected a header row)")
            for name, option in ((id_field, "--id-field"), (text_field, "--text-field")):
                if name not in header:
                    cols = ", ".join(repr(c) for c in header[:10])
                    raise InputError(
                        f"{path}:1: no {name!r} column (columns: {cols}); choose one with {option}"
                    )
            id_col, text_col = header.index(id_field), header.index(text_field)
            for row in reader:
                where = f"{path}:{reader.line_num}"
                if not row:
                    continue
                if len(row) != len(header):
                    raise InputError(f"{where}: {len(row)} fields, the header has {len(header)}")
                docs.add(row[id_col], row[text_col], where)
        except UnicodeDecodeError as err:
            raise InputError(
                f"{path}:{reader.line_num + 1}: not valid UTF-8 ({err.reason}); "
                "convert the file to UTF-8"
            ) from None
        except csv.Error as err:
            raise InputError(f"{path}:{reader.line_num}: bad CSV ({err})") from None


def read_documents(
    inputs: Sequence[str], *, id_field: str = "id", text_field: str = "text"
) -> dict[str, str]:
    """Read every INPUT into one ``{id: text}`` dict, in input order.

    Raises :class:`InputError` naming the file (and line) on anything unreadable, and on an
    id that appears twice.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Some text.", encoding="utf-8")
    >>> read_documents([str(folder)])
    {'a.txt': 'Some text.'}
    """
    docs = _Docs()
    if list(inputs).count("-") > 1:
        raise InputError("-: standard input can be read only once")
    for path in inputs:
        kind = _kind(path)
        try:
            if kind == "folder":
                _read_folder(path, docs)
            elif kind == "text":
                with open(path, "rb") as fh:
                    docs.add(path, _decode(fh.read(), path), path)
            elif kind == "csv":
                _read_csv(path, docs, id_field, text_field)
            else:
                _read_jsonl(path, docs, id_field, text_field)
        except (gzip.BadGzipFile, EOFError, zlib.error) as err:
            raise InputError(f"{path}: broken gzip data ({err or 'file is truncated'})") from None
    return docs.texts


def _read_text_file(path: str) -> str:
    if path == "-":
        return _decode(sys.stdin.buffer.read(), "<stdin>")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; give a text file")
    with _open_binary(path) as fh:
        return _decode(fh.read(), path)


# ---------------------------------------------------------------------------------------
# Output


def _publish(tmp: str, target: Path) -> None:
    """Give the finished temporary file the usual permissions and move it to `target`."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    os.replace(tmp, target)


def _check_output(path: str | None) -> None:
    """Fail early (before any long work) when `path` cannot be written."""
    if path is None or path == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{path}: is a folder; give a file name to -o")
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"{path}: cannot write it, folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{path}: cannot write it, folder {folder} is not writable")


@contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    """Standard output, or a file written next to its destination and moved in place."""
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    _check_output(path)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        _publish(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


class _Progress:
    """A tqdm bar on stderr if tqdm is installed and not --quiet; otherwise nothing."""

    def __init__(self, enabled: bool, total: int, desc: str, unit: str) -> None:
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:  # tqdm is optional (the `cli` extra)
                return
            self.bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, delay=0.5)

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ---------------------------------------------------------------------------------------
# Commands


def _scan_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "jaccard": args.jaccard,
        "containment": args.containment,
        "ngram": args.ngram,
        "num_perm": args.num_perm,
        "seed": args.seed,
    }


def _find(args: argparse.Namespace, docs: dict[str, str]) -> dedupe.Report:
    return dedupe.find_duplicates(
        docs, **_scan_options(args), skip_empty=True, progress=not args.quiet
    )


def _warn_skipped(skipped: Sequence[str]) -> None:
    if skipped:
        shown = ", ".join(skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        print(
            f"dedupe: warning: skipped {_plural(len(skipped), 'document')} with no words ({shown})",
            file=sys.stderr,
        )


def _summary(documents: int, result: dedupe.Report, seconds: float) -> str:
    return (
        f"dedupe: {_plural(documents, 'document')}, {_plural(len(result.matches), 'pair')}, "
        f"{_plural(len(result.clusters), 'cluster')} in {seconds:.2f} s"
    )


def _cmd_scan(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    _check_output(args.output)
    docs = read_documents(args.inputs, id_field=args.id_field, text_field=args.text_field)
    result = _find(args, docs)
    with _output(args.output) as out:
        if args.clusters:
            views.write_clusters(result.clusters, out, fmt=args.format)
        else:
            views.write_matches(result.matches, out, fmt=args.format)
    _warn_skipped(result.skipped)
    if not args.quiet:
        print(_summary(result.documents, result, time.perf_counter() - start), file=sys.stderr)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    _check_output(args.output)
    docs = read_documents(args.inputs, id_field=args.id_field, text_field=args.text_field)
    result = _find(args, docs)
    bar = _Progress(not args.quiet, min(args.max_pairs, len(result.matches)), "diffing", "pair")
    try:
        page = views.html_report(
            result,
            docs,
            max_pairs=args.max_pairs,
            inputs=args.inputs,
            progress=bar.update,
        )
    finally:
        bar.close()
    with _output(args.output) as out:
        out.write(page)
    _warn_skipped(result.skipped)
    if not args.quiet:
        shown = min(args.max_pairs, len(result.matches))
        print(
            _summary(result.documents, result, time.perf_counter() - start)
            + f"; {shown} pairs diffed; wrote {args.output}",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_diff(args: argparse.Namespace) -> int:
    if args.a == args.b == "-":
        raise InputError("-: standard input can be read only once; give one of A, B as a file")
    _check_output(args.output)
    text_a, text_b = _read_text_file(args.a), _read_text_file(args.b)
    from dedupe.align import align

    alignment = align(text_a, text_b)
    with _output(args.output) as out:
        if args.format == "json":
            record = {"a": args.a, "b": args.b, **alignment.to_dict()}
            out.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        elif args.format == "html":
            out.write(views.diff_page(alignment, args.a, args.b))
        else:
            rendered = alignment.render(args.format)
            out.write(rendered if rendered.endswith("\n") else rendered + "\n")
    return EXIT_OK


def _add_all(index: Any, docs: dict[str, str], *, replace: bool, quiet: bool) -> list[str]:
    """Add `docs` (all or nothing); return the ids skipped for holding no words."""
    if not replace:  # say it in the CLI's words (--replace) before the library refuses
        clash = [doc_id for doc_id in docs if doc_id in index]
        if clash:
            shown = ", ".join(map(repr, clash[:5])) + (", ..." if len(clash) > 5 else "")
            raise InputError(
                f"{len(clash)} id(s) already in the index ({shown}); nothing was added "
                "(use --replace to replace them)"
            )
    return index.add_many(docs, replace=replace, skip_empty=True, progress=not quiet)


def _save(index: Any, path: str) -> None:
    """Save the index; :meth:`dedupe.Index.save` writes atomically (temporary file, rename)."""
    _check_output(path)
    index.save(path)


def _load(path: str) -> Any:
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, not an index file")
    if not os.path.exists(path):
        raise InputError(f"{path}: no such index file (create one with `dedupe index build`)")
    return dedupe.Index.load(path)


def _cmd_index_build(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    _check_output(args.output)
    docs = read_documents(args.inputs, id_field=args.id_field, text_field=args.text_field)
    index = dedupe.Index(**_scan_options(args))
    skipped = _add_all(index, docs, replace=False, quiet=args.quiet)
    _save(index, args.output)
    _warn_skipped(skipped)
    if not args.quiet:
        print(
            f"dedupe: indexed {_plural(len(index), 'document')} into {args.output} "
            f"in {time.perf_counter() - start:.2f} s",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_index_add(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    index = _load(args.index)
    docs = read_documents(args.inputs, id_field=args.id_field, text_field=args.text_field)
    before = len(index)
    skipped = _add_all(index, docs, replace=args.replace, quiet=args.quiet)
    _save(index, args.index)
    _warn_skipped(skipped)
    if not args.quiet:
        print(
            f"dedupe: {args.index} now holds {_plural(len(index), 'document')} "
            f"({len(index) - before:+d}) after {time.perf_counter() - start:.2f} s",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_index_query(args: argparse.Namespace) -> int:
    _check_output(args.output)
    index = _load(args.index)
    text = _read_text_file(args.textfile)
    matches = index.query(text, k=args.k)
    with _output(args.output) as out:
        views.write_matches(matches, out, fmt=args.format)
    return EXIT_OK


def _cmd_index_remove(args: argparse.Namespace) -> int:
    index = _load(args.index)
    missing = [doc_id for doc_id in args.ids if doc_id not in index]
    if missing:
        raise InputError(
            f"{args.index}: no document with id {', '.join(map(repr, missing))}; "
            "nothing was removed (list ids with `dedupe index stats --ids`)"
        )
    for doc_id in dict.fromkeys(args.ids):
        index.remove(doc_id)
    _save(index, args.index)
    if not args.quiet:
        print(
            f"dedupe: removed {_plural(len(set(args.ids)), 'document')}; "
            f"{args.index} now holds {len(index)}",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_index_stats(args: argparse.Namespace) -> int:
    index = _load(args.index)
    stats: dict[str, Any] = {"file": args.index, "bytes": os.path.getsize(args.index)}
    stats["documents"] = len(index)
    stats.update(index.params.to_dict())
    stats.update(index.thresholds())
    if args.pairs:
        pairs = index.pairs()
        clusters = index.clusters(pairs)
        stats["pairs"] = len(pairs)
        stats["clusters"] = len(clusters)
    with _output(None) as out:
        if args.json:
            if args.ids:
                stats["ids"] = list(index.ids())
            out.write(json.dumps(stats, ensure_ascii=False, indent=2) + "\n")
        else:
            width = max(len(k) for k in stats)
            for key, value in stats.items():
                out.write(f"{key:<{width}}  {value}\n")
            if args.ids:
                for doc_id in index.ids():
                    out.write(f"{doc_id}\n")
    return EXIT_OK


# ---------------------------------------------------------------------------------------
# Argument parsing


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


_INPUT_HELP = (
    "a folder of .txt/.md files (ids: relative paths), a .txt/.md file, a JSONL file "
    "(.jsonl, .jsonl.gz), a CSV file with a header row, or - for JSONL on stdin"
)


def _add_input_args(p: argparse.ArgumentParser, *, metavar: str = "INPUT") -> None:
    p.add_argument("inputs", nargs="+", metavar=metavar, help=_INPUT_HELP)
    p.add_argument(
        "--id-field", default="id", metavar="NAME", help="JSONL field / CSV column of the id"
    )
    p.add_argument(
        "--text-field", default="text", metavar="NAME", help="JSONL field / CSV column of the text"
    )


def _add_match_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("matching")
    g.add_argument(
        "--jaccard",
        type=_fraction,
        default=0.5,
        metavar="X",
        help="report a pair when its Jaccard similarity is at least X (default 0.5)",
    )
    g.add_argument(
        "--containment",
        type=_fraction,
        default=0.5,
        metavar="X",
        help="...or when X of either text's shingles are in the other (default 0.5)",
    )
    g.add_argument(
        "--ngram", type=_positive, default=5, metavar="N", help="words per shingle (default 5)"
    )
    g.add_argument(
        "--num-perm",
        type=_positive,
        default=128,
        metavar="N",
        help="MinHash permutations (default 128)",
    )
    g.add_argument("--seed", type=_non_negative, default=1, help="MinHash seed (default 1)")


def _add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no summary on stderr"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``dedupe`` command.

    >>> build_parser().parse_args(["scan", "seeds", "--format", "table"]).format
    'table'
    """
    parser = argparse.ArgumentParser(
        prog="dedupe",
        description="Find near-duplicate and partially re-published articles, and diff them.",
        epilog="Run `dedupe COMMAND --help` for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"dedupe {dedupe.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "scan",
        help="find every overlapping pair in a collection",
        description="Find every pair of documents that overlap, scored and verified. "
        "Writes one row per pair (best first), or per cluster with --clusters; "
        "a summary line goes to stderr.",
    )
    _add_input_args(p)
    _add_match_args(p)
    p.add_argument(
        "--format",
        choices=("jsonl", "csv", "table"),
        default="jsonl",
        help="output format (default jsonl)",
    )
    p.add_argument(
        "--clusters", action="store_true", help="write the clusters (largest first), not pairs"
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    _add_quiet(p)
    p.set_defaults(func=_cmd_scan)

    p = sub.add_parser(
        "diff",
        help="paragraph-by-paragraph diff of two files",
        description="Align two texts paragraph by paragraph and show what changed "
        "(equal, edited, moved, split, merged, only in A, only in B).",
    )
    p.add_argument("a", metavar="A", help="first text file (- for stdin)")
    p.add_argument("b", metavar="B", help="second text file")
    p.add_argument(
        "--format",
        choices=("text", "markdown", "html", "json"),
        default="text",
        help="text (default), markdown, a self-contained html page, or json",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=_cmd_diff)

    p = sub.add_parser(
        "report",
        help="a self-contained HTML page of clusters and side-by-side diffs",
        description="Scan the inputs and write one HTML page (no external assets): a "
        "summary, the clusters largest first with their weakest edge, and a collapsible "
        "side-by-side paragraph diff for each pair, best first.",
    )
    _add_input_args(p)
    _add_match_args(p)
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="the HTML file to write")
    p.add_argument(
        "--max-pairs",
        type=_non_negative,
        default=DEFAULT_MAX_PAIRS,
        metavar="N",
        help=f"diff at most N pairs, best first (default {DEFAULT_MAX_PAIRS}); "
        "the page says how many were left out",
    )
    _add_quiet(p)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "index",
        help="build, update, query and inspect a saved index",
        description="Work on an index file: build it, add or remove documents, query it.",
    )
    isub = p.add_subparsers(dest="index_command", metavar="ACTION", required=True)

    q = isub.add_parser(
        "build",
        help="index the inputs into a new file",
        description="Index every document of the inputs and save the index to FILE.",
    )
    _add_input_args(q)
    _add_match_args(q)
    q.add_argument("-o", "--output", metavar="FILE", required=True, help="index file to write")
    _add_quiet(q)
    q.set_defaults(func=_cmd_index_build)

    q = isub.add_parser(
        "add",
        help="add documents to an index file",
        description="Add every document of the inputs to the index FILE (saved in place).",
    )
    q.add_argument("index", metavar="FILE", help="index file")
    _add_input_args(q)
    q.add_argument("--replace", action="store_true", help="replace documents whose id exists")
    _add_quiet(q)
    q.set_defaults(func=_cmd_index_add)

    q = isub.add_parser(
        "query",
        help="the indexed documents that overlap a text",
        description="Find the indexed documents that overlap TEXTFILE, best first.",
    )
    q.add_argument("index", metavar="FILE", help="index file")
    q.add_argument("textfile", metavar="TEXTFILE", help="text file to look up (- for stdin)")
    q.add_argument("-k", type=_positive, metavar="N", help="at most N matches")
    q.add_argument(
        "--format",
        choices=("jsonl", "csv", "table"),
        default="jsonl",
        help="output format (default jsonl)",
    )
    q.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    q.set_defaults(func=_cmd_index_query)

    q = isub.add_parser(
        "remove",
        help="remove documents from an index file",
        description="Remove the documents with the given ids from the index FILE (saved in "
        "place). Nothing is removed if any id is unknown.",
    )
    q.add_argument("index", metavar="FILE", help="index file")
    q.add_argument("ids", nargs="+", metavar="ID", help="document id")
    _add_quiet(q)
    q.set_defaults(func=_cmd_index_remove)

    q = isub.add_parser(
        "stats",
        help="size and parameters of an index file",
        description="Show the number of documents and the parameters of the index FILE.",
    )
    q.add_argument("index", metavar="FILE", help="index file")
    q.add_argument("--pairs", action="store_true", help="also count pairs and clusters")
    q.add_argument("--ids", action="store_true", help="also list the document ids")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=_cmd_index_stats)
    return parser


def _describe_os_error(err: OSError) -> str:
    reason = (err.strerror or str(err)).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    return f"{err.filename}: {reason}" if err.filename else reason


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 bad usage or input, 1 output
    pipe closed early, 130 ^C).

    >>> main(["scan", "no-such-folder"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    command = " ".join(filter(None, (args.command, getattr(args, "index_command", None))))
    try:
        return args.func(args)
    except BrokenPipeError:
        # The reader went away (`dedupe scan big | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (InputError, DedupeError) as err:
        print(f"dedupe {command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:
        print(f"dedupe {command}: error: {_describe_os_error(err)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dedupe: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
