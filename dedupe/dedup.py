"""Deduplication: which documents of a collection to keep, and why each other one goes.

The rule (one greedy pass, linear in the matches apart from a heap over the documents):

1. Documents are ranked by the keep rule (:mod:`dedupe.ranking`, the rule of a cluster's
   representative too): ``"earliest"`` (input order, or the date in a metadata field named
   by ``date_field``), ``"longest"`` (most distinct shingles), a metadata field (smallest
   value first; ``"-field"``: largest first) or a key function.
2. They are considered one at a time in that order, except that with ``partial="drop"``
   a document is considered only after every document that contains it (in a partial
   match the smaller document, the one more contained in the other, is the contained one;
   sizes strictly decrease along containment, so there is no cycle).
3. Each document is **kept** unless it matches an already kept document with a match of a
   dropped kind (``exact`` and ``near_duplicate`` always; ``partial`` too with
   ``partial="drop"``, the default). A dropped document names the kept document of its
   best such match (:meth:`Match.sort_key <dedupe.results.Match.sort_key>`), with that
   match's scores.

This gives two guarantees directly: no two kept documents form a match of a dropped kind,
and every dropped document names a *kept* document it matches (a verified match, never a
chain: when ``x`` duplicates ``y`` and ``y`` was dropped for ``z``, ``x`` names ``z`` only
if ``x``-``z`` is a reported match; otherwise ``x`` is kept). A document contained in
another is dropped in favour of the container whatever the keep rule says, unless the
container was itself dropped.

Exact copies (reported once, against the first of their group, see
:meth:`Report.expanded_matches() <dedupe.results.Report.expanded_matches>`) are handled as
groups without expanding them: the group is considered at the rank of its best member, which
is kept (or dropped like it) and every other member is dropped as an ``exact`` duplicate of
it (or of what it was dropped for).

>>> from dedupe.match import Match
>>> ms = [Match("flash", "story", 0.15, 0.9, 0.15, "partial", 9, 10, 60),
...       Match("story", "update", 0.8, 0.9, 0.9, "near_duplicate", 54, 60, 61)]
>>> d = deduplicate(["flash", "story", "update", "other"], ms)
>>> d.kept, [(x.id, x.duplicate_of, x.kind) for x in d.dropped]
(('story', 'other'), [('flash', 'story', 'partial'), ('update', 'story', 'near_duplicate')])
>>> deduplicate(["flash", "story", "update", "other"], ms, partial="keep").kept
('flash', 'story', 'other')
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InvalidParameterError
from .match import Match
from .ranking import Rule, rank_key
from .unionfind import UnionFind

__all__ = ["Decision", "Deduplication", "PARTIAL_RULES", "deduplicate"]

#: What happens to a document contained in another: dropped (default), or kept.
PARTIAL_RULES = ("drop", "keep")


@dataclass(frozen=True)
class Decision:
    """Why ``id`` was dropped: it matches ``duplicate_of``, a kept document.

    ``dropped_in_kept`` is the share of ``id``'s shingles found in ``duplicate_of``, and
    ``kept_in_dropped`` the share of ``duplicate_of``'s found in ``id``.
    """

    id: str
    duplicate_of: str
    kind: str
    jaccard: float
    dropped_in_kept: float
    kept_in_dropped: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict.

        >>> Decision("a", "b", "exact", 1.0, 1.0, 1.0).to_dict()["duplicate_of"]
        'b'
        """
        return {
            "id": self.id,
            "duplicate_of": self.duplicate_of,
            "kind": self.kind,
            "jaccard": self.jaccard,
            "dropped_in_kept": self.dropped_in_kept,
            "kept_in_dropped": self.kept_in_dropped,
        }


@dataclass(frozen=True)
class Deduplication:
    """What to keep (ids in input order) and what was dropped (in input order), with the
    rule that decided it."""

    kept: tuple[str, ...]
    dropped: tuple[Decision, ...]
    keep: str
    partial: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict.

        >>> deduplicate(["a"], []).to_dict()["kept"]
        ['a']
        """
        return {
            "keep": self.keep,
            "partial": self.partial,
            "kept": list(self.kept),
            "dropped": [d.to_dict() for d in self.dropped],
        }


def _decision(doc: str, kept: str, m: Match, doc_is_a: bool) -> Decision:
    """The decision for ``doc`` dropped as a duplicate of ``kept`` through ``m``, whose
    ``a`` side is (a copy of) ``doc`` when ``doc_is_a``, else (a copy of) ``kept``."""
    c_doc, c_kept = (
        (m.containment_ab, m.containment_ba) if doc_is_a else (m.containment_ba, m.containment_ab)
    )
    return Decision(doc, kept, m.kind, m.jaccard, c_doc, c_kept)


def deduplicate(
    ids: Sequence[str],
    matches: Iterable[Match],
    *,
    keep: Rule = "earliest",
    partial: str = "drop",
    metadata: Mapping[str, Mapping[str, str]] | None = None,
    date_field: str | None = None,
) -> Deduplication:
    """Which of ``ids`` (every document, in input order) to keep given their verified
    ``matches`` (as reported: exact copies once, against the first of their group), by the
    rule in this module's docstring.

    ``keep`` ranks documents: ``"earliest"`` (input order; with ``date_field``, the date in
    that metadata field, read by :func:`dedupe.metadata.parse_date`, undated documents
    last), ``"longest"`` (most distinct shingles, from the matches' sizes), the name of a
    metadata field (smallest value first, compared as numbers when every value is one;
    ``"-name"`` for largest first; documents without it last) or a key function of the id
    (smallest first). Ties go to the earlier document. ``partial`` is ``"drop"`` (a document
    contained in another is dropped, the container kept) or ``"keep"`` (only exact copies
    and near-duplicates are dropped).

    >>> from dedupe.match import Match
    >>> m = Match("a", "b", 0.8, 0.9, 0.9, "near_duplicate", 9, 10, 10)
    >>> deduplicate(["a", "b"], [m], keep="-rank",
    ...             metadata={"a": {"rank": "1"}, "b": {"rank": "2"}}).kept
    ('b',)
    """
    if partial not in PARTIAL_RULES:
        raise InvalidParameterError(f"partial must be 'drop' or 'keep', got {partial!r}")
    metadata = metadata or {}
    position = {doc: i for i, doc in enumerate(ids)}
    if len(position) != len(ids):
        raise InvalidParameterError("ids must not repeat")
    matches = list(matches)
    for m in matches:
        for side in (m.a, m.b):
            if side not in position:
                raise InvalidParameterError(
                    f"a match names {side!r}, which is not among the ids; pass every id"
                )
    groups = _CopyGroups(matches, position)
    key, rule = rank_key(keep, ids, sizes=groups.sizes, metadata=metadata, date_field=date_field)
    dropped_kinds = {"exact", "near_duplicate"} | ({"partial"} if partial == "drop" else set())
    groups.link(matches, dropped_kinds, key)
    decisions = _decide(groups, key, position)
    kept = tuple(doc for doc in ids if doc not in decisions)
    dropped = tuple(decisions[doc] for doc in ids if doc in decisions)
    return Deduplication(kept, dropped, rule, partial)


class _CopyGroups:
    """Documents in a match, grouped by exact copies (union-find over exact matches, each
    group named by its first id in input order), and the links between groups."""

    def __init__(self, matches: list[Match], position: Mapping[str, int]) -> None:
        uf = UnionFind()
        self.sizes: dict[str, int] = {}
        for m in matches:
            self.sizes[m.a], self.sizes[m.b] = m.size_a, m.size_b
            if m.kind == "exact":
                ra, rb = uf.find(m.a), uf.find(m.b)
                uf.union(*((ra, rb) if position[ra] < position[rb] else (rb, ra)))
        self.find = uf.find
        self.members: dict[str, list[str]] = {}
        for doc in self.sizes:
            self.members.setdefault(uf.find(doc), []).append(doc)
        #: group -> (other group, match, whether the group is the match's ``a`` side)
        self.edges: dict[str, list[tuple[str, Match, bool]]] = {g: [] for g in self.members}
        self.waiting = dict.fromkeys(self.members, 0)  # how many containers a group awaits
        self.contained_in: dict[str, list[str]] = {g: [] for g in self.members}

    def link(self, matches: list[Match], kinds: set[str], key: Callable[[str], Any]) -> None:
        """Order each group by ``key`` and record the matches of the ``kinds`` that drop."""
        for group in self.members.values():
            group.sort(key=key)
        for m in matches:
            ga, gb = self.find(m.a), self.find(m.b)
            if ga == gb or m.kind not in kinds:
                continue
            self.edges[ga].append((gb, m, True))
            self.edges[gb].append((ga, m, False))
            if m.kind == "partial" and m.size_a != m.size_b:  # the smaller awaits the larger
                small, large = (ga, gb) if m.size_a < m.size_b else (gb, ga)
                self.waiting[small] += 1
                self.contained_in[large].append(small)


def _decide(
    groups: _CopyGroups, key: Callable[[str], Any], position: Mapping[str, int]
) -> dict[str, Decision]:
    """The greedy pass of the module docstring: a decision for every dropped document."""
    members = groups.members
    heap = [(key(g[0]), position[g[0]], name) for name, g in members.items()]
    heap = [h for h in heap if groups.waiting[h[2]] == 0]
    heapq.heapify(heap)
    kept_of: dict[str, str] = {}  # group -> its kept member
    decisions: dict[str, Decision] = {}
    while heap:
        _, _, g = heapq.heappop(heap)
        best: tuple[Any, str, Match, bool] | None = None
        for other, m, g_is_a in groups.edges[g]:
            k = kept_of.get(other)
            if k is not None:
                rank = (m.sort_key(), key(k))
                if best is None or rank < best[0]:
                    best = (rank, k, m, g_is_a)
        group = members[g]
        if best is None:
            kept_of[g] = group[0]
            for copy in group[1:]:
                decisions[copy] = Decision(copy, group[0], "exact", 1.0, 1.0, 1.0)
        else:
            _, k, m, g_is_a = best
            for doc in group:
                decisions[doc] = _decision(doc, k, m, g_is_a)
        for small in groups.contained_in[g]:
            groups.waiting[small] -= 1
            if groups.waiting[small] == 0:
                first = members[small][0]
                heapq.heappush(heap, (key(first), position[first], small))
    return decisions
