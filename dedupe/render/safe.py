"""Untrusted strings (ids, titles, outlets, dates: whatever the inputs held) made safe for
each output format, following the common practice of each.

* **Terminal text** (``--format table``, ``index stats``, the provenance text view, the
  warnings on stderr): control characters are shown as escapes (``\\x1b``, ``\\n``,
  ``\\u202e``), so that an id can neither send a terminal escape sequence nor forge a
  line or a column: C0 and C1 controls and DEL, the line and paragraph separators, and
  the bidirectional controls (which reorder what is shown).
* **CSV**: a field that a spreadsheet would take for a formula (starting with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return) gets a ``'`` in front, as OWASP advises
  against CSV injection; the csv module quotes the rest.
* **JSON** needs nothing more: ``json.dumps`` escapes control characters.
* **HTML**: every string is escaped with ``html.escape`` where the page is built (see
  :mod:`dedupe.render.report`, :mod:`dedupe.render.alignment`,
  :mod:`dedupe.render.provenance`), and the page's policy allows no script.

>>> terminal_text("a\\x1b[2Jb\\nforged")
'a\\\\x1b[2Jb\\\\nforged'
>>> csv_cell("=HYPERLINK(1)"), csv_cell("-"), csv_cell("plain"), csv_cell(-1.5)
("'=HYPERLINK(1)", "'-", 'plain', -1.5)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["CSV_FORMULA_STARTS", "csv_cell", "csv_row", "terminal_text"]

#: Characters shown as escapes in terminal text: C0 controls, DEL and C1 controls, the
#: line and paragraph separators, and the bidirectional marks, embeddings and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

#: First characters that make a spreadsheet read a CSV field as a formula (OWASP).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def terminal_text(text: str) -> str:
    """``text`` with its control characters shown as Python-style escapes (see the
    module docstring); anything else, backslashes included, is left as it is.

    >>> terminal_text("caf\\u00e9\\ttab \\u202eevil")
    'café\\\\ttab \\\\u202eevil'
    """
    return _UNSAFE.sub(_escape, text)


def csv_cell(value: Any) -> Any:
    """``value`` with a ``'`` in front when it is a string a spreadsheet would take for a
    formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """Each of ``values`` through :func:`csv_cell`."""
    return [csv_cell(v) for v in values]
