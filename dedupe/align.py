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

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, LCSseq, Levenshtein

from .errors import InvalidParameterError
from .sketch import sorted_unique
from .text import Paragraph, ensure_text, normalize, paragraphs, word_spans

__all__ = [
    "Alignment",
    "ParagraphOp",
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
]

#: Kinds of :class:`ParagraphOp`, in the vocabulary of the JSON view.
OP_KINDS = ("equal", "edited", "moved", "split", "merged", "only_a", "only_b")

# Defaults of the options of :func:`align` (see its docstring), chosen by measurement:
# on 600 generated edit pairs (tests/test_align.py's generator, up to 30% of an edited
# paragraph's words changed) pairing recall is 0.999 / 0.997 / 0.990 / 0.982 at
# min_similarity 0.4 / 0.5 / 0.55 / 0.6, with precision 1.0 throughout; on the benchmark's
# generated corpus (benchmarks/generate.py, 251 re-published pairs, all edit kinds) 0.5
# gives precision 0.986 / recall 0.987 and 0.6 gives 0.989 / 0.984 (the same F1); the best
# match of an unrelated paragraph in another story on the same topic (Reuters-21578)
# scores 0.15 at the median and 0.36 at the 99th percentile. 0.6 keeps a wide margin
# above that tail, and a short headline is not paired with a longer sub-headline that
# merely contains its words (seed 000's headline in 001 scores 0.56).
#: Least similarity for two paragraphs to be paired in document order.
MIN_SIMILARITY = 0.6
#: Least similarity for a pair that breaks document order (a moved paragraph). It may be set
#: above ``MIN_SIMILARITY``, as such a pair has no support from its neighbours; recall on
#: the generated pairs is flat from 0.5 to 0.7, so it equals it by default.
MOVE_SIMILARITY = 0.6
#: Similarity from which a 1:1 pair is "equal" rather than "edited" (1.0: same words).
EQUAL_THRESHOLD = 1.0
#: Least share of a neighbouring paragraph's words that must be found, in order, in the
#: paragraph it is paired with (on top of what is found already) before the neighbour joins
#: the pair as a piece of a split (or merged) paragraph. At 0.5 or more the pair's
#: similarity never drops by growing it (recall is flat from 0.3 to 0.6, lower at 0.7).
SPLIT_MERGE_COVERAGE = 0.5
#: Most paragraphs one paragraph may be split into (or merged from).
MAX_SPLIT_PARTS = 8
#: Candidate pairs kept per paragraph of A (best first, ties nearest the diagonal), which
#: bounds the dynamic programme when many paragraphs are alike (boilerplate lines).
MAX_CANDIDATES = 16
#: Word diffs are computed word by word while both sides hold at most this many words;
#: beyond, the diff runs over sentences first, then words inside changed sentence runs.
MAX_WORD_DIFF_WORDS = 50_000
#: Cells of the similarity matrix computed at once: one byte per cell for the full matrix,
#: some 30 bytes per candidate pair on the blocking path (index arrays and score lists).
BLOCK_CELLS = 4_000_000
#: Above this many paragraph pairs (n * m), :func:`align` blocks by default: only pairs
#: sharing a rare word bigram (or involving a short paragraph) are scored.
BLOCKING_MIN_PAIRS = 250_000
#: Paragraphs with fewer words than this are scored against every paragraph when blocking.
BLOCKING_MIN_WORDS = 12
#: A bigram found in more than this many paragraphs of either side does not propose
#: pairs when blocking (a fixed number, so that the proposed pairs grow linearly).
BLOCKING_MAX_DF = 20
#: Similarity blocks smaller than this many cells are computed on one thread: for small
#: blocks starting threads can cost more than it saves (it depends on paragraph lengths).
PARALLEL_MIN_CELLS = 250_000

# A sentence ends where the text between two words holds one of these.
_SENTENCE_BREAK = re.compile(r"[.!?\n\u3002\uff01\uff1f]")
_SURROGATES = 0xE000 - 0xD800
# Pair sets up to this many possible pairs are deduplicated with a bitmap (1 byte a pair).
_BITMAP_PAIRS = 16_000_000
_MAX_SYMBOLS = 0x110000 - _SURROGATES - 0x21


class _Encoder:
    """Maps each distinct key (a word, a sentence) to one code point, so a sequence of
    keys becomes a ``str`` that rapidfuzz compares symbol by symbol."""

    def __init__(self) -> None:
        self._ids: dict[Any, str] = {}

    def encode(self, keys: list[str]) -> str:
        """The code string of a sequence of keys."""
        ids = self._ids
        new = set(keys).difference(ids)
        if new and len(ids) + len(new) < 0xD800 - 0x21:  # the common case, in bulk
            ids.update(zip(new, map(chr, range(len(ids) + 0x21, len(ids) + 0x21 + len(new)))))
        else:
            for key in new:
                self(key)
        return "".join(map(ids.__getitem__, keys))

    def __call__(self, key: Any) -> str:
        sym = self._ids.get(key)
        if sym is None:
            n = len(self._ids) % _MAX_SYMBOLS + 0x21  # beyond ~1.1M keys symbols are shared
            if n >= 0xD800:
                n += _SURROGATES
            sym = self._ids[key] = chr(n)
        return sym


@dataclass(frozen=True)
class WordOp:
    """One difflib-style opcode over the word tokens of a paired op, with text offsets.

    ``i1:i2`` index the words of the op's A paragraphs (taken together), ``j1:j2`` those
    of its B paragraphs; ``a_start:a_end`` and ``b_start:b_end`` are character offsets
    into the original texts (empty at the insertion point for ``insert``/``delete``), and
    ``a_text``/``b_text`` the original text of those spans. Iterating yields the difflib
    5-tuple ``(tag, i1, i2, j1, j2)``.

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
        }


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

    def to_dict(self, *, equal_words: bool = False) -> dict[str, Any]:
        """JSON-ready form; ``equal_words=False`` leaves out the unchanged word runs."""
        return {
            "kind": self.kind,
            "a": list(self.a),
            "b": list(self.b),
            "score": round(self.score, 6),
            "word_diff": self.word_diff,
            "word_ops": [w.to_dict() for w in self.word_ops if equal_words or w.tag != "equal"],
        }


@dataclass(frozen=True)
class Alignment:
    """The paragraph alignment of two texts; see :func:`align`.

    ``a_paragraphs`` and ``b_paragraphs`` are the paragraphs of :func:`dedupe.text.paragraphs`
    (text, start and end offsets into ``a_text``/``b_text``). ``ops`` cover every paragraph
    of both sides exactly once, in the reading order of A: ``moved`` ops at their place in
    A, ``only_b`` ops in place (after the ``only_a`` ops of the same gap between pairs).
    ``a_words``/``b_words`` count the words of each side; ``options`` are the options
    :func:`align` ran with.

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

    def summary(self) -> dict[str, Any]:
        """Counts of each op kind and the share of each side's words found in the other.

        ``a_in_b`` is the share of A's words that stand unchanged in a paired paragraph
        (the ``equal`` runs of the word diffs); ``b_in_a`` likewise for B. A side without
        words has share 0.0.

        >>> s = align("a b c d\\n\\nx y", "a b c e").summary()
        >>> s["counts"]["edited"], s["counts"]["only_a"], s["a_in_b"], s["b_in_a"]
        (1, 1, 0.5, 0.75)
        """
        counts = dict.fromkeys(OP_KINDS, 0)
        kept_a = kept_b = 0
        for op in self.ops:
            counts[op.kind] += 1
            for w in op.word_ops:
                if w.tag == "equal":
                    kept_a += w.i2 - w.i1
                    kept_b += w.j2 - w.j1
        return {
            "counts": counts,
            "a_paragraphs": len(self.a_paragraphs),
            "b_paragraphs": len(self.b_paragraphs),
            "a_words": self.a_words,
            "b_words": self.b_words,
            "a_in_b": round(kept_a / self.a_words, 6) if self.a_words else 0.0,
            "b_in_a": round(kept_b / self.b_words, 6) if self.b_words else 0.0,
        }

    def pairs(self) -> list[tuple[int, int]]:
        """Every (A paragraph, B paragraph) index pair joined by a paired op.

        >>> align("x y z", "x y z").pairs()
        [(0, 0)]
        """
        out = []
        for op in self.ops:
            if op.kind not in ("only_a", "only_b"):
                out.extend((i, j) for i in range(*op.a) for j in range(*op.b))
        return out

    def to_dict(self, *, equal_words: bool = False) -> dict[str, Any]:
        """JSON-serialisable view (schema in :data:`dedupe.render.ALIGNMENT_SCHEMA`).

        >>> import json
        >>> d = align("a b c", "a b d").to_dict()
        >>> d["ops"][0]["word_ops"][0]["a_text"], d["ops"][0]["word_ops"][0]["b_text"]
        ('c', 'd')
        >>> _ = json.dumps(d)
        """
        return {
            "version": 1,
            "options": dict(self.options),
            "summary": self.summary(),
            "a_paragraphs": [p.to_dict() for p in self.a_paragraphs],
            "b_paragraphs": [p.to_dict() for p in self.b_paragraphs],
            "ops": [op.to_dict(equal_words=equal_words) for op in self.ops],
        }

    def render(self, fmt: str = "text") -> str:
        """``"text"``, ``"markdown"`` or ``"html"`` (a whole page); see :mod:`dedupe.render`.

        >>> print(align("a b c", "a b d").render("text"))
        ~ A1 -> B1 edited 0.67
          a b [-c-]{+d+}
        """
        from .render import render_alignment

        return render_alignment(self, fmt)


# --------------------------------------------------------------------------- options


def _check_options(opts: dict[str, Any]) -> None:
    def unit(name: str, low_open: bool = True) -> None:
        v = opts[name]
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not (0.0 < v <= 1.0):
            raise InvalidParameterError(f"{name} must be a number in (0, 1], got {v!r}")

    for name in ("min_similarity", "move_similarity", "equal_threshold"):
        unit(name)
    if opts["equal_threshold"] < opts["min_similarity"]:
        raise InvalidParameterError(
            "equal_threshold must be at least min_similarity "
            f"({opts['equal_threshold']} < {opts['min_similarity']})"
        )
    g = opts["split_merge_coverage"]
    if not isinstance(g, (int, float)) or isinstance(g, bool) or not (0.0 < g <= 1.0):
        raise InvalidParameterError(f"split_merge_coverage must be a number in (0, 1], got {g!r}")
    for name, low in (
        ("max_split_parts", 1),
        ("max_candidates", 1),
        ("max_word_diff_words", 1),
        ("block_cells", 1),
    ):
        v = opts[name]
        if not isinstance(v, int) or isinstance(v, bool) or v < low:
            raise InvalidParameterError(f"{name} must be an integer >= {low}, got {v!r}")
    if opts["blocking"] not in (None, True, False):
        raise InvalidParameterError(
            f"blocking must be None, True or False, got {opts['blocking']!r}"
        )
    w = opts["workers"]
    if not isinstance(w, int) or isinstance(w, bool) or w == 0 or w < -1:
        raise InvalidParameterError(f"workers must be -1 (all cores) or >= 1, got {w!r}")


# --------------------------------------------------------------------------- scoring


@dataclass
class _Side:
    paras: list[Paragraph]
    codes: list[str]  # per paragraph: one code point per word (wordless: one symbol)
    words: list[str]  # per paragraph: one code point per word (wordless: "")
    text: str
    starts: list[list[int]] = field(default_factory=list)  # per paragraph: word offsets
    ends: list[list[int]] = field(default_factory=list)  # into the source text

    def offsets(self, k: int) -> tuple[list[int], list[int]]:
        """(starts, ends) of paragraph ``k``'s words in the source."""
        return self.starts[k], self.ends[k]

    def bounds(self, lo: int, hi: int) -> tuple[int, int]:
        """Start of the first word and end of the last word of paragraphs ``lo:hi``."""
        ks = [k for k in range(lo, hi) if self.words[k]]
        return self.starts[ks[0]][0], self.ends[ks[-1]][-1]

    def span(self, lo: int, hi: int) -> tuple[list[int], list[int]]:
        """(starts, ends) of the words of paragraphs ``lo:hi`` taken together."""
        if hi - lo == 1:
            return self.offsets(lo)
        st: list[int] = []
        en: list[int] = []
        for k in range(lo, hi):
            a, b = self.offsets(k)
            st += a
            en += b
        return st, en


def _side(text: str, enc: _Encoder) -> _Side:
    paras = paragraphs(text)
    side = _Side(paras, [], [], text)
    for p in paras:
        spans = word_spans(p.text)  # the words and their offsets, one pass
        toks = [w for w, _, _ in spans]
        side.starts.append([p.start + st for _, st, _ in spans])
        side.ends.append([p.start + en for _, _, en in spans])
        if toks:
            code = enc.encode(toks)
            side.codes.append(code)
            side.words.append(code)
        else:  # no words (a rule like "* * *"): pair only with the very same text
            side.codes.append(enc(("\0", normalize(p.text))))
            side.words.append("")
    return side


def _sentence_codes(side: _Side, enc: _Encoder) -> list[str]:
    """Per paragraph, one code point per sentence (a coarse form for very long ones)."""
    out = []
    for k, code in enumerate(side.codes):
        st, en = side.offsets(k)
        cuts = _sentences(st, en, side.text) if st else [0, len(code)]
        out.append("".join(enc(code[x:y]) for x, y in zip(cuts, cuts[1:])))
    return out


def _bigrams(codes: list[str], which: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (word bigram, paragraph) entries of paragraphs ``which``, as two arrays;
    a bigram is its two code points packed in one integer."""
    sel = [codes[k] for k in which]
    flat = np.frombuffer("".join(sel).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    para = np.repeat(np.array(which, dtype=np.int64), [len(c) for c in sel])
    same = para[:-1] == para[1:]
    key = sorted_unique((para[:-1][same] << 42) | (flat[:-1][same] << 21) | flat[1:][same])
    return key & ((1 << 42) - 1), key >> 42


def _gram_pairs(a_codes: list[str], b_codes: list[str], rows: list[int], max_df: int) -> np.ndarray:
    """Pairs ``i * len(b_codes) + j`` (``i`` in ``rows``) that share a word bigram found
    in at most ``max_df`` paragraphs of each side (blocking: pairs sharing no such bigram
    are not scored)."""
    m = len(b_codes)
    ga, pa = _bigrams(a_codes, rows)
    gb, pb = _bigrams(b_codes, list(range(m)))
    if not len(ga) or not len(gb):
        return np.zeros(0, dtype=np.int64)
    grams, inverse = np.unique(np.concatenate([ga, gb]), return_inverse=True)
    ga, gb = inverse[: len(ga)], inverse[len(ga) :]
    df_a = np.bincount(ga, minlength=len(grams))
    df_b = np.bincount(gb, minlength=len(grams))
    useful = (df_a <= max_df) & (df_b <= max_df) & (df_b > 0)
    keep = useful[ga]
    ga, pa = ga[keep], pa[keep]
    order = np.argsort(gb, kind="stable")
    gb, pb = gb[order], pb[order]
    lo = np.searchsorted(gb, ga, "left")
    counts = np.searchsorted(gb, ga, "right") - lo
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    first = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    keys = np.repeat(pa, counts) * m + pb[first + np.arange(total)]
    if len(a_codes) * m <= _BITMAP_PAIRS:  # dedupe with a bitmap when it is small
        seen = np.zeros(len(a_codes) * m, dtype=bool)
        seen[keys] = True
        return np.flatnonzero(seen)
    return sorted_unique(keys)


def _copy_pairs(a_codes: list[str], b_codes: list[str], rows: list[int], band: int) -> np.ndarray:
    """Pairs ``i * len(b_codes) + j`` of paragraphs with the very same words (``i`` in
    ``rows``), so that blocking keeps repeated paragraphs whose bigrams are all common.
    A word-for-word paragraph found ``ca`` times in A and ``cb`` times in B proposes, for
    its k-th copy in A, the copies of B within ``band`` of ``k * cb / ca``."""
    where_b: dict[str, list[int]] = {}
    for j, c in enumerate(b_codes):
        where_b.setdefault(c, []).append(j)
    where_a: dict[str, list[int]] = {}
    for i in rows:
        if a_codes[i] in where_b:
            where_a.setdefault(a_codes[i], []).append(i)
    m = len(b_codes)
    out: list[int] = []
    for code, ia in where_a.items():
        jb = where_b[code]
        for k, i in enumerate(ia):
            mid = k * len(jb) // len(ia)
            out.extend(i * m + j for j in jb[max(0, mid - band) : mid + band + 1])
    return np.array(out, dtype=np.int64)


def _candidates(
    a: _Side,
    b: _Side,
    cutoff: float,
    max_candidates: int,
    block_cells: int,
    workers: int,
    max_words: int,
    blocking: bool,
) -> dict[tuple[int, int], float]:
    """Pairs (i, j) scoring at least ``cutoff``; at most ``max_candidates`` per row.

    Without ``blocking`` every pair is scored, ``block_cells`` cells at a time. With
    ``blocking``, a pair of paragraphs of at least ``BLOCKING_MIN_WORDS`` words each is
    scored only when they share a word bigram that is rare on both sides (see
    :func:`_gram_pairs`); shorter paragraphs are scored against everything.

    A pair where either paragraph has more than ``max_words`` words is scored over
    sentences (one symbol per sentence) instead of words, so that a 1 MB paragraph costs
    no more than a few thousand short ones.
    """
    n, m = len(a.codes), len(b.codes)
    out: dict[tuple[int, int], float] = {}
    if not n or not m:
        return out
    long_a = {i for i in range(n) if len(a.codes[i]) > max_words}
    long_b = {j for j in range(m) if len(b.codes[j]) > max_words}
    # Long paragraphs are left out of the word-level scoring: stand-ins that match nothing
    # (code points below those of the encoder).
    queries = ["\x01" if k in long_a else c for k, c in enumerate(a.codes)]
    choices = ["\x02" if k in long_b else c for k, c in enumerate(b.codes)]
    cut = int(np.floor(cutoff * 100))
    floor = max(cut, 1)

    def keep(i: int, cols: np.ndarray, vals: np.ndarray) -> None:
        if len(cols) > max_candidates:  # best first; ties nearest the diagonal
            key = vals.astype(np.float64) * (m + 1) - np.abs(cols - i * m / n)
            cols = cols[np.argpartition(-key, max_candidates - 1)[:max_candidates]]
        for j in cols.tolist():
            sim = Indel.normalized_similarity(a.codes[i], b.codes[j])
            if sim >= cutoff:
                out[(i, j)] = sim

    def threads(cells: int) -> int:
        return workers if cells >= PARALLEL_MIN_CELLS else 1

    if not blocking:
        rows = max(1, block_cells // m)
        for r0 in range(0, n, rows):
            block = process.cdist(
                queries[r0 : r0 + rows],
                choices,
                scorer=fuzz.ratio,
                score_cutoff=cut,
                dtype=np.uint8,
                workers=threads(min(rows, n - r0) * m),
            )
            for r in range(block.shape[0]):
                cols = np.flatnonzero(block[r] >= floor)
                if len(cols):
                    keep(r0 + r, cols, block[r][cols])
    else:
        short_a = [i for i in range(n) if len(queries[i]) < BLOCKING_MIN_WORDS]
        short_b = [j for j in range(m) if len(choices[j]) < BLOCKING_MIN_WORDS]
        rest_a = [i for i in range(n) if len(queries[i]) >= BLOCKING_MIN_WORDS]
        keys = [
            _gram_pairs(queries, choices, rest_a, BLOCKING_MAX_DF),
            _copy_pairs(queries, choices, rest_a, max_candidates),
        ]
        for rows_, cols_ in ((short_a, range(m)), (rest_a, short_b)):
            if rows_ and len(cols_):
                rr, cc = np.meshgrid(np.array(rows_), np.array(cols_), indexing="ij")
                keys.append((rr * m + cc).ravel())
        pairs = sorted_unique(np.concatenate(keys)) if len(keys) > 1 else keys[0]
        for c0 in range(0, len(pairs), block_cells):
            chunk = pairs[c0 : c0 + block_cells]
            ii, jj = chunk // m, chunk % m
            scores = process.cpdist(
                [queries[i] for i in ii.tolist()],
                [choices[j] for j in jj.tolist()],
                scorer=fuzz.ratio,
                score_cutoff=cut,
                dtype=np.uint8,
                workers=threads(len(chunk)),
            )
            hit = scores >= floor
            ii, jj, scores = ii[hit], jj[hit], scores[hit]
            bounds = np.flatnonzero(np.diff(ii)) + 1  # pairs are sorted by row
            for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(ii)]):
                if hi > lo:
                    keep(int(ii[lo]), jj[lo:hi], scores[lo:hi])
    if long_a or long_b:  # long paragraphs: scored over sentences
        enc = _Encoder()
        sent_a, sent_b = _sentence_codes(a, enc), _sentence_codes(b, enc)
        for i in range(n):
            for j in range(m) if i in long_a else sorted(long_b):
                sim = Indel.normalized_similarity(sent_a[i], sent_b[j])
                if sim >= cutoff:
                    out[(i, j)] = sim
    return out


def _monotone_chain(cells: dict[tuple[int, int], float], m: int) -> list[tuple[int, int]]:
    """The chain of cells increasing in both i and j with the largest total score.

    Rows are taken in order; a Fenwick tree over j keeps the best chain ending left of
    each column, so the cost is O(K log m) for K candidate cells.
    """
    if not cells:
        return []
    keys = sorted(cells)
    tree_val = [0.0] * (m + 1)
    tree_arg = [-1] * (m + 1)
    best = [0.0] * len(keys)
    pred = [-1] * len(keys)
    k = 0
    while k < len(keys):
        i = keys[k][0]
        row_end = k
        while row_end < len(keys) and keys[row_end][0] == i:
            row_end += 1
        for t in range(k, row_end):
            j = keys[t][1]
            v, arg, x = 0.0, -1, j  # prefix max over columns < j (1-based j)
            while x > 0:
                if tree_val[x] > v:
                    v, arg = tree_val[x], tree_arg[x]
                x -= x & -x
            best[t] = v + cells[keys[t]]
            pred[t] = arg
        for t in range(k, row_end):
            x = keys[t][1] + 1
            while x <= m:
                if best[t] > tree_val[x]:
                    tree_val[x], tree_arg[x] = best[t], t
                x += x & -x
        k = row_end
    t = max(range(len(keys)), key=best.__getitem__)
    chain = []
    while t >= 0:
        chain.append(keys[t])
        t = pred[t]
    return chain[::-1]


# --------------------------------------------------------------------------- word diff


def _merge_opcodes(codes: Sequence[Any]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes with each run of non-equal opcodes joined into one."""
    out: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag != "equal" and out and out[-1][0] != "equal":
            _, p1, _, q1, _ = out[-1]
            out[-1] = ("change", p1, i2, q1, j2)
        else:
            out.append((tag if tag == "equal" else "change", i1, i2, j1, j2))
    return out


def _sentences(starts: list[int], ends: list[int], text: str) -> list[int]:
    """Word indices where sentences start (always 0 first) and the word count last."""
    cuts = [0]
    for k in range(1, len(starts)):
        if _SENTENCE_BREAK.search(text, ends[k - 1], starts[k]):
            cuts.append(k)
    cuts.append(len(starts))
    return cuts


def _word_diff(
    sa: tuple[list[int], list[int]],
    sb: tuple[list[int], list[int]],
    ca: str,
    cb: str,
    a_text: str,
    b_text: str,
    a_pos: int,
    b_pos: int,
    max_words: int,
) -> tuple[tuple[WordOp, ...], str]:
    """Word opcodes of one paired op; ``sa``/``sb`` are (starts, ends) of its words."""
    (a_st, a_en), (b_st, b_en) = sa, sb
    if len(a_st) <= max_words and len(b_st) <= max_words:
        raw = _merge_opcodes(Levenshtein.opcodes(ca, cb))
        how = "words"
    else:
        how = "sentences"
        cut_a, cut_b = _sentences(a_st, a_en, a_text), _sentences(b_st, b_en, b_text)
        enc = _Encoder()
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
    for tag, i1, i2, j1, j2 in raw:
        if i1 == i2 and j1 == j2:
            continue
        a0 = a_st[i1] if i1 < len(a_st) else (a_en[-1] if a_en else a_pos)
        a1 = a_en[i2 - 1] if i2 > i1 else a0
        b0 = b_st[j1] if j1 < len(b_st) else (b_en[-1] if b_en else b_pos)
        b1 = b_en[j2 - 1] if j2 > j1 else b0
        if tag == "change":
            tag = "replace" if i2 > i1 and j2 > j1 else ("delete" if i2 > i1 else "insert")
        ops.append(WordOp(tag, i1, i2, j1, j2, a0, a1, b0, b1, a_text[a0:a1], b_text[b0:b1]))
    return tuple(ops), how


# --------------------------------------------------------------------------- align


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
    workers: int = -1,
) -> Alignment:
    """Align the paragraphs of ``a`` and ``b`` and diff each pair word by word.

    Steps: split both texts with :func:`dedupe.text.paragraphs`; score every paragraph
    pair (word-level similarity, see the module docstring) with rapidfuzz ``cdist`` in
    row blocks of at most ``block_cells`` cells, keeping pairs from ``min_similarity``
    (at most ``max_candidates`` per A paragraph); take the highest-scoring chain of pairs
    in document order; grow each pair over unpaired neighbours whose words are found in
    the pair's other side (``split``/``merged``, up to ``max_split_parts`` paragraphs);
    pair leftovers out of order from ``move_similarity``
    (``moved``); label the rest ``only_a``/``only_b``.

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
      most ``BLOCKING_MAX_DF`` paragraphs of each), and every pair involving a
      paragraph under ``BLOCKING_MIN_WORDS`` words. ``None`` (default): block when there
      are more than ``BLOCKING_MIN_PAIRS`` paragraph pairs; ``False``: score every pair.
    - ``workers``: threads for ``cdist`` (-1: all cores) on blocks of at least
      ``PARALLEL_MIN_CELLS`` cells; smaller ones run on one thread.

    ``a`` and ``b`` are ``str`` or UTF-8 ``bytes`` (anything else raises
    :class:`dedupe.InvalidTextError`). An empty or blank side is allowed: every paragraph
    of the other side is then ``only_a``/``only_b``.

    >>> al = align("Intro.\\nShared paragraph here.", "Shared paragraph here!\\nOutro.")
    >>> [(op.kind, op.a, op.b) for op in al.ops]
    [('only_a', (0, 1), (0, 0)), ('equal', (1, 2), (0, 1)), ('only_b', (2, 2), (1, 2))]
    """
    opts = {
        "min_similarity": min_similarity,
        "move_similarity": move_similarity,
        "equal_threshold": equal_threshold,
        "split_merge_coverage": split_merge_coverage,
        "max_split_parts": max_split_parts,
        "max_candidates": max_candidates,
        "max_word_diff_words": max_word_diff_words,
        "block_cells": block_cells,
        "blocking": blocking,
        "workers": workers,
    }
    _check_options(opts)
    a_text = ensure_text(a, name="a")
    b_text = ensure_text(b, name="b")
    enc = _Encoder()
    A, B = _side(a_text, enc), _side(b_text, enc)
    n, m = len(A.paras), len(B.paras)

    cells = _candidates(
        A,
        B,
        min(min_similarity, move_similarity),
        max_candidates,
        block_cells,
        workers,
        max_word_diff_words,
        blocking if blocking is not None else n * m > BLOCKING_MIN_PAIRS,
    )
    in_order = {c: s for c, s in cells.items() if s >= min_similarity}
    chain = _monotone_chain(in_order, m)

    a_owner = [-1] * n  # index into `groups` of the pair holding each paragraph
    b_owner = [-1] * m
    groups: list[list[int]] = []  # [a0, a1, b0, b1] ranges
    scores: list[float] = []
    for i, j in chain:
        a_owner[i] = b_owner[j] = len(groups)
        groups.append([i, i + 1, j, j + 1])
        scores.append(in_order[(i, j)])

    def joined(side: _Side, lo: int, hi: int) -> str:
        return "".join(side.codes[lo:hi])

    # Split / merge: grow a pair over free neighbours whose words are found in order in
    # the other side (the longest common subsequence grows by a share of their words).
    for g, rng in enumerate(groups):
        lcs = -1  # computed when first needed
        for side, owner, lo_k, hi_k, size in ((B, b_owner, 2, 3, m), (A, a_owner, 0, 1, n)):
            if rng[1] - rng[0] > 1 or rng[3] - rng[2] > 1:
                break  # grown already on one side
            for step in (1, -1):
                while rng[hi_k] - rng[lo_k] < max_split_parts:
                    k = rng[hi_k] if step == 1 else rng[lo_k] - 1
                    if not (0 <= k < size) or owner[k] != -1:
                        break
                    lo, hi = (rng[lo_k], k + 1) if step == 1 else (k, rng[hi_k])
                    fixed = A.codes[rng[0]] if side is B else B.codes[rng[2]]
                    grown = joined(side, lo, hi)
                    if max(len(grown), len(fixed)) > max_word_diff_words:
                        break  # too long to score word by word: leave it unpaired
                    if lcs < 0:
                        lcs = LCSseq.similarity(A.codes[rng[0]], B.codes[rng[2]])
                    new_lcs = LCSseq.similarity(fixed, grown)
                    if new_lcs - lcs < split_merge_coverage * len(side.codes[k]):
                        break
                    rng[lo_k], rng[hi_k] = lo, hi
                    owner[k] = g
                    lcs = new_lcs
                    scores[g] = 2 * lcs / (len(fixed) + len(grown))

    # Moved: leftovers on both sides, best first.
    moved: list[int] = []
    for (i, j), s in sorted(cells.items(), key=lambda c: (-c[1], c[0])):
        if s >= move_similarity and a_owner[i] == -1 and b_owner[j] == -1:
            a_owner[i] = b_owner[j] = len(groups)
            moved.append(len(groups))
            groups.append([i, i + 1, j, j + 1])
            scores.append(s)
    moved_set = set(moved)

    def paired(g: int) -> ParagraphOp:
        a0, a1, b0, b1 = groups[g]
        ca, cb = "".join(A.words[a0:a1]), "".join(B.words[b0:b1])
        if ca == cb and ca:  # the same words: one equal run, no diff to compute
            (x0, x1), (y0, y1) = A.bounds(a0, a1), B.bounds(b0, b1)
            word_ops: tuple[WordOp, ...] = (
                WordOp(
                    "equal", 0, len(ca), 0, len(cb), x0, x1, y0, y1, a_text[x0:x1], b_text[y0:y1]
                ),
            )
            how = "words"
        else:
            word_ops, how = _word_diff(
                A.span(a0, a1),
                B.span(b0, b1),
                ca,
                cb,
                a_text,
                b_text,
                A.paras[a0].start,
                B.paras[b0].start,
                max_word_diff_words,
            )
        if g in moved_set:
            kind = "moved"
        elif a1 - a0 > 1:
            kind = "merged"
        elif b1 - b0 > 1:
            kind = "split"
        else:
            kind = "equal" if scores[g] >= equal_threshold else "edited"
        return ParagraphOp(kind, (a0, a1), (b0, b1), float(scores[g]), word_ops, how)

    # Emit in A order; B-only paragraphs in place, after the A side of their gap.
    ops: list[ParagraphOp] = []
    i = j = 0
    anchors = [g for g in range(len(groups)) if g not in moved_set]
    for g in anchors + [-1]:
        a_stop, b_stop = (groups[g][0], groups[g][2]) if g >= 0 else (n, m)
        while i < a_stop:
            if a_owner[i] == -1:
                ops.append(ParagraphOp("only_a", (i, i + 1), (j, j)))
                i += 1
            else:  # a moved pair, placed at its A position
                ops.append(paired(a_owner[i]))
                i = groups[a_owner[i]][1]
        while j < b_stop:
            if b_owner[j] == -1:
                ops.append(ParagraphOp("only_b", (i, i), (j, j + 1)))
            j += 1
        if g >= 0:
            ops.append(paired(g))
            i, j = groups[g][1], groups[g][3]
    return Alignment(
        a_paragraphs=tuple(A.paras),
        b_paragraphs=tuple(B.paras),
        ops=tuple(ops),
        a_words=sum(map(len, A.words)),
        b_words=sum(map(len, B.words)),
        options=tuple(opts.items()),
        a_text=a_text,
        b_text=b_text,
    )
