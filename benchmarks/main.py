"""The benchmark command: generate (or load) a corpus, measure, print Markdown, save results.

Modes (``python -m benchmarks --help``):

* default: a generated corpus with ground truth (a few hundred base articles and their
  re-publications); detection quality by edit kind, recall against exact scores, threshold
  sweep, alignment quality, and speed/memory of every tool (median of 3 alternating runs,
  each in its own process). Under 3 minutes on 2 cores.
* ``--full``: a larger generated corpus, 5 runs, plus the scale benchmark
  (:mod:`benchmarks.scale`) on generated news at 20k, 100k, 300k and 1M documents.
* ``--scaling 20000,100000``: the scale benchmark alone at those sizes (with ``--full``:
  the full run, its scale part at those sizes).
* ``--scaling 100000 --ocr-noise``: instead, dedupe's default and fuzzy modes on the same
  generated news with a share of the re-published copies OCR-noised
  (:mod:`benchmarks.ocr_scale`).
* ``--corpus PATH``: any JSONL(.gz) with ``id`` and ``text``: recall against exact scores
  and speed/memory (there is no generated truth, so no per-kind or alignment scores).
* ``--tiny``: a few seconds, for the test suite.
* ``--spark``: ``dedupe.spark`` on Reuters on ``local[2]`` next to the single-machine run,
  with the share of each stage (:mod:`benchmarks.spark`; ``--spark --help`` for its options).

Run it from the repository root (``benchmarks/`` is not installed with the package).
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from dedupe.align import MIN_PASSAGE_WORDS
from dedupe.parallel import Progress

from . import clusters, ocr_bench, ocr_scale, pan_like, patchwork, report
from .baselines import DETECTORS, LABELS, available
from .difflib_align import align_difflib
from .exact import exact_pairs
from .generate import Corpus, generate
from .loaders import CorpusError, load_jsonl, write_jsonl
from .quality import alignment_scores, detection_scores, passage_scores, recall_vs_exact, sweep
from .scale import BATCH as SCALE_BATCH
from .scale import MAX_RSS_GB, SIZES, TIMEOUT_S
from .scale import TOOLS as SCALE_TOOLS
from .scale import run as run_scale
from .speed import measure

REPO = Path(__file__).resolve().parents[1]
# Default thresholds (the library's defaults).
JACCARD = 0.5
CONTAINMENT = 0.5
# Threshold values swept (one axis at a time, the other at its default).
SWEEP_VALUES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
TINY_SWEEP_VALUES = (0.3, 0.7)
# Containment held while the Jaccard threshold moves: 1.0 counts only whole inclusion, so
# the sweep shows what the Jaccard threshold alone does.
SWEEP_JACCARD_AXIS_CONTAINMENT = 1.0
# datasketch with per-shingle update() is timed on at most this many documents.
DATASKETCH_UPDATE_LIMIT = 5000
# Base articles generated in each mode (about 1.85 documents per base article).
BASES = {"tiny": 12, "default": 400, "full": 1500}
REPEATS = {"tiny": 1, "default": 3, "full": 5}
# A speed worker that runs longer than this is stopped and reported as timed out.
WORKER_TIMEOUT_S = 1800
SPEED_TOOLS = ("load", "dedupe", "datasketch", "datasketch_bulk", "rensa", "exact")
QUALITY_TOOLS = ("dedupe", "datasketch_bulk", "rensa", "exact")
MISSES_SHOWN = 10


#: Off a terminal, a line at least this often while one stage runs long (seconds).
HEARTBEAT_S = 30.0


class Stages:
    """The run's progress on stderr: on a terminal, a bar (:class:`dedupe.parallel.Progress`,
    stage, steps done and elapsed time); off one (a log, CI), a line per stage, and a line
    at least every :data:`HEARTBEAT_S` seconds while a stage runs, so that a reader never
    waits a minute without news. ``lines=False`` and ``bar=False`` show nothing."""

    def __init__(self, total: int, *, bar: bool, lines: bool, stream: Any = None) -> None:
        self._bar = Progress(total, unit="step", enabled=bar, eta=False)
        self._lines = lines
        self._stream = stream if stream is not None else sys.stderr
        self._total = total
        self._done = 0
        self._stage = ""
        self._started = self._last = time.perf_counter()
        # The heartbeat rides on a timer signal, not a thread: a thread would make dedupe's
        # worker pools fall back to one process (forking with threads running is unsafe).
        self._timer = False
        if lines and threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGALRM, self._heartbeat)
            period = min(1.0, HEARTBEAT_S)
            signal.setitimer(signal.ITIMER_REAL, period, period)
            self._timer = True

    def _say(self, text: str) -> None:
        now = time.perf_counter()
        self._last = now
        print(f"[{now - self._started:6.0f} s] {text} ({self._done}/{self._total} steps)",
              file=self._stream, flush=True)  # fmt: skip

    def _heartbeat(self, signum: int, frame: Any) -> None:
        if time.perf_counter() - self._last >= HEARTBEAT_S and self._stage:
            self._say(f"still: {self._stage}")

    def describe(self, text: str) -> None:
        """Start stage ``text``."""
        self._bar.describe(text)
        if self._lines and text != self._stage:
            self._stage = text
            self._say(text)
        self._stage = text

    def update(self, n: int = 1) -> None:
        """``n`` more steps done."""
        self._done += n
        self._bar.update(n)

    def close(self) -> None:
        """Remove the bar; off a terminal, say the run is done."""
        self._bar.close()
        if self._timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            self._timer = False
        if self._lines:
            self._say("done")


def _sizes(value: str) -> tuple[int, ...]:
    """``"20000,100000"`` -> ``(20000, 100000)``."""
    try:
        sizes = tuple(int(x.replace("_", "")) for x in value.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of document counts: {value!r}") from None
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("document counts must be at least 100")
    return sizes


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="dedupe benchmark: detection and alignment quality, speed and memory, "
        "next to datasketch, rensa, exact all-pairs and difflib, in one run.",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--tiny", action="store_true", help="a few seconds (used by the tests)")
    size.add_argument("--full", action="store_true", help="larger runs and the scale benchmark")
    p.add_argument("--corpus", type=Path, help="JSONL(.gz) corpus with 'id' and 'text' fields")
    p.add_argument("--limit", type=int, help="use only the first N documents of --corpus")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument("--repeats", type=int, help="timed runs per tool (default 3; --full 5)")
    p.add_argument("--out", type=Path, default=Path("bench-out"), help="output folder")
    p.add_argument("--no-speed", action="store_true", help="skip the speed measurements")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument(
        "--update-readme",
        "--update-results",
        action="store_true",
        help="replace the block between <!-- bench:start --> and <!-- bench:end --> "
        "(with --corpus: bench-corpus:start/end; the scale benchmark: bench-scale:start/end) "
        "in docs/results.md with this run's tables",
    )
    p.add_argument(
        "--scaling",
        type=_sizes,
        metavar="N,N,...",
        help="run the scale benchmark (generated news) at these document counts; alone, "
        "only it runs (--full runs it at " + ",".join(map(str, SIZES)) + ")",
    )
    p.add_argument(
        "--scale-tools",
        type=lambda v: tuple(t for t in v.split(",") if t),
        default=SCALE_TOOLS,
        metavar="T,T,...",
        help="tools of the scale benchmark (default " + ",".join(SCALE_TOOLS) + ")",
    )
    p.add_argument(
        "--max-rss-gb",
        type=float,
        default=MAX_RSS_GB,
        help=f"scale benchmark: stop a tool whose processes hold more (default {MAX_RSS_GB:.0f})",
    )
    p.add_argument(
        "--tool-timeout",
        type=float,
        default=TIMEOUT_S / 60,
        metavar="MIN",
        help=f"scale benchmark: stop a tool run after this many minutes "
        f"(default {TIMEOUT_S / 60:.0f})",
    )
    p.add_argument(
        "--ocr-noise",
        action="store_true",
        help="with --scaling: instead of the scale benchmark's tools, dedupe default vs "
        "fuzzy on its news with a share of the re-published copies OCR-noised (time, "
        "docs/s, peak memory per document, recall by CER band; README block bench-ocr-scale)",
    )
    p.add_argument(
        "--spark",
        action="store_true",
        help="dedupe.spark on Reuters on local[2] next to single-machine (see --spark --help)",
    )
    p.add_argument(
        "--redis",
        action="store_true",
        help="instead: a live index on a redis-server of its own, next to datasketch's Redis "
        "storage (see python -m benchmarks --redis --help)",
    )
    p.add_argument(
        "--news-train-on",
        type=Path,
        metavar="PATH",
        help="train the news generator of the cluster table and the scale benchmark on this "
        "JSONL(.gz) corpus (e.g. ../shared/data/reuters21578.jsonl.gz) instead of the "
        "embedded generator (benchmarks/lexicon.py); the report names the data either way",
    )
    p.add_argument("--readme", type=Path, default=report.RESULTS, help=argparse.SUPPRESS)
    return p


def _dedupe_parallel_min() -> int:
    """Batch size from which dedupe sketches in worker processes."""
    from dedupe.index import PARALLEL_MIN_DOCS

    return PARALLEL_MIN_DOCS


def _dedupe_default(name: str) -> Any:
    """A default of ``dedupe.find_duplicates``."""
    import inspect

    import dedupe

    return inspect.signature(dedupe.find_duplicates).parameters[name].default


def _quality(
    corpus: Corpus | None,
    docs: dict[str, str],
    tools: list[str],
    sweep_values: tuple[float, ...],
    bar: Progress,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    floor = min(min(sweep_values), JACCARD, CONTAINMENT) if corpus else min(JACCARD, CONTAINMENT)
    bar.describe("exact all pairs")
    exact_floor = exact_pairs(docs, floor=floor)
    exact = [p for p in exact_floor
             if p.jaccard >= JACCARD or p.containment_ab >= CONTAINMENT
             or p.containment_ba >= CONTAINMENT]  # fmt: skip
    supported = {(p.a, p.b) for p in exact}
    min_shingles = _dedupe_default("min_shingles")
    bar.update()
    detection: dict[str, Any] = {}
    recall: dict[str, Any] = {}
    found_by_tool: dict[str, set[tuple[str, str]]] = {}
    for tool in tools:
        bar.describe(f"quality: {tool}")
        found = {
            (f.a, f.b) for f in DETECTORS[tool](docs, jaccard=JACCARD, containment=CONTAINMENT)
        }
        found_by_tool[tool] = found
        if corpus is not None:
            detection[tool] = detection_scores(found, corpus.truth, supported=supported)
        recall[tool] = recall_vs_exact(
            found, exact, max_misses=MISSES_SHOWN, min_shingles=min_shingles, jaccard=JACCARD
        )
        bar.update()
    out["exact_pairs"] = len(exact)
    out["_exact"] = exact
    out["recall_vs_exact"] = recall
    if corpus is not None:
        out["detection"] = detection
        out["seeds"] = _seeds_rows(corpus, found_by_tool.get("dedupe"))
        if "dedupe" in tools:
            bar.describe("threshold sweep")
            out["sweep"] = sweep(
                DETECTORS["dedupe"], corpus, exact_floor, jaccards=sweep_values,
                containments=sweep_values, default_jaccard=JACCARD,
                jaccard_axis_containment=SWEEP_JACCARD_AXIS_CONTAINMENT, progress=bar.update,
            )  # fmt: skip
    return out


def _seeds_rows(corpus: Corpus, found: set[tuple[str, str]] | None) -> list[dict[str, Any]]:
    seed_docs = {k: v for k, v in corpus.docs.items() if corpus.sources.get(k) == "seed"}
    if not seed_docs:
        return []
    scores = {(p.a, p.b): p for p in exact_pairs(seed_docs, floor=0.0)}
    rows = []
    for p in corpus.pairs:
        if p.a in seed_docs and p.b in seed_docs:
            e = scores.get((p.a, p.b))
            rows.append({
                "a": p.a, "b": p.b,
                "jaccard": e.jaccard if e else 0.0,
                "containment_ab": e.containment_ab if e else 0.0,
                "containment_ba": e.containment_ba if e else 0.0,
                "truth": "partial" if p.positive else "different (same topic)",
                "reported": None if found is None else ("yes" if (p.a, p.b) in found else "no"),
            })  # fmt: skip
    return rows


def _alignment(corpus: Corpus, bar: Progress) -> dict[str, Any]:
    pairs = [p for p in corpus.pairs if p.positive and p.para_map]
    out: dict[str, Any] = {}
    import dedupe

    bar.describe("alignment: dedupe.align")
    out["dedupe.align"] = alignment_scores(
        lambda a, b: dedupe.align(a, b).ops, corpus, pairs, progress=bar.update
    )
    bar.describe("alignment: difflib")
    out["difflib baseline"] = alignment_scores(align_difflib, corpus, pairs, progress=bar.update)
    return out


#: min_passage_words of the shared-passage rows, the library's default among them.
PASSAGE_WORDS = tuple(sorted({6, 10, 12, MIN_PASSAGE_WORDS}))


def _passages(corpus: Corpus, bar: Progress) -> list[dict[str, Any]]:
    """Shared passages of dedupe.align on the regrouped-sentences pairs, at several
    ``min_passage_words`` (recall of copied 10+ word sentences, word-pair precision)."""
    import dedupe

    pairs = [p for p in corpus.pairs if p.copies]
    rows = []
    for k in PASSAGE_WORDS:
        bar.describe(f"passages: min_passage_words={k}")
        scores = passage_scores(
            lambda a, b, k=k: dedupe.align(a, b, min_passage_words=k),
            corpus,
            pairs,
            progress=bar.update,
        )
        rows.append({"min_passage_words": k, "default": k == MIN_PASSAGE_WORDS, **scores})
    return rows


#: Patchwork articles traced by Index.provenance in each mode (and with --corpus).
PATCHWORKS = {"tiny": 10, "default": 100, "full": 300, "corpus": 300}


#: Paragraph counts of the long-document alignment timing (issue target: 50 paragraphs under
#: 5 ms median, 2,000 paragraphs under 2 s with bounded memory).
ALIGN_SIZES = {"tiny": (50, 200), "default": (50, 2000), "full": (50, 2000, 10000)}


def _align_speed(corpus: Corpus, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """Time dedupe.align on long documents made of the generated pairs' paragraphs: A is
    the originals' paragraphs, B their re-published versions' (edited, moved, dropped...)."""
    import statistics
    import tracemalloc

    import dedupe
    from dedupe.text import paragraphs

    pairs = [p for p in corpus.pairs if p.positive and p.para_map]
    rows = []
    for target in sizes:
        a_paras: list[str] = []
        b_paras: list[str] = []
        k = 0
        while pairs and len(a_paras) < target:
            p = pairs[k % len(pairs)]
            a_paras += [x.text for x in paragraphs(corpus.docs[p.a])]
            b_paras += [x.text for x in paragraphs(corpus.docs[p.b])]
            k += 1
        if not a_paras:
            continue
        a, b = "\n\n".join(a_paras[:target]), "\n\n".join(b_paras[:target])
        dedupe.align(a, b)  # warm-up
        repeats = 21 if target <= 200 else 3
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            dedupe.align(a, b)
            times.append(time.perf_counter() - t0)
        tracemalloc.start()
        dedupe.align(a, b)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append({
            "a_paragraphs": len(paragraphs(a)), "b_paragraphs": len(paragraphs(b)),
            "text_kb": round((len(a) + len(b)) / 1000, 1), "repeats": repeats,
            "median_ms": 1000 * statistics.median(times), "min_ms": 1000 * min(times),
            "peak_traced_mib": peak / 2**20,
        })  # fmt: skip
    return rows


def _markdown(results: dict[str, Any]) -> dict[str, str]:
    """The report's sections, each a heading and a table."""
    s: dict[str, str] = {}
    q = results.get("quality", {})
    if "detection" in q:
        s["detection"] = (
            "### Detection quality by edit kind (generated corpus; precision / recall / F1 "
            f"at jaccard {JACCARD}, containment {CONTAINMENT})\n\n"
            + report.detection_table(q["detection"])
            + "\n\nMinHash baselines estimate Jaccard only; datasketch `update` and `bulk` give "
            "the same signatures, so one column stands for both. "
            '"extra": reported pairs outside the generated truth whose exact scores do reach '
            "the thresholds (not counted against precision)."
        )
    if "recall_vs_exact" in q:
        s["exact"] = (
            f"### Recall against exhaustive exact scores ({q['exact_pairs']:,} pairs above "
            "the thresholds, all pairs compared)\n\n"
            + report.exact_recall_table(q["recall_vs_exact"])
        )
        missed = q["recall_vs_exact"].get("dedupe", {}).get("missed")
        if missed:
            s["exact"] += "\n\nPairs dedupe missed (largest exact score first):\n\n"
            s["exact"] += report.misses_table(missed)
    if q.get("sweep"):
        s["sweep"] = (
            "### Thresholds: how precision and recall move (dedupe.find_duplicates; the "
            f"Jaccard rows hold containment at {SWEEP_JACCARD_AXIS_CONTAINMENT}, the "
            f"containment rows hold Jaccard at {JACCARD})\n\n" + report.sweep_table(q["sweep"])
        )
    if results.get("clusters"):
        c = results["clusters"]
        s["clusters"] = (
            f"### Clusters on news with roundups and shared quotes ({c['docs']:,} documents of "
            f"generated news, generator trained on {c['trained_on']}, seed {c['seed']}: "
            f"{c['roundups']} roundup pages, {c['quotes']} quotes "
            f"each pasted into 5-20 unrelated articles and posted alone; {c['pairs']:,} "
            "verified pairs, the same for both rules)\n\n"
            + report.purity_table(c)
            + "\n\nStories: the injected re-publications (near-duplicates, excerpts, alerts) "
            "join their documents into one story; every other document is a story of its "
            "own. Purity: the share of clustered documents in their cluster's most common "
            "story. Merges: stories in a cluster beyond the first, roundup pages and quote "
            "posts not counted. Clusters merged by hub documents: clusters of the whole "
            "corpus that hold two clusters (or lone documents) of the same pairs without the "
            "roundup pages and quote posts. Story pairs in one cluster: the found "
            "re-publication pairs whose documents share a cluster (`hubs` splits an alert "
            "when a few of its words also stand in unrelated articles: the alert is then "
            "listed as a hub). True hubs listed: roundup pages and quote posts listed as hubs "
            f"with each document they were found with in a group of its own ({c['group_s']:.2f} "
            "s to group, per rule)."
        )
    if q.get("seeds"):
        s["seeds"] = "### The seed articles\n\n" + report.seeds_table(q["seeds"])
    if results.get("alignment"):
        s["alignment"] = (
            "### Paragraph alignment on the generated pairs\n\n"
            + report.alignment_table(results["alignment"])
        )
        if results.get("passages"):
            s["alignment"] += (
                "\n\n### Shared passages on regrouped sentences (dedupe.align; sentences cut "
                "from paragraphs and regrouped into others, halves of paragraphs swapped, new "
                "sentences added)\n\n" + report.passages_table(results["passages"])
            )
        if results.get("align_speed"):
            s["alignment"] += (
                "\n\n### Paragraph alignment of long documents (dedupe.align; median of the "
                "repeats, peak memory traced by tracemalloc)\n\n"
                + report.align_speed_table(results["align_speed"])
            )
    if results.get("provenance", {}).get("rows"):
        p = results["provenance"]
        s["provenance"] = (
            "### Provenance of patchwork articles (Index.provenance: runs of 1-3 paragraphs "
            f"from 2-4 indexed articles, {patchwork.EDITED_SHARE:.0%} of them lightly edited, "
            f"plus 1-2 original paragraphs: {p['originals']}; {p['patchworks']} patchworks "
            f"against {p['indexed']:,} indexed documents)\n\n"
            + patchwork.provenance_table(p)
            + "\n\nShares of the patchworks' word characters. Source text is right when "
            "credited to its true source or to an earlier-added document that holds the same "
            "text (the rule prefers the earliest copy; the true source holds it too); "
            '"strict" counts the true source only. Original text is right when credited to '
            "no document. Times: one query each, in this process, index loaded and warm."
        )
    if results.get("speed"):
        c = results["corpus"]
        s["speed"] = (
            f"### Speed and memory ({c['docs']:,} documents, {c['text_mb']:.1f} MB of text; "
            f"median of {results['repeats']} alternating runs, each in a fresh process)\n\n"
            + report.speed_table(results["speed"])
            + "\n\n\"time vs dedupe\": the tool's time per document over dedupe's (2.00x: "
            'dedupe is twice as fast); "memory vs dedupe" likewise for peak RSS. Every tool '
            "starts from the raw texts; the MinHash baselines shingle with `dedupe.text` "
            "(same tokens), and keep LSH candidates whose estimated Jaccard reaches the threshold."
        )
    if results.get("scale"):
        s["scale"] = _scale_markdown(results)
    if results.get("ocr_scale"):
        s["ocr_scale"] = report.ocr_scale_markdown(
            results["ocr_scale"], results["ocr_scale_options"], JACCARD, CONTAINMENT
        )
    if results.get("ocr"):
        s["ocr"] = report.ocr_markdown(results["ocr"])
    return s


def _scale_markdown(results: dict[str, Any]) -> str:
    """The scale benchmark's section: corpora, speed and memory, recall."""
    rows = results["scale"]
    opts = results["scale_options"]
    sizes = ", ".join(f"{r['docs']:,}" for r in rows)
    trained = rows[0]["corpus"]["trained_on"]
    return "\n\n".join([
        f"### At scale: generated news ({sizes} documents)",
        "Corpora of generated news, made by `benchmarks/news.py` (an order-2 word Markov "
        f"chain, generator trained on {trained}; seed {opts['seed']}; cached in "
        f"`{opts['cache']}`), with injected "
        "overlaps whose exact scores are recorded. Each tool runs "
        f"{'once' if opts['repeats'] == 1 else str(opts['repeats']) + ' times'} per size in "
        "its own process, watched from outside: a tool whose processes hold more than "
        f"{opts['max_rss_gb']:.0f} GB (PSS: pages shared with forked workers counted once), "
        "or that runs longer than "
        f"{opts['timeout_min']:.0f} min, is stopped.",
        report.scale_corpus_table(rows),
        'Pairs: "all injected / those whose exact Jaccard or containment (either way) '
        f'reaches {JACCARD} / {CONTAINMENT}"; embedded excerpts are mostly below. Every '
        "corpus also has 50 outlets' footers (20-60 words, the largest outlet on about a "
        "fifth of the articles) and quotes shared by 5-20 articles: "
        "neither makes a pair.",
        report.scale_speed_table(rows),
        'Memory, from `/proc`: "main peak RSS" is the tool process\'s `VmHWM`; "worker '
        "processes\" are the processes it forked (dedupe's sketching pool): their number, "
        "the largest one's peak RSS (pages shared with the parent counted) and the largest "
        "sum of their RSS at one poll (every 0.2 s); \"whole tree\" is the largest sum over "
        "the tool process and its workers of RSS (shared pages counted in every process) and "
        "of PSS (shared pages split between them; sampled every second). The MinHash "
        f"baselines shingle and sketch {opts['batch']:,} documents at a time (\"batches\").",
        report.scale_recall_table(rows),
        "Recall over the injected pairs whose exact scores reach the thresholds. Alerts have "
        "fewer than 20 shingles (dedupe takes every shingle of a text under `short_text` as "
        "a key; MinHash tools see only their low Jaccard with the full story). "
        '"outside the truth": reported pairs that were not injected (for dedupe these are '
        "verified, so the texts do overlap that much). Must-not-merge groups are a roundup's "
        "members and the articles sharing a quote: \"joined\" counts the groups that the "
        "reported pairs connect (through any documents), which a clustering would merge.",
    ])  # fmt: skip


def _news_data(results: dict[str, Any]) -> str:
    """The sentence naming what the generated news of this run was made from (empty when
    the run made none)."""
    parts = []
    if results.get("clusters"):
        parts.append(("the cluster table", results["clusters"]["trained_on"]))
    if results.get("scale"):
        parts.append(("the scale benchmark", results["scale"][0]["corpus"]["trained_on"]))
    if not parts:
        return ""
    sources = dict.fromkeys(src for _, src in parts)
    if len(sources) == 1:
        what = " and ".join(name for name, _ in parts)
        return f"Data of {what}: generated news, generator trained on {next(iter(sources))}."
    return " ".join(f"Data of {name}: generated news, generator trained on {src}."
                    for name, src in parts)  # fmt: skip


def _readme_blocks(args: argparse.Namespace, mode: str) -> list[str]:
    """README blocks a run writes: ``bench`` for the default (and --full) run,
    ``bench-corpus`` with --corpus, ``bench-scale`` for the scale benchmark."""
    if mode == "scale":
        return ["bench-ocr-scale" if args.ocr_noise else "bench-scale"]
    blocks = ["bench-corpus"] if args.corpus else ["bench", "bench-ocr"]
    return blocks + (["bench-scale"] if mode == "full" and not args.no_speed else [])


#: Pairs of each obfuscation in the PAN-like passage table, per mode.
PAN_PAIRS = {"tiny": 3, "default": 30, "full": 100}


def _pan_like(n: int, seed: int) -> list[dict[str, Any]]:
    """Character precision, recall, granularity and plagdet of ``align``'s passages on
    generated PAN-like reuse (:mod:`benchmarks.pan_like`), one row per obfuscation."""
    rows = []
    for obf in pan_like.OBFUSCATIONS:
        pairs = pan_like.generate(n, seed=seed, obfuscation=obf)
        started = time.perf_counter()
        row = pan_like.score(pairs, pan_like.align_detector())
        rows.append({"obfuscation": obf, **row, "seconds": time.perf_counter() - started})
    return rows


def _default_run(
    args: argparse.Namespace, mode: str, results: dict[str, Any], bar: Progress
) -> Corpus | None:
    """The quality, alignment and speed sections (every mode but the scale benchmark)."""
    corpus, docs = results.pop("_corpus"), results.pop("_docs")
    unavailable = results["unavailable"]
    sweep_values = TINY_SWEEP_VALUES if mode == "tiny" else SWEEP_VALUES
    q_tools, s_tools = results.pop("_q_tools"), results.pop("_s_tools")
    if corpus is not None:  # timed first, in a process not yet loaded by the other stages
        bar.describe("alignment: long documents")
        results["align_speed"] = _align_speed(corpus, ALIGN_SIZES[mode])
    bar.describe("provenance: patchworks")  # timed early too, on a small heap
    if corpus is not None:
        results["provenance"] = patchwork.run_generated(
            corpus, n=PATCHWORKS[mode], seed=args.seed, progress=bar.update
        )
    else:
        results["provenance"] = patchwork.run_corpus(
            docs, n=PATCHWORKS["corpus"], seed=args.seed, progress=bar.update
        )
    results["quality"] = _quality(corpus, docs, q_tools, sweep_values, bar)
    if corpus is not None:
        results["ocr"] = ocr_bench.run(
            corpus, mode=mode, seed=args.seed, exact=results["quality"].get("_exact"),
            unavailable=unavailable, progress=bar.update, describe=bar.describe,
        )  # fmt: skip
        bar.describe("passages: PAN-like reuse")
        results["ocr"]["pan_like"] = _pan_like(PAN_PAIRS[mode], args.seed)
    if corpus is not None:
        bar.describe("clusters: roundups and shared quotes")
        results["clusters"] = clusters.run(
            clusters.DOCS[mode], seed=args.seed, train_on=args.news_train_on
        )
        bar.update()
    if corpus is not None:
        results["alignment"] = _alignment(corpus, bar)
        results["passages"] = _passages(corpus, bar)
    if not args.no_speed:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "corpus.jsonl"
            write_jsonl(path, docs)
            bar.describe("speed")
            measured = measure(
                s_tools, path, repeats=results["repeats"], jaccard=JACCARD,
                containment=CONTAINMENT, limits={"datasketch": DATASKETCH_UPDATE_LIMIT},
                timeout=WORKER_TIMEOUT_S, progress=bar.update,
            )  # fmt: skip
        results["speed"] = {
            t: measured.get(t) or {"error": unavailable.get(t, "not run")}
            for t in dict.fromkeys([*s_tools, *SPEED_TOOLS])
        }
    return corpus


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print Markdown tables; write results.json (and plots) to --out."""
    if "--spark" in (sys.argv[1:] if argv is None else argv):
        from .spark import main as spark_main

        return spark_main(argv)
    if "--redis" in (sys.argv[1:] if argv is None else argv):  # options of its own
        from .redis_bench import main as redis_main

        return redis_main([a for a in (sys.argv[1:] if argv is None else argv) if a != "--redis"])
    args = _parser().parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    mode = "tiny" if args.tiny else "full" if args.full else "scale" if args.scaling else "default"
    if args.scaling and (args.tiny or args.corpus):
        print("--scaling runs on generated news: not with --tiny or --corpus", file=sys.stderr)
        return 2
    if args.ocr_noise and not args.scaling:
        print("--ocr-noise goes with --scaling N,N,...", file=sys.stderr)
        return 2
    if args.news_train_on is not None and not args.news_train_on.is_file():
        print(f"error: --news-train-on: no such file {args.news_train_on}", file=sys.stderr)
        return 2
    if args.update_readme and args.tiny:
        print("--update-readme refuses --tiny: the README shows full-size runs", file=sys.stderr)
        return 2
    if args.update_readme:
        try:  # fail before spending minutes when the README has no block
            for block in _readme_blocks(args, mode):
                report.check_readme(args.readme, block)
        except report.ReadmeError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    started = time.perf_counter()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    repeats = args.repeats or REPEATS.get(mode, 1)
    scale_sizes: tuple[int, ...] = ()
    if mode == "scale" or (mode == "full" and not args.no_speed):
        scale_sizes = args.scaling or SIZES
    scale_repeats = args.repeats or 1

    results: dict[str, Any] = {
        "command": "python -m benchmarks" + "".join(" " + shlex.quote(a) for a in argv),
        "mode": mode,
        "machine": report.machine(),
        "thresholds": {"jaccard": JACCARD, "containment": CONTAINMENT},
        "repeats": repeats,
    }
    candidates = [*(() if mode == "scale" else (*SPEED_TOOLS, *QUALITY_TOOLS, *ocr_bench.TOOLS)),
                  *(args.scale_tools if scale_sizes else ())]  # fmt: skip
    unknown = [t for t in args.scale_tools if t != "load" and t not in LABELS]
    if unknown:
        print(f"error: unknown tool(s) {', '.join(unknown)}; known: {', '.join(LABELS)}",
              file=sys.stderr)  # fmt: skip
        return 2
    unavailable = {t: why for t in dict.fromkeys(candidates) if t != "load"
                   if (why := available(t))}  # fmt: skip
    results["unavailable"] = unavailable
    if args.ocr_noise:
        total = len(scale_sizes) * len(ocr_scale.TOOLS) * scale_repeats
    else:
        total = len(scale_sizes) * len(args.scale_tools) * scale_repeats
    corpus: Corpus | None = None
    if mode == "scale":
        corpus_desc: dict[str, Any] = {"source": "generated news (benchmarks/news.py)"}
    else:
        if args.corpus:
            try:
                docs = load_jsonl(args.corpus, limit=args.limit)
            except CorpusError as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
            corpus_desc = {"source": str(args.corpus), "generated": False}
        else:
            corpus = generate(BASES[mode], seed=args.seed)
            docs = corpus.docs
            corpus_desc = {"source": f"generated from seeds/ (benchmarks/generate.py, seed "
                           f"{args.seed})", "generated": True,
                           "pairs": len(corpus.pairs)}  # fmt: skip
        corpus_desc.update(docs=len(docs),
                           text_mb=sum(len(t.encode()) for t in docs.values()) / 1e6)  # fmt: skip
        q_tools = [t for t in QUALITY_TOOLS if t not in unavailable]
        s_tools = [t for t in SPEED_TOOLS if t not in unavailable]
        if "dedupe" in s_tools and len(docs) >= _dedupe_parallel_min():
            s_tools.insert(s_tools.index("dedupe") + 1, "dedupe_1worker")
        sweep_n = len(TINY_SWEEP_VALUES if mode == "tiny" else SWEEP_VALUES)
        n_align = sum(1 for p in corpus.pairs if p.positive and p.para_map) if corpus else 0
        n_regrouped = sum(1 for p in corpus.pairs if p.copies) if corpus else 0
        total += len(PASSAGE_WORDS) * n_regrouped + len(patchwork.SETTINGS)
        total += 1 + len(q_tools) + (2 * sweep_n if corpus and "dedupe" in q_tools else 0)
        total += 1 if corpus else 0  # the cluster purity step
        if corpus is not None:  # the OCR section: each tool per collection, the guards
            ocr_tools = [t for t in ocr_bench.TOOLS if t not in unavailable]
            total += len(ocr_tools) * (2 if ocr_bench.DEV_SET.is_file() else 1) + 1
        total += 2 * n_align + (0 if args.no_speed else repeats * len(s_tools))
        results.update(_corpus=corpus, _docs=docs, _q_tools=q_tools, _s_tools=s_tools)
    results["corpus"] = corpus_desc
    # Steps differ in length by orders of magnitude (one exact all-pairs pass, then hundreds
    # of millisecond alignments), so a rate-based ETA is wrong by hours: the bar shows the
    # stage, the steps done and the elapsed time only, and only on a terminal; elsewhere a
    # line per stage.
    terminal = sys.stderr.isatty()
    bar = Stages(total, bar=not args.no_progress and terminal,
                 lines=not args.no_progress and not terminal)  # fmt: skip
    try:
        if mode != "scale":
            corpus = _default_run(args, mode, results, bar)
        if scale_sizes and args.ocr_noise:
            results["ocr_scale_options"] = {
                "seed": args.seed, "repeats": scale_repeats, "cache": str(out / "cache"),
                "share": ocr_scale.OCR_SHARE,
            }  # fmt: skip
            results["ocr_scale"] = ocr_scale.run(
                scale_sizes, seed=args.seed, jaccard=JACCARD, containment=CONTAINMENT,
                repeats=scale_repeats, cache_dir=out / "cache", max_rss_gb=args.max_rss_gb,
                timeout_s=args.tool_timeout * 60, train_on=args.news_train_on,
                progress=bar.update, describe=bar.describe,
            )  # fmt: skip
        elif scale_sizes:
            cache = out / "cache"
            results["scale_options"] = {
                "seed": args.seed, "repeats": scale_repeats, "cache": str(cache),
                "max_rss_gb": args.max_rss_gb, "timeout_min": args.tool_timeout,
                "batch": SCALE_BATCH, "tools": list(args.scale_tools),
            }  # fmt: skip
            results["scale"] = run_scale(
                scale_sizes, args.scale_tools, seed=args.seed, jaccard=JACCARD,
                containment=CONTAINMENT, repeats=scale_repeats, cache_dir=cache,
                max_rss_gb=args.max_rss_gb, timeout_s=args.tool_timeout * 60,
                unavailable=unavailable, progress=bar.update, describe=bar.describe,
                train_on=args.news_train_on,
            )  # fmt: skip
    finally:
        bar.close()
    results["wall_s"] = time.perf_counter() - started

    sections = _markdown(results)
    head = (
        f"## dedupe benchmark ({mode}; corpus: {corpus_desc['source']})\n\n"
        f"Machine: {report.machine_line(results['machine'])}. "
        f"Command: `{results['command']}`. Wall time {results['wall_s']:.0f} s."
    )
    news_data = _news_data(results)
    if news_data:
        head += f" {news_data}"
    notes = [f"- {t}: not measured ({why})" for t, why in unavailable.items()]
    text = "\n\n".join([head, *sections.values(), *(["\n".join(notes)] if notes else [])])
    print(text)
    exact = results.get("quality", {}).pop("_exact", [])
    if mode != "scale":
        with open(out / "exact_pairs.jsonl", "w", encoding="utf-8") as fh:
            for p in exact:
                fh.write(json.dumps(p.to_dict()) + "\n")
    written = [out / "exact_pairs.jsonl"] if mode != "scale" else []
    results["plots"] = report.plots(results, out)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    (out / "report.md").write_text(text + "\n", encoding="utf-8")
    written += [out / "results.json", out / "report.md"]
    if corpus is not None:
        (out / "truth.json").write_text(json.dumps([p.to_dict() for p in corpus.pairs]))
        written.append(out / "truth.json")
    written += [out / name for name in results["plots"]]
    written += [Path(r["corpus"]["path"]) for r in results.get("scale") or []
                if not r["corpus"]["cached"]]  # fmt: skip
    if args.update_readme:
        _write_readme(args, mode, results, sections, notes)
        written.append(args.readme)
    print("\nwrote: " + ", ".join(map(str, written)), file=sys.stderr)
    return 0


def _write_readme(
    args: argparse.Namespace,
    mode: str,
    results: dict[str, Any],
    sections: dict[str, str],
    notes: list[str],
) -> None:
    """Replace this run's README blocks with its tables."""
    c = results["corpus"]
    written = (
        f"Written by `{results['command']}` (wall time {results['wall_s']:.0f} s) on "
        f"{report.machine_line(results['machine'])}."
    )
    for name in _readme_blocks(args, mode):
        if name == "bench-scale":
            parts = [written, sections["scale"]]
        elif name == "bench-ocr-scale":
            parts = [written, sections["ocr_scale"]]
        elif name == "bench-ocr":
            parts = [written, sections["ocr"]]
        else:
            keep = [k for k in ("speed", "detection", "exact", "sweep", "clusters", "alignment",
                                "provenance", "seeds") if k in sections]  # fmt: skip
            intro = (
                f"{written} Corpus: {c['source']}, {c['docs']:,} documents, "
                f"{c['text_mb']:.1f} MB of text. The full report, plots and raw numbers are "
                f"in `{args.out}/`."
            )
            parts = [intro, *(sections[k] for k in keep)]
        block = "\n\n".join([*parts, *(["\n".join(notes)] if notes else [])])
        report.update_readme(args.readme, block, name)
        print(f"README block {name} updated in {args.readme}", file=sys.stderr)
        if name == "bench" and args.readme == report.RESULTS and "speed" in sections:
            table = report.headline(sections["speed"], sections.get("exact", ""))
            report.update_readme(report.README, table, "headline")
            print(f"README block headline updated in {report.README}", file=sys.stderr)
