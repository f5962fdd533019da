"""The embedded news generator's words: a sentence skeleton learned from ``seeds/``, and a
large synthetic lexicon its open word classes draw from.

:mod:`benchmarks.news` learns a word-level Markov chain. Trained on the five seed articles
alone it repeats their sentences, so unrelated generated articles share many 5-grams. Here
only the *skeleton* of the seed sentences is learned: function words (:data:`FUNCTION_WORDS`)
stay as they are, and every other word becomes the name of its class (a lower-case word, a
proper name, an acronym, a number, a weekday, a month, with the punctuation after it). When
a sentence is rendered, each class token is replaced by a word drawn afresh from its class's
lexicon with Zipf-Mandelbrot weights: common words (:data:`COMMON_WORDS`, written for this
project) first, then pronounceable made-up words from a fixed seed. Two unrelated articles
then share a 5-gram about as often as two news articles do (some function-word phrases and
frequent words), not whole sentences.

Everything here is the project's own text or made from a fixed seed: no corpus is copied.

>>> lex = Lexicon.build()
>>> lex.base["low"][:3], len(lex.base["low"]) == LOW_WORDS
(['year', 'government', 'company'], True)
>>> lex.base["low"] == Lexicon.build().base["low"]
True
>>> split_token('"China\\'s,')
('China', "'s,")
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

#: Words kept as they are in the skeleton (compared lower-cased): closed-class words and the
#: few verbs of attribution every news story uses.
FUNCTION_WORDS = frozenset(
    """
a about above across after against ago ahead all almost along already also although always
am among an and another any are around as at back be because been before being below between
both but by can could did do does doing down during each either else even ever every few for
from further had has have having he her here hers herself him himself his how however i if in
including into is it its itself just least less like many may me might more most much must my
near neither never next no nor not now of off on once one only onto or other others our ours
out over own per rather same she should since so some still such than that the their theirs
them themselves then there these they this those though three through thus to too two toward
towards under unless until up upon us very via was we were what whatever when where whether
which while who whom whose why will with within without would yet you your
said says say saying told added according
""".split()
)

#: Frequent content words of news (the lexicon's first ranks, most common first): written
#: for this project, not taken from any corpus.
COMMON_WORDS = """
year government company percent market people state country week month president minister
official officials group bank price prices share shares sales growth economy business billion
million time report party city police court plan trade deal oil rate rates policy industry
workers tax election world team children students health program service services system
support public national international economic financial foreign local new first last former
other high higher low lower major key big small large early late next recent annual quarter
profit loss revenue investors analysts capital stock stocks demand supply production exports
imports energy power water food housing costs budget debt interest inflation jobs unemployment
spending security military forces war peace talks agreement law rules bill vote voters leader
leaders chief executive director chairman spokesman spokeswoman members council committee
board agency ministry department office union region area province capital border coast island
village county district center project projects fund funds money investment investments
technology data research study studies information network internet online media news
television radio newspaper statement interview conference meeting summit visit trip day days
years months weeks hours morning night season series game games match player players coach
club league title record history life family home house school university hospital doctors
patients care disease virus vaccine water land fire storm weather rain climate emissions gas
coal car cars plant plants factory factories airline flights airport road roads rail train
port ship ships shipping goods products prices consumer consumers customers users contract
contracts order orders value level levels number numbers total average rise fall increase
decrease drop gain gains cut cuts change changes move moves step steps effort efforts case
cases issue issues problem problems question questions reason reasons result results way ways
point points part parts end start side sides role control power access risk risks threat
crisis pressure concern concerns impact effect effects need needs plans hopes fears view
views position decision decisions action actions response measures proposal proposals reform
reforms development expansion recovery slowdown recession boom surge decline pace target
targets forecast forecasts estimate estimates figures survey index sector sectors firm firms
companies banks markets economies countries states cities governments parties groups
communities residents citizens families women men child victims troops soldiers protesters
police officers judge lawyers prosecutors authorities regulators lawmakers senators ministers
experts scientists researchers economists traders buyers sellers owners shareholders
employees staff unions farmers producers suppliers partners rivals competitors opposition
make makes made making take takes took taken give gives gave given get gets got keep keeps
kept hold holds held bring brings brought show shows showed shown find finds found expect
expects expected expects plan plans planned hope hopes hoped want wants wanted help helps
helped raise raises raised reach reached remain remains remained continue continues continued
announce announced report reported warn warned agree agreed offer offered open opened close
closed launch launched approve approved reject rejected seek sought call called begin began
become became lead led build built sell sold buy bought pay paid spend spent lose lost win won
rise rose risen fall fell fallen grow grew grown boost boosted reduce reduced increase
increased cut improve improved face faced meet met set run ran return returned
""".split()

#: Weekdays and months: closed classes drawn uniformly.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip

#: Lexicon sizes and the Zipf-Mandelbrot weights ``1 / (rank + OFFSET) ** EXPONENT`` of
#: each open class (calibrated so that unrelated articles overlap about as much as news does:
#: ``python -m benchmarks.news_stats``).
LOW_WORDS = 25_000
NAME_WORDS = 8_000
ACRONYMS = 3_000
NUMBERS = 20_000
EXPONENT = {"low": 1.0, "name": 1.0, "acronym": 1.0, "number": 1.0}
OFFSET = {"low": 2.7, "name": 5.0, "acronym": 2.0, "number": 2.0}
#: The seed the made-up words are drawn with (fixed: the lexicon is part of the generator).
LEXICON_SEED = 20_250_314

#: What may follow a word in the skeleton (anything else is dropped or folded into these).
TRAILS = ("", ",", ".", "'s")

_ONSETS = "b c d f g h j k l m n p r s t v w z b c d l m n p r s t".split()
_CLUSTERS = "bl br ch cl cr dr fl fr gl gr pl pr sh sl sp st str th tr wh".split()
_VOWELS = "a e i o u a e i o a e ai ea ee oo ou".split()
_CODAS = "n r s t l m nd st rt ck ng nt x".split()
_ENDINGS = ("s", "ed", "ing", "er", "ers", "al", "ion", "ity", "ment", "ly", "ive", "ous", "ic",
            "an", "ia", "ton", "ville", "berg", "ford", "ley")  # fmt: skip
_LEAD = re.compile(r"^[\"'(\[]+")
_TRAIL = re.compile(r"(?:'s)?[\"')\].,;:!?]*$")
_NUMBER = re.compile(r"^\d[\d,]*(?:\.\d+)?(?:st|nd|rd|th|s)?$|^\d+(?:-\d+)+$")


def split_token(token: str) -> tuple[str, str]:
    """``(core, trail)`` of a whitespace token: leading quotes and brackets dropped, the
    punctuation (and possessive) after the word kept apart."""
    token = _LEAD.sub("", token)
    m = _TRAIL.search(token)
    return token[: m.start()], token[m.start() :]


def fold_trail(trail: str) -> str:
    """A trail of punctuation as one of :data:`TRAILS`: a sentence end as ``.``, a pause as
    ``,``, a possessive kept, quotes and brackets dropped."""
    if trail.startswith("'s"):
        return "'s"
    if any(c in trail for c in ".!?"):
        return "."
    if any(c in trail for c in ",;:"):
        return ","
    return ""


def word_class(core: str, first: bool, lower_seen: frozenset[str]) -> str | None:
    """The open class of a word (``None``: keep it, a function word or punctuation)."""
    if not any(c.isalnum() for c in core):
        return None
    if core.lower() in FUNCTION_WORDS:
        return None
    if _NUMBER.match(core):
        return "number"
    if core in WEEKDAYS:
        return "weekday"
    if core in MONTHS:
        return "month"
    letters = [c for c in core if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return "acronym"
    if core[0].isupper():
        # A capital opening a sentence is a common word when it is seen lower-case too.
        return "cap" if first and core.lower() in lower_seen else "name"
    return "low"


def _syllables(rng: np.random.Generator, m: int) -> list[str]:
    """``m`` syllables: an onset (one consonant mostly, a cluster or none now and then), a
    vowel, and a closing consonant a third of the time."""
    onset = np.asarray(_ONSETS + _CLUSTERS + [""], dtype=object)
    w = np.r_[np.full(len(_ONSETS), 0.75 / len(_ONSETS)),
              np.full(len(_CLUSTERS), 0.15 / len(_CLUSTERS)), [0.10]]  # fmt: skip
    coda = np.asarray(_CODAS + [""], dtype=object)
    wc = np.r_[np.full(len(_CODAS), 0.35 / len(_CODAS)), [0.65]]
    parts = (onset[rng.choice(len(onset), size=m, p=w)]
             + np.asarray(_VOWELS, dtype=object)[rng.integers(len(_VOWELS), size=m)]
             + coda[rng.choice(len(coda), size=m, p=wc)])  # fmt: skip
    return parts.tolist()


def _made_up(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """``n`` distinct pronounceable made-up words, none in ``taken`` (which gets them): one
    to three syllables, a third of them with a common ending."""
    out: list[str] = []
    while len(out) < n:
        m = 2 * (n - len(out)) + 64
        k = rng.choice(3, size=m, p=[0.3, 0.5, 0.2]) + 1
        syl = _syllables(rng, int(k.sum()))
        ends = np.asarray(_ENDINGS, dtype=object)[rng.integers(len(_ENDINGS), size=m)]
        ends[rng.random(m) < 0.65] = ""
        pos = 0
        for i in range(m):
            word = "".join(syl[pos : pos + k[i]]) + ends[i]
            pos += k[i]
            if len(word) < 3 or word in taken or word in FUNCTION_WORDS:
                continue
            taken.add(word)
            out.append(word)
            if len(out) == n:
                break
    return out


def _numbers(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct number strings, most frequent first as in news: small counts, then
    years (recent first), then a mix of decimals and large amounts with thousands
    separators."""
    head = [str(i) for i in range(1, 100)] + [str(y) for y in range(2025, 1949, -1)]
    m = 2 * n
    kind = rng.random(m)
    one = rng.uniform(0, 100, size=m)
    two = rng.uniform(0, 10, size=m)
    big = np.exp(rng.uniform(np.log(1000), np.log(5e7), size=m)).astype(np.int64)
    tail = [f"{one[i]:.1f}" if kind[i] < 0.4 else f"{two[i]:.2f}" if kind[i] < 0.7
            else f"{big[i]:,}" for i in range(m)]  # fmt: skip
    return list(dict.fromkeys(head + tail))[:n]


def _acronyms(rng: np.random.Generator, n: int) -> list[str]:
    letters = np.array(list("ABCDEFGHIJKLMNOPRSTUVW"))
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        s = "".join(letters[rng.integers(len(letters), size=int(rng.integers(2, 5)))])
        if s not in seen and s.lower() not in FUNCTION_WORDS:
            seen.add(s)
            out.append(s)
    return out


def zipf(n: int, exponent: float, offset: float) -> np.ndarray:
    """Zipf-Mandelbrot weights of ranks ``0..n-1``, summing to 1."""
    w = 1.0 / (np.arange(n, dtype=np.float64) + 1 + offset) ** exponent
    return w / w.sum()


@dataclass
class Lexicon:
    """The words of each open class (``base``, most frequent first) and their weights."""

    base: dict[str, list[str]]
    weights: dict[str, np.ndarray]

    @classmethod
    def build(cls) -> Lexicon:
        """The lexicon (the same every time: drawn from :data:`LEXICON_SEED`)."""
        rng = np.random.default_rng(LEXICON_SEED)
        common = list(dict.fromkeys(COMMON_WORDS))
        taken = set(common)
        low = common + _made_up(rng, LOW_WORDS - len(common), taken)
        names = [w.capitalize() for w in _made_up(rng, NAME_WORDS, taken)]
        base = {
            "low": low,
            "cap": [w.capitalize() for w in low],
            "name": names,
            "acronym": _acronyms(rng, ACRONYMS),
            "number": _numbers(rng, NUMBERS),
            "weekday": list(WEEKDAYS),
            "month": list(MONTHS),
        }
        weights = {
            "low": zipf(len(low), EXPONENT["low"], OFFSET["low"]),
            "name": zipf(len(names), EXPONENT["name"], OFFSET["name"]),
            "acronym": zipf(ACRONYMS, EXPONENT["acronym"], OFFSET["acronym"]),
            "number": zipf(len(base["number"]), EXPONENT["number"], OFFSET["number"]),
            "weekday": np.full(len(WEEKDAYS), 1 / len(WEEKDAYS)),
            "month": np.full(len(MONTHS), 1 / len(MONTHS)),
        }
        weights["cap"] = weights["low"]
        return cls(base, weights)
