"""Collection workflows of the command line: metadata in the outputs, `dedupe dedup`,
`dedupe diff CORPUS ID1 ID2`, `--on-error skip`, and progress bars only on a terminal."""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import struct
import subprocess
import sys
import time

import pytest
import test_cli
from conftest import REUTERS
from test_cli import jsonl, run
from test_dedup import generated_collection

import dedupe
from dedupe.cli import common

call = test_cli.call  # the fixture that runs main() in this process

TITLES = {"s3": "Rail line opens", "s3-rewrite": "Rail line opens, say officials"}


def write_jsonl(path, docs: dict[str, str], *, extra=None) -> list[str]:
    """Write ``docs`` as JSONL with a title, outlet, date and a non-string field; the lines."""
    lines = []
    for i, (doc_id, text) in enumerate(docs.items()):
        record = {
            "id": doc_id,
            "title": TITLES.get(doc_id, f"Story {doc_id}"),
            "outlet": ["Wire", "Daily", "Post"][i % 3],
            "date": f"2024-05-{1 + i % 28:02d}",
            "words": len(text.split()),
            "text": text,
            **(extra(doc_id) if extra else {}),
        }
        lines.append(json.dumps(record, ensure_ascii=False, separators=(", ", ": ")))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return lines


@pytest.fixture(scope="module")
def docs() -> dict[str, str]:
    return generated_collection()


# ------------------------------------------------------------------------------- metadata


def test_scan_shows_titles_outlets_and_dates(call, tmp_path, docs):
    write_jsonl(tmp_path / "c.jsonl", docs)
    done = call("scan", "c.jsonl", "--format", "table", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    head, *rows = done.stdout.splitlines()
    assert head.split()[:4] == ["a", "title", "outlet", "date"]
    assert any("Rail line opens, say officials" in row for row in rows)
    assert len(rows) == len(dedupe.find_duplicates(docs).matches)

    done = call("scan", "c.jsonl", "--format", "csv", "-q", cwd=tmp_path)
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    row = next(r for r in table if {r["a"], r["b"]} == {"s3", "s3-rewrite"})
    assert {row["a_title"], row["b_title"]} == set(TITLES.values())
    assert row["a_date"].startswith("2024-05-") and row["a_outlet"] in {"Wire", "Daily", "Post"}

    done = call("scan", "c.jsonl", "-q", cwd=tmp_path)
    record = next(r for r in jsonl(done.stdout) if {r["a"], r["b"]} == {"s3", "s3-rewrite"})
    assert record["a_metadata"]["words"] == str(len(docs[record["a"]].split()))  # JSON text
    assert "text" not in record["a_metadata"] and "id" not in record["a_metadata"]

    done = call("scan", "c.jsonl", "--clusters", "-q", cwd=tmp_path)
    clusters = jsonl(done.stdout)
    first = next(c for c in clusters if "s3" in c["members"])
    assert first["metadata"]["s3"]["title"] == TITLES["s3"]
    done = call("scan", "c.jsonl", "--clusters", "--format", "table", "-q", cwd=tmp_path)
    assert done.stdout.splitlines()[0].split() == [
        "cluster", "size", "id", "representative", "title", "outlet", "date"
    ]  # fmt: skip


def test_label_and_date_fields_are_chosen(call, tmp_path, docs):
    write_jsonl(tmp_path / "c.jsonl", docs, extra=lambda d: {"headline": f"H-{d}"})
    done = call(
        "scan", "c.jsonl", "--format", "csv", "--label-field", "headline", "--date-field",
        "words", "-q", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    header = done.stdout.splitlines()[0].split(",")
    assert header[-6:] == ["a_headline", "a_outlet", "a_words", "b_headline", "b_outlet", "b_words"]
    done = call("scan", "c.jsonl", "--label-field", "nope", cwd=tmp_path)
    assert done.returncode == 2
    assert "--label-field 'nope': no document has that field" in done.stderr


def test_inputs_without_metadata_give_the_plain_outputs(call, tmp_path):
    docs = {"a": "one two three four five six seven", "b": "one two three four five six seven"}
    (tmp_path / "c.jsonl").write_text(
        "".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in docs.items())
    )
    done = call("scan", "c.jsonl", "-q", cwd=tmp_path)
    assert jsonl(done.stdout) == [m.to_dict() for m in dedupe.find_duplicates(docs).matches]


# ------------------------------------------------------------------------------- dedup


def kept_and_decisions(tmp_path, out="out.jsonl", decisions="decisions.jsonl"):
    return jsonl((tmp_path / out).read_text()), jsonl((tmp_path / decisions).read_text())


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--partial", "keep"],
        ["--keep", "longest"],
        ["--keep", "earliest", "--date-field", "date"],
        ["--keep=-words"],
    ],
)
def test_dedup_writes_the_kept_records_unchanged_and_the_decisions(call, tmp_path, docs, options):
    lines = write_jsonl(tmp_path / "c.jsonl", docs)
    done = call(
        "dedup", "c.jsonl", "-o", "out.jsonl", "--decisions", "decisions.jsonl", *options,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out_lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    kept, decisions = kept_and_decisions(tmp_path)
    kept_ids = [r["id"] for r in kept]
    # the records are the input lines, byte for byte, in input order
    by_id = dict(zip(docs, lines, strict=True))
    assert out_lines == [by_id[d] for d in kept_ids]
    assert kept_ids == [d for d in docs if d in set(kept_ids)]
    assert decisions and {d["id"] for d in decisions}.isdisjoint(kept_ids)
    assert len(kept) + len(decisions) == len(docs)
    partial = "--partial" not in options
    kinds = {"exact", "near_duplicate"} | ({"partial"} if partial else set())
    assert {d["kind"] for d in decisions} <= kinds
    assert all(d["duplicate_of"] in set(kept_ids) for d in decisions)
    assert set(decisions[0]) == {
        "id", "duplicate_of", "kind", "jaccard", "dropped_in_kept", "kept_in_dropped"
    }  # fmt: skip
    # no two kept documents match with a dropped kind
    again = dedupe.find_duplicates({d: docs[d] for d in kept_ids})
    assert [m for m in again.expanded_matches() if m.kind in kinds] == []
    assert f"kept {len(kept)}, dropped {len(decisions)}" in done.stderr


def test_dedup_keep_rules_choose_the_survivor(call, tmp_path):
    base = " ".join(f"word{i}" for i in range(80))
    records = [
        {"id": "a", "date": "2024-05-03", "rank": "2", "text": base},
        {"id": "b", "date": "2024-05-01", "rank": "10", "text": base + " and a tail"},
        {"id": "c", "date": "2024-05-02", "rank": "1", "text": base},
    ]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    for options, survivor in [
        ([], "a"),
        (["--date-field", "date"], "b"),
        (["--keep", "longest"], "b"),
        (["--keep", "rank"], "c"),
        (["--keep=-rank"], "b"),
    ]:
        done = call("dedup", "c.jsonl", "-o", "out.jsonl", "-q", *options, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert [r["id"] for r in jsonl((tmp_path / "out.jsonl").read_text())] == [survivor]
    done = call("dedup", "c.jsonl", "-o", "out.jsonl", "--keep", "nope", cwd=tmp_path)
    assert done.returncode == 2 and "no document has a metadata field 'nope'" in done.stderr
    done = call("dedup", "c.jsonl", "-o", "out.jsonl", "--date-field", "rank", cwd=tmp_path)
    assert done.returncode == 2 and "document 'a', field 'rank': '2' is not a date" in done.stderr


def test_dedup_of_csv_and_folder_inputs(call, tmp_path):
    base = " ".join(f"word{i}" for i in range(60))
    with open(tmp_path / "c.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "text"])
        w.writerows([["a", "A", base], ["b", "B", base], ["c", "C", "something else entirely"]])
    done = call("dedup", "c.csv", "-o", "out.jsonl", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert jsonl((tmp_path / "out.jsonl").read_text()) == [
        {"id": "a", "title": "A", "text": base},
        {"id": "c", "title": "C", "text": "something else entirely"},
    ]
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "x.txt").write_text(base)
    (tmp_path / "f" / "y.txt").write_text(base)
    done = call("dedup", "f", "-o", "-", "-q", cwd=tmp_path)
    assert jsonl(done.stdout) == [{"id": "x.txt", "text": base}]


def test_dedup_refuses_to_overwrite_its_input(call, tmp_path, docs):
    write_jsonl(tmp_path / "c.jsonl", docs)
    done = call("dedup", "c.jsonl", "-o", "c.jsonl", cwd=tmp_path)
    assert done.returncode == 2 and "c.jsonl: is an input" in done.stderr
    done = call("dedup", "c.jsonl", "-o", "o.jsonl", "--decisions", "o.jsonl", cwd=tmp_path)
    assert done.returncode == 2 and "name the same file" in done.stderr


@pytest.mark.slow
def test_dedup_reuters(tmp_path):
    if not REUTERS.exists():
        pytest.skip(f"Reuters corpus not found at {REUTERS}")
    start = time.perf_counter()
    done = run(
        "dedup", str(REUTERS), "-o", "out.jsonl", "--decisions", "decisions.jsonl", cwd=tmp_path
    )
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    kept, decisions = kept_and_decisions(tmp_path)
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        total = sum(1 for line in fh if line.strip())
    assert len(kept) + len(decisions) == total
    assert len(decisions) > 1000
    kept_ids = {r["id"] for r in kept}
    assert all(d["duplicate_of"] in kept_ids for d in decisions)
    again = dedupe.find_duplicates({r["id"]: r["text"] for r in kept if r["text"].strip()})
    assert again.expanded_matches() == []
    print(f"dedup Reuters: {len(kept)} kept, {len(decisions)} dropped in {seconds:.1f} s")


# ------------------------------------------------------------------------------- diff


def test_diff_two_documents_of_a_collection(call, tmp_path, docs):
    write_jsonl(tmp_path / "c.jsonl", docs)
    (tmp_path / "a.txt").write_text(docs["s0"], encoding="utf-8")
    (tmp_path / "b.txt").write_text(docs["s0-rewrite"], encoding="utf-8")
    by_files = call("diff", "a.txt", "b.txt", "--format", "json", cwd=tmp_path)
    by_ids = call("diff", "c.jsonl", "s0", "s0-rewrite", "--format", "json", cwd=tmp_path)
    assert by_files.returncode == by_ids.returncode == 0, by_ids.stderr
    one, two = json.loads(by_files.stdout), json.loads(by_ids.stdout)
    assert (two["a"], two["b"]) == ("s0", "s0-rewrite")
    assert {**one, "a": "s0", "b": "s0-rewrite"} == two
    assert call("diff", "c.jsonl", "s0", "s0-rewrite", cwd=tmp_path).stdout == (
        call("diff", "a.txt", "b.txt", cwd=tmp_path).stdout
    )
    done = call("diff", "c.jsonl", "s0", "zzz", cwd=tmp_path)
    assert done.returncode == 2
    assert "c.jsonl: no document with id 'zzz'" in done.stderr


# ------------------------------------------------------------------------------- on-error


@pytest.fixture
def damaged(tmp_path):
    """A folder with two good files, a binary file and a non-UTF-8 file; a JSONL file with
    a malformed line."""
    folder = tmp_path / "f"
    folder.mkdir()
    text = " ".join(f"word{i}" for i in range(60))
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "b.txt").write_text(text, encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 20)
    (folder / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    good = [json.dumps({"id": k, "text": text}) for k in ("x", "y")]
    (tmp_path / "c.jsonl").write_text(good[0] + "\n{not json\n" + good[1] + "\n")
    return tmp_path


@pytest.mark.parametrize(
    ("cmd", "rest"),
    [
        (["scan"], []),
        (["report"], ["-o", "r.html"]),
        (["dedup"], ["-o", "out.jsonl", "--decisions", "d.jsonl"]),
        (["index", "build"], ["-o", "x.idx"]),
    ],
)
def test_on_error_skip_lists_what_was_left_out(call, damaged, cmd, rest):
    for source, bad in (("f", ["binary.txt", "latin1.txt"]), ("c.jsonl", ["c.jsonl:2"])):
        stopped = call(*cmd, source, *rest, cwd=damaged)
        assert stopped.returncode == 2, stopped.stderr
        done = call(*cmd, source, *rest, "--on-error", "skip", cwd=damaged)
        assert done.returncode == 0, done.stderr
        assert f"skipped {len(bad)} unreadable input" in done.stderr
        for name in bad:
            assert name in done.stderr
        if source == "f":
            assert "not valid UTF-8" in done.stderr
        else:
            assert "not valid JSON" in done.stderr
        if cmd == ["dedup"]:
            lines = jsonl((damaged / "d.jsonl").read_text())
            skipped = [r for r in lines if "skipped" in r]
            assert len(skipped) == len(bad) and all(r["reason"] for r in skipped)


# ------------------------------------------------------------------------------- progress


def test_progress_bars_only_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    args = argparse.Namespace(quiet=False)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not common.show_progress(args)
    monkeypatch.setattr("sys.stderr", Terminal())
    assert common.show_progress(args)
    assert not common.show_progress(argparse.Namespace(quiet=True))


def _scan_stderr(path, stderr_to_terminal: bool) -> str:
    """What `dedupe scan` prints on stderr (bars shown at once), to a terminal or a pipe."""
    pty = pytest.importorskip("pty")
    fcntl = pytest.importorskip("fcntl")
    termios = pytest.importorskip("termios")
    code = (
        "import sys; import dedupe.parallel as p; p.PROGRESS_DELAY = 0; "
        "from dedupe.cli import main; "
        f"sys.exit(main(['scan', {str(path)!r}, '-o', {str(path) + '.out'!r}]))"
    )
    env = {**os.environ, "PYTHONPATH": test_cli.CHECKOUT_PATH}
    if not stderr_to_terminal:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env)
        assert done.returncode == 0
        return done.stderr.decode()
    master, slave = pty.openpty()
    # a new terminal is 0 columns wide, and tqdm draws nothing in 0 columns
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with subprocess.Popen([sys.executable, "-c", code], stderr=slave, env=env) as proc:
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    os.close(master)
    assert proc.returncode == 0
    return b"".join(chunks).decode()


def test_progress_bar_on_a_terminal_and_none_in_a_log_file(tmp_path):
    pytest.importorskip("tqdm")
    docs = generated_collection()
    (tmp_path / "c.jsonl").write_text(
        "".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in docs.items())
    )
    on_terminal = _scan_stderr(tmp_path / "c.jsonl", True)
    assert "indexing" in on_terminal and "doc" in on_terminal  # the bar was drawn
    in_a_pipe = _scan_stderr(tmp_path / "c.jsonl", False)
    assert in_a_pipe.startswith("dedupe: ") and in_a_pipe.count("\n") == 1, in_a_pipe
    assert "\r" not in in_a_pipe and "indexing" not in in_a_pipe


def test_a_bar_without_eta_shows_steps_and_elapsed_time_only(monkeypatch):
    pytest.importorskip("tqdm")
    from dedupe.parallel import Progress

    monkeypatch.setattr("sys.stderr", io.StringIO())
    with Progress(1000, desc="exact all pairs", unit="step", eta=False) as bar:
        bar.update(3)
        shown = str(bar._bar)
    assert shown.startswith("exact all pairs: 3/1000 steps [") and "elapsed" in shown
    assert "<" not in shown and "/s" not in shown  # no time left, no rate
    with Progress(1000, desc="x", unit="step") as bar:  # the default bar keeps its ETA
        bar.update(3)
        assert "<" in str(bar._bar)


def test_index_build_and_add_save_the_records_metadata(call, tmp_path, docs):
    first = dict(list(docs.items())[:20])
    rest = dict(list(docs.items())[20:])
    write_jsonl(tmp_path / "a.jsonl", first)
    write_jsonl(tmp_path / "b.jsonl", rest)
    assert call("index", "build", "a.jsonl", "-o", "x.idx", "-q", cwd=tmp_path).returncode == 0
    assert call("index", "add", "x.idx", "b.jsonl", "-q", cwd=tmp_path).returncode == 0
    index = dedupe.Index.load(tmp_path / "x.idx")
    one, two = next(iter(first)), next(iter(rest))
    assert index.metadata(one)["title"] == TITLES.get(one, f"Story {one}")
    assert index.metadata(two)["words"] == str(len(rest[two].split()))


def test_lines_mode_reports_each_long_stage_and_a_heartbeat(monkeypatch, capsys):
    from dedupe import parallel

    now = [0.0]
    monkeypatch.setattr(parallel.time, "monotonic", lambda: now[0])
    with parallel.Progress(10, desc="indexing", unit="doc", enabled="lines") as bar:
        now[0] = 1.0
        bar.update(2)  # no line yet
        now[0] = 40.0
        bar.update(3)  # a heartbeat: 30 s since the stage began
        now[0] = 41.5
        bar.describe("verifying")  # indexing took 41.5 s
        now[0] = 42.0
        bar.describe("clustering")  # verifying took 0.5 s: no line
        now[0] = 50.0
    err = capsys.readouterr().err.splitlines()  # clustering took 8 s
    assert err == [
        "dedupe: indexing: 5/10 docs so far",
        "dedupe: indexing: done, 5 docs in 41.5 s",
        "dedupe: clustering: done, 8.0 s",
    ]


def test_a_scan_in_a_log_file_says_each_long_stage(tmp_path, monkeypatch):
    """Off a terminal (no bar), each stage that took LINE_SECONDS or more gets one line:
    here every stage, with the bound at 0."""
    docs = generated_collection()
    (tmp_path / "c.jsonl").write_text(
        "".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in docs.items())
    )
    code = (
        "import sys; import dedupe.parallel as p; p.LINE_SECONDS = 0; "
        "from dedupe.cli import main; "
        f"sys.exit(main(['scan', {str(tmp_path / 'c.jsonl')!r}, '-o', {str(tmp_path / 'o')!r}]))"
    )
    env = {**os.environ, "PYTHONPATH": test_cli.CHECKOUT_PATH}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, text=True)
    assert done.returncode == 0, done.stderr
    stages = [line.split(":")[1].strip() for line in done.stderr.splitlines()[:-1]]
    assert stages[0] == "indexing" and stages[-1] == "clustering", done.stderr
    assert any(s.startswith("verifying") for s in stages) and "\r" not in done.stderr


# ------------------------------------------------------------------------------- streaming


@pytest.fixture
def counted(monkeypatch):
    """Batches of 7 documents (JSONL read by the workers: blocks of 7 lines, one a batch);
    ``counted`` lists how many lines had been read from the inputs when each batch was
    handed to the workers."""
    monkeypatch.setattr(dedupe.index, "STREAM_BATCH_DOCS", 7)
    monkeypatch.setattr(dedupe.index, "SKETCH_CHUNK_DOCS", 7)
    monkeypatch.setattr(dedupe.index, "STREAM_BATCH_CHUNKS", 1)
    read: list[int] = []
    at_sketch: list[int] = []
    lines, submit = dedupe.inputs.bounded_lines, dedupe.parallel.ForkPool.submit
    sketch = dedupe.Index._sketch_submit

    def counting_lines(*args, **kwargs):
        for line in lines(*args, **kwargs):
            read.append(1)
            yield line

    def counting_submit(self, items, done=None):  # lines to parse (a batch of 7 texts
        at_sketch.append(len(read))  # is sketched in this process: counted below)
        return submit(self, items, done)

    def counting_sketch(self, texts, progress=None, pool=None):
        at_sketch.append(len(read))
        return sketch(self, texts, progress, pool)

    monkeypatch.setattr(dedupe.inputs, "bounded_lines", counting_lines)
    monkeypatch.setattr(dedupe.parallel.ForkPool, "submit", counting_submit)
    monkeypatch.setattr(dedupe.Index, "_sketch_submit", counting_sketch)
    return at_sketch


def test_scan_streams_its_input_with_the_results_of_a_whole_read(call, tmp_path, docs, counted):
    write_jsonl(tmp_path / "c.jsonl", docs)
    streamed = call("scan", "c.jsonl", "-q", cwd=tmp_path)
    assert streamed.returncode == 0, streamed.stderr
    assert counted[:3] == [7, 14, 21]  # each batch sketched as soon as it is read
    report = dedupe.find_duplicates(
        dedupe.inputs.read_documents([tmp_path / "c.jsonl"]), skip_empty=True
    )
    assert [(r["a"], r["b"], r["kind"]) for r in jsonl(streamed.stdout)] == [
        (m.a, m.b, m.kind) for m in report.matches
    ]
    clusters = call("scan", "c.jsonl", "--clusters", "--date-field", "date", "-q", cwd=tmp_path)
    assert len(jsonl(clusters.stdout)) == len(report.clusters) > 0


@pytest.mark.parametrize("zipped", [False, True])
def test_dedup_streams_a_file_and_standard_input_alike(call, tmp_path, docs, counted, zipped):
    """dedup reads a file twice (sketching, then writing the kept records) and standard
    input from a copy; both give the output of the in-memory rule."""
    lines = write_jsonl(tmp_path / "c.jsonl", docs)
    by_file = call("dedup", "c.jsonl", "-o", "-", "--decisions", "d1.jsonl", "-q", cwd=tmp_path)
    assert by_file.returncode == 0, by_file.stderr
    assert counted[:2] == [7, 14]
    data = (tmp_path / "c.jsonl").read_text(encoding="utf-8")
    if zipped:  # gzip on standard input, as bytes
        fake = io.TextIOWrapper(io.BytesIO(gzip.compress(data.encode("utf-8"))))
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(sys, "stdin", fake)
            by_stdin = call("dedup", "-", "-o", "-", "--decisions", "d2.jsonl", cwd=tmp_path)
    else:
        by_stdin = call(
            "dedup", "-", "-o", "-", "--decisions", "d2.jsonl", stdin=data, cwd=tmp_path
        )
    assert by_stdin.returncode == 0, by_stdin.stderr
    assert by_stdin.stdout == by_file.stdout
    assert (tmp_path / "d1.jsonl").read_text() == (tmp_path / "d2.jsonl").read_text()
    kept = dedupe.find_duplicates(docs).deduplicate().kept
    by_id = dict(zip(docs, lines, strict=True))
    assert by_file.stdout.splitlines() == [by_id[d] for d in kept]
    assert f"{len(docs)} documents: kept {len(kept)}" in by_stdin.stderr


def test_dedup_refuses_an_input_changed_between_its_two_reads(call, tmp_path, docs, monkeypatch):
    from dedupe.cli import dedup as dedup_cli

    lines = write_jsonl(tmp_path / "c.jsonl", docs)
    find = dedup_cli.find

    def find_then_change(*args, **kwargs):
        report = find(*args, **kwargs)
        (tmp_path / "c.jsonl").write_text("".join(x + "\n" for x in lines[:-1]), encoding="utf-8")
        return report

    monkeypatch.setattr(dedup_cli, "find", find_then_change)
    done = call("dedup", "c.jsonl", "-o", "out.jsonl", "-q", cwd=tmp_path)
    assert done.returncode == 2
    assert "the inputs changed while dedupe read them" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()
