"""The scale benchmark with OCR noise: dedupe's default and fuzzy modes on generated news
where a share of the re-published copies were read by OCR.

The corpus is the scale benchmark's (:func:`benchmarks.news.news_corpus`, same size and
seed); then :data:`OCR_SHARE` of the re-published copies (the copy side of the
``near_duplicate`` and ``excerpt`` pairs) are replaced by OCR-noised versions
(:func:`benchmarks.ocr_noise.noisy_copy`), their target CER drawn in turn from each band of
:data:`TARGETS` and their measured CER recorded. The noisy corpus is cached next to the
clean one. Both modes run once per repeat in their own process, watched as the scale
benchmark watches every tool (:func:`benchmarks.scale.run_tool`): time, documents per
second and peak memory per document, with fuzzy's ratios to default and the targets
(:data:`TARGET_SPEED_RATIO`, :data:`TARGET_MEMORY_RATIO`). Recall is given by CER band over
the injected pairs whose clean versions reach the thresholds.

Run it with ``python -m benchmarks --scaling 100000 --ocr-noise``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dedupe.parallel import fork_map, resolve_workers

from . import news
from .baselines import STAGES_ENV
from .loaders import load_jsonl, write_jsonl
from .ocr_noise import noisy_copy
from .scale import _reaches, run_tool, score
from .scale import _summary as scale_summary

#: Version of the noisy corpus files (a cached file of another version is made again).
VERSION = 1
#: Share of the re-published copies that are OCR-noised.
OCR_SHARE = 0.5
#: Pairs whose copy side may be noised: kind -> which side is the copy.
COPY_SIDE = {"near_duplicate": "b", "excerpt": "a"}
#: CER bands of the tables: (label, lowest, highest) of the measured CER.
BANDS = (
    ("<2%", 0.0, 0.02),
    ("2-5%", 0.02, 0.05),
    ("5-10%", 0.05, 0.10),
    ("10-20%", 0.10, 0.20),
    (">20%", 0.20, float("inf")),
)
#: Target CER ranges drawn from, in turn (one per band; the measured CER decides the band).
TARGETS = ((0.005, 0.018), (0.022, 0.048), (0.055, 0.095), (0.11, 0.19), (0.21, 0.3))
#: The two modes compared.
TOOLS = ("dedupe", "dedupe_fuzzy")
#: Targets: fuzzy at least this share of default's documents per second, and at most this
#: multiple of its peak memory per document.
TARGET_SPEED_RATIO = 0.5
TARGET_MEMORY_RATIO = 1.5


def band_of(cer: float) -> str:
    """The label of the band ``cer`` falls in.

    >>> band_of(0.0), band_of(0.02), band_of(0.35)
    ('<2%', '2-5%', '>20%')
    """
    for label, lo, hi in BANDS:
        if lo <= cer < hi:
            return label
    return BANDS[-1][0]


def _noise_task(item: tuple[str, str, float, int], _shared: Any = None) -> tuple[str, str, float]:
    doc_id, text, target, seed = item
    noisy, got = noisy_copy(text, target, seed=seed, tries=2)
    return doc_id, noisy, got


def noisy_news(
    size: int,
    seed: int,
    *,
    cache_dir: Path,
    share: float = OCR_SHARE,
    train_on: Path | None = None,
    workers: int = 0,
) -> tuple[Path, dict[str, Any], bool]:
    """The scale corpus of ``size`` documents with ``share`` of its re-published copies
    OCR-noised: ``(path, truth, cached)``. The truth is the clean corpus's, each pair with
    ``cer`` (the measured CER of its noised side, 0.0 when neither side was noised)."""
    clean_path, truth, _ = news.news_corpus(size, seed, cache_dir=cache_dir, train_on=train_on)
    path = clean_path.with_name(clean_path.stem + f"-ocr{round(share * 100)}.jsonl")
    truth_path = path.with_suffix(".truth.json")
    if path.is_file() and truth_path.is_file():
        cached = json.loads(truth_path.read_text())
        if cached.get("ocr_version") == VERSION and cached.get("version") == truth["version"]:
            return path, cached, True
    docs = load_jsonl(clean_path)
    rng = random.Random(seed)
    chosen: dict[str, float] = {}
    for p in truth["pairs"]:
        side = COPY_SIDE.get(p["injected"])
        if side is None or p[side] in chosen or rng.random() >= share:
            continue
        lo, hi = TARGETS[len(chosen) % len(TARGETS)]
        chosen[p[side]] = rng.uniform(lo, hi)
    items = [(d, docs[d], target, seed * 100_003 + k)
             for k, (d, target) in enumerate(chosen.items())]  # fmt: skip
    measured: dict[str, float] = {}
    for doc_id, noisy, got in fork_map(_noise_task, items, resolve_workers(workers)):
        docs[doc_id] = noisy
        measured[doc_id] = got
    write_jsonl(path, docs)
    pairs = [{**p, "cer": max(measured.get(p["a"], 0.0), measured.get(p["b"], 0.0))}
             for p in truth["pairs"]]  # fmt: skip
    out = {**truth, "pairs": pairs, "ocr_version": VERSION, "ocr_share": share,
           "noised_docs": len(measured)}  # fmt: skip
    truth_path.write_text(json.dumps(out))
    return path, out, False


def band_recall(
    found: set[tuple[str, str]], truth: dict[str, Any], jaccard: float, containment: float
) -> dict[str, dict[str, Any]]:
    """Recall of the injected pairs whose clean versions reach the thresholds, by the CER
    band of their noised side (``"clean"``: neither side noised) and overall (``"all"``).

    >>> truth = {"pairs": [
    ...     {"a": "a", "b": "b", "jaccard": 0.9, "containment_ab": 0.9, "containment_ba": 0.9,
    ...      "cer": 0.07},
    ...     {"a": "c", "b": "d", "jaccard": 0.9, "containment_ab": 0.9, "containment_ba": 0.9,
    ...      "cer": 0.0}]}
    >>> r = band_recall({("a", "b")}, truth, 0.5, 0.5)
    >>> r["5-10%"]["recall"], r["clean"]["recall"], r["all"]["recall"]
    (1.0, 0.0, 0.5)
    """
    counts: dict[str, list[int]] = {k: [0, 0] for k in ["clean", *(b[0] for b in BANDS), "all"]}
    for p in truth["pairs"]:
        if not _reaches(p, jaccard, containment):
            continue
        key = (p["a"], p["b"]) if p["a"] <= p["b"] else (p["b"], p["a"])
        band = band_of(p["cer"]) if p.get("cer") else "clean"
        for k in (band, "all"):
            counts[k][0] += key in found
            counts[k][1] += 1
    return {k: {"found": f, "pairs": n, "recall": f / n if n else None}
            for k, (f, n) in counts.items()}  # fmt: skip


def run(
    sizes: tuple[int, ...],
    *,
    seed: int = 0,
    jaccard: float = 0.5,
    containment: float = 0.5,
    repeats: int = 1,
    cache_dir: Path = news.CACHE_DIR,
    max_rss_gb: float = 20.0,
    timeout_s: float = 3600.0,
    train_on: Path | None = None,
    progress: Callable[[], None] = lambda: None,
    describe: Callable[[str], None] = lambda _: None,
) -> list[dict[str, Any]]:
    """Both modes at every size; one row per size with the corpus, each mode's time,
    memory and scores, and fuzzy's ratios to default."""
    rows = []
    for size in sorted(sizes):
        describe(f"ocr scale: noisy corpus of {size:,} docs")
        path, truth, cached = noisy_news(size, seed, cache_dir=cache_dir, train_on=train_on)
        bands: dict[str, int] = {}
        for p in truth["pairs"]:
            if p.get("cer") and _reaches(p, jaccard, containment):
                bands[band_of(p["cer"])] = bands.get(band_of(p["cer"]), 0) + 1
        row: dict[str, Any] = {
            "docs": size, "corpus": {**truth["stats"], "path": str(path), "cached": cached,
            "trained_on": truth["trained_on"], "noised_docs": truth["noised_docs"],
            "share": truth["ocr_share"], "pairs_by_band": bands}, "tools": {},
        }  # fmt: skip
        for tool in TOOLS:
            describe(f"ocr scale: {tool} on {size:,} docs")
            runs = []
            for _ in range(repeats):
                r = run_tool(tool, path, jaccard=jaccard, containment=containment,
                             timeout_s=timeout_s, max_rss_mb=max_rss_gb * 1024,
                             extra_env={STAGES_ENV: "1"})  # fmt: skip
                progress()
                runs.append(r)
                if "error" in r:
                    break
            row["tools"][tool] = _summary(runs, truth, jaccard, containment)
        row["ratios"] = ratios(row["tools"])
        rows.append(row)
    return rows


def _summary(
    runs: list[dict[str, Any]], truth: dict[str, Any], jaccard: float, containment: float
) -> dict[str, Any]:
    """The scale benchmark's summary of a mode's runs (:func:`benchmarks.scale._summary`),
    with memory per document and recall by CER band."""
    out = scale_summary(runs, truth, jaccard, containment)
    if "error" in out:
        return {"error": out["error"]}
    tree, pss, first = out["tree_rss_peak_mb"], out["tree_pss_peak_mb"], runs[0]
    out["kb_per_doc"] = tree * 1024 / out["docs"]
    out["pss_kb_per_doc"] = pss * 1024 / out["docs"] if pss else None
    out["bands"] = band_recall(first["found"], truth, jaccard, containment)
    out.setdefault("scores", score(first["found"], truth, jaccard, containment))
    return out


def ratios(tools: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Fuzzy over default: speed (docs/s, higher is better) and memory per document (whole
    tree peak RSS, and PSS where both have it), with whether the targets are met.

    >>> r = ratios({"dedupe": {"docs_per_s": 100.0, "kb_per_doc": 10.0, "pss_kb_per_doc": None},
    ...             "dedupe_fuzzy": {"docs_per_s": 40.0, "kb_per_doc": 12.0,
    ...                              "pss_kb_per_doc": None}})
    >>> r["speed"], r["speed_met"], r["memory"], r["memory_met"]
    (0.4, False, 1.2, True)
    """
    d, f = tools.get("dedupe", {}), tools.get("dedupe_fuzzy", {})
    if "error" in d or "error" in f or not d or not f:
        return {}
    speed = f["docs_per_s"] / d["docs_per_s"]
    memory = f["kb_per_doc"] / d["kb_per_doc"]
    pss = (f["pss_kb_per_doc"] / d["pss_kb_per_doc"]
           if f.get("pss_kb_per_doc") and d.get("pss_kb_per_doc") else None)  # fmt: skip
    return {
        "speed": speed,
        "speed_met": speed >= TARGET_SPEED_RATIO,
        "memory": memory,
        "memory_pss": pss,
        "memory_met": memory <= TARGET_MEMORY_RATIO and (pss is None or pss <= TARGET_MEMORY_RATIO),
    }
