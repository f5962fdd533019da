"""How much of an OCR-read article :func:`dedupe.align`'s passages find in its clean
transcription, by character error rate.

For each article of the OCR development set (``../shared/data/ocr-newspapers-dev.jsonl.gz``:
an OCR engine's reading of a scanned newspaper page and its human-corrected transcription,
with their character error rate ``cer``; BLN600 and impresso NZZ, CC BY 4.0), the OCR text
is aligned with the clean one (``align(ocr, clean)``) and the *coverage* is the share of
the clean text's words inside a passage (``summary()["b_in_passages"]``). Rows give the
mean, the lowest and the share of articles covered to at least 0.95, per band of character
error rate, and the exact share of the passages' words (words identical on both sides).

``python -m benchmarks.ocr_passages [--data PATH]``: one JSON line per band.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BANDS", "DEV_SET", "coverage_by_band", "load_dev_set", "main"]

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "data" / "ocr-newspapers-dev.jsonl.gz"
#: Bands of character error rate: ``[lo, hi)``.
BANDS = ((0.0, 0.02), (0.02, 0.05), (0.05, 0.10), (0.10, 0.20), (0.20, 1.0))


def load_dev_set(path: Path = DEV_SET) -> Iterator[dict[str, Any]]:
    """The dev set's rows (raises ``FileNotFoundError`` when it is absent)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def coverage_by_band(rows: list[dict[str, Any]], **options: Any) -> list[dict[str, Any]]:
    """One row per band of :data:`BANDS` (see the module docstring)."""
    import dedupe

    per: dict[int, list[tuple[float, float, int]]] = {k: [] for k in range(len(BANDS))}
    for row in rows:
        band = next(k for k, (lo, hi) in enumerate(BANDS) if lo <= row["cer"] < hi)
        al = dedupe.align(row["ocr"], row["clean"], **options)
        words = sum(p.words for p in al.passages)
        exact = sum(getattr(p, "exact_words", p.words) for p in al.passages)
        per[band].append((al.summary()["b_in_passages"], exact / words if words else 1.0, 1))
    out = []
    for k, (lo, hi) in enumerate(BANDS):
        got = per[k]
        if not got:
            continue
        cov = np.array([g[0] for g in got])
        out.append(
            {
                "cer": f"{lo:.0%}-{hi:.0%}",
                "articles": len(got),
                "coverage_mean": round(float(cov.mean()), 4),
                "coverage_min": round(float(cov.min()), 4),
                "covered_0.95": round(float((cov >= 0.95).mean()), 4),
                "exact_share": round(float(np.mean([g[1] for g in got])), 4),
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ocr_passages", description=__doc__)
    ap.add_argument("--data", type=Path, default=DEV_SET)
    args = ap.parse_args(argv)
    rows = list(load_dev_set(args.data))
    t = time.perf_counter()
    for row in coverage_by_band(rows):
        print(json.dumps(row))
    print(json.dumps({"seconds": round(time.perf_counter() - t, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
