"""The code stays ruff clean (lint and format), as the contributing rules ask."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args):
    if (
        shutil.which("ruff") is None
        and subprocess.run(
            [sys.executable, "-m", "ruff", "--version"], capture_output=True
        ).returncode
    ):
        pytest.skip("ruff is not installed (it is in the 'test' extra)")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_function_in_the_package_is_over_60_lines_beyond_its_docstring():
    """Issue 20: long functions are split into named steps (the docstring does not count)."""
    import ast

    from conftest import REPO

    long = []
    for path in sorted((REPO / "dedupe").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = node.body[0]
                doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                start = first.end_lineno + 1 if doc and len(node.body) > 1 else first.lineno
                if node.end_lineno - start + 1 > 60:
                    long.append(f"{path.relative_to(REPO)}:{node.name}")
    assert not long, long
