"""The README's library example runs as written (from the repo root)."""

from __future__ import annotations

import os
import re

from conftest import REPO


def test_readme_python_example_runs(tmp_path, capsys):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks, "README has no python example"
    code = blocks[0].replace('index.save("wire.idx")', f"index.save({str(tmp_path / 'w.idx')!r})")
    code = code.replace('Index.load("wire.idx")', f"Index.load({str(tmp_path / 'w.idx')!r})")
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "000 001 partial 0.22 0.6 0.26" in out
    assert "[('000', '001')]" in out


def test_readme_documents_the_alignment_schema():
    from dedupe.render import ALIGNMENT_SCHEMA

    assert ALIGNMENT_SCHEMA.strip() in (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_redis_example_runs(redis_server, tmp_path, capsys):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    first = blocks[0].replace('index.save("wire.idx")', f"index.save({str(tmp_path / 'w.idx')!r})")
    first = first.replace('Index.load("wire.idx")', f"Index.load({str(tmp_path / 'w.idx')!r})")
    (block,) = [b for b in blocks if "RedisStore(url" in b]
    code = block.replace('"redis://127.0.0.1:6379/0"', repr(redis_server.url))
    code = code.replace('namespace="wire"', 'namespace="readme"')
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        exec(compile(first + code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out.splitlines()
    assert out[-3:] == ["['001']", "5", "4 0"]


def test_readme_metadata_and_dedup_example_prints_what_it_says(capsys):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- newsroom:start -->")[1].split("<!-- newsroom:end -->")[0]
    (code,) = re.findall(r"```python\n(.*?)```", block, flags=re.S)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    said = [line.split("# ", 1)[1] for line in code.splitlines() if "print(" in line]
    assert len(printed) == len(said)
    for out, comment in zip(printed, said, strict=True):
        assert comment.startswith(out), (out, comment)
