"""What the commands share: output checks, options, summaries.

>>> plural(2, "pair")
'2 pairs'
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

import dedupe
from dedupe.cluster import CLUSTER_RULES
from dedupe.errors import InputError
from dedupe.inputs import check_output_path

EXIT_OK = 0
EXIT_USAGE = 2  # bad usage or unreadable input
EXIT_INTERRUPTED = 130


def check_output(path: str | None) -> None:
    """Fail early (before any long work) when `path` cannot be written."""
    if path is not None and path != "-":
        if os.path.isdir(path):
            raise InputError(f"{path}: is a folder; give a file name to -o")
        check_output_path(path)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def scan_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "jaccard": args.jaccard,
        "containment": args.containment,
        "ngram": args.ngram,
        "num_perm": args.num_perm,
        "seed": args.seed,
    }


def find(args: argparse.Namespace, docs: dict[str, str]) -> dedupe.Report:
    return dedupe.find_duplicates(
        docs,
        **scan_options(args),
        clusters=args.cluster_rule,
        skip_empty=True,
        progress=not args.quiet,
    )


def warn_skipped(skipped: Sequence[str]) -> None:
    if skipped:
        shown = ", ".join(skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        print(
            f"dedupe: warning: skipped {plural(len(skipped), 'document')} with no words ({shown})",
            file=sys.stderr,
        )


def summary(documents: int, result: dedupe.Report, seconds: float) -> str:
    return (
        f"dedupe: {plural(documents, 'document')}, {plural(len(result.matches), 'pair')}, "
        f"{plural(len(result.clusters), 'cluster')} in {seconds:.2f} s"
    )


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


INPUT_HELP = (
    "a folder of .txt/.md files (ids: relative paths), a .txt/.md file, a JSONL file "
    "(.jsonl, .jsonl.gz), a CSV file with a header row, or - for JSONL on stdin"
)


def add_input_args(p: argparse.ArgumentParser, *, metavar: str = "INPUT") -> None:
    p.add_argument("inputs", nargs="+", metavar=metavar, help=INPUT_HELP)
    p.add_argument(
        "--id-field", default="id", metavar="NAME", help="JSONL field / CSV column of the id"
    )
    p.add_argument(
        "--text-field", default="text", metavar="NAME", help="JSONL field / CSV column of the text"
    )


def add_match_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("matching")
    g.add_argument(
        "--jaccard",
        type=fraction,
        default=0.5,
        metavar="X",
        help="report a pair when its Jaccard similarity is at least X (default 0.5)",
    )
    g.add_argument(
        "--containment",
        type=fraction,
        default=0.5,
        metavar="X",
        help="...or when X of either text's shingles are in the other (default 0.5)",
    )
    g.add_argument(
        "--ngram", type=positive, default=5, metavar="N", help="words per shingle (default 5)"
    )
    g.add_argument(
        "--num-perm",
        type=positive,
        default=128,
        metavar="N",
        help="MinHash permutations (default 128)",
    )
    g.add_argument("--seed", type=non_negative, default=1, help="MinHash seed (default 1)")


def add_cluster_rule(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cluster-rule",
        choices=CLUSTER_RULES,
        default="hubs",
        help="hubs (default): a roundup, or a text quoted by unrelated stories, does not "
        "merge them into one cluster: it is listed as a hub; components: every pair joins",
    )


def add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no summary on stderr"
    )
