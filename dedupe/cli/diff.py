"""`dedupe diff`: the paragraph diff of two texts."""

from __future__ import annotations

import argparse
import json
from typing import Any

import dedupe
from dedupe import render as views
from dedupe.errors import InputError
from dedupe.inputs import open_output, read_text_file

from .common import (
    EXIT_OK,
    check_output,
)


def _cmd_diff(args: argparse.Namespace) -> int:
    if args.a == args.b == "-":
        raise InputError("-: standard input can be read only once; give one of A, B as a file")
    check_output(args.output)
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


def register(sub: Any) -> None:
    """Add the ``diff`` command."""
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
