"""The options of :func:`dedupe.align.align`: their defaults, chosen by measurement, and
their validation.

>>> check_options(dict(DEFAULTS, min_similarity=0.7))
>>> check_options(dict(DEFAULTS, max_candidates=0))
Traceback (most recent call last):
...
dedupe.errors.InvalidParameterError: max_candidates must be >= 1, got 0
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidParameterError
from ..params import RunOptions, check_int, check_workers

__all__ = [
    "BLOCK_CELLS",
    "BLOCKING_MAX_DF",
    "BLOCKING_MIN_PAIRS",
    "BLOCKING_MIN_WORDS",
    "DEFAULTS",
    "EQUAL_THRESHOLD",
    "MAX_CANDIDATES",
    "MAX_PASSAGE_GAP",
    "MAX_PASSAGE_REPEATS",
    "MIN_EXACT_SHARE",
    "MAX_SPLIT_PARTS",
    "MAX_WORD_DIFF_WORDS",
    "MIN_PASSAGE_WORDS",
    "MIN_SIMILARITY",
    "MOVE_SIMILARITY",
    "PARALLEL_MIN_CELLS",
    "RAW_GAP_FACTOR",
    "SEED_WORDS",
    "SPLIT_MERGE_COVERAGE",
    "check_options",
]

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
#: Paragraphs with fewer words than this pair on a rare shared word when blocking (too few
#: words for rare bigrams).
BLOCKING_MIN_WORDS = 12
#: A bigram found in more than this many paragraphs of either side does not propose
#: pairs when blocking (a fixed number, so that the proposed pairs grow linearly).
BLOCKING_MAX_DF = 20
#: Similarity blocks smaller than this many cells are computed on one thread: for small
#: blocks starting threads can cost more than it saves (it depends on paragraph lengths).
PARALLEL_MIN_CELLS = 250_000
# Measured (benchmarks: "regrouped_sentences" pairs, generated corpora of seeds 0 and 1, 46
# and 41 pairs): copied sentences of 10+ words are all found from 4 to 10 words (recall
# 1.000; 0.966 / 0.978 at 12); the word-pair precision against the copies is 0.977 / 0.963
# at 6, 0.989 / 0.978 at 7, 0.992 / 0.986 at 8 and 0.995 / 0.994 at 10 (the generator's
# order-1 Markov prose repeats phrases far more than news does). On 1,500 pairs of
# Reuters-21578 stories that share a 5-word shingle but are not re-publications (containment
# under 0.2 both ways), 13.9% get a passage at 7 words, 5.1% at 8, 1.7% at 10: wire formulas
# ("in a filing with the securities and exchange commission"). Between the seed articles on
# the same topic, 7 words also matches an institution's name ("the Ministry of Industry and
# Information Technology"); 8 keeps only shared quotes and policy phrases of 9+ words.
#: Shortest shared passage (:attr:`Alignment.passages`), in words.
MIN_PASSAGE_WORDS = 8
#: A run found at most this many times on each side is reported for every pair of its
#: occurrences; a more repeated one only for occurrences at about the same relative rank
#: on both sides (see :mod:`dedupe.align.passages`), which bounds the passages linearly.
MAX_PASSAGE_REPEATS = 8
#: Approximate passages are chains of runs of at least this many identical words.
SEED_WORDS = 2
#: Most words on either side between two runs joined into one passage (the option
#: ``passage_gap``; 0: passages are runs of identical words only).
MAX_PASSAGE_GAP = 6
#: Two runs are at most this many times ``passage_gap`` words apart on either side,
#: misread words included.
RAW_GAP_FACTOR = 2
#: A joined passage is kept when at least this share of its words (on its longer side)
#: are identical on both sides.
MIN_EXACT_SHARE = 0.5

#: The options of :func:`~dedupe.align.align` and their defaults, in its order.
DEFAULTS: dict[str, Any] = {
    "min_similarity": MIN_SIMILARITY,
    "move_similarity": MOVE_SIMILARITY,
    "equal_threshold": EQUAL_THRESHOLD,
    "split_merge_coverage": SPLIT_MERGE_COVERAGE,
    "max_split_parts": MAX_SPLIT_PARTS,
    "max_candidates": MAX_CANDIDATES,
    "max_word_diff_words": MAX_WORD_DIFF_WORDS,
    "block_cells": BLOCK_CELLS,
    "blocking": None,
    "workers": RunOptions.workers,
    "min_passage_words": MIN_PASSAGE_WORDS,
    "passage_gap": MAX_PASSAGE_GAP,
}


def _share(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0.0 < value <= 1.0):
        raise InvalidParameterError(f"{name} must be a number in (0, 1], got {value!r}")


def check_options(opts: dict[str, Any]) -> None:
    """Raise :class:`~dedupe.errors.InvalidParameterError` naming the first bad option."""
    for name in ("min_similarity", "move_similarity", "equal_threshold", "split_merge_coverage"):
        _share(name, opts[name])
    if opts["equal_threshold"] < opts["min_similarity"]:
        raise InvalidParameterError(
            "equal_threshold must be at least min_similarity "
            f"({opts['equal_threshold']} < {opts['min_similarity']})"
        )
    for name in ("max_split_parts", "max_candidates", "max_word_diff_words", "block_cells"):
        check_int(name, opts[name], 1)
    check_int("min_passage_words", opts["min_passage_words"], 2)
    check_int("passage_gap", opts["passage_gap"], 0, 1_000)
    if opts["blocking"] not in (None, True, False):
        raise InvalidParameterError(
            f"blocking must be None, True or False, got {opts['blocking']!r}"
        )
    check_workers(opts["workers"])
