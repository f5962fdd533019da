from __future__ import annotations

import pytest

from dedupe.cluster import build_clusters
from dedupe.errors import InvalidParameterError
from dedupe.match import Match


def edge(a: str, b: str, score: float) -> Match:
    return Match(a, b, score, score, score, "near_duplicate", 10, 10, 10)


ORDER = ["a", "b", "c", "d", "e", "f"]
EDGES = [edge("a", "b", 0.9), edge("b", "c", 0.55), edge("a", "c", 0.8), edge("e", "f", 0.7)]


def test_clusters_largest_first_with_bottleneck_edge():
    clusters = build_clusters(ORDER, EDGES)
    assert [c.members for c in clusters] == [("a", "b", "c"), ("e", "f")]
    # a-c (0.8) joins c before the weaker b-c (0.55): the bottleneck is 0.8
    assert (clusters[0].weakest.a, clusters[0].weakest.b) == ("a", "c")
    assert clusters[1].weakest.score == 0.7
    assert "d" not in clusters[0].members


def test_chain_reports_its_weakest_link():
    chain = [edge("a", "b", 0.95), edge("b", "c", 0.51), edge("c", "d", 0.9)]
    (cluster,) = build_clusters(ORDER, chain)
    assert cluster.members == ("a", "b", "c", "d")
    assert cluster.weakest.score == 0.51


def test_representative_rules():
    sizes = {"a": 5, "b": 50, "c": 50, "e": 1, "f": 2}
    assert build_clusters(ORDER, EDGES)[0].representative == "a"
    longest = build_clusters(ORDER, EDGES, representative="longest", sizes=sizes)
    assert [c.representative for c in longest] == ["b", "f"]
    keyed = build_clusters(ORDER, EDGES, representative=lambda d: -ord(d))
    assert keyed[0].representative == "c"
    with pytest.raises(InvalidParameterError):
        build_clusters(ORDER, EDGES, representative="random")
    with pytest.raises(InvalidParameterError):
        build_clusters(ORDER, EDGES, representative="longest")


def test_to_dict_is_json_ready():
    import json

    json.dumps([c.to_dict() for c in build_clusters(ORDER, EDGES)])
