"""The benchmark runs end to end (tiny mode) and its parts measure what they claim.

Needs only the ``test`` extra (scipy, tqdm): rensa, matplotlib and psutil parts are skipped
by the benchmark itself when missing.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks/ is a top-level folder, not an installed package

pytest.importorskip("scipy")

from benchmarks import main as bench  # noqa: E402
from benchmarks.baselines import available  # noqa: E402
from benchmarks.difflib_align import align_difflib  # noqa: E402
from benchmarks.exact import exact_pairs  # noqa: E402
from benchmarks.generate import EDIT_KINDS, SENTENCE_KINDS, generate  # noqa: E402
from benchmarks.loaders import CorpusError, load_jsonl, write_jsonl  # noqa: E402
from benchmarks.quality import (  # noqa: E402
    alignment_scores,
    detection_scores,
    passage_scores,
)
from benchmarks.report import README_END, README_START, ReadmeError, update_readme  # noqa: E402


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, str]:
    out = tmp_path_factory.mktemp("bench")
    code = bench.main(["--tiny", "--out", str(out), "--no-progress"])
    results = json.loads((out / "results.json").read_text())
    return code, results, (out / "report.md").read_text()


def test_tiny_run_writes_results_and_tables(tiny_run: tuple[int, dict, str]) -> None:
    code, results, text = tiny_run
    assert code == 0
    assert results["mode"] == "tiny"
    for heading in ("Detection quality", "Recall against exhaustive exact", "Speed and memory",
                    "Paragraph alignment", "The seed articles", "Shared passages"):  # fmt: skip
        assert heading in text
    assert [r["min_passage_words"] for r in results["passages"]] == list(bench.PASSAGE_WORDS)
    assert "| exact all pairs (scipy sparse) |" in text
    speed = results["speed"]
    assert speed["exact"]["docs_per_s"] > 0 and speed["exact"]["peak_rss_mb"] > 0
    assert speed["datasketch_bulk"]["pairs"] >= 0
    # Plumbing only: the exact tool and the exact reference share benchmarks.exact (its
    # correctness is test_exact_pairs_match_a_direct_computation's job).
    assert results["quality"]["recall_vs_exact"]["exact"]["recall"] == 1.0


def test_tiny_run_measures_dedupe(tiny_run: tuple[int, dict, str]) -> None:
    _, results, _ = tiny_run
    assert "dedupe" not in results["unavailable"]
    assert results["speed"]["dedupe"]["docs_per_s"] > 0
    assert results["speed"]["exact"]["time_vs_dedupe"] > 0
    rv = results["quality"]["recall_vs_exact"]["dedupe"]
    assert 0.0 <= rv["recall"] <= 1.0
    assert results["quality"]["sweep"], "the threshold sweep ran"


def test_optional_tools_are_skipped_cleanly(tiny_run: tuple[int, dict, str]) -> None:
    _, results, _ = tiny_run
    if available("rensa") is not None:
        assert "rensa" in results["unavailable"]
        assert "error" in results["speed"]["rensa"]
    else:
        assert results["speed"]["rensa"]["docs_per_s"] > 0
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        assert results["plots"] == []
    else:
        assert "speed.png" in results["plots"]


def test_generator_is_reproducible_and_covers_every_kind() -> None:
    a, b = generate(len(EDIT_KINDS), seed=7), generate(len(EDIT_KINDS), seed=7)
    assert a.docs == b.docs and a.pairs == b.pairs
    assert generate(len(EDIT_KINDS), seed=8).docs != a.docs
    kinds = {p.kinds[0] for p in a.pairs if p.positive}
    assert {"excerpt", "embedded", "split_paragraphs", "merge_paragraphs"} <= kinds
    assert any(not p.positive and p.kinds[0] == "shared_quotes" for p in a.pairs)


def test_generated_truth_matches_the_texts() -> None:
    """Every truth paragraph pair points at paragraphs that share words (so it is real)."""
    from dedupe.text import paragraphs, words

    c = generate(30, seed=1)
    checked = 0
    with_map = [p for p in c.pairs if p.positive and p.para_map]
    by_paragraph = [p for p in c.pairs if p.positive and "~" in p.b]
    by_paragraph = [p for p in by_paragraph if p.kinds[0] not in SENTENCE_KINDS]
    assert len(with_map) >= 0.9 * len(by_paragraph)
    for p in c.pairs:
        if not p.para_map:
            continue
        pa, pb = paragraphs(c.docs[p.a]), paragraphs(c.docs[p.b])
        for (i, j), label in zip(p.para_map, p.labels):
            wa, wb = set(words(pa[i].text)), set(words(pb[j].text))
            assert wa & wb, (p.a, p.b, i, j)
            if label == "equal":
                assert words(pa[i].text) == words(pb[j].text)
            checked += 1
    assert checked > 100


def test_regrouped_sentences_truth_and_passage_scores() -> None:
    """The regrouped re-publications record true word-for-word copies, leave every other
    document as it was, and dedupe.align's passages find the copied sentences."""
    import dedupe
    from dedupe.text import words

    c = generate(40, seed=2)
    assert c.docs.items() >= generate(40, seed=2, regrouped_share=0.0).docs.items()
    pairs = [p for p in c.pairs if p.copies]
    assert pairs and all(p.kinds[0] == "regrouped_sentences" and not p.para_map for p in pairs)
    for p in pairs:
        wa, wb = words(c.docs[p.a]), words(c.docs[p.b])
        for a0, b0, n in p.copies:
            assert wa[a0 : a0 + n] == wb[b0 : b0 + n]
        assert sorted(b0 for _, b0, _ in p.copies) != [b0 for _, b0, _ in sorted(p.copies)]
    s = passage_scores(dedupe.align, c, pairs)
    assert s["sentences"] > 50 and s["recall"] >= 0.98 and s["precision"] >= 0.95, s
    # An aligner that finds no passage scores no recall: the score can fail.
    nothing = passage_scores(lambda a, b: dedupe.align(a, "x"), c, pairs)
    assert nothing["recall"] == 0.0 and nothing["precision"] is None


def test_exact_pairs_match_a_direct_computation() -> None:
    from dedupe.text import shingles

    c = generate(10, seed=2)
    docs = dict(list(c.docs.items())[:15])
    got = {(p.a, p.b): p for p in exact_pairs(docs, floor=0.0)}
    ids = sorted(docs)
    sets = {i: set(shingles(docs[i])) for i in ids}
    for x, i in enumerate(ids):
        for j in ids[x + 1 :]:
            shared = len(sets[i] & sets[j])
            if not shared:
                assert (i, j) not in got
                continue
            p = got[(i, j)]
            assert p.shared == shared
            assert p.jaccard == pytest.approx(shared / len(sets[i] | sets[j]))
            assert p.containment_ab == pytest.approx(shared / len(sets[i]))


def test_detection_scores_count_supported_extras_apart() -> None:
    c = generate(4, seed=3)
    truth = c.truth
    positives = [k for k, p in truth.items() if p.positive]
    stray = ("zz-a", "zz-b")
    s = detection_scores({*positives[:1], stray}, truth, supported={stray})
    assert s["all"]["tp"] == 1 and s["all"]["fp"] == 0 and s["all"]["extra_supported"] == 1
    s = detection_scores({stray}, truth, supported=set())
    assert s["all"]["fp"] == 1 and s["all"]["precision"] == 0.0


def test_difflib_baseline_is_scored_against_truth() -> None:
    c = generate(14, seed=4)
    pairs = [p for p in c.pairs if p.positive and p.para_map]
    r = alignment_scores(align_difflib, c, pairs)
    assert 0.5 < r["precision"] <= 1.0 and 0.5 < r["recall"] <= 1.0
    # An aligner that pairs nothing gets zero recall: the score can fail.
    assert alignment_scores(lambda a, b: [], c, pairs)["recall"] == 0.0


def test_loader_errors(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    write_jsonl(path, {"1": "x"})
    assert load_jsonl(path) == {"1": "x"}
    path.write_text('{"id": 1, "text": "a"}\n{"id": "1", "text": "b"}\n')
    # the benchmark reads corpora with the library's reader, and says where a line is wrong
    with pytest.raises(CorpusError, match="c.jsonl:2: duplicate id '1'"):
        load_jsonl(path)
    path.write_text('{"id": 1}\n')
    with pytest.raises(CorpusError, match="c.jsonl:1: no 'text' field"):
        load_jsonl(path)
    with pytest.raises(CorpusError, match="no such file"):
        load_jsonl(tmp_path / "missing.jsonl")
    path.write_text('{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n')
    assert load_jsonl(path, limit=1) == {"1": "a"}


def test_readme_block(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\nno markers\n")
    with pytest.raises(ReadmeError, match="bench:start"):
        update_readme(readme, "table")
    readme.write_text(f"# x\n{README_START}\nold\n{README_END}\ntail\n")
    update_readme(readme, "| new |")
    assert readme.read_text() == f"# x\n{README_START}\n| new |\n{README_END}\ntail\n"


def test_update_readme_fails_clearly_without_markers(tmp_path: Path, capsys) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# nothing here\n")
    code = bench.main(["--update-readme", "--readme", str(readme), "--out", str(tmp_path)])
    assert code == 2
    assert "no benchmark block" in capsys.readouterr().err
    assert readme.read_text() == "# nothing here\n"


def test_update_readme_writes_the_block_from_the_run(tmp_path: Path, monkeypatch) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{README_START}\nold table\n{README_END}\nend\n")
    args = ["--update-readme", "--readme", str(readme), "--out", str(tmp_path / "o"),
            "--no-progress", "--no-speed", "--seed", "3"]  # fmt: skip
    # Full size is too slow for a unit test: run the default pipeline on a tiny corpus.
    monkeypatch.setitem(bench.BASES, "default", bench.BASES["tiny"])
    assert bench.main(args) == 0
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith(f"{README_END}\nend\n")
    assert "old table" not in text
    assert "Detection quality by edit kind" in text and "cores" in text
    assert "python -m benchmarks --update-readme" in text
    report_md = (tmp_path / "o" / "report.md").read_text()
    # Every table in the README block is in the run's own report.
    assert text.split("Detection quality", 1)[1].split("###", 1)[0] in report_md


def test_corpus_mode_scores_recall_against_exact(tmp_path: Path) -> None:
    c = generate(6, seed=5)
    path = tmp_path / "c.jsonl.gz"
    write_jsonl(path, c.docs)
    out = tmp_path / "out"
    assert (
        bench.main(["--corpus", str(path), "--no-speed", "--no-progress", "--out", str(out)]) == 0
    )
    results = json.loads((out / "results.json").read_text())
    q = results["quality"]
    assert "detection" not in q  # no generated truth for an outside corpus
    assert q["recall_vs_exact"]["exact"]["recall"] == 1.0  # plumbing, as above
    assert results["corpus"]["docs"] == len(c.docs)


def test_bad_corpus_is_a_clear_error(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert bench.main(["--corpus", str(bad), "--out", str(tmp_path), "--no-progress"]) == 2
    assert "not valid JSON" in capsys.readouterr().err
