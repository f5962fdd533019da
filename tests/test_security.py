"""Issue 24: nothing a user stored is lost, nothing outside the output is touched, hostile
input and hostile names never reach a terminal, a spreadsheet or a page unescaped."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

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
