"""Paragraph alignment of two overlapping articles, down to the changed words.

:func:`align` splits both texts with :func:`dedupe.text.paragraphs`, scores every paragraph
pair, keeps the pairs that follow the documents' order (a monotone dynamic programme),
recognises split, merged and moved paragraphs, and diffs each pair word by word.

>>> al = align("Title\\n\\nThe cat sat on the mat.\\n\\nBye.", "The cat sat on a mat.\\n\\nBye.")
>>> [(op.kind, op.a, op.b) for op in al.ops]
[('only_a', (0, 1), (0, 0)), ('edited', (1, 2), (0, 1)), ('equal', (2, 3), (1, 2))]
>>> [(w.tag, w.a_text, w.b_text) for w in al.ops[1].word_ops if w.tag != "equal"]
[('replace', 'the', 'a')]

Similarity of two paragraphs is the normalised Indel similarity over their word tokens
(``1 - (insertions + deletions) / (len(a) + len(b))``, the share of words kept in order):
``2 * LCS / (len(a) + len(b))`` of the normalised word sequences. It is computed with
:func:`rapidfuzz.process.cdist` after mapping each distinct word to one code point, so
that rapidfuzz's bit-parallel string kernels compare words, not characters.
"""

from __future__ import annotations

from typing import Any

from ..parallel import Progress, Shown
from ..params import RunOptions
from ..text import ensure_text
from .chain import Pairing, chain_pairs, grow_splits, op_order, pair_moves
from .model import OP_KINDS, Alignment, ParagraphOp, Passage, WordOp
from .options import (
    BLOCK_CELLS,
    BLOCKING_MAX_DF,
    BLOCKING_MIN_PAIRS,
    BLOCKING_MIN_WORDS,
    DEFAULTS,
    EQUAL_THRESHOLD,
    MAX_CANDIDATES,
    MAX_PASSAGE_GAP,
    MAX_PASSAGE_REPEATS,
    MAX_SPLIT_PARTS,
    MAX_WORD_DIFF_WORDS,
    MIN_EXACT_SHARE,
    MIN_PASSAGE_WORDS,
    MIN_SIMILARITY,
    MOVE_SIMILARITY,
    PARALLEL_MIN_CELLS,
    SPLIT_MERGE_COVERAGE,
    check_options,
)
from .passages import find_passages
from .scoring import candidate_cells
from .sides import Encoder, Side, build_side
from .worddiff import TextWords, word_diff

__all__ = [
    "Alignment",
    "ParagraphOp",
    "Passage",
    "WordOp",
    "align",
    "OP_KINDS",
    "MIN_SIMILARITY",
    "MOVE_SIMILARITY",
    "EQUAL_THRESHOLD",
    "SPLIT_MERGE_COVERAGE",
    "MAX_SPLIT_PARTS",
    "MAX_CANDIDATES",
    "MAX_WORD_DIFF_WORDS",
    "BLOCK_CELLS",
    "PARALLEL_MIN_CELLS",
    "BLOCKING_MIN_PAIRS",
    "BLOCKING_MIN_WORDS",
    "BLOCKING_MAX_DF",
    "MIN_PASSAGE_WORDS",
    "MAX_PASSAGE_REPEATS",
    "MAX_PASSAGE_GAP",
    "MIN_EXACT_SHARE",
]


def align(
    a: str | bytes,
    b: str | bytes,
    *,
    min_similarity: float = MIN_SIMILARITY,
    move_similarity: float = MOVE_SIMILARITY,
    equal_threshold: float = EQUAL_THRESHOLD,
    split_merge_coverage: float = SPLIT_MERGE_COVERAGE,
    max_split_parts: int = MAX_SPLIT_PARTS,
    max_candidates: int = MAX_CANDIDATES,
    max_word_diff_words: int = MAX_WORD_DIFF_WORDS,
    block_cells: int = BLOCK_CELLS,
    blocking: bool | None = None,
    workers: int = RunOptions.workers,
    min_passage_words: int = MIN_PASSAGE_WORDS,
    passage_gap: int = MAX_PASSAGE_GAP,
    progress: Shown = False,
) -> Alignment:
    """Align the paragraphs of ``a`` and ``b`` and diff each pair word by word.

    Steps: split both texts with :func:`dedupe.text.paragraphs`; score every paragraph
    pair (word-level similarity, see the module docstring) with rapidfuzz ``cdist`` in
    row blocks of at most ``block_cells`` cells, keeping pairs from ``min_similarity``
    (at most ``max_candidates`` per A paragraph); take the highest-scoring chain of pairs
    in document order; grow each pair over unpaired neighbours whose words are found in
    the pair's other side (``split``/``merged``, up to ``max_split_parts`` paragraphs);
    pair leftovers out of order from ``move_similarity``
    (``moved``); label the rest ``only_a``/``only_b``. In each pair's word diff, a change
    that is character noise (a word misread by OCR, split or joined by a scan, a stray
    mark) has :attr:`~dedupe.align.WordOp.noise` set, apart from edits (a word replaced,
    added or removed; a changed number): see :func:`dedupe.noise.noise_runs`. Apart from
    the paragraphs, find the shared passages: every stretch of at least
    ``min_passage_words`` words found in both texts, word for word or with a few words
    changed, wherever it stands (:attr:`Alignment.passages
    <dedupe.align.Alignment.passages>`, found by ``dedupe.align.passages``).

    Options (keyword-only):

    - ``min_similarity``: least similarity of an in-order pair (default 0.6).
    - ``move_similarity``: least similarity of an out-of-order (moved) pair (default 0.6).
    - ``equal_threshold``: a 1:1 in-order pair at least this similar is ``equal``, else
      ``edited`` (default 1.0: the same normalised words; case and punctuation may differ).
    - ``split_merge_coverage``: least share of a neighbour's words that must be found, in
      order, in the other side (the growth of the longest common word subsequence) for it
      to join a pair as a split or merged piece (default 0.5).
    - ``max_split_parts``: most paragraphs in a split or merge (default 8).
    - ``max_candidates``: candidate pairs kept per A paragraph (default 16).
    - ``max_word_diff_words``: longest side (in words) scored and diffed word by word;
      a pair with a longer paragraph is scored over sentences (one symbol a sentence),
      is never grown into a split or merge, and is diffed by sentences first, then word by
      word inside changed sentence runs (default 50,000).
    - ``block_cells``: similarity-matrix cells computed at once (default 4,000,000).
    - ``blocking``: score only pairs that share a word bigram rare on both sides (in at
      most ``BLOCKING_MAX_DF`` paragraphs of each), or a rare word where one paragraph
      has fewer than ``BLOCKING_MIN_WORDS`` words, or the very same words: a bounded
      number of pairs per paragraph, so time and memory grow linearly. ``None``
      (default): block when there are more than ``BLOCKING_MIN_PAIRS`` paragraph pairs;
      ``False``: score every pair.
    - ``workers``: threads for ``cdist``, by the library's one convention
      (:func:`dedupe.params.check_workers`: 0 one per core, at most 4; 1 none), on blocks
      of at least ``PARALLEL_MIN_CELLS`` cells; smaller ones run on one thread.
    - ``progress``: ``True`` for a progress bar on stderr, ``"lines"`` for a line per long
      step (see :class:`dedupe.parallel.Progress`); not an option of the result.
    - ``min_passage_words``: shortest shared passage, in words (default 8, at least 2).
      A run found several times on a side (repeated boilerplate) is reported once for
      each pair of its occurrences while it occurs at most ``MAX_PASSAGE_REPEATS`` (8)
      times on each side; beyond, each occurrence is paired only with those at about the
      same relative rank on the other side, so that the passages stay linear in the
      length of the texts (a text of one sentence repeated gives no quadratic output).
    - ``passage_gap``: passages are approximate: runs of identical words are joined across
      at most this many edited words on either side (misread words, alike letter for
      letter, are not counted; at most twice as many words in all), never across a
      changed number, and a passage keeps at least half of identical words (default 6;
      0: runs of identical words only). :attr:`~dedupe.align.Passage.exact` and
      :attr:`~dedupe.align.Passage.exact_share` tell exact passages from approximate ones
      (see ``dedupe.align.passages``).

    ``a`` and ``b`` are ``str`` or UTF-8 ``bytes`` (anything else raises
    :class:`~dedupe.errors.InvalidTextError`). An empty or blank side is allowed: every
    paragraph of the other side is then ``only_a``/``only_b``.

    >>> al = align("Intro.\\nShared paragraph here.", "Shared paragraph here!\\nOutro.")
    >>> [(op.kind, op.a, op.b) for op in al.ops]
    [('only_a', (0, 1), (0, 0)), ('equal', (1, 2), (0, 1)), ('only_b', (2, 2), (1, 2))]
    >>> a = ("Critics doubt the plan, which has cost far more than promised and is years "
    ...      "late. The minister said the new rail line would open in the spring.")
    >>> b = "In other news, the minister said the new rail line would open in the spring."
    >>> al = align(a, b)
    >>> [op.kind for op in al.ops], len(al.passages)
    (['only_a', 'only_b'], 1)
    >>> p = al.passages[0]
    >>> p.words, a[p.a_start:p.a_end]
    (12, 'The minister said the new rail line would open in the spring')
    >>> al = align("Tbe cmincil met on Monday to discuss the new rail line.",
    ...            "The council met on Friday to discuss the new rail line.")
    >>> [(w.a_text, w.b_text, w.noise) for w in al.ops[0].word_ops if w.tag != "equal"]
    [('Tbe cmincil', 'The council', True), ('Monday', 'Friday', False)]
    """
    opts = {k: v for k, v in locals().items() if k in DEFAULTS}
    check_options(opts)
    a_text = ensure_text(a, name="a")
    b_text = ensure_text(b, name="b")
    with Progress(None, desc="reading paragraphs", enabled=progress, eta=False) as bar:
        enc = Encoder()
        A, B = build_side(a_text, enc), build_side(b_text, enc)
        n, m = len(A.paras), len(B.paras)
        bar.describe(f"scoring paragraph pairs ({n:,} x {m:,} paragraphs)")
        alignment = _align(A, B, enc, opts, bar)
    return alignment


def _align(A: Side, B: Side, enc: Encoder, opts: dict[str, Any], bar: Progress) -> Alignment:
    """The steps of :func:`align` after reading the two sides."""
    n, m = len(A.paras), len(B.paras)
    min_similarity, move_similarity = opts["min_similarity"], opts["move_similarity"]
    max_word_diff_words, blocking = opts["max_word_diff_words"], opts["blocking"]
    cells = candidate_cells(
        A,
        B,
        min(min_similarity, move_similarity),
        opts["max_candidates"],
        opts["block_cells"],
        opts["workers"],
        max_word_diff_words,
        blocking if blocking is not None else n * m > BLOCKING_MIN_PAIRS,
    )
    bar.describe("chaining paragraph pairs")
    pairing = chain_pairs({c: s for c, s in cells.items() if s >= min_similarity}, n=n, m=m)
    grow_splits(
        pairing,
        A,
        B,
        coverage=opts["split_merge_coverage"],
        max_parts=opts["max_split_parts"],
        max_words=max_word_diff_words,
    )
    pair_moves(pairing, cells, move_similarity)
    bar.describe("word diffs")
    text_words = TextWords(A.text, B.text)  # read at the first changed run, if any
    ops = []
    for what, x, y in op_order(pairing):
        if what == "pair":
            equal = opts["equal_threshold"]
            ops.append(_paired_op(pairing, x, A, B, equal, max_word_diff_words, text_words))
            bar.update()
        elif what == "only_a":
            ops.append(ParagraphOp("only_a", (x, x + 1), (y, y)))
        else:
            ops.append(ParagraphOp("only_b", (x, x), (y, y + 1)))
    bar.describe("shared passages")
    passages = find_passages(
        A, B, enc, opts["min_passage_words"], MAX_PASSAGE_REPEATS, opts["passage_gap"]
    )
    return Alignment(
        a_paragraphs=tuple(A.paras),
        b_paragraphs=tuple(B.paras),
        ops=tuple(ops),
        a_words=sum(map(len, A.words)),
        b_words=sum(map(len, B.words)),
        options=tuple(opts.items()),
        a_text=A.text,
        b_text=B.text,
        passages=passages,
    )


def _paired_op(
    pairing: Pairing,
    g: int,
    a: Side,
    b: Side,
    equal_threshold: float,
    max_words: int,
    text_words: TextWords | None = None,
) -> ParagraphOp:
    """The op of group ``g``: its kind, score and word diff."""
    a0, a1, b0, b1 = pairing.ranges[g]
    ca, cb = "".join(a.words[a0:a1]), "".join(b.words[b0:b1])
    if ca == cb and ca:  # the same words: one equal run, no diff to compute
        (x0, x1), (y0, y1) = a.bounds(a0, a1), b.bounds(b0, b1)
        word_ops: tuple[WordOp, ...] = (
            WordOp("equal", 0, len(ca), 0, len(cb), x0, x1, y0, y1, a.text[x0:x1], b.text[y0:y1]),
        )
        how = "words"
    else:
        word_ops, how = word_diff(
            a.span(a0, a1), b.span(b0, b1), ca, cb, a.text, b.text,
            a.paras[a0].start, b.paras[b0].start, max_words, text_words,
        )  # fmt: skip
    if g in pairing.moved:
        kind = "moved"
    elif a1 - a0 > 1:
        kind = "merged"
    elif b1 - b0 > 1:
        kind = "split"
    else:
        kind = "equal" if pairing.scores[g] >= equal_threshold else "edited"
    return ParagraphOp(kind, (a0, a1), (b0, b1), float(pairing.scores[g]), word_ops, how)
