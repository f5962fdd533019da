"""What the commands share: output checks, options, summaries.

>>> plural(2, "pair")
'2 pairs'
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import dedupe
from dedupe.errors import DedupeError, InputError
from dedupe.inputs import MAX_RECORD_BYTES, TEXT_SUFFIXES, check_output_path, iter_documents
from dedupe.parallel import Shown
from dedupe.params import CLUSTER_RULES, OPTIONS, Option
from dedupe.render.safe import terminal_text

EXIT_OK = 0
EXIT_FAILURE = 1  # out of memory, or the reader of standard output went away
EXIT_USAGE = 2  # bad usage or unreadable input
EXIT_INTERRUPTED = 130


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file: the same resolved name, or (both existing) the same
    device and inode, which catches links and hard links.

    >>> same_file("a/../b.txt", "b.txt")
    True
    """
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _read_from_folder(folder: str, target: str) -> bool:
    """Whether the folder input ``folder`` would read a file at ``target`` (resolved) as a
    document: a .txt/.md file inside it, in no hidden folder."""
    root = os.path.realpath(folder)
    if os.path.commonpath([root, target]) != root or target == root:
        return False
    parts = os.path.relpath(target, root).split(os.sep)
    return not any(p.startswith(".") for p in parts) and parts[-1].lower().endswith(TEXT_SUFFIXES)


def check_output(path: str | None, inputs: Sequence[str | None] = ()) -> None:
    """Fail early (before any long work) when ``path`` (``-o``) cannot be written, or when
    writing it would change one of ``inputs`` (the files and folders the command reads,
    index files included): the same file, reached by its name, a link or a hard link
    (compared by device and inode), or a document file inside an input folder. Every
    command that writes ``-o`` calls this once with everything it reads; ``None`` and
    ``-`` (standard input or output) are skipped.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> docs = os.path.join(folder, "docs.jsonl")
    >>> open(docs, "w").close()
    >>> os.link(docs, os.path.join(folder, "same.jsonl"))
    >>> check_output(os.path.join(folder, "same.jsonl"), [docs])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InputError: ...same.jsonl: is an input of this command (...docs.jsonl), ...
    """
    if path is None or path == "-":
        return
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; give a file name to -o")
    target = os.fspath(check_output_path(path))
    for given in inputs:
        if given is None or given == "-":
            continue
        if os.path.isdir(given):
            if _read_from_folder(given, target):
                raise InputError(
                    f"{path}: is a document of the input folder {given}, which dedupe never "
                    "modifies; write the output outside it (or under another suffix)"
                )
        elif same_file(target, given):
            shown = "" if os.path.realpath(given) == os.path.realpath(path) else f" ({given})"
            raise InputError(
                f"{path}: is an input of this command{shown}, which dedupe never modifies; "
                "write the output to another file"
            )


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def show_progress(args: argparse.Namespace) -> bool:
    """Progress bars only when asked for (no ``--quiet``) and stderr is a terminal: a log
    file or a pipe gets the summary line, never bar redraws.

    >>> show_progress(argparse.Namespace(quiet=True))
    False
    """
    if getattr(args, "quiet", False):
        return False
    try:
        return bool(sys.stderr is not None and sys.stderr.isatty())
    except (AttributeError, ValueError):  # a replaced or closed stderr
        return False


def progress_mode(args: argparse.Namespace) -> Shown:
    """How a command shows progress: bars on a terminal (:func:`show_progress`), a line per
    long stage in a log file or a pipe, nothing with ``--quiet``.

    >>> progress_mode(argparse.Namespace(quiet=True))
    False
    """
    if getattr(args, "quiet", False):
        return False
    return True if show_progress(args) else "lines"


def find(
    args: argparse.Namespace,
    docs: Mapping[str, str] | Iterable[tuple[str, str]],
    metadata: dict[str, dict[str, str]] | None = None,
) -> dedupe.Report:
    """:func:`dedupe.find_duplicates` of ``docs`` (a dict, or the documents as they are
    read: :func:`iter_collection`) with the command's options; ``metadata`` may be filled
    as ``docs`` is read."""
    return dedupe.find_duplicates(
        docs,
        **scan_options(args),
        clusters=getattr(args, "cluster_rule", "hubs"),
        skip_empty=True,
        progress=progress_mode(args),
        metadata=metadata,
        spill=getattr(args, "spill_dir", None),
    )


@dataclass
class Collection:
    """What the inputs hold: texts by id, metadata by id (the records' other fields), and
    the inputs skipped with ``--on-error skip`` as ``(where, reason)``."""

    docs: dict[str, str]
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def iter_collection(
    args: argparse.Namespace,
    out: Collection,
    *,
    empty: list[tuple[str, str]],
    records: dict[str, Any] | None = None,
    metadata: bool = True,
    stdin: IO[bytes] | None = None,
) -> Iterator[tuple[str, str]]:
    """The documents of a command's inputs (its --id-field, --text-field, --on-error and
    --max-record-bytes) as ``(id, text)`` pairs read as they are used
    (:func:`dedupe.inputs.iter_documents`): ``out.metadata`` and ``out.skipped``, ``empty``
    and ``records`` fill as they are read (say what was skipped with :func:`warn_read` once
    they are). ``stdin`` is read for ``-`` instead of standard input."""
    skipping = getattr(args, "on_error", "stop") == "skip"
    return iter_documents(
        args.inputs,
        id_field=args.id_field,
        text_field=args.text_field,
        skipped=out.skipped if skipping else None,
        metadata=out.metadata if metadata else None,
        records=records,
        max_record_bytes=getattr(args, "max_record_bytes", MAX_RECORD_BYTES),
        empty=empty,
        stdin=stdin,
    )


def warn_read(out: Collection, empty: Sequence[tuple[str, str]]) -> None:
    """Say on stderr which inputs held no documents and what was skipped."""
    warn_empty(empty)
    warn_unreadable(out.skipped)


def load_collection(args: argparse.Namespace) -> Collection:
    """Read the inputs of a command (:func:`iter_collection`) into memory, and say on
    stderr what was skipped."""
    out = Collection({})
    empty: list[tuple[str, str]] = []
    out.docs = dict(iter_collection(args, out, empty=empty))
    warn_read(out, empty)
    return out


def warn_empty(empty: Sequence[tuple[str, str]]) -> None:
    """Say on stderr which inputs held no documents: the one rule for an empty input is a
    warning naming it, and the command goes on (no documents: an empty result)."""
    for _, reason in empty:
        print(f"dedupe: warning: {terminal_text(reason)}", file=sys.stderr)


#: At most this many skipped inputs are listed one per line on stderr.
MAX_LISTED_SKIPPED = 20


def warn_unreadable(skipped: Sequence[tuple[str, str]]) -> None:
    """List the inputs skipped with ``--on-error skip`` (where, and why) on stderr."""
    if not skipped:
        return
    print(
        f"dedupe: warning: skipped {plural(len(skipped), 'unreadable input')} (--on-error skip):",
        file=sys.stderr,
    )
    for where, reason in skipped[:MAX_LISTED_SKIPPED]:
        reason = reason[len(where) + 2 :] if reason.startswith(f"{where}: ") else reason
        print(f"  {terminal_text(where)}: {terminal_text(reason)}", file=sys.stderr)
    if len(skipped) > MAX_LISTED_SKIPPED:
        print(f"  ... and {len(skipped) - MAX_LISTED_SKIPPED} more", file=sys.stderr)


def warn_skipped(skipped: Sequence[str], *, kept: bool = False) -> None:
    """Name the documents with no words on stderr: skipped, or (``kept``, as ``dedup``
    does) not compared and kept as they are."""
    if skipped:
        shown = ", ".join(map(terminal_text, skipped[:5])) + (", ..." if len(skipped) > 5 else "")
        what = plural(len(skipped), "document") + " with no words"
        were = "was" if len(skipped) == 1 else "were"
        done = f"{what} {were} not compared, kept as they are" if kept else f"skipped {what}"
        print(f"dedupe: warning: {done} ({shown})", file=sys.stderr)


def summary(documents: int, result: dedupe.Report, seconds: float) -> str:
    return (
        f"dedupe: {plural(documents, 'document')}, {plural(len(result.matches), 'pair')}, "
        f"{plural(len(result.clusters), 'cluster')} in {seconds:.2f} s"
    )


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
    "a folder of .txt/.md files (ids: their paths relative to the folder, such as "
    "2025/a.txt), a .txt/.md file (id: its file name, a.txt, as in its folder), a JSONL "
    "file (.jsonl) or a CSV file with a header row (ids: --id-field), gzip-compressed or "
    "not, or - for JSONL on stdin; an input with no documents is a warning, and the "
    "command goes on"
)


def byte_size(text: str) -> int:
    """A positive number of bytes, optionally with a binary suffix K, M or G.

    >>> byte_size("64M"), byte_size("1000")
    (67108864, 1000)
    """
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(value[-1:], 1)
    try:
        number = int(value[:-1] if scale > 1 else value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of bytes (for example 1000000 or 256M)"
        ) from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of bytes")
    return number * scale


def add_record_limit(p: argparse.ArgumentParser) -> None:
    """The ``--max-record-bytes`` option of the commands that read JSONL or CSV inputs."""
    p.add_argument(
        "--max-record-bytes",
        type=byte_size,
        default=MAX_RECORD_BYTES,
        metavar="N",
        help="refuse a JSONL line or CSV record longer than N bytes (K, M, G: binary "
        f"multiples; default {MAX_RECORD_BYTES // 2**20}M), before it is held in memory",
    )


def add_input_args(p: argparse.ArgumentParser, *, metavar: str = "INPUT") -> None:
    p.add_argument("inputs", nargs="+", metavar=metavar, help=INPUT_HELP)
    p.add_argument(
        "--id-field", default="id", metavar="NAME", help="JSONL field / CSV column of the id"
    )
    p.add_argument(
        "--text-field", default="text", metavar="NAME", help="JSONL field / CSV column of the text"
    )
    add_record_limit(p)


def add_on_error(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--on-error",
        choices=("stop", "skip"),
        default="stop",
        help="on an unreadable, binary or non-UTF-8 file of a folder, or a malformed JSONL "
        "line or CSV row: stop with an error (default), or skip it, listing it on stderr "
        "(an input that cannot be opened, broken gzip data or a CSV file that is not UTF-8 "
        "still stop the run)",
    )


def add_metadata_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "metadata", "the other fields of JSONL records and CSV rows are the documents' metadata"
    )
    g.add_argument(
        "--label-field",
        metavar="FIELD",
        help="the field shown next to ids as the document's label (default: title, when the "
        "input has it); an outlet field is shown too when the input has one",
    )
    g.add_argument(
        "--date-field",
        metavar="FIELD",
        help="the field shown as the document's date (default: date, when the input has it)",
    )


def check_fields(args: argparse.Namespace, metadata: dict[str, dict[str, str]]) -> None:
    """A --label-field or --date-field that no document has is a mistake: say so."""
    present: set[str] = set()
    for fields in metadata.values():
        present.update(fields)
    for option, name in (("--label-field", "label_field"), ("--date-field", "date_field")):
        value = getattr(args, name, None)
        if value is not None and value not in present:
            shown = ", ".join(map(repr, sorted(present)[:10])) or "none"
            raise InputError(f"{option} {value!r}: no document has that field (fields: {shown})")


#: The options a collection command takes as flags (``--min-key-share``...): every option
#: of :data:`dedupe.params.OPTIONS` that shapes or thresholds matching.
MATCH_OPTIONS = tuple(o for o in OPTIONS.values() if o.group in ("IndexParams", "Thresholds"))


def _option_type(option: Option) -> Callable[[str], Any]:
    """Parse a flag's text as the option's type, then check it as the library does."""
    kind = float if option.annotation == "float" else int

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            what = "a number" if kind is float else "a whole number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        try:
            return option.check(option.name, value)
        except DedupeError as err:
            allowed = getattr(err, "allowed", None)
            raise argparse.ArgumentTypeError(
                f"{text} is not {allowed} ({err})" if allowed else str(err)
            ) from None

    return parse


def add_match_args(p: argparse.ArgumentParser) -> None:
    """A flag for each of :data:`MATCH_OPTIONS`, with the library's default and doc."""
    g = p.add_argument_group("matching (the options of dedupe.find_duplicates)")
    for option in MATCH_OPTIONS:
        if option.annotation == "bool":  # a switch
            g.add_argument(
                "--" + option.name.replace("_", "-"),
                action="store_true",
                default=option.default,
                help=option.doc,
            )
            continue
        g.add_argument(
            "--" + option.name.replace("_", "-"),
            type=_option_type(option),
            default=option.default,
            metavar="X" if option.annotation == "float" else "N",
            help=f"{option.doc} (default {option.default})",
        )


def scan_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options the flags of :func:`add_match_args` give."""
    return {o.name: getattr(args, o.name) for o in MATCH_OPTIONS}


def add_spill(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--spill-dir",
        metavar="DIR",
        help="keep the shingle sets in temporary files in DIR, read through memory maps, "
        "for a collection whose sets outgrow the memory (same results)",
    )


def add_cluster_rule(p: argparse.ArgumentParser) -> None:
    option = OPTIONS["clusters"]
    p.add_argument(
        "--cluster-rule",
        choices=CLUSTER_RULES,
        default=option.default,
        help=f"{option.doc} (default {option.default})",
    )


def add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no summary on stderr"
    )
