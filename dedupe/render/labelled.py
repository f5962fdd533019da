"""Matches and clusters with their documents' metadata: JSONL, CSV and an aligned table.

Users know articles by title, outlet and date, not by id. These writers add, next to each
id, the metadata fields chosen for display (``fields``, for example the title, outlet and
date) in CSV and the table, and the document's whole metadata in JSONL. Without metadata
they write what :func:`~dedupe.render.report.write_matches` and
:func:`~dedupe.render.report.write_clusters` write.

>>> import io
>>> from dedupe.match import Match
>>> m = Match("a", "b", 0.25, 0.6, 0.3, "partial", 30, 50, 100)
>>> meta = {"a": {"title": "Rail line opens", "date": "2024-05-01"}, "b": {"title": "Rail"}}
>>> out = io.StringIO()
>>> write_labelled_matches([m], out, fmt="table", metadata=meta, fields=("title", "date"))
>>> print(out.getvalue(), end="")
a  title            date        b  title  date  kind     jaccard  a_in_b  b_in_a
a  Rail line opens  2024-05-01  b  Rail         partial    0.250   0.600   0.300
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from ..errors import InvalidParameterError
from ..results import Cluster, Hub, Match
from .report import TABLE_FORMATS, hubs_by_cluster, match_fields, write_clusters, write_matches
from .safe import csv_row, terminal_text

__all__ = [
    "MAX_CELL",
    "display_fields",
    "labelled_record",
    "write_labelled_clusters",
    "write_labelled_matches",
]

#: Table cells of metadata are cut to this many characters (JSONL and CSV keep them whole).
MAX_CELL = 48

Metadata = Mapping[str, Mapping[str, str]]


def display_fields(
    metadata: Metadata, *, label_field: str | None = None, date_field: str | None = None
) -> tuple[str, ...]:
    """The metadata fields to show next to ids: the label (``label_field``, or ``title``
    when some document has one), ``outlet`` when some document has one, and the date
    (``date_field``, or ``date`` when some document has one). Fields no document has are
    left out.

    >>> display_fields({"a": {"title": "T", "outlet": "Wire", "date": "2024"}})
    ('title', 'outlet', 'date')
    >>> display_fields({"a": {"headline": "H"}}, label_field="headline")
    ('headline',)
    """
    present: set[str] = set()
    for fields in metadata.values():
        present.update(fields)
    wanted = (label_field or "title", "outlet", date_field or "date")
    return tuple(dict.fromkeys(f for f in wanted if f in present))


def _check_format(fmt: str) -> None:
    if fmt not in TABLE_FORMATS:
        raise InvalidParameterError(
            f"unknown format {fmt!r}: use one of {', '.join(TABLE_FORMATS)}"
        )


def _score(x: float) -> str:
    return f"{x:.3f}"


def _aligned(rows: list[list[str]], numeric: set[int]) -> str:
    """Rows as columns two spaces apart, the ``numeric`` ones right-aligned; control
    characters shown as escapes (:func:`~dedupe.render.safe.terminal_text`)."""
    rows = [[terminal_text(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))
        )
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _cell(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _values(metadata: Metadata, doc_id: str, fields: Sequence[str]) -> list[str]:
    meta = metadata.get(doc_id, {})
    return [meta.get(f, "") for f in fields]


def labelled_record(
    match: Match, a_metadata: Mapping[str, str], b_metadata: Mapping[str, str]
) -> dict[str, Any]:
    """A match as a JSON object, with each side's whole metadata (``a_metadata``,
    ``b_metadata``), as the ``jsonl`` format writes it.

    >>> m = Match("a", "b", 1.0, 1.0, 1.0, "exact", 5, 5, 5)
    >>> r = labelled_record(m, {}, {"title": "T"}); r["b"], r["a_metadata"], r["b_metadata"]
    ('b', {}, {'title': 'T'})
    """
    return {**match.to_dict(), "a_metadata": dict(a_metadata), "b_metadata": dict(b_metadata)}


def write_labelled_matches(
    matches: Iterable[Match],
    out: IO[str],
    *,
    fmt: str = "jsonl",
    metadata: Metadata,
    fields: Sequence[str] = (),
) -> None:
    """Write matches as ``jsonl`` (``Match.to_dict()`` plus ``a_metadata`` and
    ``b_metadata``, each document's whole metadata), ``csv`` (the match fields, then
    ``a_FIELD`` and ``b_FIELD`` for each of ``fields``) or ``table`` (each id followed by
    its ``fields``, cut to :data:`MAX_CELL` characters). Ids and metadata are escaped as
    each format needs (:mod:`dedupe.render.safe`).

    >>> import sys
    >>> write_labelled_matches([], sys.stdout, fmt="csv", metadata={"a": {}}, fields=["title"])
    a,b,jaccard,containment_ab,containment_ba,kind,shared,size_a,size_b,exact,score,a_title,b_title
    """
    _check_format(fmt)
    if not metadata:
        write_matches(matches, out, fmt=fmt)
        return
    fields = list(fields)
    if fmt == "jsonl":
        for m in matches:
            record = labelled_record(m, metadata.get(m.a, {}), metadata.get(m.b, {}))
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        matches = list(matches)
        names = match_fields(any(m.fuzzy is not None for m in matches))
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(csv_row(names + [f"a_{f}" for f in fields] + [f"b_{f}" for f in fields]))
        for m in matches:
            d = m.to_dict()
            writer.writerow(
                csv_row(
                    [d.get(n) for n in names]
                    + _values(metadata, m.a, fields)
                    + _values(metadata, m.b, fields)
                )
            )
    else:
        rows = [["a", *fields, "b", *fields, "kind", "jaccard", "a_in_b", "b_in_a"]]
        for m in matches:
            rows.append(
                [m.a, *map(_cell, _values(metadata, m.a, fields))]
                + [m.b, *map(_cell, _values(metadata, m.b, fields))]
                + [m.kind, _score(m.jaccard), _score(m.containment_ab), _score(m.containment_ba)]
            )
        width = len(rows[0])
        out.write(_aligned(rows, numeric=set(range(width - 3, width)) if len(rows) > 1 else set()))


def write_labelled_clusters(
    clusters: Iterable[Cluster],
    out: IO[str],
    *,
    fmt: str = "jsonl",
    metadata: Metadata,
    fields: Sequence[str] = (),
    hubs: Iterable[Hub] = (),
) -> None:
    """Write clusters as ``jsonl`` (``Cluster.to_dict()`` plus ``cluster``, ``size``,
    ``metadata``: each member's metadata, and ``hubs``: the ids of the hubs that draw from
    it), ``csv`` (one row per member: cluster, size, id, whether it is the representative,
    and its ``fields``) or ``table`` (the same rows, aligned).

    >>> import sys
    >>> from dedupe.cluster import Cluster
    >>> c = Cluster(("a", "b"), "a", None)
    >>> write_labelled_clusters([c], sys.stdout, fmt="table", metadata={"a": {"title": "T"}},
    ...                         fields=["title"])
    cluster  size  id  representative  title
          1     2  a   yes             T
          1     2  b
    """
    _check_format(fmt)
    if not metadata:
        write_clusters(clusters, out, fmt=fmt, hubs=hubs)
        return
    fields = list(fields)
    drawn = hubs_by_cluster(hubs)
    if fmt == "jsonl":
        for number, c in enumerate(clusters, start=1):
            record = {
                "cluster": number,
                "size": len(c.members),
                **c.to_dict(),
                "metadata": {d: dict(metadata[d]) for d in c.members if d in metadata},
                "hubs": drawn.get(number - 1, []),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    head = ["cluster", "size", "id", "representative", *fields]
    rows = []
    for number, c in enumerate(clusters, start=1):
        for member in c.members:
            values = _values(metadata, member, fields)
            if fmt == "table":
                values = [_cell(v) for v in values]
                rep = "yes" if member == c.representative else ""
            else:
                rep = str(member == c.representative)
            rows.append([str(number), str(len(c.members)), member, rep, *values])
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(csv_row(head))
        writer.writerows(csv_row(row) for row in rows)
    else:
        out.write(_aligned([head, *rows], numeric={0, 1} if rows else set()))
