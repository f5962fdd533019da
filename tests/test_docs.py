"""The docs/ site builds strictly, and the examples its pages show run as written.

The build is the one CI runs: ``python -m sphinx -W -n --keep-going -b html docs OUT``
(nitpicky: a reference to a name that is not documented is an error, and so is a role that
names the wrong kind of object). It runs in a subprocess, since autodoc imports every
module (``dedupe.spark`` with stand-ins for pyspark) and this process must not keep them.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import subprocess
import sys

import pytest
from conftest import REPO

DOCS = REPO / "docs"


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def _exec_from_repo(code: str, name: str, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    exec(compile(code, name, "exec"), {})


def _said(code: str) -> list[str]:
    """What each ``print(...)  # comment`` line says it prints."""
    return [line.split("# ", 1)[1] for line in code.splitlines() if line.startswith("print(")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The strict HTML build of docs/ into a temporary folder (warnings are errors)."""
    if importlib.util.find_spec("sphinx") is None:
        pytest.skip("sphinx is not installed (the 'docs' extra)")
    out = tmp_path_factory.mktemp("docs-html")
    cmd = [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html"]
    cmd += ["-d", str(out / ".doctrees"), str(DOCS), str(out)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    return out, done


def test_docs_build_strictly_without_a_warning(built):
    out, done = built
    assert done.returncode == 0 and "WARNING" not in done.stderr, done.stderr
    for page in ("index", "results", "architecture", "security", "options", "cli", "api/dedupe"):
        assert (out / f"{page}.html").is_file(), page


def test_options_page_lists_every_option_with_its_default(built):
    from dedupe.params import OPTIONS

    out, _ = built
    text = html.unescape(re.sub(r"<[^>]+>", "", (out / "options.html").read_text("utf-8")))
    for name, option in OPTIONS.items():
        row = re.search(rf"\n{re.escape(name)}\n(?:.*\n){{2}}(.*)\n", text)
        assert row, f"option {name} missing from the options page"
        assert row.group(1) == repr(option.default), (name, row.group(1))


def test_command_reference_covers_every_command(built):
    import argparse

    from dedupe.cli import build_parser

    out, _ = built
    text = html.unescape((out / "cli.html").read_text("utf-8"))

    def commands(parser, path):
        yield path
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from commands(sub, f"{path} {name}")

    for command in commands(build_parser(), "dedupe"):
        assert f">{command}<" in text, f"{command} missing from the command reference"
    assert "--max-key-docs" in text and "index build" in text


def test_architecture_documents_the_alignment_schema():
    from dedupe.render import ALIGNMENT_SCHEMA

    assert ALIGNMENT_SCHEMA.strip() in _page("architecture.md")


def test_security_page_is_there():
    text = _page("security.md")
    assert text.startswith("# Security\n") and "issue 24" in text


def test_newsroom_redis_example_runs(redis_server, capsys, monkeypatch):
    (block,) = [b for b in _python_blocks(_page("guides/newsroom.md")) if "RedisStore(url" in b]
    code = block.replace('"redis://127.0.0.1:6379/0"', repr(redis_server.url))
    code = code.replace('namespace="wire"', 'namespace="docs-newsroom"')
    _exec_from_repo(code, "docs/guides/newsroom.md", monkeypatch)
    out = capsys.readouterr().out.splitlines()
    title = "{'001': {'title': 'Rail line to open in May', 'outlet': 'Wire'}}"
    assert out[-4:] == ["['001']", title, "5", "4 0"]  # the metadata read by another Index


def test_metadata_and_dedup_example_prints_what_it_says(capsys, monkeypatch):
    text = _page("guides/archive.md")
    block = text.split("<!-- newsroom:start -->")[1].split("<!-- newsroom:end -->")[0]
    (code,) = _python_blocks(block)
    _exec_from_repo(code, "docs/guides/archive.md", monkeypatch)
    printed = capsys.readouterr().out.splitlines()
    said = [line.split("# ", 1)[1] for line in code.splitlines() if "print(" in line]
    assert len(printed) == len(said)
    for out, comment in zip(printed, said, strict=True):
        assert comment.startswith(out), (out, comment)


@pytest.mark.parametrize(
    "page",
    [
        "guides/archive.md",
        "guides/reading-a-report.md",
        "guides/thresholds.md",
        "guides/provenance.md",
    ],
)
def test_guide_examples_print_what_their_comments_say(page, capsys, monkeypatch):
    """Every block of the page runs from the repository root, and each ``print(...)  #
    comment`` line prints exactly its comment, in order."""
    text = _page(page).split("<!-- newsroom:start -->")[0]
    for code in _python_blocks(text):
        _exec_from_repo(code, page, monkeypatch)
        printed = capsys.readouterr().out.splitlines()
        said = _said(code)
        assert len(printed) == len(said), (page, printed, said)
        for out, comment in zip(printed, said, strict=True):
            assert out == comment, (page, out, comment)


def test_results_page_holds_every_block_the_benchmarks_write():
    """``python -m benchmarks --update-results`` (and ``--redis``, ``--spark``) rewrite
    blocks of docs/results.md by default; each block must be there to be rewritten."""
    sys.path.insert(0, str(REPO))
    from benchmarks import main, redis_bench, report, spark

    assert report.RESULTS == DOCS / "results.md"
    for module in (main, redis_bench, spark):
        assert module._parser().get_default("readme") == report.RESULTS, module.__name__
        assert module._parser().parse_args(["--update-results"]).update_readme
    for name in (
        "bench",
        "bench-ocr",
        "bench-corpus",
        "bench-scale",
        "bench-ocr-scale",
        "bench-redis",
        "bench-redis-latency",
        "bench-spark",
    ):
        report.check_readme(report.RESULTS, name)
