"""The results of an alignment: :class:`WordOp`, :class:`ParagraphOp`, :class:`Passage`,
:class:`Alignment`.

Small frozen dataclasses with ``to_dict()``; word opcodes follow difflib's
``(tag, i1, i2, j1, j2)`` convention.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..text import Paragraph, word_spans

__all__ = ["OP_KINDS", "Alignment", "ParagraphOp", "Passage", "WordOp"]

#: Kinds of :class:`ParagraphOp`, in the vocabulary of the JSON view.
OP_KINDS = ("equal", "edited", "moved", "split", "merged", "only_a", "only_b")


@dataclass(frozen=True)
class WordOp:
    """One difflib-style opcode over the word tokens of a paired op, with text offsets.

    ``i1:i2`` index the words of the op's A paragraphs (taken together), ``j1:j2`` those
    of its B paragraphs; ``a_start:a_end`` and ``b_start:b_end`` are character offsets
    into the original texts (empty at the insertion point for ``insert``/``delete``), and
    ``a_text``/``b_text`` the original text of those spans. ``noise`` marks a change that is
    character noise, not an edit: words misread, split or joined by a scan, or stray marks
    (see :func:`dedupe.noise.noise_runs`). Iterating yields the difflib 5-tuple
    ``(tag, i1, i2, j1, j2)``.

    >>> op = WordOp("replace", 0, 1, 0, 1, 0, 6, 0, 7, "global", "world's")
    >>> tuple(op)
    ('replace', 0, 1, 0, 1)
    >>> op.to_dict()["b_text"]
    "world's"
    """

    tag: str
    i1: int
    i2: int
    j1: int
    j2: int
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    a_text: str
    b_text: str
    noise: bool = False

    def __iter__(self) -> Iterator[Any]:
        return iter((self.tag, self.i1, self.i2, self.j1, self.j2))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with every field."""
        return {
            "tag": self.tag,
            "i1": self.i1,
            "i2": self.i2,
            "j1": self.j1,
            "j2": self.j2,
            "a_start": self.a_start,
            "a_end": self.a_end,
            "b_start": self.b_start,
            "b_end": self.b_end,
            "a_text": self.a_text,
            "b_text": self.b_text,
            "noise": self.noise,
        }


def check_fold(fold_noise: bool | str) -> str | None:
    """The clean side named by ``fold_noise`` (``True`` is B), or ``None`` (no folding)."""
    if fold_noise is False:
        return None
    if fold_noise is True or fold_noise in ("a", "b"):
        return "b" if fold_noise is True else str(fold_noise)
    from ..errors import InvalidParameterError

    raise InvalidParameterError(f"fold_noise must be False, True, 'a' or 'b', got {fold_noise!r}")


@dataclass(frozen=True)
class ParagraphOp:
    """One step of an alignment: paragraphs ``a`` of A against paragraphs ``b`` of B.

    ``kind`` is one of ``equal``, ``edited`` (1:1 pairs in document order), ``moved``
    (a 1:1 pair out of document order), ``split`` (one A paragraph, several consecutive
    B paragraphs), ``merged`` (several A paragraphs, one B paragraph), ``only_a`` and
    ``only_b``. ``a`` and ``b`` are ``[start, stop)`` ranges of paragraph indices (empty,
    at the place it would stand, on the side that lacks the paragraph). ``score`` is the
    word similarity of the two sides (0.0 for ``only_a``/``only_b``). ``word_ops`` is the
    word diff; ``word_diff`` says how it was made: ``"words"``, ``"sentences"`` (sides
    longer than ``max_word_diff_words``: sentence runs first, then words inside them where
    small enough) or ``"none"`` (unpaired).

    >>> op = ParagraphOp("only_a", (2, 3), (4, 4), 0.0, ())
    >>> op.to_dict()["kind"], op.to_dict()["a"]
    ('only_a', [2, 3])
    """

    kind: str
    a: tuple[int, int]
    b: tuple[int, int]
    score: float = 0.0
    word_ops: tuple[WordOp, ...] = ()
    word_diff: str = "none"

    def to_dict(
        self, *, equal_words: bool = False, fold_noise: bool | str = False
    ) -> dict[str, Any]:
        """JSON-ready form; ``equal_words=False`` leaves out the unchanged word runs, and
        ``fold_noise`` (``True``, ``"a"`` or ``"b"``) the noise runs.

        >>> op = ParagraphOp("edited", (0, 1), (0, 1), 0.5, (
        ...     WordOp("replace", 0, 1, 0, 1, 0, 3, 0, 3, "tbe", "the", noise=True),
        ...     WordOp("equal", 1, 2, 1, 2, 4, 7, 4, 7, "cat", "cat")))
        >>> len(op.to_dict()["word_ops"]), len(op.to_dict(fold_noise=True)["word_ops"])
        (1, 0)
        """
        fold = check_fold(fold_noise) is not None
        return {
            "kind": self.kind,
            "a": list(self.a),
            "b": list(self.b),
            "score": round(self.score, 6),
            "word_diff": self.word_diff,
            "word_ops": [
                w.to_dict()
                for w in self.word_ops
                if (equal_words or w.tag != "equal") and not (fold and w.noise)
            ],
        }


@dataclass(frozen=True)
class Passage:
    """A passage both texts hold, at least ``min_passage_words`` words long (see
    :func:`align` and :mod:`dedupe.align.passages`).

    ``a_start:a_end`` and ``b_start:b_end`` are character offsets into the original texts
    (``a_text[a_start:a_end]`` is the passage as written in A, from its first word to its
    last); ``words`` and ``b_words`` count its word tokens (:func:`dedupe.text.word_spans`)
    in A and in B; ``exact_words`` those identical on both sides. An *exact* passage is
    the same normalised words on both sides (``exact``); an approximate one differs by a
    few misread, substituted, added or dropped words (never a number); ``exact_share`` is
    ``exact_words`` over the longer side's words.

    >>> p = Passage(10, 52, 0, 42, 8, 8, 8)
    >>> p.to_dict()["words"], p.a_end - p.a_start, p.exact
    (8, 42, True)
    >>> q = Passage(0, 60, 0, 58, 10, 10, 9)
    >>> q.exact, q.exact_share, q.to_dict()["exact"]
    (False, 0.9, False)
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    words: int
    b_words: int
    exact_words: int

    @property
    def exact(self) -> bool:
        """Whether both sides hold the very same normalised words."""
        return self.exact_words == self.words == self.b_words

    @property
    def exact_share(self) -> float:
        """Identical words over the longer side's words (1.0 for an exact passage)."""
        return self.exact_words / max(self.words, self.b_words, 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with every field, ``exact`` and ``exact_share`` (6 digits)."""
        return {
            "a_start": self.a_start,
            "a_end": self.a_end,
            "b_start": self.b_start,
            "b_end": self.b_end,
            "words": self.words,
            "b_words": self.b_words,
            "exact_words": self.exact_words,
            "exact": self.exact,
            "exact_share": round(self.exact_share, 6),
        }


def _covered_words(spans: list[tuple[int, int, int]], text: str) -> int:
    """Words of ``text`` inside the union of ``spans`` (start, end, words), sorted by start.

    Overlaps (repeated text) are counted once: only the part of a span past the union so
    far is tokenised, so the cost stays linear in the text.
    """
    total, reach = 0, -1
    for s, e, w in spans:
        if s >= reach:
            total, reach = total + w, e
        elif e > reach:
            total, reach = total + len(word_spans(text[reach:e])), e
    return total


@dataclass(frozen=True)
class Alignment:
    """The paragraph alignment of two texts; see :func:`align`.

    ``a_paragraphs`` and ``b_paragraphs`` are the paragraphs of :func:`dedupe.text.paragraphs`
    (text, start and end offsets into ``a_text``/``b_text``). ``ops`` cover every paragraph
    of both sides exactly once, in the reading order of A: ``moved`` ops at their place in
    A, ``only_b`` ops in place (after the ``only_a`` ops of the same gap between pairs).
    ``a_words``/``b_words`` count the words of each side; ``options`` are the options
    :func:`align` ran with. ``passages`` are the shared :class:`Passage` runs, wherever
    they stand (paired, moved or unpaired paragraphs, across paragraph breaks), sorted by
    position in A.

    >>> from dedupe import align
    >>> al = align("One two three.\\n\\nFour five.", "One two three.")
    >>> al.summary()["counts"]["only_a"], al.summary()["a_in_b"]
    (1, 0.6)
    """

    a_paragraphs: tuple[Paragraph, ...]
    b_paragraphs: tuple[Paragraph, ...]
    ops: tuple[ParagraphOp, ...]
    a_words: int = 0
    b_words: int = 0
    options: tuple[tuple[str, Any], ...] = field(default=(), repr=False)
    a_text: str = field(default="", repr=False, compare=False)
    b_text: str = field(default="", repr=False, compare=False)
    passages: tuple[Passage, ...] = field(default=(), repr=False)

    def summary(self) -> dict[str, Any]:
        """Counts of each op kind and the share of each side's words found in the other.

        ``a_in_b`` is the share of A's words that stand unchanged in a paired paragraph
        (the ``equal`` runs of the word diffs); ``b_in_a`` likewise for B.
        ``a_in_passages`` is the share of A's words inside a shared passage, wherever it
        stands (``b_in_passages`` likewise for B); ``passages`` counts them. A side without
        words has shares 0.0. ``edits`` and ``noise`` count the changed word runs that are
        edits and noise (:attr:`WordOp.noise`); ``a_edit_words``, ``b_edit_words``,
        ``a_noise_words`` and ``b_noise_words`` count the words in them on each side.

        >>> from dedupe import align
        >>> s = align("a b c d\\n\\nx y", "a b c e").summary()
        >>> s["counts"]["edited"], s["counts"]["only_a"], s["a_in_b"], s["b_in_a"]
        (1, 1, 0.5, 0.75)
        >>> s = align("a b c d\\n\\nx y", "a b c e", min_passage_words=3).summary()
        >>> s["passages"], s["a_in_passages"], s["b_in_passages"]
        (1, 0.5, 0.75)
        >>> s = align("Tbe cmincil met on Monday to discuss the new rail line.",
        ...           "The council met on Friday to discuss the new rail line.").summary()
        >>> s["edits"], s["noise"], s["a_edit_words"], s["a_noise_words"]
        (1, 1, 1, 2)
        """
        counts = dict.fromkeys(OP_KINDS, 0)
        kept_a = kept_b = 0
        runs = {"edits": 0, "noise": 0}
        words = dict.fromkeys(("a_edit_words", "b_edit_words", "a_noise_words", "b_noise_words"), 0)
        for op in self.ops:
            counts[op.kind] += 1
            for w in op.word_ops:
                if w.tag == "equal":
                    kept_a += w.i2 - w.i1
                    kept_b += w.j2 - w.j1
                else:
                    what = "noise" if w.noise else "edit"
                    runs["noise" if w.noise else "edits"] += 1
                    words[f"a_{what}_words"] += w.i2 - w.i1
                    words[f"b_{what}_words"] += w.j2 - w.j1
        return {
            "counts": counts,
            "a_paragraphs": len(self.a_paragraphs),
            "b_paragraphs": len(self.b_paragraphs),
            "a_words": self.a_words,
            "b_words": self.b_words,
            "a_in_b": round(kept_a / self.a_words, 6) if self.a_words else 0.0,
            "b_in_a": round(kept_b / self.b_words, 6) if self.b_words else 0.0,
            "passages": len(self.passages),
            "a_in_passages": self._passage_share("a"),
            "b_in_passages": self._passage_share("b"),
            **runs,
            **words,
        }

    def _passage_share(self, side: str) -> float:
        n = self.a_words if side == "a" else self.b_words
        if not n or not self.passages:
            return 0.0
        if side == "a":
            spans = [(p.a_start, p.a_end, p.words) for p in self.passages]  # sorted by A
            return round(_covered_words(spans, self.a_text) / n, 6)
        spans = sorted((p.b_start, p.b_end, p.b_words) for p in self.passages)
        return round(_covered_words(spans, self.b_text) / n, 6)

    def passage_paragraphs(self, p: Passage) -> tuple[tuple[int, int], tuple[int, int]]:
        """The ``[start, stop)`` ranges of A's and B's paragraphs that passage ``p`` touches.

        >>> from dedupe import align
        >>> al = align("x\\n\\na b c d e", "a b c\\n\\nd e", min_passage_words=5)
        >>> al.passage_paragraphs(al.passages[0])
        ((1, 2), (0, 2))
        """
        return (
            _para_range(self._starts[0], p.a_start, p.a_end),
            _para_range(self._starts[1], p.b_start, p.b_end),
        )

    @cached_property
    def _starts(self) -> tuple[list[int], list[int]]:
        return [p.start for p in self.a_paragraphs], [p.start for p in self.b_paragraphs]

    def pairs(self) -> list[tuple[int, int]]:
        """Every (A paragraph, B paragraph) index pair joined by a paired op.

        >>> from dedupe import align
        >>> align("x y z", "x y z").pairs()
        [(0, 0)]
        """
        out: list[tuple[int, int]] = []
        for op in self.ops:
            if op.kind not in ("only_a", "only_b"):
                out.extend((i, j) for i in range(*op.a) for j in range(*op.b))
        return out

    def to_dict(
        self, *, equal_words: bool = False, fold_noise: bool | str = False
    ) -> dict[str, Any]:
        """JSON-serialisable dict (schema in :data:`~dedupe.render.alignment.ALIGNMENT_SCHEMA`; the
        other views are in :mod:`dedupe.render`). ``fold_noise`` (``True`` or ``"b"``: B is
        the clean side; ``"a"``: A is) leaves the noise out of the word ops, which then show
        only the edits; the summary counts noise either way.

        >>> import json
        >>> from dedupe import align
        >>> d = align("a b c", "a b d").to_dict()
        >>> d["ops"][0]["word_ops"][0]["a_text"], d["ops"][0]["word_ops"][0]["b_text"]
        ('c', 'd')
        >>> _ = json.dumps(d)
        """
        passages = []
        for p in self.passages:
            ra, rb = self.passage_paragraphs(p)
            passages.append({**p.to_dict(), "a": list(ra), "b": list(rb)})
        clean = check_fold(fold_noise)
        return {
            "version": 3,
            "options": dict(self.options),
            "fold_noise": clean,
            "summary": self.summary(),
            "a_paragraphs": [p.to_dict() for p in self.a_paragraphs],
            "b_paragraphs": [p.to_dict() for p in self.b_paragraphs],
            "ops": [op.to_dict(equal_words=equal_words, fold_noise=fold_noise) for op in self.ops],
            "passages": passages,
        }


def _para_range(starts: list[int], start: int, end: int) -> tuple[int, int]:
    """Indices ``[first, last + 1)`` of the paragraphs (starting at ``starts``) that hold
    characters ``start:end``."""
    first = max(0, bisect.bisect_right(starts, start) - 1)
    last = max(first, bisect.bisect_right(starts, max(start, end - 1)) - 1)
    return first, last + 1
