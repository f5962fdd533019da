"""The two sides of an alignment: paragraphs, their words coded as strings, offsets.

Each distinct word (or sentence) becomes one code point, so that a paragraph is a short
``str`` that rapidfuzz's bit-parallel kernels compare word by word.

>>> side = build_side("One two.\\n\\nTwo three.", Encoder())
>>> [len(c) for c in side.codes], side.bounds(0, 2)
([2, 2], (0, 19))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..text import Paragraph, normalize, paragraphs, word_spans

__all__ = ["Encoder", "Side", "build_side", "sentence_codes", "sentence_cuts"]

# A sentence ends where the text between two words holds one of these.
_SENTENCE_BREAK = re.compile(r"[.!?\n\u3002\uff01\uff1f]")
_SURROGATES = 0xE000 - 0xD800
_MAX_SYMBOLS = 0x110000 - _SURROGATES - 0x21


class Encoder:
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

    @property
    def unique(self) -> bool:
        """Whether every key so far has a symbol of its own (fewer than ~1.1M keys).

        >>> enc = Encoder()
        >>> _ = enc.encode(["a", "b", "a"])
        >>> enc.unique
        True
        """
        return len(self._ids) <= _MAX_SYMBOLS

    def __call__(self, key: Any) -> str:
        sym = self._ids.get(key)
        if sym is None:
            n = len(self._ids) % _MAX_SYMBOLS + 0x21  # beyond ~1.1M keys symbols are shared
            if n >= 0xD800:
                n += _SURROGATES
            sym = self._ids[key] = chr(n)
        return sym


@dataclass
class Side:
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


def build_side(text: str, enc: Encoder) -> Side:
    """Paragraphs of ``text`` with their words coded by ``enc`` and their offsets."""
    paras = paragraphs(text)
    side = Side(paras, [], [], text)
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


def sentence_codes(side: Side, enc: Encoder) -> list[str]:
    """Per paragraph, one code point per sentence (a coarse form for very long ones)."""
    out = []
    for k, code in enumerate(side.codes):
        st, en = side.offsets(k)
        cuts = sentence_cuts(st, en, side.text) if st else [0, len(code)]
        out.append("".join(enc(code[x:y]) for x, y in zip(cuts, cuts[1:])))
    return out


def sentence_cuts(starts: list[int], ends: list[int], text: str) -> list[int]:
    """Word indices where sentences start (always 0 first) and the word count last."""
    cuts = [0]
    for k in range(1, len(starts)):
        if _SENTENCE_BREAK.search(text, ends[k - 1], starts[k]):
            cuts.append(k)
    cuts.append(len(starts))
    return cuts
