"""The detectors the benchmark compares, each ``docs -> pairs`` with one calling convention.

Every detector is ``detect(docs, *, jaccard, containment, ngram, num_perm) -> list[Found]``
and is timed from raw texts to the final list of pairs (tokenising and shingling included).

* ``dedupe``: :func:`dedupe.find_duplicates` (verified; Jaccard or containment either way).
* ``dedupe_fuzzy``: the same in fuzzy mode (``fuzzy=True``), for OCR-read and re-worded text.
* ``datasketch``: used as its documentation shows: one ``MinHash`` per document,
  ``update`` per shingle (default sha1 hashing), ``MinHashLSH(threshold=0.5)`` insert then
  query; candidates kept when their estimated Jaccard reaches the threshold.
* ``datasketch_bulk``: ``MinHash.bulk`` (all signatures in one call) and an LSH insertion
  session (batched inserts).
* ``rensa``: rensa's own ``RMinHash.from_token_sets`` and ``RMinHashLSH`` (32 bands of 4
  rows, the layout nearest datasketch's 25 x 5 for threshold 0.5 that divides 128),
  candidates kept by estimated Jaccard.
* ``exact``: all pairs through a scipy sparse matrix product (:mod:`benchmarks.exact`).

The MinHash baselines score Jaccard only (that is what they estimate); containment is
what they cannot see, which the quality tables show per edit kind.

>>> found = DETECTORS["exact"]({"a": "w x y z q r", "b": "w x y z q r s"})
>>> [(f.a, f.b) for f in found]
[('a', 'b')]
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from dedupe.text import shingles

# Bands for rensa's LSH at 128 permutations (32 x 4 rows: see the module docstring).
RENSA_BANDS = 32
# Seed for the MinHash permutations of every baseline (datasketch's default is 1).
MINHASH_SEED = 1


@dataclass(frozen=True)
class Found:
    """One reported pair, ``a < b``, with the Jaccard the tool gives (exact or estimated)."""

    a: str
    b: str
    jaccard: float | None = None
    containment_ab: float | None = None
    containment_ba: float | None = None


Detector = Callable[..., list[Found]]
R = TypeVar("R")

# Seconds spent in each stage by the last baseline run (shingling, signatures, LSH).
STAGES: dict[str, float] = {}


class _Clock:
    """Records the time since the last mark into :data:`STAGES`."""

    def __init__(self) -> None:
        STAGES.clear()
        self.t = time.perf_counter()

    def mark(self, stage: str) -> None:
        now = time.perf_counter()
        STAGES[stage] = STAGES.get(stage, 0.0) + now - self.t
        self.t = now


def _pair(a: str, b: str, **scores: float | None) -> Found:
    if a > b:
        a, b = b, a
        scores["containment_ab"], scores["containment_ba"] = (
            scores.get("containment_ba"),
            scores.get("containment_ab"),
        )
    return Found(a, b, **scores)


def available(tool: str) -> str | None:
    """``None`` when ``tool`` can run here, else the reason it cannot.

    >>> available("exact") is None
    True
    """
    if tool.startswith("dedupe"):
        return None
    if tool == "rensa":
        try:
            importlib.import_module("rensa")
        except ImportError:
            return "rensa is not installed (pip install rensa, or the bench extra)"
    return None


def run_dedupe(
    docs: Mapping[str, str],
    *,
    jaccard: float = 0.5,
    containment: float = 0.5,
    ngram: int = 5,
    num_perm: int = 128,
    **options: object,
) -> list[Found]:
    """Pairs reported by :func:`dedupe.find_duplicates` (empty texts skipped), exact
    copies expanded (``Report.expanded_matches``: dedupe reports a copy once, against the
    first document of its group, and the other tools list every pair).

    ``options`` go to ``find_duplicates`` as they are (e.g. ``workers=1``).
    """
    import dedupe

    STAGES.clear()
    kw = dict(jaccard=jaccard, containment=containment, ngram=ngram, num_perm=num_perm,
              skip_empty=True, **options)  # fmt: skip
    if os.environ.get(STAGES_ENV) == "1":
        report = _with_stages(lambda: dedupe.find_duplicates(docs, progress="lines", **kw))
    else:
        report = dedupe.find_duplicates(docs, **kw)
    return [
        _pair(m.a, m.b, jaccard=m.jaccard, containment_ab=m.containment_ab,
              containment_ba=m.containment_ba)
        for m in report.expanded_matches()
    ]  # fmt: skip


#: Set to "1" in a worker's environment, dedupe's stages are timed into :data:`STAGES`.
STAGES_ENV = "DEDUPE_BENCH_STAGES"
_STAGE_LINE = re.compile(r"^dedupe: (.*): done, (?:.* in )?([\d.]+) s$")


def _with_stages(call: Callable[[], R]) -> R:
    """``call()`` (a ``find_duplicates(progress="lines")``) with every stage's line caught
    (however short: ``LINE_SECONDS`` set to 0 meanwhile) and its seconds put in
    :data:`STAGES`, numbers taken out of the stage names.

    >>> import sys
    >>> _with_stages(lambda: print("dedupe: verifying 1,234 candidate pairs: done, 1.5 s",
    ...                            file=sys.stderr))
    >>> STAGES
    {'verifying candidate pairs': 1.5}
    """
    import dedupe.parallel

    STAGES.clear()
    caught = io.StringIO()
    before = dedupe.parallel.LINE_SECONDS
    dedupe.parallel.LINE_SECONDS = 0.0
    try:
        with contextlib.redirect_stderr(caught):
            out = call()
    finally:
        dedupe.parallel.LINE_SECONDS = before
    for line in caught.getvalue().splitlines():
        m = _STAGE_LINE.match(line)
        if m:
            name = re.sub(r"\s*[\d,]+\s+", " ", m.group(1)).strip()
            STAGES[name] = STAGES.get(name, 0.0) + float(m.group(2))
    return out


def _shingle_sets(
    docs: Mapping[str, str], ngram: int, ids: list[str] | None = None
) -> tuple[list[str], list[set[bytes]]]:
    ids = list(docs) if ids is None else ids
    sets = [{s.encode("utf-8") for s in shingles(docs[i], ngram=ngram)} for i in ids]
    keep = [k for k, s in enumerate(sets) if s]
    return [ids[k] for k in keep], [sets[k] for k in keep]


def _batches(docs: Mapping[str, str], batch: int | None) -> list[list[str]]:
    """The ids in batches of ``batch`` (one batch when ``None``)."""
    ids = list(docs)
    step = batch or max(1, len(ids))
    return [ids[i : i + step] for i in range(0, len(ids), step)]


def _lsh_pairs(
    ids: list[str], hashes: list, jaccard: float, num_perm: int, clock: _Clock, *, session: bool
) -> list[Found]:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=jaccard, num_perm=num_perm)
    if session:  # batched inserts
        with lsh.insertion_session() as batch:
            for i, m in zip(ids, hashes):
                batch.insert(i, m)
    else:  # one insert per document, as the documentation's first example
        for i, m in zip(ids, hashes):
            lsh.insert(i, m)
    clock.mark("lsh_insert")
    by_id = dict(zip(ids, hashes))
    out = []
    for i, m in zip(ids, hashes):
        for j in lsh.query(m):
            if i < j:
                est = m.jaccard(by_id[j])
                if est >= jaccard:
                    out.append(_pair(i, j, jaccard=est))
    clock.mark("lsh_query")
    return out


def run_datasketch(
    docs: Mapping[str, str],
    *,
    jaccard: float = 0.5,
    containment: float = 0.5,
    ngram: int = 5,
    num_perm: int = 128,
) -> list[Found]:
    """datasketch as documented: ``MinHash.update`` per shingle, then ``MinHashLSH``."""
    from datasketch import MinHash

    clock = _Clock()
    ids, sets = _shingle_sets(docs, ngram)
    clock.mark("shingles")
    hashes = []
    for s in sets:
        m = MinHash(num_perm=num_perm, seed=MINHASH_SEED)
        for sh in s:
            m.update(sh)
        hashes.append(m)
    clock.mark("minhash")
    return _lsh_pairs(ids, hashes, jaccard, num_perm, clock, session=False)


def run_datasketch_bulk(
    docs: Mapping[str, str],
    *,
    jaccard: float = 0.5,
    containment: float = 0.5,
    ngram: int = 5,
    num_perm: int = 128,
    batch: int | None = None,
) -> list[Found]:
    """datasketch with ``MinHash.bulk`` (all signatures in one call), then ``MinHashLSH``.

    With ``batch``, shingles and signatures are made ``batch`` documents at a time (one
    ``bulk`` call each), so only one batch's shingle sets are held at once.
    """
    from datasketch import MinHash

    clock = _Clock()
    ids: list[str] = []
    hashes: list = []
    for part in _batches(docs, batch):
        kept, sets = _shingle_sets(docs, ngram, part)
        clock.mark("shingles")
        hashes += MinHash.bulk(sets, num_perm=num_perm, seed=MINHASH_SEED)
        ids += kept
        del sets
        clock.mark("minhash")
    return _lsh_pairs(ids, hashes, jaccard, num_perm, clock, session=True)


def run_rensa(
    docs: Mapping[str, str],
    *,
    jaccard: float = 0.5,
    containment: float = 0.5,
    ngram: int = 5,
    num_perm: int = 128,
    batch: int | None = None,
) -> list[Found]:
    """rensa's ``RMinHash`` signatures and ``RMinHashLSH``, kept by estimated Jaccard.

    With ``batch``, shingles and signatures are made ``batch`` documents at a time and
    inserted, so only one batch's shingles are held at once.
    """
    from rensa import RMinHash, RMinHashLSH

    clock = _Clock()
    lsh = RMinHashLSH(jaccard, num_perm, RENSA_BANDS)
    ids: list[str] = []
    hashes: list = []
    for part in _batches(docs, batch):
        token_sets = [shingles(docs[i], ngram=ngram) for i in part]
        keep = [k for k, t in enumerate(token_sets) if t]
        clock.mark("shingles")
        made = RMinHash.from_token_sets([token_sets[k] for k in keep], num_perm, MINHASH_SEED)
        del token_sets
        clock.mark("minhash")
        for k, m in zip(keep, made):
            lsh.insert(len(hashes), m)
            hashes.append(m)
            ids.append(part[k])
        clock.mark("lsh_insert")
    out = []
    for k, cands in enumerate(lsh.query_all(hashes)):
        for c in cands:
            if k < c:
                est = hashes[k].jaccard(hashes[c])
                if est >= jaccard:
                    out.append(_pair(ids[k], ids[c], jaccard=est))
    clock.mark("lsh_query")
    return out


def run_exact(
    docs: Mapping[str, str],
    *,
    jaccard: float = 0.5,
    containment: float = 0.5,
    ngram: int = 5,
    num_perm: int = 128,
) -> list[Found]:
    """Exact all pairs (scipy sparse product); same rule as dedupe, no sketching."""
    from .exact import incidence, pairs_from_incidence  # scipy: loaded by this tool only

    clock = _Clock()
    ids, m = incidence(docs, ngram=ngram)
    clock.mark("shingles_matrix")
    pairs = pairs_from_incidence(ids, m, jaccard=jaccard, containment=containment)
    clock.mark("product")
    return [Found(p.a, p.b, p.jaccard, p.containment_ab, p.containment_ba) for p in pairs]


def run_dedupe_file(path: str | os.PathLike[str], **kw: float) -> list[Found]:
    """:func:`run_dedupe` on a JSONL file that dedupe reads itself, as it goes
    (``find_duplicates(dedupe.inputs.iter_documents([path]))``): the texts are never all
    in memory, and the reading is timed with the rest. The main process reads the lines
    and the worker processes parse them as they sketch them, so the reading is part of
    the indexing stage."""
    from dedupe.inputs import iter_documents

    return run_dedupe(iter_documents([path]), **kw)  # type: ignore[arg-type]


def run_dedupe_1worker(docs: Mapping[str, str], **kw: float) -> list[Found]:
    """:func:`run_dedupe` in one process (``workers=1``), for a single-core comparison."""
    return run_dedupe(docs, workers=1, **kw)


def run_dedupe_fuzzy(docs: Mapping[str, str], **kw: float) -> list[Found]:
    """:func:`run_dedupe` in fuzzy mode (``fuzzy=True``: OCR-normalised character keys and
    the fuzzy score next to the exact ones)."""
    return run_dedupe(docs, fuzzy=True, **kw)


DETECTORS: dict[str, Detector] = {
    "dedupe": run_dedupe,
    "dedupe_1worker": run_dedupe_1worker,
    "dedupe_fuzzy": run_dedupe_fuzzy,
    "datasketch": run_datasketch,
    "datasketch_bulk": run_datasketch_bulk,
    "rensa": run_rensa,
    "exact": run_exact,
}

# How each tool is described in the tables.
LABELS = {
    "dedupe": "dedupe.find_duplicates",
    "dedupe_1worker": "dedupe.find_duplicates(workers=1)",
    "dedupe_file": "dedupe.find_duplicates(iter_documents([path])), reading included",
    "dedupe_fuzzy": "dedupe.find_duplicates(fuzzy=True)",
    "datasketch": "datasketch MinHash.update + MinHashLSH",
    "datasketch_bulk": "datasketch MinHash.bulk + MinHashLSH",
    "rensa": "rensa RMinHash + RMinHashLSH",
    "exact": "exact all pairs (scipy sparse)",
}
