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
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import dedupe
from dedupe import render as views
from dedupe.errors import DedupeError, InputError
from dedupe.inputs import check_output_path, open_output, read_documents, read_text_file
from dedupe.parallel import Progress

__all__ = ["main", "build_parser", "read_documents", "InputError"]

EXIT_OK = 0
EXIT_USAGE = 2  # bad usage or unreadable input
EXIT_INTERRUPTED = 130

# Default number of pairs that `dedupe report` diffs side by side.
DEFAULT_MAX_PAIRS = 200


def _check_output(path: str | None) -> None:
    """Fail early (before any long work) when `path` cannot be written."""
    if path is not None and path != "-":
        if os.path.isdir(path):
            raise InputError(f"{path}: is a folder; give a file name to -o")
        check_output_path(path)


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
    with open_output(args.output) as out:
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
    chosen = views.diff_choice(result.matches, args.max_pairs)
    diffs = []
    diff_start = time.perf_counter()
    with Progress(len(chosen), desc="diffing", unit="pair", enabled=not args.quiet) as bar:
        for m in chosen:
            diffs.append((m, dedupe.align(docs[m.a], docs[m.b])))
            bar.update()
    page = views.html_report(
        result, diffs, inputs=args.inputs, diff_seconds=time.perf_counter() - diff_start
    )
    with open_output(args.output) as out:
        out.write(page)
    _warn_skipped(result.skipped)
    if not args.quiet:
        print(
            _summary(result.documents, result, time.perf_counter() - start)
            + f"; {len(chosen)} pairs diffed; wrote {args.output}",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_diff(args: argparse.Namespace) -> int:
    if args.a == args.b == "-":
        raise InputError("-: standard input can be read only once; give one of A, B as a file")
    _check_output(args.output)
    text_a, text_b = read_text_file(args.a), read_text_file(args.b)
    alignment = dedupe.align(text_a, text_b)
    with open_output(args.output) as out:
        if args.format == "json":
            record = {"a": args.a, "b": args.b, **alignment.to_dict()}
            out.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        elif args.format == "html":
            out.write(views.alignment_html(alignment, names=(args.a, args.b)))
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
    text = read_text_file(args.textfile)
    matches = index.query(text, k=args.k)
    with open_output(args.output) as out:
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
    with open_output(None) as out:
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
    except DedupeError as err:
        print(f"dedupe {command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:
        print(f"dedupe {command}: error: {_describe_os_error(err)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dedupe: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
