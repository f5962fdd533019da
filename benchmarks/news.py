"""News-like corpora at scale, with injected overlaps and the truth about them.

The text comes from a word-level Markov chain of order 2. By default it is the *embedded*
generator, made only from what the repository holds (:mod:`benchmarks.lexicon`): the chain
learns the sentence skeletons of the five ``seeds/`` articles (function words kept, every
other word replaced by its class: a common word, a name, an acronym, a number, a weekday, a
month) and each class token is rendered as a word drawn afresh from a large synthetic
lexicon with Zipf weights. Unrelated articles then share 5-grams about as often as news
does (``python -m benchmarks.news_stats`` compares it with a chain trained on Reuters).
``train_on=PATH`` (``--train-on`` on the command lines) trains the chain on a JSONL news
corpus instead, such as ``../shared/data/reuters21578.jsonl.gz``: body sentences as they
are, numbers drawn as often as the corpus has them, headlines from its titles. Nothing is
read from outside the repository unless asked for, and the truth file names the training
text (``trained_on``).

An article is a headline line, a blank line, then paragraphs of 1 to 3 sentences separated
by blank lines; its length in words (headline and footer included) is log-normal (median
:data:`LENGTH_MEDIAN`, sigma :data:`LENGTH_SIGMA`, clipped to :data:`LENGTH_RANGE`), its
body at least :data:`BODY_MIN_WORDS` words and three times its footer. Each of
:data:`OUTLETS` outlets (Zipf-sized: the largest has about a fifth of the articles) appends
its own boilerplate footer (20-60 words) to its articles; a tenth are wire copy without
one. Sampling runs in numpy over thousands of documents at once: the chain's transitions
are CSR arrays and every step advances a whole batch of lanes. Measured over whole corpora
(injected documents included): median about 490 words, mean about 570.

Injected overlaps, whose truth comes back with the texts (see :func:`generate_chunk`):

* ``near_duplicate`` (:data:`SHARE_NEAR` of the documents): a copy of an article with small
  edits (word substitutions, typos, a dropped or added paragraph, hard-wrapped lines,
  another outlet's footer). Claim: Jaccard >= 0.5.
* ``excerpt`` (half of :data:`SHARE_EXCERPT`): a contiguous run of 20-60% of an article's
  paragraphs under a new headline. Claim: containment of the excerpt in its source >= 0.5.
* ``excerpt_embedded`` (the other half): the same kind of run inside a new article. Claim:
  containment of the source in the host >= :data:`EMBEDDED_MIN_CONTAINMENT` (most are
  below the usual 0.5 threshold: the truth records the exact scores).
* ``roundup`` (:data:`SHARE_ROUNDUP` of the documents): a digest holding most of the text
  (all but, sometimes, the last paragraph) of 3-6 short unrelated articles of its outlet.
  Claim: containment of each member in it >= 0.5. The members are not related to each
  other: a *must-not-merge* group.
* ``alert`` (:data:`SHARE_ALERT`): a 12-20 word flash whose words open the full story.
  Claim: containment of the alert in the story >= 0.8 (it has fewer than 20 shingles).
* shared quotes: a 15-30 word quote sentence inside 5-20 otherwise unrelated articles: no
  pairs, a must-not-merge group. Shared footers make no pairs either.
* ``quote`` (only with ``quote_posts=True``, off by default so that the corpora of the
  scale benchmark stay as they were): each shared quote also stands alone as a short
  post (a tweet, a caption) contained in every article quoting it. Claim: containment of
  the post in each article >= :data:`QUOTE_MIN_CONTAINMENT`. The articles are still not
  related to each other: the post is a *contained hub*, and a roundup a *container hub*
  (see :mod:`dedupe.cluster`).

Every truth pair carries its exact Jaccard and containments (word 5-gram shingle sets,
tokenised as :func:`dedupe.text.shingles` does). The same ``(size, seed)`` always gives the
same corpus; documents are made in chunks of :data:`CHUNK_DOCS`, so a smaller corpus is
the first documents of a larger one with the same seed (except for its last chunk).

>>> c = generate_news(300, seed=1)
>>> c.docs == generate_news(300, seed=1).docs and len(c.docs) == 300
True
>>> sorted({p["injected"] for p in c.truth["pairs"]})
['alert', 'excerpt', 'excerpt_embedded', 'near_duplicate', 'roundup']

From the shell (writes the cache used by the scale benchmark, prints its statistics)::

    python -m benchmarks.news 100000 --seed 0
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import os
import re
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .lexicon import Lexicon, fold_trail, split_token, word_class

REPO = Path(__file__).resolve().parents[1]
#: Where the Reuters-21578 texts usually are (read-only input, not in the repository): a
#: chain is trained on them only when asked (``train_on``, ``--train-on``).
REUTERS = REPO.parent / "shared" / "data" / "reuters21578.jsonl.gz"
SEEDS_DIR = REPO / "seeds"
#: Where generated corpora are kept (``bench-out/`` is git-ignored).
CACHE_DIR = REPO / "bench-out" / "cache"
#: Bumped whenever the generator's output changes (cached corpora of another version are
#: made again). 2: the embedded generator (was: Reuters when present, else the seeds).
VERSION = 2

#: Documents per generation task: fixed, as the corpus depends on it.
CHUNK_DOCS = 5000
#: Article length in words (whitespace-separated, headline and body): log-normal.
LENGTH_MEDIAN = 500
LENGTH_SIGMA = 0.55
LENGTH_RANGE = (150, 5000)
#: Body words of the short articles a roundup collects.
SHORT_RANGE = (120, 220)
#: Least body words of an article, and of an article with a footer, as a multiple of the
#: footer's words: two articles of one outlet then share well under half of either text.
BODY_MIN_WORDS = 120
BODY_PER_FOOTER_WORD = 3
#: Sentences per paragraph and their probabilities.
PARAGRAPH_SENTENCES = (1, 2, 3)
PARAGRAPH_WEIGHTS = (0.3, 0.45, 0.25)
#: Sentences kept from the chain: token counts.
SENTENCE_TOKENS = (5, 60)
HEADLINE_WORDS = (4, 12)
#: Outlets, their footers' word counts, the Zipf exponent of their sizes, and the share of
#: articles published without a footer (wire copy).
OUTLETS = 50
FOOTER_WORDS = (20, 60)
OUTLET_ZIPF = 1.0
NO_FOOTER_SHARE = 0.1
#: Shares of the documents that are injected copies.
SHARE_NEAR = 0.05
SHARE_EXCERPT = 0.03
SHARE_ALERT = 0.01
SHARE_ROUNDUP = 0.004
#: Shared-quote groups per document, group sizes and quote lengths (words).
QUOTE_GROUPS_PER_DOC = 0.001
QUOTE_GROUP = (5, 20)
QUOTE_WORDS = (15, 30)
ROUNDUP_MEMBERS = (3, 6)
ALERT_WORDS = (12, 20)
#: Share of the source's body an excerpt takes, and the least body an excerpt source has.
EXCERPT_SHARE = (0.2, 0.6)
EXCERPT_SOURCE_MIN_WORDS = 300
#: Near-duplicate edits (each copy gets 1 to 3) and their rates.
NEAR_EDITS = ("substitute", "typos", "drop_paragraph", "add_paragraph", "rewrap", "outlet")
SUBSTITUTE_RATE = 0.02
TYPO_RATE = 0.02
WRAP_WIDTHS = (60, 76)
#: The lower bounds the truth claims, by injected kind (checked on every pair made).
NEAR_MIN_JACCARD = 0.5
EXCERPT_MIN_CONTAINMENT = 0.5
ROUNDUP_MIN_CONTAINMENT = 0.5
ALERT_MIN_CONTAINMENT = 0.8
QUOTE_MIN_CONTAINMENT = 0.8
EMBEDDED_MIN_CONTAINMENT = 0.1
NGRAM = 5

_BOS, _EOS = 0, 1
_NUM_SUFFIXES = ("", ".", ",")
_NUMBER = re.compile(r"^(\d[\d,]*(?:\.\d+)?)([.,]?)$")
_TAG = re.compile(r"<([^<>\n]*)>")
_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-", "\u2013": "-",
    "\u2011": "-", "\xa0": " ", "\u2026": "...",
})  # fmt: skip
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n|\n(?=[ \t]{2,}\S)")
_WORDISH = re.compile(r"\S*[A-Za-z]\S*")
_SENTENCE = re.compile(r"(?<=[.!?])[\"']?\s+(?=[\"'A-Z])")


# --- the chain ----------------------------------------------------------------------------


@dataclass
class Slots:
    """Open word classes of a chain: in training, a token given as the int ``c`` stands for
    a word of class ``c``; each time the chain emits it, a word of ``strings[c]`` is drawn
    with probabilities ``weights[c]``."""

    names: list[str]
    strings: list[list[str]]
    weights: list[np.ndarray]


@dataclass
class Chain:
    """A word-level Markov chain of order 2 as flat arrays.

    State ``s`` (a pair of tokens) has transitions ``indptr[s]:indptr[s + 1]``, one per
    occurrence in the training text (so a uniform draw among them follows the counts);
    ``token[k]`` is the token a transition emits and ``then[k]`` the state it leads to.
    Token 0 starts a sentence, token 1 ends it; tokens ``2 .. 2 + len(slot_start) - 1``
    stand for a word of an open class (see :class:`Slots`), drawn afresh when rendered:
    class ``c``'s words start at ``slot_start[c]`` in ``slot_strings`` and follow the
    distribution ``slot_dist[c]`` (classes that share weights share one), drawn with the
    alias method: distribution ``d``'s tables are ``alias_prob`` and ``alias_idx`` over
    ``dist_start[d]:dist_start[d + 1]``.
    """

    words: list[str]
    indptr: np.ndarray
    token: np.ndarray
    then: np.ndarray
    start: int
    slot_strings: list[str] = field(default_factory=list)
    slot_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slot_dist: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    dist_start: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    alias_prob: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    alias_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def walk(self, rng: np.random.Generator, lanes: int, steps: int) -> np.ndarray:
        """``lanes`` token streams of ``steps`` tokens, lane after lane (int32).

        Each lane starts a sentence and starts a new one after every end token: one
        vectorised draw per step advances all lanes.
        """
        lo = self.indptr[:-1]
        count = np.diff(self.indptr)
        state = np.full(lanes, self.start, dtype=np.int64)
        out = np.empty((steps, lanes), dtype=np.int32)
        for t in range(steps):
            k = lo[state] + (rng.random(lanes) * count[state]).astype(np.int64)
            out[t] = self.token[k]
            state = self.then[k]
        return out.T.ravel()

    def sentences(
        self, rng: np.random.Generator, n_tokens: int, *, lanes: int = 4096
    ) -> tuple[np.ndarray, np.ndarray]:
        """About ``n_tokens`` tokens of whole sentences: ``(tokens, offsets)``, sentence
        ``i`` being ``tokens[offsets[i]:offsets[i + 1]]`` (no start or end tokens; open
        classes' words drawn). Sentences outside :data:`SENTENCE_TOKENS` are left out."""
        lanes = max(1, min(lanes, n_tokens // 64 + 1))
        steps = n_tokens // lanes + 64
        stream = self.walk(rng, lanes, steps)
        ends = np.flatnonzero(stream == _EOS)
        starts_all = np.union1d(ends + 1, np.arange(lanes, dtype=np.int64) * steps)
        starts = starts_all[np.searchsorted(starts_all, ends, side="right") - 1]
        lengths = ends - starts
        keep = (lengths >= SENTENCE_TOKENS[0]) & (lengths <= SENTENCE_TOKENS[1])
        starts, lengths = starts[keep], lengths[keep]
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        pos = np.arange(offsets[-1], dtype=np.int64) + np.repeat(starts - offsets[:-1], lengths)
        tokens = stream[pos]
        if len(self.slot_start):
            is_slot = np.flatnonzero((tokens >= 2) & (tokens < 2 + len(self.slot_start)))
            cls = tokens[is_slot].astype(np.int64) - 2
            d = self.slot_dist[cls]
            size = self.dist_start[d + 1] - self.dist_start[d]
            x = rng.random(len(cls)) * size
            i = np.minimum(x.astype(np.int64), size - 1)
            j = self.dist_start[d] + i
            rank = np.where(x - i < self.alias_prob[j], i, self.alias_idx[j])
            tokens[is_slot] = len(self.words) + self.slot_start[cls] + rank
        return tokens, offsets

    def strings(self) -> list[str]:
        """Token strings by id, open classes' words included (ids past ``len(words)``)."""
        return self.words + self.slot_strings

    @cached_property
    def string_array(self) -> np.ndarray:
        """:meth:`strings` as an object array (for fancy indexing)."""
        return np.asarray(self.strings(), dtype=object)

    @cached_property
    def glue(self) -> tuple[np.ndarray, np.ndarray]:
        """Token strings followed by a space (ids ``0..V-1``) or by a blank line (``V..``),
        and their lengths."""
        strings = self.strings()
        glue = np.asarray([s + " " for s in strings] + [s + "\n\n" for s in strings], dtype=object)
        return glue, np.asarray([len(g) for g in glue], dtype=np.int64)


def train_chain(sentences: Iterable[list[str | int]], slots: Slots | None = None) -> Chain:
    """Train an order-2 chain on tokenised sentences (deterministic for the same input); an
    int token ``c`` is a word of ``slots``' class ``c``."""
    n_slots = len(slots.names) if slots is not None else 0
    index: dict[str, int] = {"\x00<s>": _BOS, "\x00</s>": _EOS}
    index.update({f"\x00{name}": 2 + c for c, name in enumerate(slots.names if slots else ())})
    flat: list[int] = []
    lengths: list[int] = []
    for toks in sentences:
        ids = [_BOS, _BOS]
        for t in toks:
            if isinstance(t, str):
                ids.append(index.setdefault(t, len(index)))
            elif 0 <= t < n_slots:
                ids.append(2 + t)
            else:
                raise ValueError(f"no open class {t}")
        ids.append(_EOS)
        flat += ids
        lengths.append(len(ids))
    if not lengths:
        raise ValueError("no sentences to train a chain on")
    seq = np.asarray(flat, dtype=np.int64)
    ends = np.cumsum(lengths)
    valid = np.ones(len(seq), dtype=bool)
    valid[ends - 1] = valid[ends - 2] = False  # a triple starts at most 3 from the end
    p = np.flatnonzero(valid)
    a, b, c = seq[p], seq[p + 1], seq[p + 2]
    v = len(index)
    keys, inv = np.unique(a * v + b, return_inverse=True)
    order = np.argsort(inv, kind="stable")
    token = c[order]
    indptr = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(np.bincount(inv, minlength=len(keys)), out=indptr[1:])
    start = int(np.searchsorted(keys, _BOS * v + _BOS))
    nxt = b[order] * v + token
    then = np.searchsorted(keys, nxt)
    then[token == _EOS] = start
    ok = token == _EOS
    ok |= keys[np.minimum(then, len(keys) - 1)] == nxt
    if not ok.all():  # cannot happen: every non-final pair of a sentence is a state
        raise AssertionError("chain has transitions into unknown states")
    chain = Chain(
        words=sorted(index, key=index.__getitem__),
        indptr=indptr,
        token=token.astype(np.int32),
        then=then.astype(np.int64),
        start=start,
    )
    if slots is not None:
        _add_slots(chain, slots)
    return chain


def _add_slots(chain: Chain, slots: Slots) -> None:
    """Give ``chain`` the words and distributions of ``slots`` (one distribution for the
    classes that share a weights array)."""
    chain.slot_strings = [s for strings in slots.strings for s in strings]
    sizes = [len(s) for s in slots.strings]
    chain.slot_start = np.cumsum([0, *sizes[:-1]]).astype(np.int64)
    dists: dict[int, int] = {}
    tables: list[tuple[np.ndarray, np.ndarray]] = []
    for strings, w in zip(slots.strings, slots.weights):
        if len(w) != len(strings):
            raise ValueError("an open class needs one weight per word")
        if id(w) not in dists:
            dists[id(w)] = len(tables)
            tables.append(_alias_tables(np.asarray(w, dtype=np.float64)))
    chain.slot_dist = np.asarray([dists[id(w)] for w in slots.weights], dtype=np.int64)
    chain.dist_start = np.cumsum([0, *(len(p) for p, _ in tables)]).astype(np.int64)
    chain.alias_prob = np.concatenate([p for p, _ in tables]) if tables else np.zeros(0)
    chain.alias_idx = np.concatenate([a for _, a in tables]) if tables else np.zeros(0, np.int64)


def _alias_tables(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias tables (Vose's construction) of a discrete distribution: draw ``i``
    uniformly, keep it with probability ``prob[i]``, else take ``alias[i]``.

    >>> prob, alias = _alias_tables(np.array([1.0, 3.0]))
    >>> prob.tolist(), alias.tolist()
    ([0.5, 1.0], [1, 1])
    """
    n = len(weights)
    p = (weights * n / weights.sum()).tolist()
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int64)
    small = [i for i in range(n) if p[i] < 1.0]
    large = [i for i in range(n) if p[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large[-1]
        prob[s], alias[s] = p[s], g
        p[g] += p[s] - 1.0
        if p[g] < 1.0:
            small.append(large.pop())
    return prob, alias


def _clean(text: str) -> str:
    """Reuters or seed text made plain: ASCII punctuation, no ticker tags, no sign-off."""
    text = text.translate(_FOLD)
    # "<BP>" (a ticker) goes; "<Schult Homes Corp>" (a company name) keeps its words.
    text = _TAG.sub(lambda m: m[1] if " " in m[1].strip() else "", text)
    return re.sub(r"\s+Reuter\s*$", "", text.rstrip(), flags=re.I)


def _split_sentences(text: str) -> Iterator[list[str]]:
    """Tokenised sentences of a text (paragraphs on blank lines or indented line starts)."""
    for para in _PARAGRAPH_BREAK.split(text):
        for sent in _SENTENCE.split(" ".join(para.split())):
            toks = sent.split()
            if not (SENTENCE_TOKENS[0] <= len(toks) <= SENTENCE_TOKENS[1]):
                continue
            if not sent.isascii():
                continue
            if len(_WORDISH.findall(sent)) < 0.6 * len(toks):
                continue  # tables and figures
            yield toks


@dataclass
class Training:
    """The chains a corpus is made from, and what they learned from."""

    body: Chain
    title: Chain
    source: str
    sentences: int

    def describe(self) -> str:
        """One line for reports."""
        return f"{self.source} ({self.sentences:,} sentences)"


def _case_map(sentences: list[list[str]]) -> dict[str, str]:
    counts: Counter[str] = Counter(t for toks in sentences for t in toks)
    best: dict[str, tuple[int, str]] = {}
    for tok, n in counts.items():
        key = tok.lower()
        if n > best.get(key, (0, ""))[0]:
            best[key] = (n, tok)
    return {k: v[1] for k, v in best.items()}


def _number_slots(sentences: list[list[str]]) -> tuple[list[list[str | int]], Slots]:
    """Numbers as open classes (one per :data:`_NUM_SUFFIXES`), drawn as often as the text
    has them."""
    counts: Counter[str] = Counter()
    out: list[list[str | int]] = []
    for toks in sentences:
        row: list[str | int] = []
        for t in toks:
            m = _NUMBER.match(t) if t[0].isdigit() else None
            if m:
                counts[m[1]] += 1
                row.append(_NUM_SUFFIXES.index(m[2]))
            else:
                row.append(t)
        out.append(row)
    numbers = list(counts)  # in order of first appearance
    weights = np.asarray([counts[n] for n in numbers], dtype=np.float64)
    return out, Slots(
        names=[f"N{s}" for s in _NUM_SUFFIXES],
        strings=[[n + s for n in numbers] for s in _NUM_SUFFIXES],
        weights=[weights] * len(_NUM_SUFFIXES),
    )


def _train_on_file(path: Path) -> Training:
    """Chains trained on a JSONL(.gz) news corpus with ``text`` (and ``title``) fields, such
    as ``reuters21578.jsonl.gz``: body sentences, numbers drawn as often as the corpus has
    them, headlines from the titles (their case restored from the bodies)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    texts = [_clean(r.get("text") or "") for r in rows]
    body = [s for t in texts for s in _split_sentences(t)]
    case = _case_map(body)
    titles = []
    for r in rows:
        title = _clean(r.get("title") or "").split()
        if 3 <= len(title) and " ".join(title).isascii():
            toks = [case.get(t.lower(), t.lower()) for t in title]
            titles.append([toks[0][:1].upper() + toks[0][1:], *toks[1:]])
    if not titles:  # a corpus without titles: headlines from the sentences' openings
        titles = [s[: HEADLINE_WORDS[1]] for s in body]
    slotted, slots = _number_slots(body)
    source = f"{path.name} ({len(rows):,} texts)"
    return Training(train_chain(slotted, slots), train_chain(titles), source, len(body))


def _skeleton(sentences: list[list[str]], lex: Lexicon) -> tuple[list[list[str | int]], Slots]:
    """Sentences with every open-class word replaced by its class (see
    :mod:`benchmarks.lexicon`), and those classes."""
    lower_seen = frozenset(c for toks in sentences for t in toks
                           if (c := split_token(t)[0]).islower())  # fmt: skip
    classes: dict[tuple[str, str], int] = {}
    out: list[list[str | int]] = []
    for toks in sentences:
        row: list[str | int] = []
        for i, t in enumerate(toks):
            core, trail = split_token(t)
            kind = word_class(core, i == 0, lower_seen) if core else None
            if kind is not None:
                row.append(classes.setdefault((kind, fold_trail(trail)), len(classes)))
            elif core:
                row.append(core + fold_trail(trail))
        if len(row) >= SENTENCE_TOKENS[0]:
            out.append(row)
    slots = Slots([], [], [])
    for kind, trail in sorted(classes, key=classes.__getitem__):
        slots.names.append(kind + trail)
        slots.strings.append([w + trail for w in lex.base[kind]] if trail else lex.base[kind])
        slots.weights.append(lex.weights[kind])
    return out, slots


#: What the embedded generator is trained on (named in every report).
EMBEDDED_SOURCE = "the seeds/ sentence skeletons with a synthetic lexicon (benchmarks/lexicon.py)"


def _train_embedded() -> Training:
    """The chains of the embedded generator: the skeletons of the ``seeds/`` sentences, open
    classes drawn from :class:`benchmarks.lexicon.Lexicon` (see that module)."""
    texts = [_clean(p.read_text(encoding="utf-8")) for p in sorted(SEEDS_DIR.glob("*.txt"))]
    body = [s for t in texts for s in _split_sentences(t)]
    skeleton, slots = _skeleton(body, Lexicon.build())
    titles = [s[: HEADLINE_WORDS[1]] for s in skeleton]
    return Training(train_chain(skeleton, slots), train_chain(titles, slots), EMBEDDED_SOURCE,
                    len(skeleton))  # fmt: skip


def train(train_on: Path | None = None) -> Training:
    """Train the body and headline chains: the embedded generator (``None``), or a JSONL
    news corpus (see :func:`_train_on_file`)."""
    if train_on is None:
        return _train_embedded()
    if not Path(train_on).is_file():
        raise FileNotFoundError(f"no corpus to train the news generator on at {train_on}")
    return _train_on_file(Path(train_on))


_TRAINING: dict[str, Training] = {}
_CHAIN_FIELDS = ("indptr", "token", "then", "slot_start", "slot_dist", "dist_start", "alias_prob",
                 "alias_idx")  # fmt: skip


def _save_training(tr: Training, path: Path) -> None:
    arrays: dict[str, Any] = {"source": np.array(tr.source), "sentences": tr.sentences}
    for name, chain in (("body", tr.body), ("title", tr.title)):
        for f in _CHAIN_FIELDS:
            arrays[f"{name}_{f}"] = getattr(chain, f)
        arrays[f"{name}_start"] = chain.start
        arrays[f"{name}_words"] = np.array("\n".join(chain.words))  # tokens hold no spaces
        arrays[f"{name}_slot_strings"] = np.array("\n".join(chain.slot_strings))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.tmp{os.getpid()}.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _load_training(path: Path) -> Training:
    with np.load(path) as z:
        chains = []
        for name in ("body", "title"):
            strings = str(z[f"{name}_slot_strings"])
            chains.append(Chain(
                words=str(z[f"{name}_words"]).split("\n"),
                start=int(z[f"{name}_start"]),
                slot_strings=strings.split("\n") if strings else [],
                **{f: z[f"{name}_{f}"] for f in _CHAIN_FIELDS},
            ))  # fmt: skip
        return Training(chains[0], chains[1], str(z["source"]), int(z["sentences"]))


def training(train_on: Path | None = None, *, cache_dir: Path | None = CACHE_DIR) -> Training:
    """:func:`train`, once per process. ``None`` is the embedded generator (made in well
    under a second); chains trained on a corpus file are also kept in ``cache_dir``
    (``chain-v<VERSION>-<name>-<size>-<mtime>.npz``), as that training takes seconds."""
    if train_on is None:
        if "embedded" not in _TRAINING:
            _TRAINING["embedded"] = train(None)
        return _TRAINING["embedded"]
    path = Path(train_on)
    if not path.is_file():
        raise FileNotFoundError(f"no corpus to train the news generator on at {path}")
    st = path.stat()
    key = f"chain-v{VERSION}-{path.name}-{st.st_size}-{int(st.st_mtime)}"
    if key not in _TRAINING:
        cached = Path(cache_dir) / f"{key}.npz" if cache_dir is not None else None
        try:
            if cached is None:
                raise FileNotFoundError
            _TRAINING[key] = _load_training(cached)
        except (OSError, KeyError, ValueError):
            _TRAINING[key] = train(path)
            if cached is not None:
                try:
                    _save_training(_TRAINING[key], cached)
                except OSError:
                    pass  # a read-only cache folder: train again next time
    return _TRAINING[key]


# --- outlets ------------------------------------------------------------------------------

_SYLLABLES = [c + v for c in "bdfghklmnprstvz" for v in "aeiou"] + ["an", "el", "or", "ing"]
_OUTLET_KINDS = ("Times", "Post", "Herald", "Daily", "Courier", "Ledger", "News", "Wire",
                 "Observer", "Gazette", "Tribune", "Chronicle", "Business Review")  # fmt: skip
# Boilerplate sentences (the project's own), "{o}" being the outlet's name.
_FOOTER_LINES = (
    "Copyright {y} {o}. All rights reserved.",
    "This article may not be published, broadcast, rewritten or redistributed without "
    "written permission from {o}.",
    "Sign up for the {o} morning briefing to get the day's top business stories in your "
    "inbox before the markets open.",
    "Have a news tip? Contact the {o} newsroom at tips@{d}.example.",
    "Reporting by the {o} staff; editing by the {o} business desk.",
    "Follow {o} on social media for live updates throughout the trading day.",
    "{o} is an independent newspaper. Support our journalism by subscribing today for less "
    "than the price of a coffee a week.",
    "Prices quoted in this story were correct at the time of publication and may have "
    "changed since.",
    "Read more of our coverage of markets, companies and the economy at {d}.example.",
    "Corrections: if you spot an error in this story, please write to the readers' editor of {o}.",
    "Our journalists follow the {o} code of practice, which you can read online.",
    "Advertising and sponsorship at {o} are kept separate from our newsroom.",
)


def _name(rng: np.random.Generator, syllables: tuple[int, int] = (2, 3)) -> str:
    n = int(rng.integers(syllables[0], syllables[1] + 1))
    return "".join(_SYLLABLES[i] for i in rng.integers(len(_SYLLABLES), size=n)).capitalize()


@dataclass(frozen=True)
class Outlet:
    """A publication: its name and the footer it appends to its articles."""

    name: str
    footer: str


def outlets(seed: int) -> list[Outlet]:
    """The :data:`OUTLETS` outlets of a corpus (each footer 20-60 words, all different)."""
    rng = np.random.default_rng([seed, 7919])
    out: list[Outlet] = []
    names: set[str] = set()
    while len(out) < OUTLETS:
        name = f"The {_name(rng)} {_OUTLET_KINDS[int(rng.integers(len(_OUTLET_KINDS)))]}"
        if name in names:
            continue
        names.add(name)
        target = int(rng.integers(FOOTER_WORDS[0], FOOTER_WORDS[1] + 1))
        domain = name.lower().replace("the ", "").replace(" ", "")
        year = int(rng.integers(2019, 2026))
        lines: list[str] = []
        words = 0
        for i in rng.permutation(len(_FOOTER_LINES)):
            line = _FOOTER_LINES[i].format(o=name, d=domain, y=year)
            n = len(line.split())
            if words + n > FOOTER_WORDS[1]:
                continue
            lines.append(line)
            words += n
            if words >= target:
                break
        out.append(Outlet(name, " ".join(lines)))
    return out


# --- exact scores (the truth) ----------------------------------------------------------

_ASCII_WORD = bytes(c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256))


def shingle_set(text: str, ngram: int = NGRAM) -> set[tuple[bytes, ...]]:
    """The distinct word ``ngram``-grams of ``text``, tokenised as
    :func:`dedupe.text.shingles` does (a fast path for ASCII text)."""
    if text.isascii():
        w = text.lower().encode("ascii").translate(_ASCII_WORD).split()
    else:
        from dedupe.text import words

        w = [x.encode("utf-8") for x in words(text)]
    if len(w) < ngram:
        return {tuple(w)} if w else set()
    return set(zip(*(w[i:] for i in range(ngram))))


def scores(a: str, b: str) -> dict[str, float | int]:
    """Exact Jaccard, containment of ``a`` in ``b`` and of ``b`` in ``a``, and sizes."""
    sa, sb = shingle_set(a), shingle_set(b)
    shared = len(sa & sb)
    union = len(sa) + len(sb) - shared
    return {
        "jaccard": shared / union if union else 0.0,
        "containment_ab": shared / len(sa) if sa else 0.0,
        "containment_ba": shared / len(sb) if sb else 0.0,
        "shingles_a": len(sa),
        "shingles_b": len(sb),
    }


# --- one chunk ----------------------------------------------------------------------------


@dataclass
class _Doc:
    headline: str
    paras: list[str]
    outlet: int  # -1: no footer
    role: str = "article"
    text: str = ""

    def render(self, footers: list[str], layout: str = "blank_line", width: int = 70) -> str:
        body = self.paras + ([footers[self.outlet]] if self.outlet >= 0 else [])
        if layout == "rewrap":  # wire copy: hard-wrapped lines, indented paragraph starts
            lines = [self.headline] + [
                textwrap.fill(
                    p, width, initial_indent="    ", break_on_hyphens=False, break_long_words=False
                )
                for p in body
            ]
            self.text = "\n".join(lines) + "\n"
        else:
            head = [self.headline] if self.headline else []
            self.text = "\n\n".join(head + body) + "\n"
        return self.text


def _words(paras: list[str]) -> int:
    return sum(len(p.split()) for p in paras)


@dataclass
class Chunk:
    """One generated chunk: ``docs`` as ``(id, text, outlet)``, truth pairs and groups."""

    docs: list[tuple[str, str, str]]
    pairs: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    words: np.ndarray
    text_bytes: int
    seconds: float


class _Pools:
    """Spare chain text for one chunk: headlines, sentences, paragraphs, single words."""

    def __init__(self, tr: Training, rng: np.random.Generator, n: int) -> None:
        self.rng = rng
        strings = tr.title.string_array
        toks, offs = tr.title.sentences(rng, max(200, 12 * n))
        self.headlines = []
        for i in range(len(offs) - 1):
            t = toks[offs[i] : offs[i + 1]][: int(rng.integers(*HEADLINE_WORDS, endpoint=True))]
            self.headlines.append(" ".join(strings[t].tolist()).rstrip(".,;:-"))
        body_strings = tr.body.string_array
        toks, offs = tr.body.sentences(rng, max(2000, 40 * n))
        self.sentences = [" ".join(body_strings[toks[offs[i] : offs[i + 1]]].tolist())
                          for i in range(len(offs) - 1)]  # fmt: skip
        self.vocab = body_strings[toks[: max(1, min(len(toks), 20000))]].tolist()
        self._h = self._s = 0

    def headline(self) -> str:
        self._h = (self._h + 1) % len(self.headlines)
        return self.headlines[self._h]

    def sentence(self, words: tuple[int, int] | None = None) -> str:
        for _ in range(len(self.sentences)):
            self._s = (self._s + 1) % len(self.sentences)
            s = self.sentences[self._s]
            if words is None or words[0] <= len(s.split()) <= words[1]:
                return s
        return self.sentences[self._s]

    def paragraph(self) -> str:
        n = int(self.rng.choice(PARAGRAPH_SENTENCES, p=PARAGRAPH_WEIGHTS))
        return " ".join(self.sentence() for _ in range(n))

    def word(self) -> str:
        return self.vocab[int(self.rng.integers(len(self.vocab)))]


def _bodies(
    tr: Training, rng: np.random.Generator, targets: np.ndarray
) -> tuple[list[list[str]], np.ndarray]:
    """Paragraph lists of articles whose body lengths follow ``targets`` (words), made by
    one vectorised walk of the chain; and each body's word count."""
    glue, sizes = tr.body.glue
    v = len(glue) // 2
    need = int(targets.sum())
    tokens = np.zeros(0, dtype=np.int32)
    offsets = np.zeros(1, dtype=np.int64)
    para_sent = np.zeros(1, dtype=np.int64)
    while True:  # draw sentences until the bodies are covered (the first draw nearly always)
        t, o = tr.body.sentences(rng, int((need - offsets[-1]) * 1.1) + 2000)
        first = len(offsets) - 1
        offsets = np.concatenate([offsets, o[1:] + offsets[-1]])
        tokens = np.concatenate([tokens, t])
        per_para = rng.choice(PARAGRAPH_SENTENCES, size=len(o) - 1, p=PARAGRAPH_WEIGHTS)
        more = first + np.cumsum(per_para)
        para_sent = np.concatenate([para_sent, more[more <= len(offsets) - 1]])
        para_tok = offsets[para_sent]  # token offset where each paragraph starts
        doc_para = _cut(para_tok.tolist(), targets.tolist())
        if doc_para is not None:
            break
    used = int(para_tok[doc_para[-1]])
    ids = tokens[:used].astype(np.int64)
    sep = np.zeros(used, dtype=np.int64)
    sep[para_tok[1 : doc_para[-1] + 1] - 1] = 1  # paragraph ends get a blank line
    pieces = glue[ids + sep * v]
    text = "".join(pieces.tolist())
    char = np.zeros(used + 1, dtype=np.int64)
    np.cumsum(sizes[ids + sep * v], out=char[1:])
    bodies = []
    for d in range(len(targets)):
        a, b = int(char[para_tok[doc_para[d]]]), int(char[para_tok[doc_para[d + 1]]])
        bodies.append(text[a : b - 2].split("\n\n"))
    words = np.diff(para_tok[doc_para])
    return bodies, words


#: A body may end at the paragraph end before its target when that keeps this share of it.
SHORTER_BODY_SHARE = 0.85


def _cut(starts: list[int], targets: list[int]) -> list[int] | None:
    """Paragraph indices where consecutive bodies start (and the last one ends), each body
    ending at the paragraph end nearest its target that keeps :data:`SHORTER_BODY_SHARE`
    of it; ``None`` when the paragraphs run out."""
    out = [0]
    for t in targets:
        begin = starts[out[-1]]
        e = bisect.bisect_left(starts, begin + t, lo=out[-1] + 1)
        if e >= len(starts):
            return None
        shorter = starts[e - 1] - begin
        if (
            e - 1 > out[-1]
            and shorter >= SHORTER_BODY_SHARE * t
            and (begin + t - starts[e - 1] < starts[e] - begin - t)
        ):
            e -= 1
        out.append(e)
    return out


def _typo(word: str, rng: np.random.Generator) -> str:
    j = int(rng.integers(len(word) - 1))
    if rng.random() < 0.5:
        return word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return word[:j] + word[j + 1 :]


def _edit_words(paras: list[str], rate: float, fn: Callable[[str], str | None],
                rng: np.random.Generator) -> list[str]:  # fmt: skip
    out = []
    for p in paras:
        toks = p.split(" ")
        for i in np.flatnonzero(rng.random(len(toks)) < rate):
            new = fn(toks[i])
            if new:
                toks[i] = new
        out.append(" ".join(toks))
    return out


def _near_copy(
    src: _Doc, edits: list[str], pools: _Pools, rng: np.random.Generator
) -> tuple[_Doc, str, int]:
    paras = list(src.paras)
    outlet = src.outlet
    layout, width = "blank_line", 70
    for e in edits:
        if e == "substitute":
            paras = _edit_words(paras, SUBSTITUTE_RATE, lambda w: pools.word(), rng)
        elif e == "typos":
            paras = _edit_words(
                paras, TYPO_RATE, lambda w: _typo(w, rng) if len(w) > 3 and w.isalpha() else None,
                rng,
            )  # fmt: skip
        elif e == "drop_paragraph" and len(paras) >= 4:
            del paras[int(rng.integers(1, len(paras)))]
        elif e == "add_paragraph":
            paras.insert(int(rng.integers(1, len(paras) + 1)), pools.paragraph())
        elif e == "rewrap":
            layout, width = "rewrap", int(rng.integers(*WRAP_WIDTHS))
        elif e == "outlet":
            outlet = int(rng.integers(-1, OUTLETS))
    return _Doc(src.headline, paras, outlet, "near_duplicate"), layout, width


def _run(paras: list[str], share: float, rng: np.random.Generator) -> list[str]:
    """A contiguous run of whole paragraphs holding about ``share`` of the words."""
    sizes = [len(p.split()) for p in paras]
    want = share * sum(sizes)
    i = j = int(rng.integers(len(paras)))
    got = sizes[i]
    while got < want and (j + 1 < len(paras) or i > 0):
        if j + 1 < len(paras):
            j += 1
            got += sizes[j]
        else:
            i -= 1
            got += sizes[i]
    return paras[i : j + 1]


def _quote(pools: _Pools, rng: np.random.Generator) -> str:
    inner = QUOTE_WORDS[0] - 3, QUOTE_WORDS[1] - 3  # "..." Name Name said.
    s = pools.sentence(inner).rstrip(".!?,;:")
    return f'"{s}," {_name(rng)} {_name(rng)} said.'


#: What each injected kind claims about its pair (the score and its lower bound), and the
#: kind of match it should be reported as.
CLAIMS = {
    "near_duplicate": ("jaccard", NEAR_MIN_JACCARD),
    "excerpt": ("containment_ab", EXCERPT_MIN_CONTAINMENT),
    "excerpt_embedded": ("containment_ab", EMBEDDED_MIN_CONTAINMENT),
    "roundup": ("containment_ab", ROUNDUP_MIN_CONTAINMENT),
    "alert": ("containment_ab", ALERT_MIN_CONTAINMENT),
    "quote": ("containment_ab", QUOTE_MIN_CONTAINMENT),
}
EXPECTED_KIND = {"near_duplicate": "near_duplicate"}  # every other kind: "partial"


class _Builder:
    """The documents of one chunk while overlaps are injected into them."""

    def __init__(self, n: int, rng: np.random.Generator, tr: Training, outs: list[Outlet]):
        self.rng = rng
        self.outs = outs
        self.footers = [o.footer for o in outs]
        weights = 1.0 / np.arange(1, OUTLETS + 1) ** OUTLET_ZIPF
        self.weights = weights / weights.sum()
        self.pools = _Pools(tr, rng, n)
        self.extra: list[_Doc] = []  # injected documents
        self.pairs: list[tuple[_Doc, _Doc, str, dict[str, Any]]] = []  # a, b, kind, details
        self.groups: list[tuple[str, list[_Doc], dict[str, Any]]] = []
        self.arts: list[_Doc] = []
        self.body_words = np.zeros(0, dtype=np.int64)

    def outlet(self, *, footer: bool = False) -> int:
        """A random outlet (big ones more often), or -1 (no footer) unless ``footer``."""
        if not footer and self.rng.random() < NO_FOOTER_SHARE:
            return -1
        return int(self.rng.choice(OUTLETS, p=self.weights))

    def articles(
        self, tr: Training, targets: np.ndarray, short: np.ndarray, short_outlets: np.ndarray
    ) -> None:
        """The plain articles: whole lengths ``targets``; the ``short`` ones (roundup
        members, of outlets ``short_outlets``) get body lengths from :data:`SHORT_RANGE`.
        No body is shorter than :data:`BODY_MIN_WORDS` or :data:`BODY_PER_FOOTER_WORD`
        times its footer."""
        rng = self.rng
        headlines = [self.pools.headline() for _ in range(len(targets))]
        outlets_ = np.asarray([self.outlet() for _ in range(len(targets))], dtype=np.int64)
        outlets_[short] = short_outlets
        footer_words = np.asarray([0] + [len(f.split()) for f in self.footers])[outlets_ + 1]
        body = targets - [len(h.split()) for h in headlines] - footer_words
        body[short] = rng.integers(SHORT_RANGE[0], SHORT_RANGE[1] + 1, size=len(short))
        body = np.maximum(body, np.maximum(BODY_MIN_WORDS, BODY_PER_FOOTER_WORD * footer_words))
        bodies, self.body_words = _bodies(tr, rng, body.astype(np.int64))
        outlets_ = outlets_.tolist()
        self.arts = [_Doc(h, b, o) for h, b, o in zip(headlines, bodies, outlets_)]

    def quotes(self, group: list[_Doc], *, post: bool = False) -> None:
        """One quote sentence inside every article of ``group`` (no pairs); with ``post``,
        the quote alone too, as a document contained in each of them."""
        q = _quote(self.pools, self.rng)
        for d in group:
            d.paras.insert(int(self.rng.integers(1, len(d.paras) + 1)), q)
            d.role = "quote"
        detail: dict[str, Any] = {"quote": q}
        if post:
            detail["post"] = doc = _Doc("", [q], -1, "quote_post")
            self.extra.append(doc)
            self.pairs += [(doc, d, "quote", {}) for d in group]
        self.groups.append(("shared_quote", group, detail))

    def near_duplicate(self, src: _Doc) -> None:
        """A copy of ``src`` with 1-3 small edits, edited less when that breaks the claim."""
        rng = self.rng
        src.role = "source"
        src.render(self.footers)
        chosen = list(rng.choice(NEAR_EDITS, size=int(rng.integers(1, 4)), replace=False))
        for edits in (chosen, ["typos"], []):  # a short article may take only light edits
            copy, layout, width = _near_copy(src, edits, self.pools, rng)
            copy.render(self.footers, layout, width)
            if scores(src.text, copy.text)["jaccard"] >= NEAR_MIN_JACCARD:
                break
        self.extra.append(copy)
        self.pairs.append((src, copy, "near_duplicate", {"edits": edits}))

    def excerpt(self, src: _Doc, host: _Doc | None) -> None:
        """A run of 20-60% of ``src``: alone under a new headline, or inside ``host``."""
        src.role = "source"
        src.render(self.footers)
        run = _run(src.paras, float(self.rng.uniform(*EXCERPT_SHARE)), self.rng)
        detail = {"share": round(_words(run) / _words(src.paras), 3)}
        if host is not None:
            host.role = "host"
            host.paras[int(self.rng.integers(1, len(host.paras) + 1)) : 0] = run
            self.pairs.append((src, host, "excerpt_embedded", detail))
            return
        doc = _Doc(self.pools.headline(), list(run), self.outlet(), "excerpt")
        for fix in ("outlet", "headline", None):  # at least half of it from its source
            doc.render(self.footers)
            if fix is None or scores(doc.text, src.text)["containment_ab"] >= (
                EXCERPT_MIN_CONTAINMENT
            ):
                break
            doc.outlet = -1 if fix == "outlet" else doc.outlet
            doc.headline = "" if fix == "headline" else doc.headline
        self.extra.append(doc)
        self.pairs.append((doc, src, "excerpt", detail))

    def alert(self, src: _Doc) -> None:
        """A flash made of the first 12-20 words of ``src``'s story (half in capitals)."""
        src.role = "source"
        n = int(self.rng.integers(ALERT_WORDS[0], ALERT_WORDS[1] + 1))
        flash = " ".join(" ".join(src.paras).split()[:n]).rstrip(".,;:")
        if self.rng.random() < 0.5:
            flash = flash.upper()
        doc = _Doc("", [flash], -1, "alert")
        self.extra.append(doc)
        self.pairs.append((doc, src, "alert", {}))

    def roundup(self, group: list[_Doc]) -> None:
        """A digest of ``group`` (short articles of one outlet, the digest's)."""
        o = group[0].outlet
        paras: list[str] = []
        for d in group:
            d.role = "member"
            keep = d.paras
            if len(keep) >= 3 and _words(keep[:-1]) >= 0.75 * _words(keep):
                keep = keep[:-1]  # "most of the text": the last paragraph left out
            paras += [d.headline, *keep]
        name = self.outs[o].name.removeprefix("The ")
        digest = _Doc(f"{name} briefing: {self.pools.headline()}", paras, o, "roundup")
        self.extra.append(digest)
        self.pairs += [(d, digest, "roundup", {}) for d in group]
        self.groups.append(("roundup", group, {"roundup": digest}))

    def finish(self, first_id: int) -> tuple[list[tuple[str, str, str]], np.ndarray, dict]:
        """Render, shuffle and name every document: ``(id, text, outlet)``, word counts,
        and the ids by document."""
        everything = self.arts + self.extra
        footer_words = [len(f.split()) for f in self.footers]
        words = np.empty(len(everything), dtype=np.int64)
        for k, d in enumerate(everything):
            if not d.text:
                d.render(self.footers)
            if d.role == "article":  # counted without splitting the text again
                words[k] = len(d.headline.split()) + int(self.body_words[k])
                words[k] += footer_words[d.outlet] if d.outlet >= 0 else 0
            else:
                words[k] = len(d.text.split())
        order = self.rng.permutation(len(everything))
        ids: dict[int, str] = {}
        docs = []
        for pos, k in enumerate(order):
            d = everything[k]
            ids[id(d)] = f"n{first_id + pos:07d}"
            docs.append((ids[id(d)], d.text, self.outs[d.outlet].name if d.outlet >= 0 else ""))
        return docs, words[order], ids

    def truth(self, ids: dict[int, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The truth pairs (with exact scores) and must-not-merge groups, by document id."""
        pairs = []
        for a, b, injected, detail in self.pairs:
            name, bound = CLAIMS[injected]
            exact = {k: round(v, 4) if isinstance(v, float) else v
                     for k, v in scores(a.text, b.text).items()}  # fmt: skip
            pairs.append({
                "a": ids[id(a)], "b": ids[id(b)], "injected": injected,
                "kind": EXPECTED_KIND.get(injected, "partial"), "claim": {name: bound},
                **exact, **detail,
            })  # fmt: skip
        groups = []
        for kind, members, detail in self.groups:
            g: dict[str, Any] = {"kind": kind, "members": [ids[id(d)] for d in members]}
            if "roundup" in detail:
                g["roundup"] = ids[id(detail["roundup"])]
            if "quote" in detail:
                g["quote"] = detail["quote"]
            if "post" in detail:
                g["post"] = ids[id(detail["post"])]
            groups.append(g)
        return pairs, groups


def generate_chunk(
    index: int,
    n: int,
    seed: int,
    tr: Training,
    outs: list[Outlet],
    first_id: int,
    *,
    quote_posts: bool = False,
) -> Chunk:
    """Chunk ``index`` of a corpus: ``n`` documents with ids from ``first_id``, and the truth.

    Every plain article has at most one role (source of one copy, host, roundup member,
    quote sharer), so the only related pairs are the injected ones. ``quote_posts`` adds
    each shared quote as a document of its own (in place of a plain article).
    """
    started = time.perf_counter()
    rng = np.random.default_rng([seed, index, n])
    big = n >= 200  # a chunk this big gets at least one roundup and one quote group
    n_near = round(SHARE_NEAR * n)
    n_exc = round(SHARE_EXCERPT * n)
    n_alone = (n_exc + 1) // 2
    n_alert = round(SHARE_ALERT * n)
    members = rng.integers(ROUNDUP_MEMBERS[0], ROUNDUP_MEMBERS[1] + 1,
                           size=max(int(big), round(SHARE_ROUNDUP * n)))  # fmt: skip
    quoters = rng.integers(QUOTE_GROUP[0], QUOTE_GROUP[1] + 1,
                           size=max(int(big), round(QUOTE_GROUPS_PER_DOC * n)))  # fmt: skip
    n_art = n - n_near - n_alone - n_alert - len(members) - (len(quoters) if quote_posts else 0)
    roles = {"near": n_near, "excerpt": n_exc, "alert": n_alert, "host": n_exc - n_alone,
             "member": int(members.sum()), "quote": int(quoters.sum())}  # fmt: skip
    if sum(roles.values()) > n_art:
        raise ValueError(f"{n} documents are too few for the injected overlaps")
    cut = np.cumsum([0, *roles.values()])
    perm = rng.permutation(n_art)
    role = {r: perm[cut[k] : cut[k + 1]] for k, r in enumerate(roles)}

    targets = np.clip(np.exp(rng.normal(np.log(LENGTH_MEDIAN), LENGTH_SIGMA, size=n_art)),
                      *LENGTH_RANGE)  # fmt: skip
    targets[role["excerpt"]] = np.maximum(targets[role["excerpt"]], EXCERPT_SOURCE_MIN_WORDS)
    b = _Builder(n, rng, tr, outs)
    digest_outlets = [b.outlet(footer=True) for _ in members]
    b.articles(tr, targets, role["member"], np.repeat(digest_outlets, members))
    arts = b.arts
    for group in np.split(role["quote"], np.cumsum(quoters)[:-1]):
        b.quotes([arts[i] for i in group], post=quote_posts)
    for i in role["near"]:
        b.near_duplicate(arts[i])
    for k, i in enumerate(role["excerpt"]):
        b.excerpt(arts[i], None if k < n_alone else arts[role["host"][k - n_alone]])
    for i in role["alert"]:
        b.alert(arts[i])
    for group in np.split(role["member"], np.cumsum(members)[:-1]):
        b.roundup([arts[i] for i in group])
    docs, words, ids = b.finish(first_id)
    pairs, groups = b.truth(ids)
    text_bytes = sum(len(t.encode("utf-8")) for _, t, _ in docs)
    return Chunk(docs, pairs, groups, words, text_bytes, time.perf_counter() - started)


# --- whole corpora ------------------------------------------------------------------------


@dataclass
class NewsCorpus:
    """A generated corpus held in memory: ``docs`` (id -> text), ``outlets`` (id -> outlet
    name, ``""`` for none) and ``truth`` (the dict written as the truth file)."""

    docs: dict[str, str]
    outlets: dict[str, str]
    truth: dict[str, Any]


def _plan(size: int) -> list[tuple[int, int, int]]:
    """``(chunk index, documents, first id)`` of every chunk of a corpus."""
    return [(i, min(CHUNK_DOCS, size - start), start)
            for i, start in enumerate(range(0, size, CHUNK_DOCS))]  # fmt: skip


def _chunk_task(args: tuple[int, int, int, int, str | None]) -> tuple[bytes, Chunk]:
    index, n, first, seed, train_on = args
    tr = training(Path(train_on) if train_on else None)
    chunk = generate_chunk(index, n, seed, tr, outlets(seed), first)
    lines = "".join(
        json.dumps({"id": i, "text": t, "outlet": o}, ensure_ascii=False) + "\n"
        for i, t, o in chunk.docs
    )
    chunk.docs = []  # the text travels back as bytes only
    return lines.encode("utf-8"), chunk


def _chunks(
    size: int, seed: int, workers: int, train_on: Path | None
) -> Iterator[tuple[bytes, Chunk]]:
    """Every chunk in order, made in ``workers`` forked processes when there are several."""
    training(train_on)  # trained once here, inherited by the forked workers
    where = str(train_on) if train_on is not None else None
    tasks = [(i, n, first, seed, where) for i, n, first in _plan(size)]
    if workers < 2 or len(tasks) < 2:
        yield from map(_chunk_task, tasks)
        return
    import multiprocessing as mp

    with mp.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_chunk_task, tasks)


def _truth(
    size: int,
    seed: int,
    tr: Training,
    chunks: list[Chunk],
    words: np.ndarray,
    text_bytes: int,
    seconds: float,
) -> dict[str, Any]:
    pairs = [p for c in chunks for p in c.pairs]
    groups = [g for c in chunks for g in c.groups]
    by_kind = Counter(p["injected"] for p in pairs)
    return {
        "generator": "benchmarks.news",
        "version": VERSION,
        "size": size,
        "seed": seed,
        "trained_on": tr.source,
        "training_sentences": tr.sentences,
        "stats": {
            "docs": int(len(words)),
            "text_mb": text_bytes / 1e6,
            "words_median": float(np.median(words)),
            "words_mean": float(words.mean()),
            "words_p5": float(np.percentile(words, 5)),
            "words_p95": float(np.percentile(words, 95)),
            "words_min": int(words.min()),
            "words_max": int(words.max()),
            "seconds": seconds,
            "docs_per_s": len(words) / seconds if seconds else None,
            "pairs_by_kind": dict(sorted(by_kind.items())),
            "groups_by_kind": dict(sorted(Counter(g["kind"] for g in groups).items())),
        },
        "params": {
            "chunk_docs": CHUNK_DOCS,
            "length_median": LENGTH_MEDIAN,
            "length_sigma": LENGTH_SIGMA,
            "length_range": LENGTH_RANGE,
            "outlets": OUTLETS,
            "footer_words": FOOTER_WORDS,
            "share_near": SHARE_NEAR,
            "share_excerpt": SHARE_EXCERPT,
            "share_alert": SHARE_ALERT,
            "share_roundup": SHARE_ROUNDUP,
            "quote_groups_per_doc": QUOTE_GROUPS_PER_DOC,
            "ngram": NGRAM,
        },  # fmt: skip
        "outlets": [{"name": o.name, "footer": o.footer} for o in outlets(seed)],
        "pairs": pairs,
        "groups": groups,
    }


def generate_news(
    size: int, seed: int = 0, *, train_on: Path | None = None, quote_posts: bool = False
) -> NewsCorpus:
    """A corpus of ``size`` documents in memory (in this process), with its truth; the
    embedded generator unless ``train_on`` names a corpus file (see :func:`train`);
    ``quote_posts`` adds each shared quote as a document of its own (see the module
    docstring).

    >>> c = generate_news(300, seed=1, quote_posts=True)
    >>> [g["kind"] for g in c.truth["groups"] if "post" in g]
    ['shared_quote']
    >>> {p["injected"] for p in c.truth["pairs"]} >= {"quote", "roundup"}
    True
    """
    started = time.perf_counter()
    tr = training(train_on)
    docs: dict[str, str] = {}
    outlet_of: dict[str, str] = {}
    chunks = []
    for index, n, first in _plan(size):
        chunk = generate_chunk(index, n, seed, tr, outlets(seed), first, quote_posts=quote_posts)
        for i, t, o in chunk.docs:
            docs[i] = t
            outlet_of[i] = o
        chunks.append(chunk)
    words = np.concatenate([c.words for c in chunks])
    text_bytes = sum(c.text_bytes for c in chunks)
    truth = _truth(size, seed, tr, chunks, words, text_bytes, time.perf_counter() - started)
    return NewsCorpus(docs, outlet_of, truth)


def write_news(
    path: str | Path,
    size: int,
    seed: int = 0,
    *,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
    train_on: Path | None = None,
) -> dict[str, Any]:
    """Write a corpus as JSONL (``id``, ``text``, ``outlet``) to ``path`` (gzip when it ends
    in .gz) and its truth next to it (``<stem>.truth.json``); return the truth.

    ``workers`` processes generate chunks (0: one per core); ``progress`` is called with the
    documents of each chunk written. Both files appear whole or not at all.
    """
    started = time.perf_counter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workers = workers or min(4, os.cpu_count() or 1)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    chunks: list[Chunk] = []
    jsonl_bytes = 0
    try:
        with (gzip.open(tmp, "wb", compresslevel=1) if path.suffix == ".gz"
              else open(tmp, "wb")) as fh:  # fmt: skip
            for data, chunk in _chunks(size, seed, workers, train_on):
                fh.write(data)
                chunks.append(chunk)
                jsonl_bytes += len(data)
                if progress is not None:
                    progress(len(chunk.words))
        words = np.concatenate([c.words for c in chunks])
        text_bytes = sum(c.text_bytes for c in chunks)
        tr = training(train_on)
        truth = _truth(size, seed, tr, chunks, words, text_bytes, time.perf_counter() - started)
        truth["stats"]["file_mb"] = jsonl_bytes / 1e6
        truth_path = truth_path_for(path)
        truth_tmp = truth_path.with_name(truth_path.name + f".tmp{os.getpid()}")
        truth_tmp.write_text(json.dumps(truth), encoding="utf-8")
        os.replace(tmp, path)
        os.replace(truth_tmp, truth_path)
    finally:
        tmp.unlink(missing_ok=True)
    return truth


def truth_path_for(path: str | Path) -> Path:
    """The truth file of a corpus file: ``news-20000-0.jsonl`` -> ``news-20000-0.truth.json``."""
    path = Path(path)
    name = path.name
    for suffix in (".gz", ".jsonl"):
        name = name.removesuffix(suffix)
    return path.with_name(name + ".truth.json")


def news_corpus(
    size: int,
    seed: int = 0,
    *,
    cache_dir: str | Path = CACHE_DIR,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
    train_on: Path | None = None,
) -> tuple[Path, dict[str, Any], bool]:
    """The cached corpus ``news-<size>-<seed>.jsonl`` in ``cache_dir`` (made when missing or
    made by another generator version or from other training text): its path, its truth,
    and whether it came from the cache."""
    path = Path(cache_dir) / f"news-{size}-{seed}.jsonl"
    truth_path = truth_path_for(path)
    if path.is_file() and truth_path.is_file():
        try:
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            truth = {}
        if (truth.get("version") == VERSION and truth.get("size") == size
                and truth.get("trained_on") == training(train_on).source):  # fmt: skip
            return path, truth, True
    truth = write_news(path, size, seed, workers=workers, progress=progress, train_on=train_on)
    return path, truth, False


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.news SIZE``: make (or find) a cached corpus, print its stats."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.news", description=main.__doc__)
    p.add_argument("size", type=int, help="documents")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=CACHE_DIR, help="cache folder")
    p.add_argument("--workers", type=int, default=0, help="processes (0: one per core, <= 4)")
    p.add_argument("--force", action="store_true", help="make it again even when cached")
    p.add_argument("--train-on", type=Path, metavar="PATH",
                   help="train the chain on this JSONL(.gz) news corpus (text, title) instead "
                   f"of the embedded generator, e.g. {REUTERS}")  # fmt: skip
    args = p.parse_args(argv)
    if args.force:
        path = Path(args.out) / f"news-{args.size}-{args.seed}.jsonl"
        truth = write_news(path, args.size, args.seed, workers=args.workers,
                           train_on=args.train_on)  # fmt: skip
        cached = False
    else:
        path, truth, cached = news_corpus(args.size, args.seed, cache_dir=args.out,
                                          workers=args.workers, train_on=args.train_on)  # fmt: skip
    st = truth["stats"]
    print(
        f"{path} ({'cached' if cached else 'made'}): {st['docs']:,} documents, "
        f"{st['text_mb']:,.0f} MB of text; generator trained on {truth['trained_on']}"
    )
    print(
        f"words per document: median {st['words_median']:.0f}, mean {st['words_mean']:.0f}, "
        f"5%-95% {st['words_p5']:.0f}-{st['words_p95']:.0f}, "
        f"range {st['words_min']}-{st['words_max']}"
    )
    print(f"generated in {st['seconds']:.1f} s ({st['docs_per_s']:,.0f} docs/s)")
    print("truth pairs: " + ", ".join(f"{k} {v:,}" for k, v in st["pairs_by_kind"].items()))
    print("groups: " + ", ".join(f"{k} {v:,}" for k, v in st["groups_by_kind"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
