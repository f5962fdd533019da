from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedupe.errors import EmptyTextError, InvalidTextError
from dedupe.text import (
    _WORD,
    ensure_text,
    has_words,
    normalize,
    paragraphs,
    require_words,
    shingles,
    word_bytes,
    word_offsets,
    word_spans,
    words,
)


def test_normalize_folds_quotes_dashes_ellipsis_and_width():
    assert normalize("“Ｆｕｌｌ” ‘width’ – — … ﬁ") == "\"full\" 'width' - - ... fi"


def test_words_are_casefolded_and_cjk_split_by_character():
    assert words("DeepSeek’s 6G 习近平!") == ["deepseek", "s", "6g", "习", "近", "平"]
    assert words("Straße") == ["strasse"]


@given(
    st.text(max_size=200)
    | st.text(
        alphabet=st.sampled_from("ab Z9_.-\u2019\u201c\u2014\u2026é習ﬁＡ\u00a0'\""), max_size=80
    )
)
def test_word_bytes_match_words(text):
    assert word_bytes(text) == [w.encode("utf-8") for w in words(text)]
    assert words(text) == _WORD.findall(normalize(text))  # folding moves no word boundary
    assert has_words(text) == bool(words(text))


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=200))
def test_word_spans_point_at_the_words(text):
    spans = word_spans(text)
    assert [w for w, _, _ in spans] == words(text)
    for w, s, e in spans:
        assert text[s:e].lower() == w


def test_shingles_short_text_is_one_shingle():
    assert shingles("one two three", ngram=5) == ["one two three"]
    assert shingles("...", ngram=5) == []
    assert len(shingles("a b c d e f g", ngram=5)) == 3


@pytest.mark.parametrize(
    "bad, message",
    [
        (b"\xff\xfeabc", "not valid UTF-8"),
        ("abc\x00def", "NUL"),
        ("\x01\x02\x03\x04" * 10 + "text", "control characters"),
        (12, "must be str"),
        (None, "must be str"),
    ],
)
def test_bad_text_is_refused_with_a_reason(bad, message):
    with pytest.raises(InvalidTextError, match=message):
        ensure_text(bad)


def test_utf8_bytes_and_bom_are_accepted():
    assert ensure_text("\ufeffcafé".encode()) == "café"


def test_empty_text_is_refused():
    with pytest.raises(EmptyTextError):
        require_words(" \n -- ")


@given(st.text(alphabet=st.sampled_from("ab .\n\n  \t"), max_size=300))
def test_paragraph_offsets_are_exact_and_ordered(text):
    last = 0
    for i, p in enumerate(paragraphs(text)):
        assert p.index == i
        assert text[p.start : p.end] == p.text
        assert p.text and p.text == p.text.strip()
        assert p.start >= last
        last = p.end


def test_single_newline_paragraphs(seeds):
    paras = paragraphs(seeds["000"])
    assert len(paras) == 22
    assert paras[2].text.startswith("By leveraging digital technologies")


def test_header_lines_stay_their_own_paragraphs(seeds):
    first = [p.text for p in paragraphs(seeds["001"])[:5]]
    assert first[:3] == ["Published: 16:27, March 14, 2025", "Powering up", "By Ma Si"]
    assert first[4] == "(SHI YU / CHINA DAILY)"


def test_hard_wrapped_text_with_indented_paragraphs():
    text = (
        "Standard Oil Co and BP North America\n"
        "Inc said they plan to form a venture to manage the money market\n"
        "borrowing and investment activities of both companies.\n"
        "    BP North America is a subsidiary of British Petroleum Co\n"
        "Plc, which also owns a 55 pct interest in Standard Oil.\n"
        "    The venture will be called BP/Standard Financial Trading.\n"
    )
    paras = [p.text for p in paragraphs(text)]
    assert len(paras) == 3
    assert paras[0].endswith("both companies.") and paras[1].startswith("BP North America")


def test_wrapped_story_embedded_among_one_line_paragraphs():
    import textwrap

    host = "A one-line paragraph " + "that runs on well past any wrap width " * 3
    story = textwrap.fill(" ".join(f"w{i}" for i in range(120)) + ".", 70)
    text = "\n\n".join([host, host, story, host, host])
    paras = paragraphs(text)
    assert len(paras) == 5
    assert paras[2].text == story


@given(
    st.text(
        alphabet=st.sampled_from("aB \u2019\u201c\u201d\u2014\u2026\u00a0\u2212\ufb01\uff21"),
        max_size=60,
    )
)
def test_normalize_folds_every_listed_character(text):
    import unicodedata

    from dedupe.text import _FOLD

    assert normalize(text) == unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)


@given(
    st.text(max_size=60)
    | st.text(
        alphabet=st.sampled_from("ab Z9_.-\u2019\u201c\u2014é習ﬁＡ\u00a0\u2122\u24b6"), max_size=60
    )
)
def test_word_spans_fast_path_equals_token_by_token(text):
    expected = []
    for m in _WORD.finditer(text):
        for piece in _WORD.findall(normalize(m.group())):
            expected.append((piece, m.start(), m.end()))
    assert word_spans(text) == expected


@given(
    st.text(max_size=80)
    | st.text(
        alphabet=st.sampled_from("ab Z9_.-\u2019\u201c\u2014é習ﬁＡ\u00a0\n\ud800"), max_size=80
    )
)
def test_word_offsets_are_those_of_word_spans(text):
    starts, ends = word_offsets(text)
    spans = word_spans(text)
    assert starts.tolist() == [s for _, s, _ in spans]
    assert ends.tolist() == [e for _, _, e in spans]
