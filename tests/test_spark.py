"""dedupe.spark against dedupe.find_duplicates: the same reports, on one local Spark session.

Skipped (with the reason) when pyspark or a Java runtime is missing. One session serves
every test (``spark`` in tests/conftest.py: ``local[2]``, no UI, few shuffle partitions,
bound to the loopback address).
"""

from __future__ import annotations

import os
import random
import shutil

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (the 'spark' extra)")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime (java not on PATH, JAVA_HOME unset)", allow_module_level=True)


import dedupe  # noqa: E402
import dedupe.spark  # noqa: E402
from dedupe.errors import (  # noqa: E402
    DuplicateIdError,
    EmptyTextError,
    InvalidParameterError,
    InvalidTextError,
)

pytestmark = pytest.mark.spark


# ------------------------------------------------------------------ corpora
def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return sorted({"".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(size)})


def _article(rng: random.Random, vocab: list[str], words: int) -> str:
    out, paragraph = [], []
    for _ in range(words):
        paragraph.append(rng.choice(vocab))
        if len(paragraph) >= rng.randint(25, 60):
            out.append(" ".join(paragraph).capitalize() + ".")
            paragraph = []
    if paragraph:
        out.append(" ".join(paragraph).capitalize() + ".")
    return "\n\n".join(out)


def _edit(rng: random.Random, vocab: list[str], text: str, rate: float) -> str:
    return " ".join(w if rng.random() > rate else rng.choice(vocab) for w in text.split())


def collection(seed: int = 7) -> dict[str, str]:
    """Articles with exact copies (some only alike after normalisation), near-duplicates,
    excerpts embedded in other text, short alerts, and one boilerplate footer on many."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    footer = _article(rng, vocab, 45)
    docs: dict[str, str] = {}
    bases = [_article(rng, vocab, rng.randint(60, 400)) for _ in range(40)]
    for i, text in enumerate(bases):
        docs[f"art-{i:03d}"] = text + ("\n\n" + footer if i % 3 == 0 else "")
    for i in range(0, 40, 4):  # exact copies: verbatim, and only equal once normalised
        docs[f"copy-{i:03d}"] = bases[i]
        docs[f"copy-{i:03d}-upper"] = bases[i].upper()
    for i in range(0, 40, 5):  # near-duplicates, several of one base (a band key of many)
        for j in range(4 if i == 0 else 1):
            docs[f"near-{i:03d}-{j}"] = _edit(rng, vocab, bases[i], 0.03)
    for i in range(1, 40, 6):  # excerpts embedded in new text
        words = bases[i].split()
        lo = rng.randint(0, max(0, len(words) - 50))
        piece = " ".join(words[lo : lo + 40])
        docs[f"excerpt-{i:03d}"] = _article(rng, vocab, 80) + "\n\n" + piece
    for i in range(2, 40, 7):  # short alerts taken from an article
        docs[f"alert-{i:03d}"] = " ".join(bases[i].split()[:14])
    return docs


def ordered_frame(spark, docs: dict[str, str], *, partitions: int, seed: int):
    """The documents in a shuffled DataFrame of ``partitions`` partitions, with their place
    in ``docs`` as column ``pos``."""
    rows = [(doc_id, text, pos) for pos, (doc_id, text) in enumerate(docs.items())]
    random.Random(seed).shuffle(rows)
    df = spark.createDataFrame(rows, "id string, text string, pos long")
    return df.repartition(partitions) if partitions > 1 else df.coalesce(1)


def assert_same(got: dedupe.Report, want: dedupe.Report) -> None:
    assert got.matches == want.matches
    assert got.clusters == want.clusters
    assert got.skipped == want.skipped
    assert got.documents == want.documents
    assert got.params == want.params
    assert got.hubs == want.hubs
    assert got.ids == want.ids
    assert got.metadata == want.metadata


def assert_same_methods(got: dedupe.Report, want: dedupe.Report, **dedup: object) -> None:
    """Every method of a Report gives the same on both engines (``seconds`` aside)."""
    assert got.expanded_matches() == want.expanded_matches()
    assert got.deduplicate(**dedup) == want.deduplicate(**dedup)
    assert got.deduplicate(partial="keep") == want.deduplicate(partial="keep")
    assert got.deduplicate(keep="longest") == want.deduplicate(keep="longest")
    as_dicts = [r.to_dict() for r in (got, want)]
    for d in as_dicts:
        d.pop("seconds")
    assert as_dicts[0] == as_dicts[1]


# ------------------------------------------------------------------ equality
def test_seeds(spark, seeds):
    df = spark.createDataFrame(list(seeds.items()), "id string, text string")
    got = dedupe.spark.find_duplicates(df)
    assert_same(got, dedupe.find_duplicates(seeds))
    assert [(m.a, m.b, m.kind) for m in got.matches] == [("000", "001", "partial")]


def test_every_report_method_equals_single_machine(spark, seeds):
    """Seeds plus an exact copy and metadata: the Spark report's methods (deduplicate
    with a metadata keep rule among them) answer as a single machine's."""
    docs = {**seeds, "copy-of-002": seeds["002"]}
    meta = {d: {"rank": str(len(d) * 7 % 5), "title": f"T {d}"} for d in docs}
    rows = [(d, t, meta[d]["rank"], meta[d]["title"]) for d, t in docs.items()]
    df = spark.createDataFrame(rows, "id string, text string, rank string, title string")
    got = dedupe.spark.find_duplicates(df, metadata_cols=["rank", "title"])
    want = dedupe.find_duplicates(docs, metadata=meta)
    assert_same(got, want)
    assert any(m.kind == "exact" for m in got.matches)
    assert_same_methods(got, want, keep="-rank")
    assert got.deduplicate().kept == ("001", "002", "003", "004")  # 000 is inside 001


@pytest.mark.parametrize(
    ("partitions", "max_key_docs", "representative"),
    [(1, 200, "earliest"), (3, 3, "longest"), (8, 3, "earliest")],
)
def test_generated_collection_shuffled(spark, partitions, max_key_docs, representative):
    docs = collection()
    want = dedupe.find_duplicates(docs, max_key_docs=max_key_docs, representative=representative)
    kinds = {m.kind for m in want.matches}
    assert kinds == {"exact", "near_duplicate", "partial"}  # the corpus has every kind
    df = ordered_frame(spark, docs, partitions=partitions, seed=partitions)
    seconds: dict[str, float] = {}
    got = dedupe.spark.find_duplicates(
        df,
        order_col="pos",
        max_key_docs=max_key_docs,
        representative=representative,
        stage_seconds=seconds,
    )
    assert_same(got, want)
    assert list(seconds) == list(dedupe.spark.STAGES)


def test_key_stage_rows_and_slots_do_not_change_the_result(spark, monkeypatch):
    """The key stage's entries sent a few at a time (Arrow batches of 7 documents: many
    binary rows per task), and every key partition sent to one task (slots that collide):
    the same report, with hot band keys over the cap (stars) and a fuzzy passage key over
    its cap pairing its holders with an alert of few keys."""
    from test_fuzzy import _shared_paragraph_collection

    shared, alert = _shared_paragraph_collection(105)
    runs = [(collection(), {"max_key_docs": 3}), ({**shared, "alert": alert}, {"fuzzy": True})]
    monkeypatch.setattr(dedupe.spark, "KEY_BLOB_ENTRIES", 50)
    n = int(spark.conf.get("spark.sql.shuffle.partitions"))
    batch = "spark.sql.execution.arrow.maxRecordsPerBatch"
    before = spark.conf.get(batch)
    spark.conf.set(batch, "7")
    try:
        for slots in (None, [0] * n):
            if slots is not None:
                monkeypatch.setitem(dedupe.spark._SLOTS, n, slots)
            for docs, options in runs:
                want = dedupe.find_duplicates(docs, **options)
                df = ordered_frame(spark, docs, partitions=3, seed=5)
                got = dedupe.spark.find_duplicates(df, order_col="pos", **options)
                assert_same(got, want)
    finally:
        spark.conf.set(batch, before)
    assert sum("alert" in (m.a, m.b) for m in want.matches) == 105  # the few-key rule


def _hash_rows(keys: list[list[int]], chunk: int = 1 << 20) -> list[tuple[int, bytes]]:
    """:func:`dedupe.spark._key_hashes` of one partition whose documents hold ``keys`` (one
    Arrow batch a document)."""
    import numpy as np
    import pyarrow as pa

    batches = [
        pa.RecordBatch.from_arrays(
            [dedupe.spark._binary_rows(np.array(doc, np.uint32), [0, len(doc)])], names=["keys"]
        )
        for doc in keys
    ]
    rows = dedupe.spark._key_hashes(iter(batches), chunk)
    return [(r.column(0)[0].as_py(), r.column(1)[0].as_py()) for r in rows]


def test_shared_bitmap_sets_the_bits_of_keys_held_twice():
    """A key held by two documents of one partition (7), or of two partitions (9), sets its
    bit; keys held once (5, 11, 13) leave theirs clear; an empty partition sends nothing; a
    partition sent in several rows gives the same bitmap."""
    import numpy as np

    first, second = [[5, 7, 9], [7]], [[9, 11], [13]]
    assert _hash_rows([]) == []
    parts = _hash_rows(first) + _hash_rows(second)
    assert len(parts) == 2
    blob, bits = dedupe.spark._shared_bitmap(parts)
    assert bits == 10  # 7 entries: the smallest bitmap
    bitmap = dedupe.spark._unpack(blob, 1 << (bits - 3), "u1")
    keys = np.array([5, 7, 9, 11, 13], dtype=np.uint32)
    assert len(set(dedupe.spark._key_bits(keys, bits).tolist())) == 5  # no two share a bit
    held = dedupe.spark._bits_set(bitmap, dedupe.spark._key_bits(keys, bits))
    assert held.tolist() == [False, True, True, False, False]
    assert int(np.unpackbits(bitmap).sum()) == 2
    chunked = _hash_rows(first, chunk=1) + _hash_rows(second, chunk=1)
    assert len(chunked) == 4
    assert dedupe.spark._shared_bitmap(chunked) == (blob, bits)


def test_filter_bits_grow_with_the_entries_up_to_the_cap():
    bits = dedupe.spark._filter_bits
    per, cap = dedupe.spark.KEY_FILTER_BITS_PER_ENTRY, dedupe.spark.KEY_FILTER_MAX_BITS
    assert bits(0) == 10
    assert 1 << bits(100_000) >= 100_000 * per > 1 << (bits(100_000) - 1)
    assert bits(16_120_832) == 28  # the generated 100,000 news: 16 million entries
    assert bits(10**12) == cap


def _reps(spark, docs: dict[str, str]):
    """The plan of a run on ``docs`` up to the representatives (stages order to copies)."""
    from dedupe.params import IndexParams, Thresholds

    plan = dedupe.spark._Plan(IndexParams(), Thresholds())
    df = ordered_frame(spark, docs, partitions=3, seed=2)
    sketched = plan.sketch(df, "id", "text", plan.order(df, "id", "pos"))
    reps, _ = plan.copies(sketched.where("status = 0").drop("status", "error"))
    return plan, reps


def _entries(batch, shared) -> tuple:
    """The ``(key, row)`` entries (sorted) and the document records that
    :func:`dedupe.spark._entry_batches` sends for ``batch``, with the key filter
    ``shared`` or without it (``None``)."""
    import numpy as np

    rows = list(dedupe.spark._entry_batches(iter([batch]), [0], 30, 1 << 30, shared))
    entries = np.sort(
        np.concatenate([dedupe.spark._ragged(r.column("entries"), dedupe.spark._ENTRY)[0]
                        for r in rows])
    )  # fmt: skip
    docs = np.concatenate([dedupe.spark._ragged(r.column("docs"), dedupe.spark._DOC)[0]
                           for r in rows])  # fmt: skip
    return entries, docs


def test_key_filter_drops_keys_held_once_and_keeps_every_shared_key(spark):
    """The key stage's filter on a collection: every entry of a key held by two documents
    or more is sent; of the entries of keys held by one document, at most a few (their bit
    shared with another key); the documents keep their passage key counts, and each
    document record counts the entries sent."""
    import numpy as np

    plan, reps = _reps(spark, collection())
    shared = plan.shared_keys(reps)
    table = reps.select("row", "n_keys", "size", "keys").toArrow().combine_chunks()
    (batch,) = table.to_batches()
    every, every_docs = _entries(batch, None)
    sent, sent_docs = _entries(batch, shared)
    keys = every >> np.uint64(32)
    distinct, holders = np.unique(keys, return_counts=True)
    held_once = np.isin(keys, distinct[holders == 1])
    assert held_once.sum() > len(every) / 2  # most keys are held once
    assert np.isin(every[~held_once], sent).all()  # every shared key's entries
    assert np.isin(sent, every).all()
    kept_once = np.isin(sent, every[held_once]).sum()
    assert kept_once < 0.1 * held_once.sum()  # few keys held once are sent
    assert len(sent) == (~held_once).sum() + kept_once
    by_row = {int(d["row"]): d for d in every_docs}
    assert all(d["n_keys"] == by_row[int(d["row"])]["n_keys"] for d in sent_docs)
    rows, counts = np.unique(sent & np.uint64(0xFFFFFFFF), return_counts=True)
    sent_docs = np.sort(sent_docs, order="row")  # one record a document (one partition)
    assert sent_docs["row"].tolist() == rows.tolist()
    assert sent_docs["keys"].tolist() == counts.tolist()


def test_a_small_key_filter_keeps_more_keys_and_the_same_result(spark, monkeypatch):
    """A bitmap of 1,024 bits (most keys share a bit: most entries are sent) or of the
    largest size: the same report as one machine."""
    docs = collection()
    want = dedupe.find_duplicates(docs)
    for cap in (10, dedupe.spark.KEY_FILTER_MAX_BITS):
        monkeypatch.setattr(dedupe.spark, "KEY_FILTER_MAX_BITS", cap)
        monkeypatch.setattr(dedupe.spark, "KEY_FILTER_BITS_PER_ENTRY", 1 << 20)
        df = ordered_frame(spark, docs, partitions=3, seed=3)
        assert_same(dedupe.spark.find_duplicates(df, order_col="pos"), want)
        plan, reps = _reps(spark, docs)
        assert plan.shared_keys(reps)[1] == cap


def test_a_collection_over_the_filters_size_skips_it_with_the_same_result(spark, monkeypatch):
    """Above KEY_FILTER_MAX_DOCS documents no key hashes go through the driver: every key
    entry is shuffled, and the report is the same."""
    docs = collection()

    def refused(*_):
        raise AssertionError("the key filter was built")

    monkeypatch.setattr(dedupe.spark, "KEY_FILTER_MAX_DOCS", len(docs) - 1)
    monkeypatch.setattr(dedupe.spark._Plan, "shared_keys", refused)
    df = ordered_frame(spark, docs, partitions=3, seed=4)
    assert_same(dedupe.spark.find_duplicates(df, order_col="pos"), dedupe.find_duplicates(docs))


def test_the_cap_and_the_star_rule_change_the_result():
    """The low cap of the tests above is not idle: it changes what single-machine finds."""
    docs = collection()
    capped = dedupe.find_duplicates(docs, max_key_docs=3).matches
    assert capped != dedupe.find_duplicates(docs).matches


def test_order_column_decides_a_and_b(spark):
    """Reversed order: the later document of each pair becomes ``a``, as single-machine."""
    docs = collection()
    backwards = dict(reversed(list(docs.items())))
    want = dedupe.find_duplicates(backwards)
    rows = [(d, t, -p) for p, (d, t) in enumerate(docs.items())]
    df = spark.createDataFrame(rows, "id string, text string, pos long")
    assert_same(dedupe.spark.find_duplicates(df, order_col="pos"), want)


def test_skipped_and_binary_texts(spark):
    docs = {"b": "one two three four five six", "a": " -- ", "c": "one two three four five six"}
    want = dedupe.find_duplicates(dict(sorted(docs.items())), skip_empty=True, ngram=2)
    df = spark.createDataFrame([(k, v.encode()) for k, v in docs.items()], "id string, text binary")
    got = dedupe.spark.find_duplicates(df, skip_empty=True, ngram=2)
    assert_same(got, want)
    assert got.skipped == ("a",)
    with pytest.raises(EmptyTextError, match="'a' holds no words.*skip_empty=True"):
        dedupe.spark.find_duplicates(df, ngram=2)
    bad = spark.createDataFrame(
        [("x", "some\x00binary"), ("y", "fine text")], "id string, text string"
    )
    with pytest.raises(InvalidTextError, match="text of 'x' contains NUL bytes"):
        dedupe.spark.find_duplicates(bad)


@pytest.mark.parametrize(
    ("rows", "schema", "options", "error", "message"),
    [
        ([("a", "x")], "id string, body string", {}, InvalidParameterError, "text_col='text'"),
        ([(1, "x")], "id long, text string", {}, InvalidParameterError, "must be strings; cast"),
        ([("a", "x"), ("a", "y")], "id string, text string", {}, DuplicateIdError, "'a' \\(2"),
        ([(None, "x")], "id string, text string", {}, InvalidParameterError, "null id"),
        ([("", "x")], "id string, text string", {}, InvalidParameterError, "must not be empty"),
        (
            [("a", "x", None)],
            "id string, text string, pos long",
            {"order_col": "pos"},
            InvalidParameterError,
            "'pos' is null for 1",
        ),
        ([("a", "x")], "id string, text string", {"jaccard": 2}, InvalidParameterError, "jaccard"),
        (
            [("a", "x")],
            "id string, text string",
            {"representative": "middle"},
            InvalidParameterError,
            "representative",
        ),
    ],
)
def test_bad_input_raises_a_dedupe_error(spark, rows, schema, options, error, message):
    df = spark.createDataFrame(rows, schema)
    with pytest.raises(error, match=message):
        dedupe.spark.find_duplicates(df, **options)


def test_no_documents_and_one_document(spark):
    schema = "id string, text string"
    empty = dedupe.spark.find_duplicates(spark.createDataFrame([], schema))
    assert_same(empty, dedupe.find_duplicates({}))
    one = spark.createDataFrame([("a", "one two three four five six")], schema)
    assert_same(
        dedupe.spark.find_duplicates(one),
        dedupe.find_duplicates({"a": "one two three four five six"}),
    )


def test_not_a_dataframe():
    with pytest.raises(InvalidParameterError, match="use dedupe.find_duplicates"):
        dedupe.spark.find_duplicates({"a": "text"})


# ------------------------------------------------------------------ at scale: DataFrames
def test_match_pairs_and_components(spark):
    docs = collection(seed=11)
    want = dedupe.find_duplicates(docs, clusters="components")  # what components() computes
    df = ordered_frame(spark, docs, partitions=3, seed=5)
    pairs = dedupe.spark.match_pairs(df, order_col="pos")
    assert tuple(pairs.columns) == dedupe.spark.MATCH_COLUMNS
    types = dict(pairs.dtypes)
    assert [types[c] for c in ("jaccard", "shared", "kind")] == ["double", "int", "string"]
    got = sorted((dedupe.Match(*r, exact=True) for r in pairs.collect()), key=dedupe.Match.sort_key)
    assert tuple(got) == want.matches

    rows = dedupe.spark.components(pairs).collect()
    members: dict[str, set[str]] = {}
    for r in rows:
        members.setdefault(r["cluster"], set()).add(r["id"])
    assert sorted(map(sorted, members.values())) == sorted(sorted(c.members) for c in want.clusters)
    weakest = {r["cluster"]: (r["weakest_a"], r["weakest_b"], r["size"]) for r in rows}
    for c in want.clusters:
        edges = [m for m in want.matches if m.a in c.members]
        last = max(edges, key=dedupe.Match.sort_key)
        assert weakest[min(c.members)] == (last.a, last.b, len(c.members))


def test_components_follow_a_long_chain(spark):
    rows = [(f"n{i:03d}", f"n{i + 1:03d}", 0.9, 0.9, 0.9) for i in range(40)]
    rows.append(("x", "y", 0.6, 0.7, 0.5))
    pairs = spark.createDataFrame(
        rows, "a string, b string, jaccard double, containment_ab double, containment_ba double"
    )
    got = {r["id"]: (r["cluster"], r["size"]) for r in dedupe.spark.components(pairs).collect()}
    assert got["n040"] == ("n000", 41) and got["y"] == ("x", 2) and len(got) == 43


def _run_spark_job(tmp_path, docs: dict[str, str], *flags: str) -> None:
    """examples/spark_job.py on ``docs`` written as JSONL (``published``: their order),
    into ``tmp_path / "out"``."""
    import json
    import sys

    from conftest import REPO

    src = tmp_path / "articles.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for pos, (doc_id, text) in enumerate(docs.items()):
            fh.write(json.dumps({"id": doc_id, "text": text, "published": pos}) + "\n")
    sys.path.insert(0, str(REPO / "examples"))
    try:
        import spark_job
    finally:
        sys.path.remove(str(REPO / "examples"))
    out = str(tmp_path / "out")
    assert spark_job.main([str(src), out, "--order-col", "published", *flags]) == 0


def test_spark_submit_job_writes_parquet(spark, tmp_path):
    """examples/spark_job.py (the README's spark-submit job): JSONL in, Parquet out."""
    docs = collection(seed=5)
    _run_spark_job(tmp_path, docs)
    want = dedupe.find_duplicates(docs)
    written = spark.read.parquet(str(tmp_path / "out" / "matches")).collect()
    got = sorted((dedupe.Match(**r.asDict()) for r in written), key=dedupe.Match.sort_key)
    assert tuple(got) == want.matches
    clusters = spark.read.parquet(str(tmp_path / "out" / "clusters")).collect()
    assert {r["id"] for r in clusters} == {d for c in want.clusters for d in c.members}


# ------------------------------------------------------------------ fuzzy mode
def test_spark_fuzzy_report_equals_find_duplicates(spark, noisy_collection):
    """Every Report method, on the noisy copies plus an exact copy (fuzzy score 1), an
    upper-cased one (a copy only once normalised) and a copy at 25% noise whose candidate
    pairs share too few fuzzy keys to be given a fuzzy score (the prefilter of
    find_duplicates; it would score above 0.9), in shuffled partitions."""
    from conftest import noisy

    docs = {
        **noisy_collection,
        "002-copy": noisy_collection["002"],
        "003-ocr1-upper": noisy_collection["003-ocr1"].upper(),
        "002-ocr25": noisy(noisy_collection["002"], 0.25, seed=1003),
    }
    want = dedupe.find_duplicates(docs, fuzzy=True)
    assert not [m for m in want.expanded_matches() if "002-ocr25" in (m.a, m.b)]
    got = dedupe.spark.find_duplicates(
        ordered_frame(spark, docs, partitions=3, seed=2), order_col="pos", fuzzy=True
    )
    assert_same(got, want)
    assert_same_methods(got, want)
    assert [m.to_dict() for m in got.matches] == [m.to_dict() for m in want.matches]
    assert got.params["fuzzy"] is True
    fuzzy_only = [m for m in got.matches if m.fuzzy >= 0.9 and m.jaccard < 0.5]
    assert fuzzy_only and all(m.fuzzy is not None for m in got.matches)
    assert {m.kind for m in got.matches} == {"exact", "near_duplicate", "partial"}


def test_the_spark_job_writes_fuzzy_matches_and_clusters(spark, noisy_collection, tmp_path):
    """examples/spark_job.py --fuzzy (match_pairs, then components): the matches, with their
    fuzzy column, and the clusters of find_duplicates(fuzzy=True, clusters="components")."""
    _run_spark_job(tmp_path, noisy_collection, "--fuzzy")
    out = tmp_path / "out"
    want = dedupe.find_duplicates(noisy_collection, fuzzy=True, clusters="components")
    pairs = spark.read.parquet(str(out / "matches"))
    assert tuple(pairs.columns) == (*dedupe.spark.MATCH_COLUMNS, "fuzzy")
    got = sorted((dedupe.Match(**r.asDict()) for r in pairs.collect()), key=dedupe.Match.sort_key)
    assert tuple(got) == want.matches
    rows = spark.read.parquet(str(out / "clusters")).collect()
    members: dict[str, set[str]] = {}
    for r in rows:
        members.setdefault(r["cluster"], set()).add(r["id"])
    assert sorted(map(sorted, members.values())) == sorted(sorted(c.members) for c in want.clusters)
    weakest = {r["cluster"]: (r["weakest_a"], r["weakest_b"]) for r in rows}
    for c in want.clusters:  # ranked by Match.score, which counts the fuzzy score
        last = max((m for m in want.matches if m.a in c.members), key=dedupe.Match.sort_key)
        assert weakest[min(c.members)] == (last.a, last.b)


# ------------------------------------------------------------------ skew
def test_skew_corpus_finishes_and_matches(spark):
    """300 exact copies of one article and one footer on 2,000 articles: the copies
    collapse and the footer's keys are capped, with the single-machine result."""
    rng = random.Random(3)
    vocab = _vocabulary(rng)
    story = _article(rng, vocab, 300)
    footer = _article(rng, vocab, 60)
    docs = {f"copy-{i:03d}": story for i in range(300)}
    for i in range(2000):
        docs[f"art-{i:04d}"] = _article(rng, vocab, rng.randint(40, 120)) + "\n\n" + footer
    want = dedupe.find_duplicates(docs)
    df = ordered_frame(spark, docs, partitions=4, seed=1)
    got = dedupe.spark.find_duplicates(df, order_col="pos")  # its time: benchmarks --spark
    assert_same(got, want)
    assert sum(m.kind == "exact" for m in got.matches) == 299


# ------------------------------------------------------------------ Reuters
@pytest.mark.slow
def test_reuters_equal_single_machine(spark, reuters):
    docs = {d["id"]: d["text"] for d in reuters}
    want = dedupe.find_duplicates(docs)
    for partitions in (1, 3, 8):
        df = ordered_frame(spark, docs, partitions=partitions, seed=partitions)
        got = dedupe.spark.find_duplicates(df, order_col="pos")
        assert got.matches == want.matches, f"{partitions} partitions"
        assert got.clusters == want.clusters, f"{partitions} partitions"
        assert (got.documents, got.skipped) == (want.documents, want.skipped)
    by_id = dedupe.find_duplicates(dict(sorted(docs.items())))
    df = spark.createDataFrame(list(docs.items()), "id string, text string")
    got = dedupe.spark.find_duplicates(df)
    assert (got.matches, got.clusters) == (by_id.matches, by_id.clusters)


# ------------------------------------------------------------------ Spark Connect
_CONNECT_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from conftest import seed_texts
from pyspark.sql import SparkSession
import dedupe, dedupe.spark

spark = (SparkSession.builder.remote("local[2]").config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "4").getOrCreate())
assert "connect" in type(spark).__module__, type(spark)
docs = seed_texts()
df = spark.createDataFrame(list(docs.items()), "id string, text string")
got, want = dedupe.spark.find_duplicates(df), dedupe.find_duplicates(docs)
assert (got.matches, got.clusters) == (want.matches, want.clusters), got
pairs = dedupe.spark.match_pairs(df)
rows = dedupe.spark.components(pairs).collect()
assert sorted((r["id"], r["cluster"], r["weakest_b"]) for r in rows) == [
    ("000", "000", "001"), ("001", "000", "001")]
spark.stop()
print("connect ok")
"""


@pytest.mark.slow
def test_spark_connect(tmp_path):
    """The engine on Spark Connect (no df.rdd there): a local Connect server, in a fresh
    process. Needs pyspark's connect dependencies (``pip install 'pyspark[connect]'``)."""
    pytest.importorskip("grpc", reason="pyspark's Spark Connect dependencies are not installed")
    import subprocess
    import sys

    from conftest import REPO

    script = tmp_path / "connect.py"
    script.write_text(_CONNECT_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(REPO / "tests")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0 and "connect ok" in done.stdout, done.stderr[-3000:]


def test_spark_applies_the_fuzzy_key_cap_as_one_machine(spark):
    """A paragraph shared by 110 articles (its fuzzy keys over the cap of 100) and an alert of
    its first words (few keys: paired with every holder): equal to find_duplicates."""
    from test_fuzzy import _shared_paragraph_collection

    docs, alert = _shared_paragraph_collection(110)
    docs["alert"] = alert
    t = {"jaccard": 0.1, "containment": 0.1, "fuzzy": True}
    want = dedupe.find_duplicates(docs, **t)
    assert sum("alert" in (m.a, m.b) for m in want.matches) == 110
    got = dedupe.spark.find_duplicates(
        ordered_frame(spark, docs, partitions=3, seed=4), order_col="pos", **t
    )
    assert [m.to_dict() for m in got.matches] == [m.to_dict() for m in want.matches]


def test_components_names_what_is_wrong_with_its_input(spark, seeds):
    pairs = dedupe.spark.match_pairs(ordered_frame(spark, seeds, partitions=2, seed=1))
    with pytest.raises(InvalidParameterError, match="lack the columns 'jaccard'"):
        dedupe.spark.components(pairs.drop("jaccard"))
    with pytest.raises(InvalidParameterError, match="lack the columns 'left'"):
        dedupe.spark.components(pairs, a_col="left")
    with pytest.raises(InvalidParameterError, match="takes a pyspark DataFrame of matches"):
        dedupe.spark.components(pairs.collect())


def test_spark_sketch_tasks_do_not_load_the_kernel(monkeypatch, seeds):
    """The sketch tasks leave the compiled kernel unloaded (it saves about 1 s of a 15 s run
    at 100,000 news and holds 0.24 GB in the reused Python workers); Index batches count
    towards loading it."""
    import pyarrow as pa

    import dedupe.kernel
    from dedupe.lsh import sketch_for_store
    from dedupe.params import IndexParams

    counted: list[int] = []
    monkeypatch.setattr(dedupe.kernel, "expect", lambda chars: counted.append(chars) or False)
    texts = list(seeds.values()) * 3  # more than a query's few rows
    batch = pa.RecordBatch.from_pydict({"id": [str(i) for i in range(len(texts))], "text": texts})
    rows = list(dedupe.spark._sketch_batches(iter([batch]), IndexParams()))
    assert sum(r.num_rows for r in rows) == len(texts) and counted == []
    sketch_for_store(texts, IndexParams())
    assert counted == [sum(map(len, texts))]
