"""Views: text, Markdown, JSON and HTML of alignments, matches, clusters and reports.

Results never know their views (as difflib's ``SequenceMatcher`` never knows
``HtmlDiff``): every view is a function here that takes a result. The shortest way in:

>>> import dedupe
>>> al = dedupe.align("The rail line opens in May.", "The rail line opens in June.")
>>> print(dedupe.render.text(al))
~ A1 -> B1 edited 0.83
  The rail line opens in [-May-]{+June+}.
>>> dedupe.render.html(al).startswith("<!DOCTYPE html>")
True

* :mod:`dedupe.render.alignment`: an :class:`~dedupe.align.Alignment` as text, Markdown or
  an HTML page, and the JSON schema of ``Alignment.to_dict()``.
* :mod:`dedupe.render.report`: matches and clusters as JSONL, CSV or an aligned table, and
  the HTML report page.
* :mod:`dedupe.render.provenance`: a :class:`~dedupe.provenance.Provenance` as text
  (paragraph by paragraph) or an HTML page (each span coloured by its source).
* :mod:`dedupe.render.page`: the one HTML page shell (inline CSS, no script, one CSP).

Nothing here computes similarity.
"""

from typing import Any

from ..align import Alignment
from ..errors import InvalidParameterError
from ..provenance import Provenance
from .alignment import (
    ALIGNMENT_SCHEMA,
    FORMATS,
    alignment_html,
    alignment_html_fragment,
    alignment_markdown,
    alignment_summary_html,
    alignment_text,
    render_alignment,
)
from .page import ALIGNMENT_CSS, CSP, PAGE_CSS, PROVENANCE_CSS, html_page
from .provenance import (
    PROVENANCE_FORMATS,
    provenance_html,
    provenance_text,
    render_provenance,
)
from .report import (
    MAX_LISTED_CLUSTERS,
    MAX_LISTED_PAIRS,
    TABLE_FORMATS,
    clusters_table,
    diff_choice,
    html_report,
    hubs_table,
    matches_table,
    write_clusters,
    write_hubs,
    write_matches,
)

__all__ = [
    "html",
    "markdown",
    "text",
    "ALIGNMENT_CSS",
    "ALIGNMENT_SCHEMA",
    "CSP",
    "FORMATS",
    "MAX_LISTED_CLUSTERS",
    "MAX_LISTED_PAIRS",
    "PAGE_CSS",
    "PROVENANCE_CSS",
    "PROVENANCE_FORMATS",
    "TABLE_FORMATS",
    "alignment_html",
    "alignment_html_fragment",
    "alignment_markdown",
    "alignment_summary_html",
    "alignment_text",
    "clusters_table",
    "diff_choice",
    "html_page",
    "html_report",
    "hubs_table",
    "matches_table",
    "provenance_html",
    "provenance_text",
    "render_provenance",
    "render_alignment",
    "write_clusters",
    "write_hubs",
    "write_matches",
]


def text(result: Alignment | Provenance, *, fold_noise: bool | str = False) -> str:
    """An :class:`~dedupe.align.Alignment` (paragraph ops and word diffs) or a
    :class:`~dedupe.provenance.Provenance` (paragraph by paragraph) as plain text;
    ``fold_noise`` (alignments only) shows OCR noise as the clean side's words
    (:func:`~dedupe.render.alignment.render_alignment`)."""
    return _dispatch(result, "text", fold_noise)


def markdown(result: Alignment, *, fold_noise: bool | str = False) -> str:
    """An :class:`~dedupe.align.Alignment` as Markdown (``fold_noise`` as in :func:`text`)."""
    return _dispatch(result, "markdown", fold_noise)


def html(result: Alignment | Provenance, *, fold_noise: bool | str = False) -> str:
    """An :class:`~dedupe.align.Alignment` (side by side) or a
    :class:`~dedupe.provenance.Provenance` (each span coloured by its source) as one
    self-contained HTML page. (A :class:`~dedupe.results.Report`'s page needs the texts
    for its diffs: :func:`~dedupe.render.report.html_report`.) ``fold_noise`` as in :func:`text`."""
    return _dispatch(result, "html", fold_noise)


def _dispatch(result: Any, fmt: str, fold_noise: bool | str = False) -> str:
    if isinstance(result, Alignment):
        return render_alignment(result, fmt, fold_noise=fold_noise)
    if isinstance(result, Provenance):
        if fold_noise is not False:
            raise InvalidParameterError("fold_noise applies to an Alignment, not a Provenance")
        return render_provenance(result, fmt)
    raise InvalidParameterError(
        f"dedupe.render.{fmt} takes an Alignment or a Provenance, got {type(result).__name__}"
    )
