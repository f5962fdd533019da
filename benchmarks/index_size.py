"""A large live index: memory per article, save, load and first query.

``python -m benchmarks.index_size CORPUS.jsonl [--limit N] [--batch 50000] [--out X.idx]``

Adds the corpus to ``Index(workers=1)`` in batches (only one batch of texts is held at a
time, so the growth is the index's), then reports:

* the resident memory the index holds per article (``VmRSS`` growth once the last batch of
  texts is freed, after ``gc`` and :func:`dedupe.flat.release_freed`; ids and the
  allocator's fragmentation included; the compiled kernel, when installed, is loaded
  before the baseline: its code is the process's, not the articles') and the peak
  (``VmHWM``);
* the time to save it, the file size, the time to load it (memory-mapped and checked) in a
  fresh process, and that process's first two queries (the postings are read from the
  file).

The generated news corpora of the scale benchmark are in ``bench-out/cache``
(``python -m benchmarks --scaling 1000000`` makes ``news-1000000-0.jsonl``).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .speed import peak_rss_mb

REPO = Path(__file__).resolve().parents[1]
QUERY = (
    "Officials said on Tuesday that the company would report its results for the quarter "
    "later this week, according to a statement."
)


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _batches(path: Path, size: int, limit: int | None):
    batch: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                break
            record = json.loads(line)
            batch.append((record["id"], record["text"]))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def _load(path: str) -> None:
    """In a fresh process: load the file, then answer one query."""
    import dedupe

    t = time.perf_counter()
    index = dedupe.Index.load(path)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    index.query(QUERY)
    query_s = time.perf_counter() - t
    t = time.perf_counter()
    index.query(QUERY + " Shares rose.")
    second_s = time.perf_counter() - t
    print(json.dumps({"load_s": load_s, "first_query_s": query_s, "second_query_s": second_s}))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.index_size", description=__doc__)
    p.add_argument("corpus", type=Path, help="JSONL with id and text fields")
    p.add_argument("--limit", type=int, help="only the first N documents")
    p.add_argument("--batch", type=int, default=50000, help="documents per add_many")
    p.add_argument("--out", type=Path, help="index file to write (default: a temporary one)")
    p.add_argument("--load", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.load:
        _load(args.load)
        return 0
    import dedupe
    from dedupe import kernel
    from dedupe.flat import release_freed

    dedupe.find_duplicates({"a": "one two three four five six", "b": "two three four five"})
    kernel.load()  # numba's code (about 150 MB when installed) is the process's, not per article
    gc.collect()
    base = _status_mb("VmRSS")
    index = dedupe.Index(workers=1)
    t = time.perf_counter()
    for batch in _batches(args.corpus, args.batch, args.limit):
        index.add_many(batch, skip_empty=True)
    add_s = time.perf_counter() - t
    del batch  # the last batch of texts is not the index's
    gc.collect()
    release_freed()  # nor is memory the allocator keeps for reuse
    grown = _status_mb("VmRSS") - base
    n = len(index)
    print(f"added {n:,} documents in {add_s:.0f} s ({n / add_s:,.0f} docs/s, one worker); "
          f"index memory {grown:,.0f} MB = {grown * 2**20 / n:,.0f} bytes per document; "
          f"peak RSS {peak_rss_mb():,.0f} MB", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "index.idx"
        t = time.perf_counter()
        index.save(out)
        print(f"saved in {time.perf_counter() - t:.1f} s: {out.stat().st_size / 1e6:,.0f} MB",
              flush=True)  # fmt: skip
        del index
        gc.collect()
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.index_size", str(args.corpus), "--load", str(out)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"loaded in {r['load_s']:.2f} s (fresh process); first query "
              f"{r['first_query_s'] * 1000:.0f} ms (imports included), the next "
              f"{r['second_query_s'] * 1000:.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
