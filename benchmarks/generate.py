"""Generated news corpus with ground truth, reproducible from a seed.

Everything is built from the five seed articles in the repository's ``seeds/`` folder:

* the seeds themselves (ids ``seed-000`` .. ``seed-004``);
* **synthetic** base articles (ids ``syn-00000`` ..), made by a word-level Markov chain
  over the seed sentences, with made-up names and random numbers so that two synthetic
  articles share vocabulary and style but not passages. They are labelled synthetic in
  :attr:`Corpus.sources` and carry no third-party text;
* near-duplicates of base articles (ids ``<base>~<kind>``), made the way news desks
  re-publish copy (see :data:`EDIT_KINDS`), each recording its edit kinds and the true
  paragraph correspondence with its base;
* hard negatives: pairs of different base articles on the same topic that quote the same
  people with the same sentences (kind ``shared_quotes``), which must not be reported;
* re-publications whose sentences were cut and regrouped into other paragraphs (kind
  ``regrouped_sentences``, see :func:`regroup`), which record, instead of a paragraph
  correspondence, where every copied sentence stands in both texts (:attr:`Pair.copies`).
  They are made after everything else, from a random generator of their own, so adding
  them leaves every other document and pair as it was.

>>> c = generate(n_base=6, seed=3)
>>> c2 = generate(n_base=6, seed=3)
>>> c.docs == c2.docs
True
>>> any(p.positive for p in c.pairs)
True
"""

from __future__ import annotations

import random
import re
import string
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dedupe.text import paragraphs as split_paragraphs
from dedupe.text import words

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"

# Edit kinds of near-duplicates. Each derived article gets one primary kind (or "combo",
# three stacked kinds) plus a layout; the pair records all of them.
EDIT_KINDS = (
    "verbatim",
    "house_style",
    "typos",
    "attribution",
    "drop_paragraphs",
    "add_paragraphs",
    "move_paragraphs",
    "split_paragraphs",
    "merge_paragraphs",
    "cut_tail",
    "excerpt",
    "alert",
    "embedded",
    "boilerplate",
    "combo",
)
# Kinds that can be stacked in a "combo": all but these (in EDIT_KINDS order).
_UNSTACKABLE = {"verbatim", "cut_tail", "excerpt", "alert", "embedded", "combo"}
_STACKABLE = tuple(k for k in EDIT_KINDS if k not in _UNSTACKABLE)
LAYOUTS = ("blank_line", "single_newline", "hard_wrapped")
# Column at which the hard-wrapped layout breaks lines (wire copy style).
WRAP_WIDTH = 70
# Share of words that get a typo in the "typos" edit.
TYPO_RATE = 1 / 40
# Share of paragraphs dropped / added / moved by the paragraph edits.
PARAGRAPH_EDIT_SHARE = 0.25
# Share of the article kept by "cut_tail" (range) and by "excerpt" (range).
CUT_TAIL_KEEP = (0.45, 0.75)
EXCERPT_KEEP = (0.3, 0.5)
# Number of quoted sentences two hard-negative articles share.
SHARED_QUOTES = 2
# Paragraphs kept (headline included) in the short-brief half of the hard negatives.
SHORT_BRIEF_PARAGRAPHS = 4
# Share of base articles that get a near-duplicate, and share that get a hard negative partner.
DERIVED_SHARE = 0.85
HARD_NEGATIVE_SHARE = 0.3
# Edit kinds whose truth is sentence copies (Pair.copies), not a paragraph correspondence.
SENTENCE_KINDS = ("regrouped_sentences",)
# Share of synthetic base articles that also get a "regrouped_sentences" re-publication.
REGROUPED_SHARE = 0.12
# In a regrouped re-publication: share of the body's sentences cut and put into another
# paragraph, share dropped, pairs of paragraphs that swap their second halves, and new
# sentences added (per body paragraph).
REGROUP_MOVE_SHARE = 0.3
REGROUP_DROP_SHARE = 0.1
REGROUP_HALF_SWAPS = 2
REGROUP_NEW_SHARE = 0.3


@dataclass(frozen=True)
class Pair:
    """Ground truth for one generated pair of documents.

    ``positive`` is True for a re-publication (near-duplicate or partial) and False for a
    hard negative. ``para_map`` lists ``(a_paragraph, b_paragraph)`` index pairs that hold
    the same text (possibly edited); ``labels`` gives, for each of those pairs, the edit
    label the aligner should give it (equal / edited / moved / split / merged). ``copies``
    (kind ``regrouped_sentences`` only) lists the sentences copied word for word, as
    ``(a_word, b_word, words)``: word ``a_word + t`` of A (``dedupe.text.words``) is word
    ``b_word + t`` of B for ``t < words``.
    """

    a: str
    b: str
    kinds: tuple[str, ...]
    positive: bool
    para_map: tuple[tuple[int, int], ...] = ()
    labels: tuple[str, ...] = ()
    copies: tuple[tuple[int, int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "a": self.a,
            "b": self.b,
            "kinds": list(self.kinds),
            "positive": self.positive,
            "para_map": [list(p) for p in self.para_map],
            "labels": list(self.labels),
            "copies": [list(c) for c in self.copies],
        }


@dataclass
class Corpus:
    """Documents (id -> text), where each came from, and the generated pairs' truth."""

    docs: dict[str, str]
    sources: dict[str, str]
    pairs: list[Pair] = field(default_factory=list)

    @property
    def truth(self) -> dict[tuple[str, str], Pair]:
        """Pairs keyed by their sorted id pair."""
        return {key(p.a, p.b): p for p in self.pairs}


def key(a: str, b: str) -> tuple[str, str]:
    """A pair's id key, order-free. ``key("b", "a") == ("a", "b")``."""
    return (a, b) if a <= b else (b, a)


# --- seeds ------------------------------------------------------------------------------


def load_seeds(folder: Path = SEEDS_DIR) -> dict[str, str]:
    """The seed articles, ``{"seed-000": text, ...}``, read from the repository's seeds/."""
    out = {}
    for path in sorted(folder.glob("*.txt")):
        out[f"seed-{path.name[:3]}"] = path.read_text(encoding="utf-8")
    if not out:
        raise FileNotFoundError(f"no seed articles (*.txt) in {folder}")
    return out


_SENTENCE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019]))\s+(?=[\"'\u201c\u2018A-Z])")


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences (a simple rule, good enough for news prose)."""
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


# --- synthetic base text -------------------------------------------------------------------


class Markov:
    """Word-level Markov chain (order 1) over the seed sentences: synthetic prose."""

    def __init__(self, texts: list[str]) -> None:
        self.next: dict[str, list[str]] = defaultdict(list)
        self.starts: list[str] = []
        self.quotes: list[str] = []
        for text in texts:
            for para in split_paragraphs(text):
                for sent in sentences(para.text):
                    toks = sent.replace("\u201c", '"').replace("\u201d", '"').split()
                    if len(toks) < 6:
                        continue
                    self.starts.append(toks[0])
                    for a, b in zip(toks, toks[1:] + ["\n"]):
                        self.next[a].append(b)

    def sentence(self, rng: random.Random, *, max_words: int = 40) -> str:
        """One synthetic sentence."""
        while True:
            tok = rng.choice(self.starts)
            out = [tok]
            while len(out) < max_words:
                tok = rng.choice(self.next[tok])
                if tok == "\n":
                    break
                out.append(tok)
            text = " ".join(out).replace('"', "")
            if len(out) >= 8:
                text = text.rstrip(",;:-")
                return text if text[-1] in ".!?" else text + "."


_SYLLABLES = [c + v for c in "bdfghjklmnprstvwz" for v in "aeiou"] + ["an", "el", "or", "ing"]
_ROLES = (
    "chief economist at",
    "a researcher at",
    "head of the innovation office of",
    "a senior analyst with",
    "deputy director of",
    "a spokeswoman for",
    "vice-president of",
)


def _name(rng: random.Random, parts: int = 2) -> str:
    return " ".join(
        "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        for _ in range(parts)
    )


class _Article:
    """A base article under construction: paragraphs of synthetic prose and quotes."""

    def __init__(self, chain: Markov, rng: random.Random) -> None:
        self.people = [_name(rng) for _ in range(3)]
        self.orgs = [
            _name(rng, 1) + " " + rng.choice(("Group", "Institute", "Labs", "Bank"))
            for _ in range(2)
        ]
        self.place = _name(rng, 1)
        self.chain = chain
        self.rng = rng

    def localise(self, sent: str) -> str:
        """Swap capitalised words and numbers for this article's own names and numbers."""
        rng = self.rng
        toks = sent.split()
        for i in range(1, len(toks)):
            t = toks[i]
            core = t.strip(string.punctuation)
            if not core:
                continue
            if core[0].isdigit() and rng.random() < 0.8:
                toks[i] = t.replace(core, str(rng.randint(2, 990)))
            elif core[0].isupper() and rng.random() < 0.5:
                toks[i] = t.replace(core, rng.choice([self.place, *self.orgs, self.people[0]]))
        return " ".join(toks)

    def quote(self) -> str:
        """A quoted sentence with an attribution, ``"...," Name, role Org, said.``"""
        rng = self.rng
        q = self.localise(self.chain.sentence(rng, max_words=28)).rstrip(".!?")
        who = rng.choice(self.people)
        if rng.random() < 0.5:
            return f'"{q}," {who}, {rng.choice(_ROLES)} {rng.choice(self.orgs)}, said.'
        return f"{q}, {who} said."

    def paragraph(self) -> str:
        rng = self.rng
        sents = [self.localise(self.chain.sentence(rng)) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.4:
            sents.insert(rng.randint(0, len(sents)), self.quote())
        return " ".join(sents)

    def headline(self) -> str:
        toks = self.chain.sentence(self.rng, max_words=9).rstrip(".").split()[:8]
        return " ".join(toks).capitalize()

    def build(self, n_paras: int) -> list[str]:
        return [self.headline()] + [self.paragraph() for _ in range(n_paras)]


# --- edits --------------------------------------------------------------------------------


@dataclass
class _Para:
    """A paragraph of a derived article and the base paragraphs it came from."""

    text: str
    origin: tuple[int, ...]  # base paragraph indices; () for new material
    how: str = ""  # "split" / "merged" when made by those edits


_HOUSE = [
    (re.compile(r"\b(\w+), (\w+),? and (\w+)\b"), r"\1, \2, and \3"),  # Oxford comma on
    (re.compile(r"\b(\d+) per cent\b"), r"\1 percent"),
    (re.compile(r"\be-commerce\b"), "ecommerce"),
    (re.compile(r"\b(\w+)-(\w+)\b"), r"\1 \2"),  # de-hyphenate compounds
    (re.compile(r"\bDr\. "), "Dr "),
]
_NUMBER_WORDS = {str(i): w for i, w in enumerate(
    "zero one two three four five six seven eight nine ten".split())}  # fmt: skip


def _house_style(text: str, rng: random.Random) -> str:
    text = text.replace('"', "\u201c", 1).replace('"', "\u201d", 1) if rng.random() < 0.5 else text
    for pat, rep in _HOUSE:
        if rng.random() < 0.7:
            text = pat.sub(rep, text)
    # Spell out small numbers and write large ones with thousands separators.
    return re.sub(
        r"\b(\d+)\b",
        lambda m: _NUMBER_WORDS.get(m.group(1), m.group(1)) if len(m.group(1)) == 1 else m.group(1),
        text,
    )


def _typos(text: str, rng: random.Random) -> str:
    toks = text.split(" ")
    for i, t in enumerate(toks):
        if len(t) > 3 and t.isalpha() and rng.random() < TYPO_RATE:
            j = rng.randrange(len(t) - 1)
            toks[i] = (
                t[:j] + t[j + 1] + t[j] + t[j + 2 :] if rng.random() < 0.5 else t[:j] + t[j + 1 :]
            )
    return " ".join(toks)


_WHO = r"(?P<who>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3})"
_ATTR = [
    # "...," Name, role, said.  ->  "...," according to Name, role.
    (re.compile(r'(?P<q>[,"\u201d]) ' + _WHO + r"(?P<role>, [^.\"]*?)?,? said\."),
     lambda m: f"{m['q']} according to {m['who']}{m['role'] or ''}."),
    # clause, Name said.  ->  clause, according to Name.
    (re.compile(r", " + _WHO + r" said\."), lambda m: f", according to {m['who']}."),
    # Name said (that) clause.  ->  According to Name, clause.
    (re.compile(_WHO + r" said (?:that )?(?P<rest>[a-z][^.]*\.)"),
     lambda m: f"According to {m['who']}, {m['rest']}"),
]  # fmt: skip


def _attribution(text: str) -> str:
    for pat, rep in _ATTR:
        text = pat.sub(rep, text)
    return text


def _edit_text(paras: list[_Para], fn, rng: random.Random, share: float = 1.0) -> None:
    for p in paras:
        if p.origin and rng.random() < share:
            p.text = fn(p.text)


def _apply(kind: str, paras: list[_Para], ctx: _Article, rng: random.Random) -> list[_Para]:
    n = len(paras)
    body = list(range(1, n)) if n > 2 else list(range(n))  # keep the headline in place
    count = max(1, round(PARAGRAPH_EDIT_SHARE * len(body)))
    if kind == "verbatim":
        return paras
    if kind == "house_style":
        _edit_text(paras, lambda t: _house_style(t, rng), rng)
    elif kind == "typos":
        _edit_text(paras, lambda t: _typos(t, rng), rng)
    elif kind == "attribution":
        _edit_text(paras, _attribution, rng)
    elif kind == "drop_paragraphs":
        drop = set(rng.sample(body, min(count, len(body) - 1)))
        paras = [p for i, p in enumerate(paras) if i not in drop]
    elif kind == "add_paragraphs":
        for _ in range(count):
            paras.insert(rng.randint(1, len(paras)), _Para(ctx.paragraph(), ()))
    elif kind == "move_paragraphs":
        for _ in range(max(1, count // 2)):
            if len(paras) < 4:
                break
            i = rng.randrange(1, len(paras))
            p = paras.pop(i)
            j = rng.randrange(1, len(paras) + 1)
            while abs(j - i) < 2 and len(paras) > 3:
                j = rng.randrange(1, len(paras) + 1)
            paras.insert(j, p)
    elif kind == "split_paragraphs":
        cands = [i for i, p in enumerate(paras) if len(sentences(p.text)) >= 2 and p.origin]
        for i in sorted(rng.sample(cands, min(count, len(cands))), reverse=True):
            s = sentences(paras[i].text)
            cut = rng.randint(1, len(s) - 1)
            o = paras[i].origin
            paras[i : i + 1] = [
                _Para(" ".join(s[:cut]), o, "split"),
                _Para(" ".join(s[cut:]), o, "split"),
            ]
    elif kind == "merge_paragraphs":
        cands = [i for i in range(1, len(paras) - 1) if paras[i].origin and paras[i + 1].origin]
        done: set[int] = set()
        for i in sorted(rng.sample(cands, min(count, len(cands))), reverse=True):
            if i in done or i + 1 in done:
                continue
            a, b = paras[i], paras[i + 1]
            if a.how or b.how:
                continue
            paras[i : i + 2] = [_Para(a.text + " " + b.text, a.origin + b.origin, "merged")]
            done.update({i, i + 1})
    elif kind == "cut_tail":
        keep = max(2, round(rng.uniform(*CUT_TAIL_KEEP) * n))
        paras = paras[:keep]
    elif kind == "excerpt":
        size = max(2, round(rng.uniform(*EXCERPT_KEEP) * n))
        start = rng.randint(1, max(1, n - size))
        paras = paras[start : start + size]
    elif kind == "alert":
        # A news alert: the headline and the first sentence of the story, nothing else.
        first = next((p for p in paras[1:] if p.origin and sentences(p.text)), None)
        paras = paras[:1]
        if first is not None:
            paras.append(_Para(sentences(first.text)[0], first.origin))
    elif kind == "embedded":
        host = _Article(ctx.chain, rng)
        before = [_Para(t, ()) for t in host.build(rng.randint(3, 8))]
        after = [_Para(host.paragraph(), ()) for _ in range(rng.randint(3, 8))]
        paras = before + paras + after
    elif kind == "boilerplate":
        header = [
            _Para(f"By {_name(rng)} | Staff Reporter", ()),
            _Para(
                f"Published {rng.randint(1, 28)} March 2025, updated {rng.randint(1, 23)}:00", ()
            ),
        ]
        footer = [
            _Para(
                f"Copyright {rng.randint(2019, 2025)} {ctx.orgs[0]} News. All rights reserved. "
                "This material may not be published, broadcast, rewritten or redistributed.",
                (),
            ),
            _Para(
                "Subscribe to our newsletter for the latest business and technology stories.", ()
            ),
        ]
        paras = header + paras + footer
    else:
        raise ValueError(f"unknown edit kind {kind!r}")
    return paras


def regroup(
    paras: list[str], ctx: _Article, rng: random.Random
) -> list[list[tuple[str, tuple[int, int] | None]]]:
    """Cut sentences out of paragraphs and regroup them, the way desks rework copy.

    The headline stays first. Of the body's sentences, ``REGROUP_MOVE_SHARE`` move into
    another paragraph (at a sentence break) and ``REGROUP_DROP_SHARE`` are dropped; up to
    ``REGROUP_HALF_SWAPS`` pairs of paragraphs swap their second halves (each becomes half
    of one and half of the other); new sentences are added. Returns the new paragraphs,
    each a list of its sentences with where they came from: ``(paragraph, sentence)`` of
    the base (as :func:`sentences` splits it) or ``None`` for new material.

    >>> ctx = _Article(Markov(list(load_seeds().values())), random.Random(1))
    >>> out = regroup(ctx.build(6), ctx, random.Random(2))
    >>> origins = [o for p in out for _, o in p if o is not None]
    >>> origins[0], origins != sorted(origins)  # the headline first, then regrouped
    ((0, 0), True)
    """
    units = [[(sent, (i, k)) for k, sent in enumerate(sentences(p))] for i, p in enumerate(paras)]
    body = units[1:]
    if len(body) >= 2:
        every = [(i, k) for i, u in enumerate(body) for k in range(len(u))]
        picked = rng.sample(every, round(REGROUP_MOVE_SHARE * len(every)))
        moving = []
        for i, k in sorted(picked, reverse=True):
            if len(body[i]) > 1:
                moving.append((body[i].pop(k), i))
        for unit, home in moving:
            dest = rng.choice([x for x in range(len(body)) if x != home])
            body[dest].insert(rng.randint(0, len(body[dest])), unit)
        for _ in range(REGROUP_HALF_SWAPS):
            two = [x for x in range(len(body)) if len(body[x]) >= 2]
            if len(two) < 2:
                break
            p, q = rng.sample(two, 2)
            hp, hq = len(body[p]) // 2, len(body[q]) // 2
            body[p], body[q] = body[p][:hp] + body[q][hq:], body[q][:hq] + body[p][hp:]
        for u in body:
            for k in sorted(range(len(u)), reverse=True):
                if len(u) > 1 and rng.random() < REGROUP_DROP_SHARE:
                    u.pop(k)
    for u in body:
        if rng.random() < REGROUP_NEW_SHARE:
            u.insert(rng.randint(0, len(u)), (ctx.localise(ctx.chain.sentence(rng)), None))
    return [units[0], *(u for u in body if u)]


def _copies(
    base: list[str], regrouped: list[list[tuple[str, tuple[int, int] | None]]]
) -> tuple[tuple[int, int, int], ...]:
    """Word positions ``(a_word, b_word, words)`` of the sentences of ``regrouped`` copied
    from ``base`` (see :func:`regroup`)."""
    a_at: dict[tuple[int, int], int] = {}
    pos = 0
    for i, p in enumerate(base):
        for k, sent in enumerate(sentences(p)):
            a_at[(i, k)] = pos
            pos += len(words(sent))
    out = []
    pos = 0
    for para in regrouped:
        for sent, o in para:
            n = len(words(sent))
            if o is not None and n:
                out.append((a_at[o], pos, n))
            pos += n
    return tuple(out)


# --- layout -------------------------------------------------------------------------------


def render(paras: list[str], layout: str) -> str:
    """Join paragraphs in one of :data:`LAYOUTS`.

    >>> render(["A.", "B."], "single_newline")
    'A.\\nB.'
    """
    if layout == "blank_line":
        return "\n\n".join(paras) + "\n"
    if layout == "single_newline":
        return "\n".join(paras)
    if layout == "hard_wrapped":
        out = []
        for i, p in enumerate(paras):
            indent = "    " if i else ""
            out.append(textwrap.fill(p, WRAP_WIDTH, initial_indent=indent))
        return "\n".join(out) + "\n"
    raise ValueError(f"unknown layout {layout!r}")


def _splits_back(text: str, paras: list[str]) -> bool:
    """True when ``dedupe.text.paragraphs`` finds exactly these paragraphs in ``text``."""
    return [words(p.text) for p in split_paragraphs(text)] == [words(p) for p in paras]


def _render_checked(paras: list[str], layout: str) -> tuple[str, str, bool]:
    """Render, falling back to blank-line layout when the paragraphs would not split back.

    The last value says whether the rendered text splits back into ``paras`` (when it does
    not, the paragraph truth of the pair cannot be trusted and is left out).
    """
    text = render(paras, layout)
    if _splits_back(text, paras):
        return text, layout, True
    text = render(paras, "blank_line")
    return text, "blank_line", _splits_back(text, paras)


# --- truth --------------------------------------------------------------------------------


def _lis(seq: list[int]) -> set[int]:
    """Positions of one longest increasing subsequence of ``seq``."""
    import bisect

    tails: list[int] = []
    tails_pos: list[int] = []
    prev = [-1] * len(seq)
    for i, v in enumerate(seq):
        j = bisect.bisect_left(tails, v)
        if j == len(tails):
            tails.append(v)
            tails_pos.append(i)
        else:
            tails[j] = v
            tails_pos[j] = i
        prev[i] = tails_pos[j - 1] if j else -1
    out: set[int] = set()
    i = tails_pos[-1] if tails_pos else -1
    while i >= 0:
        out.add(i)
        i = prev[i]
    return out


def _truth_map(
    base: list[str], derived: list[_Para]
) -> tuple[tuple[tuple[int, int], ...], tuple[str, ...]]:
    pairs: list[tuple[int, int]] = []
    labels: list[str] = []
    singles = [(j, p) for j, p in enumerate(derived) if len(p.origin) == 1 and p.how != "split"]
    in_order = _lis([p.origin[0] for _, p in singles])
    moved = {singles[k][0] for k in range(len(singles)) if k not in in_order}
    for j, p in enumerate(derived):
        for i in p.origin:
            pairs.append((i, j))
            if p.how in ("split", "merged"):
                labels.append(p.how)
            elif j in moved:
                labels.append("moved")
            elif words(p.text) == words(base[i]):
                labels.append("equal")
            else:
                labels.append("edited")
    return tuple(pairs), tuple(labels)


# --- the corpus ---------------------------------------------------------------------------


def generate(
    n_base: int = 600,
    *,
    seed: int = 0,
    min_paragraphs: int = 6,
    max_paragraphs: int = 16,
    include_seeds: bool = True,
    regrouped_share: float = REGROUPED_SHARE,
) -> Corpus:
    """Generate a corpus of ``n_base`` base articles plus near-duplicates and hard negatives.

    The same ``seed`` always gives the same corpus (texts, ids and truth).
    ``regrouped_share`` of the synthetic base articles also get a ``regrouped_sentences``
    re-publication (see :func:`regroup`), made last, with a random generator of their own.
    """
    rng = random.Random(seed)
    seeds = load_seeds()
    chain = Markov(list(seeds.values()))
    docs: dict[str, str] = {}
    sources: dict[str, str] = {}
    pairs: list[Pair] = []
    bases: list[tuple[str, list[str], _Article]] = []

    if include_seeds:
        for sid, text in seeds.items():
            docs[sid] = text
            sources[sid] = "seed"
        # The seeds' own relations: 000 is partly re-published in 001; 002-004 are same-topic
        # articles (hard negatives) that quote some of the same people.
        ids = sorted(seeds)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                natural = (a, b) == ("seed-000", "seed-001")
                pairs.append(
                    Pair(a, b, ("seed_partial" if natural else "seed_same_topic",), natural)
                )
        for sid in ids:
            ctx = _Article(chain, rng)
            bases.append((sid, [p.text for p in split_paragraphs(seeds[sid])], ctx))

    for n in range(n_base):
        ctx = _Article(chain, rng)
        paras = ctx.build(rng.randint(min_paragraphs, max_paragraphs))
        bid = f"syn-{n:05d}"
        bases.append((bid, paras, ctx))
        sources[bid] = "synthetic-markov"

    # Hard negatives: two different synthetic articles share a couple of quoted sentences.
    synth = [b for b in bases if b[0].startswith("syn-")]
    rng.shuffle(synth)
    n_neg = int(HARD_NEGATIVE_SHARE * len(synth)) // 2
    for k in range(n_neg):
        (ida, pa, ctxa), (idb, pb, _) = synth[2 * k], synth[2 * k + 1]
        quotes = [ctxa.quote() for _ in range(SHARED_QUOTES)]
        if k % 2:  # every other partner is a short brief, where the quotes weigh more
            del pb[SHORT_BRIEF_PARAGRAPHS:]
        for q in quotes:
            pa.insert(rng.randint(1, len(pa)), q)
            pb.insert(rng.randint(1, len(pb)), q)
        pairs.append(Pair(ida, idb, ("shared_quotes",), False))

    for bid, paras, _ in bases:
        if bid.startswith("syn-"):
            docs[bid] = _render_checked(paras, rng.choice(LAYOUTS))[0]  # truth re-splits it

    kinds_cycle = list(EDIT_KINDS)
    n_derived = 0
    for bid, _paras, ctx in bases:
        if bid.startswith("syn-") and rng.random() >= DERIVED_SHARE:
            continue
        kind = kinds_cycle[n_derived % len(kinds_cycle)]
        n_derived += 1
        applied = rng.sample(_STACKABLE, 3) if kind == "combo" else [kind]
        base_units = [p.text for p in split_paragraphs(docs[bid])]
        # One line per paragraph: a wrapped base paragraph is re-flowed by the new layout.
        paras = [_Para(" ".join(t.split()), (i,)) for i, t in enumerate(base_units)]
        for k in applied:
            paras = _apply(k, paras, ctx, rng)
        layout = rng.choice(LAYOUTS)
        text, layout, splits_back = _render_checked([p.text for p in paras], layout)
        did = f"{bid}~{kind}"
        docs[did] = text
        sources[did] = f"derived from {bid}"
        para_map, labels = _truth_map(base_units, paras) if splits_back else ((), ())
        kinds = (kind, *(applied if kind == "combo" else ()), f"layout:{layout}")
        pairs.append(Pair(bid, did, kinds, True, para_map, labels))

    # Regrouped sentences: last, from a generator of their own (the rest stays the same).
    rng = random.Random(f"regrouped_sentences/{seed}")
    for bid, _paras, ctx in bases:
        if not bid.startswith("syn-") or rng.random() >= regrouped_share:
            continue
        ctx.rng = rng
        base_units = [" ".join(p.text.split()) for p in split_paragraphs(docs[bid])]
        regrouped = regroup(base_units, ctx, rng)
        paras = [" ".join(sent for sent, _ in p) for p in regrouped]
        text, layout, _ = _render_checked(paras, rng.choice(LAYOUTS))
        copies = _copies(base_units, regrouped)
        if sum(map(len, (words(p) for p in paras))) != len(words(text)):
            copies = ()  # the layout changed the words (never seen): no truth to score
        did = f"{bid}~regrouped_sentences"
        docs[did] = text
        sources[did] = f"derived from {bid}"
        kinds = ("regrouped_sentences", f"layout:{layout}")
        pairs.append(Pair(bid, did, kinds, True, copies=copies))
    return Corpus(docs, sources, pairs)
