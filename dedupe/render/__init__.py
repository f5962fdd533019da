"""Views: text, Markdown, JSON and HTML of alignments, matches, clusters and reports.

* :mod:`dedupe.render.alignment`: an :class:`~dedupe.align.Alignment` as text, Markdown or
  an HTML page, and the JSON schema of ``Alignment.to_dict()``.
* :mod:`dedupe.render.report`: matches and clusters as JSONL, CSV or an aligned table, and
  the HTML report page.
* :mod:`dedupe.render.provenance`: a :class:`~dedupe.provenance.Provenance` as text
  (paragraph by paragraph) or an HTML page (each span coloured by its source).
* :mod:`dedupe.render.page`: the one HTML page shell (inline CSS, no script, one CSP).

Nothing here computes similarity.
"""

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
