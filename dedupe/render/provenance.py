"""Text and HTML views of a :class:`~dedupe.provenance.Provenance`.

Sources are numbered best first (``[1]``, ``[2]``...), ``[-]`` marks text found in no
indexed document. The text view goes paragraph by paragraph: each paragraph's sources
with their share of it, then its pieces, one line each, behind their source's number. The
HTML view is the text with each span coloured by its source (and its number, so that
colour is not the only cue), under a legend of the sources with their share; the page is
the library's one page shell (no script). Both views say how many of a source's passages
are approximate (found with a few words edited or misread) rather than exact.

>>> from dedupe.provenance import Provenance, Source, SourcePassage, Span
>>> text = "Intro here.\\n\\nThe wire story text."
>>> p = Provenance(text, (Span(0, 13, None), Span(13, 33, "wire", alternatives=("copy",))),
...                (Source("wire", 20 / 33, 20 / 33, (SourcePassage(13, 32, 4, 4),)),
...                 Source("copy", 0.0, 20 / 33, (SourcePassage(13, 32, 4, 4),))), 6, 2)
>>> print(provenance_text(p))
1 source; 60.6% of 33 characters found in indexed documents (+1 later copy)
[1] wire   60.6% of the text (holds 60.6%, 1 passage, exact)
[2] copy    0.0% of the text (holds 60.6%, 1 passage, exact; a later copy)
[-] in no indexed document: 39.4%
<BLANKLINE>
¶1  [-] 100%
    [-] Intro here.
¶2  [1] 100%
    [1; also 2] The wire story text.
"""

from __future__ import annotations

import html

from ..errors import InvalidParameterError
from ..provenance import Provenance, Source, Span
from ..text import paragraphs
from .page import html_page
from .safe import terminal_text

__all__ = ["PROVENANCE_FORMATS", "provenance_html", "provenance_text", "render_provenance"]

#: Formats of :func:`render_provenance` (JSON is ``Provenance.to_dict()``).
PROVENANCE_FORMATS = ("text", "html")
#: Colours of the HTML view (``dd-src-0`` .. in :data:`dedupe.render.page.PROVENANCE_CSS`);
#: sources past this many share colours, never numbers.
PALETTE_SIZE = 12


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _numbers(prov: Provenance) -> dict[str, int]:
    """Each source's number in the views (1 for the best)."""
    return {s.id: k + 1 for k, s in enumerate(prov.sources)}


def _label(span: Span, numbers: dict[str, int]) -> str:
    if span.source is None:
        return "-"
    also = [str(numbers[a]) for a in span.alternatives if a in numbers]
    return f"{numbers[span.source]}" + (f"; also {', '.join(also)}" if also else "")


def _passages(source: Source) -> str:
    """How many passages a source holds, and how many of them are approximate (found
    with a few words edited or misread, not word for word): ``2 passages, 1 approximate``."""
    approximate = sum(1 for p in source.passages if not p.exact)
    shown = _plural(len(source.passages), "passage")
    if not source.passages:
        return shown
    if not approximate:
        return shown + (", exact" if len(source.passages) == 1 else ", all exact")
    if approximate == len(source.passages):
        return shown + (", approximate" if approximate == 1 else ", all approximate")
    return f"{shown}, {approximate:,} approximate"


def _header(prov: Provenance) -> str:
    supplying = sum(1 for s in prov.sources if s.share > 0)
    more = len(prov.sources) - supplying
    return (
        f"{_plural(supplying, 'source')}; {_pct(prov.found)} of "
        f"{_plural(len(prov.text), 'character')} found in indexed documents"
        + (f" (+{more} later {'copy' if more == 1 else 'copies'})" if more else "")
    )


def provenance_text(prov: Provenance) -> str:
    """The plain-text view (see the module docstring); control characters in source ids
    are shown as escapes (:func:`~dedupe.render.safe.terminal_text`)."""
    numbers = _numbers(prov)
    shown = {s.id: terminal_text(s.id) for s in prov.sources}
    width = max((len(x) for x in shown.values()), default=0)
    lines = [_header(prov)]
    for s in prov.sources:
        note = "; a later copy" if s.share == 0 else ""
        lines.append(
            f"[{numbers[s.id]}] {shown[s.id]:<{width}}  {_pct(s.share):>6} of the text "
            f"(holds {_pct(s.held)}, {_passages(s)}{note})"
        )
    if prov.text:
        lines.append(f"[-] in no indexed document: {_pct(1 - prov.found)}")
    lines.append("")
    for para in paragraphs(prov.text):
        pieces = [
            (span, max(span.start, para.start), min(span.end, para.end))
            for span in prov.spans
            if span.start < para.end and span.end > para.start
        ]
        pieces = [(span, a, b) for span, a, b in pieces if prov.text[a:b].strip()]
        size = max(1, para.end - para.start)
        share: dict[str, int] = {}
        for span, a, b in pieces:
            key = "-" if span.source is None else str(numbers[span.source])
            share[key] = share.get(key, 0) + b - a
        summary = " · ".join(f"[{k}] {100 * v / size:.0f}%" for k, v in share.items())
        lines.append(f"¶{para.index + 1}  {summary}")
        for span, a, b in pieces:
            piece = prov.text[a:b].strip().replace("\n", "\n    ")
            lines.append(f"    [{_label(span, numbers)}] {piece}")
    return "\n".join(lines)


def provenance_html(prov: Provenance, *, title: str = "Provenance") -> str:
    """A whole HTML page: summary, legend of sources with their share, and the text with
    each span coloured by its source. Text is escaped; the page has no script.

    >>> from dedupe.provenance import Provenance, Span
    >>> page = provenance_html(Provenance("<b>hi</b>", (Span(0, 9, None),), (), 1, 0))
    >>> "&lt;b&gt;hi&lt;/b&gt;" in page, "<script" in page
    (True, False)
    """
    numbers = _numbers(prov)
    esc = html.escape
    rows = []
    for s in prov.sources:
        k = numbers[s.id]
        rows.append(
            f'<tr><td><span class="dd-swatch dd-src-{(k - 1) % PALETTE_SIZE}">{k}</span></td>'
            f'<td class="ids">{esc(s.id)}</td><td class="num">{_pct(s.share)}</td>'
            f'<td class="num">{_pct(s.held)}</td><td class="num">{esc(_passages(s))}</td></tr>'
        )
    rows.append(
        '<tr><td><span class="dd-swatch dd-src-none">-</span></td>'
        f'<td>in no indexed document</td><td class="num">{_pct(1 - prov.found)}</td>'
        "<td></td><td></td></tr>"
    )
    legend = (
        '<table class="dd-list dd-legend"><thead><tr><th></th><th>source</th>'
        '<th class="num">share of the text</th><th class="num">holds</th>'
        '<th class="num">passages</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )
    body = []
    for span in prov.spans:
        piece = esc(prov.text[span.start : span.end])
        if span.source is None:
            body.append(f'<span class="dd-none" title="in no indexed document">{piece}</span>')
            continue
        k = numbers[span.source]
        tip = f"[{k}] {span.source}"
        if span.alternatives:
            tip += "; also in " + ", ".join(span.alternatives)
        body.append(
            f'<span class="dd-src dd-src-{(k - 1) % PALETTE_SIZE}" title="{esc(tip)}">'
            f'<b class="dd-lab">{k}</b>{piece}</span>'
        )
    opts = ", ".join(f"{k}={v}" for k, v in prov.options.items())
    parts = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="dd-summary">{esc(_header(prov))} ({_plural(prov.words, "word")}; '
        f"{_plural(prov.candidates, 'indexed document')} checked; {esc(opts)}). "
        "Each part of the text is credited to the earliest-added document that holds it; "
        "hover a part for the others.</p>",
        "<h2>Sources</h2>",
        legend,
        "<h2>Text</h2>",
        f'<div class="dd-prov">{"".join(body)}</div>',
    ]
    return html_page(title, "\n".join(parts))


def render_provenance(prov: Provenance, fmt: str = "text") -> str:
    """``"text"`` or ``"html"``; anything else raises
    :class:`~dedupe.errors.InvalidParameterError`.

    >>> from dedupe.provenance import Provenance, Span
    >>> render_provenance(Provenance("x", (Span(0, 1, None),), ()), "pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dedupe.errors.InvalidParameterError: unknown format 'pdf': choose text or html (JSON: ...
    """
    if fmt == "text":
        return provenance_text(prov)
    if fmt == "html":
        return provenance_html(prov)
    raise InvalidParameterError(
        f"unknown format {fmt!r}: choose {' or '.join(PROVENANCE_FORMATS)} "
        "(JSON: Provenance.to_dict())"
    )
