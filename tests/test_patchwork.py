"""The patchwork benchmark: its articles carry the right truth, and its scores count what
they claim."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks/ is a top-level folder, not an installed package

pytest.importorskip("scipy")

from benchmarks import main as bench  # noqa: E402
from benchmarks import patchwork as pw  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from dedupe.provenance import Provenance, Source, SourcePassage, Span  # noqa: E402

SOURCES = {
    "a": ["Alpha one two three four five six seven eight nine ten eleven twelve thirteen."] * 3,
    "b": ["Bravo " + " ".join(f"b{i}" for i in range(40)) + "."],
    "c": ["Charlie x.", "Charlie y."],
}


def test_patchworks_record_where_each_paragraph_came_from():
    originals = ["Our own paragraph, written here."]
    for p in pw.make_patchworks(SOURCES, originals, 20, seed=3):
        assert p.text.count("\n\n") == len(p.parts) - 1
        sources = [s for _, _, s in p.parts]
        assert None in sources and 2 <= len({s for s in sources if s}) <= 3
        for start, end, source in p.parts:
            piece = p.text[start:end]
            if source is None:
                assert piece in originals
            elif source in "ab":  # long enough to be edited: the same length in words
                assert len(piece.split()) == len(SOURCES[source][0].split())
            else:
                assert piece in SOURCES[source]
    again = pw.make_patchworks(SOURCES, originals, 20, seed=3)
    assert again == pw.make_patchworks(SOURCES, originals, 20, seed=3)


def test_edits_change_one_to_three_words_in_place():
    import random

    text = " ".join(f"w{i}" for i in range(90))
    edited = pw._edit(text, random.Random(1))
    before, after = text.split(), edited.split()
    assert len(before) == len(after)
    changed = [i for i, (x, y) in enumerate(zip(before, after)) if x != y]
    assert 3 <= len(changed) <= 9 and min(changed) >= 3 and max(changed) < 87


def test_score_counts_word_characters_by_outcome():
    text = "aaaa bbbb\n\ncccc dddd\n\neeee"
    parts = ((0, 9, "x"), (11, 20, "y"), (22, 26, None))
    prov = Provenance(
        text,
        (Span(0, 11, "w", alternatives=("x",)), Span(11, 16, "y"), Span(16, 26, None)),
        (
            Source("w", 11 / 26, 11 / 26, (SourcePassage(0, 9, 2, 2),)),
            Source("x", 0.0, 11 / 26, (SourcePassage(0, 4, 1, 1),)),
            Source("y", 5 / 26, 5 / 26, (SourcePassage(11, 15, 1, 1),)),
        ),
    )
    added = {"w": 0, "x": 1, "y": 2}
    got = pw.score(prov, pw.Patchwork(text, parts), added)
    # x's paragraph: credited to the earlier w; x holds "aaaa" only, so "bbbb" is "other"
    assert got == {"source": 16, "strict": 4, "earlier": 4, "missed": 4, "other": 4,
                   "original": 4, "original_none": 4}  # fmt: skip


def test_generated_run_meets_the_target_and_renders():
    corpus = generate(12, seed=2, regrouped_share=0.0)
    result = pw.run_generated(corpus, n=8, seed=2, settings=((12, 3), (8, 0)))
    first, second = result["rows"]
    assert first["default"] and not second["default"]
    assert first["all"] >= 0.9 and first["source"] > 0 and first["original"] > 0
    assert 0 < first["median_ms"] <= first["p90_ms"]
    section = bench._markdown({"provenance": result})["provenance"]
    assert section.startswith("### Provenance of patchwork articles")
    assert "| 12 (default) | 3 (default) | 8 |" in section and "| 8 | 0 | 8 |" in section


@pytest.mark.slow
def test_reuters_patchworks_meet_the_target(reuters, monkeypatch):
    """Right sources for 95% of the text, and each query's work bounded (counted, not
    timed): the postings it reads, the indexed documents it fetches and their shingles.
    Measured: medians of 43 postings, 11 documents and 1,454 shingles (0.8 ms); a query
    fetching every document sharing a word, or the whole index, would read thousands."""
    import statistics

    from dedupe.store.memory import MemoryStore

    work: list[dict[str, int]] = []
    lookup, fetch = MemoryStore.lookup, MemoryStore.fetch

    def counted_lookup(self, keys, max_df):
        hits = lookup(self, keys, max_df)
        work.append({"keys": len(keys), "postings": len(hits.rows)})
        return hits

    def counted_fetch(self, rows):
        docs = fetch(self, rows)
        work[-1].update(documents=len(docs.ids), shingles=len(docs.set_values))
        return docs

    monkeypatch.setattr(MemoryStore, "lookup", counted_lookup)
    monkeypatch.setattr(MemoryStore, "fetch", counted_fetch)
    docs = {d["id"]: d["text"] for d in reuters}
    result = pw.run_corpus(docs, n=100, seed=1, settings=((12, 3),))
    (row,) = result["rows"]
    assert row["all"] >= 0.95
    queries = work[-row["queries"] :]  # after the warm-up query
    assert len(queries) == row["queries"] == 100

    def median(key: str) -> float:
        return statistics.median(q[key] for q in queries)

    assert median("postings") <= 4 * median("keys")  # capped keys: a few rows each
    assert median("documents") <= 50 and max(q["documents"] for q in queries) <= 1000
    assert median("shingles") <= 15_000
