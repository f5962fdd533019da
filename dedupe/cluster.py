"""Clusters from verified matches: a grouping rule, a stated representative, the weakest link.

Edges are joined strongest first (Kruskal on ``Match.score``), so each cluster's
``weakest`` edge is its bottleneck: the weakest link any chain inside it depends on.

Two grouping rules (:data:`~dedupe.params.CLUSTER_RULES`):

* ``"components"``: every verified match joins its two documents (connected components).
* ``"hubs"`` (the default): near-duplicate and exact matches always join. A partial match
  is directed: the document with the larger containment is the *part*, the other the
  *whole*. A document whose parts fall into two or more groups is a *container* hub (a
  roundup, a live blog, a digest); one whose wholes fall into two or more groups is a
  *contained* hub (a caption or a quote pasted into unrelated stories). Here a group is a
  set of documents joined by near-duplicates, and two of a hub's groups count as one when
  a match that is not itself a hub's links them (a member of one matches a member of the
  other). A hub's partial matches in that role do not join; it is reported as a
  :class:`~dedupe.results.Hub` with the groups it draws from. A hub whose matches all lead into one
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

from collections.abc import Callable, Iterable, Mapping, Sequence

from .match import Match
from .params import CLUSTER_RULES, check_cluster_rule
from .ranking import Rule, rank_key
from .results import Cluster, Grouping, Hub
from .unionfind import UnionFind

__all__ = [
    "Cluster",
    "Hub",
    "Grouping",
    "build_clusters",
    "decide_hubs",
    "group_matches",
    "CLUSTER_RULES",
    "HUB_ROLES",
]

#: Roles of a hub: it contains parts of several groups, or is contained in several groups.
HUB_ROLES = ("container", "contained")
# Kinds of match that always join (symmetric: high Jaccard).
_SYMMETRIC = frozenset(("exact", "near_duplicate"))


def _part_whole(m: Match) -> tuple[str, str]:
    """The part (the side more contained in the other) and the whole of a partial match."""
    return (m.a, m.b) if m.containment_ab >= m.containment_ba else (m.b, m.a)


class _Hubs:
    """The hub rule over one set of matches (see the module docstring)."""

    def __init__(self, matches: list[Match], roots: Mapping[str, str] | None = None) -> None:
        self.core = UnionFind()  # near-duplicate and exact matches
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
        # (``roots`` given: the groups, found elsewhere; see decide_hubs)
        found = roots if roots is not None else {doc: self.core.find(doc) for doc in self.adj}
        self.root: Callable[[str], str] = lambda doc: found.get(doc, doc)

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
        local = UnionFind()
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
    representative: Rule = "earliest",
    sizes: Mapping[str, int] | None = None,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
) -> Grouping:
    """Clusters (largest first, then by first member) and hubs of ``matches``.

    ``order`` lists every document id in insertion order; ``clusters`` is the grouping
    rule (:data:`~dedupe.params.CLUSTER_RULES`, see the module docstring).
    ``representative`` is a rule of :mod:`dedupe.ranking` (the member ranked first
    represents the cluster):
    ``"earliest"``, ``"longest"`` (most shingles, from ``sizes``), a metadata field
    (from ``metadata``) or a key function; ties go to the earliest.

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
    key, rule = rank_key(
        representative, order, sizes=sizes, metadata=metadata, option="representative"
    )
    edges = sorted(matches, key=Match.sort_key)  # strongest first: each join is the weakest yet
    rank = _Rank(order)
    touched = sorted({d for m in edges for d in (m.a, m.b)}, key=rank)
    hubs = _Hubs(edges) if clusters == "hubs" else None
    if hubs is not None:
        hubs.decide(touched)
        _settle(hubs, edges, touched)
    uf, weakest = _spanning(hubs.joined(edges) if hubs is not None else edges)
    groups: dict[str, list[str]] = {}
    for doc in touched:
        groups.setdefault(uf.find(doc), []).append(doc)
    found = [
        (Cluster(tuple(members), min(members, key=key), weakest.get(root), rule), root)
        for root, members in groups.items()
        if len(members) > 1
    ]
    found.sort(key=lambda cr: (-len(cr[0].members), rank(cr[0].members[0])))
    listed = () if hubs is None else _listed_hubs(hubs, touched, uf, [r for _, r in found], rank)
    return Grouping(tuple(c for c, _ in found), listed)


def decide_hubs(
    order: Sequence[str], matches: Iterable[Match], roots: Mapping[str, str]
) -> dict[str, set[str]]:
    """The hubs (by role) the rule's passes decide, before the hubs whose matches all lead
    into one cluster are settled (see the module docstring), given each document's
    near-duplicate group in ``roots`` (a label per document; a document left out is its
    own group). ``order`` ranks the candidates (earlier first).

    :func:`dedupe.spark_hubs.hubs` gives it the matches the decision reads only: every
    match of each candidate in its role, and its neighbours' matches into its groups.

    >>> part = lambda p, w: Match(p, w, 0.3, 0.9, 0.3, "partial", 9, 10, 30)
    >>> decide_hubs(["r"], [part("a", "r"), part("b", "r")], {"b2": "b"})
    {'container': {'r'}, 'contained': set()}
    """
    hubs = _Hubs(sorted(matches, key=Match.sort_key), roots)
    hubs.decide(order)
    return hubs.hubs


class _Rank:
    """A document's place in the input order (unknown ids last, by id)."""

    def __init__(self, order: Sequence[str]) -> None:
        self.position = {doc: i for i, doc in enumerate(order)}
        self.last = len(order)

    def __call__(self, doc: str) -> tuple[int, str]:
        return self.position.get(doc, self.last), doc


def _spanning(joined: Iterable[Match]) -> tuple[UnionFind, dict[str, Match]]:
    """The components of the ``joined`` edges (strongest first) and each root's weakest
    edge of its strongest spanning tree (Kruskal)."""
    uf = UnionFind()
    weakest: dict[str, Match] = {}
    for m in joined:
        ra, rb = uf.find(m.a), uf.find(m.b)
        if ra == rb:
            continue
        uf.union(ra, rb)
        weakest.pop(rb, None)
        weakest[ra] = m
    return uf, weakest


def _listed_hubs(
    hubs: _Hubs, touched: list[str], uf: UnionFind, roots: list[str], rank: _Rank
) -> tuple[Hub, ...]:
    """Each hub with the groups it draws from (``roots``: the clusters' roots, in order)."""
    index = {root: i for i, root in enumerate(roots)}
    listed = []
    for doc in touched:
        for role in HUB_ROLES:
            if doc not in hubs.hubs[role]:
                continue
            own = uf.find(doc)
            drawn: dict[str, list[str]] = {}
            for u in sorted(set(hubs.drawn(doc, role)), key=rank):
                if uf.find(u) != own:
                    drawn.setdefault(uf.find(u), []).append(u)
            groups = tuple(tuple(g) for g in drawn.values())
            positions = tuple(index.get(r) for r in drawn)
            listed.append(Hub(doc, role, groups, positions, index.get(own)))
    return tuple(listed)


def _settle(hubs: _Hubs, edges: list[Match], touched: list[str]) -> None:
    """Un-hub every hub whose matches all lead into one group once the rest have joined."""
    changed = True
    while changed:
        changed = False
        uf = UnionFind()
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
    representative: Rule = "earliest",
    sizes: Mapping[str, int] | None = None,
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
