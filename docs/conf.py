"""Sphinx configuration of the dedupe docs.

Build (strict: every warning, a broken reference included, is an error; nothing is fetched):

    sphinx-build -W -n --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))  # the dedupe package of this checkout

import dedupe  # noqa: E402

project = "dedupe"
author = "dedupe authors"
copyright = "dedupe authors"  # noqa: A001
release = dedupe.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "myst_parser",
    "dedupe_docs",  # docs/_ext: options table, exports table, command reference
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

html_theme = "furo"
html_title = f"dedupe {release}"
html_static_path: list[str] = []
html_show_sourcelink = False

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# --- API reference --------------------------------------------------------------------------

autodoc_default_options = {
    "member-order": "bysource",
    "undoc-members": True,
    "show-inheritance": True,
}
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = True
# Optional extras: their modules are stood in for, so dedupe.spark documents without pyspark.
autodoc_mock_imports = ["pyspark", "pyarrow", "pandas"]
python_use_unqualified_type_names = True
add_module_names = False

# --- strict references ----------------------------------------------------------------------

nitpicky = True
# Other projects' names, and the standard library's: no inventory is fetched (the build
# reads nothing from the network), so references to them cannot resolve; only names under
# these packages are let through. Every name of dedupe must resolve.
_EXTERNAL = ("numpy", "pyspark", "pyarrow", "pandas", "redis", "datasketch", "rapidfuzz")
_STDLIB = ("collections.abc", "typing", "os", "pathlib", "datetime", "argparse")
nitpick_ignore_regex = [
    ("py:.*", rf"({'|'.join(_EXTERNAL)})(\..+)?"),
    ("py:.*", rf"({'|'.join(re.escape(m) for m in _STDLIB)})\..+"),
]
