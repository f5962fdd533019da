"""The core install stays free of pyspark; dedupe.spark names the extra when it is missing.

These run without pyspark or Java (each in a fresh interpreter).
"""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_import_dedupe_does_not_import_pyspark():
    done = _run(
        "import sys, dedupe, dedupe.cli; "
        "assert not [m for m in sys.modules if m.startswith(('pyspark', 'pyarrow'))]"
    )
    assert done.returncode == 0, done.stderr


def test_dedupe_spark_without_pyspark_names_the_extra():
    done = _run(
        "import sys; sys.modules['pyspark'] = None\n"
        "from dedupe.errors import MissingDependencyError\n"
        "try:\n"
        "    import dedupe.spark\n"
        "except MissingDependencyError as err:\n"
        "    print(err)\n"
        "else:\n"
        "    raise SystemExit('imported')\n"
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "pip install 'article-dedupe[spark]'" in done.stdout
