"""Memory per byte of input: ``python -m benchmarks.memory [--corpus PATH|news] [--sizes N,N]``.

The corpus is Reuters-21578 in ``../shared/data`` (the README's figures), or any JSONL(.gz)
with ``id`` and ``text`` given as ``--corpus PATH``, or ``--corpus news``: generated news
(:mod:`benchmarks.news`, embedded generator, seed 0, cached in ``bench-out/cache``). Without
``--corpus`` and without Reuters the command stops and says so: it never measures other
data silently.

Each measurement runs in a fresh process: it loads its input, imports dedupe and warms it up
on a tiny input, reads its peak resident memory (``VmHWM``), runs one operation, and reads
the peak again. The growth divided by the bytes of UTF-8 text given is the figure the README's
Limits section states, at two sizes so that a reader can see it stays flat (linear memory):

* ``add``: ``Index().add_many(docs)``, the index kept in memory;
* ``find_duplicates``: ``find_duplicates(docs, workers=1)``, the report built;
* ``align``: ``align(a, b)`` of two long documents (``b`` is ``a`` with every fifth
  paragraph edited and a few moved), made of corpus texts one per paragraph.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .loaders import load_jsonl
from .speed import peak_rss_mb

REPO = Path(__file__).resolve().parents[1]
REUTERS = REPO.parent / "shared" / "data" / "reuters21578.jsonl.gz"
OPS = ("add", "find_duplicates", "align")


def _corpus(path: Path, limit: int) -> dict[str, str]:
    return load_jsonl(path, limit=limit)


def corpus_path(value: str | None, sizes: list[int]) -> Path:
    """The corpus file to measure: ``value`` (a path, or ``news`` for generated news of the
    largest size), else Reuters; ``FileNotFoundError`` with what to do when it is absent."""
    if value == "news":
        from .news import news_corpus

        return news_corpus(max(sizes), 0)[0]
    path = Path(value) if value else REUTERS
    if not path.is_file():
        raise FileNotFoundError(
            f"no corpus at {path}"
            + (" (Reuters-21578 is not part of the repository)" if value is None else "")
            + ": pass --corpus PATH (JSONL with id and text) or --corpus news"
        )
    return path


def _long_pair(docs: dict[str, str]) -> tuple[str, str]:
    paras = [" ".join(t.split()) for t in docs.values() if t.strip()]
    edited = [
        p if i % 5 else p.replace(" the ", " a ", 2) + " Updated." for i, p in enumerate(paras)
    ]
    for i in range(0, len(edited) - 30, 97):  # a few moves
        edited[i], edited[i + 30] = edited[i + 30], edited[i]
    return "\n\n".join(paras), "\n\n".join(edited)


def _worker(op: str, corpus: str, size: int) -> dict[str, Any]:
    import dedupe

    docs = _corpus(Path(corpus), size)
    dedupe.find_duplicates({"a": "one two three four five six", "b": "two three four five"})
    dedupe.align("one two.\n\nthree four.", "one two.\n\nthree five.")
    if op == "align":
        a, b = _long_pair(docs)
        text_bytes = len(a.encode()) + len(b.encode())
        before = peak_rss_mb()
        dedupe.align(a, b)
    else:
        text_bytes = sum(len(t.encode()) for t in docs.values())
        before = peak_rss_mb()
        if op == "add":
            index = dedupe.Index(workers=1)
            index.add_many(docs)
        else:
            dedupe.find_duplicates(docs, workers=1)
    grown = (peak_rss_mb() - before) * 1024 * 1024
    return {"op": op, "docs": len(docs), "text_bytes": text_bytes, "grown_bytes": grown}


def measure(op: str, corpus: Path, size: int) -> dict[str, Any]:
    """Run one measurement in a fresh process (see the module docstring)."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", "--worker", op, str(corpus), str(size)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__)
    p.add_argument("--corpus", metavar="PATH|news",
                   help=f"JSONL(.gz) with id and text, or 'news' (default: {REUTERS})")  # fmt: skip
    p.add_argument("--sizes", default="5000,19043", help="documents per run (default 5000,19043)")
    p.add_argument("--align-sizes", default="500,2000", help="paragraphs per side for align")
    p.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        op, corpus, size = args.worker
        print(json.dumps(_worker(op, corpus, int(size))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    try:
        corpus = corpus_path(args.corpus, sizes)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"corpus: {corpus}", flush=True)
    rows = []
    for op in OPS:
        sizes = args.align_sizes if op == "align" else args.sizes
        for size in (int(s) for s in sizes.split(",")):
            r = measure(op, corpus, size)
            rows.append(r)
            print(
                f"| {op} | {r['docs']:,} | {r['text_bytes'] / 1e6:.1f} | "
                f"{r['grown_bytes'] / 1e6:.0f} | {r['grown_bytes'] / r['text_bytes']:.1f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
