"""Word-level diffs of paired paragraphs, as difflib-style opcodes with text offsets.

Very long sides are diffed by sentences first, then word by word inside the changed runs.
Each changed run is then cut into noise (words misread, split or joined by a scan, stray
marks: :func:`dedupe.noise.noise_runs`) and edits (words replaced, added or removed, numbers
changed); noise ops have ``noise=True``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rapidfuzz.distance import Levenshtein

from ..noise import noise_runs
from ..text import fuzzy_words
from .model import WordOp
from .sides import Encoder, sentence_cuts

__all__ = ["TextWords", "word_diff"]


class TextWords:
    """The words of two whole texts (fuzzy forms), read once, when first asked for: noise is
    judged against every word of the other text (:func:`dedupe.noise.noise_runs`).

    >>> TextWords("Tbe cat", "The Cat").sides()[1] == {"the", "cat"}
    True
    """

    def __init__(self, a_text: str, b_text: str) -> None:
        self.texts = (a_text, b_text)
        self._sides: tuple[set[str], set[str]] | None = None

    def sides(self) -> tuple[set[str], set[str]]:
        """The set of words of A and of B."""
        if self._sides is None:
            self._sides = (set(fuzzy_words(self.texts[0])), set(fuzzy_words(self.texts[1])))
        return self._sides


def _merge_opcodes(codes: Iterable[Any]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes with each run of non-equal opcodes joined into one."""
    out: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag != "equal" and out and out[-1][0] != "equal":
            _, p1, _, q1, _ = out[-1]
            out[-1] = ("change", p1, i2, q1, j2)
        else:
            out.append((tag if tag == "equal" else "change", i1, i2, j1, j2))
    return out


def word_diff(
    sa: tuple[list[int], list[int]],
    sb: tuple[list[int], list[int]],
    ca: str,
    cb: str,
    a_text: str,
    b_text: str,
    a_pos: int,
    b_pos: int,
    max_words: int,
    text_words: TextWords | None = None,
) -> tuple[tuple[WordOp, ...], str]:
    """Word opcodes of one paired op; ``sa``/``sb`` are (starts, ends) of its words;
    ``text_words`` the words of both whole texts (default: ``a_text`` and ``b_text``)."""
    (a_st, a_en), (b_st, b_en) = sa, sb
    if len(a_st) <= max_words and len(b_st) <= max_words:
        raw = _merge_opcodes(Levenshtein.opcodes(ca, cb))
        how = "words"
    else:
        how = "sentences"
        cut_a, cut_b = sentence_cuts(a_st, a_en, a_text), sentence_cuts(b_st, b_en, b_text)
        enc = Encoder()
        sym_a = "".join(enc(ca[x:y]) for x, y in zip(cut_a, cut_a[1:]))
        sym_b = "".join(enc(cb[x:y]) for x, y in zip(cut_b, cut_b[1:]))
        raw = []
        for tag, i1, i2, j1, j2 in _merge_opcodes(Levenshtein.opcodes(sym_a, sym_b)):
            w1, w2, v1, v2 = cut_a[i1], cut_a[i2], cut_b[j1], cut_b[j2]
            if tag != "equal" and w2 - w1 <= max_words and v2 - v1 <= max_words:
                for t, x1, x2, y1, y2 in _merge_opcodes(Levenshtein.opcodes(ca[w1:w2], cb[v1:v2])):
                    raw.append((t, x1 + w1, x2 + w1, y1 + v1, y2 + v1))
            else:
                raw.append((tag, w1, w2, v1, v2))
    ops = []
    words = text_words or TextWords(a_text, b_text)
    for tag, i1, i2, j1, j2, noise in _split_noise(raw, sa, sb, a_text, b_text, words):
        if i1 == i2 and j1 == j2:
            continue
        a0 = a_st[i1] if i1 < len(a_st) else (a_en[-1] if a_en else a_pos)
        a1 = a_en[i2 - 1] if i2 > i1 else a0
        b0 = b_st[j1] if j1 < len(b_st) else (b_en[-1] if b_en else b_pos)
        b1 = b_en[j2 - 1] if j2 > j1 else b0
        if tag == "change":
            tag = "replace" if i2 > i1 and j2 > j1 else ("delete" if i2 > i1 else "insert")
        ops.append(WordOp(tag, i1, i2, j1, j2, a0, a1, b0, b1, a_text[a0:a1], b_text[b0:b1], noise))
    return tuple(ops), how


def _words(span: tuple[list[int], list[int]], text: str, lo: int, hi: int) -> list[str]:
    """Words ``lo:hi`` of a side as noise is judged: each word's fuzzy form (casefolded,
    ligatures and the long s spelled out, diacritics stripped)."""
    starts, ends = span
    return ["".join(fuzzy_words(text[starts[k] : ends[k]])) for k in range(lo, hi)]


def _split_noise(
    raw: list[tuple[str, int, int, int, int]],
    sa: tuple[list[int], list[int]],
    sb: tuple[list[int], list[int]],
    a_text: str,
    b_text: str,
    text_words: TextWords,
) -> list[tuple[str, int, int, int, int, bool]]:
    """``raw`` opcodes with each changed run cut into noise and edit runs."""
    out: list[tuple[str, int, int, int, int, bool]] = []
    for tag, i1, i2, j1, j2 in raw:
        if tag == "equal":
            out.append((tag, i1, i2, j1, j2, False))
            continue
        in_a, in_b = text_words.sides()
        a, b = _words(sa, a_text, i1, i2), _words(sb, b_text, j1, j2)
        for noise, x1, x2, y1, y2 in noise_runs(a, b, a_words=in_a, b_words=in_b):
            out.append(("change", i1 + x1, i1 + x2, j1 + y1, j1 + y2, noise))
    return out
