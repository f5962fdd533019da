"""The result contract every engine returns: :class:`Match`, :class:`Cluster`, :class:`Hub`
and :class:`Report`, built by keyword through :func:`build_report`.

The in-memory :func:`dedupe.find_duplicates` and :func:`dedupe.spark.find_duplicates` both
end in :func:`build_report`, so a report has the same fields, the same order and the same
methods whichever engine made it. This module imports no engine and no view: views
(:mod:`dedupe.render`) read reports, reports never know their views.

>>> m = Match("a", "b", jaccard=0.8, containment_ab=0.9, containment_ba=0.85,
...           kind="near_duplicate", shared=8, size_a=9, size_b=9)
>>> r = build_report(matches=[m], grouping=Grouping(clusters=(), hubs=()), ids=["a", "b"])
>>> r.documents, [x.b for x in r.matches], r.deduplicate().kept
(2, ['b'], ('a',))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .dedup import Deduplication, deduplicate
from .errors import InvalidParameterError
from .match import KINDS, Match

__all__ = [
    "KINDS",
    "Cluster",
    "Grouping",
    "Hub",
    "Match",
    "Report",
    "build_report",
    "expand_copies",
]


@dataclass(frozen=True)
class Cluster:
    """A group of documents linked by verified matches.

    ``members`` are in the order the documents were given; ``representative`` is chosen
    by the stated ``rule`` (see :mod:`dedupe.ranking`); ``weakest`` is the lowest-scoring
    edge of the strongest tree that holds the cluster together (never ``None`` for a
    cluster of two or more).

    >>> Cluster(("a", "b"), "a", None).to_dict()["members"]
    ['a', 'b']
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
    """A document whose partial matches were kept from joining clusters (see
    :mod:`dedupe.cluster`).

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
    """Clusters (largest first) and hubs, as :func:`dedupe.cluster.group_matches` gives them.

    >>> Grouping(clusters=(), hubs=()).hubs
    ()
    """

    clusters: tuple[Cluster, ...]
    hubs: tuple[Hub, ...]


@dataclass(frozen=True, kw_only=True)
class Report:
    """What ``find_duplicates`` found, on any engine (build it with :func:`build_report`).

    * ``matches``: the verified pairs, best first (:meth:`Match.sort_key`), each with
      ``a`` the earlier document. Exact copies (the very same shingle set) are *collapsed*:
      each copy is listed once, as an ``exact`` match with the first document of its copy
      group, and every other match of the group is listed for that first document only
      (the copies would score the same). This keeps a collection with thousands of copies
      of one text linear. Every consumer of a report (the command line's outputs, the
      report page, :meth:`deduplicate`) reads ``matches`` so.
    * :meth:`expanded_matches`: every pair the matches stand for, copies expanded (each
      copy takes the matches of its group's first document, and the copies match one
      another). Quadratic in the size of copy groups.
    * ``clusters`` (largest first) and ``hubs``: see :mod:`dedupe.cluster`.
    * ``ids``: every document id in input order (those ``skipped`` for holding no words
      aside); ``documents`` is their number.
    * ``metadata``: id -> dict of ``str`` fields, for the documents given some.
    * ``params``: the options of the run; ``seconds``: how long it took.

    >>> r = build_report(matches=[], grouping=Grouping(clusters=(), hubs=()), ids=["a"])
    >>> r.to_dict()["documents"], r.expanded_matches()
    (1, [])
    """

    matches: tuple[Match, ...]
    clusters: tuple[Cluster, ...]
    hubs: tuple[Hub, ...]
    ids: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    seconds: float = 0.0
    params: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def documents(self) -> int:
        """How many documents were compared (``len(ids)``)."""
        return len(self.ids)

    def expanded_matches(self) -> list[Match]:
        """Every pair the matches stand for, exact copies expanded, best first (see the
        class docstring and :func:`expand_copies`).

        >>> c = Match("a", "b", 1.0, 1.0, 1.0, "exact", 4, 4, 4)
        >>> p = Match("a", "x", 0.2, 0.5, 0.3, "partial", 2, 4, 6)
        >>> r = build_report(matches=[c, p], grouping=Grouping(clusters=(), hubs=()),
        ...                  ids=["a", "b", "x"])
        >>> [(m.a, m.b) for m in r.expanded_matches()]
        [('a', 'b'), ('a', 'x'), ('b', 'x')]
        """
        return sorted(expand_copies(self.matches), key=Match.sort_key)

    def deduplicate(
        self,
        *,
        keep: str | Callable[[str], Any] = "earliest",
        partial: str = "drop",
        date_field: str | None = None,
    ) -> Deduplication:
        """Which documents to keep, and for each dropped one the kept document it duplicates
        (see :mod:`dedupe.dedup` for the rule and its guarantees).

        ``keep`` ranks documents by the rules of :mod:`dedupe.ranking`: ``"earliest"``
        (input order, or by the date in the metadata field ``date_field``), ``"longest"``,
        a metadata field name (``"-name"``: largest value first) or a key function of the
        id. ``partial="drop"`` (default) drops a document contained in another (the
        container is kept); ``"keep"`` drops only exact copies and near-duplicates.

        >>> same = Match("a", "b", 1.0, 1.0, 1.0, "exact", 5, 5, 5)
        >>> r = build_report(matches=[same], grouping=Grouping(clusters=(), hubs=()),
        ...                  ids=["a", "b", "c"])
        >>> d = r.deduplicate(); d.kept, [(x.id, x.duplicate_of, x.kind) for x in d.dropped]
        (('a', 'c'), [('b', 'a', 'exact')])
        """
        return deduplicate(
            self.ids,
            self.matches,
            keep=keep,
            partial=partial,
            metadata=self.metadata,
            date_field=date_field,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict.

        >>> build_report(matches=[], grouping=Grouping(clusters=(), hubs=()), ids=["a"],
        ...              metadata={"a": {"title": "T"}}).to_dict()["metadata"]
        {'a': {'title': 'T'}}
        """
        return {
            "documents": self.documents,
            "ids": list(self.ids),
            "skipped": list(self.skipped),
            "seconds": self.seconds,
            "params": dict(self.params),
            "metadata": {k: dict(v) for k, v in self.metadata.items()},
            "matches": [m.to_dict() for m in self.matches],
            "clusters": [c.to_dict() for c in self.clusters],
            "hubs": [h.to_dict() for h in self.hubs],
        }


def build_report(
    *,
    matches: Iterable[Match],
    grouping: Grouping,
    ids: Sequence[str],
    skipped: Sequence[str] = (),
    seconds: float = 0.0,
    params: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
) -> Report:
    """The :class:`Report` of a run, as every engine builds it: matches sorted best first,
    every match's ids among ``ids`` (else :class:`~dedupe.errors.InvalidParameterError`),
    metadata kept for the documents of the report only.

    >>> build_report(matches=[Match("a", "z", 1, 1, 1, "exact", 1, 1, 1)],
    ...              grouping=Grouping(clusters=(), hubs=()), ids=["a"])
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: a match names 'z', which is not among the report's ids
    """
    ids = tuple(ids)
    known = set(ids)
    ordered = sorted(matches, key=Match.sort_key)
    for m in ordered:
        for side in (m.a, m.b):
            if side not in known:
                raise InvalidParameterError(
                    f"a match names {side!r}, which is not among the report's ids"
                )
    return Report(
        matches=tuple(ordered),
        clusters=tuple(grouping.clusters),
        hubs=tuple(grouping.hubs),
        ids=ids,
        skipped=tuple(skipped),
        seconds=float(seconds),
        params=dict(params or {}),
        metadata={d: dict(v) for d, v in (metadata or {}).items() if d in known},
    )


def expand_copies(matches: Sequence[Match]) -> list[Match]:
    """Every pair the collapsed ``matches`` stand for (see :class:`Report`): each exact
    copy takes the matches of the first document of its group, and the copies of a group
    match one another. Quadratic in the size of copy groups: for reading all pairs of a
    small collection, or for checks.

    >>> ms = [Match("w", "c", 1.0, 1.0, 1.0, "exact", 9, 9, 9),
    ...       Match("w", "x", 0.2, 0.3, 0.5, "partial", 3, 9, 6)]
    >>> sorted((m.a, m.b) for m in expand_copies(ms))
    [('c', 'x'), ('w', 'c'), ('w', 'x')]
    """
    copies: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    for m in matches:
        if m.kind == "exact":
            copies.setdefault(m.a, []).append(m.b)
            sizes.setdefault(m.a, m.size_a)
    copied = {c for group in copies.values() for c in group}
    if not copied:
        return list(matches)
    out = list(matches)
    for first, group in copies.items():  # copies of one group match one another
        size = sizes[first]
        for i, x in enumerate(group):
            for y in group[i + 1 :]:
                out.append(Match(x, y, 1.0, 1.0, 1.0, "exact", size, size, size, True))
    for m in matches:
        if m.kind == "exact" and m.b in copied:
            continue
        for a in [m.a, *copies.get(m.a, [])]:
            for b in [m.b, *copies.get(m.b, [])]:
                if (a, b) != (m.a, m.b):
                    out.append(replace(m, a=a, b=b))
    return out
