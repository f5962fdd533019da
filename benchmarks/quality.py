"""Quality measures: detection against the generator's truth and against exact scores,
threshold sweeps, paragraph alignment against the true correspondence, and shared
passages against the sentences the generator copied.

A reported pair is scored against the generated truth like this:

* a generated re-publication (positive) -> true positive;
* a generated hard negative -> false positive;
* any other pair -> false positive, unless its exact scores reach the thresholds (the two
  texts really do overlap that much, by chance or through a shared base): then it is
  counted apart as ``extra_supported`` and left out of precision.

>>> from benchmarks.generate import Pair
>>> truth = {("a", "b"): Pair("a", "b", ("typos",), True),
...          ("c", "d"): Pair("c", "d", ("shared_quotes",), False)}
>>> s = detection_scores({("a", "b"), ("c", "d")}, truth, supported=set())
>>> s["all"]["tp"], s["all"]["fp"], s["all"]["precision"], s["all"]["recall"]
(1, 1, 0.5, 1.0)
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from dedupe.text import word_spans

from .exact import ExactPair
from .generate import Corpus, Pair


def _ratio(n: int, d: int) -> float | None:
    return n / d if d else None


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None or p + r == 0:
        return None if p is None or r is None else 0.0
    return 2 * p * r / (p + r)


def _doc_kind(doc_id: str) -> str | None:
    return doc_id.split("~", 1)[1] if "~" in doc_id else None


def detection_scores(
    found: Iterable[tuple[str, str]],
    truth: Mapping[tuple[str, str], Pair],
    *,
    supported: set[tuple[str, str]],
) -> dict[str, dict[str, Any]]:
    """Precision, recall and F1 overall (``"all"``) and by edit kind.

    ``found`` holds sorted id pairs; ``supported`` the sorted pairs whose exact scores reach
    the thresholds. By kind, recall is over that kind's generated pairs and precision
    charges each false positive to the edit kind of the derived documents it touches.
    """
    found = set(found)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    layouts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for k, pair in truth.items():
        kind = pair.kinds[0]
        for layout in (x for x in pair.kinds if x.startswith("layout:") and pair.positive):
            layouts[layout][0] += k in found
            layouts[layout][1] += 1
        if pair.positive:
            counts[kind]["positives"] += 1
            counts["all"]["positives"] += 1
            if k in found:
                counts[kind]["tp"] += 1
                counts["all"]["tp"] += 1
        else:
            counts[kind]["negatives"] += 1
            counts["all"]["negatives"] += 1
            if k in found:
                counts[kind]["fp"] += 1
                counts["all"]["fp"] += 1
    for k in found - truth.keys():
        if k in supported:
            counts["all"]["extra_supported"] += 1
            continue
        counts["all"]["fp"] += 1
        for kind in {_doc_kind(k[0]), _doc_kind(k[1])} - {None}:
            counts[kind]["fp"] += 1
    out: dict[str, dict[str, Any]] = {}
    for kind, c in counts.items():
        tp, fp, pos = c["tp"], c["fp"], c["positives"]
        p, r = _ratio(tp, tp + fp), _ratio(tp, pos)
        out[kind] = {
            "positives": pos,
            "negatives": c["negatives"],
            "tp": tp,
            "fp": fp,
            "fn": pos - tp,
            "extra_supported": c["extra_supported"],
            "precision": p,
            "recall": r,
            "f1": _f1(p, r),
        }
    # Recall by the layout of the re-published text (precision does not split by layout).
    for layout, (tp, pos) in sorted(layouts.items()):
        out[layout] = {"positives": pos, "negatives": 0, "tp": tp, "fp": 0, "fn": pos - tp,
                       "extra_supported": 0, "precision": None, "recall": _ratio(tp, pos),
                       "f1": None}  # fmt: skip
    return out


def recall_vs_exact(
    found: Mapping[tuple[str, str], Any] | set[tuple[str, str]],
    exact: list[ExactPair],
    *,
    max_misses: int = 20,
    min_shingles: int = 0,
    jaccard: float = 0.5,
) -> dict[str, Any]:
    """Share of the exact pairs (all pairs above the thresholds) that were found; the misses.

    With ``min_shingles`` (dedupe matches texts with fewer distinct shingles on Jaccard
    only), recall is also given apart for pairs whose smaller text is that short, split by
    whether their Jaccard reaches ``jaccard``. Misses are listed regular pairs first.
    """
    want = {(p.a, p.b): p for p in exact}
    hit = [k for k in want if k in found]

    def group(p: ExactPair) -> str:
        if min(p.size_a, p.size_b) >= min_shingles:
            return "regular"
        return "short_jaccard" if p.jaccard >= jaccard else "short_containment_only"

    groups: dict[str, list[int]] = {}
    for k, p in want.items():
        g = groups.setdefault(group(p), [0, 0])
        g[0] += k in found
        g[1] += 1
    misses = sorted(
        (p for k, p in want.items() if k not in found),
        key=lambda p: (group(p) != "regular", -max(p.jaccard, p.containment_ab, p.containment_ba)),
    )
    return {
        "exact_pairs": len(want),
        "found": len(found),
        "found_in_exact": len(hit),
        "recall": _ratio(len(hit), len(want)),
        "misses": len(misses),
        "missed": [m.to_dict() | {"group": group(m)} for m in misses[:max_misses]],
        "found_not_in_exact": len(set(found) - want.keys()),
        "min_shingles": min_shingles,
        "groups": {
            g: {"found": v[0], "pairs": v[1], "recall": _ratio(*v)} for g, v in groups.items()
        },
    }


def sweep(
    detect: Callable[..., list],
    corpus: Corpus,
    exact_floor: list[ExactPair],
    *,
    jaccards: Iterable[float],
    containments: Iterable[float],
    default_jaccard: float,
    jaccard_axis_containment: float,
    progress: Callable[[], None] = lambda: None,
) -> list[dict[str, Any]]:
    """Run ``detect`` at each threshold, one axis moved at a time.

    The containment axis keeps Jaccard at ``default_jaccard``; the Jaccard axis holds
    containment at ``jaccard_axis_containment`` (1.0: only whole inclusion counts, so
    the Jaccard threshold is what decides). ``exact_floor`` holds every exact pair at or
    above the lowest threshold swept.
    """
    truth = corpus.truth
    settings = [(j, jaccard_axis_containment, "jaccard") for j in jaccards] + [
        (default_jaccard, c, "containment") for c in containments
    ]
    rows = []
    for jac, con, axis in settings:
        found = {(f.a, f.b) for f in detect(corpus.docs, jaccard=jac, containment=con)}
        exact = [
            p for p in exact_floor
            if p.jaccard >= jac or p.containment_ab >= con or p.containment_ba >= con
        ]  # fmt: skip
        supported = {(p.a, p.b) for p in exact}
        s = detection_scores(found, truth, supported=supported)["all"]
        rv = recall_vs_exact(found, exact, max_misses=0)
        rows.append(
            {
                "axis": axis,
                "jaccard": jac,
                "containment": con,
                "precision": s["precision"],
                "recall": s["recall"],
                "f1": s["f1"],
                "recall_vs_exact": rv["recall"],
                "reported": len(found),
            }
        )
        progress()
    return rows


# --- alignment ----------------------------------------------------------------------------


def ops_pairs(ops: Iterable[Any]) -> dict[tuple[int, int], str]:
    """Paragraph pairs ``(i, j)`` an alignment puts together, with the op kind for each."""
    out: dict[tuple[int, int], str] = {}
    for op in ops:
        if op.kind in ("only_a", "only_b"):
            continue
        for i in range(*op.a):
            for j in range(*op.b):
                out[(i, j)] = op.kind
    return out


def alignment_scores(
    align: Callable[[str, str], Iterable[Any]],
    corpus: Corpus,
    pairs: list[Pair],
    *,
    progress: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Pairing precision and recall (pooled over ``pairs``), label accuracy, ms per pair.

    ``align(a, b)`` returns ops with ``kind``, ``a`` and ``b`` ranges (``dedupe.align(a,
    b).ops`` or the difflib baseline).
    """
    tp = fp = fn = 0
    labels_ok = labels_n = 0
    by_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    seconds = 0.0
    for pair in pairs:
        a, b = corpus.docs[pair.a], corpus.docs[pair.b]
        t0 = time.perf_counter()
        ops = list(align(a, b))
        seconds += time.perf_counter() - t0
        pred = ops_pairs(ops)
        want = dict(zip(pair.para_map, pair.labels))
        hit = pred.keys() & want.keys()
        tp += len(hit)
        fp += len(pred.keys() - want.keys())
        fn += len(want.keys() - pred.keys())
        for k, label in want.items():
            ok = pred.get(k) == label
            labels_ok += ok
            labels_n += 1
            by_label[label][0] += ok
            by_label[label][1] += 1
        progress()
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {
        "pairs": len(pairs),
        "paragraph_pairs_true": tp + fn,
        "precision": p,
        "recall": r,
        "f1": _f1(p, r),
        "label_accuracy": _ratio(labels_ok, labels_n),
        "label_accuracy_by_label": {k: _ratio(v[0], v[1]) for k, v in sorted(by_label.items())},
        "ms_per_pair": 1000 * seconds / len(pairs) if pairs else None,
    }


# --- shared passages ------------------------------------------------------------------------


def _word_starts(text: str) -> list[int]:
    return [s for _, s, _ in word_spans(text)]


def passage_scores(
    align: Callable[[str, str], Any],
    corpus: Corpus,
    pairs: list[Pair],
    *,
    min_sentence_words: int = 10,
    progress: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Shared passages against the sentences the generator copied (:attr:`Pair.copies`).

    ``align(a, b)`` returns an alignment with ``passages`` (character offsets and word
    counts, see :class:`dedupe.align.Passage`).

    * recall: share of the copied sentences of at least ``min_sentence_words`` words that
      lie inside one passage, at the same place on both sides;
    * precision: share of the word pairs the passages put together (word ``t`` of a
      passage in A with word ``t`` of it in B) where B's word was copied from that very
      word of A. Words that are equal by chance (two sentences of new material that
      happen to repeat a phrase of the base) count against it;
    * spurious: passages without a single copied word pair in place.

    >>> from benchmarks.generate import generate
    >>> from dedupe import align
    >>> c = generate(8, seed=1, regrouped_share=1.0)
    >>> pairs = [p for p in c.pairs if p.copies]
    >>> s = passage_scores(align, c, pairs)
    >>> s["pairs"] == len(pairs) and s["recall"] > 0.9 and s["precision"] > 0.9
    True
    """
    sentences = covered = 0
    word_pairs = true_pairs = 0
    spurious = n_passages = 0
    seconds = 0.0
    for pair in pairs:
        a, b = corpus.docs[pair.a], corpus.docs[pair.b]
        t0 = time.perf_counter()
        al = align(a, b)
        seconds += time.perf_counter() - t0
        sa, sb = _word_starts(a), _word_starts(b)
        runs = [
            (bisect.bisect_left(sa, p.a_start), bisect.bisect_left(sb, p.b_start), p.words)
            for p in al.passages
        ]
        source = np.full(len(sb), -1, dtype=np.int64)  # B word -> the A word it copies
        for a0, b0, n in pair.copies:
            source[b0 : b0 + n] = np.arange(a0, a0 + n)
        by_diag: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for i, j, n in runs:
            by_diag[j - i].append((i, n))
            good = int(np.count_nonzero(source[j : j + n] == np.arange(i, i + n)))
            word_pairs += n
            true_pairs += good
            spurious += good == 0
        n_passages += len(runs)
        for a0, b0, n in pair.copies:
            if n >= min_sentence_words:
                sentences += 1
                covered += any(i <= a0 and a0 + n <= i + m for i, m in by_diag[b0 - a0])
        progress()
    return {
        "pairs": len(pairs),
        "min_sentence_words": min_sentence_words,
        "sentences": sentences,
        "covered": covered,
        "recall": _ratio(covered, sentences),
        "word_pairs": word_pairs,
        "precision": _ratio(true_pairs, word_pairs),
        "passages": n_passages,
        "spurious": spurious,
        "ms_per_pair": 1000 * seconds / len(pairs) if pairs else None,
    }
