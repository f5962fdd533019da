"""Metadata carried through find_duplicates and the Index, and the dedup decisions."""

from __future__ import annotations

import random

import pytest

from dedupe import Index, InvalidParameterError, UnknownIdError, find_duplicates
from dedupe.dedup import deduplicate
from dedupe.match import Match
from dedupe.metadata import parse_date

WORDS = (
    "minister rail line open may carry passengers cities shares fell trade investors "
    "weighed outlook storm coast power thousands homes council vote budget school police "
    "river flood bridge closed traffic airport delay strike union wages talks court judge "
    "ruling appeal hospital doctors patients vaccine season harvest farmers prices market"
).split()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(n))


def generated_collection(seed: int = 7) -> dict[str, str]:
    """Stories, near-duplicate rewrites, exact copies, excerpts and roundups containing
    several stories, interleaved."""
    rng = random.Random(seed)
    docs: dict[str, str] = {}
    stories = [_text(rng, rng.randrange(60, 200)) for _ in range(40)]
    for i, story in enumerate(stories):
        docs[f"s{i}"] = story
        words = story.split()
        if i % 3 == 0:  # a rewrite: a few words changed
            edited = [w if rng.random() > 0.05 else _text(rng, 1) for w in words]
            docs[f"s{i}-rewrite"] = " ".join(edited)
        if i % 4 == 0:  # exact copies
            docs[f"s{i}-copy1"] = story
            docs[f"s{i}-copy2"] = story
        if i % 5 == 0:  # an excerpt, before or after the story in the order
            docs[f"s{i}-excerpt"] = " ".join(words[: len(words) // 2])
    for r in range(5):  # roundups: the full text of three stories and some of their own
        picked = rng.sample(stories, 3)
        docs[f"roundup{r}"] = " ".join([_text(rng, 30), *picked])
    ids = list(docs)
    rng.shuffle(ids)
    return {k: docs[k] for k in ids}


def check_dedup(docs: dict[str, str], dedup, dropped_kinds: set[str], **options) -> None:
    kept = set(dedup.kept)
    assert kept.isdisjoint(d.id for d in dedup.dropped)
    assert len(kept) + len(dedup.dropped) == len(docs)
    full = {
        tuple(sorted((m.a, m.b))): m for m in find_duplicates(docs, **options).expanded_matches()
    }
    for d in dedup.dropped:  # every dropped document names a kept one it verifiably matches
        assert d.duplicate_of in kept
        m = full[tuple(sorted((d.id, d.duplicate_of)))]
        assert m.kind == d.kind and m.jaccard == pytest.approx(d.jaccard)
        assert d.kind in dropped_kinds
    again = find_duplicates({k: docs[k] for k in dedup.kept}, **options)
    assert [m for m in again.expanded_matches() if m.kind in dropped_kinds] == []


@pytest.mark.parametrize("partial", ["drop", "keep"])
@pytest.mark.parametrize("keep", ["earliest", "longest"])
def test_generated_collection_keeps_no_two_matching_documents(keep, partial):
    docs = generated_collection()
    report = find_duplicates(docs)
    dedup = report.deduplicate(keep=keep, partial=partial)
    kinds = {"exact", "near_duplicate"} | ({"partial"} if partial == "drop" else set())
    check_dedup(docs, dedup, kinds)
    assert dedup.dropped  # the collection has duplicates of every kind
    dropped = {d.id for d in dedup.dropped}
    assert {"s0-copy1", "s0-copy2"} <= dropped
    if partial == "drop":
        assert "s0-excerpt" in dropped  # contained in its story (or a roundup holding it)
    else:
        assert all(d.kind != "partial" for d in dedup.dropped)
        assert "s0-excerpt" in dedup.kept


def test_container_is_kept_whatever_the_order():
    flash = "Breaking: the minister said the rail line will open in May this year."
    story = flash + " " + _text(random.Random(1), 120)
    for docs in ({"flash": flash, "story": story}, {"story": story, "flash": flash}):
        d = find_duplicates(docs).deduplicate()
        assert d.kept == ("story",)
        (decision,) = d.dropped
        assert (decision.id, decision.duplicate_of, decision.kind) == ("flash", "story", "partial")
        assert decision.dropped_in_kept == 1.0 and decision.kept_in_dropped < 0.2
        assert find_duplicates(docs).deduplicate(partial="keep").kept == tuple(docs)


def test_chains_are_resolved_to_kept_documents_only():
    # x ~ y and y ~ z, but x and z do not match: y goes for x, and z stays (it matches
    # no kept document), rather than naming the dropped y
    ms = [
        Match("x", "y", 0.6, 0.75, 0.75, "near_duplicate", 6, 8, 8),
        Match("y", "z", 0.6, 0.75, 0.75, "near_duplicate", 6, 8, 8),
    ]
    d = deduplicate(["x", "y", "z"], ms)
    assert d.kept == ("x", "z")
    assert [(x.id, x.duplicate_of) for x in d.dropped] == [("y", "x")]


def test_keep_rules_by_date_field_and_by_field():
    rng = random.Random(3)
    base = _text(rng, 80)
    docs = {"a": base, "b": base + " " + "extra words", "c": base + " more words here"}
    meta = {
        "a": {"date": "2024-05-03", "rank": "10"},
        "b": {"date": "01-MAY-2024 10:00:00.00", "rank": "9"},
        "c": {"date": "Thu, 02 May 2024 10:00:00 +0000", "rank": "100"},
    }
    report = find_duplicates(docs, metadata=meta)
    assert report.deduplicate().kept == ("a",)  # input order
    assert report.deduplicate(date_field="date").kept == ("b",)  # May 1st
    assert report.deduplicate(keep="rank").kept == ("b",)  # 9 < 10 < 100: numbers
    assert report.deduplicate(keep="-rank").kept == ("c",)
    assert report.deduplicate(keep="longest").kept == ("c",)
    assert report.deduplicate(keep=lambda d: {"a": 2, "b": 1, "c": 3}[d]).kept == ("b",)
    with pytest.raises(InvalidParameterError, match="'a', field 'rank'.*not a date"):
        report.deduplicate(date_field="rank")
    with pytest.raises(InvalidParameterError, match="no document has a metadata field 'nope'"):
        report.deduplicate(keep="nope")
    with pytest.raises(InvalidParameterError, match="date_field ranks documents for keep='e"):
        report.deduplicate(keep="longest", date_field="date")
    with pytest.raises(InvalidParameterError, match="partial must be"):
        report.deduplicate(partial="maybe")


def test_undated_documents_come_last():
    base = _text(random.Random(5), 80)
    docs = {"a": base, "b": base}
    report = find_duplicates(docs, metadata={"b": {"date": "2020-01-01"}})
    assert report.deduplicate(date_field="date").kept == ("b",)


def test_metadata_is_carried_and_checked():
    docs = {"a": "one two three four five six", "b": "one two three four five six", "c": "x"}
    meta = {"a": {"title": "Rail line", "outlet": "Wire"}, "b": {"title": "Rail (copy)"}}
    report = find_duplicates(docs, metadata=meta)
    assert report.metadata == meta
    assert report.to_dict()["metadata"] == meta
    assert report.ids == ("a", "b", "c")
    meta["a"]["title"] = "changed later"  # the report holds its own copy
    assert report.metadata["a"]["title"] == "Rail line"
    skipped = find_duplicates({**docs, "d": " -- "}, metadata={"d": {"t": "x"}}, skip_empty=True)
    assert "d" not in skipped.metadata and skipped.skipped == ("d",)
    for bad, message in [
        (["a"], "metadata must be a mapping"),
        ({"zz": {"t": "x"}}, "unknown document id 'zz'"),
        ({"a": "title"}, "metadata of 'a' must be a dict"),
        ({"a": {1: "x"}}, "field name 1 is int"),
        ({"a": {"n": 3}}, "field 'n' is int, not str"),
    ]:
        with pytest.raises(InvalidParameterError, match=message):
            find_duplicates(docs, metadata=bad)


def test_index_keeps_metadata_with_documents():
    idx = Index()
    idx.add_many(
        {"a": "one two three four five six seven", "b": "eight nine ten eleven twelve"},
        metadata={"a": {"title": "A"}},
    )
    assert idx.metadata("a") == {"title": "A"} and idx.metadata("b") == {}
    idx.add("a", "other words entirely here", replace=True)
    assert idx.metadata("a") == {}
    idx.add("c", "thirteen fourteen", metadata={"title": "C"}, timestamp=100)
    idx.evict(before=200)
    with pytest.raises(UnknownIdError):
        idx.metadata("c")
    with pytest.raises(InvalidParameterError, match="unknown document id 'q'"):
        idx.add_many({"d": "some words"}, metadata={"q": {"t": "x"}})
    assert "d" not in idx  # nothing added on error
    other = Index()
    other.add("e", "words of e", metadata={"title": "E"})
    idx.merge(other)
    assert idx.metadata("e") == {"title": "E"}
    idx.remove("e")
    assert "e" not in idx.store.columns().metadata
    assert idx.metadata_many(["e", "a"]) == {"a": {}}


@pytest.mark.slow
def test_reuters_dedup_keeps_no_two_matching_documents(reuters):
    docs = {d["id"]: d["text"] for d in reuters}
    meta = {}
    for d in reuters:  # 299 Reuters dates carry trailing junk: those documents are undated
        try:
            parse_date(d["date"])
        except InvalidParameterError:
            continue
        meta[d["id"]] = {"date": d["date"]}
    report = find_duplicates(docs, metadata=meta)
    dedup = report.deduplicate(date_field="date")
    kept = set(dedup.kept)
    assert len(dedup.dropped) > 100
    assert all(d.duplicate_of in kept for d in dedup.dropped)
    again = find_duplicates({k: docs[k] for k in dedup.kept})
    assert [m for m in again.expanded_matches()] == []


def test_index_file_keeps_metadata(tmp_path):
    from dedupe import IndexFormatError
    from dedupe.store.file import read_index, write_index

    idx = Index()
    idx.add_many(
        {"a": "one two three four five six", "b": "seven eight nine ten"},
        metadata={"a": {"title": "Zürich rail line", "date": "2024-05-01"}},
    )
    idx.save(tmp_path / "x.idx")
    back = Index.load(tmp_path / "x.idx")
    assert back.metadata("a") == {"title": "Zürich rail line", "date": "2024-05-01"}
    assert back.metadata("b") == {}
    plain = Index()
    plain.add("a", "one two three")
    plain.save(tmp_path / "plain.idx")
    assert b'"metadata"' not in (tmp_path / "plain.idx").read_bytes()  # as before: no field
    stored = read_index(tmp_path / "x.idx")
    for bad, message in [
        ({"zz": {"t": "x"}}, "metadata for 'zz', which is not in the index"),
        ({"a": {"t": 3}}, "metadata of 'a' is not an object of strings"),
        (["a"], "'metadata' is not an object"),
    ]:
        write_index(
            tmp_path / "bad.idx", params=stored.params, thresholds=stored.thresholds,
            ids=stored.ids, timestamps=stored.timestamps, sketch=stored.sketch,
            band_keys=stored.band_keys, created_by="test", metadata=bad,
        )  # fmt: skip
        with pytest.raises(IndexFormatError, match=message):
            Index.load(tmp_path / "bad.idx")
    with pytest.raises(InvalidParameterError, match="surrogate"):
        idx.add("c", "words", metadata={"title": "bad \udc80"})


VOCAB = "rail line open may storm coast vote court".split()


def test_fuzz_dedup_guarantees_on_dense_overlap(fuzz_examples):
    """Texts over 8 words with one-word shingles overlap in every way (exact copies,
    containment both ways, near-duplicates, chains): the guarantees hold for every rule."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    texts = st.lists(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=8), max_size=14)

    @settings(max_examples=fuzz_examples, deadline=None)
    @given(texts, st.sampled_from(["earliest", "longest"]), st.sampled_from(["drop", "keep"]))
    def check(word_lists, keep, partial):
        docs = {f"d{i}": " ".join(words) for i, words in enumerate(word_lists)}
        report = find_duplicates(docs, ngram=1, min_shingles=1)
        matches = {frozenset((m.a, m.b)): m for m in report.expanded_matches()}
        dedup = report.deduplicate(keep=keep, partial=partial)
        kinds = {"exact", "near_duplicate"} | ({"partial"} if partial == "drop" else set())
        kept = set(dedup.kept)
        assert len(kept) + len(dedup.dropped) == len(docs)
        for d in dedup.dropped:
            assert d.duplicate_of in kept
            m = matches[frozenset((d.id, d.duplicate_of))]
            assert m.kind == d.kind and d.kind in kinds
            own = m.size_a if m.a == d.id else m.size_b
            assert d.dropped_in_kept == pytest.approx(m.shared / own)
        for pair, m in matches.items():
            assert not (pair <= kept and m.kind in kinds), m
        if partial == "drop":  # a contained document is never kept next to its container
            for m in matches.values():
                if m.kind == "partial" and m.size_a != m.size_b:
                    small, large = (m.a, m.b) if m.size_a < m.size_b else (m.b, m.a)
                    assert not (small in kept and large in kept)

    check()
