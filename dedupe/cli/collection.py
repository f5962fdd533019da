"""`dedupe scan` and `dedupe report`: every overlapping pair of a collection."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import dedupe
from dedupe import render as views
from dedupe.inputs import open_output
from dedupe.parallel import Progress
from dedupe.render.labelled import display_fields, write_labelled_clusters, write_labelled_matches

from .common import (
    EXIT_OK,
    Collection,
    add_cluster_rule,
    add_input_args,
    add_match_args,
    add_metadata_args,
    add_on_error,
    add_quiet,
    add_spill,
    check_fields,
    check_output,
    find,
    iter_collection,
    load_collection,
    non_negative,
    progress_mode,
    summary,
    warn_read,
    warn_skipped,
)

#: Default number of pairs that `dedupe report` diffs side by side.
DEFAULT_MAX_PAIRS = 200


#: What the report page says of what it leaves out, in this command line's words.
REPORT_HINTS = {
    "clusters": "dedupe scan --clusters writes them all",
    "pairs": "dedupe scan writes them all",
    "diffs": "raise --max-pairs to see more",
}


def _cmd_scan(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    check_output(args.output, args.inputs)
    found = Collection({})  # the documents are read as they are sketched, never held
    empty: list[tuple[str, str]] = []
    result = find(args, iter_collection(args, found, empty=empty), found.metadata)
    warn_read(found, empty)
    check_fields(args, found.metadata)
    fields = display_fields(
        result.metadata, label_field=args.label_field, date_field=args.date_field
    )
    with open_output(args.output) as out:
        if args.hubs:
            views.write_hubs(result.hubs, out, fmt=args.format)
        elif args.clusters:
            write_labelled_clusters(
                result.clusters,
                out,
                fmt=args.format,
                metadata=result.metadata,
                fields=fields,
                hubs=result.hubs,
            )
        else:
            write_labelled_matches(
                result.matches, out, fmt=args.format, metadata=result.metadata, fields=fields
            )
    warn_skipped(result.skipped)
    if not args.quiet:
        print(summary(result.documents, result, time.perf_counter() - start), file=sys.stderr)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    check_output(args.output, args.inputs)
    found = load_collection(args)
    check_fields(args, found.metadata)
    docs = found.docs
    result = find(args, docs, found.metadata)
    chosen = views.diff_choice(result.matches, args.max_pairs, hubs=result.hubs)
    diffs = []
    diff_start = time.perf_counter()
    with Progress(len(chosen), desc="diffing", unit="pair", enabled=progress_mode(args)) as bar:
        for m in chosen:
            diffs.append((m, dedupe.align(docs[m.a], docs[m.b])))
            bar.update()
    page = views.html_report(
        result,
        diffs,
        inputs=args.inputs,
        diff_seconds=time.perf_counter() - diff_start,
        label_field=args.label_field or "title",
        date_field=args.date_field or "date",
        hints=REPORT_HINTS,
    )
    with open_output(args.output) as out:
        out.write(page)
    warn_skipped(result.skipped)
    if not args.quiet:
        print(
            summary(result.documents, result, time.perf_counter() - start)
            + f"; {len(chosen)} pairs diffed; wrote {args.output}",
            file=sys.stderr,
        )
    return EXIT_OK


def _add_scan_args(p: argparse.ArgumentParser) -> None:
    """The inputs and matching options ``scan`` and ``report`` share."""
    add_input_args(p)
    add_on_error(p)
    add_metadata_args(p)
    add_match_args(p)
    add_spill(p)
    add_cluster_rule(p)


def register(sub: Any) -> None:
    """Add the ``scan`` and ``report`` commands."""
    p = sub.add_parser(
        "scan",
        help="find every overlapping pair in a collection",
        description="Find every pair of documents that overlap, scored and verified. "
        "Writes one row per pair (best first), or per cluster with --clusters; "
        "a summary line goes to stderr. The other fields of JSONL/CSV input are shown "
        "next to ids: the label (title), outlet and date in CSV and the table, all of "
        "them in JSONL.",
    )
    _add_scan_args(p)
    p.add_argument(
        "--format",
        choices=("jsonl", "csv", "table"),
        default="jsonl",
        help="output format (default jsonl)",
    )
    shown = p.add_mutually_exclusive_group()
    shown.add_argument(
        "--clusters", action="store_true", help="write the clusters (largest first), not pairs"
    )
    shown.add_argument(
        "--hubs",
        action="store_true",
        help="write the hubs (roundups, texts quoted by unrelated stories) and the clusters "
        "they draw from, not pairs",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    add_quiet(p)
    p.set_defaults(func=_cmd_scan)

    p = sub.add_parser(
        "report",
        help="a self-contained HTML page of clusters and side-by-side diffs",
        description="Scan the inputs and write one HTML page (no external assets): a "
        "summary, the clusters largest first with their weakest edge and linked members, "
        "the hubs and the clusters they draw from, how much of each cluster's "
        "representative each member holds, and a collapsible side-by-side paragraph diff "
        "for the pairs sharing the most text (pairs of a hub and exact duplicates last).",
    )
    _add_scan_args(p)
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="the HTML file to write")
    p.add_argument(
        "--max-pairs",
        type=non_negative,
        default=DEFAULT_MAX_PAIRS,
        metavar="N",
        help=f"diff at most N pairs, best first (default {DEFAULT_MAX_PAIRS}); "
        "the page says how many were left out",
    )
    add_quiet(p)
    p.set_defaults(func=_cmd_report)
