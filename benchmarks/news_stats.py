"""How news-like a generated news corpus is: ``python -m benchmarks.news_stats``.

Generates ``--docs`` documents (10,000) with the embedded generator and, for each
``--train-on PATH``, with the chain trained on that corpus (for instance
``../shared/data/reuters21578.jsonl.gz``), and prints one column per generator:

* words per document (median, mean, 5th and 95th percentiles);
* vocabulary: distinct tokens (:func:`dedupe.text.words`), and the share of distinct
  word 5-gram shingles among all the documents' shingles;
* coincidental overlap: pairs of documents that are not injected truth pairs and share at
  least one shingle, and those whose Jaccard or containment (the larger way) reaches 0.1,
  0.3 and 0.5, all pairs and only pairs of different outlets (no shared footer);
* with ``--clusters``, the cluster table of the default run (:mod:`benchmarks.clusters`) on
  each generator's news.

Exact scores come from the sparse incidence product of :mod:`benchmarks.exact`.

>>> s = overlap_stats(generate_news(300, seed=1))
>>> s["docs"], s["pairs_sharing"] <= s["pairs"], s["cont>=0.5"] >= s["cont>=0.5 other outlet"]
(300, True, True)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .exact import BLOCK_ROWS, incidence
from .news import NewsCorpus, generate_news

THRESHOLDS = (0.1, 0.3, 0.5)


def overlap_stats(corpus: NewsCorpus) -> dict[str, Any]:
    """The figures listed in the module docstring (one corpus)."""
    from dedupe.text import words

    docs = corpus.docs
    ids, m = incidence(docs)
    n = len(ids)
    row = {k: i for i, k in enumerate(ids)}
    sizes = np.asarray(m.sum(axis=1)).ravel()
    ends = [sorted((row[p["a"]], row[p["b"]])) for p in corpus.truth["pairs"]]
    truth = np.unique(np.asarray([a * n + b for a, b in ends], dtype=np.int64))
    outlet = np.asarray([corpus.outlets[k] for k in ids], dtype=object)
    mt = m.T.tocsr()
    out: dict[str, Any] = {"pairs": n * (n - 1) // 2, "pairs_sharing": 0,
                           "pairs_sharing other outlet": 0}  # fmt: skip
    for t in THRESHOLDS:
        for what in ("jac", "cont"):
            out[f"{what}>={t}"] = out[f"{what}>={t} other outlet"] = 0
    for start in range(0, n, BLOCK_ROWS):
        block = (m[start : start + BLOCK_ROWS] @ mt).tocoo()
        r = block.row.astype(np.int64) + start
        c = block.col.astype(np.int64)
        keep = (c > r) & ~np.isin(r * n + c, truth)
        r, c, shared = r[keep], c[keep], block.data[keep].astype(np.float64)
        other = (outlet[r] != outlet[c]) | (outlet[r] == "")
        jac = shared / (sizes[r] + sizes[c] - shared)
        cont = np.maximum(shared / sizes[r], shared / sizes[c])
        out["pairs_sharing"] += len(r)
        out["pairs_sharing other outlet"] += int(other.sum())
        for t in THRESHOLDS:
            for what, score in (("jac", jac), ("cont", cont)):
                hit = score >= t
                out[f"{what}>={t}"] += int(hit.sum())
                out[f"{what}>={t} other outlet"] += int((hit & other).sum())
    lengths = np.asarray([len(t.split()) for t in docs.values()])
    vocab: set[str] = set()
    for t in docs.values():
        vocab.update(words(t))
    return {
        "docs": n,
        "trained_on": corpus.truth["trained_on"],
        "words_median": float(np.median(lengths)),
        "words_mean": float(lengths.mean()),
        "words_p5": float(np.percentile(lengths, 5)),
        "words_p95": float(np.percentile(lengths, 95)),
        "vocabulary": len(vocab),
        "shingles": int(sizes.sum()),
        "distinct_shingles": int(m.shape[1]),
        **out,
    }


def stats_table(columns: list[dict[str, Any]]) -> str:
    """One Markdown column per generator."""
    from .report import table

    def share(s: dict[str, Any], key: str) -> str:
        return f"{s[key]:,} ({s[key] / s['pairs']:.2%})"

    rows = [
        ["words per document: median / mean", *(f"{s['words_median']:.0f} / "
                                                f"{s['words_mean']:.0f}" for s in columns)],
        ["words per document: 5% - 95%", *(f"{s['words_p5']:.0f} - {s['words_p95']:.0f}"
                                           for s in columns)],
        ["vocabulary (distinct tokens)", *(s["vocabulary"] for s in columns)],
        ["distinct shingles / all shingles", *(f"{s['distinct_shingles'] / s['shingles']:.1%}"
                                               for s in columns)],
        ["unrelated pairs sharing a shingle (all; other outlet)",
         *(f"{share(s, 'pairs_sharing')}; {share(s, 'pairs_sharing other outlet')}"
           for s in columns)],
    ]  # fmt: skip
    for what, name in (("jac", "Jaccard"), ("cont", "containment")):
        for t in THRESHOLDS:
            rows.append([f"unrelated pairs, {name} >= {t} (all / other outlet)",
                         *(f"{s[f'{what}>={t}']:,} / {s[f'{what}>={t} other outlet']:,}"
                           for s in columns)])  # fmt: skip
    header = ["", *(f"generator trained on {s['trained_on']}" for s in columns)]
    return table(header, rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.news_stats", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--docs", type=int, default=10_000, help="documents per corpus (10,000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train-on", type=Path, action="append", default=[], metavar="PATH",
                   help="also a generator trained on this JSONL(.gz) corpus (repeatable)",
                   )  # fmt: skip
    p.add_argument("--clusters", action="store_true", help="also each generator's cluster table")
    args = p.parse_args(argv)
    for path in args.train_on:
        if not path.is_file():
            print(f"error: --train-on: no such file {path}", file=sys.stderr)
            return 2
    columns = []
    clusters = []
    for train_on in [None, *args.train_on]:
        started = time.perf_counter()
        corpus = generate_news(args.docs, args.seed, train_on=train_on)
        made = time.perf_counter() - started
        columns.append(overlap_stats(corpus))
        print(f"{columns[-1]['trained_on']}: generated in {made:.1f} s, scored in "
              f"{time.perf_counter() - started - made:.1f} s", file=sys.stderr)  # fmt: skip
        if args.clusters:
            from .clusters import run

            clusters.append(run(args.docs, args.seed, train_on=train_on))
    print(f"### Generated news, {args.docs:,} documents (seed {args.seed}), by generator\n")
    print(stats_table(columns))
    if clusters:
        from .report import purity_table

        for c in clusters:
            print(f"\n### Cluster table, generated news, generator trained on {c['trained_on']} "
                  f"({c['docs']:,} documents with quote posts, seed {c['seed']}; "
                  f"{c['pairs']:,} verified pairs)\n")  # fmt: skip
            print(purity_table(c))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
