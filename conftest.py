"""Collection rules for the doctests of the package (``--doctest-modules`` over dedupe/).

``dedupe.spark`` and ``dedupe.spark_hubs`` refuse to import without pyspark (they name the
``spark`` extra), so their doctests are collected only where pyspark is installed.
"""

from __future__ import annotations

import importlib.util

_SPARK = ["dedupe/spark.py", "dedupe/spark_hubs.py"]
collect_ignore = [] if importlib.util.find_spec("pyspark") else _SPARK
