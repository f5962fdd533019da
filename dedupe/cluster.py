"""Clusters from verified matches: a grouping rule, a stated representative, the weakest link.

Edges are joined strongest first (Kruskal on ``Match.score``), so each cluster's
``weakest`` edge is its bottleneck: the weakest link any chain inside it depends on.

Two grouping rules (:data:`CLUSTER_RULES`):

* ``"components"``: every verified match joins its two documents (connected components).
* ``"hubs"`` (the default): near-duplicate and exact matches always join. A partial match
  is directed: the document with the larger containment is the *part*, the other the
  *whole*. A document whose parts fall into two or more groups is a *container* hub (a
  roundup, a live blog, a digest); one whose wholes fall into two or more groups is a
  *contained* hub (a caption or a quote pasted into unrelated stories). Here a group is a
  set of documents joined by near-duplicates, and two of a hub's groups count as one when
  a match that is not itself a hub's links them (a member of one matches a member of the
  other). A hub's partial matches in that role do not join; it is reported as a
  :class:`Hub` with the groups it draws from. A hub whose matches all lead into one
  cluster in the end is not a hub: it joins that cluster. A pair has one hub: a
  document's matches with a hub of the other role do not count for it (candidates that
  reach the most groups are decided first, in passes until no hub is added).

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

__all__ = [
    "Cluster",
    "Hub",
    "Grouping",
    "build_clusters",
    "group_matches",
    "check_cluster_rule",
    "CLUSTER_RULES",
    "HUB_ROLES",
    "REPRESENTATIVE_RULES",
]

#: Named rules for a cluster's representative.
REPRESENTATIVE_RULES = ("earliest", "longest")
#: Grouping rules: ``"hubs"`` (the default) keeps hubs from chaining stories together,
#: ``"components"`` joins every verified match (connected components).
CLUSTER_RULES = ("hubs", "components")
#: Roles of a hub: it contains parts of several groups, or is contained in several groups.
HUB_ROLES = ("container", "contained")
# Kinds of match that always join (symmetric: high Jaccard).
_SYMMETRIC = frozenset(("exact", "near_duplicate"))


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


@dataclass(frozen=True)
class Hub:
    """A document whose partial matches were kept from joining clusters (see the module).

    ``role`` is ``"container"`` (it holds most of documents of several groups) or
    ``"contained"`` (most of it is in documents of several groups). ``groups`` lists,
    one tuple per group it draws from, the documents it matches there (in the order the
    documents were given); ``clusters`` gives for each group its position in the list of
    clusters, or ``None`` for a document in no cluster; ``cluster`` is the position of the
    hub's own cluster (its near-duplicates), or ``None``.

    >>> Hub("r", "container", (("a",), ("b",)), (0, None)).to_dict()["groups"][1]
    {'cluster': None, 'ids': ['b']}
    """

    id: str
    role: str
    groups: tuple[tuple[str, ...], ...]
    clusters: tuple[int | None, ...]
    cluster: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``id``, ``role``, ``cluster`` and ``groups`` (``cluster``, ``ids``)."""
        return {
            "id": self.id,
            "role": self.role,
            "cluster": self.cluster,
            "groups": [
                {"cluster": c, "ids": list(g)}
                for g, c in zip(self.groups, self.clusters, strict=True)
            ],
        }


@dataclass(frozen=True)
class Grouping:
    """What :func:`group_matches` returns: the clusters (largest first) and the hubs."""

    clusters: tuple[Cluster, ...]
    hubs: tuple[Hub, ...]


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


def check_cluster_rule(rule: object) -> str:
    """``rule`` if it is one of :data:`CLUSTER_RULES`, else :class:`InvalidParameterError`.

    >>> check_cluster_rule("chains")
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: clusters must be one of 'hubs', 'components'; got 'chains'
    """
    if not isinstance(rule, str) or rule not in CLUSTER_RULES:
        choices = ", ".join(repr(r) for r in CLUSTER_RULES)
        raise InvalidParameterError(f"clusters must be one of {choices}; got {rule!r}")
    return rule


def _representative_key(
    representative: str | Callable[[str], Any],
    position: dict[str, int],
    sizes: dict[str, int] | None,
) -> tuple[Callable[[str], Any], str]:
    if callable(representative):
        return representative, getattr(representative, "__name__", "key")
    if representative == "earliest":
        return position.__getitem__, "earliest"
    if representative == "longest":
        if sizes is None:
            raise InvalidParameterError("representative='longest' needs document sizes")
        return (lambda d: (-sizes[d], position[d])), "longest"
    raise InvalidParameterError(
        f"representative must be one of {REPRESENTATIVE_RULES} or a key function, "
        f"got {representative!r}"
    )


def _part_whole(m: Match) -> tuple[str, str]:
    """The part (the side more contained in the other) and the whole of a partial match."""
    return (m.a, m.b) if m.containment_ab >= m.containment_ba else (m.b, m.a)


class _Hubs:
    """The hub rule over one set of matches (see the module docstring)."""

    def __init__(self, matches: list[Match]) -> None:
        self.core = _UnionFind()  # near-duplicate and exact matches
        self.parts: dict[str, list[str]] = {}
        self.wholes: dict[str, list[str]] = {}
        self.adj: dict[str, list[str]] = {}
        self.contains: set[tuple[str, str]] = set()  # (part, whole)
        for m in matches:
            self.adj.setdefault(m.a, []).append(m.b)
            self.adj.setdefault(m.b, []).append(m.a)
            if m.kind in _SYMMETRIC:
                self.core.union(m.a, m.b)
            else:
                part, whole = _part_whole(m)
                self.parts.setdefault(whole, []).append(part)
                self.wholes.setdefault(part, []).append(whole)
                self.contains.add((part, whole))
        self.hubs: dict[str, set[str]] = {"container": set(), "contained": set()}
        # near-duplicate groups never change once built: each document's root, looked up
        # in one dict access (the rule asks for them hundreds of thousands of times)
        roots = {doc: self.core.find(doc) for doc in self.adj}
        self.root: Callable[[str], str] = lambda doc: roots.get(doc, doc)

    def neighbours(self, doc: str, role: str) -> list[str]:
        return (self.parts if role == "container" else self.wholes).get(doc, [])

    def drawn(self, doc: str, role: str) -> list[str]:
        """The neighbours ``doc`` draws from in ``role``: those that are not hubs of the
        other role (their matches with ``doc`` are theirs: each pair has one hub)."""
        if role == "container":
            return [p for p in self.parts.get(doc, []) if p not in self.hubs["contained"]]
        return [w for w in self.wholes.get(doc, []) if w not in self.hubs["container"]]

    def cut(self, part: str, whole: str) -> bool:
        """Whether the partial match ``part`` in ``whole`` is a hub's (and does not join)."""
        return whole in self.hubs["container"] or part in self.hubs["contained"]

    def linked(self, u: str, x: str) -> bool:
        """Whether the match between ``u`` and ``x`` joins under the current hubs."""
        if self.root(u) == self.root(x):
            return True
        if (u, x) in self.contains and not self.cut(u, x):
            return True
        return (x, u) in self.contains and not self.cut(x, u)

    def groups_of(self, doc: str, role: str, links: dict[str, set[str]]) -> int:
        """How many groups the neighbours of ``doc`` in ``role`` fall into, locally linked.

        ``links`` caches, for each document, the groups its joining matches reach (kept
        for one pass: each document's matches are read once a pass, however many
        candidates it neighbours)."""
        core = self.root
        own = core(doc)
        near = self.drawn(doc, role)
        roots = {core(u) for u in near} - {own}
        if len(roots) < 2:
            return len(roots)
        local = _UnionFind()
        count = len(roots)  # groups left; each union that joins two of them takes one off
        for u in near:
            ru = core(u)
            if ru == own:
                continue
            reached = links.get(u)
            if reached is None:
                reached = {core(x) for x in self.adj.get(u, ()) if self.linked(u, x)}
                links[u] = reached
            for rx in reached & roots:
                if rx != ru and local.union(ru, rx):
                    count -= 1
                    if count == 1:  # all linked: no need to read the other neighbours
                        return 1
        return count

    def decide(self, order: Sequence[str]) -> None:
        """Find the hubs: candidates reaching the most groups first, again and again until
        no hub is added (a hub's matches stop linking other documents' groups)."""
        core = self.root
        reach = {
            (doc, role): len({core(u) for u in self.neighbours(doc, role)} - {core(doc)})
            for doc in order
            for role in HUB_ROLES
        }
        rank = {doc: i for i, doc in enumerate(order)}
        candidates = sorted(
            (key for key, n in reach.items() if n >= 2),
            key=lambda key: (-reach[key], rank[key[0]], key[1]),
        )
        changed = True
        while changed:  # the last pass adds nothing, its links are those of the final hubs
            changed = False
            links: dict[str, set[str]] = {}
            for doc, role in candidates:
                if doc not in self.hubs[role] and self.groups_of(doc, role, links) >= 2:
                    self.hubs[role].add(doc)
                    changed = True

    def joined(self, matches: list[Match]) -> list[Match]:
        return [m for m in matches if m.kind in _SYMMETRIC or not self.cut(*_part_whole(m))]


def group_matches(
    order: Sequence[str],
    matches: Iterable[Match],
    *,
    clusters: str = "hubs",
    representative: str | Callable[[str], Any] = "earliest",
    sizes: dict[str, int] | None = None,
) -> Grouping:
    """Clusters (largest first, then by first member) and hubs of ``matches``.

    ``order`` lists every document id in insertion order; ``clusters`` is the grouping
    rule (:data:`CLUSTER_RULES`, see the module docstring). ``representative`` is
    ``"earliest"`` (first in ``order``), ``"longest"`` (most shingles, from ``sizes``;
    ties go to the earliest) or a key function (the member with the smallest key wins).

    A roundup ``r`` holds most of two unrelated stories ``a`` and ``b``; ``b2`` is a copy
    of ``b``:

    >>> def part(p, w):  # most of p is in w
    ...     return Match(p, w, 0.3, 0.9, 0.3, "partial", 9, 10, 30)
    >>> copy = Match("b", "b2", 0.9, 0.9, 0.9, "near_duplicate", 9, 9, 9)
    >>> ms, order = [part("a", "r"), part("b", "r"), copy], ["r", "a", "b", "b2"]
    >>> g = group_matches(order, ms)
    >>> [c.members for c in g.clusters], [(h.id, h.role, h.groups, h.clusters) for h in g.hubs]
    ([('b', 'b2')], [('r', 'container', (('a',), ('b',)), (None, 0))])
    >>> [c.members for c in group_matches(order, ms, clusters="components").clusters]
    [('r', 'a', 'b', 'b2')]
    """
    check_cluster_rule(clusters)
    position = {doc: i for i, doc in enumerate(order)}
    key, rule = _representative_key(representative, position, sizes)
    edges = sorted(matches, key=Match.sort_key)  # strongest first: each join is the weakest yet

    def rank(doc: str) -> int:
        return position.get(doc, len(order))

    touched = sorted({d for m in edges for d in (m.a, m.b)}, key=lambda d: (rank(d), d))
    hubs = _Hubs(edges) if clusters == "hubs" else None
    if hubs is not None:
        hubs.decide(touched)
        _settle(hubs, edges, touched)
    joined = hubs.joined(edges) if hubs is not None else edges

    uf = _UnionFind()
    weakest: dict[str, Match] = {}  # root -> weakest edge of its tree
    for m in joined:
        ra, rb = uf.find(m.a), uf.find(m.b)
        if ra == rb:
            continue
        uf.union(ra, rb)
        weakest.pop(rb, None)
        weakest[ra] = m
    groups: dict[str, list[str]] = {}
    for doc in touched:
        groups.setdefault(uf.find(doc), []).append(doc)
    found = [
        (Cluster(tuple(members), min(members, key=key), weakest.get(root), rule), root)
        for root, members in groups.items()
        if len(members) > 1
    ]
    found.sort(key=lambda cr: (-len(cr[0].members), rank(cr[0].members[0])))
    if hubs is None:
        return Grouping(tuple(c for c, _ in found), ())
    index = {root: i for i, (_, root) in enumerate(found)}
    listed = []
    for doc in touched:
        for role in HUB_ROLES:
            if doc not in hubs.hubs[role]:
                continue
            own = uf.find(doc)
            drawn: dict[str, list[str]] = {}
            for u in sorted(set(hubs.drawn(doc, role)), key=lambda d: (rank(d), d)):
                if uf.find(u) != own:
                    drawn.setdefault(uf.find(u), []).append(u)
            listed.append(
                Hub(
                    doc,
                    role,
                    tuple(tuple(g) for g in drawn.values()),
                    tuple(index.get(r) for r in drawn),
                    index.get(own),
                )
            )
    return Grouping(tuple(c for c, _ in found), tuple(listed))


def _settle(hubs: _Hubs, edges: list[Match], touched: list[str]) -> None:
    """Un-hub every hub whose matches all lead into one group once the rest have joined."""
    changed = True
    while changed:
        changed = False
        uf = _UnionFind()
        for m in hubs.joined(edges):
            uf.union(m.a, m.b)
        for doc in touched:
            for role in HUB_ROLES:
                if doc not in hubs.hubs[role]:
                    continue
                own = uf.find(doc)
                roots = {uf.find(u) for u in hubs.drawn(doc, role)} - {own}
                if len(roots) < 2:
                    hubs.hubs[role].discard(doc)  # its matches join: count again
                    changed = True


def build_clusters(
    order: Sequence[str],
    matches: Iterable[Match],
    *,
    clusters: str = "hubs",
    representative: str | Callable[[str], Any] = "earliest",
    sizes: dict[str, int] | None = None,
) -> list[Cluster]:
    """The clusters of :func:`group_matches` (largest first, then by first member).

    >>> from dedupe.match import Match
    >>> build_clusters(["a"], [], clusters="chains")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: clusters must be one of 'hubs', 'components'; got ...
    """
    return list(
        group_matches(
            order, matches, clusters=clusters, representative=representative, sizes=sizes
        ).clusters
    )
