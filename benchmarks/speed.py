"""Speed and memory: each tool runs in a fresh subprocess, tools alternate, repeats taken.

A worker process loads the corpus, imports its tool, records its peak resident memory so
far (``ru_maxrss``), runs the detector on the texts once under a timer, and records the peak
again. The harness runs ``tool1, tool2, ..., tool1, tool2, ...`` (alternating, so drift on the
machine hits every tool alike) and keeps the median time and the largest peak.

Run one worker by hand::

    python -m benchmarks.speed dedupe corpus.jsonl.gz result.json

Two options serve the scale benchmark (:mod:`benchmarks.scale`): ``--pairs PATH`` writes
the pairs found (``a<TAB>b`` lines) for recall, and ``--batch N`` has the MinHash
baselines shingle and sketch N documents at a time, as a user with a large collection
would (the default: all at once).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    On Linux this is ``VmHWM`` from /proc/self/status: ``ru_maxrss`` would carry over the
    parent's peak across fork and exec, overstating a small child. Elsewhere ``ru_maxrss``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


#: Tools whose detector takes a ``batch`` option.
BATCHED = ("datasketch_bulk", "rensa")


def _worker(argv: list[str]) -> int:
    """``TOOL CORPUS OUT [jaccard containment limit] [--pairs PATH] [--batch N]``: time one
    run, write JSON to OUT."""
    options: dict[str, str] = {}
    rest: list[str] = []
    args = iter(argv)
    for a in args:
        if a in ("--pairs", "--batch"):
            options[a] = next(args)
        else:
            rest.append(a)
    argv = rest
    tool, corpus, out = argv[:3]
    jaccard = float(argv[3]) if len(argv) > 3 else 0.5
    containment = float(argv[4]) if len(argv) > 4 else 0.5
    limit = int(argv[5]) if len(argv) > 5 and argv[5] != "0" else None
    from .loaders import load_jsonl

    if tool == "dedupe_file":  # dedupe reads the file itself, on the clock
        return _file_worker(corpus, out, jaccard, containment, options)
    docs = load_jsonl(corpus, limit=limit)
    result: dict[str, Any] = {"tool": tool, "docs": len(docs)}
    result["text_mb"] = sum(len(t.encode("utf-8")) for t in docs.values()) / 1e6
    if tool == "load":
        result.update(seconds=0.0, pairs=0)
    else:
        from .baselines import DETECTORS

        if tool.startswith("dedupe"):
            import dedupe  # noqa: F401
        elif tool == "rensa":
            import rensa  # noqa: F401
        elif tool.startswith("datasketch"):
            import datasketch  # noqa: F401
        extra: dict[str, int] = {}
        if "--batch" in options and tool in BATCHED:
            extra["batch"] = int(options["--batch"])
        detect = DETECTORS[tool]
        result.update(
            _timed(lambda: detect(docs, jaccard=jaccard, containment=containment, **extra), options)
        )
    _finish(result, out)
    return 0


def _timed(detect: Callable[[], list[Any]], options: dict[str, str]) -> dict[str, Any]:
    """Run ``detect()`` under the clock: its seconds, pairs (written to ``--pairs``), the
    peak memory before it and dedupe's stage times."""
    from .baselines import STAGES

    base = peak_rss_mb()
    t0 = time.perf_counter()
    found = detect()
    out: dict[str, Any] = {"seconds": time.perf_counter() - t0, "pairs": len(found)}
    if "--pairs" in options:
        with open(options["--pairs"], "w", encoding="utf-8") as fh:
            fh.writelines(f"{f.a}\t{f.b}\n" for f in found)
    del found
    out.update(rss_before_mb=base, stages=dict(STAGES))
    return out


def _finish(result: dict[str, Any], out: str, peak_mb: float | None = None) -> None:
    """Add the memory peaks to a worker's ``result`` (``peak_mb``: this process's, read
    earlier) and write it to ``out``."""
    result["peak_rss_mb"] = peak_rss_mb() if peak_mb is None else peak_mb
    # Worker processes the tool started (dedupe sketches large batches in a process pool):
    # the largest one's peak. A forked child's peak includes pages shared with the parent.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["child_peak_rss_mb"] = children / (1024 * 1024 if sys.platform == "darwin" else 1024)
    Path(out).write_text(json.dumps(result))


def _file_worker(
    corpus: str, out: str, jaccard: float, containment: float, options: dict[str, str]
) -> int:
    """The ``dedupe_file`` tool: nothing loaded before the clock starts; dedupe reads the
    JSONL itself. The documents and their text are counted afterwards, off the clock."""
    from dedupe.inputs import iter_documents

    from .baselines import run_dedupe_file

    result: dict[str, Any] = {"tool": "dedupe_file"}
    result.update(
        _timed(lambda: run_dedupe_file(corpus, jaccard=jaccard, containment=containment), options)
    )
    peak = peak_rss_mb()  # the run's, not the counting pass's below
    docs, text_bytes = 0, 0
    for _, text in iter_documents([corpus]):
        docs += 1
        text_bytes += len(text.encode("utf-8"))
    result.update(docs=docs, text_mb=text_bytes / 1e6)
    _finish(result, out, peak)
    return 0


def run_once(
    tool: str,
    corpus: Path,
    *,
    jaccard: float,
    containment: float,
    limit: int | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Run one worker in a fresh interpreter and return its result (or its error)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        cmd = [sys.executable, "-m", "benchmarks.speed", tool, str(corpus), str(out),
               str(jaccard), str(containment), str(limit or 0)]  # fmt: skip
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        try:
            proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                                  timeout=timeout)  # fmt: skip
        except subprocess.TimeoutExpired:
            return {"tool": tool, "error": f"timed out after {timeout:.0f} s"}
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return {"tool": tool, "error": " / ".join(tail) or f"exit {proc.returncode}"}
        return json.loads(out.read_text())


def measure(
    tools: list[str],
    corpus: Path,
    *,
    repeats: int,
    jaccard: float,
    containment: float,
    limits: dict[str, int] | None = None,
    timeout: float | None = None,
    progress: Callable[[], None] = lambda: None,
) -> dict[str, dict[str, Any]]:
    """Alternate the tools ``repeats`` times; median seconds, largest peak RSS, throughput."""
    limits = limits or {}
    runs: dict[str, list[dict[str, Any]]] = {t: [] for t in tools}
    failed: dict[str, str] = {}
    for _ in range(repeats):
        for tool in tools:
            if tool in failed:
                progress()
                continue
            r = run_once(tool, corpus, jaccard=jaccard, containment=containment,
                         limit=limits.get(tool), timeout=timeout)  # fmt: skip
            if "error" in r:
                failed[tool] = r["error"]
            else:
                runs[tool].append(r)
            progress()
    out: dict[str, dict[str, Any]] = {}
    for tool in tools:
        if tool in failed:
            out[tool] = {"error": failed[tool]}
            continue
        rs = runs[tool]
        secs = [r["seconds"] for r in rs]
        med = statistics.median(secs)
        docs, mb = rs[0]["docs"], rs[0]["text_mb"]
        out[tool] = {
            "docs": docs,
            "text_mb": mb,
            "seconds": secs,
            "median_s": med,
            "best_s": min(secs),
            "docs_per_s": docs / med if med else None,
            "mb_per_s": mb / med if med else None,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
            "child_peak_rss_mb": max(r.get("child_peak_rss_mb", 0.0) for r in rs),
            "stages": {
                k: statistics.median(r["stages"].get(k, 0.0) for r in rs)
                for k in rs[0].get("stages", {})
            },
            "pairs": rs[0]["pairs"],
            "subset": tool in limits and limits[tool] is not None and docs == limits[tool],
        }
    base = out.get("dedupe")
    if base and "error" not in base:
        for r in out.values():
            if "error" in r:
                continue
            # >1 means the tool is that many times slower / uses that much more memory.
            r["time_vs_dedupe"] = base["docs_per_s"] / r["docs_per_s"] if r["docs_per_s"] else None
            # a subset run's memory says nothing about the whole corpus: no memory ratio
            r["rss_vs_dedupe"] = None if r["subset"] else r["peak_rss_mb"] / base["peak_rss_mb"]
    return out


if __name__ == "__main__":
    raise SystemExit(_worker(sys.argv[1:]))
