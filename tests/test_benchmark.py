"""The benchmark runs end to end (tiny mode) and its parts measure what they claim.

Needs only the ``test`` extra (scipy, tqdm): rensa, matplotlib and psutil parts are skipped
by the benchmark itself when missing.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import shutil
import subprocess
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
                    "Paragraph alignment", "The seed articles", "Shared passages",
                    "Clusters on news with roundups"):  # fmt: skip
        assert heading in text
    assert [r["min_passage_words"] for r in results["passages"]] == list(bench.PASSAGE_WORDS)
    assert "| exact all pairs (scipy sparse) |" in text
    speed = results["speed"]
    assert speed["exact"]["docs_per_s"] > 0 and speed["exact"]["peak_rss_mb"] > 0
    assert speed["datasketch_bulk"]["pairs"] >= 0
    # Plumbing only: the exact tool and the exact reference share benchmarks.exact (its
    # correctness is test_exact_pairs_match_a_direct_computation's job).
    assert results["quality"]["recall_vs_exact"]["exact"]["recall"] == 1.0


#: Results of a run that must not depend on the machine or on what sits beside the repo:
#: every section but speed, with timings (keys ending in _s or _ms, ms_per_pair) left out.
SAME_SECTIONS = ("corpus", "quality", "clusters", "alignment", "passages", "provenance")
_TIMING = re.compile(r"(_s|_ms|ms_per_pair)$")


def _tables(results: dict) -> dict:
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if not _TIMING.search(k)}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    return {k: strip(results.get(k)) for k in SAME_SECTIONS}


def _repo_files() -> list[str]:
    """The repository's files as a clone would have them (tracked, working-tree content)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: cannot tell which files a clone would have")
    return [f for f in out.stdout.decode().split("\0") if f and (REPO / f).is_file()]


def test_a_copy_without_shared_data_gives_the_same_tables(
    tiny_run: tuple[int, dict, str], tmp_path: Path
) -> None:
    """A fresh clone has no ../shared beside it (no Reuters): the benchmark, run from a copy
    of the repository's files, prints the tables a run from the repository itself prints."""
    copy = tmp_path / "clone"
    for f in _repo_files():
        (copy / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / f, copy / f)
    assert not (copy.parent / "shared").exists()
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "import sys, dedupe, benchmarks; print(dedupe.__file__); print(benchmarks.__file__)"
    where = subprocess.run([sys.executable, "-c", code], cwd=copy, env=env, capture_output=True,
                           text=True, check=True).stdout.split()  # fmt: skip
    assert all(Path(w).is_relative_to(copy) for w in where), where  # the copy's own code
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--tiny", "--no-speed", "--out", str(out)],
        cwd=copy, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    fresh = json.loads((out / "results.json").read_text())
    _, results, text = tiny_run
    assert _tables(fresh) == _tables(results)
    fresh_text = (out / "report.md").read_text()
    for report in (text, fresh_text):  # the report names the data of the generated news
        assert f"generator trained on {news.EMBEDDED_SOURCE}" in report
    table = [line for line in text.splitlines() if line.startswith(("| components", "| hubs"))]
    assert len(table) == 2 and all(line in fresh_text for line in table)
    # off a terminal: a line per stage, and the last line names every file written
    assert "] clusters: roundups and shared quotes (" in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("wrote: ")
    for name in ("results.json", "report.md", "exact_pairs.jsonl", "truth.json"):
        assert str(out / name) in last


def test_stages_off_a_terminal_print_a_line_per_stage_and_while_one_runs_long(monkeypatch):
    import time

    monkeypatch.setattr(bench, "HEARTBEAT_S", 0.2)
    import threading

    buf = io.StringIO()
    threads = threading.active_count()
    stages = bench.Stages(3, bar=False, lines=True, stream=buf)
    assert threading.active_count() == threads  # no thread: dedupe's pools still fork
    stages.describe("one")
    stages.update()
    stages.describe("one")  # the same stage again: no new line
    time.sleep(0.7)
    stages.describe("two")
    stages.update(2)
    stages.close()
    lines = buf.getvalue().splitlines()
    assert lines[0].endswith("] one (0/3 steps)") and lines[-1].endswith("] done (3/3 steps)")
    assert sum(line.endswith("] one (1/3 steps)") for line in lines) == 0
    assert any("] still: one (1/3 steps)" in line for line in lines)
    assert any(line.endswith("] two (1/3 steps)") for line in lines)
    quiet = io.StringIO()
    stages = bench.Stages(3, bar=False, lines=False, stream=quiet)
    stages.describe("one")
    stages.close()
    assert quiet.getvalue() == ""


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
    readme.write_text(
        f"intro\n{README_START}\nold table\n{README_END}\nend\n"
        "<!-- bench-ocr:start -->\n<!-- bench-ocr:end -->\n"
    )
    args = ["--update-readme", "--readme", str(readme), "--out", str(tmp_path / "o"),
            "--no-progress", "--no-speed", "--seed", "3"]  # fmt: skip
    # Full size is too slow for a unit test: run the default pipeline on a tiny corpus.
    monkeypatch.setitem(bench.BASES, "default", bench.BASES["tiny"])
    monkeypatch.setitem(bench.clusters.DOCS, "default", bench.clusters.DOCS["tiny"])
    monkeypatch.setitem(bench.ocr_bench.DEV_LIMIT, "default", bench.ocr_bench.DEV_LIMIT["tiny"])
    assert bench.main(args) == 0
    text = readme.read_text()
    assert text.startswith("intro\n") and f"{README_END}\nend\n" in text
    assert "Precision guards of fuzzy mode" in text.split("bench-ocr:start")[1]
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


# --- the scale generator (benchmarks.news) and the scale benchmark (benchmarks.scale) -----

from benchmarks import news, scale  # noqa: E402

NEWS_SIZE = 1500


@pytest.fixture(scope="module")
def news_corpus() -> news.NewsCorpus:
    return news.generate_news(NEWS_SIZE, seed=5)


@pytest.fixture(scope="module")
def news_exact(news_corpus: news.NewsCorpus) -> dict[tuple[str, str], object]:
    """Exact scores of every pair of the generated news corpus sharing a shingle."""
    return {(p.a, p.b): p for p in exact_pairs(news_corpus.docs, floor=0.0)}


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def test_news_generator_is_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = news.generate_news(400, seed=3), news.generate_news(400, seed=3)
    assert a.docs == b.docs and a.outlets == b.outlets
    assert a.truth["pairs"] == b.truth["pairs"] and a.truth["groups"] == b.truth["groups"]
    assert news.generate_news(400, seed=4).docs != a.docs
    assert list(a.docs) == [f"n{i:07d}" for i in range(400)]
    # Chunks depend on (seed, chunk, size) only: a larger corpus starts with a smaller one's
    # whole chunks.
    monkeypatch.setattr(news, "CHUNK_DOCS", 300)
    small, large = news.generate_news(600, seed=3), news.generate_news(900, seed=3)
    assert all(large.docs[k] == v for k, v in small.docs.items())


def test_news_lengths_and_layout(news_corpus: news.NewsCorpus) -> None:
    import numpy as np

    st = news_corpus.truth["stats"]
    assert 440 <= st["words_median"] <= 560, st
    assert 500 <= st["words_mean"] <= 660, st
    injected = {p["b"] for p in news_corpus.truth["pairs"]} | {
        p["a"] for p in news_corpus.truth["pairs"] if p["injected"] in ("excerpt", "alert")
    }
    lengths = np.array([len(t.split()) for k, t in news_corpus.docs.items() if k not in injected])
    logs = np.log(lengths)
    assert 0.4 < logs.std() < 0.7  # log-normal, sigma 0.55 (clipped below)
    assert lengths.min() >= news.BODY_MIN_WORDS
    paragraphs = []
    for k, text in news_corpus.docs.items():
        if k in injected:
            continue
        parts = text.rstrip("\n").split("\n\n")
        assert len(parts) >= 3, text[:200]  # headline, body paragraphs (and a footer)
        assert len(parts[0].split()) <= news.HEADLINE_WORDS[1] and "\n" not in parts[0]
        paragraphs += [len(p.split()) for p in parts[1:]]
    assert 15 <= np.median(paragraphs) <= 80  # paragraphs of 1 to 3 sentences
    assert st["text_mb"] == pytest.approx(
        sum(len(t.encode()) for t in news_corpus.docs.values()) / 1e6
    )


def test_news_truth_pairs_overlap_as_claimed(news_corpus: news.NewsCorpus, news_exact) -> None:
    pairs = news_corpus.truth["pairs"]
    kinds = {p["injected"] for p in pairs}
    assert kinds == {"near_duplicate", "excerpt", "excerpt_embedded", "roundup", "alert"}
    by_kind = {k: sum(p["injected"] == k for p in pairs) for k in kinds}
    assert by_kind["near_duplicate"] == round(news.SHARE_NEAR * NEWS_SIZE)
    for p in pairs:
        e = news_exact[_key(p["a"], p["b"])]
        flip = p["a"] > p["b"]
        got = {
            "jaccard": e.jaccard,
            "containment_ab": e.containment_ba if flip else e.containment_ab,
            "containment_ba": e.containment_ab if flip else e.containment_ba,
        }
        for name, value in got.items():  # the recorded scores are the exact ones...
            assert p[name] == pytest.approx(value, abs=1e-4), (p, got)
        for name, bound in p["claim"].items():  # ...and reach what the pair claims
            assert got[name] >= bound, (p, got)
        assert p["kind"] == ("near_duplicate" if p["injected"] == "near_duplicate" else "partial")
    # The shingle sets behind the truth are dedupe's own.
    from dedupe.text import shingles

    for text in list(news_corpus.docs.values())[:50] + [news_corpus.docs[pairs[0]["b"]]]:
        assert news.shingle_set(text) == {tuple(s.encode().split()) for s in shingles(text)}


def test_news_footers_and_quotes_make_no_pairs(news_corpus: news.NewsCorpus, news_exact) -> None:
    truth = {_key(p["a"], p["b"]) for p in news_corpus.truth["pairs"]}
    alerts = {p["a"] for p in news_corpus.truth["pairs"] if p["injected"] == "alert"}
    above = [p for p in news_exact.values()
             if max(p.jaccard, p.containment_ab, p.containment_ba) >= 0.5]  # fmt: skip
    # Every pair over the thresholds is injected, but for chance overlaps of alerts (under
    # 20 shingles: a few common 5-grams are half of one).
    stray = [p for p in above if (p.a, p.b) not in truth]
    assert all(p.a in alerts or p.b in alerts for p in stray), stray[:3]
    assert len(stray) <= 0.01 * len(news_corpus.docs)
    # Footers are really shared, by many articles of each big outlet, and pair nothing.
    by_outlet: dict[str, list[str]] = {}
    for k, o in news_corpus.outlets.items():
        by_outlet.setdefault(o, []).append(k)
    footers = {o["name"]: o["footer"] for o in news_corpus.truth["outlets"]}
    big = max((o for o in by_outlet if o), key=lambda o: len(by_outlet[o]))
    assert len(by_outlet[big]) >= 0.1 * NEWS_SIZE
    assert all(" ".join(news_corpus.docs[k].split()).endswith(footers[big])  # maybe rewrapped
               for k in by_outlet[big])  # fmt: skip
    assert 20 <= len(footers[big].split()) <= 60
    # Members of a must-not-merge group share a quote or a digest, not half of a text.
    groups = news_corpus.truth["groups"]
    assert {g["kind"] for g in groups} == {"roundup", "shared_quote"}
    for g in groups:
        members = g["members"]
        if g["kind"] == "shared_quote":
            assert 5 <= len(members) <= 20
            assert all(g["quote"] in news_corpus.docs[m] for m in members)
            assert 15 <= len(g["quote"].split()) <= 30
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                e = news_exact.get(_key(a, b))
                assert e is None or max(e.jaccard, e.containment_ab, e.containment_ba) < 0.5


def test_news_uses_the_embedded_generator_unless_told_otherwise(tmp_path: Path) -> None:
    c = news.generate_news(300, seed=1)
    assert c.truth["trained_on"] == news.EMBEDDED_SOURCE
    assert len(c.docs) == 300 and c.truth["pairs"]
    with pytest.raises(FileNotFoundError, match="no corpus to train"):
        news.generate_news(300, seed=1, train_on=tmp_path / "absent.jsonl.gz")


def test_news_trains_on_a_corpus_file_when_asked(tmp_path: Path) -> None:
    """``train_on`` learns from a JSONL corpus (Reuters' fields): its words, its numbers."""
    import random

    rng = random.Random(4)
    names = ["Acme", "Borel", "Cato", "Dunmore", "Elko"]
    rows = []
    for i in range(60):
        sents = [f"{rng.choice(names)} said on Monday its profit rose {rng.randint(2, 90)} pct "
                 f"in the quarter to {rng.randint(100, 999)}.{rng.randint(0, 9)} mln dlrs."
                 for _ in range(4)]  # fmt: skip
        rows.append({"id": str(i), "title": f"{rng.choice(names)} says its quarterly profit rose",
                     "text": " ".join(sents)})  # fmt: skip
    path = tmp_path / "wire.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    c = news.generate_news(250, seed=2, train_on=path)
    assert c.truth["trained_on"] == "wire.jsonl (60 texts)"
    words = {w for t in c.docs.values() for w in t.split()}
    assert {"pct", "mln", "dlrs.", "Acme"} <= words
    assert c.docs == news.generate_news(250, seed=2, train_on=path).docs


def test_news_corpus_is_cached(tmp_path: Path) -> None:
    path, truth, cached = news.news_corpus(300, 2, cache_dir=tmp_path, workers=1)
    assert not cached and path == tmp_path / "news-300-2.jsonl"
    assert news.truth_path_for(path).is_file()
    assert load_jsonl(path) == news.generate_news(300, seed=2).docs
    again = news.news_corpus(300, 2, cache_dir=tmp_path)
    assert again[2] and again[1]["pairs"] == truth["pairs"]
    stale = dict(truth, version=-1)
    news.truth_path_for(path).write_text(json.dumps(stale))
    assert not news.news_corpus(300, 2, cache_dir=tmp_path)[2]  # another version: made again


def test_news_in_worker_processes_matches_one_process(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(news, "CHUNK_DOCS", 250)
    truth = news.write_news(tmp_path / "c.jsonl", 700, seed=6, workers=2)
    c = news.generate_news(700, seed=6)
    assert load_jsonl(tmp_path / "c.jsonl") == c.docs
    assert truth["pairs"] == c.truth["pairs"]


def test_scale_score_counts_recall_strays_and_joined_groups() -> None:
    def pair(a: str, b: str, kind: str, j: float, c: float) -> dict:
        return {"a": a, "b": b, "injected": kind, "jaccard": j, "containment_ab": c,
                "containment_ba": j}  # fmt: skip

    truth = {
        "pairs": [pair("a", "b", "near_duplicate", 0.9, 0.9), pair("c", "d", "excerpt", 0.1, 0.8),
                  pair("m1", "r", "roundup", 0.1, 0.9), pair("m2", "r", "roundup", 0.1, 0.9),
                  pair("e", "f", "excerpt_embedded", 0.1, 0.2)],
        "groups": [{"kind": "roundup", "members": ["m1", "m2"]},
                   {"kind": "shared_quote", "members": ["q1", "q2", "q3"]}],
    }  # fmt: skip
    found = {("a", "b"), ("m1", "r"), ("m2", "r"), ("q1", "q2"), ("x", "y")}
    s = scale.score(found, truth, 0.5, 0.5)
    assert s["recall"]["near_duplicate"]["recall"] == 1.0
    assert s["recall"]["excerpt"] == {"reach": 1, "found": 0, "recall": 0.0}
    assert "excerpt_embedded" not in s["recall"]  # below the thresholds: not counted
    assert s["recall"]["all"]["recall"] == 0.75
    assert s["outside_truth"] == 2 and s["inside_groups"] == 1
    assert s["groups_joined"] == {"roundup": 1, "shared_quote": 1}
    assert scale.truth_counts(truth, 0.5, 0.5)["excerpt_embedded"] == {"pairs": 1, "reach": 0}


def test_scale_skips_what_a_smaller_run_says_will_not_fit() -> None:
    last = {"size": 100_000, "seconds": 600.0, "tree_rss_peak_mb": 6000.0}
    assert scale._skip_reason("dedupe", 300_000, last, 20 * 1024, 3600) is None
    why = scale._skip_reason("dedupe", 1_000_000, last, 20 * 1024, 3600)
    assert why and "59 GB" in why and "20 GB guard" in why
    assert "min guard" in scale._skip_reason("dedupe", 1_000_000, last, 80 * 1024, 3600)
    assert "stopped" in scale._skip_reason("x", 200, {"size": 100, "error": "stopped: x"}, 1, 1)
    assert "up to" in scale._skip_reason("exact", scale.EXACT_MAX_DOCS + 1, None, 1e9, 1e9)


def test_watched_run_measures_forked_workers_and_stops_at_the_guards() -> None:
    code = (
        "import os, time\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    x = bytearray(200 * 2**20); x[::4096] = b'x' * len(x[::4096]); time.sleep(1.5)\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
    )
    r = scale.run_watched([sys.executable, "-c", code], timeout_s=30, max_rss_mb=4000)
    assert r["returncode"] == 0 and r["stopped"] is None
    assert r["workers"] == 1 and r["worker_peak_mb"] >= 190 and r["workers_sum_peak_mb"] >= 190
    assert r["tree_rss_peak_mb"] >= 190
    hog = (
        "x = bytearray(400 * 2**20); x[::4096] = b'x' * len(x[::4096]); import time; time.sleep(30)"
    )
    r = scale.run_watched([sys.executable, "-c", hog], timeout_s=30, max_rss_mb=200)
    assert r["stopped"].startswith(("stopped: PSS above", "stopped: RSS above"))
    assert r["wall_s"] < 20
    r = scale.run_watched([sys.executable, "-c", "import time; time.sleep(30)"], timeout_s=0.5,
                          max_rss_mb=4000)  # fmt: skip
    assert r["stopped"].startswith("stopped: still running") and r["wall_s"] < 20


def test_scale_run_end_to_end(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- bench-scale:start -->\nold\n<!-- bench-scale:end -->\n")
    out = tmp_path / "out"
    args = ["--scaling", "400", "--scale-tools", "load,dedupe,dedupe_file,datasketch_bulk", "--out",
            str(out), "--no-progress", "--update-readme", "--readme", str(readme)]  # fmt: skip
    assert bench.main(args) == 0
    results = json.loads((out / "results.json").read_text())
    (row,) = results["scale"]
    assert row["docs"] == 400 and (out / "cache" / "news-400-0.jsonl").is_file()
    tools = row["tools"]
    assert tools["load"]["main_hwm_mb"] > 0
    d = tools["dedupe"]
    assert d["seconds"] > 0 and d["tree_rss_peak_mb"] >= d["main_hwm_mb"] > 0
    assert d["scores"]["recall"]["near_duplicate"]["recall"] == 1.0
    assert d["scores"]["recall"]["roundup"]["recall"] == 1.0
    # realistic news: nothing overlaps but what was injected
    assert d["scores"]["outside_truth"] == 0 and d["scores"]["inside_groups"] == 0
    assert tools["datasketch_bulk"]["scores"]["recall"]["near_duplicate"]["recall"] >= 0.8
    # dedupe reading the file itself (its workers parse the lines): the same documents,
    # text and pairs, the reading timed in the indexing stage
    f = tools["dedupe_file"]
    assert (f["docs"], f["text_mb"], f["pairs"]) == (d["docs"], d["text_mb"], d["pairs"])
    assert f["scores"] == d["scores"] and f["stages"]["indexing"] > 0
    text = (out / "report.md").read_text()
    assert "At scale: generated news" in text and "| 400 | dedupe.find_duplicates |" in text
    block = readme.read_text()
    assert "\nold\n" not in block and "At scale: generated news" in block
    assert "python -m benchmarks --scaling 400" in block


def test_scale_options_are_checked(tmp_path: Path, capsys) -> None:
    assert bench.main(["--scaling", "400", "--tiny", "--out", str(tmp_path)]) == 2
    readme = tmp_path / "README.md"
    readme.write_text("<!-- bench:start -->\n<!-- bench:end -->\n")
    args = ["--scaling", "400", "--update-readme", "--readme", str(readme), "--out", str(tmp_path)]
    assert bench.main(args) == 2
    assert "bench-scale:start" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["--scaling", "abc"])
    assert bench.main(["--scaling", "400", "--scale-tools", "nope", "--out", str(tmp_path)]) == 2


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_bar_counts_its_real_steps_without_eta(tmp_path, monkeypatch, terminal):
    """The bar's total is the number of steps the run makes, it shows no ETA (steps differ
    in length by orders of magnitude), and it is shown only when stderr is a terminal."""
    bars = []

    class Recorder:
        def __init__(self, total, **options):
            self.total, self.options, self.done = total, options, 0
            bars.append(self)

        def update(self, n=1):
            self.done += n

        def describe(self, text):
            pass

        def close(self):
            pass

    class Stderr(io.StringIO):
        def isatty(self):
            return terminal

    c = generate(6, seed=5)
    path = tmp_path / "c.jsonl.gz"
    write_jsonl(path, c.docs)
    monkeypatch.setattr(bench, "Progress", Recorder)
    monkeypatch.setattr(sys, "stderr", Stderr())
    assert bench.main(["--corpus", str(path), "--no-speed", "--out", str(tmp_path / "o")]) == 0
    (bar,) = bars
    assert bar.options["enabled"] is terminal and bar.options["eta"] is False
    assert bar.done == bar.total > 0


# --- hubs: quote posts in the generator, and the cluster purity benchmark ------------------


@pytest.fixture(scope="module")
def posts_corpus() -> news.NewsCorpus:
    return news.generate_news(NEWS_SIZE, seed=5, quote_posts=True)


def test_news_quote_posts_truth(posts_corpus: news.NewsCorpus) -> None:
    from benchmarks.exact import exact_pairs

    docs = posts_corpus.docs
    groups = [g for g in posts_corpus.truth["groups"] if g["kind"] == "shared_quote"]
    assert groups and all("post" in g for g in groups)
    pairs = [p for p in posts_corpus.truth["pairs"] if p["injected"] == "quote"]
    assert {(p["a"], p["b"]) for p in pairs} == {
        (g["post"], m) for g in groups for m in g["members"]
    }
    exact = {(p.a, p.b): p for p in exact_pairs(docs, floor=0.0)}
    for p in pairs:
        assert docs[p["a"]].strip() == next(g["quote"] for g in groups if g["post"] == p["a"])
        e = exact.get(_key(p["a"], p["b"]))
        got = e.containment_ab if p["a"] <= p["b"] else e.containment_ba
        assert got >= news.QUOTE_MIN_CONTAINMENT and got == pytest.approx(p["containment_ab"])
    # without posts the corpus is the one the scale benchmark has always used
    assert all("post" not in g for g in news.generate_news(400, seed=3).truth["groups"])


def test_hubs_rule_merges_no_separate_stories() -> None:
    from benchmarks.clusters import run

    result = run(NEWS_SIZE, seed=5)
    rows = {r["rule"]: r for r in result["rows"]}
    old, new = rows["components"], rows["hubs"]
    assert result["roundups"] >= 1 and result["quotes"] >= 1
    # the old rule chains roundups' and quotes' stories; the new one merges none
    assert old["merges"] > 0 and old["groups_joined"] > 0 and old["merged_by_hubs"] > 0
    assert new["merges"] == 0 and new["groups_joined"] == 0 and new["merged_by_hubs"] == 0
    assert new["purity"] == 1.0 > old["purity"]
    # every roundup page and quote post is a hub, listed with every group it draws from
    assert new["true_hubs_listed"] == new["true_hubs"] == result["roundups"] + result["quotes"]
    assert new["story_pairs_together"] >= 0.99 * new["story_pairs"]
    assert old["story_pairs_together"] == old["story_pairs"]


# --- OCR noise and the section "OCR and re-worded copies" (issue 21) -----------------------


def test_ocr_noise_is_deterministic_per_seed() -> None:
    from benchmarks.generate import load_seeds
    from benchmarks.ocr_noise import noisy_copy, ocr_noise

    text = load_seeds()["seed-000"]
    assert ocr_noise(text, 0.08, seed=4) == ocr_noise(text, 0.08, seed=4)
    assert ocr_noise(text, 0.08, seed=4) != ocr_noise(text, 0.08, seed=5)
    assert ocr_noise(text, 0.08, seed=4, profile="de-fraktur") != ocr_noise(text, 0.08, seed=4)
    assert noisy_copy(text, 0.05, seed=2) == noisy_copy(text, 0.05, seed=2)
    assert ocr_noise(text, 0.0, seed=1) == text
    with pytest.raises(ValueError, match="unknown profile"):
        ocr_noise(text, 0.1, profile="nope")


@pytest.mark.parametrize("rate", [0.02, 0.05, 0.1, 0.2])
def test_ocr_noise_reaches_the_asked_error_rate(rate: float) -> None:
    """On a seed article, the mean CER of five seeds is within 25% of the rate asked, and
    noisy_copy's single copy within its tolerance (15%)."""
    from benchmarks.generate import load_seeds
    from benchmarks.ocr_noise import char_error_rate, noisy_copy, ocr_noise

    text = load_seeds()["seed-000"]
    mean = sum(char_error_rate(ocr_noise(text, rate, seed=s), text) for s in range(5)) / 5
    assert mean == pytest.approx(rate, rel=0.25)
    _, got = noisy_copy(text, rate, seed=1)
    assert got == pytest.approx(rate, rel=0.15)


def test_ocr_noise_makes_every_kind_of_error() -> None:
    """Substitutions, insertions and deletions, line-end hyphen splits, merged words and
    the measured confusions all occur at 10% on the seed articles."""
    from rapidfuzz.distance import Levenshtein

    from benchmarks.generate import load_seeds
    from benchmarks.ocr_noise import load_model, ocr_noise

    seeds = load_seeds()
    tags: set[str] = set()
    hyphens = merged = 0
    confused: set[tuple[str, str]] = set()
    for k, text in enumerate(seeds.values()):
        noisy = ocr_noise(text, 0.1, seed=k)
        ops = Levenshtein.opcodes(text, noisy)
        tags |= {op.tag for op in ops}
        confused |= {(text[o.src_start : o.src_end], noisy[o.dest_start : o.dest_end])
                     for o in ops if o.tag == "replace"}  # fmt: skip
        hyphens += len(re.findall(r"[a-z]- [a-z]", noisy)) - len(re.findall(r"[a-z]- [a-z]", text))
        merged += len(set(noisy.split()) - set(text.split()) & {
            a + b for a, b in zip(text.split(), text.split()[1:])
        })  # fmt: skip
    assert {"replace", "insert", "delete"} <= tags
    assert hyphens > 0 and merged > 0
    table = {(c["from"], c["to"]) for c in load_model()["profiles"]["en-19c"]["confusions"]}
    assert confused & table  # measured confusions (e.g. h -> b) among the substitutions


def test_ocr_modules_doctests() -> None:
    import doctest

    from benchmarks import ocr_bench, ocr_noise, ocr_scale

    for module in (ocr_noise, ocr_bench, ocr_scale):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_ocr_section_scores_recall_and_false_links_on_a_tiny_input() -> None:
    """Two articles read by OCR and one unrelated text: every tool's pairs are scored by
    band; a pair of different articles is a false link, in the rows of the copies it touches."""
    from benchmarks import ocr_bench
    from benchmarks.generate import load_seeds
    from benchmarks.ocr_noise import char_error_rate, ocr_noise

    seeds = load_seeds()
    articles = []
    for k, name in enumerate(("seed-002", "seed-003")):
        clean = seeds[name]
        ocr = ocr_noise(clean, 0.01, seed=k)
        articles.append({"id": name, "source": "test", "clean": clean, "ocr": ocr,
                         "cer": char_error_rate(ocr, clean)})  # fmt: skip
    result = ocr_bench.run_dev(articles, tools=["dedupe", "exact"])
    assert result["docs"] == 4
    for tool in ("dedupe", "exact"):
        rows = result["tools"][tool]["rows"]
        assert rows["all"] == {"pairs": 2, "found": 2, "false_links": 0, "recall": 1.0}
    copies = [ocr_bench.Copy("a", "a~ocr", "OCR, CER <2%", 0.01),
              ocr_bench.Copy("b", "b~ocr", "OCR, CER 10-20%", 0.15)]  # fmt: skip
    story = {"a": "a", "a~ocr": "a", "b": "b", "b~ocr": "b"}
    s = ocr_bench.score_rows({("a", "a~ocr"), ("a~ocr", "b~ocr")}, copies, story,
                             ocr_bench.BAND_ROWS)  # fmt: skip
    assert s["OCR, CER <2%"] == {"pairs": 1, "found": 1, "false_links": 1, "recall": 1.0}
    assert s["OCR, CER 10-20%"]["recall"] == 0.0 and s["OCR, CER 10-20%"]["false_links"] == 1
    assert s["all"]["false_links"] == 1 and s["all"]["recall"] == 0.5


def test_ocr_generated_collection_and_reworded_copies() -> None:
    from benchmarks import ocr_bench

    c = generate(6, seed=2)
    docs, copies = ocr_bench.generated_collection(c, seed=2)
    bases = [d for d, src in c.sources.items() if src in ("seed", "synthetic-markov")]
    assert len(copies) == 2 * len(bases) and set(c.docs) < set(docs)
    assert docs == ocr_bench.generated_collection(c, seed=2)[0]  # deterministic
    rows = {x.row for x in copies}
    assert {r for r in rows if r.startswith("re-worded")} == set(ocr_bench.REWORD_ROWS)
    text = "alpha beta gamma delta epsilon zeta eta theta"
    assert ocr_bench.reword(text, 4, seed=0, vocabulary=["omega"]).split()[3::4] == ["omega"] * 2


def test_ocr_coverage_of_passages() -> None:
    from benchmarks import ocr_bench
    from benchmarks.generate import load_seeds

    text = load_seeds()["seed-000"]
    assert ocr_bench.coverage(text, text) > 0.95
    assert ocr_bench.coverage(text, "nothing in common here at all") == 0.0
    cov = ocr_bench.passage_coverage([(text, text, 0.0), (text, text, 0.3)])
    assert cov["<2%"]["articles"] == 1 and cov[">20%"]["articles"] == 1
    assert cov["all"]["articles"] == 2 and cov["all"]["mean"] > 0.95


def test_tiny_run_has_the_ocr_section(tiny_run: tuple[int, dict, str]) -> None:
    _, results, text = tiny_run
    assert "OCR and re-worded copies" in text and "Precision guards of fuzzy mode" in text
    ocr = results["ocr"]
    gen = ocr["generated"]["tools"]
    assert {"dedupe", "dedupe_fuzzy", "exact"} <= set(gen)
    assert gen["dedupe"]["rows"]["all"]["pairs"] > 0
    # seeds in fuzzy mode: only 000-001
    assert [(r["a"], r["b"]) for r in ocr["guards"]["seeds"]] == [("seed-000", "seed-001")]
    if ocr_bench_dev_set_present():
        assert "dev set" in text and "BLN600" in text
    else:
        assert "skipped" in text


def ocr_bench_dev_set_present() -> bool:
    from benchmarks import ocr_bench

    return ocr_bench.DEV_SET.is_file()


def test_ocr_scale_noisy_corpus_and_band_recall(tmp_path: Path) -> None:
    from benchmarks import ocr_scale

    path, truth, cached = ocr_scale.noisy_news(400, 1, cache_dir=tmp_path, share=1.0,
                                               workers=1)  # fmt: skip
    assert not cached and path.is_file() and truth["noised_docs"] > 0
    noised = [p for p in truth["pairs"] if p["cer"] > 0]
    assert noised and all(p["injected"] in ocr_scale.COPY_SIDE for p in noised)
    again = ocr_scale.noisy_news(400, 1, cache_dir=tmp_path, share=1.0)
    assert again[2] and again[1]["pairs"] == truth["pairs"]
    everything = {(p["a"], p["b"]) if p["a"] <= p["b"] else (p["b"], p["a"])
                  for p in truth["pairs"]}  # fmt: skip
    r = ocr_scale.band_recall(everything, truth, 0.5, 0.5)
    assert r["all"]["recall"] == 1.0 and r["all"]["pairs"] > 0


def test_scale_with_ocr_noise_compares_fuzzy_with_default(tmp_path):
    """`--scaling N --ocr-noise`: both modes run, with memory per document, recall by CER
    band and the ratios the targets are judged on."""
    out = tmp_path / "o"
    assert bench.main(["--scaling", "600", "--ocr-noise", "--no-progress", "--out", str(out)]) == 0
    (row,) = json.loads((out / "results.json").read_text())["ocr_scale"]
    assert set(row["tools"]) == {"dedupe", "dedupe_fuzzy"}
    for tool in row["tools"].values():
        assert tool["kb_per_doc"] > 0 and tool["docs"] == 600
        assert {"clean", "<2%", "2-5%", "5-10%", "10-20%", ">20%", "all"} <= set(tool["bands"])
    fuzzy, default = row["tools"]["dedupe_fuzzy"], row["tools"]["dedupe"]
    assert fuzzy["bands"]["all"]["found"] >= default["bands"]["all"]["found"]
    speed = fuzzy["docs_per_s"] / default["docs_per_s"]
    assert row["ratios"]["speed"] == pytest.approx(speed)
    assert row["ratios"]["speed_met"] == (speed >= 0.5)


def test_the_spill_benchmark_compares_both_runs(tmp_path, capsys):
    from benchmarks import spill

    lines = [json.dumps({"id": f"d{i}", "text": f"story {i % 7} " + "words of the day " * 9})
             for i in range(40)]  # fmt: skip
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    assert spill.main([str(corpus), "--spill-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "same matches" in out and out.count("matches  main process peak RSS") == 2
