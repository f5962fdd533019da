"""`dedupe provenance FILE --index INDEX`: which indexed documents a text was built from."""

from __future__ import annotations

import argparse
import json
from typing import Any

from dedupe.inputs import open_output, read_text_file
from dedupe.provenance import MAX_GAP, MIN_WORDS
from dedupe.render.provenance import provenance_html, render_provenance

from .common import EXIT_OK, InputError, check_output, non_negative, positive
from .stores import add_redis_args, open_index, warn_if_empty


def _open_index(args: argparse.Namespace) -> tuple[Any, str]:
    """The index the command reads (``--index FILE``, or ``--redis URL --namespace NAME``),
    and how to name it in the output."""
    if args.redis and args.index:
        raise InputError("give --index FILE or --redis URL --namespace NAME, not both")
    if args.redis:
        if not args.namespace:
            raise InputError("--redis needs --namespace NAME (the index's name on the server)")
        return open_index(args, None), f"redis namespace {args.namespace}"
    if args.namespace:
        raise InputError("--namespace goes with --redis URL")
    if not args.index:
        raise InputError("give the index: --index FILE or --redis URL --namespace NAME")
    return open_index(args, args.index), args.index


def _cmd_provenance(args: argparse.Namespace) -> int:
    check_output(args.output, [args.file, args.index])
    index, where = _open_index(args)
    text = read_text_file(args.file)
    warn_if_empty(args, index, args.index)
    prov = index.provenance(text, min_words=args.min_words, max_gap=args.max_gap)
    with open_output(args.output) as out:
        if args.format == "json":
            record = {"file": args.file, "index": where, **prov.to_dict()}
            out.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        elif args.format == "html":
            out.write(provenance_html(prov, title=f"Provenance of {args.file}"))
        else:
            out.write(render_provenance(prov, "text") + "\n")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add the ``provenance`` command."""
    p = sub.add_parser(
        "provenance",
        help="which indexed documents a text was built from, part by part",
        description="Cut FILE into spans, each credited to the earliest-added indexed "
        "document that holds it (or to none), and list those documents with the share of "
        "the text each supplies.",
    )
    p.add_argument("file", metavar="FILE", help="text file to trace (- for stdin)")
    p.add_argument("--index", metavar="INDEX", help="index file (from `dedupe index build`)")
    add_redis_args(p)
    p.add_argument(
        "--format",
        choices=("text", "json", "html"),
        default="text",
        help="text (default: paragraph by paragraph), json, or a self-contained html page",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument(
        "--min-words",
        type=positive,
        default=MIN_WORDS,
        metavar="N",
        help=f"shortest shared run of words that credits a document (default {MIN_WORDS})",
    )
    p.add_argument(
        "--max-gap",
        type=non_negative,
        default=MAX_GAP,
        metavar="N",
        help=f"words that may differ inside one credited passage (default {MAX_GAP})",
    )
    p.set_defaults(func=_cmd_provenance)
