"""Clusters from verified matches: union-find, a stated representative, the weakest link.

Edges are joined strongest first (Kruskal on ``Match.score``), so each cluster's
``weakest`` edge is its bottleneck: the weakest link any chain inside it depends on.

>>> from dedupe.match import Match
>>> def m(a, b, s):
...     return Match(a, b, s, s, s, "near_duplicate", 1, 1, 1)
>>> [c.members for c in build_clusters(["x", "y", "z", "w"], [m("x", "y", .9), m("y", "z", .6)])]
[('x', 'y', 'z')]
>>> build_clusters(["x", "y", "z"], [m("x", "y", .9), m("y", "z", .6)])[0].weakest.b
'z'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InvalidParameterError
from .match import Match

__all__ = ["Cluster", "build_clusters", "REPRESENTATIVE_RULES"]

#: Named rules for a cluster's representative.
REPRESENTATIVE_RULES = ("earliest", "longest")


@dataclass(frozen=True)
class Cluster:
    """A group of documents linked by verified matches.

    ``members`` are in the order the documents were given; ``representative`` is chosen
    by the stated rule; ``weakest`` is the lowest-scoring edge of the strongest tree
    that holds the cluster together (``None`` never happens for clusters of 2+).
    """

    members: tuple[str, ...]
    representative: str
    weakest: Match | None
    rule: str = "earliest"

    def __len__(self) -> int:
        return len(self.members)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "members": list(self.members),
            "representative": self.representative,
            "rule": self.rule,
            "weakest": self.weakest.to_dict() if self.weakest else None,
        }


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent.get(x, x)
        return root

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[rb] = ra
        return True


def build_clusters(
    order: Sequence[str],
    matches: Iterable[Match],
    *,
    representative: str | Callable[[str], Any] = "earliest",
    sizes: dict[str, int] | None = None,
) -> list[Cluster]:
    """Group ``matches`` into clusters (largest first, then by first member).

    ``order`` lists every document id in insertion order. ``representative`` is
    ``"earliest"`` (first in ``order``), ``"longest"`` (most shingles, from ``sizes``;
    ties go to the earliest) or a key function (the member with the smallest key wins).
    """
    position = {doc: i for i, doc in enumerate(order)}
    if callable(representative):
        key: Callable[[str], Any] = representative
        rule = getattr(representative, "__name__", "key")
    elif representative == "earliest":
        key, rule = position.__getitem__, "earliest"
    elif representative == "longest":
        if sizes is None:
            raise InvalidParameterError("representative='longest' needs document sizes")
        key, rule = (lambda d: (-sizes[d], position[d])), "longest"
    else:
        raise InvalidParameterError(
            f"representative must be one of {REPRESENTATIVE_RULES} or a key function, "
            f"got {representative!r}"
        )
    uf = _UnionFind()
    weakest: dict[str, Match] = {}  # root -> weakest edge of its tree
    touched: set[str] = set()
    for m in sorted(matches, key=Match.sort_key):  # strongest first: each join is the weakest yet
        touched.update((m.a, m.b))
        ra, rb = uf.find(m.a), uf.find(m.b)
        if ra == rb:
            continue
        uf.union(ra, rb)
        weakest.pop(rb, None)
        weakest[ra] = m
    groups: dict[str, list[str]] = {}
    for doc in sorted(touched, key=lambda d: position.get(d, len(order))):
        groups.setdefault(uf.find(doc), []).append(doc)
    clusters = [
        Cluster(tuple(members), min(members, key=key), weakest.get(root), rule)
        for root, members in groups.items()
        if len(members) > 1
    ]
    clusters.sort(key=lambda c: (-len(c.members), position.get(c.members[0], 0)))
    return clusters
