"""dedupe.spark_hubs.hubs against Report.hubs of dedupe.find_duplicates: the same hubs.

On the one Spark session of the tests (``spark`` in tests/conftest.py).
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (the 'spark' extra)")

from test_hubs import QUOTE  # noqa: E402
from test_spark import collection, ordered_frame  # noqa: E402

import dedupe  # noqa: E402
import dedupe.spark  # noqa: E402
import dedupe.spark_hubs  # noqa: E402
from dedupe.errors import InvalidParameterError  # noqa: E402

pytestmark = pytest.mark.spark


def hub_collection(seeds: dict[str, str], *, digest: bool = False) -> dict[str, str]:
    """Seeds with hubs of both roles that meet: a roundup of three seeds and its exact copy;
    a quote alone, pasted into three seeds and into the roundup (the pair quote-roundup
    could be the hub of either: they tie on groups, the order decides); an exact copy of a
    seed the roundup holds. ``digest``: a shorter roundup inside the roundup, which links
    two of its groups (the roundup is no hub then)."""
    docs = dict(seeds)
    docs["roundup"] = "\n\n".join(seeds[k] for k in ("002", "003", "004")) + "\n\n" + QUOTE
    docs["quote"] = QUOTE
    for k in ("000", "002", "004"):
        docs[f"{k}+q"] = f"{seeds[k]}\n\n{QUOTE}"
    docs["roundup-copy"] = docs["roundup"]
    docs["003-copy"] = seeds["003"]
    if digest:
        docs["digest"] = "\n\n".join(seeds[k] for k in ("003", "004"))
    return docs


def expected(report: dedupe.Report) -> dict[tuple[str, str], tuple]:
    """``Report.hubs`` with clusters named by label (their smallest id), as hubs() names them."""
    labels = [min(c.members) for c in report.clusters]

    def label(position: int | None) -> str | None:
        return None if position is None else labels[position]

    return {
        (h.id, h.role): (
            label(h.cluster),
            tuple((label(c), g) for g, c in zip(h.groups, h.clusters, strict=True)),
        )
        for h in report.hubs
    }


def found(df) -> dict[tuple[str, str], tuple]:
    assert tuple(df.columns) == dedupe.spark_hubs.HUB_COLUMNS
    return {
        (r["id"], r["role"]): (
            r["cluster"],
            tuple((g["cluster"], tuple(g["ids"])) for g in r["groups"]),
        )
        for r in df.collect()
    }


def spark_hubs(spark, docs: dict[str, str], *, partitions: int = 3, **options) -> dict:
    df = ordered_frame(spark, docs, partitions=partitions, seed=partitions)
    pairs = dedupe.spark.match_pairs(df, order_col="pos", **options)
    started = time.perf_counter()
    got = found(dedupe.spark_hubs.hubs(pairs, documents=df, order_col="pos"))
    print(f"hubs: {time.perf_counter() - started:.1f} s, {len(got)} hubs", flush=True)
    return got


def test_seed_hubs_equal_single_machine(spark, seeds):
    docs = hub_collection(seeds)
    want = dedupe.find_duplicates(docs)
    roles = {h.role for h in want.hubs}
    assert roles == {"container", "contained"} and len(want.hubs) >= 2  # not trivial
    assert any(m.kind == "exact" for m in want.matches)
    assert spark_hubs(spark, docs) == expected(want)


def test_a_hub_settles_into_one_cluster(spark, seeds):
    """With the digest the roundup's groups link up: it is no hub and joins one cluster."""
    docs = hub_collection(seeds, digest=True)
    want = dedupe.find_duplicates(docs)
    assert [h.id for h in want.hubs] == ["quote"] and len(want.clusters[0]) > 5
    assert spark_hubs(spark, docs) == expected(want)


def test_seed_hubs_in_id_order(spark, seeds):
    """Without documents: the ids' order (match_pairs without order_col)."""
    docs = hub_collection(seeds)
    want = dedupe.find_duplicates(dict(sorted(docs.items())))
    df = spark.createDataFrame(list(docs.items()), "id string, text string")
    got = found(dedupe.spark_hubs.hubs(dedupe.spark.match_pairs(df)))
    assert got == expected(want) and got


def test_reversed_order_changes_the_tie(spark, seeds):
    """The order decides which of two hubs meeting on one pair is its hub: reversed, the
    single machine gives other hubs, and so does Spark."""
    docs = hub_collection(seeds)
    backwards = dict(reversed(list(docs.items())))
    want = expected(dedupe.find_duplicates(backwards))
    assert want != expected(dedupe.find_duplicates(docs))
    rows = [(d, t, -p) for p, (d, t) in enumerate(docs.items())]
    df = spark.createDataFrame(rows, "id string, text string, pos long")
    pairs = dedupe.spark.match_pairs(df, order_col="pos")
    assert found(dedupe.spark_hubs.hubs(pairs, documents=df, order_col="pos")) == want


@pytest.mark.parametrize(("seed", "max_key_docs"), [(11, 200), (11, 3), (7, 200)])
def test_generated_collection_hubs(spark, seeds, seed, max_key_docs):
    """The generated collection of the equality tests (copies, near-duplicates, excerpts,
    alerts, a footer on many), with the hub documents added."""
    docs = {**collection(seed), **hub_collection(seeds)}
    want = dedupe.find_duplicates(docs, max_key_docs=max_key_docs)
    assert len(want.hubs) >= 2 and "container" in {h.role for h in want.hubs}
    assert spark_hubs(spark, docs, partitions=4, max_key_docs=max_key_docs) == expected(want)


def test_fuzzy_hubs(spark, seeds, noisy_collection):
    docs = {**noisy_collection, **hub_collection(seeds)}
    want = dedupe.find_duplicates(docs, fuzzy=True)
    assert len(want.hubs) >= 2
    assert spark_hubs(spark, docs, fuzzy=True) == expected(want)


def test_no_hubs(spark, seeds):
    docs = collection(7)
    assert dedupe.find_duplicates(docs).hubs == ()
    assert spark_hubs(spark, docs) == {}


@pytest.fixture(scope="module")
def seed_pairs(spark, seeds):
    df = spark.createDataFrame(list(seeds.items()), "id string, text string")
    return df, dedupe.spark.match_pairs(df)


@pytest.mark.parametrize(
    ("change", "options", "message"),
    [
        (lambda p: p.drop("kind"), {}, "lack the columns 'kind'"),
        (lambda p: p.withColumn("jaccard", p["jaccard"].cast("string")), {}, "'jaccard'.*string"),
        (lambda p: p.collect(), {}, "takes a pyspark DataFrame"),
        (lambda p: p, {"max_rounds": 0}, "max_rounds"),
        (lambda p: p, {"documents": {"a": 1}}, "documents must be a pyspark DataFrame"),
        (lambda p: p, {"order_col": "published", "documents": "df"}, "order_col='published'"),
    ],
)
def test_bad_input_raises_a_dedupe_error(seed_pairs, change, options, message):
    df, pairs = seed_pairs
    if options.get("documents") == "df":
        options = {**options, "documents": df}
    with pytest.raises(InvalidParameterError, match=message):
        dedupe.spark_hubs.hubs(change(pairs), **options)
    with pytest.raises(InvalidParameterError, match="max_rounds"):
        dedupe.spark.components(pairs, max_rounds=0)  # the same error class as components
