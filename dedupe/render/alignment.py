"""Text, Markdown, HTML and JSON-schema views of an :class:`~dedupe.align.Alignment`.

Nothing here computes similarity: every view reads the ops, word ops and paragraphs of
the alignment it is given.

>>> from dedupe.align import align
>>> al = align("Deep-Seek leads the global AI race, analysts said on Monday.",
...            "DeepSeek leads the world's AI race, analysts said on Monday.")
>>> print(render_alignment(al, "text"))
~ A1 -> B1 edited 0.73
  {~~Deep-Seek~>DeepSeek~~} leads the [-global-]{+world's+} AI race, analysts said on Monday.
>>> print(render_alignment(al, "text", fold_noise=True))
~ A1 -> B1 edited 0.73
  DeepSeek leads the [-global-]{+world's+} AI race, analysts said on Monday.
>>> "<del>global</del>" in alignment_html_fragment(al)
True
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..align import Alignment, ParagraphOp, WordOp
from ..align.model import check_fold
from ..align.options import MAX_PASSAGE_REPEATS, MIN_PASSAGE_WORDS
from ..align.passages import shared_runs
from ..errors import InvalidParameterError
from ..text import Paragraph, word_offsets, word_spans
from .page import html_page

__all__ = [
    "ALIGNMENT_SCHEMA",
    "FORMATS",
    "alignment_html",
    "alignment_html_fragment",
    "alignment_markdown",
    "alignment_summary_html",
    "sides_html",
    "alignment_text",
    "render_alignment",
]

#: Formats accepted by :func:`render_alignment`.
FORMATS = ("text", "markdown", "html")

# One-character marks of the text view, by op kind.
_MARK = {
    "equal": "=",
    "edited": "~",
    "moved": ">",
    "split": "<",
    "merged": "<",
    "only_a": "-",
    "only_b": "+",
}

_LABEL = {
    "equal": "equal",
    "edited": "edited",
    "moved": "moved",
    "split": "split",
    "merged": "merged",
    "only_a": "only in A",
    "only_b": "only in B",
}

#: Markdown for the docs (``docs/architecture.md``): the JSON view of an alignment
#: (``Alignment.to_dict()``).
ALIGNMENT_SCHEMA = """\
`Alignment.to_dict()` returns one JSON object (`dedupe diff --format json A B` prints it
with two more keys, `a` and `b`, the file names):

- `version`: 3, the schema version (2 added `passages`, the `min_passage_words` option and
  the summary's `passages`, `a_in_passages` and `b_in_passages`; 3 added each word op's
  `noise`, the summary's `edits`, `noise`, `a_edit_words`, `b_edit_words`, `a_noise_words`
  and `b_noise_words`, `fold_noise`, the `passage_gap` option and each passage's
  `b_words`, `exact_words`, `exact` and `exact_share`).
- `options`: the options `align` ran with (`min_similarity`, `move_similarity`,
  `equal_threshold`, `split_merge_coverage`, `max_split_parts`, `max_candidates`,
  `max_word_diff_words`, `block_cells`, `blocking`, `workers`, `min_passage_words`,
  `passage_gap`).
- `fold_noise`: `null`, or the side taken as clean (`"a"` or `"b"`) when the noise was
  folded (`to_dict(fold_noise=True)` or `"b"`, `"a"`; `dedupe diff --fold-noise [a|b]`):
  `word_ops` then leave out the noise and list only the edits.
- `summary`: `counts` (number of ops of each kind: `equal`, `edited`, `moved`, `split`,
  `merged`, `only_a`, `only_b`), `a_paragraphs`, `b_paragraphs` (paragraph counts),
  `a_words`, `b_words` (word counts), `a_in_b` (share of A's words that stand unchanged in
  a paragraph paired with B, 0..1) and `b_in_a` (the same for B), `passages` (number of
  shared passages), `a_in_passages` (share of A's words inside a shared passage, wherever
  it stands, 0..1) and `b_in_passages` (the same for B), `edits` and `noise` (number of
  changed word runs that are edits and that are noise, see `word_ops`), `a_edit_words`,
  `b_edit_words`, `a_noise_words`, `b_noise_words` (the words of A and of B in them).
- `a_paragraphs`, `b_paragraphs`: lists of `{index, text, start, end}` (`index`: position,
  from 0; `text`: the paragraph, `source[start:end]`; `start`, `end`: character offsets,
  Python `str` indices, into the original text).
- `ops`: list, in reading order of A (B-only paragraphs in place, after the A-only
  paragraphs of the same gap), of
  - `kind`: `equal` | `edited` | `moved` | `split` | `merged` | `only_a` | `only_b`;
  - `a`, `b`: `[start, stop)` ranges of paragraph indices (an empty range on the side that
    lacks the paragraph marks where it would stand);
  - `score`: word similarity of the two sides, 0..1 (`0` for `only_a`/`only_b`);
  - `word_diff`: `"words"`, `"sentences"` (very long sides: diffed by sentences, then by
    words inside changed sentence runs) or `"none"` (unpaired);
  - `word_ops`: the changes (unchanged runs too with `to_dict(equal_words=True)`), each
    `{tag, i1, i2, j1, j2, a_start, a_end, b_start, b_end, a_text, b_text}`: `tag` is
    `replace` | `delete` | `insert` (| `equal`); `i1`:`i2` and `j1`:`j2` index the word
    tokens of the op's A and B paragraphs taken together, difflib-style; `a_start`:`a_end`
    and `b_start`:`b_end` are character offsets into the original texts (an empty span
    marks the insertion point), and `a_text`/`b_text` are the changed words as they stand
    there (with the punctuation between them); `noise` is `true` for character noise (words
    misread by OCR, split or joined by a scan, stray marks of one character that are no
    word of the other side) and `false` for an edit (a word replaced by another word, added
    or removed; a changed, added or removed number is always an edit).
- `passages`: the shared passages, sorted by position in A (then in B): every stretch of
  at least `min_passage_words` words that both texts hold, word for word or with a few
  words changed (runs of identical words joined across at most `passage_gap` edited words
  on either side, misread words not counted, never across a changed number; at least half
  of a passage's words identical), wherever it stands (paired, moved or unpaired
  paragraphs, across paragraph breaks), each `{a_start, a_end, b_start, b_end, words,
  b_words, exact_words, exact, exact_share, a, b}`: `a_start`:`a_end` and
  `b_start`:`b_end` are character offsets into the original texts, from the start of the
  passage's first word to the end of its last; `words` and `b_words` are its length in
  words in A and in B; `exact_words` how many of them are identical on both sides,
  `exact_share` that share of `words`, and `exact` is `true` when the passage is the very
  same words on both sides; `a`, `b` are the `[start, stop)` ranges of the paragraphs it
  touches on each side. A run found several times on a side is listed for each pair of
  occurrences while it occurs at most 8 times on each side; beyond, only occurrences at
  about the same relative rank are paired, so the list stays linear in the length of the
  texts. The views mark, where they stand apart, the runs of identical words of the
  passages.
"""


# Most places in the other text named by one highlighted passage; the rest are counted.
MAX_NAMED_PLACES = 3


@dataclass
class _Mark:
    """A highlighted span of one side's text (source offsets) and where its words stand
    in the other text: ``[start, stop)`` ranges of the other side's paragraphs."""

    start: int
    end: int
    places: list[tuple[int, int]] = field(default_factory=list)
    more: bool = False  # stands in more places than were looked at (repeated text)


class _Layout:
    """Where an alignment's words stand: word offsets of each side (``ws``, ``we``), each
    paragraph's word range (``pws``, ``pwe``), the op owning each paragraph (``owner``)
    and each op's word range (``op_words``), and each passage's first word (``first``)
    and length (``sizes``)."""

    def __init__(self, al: Alignment) -> None:
        texts = {"A": al.a_text, "B": al.b_text}
        paras = {"A": al.a_paragraphs, "B": al.b_paragraphs}
        self.ws: dict[str, list[int]] = {}
        self.we: dict[str, list[int]] = {}
        self.pws: dict[str, list[int]] = {}
        self.pwe: dict[str, list[int]] = {}
        for x in "AB":
            starts, ends = word_offsets(texts[x])
            self.pws[x] = np.searchsorted(starts, [p.start for p in paras[x]]).tolist()
            self.pwe[x] = np.searchsorted(starts, [p.end for p in paras[x]]).tolist()
            self.ws[x], self.we[x] = starts.tolist(), ends.tolist()
        self.owner: dict[str, list[int]] = {x: [0] * len(paras[x]) for x in "AB"}
        self.op_words: dict[str, list[tuple[int, int]]] = {"A": [], "B": []}
        for k, op in enumerate(al.ops):
            for x, (lo, hi) in (("A", op.a), ("B", op.b)):
                self.op_words[x].append(
                    (self.pws[x][lo], self.pwe[x][hi - 1]) if hi > lo else (0, 0)
                )
                for i in range(lo, hi):
                    self.owner[x][i] = k
        # The marks follow the identical words of the passages (approximate passages join
        # runs across edits, and a mark names where the same words stand).
        least = int(dict(al.options).get("min_passage_words") or MIN_PASSAGE_WORDS)
        runs = _identical_runs(texts["A"], texts["B"], least)
        self.first = {"A": runs[:, 0].tolist(), "B": runs[:, 1].tolist()}
        self.sizes = runs[:, 2].tolist()


def _identical_runs(a: str, b: str, least: int) -> np.ndarray:
    """Rows ``(i, j, n)``: maximal runs of ``n >= least`` identical words (word ``i`` of
    ``a``, ``j`` of ``b``; the words of :func:`~dedupe.text.word_spans`)."""
    ids: dict[str, int] = {}
    x, y = (
        np.array([ids.setdefault(w, len(ids)) for w, _, _ in word_spans(t)], dtype=np.int64)
        for t in (a, b)
    )
    return shared_runs(x, y, least, MAX_PASSAGE_REPEATS)


def _raw_marks(lay: _Layout, x: str, y: str) -> tuple[list[_Mark], list[tuple[int, int]]]:
    """Side ``x``'s spans of passage words standing, on side ``y``, outside the op their
    paragraph belongs to, and the word ranges left out as crowded.

    Repeated text: words already covered by MAX_NAMED_PLACES + 1 passages are not looked
    at again (they are marked if any passage marks them, and name enough places), so the
    work stays linear in the words even when every passage spans the whole text."""
    ws, we, pws, pwe = lay.ws, lay.we, lay.pws, lay.pwe
    first, sizes = lay.first, lay.sizes
    raw: list[_Mark] = []
    crowded: list[tuple[int, int]] = []
    lanes = [0] * (MAX_NAMED_PLACES + 1)  # where each lane's last passage ends
    for t in sorted(range(len(sizes)), key=first[x].__getitem__):
        i0, i1 = first[x][t], first[x][t] + sizes[t]
        shift = first[y][t] - i0
        lane = min(range(len(lanes)), key=lanes.__getitem__)
        if lanes[lane] > i0:
            crowded.append((i0, min(lanes[lane], i1)))
        lo, lanes[lane] = max(i0, lanes[lane]), max(lanes[lane], i1)
        k = bisect.bisect_right(pws[x], lo) - 1
        while k < len(pws[x]) and pws[x][k] < i1:
            u0, u1 = max(lo, pws[x][k]), min(i1, pwe[x][k])
            o0, o1 = lay.op_words[y][lay.owner[x][k]]
            v0, v1 = u0 + shift, u1 + shift  # the same words on the other side
            out = [(v0, v1)] if o1 <= o0 else [(v0, min(v1, o0)), (max(v0, o1), v1)]
            for t0, t1 in out:
                if t1 > t0:
                    place = (
                        bisect.bisect_right(pws[y], t0) - 1,
                        bisect.bisect_right(pws[y], t1 - 1),
                    )
                    raw.append(_Mark(ws[x][t0 - shift], we[x][t1 - 1 - shift], [place]))
            k += 1
    return raw, crowded


def _merge_marks(raw: list[_Mark], crowded: list[tuple[int, int]]) -> list[_Mark]:
    """Overlapping spans (repeated text) as one mark naming every place; ``more`` where a
    crowded character span (sorted) meets the mark."""
    merged: list[_Mark] = []
    seen: set[tuple[int, int]] = set()
    for m in sorted(raw, key=lambda m: (m.start, m.end)):
        if merged and m.start < merged[-1].end:
            last = merged[-1]
            last.end = max(last.end, m.end)
            last.places.extend(q for q in m.places if q not in seen)
        else:
            merged.append(m)
            seen = set()
        seen.update(m.places)
    k = 0
    for m in merged:
        m.places.sort()
        while k < len(crowded) and crowded[k][1] <= m.start:
            k += 1
        m.more = k < len(crowded) and crowded[k][0] < m.end
    return merged


class _Marks:
    """The spans of each side to highlight as shared passages: the parts of
    :attr:`Alignment.passages` whose words, on the other side, stand outside the paragraphs
    this op pairs them with (in an unpaired paragraph: all of them). Text shown next to its
    counterpart (the unchanged words of a pair) is not highlighted."""

    def __init__(self, al: Alignment) -> None:
        self.marks: dict[str, list[_Mark]] = {"A": [], "B": []}
        self.starts: dict[str, list[int]] = {"A": [], "B": []}
        if not al.passages:
            return
        lay = _Layout(al)
        for x, y in (("A", "B"), ("B", "A")):
            near = self._near(al, x, y, lay.first, lay.sizes, lay.op_words)
            raw, crowded = _raw_marks(lay, x, y)
            near_chars = [(lay.ws[x][a], lay.we[x][b - 1]) for a, b in near]
            spans = sorted((lay.ws[x][a], lay.we[x][b - 1]) for a, b in crowded if b > a)
            merged = _merge_marks(_subtract(raw, near_chars), spans)
            self.marks[x] = merged
            self.starts[x] = [m.start for m in merged]

    @staticmethod
    def _near(
        al: Alignment,
        x: str,
        y: str,
        first: dict[str, list[int]],
        sizes: list[int],
        op_words: dict[str, list[tuple[int, int]]],
    ) -> list[tuple[int, int]]:
        """Word ranges of side ``x`` that some passage puts next to their copy: inside a
        paired op whose other side holds the copy. For each op, only the passages on the
        diagonals (``shift`` from ``x`` to ``y``) that can reach its other side are looked
        up, so the cost stays linear in the words."""
        diagonals: dict[int, list[tuple[int, int]]] = {}
        for t in range(len(sizes)):
            diagonals.setdefault(first[y][t] - first[x][t], []).append(
                (first[x][t], first[x][t] + sizes[t])
            )
        for runs in diagonals.values():
            runs.sort()
        heads = {d: [r[0] for r in runs] for d, runs in diagonals.items()}
        keys = sorted(diagonals)
        out = []
        for k, op in enumerate(al.ops):
            (u0, u1), (o0, o1) = op_words[x][k], op_words[y][k]
            if op.kind in ("only_a", "only_b") or u1 <= u0 or o1 <= o0:
                continue
            first_d = bisect.bisect_left(keys, o0 - u1 + 1)
            for d in keys[first_d : bisect.bisect_left(keys, o1 - u0)]:
                runs = diagonals[d]
                lo, hi = max(u0, o0 - d), min(u1, o1 - d)  # words of x whose copy is in op
                j = max(0, bisect.bisect_right(heads[d], lo) - 1)
                while j < len(runs) and runs[j][0] < hi:
                    a, b = max(lo, runs[j][0]), min(hi, runs[j][1])
                    if b > a:
                        out.append((a, b))
                    j += 1
        return out

    def pieces(self, side: str, start: int, end: int) -> list[tuple[int, int, _Mark | None]]:
        """``[start, end)`` of ``side``'s text cut into pieces outside and inside marks."""
        out: list[tuple[int, int, _Mark | None]] = []
        marks, pos = self.marks[side], start
        k = max(0, bisect.bisect_right(self.starts[side], start) - 1)
        while k < len(marks) and marks[k].start < end:
            m = marks[k]
            s, e = max(m.start, pos), min(m.end, end)
            if e > s:
                if s > pos:
                    out.append((pos, s, None))
                out.append((s, e, m))
                pos = e
            k += 1
        if end > pos:
            out.append((pos, end, None))
        return out


def _subtract(marks: list[_Mark], spans: list[tuple[int, int]]) -> list[_Mark]:
    """``marks`` without the characters of ``spans`` (pieces of a mark keep its places).

    >>> [(m.start, m.end) for m in _subtract([_Mark(0, 10), _Mark(12, 14)], [(3, 5), (8, 13)])]
    [(0, 3), (5, 8), (13, 14)]
    """
    if not spans:
        return marks
    cut: list[tuple[int, int]] = []  # the union of spans, sorted, disjoint
    for s, e in sorted(spans):
        if cut and s <= cut[-1][1]:
            cut[-1] = (cut[-1][0], max(cut[-1][1], e))
        else:
            cut.append((s, e))
    starts = [s for s, _ in cut]
    out = []
    for m in marks:
        pos = m.start
        k = max(0, bisect.bisect_right(starts, m.start) - 1)
        while k < len(cut) and cut[k][0] < m.end:
            s, e = cut[k]
            if e > pos:
                if s > pos:
                    out.append(_Mark(pos, s, list(m.places)))
                pos = max(pos, e)
            k += 1
        if m.end > pos:
            out.append(_Mark(pos, m.end, list(m.places)))
    return out


def _places(other: str, m: _Mark) -> tuple[str, list[str]]:
    """The note of a mark ("also in B, paragraph 7") and its short labels ("B7")."""
    labels = [
        f"{other}{lo + 1}" if hi - lo == 1 else f"{other}{lo + 1}-{hi}" for lo, hi in m.places
    ]
    named = labels[:MAX_NAMED_PLACES]
    more = len(labels) - len(named)
    words = [x[len(other) :] for x in named]
    note = f"also in {other}, paragraph{'s' if len(labels) > 1 or '-' in words[0] else ''} "
    if m.more:
        return note + ", ".join(words) + " and more places", [*named, "+"]
    note += ", ".join(words) + (f" and {more} more places" if more else "")
    return note, named + ([f"+{more}"] if more else [])


def _num(side: str, rng: tuple[int, int]) -> str:
    """Human paragraph numbers (1-based): ``A3``, ``A3-4``, or ``A(at 3)`` if empty."""
    lo, hi = rng
    if hi - lo == 1:
        return f"{side}{lo + 1}"
    if hi > lo:
        return f"{side}{lo + 1}-{hi}"
    return f"{side}(at {lo + 1})"


def _header(op: ParagraphOp) -> str:
    if op.kind == "only_a":
        return f"- {_num('A', op.a)} only_a"
    if op.kind == "only_b":
        return f"+ {_num('B', op.b)} only_b"
    return f"{_MARK[op.kind]} {_num('A', op.a)} -> {_num('B', op.b)} {op.kind} {op.score:.2f}"


@dataclass(frozen=True)
class _Style:
    """How one view writes plain text, deleted and inserted words, noise (``noise(a, b)``:
    A's and B's words, either may be empty) and shared passages (``mark(inner, other_side,
    mark)``; ``inner`` is already written)."""

    plain: Callable[[str], str]
    dele: Callable[[str], str]
    ins: Callable[[str], str]
    mark: Callable[[str, str, _Mark], str]
    noise: Callable[[str, str], str]


def _run(al: Alignment, marks: _Marks, style: _Style, side: str, start: int, end: int) -> str:
    """Characters ``start:end`` of one side's text, passages marked."""
    src, other = (al.a_text, "B") if side == "A" else (al.b_text, "A")
    return "".join(
        style.mark(style.plain(src[s:e]), other, m) if m else style.plain(src[s:e])
        for s, e, m in marks.pieces(side, start, end)
    )


def _inline(
    al: Alignment, op: ParagraphOp, marks: _Marks, style: _Style, clean: str | None = None
) -> str:
    """One running text of a paired op: A's text with B's changes marked in place (noise
    shown as the ``clean`` side's words, unmarked, when folded)."""
    src = al.a_text
    pos = al.a_paragraphs[op.a[0]].start
    end = al.a_paragraphs[op.a[1] - 1].end
    parts: list[str] = []
    for w in op.word_ops:
        if w.a_start > pos:
            parts.append(_run(al, marks, style, "A", pos, w.a_start))
            pos = w.a_start
        # Keep words from B apart from the words around them in A's text.
        before = " " if src[w.a_start - 1 : w.a_start].isalnum() else ""
        after = " " if not w.a_text and src[w.a_end : w.a_end + 1].isalnum() else ""
        a_run = _run(al, marks, style, "A", w.a_start, w.a_end) if w.a_text else ""
        b_run = _run(al, marks, style, "B", w.b_start, w.b_end) if w.b_text else ""
        if w.tag == "equal" or (w.noise and clean == "a"):
            parts.append(_run(al, marks, style, "A", w.a_start, w.a_end))
        elif w.noise and clean == "b":
            parts.append(b_run if w.a_text or not b_run else before + b_run + after)
            if not b_run and src[w.a_start - 1 : w.a_start].isspace():
                w_end = w.a_end + (src[w.a_end : w.a_end + 1] == " ")  # no double space
                pos = max(pos, w_end)
        elif w.noise:
            parts.append(
                (before if not w.a_text and b_run else "")
                + style.noise(a_run, b_run)
                + (after if b_run else "")
            )
        else:
            if w.a_text:
                parts.append(style.dele(a_run))
            if w.b_text:
                parts.append(before + style.ins(b_run) + after)
        pos = max(pos, w.a_end)
    if end > pos:
        parts.append(_run(al, marks, style, "A", pos, end))
    return "".join(parts)


def _unpaired(al: Alignment, op: ParagraphOp, marks: _Marks, style: _Style) -> str:
    """The paragraphs of an ``only_a``/``only_b`` op, passages marked, a blank line apart."""
    side, paras, rng = (
        ("A", al.a_paragraphs, op.a) if op.kind == "only_a" else ("B", al.b_paragraphs, op.b)
    )
    return style.plain("\n\n").join(
        _run(al, marks, style, side, p.start, p.end) for p in paras[rng[0] : rng[1]]
    )


def _text_mark(inner: str, other: str, m: _Mark) -> str:
    return f"«{inner}»[{', '.join(_places(other, m)[1])}]"


def _text_noise(a: str, b: str) -> str:
    return f"{{~~{a}~>{b}~~}}"


_TEXT = _Style(str, lambda t: f"[-{t}-]", lambda t: f"{{+{t}+}}", _text_mark, _text_noise)


def alignment_text(al: Alignment, *, fold_noise: bool | str = False) -> str:
    """Plain-text view: one header line per op, then its text, indented.

    Edits are shown wdiff-style, ``[-deleted-]{+inserted+}``; character noise (words misread
    by OCR, split or joined by a scan: :attr:`~dedupe.align.WordOp.noise`)
    CriticMarkup-style, ``{~~A's words~>B's words~~}``. ``fold_noise`` (``True`` or ``"b"``:
    B is the clean side; ``"a"``: A is) shows noise as the clean side's words, unmarked, so
    that only the edits stand out. A shared passage whose counterpart stands elsewhere in
    the other text (not in the paragraph shown next to it) is shown ``«in guillemets»[B7]``,
    followed by the paragraph(s) of the other side that hold it.

    >>> from dedupe.align import align
    >>> print(alignment_text(align("Intro.\\nSame words.", "Same words.")))
    - A1 only_a
      Intro.
    = A2 -> B1 equal 1.00
      Same words.
    >>> a = "Critics say it is late and costs too much. The new line will open in the spring."
    >>> print(alignment_text(align(a, "Officials said the new line will open in the spring.")))
    - A1 only_a
      Critics say it is late and costs too much. «The new line will open in the spring»[B1].
    + B1 only_b
      Officials said «the new line will open in the spring»[A1].
    >>> al = align("Tbe cmincil met on Monday to discuss the rail line.",
    ...            "The council met on Friday to discuss the rail line.")
    >>> print(alignment_text(al))
    ~ A1 -> B1 edited 0.70
      {~~Tbe cmincil~>The council~~} met on [-Monday-]{+Friday+} to discuss the rail line.
    >>> print(alignment_text(al, fold_noise=True))
    ~ A1 -> B1 edited 0.70
      The council met on [-Monday-]{+Friday+} to discuss the rail line.
    """
    clean = check_fold(fold_noise)
    marks = _Marks(al)
    out: list[str] = []
    for op in al.ops:
        out.append(_header(op))
        if op.kind in ("only_a", "only_b"):
            body = _unpaired(al, op, marks, _TEXT)
        else:
            body = _inline(al, op, marks, _TEXT, clean)
        out.extend("  " + line if line else "" for line in body.split("\n"))
    return "\n".join(out)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_block(text: str) -> str:
    """Escape ``text`` and turn its line breaks into Markdown hard breaks."""
    lines = [_md(x) for x in text.split("\n")]
    return "  \n".join(lines)


def _md_mark(inner: str, other: str, m: _Mark) -> str:
    note, labels = _places(other, m)
    return f'<mark title="{html.escape(note)}">{inner}</mark><sup>{", ".join(labels)}</sup>'


def _md_noise(a: str, b: str) -> str:
    return (f"~~{a}~~" if a else "") + (f"*{b}*" if b else "")


_MARKDOWN = _Style(_md_block, lambda t: f"~~{t}~~", lambda t: f"**{t}**", _md_mark, _md_noise)


def alignment_markdown(al: Alignment, *, fold_noise: bool | str = False) -> str:
    """Markdown view: a bold header per op, deleted words ``~~struck~~``, inserted **bold**;
    character noise (:attr:`~dedupe.align.WordOp.noise`) as A's words ``~~struck~~`` and B's in
    *italics*, or, with ``fold_noise`` (as in :func:`alignment_text`), as the clean side's
    words, unmarked.

    A shared passage whose counterpart stands elsewhere in the other text is
    ``<mark>``-ed (inline HTML), its place in the other text in a ``<sup>`` after it.

    >>> from dedupe.align import align
    >>> print(alignment_markdown(align("a b c", "a b d")))
    **edited** A1 → B1 (0.67)
    <BLANKLINE>
    a b ~~c~~**d**
    >>> print(alignment_markdown(align("a b tbe", "a b the")))
    **edited** A1 → B1 (0.67)
    <BLANKLINE>
    a b ~~tbe~~*the*
    """
    clean = check_fold(fold_noise)
    marks = _Marks(al)
    blocks: list[str] = []
    for op in al.ops:
        if op.kind == "only_a":
            head = f"**only in A** {_num('A', op.a)}"
        elif op.kind == "only_b":
            head = f"**only in B** {_num('B', op.b)}"
        else:
            head = f"**{op.kind}** {_num('A', op.a)} → {_num('B', op.b)} ({op.score:.2f})"
        if op.kind in ("only_a", "only_b"):
            body = _unpaired(al, op, marks, _MARKDOWN)
        else:
            body = _inline(al, op, marks, _MARKDOWN, clean)
        blocks.append(head + "\n\n" + body)
    return "\n\n".join(blocks)


#: A span of one side's text to wrap or replace in the HTML view: (start, end) source
#: offsets, the opening and closing tags, and the text to show instead (None: its own).
_Span = tuple[int, int, str, str, "str | None"]


def _marked(text: str, start: int, spans: list[_Span]) -> str:
    """``text`` (starting at offset ``start`` of its source) escaped, with ``spans``
    (source offsets, sorted) wrapped in their tags, or replaced by their text (shown once,
    in the piece where the span starts)."""
    end = start + len(text)
    out: list[str] = []
    pos = start
    for s0, e0, opening, closing, instead in spans:
        s, e = max(s0, pos), min(e0, end)
        if e <= s and not (instead and s0 == e0 and start <= s0 < end and s0 >= pos):
            continue
        out.append(html.escape(text[pos - start : s - start]))
        if instead is None:
            inner = html.escape(text[s - start : e - start])
        else:
            inner = html.escape(instead) if s0 >= start else ""
        out.append(f"{opening}{inner}{closing}")
        pos = max(pos, e)
    out.append(html.escape(text[pos - start :]))
    return "".join(out).replace("\n", "<br>")


def _html_spans(op: ParagraphOp, side: str, clean: str | None) -> list[_Span]:
    """The spans of ``side`` to mark in one op: edits in ``<del>``/``<ins>``, noise in
    ``<del class="dd-noise">``/``<ins class="dd-noise">``, or, folded, noise on the side
    that is not clean replaced by the clean side's words."""
    tag = "del" if side == "A" else "ins"
    out: list[_Span] = []
    for w in op.word_ops:
        if w.tag == "equal" or (w.tag == ("insert" if side == "A" else "delete") and not w.noise):
            continue
        s, e = (w.a_start, w.a_end) if side == "A" else (w.b_start, w.b_end)
        if not w.noise:
            out.append((s, e, f"<{tag}>", f"</{tag}>", None))
        elif clean is None:
            if e > s:
                out.append((s, e, f'<{tag} class="dd-noise">', f"</{tag}>", None))
        elif clean != side.lower():
            other = _word_text(w, clean)
            out.append((s, e, "", "", other if e > s or not other else " " + other + " "))
    out.sort(key=lambda x: (x[0], x[1]))
    return out


def _word_text(w: WordOp, side: str) -> str:
    return w.a_text if side == "a" else w.b_text


def _html_mark(inner: str, other: str, m: _Mark, anchor: str) -> str:
    note, labels = _places(other, m)
    refs = "".join(
        f'<a class="dd-ref" href="#{html.escape(anchor)}{x.split("-")[0]}">{x}</a>'
        if not x.startswith("+")
        else f'<span class="dd-ref">{x}</span>'
        for x in labels
    )
    return f'<mark class="dd-passage" title="{html.escape(note)}">{inner}</mark>{refs}'


def _cell(
    paras: tuple[Paragraph, ...],
    rng: tuple[int, int],
    side: str,
    spans: list[_Span],
    marks: _Marks,
    anchor: str,
) -> str:
    if rng[1] <= rng[0]:
        return f'<td class="dd-{side.lower()} dd-empty"></td>'
    other = "B" if side == "A" else "A"
    ps = []
    for p in paras[rng[0] : rng[1]]:
        body = "".join(
            _html_mark(_marked(p.text[s - p.start : e - p.start], s, spans), other, m, anchor)
            if m
            else _marked(p.text[s - p.start : e - p.start], s, spans)
            for s, e, m in marks.pieces(side, p.start, p.end)
        )
        ps.append(
            f'<p id="{html.escape(anchor)}{side}{p.index + 1}"><span class="dd-num">'
            f"{side}{p.index + 1}</span>{body}</p>"
        )
    return f'<td class="dd-{side.lower()}">{"".join(ps)}</td>'


def alignment_html_fragment(
    al: Alignment, *, anchor: str = "dd-", collapse_equal: int = 0, fold_noise: bool | str = False
) -> str:
    """The two-column diff as one ``<table class="dd-align">`` (style:
    :data:`~dedupe.render.page.ALIGNMENT_CSS`).

    Paired paragraphs stand side by side with deleted words in ``<del>`` (left) and
    inserted words in ``<ins>`` (right), character noise (:attr:`~dedupe.align.WordOp.noise`: words
    misread by OCR, split or joined by a scan) in ``<del class="dd-noise">`` and ``<ins
    class="dd-noise">`` (grey, dotted); with ``fold_noise`` (``True`` or ``"b"``: B is the
    clean side; ``"a"``: A is) noise is unmarked and shown in both columns as the clean
    side's words, so that only the edits stand out. Moved, split and merged pairs are
    labelled, and
    paragraphs found on one side only stand in place next to an empty cell. A shared
    passage whose counterpart stands elsewhere in the other text (not in the cell next to
    it) is in ``<mark class="dd-passage">`` with a ``title`` saying where ("also in B,
    paragraph 7"), followed by links to that paragraph. Each paragraph is ``<p
    id="{anchor}A7">`` (``B7`` on the right); give each fragment of a page its own
    ``anchor`` prefix.

    With ``collapse_equal`` (0: never), each run of at least that many equal paragraphs is
    folded into a closed ``<details class="dd-equal-run">`` between two tables (the columns
    keep their widths); a link to a folded paragraph opens it in the browser.

    >>> from dedupe.align import align
    >>> same = "\\n\\n".join(f"Paragraph {w} stays as it was." for w in "abcd")
    >>> frag = alignment_html_fragment(align(same + "\\n\\nOld end.", same + "\\n\\nNew end."),
    ...                                collapse_equal=3)
    >>> frag.count("<details"), "4 equal paragraphs" in frag
    (1, True)
    >>> frag = alignment_html_fragment(align("<b>x</b> y", "<b>x</b> z"))
    >>> "&lt;b&gt;" in frag and "<del>y</del>" in frag and "<ins>z</ins>" in frag
    True
    >>> a = "Critics say it is late and costs too much. The new <line> will open in the spring."
    >>> b = "Officials said the new <line> will open in the spring."
    >>> frag = alignment_html_fragment(align(a, b))
    >>> frag.count('<mark class="dd-passage" title="also in B, paragraph 1">')
    1
    >>> '<a class="dd-ref" href="#dd-B1">B1</a>' in frag and "new &lt;line&gt; will" in frag
    True
    >>> al = align("Tbe <cat> sat on a mat", "The <cat> sat on the mat")
    >>> frag = alignment_html_fragment(al)
    >>> '<del class="dd-noise">Tbe</del>' in frag, "<del>a</del>" in frag
    (True, True)
    >>> frag = alignment_html_fragment(al, fold_noise=True)
    >>> "dd-noise" in frag, "The &lt;cat&gt;" in frag, "<ins>the</ins>" in frag
    (False, True, True)
    """
    clean = check_fold(fold_noise)
    marks = _Marks(al)
    head = '<table class="dd-align"><colgroup><col class="dd-c-tag"><col><col></colgroup>'
    rows = [head + "<thead><tr><th></th><th>A</th><th>B</th></tr></thead><tbody>"]
    folds = _equal_runs(al, collapse_equal)
    for k, op in enumerate(al.ops):
        if k in folds:
            n = folds[k]
            rows.append(
                '</tbody></table><details class="dd-equal-run"><summary>'
                f"{n} equal paragraphs ({_num('A', (op.a[0], al.ops[k + n - 1].a[1]))} = "
                f"{_num('B', (op.b[0], al.ops[k + n - 1].b[1]))})</summary>{head}<tbody>"
            )
        if op.kind in ("only_a", "only_b"):
            tag_cell = f"<b>{_LABEL[op.kind]}</b>"
        else:
            where = f"{_num('A', op.a)} → {_num('B', op.b)}"
            tag_cell = f"<b>{_LABEL[op.kind]}</b>{where}<br>similarity {op.score:.2f}"
        rows.append(
            f'<tr class="dd-op dd-{op.kind}"><td class="dd-tag">{tag_cell}</td>'
            + _cell(al.a_paragraphs, op.a, "A", _html_spans(op, "A", clean), marks, anchor)
            + _cell(al.b_paragraphs, op.b, "B", _html_spans(op, "B", clean), marks, anchor)
            + "</tr>"
        )
        if k + 1 in _fold_ends(folds):
            rows.append(f"</tbody></table></details>{head}<tbody>")
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _equal_runs(al: Alignment, least: int) -> dict[int, int]:
    """Start op -> length of each run of at least ``least`` equal ops (none when 0)."""
    runs: dict[int, int] = {}
    if least <= 0:
        return runs
    k = 0
    while k < len(al.ops):
        j = k
        while j < len(al.ops) and al.ops[j].kind == "equal":
            j += 1
        if j - k >= least:
            runs[k] = j - k
        k = max(j, k + 1)
    return runs


def _fold_ends(folds: dict[int, int]) -> set[int]:
    return {k + n for k, n in folds.items()}


def alignment_summary_html(al: Alignment) -> str:
    """One paragraph of HTML: paragraph and word counts, op counts, shares kept, edits and
    noise, and the shared passages.

    >>> from dedupe.align import align
    >>> alignment_summary_html(align("a b", "a b"))  # doctest: +ELLIPSIS
    '<p class="dd-summary">A: 1 paragraphs, 2 words; B: 1 paragraphs, 2 words. 1 equal. ...'
    """
    s = al.summary()
    counts = ", ".join(f"{v} {_LABEL[k]}" for k, v in s["counts"].items() if v)
    passages = ""
    if s["passages"]:
        n, least = s["passages"], dict(al.options).get("min_passage_words")
        passages = (
            f" {n} shared passage{'s' if n > 1 else ''}"
            + (f" of {least}+ words" if least else "")
            + f" cover {s['a_in_passages']:.0%} of A and {s['b_in_passages']:.0%} of B "
            '(<mark class="dd-passage">marked</mark> where they stand elsewhere in the other '
            "text)."
        )
    return (
        f'<p class="dd-summary">A: {s["a_paragraphs"]} paragraphs, {s["a_words"]} words; '
        f"B: {s['b_paragraphs']} paragraphs, {s['b_words']} words. "
        f"{html.escape(counts)}. {s['a_in_b']:.0%} of A's words stand unchanged in B, "
        f"{s['b_in_a']:.0%} of B's in A. {_edits_and_noise(s)}{passages}</p>"
    )


def _edits_and_noise(s: dict[str, Any]) -> str:
    """ "3 edits (4 words of A, 5 of B); 12 noise (...)."" for the summary line."""
    return (
        f"{s['edits']} edit{'s' if s['edits'] != 1 else ''} ({s['a_edit_words']} words of A, "
        f"{s['b_edit_words']} of B), {s['noise']} noise ({s['a_noise_words']} words of A, "
        f"{s['b_noise_words']} of B: misread, split or joined by a scan)."
    )


def sides_html(name_a: str, name_b: str) -> str:
    """The names of the two sides, as a header row above the alignment table."""
    return (
        f'<div class="dd-sides"><div></div><div><b>A</b> <code>{html.escape(name_a)}</code>'
        f"</div><div><b>B</b> <code>{html.escape(name_b)}</code></div></div>"
    )


def alignment_html(
    al: Alignment,
    *,
    title: str | None = None,
    names: tuple[str, str] | None = None,
    fold_noise: bool | str = False,
) -> str:
    """One self-contained HTML page of the side-by-side diff (see
    :func:`dedupe.render.page.html_page`); ``names`` label the two sides; ``fold_noise`` as
    in :func:`alignment_html_fragment`.

    >>> from dedupe.align import align
    >>> page = alignment_html(align("a b", "a c"), names=("old.txt", "new.txt"))
    >>> page.startswith("<!DOCTYPE html>") and "<script" not in page and "old.txt" in page
    True
    """
    if title is None:
        title = f"dedupe diff: {names[0]} ~ {names[1]}" if names else "Paragraph alignment"
    heading = (
        f"Diff of <code>{html.escape(names[0])}</code> and <code>{html.escape(names[1])}</code>"
        if names
        else html.escape(title)
    )
    body = (
        f"<h1>{heading}</h1>\n"
        + (sides_html(*names) if names else "")
        + alignment_summary_html(al)
        + "\n"
        + alignment_html_fragment(al, fold_noise=fold_noise)
    )
    return html_page(title, body)


def render_alignment(al: Alignment, fmt: str = "text", *, fold_noise: bool | str = False) -> str:
    """Render ``al`` as ``"text"``, ``"markdown"`` or ``"html"`` (a whole page);
    ``fold_noise`` (``True`` or ``"b"``: B is the clean side; ``"a"``: A is) shows the
    character noise as the clean side's words, unmarked, and only the edits marked.

    >>> from dedupe.align import align
    >>> render_alignment(align("a", "a"), "pdf")
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: unknown format 'pdf': use one of text, markdown, html
    """
    if fmt == "text":
        return alignment_text(al, fold_noise=fold_noise)
    if fmt == "markdown":
        return alignment_markdown(al, fold_noise=fold_noise)
    if fmt == "html":
        return alignment_html(al, fold_noise=fold_noise)
    raise InvalidParameterError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
