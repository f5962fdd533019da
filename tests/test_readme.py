"""The README's library example runs as written (from the repo root), its headline table is
the benchmark's, and it stays what a newcomer reads first. The examples and the schema that
moved to docs/ are tested in tests/test_docs.py."""

from __future__ import annotations

import os
import re

from conftest import REPO

README = REPO / "README.md"


def test_readme_python_example_runs(tmp_path, capsys):
    readme = README.read_text(encoding="utf-8")
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


def test_readme_is_short_and_its_links_exist():
    readme = README.read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300
    links = re.findall(r"\]\(((?:docs/)[^)#]+)(?:#[^)]*)?\)", readme)
    assert "docs/results.md" in links and "docs/security.md" in links
    for link in links:
        assert (REPO / link).is_file(), link
    assert "dedupe index build -o wire.idx wire/" in readme
    assert "build|add|query|remove|evict|stats" in readme


def _rows(markdown: str) -> dict[str, list[str]]:
    """Table rows by their first cell."""
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) > 1:
            rows.setdefault(cells[0], cells[1:])
    return rows


def test_readme_headline_table_is_the_benchmarks():
    """Each row of the README's headline table holds the figures of the benchmark's main
    block in docs/results.md (speed table: median s, docs/s; recall table: recall vs exact)."""
    readme = README.read_text(encoding="utf-8")
    headline = readme.split("<!-- headline:start -->")[1].split("<!-- headline:end -->")[0]
    results = (REPO / "docs" / "results.md").read_text(encoding="utf-8")
    block = results.split("<!-- bench:start -->")[1].split("<!-- bench:end -->")[0]
    speed = block.split("### Speed and memory")[1].split("\n### ")[0]
    recall = block.split("### Recall against exhaustive exact scores")[1].split("\n### ")[0]
    speed_rows, recall_rows = _rows(speed), _rows(recall)
    tools = {k: v for k, v in _rows(headline).items() if k not in ("tool", "---")}
    assert "dedupe.find_duplicates" in tools
    for tool, (seconds, per_s, found) in tools.items():
        assert speed_rows[tool][1:3] == [seconds, per_s], tool
        assert recall_rows[tool][2] == found, tool
