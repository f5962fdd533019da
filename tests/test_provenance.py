"""Index.provenance: spans credited to the earliest-added document holding them, sources
with their shares; its views and the ``dedupe provenance`` command."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import test_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import SEED_000, SEEDS

import dedupe
from dedupe.errors import EmptyTextError, InvalidParameterError, InvalidTextError
from dedupe.params import IndexParams
from dedupe.provenance import MIN_WORDS, Provenance, Source, SourcePassage, Span, _shingles
from dedupe.render.provenance import provenance_html, render_provenance
from dedupe.sketch import batch_text_hashes, shingle_hashes, word_hashes
from dedupe.text import paragraphs, word_spans

ORIGINAL = (
    "This paragraph was written for the patchwork alone: a reporter's own account of the "
    "morning, with a quote nobody else has printed and numbers found in no other story."
)


def paras(text: str) -> list[str]:
    return [p.text for p in paragraphs(text)]


def check_cover(prov: Provenance) -> None:
    """Spans tile the text exactly once, in order; shares add up."""
    assert prov.spans, "a text with words has at least one span"
    assert prov.spans[0].start == 0 and prov.spans[-1].end == len(prov.text)
    for a, b in zip(prov.spans, prov.spans[1:]):
        assert a.end == b.start and a.start < a.end
        assert a.source != b.source  # spans are maximal
    for s in prov.spans:
        assert s.source_start is None and s.source_end is None
        assert s.source not in s.alternatives
    ids = [s.id for s in prov.sources]
    assert len(set(ids)) == len(ids)
    assert {s.source for s in prov.spans} - {None} <= set(ids)
    total = sum(s.share for s in prov.sources)
    assert total == pytest.approx(prov.found)
    for src in prov.sources:
        assert 0 <= src.share <= src.held + 1e-12 <= 1 + 1e-12
        assert src.passages and all(p.start < p.end for p in src.passages)
    keys = [(-s.share, -s.held) for s in prov.sources]
    assert keys == sorted(keys)


def credited(prov: Provenance, start: int, end: int) -> dict[str | None, int]:
    """Characters of ``text[start:end]`` (words only) credited to each source."""
    out: dict[str | None, int] = {}
    for _, a, b in word_spans(prov.text[start:end]):
        for s in prov.spans:
            if s.start <= start + a < s.end:
                out[s.source] = out.get(s.source, 0) + b - a
    return out


@pytest.fixture(scope="module")
def seed_index(seeds) -> dedupe.Index:
    index = dedupe.Index()
    index.add_many({k: seeds[k] for k in ("002", "003", "004")})
    return index


def test_patchwork_of_three_seeds_and_original_text(seeds, seed_index):
    parts = [
        ("002", paras(seeds["002"])[3:5]),
        (None, [ORIGINAL]),
        ("004", paras(seeds["004"])[2:5]),
        ("003", paras(seeds["003"])[6:8]),
        ("002", paras(seeds["002"])[8:9]),
    ]
    chunks, truth = [], []
    for source, ps in parts:
        for p in ps:
            chunks.append(p)
            truth.append(source)
    text = "\n\n".join(chunks)
    prov = seed_index.provenance(text)
    check_cover(prov)
    at = 0
    for chunk, source in zip(chunks, truth):
        start = text.index(chunk, at)
        at = start + len(chunk)
        got = credited(prov, start, at)
        assert got.get(source, 0) == sum(got.values()), (chunk[:40], source, got)
    assert {s.id for s in prov.sources if s.share > 0} == {"002", "003", "004"}
    assert [len(s.passages) for s in prov.sources[:3]] in ([2, 1, 1], [1, 2, 1], [1, 1, 2])


def test_earliest_added_wins_and_the_others_are_alternatives(seeds):
    wire = "\n\n".join(paras(seeds["003"])[:6])
    extra = paras(seeds["004"])[4]
    copy = wire + "\n\n" + extra  # a re-publication with one paragraph of its own
    query = paras(seeds["003"])[2] + "\n\n" + extra
    index = dedupe.Index()
    index.add("wire", wire)
    index.add("copy", copy)
    prov = index.provenance(query)
    check_cover(prov)
    assert [(s.source, s.alternatives) for s in prov.spans] == [
        ("wire", ("copy",)),
        ("copy", ()),
    ]
    assert query[prov.spans[1].start :].startswith(extra)
    by_id = {s.id: s for s in prov.sources}
    assert by_id["copy"].held == pytest.approx(1.0)
    assert by_id["wire"].share + by_id["copy"].share == pytest.approx(1.0)

    first = dedupe.Index()  # added the other way round: the copy holds everything first
    first.add("copy", copy)
    first.add("wire", wire)
    prov = first.provenance(query)
    # one span: the copy holds it all; the wire holds only its first part, so it is no
    # alternative for the span, but a source of share 0 whose passage says where
    assert [(s.source, s.alternatives) for s in prov.spans] == [("copy", ())]
    assert [s.id for s in prov.sources] == ["copy", "wire"]
    wire_src = prov.sources[1]
    assert wire_src.share == 0 and 0.4 < wire_src.held < 1
    (held,) = wire_src.passages  # from its first word to its last
    assert query[held.start : held.end] == paras(seeds["003"])[2].rstrip(".")

    first.add("copy", copy, replace=True)  # replacing re-adds: now the latest
    assert [s.source for s in first.provenance(query).spans] == ["wire", "copy"]


def test_text_from_nowhere_is_none(seed_index):
    prov = seed_index.provenance(ORIGINAL)
    assert prov.spans == (Span(0, len(ORIGINAL), None),)
    assert prov.sources == () and prov.found == 0.0


def test_common_phrases_are_not_attributions(seeds, seed_index):
    # 11 words of seed 003 in a row, below the minimum of 12: no attribution
    words = [w for w, _, _ in word_spans(paras(seeds["003"])[6])][:11]
    text = "Our own words come first, then " + " ".join(words) + " and our own end."
    assert seed_index.provenance(text).found == 0.0
    assert seed_index.provenance(text, min_words=10).found > 0.3


def test_an_edited_word_stays_inside_the_span_up_to_max_gap(seeds, seed_index):
    para = paras(seeds["004"])[3]
    toks = word_spans(para)
    _, s, e = toks[len(toks) // 2]
    edited = para[:s] + "zzyzx" + para[e:]
    prov = seed_index.provenance(edited)
    assert [sp.source for sp in prov.spans] == ["004"]
    assert prov.sources[0].passages == (
        SourcePassage(0, len(edited) - 1, len(toks), len(toks) - 1),
    )
    assert not prov.sources[0].passages[0].exact  # the edited word is not found as it is
    gapless = seed_index.provenance(edited, max_gap=0)
    assert [sp.source for sp in gapless.spans] == ["004", None, "004"]
    assert gapless.text[gapless.spans[1].start : gapless.spans[1].end].strip() == "zzyzx"
    assert len(gapless.sources[0].passages) == 2


def test_a_key_over_the_cap_proposes_its_earliest_holder():
    text = " ".join(f"w{i}" for i in range(60))
    index = dedupe.Index(max_key_docs=2)
    index.add_many({f"c{k}": text for k in range(5)})
    prov = index.provenance(text)
    assert [(s.source, s.alternatives) for s in prov.spans] == [("c0", ())]
    assert prov.candidates == 1
    uncapped = dedupe.Index()
    uncapped.merge(index)
    assert uncapped.provenance(text).spans[0].alternatives == ("c1", "c2", "c3", "c4")


def test_removed_and_loaded_indexes(tmp_path, seeds, seed_index):
    text = paras(seeds["003"])[6]
    path = tmp_path / "s.idx"
    seed_index.save(path)
    loaded = dedupe.Index.load(path)
    assert loaded.provenance(text).to_dict() == seed_index.provenance(text).to_dict()
    loaded.remove("003")
    assert loaded.provenance(text).found == 0.0


def test_the_text_is_hashed_as_the_index_hashes_it(seeds):
    texts = [*seeds.values(), "Ünïcode café – “quotes” ﬁne ２０２５ 习近平 said, x²", "a b"]
    for text in texts:
        starts, ends, hashes = _shingles(text, IndexParams())
        assert np.array_equal(hashes, batch_text_hashes([text], ngram=5)[0])
        assert [(s, e) for _, s, e in word_spans(text)] == list(zip(starts, ends))
    # a symbol NFKC turns into a word of its own: offsets of word_spans, hashes of its words
    text = "Shares of Foo № 5 rose sharply on Monday after the results came out"
    starts, ends, hashes = _shingles(text, IndexParams())
    assert len(starts) == len(word_spans(text)) == len(hashes) + 4


def test_texts_with_odd_symbols_are_still_traced():
    body = "the new line will open in may and carry ten thousand passengers a day between"
    index = dedupe.Index()
    index.add("a", "Foo™ said " + body + " the two cities № 5.")
    prov = index.provenance("Bar™ said that " + body + " both cities № 5.")
    assert [s.source for s in prov.spans] == [None, "a", None]


def test_bad_input_raises_specific_errors(seed_index):
    with pytest.raises(EmptyTextError, match="no words"):
        seed_index.provenance(" -- ")
    with pytest.raises(InvalidTextError, match="UTF-8"):
        seed_index.provenance(b"\xff\xfe")
    with pytest.raises(InvalidParameterError, match="min_words must be at least .*ngram"):
        seed_index.provenance("some words", min_words=3)
    with pytest.raises(InvalidParameterError, match="max_gap"):
        seed_index.provenance("some words", max_gap=-1)
    with pytest.raises(InvalidParameterError, match="unknown format"):
        render_provenance(seed_index.provenance("some words"), "pdf")


def test_empty_index_and_short_texts():
    prov = dedupe.Index().provenance("Just four words here.")
    assert prov.spans == (Span(0, 21, None),) and prov.candidates == 0
    index = dedupe.Index()
    index.add("a", "Just four words here.")
    assert index.provenance("Just four words here.").found == 0.0  # under min_words
    assert index.provenance("Just four words here.", min_words=5).found == 0.0


def test_to_dict_is_json_and_gives_the_text_back(seeds, seed_index):
    text = paras(seeds["002"])[3] + "\n\n" + ORIGINAL
    d = json.loads(json.dumps(seed_index.provenance(text).to_dict()))
    assert "".join(s["text"] for s in d["spans"]) == text
    assert d["version"] == 2 and d["options"]["min_words"] == MIN_WORDS
    assert set(d["sources"][0]) == {"id", "share", "held", "passages"}
    assert set(d["spans"][0]) == {
        "start", "end", "source", "source_start", "source_end", "alternatives", "text"
    }  # fmt: skip
    held = d["sources"][0]["passages"][0]
    assert set(held) == {"start", "end", "words", "exact_words", "exact"}
    assert held["exact"] is True and held["exact_words"] == held["words"]  # a whole paragraph


def test_html_view_escapes_and_has_no_script():
    evil = '<script>alert(1)</script> "quoted" & <b>bold</b> '
    body = " ".join(f"word{i}" for i in range(30))
    index = dedupe.Index()
    index.add('<img src=x onerror="alert(2)">', body)
    page = provenance_html(index.provenance(evil + body), title="<i>t</i>")
    assert "<script" not in page and "<img" not in page and "<i>t" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert page.count("Content-Security-Policy") == 1
    assert 'class="dd-src dd-src-0"' in page and "in no indexed document" in page


def test_text_view_goes_paragraph_by_paragraph(seeds, seed_index):
    text = paras(seeds["002"])[3] + "\n\n" + ORIGINAL
    view = dedupe.render.text(seed_index.provenance(text))
    lines = view.splitlines()
    assert lines[0].startswith("1 source; ") and lines[1].startswith("[1] 002 ")
    assert "¶1  [1] 100%" in lines and "¶2  [-] 100%" in lines
    assert f"    [-] {ORIGINAL}" in lines


# -- brute force: every word credited as the definition says --------------------------------

VOCAB = [f"v{i}" for i in range(6)]


def holders(index: dedupe.Index, docs: dict[str, str], text: str, min_words: int, max_gap: int):
    """For each word of ``text``, the documents holding it by the definition, earliest-added
    first: runs of consecutive shingles of the text, all in the document's shingle set,
    are joined when at most ``max_gap`` words separate them (or they overlap); a joined
    stretch that holds a run of at least ``min_words`` words holds its words."""
    ngram = index.params.ngram
    words = [w for w, _, _ in word_spans(text)]
    n = len(words)
    hashes = shingle_hashes(word_hashes(words), ngram).astype(np.uint32).tolist()
    out: list[list[str]] = [[] for _ in range(n)]
    for doc_id in index.ids():
        held = set(batch_text_hashes([docs[doc_id]], ngram=ngram)[0].astype(np.uint32).tolist())
        runs = []  # words [start, end) of each run
        i = 0
        while i < len(hashes):
            if hashes[i] not in held:
                i += 1
                continue
            j = i
            while j < len(hashes) and hashes[j] in held:
                j += 1
            runs.append((i, min(j - 1 + ngram, n)))
            i = j
        stretches: list[list[int]] = []  # [start, end, longest run]
        for a, b in runs:
            if stretches and a - stretches[-1][1] <= max_gap:
                stretches[-1][1] = b
                stretches[-1][2] = max(stretches[-1][2], b - a)
            else:
                stretches.append([a, b, b - a])
        for a, b, longest in stretches:
            if longest >= min_words:
                for w in range(a, b):
                    out[w].append(doc_id)
    return out


def verbatim_runs(q: list[str], d: list[str], least: int):
    """Maximal runs ``(i, length)`` of at least ``least`` words of ``q`` found in order in ``d``."""
    runs = []
    for i in range(len(q)):
        for j in range(len(d)):
            if q[i] == d[j] and (i == 0 or j == 0 or q[i - 1] != d[j - 1]):
                k = 0
                while i + k < len(q) and j + k < len(d) and q[i + k] == d[j + k]:
                    k += 1
                if k >= least:
                    runs.append((i, k))
    return runs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.sampled_from(VOCAB), min_size=3, max_size=40), min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 39), st.integers(1, 30)), max_size=4),
    st.lists(st.sampled_from(VOCAB), max_size=10),
    st.integers(3, 8),
    st.integers(0, 3),
)
def test_every_word_is_credited_as_defined(doc_words, picks, noise, min_words, max_gap):
    """Sound: a credited document holds the word (by the definition). Complete where the
    keys guarantee a candidate: a verbatim run of ``window + ngram - 1`` words (and
    ``min_words``) shared with a document is credited to it or to an earlier holder."""
    docs = {f"d{k}": " ".join(ws) for k, ws in enumerate(doc_words)}
    index = dedupe.Index(ngram=3, window=4, short_text=0)
    index.add_many(docs)
    pieces = []
    for k, start, length in picks:
        ws = doc_words[k % len(doc_words)]
        pieces.append(" ".join(ws[start : start + length]))
    pieces.append(" ".join(noise))
    text = " . ".join(p for p in pieces if p) or "v0"
    prov = index.provenance(text, min_words=min_words, max_gap=max_gap)
    check_cover(prov)
    hold = holders(index, docs, text, min_words, max_gap)
    words = word_spans(text)
    got = []
    for _, s, _ in words:
        (span,) = [sp for sp in prov.spans if sp.start <= s < sp.end]
        got.append(span.source)
        if span.source is not None:
            assert set(span.alternatives) <= set(hold[len(got) - 1])
    order = {d: k for k, d in enumerate(index.ids())}
    for g, h in zip(got, hold):
        assert g is None or g in h
    least = max(min_words, index.params.window + index.params.ngram - 1)
    q = [w for w, _, _ in words]
    for doc_id in index.ids():
        for i, k in verbatim_runs(q, docs[doc_id].split(), least):
            for w in range(i, i + k):
                assert got[w] is not None and order[got[w]] <= order[doc_id]


def test_a_long_random_patchwork_is_fast_and_exact():
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(3000)]
    docs = {f"doc{k}": " ".join(rng.choices(vocab, k=400)) for k in range(300)}
    index = dedupe.Index()
    index.add_many(docs)
    parts, truth = [], []
    for _ in range(12):
        k = rng.randrange(300)
        ws = docs[f"doc{k}"].split()
        a = rng.randrange(300)
        parts.append(" ".join(ws[a : a + 40]))
        truth.append(f"doc{k}")
    text = "\n\n".join(parts)
    prov = index.provenance(text)
    check_cover(prov)
    at = 0
    for part, source in zip(parts, truth):
        start = text.index(part, at)
        at = start + len(part)
        assert credited(prov, start, at) == {source: sum(map(len, part.split()))}


def test_source_dataclasses_are_frozen():
    with pytest.raises(AttributeError):
        Span(0, 1, None).start = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Source("a", 0.0, 0.0).share = 1.0  # type: ignore[misc]


# -- the command ------------------------------------------------------------------------------

call = test_cli.call  # the fixture that runs the command in this process


@pytest.fixture(scope="module")
def index_file(tmp_path_factory, seeds):
    path = tmp_path_factory.mktemp("prov") / "seeds.idx"
    index = dedupe.Index()
    index.add_many({k: seeds[k] for k in ("002", "003", "004")})
    index.save(path)
    return path


def test_cli_text_json_html(call, tmp_path, seeds, index_file):
    src = tmp_path / "patch.txt"
    text = paras(seeds["003"])[6] + "\n\n" + ORIGINAL + "\n\n" + paras(seeds["004"])[3]
    src.write_text(text, encoding="utf-8")
    done = call("provenance", str(src), "--index", str(index_file))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 sources; ") and "¶2  [-] 100%" in done.stdout

    done = call("provenance", str(src), "--index", str(index_file), "--format", "json")
    record = json.loads(done.stdout)
    assert record["file"] == str(src) and record["index"] == str(index_file)
    assert [s["source"] for s in record["spans"]] == ["003", None, "004"]

    out = tmp_path / "p.html"
    done = call("provenance", str(src), "--index", str(index_file), "--format", "html", "-o",
                str(out))  # fmt: skip
    assert done.returncode == 0 and done.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "Provenance of" in page and "dd-src-1" in page

    done = call("provenance", "-", "--index", str(index_file), "--min-words", "20", stdin=text)
    assert done.returncode == 0 and "min_words" not in done.stderr


def test_cli_errors(call, tmp_path, index_file):
    done = call("provenance", str(SEEDS / SEED_000))
    assert done.returncode == 2 and "--index" in done.stderr
    done = call("provenance", str(SEEDS / SEED_000), "--index", str(tmp_path / "no.idx"))
    assert done.returncode == 2 and "no such index file" in done.stderr
    done = call("provenance", str(tmp_path / "none.txt"), "--index", str(index_file))
    assert done.returncode == 2 and "none.txt" in done.stderr
    done = call("provenance", str(SEEDS / SEED_000), "--index", str(index_file), "--min-words",
                "2")  # fmt: skip
    assert done.returncode == 2 and "min_words must be at least" in done.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text(" ... ", encoding="utf-8")
    done = call("provenance", str(empty), "--index", str(index_file))
    assert done.returncode == 2 and "no words" in done.stderr


def test_html_page_in_chromium(tmp_path, seeds, seed_index):
    from browser import CHROMIUM_MISSING, find_chromium, load_page

    binary = find_chromium()
    if binary is None:
        pytest.skip(CHROMIUM_MISSING)
    text = "\n\n".join([*paras(seeds["002"])[3:5], ORIGINAL, *paras(seeds["004"])[2:4]])
    prov = seed_index.provenance(text)
    out = tmp_path / "p.html"
    out.write_text(provenance_html(prov), encoding="utf-8")
    page = load_page(
        binary,
        out,
        evaluate={
            "spans": "document.querySelectorAll('.dd-prov .dd-src').length",
            "text": "document.querySelector('.dd-prov').textContent",
            "legend": "document.querySelectorAll('table.dd-legend tbody tr').length",
            "colour": "getComputedStyle(document.querySelector('.dd-src-0')).backgroundColor",
        },
    )
    assert page.errors == [] and page.requests == [out.resolve().as_uri()]
    assert page.values["spans"] == sum(1 for s in prov.spans if s.source)
    labels = "".join(str(k + 1) for k in range(len(prov.sources)))  # one label a source here
    assert page.values["text"] == "".join(
        (labels[[s.id for s in prov.sources].index(sp.source)] if sp.source else "")
        + text[sp.start : sp.end]
        for sp in prov.spans
    )
    assert page.values["legend"] == len(prov.sources) + 1
    assert page.values["colour"] not in ("rgba(0, 0, 0, 0)", "transparent")
