"""`dedupe index build|add|query|remove|stats`: work on a saved index."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import dedupe
from dedupe import render as views
from dedupe.errors import InputError
from dedupe.inputs import open_output, read_documents, read_text_file

from .common import (
    EXIT_OK,
    add_input_args,
    add_match_args,
    add_quiet,
    check_output,
    plural,
    positive,
    scan_options,
    warn_skipped,
)


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
    check_output(path)
    index.save(path)


def _load(path: str) -> Any:
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, not an index file")
    if not os.path.exists(path):
        raise InputError(f"{path}: no such index file (create one with `dedupe index build`)")
    return dedupe.Index.load(path)


def _cmd_index_build(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    check_output(args.output)
    docs = read_documents(args.inputs, id_field=args.id_field, text_field=args.text_field)
    index = dedupe.Index(**scan_options(args))
    skipped = _add_all(index, docs, replace=False, quiet=args.quiet)
    _save(index, args.output)
    warn_skipped(skipped)
    if not args.quiet:
        print(
            f"dedupe: indexed {plural(len(index), 'document')} into {args.output} "
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
    warn_skipped(skipped)
    if not args.quiet:
        print(
            f"dedupe: {args.index} now holds {plural(len(index), 'document')} "
            f"({len(index) - before:+d}) after {time.perf_counter() - start:.2f} s",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_index_query(args: argparse.Namespace) -> int:
    check_output(args.output)
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
            f"dedupe: removed {plural(len(set(args.ids)), 'document')}; "
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
        grouping = index.group(pairs)
        stats["pairs"] = len(pairs)
        stats["clusters"] = len(grouping.clusters)
        stats["hubs"] = len(grouping.hubs)
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


def register(sub: Any) -> None:
    """Add the ``index`` command and its actions."""
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
    add_input_args(q)
    add_match_args(q)
    q.add_argument("-o", "--output", metavar="FILE", required=True, help="index file to write")
    add_quiet(q)
    q.set_defaults(func=_cmd_index_build)

    q = isub.add_parser(
        "add",
        help="add documents to an index file",
        description="Add every document of the inputs to the index FILE (saved in place).",
    )
    q.add_argument("index", metavar="FILE", help="index file")
    add_input_args(q)
    q.add_argument("--replace", action="store_true", help="replace documents whose id exists")
    add_quiet(q)
    q.set_defaults(func=_cmd_index_add)

    q = isub.add_parser(
        "query",
        help="the indexed documents that overlap a text",
        description="Find the indexed documents that overlap TEXTFILE, best first.",
    )
    q.add_argument("index", metavar="FILE", help="index file")
    q.add_argument("textfile", metavar="TEXTFILE", help="text file to look up (- for stdin)")
    q.add_argument("-k", type=positive, metavar="N", help="at most N matches")
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
    add_quiet(q)
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
