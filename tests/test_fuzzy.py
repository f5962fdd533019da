"""Fuzzy mode (issue 21): OCR-read and lightly re-worded copies are found, with a fuzzy score
next to the exact ones, and same-topic articles stay apart."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import REPO, noisy
from hypothesis import given, settings
from hypothesis import strategies as st

import dedupe
from dedupe.errors import IndexFormatError, InvalidParameterError, ParameterMismatchError
from dedupe.noise import block_edits, changed_blocks, misread
from dedupe.sketch import fuzzy_keys
from dedupe.text import fuzzy_buffer, fuzzy_words
from dedupe.verify import fuzzy_score

# ------------------------------------------------------------------------------ parts


def test_fuzzy_words_undo_what_print_and_scan_did_to_words():
    text = "The Govern-\nment's ſtate of af-\n  fairs: Zürich, ﬁve, Œuvre"
    assert fuzzy_words(text) == [
        "the", "government", "s", "state", "of", "affairs", "zurich", "five", "oeuvre"
    ]  # fmt: skip
    assert fuzzy_buffer("A-\nB c") == b"ab c"
    assert fuzzy_words("1,200 people") == ["1", "200", "people"]  # digits are kept


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("aZ9 -\n=,.'_\u00e9\u017f\u00ad\u00e6\u4e2d\u00df\u0130"),
        max_size=40,
    )
)
def test_fuzzy_buffer_fast_path_reads_as_the_general_one(text):
    """ASCII text takes one translate; it must give the words the general path (NFKC,
    casefold, ligatures, diacritics, then the word pattern) gives."""
    from dedupe.text import _WORD, _dehyphen, _fold_letters

    general = " ".join(_WORD.findall(_fold_letters(_dehyphen(text))))
    assert fuzzy_buffer(text) == general.encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from("aZ9 -\n\r\t=,.'_\u00e9\u00ad\u2010\u4e2d\u00df\x00"),
            max_size=30,
        ),
        max_size=6,
    )
)
@pytest.mark.parametrize("path", ["numpy", "numba", "plain"])
def test_fuzzy_buffers_of_a_batch_are_each_texts_buffer(path, texts):
    """The batch path (spaces collapsed for the whole batch at once, in numpy or in the
    compiled kernel or its plain loops, and the line-end hyphen looked for before the
    expression runs) gives each text's fuzzy_buffer, and the same bytes without spaces;
    the hyphen check never skips a text the expression changes."""
    from dedupe import kernel
    from dedupe.text import _LINE_HYPHEN, _dehyphen, fuzzy_buffers

    if path == "numba" and not kernel.available():
        pytest.skip("numba is not installed")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(kernel.SETTING_ENV, "numpy" if path == "numpy" else "numba")
        if path == "plain":
            mp.setattr(kernel, "_loops", lambda: kernel._PLAIN)
            mp.setattr(kernel, "available", lambda: True)
        values, offsets, packed, packed_offsets = fuzzy_buffers(texts)
    assert values.dtype == packed.dtype == np.uint8
    for i, text in enumerate(texts):
        own = fuzzy_buffer(text)
        assert values[offsets[i] : offsets[i + 1]].tobytes() == own
        assert packed[packed_offsets[i] : packed_offsets[i + 1]].tobytes() == own.replace(b" ", b"")
        assert _dehyphen(text) == (_LINE_HYPHEN.sub("", text) if "\n" in text else text)
    assert offsets[-1] == len(values) and packed_offsets[-1] == len(packed)


@pytest.mark.parametrize(
    "text", ["a-\r\nb", "a- \t\r\nb", "a=\nb", "a-" + " " * 80 + "\nb", "a- x-\n b", "a-"]
)
def test_every_ascii_line_end_hyphen_is_looked_at(text):
    from dedupe.text import _LINE_HYPHEN, _dehyphen

    assert _dehyphen(text) == (_LINE_HYPHEN.sub("", text) if "\n" in text else text)


def test_fuzzy_keys_of_packed_words_are_those_of_the_buffers(seeds):
    from dedupe.sketch import packed_fuzzy_keys
    from dedupe.text import fuzzy_buffers

    texts = [seeds["001"], noisy(seeds["001"], 0.08, 2), "", "ab", seeds["002"][:30]]
    _, _, packed, offsets = fuzzy_buffers(texts)
    expected = fuzzy_keys([fuzzy_buffer(t) for t in texts])
    for got, want in zip(packed_fuzzy_keys(packed, offsets), expected, strict=True):
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_misread_words_are_told_from_changed_words():
    assert misread("government", "goverument") and misread("the", "tlie")
    assert not misread("rain", "snow") and not misread("monday", "friday")
    assert not misread("1850", "1860")  # a changed number is a change
    a = "the council met on tuesday".split()
    assert changed_blocks(a, a) == []
    assert block_edits(["tuesday"], ["friday"]) == ([0], False)
    assert block_edits(["council"], ["coun", "cil"]) == ([], False)  # a split word


def test_fuzzy_score_forgives_misreads_and_counts_changes(seeds):
    clean = fuzzy_words(seeds["001"])
    assert fuzzy_score(clean, clean) == 1.0
    assert fuzzy_score(clean, fuzzy_words(noisy(seeds["001"], 0.08, 1))) > 0.9
    replaced = list(clean)
    for k in range(0, len(replaced), 10):  # every tenth word replaced by another word
        replaced[k] = "zebra"
    assert 0.85 <= fuzzy_score(clean, replaced) <= 0.91
    for other in ("002", "003", "004"):
        assert fuzzy_score(clean, fuzzy_words(seeds[other])) < 0.5


def test_fuzzy_keys_survive_misread_letters(seeds):
    texts = [seeds["001"], noisy(seeds["001"], 0.08, 2), seeds["002"]]
    values, offsets = fuzzy_keys([fuzzy_buffer(t) for t in texts])
    keys = [set(values[offsets[i] : offsets[i + 1]].tolist()) for i in range(3)]
    share = [len(keys[0] & k) / min(len(keys[0]), len(k)) for k in keys[1:]]
    # 002 quotes the same people as 001, so it shares some keys, but half as many
    assert share[0] > 0.45 and share[1] < 0.3, share


# -------------------------------------------------------------------------- collections


def pairs_of(report) -> set[tuple[str, str]]:
    return {tuple(sorted((m.a, m.b))) for m in report.expanded_matches()}


def test_fuzzy_mode_finds_every_noisy_copy_and_nothing_else(noisy_collection):
    report = dedupe.find_duplicates(noisy_collection, fuzzy=True)
    found = pairs_of(report)
    family = {k: k[:3] for k in noisy_collection}
    for a, b in found:  # no link between different articles, 000 inside 001 aside
        assert family[a] == family[b] or {family[a], family[b]} == {"000", "001"}, (a, b)
    for key in ("001", "002", "003", "004"):  # each copy with its original, and 3% with 8%
        for b in (f"{key}-ocr0", f"{key}-ocr1", f"{key}-ocr2"):
            assert (key, b) in found, (key, b)
        assert (f"{key}-ocr0", f"{key}-ocr1") in found
    assert ("000", "001") in found
    assert all(m.fuzzy is not None for m in report.matches)
    # the default mode misses copies at 15% (the reason for the mode)
    default = pairs_of(dedupe.find_duplicates(noisy_collection))
    assert not {p for p in found if "ocr2" in p[1]} <= default


@pytest.mark.parametrize("workers", [1, 2])
def test_words_made_again_from_held_texts_score_as_kept_words(
    noisy_collection, monkeypatch, workers
):
    """Given texts it holds (a dict or a list), find_duplicates keeps no fuzzy words and
    makes those of the scored pairs' rows again; a stream keeps them. Same report."""
    import dedupe.index as index_module

    made: list[int] = []
    real = index_module._made_words

    def counted(texts, ids, rows):
        made.append(len(rows))
        return real(texts, ids, rows)

    monkeypatch.setattr(index_module, "_made_words", counted)
    monkeypatch.setattr(index_module, "PARALLEL_MIN_FUZZY", 1)  # parts in workers, when 2
    docs = dict(noisy_collection)
    docs["004-ocr1"] = docs["004-ocr1"].encode("utf-8")  # bytes are decoded as when sketched
    streamed = dedupe.find_duplicates(((k, v) for k, v in docs.items()), fuzzy=True)
    assert made == []  # a stream keeps its words
    for held in (docs, list(docs.items())):
        report = dedupe.find_duplicates(held, fuzzy=True, workers=workers)
        assert report.matches == streamed.matches
        assert [m.fuzzy for m in report.matches] == [m.fuzzy for m in streamed.matches]
    if workers == 1:  # made here (forked workers count in their own memory): once a row
        assert made == [len(docs), len(docs)]


def test_the_seeds_stay_apart_in_fuzzy_mode(seeds):
    report = dedupe.find_duplicates(seeds, fuzzy=True)
    assert pairs_of(report) == {("000", "001")}
    (m,) = report.matches
    assert 0.5 < m.fuzzy < 0.9 and m.kind == "partial"  # an edited excerpt, not a copy
    assert "fuzzy" in m.to_dict()
    (plain,) = dedupe.find_duplicates(seeds).matches
    assert plain.fuzzy is None and "fuzzy" not in plain.to_dict()


def test_fuzzy_scores_are_reported_next_to_the_exact_ones(noisy_collection):
    report = dedupe.find_duplicates(noisy_collection, fuzzy=True)
    m = next(m for m in report.matches if {m.a, m.b} == {"003", "003-ocr2"})
    assert m.fuzzy >= 0.9 and m.jaccard < 0.5  # found by the fuzzy score alone
    assert m.kind == "near_duplicate"


def test_fuzzy_option_is_checked():
    with pytest.raises(InvalidParameterError, match="fuzzy must be True or False"):
        dedupe.Index(fuzzy="yes")
    with pytest.raises(InvalidParameterError, match="fuzzy_threshold"):
        dedupe.Index(fuzzy=True, fuzzy_threshold=1.5)


def test_query_agrees_with_the_collection_scan(noisy_collection):
    index = dedupe.Index(fuzzy=True)
    originals = {k: v for k, v in noisy_collection.items() if len(k) == 3}
    index.add_many(originals.items())
    for key in ("001", "002", "003", "004"):
        hits = index.query(noisy_collection[f"{key}-ocr2"])
        assert [m.b for m in hits][:1] == [key], key
        assert hits[0].fuzzy >= 0.9


def test_fuzzy_index_files_keep_the_mode_and_are_checked_on_load(tmp_path, noisy_collection):
    index = dedupe.Index(fuzzy=True)
    index.add_many((k, v) for k, v in noisy_collection.items() if len(k) == 3)
    path = tmp_path / "f.idx"
    index.save(path)
    loaded = dedupe.Index.load(path)
    assert loaded.params.fuzzy
    text = noisy_collection["004-ocr2"]
    assert [m.to_dict() for m in loaded.query(text)] == [m.to_dict() for m in index.query(text)]
    with pytest.raises(ParameterMismatchError, match="fuzzy"):
        dedupe.Index.load(path, expect=dedupe.IndexParams())


def test_cli_fuzzy_flag(tmp_path, noisy_collection):
    from test_cli import jsonl, run

    folder = tmp_path / "docs"
    folder.mkdir()
    for k in ("002", "002-ocr2", "003"):
        (folder / f"{k}.txt").write_text(noisy_collection[k], encoding="utf-8")
    out = run("scan", str(folder), "--fuzzy", "--format", "jsonl")
    assert out.returncode == 0, out.stderr
    rows = jsonl(out.stdout)
    assert [{r["a"], r["b"]} for r in rows] == [{"002.txt", "002-ocr2.txt"}]
    assert rows[0]["fuzzy"] >= 0.9


# -------------------------------------------------------------------------- the dev set


def test_dev_set_recall_by_error_rate_and_no_false_links(ocr_dev_set):
    dev_set = ocr_dev_set
    docs = {}
    for r in dev_set:
        docs[r["id"] + "/ocr"], docs[r["id"] + "/clean"] = r["ocr"], r["clean"]
    found = pairs_of(dedupe.find_duplicates(docs, fuzzy=True))
    assert all(a.split("/")[0] == b.split("/")[0] for a, b in found), "a false link"
    for low, high, wanted in ((0, 0.10, 0.99), (0.10, 0.20, 0.9)):
        band = [r["id"] for r in dev_set if low <= r["cer"] < high]
        got = sum((i + "/clean", i + "/ocr") in found for i in band)
        assert got >= wanted * len(band), (low, high, got, len(band))
    scores = np.array([len(fuzzy_words(r["clean"])) for r in dev_set])
    assert (scores > 0).all()


def test_the_archive_guides_fuzzy_example_prints_what_it_says(capsys, monkeypatch):
    page = (REPO / "docs" / "guides" / "archive.md").read_text(encoding="utf-8")
    section = page.split("## OCR text: fuzzy mode", 1)[1]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)[:1]
    monkeypatch.chdir(REPO)
    exec(compile(code, "archive.md", "exec"), {})
    said = [line.split("# ", 1)[1] for line in code.splitlines() if "print(" in line]
    assert capsys.readouterr().out.splitlines() == said


def _shared_paragraph_collection(holders: int) -> tuple[dict[str, str], str]:
    """``holders`` articles that share one paragraph and nothing else, and an alert of the
    paragraph's first 14 words."""
    rng = np.random.default_rng(7)

    def words(n: int) -> str:  # random letters: no run of seven recurs by chance
        return " ".join(
            "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), 6)) for _ in range(n)
        )

    shared = words(60)
    docs = {f"d{i}": shared + "\n\n" + words(300) for i in range(holders)}
    return docs, " ".join(shared.split()[:14])


def test_fuzzy_keys_held_by_too_many_documents_pair_short_texts_only():
    # a paragraph 110 articles share is boilerplate for fuzzy keys (cap 100), not for the
    # passage keys of default mode (cap 200); 40 holders are under both caps. (A few keys
    # of windows across the paragraph's end are held by fewer: they pair a few articles.)
    # An alert of the paragraph's first words has so few keys that one shared key is
    # enough: it is paired with every holder either way.
    assert dedupe.index.IndexParams(fuzzy=True).passage_key_docs(200) == 100
    t = {"jaccard": 0.1, "containment": 0.1}
    for holders in (110, 40):
        docs, alert = _shared_paragraph_collection(holders)
        every = holders * (holders - 1) // 2
        assert len(dedupe.find_duplicates(docs, **t).matches) == every
        found = dedupe.find_duplicates({**docs, "alert": alert}, fuzzy=True, **t).matches
        with_alert = sum("alert" in (m.a, m.b) for m in found)
        idx = dedupe.Index(fuzzy=True, **t)
        idx.add_many(list(docs.items())[1:])
        hits = len(idx.query(docs["d0"]))
        assert with_alert == holders and len(idx.query(alert)) == holders - 1
        if holders > 100:
            assert len(found) - with_alert < every / 10 and hits < holders / 10
        else:
            assert (len(found) - with_alert, hits) == (every, holders - 1)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab -=\u00ac\u00ad\n\t\r_9é"), max_size=30))
def test_line_end_hyphenation_pattern_matches_where_the_plain_one_does(text):
    # the pattern puts the hyphen first (faster); the plain spelling is the reference
    plain = re.compile(r"(?<=\w)[-=\u00ac\u00ad\u2010\u2011\u2e17][ \t]*\r?\n\s*(?=\w)")
    from dedupe.text import _LINE_HYPHEN

    assert _LINE_HYPHEN.sub("", text) == plain.sub("", text)


def test_a_fuzzy_index_of_an_older_key_scheme_is_refused_with_what_to_do(tmp_path):
    from test_robustness import _rewrite, _set

    index = dedupe.Index(fuzzy=True)
    index.add("a", "the council met on tuesday to discuss the new rail line")
    path = tmp_path / "old.idx"
    index.save(path)
    old = "ocr-nfkc-casefold-dehyphen-ligatures-nodiacritics/1+bytes7-window16-poly64-fmix64"
    _rewrite(path, _set("params", "fuzzy_scheme", old))
    with pytest.raises(IndexFormatError, match="unknown fuzzy scheme.*window16-le64.*rebuild it"):
        dedupe.Index.load(path)
