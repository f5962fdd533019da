"""The result of comparing two documents: :class:`Match`.

>>> m = Match("a", "b", jaccard=0.25, containment_ab=0.6, containment_ba=0.3,
...           kind="partial", shared=30, size_a=50, size_b=100, exact=True)
>>> m.score, m.to_dict()["kind"]
(0.6, 'partial')
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Match", "KINDS", "match_kind"]

#: Kinds of match, strongest first.
KINDS = ("exact", "near_duplicate", "partial")


@dataclass(frozen=True)
class Match:
    """Two overlapping documents and their scores over distinct word n-grams (shingles).

    ``containment_ab`` is the share of ``a``'s shingles found in ``b`` and
    ``containment_ba`` the share of ``b``'s found in ``a``. ``kind`` is ``"exact"`` when
    both have the same shingle set, ``"near_duplicate"`` when the Jaccard similarity
    reaches the threshold, else ``"partial"`` (one largely contained in the other).
    ``exact`` says whether the scores were computed from the full shingle sets (True)
    or estimated from sketches (False). ``fuzzy`` is, in fuzzy mode, the share of the
    shorter text's words found in the other with misread letters forgiven
    (:func:`dedupe.verify.fuzzy_score`; ``None`` when not computed): an OCR copy scores near
    1 where its exact scores are low, and a pair may be reported on it alone.
    """

    a: str
    b: str
    jaccard: float
    containment_ab: float
    containment_ba: float
    kind: str
    shared: int
    size_a: int
    size_b: int
    exact: bool = True
    fuzzy: float | None = None

    @property
    def score(self) -> float:
        """The ranking score: the largest of Jaccard, the two containments and the fuzzy
        score."""
        return max(self.jaccard, self.containment_ab, self.containment_ba, self.fuzzy or 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of all fields (plus ``score``); ``fuzzy`` only when it was
        computed (fuzzy mode)."""
        out = asdict(self)
        if self.fuzzy is None:
            del out["fuzzy"]
        out["score"] = self.score
        return out

    def sort_key(self) -> tuple[float, float, str, str]:
        """Best first: higher score, then higher Jaccard, then ids."""
        return (-self.score, -self.jaccard, self.a, self.b)


def match_kind(shared: int, size_a: int, size_b: int, *, jaccard: float, threshold: float) -> str:
    """Kind of a verified pair: ``exact``, ``near_duplicate`` or ``partial``.

    >>> match_kind(10, 10, 10, jaccard=1.0, threshold=0.5)
    'exact'
    >>> match_kind(8, 10, 12, jaccard=8 / 14, threshold=0.5)
    'near_duplicate'
    """
    if shared == size_a == size_b:
        return "exact"
    if jaccard >= threshold:
        return "near_duplicate"
    return "partial"
