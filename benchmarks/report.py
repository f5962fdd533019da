"""Markdown tables, the machine description, PNG plots and the blocks of docs/results.md.

>>> print(table(["tool", "docs/s"], [["a", 1234.5], ["b", None]]))
| tool | docs/s |
|---|---|
| a | 1,234 |
| b | - |
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path
from typing import Any

from .baselines import LABELS

#: The page whose blocks ``--update-readme`` (``--update-results``) rewrites by default.
REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "docs" / "results.md"
README = REPO / "README.md"
#: The tools of the README's headline table (from the main block of docs/results.md).
HEADLINE_TOOLS = tuple(LABELS[k] for k in ("dedupe", "datasketch_bulk", "rensa", "exact"))
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


class ReadmeError(RuntimeError):
    """README.md has no benchmark block to replace."""


def fmt(x: Any, digits: int = 2) -> str:
    """A cell: ``-`` for missing, thousands separators for large numbers."""
    if x is None:
        return "-"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """CPU model (from /proc/cpuinfo), logical cores, memory, OS and Python."""
    cpu = platform.processor() or platform.machine()
    mem_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "memory_gb": round(mem_gb, 1) if mem_gb else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def machine_line(m: dict[str, Any]) -> str:
    """One line naming the machine."""
    mem = f", {m['memory_gb']:.0f} GB RAM" if m.get("memory_gb") else ""
    return f"{m['cpu']}, {m['cores']} cores{mem}, {m['os']}, Python {m['python']}"


# --- tables -------------------------------------------------------------------------------


def _stages(r: dict[str, Any]) -> str:
    """A run's stage times, each with its share of the run's time.

    >>> _stages({"seconds": 4.0, "stages": {"indexing": 3.0, "candidate pairs": 1.0}})
    'indexing 3.00 s (75%), candidate pairs 1.00 s (25%)'
    """
    st = r.get("stages") or {}
    total = r.get("seconds")
    total = total if isinstance(total, (int, float)) else 0.0  # the speed table: a list
    return ", ".join(
        f"{k} {v:.2f} s" + (f" ({v / total:.0%})" if total > 0 else "") for k, v in st.items()
    )


def speed_table(speed: dict[str, dict[str, Any]]) -> str:
    """Throughput and peak memory of each tool, with ratios to dedupe (>1: dedupe wins)."""
    rows = []
    for tool, r in speed.items():
        label = "Python + corpus loaded (memory floor)" if tool == "load" else LABELS[tool]
        if "error" in r:
            rows.append([label, *["-"] * 8, f"not run: {r['error']}"])
            continue
        if tool == "load":
            rows.append([label, r["docs"], "-", "-", "-", r["peak_rss_mb"], "-", "-", "-", ""])
            continue
        notes = [f"subset: first {r['docs']:,} docs"] if r.get("subset") else []
        notes += [_stages(r)] if r.get("stages") else []
        child = r.get("child_peak_rss_mb") or None
        rows.append([
            label, r["docs"], r["median_s"], r["docs_per_s"], r["mb_per_s"], r["peak_rss_mb"],
            child, _times(r.get("time_vs_dedupe")), _times(r.get("rss_vs_dedupe")),
            "; ".join(notes),
        ])  # fmt: skip
    return table(
        ["tool", "docs", "median s", "docs/s", "MB/s", "peak RSS MB", "worker process peak MB",
         "time vs dedupe", "memory vs dedupe", "note"],
        rows,
    )  # fmt: skip


def _times(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def _prf(s: dict[str, Any] | None) -> str:
    if not s:
        return "-"
    return f"{fmt(s['precision'])} / {fmt(s['recall'])} / {fmt(s['f1'])}"


def detection_table(detection: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Precision / recall / F1 by edit kind, one column per tool."""
    tools = list(detection)
    kinds: list[str] = []
    for res in detection.values():
        for k in res:
            if k not in kinds and k != "all":
                kinds.append(k)
    rows = []
    for kind in [*kinds, "all"]:
        first = next((res[kind] for res in detection.values() if kind in res), None)
        if first is None:
            continue
        if first["positives"]:
            n = f"{first['positives']} dup"
            cells = [_prf(res.get(kind)) for res in detection.values()]
        else:
            n = f"{first['negatives']} neg"
            cells = [f"{res[kind]['fp']} FP" if kind in res else "-" for res in detection.values()]
        if kind == "all":
            n = f"{first['positives']} dup, {first['negatives']} neg"
            cells = [
                _prf(res["all"]) + (f" (+{res['all']['extra_supported']} extra)"
                                    if res["all"]["extra_supported"] else "")
                for res in detection.values()
            ]  # fmt: skip
        rows.append([f"**{kind}**" if kind == "all" else kind, n, *cells])
    return table(["edit kind", "pairs", *[f"{LABELS[t]} P / R / F1" for t in tools]], rows)


def exact_recall_table(recall: dict[str, dict[str, Any]]) -> str:
    """Recall of each tool against the exhaustive exact computation, overall and by group."""
    n = next(iter(recall.values()), {}).get("min_shingles", 0)
    names = {
        "regular": f"both >= {n} shingles",
        "short_jaccard": f"a text < {n} shingles, Jaccard above",
        "short_containment_only": f"a text < {n} shingles, containment only",
    }

    def cell(r: dict[str, Any], g: str) -> str:
        v = r.get("groups", {}).get(g)
        return "-" if not v else f"{fmt(v['recall'])} ({v['found']:,}/{v['pairs']:,})"

    groups = [g for g in names if any(g in r.get("groups", {}) for r in recall.values())]
    if n == 0:
        groups = []
    rows = [
        [LABELS[t], r["exact_pairs"], r["found_in_exact"], r["recall"], r["misses"],
         *[cell(r, g) for g in groups], r["found_not_in_exact"]]
        for t, r in recall.items()
    ]  # fmt: skip
    return table(
        ["tool", "exact pairs above thresholds", "found", "recall vs exact", "missed",
         *[f"recall: {names[g]}" for g in groups], "reported below thresholds"],
        rows,
    )  # fmt: skip


def misses_table(missed: list[dict[str, Any]]) -> str:
    """The pairs a tool missed, with their exact scores."""
    rows = [[m["a"], m["b"], m["jaccard"], m["containment_ab"], m["containment_ba"], m["shared"],
             m["size_a"], m["size_b"]] for m in missed]  # fmt: skip
    return table(
        ["a", "b", "jaccard", "containment a in b", "containment b in a", "shared shingles",
         "shingles a", "shingles b"],
        rows,
    )  # fmt: skip


def sweep_table(rows: list[dict[str, Any]]) -> str:
    """Precision / recall as the thresholds move."""
    return table(
        ["moved", "jaccard", "containment", "precision", "recall", "F1", "recall vs exact",
         "pairs reported"],
        [[r["axis"], r["jaccard"], r["containment"], r["precision"], r["recall"], r["f1"],
          r["recall_vs_exact"], r["reported"]] for r in rows],
    )  # fmt: skip


def alignment_table(align: dict[str, dict[str, Any]]) -> str:
    """Paragraph pairing and edit labels of each aligner."""
    rows = []
    for name, r in align.items():
        if "error" in r:
            rows.append([name, "-", "-", "-", "-", "-", f"not run: {r['error']}"])
            continue
        by = r.get("label_accuracy_by_label") or {}
        note = "labels: " + ", ".join(f"{k} {fmt(v)}" for k, v in by.items()) if by else ""
        rows.append([name, r["pairs"], r["precision"], r["recall"], r["label_accuracy"],
                     r["ms_per_pair"], note])  # fmt: skip
    return table(
        ["aligner", "article pairs", "pairing precision", "pairing recall", "label accuracy",
         "ms per pair", "note"],
        rows,
    )  # fmt: skip


def passages_table(rows: list[dict[str, Any]]) -> str:
    """Shared passages: recall of copied sentences and word-pair precision, by minimum
    (three digits: the targets are 0.98).

    >>> print(passages_table([{"min_passage_words": 8, "default": True, "pairs": 2,
    ...     "sentences": 30, "recall": 29 / 30, "precision": 0.9951, "passages": 20,
    ...     "spurious": 1, "ms_per_pair": 2.0}]).splitlines()[-1])
    | 8 (default) | 2 | 30 | 0.967 | 0.995 | 20 | 1 | 2.00 |
    """

    def three(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    return table(
        ["min_passage_words", "article pairs", "copied sentences (10+ words)", "recall",
         "precision (word pairs)", "passages", "spurious passages", "ms per pair"],
        [[f"{r['min_passage_words']} (default)" if r.get("default") else r["min_passage_words"],
          r["pairs"], r["sentences"], three(r["recall"]), three(r["precision"]),
          r["passages"], r["spurious"], r["ms_per_pair"]] for r in rows],
    )  # fmt: skip


def align_speed_table(rows: list[dict[str, Any]]) -> str:
    """Time and traced memory of dedupe.align on long documents."""
    return table(
        ["paragraphs A x B", "text kB", "runs", "median ms", "min ms", "peak traced MiB"],
        [[f"{r['a_paragraphs']:,} x {r['b_paragraphs']:,}", r["text_kb"], r["repeats"],
          r["median_ms"], r["min_ms"], r["peak_traced_mib"]] for r in rows],
    )  # fmt: skip


def seeds_table(rows: list[dict[str, Any]]) -> str:
    """The seed articles' pairs: exact scores, truth, and whether dedupe reported them."""
    return table(
        ["pair", "exact jaccard", "containment a in b", "containment b in a", "truth",
         "dedupe reports"],
        [[f"{r['a']} / {r['b']}", r["jaccard"], r["containment_ab"], r["containment_ba"],
          r["truth"], r["reported"]] for r in rows],
    )  # fmt: skip


def purity_table(result: dict[str, Any]) -> str:
    """The cluster purity table of :func:`benchmarks.clusters.run`'s rows."""
    return table(
        ["rule", "clusters", "largest", "purity", "merges of separate stories",
         "must-not-merge groups joined", "clusters merged by hub documents",
         "story pairs in one cluster", "hubs listed", "true hubs listed with their groups"],
        [[r["rule"], r["clusters"], r["largest"], r["purity"], r["merges"],
          f"{r['groups_joined']} / {r['groups']}", r["merged_by_hubs"],
          f"{r['story_pairs_together']} / {r['story_pairs']}", r["hubs"],
          f"{r['true_hubs_listed']} / {r['true_hubs']}"] for r in result["rows"]],
    )  # fmt: skip


# --- scale -------------------------------------------------------------------------------

#: Injected kinds of the scale corpora, in table order.
SCALE_KINDS = ("near_duplicate", "excerpt", "excerpt_embedded", "roundup", "alert")


def _scale_label(tool: str) -> str:
    if tool == "load":
        return "Python + corpus loaded (memory floor)"
    return LABELS[tool] + (" (batches)" if tool in ("rensa", "datasketch_bulk") else "")


def scale_corpus_table(rows: list[dict[str, Any]]) -> str:
    """The generated corpora: size, lengths, injected pairs (all / reaching the thresholds),
    must-not-merge groups, and how long making them took."""
    out = []
    for r in rows:
        c = r["corpus"]
        truth = c.get("truth", {})
        cells = [f"{truth[k]['pairs']:,} / {truth[k]['reach']:,}" if k in truth else "-"
                 for k in SCALE_KINDS]  # fmt: skip
        groups = c.get("groups_by_kind", {})
        made = (
            "cached" if c.get("cached") else f"{c['seconds']:.0f} s ({c['docs_per_s']:,.0f} docs/s)"
        )
        out.append([
            r["docs"], c["text_mb"],
            f"{c['words_median']:.0f} / {c['words_mean']:.0f} ({c['words_p5']:.0f}-"
            f"{c['words_p95']:.0f})", *cells,
            f"{groups.get('roundup', 0):,} / {groups.get('shared_quote', 0):,}", made,
        ])  # fmt: skip
    return table(
        ["docs", "text MB", "words median / mean (5%-95%)",
         *[f"{k} pairs" for k in SCALE_KINDS],
         "groups: roundups / shared quotes", "generated in"],
        out,
    )  # fmt: skip


def scale_speed_table(rows: list[dict[str, Any]]) -> str:
    """Time and memory of every tool at every size (memory figures: see benchmarks.scale)."""
    out = []
    for r in rows:
        for tool, s in r["tools"].items():
            if "error" in s:
                out.append([r["docs"], _scale_label(tool), *["-"] * 8, s["error"]])
                continue
            workers = s.get("workers") or 0
            note = _stages(s) if tool != "load" else ""
            if s.get("runs", 1) > 1:
                note = f"median of {s['runs']} runs" + (f"; {note}" if note else "")
            out.append([
                r["docs"], _scale_label(tool),
                "-" if tool == "load" else s["seconds"],
                "-" if tool == "load" else s["docs_per_s"],
                "-" if tool == "load" else s["mb_per_s"],
                s["main_hwm_mb"],
                f"{workers}: {fmt(s['worker_peak_mb'])} / {fmt(s['workers_sum_peak_mb'])}"
                if workers else "-",
                s["tree_rss_peak_mb"], s["tree_pss_peak_mb"], "-" if tool == "load" else s["pairs"],
                note,
            ])  # fmt: skip
    return table(
        ["docs", "tool", "seconds", "docs/s", "MB/s", "main peak RSS MB",
         "worker processes: largest peak / peak sum MB", "whole tree peak RSS MB",
         "whole tree peak PSS MB", "pairs reported", "note"],
        out,
    )  # fmt: skip


def _recall_cell(c: dict[str, Any] | None) -> str:
    if not c or not c.get("reach"):
        return "-"
    return f"{fmt(c['recall'])} ({c['found']:,}/{c['reach']:,})"


def scale_recall_table(rows: list[dict[str, Any]]) -> str:
    """Recall of the injected pairs by kind, stray pairs, and must-not-merge groups joined."""
    out = []
    for r in rows:
        for tool, s in r["tools"].items():
            if tool == "load" or "error" in s or "scores" not in s:
                continue
            sc = s["scores"]
            rec = sc["recall"]
            g, j = sc["groups"], sc["groups_joined"]
            out.append([
                r["docs"], _scale_label(tool), *[_recall_cell(rec.get(k)) for k in SCALE_KINDS],
                _recall_cell(rec.get("all")), sc["outside_truth"], sc["inside_groups"],
                f"{j.get('roundup', 0):,} / {g.get('roundup', 0):,}",
                f"{j.get('shared_quote', 0):,} / {g.get('shared_quote', 0):,}",
            ])  # fmt: skip
    return table(
        ["docs", "tool", *SCALE_KINDS, "all injected", "reported pairs outside the truth",
         "reported pairs inside a must-not-merge group", "roundups joined into one cluster",
         "shared-quote groups joined"],
        out,
    )  # fmt: skip


# --- plots --------------------------------------------------------------------------------


def plots(results: dict[str, Any], out: Path) -> list[str]:
    """PNG plots into ``out`` when matplotlib is installed; the file names written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    sweep = results.get("quality", {}).get("sweep") or []
    if sweep:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for ax, axis in zip(axes, ("jaccard", "containment")):
            rows = [r for r in sweep if r["axis"] == axis]
            xs = [r[axis] for r in rows]
            for key, label in (("precision", "precision"), ("recall", "recall (truth)"),
                               ("recall_vs_exact", "recall vs exact")):  # fmt: skip
                ax.plot(xs, [r[key] if r[key] is not None else float("nan") for r in rows],
                        marker="o", label=label)  # fmt: skip
            other = "containment" if axis == "jaccard" else "jaccard"
            held = rows[0][other] if rows else None
            ax.set_xlabel(f"{axis} threshold ({other} held at {held})")
            ax.set_ylim(0, 1.05)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.suptitle("dedupe.find_duplicates: precision and recall vs thresholds")
        fig.tight_layout()
        fig.savefig(out / "thresholds.png", dpi=110)
        plt.close(fig)
        written.append("thresholds.png")
    speed = {t: s for t, s in (results.get("speed") or {}).items()
             if t != "load" and "error" not in s}  # fmt: skip
    if speed:
        fig, ax = plt.subplots(figsize=(8, 3.5))
        names = [LABELS[t] for t in speed]
        ax.barh(names, [s["docs_per_s"] for s in speed.values()])
        ax.set_xlabel("documents per second (median of runs)")
        ax.invert_yaxis()
        fig.tight_layout()
        fig.savefig(out / "speed.png", dpi=110)
        plt.close(fig)
        written.append("speed.png")
    scale = results.get("scale") or []
    if scale:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        tools = [t for t in dict.fromkeys(t for r in scale for t in r["tools"]) if t != "load"]
        for tool in tools:
            pts = [(r["docs"], r["tools"][tool]) for r in scale
                   if tool in r["tools"] and "error" not in r["tools"][tool]]  # fmt: skip
            if not pts:
                continue
            ax1.plot([d for d, _ in pts], [s["seconds"] for _, s in pts], marker="o",
                     label=LABELS[tool])  # fmt: skip
            ax2.plot([d for d, _ in pts], [s["tree_rss_peak_mb"] for _, s in pts], marker="o",
                     label=LABELS[tool])  # fmt: skip
        for ax, ylabel in ((ax1, "seconds"), (ax2, "whole process tree peak RSS MB")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("documents (generated news)")
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
        ax1.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "scaling.png", dpi=110)
        plt.close(fig)
        written.append("scaling.png")
    return written


# --- README -------------------------------------------------------------------------------


def _markers(name: str) -> tuple[str, str]:
    """The README markers of a block: ``bench`` (default run) or ``bench-corpus``."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def _block(name: str) -> re.Pattern[str]:
    start, end = _markers(name)
    return re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)


def check_readme(readme: Path, name: str = "bench", *, after: str | None = None) -> str:
    """The README's text, or :class:`ReadmeError` when it has no benchmark block ``name``
    (nor, with ``after``, the block ``after`` that a new ``name`` block would follow)."""
    if not readme.is_file():
        raise ReadmeError(f"{readme} not found: run from the repository root")
    text = readme.read_text(encoding="utf-8")
    if _block(name).search(text) or (after is not None and _block(after).search(text)):
        return text
    start, end = _markers(name)
    raise ReadmeError(
        f"{readme} has no benchmark block: add a line {start} and a line "
        f"{end} where the table should go, then run again"
    )


def update_readme(
    readme: Path, block: str, name: str = "bench", *, after: str | None = None
) -> None:
    r"""Replace the text between the ``name`` markers in ``readme`` with ``block``; with
    ``after``, a page without ``name`` markers gets them, around ``block``, after the
    ``after`` block (so a new benchmark writes its first block itself).

    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "results.md"
    >>> _ = page.write_text("<!-- a:start -->\nA\n<!-- a:end -->\n\n## next\n")
    >>> update_readme(page, "B1", "b", after="a"); update_readme(page, "B2", "b", after="a")
    >>> print(page.read_text())
    <!-- a:start -->
    A
    <!-- a:end -->
    <BLANKLINE>
    <!-- b:start -->
    B2
    <!-- b:end -->
    <BLANKLINE>
    ## next
    <BLANKLINE>
    """
    text = check_readme(readme, name, after=after)
    start, end = _markers(name)
    fresh = f"{start}\n{block.strip()}\n{end}"
    if _block(name).search(text):
        new = _block(name).sub(lambda _: fresh, text, count=1)
    else:
        assert after is not None  # check_readme found the ``after`` block
        new = _block(after).sub(lambda m: f"{m.group(0)}\n\n{fresh}", text, count=1)
    readme.write_text(new, encoding="utf-8")


def _table_rows(markdown: str) -> dict[str, list[str]]:
    """Rows of the Markdown tables in ``markdown`` by their first cell."""
    rows: dict[str, list[str]] = {}
    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.setdefault(cells[0], cells[1:])
    return rows


def headline(speed: str, recall: str) -> str:
    r"""The README's headline table from the speed and recall-vs-exact sections of a run:
    seconds, documents per second and recall of each of :data:`HEADLINE_TOOLS` it ran.

    >>> speed = "| tool | docs | median s | docs/s |\n| dedupe.find_duplicates | 9 | 0.5 | 18 |"
    >>> recall = "| tool | pairs | found | recall |\n| dedupe.find_duplicates | 4 | 4 | 1.00 |"
    >>> headline(speed, recall).splitlines()[-1]
    '| dedupe.find_duplicates | 0.5 | 18 | 1.00 |'
    """
    s, r = _table_rows(speed), _table_rows(recall)
    lines = ["| tool | seconds | docs/s | recall vs exact |", "|---|---|---|---|"]
    for tool in HEADLINE_TOOLS:
        if tool in s and tool in r and s[tool][1] != "-":
            lines.append(f"| {tool} | {s[tool][1]} | {s[tool][2]} | {r[tool][2]} |")
    return "\n".join(lines)


# --- OCR and re-worded copies ---------------------------------------------------------------

#: CER bands of the OCR tables, in order (see :data:`benchmarks.ocr_scale.BANDS`).
OCR_BANDS = ("<2%", "2-5%", "5-10%", "10-20%", ">20%")
#: The dev set's sources, to cite wherever figures measured on it are shown.
OCR_CITATION = (
    'Dev set sources (CC BY 4.0): BLN600, Thomas, Gaizauskas, Lu, "BLN600: A Parallel Corpus '
    'of Machine/Human Transcribed Nineteenth Century Newspaper Texts", LREC-COLING 2024, '
    "doi:10.15131/shef.data.25439023; impresso NZZ black-letter ground truth, Stroebel, "
    "Clematide et al., zenodo 3333627."
)


def _band_cell(c: dict[str, Any] | None) -> str:
    if not c or not c.get("pairs"):
        return "-"
    return f"{fmt(c['recall'])} ({c['found']:,}/{c['pairs']:,})"


def ocr_scale_markdown(
    rows: list[dict[str, Any]], opts: dict[str, Any], jaccard: float, containment: float
) -> str:
    """The section of :mod:`benchmarks.ocr_scale`: corpus, time and memory of both modes,
    fuzzy's ratios against the targets, recall by CER band."""
    from .ocr_scale import TARGET_MEMORY_RATIO, TARGET_SPEED_RATIO

    sizes = ", ".join(f"{r['docs']:,}" for r in rows)
    speed, recall, ratio = [], [], []
    for r in rows:
        c = r["corpus"]
        for tool, s in r["tools"].items():
            label = LABELS[tool]
            if "error" in s:
                speed.append([r["docs"], label, *["-"] * 8, s["error"]])
                continue
            speed.append([r["docs"], label, s["seconds"], s["docs_per_s"], s["main_hwm_mb"],
                          s["tree_rss_peak_mb"], s["kb_per_doc"], s["tree_pss_peak_mb"],
                          s["pss_kb_per_doc"], s["pairs"], _stages(s)])  # fmt: skip
            b, sc = s["bands"], s["scores"]
            joined = f"{sum(sc['groups_joined'].values())} / {sum(sc['groups'].values())}"
            recall.append([r["docs"], label, _band_cell(b.get("clean")),
                           *[_band_cell(b.get(k)) for k in OCR_BANDS], _band_cell(b.get("all")),
                           sc["outside_truth"], joined])  # fmt: skip
        q = r.get("ratios") or {}
        if q:
            ratio.append([
                r["docs"], f"{q['speed']:.2f}x", "met" if q["speed_met"] else "**missed**",
                f"{q['memory']:.2f}x", _times(q["memory_pss"]),
                "met" if q["memory_met"] else "**missed**",
            ])  # fmt: skip
        noised = f"{c['noised_docs']:,} of the {c['docs']:,} documents noised"
    return "\n\n".join([
        f"### At scale with OCR noise: dedupe default vs fuzzy ({sizes} documents)",
        "The scale benchmark's generated news (`benchmarks/news.py`, generator trained on "
        f"{rows[0]['corpus']['trained_on']}, seed {opts['seed']}), with "
        f"{opts['share']:.0%} of the re-published copies (near-duplicates' copies and "
        "excerpts) replaced by OCR-noised versions made by `benchmarks/ocr_noise.py` "
        f"(target CER drawn in turn in each band; {noised}). Each mode runs "
        f"{'once' if opts['repeats'] == 1 else str(opts['repeats']) + ' times'} in its own "
        "process, watched from outside as in the scale benchmark.",
        table(["docs", "mode", "seconds", "docs/s", "main peak RSS MB", "whole tree peak RSS MB",
               "RSS KB per doc", "whole tree peak PSS MB", "PSS KB per doc", "pairs reported",
               "stages"], speed),
        "Stages: dedupe's own progress lines (`progress=\"lines\"`, every stage reported): "
        "indexing (normalising, sketching in worker processes, storing keys), candidate pairs "
        "(the key join), verifying (exact scores; in fuzzy mode also the fuzzy score), "
        "clustering." + "".join(f" {w}" for w in (_where_time_goes(r) for r in rows) if w),
        "Memory as in the scale benchmark: the whole tree is the mode's process and its "
        "forked workers (RSS counts pages they share in every process, PSS splits them; PSS "
        "sampled every second). The memory target is judged on both: met only when each "
        "ratio measured is within it.",
        table(["docs", "fuzzy docs/s over default", f"target >= {TARGET_SPEED_RATIO}",
               "fuzzy memory per doc over default (RSS)", "same (PSS)",
               f"target <= {TARGET_MEMORY_RATIO}"], ratio),
        table(["docs", "mode", "recall: not noised", *[f"CER {k}" for k in OCR_BANDS], "all",
               "reported outside the truth", "must-not-merge groups joined"], recall),
        "Recall over the injected pairs whose clean versions reach Jaccard "
        f"{jaccard} or containment {containment}, by the measured CER (Levenshtein distance / "
        "clean length) of the noised copy. \"Outside the truth\": reported pairs that were "
        "not injected (default mode verifies them by exact scores; fuzzy also by its fuzzy "
        "score). Timings on a machine shared with other jobs are indicative.",
    ])  # fmt: skip


def _where_time_goes(row: dict[str, Any]) -> str:
    """A sentence on the stages that make fuzzy mode slower, from the row's own stage
    times (empty when the speed target is met or stages are missing).

    >>> _where_time_goes({"docs": 10, "ratios": {"speed_met": False}, "tools": {
    ...     "dedupe": {"seconds": 2.0, "stages": {"indexing": 1.0, "verifying": 0.5}},
    ...     "dedupe_fuzzy": {"seconds": 9.0, "stages": {"indexing": 4.0, "verifying": 4.5}}}})
    'At 10 documents fuzzy mode takes 7.0 s more than default: verifying +4.0 s, indexing +3.0 s.'
    """
    q = row.get("ratios") or {}
    d, f = row["tools"].get("dedupe", {}), row["tools"].get("dedupe_fuzzy", {})
    if q.get("speed_met", True) or not d.get("stages") or not f.get("stages"):
        return ""
    diff = {k: v - d["stages"].get(k, 0.0) for k, v in f["stages"].items()}
    parts = [f"{k} {v:+.1f} s" for k, v in sorted(diff.items(), key=lambda x: -x[1]) if v > 0]
    return (
        f"At {row['docs']:,} documents fuzzy mode takes {f['seconds'] - d['seconds']:.1f} s "
        f"more than default: {', '.join(parts)}."
    )


def ocr_markdown(ocr: dict[str, Any]) -> str:
    """The section "OCR and re-worded copies" (see :mod:`benchmarks.ocr_bench`)."""
    from .ocr_bench import markdown

    text = markdown(ocr)
    rows = ocr.get("pan_like")
    if rows:
        text += (
            "\n\n### Shared passages on PAN-like reuse (`benchmarks/pan_like.py`: passages of "
            "40-1,000 words pasted into 3,000-word unrelated texts, as is, lightly re-worded, "
            "or OCR-noised; PAN 2013 character measures of `dedupe.align(...).passages`)\n\n"
            "| obfuscation | reused passages | detections | precision | recall | granularity "
            "| plagdet | seconds |\n|---|---|---|---|---|---|---|---|\n"
        )
        text += "\n".join(
            f"| {r['obfuscation']} | {r['cases']:,} | {r['detections']:,} | "
            f"{r['precision']:.3f} | {r['recall']:.3f} | {r['granularity']:.3f} | "
            f"{r['plagdet']:.3f} | {r['seconds']:.2f} |"
            for r in rows
        )
    return text
