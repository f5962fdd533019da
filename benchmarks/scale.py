"""The scale benchmark: every tool on generated news corpora of 20,000 to 1,000,000 documents.

For each size, :func:`benchmarks.news.news_corpus` makes (or finds in the cache) a corpus
with injected overlaps, then each tool runs once per repeat in its own process
(``python -m benchmarks.speed``), started in a session of its own and watched from here.
The tools (:data:`TOOLS`): Python with the corpus loaded (the memory floor),
``dedupe.find_duplicates``, rensa and datasketch ``MinHash.bulk`` (both shingling and
sketching :data:`BATCH` documents at a time, as a user of a large collection would), and the
exact all-pairs product up to :data:`EXACT_MAX_DOCS` documents. Measured:

* **time**: the tool's own timer around its detector (loading the corpus excluded; for
  ``dedupe_file``, which reads the JSONL itself as it goes, reading included);
* **memory** (Linux ``/proc``), for the tool process and every process it forks:

  - *main peak RSS*: ``VmHWM`` of the tool process, read by itself at the end (exact);
  - *largest worker peak*: the largest ``VmHWM`` of any descendant (polled here, and the
    tool's own ``getrusage(RUSAGE_CHILDREN).ru_maxrss``; exact for the largest one). A
    forked worker's RSS counts the pages it still shares with its parent;
  - *workers' peak sum*: the largest sum of the live descendants' ``VmRSS`` seen at one
    poll (every :data:`POLL_S` s; it counts shared pages once per process);
  - *whole tree peak RSS*: the largest sum of ``VmRSS`` over the tool process and its
    descendants at one poll (at least the main process's own peak);
  - *whole tree peak PSS*: the largest sum of ``Pss`` (``/proc/PID/smaps_rollup``: shared
    pages split between the processes sharing them) over the same processes, sampled
    every :data:`PSS_EVERY_S` s: what the machine had to provide. A peak shorter than the
    sampling interval can be missed; runs of a few seconds get no figure.

* **guards**: a tool whose process tree holds more than ``max_rss_gb`` (its PSS, or its
  summed RSS where PSS cannot be read: forked workers' shared pages count once), or that
  runs longer than ``timeout_s``, is killed (its whole process group) and reported as
  stopped. A tool is skipped at a size when a smaller size already stopped it, or when its
  time or memory at the previous size, scaled linearly, would pass a guard.
* **recall** of the injected pairs, by kind, over the pairs whose exact scores reach the
  thresholds (the truth file holds them); reported pairs outside the truth; reported pairs
  inside a must-not-merge group; and groups that the reported pairs join into one cluster
  (a roundup's members through the roundup, quote sharers through anything).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import news

REPO = Path(__file__).resolve().parents[1]
#: Corpus sizes of ``--full`` (``--scaling`` picks others).
SIZES = (20_000, 100_000, 300_000, 1_000_000)
#: Tools measured at scale ("load": Python with the corpus loaded, the memory floor).
TOOLS = ("load", "dedupe", "dedupe_file", "rensa", "datasketch_bulk", "exact")
#: Largest corpus the exact all-pairs product runs on (its cost grows with the square).
EXACT_MAX_DOCS = 100_000
#: Documents the MinHash baselines shingle and sketch at a time (``--batch`` of the worker).
BATCH = 10_000
#: Guards: the most RSS a tool's process tree may hold, and the longest a run may take.
MAX_RSS_GB = 20.0
TIMEOUT_S = 3600.0
POLL_S = 0.2
PSS_EVERY_S = 1.0
#: Fewer PSS samples than this (a run of a few seconds) give no PSS figure.
PSS_MIN_SAMPLES = 3
#: dedupe's runs time their stages (dedupe's own progress lines), for the table's stage shares.
_STAGES = {"DEDUPE_BENCH_STAGES": "1"}
#: Injected kinds in table order.
KINDS = ("near_duplicate", "excerpt", "excerpt_embedded", "roundup", "alert")


# --- watching a process tree ------------------------------------------------------------


def _parents() -> dict[int, int]:
    """``{pid: parent pid}`` of every process visible in /proc."""
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = stat[stat.rfind(b")") + 2 :].split()
        out[int(entry.name)] = int(fields[1])
    return out


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (children, their children...)."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _status_kb(pid: int) -> tuple[int, int]:
    """``(VmRSS, VmHWM)`` of a process in kB; zeros when it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, hwm


def _pss_kb(pid: int) -> int:
    """``Pss`` of a process in kB (0 when it is gone or smaps_rollup is missing)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _kill(proc: subprocess.Popen) -> None:
    """Kill the process group ``proc`` leads (started by :func:`run_watched`) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run_watched(
    cmd: list[str],
    *,
    timeout_s: float,
    max_rss_mb: float,
    env: dict[str, str] | None = None,
    cwd: Path = REPO,
) -> dict[str, Any]:
    """Run ``cmd`` in a new session, polling its process tree's memory; stop it (the whole
    group) above ``max_rss_mb`` of summed RSS or after ``timeout_s``.

    Returns ``returncode``, ``wall_s``, ``stopped`` (the reason, or None), ``stderr`` (its
    last lines), and the memory figures of the module docstring in MB: ``main_hwm_mb``,
    ``workers`` (descendants seen), ``worker_peak_mb``, ``workers_sum_peak_mb``,
    ``tree_rss_peak_mb`` and ``tree_pss_peak_mb``.
    """
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        seen: dict[int, int] = {}  # descendant pid -> largest VmHWM seen (kB)
        main_hwm = workers_sum = tree_rss = tree_pss = pss_samples = 0
        stopped = None
        next_pss = 0.0
        pss_now = 0
        try:
            while proc.poll() is None:
                kids = descendants(proc.pid)
                rss, hwm = _status_kb(proc.pid)
                main_hwm = max(main_hwm, hwm)
                kid_rss = 0
                for pid in kids:
                    r, h = _status_kb(pid)
                    kid_rss += r
                    seen[pid] = max(seen.get(pid, 0), h)
                workers_sum = max(workers_sum, kid_rss)
                tree_rss = max(tree_rss, rss + kid_rss)
                now = time.perf_counter() - started
                if now >= next_pss:
                    pss_now = sum(_pss_kb(p) for p in [proc.pid, *kids])
                    tree_pss = max(tree_pss, pss_now)
                    pss_samples += 1
                    next_pss = now + PSS_EVERY_S
                # the guard: what the machine provides (PSS: a page the workers share with
                # their parent counts once), or summed RSS where PSS cannot be read
                held = pss_now if pss_now else rss + kid_rss
                if held / 1024 > max_rss_mb:
                    what = "PSS" if pss_now else "RSS"
                    stopped = f"stopped: {what} above {max_rss_mb / 1024:.0f} GB after {now:.0f} s"
                elif now > timeout_s:
                    stopped = f"stopped: still running after {timeout_s / 60:.0f} min"
                if stopped:
                    _kill(proc)
                    break
                time.sleep(POLL_S)
        except BaseException:  # interrupted here: do not leave the tool running
            _kill(proc)
            raise
        wall = time.perf_counter() - started
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
    return {
        "returncode": proc.returncode,
        "wall_s": wall,
        "stopped": stopped,
        "stderr": " / ".join(tail),
        "main_hwm_mb": main_hwm / 1024,
        "workers": len(seen),
        "worker_peak_mb": max(seen.values(), default=0) / 1024,
        "workers_sum_peak_mb": workers_sum / 1024,
        "tree_rss_peak_mb": tree_rss / 1024,
        "tree_pss_peak_mb": tree_pss / 1024 if pss_samples >= PSS_MIN_SAMPLES else None,
    }


# --- one tool on one corpus ---------------------------------------------------------------


def run_tool(
    tool: str,
    corpus: Path,
    *,
    jaccard: float,
    containment: float,
    timeout_s: float = TIMEOUT_S,
    max_rss_mb: float = MAX_RSS_GB * 1024,
    batch: int = BATCH,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One watched run of ``tool`` on ``corpus``: the worker's result, the memory figures,
    and the pairs it found (``found``: a set of sorted id pairs). ``extra_env`` is added
    to the worker's environment."""
    with tempfile.TemporaryDirectory() as tmp:
        out, pairs = Path(tmp) / "r.json", Path(tmp) / "pairs.tsv"
        cmd = [sys.executable, "-m", "benchmarks.speed", tool, str(corpus), str(out),
               str(jaccard), str(containment), "0", "--pairs", str(pairs),
               "--batch", str(batch)]  # fmt: skip
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        env.update(extra_env or {})
        watch = run_watched(cmd, timeout_s=timeout_s, max_rss_mb=max_rss_mb, env=env)
        if watch["stopped"]:
            return {"tool": tool, "error": watch["stopped"], **watch}
        if watch["returncode"] != 0 or not out.exists():
            why = watch["stderr"] or f"exit {watch['returncode']}"
            return {"tool": tool, "error": why, **watch}
        result = json.loads(out.read_text())
        found: set[tuple[str, str]] = set()
        if pairs.exists():
            with open(pairs, encoding="utf-8") as fh:
                for line in fh:
                    a, b = line.rstrip("\n").split("\t")
                    found.add((a, b) if a <= b else (b, a))
    result.update(watch)
    result["main_hwm_mb"] = max(watch["main_hwm_mb"], result.get("peak_rss_mb", 0.0))
    result["worker_peak_mb"] = max(watch["worker_peak_mb"], result.get("child_peak_rss_mb", 0.0))
    # The tree held at least what its main process did at its peak (a short run can end
    # between two polls).
    result["tree_rss_peak_mb"] = max(watch["tree_rss_peak_mb"], result["main_hwm_mb"])
    result["found"] = found
    return result


# --- scoring against the truth ------------------------------------------------------------


def _reaches(p: dict[str, Any], jaccard: float, containment: float) -> bool:
    return (
        p["jaccard"] >= jaccard
        or p["containment_ab"] >= containment
        or p["containment_ba"] >= containment
    )


def truth_counts(truth: dict[str, Any], jaccard: float, containment: float) -> dict[str, Any]:
    """Injected pairs by kind: all of them, and those whose exact scores reach the thresholds."""
    out: dict[str, Any] = {}
    for p in truth["pairs"]:
        c = out.setdefault(p["injected"], {"pairs": 0, "reach": 0})
        c["pairs"] += 1
        c["reach"] += _reaches(p, jaccard, containment)
    return out


class _Components:
    """Union-find over document ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def score(
    found: set[tuple[str, str]], truth: dict[str, Any], jaccard: float, containment: float
) -> dict[str, Any]:
    """Recall by injected kind (over pairs reaching the thresholds), pairs outside the
    truth, pairs inside must-not-merge groups, and groups joined into one cluster."""
    by_kind: dict[str, dict[str, int]] = {}
    keys = set()
    for p in truth["pairs"]:
        key = (p["a"], p["b"]) if p["a"] <= p["b"] else (p["b"], p["a"])
        keys.add(key)
        if not _reaches(p, jaccard, containment):
            continue
        c = by_kind.setdefault(p["injected"], {"reach": 0, "found": 0})
        c["reach"] += 1
        c["found"] += key in found
    total = {"reach": sum(c["reach"] for c in by_kind.values()),
             "found": sum(c["found"] for c in by_kind.values())}  # fmt: skip
    recall = {k: {**c, "recall": c["found"] / c["reach"] if c["reach"] else None}
              for k, c in {**by_kind, "all": total}.items()}  # fmt: skip
    group_of: dict[str, list[int]] = {}
    for g, group in enumerate(truth["groups"]):
        for m in group["members"]:
            group_of.setdefault(m, []).append(g)
    inside = sum(1 for a, b in found if set(group_of.get(a, ())) & set(group_of.get(b, ())))
    comp = _Components()
    for a, b in found:
        comp.union(a, b)
    joined: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    for group in truth["groups"]:
        groups[group["kind"]] += 1
        roots = [comp.find(m) for m in group["members"]]
        joined[group["kind"]] += len(set(roots)) < len(roots)
    return {
        "recall": recall,
        "reported": len(found),
        "outside_truth": len(found - keys),
        "inside_groups": inside,
        "groups": dict(groups),
        "groups_joined": dict(joined),
    }


# --- the whole benchmark ------------------------------------------------------------------


def _skip_reason(
    tool: str, size: int, last: dict[str, Any] | None, max_rss_mb: float, timeout_s: float
) -> str | None:
    """Why ``tool`` is not run at ``size``, from its result at the previous size."""
    if tool == "exact" and size > EXACT_MAX_DOCS:
        return f"skipped: exact all pairs runs up to {EXACT_MAX_DOCS:,} documents"
    if last is None:
        return None
    if "error" in last:
        return f"skipped: {last['error']} at {last['size']:,} documents"
    grow = size / last["size"]
    mem = (last.get("tree_rss_peak_mb") or 0.0) * grow
    if mem > max_rss_mb:
        return (f"skipped: {last['tree_rss_peak_mb'] / 1024:.1f} GB at {last['size']:,} "
                f"documents, scaled linearly: {mem / 1024:.0f} GB, over the "
                f"{max_rss_mb / 1024:.0f} GB guard")  # fmt: skip
    secs = last["seconds"] * grow
    if secs > timeout_s:
        return (
            f"skipped: {last['seconds']:.0f} s at {last['size']:,} documents, scaled "
            f"linearly: {secs / 60:.0f} min, over the {timeout_s / 60:.0f} min guard"
        )
    return None


def run(
    sizes: tuple[int, ...] = SIZES,
    tools: tuple[str, ...] = TOOLS,
    *,
    seed: int = 0,
    jaccard: float = 0.5,
    containment: float = 0.5,
    repeats: int = 1,
    cache_dir: Path = news.CACHE_DIR,
    max_rss_gb: float = MAX_RSS_GB,
    timeout_s: float = TIMEOUT_S,
    unavailable: dict[str, str] | None = None,
    progress: Callable[[], None] = lambda: None,
    describe: Callable[[str], None] = lambda _: None,
    train_on: Path | None = None,
) -> list[dict[str, Any]]:
    """Measure every tool at every size; one row per size (see :mod:`benchmarks.scale`).
    The corpora come from the embedded news generator unless ``train_on`` names a corpus
    to train it on (:func:`benchmarks.news.news_corpus`)."""
    max_rss_mb = max_rss_gb * 1024
    unavailable = unavailable or {}
    rows = []
    last: dict[str, dict[str, Any]] = {}
    for size in sorted(sizes):
        describe(f"scale: corpus of {size:,} docs")
        path, truth, cached = news.news_corpus(size, seed, cache_dir=cache_dir, train_on=train_on)
        counts = truth_counts(truth, jaccard, containment)
        row: dict[str, Any] = {"docs": size, "corpus": {**truth["stats"], "cached": cached,
                               "path": str(path), "trained_on": truth["trained_on"],
                               "truth": counts}, "tools": {}}  # fmt: skip
        for tool in tools:
            describe(f"scale: {tool} on {size:,} docs")
            why = unavailable.get(tool) or _skip_reason(
                tool, size, last.get(tool), max_rss_mb, timeout_s
            )
            if why:
                row["tools"][tool] = {"error": why, "skipped": True}
                for _ in range(repeats):
                    progress()
                continue
            runs = []
            for _ in range(repeats):
                r = run_tool(tool, path, jaccard=jaccard, containment=containment,
                             timeout_s=timeout_s, max_rss_mb=max_rss_mb,
                             extra_env=_STAGES if tool.startswith("dedupe") else None)  # fmt: skip
                progress()
                runs.append(r)
                if "error" in r:
                    break
            row["tools"][tool] = result = _summary(runs, truth, jaccard, containment)
            last[tool] = {**result, "size": size}
        rows.append(row)
    return rows


def _summary(
    runs: list[dict[str, Any]], truth: dict[str, Any], jaccard: float, containment: float
) -> dict[str, Any]:
    """Median time and largest memory of a tool's runs, and its scores (first run)."""
    bad = next((r for r in runs if "error" in r), None)
    if bad is not None:
        keep = ("error", "wall_s", "tree_rss_peak_mb", "tree_pss_peak_mb", "main_hwm_mb")
        return {k: bad[k] for k in keep if k in bad}
    med = statistics.median(r["seconds"] for r in runs)
    first = runs[0]
    out: dict[str, Any] = {
        "docs": first["docs"],
        "text_mb": first["text_mb"],
        "seconds": med,
        "runs": len(runs),
        "docs_per_s": first["docs"] / med if med else None,
        "mb_per_s": first["text_mb"] / med if med else None,
        "stages": first.get("stages", {}),
        "pairs": first.get("pairs", 0),
    }
    for k in ("main_hwm_mb", "worker_peak_mb", "workers_sum_peak_mb", "tree_rss_peak_mb",
              "tree_pss_peak_mb", "workers"):  # fmt: skip
        values = [r[k] for r in runs if r.get(k) is not None]
        out[k] = max(values) if values else None
    if first["tool"] != "load":
        out["scores"] = score(first["found"], truth, jaccard, containment)
    return out
