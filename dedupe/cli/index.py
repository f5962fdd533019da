"""`dedupe index build|add|query|remove|evict|stats`: work on a saved index.

The index is a FILE, or with ``--redis URL --namespace NAME`` a live index on a Redis
server (shared with other processes; needs the ``redis`` extra).

>>> _when("2025-03-14"), _when("2025-03-14T12:00:00+01:00"), _when("86400")
(1741910400.0, 1741950000.0, 86400.0)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from typing import Any

import dedupe
from dedupe.errors import InputError
from dedupe.inputs import (
    CSV_SUFFIXES,
    JSONL_SUFFIXES,
    TEXT_SUFFIXES,
    is_null_device,
    open_output,
    read_documents,
    read_text_file,
)
from dedupe.parallel import Shown
from dedupe.params import timestamp
from dedupe.render.labelled import display_fields, labelled_record, write_labelled_matches
from dedupe.render.safe import terminal_text
from dedupe.store.file import is_index_file
from dedupe.text import has_words

from .common import (
    EXIT_OK,
    INPUT_HELP,
    add_match_args,
    add_metadata_args,
    add_on_error,
    add_quiet,
    add_record_limit,
    check_fields,
    check_output,
    load_collection,
    plural,
    positive,
    progress_mode,
    scan_options,
    warn_empty,
    warn_skipped,
)
from .stores import add_redis_args, open_index, positionals, redis_store, warn_if_empty

#: Documents of a ``query --input`` file answered together (``Index.query_many``).
QUERY_BATCH = 256


def _when(text: str) -> float:
    """Seconds since the epoch from an ISO date or datetime (naive: UTC), or a number."""
    try:
        return float(text)
    except ValueError:
        pass
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        if len(value) == 10:
            return timestamp(datetime.date.fromisoformat(value))
        return timestamp(datetime.datetime.fromisoformat(value))
    except ValueError:
        raise InputError(
            f"{text!r} is not a date: give an ISO date (2025-03-14), an ISO datetime "
            "(2025-03-14T08:00:00Z) or seconds since the epoch"
        ) from None


def _date(text: str) -> float:
    try:
        return _when(text)
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _moment(text: str) -> float:
    return time.time() if text == "now" else _date(text)


def _where(args: argparse.Namespace, path: str | None) -> str:
    return path if path is not None else f"namespace {args.namespace!r}"


def _open_alone(args: argparse.Namespace) -> tuple[str | None, Any]:
    """``(FILE or None, the index)`` for an action that takes nothing but the index."""
    path, rest = positionals(args, args.paths, "")
    if rest:
        raise InputError(f"unexpected argument(s): {' '.join(rest)}")
    return path, open_index(args, path)


def _save(index: Any, path: str | None) -> None:
    """Save a file index; :meth:`dedupe.Index.save` writes atomically (temporary file,
    rename). A Redis index is saved as it changes."""
    if path is not None:
        check_output(path)
        index.save(path)


def _add_all(
    index: Any,
    docs: dict[str, str],
    *,
    replace: bool,
    progress: Shown,
    when: float | None = None,
    metadata: dict[str, dict[str, str]] | None = None,
) -> list[str]:
    """Add `docs` (all or nothing) with their metadata (the records' other fields, kept with
    the index); return the ids skipped for holding no words."""
    if not replace:  # say it in the CLI's words (--replace) before the library refuses
        ids = list(docs)
        clash = [d for d, known in zip(ids, index.store.contains_many(ids)) if known]
        if clash:
            shown = ", ".join(map(repr, clash[:5])) + (", ..." if len(clash) > 5 else "")
            raise InputError(
                f"{len(clash)} id(s) already in the index ({shown}); nothing was added "
                "(use --replace to replace them)"
            )
    times = None if when is None else [when] * len(docs)
    return index.add_many(
        docs,
        replace=replace,
        skip_empty=True,
        progress=progress,
        timestamps=times,
        metadata=metadata or None,
    )


#: Names an index FILE given first to ``build`` must not have: those of inputs.
_INPUT_NAMES = (*TEXT_SUFFIXES, *JSONL_SUFFIXES, *CSV_SUFFIXES, ".gz")


def _build_target(output: str | None, paths: list[str]) -> tuple[str, list[str]]:
    """``(index FILE, inputs)`` of ``build``: ``-o FILE INPUT...`` or ``FILE INPUT...``.

    The FILE given first is written only when it is new, empty, or already a dedupe index
    file: an input given first by mistake (a folder, a .jsonl file) is never replaced.
    """
    if output is not None:
        named = [p for p in paths if p.lower().endswith(".idx") or is_index_file(p)]
        if named:
            raise InputError(
                f"{named[0]}: an index file among the inputs, and -o {output} names the index "
                "to write; give the index FILE once (dedupe index build FILE INPUT..., or "
                "-o FILE INPUT...)"
            )
        return output, paths
    if len(paths) < 2:
        raise InputError(
            "give the index FILE to write, then at least one INPUT (dedupe index build "
            "FILE INPUT..., or -o FILE INPUT...)"
        )
    path, inputs = paths[0], paths[1:]
    how = "give the index FILE to write first: dedupe index build FILE INPUT..."
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, not an index file to write; {how}")
    if os.path.lexists(path) and not is_null_device(path):
        if os.path.isfile(path) and (os.path.getsize(path) == 0 or is_index_file(path)):
            return path, inputs
        raise InputError(
            f"{path}: exists and is not a dedupe index file, so dedupe will not replace it; "
            f"{how} (a new file, or an index file to rebuild)"
        )
    if path.lower().endswith(_INPUT_NAMES):
        raise InputError(
            f"{path}: is named like an input, not an index file; {how} (such as wire.idx)"
        )
    return path, inputs


# ------------------------------------------------------------------ commands
def _cmd_index_build(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    if args.redis:
        if args.output or not args.namespace:
            raise InputError("build writes to -o FILE, or to --redis URL --namespace NAME")
        store = redis_store(args)
        if store.meta() is not None:
            raise InputError(
                f"namespace {args.namespace!r} already holds an index ({len(store)} documents); "
                "add to it with `dedupe index add`"
            )
        index = dedupe.Index(**scan_options(args), store=store)
    else:
        args.output, args.inputs = _build_target(args.output, args.inputs)
        check_output(args.output, args.inputs)
        index = dedupe.Index(**scan_options(args))
    found = load_collection(args)
    skipped = _add_all(
        index,
        found.docs,
        replace=False,
        progress=progress_mode(args),
        when=args.timestamp,
        metadata=found.metadata,
    )
    _save(index, args.output)
    warn_skipped(skipped)
    if not args.quiet:
        print(
            f"dedupe: indexed {plural(len(index), 'document')} into "
            f"{args.output or _where(args, None)} in {time.perf_counter() - start:.2f} s",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_index_add(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    path, inputs = positionals(args, args.paths, " and at least one INPUT")
    if not inputs:
        raise InputError("give at least one INPUT to add")
    index = open_index(args, path)
    args.inputs = inputs
    found = load_collection(args)
    before = len(index)
    skipped = _add_all(
        index,
        found.docs,
        replace=args.replace,
        progress=progress_mode(args),
        when=args.timestamp,
        metadata=found.metadata,
    )
    _save(index, path)
    warn_skipped(skipped)
    if not args.quiet:
        print(
            f"dedupe: {_where(args, path)} now holds {plural(len(index), 'document')} "
            f"({len(index) - before:+d}) after {time.perf_counter() - start:.2f} s",
            file=sys.stderr,
        )
    return EXIT_OK


def _described(index: Any, ids: Any) -> dict[str, dict[str, str]]:
    """The metadata of the documents ``ids`` that have some (one read of the store; a
    document removed since it matched has none)."""
    return {d: fields for d, fields in index.metadata_many(ids).items() if fields}


def _query_lines(args: argparse.Namespace, path: str | None, rest: list[str]) -> int:
    """``query --input DOCS``: one JSONL line per document of DOCS. When the document
    (its record's other fields) or one of its matches has metadata, each match carries
    ``a_metadata`` and ``b_metadata`` as ``dedupe scan`` writes them."""
    if rest:
        raise InputError("give a TEXTFILE or --input DOCS, not both")
    if args.format != "jsonl":
        raise InputError("--input answers one JSONL line per document: --format jsonl only")
    empty: list[tuple[str, str]] = []
    given: dict[str, dict[str, str]] = {}
    docs = read_documents(
        [args.input],
        id_field=args.id_field,
        text_field=args.text_field,
        max_record_bytes=args.max_record_bytes,
        empty=empty,
        metadata=given,
    )
    warn_empty(empty)
    index = open_index(args, path)
    warn_if_empty(args, index, path)
    items = list(docs.items())
    with open_output(args.output) as out:
        for lo in range(0, len(items), QUERY_BATCH):
            part = items[lo : lo + QUERY_BATCH]
            asked = [(d, x) for d, x in part if has_words(x)]
            answers = dict(
                zip([d for d, _ in asked], index.query_many([x for _, x in asked], k=args.k))
            )
            stored = _described(index, [m.b for ms in answers.values() for m in ms])
            for doc_id, _ in part:
                row: dict[str, Any] = {"id": doc_id}
                if doc_id not in answers:
                    row.update(matches=[], skipped="the text holds no words")
                elif given.get(doc_id) or any(m.b in stored for m in answers[doc_id]):
                    own = given.get(doc_id, {})
                    row["matches"] = [
                        {**labelled_record(m, own, stored.get(m.b, {})), "a": doc_id}
                        for m in answers[doc_id]
                    ]
                else:
                    row["matches"] = [{**m.to_dict(), "a": doc_id} for m in answers[doc_id]]
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return EXIT_OK


def _cmd_index_query(args: argparse.Namespace) -> int:
    path, rest = positionals(args, args.paths, " and a TEXTFILE (or --input DOCS)")
    check_output(args.output, [path, args.input, *rest])
    if args.input is not None:
        return _query_lines(args, path, rest)
    if len(rest) != 1:
        raise InputError("give one TEXTFILE to look up (or --input DOCS for many)")
    index = open_index(args, path)
    text = read_text_file(rest[0])
    warn_if_empty(args, index, path)
    matches = index.query(text, k=args.k)
    metadata = _described(index, [m.b for m in matches]) if matches else {}
    if matches:  # a --label-field or --date-field no matched document has: say so
        check_fields(args, metadata)
    fields = display_fields(metadata, label_field=args.label_field, date_field=args.date_field)
    with open_output(args.output) as out:  # as `dedupe scan` writes matches
        write_labelled_matches(matches, out, fmt=args.format, metadata=metadata, fields=fields)
    return EXIT_OK


def _cmd_index_remove(args: argparse.Namespace) -> int:
    path, ids = positionals(args, args.paths, " and the ids to remove")
    if not ids:
        raise InputError("give the ids of the documents to remove")
    index = open_index(args, path)
    ids = list(dict.fromkeys(ids))
    missing = [d for d, known in zip(ids, index.store.contains_many(ids)) if not known]
    where = _where(args, path)
    if missing:
        raise InputError(
            f"{where}: no document with id {', '.join(map(repr, missing))}; "
            "nothing was removed (list ids with `dedupe index stats --ids`)"
        )
    index.store.drop(ids)
    _save(index, path)
    if not args.quiet:
        print(
            f"dedupe: removed {plural(len(ids), 'document')}; {where} now holds {len(index)}",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_index_evict(args: argparse.Namespace) -> int:
    path, index = _open_alone(args)
    removed = index.evict(before=args.before)
    if removed:
        _save(index, path)
    if not args.quiet:
        moment = datetime.datetime.fromtimestamp(args.before, datetime.timezone.utc)
        print(
            f"dedupe: evicted {plural(removed, 'document')} dated before "
            f"{moment.isoformat().replace('+00:00', 'Z')}; {_where(args, path)} now holds "
            f"{len(index)}",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_index_stats(args: argparse.Namespace) -> int:
    path, index = _open_alone(args)
    stats: dict[str, Any]
    if path is None:
        stats = index.store.describe()
        stats["documents"] = len(index)
    else:
        stats = {"file": path, "bytes": os.path.getsize(path), "documents": len(index)}
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
        else:  # a terminal's view: control characters of ids and paths as escapes
            width = max(len(k) for k in stats)
            for key, value in stats.items():
                out.write(f"{key:<{width}}  {terminal_text(str(value))}\n")
            if args.ids:
                for doc_id in index.ids():
                    out.write(f"{terminal_text(doc_id)}\n")
    return EXIT_OK


# ------------------------------------------------------------------ parsers
def _field_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--id-field", default="id", metavar="NAME", help="JSONL field / CSV column of the id"
    )
    p.add_argument(
        "--text-field", default="text", metavar="NAME", help="JSONL field / CSV column of the text"
    )
    add_record_limit(p)


def _timestamp_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timestamp",
        type=_moment,
        metavar="DATE",
        help="date every added document (ISO date or datetime, seconds since the epoch, or "
        "now), so that `dedupe index evict` can age it out; default: no date (kept until "
        "removed)",
    )


def register(sub: Any) -> None:
    """Add the ``index`` command and its actions."""
    p = sub.add_parser(
        "index",
        help="build|add|query|remove|evict|stats: work on a saved or live index",
        description="Work on an index FILE, or with --redis URL --namespace NAME on a live "
        "index shared through a Redis server: build it, add, remove or evict documents, "
        "query it, show its stats. The index FILE comes first in every action "
        "(dedupe index ACTION FILE ...); build also takes it as -o FILE.",
        epilog="Run `dedupe index ACTION --help` for the options of an action.",
    )
    isub = p.add_subparsers(
        dest="index_command", metavar="build|add|query|remove|evict|stats", required=True
    )
    for add in (
        _build_parser,
        _add_parser,
        _query_parser,
        _remove_parser,
        _evict_parser,
        _stats_parser,
    ):
        add(isub)


def _build_parser(isub: Any) -> None:
    q = isub.add_parser(
        "build",
        help="index the inputs into a new file (or Redis namespace)",
        description="Index every document of the inputs and save the index to FILE (given "
        "first, or with -o), or create the Redis namespace NAME holding them. FILE is "
        "written only when it is new or already an index file (rebuilt): an input is "
        "never replaced.",
        usage="%(prog)s [options] (FILE | -o FILE | --redis URL --namespace NAME) "
        "INPUT [INPUT ...]",
    )
    q.add_argument("inputs", nargs="+", metavar="[FILE] INPUT",
                   help="the index file to write (unless -o FILE or --redis), then the "
                   f"inputs: {INPUT_HELP}")  # fmt: skip
    _field_args(q)
    add_on_error(q)
    add_match_args(q)
    q.add_argument("-o", "--output", metavar="FILE", help="index file to write (or give it first)")
    add_redis_args(q)
    _timestamp_arg(q)
    add_quiet(q)
    q.set_defaults(func=_cmd_index_build)


def _add_parser(isub: Any) -> None:
    q = isub.add_parser(
        "add",
        help="add documents to an index",
        description="Add every document of the inputs to the index FILE (saved in place) or "
        "to the Redis namespace.",
        usage="%(prog)s [options] (FILE | --redis URL --namespace NAME) INPUT [INPUT ...]",
    )
    q.add_argument("paths", nargs="+", metavar="FILE INPUT", help="the index file, then "
                   f"the inputs (no FILE with --redis): {INPUT_HELP}")  # fmt: skip
    _field_args(q)
    add_on_error(q)
    q.add_argument("--replace", action="store_true", help="replace documents whose id exists")
    _timestamp_arg(q)
    add_redis_args(q)
    add_quiet(q)
    q.set_defaults(func=_cmd_index_add)


def _query_parser(isub: Any) -> None:
    q = isub.add_parser(
        "query",
        help="the indexed documents that overlap a text (or each text of a file)",
        description="Find the indexed documents that overlap TEXTFILE, best first; with "
        "--input DOCS, those of every document of DOCS, one JSONL line per document "
        '({"id": ..., "matches": [...]}). Matched documents are shown with their metadata '
        "(the other fields of the records they were indexed from), as `dedupe scan` shows "
        "them: a_metadata and b_metadata in JSONL, the title, outlet and date next to ids "
        "in CSV and the table.",
        usage="%(prog)s [options] (FILE | --redis URL --namespace NAME) (TEXTFILE | --input DOCS)",
    )
    q.add_argument("paths", nargs="*", metavar="FILE TEXTFILE",
                   help="the index file (none with --redis), then the text file to look up "
                   "(- for stdin)")  # fmt: skip
    q.add_argument("--input", metavar="DOCS", help="look up every document of DOCS (" +
                   INPUT_HELP + ")")  # fmt: skip
    _field_args(q)
    q.add_argument("-k", type=positive, metavar="N", help="at most N matches (per document)")
    q.add_argument(
        "--format",
        choices=("jsonl", "csv", "table"),
        default="jsonl",
        help="output format (default jsonl)",
    )
    q.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    add_metadata_args(q)
    add_redis_args(q)
    q.set_defaults(func=_cmd_index_query)


def _remove_parser(isub: Any) -> None:
    q = isub.add_parser(
        "remove",
        help="remove documents from an index",
        description="Remove the documents with the given ids from the index FILE (saved in "
        "place) or the Redis namespace. Nothing is removed if any id is unknown.",
        usage="%(prog)s [options] (FILE | --redis URL --namespace NAME) ID [ID ...]",
    )
    q.add_argument("paths", nargs="+", metavar="FILE ID", help="the index file (none with "
                   "--redis), then the document ids")  # fmt: skip
    add_redis_args(q)
    add_quiet(q)
    q.set_defaults(func=_cmd_index_remove)


def _evict_parser(isub: Any) -> None:
    q = isub.add_parser(
        "evict",
        help="remove the documents dated before a date",
        description="Remove every document whose timestamp is before DATE from the index "
        "FILE (saved in place) or the Redis namespace. Documents added without a date stay.",
        usage="%(prog)s [options] (FILE | --redis URL --namespace NAME) --before DATE",
    )
    q.add_argument("paths", nargs="*", metavar="FILE", help="index file (none with --redis)")
    q.add_argument("--before", type=_moment, required=True, metavar="DATE",
                   help="ISO date (midnight UTC) or datetime (naive: UTC), seconds since "
                   "the epoch, or now (every dated document)")  # fmt: skip
    add_redis_args(q)
    add_quiet(q)
    q.set_defaults(func=_cmd_index_evict)


def _stats_parser(isub: Any) -> None:
    q = isub.add_parser(
        "stats",
        help="size and parameters of an index",
        description="Show the number of documents and the parameters of the index FILE or "
        "the Redis namespace.",
        usage="%(prog)s [options] (FILE | --redis URL --namespace NAME)",
    )
    q.add_argument("paths", nargs="*", metavar="FILE", help="index file (none with --redis)")
    q.add_argument("--pairs", action="store_true", help="also count pairs and clusters")
    q.add_argument("--ids", action="store_true", help="also list the document ids")
    q.add_argument("--json", action="store_true", help="print JSON")
    add_redis_args(q)
    q.set_defaults(func=_cmd_index_stats)
