"""`dedupe diff`: the paragraph diff of two texts (two files, or two documents of a
collection)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import dedupe
from dedupe import render as views
from dedupe.errors import InputError
from dedupe.inputs import open_output, read_documents, read_text_file

from .common import EXIT_OK, add_quiet, add_record_limit, check_output, progress_mode


def _from_collection(corpus: str, ids: list[str], args: argparse.Namespace) -> list[str]:
    """The texts of ``ids`` in the collection ``corpus``; an unknown id is an error."""
    docs = read_documents(
        [corpus],
        id_field=args.id_field,
        text_field=args.text_field,
        max_record_bytes=args.max_record_bytes,
    )
    missing = [doc_id for doc_id in ids if doc_id not in docs]
    if missing:
        shown = ", ".join(repr(doc_id) for doc_id in list(docs)[:3])
        raise InputError(
            f"{corpus}: no document with id {', '.join(map(repr, missing))} "
            f"({len(docs)} documents, for example {shown}; ids come from --id-field "
            f"{args.id_field!r})"
        )
    return [docs[doc_id] for doc_id in ids]


def _cmd_diff(args: argparse.Namespace) -> int:
    check_output(args.output, [args.a] if args.c is not None else [args.a, args.b])
    if args.c is not None:  # CORPUS ID1 ID2
        names = (args.b, args.c)
        text_a, text_b = _from_collection(args.a, [args.b, args.c], args)
    else:
        if args.a == args.b == "-":
            raise InputError("-: standard input can be read only once; give one of A, B as a file")
        names = (args.a, args.b)
        text_a, text_b = read_text_file(args.a), read_text_file(args.b)
    alignment = dedupe.align(text_a, text_b, progress=progress_mode(args))
    fold: bool | str = args.fold_noise or False
    with open_output(args.output) as out:
        if args.format == "json":
            record = {"a": names[0], "b": names[1], **alignment.to_dict(fold_noise=fold)}
            out.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        elif args.format == "html":
            out.write(views.alignment_html(alignment, names=names, fold_noise=fold))
        else:
            rendered = views.render_alignment(alignment, args.format, fold_noise=fold)
            out.write(rendered if rendered.endswith("\n") else rendered + "\n")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add the ``diff`` command."""
    p = sub.add_parser(
        "diff",
        help="paragraph-by-paragraph diff of two files, or of two documents of a collection",
        description="Align two texts paragraph by paragraph and show what changed "
        "(equal, edited, moved, split, merged, only in A, only in B). The texts are two "
        "files (dedupe diff A B), or two documents of a collection "
        "(dedupe diff CORPUS ID1 ID2: a JSONL or CSV file or a folder, and two ids).",
        usage="dedupe diff [options] A B  |  dedupe diff [options] CORPUS ID1 ID2",
    )
    p.add_argument("a", metavar="A", help="first text file (- for stdin), or CORPUS")
    p.add_argument("b", metavar="B", help="second text file, or ID1")
    p.add_argument("c", metavar="ID2", nargs="?", help="with CORPUS ID1: the second id")
    p.add_argument(
        "--id-field", default="id", metavar="NAME", help="JSONL field / CSV column of the id"
    )
    p.add_argument(
        "--text-field", default="text", metavar="NAME", help="JSONL field / CSV column of the text"
    )
    add_record_limit(p)
    p.add_argument(
        "--format",
        choices=("text", "markdown", "html", "json"),
        default="text",
        help="text (default), markdown, a self-contained html page, or json",
    )
    p.add_argument(
        "--fold-noise",
        nargs="?",
        const="b",
        choices=("a", "b"),
        metavar="SIDE",
        help="show character noise (words misread by OCR, split or joined by a scan) as the "
        "clean side's words, unmarked, so that only the edits stand out; SIDE is the clean "
        "side, a or b (default b)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    add_quiet(p)
    p.set_defaults(func=_cmd_diff)
