"""Provenance of patchwork articles: :meth:`dedupe.Index.provenance` against the truth of
every character.

A **patchwork** is stitched from runs of 1-3 consecutive paragraphs of 2-4 source
articles (in a random order), plus 1-2 paragraphs of original text; ``EDITED_SHARE`` of
the runs have 1 to 3 consecutive words changed every ``EDIT_EVERY`` words or so (a desk's
light edits).
Paragraphs are joined by blank lines. Each paragraph's characters carry its true source
(the article it came from) or ``None`` (original text).

The index holds the corpus (the sources are among its documents). Original paragraphs
are text no indexed document was made from: in the generated run, new sentences from the
generator's Markov chain over the seed articles (which repeat short runs of seed text by
chance); with a real corpus, paragraphs of held-out articles (left out of the index) that
share less than ``ORIGINAL_MAX_CONTAINMENT`` of their shingles with any indexed document,
so that they are not copies, yet hold the corpus's formulas.

Scores count the word characters (not whitespace) of the patchworks' paragraphs:

* **source text, right source**: credited to its true source, or to an earlier-added
  document that holds the same text while the true source holds it too (the rule prefers
  the earliest copy; the true source is then among the holders); ``strict`` counts only
  the true source itself;
* **original text, None**: credited to no document;
* **all**: both together, the issue's target (>= 0.95).

>>> from benchmarks.generate import generate
>>> corpus = generate(12, seed=1, regrouped_share=0.0)
>>> rows = run_generated(corpus, n=6, seed=1, settings=((12, 3),))
>>> rows["rows"][0]["all"] > 0.9, rows["rows"][0]["queries"]
(True, 6)
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

import dedupe
from dedupe.provenance import MAX_GAP, MIN_WORDS
from dedupe.text import paragraphs

from .generate import Markov, load_seeds
from .report import table

__all__ = [
    "EDITED_SHARE",
    "EDIT_EVERY",
    "ORIGINAL_MAX_CONTAINMENT",
    "SETTINGS",
    "Patchwork",
    "make_patchworks",
    "provenance_table",
    "run_corpus",
    "run_generated",
    "score",
]

#: Share of the copied runs that get light edits, and about how many words per edit.
EDITED_SHARE = 0.3
EDIT_EVERY = 30
#: A held-out paragraph sharing this share of its shingles with one indexed document is a
#: copy, not original text, and is not used.
ORIGINAL_MAX_CONTAINMENT = 0.5
#: Articles held out of the index (with a real corpus) to draw original paragraphs from.
HELD_OUT = 150
#: (min_words, max_gap) settings measured: the defaults, then one option moved at a time.
SETTINGS = tuple(
    dict.fromkeys(
        [(MIN_WORDS, MAX_GAP)]
        + [(w, MAX_GAP) for w in (8, 10, 12, 16, 20)]
        + [(MIN_WORDS, g) for g in (0, 1, 2, 3, 6)]
    )
)


@dataclass(frozen=True)
class Patchwork:
    """A patchwork text and the true source of each paragraph: ``parts`` are
    ``(start, end, source)`` character ranges (``None``: original text)."""

    text: str
    parts: tuple[tuple[int, int, str | None], ...]


_WORD = re.compile(r"\w+")


def _edit(text: str, rng: random.Random) -> str:
    """Change about one word in ``EDIT_EVERY``, in edits of 1 to 3 consecutive words (a
    typo, a rewritten name or number), never in the first or last three words."""
    found = list(_WORD.finditer(text))
    if len(found) < 12:
        return text
    starts = sorted(rng.sample(range(3, len(found) - 5), max(1, len(found) // EDIT_EVERY)))
    out, at = [], 0
    for k in starts:
        if found[k].start() < at:  # overlaps the previous edit
            continue
        last = found[k + rng.randint(0, 2)]
        words = _WORD.findall(text[found[k].start() : last.end()])
        out += [text[at : found[k].start()], " ".join(w[::-1] + "x" for w in words)]
        at = last.end()
    return "".join(out) + text[at:]


def make_patchworks(
    sources: Mapping[str, list[str]], originals: list[str], n: int, *, seed: int = 0
) -> list[Patchwork]:
    """``n`` patchworks from ``sources`` (id -> paragraphs, at least one each) and
    ``originals`` (none: patchworks of sources only); no sources: no patchworks.

    >>> pw = make_patchworks({"a": ["A one.", "A two."], "b": ["B one."]}, ["Own."], 1)[0]
    >>> sorted({s for _, _, s in pw.parts}, key=str)
    [None, 'a', 'b']
    """
    rng = random.Random(seed)
    pool = sorted(sources)
    out: list[Patchwork] = []
    for _ in range(n if pool else 0):
        pieces: list[tuple[str | None, list[str]]] = []
        for sid in rng.sample(pool, min(len(pool), rng.randint(2, 4))):
            paras = sources[sid]
            length = rng.randint(1, min(3, len(paras)))
            first = rng.randrange(len(paras) - length + 1)
            run = paras[first : first + length]
            if rng.random() < EDITED_SHARE:
                run = [_edit(p, rng) for p in run]
            pieces.append((sid, run))
        for _ in range(rng.randint(1, 2) if originals else 0):
            pieces.append((None, [rng.choice(originals)]))
        rng.shuffle(pieces)
        chunks: list[str] = []
        parts: list[tuple[int, int, str | None]] = []
        at = 0
        for sid, run in pieces:
            for p in run:
                if chunks:
                    at += 2
                chunks.append(p)
                parts.append((at, at + len(p), sid))
                at += len(p)
        out.append(Patchwork("\n\n".join(chunks), tuple(parts)))
    return out


def score(prov: dedupe.provenance.Provenance, pw: Patchwork, added: Mapping[str, int]) -> dict:
    """Word characters of ``pw`` by outcome (see the module docstring). ``added`` maps ids
    to their insertion order in the index."""
    text = pw.text
    n = len(text)
    credit = np.full(n, -1, dtype=np.int64)  # insertion order of the credited document
    for s in prov.spans:
        if s.source is not None:
            credit[s.start : s.end] = added[s.source]
    holds: dict[str, np.ndarray] = {}
    for src in prov.sources:
        mask = np.zeros(n, dtype=bool)
        for p in src.passages:
            mask[p.start : p.end] = True
        holds[src.id] = mask
    visible = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    visible = ~np.isin(visible, [32, 9, 10, 13])
    out = dict.fromkeys(("source", "strict", "earlier", "missed", "other", "original",
                         "original_none"), 0)  # fmt: skip
    for start, end, truth in pw.parts:
        sel = visible[start:end]
        got = credit[start:end][sel]
        if truth is None:
            out["original"] += int(sel.sum())
            out["original_none"] += int((got < 0).sum())
            continue
        own = added[truth]
        held = holds.get(truth, np.zeros(n, dtype=bool))[start:end][sel]
        strict = got == own
        earlier = (got >= 0) & (got < own) & held
        out["source"] += len(got)
        out["strict"] += int(strict.sum())
        out["earlier"] += int(earlier.sum())
        out["missed"] += int((got < 0).sum())
        out["other"] += int((~strict & ~earlier & (got >= 0)).sum())
    return out


def _measure(
    index: dedupe.Index,
    patchworks: list[Patchwork],
    settings: tuple[tuple[int, int], ...],
    progress: Callable[[], None],
) -> list[dict[str, Any]]:
    added = {doc_id: k for k, doc_id in enumerate(index.ids())}
    if not patchworks:  # a corpus too small to stitch any
        return []
    index.provenance(patchworks[0].text)  # warm-up: the store builds its postings
    rows = []
    for min_words, max_gap in settings:
        total: dict[str, int] = {}
        times = []
        for pw in patchworks:
            t0 = time.perf_counter()
            prov = index.provenance(pw.text, min_words=min_words, max_gap=max_gap)
            times.append(time.perf_counter() - t0)
            for k, v in score(prov, pw, added).items():
                total[k] = total.get(k, 0) + v
        right = total["strict"] + total["earlier"]
        rows.append({
            "min_words": min_words, "max_gap": max_gap,
            "default": (min_words, max_gap) == (MIN_WORDS, MAX_GAP),
            "queries": len(patchworks), **total,
            "right_source": right / total["source"] if total["source"] else None,
            "strict_source": total["strict"] / total["source"] if total["source"] else None,
            "original_to_none": (total["original_none"] / total["original"]
                                 if total["original"] else None),
            "all": ((right + total["original_none"]) / (total["source"] + total["original"])
                    if total["source"] + total["original"] else None),
            "median_ms": 1000 * statistics.median(times),
            "p90_ms": 1000 * sorted(times)[int(0.9 * (len(times) - 1))],
        })  # fmt: skip
        progress()
    return rows


def _paragraphs(text: str) -> list[str]:
    return [p.text for p in paragraphs(text)]


def run_generated(
    corpus: Any,
    *,
    n: int = 100,
    seed: int = 0,
    settings: tuple[tuple[int, int], ...] = SETTINGS,
    progress: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Patchworks of the generated corpus's base articles (seeds and synthetic, each
    added before its re-publications) and new Markov paragraphs, against an index of the
    whole corpus."""
    index = dedupe.Index()
    index.add_many(corpus.docs)
    sources = {k: _paragraphs(v) for k, v in corpus.docs.items() if "~" not in k}
    rng = random.Random(f"patchwork/{seed}")
    chain = Markov(list(load_seeds().values()))
    originals = [
        " ".join(chain.sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(200)
    ]
    patchworks = make_patchworks(sources, originals, n, seed=seed)
    return {
        "indexed": len(index),
        "patchworks": len(patchworks),
        "originals": "new Markov paragraphs over the seed articles",
        "rows": _measure(index, patchworks, settings, progress),
    }


def _original_paragraphs(held: dict[str, str], indexed: Mapping[str, str]) -> list[str]:
    """Paragraphs (8+ words) of the held-out articles that share less than
    ``ORIGINAL_MAX_CONTAINMENT`` of their shingles with every indexed document (exact,
    scipy sparse over :func:`benchmarks.exact.incidence`)."""
    from .exact import incidence

    every = (p for t in held.values() for p in _paragraphs(t))
    paras = {f"\0held-{k:06d}": p for k, p in enumerate(every)}  # ids no corpus uses
    paras = {k: p for k, p in paras.items() if len(p.split()) >= 8}
    ids, m = incidence({**paras, **indexed})
    rows = np.array([i for i, d in enumerate(ids) if d in paras])
    others = np.array([i for i, d in enumerate(ids) if d not in paras])
    sizes = np.asarray(m[rows].sum(axis=1)).ravel()
    shared = (m[rows] @ m[others].T).max(axis=1).toarray().ravel()
    keep = shared < ORIGINAL_MAX_CONTAINMENT * sizes
    return [paras[ids[i]] for i in rows[keep].tolist()]


def run_corpus(
    docs: Mapping[str, str],
    *,
    n: int = 300,
    seed: int = 0,
    settings: tuple[tuple[int, int], ...] = SETTINGS,
    progress: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Patchworks of a real corpus's articles against an index of the corpus, less
    ``HELD_OUT`` articles whose paragraphs are the original text."""
    rng = random.Random(f"patchwork/{seed}")
    ids = sorted(docs)
    held = sorted(rng.sample(ids, min(HELD_OUT, len(ids) // 10)))
    out = set(held)
    indexed = {k: v for k, v in docs.items() if k not in out}
    index = dedupe.Index()
    index.add_many(indexed, skip_empty=True)
    originals = _original_paragraphs({k: docs[k] for k in held}, indexed)
    sources = {}
    for k in index.ids():
        paras = _paragraphs(indexed[k])
        if len(paras) >= 2:
            sources[k] = paras
    patchworks = make_patchworks(sources, originals, n, seed=seed)
    return {
        "indexed": len(index),
        "patchworks": len(patchworks),
        "originals": f"{len(originals)} paragraphs of {len(held)} held-out articles",
        "rows": _measure(index, patchworks, settings, progress),
    }


def provenance_table(result: dict[str, Any]) -> str:
    """The rows of :func:`run_generated` / :func:`run_corpus` as a Markdown table (three
    digits on the shares: the target is 0.95).

    >>> row = {"min_words": 12, "max_gap": 3, "default": True, "queries": 2, "source": 90,
    ...        "original": 10, "right_source": 0.99, "strict_source": 0.9,
    ...        "original_to_none": 1.0, "all": 0.991, "median_ms": 3.0, "p90_ms": 4.0}
    >>> print(provenance_table({"indexed": 5, "rows": [row]}).splitlines()[-1])
    | 12 (default) | 3 (default) | 2 | 0.990 | 0.900 | 1.000 | 0.991 | 3.00 | 4.00 |
    """

    def three(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    rows = []
    for r in result["rows"]:
        rows.append([
            f"{r['min_words']} (default)" if r["min_words"] == MIN_WORDS else r["min_words"],
            f"{r['max_gap']} (default)" if r["max_gap"] == MAX_GAP else r["max_gap"],
            r["queries"], three(r["right_source"]), three(r["strict_source"]),
            three(r["original_to_none"]), three(r["all"]), r["median_ms"], r["p90_ms"],
        ])  # fmt: skip
    return table(
        ["min_words", "max_gap", "patchworks", "source text: right source",
         "strict: the true source itself", "original text: None", "all characters",
         f"median ms per query ({result['indexed']:,} docs)", "p90 ms"],
        rows,
    )  # fmt: skip
