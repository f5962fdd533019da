"""Issue 24: nothing a user stored is lost, nothing outside the output is touched, hostile
input and hostile names never reach a terminal, a spreadsheet or a page unescaped."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import dedupe
from dedupe import Index
from dedupe.cli import main
from dedupe.errors import DedupeError, InputError
from dedupe.inputs import STALE_TEMP_SECONDS, atomic_write, check_output_path, followed_by_kernel

OTHER_UID = 4242  # a user that is neither the test's nor a folder's owner


def _age(path: Path, seconds: float = STALE_TEMP_SECONDS + 600) -> None:
    old = path.stat().st_mtime - seconds
    os.utime(path, (old, old))


# --------------------------------------------------------------------- stale temporaries
def test_stale_cleanup_takes_the_output_name_literally(tmp_path):
    """`atomic_write('g/o*')` once deleted an unrelated old `g/.other-data.keep.tmp`: the
    cleanup's glob was built from the unescaped name."""
    folder = tmp_path / "g"
    folder.mkdir()
    unrelated = [
        folder / ".other-data.keep.tmp",  # matched by the glob '.o*.*.tmp'
        folder / ".o.x.keep.tmp",  # not a name mkstemp makes: random part of 8 characters
        folder / ".o[ab].abcdefgh.tmp",  # another output's temporary
    ]
    for path in unrelated:
        path.write_bytes(b"someone else's")
        _age(path)
    ours = folder / ".o*.abcd_123.tmp"  # left by a killed write to 'o*'
    ours.write_bytes(b"left by a killed write")
    _age(ours)
    with atomic_write(folder / "o*") as fh:
        fh.write(b"new")
    assert (folder / "o*").read_bytes() == b"new"
    assert all(p.exists() for p in unrelated)
    assert not ours.exists()


def test_stale_cleanup_never_removes_a_link_or_a_folder(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    link = tmp_path / ".out.abcdefgh.tmp"
    link.symlink_to(victim)
    os.utime(link, (0, 0), follow_symlinks=False)
    folder = tmp_path / ".out.zyxwvuts.tmp"
    folder.mkdir()
    os.utime(folder, (0, 0))
    with atomic_write(tmp_path / "out") as fh:
        fh.write(b"x")
    assert link.is_symlink() and victim.read_bytes() == b"keep me" and folder.is_dir()


# --------------------------------------------------------------------- links in /tmp
def _sticky(folder: Path) -> Path:
    folder.mkdir()
    os.chmod(folder, 0o1777)  # as /tmp: sticky, writable by everyone
    return folder


def _theirs(link: Path) -> None:
    """Give ``link`` to another user. Only root can; elsewhere the test is skipped (the
    rule itself is tested on stat results in test_the_protected_symlinks_rule)."""
    if os.geteuid() != 0:
        pytest.skip("giving a link to another user needs root")
    os.lchown(link, OTHER_UID, OTHER_UID)


def test_the_protected_symlinks_rule():
    def st(mode: int, uid: int) -> os.stat_result:
        return os.stat_result((mode, 0, 0, 0, uid, 0, 0, 0, 0, 0))

    tmp = st(stat.S_IFDIR | 0o1777, 0)
    link = st(stat.S_IFLNK | 0o777, 1001)
    assert followed_by_kernel(link, tmp, 1001)  # one's own link
    assert not followed_by_kernel(link, tmp, 1002)  # someone else's, in /tmp
    assert not followed_by_kernel(link, tmp, 0)  # root is not exempt
    assert followed_by_kernel(link, st(stat.S_IFDIR | 0o1777, 1001), 1002)  # folder owner's
    assert followed_by_kernel(link, st(stat.S_IFDIR | 0o0777, 0), 1002)  # not sticky
    assert followed_by_kernel(link, st(stat.S_IFDIR | 0o1775, 0), 1002)  # not shared


def test_another_users_link_in_a_sticky_folder_is_never_written_through(tmp_path):
    """A link planted in /tmp pointing at a user's file: `-o /tmp/report.html` must not
    replace that file. Real: the link is given to another uid with lchown (as root)."""
    victim = tmp_path / "victim.idx"
    victim.write_bytes(b"the user's own file")
    shared = _sticky(tmp_path / "tmp")
    link = shared / "report.html"
    link.symlink_to(victim)
    _theirs(link)
    with pytest.raises(InputError, match="owned by another user.*protected_symlinks"):
        check_output_path(link)
    index = Index()
    index.add("a", "some words of a text")
    with pytest.raises(InputError, match="does not write through it"):
        index.save(link)
    with pytest.raises(InputError):
        with atomic_write(link) as fh:
            fh.write(b"x")
    assert main(["scan", "seeds", "-q", "-o", str(link)]) == 2
    assert victim.read_bytes() == b"the user's own file" and link.is_symlink()
    # a planted link to a folder, further up the path, is refused too
    folder_link = shared / "reports"
    folder_link.symlink_to(tmp_path)
    os.lchown(folder_link, OTHER_UID, OTHER_UID)
    with pytest.raises(InputError, match="reports is a symbolic link owned by another user"):
        check_output_path(folder_link / "victim.idx")
    assert victim.read_bytes() == b"the user's own file"


def test_ones_own_links_and_links_outside_shared_folders_are_followed(tmp_path):
    target = tmp_path / "real.txt"
    target.write_bytes(b"old")
    shared = _sticky(tmp_path / "tmp")
    mine = shared / "mine.txt"
    mine.symlink_to(target)
    with atomic_write(mine) as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new" and mine.is_symlink()
    private = tmp_path / "private"
    private.mkdir()
    theirs = private / "theirs.txt"
    theirs.symlink_to(target)
    _theirs(theirs)  # another user's link, in a folder that is not shared: as the kernel
    assert check_output_path(theirs) == target


# --------------------------------------------------------------------- -o is an input
@pytest.fixture
def files(tmp_path, seeds):
    """Inputs of every kind a command reads: a JSONL collection, two text files, an index
    file, a folder of text files."""
    import json

    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in seeds.items()))
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(seeds["000"])
    b.write_text(seeds["001"])
    index = Index()
    index.add_many(seeds)
    idx = tmp_path / "x.idx"
    index.save(idx)
    folder = tmp_path / "folder"
    folder.mkdir()
    for k, v in seeds.items():
        (folder / f"{k}.txt").write_text(v)
    return {"docs": docs, "a": a, "b": b, "idx": idx, "folder": folder}


# (command with {name} for the files, the input that -o names)
WRITES_OVER = [
    ("scan {docs}", "docs"),
    ("report {docs}", "docs"),
    ("dedup {docs}", "docs"),
    ("dedup {docs} -o {tmp}/kept.jsonl --decisions", "docs"),
    ("diff {a} {b}", "b"),
    ("diff {docs} 000 001", "docs"),
    ("index build {docs}", "docs"),
    ("index query {idx} {a}", "idx"),
    ("index query {idx} {a}", "a"),
    ("index query {idx} --input {docs}", "docs"),
    ("provenance {a} --index {idx}", "idx"),
    ("provenance {a} --index {idx}", "a"),
]


@pytest.mark.parametrize("how", ["name", "symlink", "hard link"])
@pytest.mark.parametrize("command, victim", WRITES_OVER)
def test_no_command_writes_its_output_over_an_input(files, tmp_path, capsys, command, victim, how):
    """`dedupe index query x.idx a.txt -o x.idx` replaced the index with JSONL; `scan
    in.jsonl -o in.jsonl` exited 0. Every command refuses, whatever names the input."""
    target = files[victim]
    if how == "symlink":
        out = tmp_path / "link"
        out.symlink_to(target)
    elif how == "hard link":
        out = tmp_path / "hard"
        os.link(target, out)
    else:
        out = target
    before = {k: p.read_bytes() for k, p in files.items() if p.is_file()}
    args = command.format(tmp=tmp_path, **files).split()
    args += [str(out)] if args[-1] == "--decisions" else ["-o", str(out)]
    capsys.readouterr()
    assert main([*args, *(["-q"] if args[0] in ("scan", "report", "dedup") else [])]) == 2
    err = capsys.readouterr().err
    assert "is an input of this command" in err and "never modifies" in err, err
    assert {k: p.read_bytes() for k, p in files.items() if p.is_file()} == before


def test_an_output_inside_an_input_folder_is_refused_only_if_read_as_a_document(files, capsys):
    folder = files["folder"]
    before = sorted(p.name for p in folder.iterdir())
    for name in ("000.txt", "new.txt", "sub/NEW.MD"):
        (folder / "sub").mkdir(exist_ok=True)
        assert main(["scan", str(folder), "-q", "-o", str(folder / name)]) == 2
        assert "is a document of the input folder" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == sorted([*before, "sub"])
    assert (folder / "000.txt").read_bytes() == files["a"].read_bytes()
    assert main(["report", str(folder), "-q", "-o", str(folder / "report.html")]) == 0
    assert main(["scan", str(folder), "-q", "-o", str(folder / ".hidden.txt")]) == 0


# --------------------------------------------------------------------- record limits
def _traced_peak(fn) -> tuple[int, object]:
    import tracemalloc

    tracemalloc.start()
    try:
        out = None
        try:
            out = fn()
        except Exception as err:  # noqa: BLE001 - returned to the test
            out = err
        return tracemalloc.get_traced_memory()[1], out
    finally:
        tracemalloc.stop()


def _gz_with_a_long_line(path: Path, size: int) -> None:
    """A .jsonl.gz whose second line is one JSON record of ``size`` bytes, written in
    pieces (the whole line is never in memory here either)."""
    import gzip

    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(b'{"id": "a", "text": "a first short text"}\n{"id": "b", "text": "')
        piece = b"word " * 200_000
        for _ in range(size // len(piece)):
            fh.write(piece)
        fh.write(b'"}\n{"id": "c", "text": "a last short text"}\n')


def test_a_long_jsonl_line_is_refused_before_it_is_held(tmp_path):
    """A small .jsonl.gz expanding to one huge line ended in MemoryError: the line is now
    read with a bound, and refused naming the file, the line and the flag."""
    from dedupe.inputs import read_documents

    path = tmp_path / "bomb.jsonl.gz"
    _gz_with_a_long_line(path, 48 * 2**20)
    assert path.stat().st_size < 2**20  # under a megabyte on disk
    limit = 2**20
    peak, err = _traced_peak(lambda: read_documents([str(path)], max_record_bytes=limit))
    assert isinstance(err, InputError), err
    assert str(err).startswith(f"{path}:2: a record longer than 1,048,576 bytes")
    assert "--max-record-bytes" in str(err)
    assert peak < 8 * limit  # the 48 MB line was never held
    skipped: list = []
    peak, docs = _traced_peak(
        lambda: read_documents([str(path)], max_record_bytes=limit, skipped=skipped)
    )
    assert list(docs) == ["a", "c"] and skipped[0][0] == f"{path}:2"
    assert peak < 8 * limit


def test_the_record_limit_is_exact_and_counts_bytes(tmp_path):
    from dedupe.inputs import read_documents

    line = '{"id": "a", "text": "caf\u00e9 au lait"}\n'  # é is two bytes
    size = len(line.encode())
    path = tmp_path / "one.jsonl"
    path.write_text(line, encoding="utf-8")
    assert read_documents([str(path)], max_record_bytes=size) == {"a": "caf\u00e9 au lait"}
    with pytest.raises(InputError, match="one.jsonl:1: a record longer than"):
        read_documents([str(path)], max_record_bytes=size - 1)
    row = 'a,"caf\u00e9\nau lait"\n'  # a record of two lines
    csv_path = tmp_path / "two.csv"
    csv_path.write_text("id,text\n" + row + 'b,"short"\n', encoding="utf-8")
    size = len(row.encode())
    assert list(read_documents([str(csv_path)], max_record_bytes=size)) == ["a", "b"]
    with pytest.raises(InputError, match="two.csv:2: a record longer than"):
        read_documents([str(csv_path)], max_record_bytes=size - 1)
    with pytest.raises(DedupeError, match="max_record_bytes"):
        read_documents([str(csv_path)], max_record_bytes=0)


def test_a_long_csv_field_is_refused(tmp_path):
    from dedupe.inputs import read_documents

    path = tmp_path / "c.csv"
    path.write_text("id,text\na,short\nb," + "x" * 5000 + "\nc,more\n")
    with pytest.raises(InputError, match="c.csv:3: a record longer than 4,096 bytes"):
        read_documents([str(path)], max_record_bytes=4096)
    # ... even with --on-error skip: the rest of a CSV file cannot be told apart
    with pytest.raises(InputError, match="c.csv:3"):
        read_documents([str(path)], max_record_bytes=4096, skipped=[])


def test_the_cli_flag_raises_the_record_limit(tmp_path, capsys):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "' + "word " * 1000 + '"}\n')
    for command in (["scan", str(path)], ["index", "build", str(path), "-o", f"{tmp_path}/i"]):
        assert main([*command, "-q", "--max-record-bytes", "1K"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "c.jsonl:1: a record longer than 1,024 bytes" in err
        assert main([*command, "-q", "--max-record-bytes", "1M"]) == 0
    assert main(["scan", str(path), "--max-record-bytes", "0"]) == 2
    assert "not a positive number of bytes" in capsys.readouterr().err


def test_running_out_of_memory_is_one_line(monkeypatch, capsys):
    import dedupe

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(dedupe, "find_duplicates", exhausted)
    assert main(["scan", "seeds", "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dedupe scan: error: out of memory") and err.count("\n") == 1


# --------------------------------------------------------------------- hostile names
# Ids and metadata as a feed could send them: terminal escapes, forged lines and columns,
# a right-to-left override, spreadsheet formulas, markup breaking out of attributes.
HOSTILE_IDS = [
    "evil\x1b[2J\x1b]0;pwned\x07id",
    "two\nlines\rforged",
    '=HYPERLINK("http://x","x")',
    "@SUM(A1)\u202eoverride",
]
HOSTILE_META = {
    "title": '"><img src=x onerror=alert(1)><script>alert(2)</script>\x1b[31mred',
    "outlet": "+cmd|' /C calc'!A0\t\u2028sep",
    "date": "-2+3\n2024-01-01",
}
HOSTILE_CHARS = ("\x1b", "\x07", "\r", "\u202e", "\u2028", "\t")


@pytest.fixture
def hostile(tmp_path):
    """A JSONL collection whose ids and metadata are all hostile: a story and its copy
    (a cluster), two other stories, and a roundup of three (a hub)."""
    import json
    import random

    rng = random.Random(7)

    def story() -> str:
        return " ".join(f"w{rng.randrange(5000)}" for _ in range(120))

    a, b, c = story(), story(), story()
    texts = {
        HOSTILE_IDS[0]: a,
        HOSTILE_IDS[1]: a + " one more line here",
        HOSTILE_IDS[2]: b,
        HOSTILE_IDS[3]: c,
        "roundup\x1b[0m": a + "\n\n" + b + "\n\n" + c,
    }
    path = tmp_path / "hostile.jsonl"
    path.write_text(
        "".join(json.dumps({"id": k, "text": v, **HOSTILE_META}) + "\n" for k, v in texts.items())
    )
    report = dedupe.find_duplicates(texts)
    assert len(report.matches) == 5 and len(report.clusters) == 1 and len(report.hubs) == 1
    return path, texts


def _run(capsys, *args: str) -> str:
    capsys.readouterr()
    assert main(list(args)) == 0, capsys.readouterr().err
    out, err = capsys.readouterr()
    return out + err


def _check_terminal(text: str, rows: int) -> None:
    """No control character reaches the terminal, and no line was forged."""
    assert not any(c in text for c in HOSTILE_CHARS), repr(text)
    assert "\\x1b" in text
    assert len(text.splitlines()) == rows, text


def test_tables_show_control_characters_as_escapes(hostile, tmp_path, capsys):
    """Every terminal view: no control character gets through, no line is forged (each
    view has its heading and one line per row)."""
    path, texts = hostile
    base = ["scan", str(path), "-q", "--format", "table", "--label-field", "title"]
    _check_terminal(_run(capsys, *base), 1 + 5)  # 5 pairs
    _check_terminal(_run(capsys, *base, "--clusters"), 1 + 2)  # one cluster of 2
    _check_terminal(_run(capsys, *base, "--hubs"), 1 + 1)  # one hub
    idx = tmp_path / "x.idx"
    assert main(["index", "build", str(path), "-o", str(idx), "-q"]) == 0
    query = tmp_path / "q.txt"
    query.write_text(texts[HOSTILE_IDS[0]])
    answer = _run(capsys, "index", "query", str(idx), str(query), "--format", "table")
    _check_terminal(answer, 1 + 3)  # the story, its copy, the roundup
    stats = _run(capsys, "index", "stats", str(idx), "--ids")
    keys = len(_run(capsys, "index", "stats", str(idx)).splitlines())
    _check_terminal(stats, keys + len(texts))
    assert "two\\nlines\\rforged" in stats and "@SUM(A1)\\u202eoverride" in stats
    traced = _run(capsys, "provenance", str(query), "--index", str(idx))
    # the header, 3 sources, the share in none, a blank line, the one paragraph and its piece
    _check_terminal(traced, 1 + 3 + 1 + 1 + 2)


def test_table_views_of_the_library_escape_ids(hostile):
    import io

    import dedupe
    from dedupe.render import clusters_table, hubs_table, matches_table

    _, texts = hostile
    report = dedupe.find_duplicates(texts)
    for table in (
        matches_table(report.matches),
        clusters_table(report.clusters),
        hubs_table(report.hubs),
    ):
        assert not any(c in table for c in HOSTILE_CHARS) and "\n\n" not in table
    assert len(matches_table(report.matches).splitlines()) == 1 + len(report.matches)
    out = io.StringIO()
    dedupe.render.write_clusters(report.clusters, out, fmt="table")
    assert len(out.getvalue().splitlines()) == 1 + len(report.clusters)


def test_skipped_ids_on_stderr_are_escaped(tmp_path, capsys):
    import json

    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "a\x1b[2Jb\nforged", "text": "?!"}) + "\n"
                    + json.dumps({"id": "c", "text": "some words here"}) + "\n")  # fmt: skip
    capsys.readouterr()
    assert main(["scan", str(path)]) == 0
    err = capsys.readouterr().err
    assert "a\\x1b[2Jb\\nforged" in err and "\x1b" not in err


def _csv_cells(text: str) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text)))


def _check_csv(text: str) -> None:
    from dedupe.render.safe import CSV_FORMULA_STARTS

    rows = _csv_cells(text)
    cells = [c for row in rows for c in row]
    for cell in cells:
        assert not cell.startswith(CSV_FORMULA_STARTS), cell
    return cells


def test_csv_never_starts_a_field_with_a_formula(hostile, tmp_path, capsys):
    path, texts = hostile
    base = ["--label-field", "title", "--date-field", "date"]
    cells = _check_csv(_run(capsys, "scan", str(path), "-q", "--format", "csv", *base))
    assert "'" + HOSTILE_IDS[2] in cells and "'" + HOSTILE_META["date"] in cells
    assert "'" + HOSTILE_META["outlet"] in cells and HOSTILE_IDS[0] in cells  # kept whole
    cells = _check_csv(_run(capsys, "scan", str(path), "-q", "--format", "csv", "--clusters"))
    assert HOSTILE_IDS[1] in cells  # a newline inside a field is the csv module's to quote
    cells = _check_csv(_run(capsys, "scan", str(path), "-q", "--format", "csv", "--hubs"))
    assert "'" + HOSTILE_IDS[3] in cells
    idx = tmp_path / "x.idx"
    assert main(["index", "build", str(path), "-o", str(idx), "-q"]) == 0
    query = tmp_path / "q.txt"
    query.write_text(texts[HOSTILE_IDS[2]])
    cells = _check_csv(_run(capsys, "index", "query", str(idx), str(query), "--format", "csv"))
    assert "'" + HOSTILE_IDS[2] in cells


def test_csv_writers_of_the_library_guard_every_field(hostile):
    import io

    import dedupe
    from dedupe.render import write_clusters, write_hubs, write_matches
    from dedupe.render.labelled import write_labelled_clusters, write_labelled_matches

    _, texts = hostile
    meta = {k: dict(HOSTILE_META) for k in texts}
    report = dedupe.find_duplicates(texts, metadata=meta)
    fields = ("title", "outlet", "date")
    for write in (
        lambda out: write_matches(report.matches, out, fmt="csv"),
        lambda out: write_clusters(report.clusters, out, fmt="csv"),
        lambda out: write_hubs(report.hubs, out, fmt="csv"),
        lambda out: write_labelled_matches(
            report.matches, out, fmt="csv", metadata=meta, fields=fields
        ),
        lambda out: write_labelled_clusters(
            report.clusters, out, fmt="csv", metadata=meta, fields=fields
        ),
    ):
        out = io.StringIO()
        write(out)
        assert len(_check_csv(out.getvalue())) > 1


def _tags(page: str) -> set[str]:
    from html.parser import HTMLParser

    seen: set[str] = set()

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            seen.add(tag)

    Tags().feed(page)
    return seen


def _check_html(page: str) -> None:
    tags = _tags(page)
    assert not tags & {"script", "img", "iframe", "object", "embed"}, tags


def test_every_html_view_escapes_hostile_ids_and_metadata(hostile, tmp_path, capsys):
    """The report (clusters, hubs, reuse by member, diffs, pairs), the diff page and the
    provenance page: markup in ids, titles, outlets, dates and texts stays text."""
    import html as html_mod

    path, texts = hostile
    page = tmp_path / "report.html"
    assert main(["report", str(path), "-q", "-o", str(page)]) == 0
    html = page.read_bytes().decode()
    _check_html(html)
    for value in HOSTILE_META.values():  # every field is shown (escaped) on the page
        assert html_mod.escape(value) in html, value
    for doc_id in HOSTILE_IDS:
        assert html_mod.escape(doc_id) in html, doc_id
    assert main(["diff", str(path), HOSTILE_IDS[0], HOSTILE_IDS[1], "--format", "html",
                 "-o", str(tmp_path / "diff.html")]) == 0  # fmt: skip
    diff = (tmp_path / "diff.html").read_bytes().decode()
    _check_html(diff)
    assert html_mod.escape(HOSTILE_IDS[0]) in diff
    idx = tmp_path / "x.idx"
    assert main(["index", "build", str(path), "-o", str(idx), "-q"]) == 0
    query = tmp_path / "q.txt"
    query.write_text(texts[HOSTILE_IDS[0]] + '\n\n<script>alert("text")</script>')
    prov = tmp_path / "prov.html"
    assert main(["provenance", str(query), "--index", str(idx), "--format", "html",
                 "-o", str(prov)]) == 0  # fmt: skip
    _check_html(prov.read_text())
    assert "&lt;script&gt;alert(&quot;text&quot;)&lt;/script&gt;" in prov.read_text()


# --------------------------------------------------------------------- crafted index files
def test_a_crafted_array_shape_is_an_index_format_error_not_a_traceback(tmp_path, capsys):
    """An array of shape [0, 2**70] and 0 bytes passed every check, then numpy's reshape
    raised ValueError: `dedupe index stats x.idx` printed a traceback."""
    import hashlib
    import json
    import struct

    path = tmp_path / "x.idx"
    index = Index()
    index.add("a", "some words of a text")
    index.save(path)
    blob = path.read_bytes()
    magic, version, hlen = struct.unpack_from("<8sIQ", blob)
    header = json.loads(blob[20 : 20 + hlen])
    spec = next(s for s in header["arrays"] if s["name"] == "band_keys")
    spec.update(shape=[0, 2**70], nbytes=0, sha256=hashlib.sha256(b"").hexdigest())
    head = json.dumps(header).encode()
    path.write_bytes(struct.pack("<8sIQ", magic, version, len(head)) + head
                     + hashlib.sha256(head).digest() + blob[20 + hlen + 32 :])  # fmt: skip
    capsys.readouterr()
    assert main(["index", "stats", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'band_keys' has shape [0, 1180591620717411303424]" in err
