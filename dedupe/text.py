"""Text handling: validation, normalisation, word tokens, paragraphs and shingles.

Everything here is pure and picklable; nothing knows about hashing or indexes.

>>> normalize("“Deep‑Seek” — ﬁne…")
'"deep-seek" - fine...'
>>> words("China’s AI push: Deep-Seek, 6G!")
['china', 's', 'ai', 'push', 'deep', 'seek', '6g']
>>> [p.text for p in paragraphs("Title\\n\\nFirst para.\\nSecond para.")]
['Title', 'First para.', 'Second para.']
>>> shingles("a b c d e f", ngram=5)
['a b c d e', 'b c d e f']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import kernel
from .errors import EmptyTextError, InvalidTextError

__all__ = [
    "TOKENIZER",
    "Paragraph",
    "check_unicode",
    "ensure_text",
    "has_words",
    "require_words",
    "normalize",
    "words",
    "word_buffer",
    "word_bytes",
    "word_spans",
    "word_offsets",
    "paragraphs",
    "shingles",
    "FUZZY_TOKENIZER",
    "fuzzy_words",
    "fuzzy_buffer",
    "fuzzy_buffers",
]

#: Version of the tokeniser (:func:`words`), recorded in index files: a change that moves a
#: word boundary or changes a token must change this name.
TOKENIZER = "nfkc-casefold-words-cjkchar/1"

# Punctuation folded by :func:`normalize`: typographic quotes, dashes and the ellipsis.
_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u2026": "...", "\u00a0": " ",
    }
)  # fmt: skip

# CJK ideographs, kana and hangul: one token per character.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ebef"
# A word: a CJK character, or a run of letters/digits that holds no CJK character.
_WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")

# Share of control characters (other than tab, newline, carriage return, form feed)
# above which a text is taken for binary data.
BINARY_CONTROL_SHARE = 0.01
_CONTROL = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(1, 9), 11, *range(14, 32), 127])
_NOT_CONTROL_BYTES = bytes(c for c in range(256) if c not in _CONTROL_BYTES)


def _has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (two C passes for ASCII text)."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _NOT_CONTROL_BYTES)) > 0
    return _CONTROL.search(text) is not None


def ensure_text(text: Any, *, name: str = "text") -> str:
    """Return ``text`` as ``str``, or raise :class:`~dedupe.errors.InvalidTextError` saying why not.

    ``bytes`` are decoded as UTF-8 (a BOM is dropped). Text containing NUL bytes or
    more than 1% control characters is refused as binary.

    >>> ensure_text(b"caf\\xc3\\xa9")
    'café'
    >>> ensure_text(b"\\xff\\xfe")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidTextError: text is not valid UTF-8 (bad byte 0xff at offset 0)...
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InvalidTextError(
                f"{name} is not valid UTF-8 (bad byte 0x{raw[err.start]:02x} at offset "
                f"{err.start}); decode it first or pass str"
            ) from None
    if not isinstance(text, str):
        raise InvalidTextError(f"{name} must be str or UTF-8 bytes, not {type(text).__name__}")
    if "\x00" in text:
        raise InvalidTextError(f"{name} contains NUL bytes: it looks like binary data, not text")
    check_unicode(text, name=name)
    if _has_control(text):
        head = text[:65536]
        controls = len(_CONTROL.findall(head))
        if controls > BINARY_CONTROL_SHARE * len(head):
            raise InvalidTextError(
                f"{name} has {controls} control characters: it looks like binary data, not text"
            )
    return text


def check_unicode(text: str, *, name: str = "text") -> str:
    """``text``, or :class:`~dedupe.errors.InvalidTextError` when it holds a lone surrogate
    (a ``str`` that is not valid Unicode: it cannot be written out as UTF-8).

    >>> check_unicode("caf\u00e9")
    'café'
    >>> check_unicode("abc " + chr(0xD800), name="id")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidTextError: id holds a lone surrogate (U+D800 at offset 4): ...
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InvalidTextError(
            f"{name} holds a lone surrogate (U+{ord(text[err.start]):04X} at offset {err.start}):"
            " it is not valid Unicode; decode the source with errors='replace' or fix it"
        ) from None
    return text


_FOLD_CHARS = re.compile("[" + "".join(map(chr, _FOLD)) + "]")


def normalize(text: str) -> str:
    """NFKC-normalise, casefold, and fold typographic quotes, dashes and ellipses.

    >>> normalize("ＡＢＣ ‘x’ – y")
    "abc 'x' - y"
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    return _FOLD_CHARS.sub(lambda m: _FOLD[ord(m.group())], text)  # fast: few matches


def words(text: str) -> list[str]:
    """The normalised word tokens of ``text`` (CJK text one token per character).

    >>> words("Xi Jinping 习近平 said")
    ['xi', 'jinping', '习', '近', '平', 'said']
    """
    # Folding only maps punctuation to punctuation, so it cannot move a word boundary:
    # tokens need NFKC and casefolding alone.
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


# Lowercase ASCII letters (A-Z folded to a-z) and digits kept, every other byte a space.
_ASCII_WORD_BYTES = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256)
)


_NON_ASCII_WORD_CHAR = re.compile(r"[^\W\x00-\x7f]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def word_buffer(text: str) -> bytes:
    """The tokens of :func:`words`, UTF-8 encoded, separated by runs of spaces: one
    ``bytes`` object per text, so that hashing can work on whole buffers (fast for text
    whose words are ASCII: one ``translate`` call).

    >>> word_buffer("Deep-Seek's 6G")
    b'deep seek s 6g'
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).casefold()
        if _NON_ASCII_WORD_CHAR.search(text) is not None:  # accented letters, CJK...
            return " ".join(_WORD.findall(text)).encode("utf-8")
        # only non-ASCII punctuation (curly quotes, dashes) left: the bytes path holds
    return text.encode("utf-8").translate(_ASCII_WORD_BYTES)


def word_bytes(text: str) -> list[bytes]:
    """The tokens of :func:`words`, UTF-8 encoded.

    >>> word_bytes("Deep-Seek's 6G")
    [b'deep', b'seek', b's', b'6g']
    """
    return word_buffer(text).split()


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """Word tokens with their ``(start, end)`` character offsets into ``text`` itself.

    The tokens are those of :func:`words`, found in the original (not normalised) text.

    >>> word_spans("Ma said")
    [('ma', 0, 2), ('said', 3, 7)]
    """
    if _NON_ASCII_WORD_CHAR.search(text) is None:  # every word is [A-Za-z0-9]+
        return [(m.group().lower(), m.start(), m.end()) for m in _ASCII_WORD.finditer(text)]
    out: list[tuple[str, int, int]] = []
    for m in _WORD.finditer(text):
        tok = m.group()
        if tok.isascii():
            out.append((tok.lower(), m.start(), m.end()))
        else:
            for piece in _WORD.findall(normalize(tok)):
                out.append((piece, m.start(), m.end()))
    return out


def word_offsets(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets (arrays) of the words of :func:`word_spans`, without the words:
    fast when every word is ASCII letters and digits (numpy over the code points).

    >>> [a.tolist() for a in word_offsets("Ma said: “yes”, 6G")]
    [[0, 3, 10, 16], [2, 7, 13, 18]]
    """
    if _NON_ASCII_WORD_CHAR.search(text) is not None:
        spans = word_spans(text)
        return (
            np.array([s for _, s, _ in spans], dtype=np.int64),
            np.array([e for _, _, e in spans], dtype=np.int64),
        )
    c = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lower = c | 32  # ASCII letters folded to lower case
    word = ((c >= 48) & (c <= 57)) | ((lower >= 97) & (lower <= 122))
    edges = np.diff(np.concatenate([[False], word, [False]]).astype(np.int8))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


#: Version of the OCR-aware normalisation of fuzzy mode (:func:`fuzzy_words`), recorded in
#: index files: a change that moves a word boundary or changes a character must change it.
FUZZY_TOKENIZER = "ocr-nfkc-casefold-dehyphen-ligatures-nodiacritics/1"
# Hyphenation at a line end ("exam-\nple", Fraktur's "=" and the not-sign of some OCR
# engines), and soft hyphens anywhere: the word is joined again.
# The hyphen comes first and the letter before it is checked behind it: the engine then
# skips to each hyphen instead of trying every position (five times faster, same matches).
_LINE_HYPHEN = re.compile(r"[-=\u00ac\u00ad\u2010\u2011\u2e17](?<=\w.)[ \t]*\r?\n\s*(?=\w)")
_SOFT_HYPHEN = re.compile(r"[\u00ac\u00ad\u2e17](?<=\w.)\s*(?=\w)")
# Letters NFKC keeps apart that print alike, and the long s.
_LIGATURES = str.maketrans({"\u00e6": "ae", "\u0153": "oe", "\u017f": "s", "\u00f8": "o"})


def fuzzy_words(text: str) -> list[str]:
    """The words of ``text`` as fuzzy mode compares them: line-end hyphenation joined,
    NFKC, casefolded, ligatures and the long s spelled out, diacritics stripped; runs of
    letters and digits (a CJK character alone). Digits are kept: a changed number is a
    change.

    >>> fuzzy_words("The Coun-\\ncil met on Tuesday; ﬁve Ministers, Zürich, naïve ſtate")
    ['the', 'council', 'met', 'on', 'tuesday', 'five', 'ministers', 'zurich', 'naive', 'state']
    """
    return fuzzy_buffer(text).decode("utf-8").split()


def _dehyphen(text: str) -> str:
    """``text`` with its line-end hyphenation joined (an ASCII text is searched only when a
    hyphen of it ends a line: most have none, and the regular expression reads every
    character).

    >>> _dehyphen("so-called rail-\\nway"), _dehyphen("rail -\\n way")
    ('so-called railway', 'rail -\\n way')
    """
    if "\n" not in text or (text.isascii() and not _ascii_line_hyphen(text)):
        return text
    return _LINE_HYPHEN.sub("", text)


def _ascii_line_hyphen(text: str) -> bool:
    """Whether an ASCII hyphen of ``text`` (``-`` or ``=``) is followed by spaces or tabs
    and a line break: where :data:`_LINE_HYPHEN` may match (it checks the letters around)."""
    for hyphen in "-=":
        at = text.find(hyphen)
        while at >= 0:
            rest = text[at + 1 : at + 1 + _HYPHEN_LOOK].lstrip(" \t")
            if rest.startswith("\n") or rest.startswith("\r\n") or not rest:
                return True  # (an empty rest: many spaces, looked at by the expression)
            at = text.find(hyphen, at + 1)
    return False


# How far past a hyphen _ascii_line_hyphen looks for the line break (further: the
# expression decides).
_HYPHEN_LOOK = 64


def _fold_letters(text: str) -> str:
    """Non-ASCII ``text`` as fuzzy mode reads it: soft hyphens joined, NFKC, casefolded,
    ligatures and the long s spelled out, diacritics stripped."""
    text = _SOFT_HYPHEN.sub("", text)
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LIGATURES)
    if not text.isascii():  # strip diacritics: decompose, drop the combining marks
        text = _NON_ASCII.sub(_drop_marks, unicodedata.normalize("NFD", text))
    return text


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _drop_marks(run: re.Match[str]) -> str:
    """A run of non-ASCII characters without its combining marks (the ASCII between runs
    is not looked at character by character)."""
    return "".join(c for c in run.group() if not unicodedata.combining(c))


def fuzzy_buffer(text: str) -> bytes:
    """:func:`fuzzy_words` joined by single spaces, UTF-8: what fuzzy mode keeps of a text.

    >>> fuzzy_buffer("Gov-\\nernment said")
    b'government said'
    """
    text = _dehyphen(text)
    if text.isascii():  # one translate: letters and digits kept, lowercased
        return b" ".join(text.encode("ascii").translate(_ASCII_WORD_BYTES).split())
    return " ".join(_WORD.findall(_fold_letters(text))).encode("utf-8")


def fuzzy_buffers(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`fuzzy_buffer` of each text, laid end to end (``uint8``, text ``i`` owning
    ``values[offsets[i]:offsets[i + 1]]``), and the same without the spaces (the bytes
    fuzzy keys hash), with their offsets: ``(values, offsets, packed, packed_offsets)``.
    ASCII texts are only translated one by one; their runs of spaces are collapsed for the
    whole batch at once (what ``bytes.split`` and ``join`` did per text).

    >>> v, o, p, po = fuzzy_buffers(["The  Coun-\\ncil, met!", "", "Zürich 2"])
    >>> v.tobytes(), o.tolist(), p.tobytes(), po.tolist()
    (b'the council metzurich 2', [0, 15, 15, 23], b'thecouncilmetzurich2', [0, 13, 13, 20])
    """
    parts = []
    for text in texts:
        text = _dehyphen(text)
        if text.isascii():  # letters and digits kept, lowercased; other bytes are spaces
            parts.append(text.encode("ascii").translate(_ASCII_WORD_BYTES))
        else:  # already one space between words: collapsing keeps it as it is
            parts.append(" ".join(_WORD.findall(_fold_letters(text))).encode("utf-8"))
    sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    if kernel.wanted():  # one pass over the bytes
        return kernel.collapse_spaces(b"".join(parts), sizes)
    raw = np.frombuffer(b" ".join(parts), dtype=np.uint8)  # a space between texts
    del parts
    begins = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(sizes[:-1] + 1, out=begins[1:])
    word = raw != 32
    edges = np.flatnonzero(np.diff(word.view(np.int8), prepend=0, append=0))
    starts, ends = edges[0::2], edges[1::2]  # runs of word bytes (no run spans two texts)
    del edges
    text_of = np.searchsorted(begins, starts, side="right") - 1
    run_bytes = ends - starts
    packed = raw[word]
    del raw, word
    word_bytes = np.bincount(text_of, weights=run_bytes, minlength=len(texts)).astype(np.int64)
    words = np.bincount(text_of, minlength=len(texts))
    packed_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(word_bytes, out=packed_offsets[1:])
    # a space before every word but the first of its text, at its place among the packed
    # bytes (the word bytes before it)
    later = np.ones(len(starts), dtype=bool)
    later[:1] = False
    later[1:] = text_of[1:] == text_of[:-1]
    at = np.cumsum(run_bytes) - run_bytes
    values = np.insert(packed, at[later], np.uint8(32))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(word_bytes + np.maximum(words - 1, 0), out=offsets[1:])
    return values, offsets, packed, packed_offsets


def shingles(text: str, *, ngram: int = 5) -> list[str]:
    """Word n-grams of ``text``, each as its words joined by one space.

    A text with fewer than ``ngram`` words (but at least one) is one shingle of all its
    words; a text without words has no shingles.

    >>> shingles("one two", ngram=5)
    ['one two']
    """
    toks = words(text)
    if not toks:
        return []
    if len(toks) < ngram:
        return [" ".join(toks)]
    return [" ".join(toks[i : i + ngram]) for i in range(len(toks) - ngram + 1)]


@dataclass(frozen=True)
class Paragraph:
    """One paragraph: its text (stripped, inner line breaks kept) and offsets into the source.

    ``source[start:end] == text`` always holds.
    """

    index: int
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form. ``Paragraph(0, "x", 0, 1).to_dict()["text"] == "x"``."""
        return asdict(self)


# A text counts as hard-wrapped when 90% of its lines are at most this long...
WRAP_MAX_WIDTH = 100
# ...and a wrapped line runs on into the next when it is at least this share of the width.
WRAP_FULL_SHARE = 0.6
_SENTENCE_END = ".!?:;\"'\u201d\u2019)]"
_INDENT = re.compile(r"[ \t\u3000]{2,}|\t")
_LINE = re.compile(r"[^\n]*(?:\n|$)")


def _is_hard_wrapped(lengths: list[int]) -> int:
    """Wrap width of a hard-wrapped text, or 0 when its lines are whole paragraphs."""
    if len(lengths) < 3:
        return 0
    ordered = sorted(lengths)
    width = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    if width > WRAP_MAX_WIDTH or width < 20:
        return 0
    full = sum(1 for n in lengths if n >= WRAP_FULL_SHARE * width)
    return width if full >= 0.5 * len(lengths) else 0


def _wrap_widths(sizes: list[int]) -> list[int]:
    """Wrap width for each line: that of its blank-line block when the block has 3+
    lines (a wrapped story embedded among one-line paragraphs), else the whole text's."""
    whole = _is_hard_wrapped([n for n in sizes if n])
    widths = [whole] * len(sizes)
    start = 0
    for end in [i for i, n in enumerate(sizes) if not n] + [len(sizes)]:
        block = sizes[start:end]
        if len(block) >= 3:
            widths[start:end] = [_is_hard_wrapped(block)] * len(block)
        start = end + 1
    return widths


def paragraphs(text: str) -> list[Paragraph]:
    """Split ``text`` into paragraphs, keeping character offsets into it.

    Paragraph breaks are blank lines, a line starting with an indent (two spaces or a
    tab), and every line break in text whose lines are whole paragraphs (one paragraph
    a line). In hard-wrapped text (90% of lines at most ``WRAP_MAX_WIDTH`` characters)
    a line runs on into the next unless it ends a sentence well short of the width
    (under ``WRAP_FULL_SHARE`` of it). Wrapping is judged per blank-line block of three
    or more lines, so a wrapped story quoted among one-line paragraphs is re-joined.
    Short lines such as headlines, bylines and captions stay paragraphs of their own.

    >>> [p.text for p in paragraphs("Headline\\nBy Ma Si\\n\\nBody text.")]
    ['Headline', 'By Ma Si', 'Body text.']
    >>> wire = "A line that was wrapped at a fixed\\nwidth, as wire copy is, goes on\\nhere.\\n"
    >>> for p in paragraphs(wire + "    New paragraph here.\\n" + wire)[:2]:
    ...     print(repr(p.text))
    'A line that was wrapped at a fixed\\nwidth, as wire copy is, goes on\\nhere.'
    'New paragraph here.'
    """
    lines: list[tuple[int, int]] = []  # (start, end) of each line's content, "\n" excluded
    for m in _LINE.finditer(text):
        s, e = m.start(), m.end()
        if s == e:
            break
        lines.append((s, e - 1 if text[e - 1 : e] == "\n" else e))
    sizes = [len(text[s:e].strip()) for s, e in lines]
    widths = _wrap_widths(sizes)

    out: list[Paragraph] = []
    cur: list[tuple[int, int]] = []

    def flush() -> None:
        if not cur:
            return
        start, end = cur[0][0], cur[-1][1]
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        out.append(Paragraph(len(out), chunk[lead:trail], start + lead, start + trail))
        cur.clear()

    prev_len = 0
    prev_ends_sentence = True
    for (s, e), width in zip(lines, widths):
        line = text[s:e]
        stripped = line.strip()
        if not stripped:
            flush()
            prev_len = 0
            continue
        indented = bool(_INDENT.match(line))
        runs_on = (
            width
            and not indented
            and (prev_len >= WRAP_FULL_SHARE * width or not prev_ends_sentence)
        )
        if cur and not runs_on:
            flush()
        cur.append((s, e))
        prev_len = len(stripped)
        prev_ends_sentence = stripped[-1] in _SENTENCE_END
    flush()
    return out


def has_words(text: str) -> bool:
    """Whether :func:`words` finds at least one word (without tokenising it all).

    >>> has_words(" -- "), has_words("a")
    (False, True)
    """
    # casefolding and punctuation folding neither make nor remove word characters
    return _WORD.search(text if text.isascii() else unicodedata.normalize("NFKC", text)) is not None


def require_words(text: Any, *, name: str = "text") -> str:
    """:func:`ensure_text`, and raise :class:`~dedupe.errors.EmptyTextError` when it holds no word.

    >>> require_words("  ...  ")
    Traceback (most recent call last):
    ...
    dedupe.errors.EmptyTextError: text holds no words (it is empty, blank or punctuation only)
    """
    text = ensure_text(text, name=name)
    if not has_words(text):
        raise EmptyTextError(f"{name} holds no words (it is empty, blank or punctuation only)")
    return text
