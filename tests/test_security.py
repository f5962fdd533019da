"""Issue 24: nothing a user stored is lost, nothing outside the output is touched, hostile
input and hostile names never reach a terminal, a spreadsheet or a page unescaped."""

from __future__ import annotations

import os
from pathlib import Path

from dedupe.inputs import STALE_TEMP_SECONDS, atomic_write


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
