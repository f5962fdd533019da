"""The ``dedupe`` command line, run as a subprocess the way a user runs it."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import dedupe
from dedupe.align import align
from dedupe.cli import main
from dedupe.text import paragraphs

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SEED_000 = "000_e87e7298a988fb3b.txt"
SEED_001 = "001_37f83820fa790c5f.txt"
# `python -m dedupe` run from another folder imports the dedupe of this checkout
CHECKOUT_PATH = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
SUMMARY = re.compile(r"dedupe: (\d+) documents?, (\d+) pairs?, (\d+) clusters? in [\d.]+ s")


def run(*args: str, cwd: Path = REPO, stdin: str | None = None, env: dict | None = None):
    """Run ``python -m dedupe ARGS``; return the CompletedProcess (text, UTF-8)."""
    return subprocess.run(
        [sys.executable, "-m", "dedupe", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONPATH": CHECKOUT_PATH, **(env or {})},
        timeout=300,
    )


@pytest.fixture
def call(monkeypatch, capsys):
    """Run ``main(ARGS)`` in this process (fast); returns what :func:`run` returns."""

    def call(*args: str, cwd: Path = REPO, stdin: str | None = None):
        monkeypatch.chdir(cwd)
        if stdin is not None:
            fake = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
            monkeypatch.setattr(sys, "stdin", fake)
        capsys.readouterr()
        status = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), status, out, err)

    return call


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def make_corpus() -> dict[str, str]:
    """A small corpus with known relations, built from the seeds' text.

    - ``orig/<seed>``: every seed as it is;
    - ``excerpt/<seed>``: the first half of the paragraphs of seeds 001 and 003 (each
      contained in its original);
    - ``edited/<seed>``: seeds 002 and 004 without every fifth paragraph and with one word
      changed in every third (near duplicates of their originals).
    """
    seeds = seed_texts()
    corpus = {f"orig/{name}": text for name, text in seeds.items()}
    for name in sorted(seeds)[1::2]:
        paras = [p.text for p in paragraphs(seeds[name])]
        corpus[f"excerpt/{name}"] = "\n\n".join(paras[: len(paras) // 2])
    for name in sorted(seeds)[2::2]:
        kept = []
        for i, p in enumerate(paragraphs(seeds[name])):
            if i % 5 == 4:
                continue
            kept.append(p.text.replace(" the ", " a ", 1) if i % 3 == 0 else p.text)
        corpus[f"edited/{name}"] = "\n\n".join(kept)
    return dict(sorted(corpus.items()))  # the order a folder of them is read in


def expected_relations(corpus: dict[str, str]) -> set[frozenset[str]]:
    """Each excerpt or edit with its original."""
    return {
        frozenset((f"orig/{k.split('/', 1)[1]}", k)) for k in corpus if not k.startswith("orig/")
    }


def write_folder(corpus: dict[str, str], root: Path) -> Path:
    for doc_id, text in corpus.items():
        path = root / doc_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def jsonl_text(corpus: dict[str, str], id_field: str = "id", text_field: str = "text") -> str:
    return "".join(
        json.dumps({id_field: k, "date": "2025-03-14", text_field: v}, ensure_ascii=False) + "\n"
        for k, v in corpus.items()
    )


def csv_text(corpus: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "title", "text"])
    for k, v in corpus.items():
        writer.writerow([k, "t", v])
    return out.getvalue()


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    return make_corpus()


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory, corpus) -> Path:
    return write_folder(corpus, tmp_path_factory.mktemp("corpus"))


# ------------------------------------------------------------------------------- help


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["scan"],
        ["diff"],
        ["dedup"],
        ["report"],
        ["index"],
        ["index", "build"],
        ["index", "add"],
        ["index", "query"],
        ["index", "remove"],
        ["index", "evict"],
        ["index", "stats"],
    ],
)
def test_every_command_has_help(call, command):
    done = call(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: dedupe {' '.join(command)}".rstrip())
    assert done.stderr == ""


def test_version_and_no_command(call):
    assert call("--version").stdout.strip() == f"dedupe {dedupe.__version__}"
    done = call()
    assert done.returncode == 2 and "usage: dedupe" in done.stderr


def test_python_m_dedupe_help():
    done = run("index", "--help")
    assert done.returncode == 0 and done.stdout.startswith("usage: dedupe index")


def test_console_script_is_installed():
    script = shutil.which(
        "dedupe", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    )
    if script is None:
        pytest.skip("the `dedupe` console script is not on PATH (package not installed)")
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "scan" in done.stdout


# ------------------------------------------------------------------------------- scan


def test_scan_seeds_reports_000_001_as_the_library_does():
    done = run("scan", "seeds")
    assert done.returncode == 0, done.stderr
    rows = jsonl(done.stdout)
    assert (SEED_000, SEED_001) in [(r["a"], r["b"]) for r in rows]
    report = dedupe.find_duplicates(seed_texts())
    assert rows == [m.to_dict() for m in report.matches]
    found = SUMMARY.findall(done.stderr)
    assert found == [(str(5), str(len(report.matches)), str(len(report.clusters)))]
    assert done.stderr.rstrip().endswith(" s")  # the summary comes last


def test_scan_and_dedup_with_a_spill_folder_give_the_same_output(call, corpus_dir, tmp_path):
    spill = tmp_path / "spill"
    spill.mkdir()
    held = call("scan", str(corpus_dir), "-q")
    spilled = call("scan", str(corpus_dir), "-q", "--spill-dir", str(spill))
    assert spilled.returncode == 0, spilled.stderr
    assert spilled.stdout == held.stdout and len(jsonl(held.stdout)) >= 4
    kept = call("dedup", str(corpus_dir), "-q", "-o", str(tmp_path / "a.jsonl"))
    assert kept.returncode == 0, kept.stderr
    done = call("dedup", str(corpus_dir), "-q", "--spill-dir", str(spill),
                "-o", str(tmp_path / "b.jsonl"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()
    assert list(spill.iterdir()) == []
    bad = call("scan", str(corpus_dir), "-q", "--spill-dir", str(tmp_path / "missing"))
    assert bad.returncode == 2 and "spill folder" in bad.stderr


def test_scan_formats_agree(call, corpus_dir):
    rows = jsonl(call("scan", str(corpus_dir), "-q").stdout)
    assert len(rows) >= 4

    done = call("scan", str(corpus_dir), "--format", "csv", "-q")
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["a"], r["b"], r["kind"]) for r in table] == [
        (r["a"], r["b"], r["kind"]) for r in rows
    ]
    assert [float(r["jaccard"]) for r in table] == [r["jaccard"] for r in rows]
    assert [float(r["containment_ba"]) for r in table] == [r["containment_ba"] for r in rows]

    done = call("scan", str(corpus_dir), "--format", "table", "-q")
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["a", "b", "kind", "jaccard", "a_in_b", "b_in_a"]
    assert len(lines) == len(rows) + 1
    for line, row in zip(lines[1:], rows, strict=True):
        assert line.split()[:3] == [row["a"], row["b"], row["kind"]]
        assert float(line.split()[3]) == pytest.approx(row["jaccard"], abs=5e-4)


def test_every_input_kind_gives_the_same_result(tmp_path, corpus, corpus_dir):
    (tmp_path / "c.jsonl").write_text(jsonl_text(corpus), encoding="utf-8")
    with gzip.open(tmp_path / "c.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(jsonl_text(corpus))
    (tmp_path / "c.csv").write_text(csv_text(corpus), encoding="utf-8")

    by_folder = run("scan", str(corpus_dir), "-q")
    assert by_folder.returncode == 0, by_folder.stderr
    rows = jsonl(by_folder.stdout)
    found = {frozenset((r["a"], r["b"])) for r in rows}
    assert expected_relations(corpus) <= found
    excerpt = next(
        r for r in rows if {r["a"], r["b"]} == {f"orig/{SEED_001}", f"excerpt/{SEED_001}"}
    )
    share_of_excerpt = (
        excerpt["containment_ab"]
        if excerpt["a"].startswith("excerpt")
        else excerpt["containment_ba"]
    )
    assert share_of_excerpt > 0.9
    assert rows == [m.to_dict() for m in dedupe.find_duplicates(corpus).matches]

    def without_metadata(text: str, meta: dict) -> list[dict]:
        # the records' other fields ride along as metadata: the matches are the same
        out = jsonl(text)
        for r in out:
            assert r.pop("a_metadata") == meta and r.pop("b_metadata") == meta
        return out

    for source, meta in (
        ("c.jsonl", {"date": "2025-03-14"}),
        ("c.jsonl.gz", {"date": "2025-03-14"}),
        ("c.csv", {"title": "t"}),
    ):
        done = run("scan", source, "-q", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert without_metadata(done.stdout, meta) == rows, source
    done = run("scan", "-", "-q", stdin=jsonl_text(corpus))
    assert without_metadata(done.stdout, {"date": "2025-03-14"}) == rows


def test_inputs_combine(tmp_path, corpus):
    half = dict(list(corpus.items())[: len(corpus) // 2])
    rest = dict(list(corpus.items())[len(corpus) // 2 :])
    (tmp_path / "a.jsonl").write_text(jsonl_text(half), encoding="utf-8")
    write_folder(rest, tmp_path / "b")
    done = run("scan", "a.jsonl", "b", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = jsonl(done.stdout)
    for r in rows:  # the JSONL records' date is their metadata; the folder's files have none
        for side in ("a", "b"):
            assert r.pop(f"{side}_metadata") == ({"date": "2025-03-14"} if r[side] in half else {})
    assert rows == [m.to_dict() for m in dedupe.find_duplicates({**half, **rest}).matches]


def test_output_file_and_quiet(call, tmp_path, corpus_dir):
    done = run("scan", str(corpus_dir), "-o", "out.jsonl", "-q", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == "" and done.stderr == ""
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == call(
        "scan", str(corpus_dir), "-q"
    ).stdout


def test_progress_and_summary_on_stderr_only(corpus_dir):
    done = run("scan", str(corpus_dir))
    # the bar shows only after dedupe.parallel.PROGRESS_DELAY seconds: none for a quick scan
    assert len(SUMMARY.findall(done.stderr)) == 1
    assert "indexing" not in done.stdout and "dedupe:" not in done.stdout


def test_progress_bar_goes_to_stderr(corpus, monkeypatch, capsys):
    pytest.importorskip("tqdm")
    import dedupe.parallel

    monkeypatch.setattr(dedupe.parallel, "PROGRESS_DELAY", 0)
    dedupe.find_duplicates(corpus, progress=True)
    captured = capsys.readouterr()
    assert "indexing" in captured.err and "indexing" not in captured.out


def test_without_tqdm_there_is_no_bar(tmp_path, corpus_dir):
    hidden = tmp_path / "hide" / "tqdm"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('tqdm hidden for this test')\n")
    env = {"PYTHONPATH": str(tmp_path / "hide")}
    done = run("report", str(corpus_dir), "-o", str(tmp_path / "r.html"), env=env)
    assert done.returncode == 0, done.stderr
    assert "it/s" not in done.stderr and "doc/s" not in done.stderr and "%|" not in done.stderr
    assert len(SUMMARY.findall(done.stderr)) == 1


def test_scan_clusters(call, corpus, corpus_dir):
    done = call("scan", str(corpus_dir), "--clusters", "-q")
    assert done.returncode == 0, done.stderr
    expected = dedupe.find_duplicates(corpus).clusters
    rows = jsonl(done.stdout)
    assert [r["members"] for r in rows] == [list(c.members) for c in expected]
    assert [r["size"] for r in rows] == [len(c.members) for c in expected]
    assert [r["cluster"] for r in rows] == list(range(1, len(expected) + 1))
    table = call("scan", str(corpus_dir), "--clusters", "--format", "table", "-q").stdout
    assert len(table.splitlines()) == len(expected) + 1
    rows = list(
        csv.DictReader(
            io.StringIO(call("scan", str(corpus_dir), "--clusters", "--format", "csv", "-q").stdout)
        )
    )
    assert len(rows) == sum(len(c.members) for c in expected)


def test_custom_fields_and_numeric_ids(call, tmp_path, corpus):
    records = [{"key": i, "body": text} for i, text in enumerate(corpus.values())]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    done = call("scan", "c.jsonl", "--id-field", "key", "--text-field", "body", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ids = dict(zip(corpus, map(str, range(len(corpus))), strict=True))
    expected = dedupe.find_duplicates({ids[k]: v for k, v in corpus.items()}).matches
    assert jsonl(done.stdout) == [m.to_dict() for m in expected]


def test_empty_documents_are_skipped_with_a_warning(call, tmp_path, corpus):
    docs = {**corpus, "blank": "   \n", "dots": "... --- ..."}
    (tmp_path / "c.jsonl").write_text(jsonl_text(docs), encoding="utf-8")
    done = call("scan", "c.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning: skipped 2 documents with no words (blank, dots)" in done.stderr
    assert SUMMARY.findall(done.stderr)[0][0] == str(len(corpus))
    meta = {"date": "2025-03-14"}
    expected = [
        {**m.to_dict(), "a_metadata": meta, "b_metadata": meta}
        for m in dedupe.find_duplicates(corpus).matches
    ]
    assert jsonl(done.stdout) == expected


# ------------------------------------------------------------------------------- errors


def _bad_json(tmp: Path) -> str:
    (tmp / "bad.jsonl").write_text('{"id": "a", "text": "x y"}\n\n{"id": "b", "text": oops}\n')
    return "bad.jsonl"


def _no_text_field(tmp: Path) -> str:
    (tmp / "f.jsonl").write_text('{"id": "a", "text": "x"}\n{"id": "b", "body": "y"}\n')
    return "f.jsonl"


def _text_not_string(tmp: Path) -> str:
    (tmp / "n.jsonl").write_text('{"id": "a", "text": ["x"]}\n')
    return "n.jsonl"


def _not_an_object(tmp: Path) -> str:
    (tmp / "o.jsonl").write_text('["a", "x"]\n')
    return "o.jsonl"


def _latin1_in_folder(tmp: Path) -> str:
    (tmp / "docs").mkdir()
    (tmp / "docs" / "ok.txt").write_text("Fine text here.")
    (tmp / "docs" / "latin.txt").write_bytes("Caf\xe9 au lait".encode("latin-1"))
    return "docs"


def _latin1_jsonl(tmp: Path) -> str:
    (tmp / "l.jsonl").write_bytes(b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "caf\xe9"}\n')
    return "l.jsonl"


def _unknown_kind(tmp: Path) -> str:
    (tmp / "paper.pdf").write_bytes(b"%PDF-1.4")
    return "paper.pdf"


def _duplicate_id(tmp: Path) -> str:
    (tmp / "d.jsonl").write_text('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n')
    return "d.jsonl"


def _truncated_gzip(tmp: Path) -> str:
    data = gzip.compress(b'{"id": "a", "text": "some text"}\n' * 200)
    (tmp / "t.jsonl.gz").write_bytes(data[: len(data) // 2])
    return "t.jsonl.gz"


def _not_gzip(tmp: Path) -> str:  # gzip magic bytes, then no gzip stream
    (tmp / "p.jsonl.gz").write_bytes(b"\x1f\x8b" + b"not gzip at all" * 10)
    return "p.jsonl.gz"


def _csv_no_column(tmp: Path) -> str:
    (tmp / "c.csv").write_text("id,body\na,x\n")
    return "c.csv"


def _csv_ragged(tmp: Path) -> str:
    (tmp / "r.csv").write_text("id,text\na,x\nb,y,z\n")
    return "r.csv"


def _binary_text(tmp: Path) -> str:
    (tmp / "z.jsonl").write_text('{"id": "a", "text": "x\\u0000y"}\n')
    return "z.jsonl"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_bad_json, "bad.jsonl:3: not valid JSON"),
        (
            _no_text_field,
            "f.jsonl:2: no 'text' field (fields: 'id', 'body'); choose one with --text-field",
        ),
        (_text_not_string, "n.jsonl:1: the text field 'text' is list, not a string"),
        (_not_an_object, "o.jsonl:1: expected a JSON object, got list"),
        (_latin1_in_folder, "latin.txt: not valid UTF-8 (bad byte 0xe9 at offset 3)"),
        (_latin1_jsonl, "l.jsonl:2: not valid UTF-8"),
        (_unknown_kind, "paper.pdf: unknown kind of input"),
        (lambda tmp: "missing.jsonl", "missing.jsonl: no such file or directory"),
        (lambda tmp: "missing", "missing: no such file or directory"),
        (_duplicate_id, "d.jsonl:2: duplicate id 'a' (first seen at d.jsonl:1)"),
        (_truncated_gzip, "t.jsonl.gz: broken gzip data"),
        (_not_gzip, "p.jsonl.gz: broken gzip data"),
        (_csv_no_column, "c.csv:1: no 'text' column (columns: 'id', 'body')"),
        (_csv_ragged, "r.csv:3: 3 fields, the header has 2"),
        (_binary_text, "z.jsonl:1 contains NUL bytes"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, make, message):
    # In-process (the same `main` the console script calls) to keep the suite fast; the
    # subprocess tests below check the exit status through a real process.
    monkeypatch.chdir(tmp_path)
    source = make(tmp_path)
    status = main(["scan", source, "-q"])
    out, err = capsys.readouterr()
    assert status == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("dedupe scan: error: ")
    assert message in err
    assert out == ""


def test_bad_input_through_a_real_process(tmp_path):
    done = run("scan", _bad_json(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "dedupe scan: error: bad.jsonl:3: not valid JSON (Expecting value at column 21)\n"
    )
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "seeds", "--jaccard", "1.5"], "1.5 is not between 0 and 1"),
        (["scan", "seeds", "--ngram", "0"], "0 is not between 1 and 64"),
        (["scan", "seeds", "--format", "xml"], "invalid choice: 'xml'"),
        (["scan"], "the following arguments are required: INPUT"),
        (["scan", "-", "-"], "standard input can be read only once"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["diff", "seeds/" + SEED_000, "no-such.txt"], "no-such.txt: no such file or directory"),
        (["diff", "seeds", "seeds/" + SEED_000], "seeds: is a folder"),
        (["scan", "seeds", "-o", "no/such/out.jsonl"], "folder no/such does not exist"),
        (["report", "seeds", "-o", "seeds"], "seeds: is a folder; give a file name to -o"),
        (["report", "seeds"], "the following arguments are required: -o/--output"),
        (["index", "stats", "no-such.idx"], "no-such.idx: no such index file"),
        (["index", "query", "seeds/" + SEED_000, "seeds/" + SEED_001], "seeds/" + SEED_000),
    ],
)
def test_bad_usage_is_exit_2_without_traceback(monkeypatch, capsys, args, message):
    monkeypatch.chdir(REPO)
    status = main(args)
    out, err = capsys.readouterr()
    assert status == 2
    assert message in err
    assert out == ""


def test_bad_usage_through_a_real_process():
    done = run("scan", "seeds", "--containment", "-0.1")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "is not between 0 and 1" in done.stderr


# ------------------------------------------------------------------------------- diff


def test_diff_formats(call, tmp_path):
    a, b = f"seeds/{SEED_000}", f"seeds/{SEED_001}"
    al = align((REPO / a).read_text(encoding="utf-8"), (REPO / b).read_text(encoding="utf-8"))
    text = run("diff", a, b)
    assert text.returncode == 0, text.stderr
    assert text.stdout.rstrip("\n") == dedupe.render.text(al).rstrip("\n")

    markdown = call("diff", a, b, "--format", "markdown")
    assert markdown.stdout.rstrip("\n") == dedupe.render.markdown(al).rstrip("\n")

    record = json.loads(call("diff", a, b, "--format", "json").stdout)
    assert (record["a"], record["b"]) == (a, b)
    assert record["ops"] == al.to_dict()["ops"]

    done = call("diff", a, b, "--format", "html", "-o", str(tmp_path / "d.html"))
    assert done.returncode == 0 and done.stdout == ""
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert page.count('<tr class="dd-op') == len(al.ops)
    assert SEED_000 in page and SEED_001 in page


def test_diff_fold_noise(call, tmp_path):
    a, b = tmp_path / "scan.txt", tmp_path / "clean.txt"
    a.write_text("Tbe cmincil met on Monday to discuss the new rail line.", encoding="utf-8")
    b.write_text("The council met on Friday to discuss the new rail line.", encoding="utf-8")
    shown = call("diff", str(a), str(b)).stdout
    assert "{~~Tbe cmincil~>The council~~}" in shown and "[-Monday-]{+Friday+}" in shown
    folded = call("diff", str(a), str(b), "--fold-noise").stdout
    assert "The council met on [-Monday-]{+Friday+}" in folded and "{~~" not in folded
    as_a = call("diff", str(a), str(b), "--fold-noise", "a").stdout
    assert "Tbe cmincil met on [-Monday-]{+Friday+}" in as_a and "{~~" not in as_a
    record = json.loads(call("diff", str(a), str(b), "--format", "json", "--fold-noise").stdout)
    assert record["fold_noise"] == "b" and record["summary"]["noise"] == 1
    assert [w["b_text"] for w in record["ops"][0]["word_ops"]] == ["Friday"]
    page = call("diff", str(a), str(b), "--format", "html", "--fold-noise").stdout
    assert "dd-noise" not in page.split("</style>")[1] and "<del>Monday</del>" in page
    assert call("diff", str(a), str(b), "--format", "markdown", "--fold-noise", "c").returncode == 2


def test_diff_reads_stdin(call):
    a = f"seeds/{SEED_000}"
    done = call("diff", "-", a, stdin=(REPO / a).read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("=")  # every paragraph equal


# ------------------------------------------------------------------------------- index


def test_index_workflow(call, tmp_path, corpus, corpus_dir):
    idx = tmp_path / "wire.idx"
    originals = tmp_path / "orig"
    write_folder({k: v for k, v in corpus.items() if k.startswith("orig/")}, tmp_path)

    done = run("index", "build", str(originals), "-o", str(idx), "--ngram", "4")
    assert done.returncode == 0, done.stderr
    assert "indexed 5 documents" in done.stderr

    stats = json.loads(call("index", "stats", str(idx), "--json", "--ids", "--pairs").stdout)
    assert stats["documents"] == 5 and stats["ngram"] == 4
    assert stats["ids"] == sorted(seed_texts())
    library = dedupe.Index.load(idx)
    assert stats["pairs"] == len(library.pairs())
    assert re.search(r"^documents +5$", call("index", "stats", str(idx)).stdout, re.M)

    query = corpus_dir / "excerpt" / SEED_001
    done = run("index", "query", str(idx), str(query), "-k", "1")
    assert done.returncode == 0, done.stderr
    rows = jsonl(done.stdout)
    assert [r["b"] for r in rows] == [SEED_001]
    assert rows == [m.to_dict() for m in library.query(query.read_text(encoding="utf-8"), k=1)]

    extra = tmp_path / "extra"
    write_folder({k: v for k, v in corpus.items() if not k.startswith("orig/")}, extra)
    assert run("index", "add", str(idx), str(extra)).returncode == 0
    assert json.loads(call("index", "stats", str(idx), "--json").stdout)["documents"] == len(corpus)

    before = idx.read_bytes()
    again = call("index", "add", str(idx), str(extra))
    assert again.returncode == 2 and "already in the index" in again.stderr
    assert "Traceback" not in again.stderr
    assert idx.read_bytes() == before  # nothing was added
    assert call("index", "add", str(idx), str(extra), "--replace").returncode == 0

    gone = call("index", "remove", str(idx), "nope", f"excerpt/{SEED_001}")
    assert gone.returncode == 2 and "'nope'" in gone.stderr and "nothing was removed" in gone.stderr
    assert run("index", "remove", str(idx), f"excerpt/{SEED_001}").returncode == 0
    after = dedupe.Index.load(idx)
    assert len(after) == len(corpus) - 1 and f"excerpt/{SEED_001}" not in after


def test_index_file_errors(call, tmp_path):
    (tmp_path / "junk.idx").write_bytes(b"this is not an index at all")
    done = call("index", "stats", "junk.idx", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("dedupe index stats: error: ")
    assert "junk.idx" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

    assert call("index", "build", str(SEEDS), "-o", str(tmp_path / "s.idx"), "-q").returncode == 0
    (tmp_path / "empty.txt").write_text(" ... ")
    done = call("index", "query", "s.idx", "empty.txt", cwd=tmp_path)
    assert done.returncode == 2 and "no words" in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------------------- report


def test_report_caps_the_diffs_and_says_so(call, tmp_path, corpus, corpus_dir):
    pairs = len(dedupe.find_duplicates(corpus).matches)
    assert pairs >= 3
    done = run("report", str(corpus_dir), "-o", "r.html", "--max-pairs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(SUMMARY.findall(done.stderr)) == 1
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count('<details class="dd-pair"') == 2
    assert f"{pairs - 2} pairs were left out" in page

    done = call("report", str(corpus_dir), "-o", "all.html", "-q", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    page = (tmp_path / "all.html").read_text(encoding="utf-8")
    assert page.count('<details class="dd-pair"') == pairs
    assert "left out" not in page


def test_diff_refuses_stdin_twice(capsys):
    assert main(["diff", "-", "-"]) == 2
    assert "standard input can be read only once" in capsys.readouterr().err


def test_index_query_batch_and_evict_on_a_file(call, tmp_path, corpus):
    idx = tmp_path / "wire.idx"
    docs = tmp_path / "docs.jsonl"
    docs.write_text(jsonl_text(corpus), encoding="utf-8")
    first = {k: v for k, v in corpus.items() if k.startswith("orig/")}
    (tmp_path / "orig.jsonl").write_text(jsonl_text(first), encoding="utf-8")
    done = call("index", "build", str(tmp_path / "orig.jsonl"), "-o", str(idx), "-q",
                "--timestamp", "2025-03-01")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rest = {k: v for k, v in corpus.items() if k not in first}
    (tmp_path / "rest.jsonl").write_text(jsonl_text(rest), encoding="utf-8")
    done = call("index", "add", str(idx), str(tmp_path / "rest.jsonl"), "-q",
                "--timestamp", "2025-03-10T08:00:00Z")  # fmt: skip
    assert done.returncode == 0, done.stderr

    done = call("index", "query", str(idx), "--input", str(docs), "-k", "2")
    assert done.returncode == 0, done.stderr
    rows = jsonl(done.stdout)
    library = dedupe.Index.load(idx)
    assert [r["id"] for r in rows] == list(corpus)  # one line per query document, in order
    for r in rows:  # each side's metadata: the input record's, the indexed document's
        expected = [
            {**m.to_dict(), "a": r["id"], "a_metadata": {"date": "2025-03-14"},
             "b_metadata": library.metadata(m.b)}
            for m in library.query(corpus[r["id"]], k=2)
        ]  # fmt: skip
        assert r["matches"] == expected and expected[0]["b_metadata"] == {"date": "2025-03-14"}
    blank = tmp_path / "blank.jsonl"
    blank.write_text(jsonl_text({"x": " ... ", "y": corpus["orig/" + SEED_000]}), encoding="utf-8")
    rows = jsonl(call("index", "query", str(idx), "--input", str(blank)).stdout)
    assert rows[0] == {"id": "x", "matches": [], "skipped": "the text holds no words"}
    assert rows[1]["matches"][0]["b"] == "orig/" + SEED_000
    bad = call("index", "query", str(idx), "--input", str(docs), "--format", "table")
    assert bad.returncode == 2 and "jsonl only" in bad.stderr

    done = call("index", "evict", str(idx), "--before", "2025-03-05")
    assert done.returncode == 0, done.stderr
    assert f"evicted {len(first)} documents dated before 2025-03-05T00:00:00Z" in done.stderr
    assert sorted(dedupe.Index.load(idx).ids()) == sorted(rest)
    bad = call("index", "evict", str(idx), "--before", "last week")
    assert bad.returncode == 2 and "not a date" in bad.stderr
    bad = call("index", "stats", "--namespace", "x", str(idx))
    assert bad.returncode == 2 and "--namespace goes with --redis" in bad.stderr


# ---------------------------------------------- newcomer paper cuts (issue 20)


@pytest.mark.parametrize(
    ("name", "compress"),
    [("docs.jsonl", True), ("docs.jsonl.gz", False), ("docs.csv", True), ("docs.csv.gz", False)],
)
def test_gzip_is_recognised_by_its_bytes_not_its_name(call, tmp_path, corpus, name, compress):
    if name.startswith("docs.csv"):
        buffer = io.StringIO()
        csv.writer(buffer).writerows([("id", "text"), *corpus.items()])
        data = buffer.getvalue().encode("utf-8")
    else:
        lines = (json.dumps({"id": k, "text": v}) + "\n" for k, v in corpus.items())
        data = "".join(lines).encode("utf-8")
    (tmp_path / name).write_bytes(gzip.compress(data) if compress else data)
    done = call("scan", name, "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pairs = [(m["a"], m["b"]) for m in map(json.loads, done.stdout.splitlines())]
    assert pairs == [(m.a, m.b) for m in dedupe.find_duplicates(corpus).matches]
    assert pairs  # the corpus has pairs: an unread file would fail above


def test_gzip_on_standard_input_is_recognised(tmp_path):
    data = gzip.compress(b'{"id": "a", "text": "one two three four five six"}\n' * 1)
    done = subprocess.run(
        [sys.executable, "-m", "dedupe", "index", "build", "-o", "s.idx", "-", "-q"],
        input=data, capture_output=True, cwd=tmp_path, timeout=120,
        env={**os.environ, "PYTHONPATH": CHECKOUT_PATH},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list(dedupe.Index.load(tmp_path / "s.idx").ids()) == ["a"]


def test_index_build_takes_the_index_file_first_as_a_newcomer_types_it(call, tmp_path):
    wire = tmp_path / "wire"
    shutil.copytree(SEEDS, wire)
    assert call("index", "build", "wire.idx", "wire/", "-q", cwd=tmp_path).returncode == 0
    assert call("index", "build", "-o", "o.idx", "wire/", "-q", cwd=tmp_path).returncode == 0
    built = dedupe.Index.load(tmp_path / "wire.idx")
    assert sorted(built.ids()) == sorted(dedupe.Index.load(tmp_path / "o.idx").ids())
    assert len(built) == len(list(SEEDS.glob("*.txt")))
    # an index file given first is rebuilt, as -o FILE rebuilds it; so is an empty file
    (tmp_path / "zero.idx").touch()
    for target in ("wire.idx", "zero.idx"):
        assert call("index", "build", target, "wire", "-q", cwd=tmp_path).returncode == 0
        assert len(dedupe.Index.load(tmp_path / target)) == len(built)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["docs.jsonl", "wire"], "docs.jsonl: exists and is not a dedupe index file"),
        (["notes.txt", "wire"], "notes.txt: exists and is not a dedupe index file"),
        (["wire", "docs.jsonl"], "wire: is a folder, not an index file to write"),
        (["new.jsonl", "wire"], "new.jsonl: is named like an input, not an index file"),
        (["wire"], "give the index FILE to write, then at least one INPUT"),
        (["-o", "a.idx", "b.idx", "wire"], "give the index FILE once"),
        (["-o", "a.idx", "old.idx", "wire"], "old.idx: an index file among the inputs"),
    ],
)
def test_index_build_never_replaces_an_input_given_first(call, tmp_path, args, message):
    (tmp_path / "wire").mkdir()
    (tmp_path / "wire" / "a.txt").write_text("some words of a story here")
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": "x", "text": "other words of another story"}\n')
    (tmp_path / "notes.txt").write_text("my notes")
    call("index", "build", "old.idx", "wire", "-q", cwd=tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    done = call("index", "build", *args, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert done.stderr.startswith("dedupe index build: error: ")
    assert {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_index_help_and_usage_errors_list_every_action(call):
    actions = ("build", "add", "query", "remove", "evict", "stats")
    for args in (["index", "--help"], ["index"], ["index", "bogus"], ["--help"]):
        done = call(*args)
        assert "build|add|query|remove|evict|stats" in done.stdout + done.stderr or all(
            f"'{a}'" in done.stderr for a in actions
        ), args
    for action in actions[1:]:  # every action takes (FILE | --redis ...) first
        usage = call("index", action, "--help").stdout.split("\n\n")[0]
        assert f"dedupe index {action} [options] (FILE | --redis URL --namespace NAME)" in usage
    usage = call("index", "build", "--help").stdout.split("\n\n")[0]
    assert "(FILE | -o FILE | --redis URL --namespace NAME) INPUT" in usage


def test_index_evict_before_now_takes_every_dated_document(call, tmp_path):
    (tmp_path / "a.txt").write_text("some words of a story that is dated")
    assert call("index", "build", "s.idx", "a.txt", "--timestamp", "2020-01-01", "-q",
                cwd=tmp_path).returncode == 0  # fmt: skip
    done = call("index", "evict", "s.idx", "--before", "now", cwd=tmp_path)
    assert done.returncode == 0 and "evicted 1 document" in done.stderr, done.stderr


def test_output_to_dev_null_is_discarded_and_special_files_are_refused(call, tmp_path):
    null = os.stat(os.devnull)
    for args in (
        ["scan", str(SEEDS), "-o", os.devnull],
        ["report", str(SEEDS), "-o", os.devnull],
        ["index", "build", "-o", os.devnull, str(SEEDS)],
        ["index", "build", os.devnull, str(SEEDS)],
        ["dedup", str(SEEDS), "-o", os.devnull, "--decisions", os.devnull],
    ):
        done = call(*args, "-q", cwd=tmp_path)
        assert done.returncode == 0 and done.stdout == "" and done.stderr == "", (args, done)
    after = os.stat(os.devnull)  # still the device, never replaced by a renamed file
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == null.st_rdev

    # silence the kept records, keep the decisions: the newcomer's use of /dev/null
    done = call("dedup", str(SEEDS), "-o", os.devnull, "--decisions", "why.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "why.jsonl").exists()

    (tmp_path / "out").mkdir()
    os.mkfifo(tmp_path / "fifo")
    for target, message in (("out", "out: is a folder"), ("fifo", "fifo: is a FIFO")):
        for args in (["scan", str(SEEDS)], ["dedup", str(SEEDS)], ["index", "build", str(SEEDS)]):
            done = call(*args, "-o", target, cwd=tmp_path)
            assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
    assert (tmp_path / "out").is_dir() and stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)


EMPTY_INPUTS = {  # name: (bytes, or None for a folder of these files), the warning
    "empty.jsonl": (b"", "empty.jsonl: the file is empty; no documents read from it"),
    "blank.jsonl": (b"\n  \n", "blank.jsonl: no records in it; no documents read from it"),
    "empty.jsonl.gz": (gzip.compress(b""), "empty.jsonl.gz: no records in it"),
    "empty.csv": (b"", "empty.csv: the file is empty; no documents read from it"),
    "header.csv": (b"id,text\r\n", "header.csv: a header row and no rows under it"),
    "folder": ({}, "folder: no .txt or .md files in this folder; no documents read from it"),
    "pictures": ({"a.png": b"\x89PNG", ".hidden.txt": b"words"}, "pictures: no .txt or .md"),
}


@pytest.mark.parametrize("name", sorted(EMPTY_INPUTS))
@pytest.mark.parametrize("command", ["scan", "dedup", "index build", "report"])
def test_an_empty_input_is_a_warning_naming_it_and_an_empty_result(call, tmp_path, name, command):
    content, warning = EMPTY_INPUTS[name]
    if isinstance(content, dict):
        (tmp_path / name).mkdir()
        for file, data in content.items():
            (tmp_path / name / file).write_bytes(data)
    else:
        (tmp_path / name).write_bytes(content)
    out = {"scan": [], "dedup": ["-o", "out.jsonl"], "index build": ["-o", "out.idx"],
           "report": ["-o", "out.html"]}[command]  # fmt: skip
    done = call(*command.split(), name, *out, "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"dedupe: warning: {warning}"), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr  # that warning alone (-q)
    assert done.stdout == ""
    if command == "dedup":
        assert (tmp_path / "out.jsonl").read_bytes() == b""
    elif command == "index build":
        assert len(dedupe.Index.load(tmp_path / "out.idx")) == 0
    elif command == "report":
        assert (tmp_path / "out.html").stat().st_size > 0

    # next to an input with documents: the same warning, and the documents' result
    done = call("scan", name, str(SEEDS), "-q", cwd=tmp_path)
    assert done.returncode == 0 and warning in done.stderr
    assert len(done.stdout.splitlines()) == len(dedupe.find_duplicates(_seed_texts()).matches)


def _seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def test_empty_standard_input_is_a_warning_too(call):
    done = call("scan", "-", stdin="")
    assert done.returncode == 0 and done.stdout == ""
    assert "dedupe: warning: <stdin>: standard input is empty" in done.stderr


def test_a_folder_of_empty_texts_is_warned_about_by_every_command(call, tmp_path):
    (tmp_path / "f").mkdir()
    for name in ("a.txt", "b.txt"):
        (tmp_path / "f" / name).write_bytes(b"")
    for command, out in (
        ("scan", []),
        ("index build", ["-o", "x.idx"]),
        ("report", ["-o", "r.html"]),
    ):
        done = call(*command.split(), "f", *out, "-q", cwd=tmp_path)
        assert done.returncode == 0
        assert done.stderr == "dedupe: warning: skipped 2 documents with no words (a.txt, b.txt)\n"
    done = call("dedup", "f", "-o", "out.jsonl", "-q", cwd=tmp_path)  # kept: nothing is lost
    assert done.returncode == 0 and done.stderr == (
        "dedupe: warning: 2 documents with no words were not compared, kept as they are "
        "(a.txt, b.txt)\n"
    )
    assert [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").open()] == [
        "a.txt",
        "b.txt",
    ]


def test_read_documents_raises_empty_input_error_unless_asked_to_list(tmp_path):
    (tmp_path / "e.jsonl").write_bytes(b"")
    (tmp_path / "h.csv").write_text("id,text\n")
    (tmp_path / "d.jsonl").write_text('{"id": "a", "text": "some words"}\n')
    for name in ("e.jsonl", "h.csv"):
        with pytest.raises(dedupe.EmptyInputError, match=f"{name}: .*no documents read"):
            dedupe.inputs.read_documents([tmp_path / name, tmp_path / "d.jsonl"])
    empty: list = []
    docs = dedupe.inputs.read_documents(
        [tmp_path / "e.jsonl", tmp_path / "d.jsonl", tmp_path / "h.csv"], empty=empty
    )
    assert docs == {"a": "some words"}
    assert [where for where, _ in empty] == [str(tmp_path / "e.jsonl"), str(tmp_path / "h.csv")]
    assert issubclass(dedupe.EmptyInputError, dedupe.InputError)


def test_iter_documents_reads_as_asked_with_the_errors_of_read_documents(tmp_path):
    """Each document comes before the next line is read (a broken line is reported only
    when the reading reaches it); metadata, records and skipped fill as it goes; a
    missing input is said before anything is read; a duplicate id names both places."""
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"id": "a", "text": "one", "title": "A"}\n'
        '{"id": "b", "text": "two"}\n'
        "not json\n"
        '{"id": "a", "text": "three"}\n'
    )
    meta: dict = {}
    records: dict = {}
    stream = dedupe.inputs.iter_documents([path], metadata=meta, records=records)
    assert next(stream) == ("a", "one") and meta == {"a": {"title": "A"}} and list(records) == ["a"]
    assert next(stream) == ("b", "two")
    with pytest.raises(dedupe.InputError, match=r"d.jsonl:3: not valid JSON"):
        next(stream)
    skipped: list = []
    with pytest.raises(
        dedupe.InputError, match=r"d.jsonl:4: duplicate id 'a' \(first seen at .*d.jsonl:1\)"
    ):
        list(dedupe.inputs.iter_documents([path], skipped=skipped))
    assert [where.rsplit(":", 1)[1] for where, _ in skipped] == ["3"]
    assert list(dedupe.inputs.iter_documents([path], limit=1)) == [("a", "one")]
    with pytest.raises(dedupe.InputError, match="nope.jsonl: no such file"):
        dedupe.inputs.iter_documents([path, tmp_path / "nope.jsonl"])  # before any reading
    assert dedupe.inputs.read_documents([path], limit=2) == {"a": "one", "b": "two"}


SEED_METADATA = {
    "000": {"title": "Rail line opens", "outlet": "Wire", "date": "2024-05-01"},
    "001": {"title": "Rail line to open in May", "date": "2024-05-02"},
}


def check_query_metadata(call, target: list[str], seeds: dict[str, str], tmp_path: Path) -> None:
    """``index query`` on ``target`` (an index FILE, or --redis URL --namespace NAME) shows
    the matched documents' metadata as ``scan`` does, in every format; with --input, each
    side's. Builds the index from the seeds, 000 and 001 with metadata."""
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        "".join(
            json.dumps({"id": k, "text": v, **SEED_METADATA.get(k, {})}, ensure_ascii=False) + "\n"
            for k, v in seeds.items()
        ),
        encoding="utf-8",
    )
    assert call("index", "build", *target, str(docs), "-q").returncode == 0
    query = tmp_path / "q.txt"
    query.write_text(seeds["000"], encoding="utf-8")
    scanned = {(r["a"], r["b"]): r for r in jsonl(call("scan", str(docs), "-q").stdout)}
    done = call("index", "query", *target, str(query))
    rows = jsonl(done.stdout)
    assert done.returncode == 0 and [r["b"] for r in rows] == ["000", "001"]
    assert [r["b_metadata"] for r in rows] == [SEED_METADATA["000"], SEED_METADATA["001"]]
    assert rows[1]["b_metadata"] == scanned[("000", "001")]["b_metadata"]  # as scan has it
    assert all(r["a"] == "<query>" and r["a_metadata"] == {} for r in rows)
    table = call("index", "query", *target, str(query), "--format", "table").stdout.splitlines()
    fields = ["title", "outlet", "date"]  # each side's, as scan's table (the query has none)
    assert table[0].split() == ["a", *fields, "b", *fields, "kind", "jaccard", "a_in_b",
                                "b_in_a"]  # fmt: skip
    assert "000  Rail line opens           Wire    2024-05-01  exact" in table[1], table
    got = list(csv.DictReader(io.StringIO(call("index", "query", *target, str(query),
                                               "--format", "csv").stdout)))  # fmt: skip
    assert [(r["b"], r["b_title"], r["b_outlet"]) for r in got] == [
        ("000", "Rail line opens", "Wire"), ("001", "Rail line to open in May", "")
    ]  # fmt: skip
    ask = tmp_path / "ask.jsonl"
    ask.write_text(
        json.dumps({"id": "q", "text": seeds["001"], "title": "Query"}) + "\n"
        + json.dumps({"id": "r", "text": seeds["003"]}) + "\n"
    )  # fmt: skip
    first, second = jsonl(call("index", "query", *target, "--input", str(ask)).stdout)
    assert [(m["a"], m["b"], m["a_metadata"], m["b_metadata"]) for m in first["matches"]] == [
        ("q", "001", {"title": "Query"}, SEED_METADATA["001"]),
        ("q", "000", {"title": "Query"}, SEED_METADATA["000"]),
    ]
    assert [m["b"] for m in second["matches"]] == ["003"]  # no metadata either side: plain
    assert "a_metadata" not in second["matches"][0] and "b_metadata" not in second["matches"][0]
    bad = call("index", "query", *target, str(query), "--label-field", "headline")
    assert bad.returncode == 2
    assert "--label-field 'headline': no document has that field" in bad.stderr


def test_index_query_shows_the_matched_documents_metadata(call, tmp_path, seeds):
    check_query_metadata(call, [str(tmp_path / "s.idx")], seeds, tmp_path)


def test_querying_an_emptied_index_says_it_holds_no_documents(call, tmp_path):
    (tmp_path / "a.txt").write_text(SEEDS.joinpath(SEED_000).read_text(encoding="utf-8"))
    query = str(SEEDS / SEED_000)
    assert call("index", "build", "s.idx", "a.txt", "--timestamp", "2020-01-01", "-q",
                cwd=tmp_path).returncode == 0  # fmt: skip
    assert call("index", "query", "s.idx", query, cwd=tmp_path).stdout  # it matches, at first
    warning = (
        "dedupe: warning: s.idx holds no documents (none were indexed, or all were removed or "
        "evicted), so nothing can match; add some with `dedupe index add s.idx INPUT...`\n"
    )
    for emptied in (["remove", "s.idx", "a.txt"], ["evict", "s.idx", "--before", "now"]):
        assert call("index", *emptied, "-q", cwd=tmp_path).returncode == 0
        done = call("index", "query", "s.idx", query, cwd=tmp_path)
        assert (done.returncode, done.stdout, done.stderr) == (0, "", warning)
        if emptied[0] == "remove":  # back, dated, for the evict round
            call("index", "add", "s.idx", "a.txt", "--timestamp", "2020-01-01", cwd=tmp_path)
    done = call("index", "query", "s.idx", "--input", str(SEEDS), cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == warning
    assert all(json.loads(line)["matches"] == [] for line in done.stdout.splitlines())
    done = call("provenance", query, "--index", "s.idx", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == warning


def test_a_text_file_has_the_same_id_alone_as_in_its_folder(call, tmp_path):
    wire = tmp_path / "wire"
    (wire / "2025").mkdir(parents=True)
    shutil.copy(SEEDS / SEED_000, wire / SEED_000)
    shutil.copy(SEEDS / SEED_001, wire / "2025" / SEED_001)
    assert call("index", "build", "w.idx", "wire", "-q", cwd=tmp_path).returncode == 0
    assert sorted(dedupe.Index.load(tmp_path / "w.idx").ids()) == sorted(
        [f"2025/{SEED_001}", SEED_000]
    )
    # alone, however the path is written: its file name, the id it has in its folder
    for given in (f"wire/{SEED_000}", f"./wire/../wire/{SEED_000}", str(wire / SEED_000)):
        done = call("index", "build", "one.idx", given, "-q", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert list(dedupe.Index.load(tmp_path / "one.idx").ids()) == [SEED_000], given
    done = call("index", "add", "w.idx", f"wire/{SEED_000}", cwd=tmp_path)  # already there
    assert done.returncode == 2 and f"1 id(s) already in the index ('{SEED_000}')" in done.stderr
    rows = call("dedup", f"wire/2025/{SEED_001}", "-o", "-", "-q", cwd=tmp_path).stdout
    assert json.loads(rows)["id"] == SEED_001

    (tmp_path / "other").mkdir()
    shutil.copy(SEEDS / SEED_001, tmp_path / "other" / SEED_000)
    done = call("scan", f"wire/{SEED_000}", f"other/{SEED_000}", cwd=tmp_path)
    assert done.returncode == 2
    assert f"other/{SEED_000}: duplicate id '{SEED_000}' (first seen at wire/{SEED_000})" in (
        done.stderr
    )
    assert "give a folder holding both instead" in done.stderr


def test_input_help_says_how_ids_are_made(call):
    for command in (["scan"], ["dedup"], ["index", "build"], ["index", "add"]):
        text = " ".join(call(*command, "--help").stdout.split())
        assert "ids: their paths relative to the folder" in text, command
        assert "id: its file name" in text, command
