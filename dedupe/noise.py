"""Character-level noise: telling a word misread by OCR (or split or joined by the scan)
from an editorial change (a word replaced, added or removed; a changed number).

Used by fuzzy verification (:mod:`dedupe.verify`) and by the word diff of an alignment
(:mod:`dedupe.align.worddiff`). Pure functions over words.

>>> misread("council", "cmincil"), misread("rain", "snow")
(True, False)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz.distance import Indel, Levenshtein

__all__ = [
    "INSERT_LETTERS",
    "MISREAD_SIMILARITY",
    "block_edits",
    "changed_blocks",
    "misread",
]

#: A word counts as the same word misread (OCR noise, not a change) when its characters are
#: more similar than this to what stands in its place (rapidfuzz Indel similarity; for words
#: of three characters or fewer, the same once the letters OCR confuses are folded).
MISREAD_SIMILARITY = 0.5
#: Words of the other text standing where a text has none count as one change when they
#: hold at least this many letters (fewer: stray marks, junk of the scan).
INSERT_LETTERS = 3
# Letters OCR engines confuse, each class folded to one letter (short words only).
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("li", "h"), ("ii", "u"))
_CLASSES = str.maketrans("1ij!|t0caonvf5yh8k3", "llllllleeeeuusvbbbs")


def _fold(word: str) -> str:
    for x, y in _PAIRS:
        word = word.replace(x, y)
    return word.translate(_CLASSES)


def misread(a: str, b: str, *, similarity: float = MISREAD_SIMILARITY) -> bool:
    """Whether ``b`` stands where ``a`` stood as OCR noise rather than a change: their
    characters are similar (for a word of three characters or fewer: the same once the
    letters OCR confuses are folded, such as ``tbe`` and ``the``), and when both hold
    digits, the digits are the same (a changed number is a change).

    >>> misread("council", "cmincil"), misread("the", "tbe"), misread("rain", "snow")
    (True, True, False)
    >>> misread("1,200", "1,250"), misread("tuesday", "tuesdav"), misread("monday", "friday")
    (False, True, False)
    """
    da = "".join(c for c in a if c.isdigit())
    db = "".join(c for c in b if c.isdigit())
    if da and db and da != db:
        return False
    if len(a) <= 3 and _fold(a) == _fold(b):
        return True
    return Indel.normalized_similarity(a, b) > similarity


def changed_blocks(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """The changed parts of two word sequences as ``(i1, i2, j1, j2)``: ``a[i1:i2]`` stands
    where ``b[j1:j2]`` stands (a word-level Levenshtein alignment, neighbouring changes
    joined, and two changes around one short equal word of three characters or fewer joined
    too: a misread line often keeps an "of" in the middle).

    >>> changed_blocks("the cat slept on the mat".split(), "the cot slept in a mat".split())
    [(1, 2, 1, 2), (3, 5, 3, 5)]
    >>> changed_blocks("the cat sat on the mat".split(), "the cot sat in a mat".split())
    [(1, 5, 1, 5)]
    """
    codes: dict[str, str] = {}
    sa = "".join(codes.setdefault(w, chr(0x100 + len(codes))) for w in a)
    sb = "".join(codes.setdefault(w, chr(0x100 + len(codes))) for w in b)
    out: list[list[int]] = []
    equal_short = False  # the last block is one short equal word after a change
    for op in Levenshtein.opcodes(sa, sb):
        tag, i1, i2, j1, j2 = op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end
        if tag == "equal":
            equal_short = bool(out) and i2 - i1 == 1 and len(a[i1]) <= 3
            if not equal_short:
                out.append([-1, -1, -1, -1])  # a separator
            continue
        if out and out[-1][0] >= 0:  # join with the change before (across a short word)
            out[-1][1], out[-1][3] = i2, j2
        else:
            out.append([i1, i2, j1, j2])
        equal_short = False
    return [(x[0], x[1], x[2], x[3]) for x in out if x[0] >= 0]


def block_edits(
    a: Sequence[str], b: Sequence[str], *, similarity: float = MISREAD_SIMILARITY
) -> tuple[list[int], bool]:
    """Within one changed block, which words of ``a`` were changed (not misread), and
    whether ``b`` adds words of its own (:data:`INSERT_LETTERS` letters or more). The
    characters of ``b`` are aligned to those of ``a``, spaces taken out, so that a word
    split or joined by the scan (``to day``, ``tothe``) maps onto its letters.

    >>> block_edits(["cmincil", "met"], ["council", "mot"])
    ([], False)
    >>> block_edits(["rain"], ["heavy", "snow"])
    ([0], False)
    >>> block_edits([], ["breaking"])
    ([], True)
    """
    if not a:
        return [], sum(c.isalpha() for w in b for c in w) >= INSERT_LETTERS
    if not b:
        return list(range(len(a))), False
    sa, sb = "".join(a), "".join(b)
    at = np.zeros(len(sa) + 1, dtype=np.int64)  # where each character of a lands in b
    for op in Levenshtein.opcodes(sa, sb):
        i1, i2, j1 = op.src_start, op.src_end, op.dest_start
        if op.tag != "insert":
            at[i1:i2] = np.arange(j1, j1 + i2 - i1) if op.tag != "delete" else j1
    at[len(sa)] = len(sb)
    changed, start = [], 0
    for k, word in enumerate(a):
        end = start + len(word)
        if not misread(word, sb[at[start] : at[end]], similarity=similarity):
            changed.append(k)
        start = end
    return changed, False
