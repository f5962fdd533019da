"""The paragraph-alignment baseline: difflib over paragraphs, then greedy pairing.

``difflib.SequenceMatcher`` over the two lists of normalised paragraphs pairs the equal
runs; every paragraph left over is then paired greedily, best ``difflib`` ratio first, with
a leftover paragraph of the other side when the ratio reaches :data:`PAIR_RATIO`. A pair
that keeps the order of the equal runs is ``edited``, one that crosses them ``moved``.
There is no split or merge: every pair is one paragraph to one paragraph.

>>> ops = align_difflib("Head\\n\\nOne two three.\\n\\nFour five six.",
...                     "Head\\n\\nFour five six.\\n\\nOne two three!")
>>> [(op.kind, op.a, op.b) for op in ops]
[('equal', (0, 1), (0, 1)), ('equal', (1, 2), (2, 3)), ('moved', (2, 3), (1, 2))]
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from dedupe.text import paragraphs, words

# Least difflib ratio (over word lists) at which two leftover paragraphs are paired.
PAIR_RATIO = 0.5


@dataclass(frozen=True)
class Op:
    """One paragraph operation, as in ``dedupe.align``: kind and [start, stop) ranges."""

    kind: str
    a: tuple[int, int]
    b: tuple[int, int]


def align_difflib(a: str, b: str) -> list[Op]:
    """Align the paragraphs of ``a`` and ``b`` (see the module docstring)."""
    pa = [words(p.text) for p in paragraphs(a)]
    pb = [words(p.text) for p in paragraphs(b)]
    sm = difflib.SequenceMatcher(None, [" ".join(w) for w in pa], [" ".join(w) for w in pb],
                                 autojunk=False)  # fmt: skip
    ops: list[Op] = []
    anchors: list[tuple[int, int]] = []
    for i, j, n in sm.get_matching_blocks():
        for k in range(n):
            ops.append(Op("equal", (i + k, i + k + 1), (j + k, j + k + 1)))
            anchors.append((i + k, j + k))
    left_a = sorted(set(range(len(pa))) - {i for i, _ in anchors})
    left_b = sorted(set(range(len(pb))) - {j for _, j in anchors})
    scored = []
    for i in left_a:
        for j in left_b:
            m = difflib.SequenceMatcher(None, pa[i], pb[j], autojunk=False)
            if m.real_quick_ratio() >= PAIR_RATIO and m.quick_ratio() >= PAIR_RATIO:
                r = m.ratio()
                if r >= PAIR_RATIO:
                    scored.append((-r, i, j))
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, i, j in sorted(scored):
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        # In order when no anchor lies between the two positions the other way round.
        crossed = any((ai < i) != (aj < j) for ai, aj in anchors)
        ops.append(Op("moved" if crossed else "edited", (i, i + 1), (j, j + 1)))
    for i in left_a:
        if i not in used_a:
            ops.append(Op("only_a", (i, i + 1), (0, 0)))
    for j in left_b:
        if j not in used_b:
            ops.append(Op("only_b", (0, 0), (j, j + 1)))
    return [op for op in ops if op.kind not in ("only_a", "only_b")] + [
        op for op in ops if op.kind in ("only_a", "only_b")
    ]
