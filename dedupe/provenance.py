"""Provenance: which indexed documents a text was built from, and where each part came from.

:func:`trace` (what :meth:`dedupe.Index.provenance` calls) cuts a text into consecutive
:class:`Span` objects, each taken from an indexed document or from none, and lists every
:class:`Source` with the share of the text it supplies and the :class:`SourcePassage`
stretches of the text it holds.

>>> from dedupe import Index
>>> index = Index()
>>> index.add("wire", "The minister said on Monday that the new rail line will open in May "
...           "and carry ten thousand passengers a day between the two cities.")
>>> text = ("Officials were upbeat. The minister said on Monday that the new rail line "
...         "will open in May and carry ten thousand passengers a day.")
>>> prov = index.provenance(text)
>>> for span in prov.spans:
...     print(span.source, repr(text[span.start : span.end][:40]))
None 'Officials were upbeat. '
wire 'The minister said on Monday that the new'
>>> prov.sources[0].id, round(prov.sources[0].share, 2)
('wire', 0.82)

How, with only what the index keeps (a set of 32-bit shingle fingerprints and the passage
keys of each document; no text, no positions):

1. **Shingles in text order.** The text is hashed into shingles exactly as the index
   hashes documents, and its words' character offsets kept (:func:`dedupe.text.word_offsets`);
   the fingerprint of a shingle is the low 32 bits of its hash.
2. **Candidates from the keys.** The text's passage keys (window minima, or every shingle
   of a short text: :func:`dedupe.sketch.passage_keys`) are looked up in the store. A key
   held by at most ``max_key_docs`` documents proposes all of them; a more common key
   proposes its earliest holder only (the store returns that one; the band rule of
   :mod:`dedupe.lsh` treats common band keys the same way), so a story re-published
   hundreds of times is still traced, to its first copy, at a bounded cost. No document
   that shares no key with the text is looked at. A run of ``window + ngram - 1`` words
   (12 by default) found word for word in a document always shares a key with it, so at
   the default ``min_words`` every such run is found (when that key is over the cap, in
   its earliest holder only).
3. **Runs.** Each candidate's shingle set is fetched; a *run* is a stretch of consecutive
   shingles of the text that the candidate all holds. ``r`` shingles cover ``r + ngram - 1``
   words. Exact over fingerprints: a run is evidence that the document holds those words
   in that order (each shingle overlaps the next by ``ngram - 1`` words), not a text
   comparison.
4. **Held passages.** A candidate's runs separated by at most ``max_gap`` words are joined
   (a word changed by an editor breaks the ``ngram`` shingles through it), unless a word
   between them is a number (at least half digits: a changed figure is news, and breaks
   the passage); a joined stretch counts only when one of its runs has at least
   ``min_words`` words, so that common phrases (a 5-word shingle, a short formula) are not
   attributions. Its ``exact_words`` are the words inside its runs; it is ``exact`` when
   they are all its words.

   **Fuzzy index** (``Index(fuzzy=True)``, which keeps each document's fuzzy words): steps
   2-4 use the text's fuzzy keys to find candidates, and each candidate's words are
   aligned with the text's as :func:`dedupe.align() <dedupe.align.align>` finds approximate passages
   (:func:`dedupe.align.passages.approximate_passages`: runs of 2+ identical words joined
   across at most ``max_gap`` edited words on either side, words misread by OCR not
   counted, never across a changed number, at least half of identical words, at least
   ``min_words`` words), so that an OCR-read copy is credited to its source.
5. **Spans.** Each word goes to the **earliest-added** document holding it (the smallest
   store row: insertion order, a replaced document counting as added when it was
   replaced), or to ``None``. Consecutive words with the same source make a span; its
   ``alternatives`` are the other documents that hold the whole span, earliest first.
   Span boundaries fall between words: a span keeps the punctuation right after its last
   word (``said.``, closing quotes) and the whitespace after that; the next span starts
   with whatever precedes its first word (an opening quote). The first span starts at 0,
   the last ends at the end of the text: the spans cover the text exactly once, in order.

``source_start`` and ``source_end`` are always ``None`` here: the index keeps no source
text and no positions, only sets, so where the span stands in the source cannot be told.
Align the span with the source text (:func:`dedupe.align() <dedupe.align.align>`, whose
passages carry offsets in both texts) when you have it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .align.passages import approximate_passages
from .errors import EmptyTextError, InvalidParameterError
from .flat import offsets_of, segment_positions, sorted_unique
from .noise import is_number
from .params import IndexParams, check_int
from .sketch import (
    batch_text_hashes,
    buffer_word_hashes,
    fuzzy_keys,
    passage_keys,
    shingle_hashes,
    unique_per_row,
    word_hashes,
)
from .store import Fetched, Store
from .text import ensure_text, fuzzy_buffer, fuzzy_words, word_buffer, word_offsets, word_spans

__all__ = [
    "MAX_GAP",
    "MIN_WORDS",
    "PROVENANCE_VERSION",
    "Provenance",
    "Source",
    "SourcePassage",
    "Span",
    "trace",
]

#: Default minimum length, in words, of a run a document must share with the text for any
#: of the text to be attributed to it (see ``docs/guides/provenance.md`` for the
#: measurement behind it).
MIN_WORDS = 12
#: Default number of words that may differ between two runs of one document that are
#: joined into one held passage.
MAX_GAP = 3
#: Version of the JSON form of :meth:`Provenance.to_dict` (2: passages say ``exact_words``
#: and ``exact``).
PROVENANCE_VERSION = 2


@dataclass(frozen=True)
class Span:
    """A stretch of the text, ``text[start:end]``, and the indexed document it came from.

    ``source`` is the id of the earliest-added document that holds this stretch, or
    ``None`` for text found in no indexed document; ``alternatives`` are the other
    documents that hold the whole stretch too, earliest-added first. ``source_start`` and
    ``source_end`` would be its offsets in the source's text, which the index does not
    keep: they are ``None`` (see the module docstring).

    >>> Span(0, 10, "wire", alternatives=("copy",)).to_dict()["alternatives"]
    ['copy']
    """

    start: int
    end: int
    source: str | None
    source_start: int | None = None
    source_end: int | None = None
    alternatives: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with every field."""
        return {
            "start": self.start,
            "end": self.end,
            "source": self.source,
            "source_start": self.source_start,
            "source_end": self.source_end,
            "alternatives": list(self.alternatives),
        }


@dataclass(frozen=True)
class SourcePassage:
    """A stretch of the text that a source holds: ``text[start:end]`` runs from its first
    word to its last; ``words`` counts them, ``exact_words`` those found in the source word
    for word. An *exact* passage (``exact``) is found word for word; an approximate one has
    a few words edited (up to ``max_gap`` between two exact runs) or, from a fuzzy index,
    misread.

    >>> SourcePassage(4, 30, 5, 5).to_dict()
    {'start': 4, 'end': 30, 'words': 5, 'exact_words': 5, 'exact': True}
    >>> SourcePassage(4, 30, 5, 4).exact
    False
    """

    start: int
    end: int
    words: int
    exact_words: int

    @property
    def exact(self) -> bool:
        """Whether the source holds every word of the passage as it is."""
        return self.exact_words == self.words

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with every field and ``exact``."""
        return {
            "start": self.start,
            "end": self.end,
            "words": self.words,
            "exact_words": self.exact_words,
            "exact": self.exact,
        }


@dataclass(frozen=True)
class Source:
    """An indexed document the text draws from.

    ``share`` is the share of the text's characters in spans attributed to it (0..1);
    ``held`` the share in stretches it holds, whether or not an earlier document holding
    them too was preferred (so ``held >= share``; a document with ``share == 0`` holds
    only text that an earlier-added document holds as well). ``passages`` are those
    stretches, in text order.

    >>> Source("wire", 0.5, 0.75, (SourcePassage(0, 10, 2, 2),)).to_dict()["passages"]
    [{'start': 0, 'end': 10, 'words': 2, 'exact_words': 2, 'exact': True}]
    """

    id: str
    share: float
    held: float
    passages: tuple[SourcePassage, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with every field (shares rounded to 6 digits)."""
        return {
            "id": self.id,
            "share": round(self.share, 6),
            "held": round(self.held, 6),
            "passages": [p.to_dict() for p in self.passages],
        }


@dataclass(frozen=True)
class Provenance:
    """Where a text came from: :class:`Span` objects covering it exactly once, in order,
    and the :class:`Source` documents, best first (largest ``share``, then largest
    ``held``, then earliest added).

    ``words`` counts the text's words; ``candidates`` the indexed documents that were
    checked (those sharing a passage key with it); ``options`` the options of the run.

    >>> p = Provenance("ab cd", (Span(0, 3, "x"), Span(3, 5, None)),
    ...                (Source("x", 0.6, 0.6, (SourcePassage(0, 2, 1, 1),)),), 2, 1)
    >>> p.found, [p.text[s.start:s.end] for s in p.spans]
    (0.6, ['ab ', 'cd'])
    """

    text: str = field(repr=False)
    spans: tuple[Span, ...]
    sources: tuple[Source, ...]
    words: int = 0
    candidates: int = 0
    options: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def found(self) -> float:
        """Share of the text's characters attributed to some indexed document (0..1)."""
        if not self.text:
            return 0.0
        return sum(s.end - s.start for s in self.spans if s.source is not None) / len(self.text)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view: ``version``, ``length`` (characters), ``words``,
        ``candidates``, ``options``, ``found``, ``sources`` and ``spans`` (each with its
        ``text``, so that the spans' texts joined give the text back).

        >>> import json
        >>> p = Provenance("ab", (Span(0, 2, None),), (), 1, 0)
        >>> json.loads(json.dumps(p.to_dict()))["spans"][0]["text"]
        'ab'
        """
        return {
            "version": PROVENANCE_VERSION,
            "length": len(self.text),
            "words": self.words,
            "candidates": self.candidates,
            "options": dict(self.options),
            "found": round(self.found, 6),
            "sources": [s.to_dict() for s in self.sources],
            "spans": [{**s.to_dict(), "text": self.text[s.start : s.end]} for s in self.spans],
        }


def _cuts(text: str, starts: np.ndarray, ends: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Character offset of the boundary before word ``at[k]`` (0 for word 0, the text's
    length for the word count): after the previous word, the punctuation stuck to it and
    the whitespace that follows, so the next span starts with its own opening punctuation."""
    n = len(starts)
    out = np.empty(len(at), dtype=np.int64)
    for k, w in enumerate(at.tolist()):
        if w <= 0:
            out[k] = 0
        elif w >= n:
            out[k] = len(text)
        else:
            lo, hi = int(ends[w - 1]), int(starts[w])
            cut = lo
            while cut < hi and not text[cut].isspace():
                cut += 1
            while cut < hi and text[cut].isspace():
                cut += 1
            out[k] = cut
    return out


def _shingles(text: str, params: IndexParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end offsets of the text's words, and its shingle hashes in text order,
    hashed exactly as the index hashes documents (:func:`dedupe.sketch.batch_text_hashes`).

    Offsets come from :func:`dedupe.text.word_offsets`. In the rare text where a symbol
    that is no letter turns into letters under NFKC (``™``, ``№``) the two tokenisations
    count different words; then the words of :func:`dedupe.text.word_spans` are hashed
    instead (only the shingles around the symbol differ from the index's).
    """
    starts, ends = word_offsets(text)
    hashes = batch_text_hashes([text], ngram=params.ngram, scheme=params.hash_scheme)[0]
    if len(word_buffer(text).split()) != len(starts):
        words = [w for w, _, _ in word_spans(text)]
        hashes = shingle_hashes(word_hashes(words, scheme=params.hash_scheme), params.ngram)
    return starts, ends, hashes


def trace(
    text: str | bytes,
    store: Store,
    params: IndexParams,
    *,
    max_key_docs: int,
    min_words: int = MIN_WORDS,
    max_gap: int = MAX_GAP,
) -> Provenance:
    """The provenance of ``text`` against the documents of ``store`` (indexed with
    ``params``); see the module docstring. Uses only the :class:`~dedupe.store.Store`
    protocol (``lookup``, ``fetch``), so it works over any store.

    ``min_words`` (at least ``params.ngram``) is the shortest shared run that attributes
    text to a document; ``max_gap`` the most words that may differ between two runs of
    one document joined into one passage (in a fuzzy index: edited words, misread ones
    not counted). A text without words raises
    :class:`~dedupe.errors.EmptyTextError`.
    """
    text = ensure_text(text, name="text")
    ngram = params.ngram
    check_int("min_words", min_words, 1, 100_000)
    if min_words < ngram:
        raise InvalidParameterError(
            f"min_words must be at least the index's ngram ({ngram}): shared runs are made of "
            f"whole shingles of {ngram} words; got {min_words}"
        )
    check_int("max_gap", max_gap, 0, 10_000)
    options = {"min_words": min_words, "max_gap": max_gap, "max_key_docs": max_key_docs}
    starts, ends, hashes = _shingles(text, params)
    n_words = len(starts)
    if not n_words:
        raise EmptyTextError("text holds no words (it is empty, blank or punctuation only)")
    n_sh = len(hashes)
    bounds = np.array([0, n_sh], dtype=np.int64)
    set_values, set_offsets = unique_per_row(hashes.astype(np.uint32), bounds)
    if params.fuzzy:  # the index keeps fuzzy keys and each document's fuzzy words
        keys = fuzzy_keys([fuzzy_buffer(text)])[0]
    else:
        keys, _ = passage_keys(
            hashes, bounds, set_values, set_offsets,
            window=params.window, short_text=params.short_text,
        )  # fmt: skip
    hits = store.lookup(keys, np.full(len(keys), max_key_docs, dtype=np.int64))
    rows = sorted_unique(hits.rows)  # ascending: earliest added first
    docs = store.fetch(rows)
    if params.fuzzy:
        spans = word_spans(text)
        starts = np.array([s for _, s, _ in spans], dtype=np.int64)
        ends = np.array([e for _, _, e in spans], dtype=np.int64)
        tokens = [w if w.isascii() else "".join(fuzzy_words(w)) or w for w, _, _ in spans]
        stretches = _held_fuzzy(tokens, docs, min_words, max_gap)
    else:
        numbers = _number_words(text, starts, ends)
        stretches = _held(hashes, docs, n_words, ngram, min_words, max_gap, numbers)
    return _assemble(text, starts, ends, stretches, docs.ids, options)


def _number_words(text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which words are numbers (:func:`dedupe.noise.is_number`, as passages count them): a
    passage never joins across a gap holding one."""
    return np.array(
        [is_number(text[s:e]) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)],
        dtype=bool,
    )


def _held_fuzzy(tokens: list[str], docs: Fetched, min_words: int, max_gap: int) -> np.ndarray:
    """Held passages from a fuzzy index (rows as :func:`_held` gives them): the text's
    words aligned with each candidate's fuzzy words by
    :func:`dedupe.align.passages.approximate_passages` (runs of identical words joined
    across at most ``max_gap`` edited words on either side, misread words not counted,
    never across a changed number), in time linear in the words of both."""
    n = len(tokens)
    mine = word_hashes(tokens)  # words are equal when their 64-bit hashes are
    rows: list[tuple[int, int, int, int]] = []
    values, offsets = docs.text_values, docs.text_offsets
    assert values is not None and offsets is not None  # a fuzzy index keeps its words
    for c in range(len(docs.ids)):
        buf = values[offsets[c] : offsets[c + 1]].tobytes()
        words = buf.decode("utf-8").split()
        _, ids = np.unique(np.concatenate((mine, buffer_word_hashes(buf))), return_inverse=True)
        ids = ids.ravel()
        found = approximate_passages(
            ids[:n], ids[n:], tokens, words, min_words=min_words, gap=max_gap
        )
        rows.extend((c, i, i + na, exact) for i, _, na, _, exact in found)
    rows.sort()
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


def _held(
    hashes: np.ndarray,
    docs: Fetched,
    n_words: int,
    ngram: int,
    min_words: int,
    max_gap: int,
    numbers: np.ndarray,
) -> np.ndarray:
    """Held passages as rows ``(candidate, first word, end word, exact words)``
    (``int64[k, 4]``, sorted by candidate then word), ``candidate`` indexing the fetched
    documents ``docs``; ``exact words`` are those inside the candidate's runs. Runs are
    not joined across a gap holding one of ``numbers`` (a changed number is news)."""
    empty = np.zeros((0, 4), dtype=np.int64)
    if not len(docs.ids):
        return empty
    n_sh = len(hashes)
    fps = hashes.astype(np.uint32)
    uniq, inverse = np.unique(fps, return_inverse=True)
    inverse = inverse.ravel()
    counts = np.bincount(inverse, minlength=len(uniq))
    by_value = np.argsort(inverse, kind="stable")  # text positions grouped by fingerprint
    first_pos = offsets_of(counts)
    # the candidates' values that may be the text's: a table of the low 16 bits first
    # (cheap, keeps about len(uniq) / 65536 of the others), then an exact search
    table = np.zeros(1 << 16, dtype=bool)
    table[uniq & 0xFFFF] = True
    maybe = np.flatnonzero(table[docs.set_values & 0xFFFF])
    values = docs.set_values[maybe]
    at = np.minimum(np.searchsorted(uniq, values), len(uniq) - 1)
    hit = uniq[at] == values
    if not hit.any():
        return empty
    cand = np.searchsorted(docs.set_offsets, maybe[hit], side="right") - 1
    u = at[hit]
    n = counts[u]
    pos = by_value[np.repeat(first_pos[u], n) + segment_positions(n)]
    code = np.sort(np.repeat(cand, n) * n_sh + pos)
    cand, pos = code // n_sh, code % n_sh
    brk = np.flatnonzero((cand[1:] != cand[:-1]) | (pos[1:] != pos[:-1] + 1)) + 1
    first = np.concatenate(([0], brk))
    last = np.concatenate((brk, [len(code)])) - 1
    run_cand = cand[first]
    w0 = pos[first]
    w1 = np.minimum(pos[last] + ngram, n_words)  # words [w0, w1) of each run
    # join runs of one candidate separated by at most max_gap words
    join = np.zeros(len(first), dtype=bool)
    join[1:] = (run_cand[1:] == run_cand[:-1]) & (w0[1:] - w1[:-1] <= max_gap)
    numc = np.concatenate(([0], np.cumsum(numbers)))
    lo = w1[:-1]
    join[1:] &= numc[np.maximum(w0[1:], lo)] == numc[lo]  # no number between the runs
    group = np.cumsum(~join) - 1
    n_groups = int(group[-1]) + 1
    g_start = np.flatnonzero(~join)
    g_end = np.append(g_start[1:], len(first)) - 1
    longest = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(longest, group, w1 - w0)
    # the words of each run not already in the run before it (runs of one document
    # ascend), summed over each joined stretch: its words found as they are
    prev_end = np.concatenate(([0], w1[:-1]))
    own = np.maximum(0, w1 - np.where(join, np.maximum(w0, prev_end), w0))
    exact = np.zeros(n_groups, dtype=np.int64)
    np.add.at(exact, group, own)
    keep = longest >= min_words
    return np.stack(
        (run_cand[g_start][keep], w0[g_start][keep], w1[g_end][keep], exact[keep]), axis=1
    ).astype(np.int64)


def _assemble(
    text: str,
    starts: np.ndarray,
    ends: np.ndarray,
    stretches: np.ndarray,
    doc_ids: list[str],
    options: dict[str, Any],
) -> Provenance:
    """Spans and sources from the held passages (see the module docstring, step 5)."""
    n_words = len(starts)
    total = len(text)
    owner = np.full(n_words, -1, dtype=np.int64)
    # earliest holder of each word: assign the latest candidates first, the earliest last
    for c, a, b, _ in stretches[np.argsort(-stretches[:, 0], kind="stable")].tolist():
        owner[a:b] = c
    change = np.flatnonzero(owner[1:] != owner[:-1]) + 1
    w_first = np.concatenate(([0], change))
    w_end = np.append(change, n_words)
    # a boundary inside one original token that normalises to several words ("2½") can
    # fall before the previous one: keep boundaries in order, drop the empty spans
    cuts = np.maximum.accumulate(_cuts(text, starts, ends, np.append(w_first, n_words)))
    spans: list[Span] = []
    for k, (a, b) in enumerate(zip(w_first.tolist(), w_end.tolist())):
        c = int(owner[a])
        source, alternatives = None, ()
        if c >= 0:
            whole = stretches[(stretches[:, 1] <= a) & (stretches[:, 2] >= b), 0]
            source = doc_ids[c]
            alternatives = tuple(doc_ids[x] for x in sorted_unique(whole).tolist() if x != c)
        start, end = int(cuts[k]), int(cuts[k + 1])
        if start == end:
            continue
        if spans and spans[-1].source == source:  # neighbours of a dropped empty span
            kept = tuple(x for x in spans[-1].alternatives if x in alternatives)
            spans[-1] = Span(spans[-1].start, end, source, None, None, kept)
        else:
            spans.append(Span(start, end, source, None, None, alternatives))
    chars: dict[str | None, int] = {}
    for span in spans:
        chars[span.source] = chars.get(span.source, 0) + span.end - span.start
    sources = []
    used = sorted_unique(stretches[:, 0]) if len(stretches) else np.zeros(0, np.int64)
    for c in used.tolist():
        mine = stretches[stretches[:, 0] == c, 1:]
        edge = _cuts(text, starts, ends, mine[:, :2].ravel()).reshape(-1, 2)
        passages = tuple(
            SourcePassage(int(starts[a]), int(ends[b - 1]), int(b - a), int(min(x, b - a)))
            for a, b, x in mine.tolist()
        )
        share = chars.get(doc_ids[c], 0) / total
        held = max(share, float(np.maximum(edge[:, 1] - edge[:, 0], 0).sum()) / total)
        sources.append((-share, -held, c, Source(doc_ids[c], share, held, passages)))
    sources.sort(key=lambda t: t[:3])
    return Provenance(
        text, tuple(spans), tuple(s[-1] for s in sources), n_words, len(doc_ids), options
    )
