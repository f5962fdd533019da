"""find_duplicates over iter_documents of JSONL inputs: the workers parse the lines they
sketch (dedupe.records, dedupe.sketch_tasks.read_part) and the stream notes what they
found. Every result, error and list the caller gets must be those of the same stream read
one document at a time in this process."""

from __future__ import annotations

import gzip
import io
import json
import random

import pytest

import dedupe
from dedupe.errors import DedupeError
from dedupe.inputs import DocumentStream, iter_documents

WORDS = (
    "the minister said on monday that new rail line will open in may and carry ten thousand "
    "passengers a day between two cities officials added cost rose sharply after delays"
).split()


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Blocks of 5 lines, two a batch: a few dozen lines span several batches."""
    monkeypatch.setattr(dedupe.index, "SKETCH_CHUNK_DOCS", 5)
    monkeypatch.setattr(dedupe.index, "STREAM_BATCH_CHUNKS", 2)
    monkeypatch.setattr(dedupe.index, "STREAM_BATCH_DOCS", 10)


@pytest.fixture
def taken(monkeypatch):
    """How many blocks the stream took from the workers (0: read one document at a time)."""
    count = [0]
    take = DocumentStream.take

    def counting(self, block, parsed):
        count[0] += 1
        return take(self, block, parsed)

    monkeypatch.setattr(DocumentStream, "take", counting)
    return count


def records(n: int, seed: int = 3) -> list[dict]:
    """``n`` records: articles, copies and excerpts of earlier ones, with metadata."""
    rng = random.Random(seed)
    out: list[dict] = []
    for i in range(n):
        if out and i % 4 == 0:
            source = rng.choice(out)["text"].split()
            text = " ".join(source[: max(12, len(source) * 2 // 3)])
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
        out.append({"id": i if i % 7 == 0 else f"d{i}", "text": text, "outlet": f"o{i % 3}"})
    return out


def write(path, lines: list[str]) -> None:
    path.write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))


def one_at_a_time(stream):
    """The stream as a plain generator: read one document at a time, in this process."""
    yield from stream


def both(paths, workers: int, **options):
    """The outcome (report, or the error's type and message) and the lists the stream
    fills (when there is no error: how far they are filled when one is raised depends on
    how far the reading had gone), by the workers' parse and by reading one document at a
    time."""
    out = []
    for plain in (False, True):
        skipped: list = [] if options.get("skip_lines") else None  # type: ignore[assignment]
        empty: list = [] if options.get("empty_inputs") else None  # type: ignore[assignment]
        meta: dict = {}
        stream = iter_documents(
            paths,
            skipped=skipped,
            empty=empty,
            metadata=meta,
            max_record_bytes=options.get("max_record_bytes", 2**20),
        )
        docs = one_at_a_time(stream) if plain else stream
        try:
            report = dedupe.find_duplicates(
                docs, workers=workers, skip_empty=options.get("skip_empty", False), ngram=3
            )
            got = (
                [(m.a, m.b, m.kind, m.jaccard) for m in report.matches],
                report.skipped,
                [c.members for c in report.clusters],
            )
        except DedupeError as err:
            got = (type(err).__name__, str(err))
            skipped = empty = meta = None  # type: ignore[assignment]
        out.append((got, skipped, empty, meta))
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_a_jsonl_stream_parsed_by_the_workers_gives_the_report_of_one_read_here(
    tmp_path, taken, workers
):
    recs = records(60)
    recs[11]["text"] = " -- "  # no words: skipped
    lines = [json.dumps(r) for r in recs]
    lines.insert(20, "")  # a blank line
    write(tmp_path / "a.jsonl", lines[:30])
    with gzip.open(tmp_path / "b.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines[30:]))  # no line end after the last line
    paths = [tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"]
    parsed, plain = both(paths, workers, skip_empty=True)
    assert taken[0] > 4  # the workers parsed the lines, in several batches
    assert parsed == plain
    (matches, skipped, clusters), _, _, meta = parsed
    assert skipped == ("d11",) and len(matches) > 5 and clusters
    assert meta["0"] == {"outlet": "o0"} and len(meta) == 60  # int ids read as digits


BAD = {
    "bad JSON": "{oops",
    "not an object": "[1, 2]",
    "no id": '{"text": "a b c"}',
    "id not a string": '{"id": 1.5, "text": "a b c"}',
    "NUL in the text": '{"id": "n", "text": "a\\u0000b"}',
    "lone surrogate in the id": '{"id": "\\ud800", "text": "a b c"}',
    "empty id": '{"id": "", "text": "a b c"}',
    "duplicate id": '{"id": "d1", "text": "a b c"}',
    "no words": '{"id": "w", "text": " - "}',
    "too long": json.dumps({"id": "long", "text": "word " * 400}),
    "bad UTF-8": b'{"id": "u", "text": "caf\xe9"}'.decode("latin-1"),
}


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("skip_lines", [False, True])
@pytest.mark.parametrize("problem", sorted(BAD))
def test_a_bad_line_gives_the_error_or_the_skip_of_one_read_here(
    tmp_path, taken, problem, skip_lines, workers
):
    lines = [json.dumps(r) for r in records(23)]
    lines.insert(14, BAD[problem])
    path = tmp_path / "c.jsonl"
    if problem == "bad UTF-8":
        path.write_bytes("\n".join(lines).encode("latin-1"))
    else:
        write(path, lines)
    parsed, plain = both([path], workers, skip_lines=skip_lines, max_record_bytes=1000)
    assert taken[0] > 0
    assert parsed == plain
    outcome, skipped, _, _ = parsed
    if problem in ("no words", "empty id", "duplicate id") or not skip_lines:
        assert isinstance(outcome[0], str) and outcome[1]  # an error, said
    else:
        assert skipped and skipped[0][0] == f"{path}:15"  # the line, skipped


@pytest.mark.parametrize("workers", [1, 2])
def test_inputs_that_hold_nothing_and_broken_gzip_are_said_as_one_read_here(
    tmp_path, taken, workers
):
    write(tmp_path / "a.jsonl", [json.dumps(r) for r in records(12)])
    (tmp_path / "empty.jsonl").write_bytes(b"")
    write(tmp_path / "blank.jsonl", ["", "  "])
    for empty_inputs in (False, True):
        paths = [tmp_path / "a.jsonl", tmp_path / "empty.jsonl", tmp_path / "blank.jsonl"]
        parsed, plain = both(paths, workers, empty_inputs=empty_inputs)
        assert parsed == plain
        if empty_inputs:
            assert [e[0] for e in parsed[2]] == [str(p) for p in paths[1:]]
        else:
            assert parsed[0][0] == "EmptyInputError"
    more = [{**r, "id": f"g{r['id']}"} for r in records(40)]
    zipped = gzip.compress("\n".join(json.dumps(r) for r in more).encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(zipped[: len(zipped) // 2])
    parsed, plain = both([tmp_path / "a.jsonl", tmp_path / "cut.jsonl.gz"], workers)
    assert parsed == plain and "broken gzip data" in parsed[0][1]


def test_standard_input_is_parsed_by_the_workers_too(taken):
    data = "".join(json.dumps(r) + "\n" for r in records(30)).encode()
    report = dedupe.find_duplicates(
        iter_documents(["-"], stdin=io.BytesIO(data)), workers=2, ngram=3
    )
    expected = dedupe.find_duplicates(
        {str(r["id"]): r["text"] for r in records(30)}, workers=1, ngram=3
    )
    assert taken[0] > 0
    assert [(m.a, m.b, m.jaccard) for m in report.matches] == [
        (m.a, m.b, m.jaccard) for m in expected.matches
    ]


def test_a_stream_read_in_part_or_with_its_records_is_read_one_document_at_a_time(tmp_path, taken):
    write(tmp_path / "a.jsonl", [json.dumps(r) for r in records(20)])
    stream = iter_documents([tmp_path / "a.jsonl"], records={})
    assert stream.line_blocks(5, 100) is None  # the records are the lines: kept here
    started = iter_documents([tmp_path / "a.jsonl"])
    first = next(started)
    report = dedupe.find_duplicates(started, ngram=3)  # the rest, one at a time
    assert taken[0] == 0 and first[0] == "0" and first[0] not in report.ids
    limited = iter_documents([tmp_path / "a.jsonl"], limit=7)
    assert len(dedupe.find_duplicates(limited, ngram=3).ids) == 7 and taken[0] == 0
