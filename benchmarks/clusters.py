"""Cluster purity: the ``components`` and ``hubs`` rules on generated news with hubs in it.

The corpus (:func:`benchmarks.news.generate_news` with ``quote_posts=True``) holds roundup
pages (each holding most of 3-6 unrelated short articles) and shared quotes (a 15-30 word
quote inside 5-20 unrelated articles, and alone as a post). One ``find_duplicates`` run
gives the verified pairs; both rules group the same pairs, so recall of pairs is the same.

A document's true *story*: the injected pairs that reuse a story (near-duplicates,
excerpts, embedded excerpts, alerts) join their two documents; every other document is a
story of its own (a roundup page and a quote post too). Per rule:

* clusters, the largest, and *purity*: the share of clustered documents that belong to
  their cluster's most common story;
* *merges*: per cluster, the stories in it beyond the first, not counting the roundup
  pages and quote posts themselves (the hub documents), summed;
* *joined groups*: must-not-merge groups (a roundup's members, a quote's articles) with two
  members in one cluster;
* *merged by hubs*: the same pairs without the hub documents make clusters (and leave
  documents alone); the clusters of the whole corpus that hold two or more of those
  clusters or lone documents: what the hub documents chain together;
* *story pairs together*: the found story-reuse pairs whose two documents share a cluster;
* hubs listed, and how many of the true hub documents are among them with every group
  they draw from (a roundup's found members, a quote's found articles, each in its own
  group).

>>> r = run(1000, seed=1)
>>> [row["rule"] for row in r["rows"]]
['components', 'hubs']
>>> r["rows"][1]["merges"], r["rows"][1]["merged_by_hubs"]
(0, 0)
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import dedupe
from dedupe.cluster import group_matches
from dedupe.params import CLUSTER_RULES

from .news import generate_news

#: Injected kinds whose two documents tell one story (the rest are hubs' pairs).
STORY_KINDS = ("near_duplicate", "excerpt", "excerpt_embedded", "alert")
#: Documents of the default benchmark's corpus (and of --tiny, --full).
DOCS = {"tiny": 1000, "default": 10000, "full": 20000}


class _Stories:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        while self.parent.get(x, x) != x:
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _rows(
    order: list[str],
    matches: list[dedupe.Match],
    truth: dict[str, Any],
) -> list[dict[str, Any]]:
    stories = _Stories()
    for p in truth["pairs"]:
        if p["injected"] in STORY_KINDS:
            stories.union(p["a"], p["b"])
    hub_docs = {g["roundup"] for g in truth["groups"] if "roundup" in g}
    hub_docs |= {g["post"] for g in truth["groups"] if "post" in g}
    found = {frozenset((m.a, m.b)) for m in matches}
    story_pairs = [
        (p["a"], p["b"])
        for p in truth["pairs"]
        if p["injected"] in STORY_KINDS and frozenset((p["a"], p["b"])) in found
    ]
    without = [m for m in matches if m.a not in hub_docs and m.b not in hub_docs]
    rows = []
    for rule in CLUSTER_RULES[::-1]:  # components first: the old rule, then the new
        g = group_matches(order, matches, clusters=rule)
        alone = group_matches(order, without, clusters=rule)
        cluster_of = {d: i for i, c in enumerate(g.clusters) for d in c.members}
        members = sum(len(c) for c in g.clusters)
        majority = sum(
            Counter(stories.find(d) for d in c.members).most_common(1)[0][1] for c in g.clusters
        )
        merges = sum(
            max(0, len({stories.find(d) for d in c.members if d not in hub_docs}) - 1)
            for c in g.clusters
        )
        joined = sum(
            1
            for grp in truth["groups"]
            if max(Counter(cluster_of.get(d, f"-{d}") for d in grp["members"]).values()) > 1
        )
        alone_of: dict[str, Any] = {d: i for i, c in enumerate(alone.clusters) for d in c.members}
        merged_by_hubs = sum(
            1
            for c in g.clusters
            if len({alone_of.get(d, d) for d in c.members if d not in hub_docs}) > 1
        )
        together = sum(
            1 for a, b in story_pairs if a in cluster_of and cluster_of.get(a) == cluster_of.get(b)
        )
        rows.append({
            "rule": rule,
            "clusters": len(g.clusters),
            "largest": max((len(c) for c in g.clusters), default=0),
            "clustered": members,
            "purity": majority / members if members else None,
            "merges": merges,
            "groups_joined": joined,
            "groups": len(truth["groups"]),
            "merged_by_hubs": merged_by_hubs,
            "story_pairs_together": together,
            "story_pairs": len(story_pairs),
            "hubs": len(g.hubs),
            "true_hubs_listed": _true_hubs_listed(g, truth, found),
            "true_hubs": len(hub_docs),
        })  # fmt: skip
    return rows


def _true_hubs_listed(g: Any, truth: dict[str, Any], found: set[frozenset[str]]) -> int:
    """True hub documents listed as hubs that draw from every member they were found with,
    each member in a group of its own."""
    listed = {h.id: h for h in g.hubs}
    n = 0
    for grp in truth["groups"]:
        hub = grp.get("roundup") or grp.get("post")
        if hub is None or hub not in listed:
            continue
        h = listed[hub]
        matched = [m for m in grp["members"] if frozenset((hub, m)) in found]
        where = {d: k for k, ids in enumerate(h.groups) for d in ids}
        if all(m in where for m in matched) and len({where[m] for m in matched}) == len(matched):
            n += 1
    return n


def run(size: int, seed: int = 0, *, train_on: Path | None = None) -> dict[str, Any]:
    """Generate ``size`` documents (with quote posts; the embedded generator unless
    ``train_on`` names a corpus to train it on), find their pairs once, and score both rules
    (see the module docstring)."""
    started = time.perf_counter()
    corpus = generate_news(size, seed, quote_posts=True, train_on=train_on)
    generated = time.perf_counter() - started
    report = dedupe.find_duplicates(corpus.docs, clusters="components")
    matches = list(report.matches)
    grouped = time.perf_counter()
    rows = _rows(list(corpus.docs), matches, corpus.truth)
    kinds = Counter(g["kind"] for g in corpus.truth["groups"])
    return {
        "docs": len(corpus.docs),
        "seed": seed,
        "trained_on": corpus.truth["trained_on"],
        "pairs": len(matches),
        "roundups": kinds["roundup"],
        "quotes": kinds["shared_quote"],
        "generate_s": generated,
        "group_s": (time.perf_counter() - grouped) / 2,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.clusters [--docs N] [--seed S]``: print the purity table."""
    import argparse

    from .report import purity_table

    p = argparse.ArgumentParser(prog="python -m benchmarks.clusters", description=main.__doc__)
    p.add_argument("--docs", type=int, default=DOCS["default"], help="generated documents")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train-on", type=Path, metavar="PATH",
                   help="train the news generator on this JSONL(.gz) corpus instead of the "
                   "embedded generator (e.g. ../shared/data/reuters21578.jsonl.gz)")  # fmt: skip
    args = p.parse_args(argv)
    result = run(args.docs, args.seed, train_on=args.train_on)
    print(
        f"{result['docs']:,} documents of generated news, generator trained on "
        f"{result['trained_on']} (seed {result['seed']}): {result['roundups']} roundup "
        f"pages, {result['quotes']} shared quotes with their posts; {result['pairs']:,} "
        "verified pairs\n"
    )
    print(purity_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
