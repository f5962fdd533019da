"""Views of matches and clusters: JSONL, CSV, an aligned table, and a self-contained HTML page.

Writers take an open text stream; :func:`html_report` returns the page as a string.

>>> import io
>>> from dedupe.match import Match
>>> m = Match("a.txt", "b.txt", jaccard=0.25, containment_ab=0.6, containment_ba=0.3,
...           kind="partial", shared=30, size_a=50, size_b=100)
>>> out = io.StringIO()
>>> write_matches([m], out, fmt="table")
>>> print(out.getvalue(), end="")
a      b      kind     jaccard  a_in_b  b_in_a
a.txt  b.txt  partial    0.250   0.600   0.300
"""

from __future__ import annotations

import csv
import dataclasses
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from ..align import Alignment
from ..errors import InvalidParameterError
from ..results import Cluster, Hub, Match, Report
from .alignment import alignment_html_fragment, alignment_summary_html, sides_html
from .page import html_page
from .safe import csv_row, terminal_text

__all__ = [
    "TABLE_FORMATS",
    "MAX_LISTED_PAIRS",
    "MAX_LISTED_CLUSTERS",
    "write_matches",
    "write_clusters",
    "write_hubs",
    "hubs_table",
    "matches_table",
    "clusters_table",
    "diff_choice",
    "COLLAPSE_EQUAL_RUN",
    "MAX_DETAILED_CLUSTERS",
    "html_report",
    "HINTS",
]

#: Formats of :func:`write_matches` and :func:`write_clusters`.
TABLE_FORMATS = ("jsonl", "csv", "table")

#: The report page lists at most this many pairs in its table of all pairs (the
#: side-by-side diffs are capped separately by ``max_pairs``).
MAX_LISTED_PAIRS = 5000

#: ...and at most this many clusters in its table of clusters.
MAX_LISTED_CLUSTERS = 5000

#: Decimal places of scores in the table and HTML views (JSONL and CSV keep full precision).
SCORE_DECIMALS = 3

# Columns of the match table view: (heading, Match attribute).
_TABLE_COLUMNS = (
    ("a", "a"),
    ("b", "b"),
    ("kind", "kind"),
    ("jaccard", "jaccard"),
    ("a_in_b", "containment_ab"),
    ("b_in_a", "containment_ba"),
)


def _check_format(fmt: str) -> None:
    if fmt not in TABLE_FORMATS:
        raise InvalidParameterError(
            f"unknown format {fmt!r}: use one of {', '.join(TABLE_FORMATS)}"
        )


def _score(x: float) -> str:
    return f"{x:.{SCORE_DECIMALS}f}"


def _aligned(rows: list[list[str]], numeric: set[int]) -> str:
    """Rows as text columns two spaces apart; `numeric` columns right-aligned. Control
    characters in cells (ids come from the inputs) are shown as escapes
    (:func:`~dedupe.render.safe.terminal_text`)."""
    rows = [[terminal_text(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(w) if i in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def matches_table(matches: Iterable[Match]) -> str:
    """Matches as an aligned text table: ids, kind, Jaccard and both containments.

    ``a_in_b`` is ``containment_ab``: the share of a's shingles found in b.

    >>> print(matches_table([]), end="")
    a  b  kind  jaccard  a_in_b  b_in_a
    """
    rows = [[heading for heading, _ in _TABLE_COLUMNS]]
    for m in matches:
        rows.append(
            [
                m.a,
                m.b,
                m.kind,
                _score(m.jaccard),
                _score(m.containment_ab),
                _score(m.containment_ba),
            ]
        )
    return _aligned(rows, numeric={3, 4, 5} if len(rows) > 1 else set())


def _weakest_cells(c: Cluster) -> list[str]:
    w = c.weakest
    if w is None:
        return ["", "", ""]
    return [f"{w.a} ~ {w.b}", w.kind, _score(w.score)]


def clusters_table(clusters: Iterable[Cluster]) -> str:
    """Clusters as an aligned text table, largest first as given.

    ``weakest`` is the cluster's weakest edge and ``score`` its score (the largest of its
    Jaccard and containments).

    >>> print(clusters_table([]), end="")
    cluster  size  representative  weakest  kind  score  members
    """
    rows = [["cluster", "size", "representative", "weakest", "kind", "score", "members"]]
    for number, c in enumerate(clusters, start=1):
        rows.append(
            [str(number), str(len(c.members)), c.representative]
            + _weakest_cells(c)
            + [" ".join(c.members)]
        )
    return _aligned(rows, numeric={0, 1, 5} if len(rows) > 1 else set())


def match_fields(fuzzy: bool = False) -> list[str]:
    """The CSV columns of matches: ``fuzzy`` only for matches of fuzzy mode.

    >>> match_fields()[-3:], match_fields(True)[-3:]
    (['size_b', 'exact', 'score'], ['exact', 'fuzzy', 'score'])
    """
    names = [f.name for f in dataclasses.fields(Match) if fuzzy or f.name != "fuzzy"]
    return names + ["score"]


def write_matches(matches: Iterable[Match], out: IO[str], *, fmt: str = "jsonl") -> None:
    """Write matches to `out` as ``jsonl`` (``Match.to_dict()`` a line), ``csv`` or ``table``.

    Ids are escaped as each format needs (:mod:`dedupe.render.safe`): control characters
    shown as escapes in the table, a ``'`` before a CSV field that would start a formula.

    >>> import io, sys
    >>> write_matches([], sys.stdout, fmt="csv")
    a,b,jaccard,containment_ab,containment_ba,kind,shared,size_a,size_b,exact,score
    """
    _check_format(fmt)
    if fmt == "table":
        out.write(matches_table(matches))
    elif fmt == "csv":
        matches = list(matches)
        fields = match_fields(any(m.fuzzy is not None for m in matches))
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(fields)
        for m in matches:
            d = m.to_dict()
            writer.writerow(csv_row(d.get(f) for f in fields))
    else:
        for m in matches:
            out.write(json.dumps(m.to_dict(), ensure_ascii=False) + "\n")


# CSV view of clusters: one row per member.
_CLUSTER_CSV_FIELDS = (
    "cluster",
    "size",
    "id",
    "representative",
    "weakest_a",
    "weakest_b",
    "weakest_kind",
    "weakest_jaccard",
    "weakest_containment_ab",
    "weakest_containment_ba",
)


def hubs_by_cluster(hubs: Iterable[Hub]) -> dict[int, list[str]]:
    """Cluster position -> the ids of the hubs that draw from it.

    >>> from dedupe.cluster import Hub
    >>> hubs_by_cluster([Hub("r", "container", (("a",), ("b",)), (0, 2))])
    {0: ['r'], 2: ['r']}
    """
    out: dict[int, list[str]] = {}
    for h in hubs:
        for c in h.clusters:
            if c is not None and h.id not in out.setdefault(c, []):
                out[c].append(h.id)
    return out


def write_clusters(
    clusters: Iterable[Cluster], out: IO[str], *, fmt: str = "jsonl", hubs: Iterable[Hub] = ()
) -> None:
    """Write clusters to `out` as ``jsonl`` (``Cluster.to_dict()`` plus ``size``, and
    ``hubs``: the ids of the hubs that draw from it; a line), ``csv`` (one row per member,
    with the cluster's weakest edge) or ``table``.

    >>> import sys
    >>> write_clusters([], sys.stdout, fmt="csv")  # doctest: +ELLIPSIS
    cluster,size,id,representative,weakest_a,...
    """
    _check_format(fmt)
    drawn = hubs_by_cluster(hubs)
    if fmt == "table":
        out.write(clusters_table(clusters))
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_CLUSTER_CSV_FIELDS)
        for number, c in enumerate(clusters, start=1):
            w = c.weakest
            edge = (
                [w.a, w.b, w.kind, w.jaccard, w.containment_ab, w.containment_ba]
                if w is not None
                else [""] * 6
            )
            for member in c.members:
                writer.writerow(
                    csv_row([number, len(c.members), member, member == c.representative, *edge])
                )
    else:
        for number, c in enumerate(clusters, start=1):
            record = {"cluster": number, "size": len(c.members), **c.to_dict()}
            record["hubs"] = drawn.get(number - 1, [])
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _number(position: int | None) -> int | None:
    """A cluster's number in the views (1 = the largest), from its position."""
    return None if position is None else position + 1


def hubs_table(hubs: Iterable[Hub]) -> str:
    """Hubs as an aligned text table: the hub, its role, its own cluster's number (if any)
    and the groups it draws from (``#n`` for cluster number n, then the ids it matches).

    >>> from dedupe.cluster import Hub
    >>> from dedupe.match import Match
    >>> print(hubs_table([Hub("r", "container", (("a",), ("b", "c")), (0, None))]), end="")
    hub  role       cluster  draws from
    r    container           #1: a; b, c
    """
    rows = [["hub", "role", "cluster", "draws from"]]
    for h in hubs:
        groups = "; ".join(
            (f"#{_number(c)}: " if c is not None else "") + ", ".join(g)
            for g, c in zip(h.groups, h.clusters, strict=True)
        )
        own = _number(h.cluster)
        rows.append([h.id, h.role, "" if own is None else str(own), groups])
    return _aligned(rows, numeric={2} if len(rows) > 1 else set())


_HUB_CSV_FIELDS = ("hub", "role", "hub_cluster", "group", "cluster", "id")


def write_hubs(hubs: Iterable[Hub], out: IO[str], *, fmt: str = "jsonl") -> None:
    """Write hubs to `out` as ``jsonl`` (``Hub.to_dict()`` a line, clusters by number, 1 =
    the largest, as :func:`write_clusters` numbers them), ``csv`` (one row per document a
    hub matches: hub, role, the hub's cluster, group, that group's cluster, id) or
    ``table``.

    >>> import sys
    >>> from dedupe.cluster import Hub
    >>> from dedupe.match import Match
    >>> write_hubs([Hub("r", "container", (("a",), ("b",)), (0, None))], sys.stdout, fmt="csv")
    hub,role,hub_cluster,group,cluster,id
    r,container,,1,1,a
    r,container,,2,,b
    """
    _check_format(fmt)
    if fmt == "table":
        out.write(hubs_table(hubs))
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_HUB_CSV_FIELDS)
        for h in hubs:
            for number, (g, c) in enumerate(zip(h.groups, h.clusters, strict=True), start=1):
                for doc in g:
                    writer.writerow(csv_row([h.id, h.role, _number(h.cluster) or "", number,
                                             _number(c) or "", doc]))  # fmt: skip
    else:
        for h in hubs:
            record = h.to_dict()
            record["cluster"] = _number(h.cluster)
            for g in record["groups"]:
                g["cluster"] = _number(g["cluster"])
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------------
# HTML


def _esc(x: object) -> str:
    return html.escape(str(x))


def _kind_badge(kind: str) -> str:
    return f'<span class="dd-kind dd-kind-{_esc(kind)}">{_esc(kind.replace("_", " "))}</span>'


def _pair_summary(m: Match) -> str:
    return (
        f"<code>{_esc(m.a)}</code> ~ <code>{_esc(m.b)}</code> {_kind_badge(m.kind)} "
        f"Jaccard {_score(m.jaccard)} · A in B {_score(m.containment_ab)} · "
        f"B in A {_score(m.containment_ba)}"
    )


def _facts(items: Sequence[tuple[str, str]]) -> str:
    rows = "".join(f"<dt>{_esc(k)}</dt><dd>{v}</dd>" for k, v in items)
    return f'<dl class="dd-facts">{rows}</dl>'


def _kind_counts(matches: Sequence[Match]) -> str:
    counts: dict[str, int] = {}
    for m in matches:
        counts[m.kind] = counts.get(m.kind, 0) + 1
    return ", ".join(f"{n} {_esc(k.replace('_', ' '))}" for k, n in counts.items())


def _pair_link(m: Match, anchors: Mapping[tuple[str, str], str]) -> str:
    text = f"<code>{_esc(m.a)}</code> ~ <code>{_esc(m.b)}</code>"
    anchor = anchors.get((m.a, m.b))
    return f'<a href="#{anchor}">{text}</a>' if anchor else text


def _hub_pairs(hubs: Iterable[Hub]) -> set[frozenset[str]]:
    """The pairs of a hub and a document it draws from (pairs that do not join clusters)."""
    return {frozenset((h.id, d)) for h in hubs for g in h.groups for d in g}


def diff_choice(
    matches: Sequence[Match], max_pairs: int, *, hubs: Iterable[Hub] = ()
) -> list[Match]:
    """The pairs a report page diffs side by side, at most ``max_pairs``: those sharing the
    most shingles first (the most to read in a diff), then the pairs of a hub and a document
    it draws from (a caption inside a roundup says little), exact duplicates (the same
    shingle set, whose diff shows nothing) last. Ties keep the order of ``matches``.

    >>> from dedupe.cluster import Hub
    >>> from dedupe.match import Match
    >>> ms = [Match("a", "b", 1, 1, 1, "exact", 9, 9, 9),
    ...       Match("q", "r", 0.1, 1, 0.1, "partial", 8, 8, 80),
    ...       Match("a", "c", 0.6, 0.6, 0.6, "partial", 5, 9, 9)]
    >>> [m.b for m in diff_choice(ms, 2)]
    ['r', 'c']
    >>> quote = Hub("q", "contained", (("r",), ("s",)), (None, None))
    >>> [m.b for m in diff_choice(ms, 2, hubs=[quote])]
    ['c', 'r']
    """
    if max_pairs < 0:
        raise InvalidParameterError(f"max_pairs must be 0 or more, got {max_pairs}")
    hub_pairs = _hub_pairs(hubs)
    ranked = sorted(
        range(len(matches)),
        key=lambda i: (
            matches[i].kind == "exact",
            frozenset((matches[i].a, matches[i].b)) in hub_pairs,
            -matches[i].shared,
            i,
        ),
    )
    return [matches[i] for i in ranked[:max_pairs]]


#: The report page folds each run of at least this many equal paragraphs in its diffs.
COLLAPSE_EQUAL_RUN = 3
#: ...and shows how much of the representative each member holds for this many clusters.
MAX_DETAILED_CLUSTERS = 500


def _field(meta: Mapping[str, Mapping[str, str]], doc: str, name: str) -> str:
    info = meta.get(doc)
    value = info.get(name) if isinstance(info, Mapping) else None
    return str(value) if value else ""


def _label(meta: Mapping[str, Mapping[str, str]], doc: str, label: str = "title") -> str:
    """A document as the page names it: its title (field ``label``, when known) and its id."""
    title = _field(meta, doc, label)
    code = f"<code>{_esc(doc)}</code>"
    return f'<span class="dd-title">{_esc(title)}</span> {code}' if title else code


def _linked(
    meta: Mapping[str, Mapping[str, str]], doc: str, anchor: str | None, label: str = "title"
) -> str:
    shown = _label(meta, doc, label)
    return f'<a href="#{anchor}">{shown}</a>' if anchor else shown


def _doc_anchors(
    diffed: Sequence[Match], listed: Sequence[Match], cluster_of: Mapping[str, int]
) -> dict[str, str]:
    """Each document -> the anchor of a pair it is in: its diff when one is shown, else its
    row in the table of pairs; a pair inside the document's cluster when it has one."""
    anchors: dict[str, str] = {}
    for inside in (True, False):
        for prefix, pairs in (("pair", diffed), ("match", listed)):
            for number, m in enumerate(pairs, start=1):
                same = m.a in cluster_of and cluster_of.get(m.a) == cluster_of.get(m.b)
                if same or not inside:
                    for doc in (m.a, m.b):
                        if not inside and doc in cluster_of:
                            continue
                        anchors.setdefault(doc, f"{prefix}-{number}")
    return anchors


def _reuse_rows(
    c: Cluster,
    pairs: Mapping[frozenset[str], Match],
    meta: Mapping[str, Mapping[str, str]],
    label: str = "title",
    date: str = "date",
) -> list[tuple[float | None, str]]:
    """(share, cells) per member: the share of the representative's shingles it holds."""
    rep = c.representative
    rows: list[tuple[float | None, str]] = []
    outlets = any(_field(meta, d, "outlet") for d in c.members)
    dates = any(_field(meta, d, date) for d in c.members)
    for doc in c.members:
        m = pairs.get(frozenset((rep, doc)))
        if doc == rep:
            share: float | None = 1.0
            note = "the representative"
        elif m is None:
            share, note = None, "joined through other members"
        else:
            share = m.containment_ab if m.a == rep else m.containment_ba
            note = m.kind.replace("_", " ")
        bar = (
            f'<meter min="0" max="1" value="{share:.3f}"></meter> {share:.0%}'
            if share is not None
            else "–"
        )
        cells = (
            (f"<td>{_esc(_field(meta, doc, 'outlet'))}</td>" if outlets else "")
            + f"<td class=ids>{_label(meta, doc, label)}</td>"
            + (f"<td>{_esc(_field(meta, doc, date))}</td>" if dates else "")
            + f"<td>{bar}</td><td>{_esc(note)}</td>"
        )
        rows.append((share, cells))
    rows.sort(key=lambda r: -1.0 if r[0] is None else -r[0])
    head = (
        ("<th>outlet</th>" if outlets else "")
        + "<th>document</th>"
        + ("<th>date</th>" if dates else "")
        + "<th>share of the representative it holds</th><th>pair</th>"
    )
    return [(None, head), *rows]


#: What a page says of what it leaves out, by default (a caller such as the command line
#: passes its own, naming its flags): ``clusters`` and ``pairs`` not listed, ``diffs`` not
#: shown. Plain text.
HINTS: Mapping[str, str] = {
    "clusters": "Report.clusters holds them all",
    "pairs": "Report.matches holds them all",
    "diffs": "pass more pairs to html_report to see more",
}


@dataclass(frozen=True)
class _Page:
    """What every section of a report page reads."""

    report: Report
    diffs: Sequence[tuple[Match, Alignment]]
    meta: Mapping[str, Mapping[str, str]]
    anchors: Mapping[tuple[str, str], str]  # a diffed pair -> its anchor
    doc_anchor: Mapping[str, str]  # a document -> the anchor of a pair it is in
    label: str
    date: str
    hints: Mapping[str, str]

    def linked(self, doc: str) -> str:
        return _linked(self.meta, doc, self.doc_anchor.get(doc), self.label)

    def hint(self, name: str) -> str:
        return _esc(self.hints.get(name, HINTS[name]))


def html_report(
    report: Report,
    diffs: Sequence[tuple[Match, Alignment]] = (),
    *,
    inputs: Sequence[str] = (),
    title: str = "dedupe report",
    diff_seconds: float | None = None,
    label_field: str = "title",
    date_field: str = "date",
    hints: Mapping[str, str] | None = None,
) -> str:
    """A self-contained HTML page for a :class:`~dedupe.results.Report`.

    The page holds a summary; the clusters, largest first, with their weakest edge and
    their members, each linked to a pair it is in (at most :data:`MAX_LISTED_CLUSTERS`);
    the hubs (documents kept from joining clusters, see :mod:`dedupe.cluster`) with the
    clusters they draw from; for each cluster, the share of its representative's shingles
    each member holds, by outlet when known (at most :data:`MAX_DETAILED_CLUSTERS`); a
    collapsible side-by-side paragraph diff (``<details>``, no script) for each pair of
    ``diffs`` (see :func:`diff_choice`), runs of :data:`COLLAPSE_EQUAL_RUN` or more equal
    paragraphs folded; and a table of the pairs, best first (at most
    :data:`MAX_LISTED_PAIRS`). Titles, outlets and dates come from ``report.metadata``
    (id -> fields: ``label_field``, ``outlet`` and ``date_field``). The page says what was
    left out, with ``hints`` on how to see it (see :data:`HINTS`). ``diff_seconds``, the
    time the diffs took, is shown when given.

    >>> from dedupe import align, find_duplicates
    >>> texts = {"x": "One two three four five six.", "y": "One two three four five seven."}
    >>> report = find_duplicates(texts, ngram=2)
    >>> diffs = [(m, align(texts[m.a], texts[m.b])) for m in diff_choice(report.matches, 200)]
    >>> page = html_report(report, diffs)
    >>> page.count('<details class="dd-pair"'), "<script" in page, 'href="#pair-1"' in page
    (1, False, True)
    """
    diffed = [m for m, _ in diffs]
    cluster_of = {d: i for i, c in enumerate(report.clusters) for d in c.members}
    page = _Page(
        report,
        diffs,
        report.metadata,
        {(m.a, m.b): f"pair-{i}" for i, m in enumerate(diffed, start=1)},
        _doc_anchors(diffed, report.matches[:MAX_LISTED_PAIRS], cluster_of),
        label_field,
        date_field,
        {**HINTS, **(hints or {})},
    )
    sections = (_clusters_section, _hubs_section, _reuse_section, _diffs_section, _pairs_section)
    parts = [f"<h1>{_esc(title)}</h1>", _summary(page, inputs, diff_seconds), _TOC]
    for section in sections:
        parts.extend(section(page))
    return html_page(title, "\n".join(parts))


_TOC = (
    '<nav class="dd-toc"><a href="#clusters">Clusters</a><a href="#hubs">Hubs</a>'
    '<a href="#reuse">Reuse by member</a><a href="#diffs">Side-by-side diffs</a>'
    '<a href="#pairs">All pairs</a></nav>'
)


def _summary(page: _Page, inputs: Sequence[str], diff_seconds: float | None) -> str:
    """The facts at the top of the page."""
    report = page.report
    left_out = len(report.matches) - len(page.diffs)
    facts = []
    if inputs:
        facts.append(("inputs", ", ".join(f"<code>{_esc(p)}</code>" for p in inputs)))
    facts.append(("documents", f"{report.documents}"))
    if report.skipped:
        facts.append(("skipped (no words)", f"{len(report.skipped)}"))
    kinds = _kind_counts(report.matches)
    facts.append(("pairs", f"{len(report.matches)}" + (f" ({kinds})" if kinds else "")))
    in_clusters = sum(len(c.members) for c in report.clusters)
    facts.append(("clusters", f"{len(report.clusters)} ({in_clusters} documents in clusters)"))
    facts.append(("hubs", f"{len(report.hubs)}"))
    shown = f"{len(page.diffs)} pairs" + (f", {left_out} left out" if left_out else "")
    facts.append(("diffed", shown))
    if report.params:
        settings = ", ".join(f"{_esc(k)}={_esc(v)}" for k, v in report.params.items())
        facts.append(("parameters", settings))
    facts.append(("scan time", f"{report.seconds:.2f} s"))
    if diff_seconds is not None:
        facts.append(("diff time", f"{diff_seconds:.2f} s"))
    return _facts(facts)


def _clusters_section(page: _Page) -> list[str]:
    """The clusters, largest first, each with its weakest edge and its members."""
    clusters = page.report.clusters
    out = [f'<h2 id="clusters">Clusters ({len(clusters)})</h2>']
    if not clusters:
        return [*out, "<p>No clusters: no two documents overlap at these thresholds.</p>"]
    rows = [
        "<tr><th class=num>#</th><th class=num>size</th><th>representative</th>"
        "<th>weakest edge</th><th class=num>score</th><th>members</th></tr>"
    ]
    for number, c in enumerate(clusters[:MAX_LISTED_CLUSTERS], start=1):
        w = c.weakest
        edge = f"{_pair_link(w, page.anchors)} {_kind_badge(w.kind)}" if w else ""
        score = _score(w.score) if w else ""
        members = ("<br>" if page.meta else ", ").join(page.linked(x) for x in c.members)
        reuse = (
            f'<a href="#cluster-{number}-reuse">{number}</a>'
            if number <= MAX_DETAILED_CLUSTERS
            else f"{number}"
        )
        rows.append(
            f'<tr id="cluster-{number}"><td class=num>{reuse}</td>'
            f"<td class=num>{len(c.members)}</td><td class=ids>"
            f"{_label(page.meta, c.representative, page.label)}</td><td class=ids>{edge}</td>"
            f"<td class=num>{score}</td><td class=ids>{members}</td></tr>"
        )
    out.append('<table class="dd-list">' + "\n".join(rows) + "</table>")
    if len(clusters) > MAX_LISTED_CLUSTERS:
        out.append(
            f'<p class="dd-note">{len(clusters) - MAX_LISTED_CLUSTERS} more clusters are '
            f"not listed here; {page.hint('clusters')}.</p>"
        )
    return out


def _hubs_section(page: _Page) -> list[str]:
    """The hubs, each with the groups it draws from."""
    hubs = page.report.hubs
    out = [f'<h2 id="hubs">Hubs ({len(hubs)})</h2>']
    if not hubs:
        return [*out, "<p>No hubs.</p>"]
    out.append(
        "<p>A hub holds most of documents of several unrelated groups (a roundup, a "
        "live blog: <i>container</i>), or most of it stands in documents of several "
        "unrelated groups (a caption, a quote: <i>contained</i>). Its pairs are listed "
        "with the others but do not join the groups into one cluster.</p>"
    )
    rows = ["<tr><th>hub</th><th>role</th><th class=num>its cluster</th><th>draws from</th></tr>"]
    for h in hubs:
        groups = []
        for g, c in zip(h.groups, h.clusters, strict=True):
            docs = ", ".join(page.linked(d) for d in g)
            where = f'<a href="#cluster-{c + 1}">cluster {c + 1}</a>: ' if c is not None else ""
            groups.append(f"<li>{where}{docs}</li>")
        own = (
            f'<a href="#cluster-{h.cluster + 1}">{h.cluster + 1}</a>'
            if h.cluster is not None
            else ""
        )
        rows.append(
            f"<tr><td class=ids>{page.linked(h.id)}</td>"
            f"<td>{_esc(h.role)}</td><td class=num>{own}</td>"
            f'<td class=ids><ul class="dd-groups">{"".join(groups)}</ul></td></tr>'
        )
    out.append('<table class="dd-list">' + "\n".join(rows) + "</table>")
    return out


def _reuse_section(page: _Page) -> list[str]:
    """For each cluster, how much of its representative each member holds."""
    clusters = page.report.clusters
    detailed = clusters[:MAX_DETAILED_CLUSTERS]
    out = [f'<h2 id="reuse">Reuse by member ({len(detailed)} clusters)</h2>']
    if not detailed:
        return [*out, "<p>No clusters.</p>"]
    out.append(
        "<p>For each cluster, the share of its representative's shingles that each "
        "member holds (the representative's containment in it, from their pair).</p>"
    )
    pair_of = {frozenset((m.a, m.b)): m for m in page.report.matches}
    for number, c in enumerate(detailed, start=1):
        (_, head), *body = _reuse_rows(c, pair_of, page.meta, page.label, page.date)
        table = (
            f'<table class="dd-list"><tr>{head}</tr>'
            + "".join(f"<tr>{cells}</tr>" for _, cells in body)
            + "</table>"
        )
        out.append(
            f'<details class="dd-cluster" id="cluster-{number}-reuse">'
            f'<summary><a href="#cluster-{number}">Cluster {number}</a>: '
            f"{_label(page.meta, c.representative, page.label)}, "
            f"{len(c.members)} documents</summary>"
            f"{table}</details>"
        )
    if len(clusters) > len(detailed):
        out.append(
            f'<p class="dd-note">{len(clusters) - len(detailed)} more clusters are not '
            "detailed here.</p>"
        )
    return out


def _diffs_section(page: _Page) -> list[str]:
    """A collapsible side-by-side diff of each pair of ``page.diffs``."""
    left_out = len(page.report.matches) - len(page.diffs)
    out = [f'<h2 id="diffs">Side-by-side diffs ({len(page.diffs)})</h2>']
    if left_out:
        out.append(
            f'<p class="dd-note">Diffs are shown for {len(page.diffs)} pairs, those sharing '
            "the most shingles first, pairs of a hub and exact duplicates last; "
            f"{left_out} {'pair was' if left_out == 1 else 'pairs were'} left out "
            f"({page.hint('diffs')}).</p>"
        )
    if not page.report.matches:
        out.append("<p>No pairs to diff.</p>")
    for number, (m, al) in enumerate(page.diffs, start=1):
        opened = " open" if number == 1 else ""
        names = [
            f"{_field(page.meta, d, page.label)} ({d})" if _field(page.meta, d, page.label) else d
            for d in (m.a, m.b)
        ]
        fragment = alignment_html_fragment(
            al, anchor=f"pair-{number}-", collapse_equal=COLLAPSE_EQUAL_RUN
        )
        out.append(
            f'<details class="dd-pair" id="pair-{number}"{opened}>'
            f"<summary>{number}. {_pair_summary(m)}</summary>"
            f'<div class="dd-body">{sides_html(*names)}{alignment_summary_html(al)}\n'
            f"{fragment}</div></details>"
        )
    return out


def _pairs_section(page: _Page) -> list[str]:
    """The table of pairs, best first."""
    matches = page.report.matches
    out = [f'<h2 id="pairs">Pairs ({len(matches)}, best first)</h2>']
    if not matches:
        return [*out, "<p>No pairs.</p>"]
    rows = [
        "<tr><th class=num>#</th><th>pair</th><th>kind</th><th class=num>Jaccard</th>"
        "<th class=num>A in B</th><th class=num>B in A</th></tr>"
    ]
    listed = matches[:MAX_LISTED_PAIRS]
    for number, m in enumerate(listed, start=1):
        rows.append(
            f'<tr id="match-{number}"><td class=num>{number}</td>'
            f"<td class=ids>{_pair_link(m, page.anchors)}</td>"
            f"<td>{_kind_badge(m.kind)}</td><td class=num>{_score(m.jaccard)}</td>"
            f"<td class=num>{_score(m.containment_ab)}</td>"
            f"<td class=num>{_score(m.containment_ba)}</td></tr>"
        )
    out.append('<table class="dd-list">' + "\n".join(rows) + "</table>")
    if len(matches) > len(listed):
        out.append(
            f'<p class="dd-note">{len(matches) - len(listed)} more pairs are not listed '
            f"here; {page.hint('pairs')}.</p>"
        )
    return out
