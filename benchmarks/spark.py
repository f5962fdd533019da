"""``python -m benchmarks --spark``: dedupe.spark on a local Spark next to single-machine.

Runs :func:`dedupe.spark.find_duplicates` on a corpus (default: Reuters-21578 in
``../shared/data``) on ``local[2]``: one first run (Python workers starting, JIT cold), then
``--repeats`` runs whose median is reported with the share of each stage. The single-machine
time is :func:`dedupe.find_duplicates` measured the way the main benchmark measures it (a
fresh process per run, median). Both reports are compared: matches and clusters must be
equal. With ``--update-readme`` the tables replace the ``bench-spark`` block of docs/results.md.

``--generated N`` runs on the generated news of the scale benchmark instead (made, or found in
its cache, by :func:`benchmarks.news.news_corpus`), e.g. ``--generated 100000``.

Each Spark run also reports what Spark did, read from the driver's status store (the data
behind the Spark UI, also kept with the UI off): the jobs it ran and the bytes its shuffles
wrote and read (lz4-compressed, as they go over the network on a cluster); and the peak
memory of the JVM and its Python workers together (the largest sum of their ``VmRSS`` at one
poll every 0.1 s; the driver's own Python process, which holds the corpus and the
single-machine report, is left out).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from . import news, report
from .loaders import CorpusError, load_jsonl, write_jsonl
from .scale import _status_kb, descendants
from .speed import measure

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "reuters21578.jsonl.gz"
BLOCK = "bench-spark"
#: Seconds between two polls of the JVM's and the Python workers' memory.
POLL_S = 0.1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks --spark",
        description="dedupe.spark.find_duplicates on a local Spark next to the single-machine run",
    )
    p.add_argument("--spark", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="JSONL(.gz), id and text")
    p.add_argument(
        "--generated",
        type=int,
        metavar="N",
        help="instead of --corpus: the scale benchmark's generated news of N documents",
    )
    p.add_argument("--limit", type=int, help="use only the first N documents")
    p.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    p.add_argument("--partitions", type=int, default=4, help="input partitions (default 4)")
    p.add_argument("--driver-memory", default="4g", help="driver JVM heap (local[N]: all tasks)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs after the first (3)")
    p.add_argument("--out", type=Path, default=Path("bench-out"), help="folder for spark.json")
    p.add_argument("--update-readme", "--update-results", action="store_true",
                   help=f"rewrite the {BLOCK} block of docs/results.md")  # fmt: skip
    p.add_argument("--no-progress", action="store_true", help="(accepted; Spark shows none)")
    p.add_argument("--readme", type=Path, default=report.RESULTS, help=argparse.SUPPRESS)
    return p


def _write_parquet(path: Path, docs: dict[str, str]) -> None:
    """``docs`` as a Parquet file of ``id``, ``text`` and ``pos`` (the input order), written
    in row groups of 50,000 documents."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    items = list(docs.items())
    schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("pos", pa.int64())])
    with pq.ParquetWriter(str(path), schema) as writer:
        for start in range(0, len(items), 50_000):
            part = items[start : start + 50_000]
            writer.write_table(pa.table({"id": [d for d, _ in part], "text": [t for _, t in part],
                                         "pos": list(range(start, start + len(part)))},
                                        schema=schema))  # fmt: skip


def _session(master: str, driver_memory: str = "4g") -> Any:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(master)
        .appName("dedupe-benchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", driver_memory)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


class _Watch:
    """The peak of the summed ``VmRSS`` of this process's descendants (the JVM and its Python
    workers), polled every :data:`POLL_S` s by a thread while the ``with`` block runs."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> _Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _poll(self) -> None:
        me = os.getpid()
        while True:
            total = sum(_status_kb(pid)[0] for pid in descendants(me))
            self.peak_kb = max(self.peak_kb, total)
            if self._done.wait(POLL_S):
                return


def _counters(spark: Any) -> dict[str, int]:
    """Jobs started and shuffle bytes written and read so far in this session, from the
    driver's scheduler and status store (after the listener bus has caught up)."""
    sc = spark.sparkContext._jsc.sc()
    sc.listenerBus().waitUntilEmpty()
    execs = sc.statusStore().executorList(False)
    found = [execs.apply(i) for i in range(execs.size())]
    return {
        "jobs": int(sc.dagScheduler().numTotalJobs()),
        "shuffle_write": sum(int(e.totalShuffleWrite()) for e in found),
        "shuffle_read": sum(int(e.totalShuffleRead()) for e in found),
    }


def _spark_run(spark: Any, df: Any) -> tuple[Any, dict[str, Any]]:
    """One timed ``dedupe.spark.find_duplicates``: its report and what it cost (seconds,
    stage seconds, jobs, shuffle bytes written and read, peak GB of the JVM and workers)."""
    import dedupe.spark

    stages: dict[str, float] = {}
    before = _counters(spark)
    with _Watch() as watch:
        t = time.perf_counter()
        got = dedupe.spark.find_duplicates(df, order_col="pos", stage_seconds=stages)
        seconds = time.perf_counter() - t
    after = _counters(spark)
    run = {"seconds": seconds, "stages": stages, "peak_gb": watch.peak_kb / 2**20}
    run.update({k: after[k] - before[k] for k in after})
    run["shuffle_mb"] = (run["shuffle_write"] + run["shuffle_read"]) / 1e6
    print(
        f"spark run: {seconds:.1f} s, {run['jobs']} jobs, shuffle {run['shuffle_mb']:.0f} MB "
        f"(write + read), JVM + workers peak {run['peak_gb']:.2f} GB",
        file=sys.stderr,
    )
    return got, run


def _tables(r: dict[str, Any]) -> str:
    single, first, warm = r["single"], r["spark_first"], r["spark"]
    docs = r["docs"]

    def row(name: str, run: dict[str, Any], note: str) -> str:
        seconds = run["seconds"]
        ratio = seconds / single["seconds"]
        spent = (
            f"{run['jobs']} | {run['shuffle_mb']:,.0f} | {run['peak_gb']:.2f}"
            if "jobs" in run
            else "| |"
        )
        return (
            f"| {name} | {docs:,} | {seconds:.2f} | {docs / seconds:,.0f} | {ratio:.1f}x "
            f"| {spent} | {note} |"
        )

    lines = [
        "| engine | docs | seconds | docs/s | time vs single machine | Spark jobs "
        "| shuffle MB (write + read) | JVM + workers peak GB | note |",
        "|---|---|---|---|---|---|---|---|---|",
        row(
            "dedupe.find_duplicates (one machine)",
            single,
            f"median of {single['runs']} runs, each in a fresh process",
        ),
        row(
            f"dedupe.spark.find_duplicates ({r['master']}), first run",
            first,
            "Python workers and JIT cold",
        ),
        row(
            f"dedupe.spark.find_duplicates ({r['master']})",
            warm,
            f"median of {warm['runs']} more runs in the same session (jobs, shuffle, "
            "memory: the median run's)",
        ),
    ]
    stage_lines = [
        "| stage | seconds | share |",
        "|---|---|---|",
        *(f"| {k} | {v:.2f} | {v / warm['stage_total']:.0%} |" for k, v in warm["stages"].items()),
    ]
    same = "equal" if r["equal"] else "NOT EQUAL"
    return "\n".join(
        [
            f"### dedupe on Spark ({docs:,} documents, {r['text_mb']:.1f} MB of text, "
            f"{r['partitions']} input partitions)",
            "",
            *lines,
            "",
            f"Matches and clusters of every Spark run against single-machine: **{same}** "
            f"({r['matches']:,} matches, {r['clusters']:,} clusters). Spark session start-up: "
            f"{r['session_s']:.1f} s (not counted above).",
            "",
            f"Skew corpus ({r['skew']['docs']:,} documents: 300 exact copies of one article, "
            "one footer on 2,000 others): "
            f"{r['skew']['seconds']:.1f} s on {r['master']}, "
            f"{'equal to' if r['skew']['equal'] else 'NOT EQUAL to'} single-machine "
            f"({r['skew']['matches']:,} matches).",
            "",
            "Share of each stage in the median Spark run (each stage is materialised once, "
            "so the shares add up to its time):",
            "",
            *stage_lines,
        ]
    )


def _skew_corpus(docs: dict[str, str]) -> dict[str, str]:
    """300 exact copies of one article, and one 60-word footer on 2,000 other articles
    (texts of the corpus): the skew a boilerplate key or a syndicated story brings."""
    texts = [t for t in docs.values() if len(t.split()) >= 60]
    story, footer = texts[0], " ".join(texts[1].split()[:60])
    skew = {f"copy-{i:03d}": story for i in range(300)}
    skew.update({f"art-{i:04d}": f"{t}\n\n{footer}" for i, t in enumerate(texts[2:2002])})
    return skew


def _skew_run(spark: Any, docs: dict[str, str]) -> dict[str, Any]:
    """dedupe.spark on :func:`_skew_corpus` (4 partitions), against single-machine."""
    import dedupe
    import dedupe.spark

    skew = _skew_corpus(docs)
    want = dedupe.find_duplicates(skew)
    rows = [(doc_id, text, pos) for pos, (doc_id, text) in enumerate(skew.items())]
    df = spark.createDataFrame(rows, "id string, text string, pos long").repartition(4)
    t = time.perf_counter()
    got = dedupe.spark.find_duplicates(df, order_col="pos")
    seconds = time.perf_counter() - t
    equal = got.matches == want.matches and got.clusters == want.clusters
    print(f"skew corpus: {seconds:.1f} s", file=sys.stderr)
    return {"docs": len(skew), "seconds": seconds, "equal": equal, "matches": len(want.matches)}


def main(argv: list[str] | None = None) -> int:
    """Run the Spark benchmark; print Markdown; optionally rewrite the README block."""
    args = _parser().parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    if args.update_readme:
        try:
            report.check_readme(args.readme, BLOCK)
        except report.ReadmeError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    try:
        import dedupe.spark
    except ImportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    import dedupe

    corpus = args.corpus
    if args.generated:
        corpus = news.news_corpus(args.generated)[0]
    try:
        docs = load_jsonl(corpus, limit=args.limit)
    except CorpusError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": "python -m benchmarks" + "".join(" " + shlex.quote(a) for a in argv),
        "machine": report.machine(),
        "docs": len(docs),
        "text_mb": sum(len(t.encode()) for t in docs.values()) / 1e6,
        "master": args.master,
        "partitions": args.partitions,
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        write_jsonl(path, docs)
        timed = measure(["dedupe"], path, repeats=args.repeats, jaccard=0.5, containment=0.5)
    print(f"single machine: {timed['dedupe'].get('median_s', 0):.2f} s (median)", file=sys.stderr)
    if "error" in timed["dedupe"]:
        print(f"error: the single-machine run failed: {timed['dedupe']['error']}", file=sys.stderr)
        return 1
    results["single"] = {"seconds": timed["dedupe"]["median_s"], "runs": args.repeats}
    want = dedupe.find_duplicates(docs)

    t0 = time.perf_counter()
    spark = _session(args.master, args.driver_memory)
    results["session_s"] = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="dedupe-spark-bench-") as tmp:
        parquet = Path(tmp) / "corpus.parquet"
        _write_parquet(parquet, docs)  # the input as a cluster job reads it: Parquet files
        df = spark.read.parquet(str(parquet)).repartition(args.partitions)
        df = df.localCheckpoint(eager=True)
        runs, equal = [], True
        for _ in range(1 + args.repeats):
            got, run = _spark_run(spark, df)
            runs.append(run)
            equal &= got.matches == want.matches and got.clusters == want.clusters
            del got
    results["skew"] = _skew_run(spark, docs)
    equal &= results["skew"]["equal"]
    spark.stop()
    results["spark_first"] = runs[0]
    warm = sorted(runs[1:], key=lambda r: r["seconds"])[len(runs[1:]) // 2]
    median = statistics.median(r["seconds"] for r in runs[1:])
    results["spark"] = {
        **warm,
        "seconds": median,
        "runs": args.repeats,
        "stage_total": sum(warm["stages"].values()),
    }
    results.update(equal=equal, matches=len(want.matches), clusters=len(want.clusters))
    results["wall_s"] = time.perf_counter() - started
    intro = (
        f"Written by `{results['command']}` (wall time {results['wall_s']:.0f} s) on "
        f"{report.machine_line(results['machine'])}. Corpus: {corpus.name}."
    )
    text = intro + "\n\n" + _tables(results)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "spark.json").write_text(json.dumps(results, indent=1, default=str))
    if args.update_readme:
        report.update_readme(args.readme, text, BLOCK)
        print(f"\nREADME block updated in {args.readme}", file=sys.stderr)
    return 0 if equal else 1
