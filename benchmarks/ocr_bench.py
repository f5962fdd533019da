"""OCR and re-worded copies (issue 21): recall and false links by character error rate,
dedupe's default and fuzzy modes next to the MinHash tools and exact word 5-gram overlap,
in one run.

Two sources of pairs:

* **generated** (always): the main job's generated collection (:mod:`benchmarks.generate`:
  base articles, their re-publications and same-topic hard negatives) plus, for each base
  article, an OCR-read copy (:func:`benchmarks.ocr_noise.noisy_copy`, its target CER drawn
  in turn from each band of :data:`benchmarks.ocr_scale.TARGETS`, its measured CER deciding
  its band) and a lightly re-worded copy (every N-th word replaced by another word of the
  collection, N in turn from :data:`REWORD_EVERY`). A pair is a base and its copy;
* **dev set** (when ``../shared/data/ocr-newspapers-dev.jsonl.gz`` exists; said when it
  does not): each article's OCR text and its corrected text in one collection; a pair is
  the two texts of one article, banded by the dev set's ``cer`` field.

A *false link* is a reported pair of two different stories: on generated data, two
documents that no generated positive pair connects (through any chain: a base, its
re-publications and copies are one story; the seeds 000 and 001 are one story); on the
dev set, two texts of different articles. A false link counts in the row of each copy it
touches, and once in the total.

Also here: the precision guards of fuzzy mode (the seed articles, and the generated
collection's quality by edit kind next to default mode), and the coverage of the clean
text by ``dedupe.align(clean, ocr).passages`` by CER band (dev set and generated copies).
"""

from __future__ import annotations

import gzip
import json
import random
import re
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dedupe.unionfind import UnionFind

from .baselines import DETECTORS, LABELS
from .exact import ExactPair, exact_pairs
from .generate import Corpus, key
from .ocr_noise import noisy_copy
from .ocr_scale import BANDS, TARGETS, band_of
from .quality import detection_scores
from .report import OCR_CITATION, fmt, table

REPO = Path(__file__).resolve().parents[1]
#: The OCR development set (not shipped; see its README beside it).
DEV_SET = REPO.parent / "shared" / "data" / "ocr-newspapers-dev.jsonl.gz"
#: Dev set articles used per mode (None: all of them).
DEV_LIMIT: dict[str, int | None] = {"tiny": 24, "default": None, "full": None}
#: Tools compared, in table order.
TOOLS = ("dedupe", "dedupe_fuzzy", "datasketch_bulk", "rensa", "exact")
#: Re-worded copies: one word in N replaced, N taken in turn from these.
REWORD_EVERY = (50, 20, 10, 5)
#: Thresholds of every tool (the library's defaults).
JACCARD = 0.5
CONTAINMENT = 0.5
#: Row labels of the bands, in order.
BAND_ROWS = tuple(f"OCR, CER {b[0]}" for b in BANDS)
REWORD_ROWS = tuple(f"re-worded: 1 word in {n}" for n in REWORD_EVERY)
_WORD = re.compile(r"[A-Za-z]{2,}")


def tool_label(tool: str) -> str:
    """How a tool is named in this section's tables."""
    if tool == "exact":
        return "exact word 5-gram overlap (Jaccard or containment >= 0.5)"
    return LABELS[tool]


@dataclass(frozen=True)
class Copy:
    """A pair to find: ``original`` and its ``copy``, the table row it counts in, and the
    copy's measured CER (0.0 for re-worded copies)."""

    original: str
    copy: str
    row: str
    cer: float = 0.0


def reword(text: str, every: int, *, seed: int, vocabulary: list[str]) -> str:
    """``text`` with every ``every``-th word (of two letters or more) replaced by another
    word drawn from ``vocabulary`` (capitalised like the word it replaces).

    >>> reword("one two three four five six", 2, seed=1, vocabulary=["x"])
    'one x three x five x'
    """
    rng = random.Random(seed)
    count = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        if count % every:
            return m.group()
        word = m.group()
        other = word
        for _ in range(8):
            other = rng.choice(vocabulary)
            if other.lower() != word.lower():
                break
        return other.capitalize() if word[:1].isupper() else other.lower()

    return _WORD.sub(swap, text)


def _bases(corpus: Corpus) -> list[str]:
    return [d for d, src in corpus.sources.items() if src in ("seed", "synthetic-markov")]


def generated_collection(corpus: Corpus, *, seed: int = 0) -> tuple[dict[str, str], list[Copy]]:
    """The generated collection plus an OCR copy and a re-worded copy of each base
    article (ids ``<base>~ocr`` and ``<base>~reworded``), and the pairs to find."""
    docs = dict(corpus.docs)
    vocabulary = sorted({w for t in corpus.docs.values() for w in _WORD.findall(t)})
    copies: list[Copy] = []
    rng = random.Random(seed)
    for k, base in enumerate(_bases(corpus)):
        lo, hi = TARGETS[k % len(TARGETS)]
        noisy, cer = noisy_copy(corpus.docs[base], rng.uniform(lo, hi), seed=seed * 7919 + k)
        docs[f"{base}~ocr"] = noisy
        copies.append(Copy(base, f"{base}~ocr", f"OCR, CER {band_of(cer)}", cer))
        every = REWORD_EVERY[k % len(REWORD_EVERY)]
        docs[f"{base}~reworded"] = reword(corpus.docs[base], every, seed=seed * 7919 + k,
                                          vocabulary=vocabulary)  # fmt: skip
        copies.append(Copy(base, f"{base}~reworded", f"re-worded: 1 word in {every}"))
    return docs, copies


def stories(ids: Iterable[str], links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each id's story: the connected components of ``links``.

    >>> s = stories("abcd", [("a", "b"), ("b", "c")])
    >>> s["a"] == s["c"] != s["d"]
    True
    """
    groups = UnionFind()
    for a, b in links:
        groups.union(a, b)
    return {i: groups.find(i) for i in ids}


def score_rows(
    found: set[tuple[str, str]],
    copies: list[Copy],
    story: Mapping[str, str],
    rows: Iterable[str],
) -> dict[str, dict[str, Any]]:
    """Recall and false links per row, and ``"all"``: the pairs of every row, every false
    link once (found pairs are sorted id pairs).

    >>> copies = [Copy("a", "a~ocr", "r1", 0.05), Copy("b", "b~ocr", "r1", 0.05)]
    >>> story = {"a": "a", "a~ocr": "a", "b": "b", "b~ocr": "b", "c": "c"}
    >>> s = score_rows({("a", "a~ocr"), ("a~ocr", "c")}, copies, story, ["r1"])
    >>> s["r1"]["recall"], s["r1"]["false_links"], s["all"]["false_links"]
    (0.5, 1, 1)
    """
    out = {r: {"pairs": 0, "found": 0, "false_links": 0} for r in [*rows, "all"]}
    row_of = {c.copy: c.row for c in copies}
    for c in copies:
        hit = key(c.original, c.copy) in found
        for r in (c.row, "all"):
            out.setdefault(r, {"pairs": 0, "found": 0, "false_links": 0})
            out[r]["pairs"] += 1
            out[r]["found"] += hit
    for a, b in found:
        if story[a] == story[b]:
            continue
        out["all"]["false_links"] += 1
        for r in {row_of.get(a), row_of.get(b)} - {None}:
            out[r]["false_links"] += 1
    for v in out.values():
        v["recall"] = v["found"] / v["pairs"] if v["pairs"] else None
    return out


def _detect(tool: str, docs: Mapping[str, str]) -> tuple[set[tuple[str, str]], float]:
    t0 = time.perf_counter()
    found = DETECTORS[tool](docs, jaccard=JACCARD, containment=CONTAINMENT)
    return {key(f.a, f.b) for f in found}, time.perf_counter() - t0


def _compare(
    docs: Mapping[str, str],
    copies: list[Copy],
    story: Mapping[str, str],
    rows: tuple[str, ...],
    tools: Iterable[str],
    progress: Callable[[], None],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tool in tools:
        found, seconds = _detect(tool, docs)
        out[tool] = {"seconds": seconds, "reported": len(found),
                     "rows": score_rows(found, copies, story, rows), "_found": found}  # fmt: skip
        progress()
    return out


def run_generated(
    corpus: Corpus,
    *,
    seed: int = 0,
    tools: Iterable[str] = TOOLS,
    supported: Iterable[tuple[str, str]] = (),
    progress: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Every tool on the generated collection with OCR and re-worded copies. Stories join
    the generated positive pairs, each copy with its original, and the ``supported``
    pairs (the collection's pairs whose exact scores reach the thresholds: texts that
    really overlap that much are no false link, as in
    :func:`benchmarks.quality.detection_scores`)."""
    docs, copies = generated_collection(corpus, seed=seed)
    links = [(p.a, p.b) for p in corpus.pairs if p.positive]
    links += [(c.original, c.copy) for c in copies]
    links += list(supported)
    story = stories(docs, links)
    return {
        "docs": len(docs),
        "bases": len(_bases(corpus)),
        "cer": {r: _cer_stats([c.cer for c in copies if c.row == r]) for r in BAND_ROWS},
        "tools": _compare(docs, copies, story, (*BAND_ROWS, *REWORD_ROWS), tools, progress),
        "_copies": copies,
        "_docs": docs,
    }


def _cer_stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median": statistics.median(values), "max": max(values)}


def load_dev(path: Path = DEV_SET, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The dev set's articles (the first ``limit``)."""
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if limit is not None and len(rows) >= limit:
                break
    return rows


def run_dev(
    articles: list[dict[str, Any]],
    *,
    tools: Iterable[str] = TOOLS,
    progress: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Every tool on the dev set's OCR and clean texts in one collection."""
    docs: dict[str, str] = {}
    copies = []
    for a in articles:
        docs[f"{a['id']}~clean"], docs[f"{a['id']}~ocr"] = a["clean"], a["ocr"]
        copies.append(Copy(f"{a['id']}~clean", f"{a['id']}~ocr", f"OCR, CER {band_of(a['cer'])}",
                           a["cer"]))  # fmt: skip
    story = {d: d.rsplit("~", 1)[0] for d in docs}
    by_source: dict[str, int] = {}
    for a in articles:
        by_source[a["source"]] = by_source.get(a["source"], 0) + 1
    return {
        "articles": len(articles),
        "docs": len(docs),
        "by_source": by_source,
        "tools": _compare(docs, copies, story, BAND_ROWS, tools, progress),
    }


def coverage(clean: str, ocr: str) -> float:
    """Share of ``clean``'s characters inside the clean-side spans of
    ``dedupe.align(clean, ocr).passages`` (their union).

    >>> text = "The council met on Monday to discuss the new railway line and its cost."
    >>> coverage(text, text) > 0.9
    True
    """
    import dedupe

    spans = sorted((p.a_start, p.a_end) for p in dedupe.align(clean, ocr).passages)
    covered = end = 0
    for s, e in spans:
        s = max(s, end)
        if e > s:
            covered += e - s
            end = e
    return covered / len(clean) if clean else 0.0


def passage_coverage(
    pairs: Iterable[tuple[str, str, float]], *, progress: Callable[[], None] = lambda: None
) -> dict[str, dict[str, Any]]:
    """Coverage of the clean text by passages by CER band: ``pairs`` of (clean, ocr, cer);
    per band the articles, mean and median coverage, and ms per alignment."""
    by: dict[str, list[tuple[float, float]]] = {}
    for clean, ocr, cer in pairs:
        t0 = time.perf_counter()
        c = coverage(clean, ocr)
        ms = 1000 * (time.perf_counter() - t0)
        for b in (band_of(cer), "all"):
            by.setdefault(b, []).append((c, ms))
        progress()
    out = {}
    for b in [*(x[0] for x in BANDS), "all"]:
        v = by.get(b, [])
        cov = [c for c, _ in v]
        out[b] = {
            "articles": len(v),
            "mean": statistics.fmean(cov) if cov else None,
            "median": statistics.median(cov) if cov else None,
            "under_half": sum(c < 0.5 for c in cov),
            "ms_per_pair": statistics.fmean(ms for _, ms in v) if v else None,
        }
    return out


def guards(
    corpus: Corpus,
    found: Mapping[str, set[tuple[str, str]]],
    exact: list[ExactPair] | None = None,
) -> dict[str, Any]:
    """Fuzzy mode's precision guards: the seed pairs it reports, and detection quality by
    edit kind on the generated collection, default next to fuzzy. ``found`` holds each
    mode's pairs from its run on the collection with the copies (see :func:`run`): the
    pairs of two documents of ``corpus`` are scored against its truth."""
    import dedupe

    seeds = {k: v for k, v in corpus.docs.items() if corpus.sources.get(k) == "seed"}
    reported = [
        {"a": m.a, "b": m.b, "kind": m.kind, "jaccard": m.jaccard,
         "containment_ab": m.containment_ab, "containment_ba": m.containment_ba,
         "fuzzy": m.fuzzy}
        for m in dedupe.find_duplicates(seeds, fuzzy=True).matches
    ]  # fmt: skip
    if exact is None:
        exact = exact_pairs(corpus.docs, jaccard=JACCARD, containment=CONTAINMENT)
    supported = {(p.a, p.b) for p in exact}
    detection = {}
    for tool, pairs in found.items():
        inside = {p for p in pairs if p[0] in corpus.docs and p[1] in corpus.docs}
        detection[tool] = detection_scores(inside, corpus.truth, supported=supported)
    return {"seeds": sorted(reported, key=lambda r: (r["a"], r["b"])), "detection": detection}


def run(
    corpus: Corpus,
    *,
    mode: str,
    seed: int = 0,
    exact: list[ExactPair] | None = None,
    dev_path: Path = DEV_SET,
    unavailable: Mapping[str, str] | None = None,
    progress: Callable[[], None] = lambda: None,
    describe: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """The whole section: generated rows, dev set rows (or why skipped), passages, guards."""
    tools = [t for t in TOOLS if t not in (unavailable or {})]
    out: dict[str, Any] = {"tools": tools, "unavailable": dict(unavailable or {})}
    describe("ocr: generated copies")
    if exact is None:
        exact = exact_pairs(corpus.docs, jaccard=JACCARD, containment=CONTAINMENT)
    supported = [(p.a, p.b) for p in exact]
    gen = run_generated(corpus, seed=seed, tools=tools, supported=supported, progress=progress)
    copies, docs = gen.pop("_copies"), gen.pop("_docs")
    found = {t: r.pop("_found") for t, r in gen["tools"].items()}
    out["generated"] = gen
    describe("ocr: passages on generated copies")
    out["generated_passages"] = passage_coverage(
        (docs[c.original], docs[c.copy], c.cer) for c in copies if c.row in BAND_ROWS
    )
    if dev_path.is_file():
        limit = DEV_LIMIT.get(mode)
        articles = load_dev(dev_path, limit=limit)
        describe("ocr: dev set")
        out["dev"] = run_dev(articles, tools=tools, progress=progress)
        for r in out["dev"]["tools"].values():
            r.pop("_found")
        out["dev"]["path"] = str(dev_path)
        out["dev"]["limit"] = limit
        describe("ocr: passages on the dev set")
        out["dev_passages"] = passage_coverage((a["clean"], a["ocr"], a["cer"]) for a in articles)
    else:
        out["dev"] = {"skipped": f"{dev_path} not found: dev set rows skipped"}
    describe("ocr: precision guards")
    out["guards"] = guards(
        corpus, {t: found[t] for t in ("dedupe", "dedupe_fuzzy") if t in found}, exact
    )
    progress()
    return out


# --- Markdown ---------------------------------------------------------------------------------


def _cell(r: dict[str, Any] | None) -> str:
    if not r or not r["pairs"]:
        return "-" if not r or not r["false_links"] else f"FL {r['false_links']}"
    return f"{fmt(r['recall'])} ({r['found']}/{r['pairs']}), FL {r['false_links']}"


def rows_table(result: dict[str, Any], rows: tuple[str, ...]) -> str:
    """Recall (found/pairs) and false links (FL) per row, one column per tool."""
    tools = result["tools"]
    body = []
    for r in [*rows, "all"]:
        first = next(iter(tools.values()))["rows"].get(r)
        if r != "all" and (not first or not first["pairs"]):
            continue
        body.append([f"**{r}**" if r == "all" else r, first["pairs"] if first else 0,
                     *[_cell(t["rows"].get(r)) for t in tools.values()]])  # fmt: skip
    body.append(["seconds (whole collection)", "-", *[t["seconds"] for t in tools.values()]])
    return table(["copies", "pairs", *[tool_label(t) for t in tools]], body)


def coverage_table(cov: dict[str, dict[str, Any]]) -> str:
    """Coverage of the clean text by passages, by CER band."""
    return table(
        ["CER band", "articles", "mean coverage", "median coverage", "articles under 0.5",
         "ms per alignment"],
        [[b, v["articles"], v["mean"], v["median"], v["under_half"], v["ms_per_pair"]]
         for b, v in cov.items() if v["articles"]],
    )  # fmt: skip


def markdown(ocr: dict[str, Any]) -> str:
    """The section's Markdown."""
    from .report import detection_table

    gen = ocr["generated"]
    cer = gen["cer"]
    cer_note = ", ".join(f"{r.removeprefix('OCR, CER ')} median {v['median']:.3f}"
                         for r, v in cer.items() if v.get("n"))  # fmt: skip
    parts = [
        "### OCR and re-worded copies: recall and false links by character error rate",
        f"Generated (embedded): the main job's collection ({gen['bases']} base articles, "
        "their re-publications and same-topic hard negatives) plus, for each base article, "
        "an OCR-read copy made by `benchmarks/ocr_noise.py` (error statistics measured on "
        "the dev set below; target CER drawn in turn in each band, measured CER "
        "(Levenshtein distance / clean length) deciding the band: "
        f"{cer_note}) and a copy with one word in N replaced by another word of the "
        f"collection: {gen['docs']:,} documents in one collection, every tool at Jaccard "
        f"{JACCARD} / containment {CONTAINMENT}.",
        rows_table(gen, (*BAND_ROWS, *REWORD_ROWS)),
        "Cells: recall (found / pairs), FL = false links: reported pairs of two different "
        "stories that touch a copy of the row (a story: a base article, its re-publications "
        "and copies, joined with any document whose exact scores with one of them reach the "
        "thresholds; seeds 000 and 001 one story); the **all** row counts every false link "
        "once, including those between the collection's other documents.",
    ]
    dev = ocr["dev"]
    if "skipped" in dev:
        parts.append(f"Dev set: **skipped** ({dev['skipped']}).")
    else:
        src = ", ".join(f"{n} {s}" for s, n in dev["by_source"].items())
        limit = f" (the first {dev['limit']})" if dev.get("limit") else ""
        parts += [
            f"### The same on real OCR: the dev set ({dev['articles']} articles{limit}: {src})",
            f"Each article's OCR text and corrected text in one collection of {dev['docs']} "
            "texts; a pair is the two texts of one article, banded by the dev set's CER; a "
            "false link is a reported pair of two different articles.",
            rows_table(dev, BAND_ROWS),
            OCR_CITATION,
        ]
    parts += ["### Shared passages on OCR text: coverage of the clean text",
              "The union of the clean-side character spans of `dedupe.align(clean, "
              "ocr).passages` over the clean text's length, by CER band."]  # fmt: skip
    if "dev_passages" in ocr:
        parts += ["Dev set:", coverage_table(ocr["dev_passages"]), OCR_CITATION]
    parts += ["Generated OCR copies:", coverage_table(ocr["generated_passages"])]
    g = ocr["guards"]
    seeds = ", ".join(f"{r['a']}-{r['b']} ({r['kind']}, fuzzy {fmt(r['fuzzy'])})"
                      for r in g["seeds"]) or "none"  # fmt: skip
    parts += [
        "### Precision guards of fuzzy mode",
        f"Seed articles, `find_duplicates(seeds, fuzzy=True)`: reports {seeds} (expected: "
        "only seed-000 / seed-001).",
    ]
    if g["detection"]:
        parts += [
            "The main job's generated collection, default next to fuzzy (precision / recall "
            "/ F1 by edit kind; hard-negative rows count false positives; the pairs of its "
            "documents reported by the runs above, on the collection with the copies):",
            detection_table(g["detection"]),
        ]
    if ocr.get("unavailable"):
        parts.append("; ".join(f"{t}: not measured ({why})"
                               for t, why in ocr["unavailable"].items()))  # fmt: skip
    return "\n\n".join(parts)
