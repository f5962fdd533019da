"""`dedupe dedup`: the collection with its duplicates removed, and why each one went."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from dedupe.dedup import PARTIAL_RULES
from dedupe.errors import InputError
from dedupe.inputs import is_null_device, open_output

from .common import (
    EXIT_OK,
    Collection,
    add_input_args,
    add_match_args,
    add_on_error,
    add_quiet,
    add_spill,
    check_fields,
    check_output,
    find,
    iter_collection,
    plural,
    same_file,
    warn_read,
    warn_skipped,
)


def _record_line(doc_id: str, record: Any, text: str, args: argparse.Namespace) -> str:
    """The input record of a document as one JSONL line: a JSONL line as it was read, a CSV
    row as a JSON object of its columns, a text file as ``{id, text}``."""
    if isinstance(record, str):
        return record
    if record is None:
        record = {args.id_field: doc_id, args.text_field: text}
    return json.dumps(record, ensure_ascii=False)


def _check_paths(args: argparse.Namespace) -> None:
    check_output(args.output, args.inputs)
    check_output(args.decisions, args.inputs)
    if args.output not in (None, "-") and args.decisions not in (None, "-"):
        if same_file(args.output, args.decisions) and not is_null_device(args.output):
            raise InputError(
                f"{args.output}: -o and --decisions name the same file; give two files"
            )
    if args.decisions == "-" and args.output in (None, "-"):
        raise InputError("--decisions -: standard output already takes the output; give a file")


@contextmanager
def _stdin_copy(inputs: list[str]) -> Iterator[IO[bytes] | None]:
    """Standard input copied to a temporary file (in ``$TMPDIR``, removed at the end) when
    it is one of ``inputs``: ``dedup`` reads its inputs twice, and standard input can be
    read only once. ``None`` otherwise (or when standard input is closed, which the reading
    then reports)."""
    if "-" not in inputs or sys.stdin is None or sys.stdin.closed:
        yield None
        return
    with tempfile.TemporaryFile(prefix="dedupe-stdin-") as copy:
        shutil.copyfileobj(sys.stdin.buffer, copy)
        yield copy


def _rewound(fh: IO[bytes] | None) -> IO[bytes] | None:
    if fh is not None:
        fh.seek(0)
    return fh


def _cmd_dedup(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    _check_paths(args)
    with _stdin_copy(args.inputs) as stdin:
        # pass 1: the documents are sketched as they are read (their texts never all held)
        found = Collection({})
        empty: list[tuple[str, str]] = []
        order: list[str] = []  # every id read, in input order, to check the second pass

        def first_pass() -> Iterator[tuple[str, str]]:
            for doc_id, text in iter_collection(args, found, empty=empty, stdin=_rewound(stdin)):
                order.append(doc_id)
                yield doc_id, text

        result = find(args, first_pass(), found.metadata)
        warn_read(found, empty)
        check_fields(args, found.metadata)
        dedup = result.deduplicate(keep=args.keep, partial=args.partial, date_field=args.date_field)
        dropped = {d.id for d in dedup.dropped}
        # pass 2: the inputs read again, each kept record written as it comes
        with open_output(args.output) as out:
            _write_kept(args, out, _rewound(stdin), order, dropped)
    if args.decisions is not None:
        with open_output(args.decisions) as out:
            for d in dedup.dropped:
                out.write(json.dumps(d.to_dict(), ensure_ascii=False) + "\n")
            for where, reason in found.skipped:
                out.write(json.dumps({"skipped": where, "reason": reason}, ensure_ascii=False))
                out.write("\n")
    warn_skipped(result.skipped, kept=True)
    if not args.quiet:
        kinds = Counter(d.kind for d in dedup.dropped)
        detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        kept = len(order) - len(dropped)
        print(
            f"dedupe: {plural(len(order), 'document')}: kept {kept}, "
            f"dropped {len(dropped)}{f' ({detail})' if detail else ''} by keep={dedup.keep}, "
            f"partial={dedup.partial} in {time.perf_counter() - start:.2f} s",
            file=sys.stderr,
        )
    return EXIT_OK


def _write_kept(
    args: argparse.Namespace,
    out: IO[str],
    stdin: IO[bytes] | None,
    order: list[str],
    dropped: set[str],
) -> None:
    """Read the inputs again and write the record of every document not ``dropped``
    (documents without words are kept too), one at a time; the documents must come as in
    the first pass (``order``), else an input changed in between and nothing is written."""
    records: dict[str, Any] = {}
    read = iter_collection(
        args, Collection({}), empty=[], records=records, metadata=False, stdin=stdin
    )
    n = 0
    for doc_id, text in read:
        if n >= len(order) or order[n] != doc_id:
            shown = repr(order[n]) if n < len(order) else "not there"
            raise _changed(f"document {n + 1} was {shown}, is now {doc_id!r}")
        n += 1
        record = records.pop(doc_id)
        if doc_id not in dropped:
            out.write(_record_line(doc_id, record, text, args) + "\n")
    if n != len(order):
        raise _changed(f"{len(order)} documents, now {n}")


def _changed(detail: str) -> InputError:
    return InputError(
        f"the inputs changed while dedupe read them ({detail}); the output is not written "
        "(on standard output it is cut short): run again once they are complete"
    )


def register(sub: Any) -> None:
    """Add the ``dedup`` command."""
    p = sub.add_parser(
        "dedup",
        help="write the collection without its duplicates",
        description="Write the input records (all their fields, unchanged) minus the "
        "duplicates, as JSONL: a JSONL line as it was read, a CSV row as a JSON object, a "
        "text file as {id, text}. Documents are considered in keep order (containers "
        "before the documents they contain); each is kept unless it matches a kept one. "
        "Every dropped document names the kept document it duplicates in --decisions.",
    )
    add_input_args(p)
    add_on_error(p)
    add_match_args(p)
    add_spill(p)
    p.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="the JSONL file to write (- stdout)"
    )
    p.add_argument(
        "--decisions",
        metavar="FILE",
        help="also write one JSON line per dropped document: id, duplicate_of (a kept "
        "document), kind, jaccard, dropped_in_kept, kept_in_dropped; and one per input "
        "skipped with --on-error skip: skipped, reason",
    )
    p.add_argument(
        "--keep",
        default="earliest",
        metavar="RULE",
        help="which of two duplicates stays: earliest (input order, or by --date-field; the "
        "default), longest, or a field of the input (smallest value first; "
        "--keep=-FIELD: largest first)",
    )
    p.add_argument(
        "--date-field",
        metavar="FIELD",
        help="with --keep earliest, the field holding each document's date (ISO 8601, "
        "RFC 2822 or 26-FEB-1987 15:01:01); undated documents come last",
    )
    p.add_argument(
        "--partial",
        choices=PARTIAL_RULES,
        default="drop",
        help="a document contained in another: drop it, keeping the container (default), "
        "or keep it (only exact copies and near-duplicates are dropped)",
    )
    add_quiet(p)
    p.set_defaults(func=_cmd_dedup, label_field=None)
