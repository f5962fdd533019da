"""Character-level noise: telling a word misread by OCR (or split or joined by the scan)
from an editorial change (a word replaced, added or removed; a changed number).

Used by fuzzy verification (:mod:`dedupe.verify`) and by the word diff of an alignment
(``dedupe.align.worddiff``). Pure functions over words.

>>> misread("council", "cmincil"), misread("rain", "snow")
(True, False)
>>> noise_runs("tbe cmincil voted to day".split(), "the council rejected today".split())
[(True, 0, 2, 0, 2), (False, 2, 3, 2, 3), (True, 3, 5, 3, 4)]
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache
from itertools import islice

from rapidfuzz.distance import Indel, Levenshtein

__all__ = [
    "INSERT_LETTERS",
    "MISREAD_SIMILARITY",
    "SHORT_WORD",
    "JUNK_LETTERS",
    "NOISE_JOINED_EDITS",
    "NOISE_SIMILARITY",
    "NOISE_MAX_CELLS",
    "NOISE_MAX_PIECES",
    "block_edits",
    "is_number",
    "changed_blocks",
    "misread",
    "noise_runs",
    "scan_variant",
]

#: A word counts as the same word misread (OCR noise, not a change) when its characters are
#: more similar than this to what stands in its place (rapidfuzz Indel similarity; see
#: :func:`misread` for short words).
MISREAD_SIMILARITY = 0.5
#: A word of at most this many characters counts as misread at exactly
#: :data:`MISREAD_SIMILARITY` too (``of`` read ``ot``); a longer one needs more (``monday``
#: and ``friday`` are half alike, and different days).
SHORT_WORD = 4
#: Words of the other text standing where a text has none count as one change when they
#: hold at least this many letters (fewer: stray marks, junk of the scan).
INSERT_LETTERS = 3
# Letters OCR engines confuse, each class folded to one letter (short words only).
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("li", "h"), ("ii", "u"))
_CLASSES = str.maketrans("1ij!|t0caonvf5yh8k3", "llllllleeeeuusvbbbs")


@lru_cache(maxsize=1 << 16)
def _fold(word: str) -> str:
    for x, y in _PAIRS:
        word = word.replace(x, y)
    return word.translate(_CLASSES)


def is_number(word: str) -> bool:
    """Whether a word is a number for passages: at least half of its characters are digits
    (``1889``, ``6g``; not ``airp0rt``, a letter misread as a digit). A passage never joins
    across a changed number.

    >>> [is_number(w) for w in ("1889", "6g", "airp0rt", "the")]
    [True, True, False, False]
    """
    digits = sum(c.isdigit() for c in word)
    return digits > 0 and 2 * digits >= len(word)


def misread(a: str, b: str, *, similarity: float = MISREAD_SIMILARITY) -> bool:
    """Whether ``b`` stands where ``a`` stood as OCR noise rather than a change (the fuzzy
    score's test, and the gaps of approximate passages): when both hold digits, the
    digits are the same (a changed number is a change); and either ``a`` has three
    characters or fewer and is the same once the letters OCR confuses are folded (``tbe``,
    ``the``), or their characters are more similar than ``similarity``, or exactly that
    similar when ``a`` has :data:`SHORT_WORD` characters or fewer (``of``, ``ot``).

    >>> misread("council", "cmincil"), misread("the", "tbe"), misread("rain", "snow")
    (True, True, False)
    >>> misread("1,200", "1,250"), misread("tuesday", "tuesdav"), misread("monday", "friday")
    (False, True, False)
    """
    if not (a.isalpha() or b.isalpha()):  # both may hold digits (letters hold none)
        da = "".join(c for c in a if c.isdigit())
        db = "".join(c for c in b if c.isdigit())
        if da and db and da != db:
            return False
    if len(a) <= 3 and _fold(a) == _fold(b):
        return True
    alike = Indel.normalized_similarity(a, b)
    return alike > similarity or (alike == similarity and len(a) <= SHORT_WORD)


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
    out: list[list[int]] = []
    equal_short = False  # the last block is one short equal word after a change
    for op in Levenshtein.opcodes(a, b):  # rapidfuzz compares the words as items
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
    a: Sequence[str],
    b: Sequence[str],
    *,
    similarity: float = MISREAD_SIMILARITY,
    limit: float = float("inf"),
) -> tuple[list[int], bool]:
    """Within one changed block, which words of ``a`` were changed (not misread), and
    whether ``b`` adds words of its own (:data:`~dedupe.noise.INSERT_LETTERS` letters or
    more). A block whose words pair one for one, each misread, has no change; otherwise
    the characters of ``b`` are aligned to those of ``a``, spaces taken out, so that a
    word split or joined by the scan (``to day``, ``tothe``) maps onto its letters. The
    count stops once more than ``limit`` words are changed.

    >>> block_edits(["cmincil", "met"], ["council", "mot"])
    ([], False)
    >>> block_edits(["rain"], ["heavy", "snow"])
    ([0], False)
    >>> block_edits([], ["breaking"])
    ([], True)
    >>> block_edits(["to", "day", "tothe"], ["today", "to", "the"])
    ([], False)
    """
    if not a:
        added = "".join(b)
        letters = (c for c in added if c.isalpha())
        return [], next(islice(letters, INSERT_LETTERS - 1, None), None) is not None
    if not b:
        return list(range(len(a))), False
    if len(a) == len(b) and all(
        misread(x, y, similarity=similarity) for x, y in zip(a, b, strict=True)
    ):
        return [], False
    sa, sb = "".join(a), "".join(b)
    at = [0] * (len(sa) + 1)  # where each character of a lands in b
    for op in Levenshtein.opcodes(sa, sb):
        i1, i2, j1 = op.src_start, op.src_end, op.dest_start
        if op.tag != "insert":
            at[i1:i2] = range(j1, j1 + i2 - i1) if op.tag != "delete" else [j1] * (i2 - i1)
    at[len(sa)] = len(sb)
    changed, start = [], 0
    for k, word in enumerate(a):
        end = start + len(word)
        if not misread(word, sb[at[start] : at[end]], similarity=similarity):
            changed.append(k)
            if len(changed) > limit:
                break
        start = end
    return changed, False


# ------------------------------------------------------------------ the word diff's noise
#: In the word diff a word of four characters or more counts as misread when its characters
#: are more similar than this to what stands in its place (rapidfuzz Indel similarity; a
#: word of three characters or fewer must be the same once OCR's confused letters are
#: folded, or one letter apart from a word of three or more). Stricter than :func:`misread`
#: (0.5), which fuzzy scores use to forgive noise: a word diff must keep every real edit.
#: Measured (OCR development set, A the OCR and B the corrected text: edits per 100 words at
#: 0-2 / 2-5 / 5-10% character errors; and real edits folded among 19,077 generated from the
#: seeds with 2% of letters misread, tests/test_noise_diff.py): 0.74 / 2.01 / 4.76 and 3 at
#: 0.6; 0.71 / 1.93 / 4.58 and 5 at 0.5 (the generator never puts a near-spelling in a
#: word's place, so real editing, which does, would lose more at 0.5).
NOISE_SIMILARITY = 0.6
#: A word found on one side only is stray marks of the scan (noise), not an added or dropped
#: word, when it holds at most this many characters, no digit, and is not a word of the
#: other text anywhere (``t``, ``l``; an ``a`` or ``I`` the other text uses is an edit).
#: Measured as for :data:`NOISE_SIMILARITY`: 0.74 / 2.01 / 4.76 edits per 100 words and 3
#: real edits folded at 1; 0.72 / 1.93 / 4.36 and 58 at 2 (two-letter words the other text
#: happens not to use: ``Xi``, ``or``, ``km``); 0.81 / 2.27 / 5.58 and 1 at 0.
JUNK_LETTERS = 1
#: A word split or joined by the scan is compared with its pieces joined, which may differ by
#: at most this many characters (Levenshtein; or be the same once OCR's confused letters are
#: folded): a scan keeps the letters of the words it splits or joins (``to day``), while a
#: word added or removed next to another (``in infrastructure``) would pass for a join.
NOISE_JOINED_EDITS = 1
#: Most words a word may be split into, or joined from, by the scan (``to day``).
NOISE_MAX_PIECES = 3
#: Changed runs of more than this many word pairs ((words of A + 1) x (words of B + 1)) are not
#: searched for noise: every word of such a run counts as an edit (the search costs one
#: step per pair; OCR noise leaves short runs between unchanged words).
NOISE_MAX_CELLS = 10_000


_NUMBER = re.compile(r"[0-9][0-9,.]*[a-z]{0,2}")


def _number(word: str) -> str:
    """The digits of ``word`` when it is a number (``1850``, ``1,400``, ``25th``, ``10s``);
    ``""`` for a word of letters, or of letters with digits misread among them
    (``bro1ught``)."""
    return "".join(c for c in word if c.isdigit()) if _NUMBER.fullmatch(word) else ""


def scan_variant(a: str, b: str) -> bool:
    """Whether ``b`` may be ``a`` as a scan read it (the word diff's test): the same number
    if either is a number (a changed, added or removed number is a change), and the same
    letters once OCR's confused letters are folded, or, when either has three characters
    or fewer, one edit apart (the longer of three or more), else characters more similar
    than :data:`NOISE_SIMILARITY`. Stricter than :func:`misread`: the diff must keep every
    real edit, the fuzzy score must forgive every misread.

    >>> scan_variant("council", "cmincil"), scan_variant("the", "tbe")
    (True, True)
    >>> scan_variant("bro1ught", "brought"), scan_variant("25th", "25tb"), scan_variant("5", "s")
    (True, True, False)
    >>> scan_variant("1850", "1860"), scan_variant("rain", "snow"), scan_variant("monday", "friday")
    (False, False, False)
    """
    if a == b:
        return True
    if (_NUMBER.fullmatch(a) or _NUMBER.fullmatch(b)) and _number(a) != _number(b):
        return False
    if min(len(a), len(b)) <= 3:  # a short word: confused letters, or one letter apart
        if _fold(a) == _fold(b):
            return True
        return max(len(a), len(b)) >= 3 and Levenshtein.distance(a, b) <= 1
    return Indel.normalized_similarity(a, b) > NOISE_SIMILARITY


def _joined(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether words ``a`` may be words ``b`` split or joined by a scan (their numbers the
    same, piece by piece; their letters the same or :data:`NOISE_JOINED_EDITS` apart)."""
    if [_number(w) for w in a if _number(w)] != [_number(w) for w in b if _number(w)]:
        return False
    x, y = "".join(a), "".join(b)
    if _fold(x) == _fold(y):
        return True
    return min(map(len, [*a, *b])) >= 3 and Levenshtein.distance(x, y) <= NOISE_JOINED_EDITS


def _junk(word: str, other: Collection[str]) -> bool:
    return len(word) <= JUNK_LETTERS and not any(c.isdigit() for c in word) and word not in other


def noise_runs(
    a: Sequence[str],
    b: Sequence[str],
    *,
    a_words: Collection[str] = (),
    b_words: Collection[str] = (),
) -> list[tuple[bool, int, int, int, int]]:
    """One changed run of a word diff (``a`` stands where ``b`` stands) cut into noise and
    edits: ``(noise, i1, i2, j1, j2)`` runs in order, covering both sides.

    Noise is a word misread (:func:`scan_variant`), split or joined by the scan (up to
    :data:`NOISE_MAX_PIECES` pieces, compared joined), or stray marks (:data:`JUNK_LETTERS`);
    everything else is an edit. ``a_words``/``b_words`` are the words of each whole side:
    two words each found on the other side are an edit, however alike (``he`` and ``she``
    when both texts use both), and stray marks must not be a word of the other side. The
    reading with the fewest edits wins (a dynamic programme over the run's word pairs); a
    run of more than :data:`NOISE_MAX_CELLS` pairs is all edits (an empty run: no runs).

    >>> noise_runs(["rain"], ["heavy", "snow"])
    [(False, 0, 1, 0, 2)]
    >>> noise_runs(["global"], ["world", "s"])
    [(False, 0, 1, 0, 2)]
    >>> noise_runs(["the", "l", "coun", "cil"], ["the", "council"], b_words={"the"})
    [(True, 0, 4, 0, 2)]
    """
    n, m = len(a), len(b)
    if (n + 1) * (m + 1) > NOISE_MAX_CELLS:
        return [(False, 0, n, 0, m)]
    # The words of whole texts are looked up, never copied (a run is short, a text long).
    in_b = b_words if isinstance(b_words, (set, frozenset)) else set(b_words)
    in_a = a_words if isinstance(a_words, (set, frozenset)) else set(a_words)
    steps = _trace(_cheapest(a, b, in_a, in_b), n, m)
    return _runs(steps, _strays_join_edits(steps))


def _moves(
    a: Sequence[str], b: Sequence[str], i: int, j: int, in_a: Collection[str], in_b: Collection[str]
) -> list[tuple[int, int, bool]]:
    """The steps open at cell ``(i, j)``: ``(words of a, words of b, noise)``."""
    n, m = len(a), len(b)
    moves: list[tuple[int, int, bool]] = []
    if i < n:
        moves.append((1, 0, _junk(a[i], in_b)))
    if j < m:
        moves.append((0, 1, _junk(b[j], in_a)))
    if i < n and j < m:
        moves.append((1, 1, False))
        for di, dj in _PIECES:
            if i + di > n or j + dj > m:
                continue
            x, y = "".join(a[i : i + di]), "".join(b[j : j + dj])
            if di == dj == 1 and x != y and x in in_b and y in in_a:
                continue  # two words of both texts: an edit
            if di == dj == 1:
                if scan_variant(x, y):
                    moves.append((1, 1, True))
            elif _joined(a[i : i + di], b[j : j + dj]):
                moves.append((di, dj, True))
    return moves


def _cheapest(
    a: Sequence[str], b: Sequence[str], in_a: Collection[str], in_b: Collection[str]
) -> list[list[tuple[int, int, bool]]]:
    """The dynamic programme: for each cell, the step that reached it most cheaply. A noise
    step costs 1 to 1.5 (the less alike, the more), an edit step 2: the fewest edits, then
    the fewest and closest noise pairs (tbe ~ the, not tbe ~ then)."""
    n, m = len(a), len(b)
    edit, inf = 2.0, float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, bool]]] = [[(0, 0, False)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            c = cost[i][j]
            if c >= inf:
                continue
            for di, dj, noise in _moves(a, b, i, j, in_a, in_b):
                if not noise:
                    cc = c + edit
                elif di and dj:
                    x, y = "".join(a[i : i + di]), "".join(b[j : j + dj])
                    cc = c + 1.5 - Indel.normalized_similarity(x, y) / 2
                else:
                    cc = c + 1.5
                if cc < cost[i + di][j + dj]:
                    cost[i + di][j + dj] = cc
                    back[i + di][j + dj] = (di, dj, noise)
    return back


def _trace(
    back: list[list[tuple[int, int, bool]]], n: int, m: int
) -> list[tuple[bool, int, int, int, int]]:
    """The cheapest steps, in order, as ``(noise, i1, i2, j1, j2)``."""
    steps: list[tuple[bool, int, int, int, int]] = []
    i, j = n, m
    while i or j:
        di, dj, noise = back[i][j]
        steps.append((noise, i - di, i, j - dj, j))
        i, j = i - di, j - dj
    steps.reverse()
    return steps


def _strays_join_edits(steps: list[tuple[bool, int, int, int, int]]) -> list[bool]:
    """Whether each step is noise, stray marks next to an edit (or next to stray marks next
    to one) counted with the edit."""
    flags = [noise for noise, *_ in steps]
    stray = [x[0] and (x[1] == x[2] or x[3] == x[4]) for x in steps]
    for order in (range(len(steps)), range(len(steps) - 1, -1, -1)):
        prev = False  # the step before (in this order) is an edit
        for k in order:
            if stray[k] and prev:
                flags[k] = False
            prev = not flags[k]
    return flags


def _runs(
    steps: list[tuple[bool, int, int, int, int]], flags: list[bool]
) -> list[tuple[bool, int, int, int, int]]:
    """Neighbouring steps of the same kind joined into runs."""
    runs: list[tuple[bool, int, int, int, int]] = []
    for noise, (_, i1, i2, j1, j2) in zip(flags, steps, strict=True):
        if runs and runs[-1][0] == noise:
            runs[-1] = (noise, runs[-1][1], i2, runs[-1][3], j2)
        else:
            runs.append((noise, i1, i2, j1, j2))
    return runs


_PIECES = (
    [(1, 1)]
    + [(d, 1) for d in range(2, NOISE_MAX_PIECES + 1)]
    + [(1, d) for d in range(2, NOISE_MAX_PIECES + 1)]
)
