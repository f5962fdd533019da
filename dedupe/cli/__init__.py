"""The ``dedupe`` command line, thin over the library.

Commands::

    dedupe scan INPUT...            matches (or clusters) as JSONL, CSV or an aligned table
    dedupe diff A B                 paragraph diff of two files: text, markdown, html or json
    dedupe diff CORPUS ID1 ID2      ...or of two documents of a collection
    dedupe dedup INPUT... -o F      the collection without its duplicates (--decisions: why)
    dedupe report INPUT... -o F     one self-contained HTML page: clusters and side-by-side diffs
    dedupe index build|add|query|remove|evict|stats   work on a saved (or Redis) index
                                    (index build FILE INPUT... or -o FILE INPUT...)
    dedupe provenance FILE --index INDEX        which indexed documents FILE was built from

An INPUT is a folder of ``.txt``/``.md`` files (ids are their paths relative to the folder,
with ``/`` separators), a single ``.txt``/``.md`` file (id: its file name, as in its folder),
a JSONL file (``.jsonl``/``.ndjson``) or a CSV file with a header row, gzip-compressed or not
(told by the bytes, not the name), or ``-`` for JSONL on standard input. An input that holds
no documents is a warning naming it, and the command goes on (to an empty result, if
nothing else is given).

Exit status: 0 on success, 2 for bad usage or unreadable input (a one-line message names the
file, the line where there is one, and the problem), 1 when the reader of standard output
goes away early (``dedupe scan big | head``) or memory runs out (a one-line message), 130
when interrupted.

>>> main(["--version"])  # doctest: +ELLIPSIS
dedupe ...
0
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import dedupe
from dedupe.errors import DedupeError, InputError
from dedupe.inputs import read_documents

from . import collection, dedup, diff, index, provenance
from .common import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE

__all__ = ["main", "build_parser", "read_documents", "InputError"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (and exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``dedupe`` command.

    >>> build_parser().parse_args(["scan", "seeds", "--format", "table"]).format
    'table'
    """
    parser = _Parser(
        prog="dedupe",
        description="Find near-duplicate and partially re-published articles, and diff them.",
        epilog="Run `dedupe COMMAND --help` for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"dedupe {dedupe.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    for module in (collection, dedup, diff, index, provenance):
        module.register(sub)
    return parser


def _describe_os_error(err: OSError) -> str:
    reason = (err.strerror or str(err)).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    return f"{err.filename}: {reason}" if err.filename else reason


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 bad usage or input, 1 output
    pipe closed early or out of memory, 130 ^C).

    >>> main(["scan", "no-such-folder"])
    2
    """
    parser = build_parser()
    if sys.stderr is None:  # nowhere to say anything: keep going quietly
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    if not (sys.argv[1:] if argv is None else argv):  # no command at all: show the usage
        parser.print_usage(sys.stderr)
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
        return EXIT_FAILURE
    except MemoryError:  # what the failed step held is freed once it has unwound
        print(
            f"dedupe {command}: error: out of memory; give fewer or smaller inputs, or run "
            "it with more memory (records longer than --max-record-bytes are refused)",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    except DedupeError as err:
        print(f"dedupe {command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:
        print(f"dedupe {command}: error: {_describe_os_error(err)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dedupe: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
