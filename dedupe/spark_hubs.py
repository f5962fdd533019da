"""The ``hubs`` rule of :mod:`dedupe.cluster` on Spark, for matches too large to collect.

:func:`hubs` reads a DataFrame of matches (:func:`dedupe.spark.match_pairs`) and returns the
hubs of :func:`dedupe.find_duplicates` (``Report.hubs``) on the same documents: the same
documents, roles and groups, in a DataFrame (one row a hub). The rule itself is the single
machine's; Spark finds what it reads:

1. near-duplicate groups: :func:`dedupe.spark.components` over the ``exact`` and
   ``near_duplicate`` matches;
2. candidates: a document whose partial matches in a role (``container``: it holds the
   other; ``contained``: the reverse) reach two or more groups (an aggregation);
3. the decision: :func:`dedupe.cluster.decide_hubs` on the driver, over the matches it
   reads only (each candidate's matches in its role, and its neighbours' matches into its
   groups), with the candidates ranked by ``(order_col, id)``;
4. settling: the clusters of the matches that join (:func:`dedupe.spark.components`, a
   hub's matches in its role left out); a hub whose matches lead into fewer than two other
   clusters is one no more, and the clusters are found again until none is dropped. Only
   two group labels a hub and its matches with other hubs go to the driver;
5. the hubs' groups: joins and aggregations, never collected.

The decision's input is collected: every match of a candidate in its role and its
neighbours' matches into its groups (much less than all matches, but as many as the
candidates' matches). The hubs and their groups stay on the executors.

>>> import dedupe.spark, dedupe.spark_hubs  # doctest: +SKIP
>>> pairs = dedupe.spark.match_pairs(df, order_col="published")  # doctest: +SKIP
>>> found = dedupe.spark_hubs.hubs(pairs, documents=df, order_col="published")  # doctest: +SKIP
>>> found.write.parquet("hubs/")  # doctest: +SKIP

(``tests/test_spark_hubs.py`` compares them with ``Report.hubs`` on a ``local[2]`` session.)
"""

from __future__ import annotations

from typing import Any

from .cluster import HUB_ROLES, decide_hubs
from .errors import InvalidParameterError, MissingDependencyError
from .match import Match
from .params import check_int
from .spark import MATCH_COLUMNS, check_matches, components

try:
    import pyspark.sql
    from pyspark.sql import Column, DataFrame
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ImportError as _err:  # pragma: no cover - depends on the environment
    raise MissingDependencyError(
        f"dedupe.spark_hubs needs pyspark ({_err}); install the 'spark' extra: "
        "pip install 'article-dedupe[spark]'"
    ) from None

__all__ = ["HUB_COLUMNS", "hubs"]

#: Columns of :func:`hubs`: ``id`` (the hub), ``role`` (``container`` or ``contained``),
#: ``cluster`` (the label of the hub's own cluster: its smallest id, as
#: :func:`dedupe.spark.components` labels clusters; null for a hub in no cluster) and
#: ``groups``: one struct per group the hub draws from, ``cluster`` (its label, or null) and
#: ``ids`` (the documents the hub matches there), as in :meth:`dedupe.results.Hub.to_dict`.
HUB_COLUMNS = ("id", "role", "cluster", "groups")

_SYMMETRIC = ("exact", "near_duplicate")
_OTHER = {"container": "contained", "contained": "container"}
_TYPES = {
    "a": T.StringType,
    "b": T.StringType,
    "kind": T.StringType,
    "jaccard": T.DoubleType,
    "containment_ab": T.DoubleType,
    "containment_ba": T.DoubleType,
}


def hubs(  # DataFrame named in full: the docs' stand-in for pyspark takes no ``| None``
    pairs: pyspark.sql.DataFrame,
    *,
    documents: pyspark.sql.DataFrame | None = None,
    id_col: str = "id",
    order_col: str | None = None,
    max_rounds: int = 100,
) -> pyspark.sql.DataFrame:
    """The hubs of the matches ``pairs`` under the ``hubs`` rule (see :mod:`dedupe.cluster`).

    ``pairs`` holds the matches as :func:`dedupe.spark.match_pairs` writes them (the columns
    of :data:`dedupe.spark.MATCH_COLUMNS`, and ``fuzzy`` in fuzzy mode). The documents' order
    ranks the candidates and the ids: ``documents`` (the DataFrame given to ``match_pairs``)
    with its ``id_col`` and ``order_col`` (ties by id), as ``match_pairs`` ranks them; by
    default, the ids' order (``match_pairs`` without ``order_col``). ``max_rounds`` bounds
    each :func:`dedupe.spark.components` call.

    Returns one row per hub with the columns of :data:`HUB_COLUMNS`: the hubs of
    ``Report.hubs`` of :func:`dedupe.find_duplicates` on the same documents, each group's
    ids in the documents' order and the groups ordered by their first id, with the clusters
    named by label instead of by position. Rows come in no order.

    >>> found = dedupe.spark_hubs.hubs(dedupe.spark.match_pairs(df))  # doctest: +SKIP
    >>> found.select("id", "role", F.size("groups")).show()  # doctest: +SKIP
    """
    check_int("max_rounds", max_rounds, 1)
    _check_pairs(pairs)
    if documents is not None:
        _check_documents(documents, id_col, order_col)
    edges = _edges(pairs)
    ranks = _ranks(edges, documents, id_col, order_col)
    core = _labels(edges.where(F.col("kind").isin(*_SYMMETRIC)), max_rounds)
    hood = _neighbours(edges, core, ranks)
    found = _decide(edges, hood)
    labels = None
    while found:
        labels = _labels(_joined(edges, found), max_rounds)
        dropped = _unsettled(hood, found, labels)
        if not dropped:
            break
        found = [h for h in found if h not in dropped]
    if not found or labels is None:
        return pairs.sparkSession.createDataFrame([], _SCHEMA)
    return _listed(hood, found, labels)


_SCHEMA = T.StructType(
    [
        T.StructField("id", T.StringType()),
        T.StructField("role", T.StringType()),
        T.StructField("cluster", T.StringType()),
        T.StructField(
            "groups",
            T.ArrayType(
                T.StructType(
                    [
                        T.StructField("cluster", T.StringType()),
                        T.StructField("ids", T.ArrayType(T.StringType())),
                    ]
                )
            ),
        ),
    ]
)


# ---------------------------------------------------------------------- checks
def _check_pairs(pairs: Any) -> None:
    types = check_matches(pairs, MATCH_COLUMNS, caller="dedupe.spark_hubs.hubs")
    for name, kind in _TYPES.items():
        if not isinstance(types[name], kind):
            raise InvalidParameterError(
                f"column {name!r} of the matches is {types[name].simpleString()}, not "
                f"{kind().simpleString()}; pass dedupe.spark.match_pairs's output"
            )


def _check_documents(documents: Any, id_col: str, order_col: str | None) -> None:
    if not isinstance(documents, DataFrame):
        raise InvalidParameterError(
            f"documents must be a pyspark DataFrame, got {type(documents).__name__}"
        )
    for role, name in (("id_col", id_col), ("order_col", order_col)):
        if name is not None and name not in documents.columns:
            raise InvalidParameterError(
                f"{role}={name!r} is not a column of documents (columns: "
                f"{', '.join(documents.columns)}); pass the name of the column that holds it"
            )


# ---------------------------------------------------------------------- what the rule reads
def _edges(pairs: DataFrame) -> DataFrame:
    """The matches with their part and whole (the side more contained in the other, as
    :mod:`dedupe.cluster` reads a partial match: ``a`` on a tie)."""
    a_part = F.col("containment_ab") >= F.col("containment_ba")
    fuzzy = [F.col("fuzzy")] if "fuzzy" in pairs.columns else []
    return pairs.select(
        *MATCH_COLUMNS,
        *fuzzy,
        F.when(a_part, F.col("a")).otherwise(F.col("b")).alias("part"),
        F.when(a_part, F.col("b")).otherwise(F.col("a")).alias("whole"),
    ).localCheckpoint(eager=True)


def _ranks(
    edges: DataFrame, documents: DataFrame | None, id_col: str, order_col: str | None
) -> DataFrame:
    """``(id, key)`` of every document in a match: ``key`` sorts as the documents' order."""
    ids = edges.select(F.col("a").alias("id")).union(edges.select(F.col("b").alias("id")))
    ids = ids.distinct()
    if documents is None:
        return ids.select("id", F.struct(F.col("id").alias("o"), "id").alias("key"))
    order = F.col(order_col if order_col is not None else id_col)
    known = documents.select(F.col(id_col).alias("id"), order.alias("o"))
    keyed = ids.join(known, "id", "left")
    missing = keyed.where(F.col("o").isNull()).select("id").limit(3).collect()
    if missing:
        raise InvalidParameterError(
            f"documents has no order for ids of the matches "
            f"({', '.join(repr(r['id']) for r in missing)}); pass the DataFrame the matches "
            "were found in"
        )
    return keyed.select("id", F.struct("o", "id").alias("key")).localCheckpoint(eager=True)


def _labels(edges: DataFrame, max_rounds: int) -> DataFrame:
    """``(id, cluster)``: each document's component of ``edges`` (its smallest id)."""
    return (
        components(edges, max_rounds=max_rounds).select("id", "cluster").localCheckpoint(eager=True)
    )


def _label(labels: DataFrame, column: str, name: str) -> Any:
    """``labels`` keyed by ``column``, the label as ``name`` (null after a left join for a
    document in no component)."""
    return labels.select(F.col("id").alias(column), F.col("cluster").alias(name))


def _neighbours(edges: DataFrame, core: DataFrame, ranks: DataFrame) -> DataFrame:
    """Each partial match twice, from the side of each role: ``doc``, ``role``, ``u`` (the
    neighbour), ``a``, ``b`` (the match), their groups ``core_doc``, ``core_u`` and ``u``'s
    rank ``key``."""
    partial = edges.where(~F.col("kind").isin(*_SYMMETRIC))
    sides = partial.select(
        F.col("whole").alias("doc"),
        F.lit("container").alias("role"),
        F.col("part").alias("u"),
        "a",
        "b",
    ).union(
        partial.select(
            F.col("part").alias("doc"),
            F.lit("contained").alias("role"),
            F.col("whole").alias("u"),
            "a",
            "b",
        )
    )
    own = _label(core, "doc", "core_doc")
    theirs = _label(core, "u", "core_u")
    return (
        sides.join(own, "doc", "left")
        .join(theirs, "u", "left")
        .join(ranks.withColumnRenamed("id", "u"), "u")
        .select(
            "doc",
            "role",
            "u",
            "a",
            "b",
            F.coalesce("core_doc", "doc").alias("core_doc"),
            F.coalesce("core_u", "u").alias("core_u"),
            "key",
        )
        .localCheckpoint(eager=True)
    )


# ---------------------------------------------------------------------- the decision
def _decide(edges: DataFrame, hood: DataFrame) -> list[tuple[str, str]]:
    """The hubs :func:`dedupe.cluster.decide_hubs` decides, as ``(id, role)`` in the
    documents' order (``container`` first), over the matches it reads only."""
    reach = (
        hood.where(F.col("core_u") != F.col("core_doc"))
        .groupBy("doc", "role")
        .agg(F.count_distinct("core_u").alias("reach"))
        .where("reach >= 2")
        .select("doc", "role")
    )
    near = hood.join(reach, ["doc", "role"]).localCheckpoint(eager=True)
    if not near.limit(1).count():
        return []
    groups = (
        near.where(F.col("core_u") != F.col("core_doc"))
        .select("doc", "role", F.col("core_u").alias("core_x"))
        .distinct()
    )
    # the neighbours' matches (either side of them) into the candidate's groups
    theirs = hood.select(F.col("doc").alias("u"), F.col("u").alias("x"), "core_u", "a", "b")
    onward = (
        near.select("doc", "role", "u", F.col("core_u").alias("core_from"))
        .join(theirs.withColumnRenamed("core_u", "core_x"), "u")
        .where(F.col("core_x") != F.col("core_from"))
        .join(groups, ["doc", "role", "core_x"])
        .select("a", "b")
    )
    read = near.select("a", "b").union(onward).distinct().join(edges, ["a", "b"])
    read = read.localCheckpoint(eager=True)
    fields = [c for c in (*MATCH_COLUMNS, "fuzzy") if c in edges.columns]
    matches = [Match(**{f: r[f] for f in fields}) for r in read.collect()]
    ids = read.select(F.col("a").alias("doc")).union(read.select("b")).distinct()
    groups_of = ids.join(hood.select("doc", "core_doc").distinct(), "doc")
    roots = {r["doc"]: r["core_doc"] for r in groups_of.collect()}
    order = near.select("doc", "key").distinct().collect()
    ranked = [r["doc"] for r in sorted(order, key=lambda r: tuple(r["key"]))]
    found = decide_hubs(ranked, matches, roots)
    return [(d, role) for d in ranked for role in HUB_ROLES if d in found[role]]


# ---------------------------------------------------------------------- settling
def _hub_frame(hood: DataFrame, found: list[tuple[str, str]]) -> DataFrame:
    return hood.sparkSession.createDataFrame(found, "doc string, role string")


def _other(role: Column) -> Column:
    return F.when(role == "container", "contained").otherwise("container")


def _joined(edges: DataFrame, found: list[tuple[str, str]]) -> DataFrame:
    """The matches that join while ``found`` are the hubs: near-duplicates and exact
    copies, and the partial matches of no hub in its role."""
    hubs_df = _hub_frame(edges, found)
    containers = hubs_df.where("role = 'container'").select(F.col("doc").alias("whole"))
    contained = hubs_df.where("role = 'contained'").select(F.col("doc").alias("part"))
    partial = (
        edges.where(~F.col("kind").isin(*_SYMMETRIC))
        .join(F.broadcast(containers), "whole", "left_anti")
        .join(F.broadcast(contained), "part", "left_anti")
    )
    return edges.where(F.col("kind").isin(*_SYMMETRIC)).unionByName(partial)


def _drawn(hood: DataFrame, found: list[tuple[str, str]], labels: DataFrame) -> DataFrame:
    """The hubs' neighbours in other clusters: ``doc``, ``role``, ``u``, ``key``, the
    labels ``label_doc``/``label_u`` (a document in no cluster: itself), ``cluster_doc``/
    ``cluster_u`` (null there) and ``hub_u`` (``u`` is a hub of the other role)."""
    hubs_df = _hub_frame(hood, found)
    other = hubs_df.select(
        F.col("doc").alias("u"), F.col("role").alias("role_u"), F.lit(True).alias("hub_u")
    )
    return (
        hood.join(F.broadcast(hubs_df), ["doc", "role"])
        .withColumn("role_u", _other(F.col("role")))
        .join(F.broadcast(other), ["u", "role_u"], "left")
        .join(_label(labels, "doc", "cluster_doc"), "doc", "left")
        .join(_label(labels, "u", "cluster_u"), "u", "left")
        .withColumn("label_doc", F.coalesce("cluster_doc", "doc"))
        .withColumn("label_u", F.coalesce("cluster_u", "u"))
        .where(F.col("label_u") != F.col("label_doc"))
        .withColumn("hub_u", F.coalesce("hub_u", F.lit(False)))
    )


def _unsettled(
    hood: DataFrame, found: list[tuple[str, str]], labels: DataFrame
) -> set[tuple[str, str]]:
    """The hubs whose matches lead into fewer than two other clusters of ``labels`` (the
    clusters the matches that join make), dropped in order as :mod:`dedupe.cluster` settles
    them (a dropped hub's matches count again for the hubs after it). To the driver: two
    labels a hub, and the hubs' neighbours that are hubs."""
    drawn = _drawn(hood, found, labels).localCheckpoint(eager=True)
    plain = {
        (r["doc"], r["role"]): {r["lo"], r["hi"]}
        for r in drawn.where(~F.col("hub_u"))
        .groupBy("doc", "role")
        .agg(F.min("label_u").alias("lo"), F.max("label_u").alias("hi"))
        .collect()
    }
    hubbed: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for r in drawn.where("hub_u").select("doc", "role", "u", "label_u").collect():
        hubbed.setdefault((r["doc"], r["role"]), []).append((r["u"], r["label_u"]))
    left, dropped = set(found), set()
    for doc, role in found:
        roots = set(plain.get((doc, role), ()))
        # a neighbour that is a hub of the other role counts once it is dropped
        back = hubbed.get((doc, role), [])
        roots |= {label for u, label in back if (u, _OTHER[role]) not in left}
        if len(roots) < 2:
            left.discard((doc, role))
            dropped.add((doc, role))
    return dropped


# ---------------------------------------------------------------------- the hubs' groups
def _listed(hood: DataFrame, found: list[tuple[str, str]], labels: DataFrame) -> DataFrame:
    """Each hub with the groups it draws from (see :data:`HUB_COLUMNS`)."""
    drawn = _drawn(hood, found, labels).where(~F.col("hub_u"))
    members = F.array_sort(F.collect_set(F.struct("key", "u")))
    groups = (
        drawn.groupBy("doc", "role", "cluster_doc", "label_u", "cluster_u")
        .agg(members.alias("ms"))
        .select(
            "doc",
            "role",
            "cluster_doc",
            F.struct(
                F.col("ms")[0]["key"].alias("first"),
                F.col("cluster_u").alias("cluster"),
                F.transform("ms", lambda m: m["u"]).alias("ids"),
            ).alias("g"),
        )
    )
    return (
        groups.groupBy("doc", "role", "cluster_doc")
        .agg(F.array_sort(F.collect_list("g")).alias("gs"))
        .select(
            F.col("doc").alias("id"),
            "role",
            F.col("cluster_doc").alias("cluster"),
            F.transform(
                "gs", lambda g: F.struct(g["cluster"].alias("cluster"), g["ids"].alias("ids"))
            ).alias("groups"),
        )
    )
