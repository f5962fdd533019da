from __future__ import annotations

import pytest

from dedupe.cluster import build_clusters, group_matches
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

    def weakest(a: str, b: str, score: float) -> dict:
        return {"a": a, "b": b, "jaccard": score, "containment_ab": score,
                "containment_ba": score, "kind": "near_duplicate", "shared": 10, "size_a": 10,
                "size_b": 10, "exact": True, "score": score}  # fmt: skip

    got = json.loads(json.dumps([c.to_dict() for c in build_clusters(ORDER, EDGES)]))
    assert got == [
        {"members": ["a", "b", "c"], "representative": "a", "rule": "earliest",
         "weakest": weakest("a", "c", 0.8)},
        {"members": ["e", "f"], "representative": "e", "rule": "earliest",
         "weakest": weakest("e", "f", 0.7)},
    ]  # fmt: skip
    longest = build_clusters(ORDER, EDGES, representative="longest", sizes=dict.fromkeys(ORDER, 1))
    assert longest[0].to_dict()["rule"] == "longest"


# --- the hub rule ---------------------------------------------------------------------


def part(p: str, w: str, share: float = 0.9) -> Match:
    """A partial match: ``share`` of ``p`` is in ``w``, a third of ``w`` in ``p``."""
    return Match(p, w, 0.3, share, 0.3, "partial", 9, 10, 30)


def near(a: str, b: str) -> Match:
    return edge(a, b, 0.8)


def members(clusters) -> list[tuple[str, ...]]:
    return [c.members for c in clusters]


STORIES = ["a1", "a2", "b1", "b2", "c1", "roundup", "quote"]


def test_roundup_does_not_merge_stories():
    # two stories (a, b), each with a copy; a roundup holds most of a1 and of b1
    ms = [near("a1", "a2"), near("b1", "b2"), part("a1", "roundup"), part("b1", "roundup")]
    g = group_matches(STORIES, ms)
    assert members(g.clusters) == [("a1", "a2"), ("b1", "b2")]
    (hub,) = g.hubs
    assert (hub.id, hub.role, hub.groups, hub.clusters) == (
        "roundup",
        "container",
        (("a1",), ("b1",)),
        (0, 1),
    )
    assert hub.cluster is None
    # the old rule: one cluster of everything
    assert members(build_clusters(STORIES, ms, clusters="components")) == [
        ("a1", "a2", "b1", "b2", "roundup")
    ]


def test_shared_quote_does_not_merge_stories():
    # a short quote found whole in a1 and in b1 and in c1, unrelated stories
    ms = [near("a1", "a2"), part("quote", "a1"), part("quote", "b1"), part("quote", "c1")]
    g = group_matches(STORIES, ms)
    assert members(g.clusters) == [("a1", "a2")]
    (hub,) = g.hubs
    assert (hub.id, hub.role) == ("quote", "contained")
    assert hub.groups == (("a1",), ("b1",), ("c1",))
    assert hub.clusters == (0, None, None)


def test_components_rule_gives_the_old_result():
    ms = [near("a1", "a2"), part("a1", "roundup"), part("b1", "roundup"), part("quote", "b1"),
          part("quote", "c1")]  # fmt: skip
    old = build_clusters(STORIES, ms, clusters="components")
    assert members(old) == [("a1", "a2", "b1", "c1", "roundup", "quote")]
    assert group_matches(STORIES, ms, clusters="components").hubs == ()
    # near-duplicate-only matches: both rules agree, weakest edge included
    assert build_clusters(ORDER, EDGES) == build_clusters(ORDER, EDGES, clusters="components")


def test_related_parts_still_join():
    # a story e, a rewrite dm holding most of it, and an excerpt x of e found in both:
    # dm's parts (e, x) are linked by a match of their own, so nothing is a hub
    ms = [part("e", "dm"), part("x", "e"), part("x", "dm")]
    g = group_matches(["e", "dm", "x"], ms)
    assert members(g.clusters) == [("e", "dm", "x")] and g.hubs == ()
    # one part only: a container of one story is a member of it
    g = group_matches(["e", "dm"], [part("e", "dm")])
    assert members(g.clusters) == [("e", "dm")] and g.hubs == ()


def test_roundup_of_roundups_and_quote_between_members():
    # r holds a1 and b1; p holds r, a1 and b1 (a page of digests); q is quoted by a1 and b1.
    # a1-b1 are linked only through hubs, so none of these joins them
    ms = [part("a1", "r"), part("b1", "r"), part("r", "p"), part("a1", "p"), part("b1", "p"),
          part("q", "a1"), part("q", "b1")]  # fmt: skip
    g = group_matches(["a1", "b1", "r", "p", "q"], ms)
    assert g.clusters == ()
    assert sorted((h.id, h.role) for h in g.hubs) == [
        ("p", "container"),
        ("q", "contained"),
        ("r", "container"),
    ]


def test_caption_in_hosts_with_their_own_excerpts():
    # a caption stands in every host; each host also holds an excerpt of its own story:
    # the caption is the hub of its pairs, and each host stays clustered with its excerpt
    n = 50
    ms = [part("cap", f"d{i}", 1.0) for i in range(n)] + [part(f"x{i}", f"d{i}") for i in range(n)]
    order = ["cap"] + [f"d{i}" for i in range(n)] + [f"x{i}" for i in range(n)]
    g = group_matches(order, ms)
    assert sorted(members(g.clusters)) == sorted((f"d{i}", f"x{i}") for i in range(n))
    (hub,) = g.hubs
    assert (hub.id, hub.role, len(hub.groups)) == ("cap", "contained", n)
    assert sorted(hub.clusters) == list(range(n))


def test_hub_whose_groups_join_anyway_is_a_member():
    # a roundup of a1 and b1, and a1 ~ b1 linked by a near-duplicate: one story, no hub
    ms = [part("a1", "r"), part("b1", "r"), near("a1", "b1")]
    g = group_matches(["a1", "b1", "r"], ms)
    assert members(g.clusters) == [("a1", "b1", "r")] and g.hubs == ()


def test_hubs_are_deterministic_and_to_dict():
    import json

    ms = [near("a1", "a2"), part("a1", "roundup"), part("b1", "roundup")]
    g1 = group_matches(STORIES, ms)
    g2 = group_matches(STORIES, list(reversed(ms)))
    assert g1 == g2
    d = g1.hubs[0].to_dict()
    json.dumps(d)
    assert d["groups"] == [{"cluster": 0, "ids": ["a1"]}, {"cluster": None, "ids": ["b1"]}]


def test_cluster_rule_is_validated():
    with pytest.raises(InvalidParameterError, match="'hubs', 'components'"):
        group_matches(ORDER, EDGES, clusters="chains")
    with pytest.raises(InvalidParameterError):
        build_clusters(ORDER, EDGES, clusters=None)


def _hub_rule_work(ms: list[Match], monkeypatch) -> int:
    """Steps the hub rule takes on ``ms``: matches it reads through a neighbour
    (``_Hubs.linked``), neighbours it lists (``_Hubs.drawn``) and matches it filters
    (``_Hubs.joined``, once per pass)."""
    from dedupe.cluster import _Hubs

    steps = [0]
    linked, drawn, joined = _Hubs.linked, _Hubs.drawn, _Hubs.joined

    def counted_linked(self, u, x):
        steps[0] += 1
        return linked(self, u, x)

    def counted_drawn(self, doc, role):
        steps[0] += len(self.neighbours(doc, role))
        return drawn(self, doc, role)

    def counted_joined(self, matches):
        steps[0] += len(matches)
        return joined(self, matches)

    with monkeypatch.context() as m:
        m.setattr(_Hubs, "linked", counted_linked)
        m.setattr(_Hubs, "drawn", counted_drawn)
        m.setattr(_Hubs, "joined", counted_joined)
        group_matches(sorted({d for m_ in ms for d in (m_.a, m_.b)}), ms)
    return steps[0]


def _hub_shapes(n: int) -> list[list[Match]]:
    """Two shapes that cost quadratic work when every candidate re-reads the matches of a
    much-matched neighbour: a caption in n hosts that each hold an excerpt of their own,
    and a story in n near-duplicate rewrites that each hold a part of their own."""
    caption = [part("cap", f"d{i}", 1.0) for i in range(n)] + [
        part(f"x{i}", f"d{i}") for i in range(n)
    ]
    rewrites = [part("s", f"w{i}") for i in range(n)] + [part(f"y{i}", f"w{i}") for i in range(n)]
    rewrites += [near("w0", f"w{i}") for i in range(1, n)]
    return [caption, rewrites]


def test_hub_rule_stays_near_linear(monkeypatch):
    """Counted, not timed: the steps grow as the matches do (re-reading the rewrites'
    matches for each candidate took 16 million steps at n = 4,000, against 44,000)."""
    n = 5000
    for small, large in zip(_hub_shapes(n), _hub_shapes(2 * n)):
        work, twice = _hub_rule_work(small, monkeypatch), _hub_rule_work(large, monkeypatch)
        assert work <= 8 * len(small), (work, len(small))
        assert twice <= 2.2 * work, (work, twice)  # doubling the matches doubles the steps
