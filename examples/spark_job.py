"""A dedupe job for spark-submit: articles in (JSONL or Parquet), matches and clusters out.

    spark-submit examples/spark_job.py articles.jsonl.gz out/ --order-col published

writes ``out/matches`` (one row per verified match, the columns of
``dedupe.spark.MATCH_COLUMNS``) and ``out/clusters`` (one row per clustered document:
``id``, ``cluster``, ``size`` and the cluster's weakest match) as Parquet. The input is read
as Parquet when its name ends in ``.parquet`` (a file or a folder), else as JSON Lines
(``.jsonl``, ``.json``, gzip-compressed or not). ``--fuzzy`` also finds copies that are not
letter-perfect (OCR-read or lightly re-worded; the matches then have a ``fuzzy`` column).
Every node needs dedupe installed with
its ``spark`` extra (``pip install 'article-dedupe[spark]'``).
"""

from __future__ import annotations

import argparse

from pyspark.sql import SparkSession

import dedupe.spark


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("input", help="JSONL(.gz) file or folder, or Parquet (name ends in .parquet)")
    p.add_argument("output", help="folder for matches/ and clusters/ (Parquet)")
    p.add_argument("--id-col", default="id")
    p.add_argument("--text-col", default="text")
    p.add_argument("--order-col", help="which document is earlier (default: the id)")
    p.add_argument("--jaccard", type=float, default=0.5)
    p.add_argument("--containment", type=float, default=0.5)
    p.add_argument("--max-key-docs", type=int, default=200)
    p.add_argument("--fuzzy", action="store_true", help="also find OCR-read, re-worded copies")
    args = p.parse_args(argv)

    spark = SparkSession.builder.appName("dedupe").getOrCreate()
    reader = spark.read
    df = (
        reader.parquet(args.input)
        if args.input.rstrip("/").endswith(".parquet")
        else reader.json(args.input)
    )
    pairs = dedupe.spark.match_pairs(
        df,
        id_col=args.id_col,
        text_col=args.text_col,
        order_col=args.order_col,
        jaccard=args.jaccard,
        containment=args.containment,
        max_key_docs=args.max_key_docs,
        fuzzy=args.fuzzy,
    )
    pairs.write.mode("overwrite").parquet(f"{args.output.rstrip('/')}/matches")
    clusters = dedupe.spark.components(pairs)
    clusters.write.mode("overwrite").parquet(f"{args.output.rstrip('/')}/clusters")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
