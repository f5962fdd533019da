"""A PAN-like text-reuse benchmark for :attr:`dedupe.align` passages, generated, no download.

PAN's text alignment task (Potthast et al., PAN 2013) pastes passages of a source document
into an unrelated *suspicious* document, verbatim or obfuscated, and scores the passages a
detector reports against them, character by character. This module builds such pairs from
an embedded word generator and scores :func:`dedupe.align`'s passages the same way.

**Texts.** Words are drawn with Zipf weights (exponent :data:`ZIPF`) from the function
words and the synthetic lexicon of :mod:`benchmarks.lexicon` (made from a fixed seed: no
corpus is copied), in sentences of 8-30 words (a capitalised first word, commas now and
then, a full stop), and paragraphs of 3-8 sentences. Unrelated texts then share common
phrases ("of the", frequent words) by chance, as real ones do, but no long runs.

**Cases.** Each pair is a source of ``doc_words`` words and a suspicious text of about as
many unrelated words into which 1-3 passages of the source (40-1,000 words each, cut at
sentence boundaries, never overlapping) are pasted between its sentences, in random order.
``obfuscation`` is applied to each pasted passage:

* ``"none"``: verbatim;
* ``"light"``: about one word in :data:`LIGHT_EVERY` edited: replaced by another word,
  deleted, a word inserted, or two neighbours swapped (a desk's light rewording);
* ``"ocr"``: about :data:`OCR_CER` of the letters misread (substituted, dropped or
  doubled), as an OCR engine would (character noise, no word changed on purpose).

Numbers are not generated, so an obfuscated passage never holds a changed figure (which
:func:`dedupe.align` rightly reports as a break).

**Scores** (Potthast et al. 2010, "An Evaluation Framework for Plagiarism Detection"): a
case and a detection are each a set of characters in both texts (the source range and the
suspicious range, from first word to last). With S the cases and R the detections of all
pairs: *recall* is the mean over cases of the share of the case's characters inside some
detection, *precision* the mean over detections of the share of the detection's characters
inside some case, *granularity* the mean number of detections overlapping a detected case,
and ``plagdet = F1 / log2(1 + granularity)``.

>>> pairs = generate(3, seed=1, obfuscation="light", doc_words=600)
>>> len(pairs), all(1 <= len(p.cases) <= 3 for p in pairs)
(3, True)
>>> c = pairs[0].cases[0]
>>> len(pairs[0].source[c.source_start : c.source_end].split()) >= 40
True
>>> s = score(pairs, lambda src, susp: [])
>>> s["recall"], s["precision"], s["granularity"]
(0.0, 1.0, 1.0)
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .lexicon import FUNCTION_WORDS, Lexicon

__all__ = ["Case", "Pair", "align_detector", "generate", "main", "score"]

#: Zipf exponent of the word generator.
ZIPF = 1.05
#: Light obfuscation: one edit about every this many words.
LIGHT_EVERY = 20
#: OCR obfuscation: share of letters misread.
OCR_CER = 0.03
#: Passage lengths, in words.
MIN_PASSAGE, MAX_PASSAGE = 40, 1_000
OBFUSCATIONS = ("none", "light", "ocr")


@dataclass(frozen=True)
class Case:
    """One pasted passage: ``source[source_start:source_end]`` became
    ``suspicious[susp_start:susp_end]`` (first word to last word)."""

    source_start: int
    source_end: int
    susp_start: int
    susp_end: int


@dataclass(frozen=True)
class Pair:
    """A source text, a suspicious text and the passages pasted from one into the other."""

    source: str
    suspicious: str
    cases: tuple[Case, ...]


class _Words:
    """Zipf-weighted words: function words and the synthetic lexicon's lower-case words."""

    def __init__(self) -> None:
        lex = Lexicon.build()
        common = sorted(FUNCTION_WORDS - {"i"})
        self.vocab = np.array(common[:60] + lex.base["low"][:20_000] + common[60:])
        ranks = np.arange(1, len(self.vocab) + 1, dtype=np.float64)
        weights = ranks**-ZIPF
        self.cum = np.cumsum(weights / weights.sum())

    def draw(self, rng: np.random.Generator, n: int) -> list[str]:
        at = np.minimum(np.searchsorted(self.cum, rng.random(n)), len(self.vocab) - 1)
        return self.vocab[at].tolist()

    def sentence(self, rng: np.random.Generator) -> str:
        words = self.draw(rng, int(rng.integers(8, 31)))
        for k in range(2, len(words) - 2):
            if rng.random() < 0.06:
                words[k] += ","
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _sentences(words: _Words, rng: np.random.Generator, n_words: int) -> list[str]:
    out: list[str] = []
    total = 0
    while total < n_words:
        s = words.sentence(rng)
        out.append(s)
        total += len(s.split())
    return out


def _light(text: str, words: _Words, rng: np.random.Generator) -> str:
    toks = text.split()
    out: list[str] = []
    k = 0
    while k < len(toks):
        # never the first or last word: a passage's edges are where it was cut
        if 0 < k < len(toks) - 1 and rng.random() < 1 / LIGHT_EVERY:
            kind = int(rng.integers(4))
            if kind == 0:  # replace
                out.append(words.draw(rng, 1)[0])
            elif kind == 1:  # delete
                pass
            elif kind == 2:  # insert
                out.extend((words.draw(rng, 1)[0], toks[k]))
            elif k + 2 < len(toks):  # swap with the next word
                out.extend((toks[k + 1], toks[k]))
                k += 1
            else:
                out.append(toks[k])
        else:
            out.append(toks[k])
        k += 1
    return " ".join(out)


_OCR_LETTERS = "acemnorsuiltbh"


def _ocr(text: str, rng: np.random.Generator) -> str:
    chars = list(text)
    last = max(i for i, c in enumerate(chars) if c.isalpha())
    first = min(i for i, c in enumerate(chars) if c.isalpha())
    out: list[str] = []
    for i, c in enumerate(chars):
        if first < i < last and c.isalpha() and rng.random() < OCR_CER:
            kind = int(rng.integers(3))
            if kind == 0:  # substituted
                out.append(_OCR_LETTERS[int(rng.integers(len(_OCR_LETTERS)))])
            elif kind == 2:  # doubled
                out.append(c + c)
            # kind 1: dropped
        else:
            out.append(c)
    return "".join(out)


def _join(sentences: list[str], rng: np.random.Generator) -> tuple[str, list[int]]:
    """The sentences as paragraphs (3-8 sentences each, blank lines between) and the
    character offset where each sentence starts."""
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    left = 0
    for k, s in enumerate(sentences):
        if k:
            sep = " "
            if left <= 0:
                sep, left = "\n\n", int(rng.integers(3, 9))
            parts.append(sep)
            pos += len(sep)
        else:
            left = int(rng.integers(3, 9))
        left -= 1
        starts.append(pos)
        parts.append(s)
        pos += len(s)
    return "".join(parts), starts


def _pair(words: _Words, rng: np.random.Generator, obfuscation: str, doc_words: int) -> Pair:
    src_sents = _sentences(words, rng, doc_words)
    source, src_starts = _join(src_sents, rng)
    sizes = np.array([len(s.split()) for s in src_sents])
    n_cases = int(rng.integers(1, 4))
    used = np.zeros(len(src_sents), dtype=bool)
    picks: list[tuple[int, int]] = []  # sentence ranges of the source
    for _ in range(n_cases):
        want = int(rng.integers(MIN_PASSAGE, MAX_PASSAGE + 1))
        for _attempt in range(20):
            a = int(rng.integers(len(src_sents)))
            b, got = a, 0
            while b < len(src_sents) and got < want and not used[b]:
                got += int(sizes[b])
                b += 1
            if got >= MIN_PASSAGE and not used[max(0, a - 1) : b + 1].any():
                used[a:b] = True
                picks.append((a, b))
                break
    pasted = []
    for a, b in picks:
        text = " ".join(src_sents[a:b])
        if obfuscation == "light":
            text = _light(text, words, rng)
        elif obfuscation == "ocr":
            text = _ocr(text, rng)
        elif obfuscation != "none":
            raise ValueError(f"unknown obfuscation {obfuscation!r}: choose {OBFUSCATIONS}")
        pasted.append((a, b, text))
    own = _sentences(words, rng, doc_words)
    slots = sorted(rng.choice(len(own) + 1, size=len(pasted), replace=False).tolist())
    order = rng.permutation(len(pasted)).tolist()
    sents: list[str] = []
    marks: list[tuple[int, int, int]] = []  # (pasted index, first sentence, end sentence)
    k = 0
    for slot, which in zip(slots, order):
        sents.extend(own[k:slot])
        k = slot
        marks.append((which, len(sents), len(sents) + 1))
        sents.append(pasted[which][2])
    sents.extend(own[k:])
    suspicious, susp_starts = _join(sents, rng)
    cases = []
    for which, s0, _s1 in marks:
        a, b, text = pasted[which]
        src_end = src_starts[b - 1] + len(src_sents[b - 1]) - 1  # before the full stop
        susp_start = susp_starts[s0]
        susp_end = susp_start + len(text.rstrip(".")) if text.endswith(".") else len(text)
        cases.append(Case(src_starts[a], src_end, susp_start, susp_end))
    cases.sort(key=lambda c: c.susp_start)
    return Pair(source, suspicious, tuple(cases))


def generate(
    n: int, *, seed: int = 0, obfuscation: str = "none", doc_words: int = 3_000
) -> list[Pair]:
    """``n`` source/suspicious pairs (see the module docstring), the same for the same
    arguments."""
    words = _Words()
    rng = np.random.default_rng([seed, OBFUSCATIONS.index(obfuscation), doc_words])
    return [_pair(words, rng, obfuscation, doc_words) for _ in range(n)]


Detection = tuple[int, int, int, int]  # source start, source end, suspicious start, end
Detector = Callable[[str, str], Sequence[Detection]]


def align_detector(**options: object) -> Detector:
    """A detector from :func:`dedupe.align`'s passages (source as A, suspicious as B)."""
    import dedupe

    def detect(source: str, suspicious: str) -> list[Detection]:
        al = dedupe.align(source, suspicious, **options)  # type: ignore[arg-type]
        return [(p.a_start, p.a_end, p.b_start, p.b_end) for p in al.passages]

    return detect


def _overlap(x0: int, x1: int, y0: int, y1: int) -> int:
    return max(0, min(x1, y1) - max(x0, y0))


def _union_len(spans: list[tuple[int, int]], lo: int, hi: int) -> int:
    """Characters of ``[lo, hi)`` inside the union of ``spans``."""
    total, reach = 0, lo
    for s, e in sorted(spans):
        s, e = max(s, reach), min(e, hi)
        if e > s:
            total += e - s
            reach = e
    return total


def score(pairs: Sequence[Pair], detect: Detector) -> dict[str, float]:
    """Character precision, recall, granularity and plagdet of ``detect`` over ``pairs``
    (see the module docstring), and the counts behind them."""
    recalls: list[float] = []
    precisions: list[float] = []
    detected: list[int] = []
    n_det = 0
    for pair in pairs:
        dets = list(detect(pair.source, pair.suspicious))
        n_det += len(dets)
        for c in pair.cases:
            hits = [
                d
                for d in dets
                if _overlap(d[0], d[1], c.source_start, c.source_end)
                and _overlap(d[2], d[3], c.susp_start, c.susp_end)
            ]
            size = (c.source_end - c.source_start) + (c.susp_end - c.susp_start)
            got = _union_len([(d[0], d[1]) for d in hits], c.source_start, c.source_end)
            got += _union_len([(d[2], d[3]) for d in hits], c.susp_start, c.susp_end)
            recalls.append(got / size)
            if hits:
                detected.append(len(hits))
        for d in dets:
            mine = [
                c
                for c in pair.cases
                if _overlap(d[0], d[1], c.source_start, c.source_end)
                and _overlap(d[2], d[3], c.susp_start, c.susp_end)
            ]
            size = (d[1] - d[0]) + (d[3] - d[2])
            got = _union_len([(c.source_start, c.source_end) for c in mine], d[0], d[1])
            got += _union_len([(c.susp_start, c.susp_end) for c in mine], d[2], d[3])
            precisions.append(got / size if size else 0.0)
    recall = float(np.mean(recalls)) if recalls else 0.0
    precision = float(np.mean(precisions)) if precisions else 1.0
    granularity = float(np.mean(detected)) if detected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "cases": len(recalls),
        "detections": n_det,
        "recall": round(recall, 4),
        "precision": round(precision, 4),
        "granularity": round(granularity, 4),
        "plagdet": round(f1 / math.log2(1 + granularity), 4),
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.pan_like [--pairs N] [--doc-words W] [--seed S]``: the
    scores of :func:`dedupe.align`'s passages for each obfuscation, one JSON line each."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.pan_like", description=__doc__)
    ap.add_argument("--pairs", type=int, default=40)
    ap.add_argument("--doc-words", type=int, default=3_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-passage-words", type=int, default=None)
    args = ap.parse_args(argv)
    opts = {} if args.min_passage_words is None else {"min_passage_words": args.min_passage_words}
    for obf in OBFUSCATIONS:
        pairs = generate(args.pairs, seed=args.seed, obfuscation=obf, doc_words=args.doc_words)
        t = time.perf_counter()
        row = score(pairs, align_detector(**opts))
        print(json.dumps({"obfuscation": obf, **row, "seconds": round(time.perf_counter() - t, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
