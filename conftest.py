"""Collection rules for the doctests of the package (``--doctest-modules`` over dedupe/).

``dedupe.spark`` refuses to import without pyspark (it names the ``spark`` extra), so its
doctests are collected only where pyspark is installed.
"""

from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("pyspark") else ["dedupe/spark.py"]
