"""Re-measure the main statistics of ``ocr_noise_model.json`` from the OCR dev set and
print them next to the shipped model's (``python -m benchmarks.ocr_noise_fit [PATH]``).

The definitions are those of :mod:`benchmarks.ocr_noise`'s docstring: each article's clean
and OCR texts are aligned by Levenshtein edit operations (rapidfuzz), neighbouring
operations grouped into edit blocks, and the blocks counted by the class of the clean
character where they start. Re-measured here: the CER, the event rate by class, the most
frequent confusions and the word-level rates (hyphen splits, splits, merges, junk runs),
and the burst shape (gamma shape of the error counts of 60-character segments, by the
method of moments with the Poisson part taken out). The generic distributions and the
calibration are not re-measured. The burst shape is the one figure that differs from the
shipped model (see :mod:`benchmarks.ocr_noise`). Figures from the dev set cite its sources (see
:data:`benchmarks.report.OCR_CITATION`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from .ocr_bench import DEV_SET, load_dev
from .ocr_noise import _class, load_model
from .report import OCR_CITATION

#: Dev set source -> noise profile.
PROFILE_OF = {"bln600": "en-19c", "nzz": "de-fraktur"}
#: Length of the segments whose error counts give the burst shape.
SEGMENT = 60


def blocks(clean: str, ocr: str) -> list[tuple[int, str, str]]:
    """Edit blocks ``(clean position, clean text, OCR text)``.

    >>> blocks("the cat", "tbe cat")
    [(1, 'h', 'b')]
    """
    out: list[tuple[int, str, str]] = []
    joined = False  # the previous operation was an edit: this one extends its block
    for op in Levenshtein.opcodes(clean, ocr):
        if op.tag == "equal":
            joined = False
            continue
        src, dst = clean[op.src_start : op.src_end], ocr[op.dest_start : op.dest_end]
        if joined:
            pos, s, d = out.pop()
            out.append((pos, s + src, d + dst))
        else:
            out.append((op.src_start, src, dst))
        joined = True
    return out


def measure(articles: list[dict[str, Any]]) -> dict[str, Any]:
    """The statistics of one profile's articles."""
    chars = words = spaces = distance = 0
    by_class: Counter[str] = Counter()
    events: Counter[str] = Counter()
    confusions: Counter[tuple[str, str]] = Counter()
    hyphen = split = merge = junk = 0
    segments: list[int] = []
    for a in articles:
        clean, ocr = a["clean"], a["ocr"]
        chars += len(clean)
        words += len(clean.split())
        spaces += clean.count(" ")
        distance += Levenshtein.distance(clean, ocr)
        by_class.update(_class(c) for c in clean)
        per_segment = [0] * (len(clean) // SEGMENT + 1)
        for pos, src, dst in blocks(clean, ocr):
            at = clean[pos] if pos < len(clean) else " "
            per_segment[min(pos // SEGMENT, len(per_segment) - 1)] += 1
            before = clean[pos - 1 : pos]
            if not src and dst.strip(" ") == "-" and before.isalpha() and at.isalpha():
                hyphen += 1
            elif not src and dst == " " and before.isalpha() and at.isalpha():
                split += 1
            elif src == " " and not dst:
                merge += 1
            elif not src and len(dst) >= 4:
                junk += 1
            else:  # a character-level event (word-level ones have rates of their own)
                events[_class(at)] += 1
                if len(src) <= 3 and len(dst) <= 3:
                    confusions[(src, dst)] += 1
        segments += per_segment[:-1]
    mean = statistics.fmean(segments) if segments else 0.0
    var = statistics.pvariance(segments) if len(segments) > 1 else 0.0
    shape = mean * mean / (var - mean) if var > mean else float("inf")
    return {
        "pairs": len(articles),
        "clean_chars": chars,
        "measured_cer": distance / chars if chars else 0.0,
        "event_rate_by_class": {k: events[k] / n for k, n in by_class.items() if n},
        "hyphen_split_per_word": hyphen / words if words else 0.0,
        "word_split_per_word": split / words if words else 0.0,
        "word_merge_per_space": merge / spaces if spaces else 0.0,
        "junk_per_word": junk / words if words else 0.0,
        "burst_shape": shape,
        "top_confusions": confusions.most_common(10),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ocr_noise_fit", description=__doc__)
    p.add_argument("path", nargs="?", type=Path, default=DEV_SET, help="the dev set (.jsonl.gz)")
    args = p.parse_args(argv)
    if not args.path.is_file():
        print(f"{args.path} not found: nothing to measure", file=sys.stderr)
        return 2
    articles = load_dev(args.path)
    model = load_model()["profiles"]
    for source, profile in PROFILE_OF.items():
        got = measure([a for a in articles if a["source"] == source])
        shipped = model[profile]
        print(f"## {profile} ({source}, {got['pairs']} articles, {got['clean_chars']:,} chars)")
        for k in ("measured_cer", "hyphen_split_per_word", "word_split_per_word",
                  "word_merge_per_space", "junk_per_word", "burst_shape"):  # fmt: skip
            print(f"{k:24} measured {got[k]:.5f}   shipped {shipped.get(k, float('nan')):.5f}")
        for cls, rate in sorted(got["event_rate_by_class"].items()):
            was = shipped["event_rate_by_class"].get(cls)
            print(f"event rate {cls:13} measured {rate:.5f}   shipped "
                  + ("-" if was is None else f"{was:.5f}"))  # fmt: skip
        print("top confusions:", ", ".join(f"{s!r}->{d!r} {n}" for (s, d), n in
                                            got["top_confusions"]))  # fmt: skip
    print(OCR_CITATION)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
