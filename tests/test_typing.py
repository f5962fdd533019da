"""The package ships ``py.typed`` and its annotations hold: mypy runs clean on ``dedupe/``
(configured in pyproject.toml). mypy comes with the ``test`` extra."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO


def test_the_package_is_marked_typed():
    assert (REPO / "dedupe" / "py.typed").is_file()


def test_mypy_is_clean(tmp_path):
    pytest.importorskip("mypy", reason="mypy is not installed (the 'test' extra)")
    cache = REPO / ".mypy_cache" if os.access(REPO, os.W_OK) else tmp_path
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
