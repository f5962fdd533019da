"""LSH keys and **the one candidate rule**, in numpy.

Two kinds of 32-bit key propose candidate pairs:

* **band keys** (:func:`~dedupe.sketch.band_keys`): the MinHash signature cut into bands,
  each band hashed to one key (top bit set). Documents that agree on a whole band collide:
  this finds near-duplicates (high Jaccard).
* **passage keys** (:func:`dedupe.sketch.passage_keys`, top bit clear): two texts sharing a
  run of ``window`` shingles always share one, whatever their lengths, so an excerpt
  embedded in a longer article is proposed even when the whole-document Jaccard is tiny. A
  short text (fewer than ``short_text`` distinct shingles) takes every shingle as a key.

:func:`candidates` decides which documents of a collection sharing keys become candidate
pairs (``Index.pairs`` over any store), and :func:`probe_candidates` which stored documents
a query text pairs with (``Index.query``); both decide by the same helpers
(``_key_rules`` for rules 1 and 2, :func:`passage_rule` for rule 3, which the Spark job
calls too), so every engine proposes the same pairs; :func:`key_pairs` is rules 1 and 2
of :func:`candidates` for an engine that splits the keys among tasks (Spark), which sums
the shared passage key counts of each pair before rule 3. The rule, for keys held by ``df``
documents:

1. a passage key with ``df > max_key_docs`` proposes nothing (boilerplate). The engines
   pass a lower cap for fuzzy keys (:meth:`~dedupe.params.IndexParams.passage_key_docs`);
   a key over that cap (and at most ``max_key_docs``) still pairs each of its holders with
   so few keys that one shared key is enough for rule 3 (``min_key_share`` of its keys is
   at most one: a short text) with every other holder;
2. a band key with ``df <= max_key_docs`` pairs all its documents; one held by more pairs
   each of them with the earliest only, so that a very common text costs linear time and
   its near-duplicates are still found;
3. two documents sharing only passage keys are a candidate pair when they share at least
   ``max(1, min_key_share * fewest)`` of them (``fewest``: the smaller of their passage key
   counts), or any one of them when either is a short text. The index passes
   :attr:`~dedupe.params.Thresholds.key_share` here: ``min_key_share`` lowered with the
   report thresholds, so that at thresholds 0 one shared key (one shared run of
   ``window`` shingles) makes a candidate.

>>> groups = group_keys(np.array([7, 7, 9, 9, 9], np.uint32), np.array([0, 1, 0, 1, 2]))
>>> candidates(groups, np.array([2, 2, 8]), max_key_docs=200, min_key_share=0.6).tolist()
[[0, 1]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import kernel
from .flat import lengths, offsets_of, row_chunks, segment_positions, sorted_unique
from .params import IndexParams
from .sketch import BAND_BIT, Sketch, band_keys, sketch_texts
from .store.base import Hits

__all__ = [
    "BLOCK_PAIRS",
    "KeyGroups",
    "candidates",
    "group_collection",
    "group_keys",
    "key_pairs",
    "passage_rule",
    "probe_candidates",
    "probe_hits",
    "query_keys",
    "sketch_for_store",
]

#: The self-join forms about this many pair entries at a time (about 80 bytes of scratch
#: memory each), which bounds its memory whatever the collection.
BLOCK_PAIRS = 1_000_000


@dataclass(frozen=True, eq=False)
class KeyGroups:
    """Documents grouped by a shared key: group ``g`` holds the document rows
    ``rows[offsets[g]:offsets[g + 1]]`` in ascending order (each row once). ``is_band`` says
    whether the key is a band key, and ``df`` how many documents hold it (the caps count
    these; it may exceed a group's size when a store leaves out rows of capped keys)."""

    offsets: np.ndarray
    rows: np.ndarray
    is_band: np.ndarray
    df: np.ndarray


def _shared_entries(packed: np.ndarray, *, rows_in_order: bool = False) -> np.ndarray:
    """Sort ``key << 32 | row`` entries (in place) and keep those of keys held twice or
    more. With ``rows_in_order`` (each key's rows come in ascending order), the compiled
    kernel sorts them by key alone where it runs (:func:`dedupe.kernel.sort_by_key`)."""
    if rows_in_order and kernel.wanted():
        packed = kernel.sort_by_key(packed)
    else:
        packed.sort()  # by key, rows ascending within each key
    same = (packed[1:] ^ packed[:-1]) < np.uint64(1 << 32)  # the same key
    shared = np.zeros(len(packed), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    return packed[shared]


def _groups(packed: np.ndarray) -> KeyGroups:
    """Groups of sorted shared ``key << 32 | row`` entries (rows as ``uint32``)."""
    key = packed >> np.uint64(32)
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if len(key) else key[:0]
    offsets = np.append(starts.astype(np.int64), len(key))
    is_band = (key[offsets[:-1]] & np.uint64(BAND_BIT)) != 0
    del key
    rows = (packed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    return KeyGroups(offsets, rows, is_band, lengths(offsets))


def _join_groups(parts: list[KeyGroups]) -> KeyGroups:
    """Groups of disjoint key ranges, one range after the other."""
    if len(parts) == 1:
        return parts[0]
    from .flat import concat_offsets

    return KeyGroups(
        concat_offsets([g.offsets for g in parts]),
        np.concatenate([g.rows for g in parts]),
        np.concatenate([g.is_band for g in parts]),
        np.concatenate([g.df for g in parts]),
    )


def group_keys(keys: np.ndarray, rows: np.ndarray) -> KeyGroups:
    """Group ``(key, row)`` entries (32-bit keys, each at most once per row) by key, keeping
    only the keys held by two rows or more (the others pair nothing).

    >>> g = group_keys(np.array([5, 3, 5], np.uint32), np.array([0, 0, 1]))
    >>> g.offsets.tolist(), g.rows.tolist(), g.df.tolist()
    ([0, 2], [0, 1], [2])
    """
    packed = (np.asarray(keys, dtype=np.uint64) << np.uint64(32)) | np.asarray(
        rows, dtype=np.uint64
    )
    groups = _groups(_shared_entries(packed))
    return replace(groups, rows=groups.rows.astype(np.int64))


#: :func:`group_collection` loads the compiled kernel (:mod:`dedupe.kernel`, with the
#: ``auto`` setting) for at least this many key entries, and sorts each part's entries
#: with it (:func:`dedupe.kernel.sort_by_key`, a radix sort: about 17 ns an entry against
#: numpy's 55-85 ns on this machine); loading it takes about 0.45 s.
KERNEL_MIN_GROUP = 20_000_000
#: :func:`group_collection` sorts the keys in this many parts (by their top bits), so that
#: its temporary arrays hold a part of the keys at a time.
GROUP_PARTS = 16


def group_collection(
    bands: np.ndarray,
    key_values: np.ndarray,
    key_offsets: np.ndarray,
    *,
    keep: np.ndarray | None = None,
    map_parts: Callable[[Callable[[Any, Any], Any], list, Any], list] | None = None,
) -> KeyGroups:
    """:func:`group_keys` of a whole collection: row ``i`` holds the band keys
    ``bands[i]`` and the passage keys ``key_values[key_offsets[i]:key_offsets[i + 1]]``
    (only the rows where ``keep`` is true, when it is given).
    Built one key range at a time (``map_parts(fn, parts, state)`` may spread the ranges
    over processes, as ``map_blocks`` of :func:`candidates`): the memory it takes beyond
    its result (4 bytes a shared entry) is about 1 byte per entry plus one part's sort.

    >>> g = group_collection(np.array([[2**31 + 1], [2**31 + 1]], np.uint32),
    ...                      np.array([7, 7, 9], np.uint32), np.array([0, 1, 3]))
    >>> g.rows.tolist(), g.is_band.tolist()
    ([0, 1, 0, 1], [False, True])
    """
    if bands.size + len(key_values) >= KERNEL_MIN_GROUP:
        kernel.load()  # before map_parts forks: its workers inherit it
    shift = np.uint32(32 - GROUP_PARTS.bit_length() + 1)
    n_bands = bands.shape[1] if bands.ndim == 2 else 0
    band_flat = bands.reshape(-1)
    state = (
        band_flat,
        (band_flat >> shift).astype(np.uint8),
        max(n_bands, 1),
        np.asarray(key_values),
        (np.asarray(key_values) >> shift).astype(np.uint8),
        key_offsets,
        keep,
    )
    return _join_groups((map_parts or _serial_map)(_group_part, list(range(GROUP_PARTS)), state))


def _group_part(part: int, state: tuple) -> KeyGroups:
    """The groups of the keys whose top bits are ``part`` (see :func:`group_collection`);
    its ``key << 32 | row`` entries are built in place, in one array."""
    band_flat, band_part, n_bands, key_values, key_part, key_offsets, keep = state
    band_at = np.flatnonzero(band_part == part)
    key_at = np.flatnonzero(key_part == part)
    band_rows = band_at // n_bands
    key_rows = np.searchsorted(key_offsets, key_at, side="right")
    key_rows -= 1
    if keep is not None:
        mine = keep[band_rows]
        band_at, band_rows = band_at[mine], band_rows[mine]
        mine = keep[key_rows]
        key_at, key_rows = key_at[mine], key_rows[mine]
        del mine
    packed = np.empty(len(band_at) + len(key_at), dtype=np.uint64)
    packed[: len(band_at)] = band_flat[band_at]
    packed[len(band_at) :] = key_values[key_at]
    del band_at, key_at
    packed <<= np.uint64(32)
    packed[: len(band_rows)] |= band_rows.astype(np.uint64)
    del band_rows
    packed[len(packed) - len(key_rows) :] |= key_rows.astype(np.uint64)
    del key_rows
    # rows ascend within each key: band entries come in row order, then passage keys in
    # row order (a key is a band key or a passage key, never both: BAND_BIT)
    return _groups(_shared_entries(packed, rows_in_order=True))


def _code_counts(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``codes`` and how often each occurs (by sorting)."""
    codes = np.sort(codes)
    if not len(codes):
        return codes, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    return codes[starts], lengths(np.append(starts, len(codes)))


#: A block whose pair codes, counted from its first row, stay below this sorts them as
#: ``uint32`` (else ``int64``).
CODES32 = 1 << 32
#: Up to this many blocks of the self-join scan the entries for their own; more sort
#: them into blocks first.
SCAN_BLOCKS = 8
#: Entries handled per pass when they are counted and sorted into blocks (bounds those
#: passes' scratch memory: about 40 bytes an entry).
PASS_ENTRIES = 1 << 23


#: The self-join of :func:`candidates` loads the compiled kernel (:mod:`dedupe.kernel`,
#: with the ``auto`` setting) once it forms at least this many pair entries, and then
#: counts each block's pairs in a dense array instead of sorting them. Measured (fuzzy
#: mode, 20,000 generated articles with OCR-noised copies, 39M pair entries, one core): the
#: blocks' sorts and counts took about 100 ns an entry (4.2 s), the kernel about 17 ns
#: (0.7 s); loading it takes about 0.45 s.
KERNEL_MIN_PAIRS = 10_000_000


def _row_blocks(
    rows: np.ndarray, weight: np.ndarray, n: int, size: int
) -> tuple[list[tuple[int, int, int, int]], np.ndarray | None]:
    """Blocks of rows ``[lo, hi)`` whose entries weigh about ``size`` together (a row is
    never split), each with the span ``[s0, s1)`` of ``positions`` that holds its entries
    (ascending), and ``positions``, the entries grouped by block: two passes of
    :data:`PASS_ENTRIES` entries each, so that no block scans the whole list. ``None``
    for up to :data:`SCAN_BLOCKS` blocks, which find their entries by scanning."""
    per_row = np.zeros(n, dtype=np.float64)
    for c in range(0, len(rows), PASS_ENTRIES):
        part = slice(c, c + PASS_ENTRIES)
        per_row += np.bincount(rows[part], weights=weight[part], minlength=n)
    cum = np.cumsum(per_row)
    del per_row
    lows, lo = [], 0
    while lo < n:
        base = cum[lo - 1] if lo else 0.0
        lows.append(lo)
        lo = max(lo + 1, int(np.searchsorted(cum, base + size, side="right")))
    ranges = list(zip(lows, [*lows[1:], n]))
    if len(lows) <= SCAN_BLOCKS:  # each block scans every entry: cheaper than sorting them
        return [(lo, hi, 0, 0) for lo, hi in ranges], None
    bounds = np.array(lows, dtype=np.int64)
    kind = np.uint16 if len(lows) <= 1 << 16 else np.uint32  # radix-sorted when 16-bit

    def block_of(part: slice) -> np.ndarray:
        return (np.searchsorted(bounds, rows[part], side="right") - 1).astype(kind)

    counts = np.zeros(len(lows), dtype=np.int64)
    for c in range(0, len(rows), PASS_ENTRIES):
        counts += np.bincount(block_of(slice(c, c + PASS_ENTRIES)), minlength=len(lows))
    starts = offsets_of(counts)
    positions = np.empty(len(rows), dtype=np.int32 if len(rows) < 1 << 31 else np.int64)
    cursor = starts[:-1].copy()
    for c in range(0, len(rows), PASS_ENTRIES):
        blocks = block_of(slice(c, c + PASS_ENTRIES))
        order = np.argsort(blocks, kind="stable")
        blocks = blocks[order]
        here = np.bincount(blocks, minlength=len(lows))
        rank = np.arange(len(blocks)) - offsets_of(here)[:-1][blocks]
        positions[cursor[blocks] + rank] = order + c
        cursor += here
    spans = zip(starts[:-1].tolist(), starts[1:].tolist())
    return [(lo, hi, s0, s1) for (lo, hi), (s0, s1) in zip(ranges, spans)], positions


def _even_blocks(rows: np.ndarray, n: int, parts: int) -> list[tuple[int, int, int, int]]:
    """Up to ``parts`` blocks of rows ``[lo, hi)`` (as :func:`_row_blocks` gives them, each
    finding its entries by scanning) holding about as many entries each: cheaper than
    weighing every entry by its partners, for a join that holds no pair entries.

    >>> _even_blocks(np.array([0, 0, 1, 2, 3, 3], np.uint32), 5, 3)
    [(0, 1, 0, 0), (1, 3, 0, 0), (3, 5, 0, 0)]
    """
    cum = np.cumsum(np.bincount(rows, minlength=n))
    targets = np.arange(1, parts) * (int(cum[-1]) / parts) if n else np.zeros(0)
    cuts = sorted({0, n, *np.searchsorted(cum, targets, side="right").tolist()})
    return [(lo, hi, 0, 0) for lo, hi in zip(cuts[:-1], cuts[1:]) if lo < hi]


def _join_entries(
    groups: KeyGroups, sel: np.ndarray, star: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the entries of the groups ``sel`` (compact, 4 bytes each) and how many
    partners each has: the later entries of its group (rows ascend within a group), or in
    a capped band group, every other entry for the first one and none for the rest."""
    all_lens = lengths(groups.offsets)
    chosen = np.zeros(len(all_lens), dtype=bool)
    chosen[sel] = True
    rows = groups.rows[np.repeat(chosen, all_lens)]
    lens = all_lens[sel]
    del chosen, all_lens
    offsets = offsets_of(lens)
    most = int(lens.max()) - 1 if len(lens) else 0
    kind = next(t for t in (np.uint8, np.uint16, np.uint32, np.int64) if most <= np.iinfo(t).max)
    weight = np.empty(len(rows), dtype=kind)  # 1 byte an entry for passage keys
    # entry j of a group ending at e has e - 1 - j later partners (groups PASS_ENTRIES
    # entries at a time)
    for g0, g1 in row_chunks(offsets, PASS_ENTRIES):
        e0, e1 = int(offsets[g0]), int(offsets[g1])
        weight[e0:e1] = np.repeat(offsets[g0 + 1 : g1 + 1] - 1, lens[g0:g1]) - np.arange(e0, e1)
    if star.any():
        weight[np.repeat(star, lens)] = 0
        weight[offsets[:-1][star]] = lens[star] - 1
    return rows, weight


def _block_counts(block: tuple[int, int, int, int], shared: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The pair codes (``first * n + second``) the block of first rows ``[lo, hi)`` forms
    (sorted, each once) and how many of the joined keys each pair shares: its entries are
    ``positions[s0:s1]``, or found by scanning (see :func:`_row_blocks`)."""
    rows, weight, positions, n = shared[:4]
    lo, hi, s0, s1 = block
    if positions is not None:
        at = positions[s0:s1].astype(np.int64)
    elif (lo, hi) == (0, n):  # the only block
        at = np.arange(len(rows))
    else:
        at = np.flatnonzero((rows >= lo) & (rows < hi))
    cnt = weight[at].astype(np.int64)
    firsts = np.repeat(rows[at].astype(np.int64), cnt)
    partners = rows[np.repeat(at + 1, cnt) + segment_positions(cnt)].astype(np.int64)
    ok = firsts != partners
    firsts, partners = firsts[ok], partners[ok]
    base = int(firsts.min()) if len(firsts) else 0
    if len(firsts) and (int(firsts.max()) - base + 1) * n <= CODES32:
        # the block's codes fit 32 bits from its first row on: a sort twice as fast
        firsts -= base
        firsts *= n
        firsts += partners
        local, count = _code_counts(firsts.astype(np.uint32))
        return local.astype(np.int64) + base * n, count
    return _code_counts(firsts * n + partners)


def _join_block(block: tuple[int, int, int, int], shared: tuple) -> np.ndarray:
    """The pair codes the block of first rows ``[lo, hi)`` keeps (see :func:`candidates`
    and :func:`_block_counts`)."""
    rows, weight, positions, n, band, n_keys, short, min_key_share, fast = shared
    if fast:  # counted without sorting: the same codes, in another order
        lo, hi, s0, s1 = block
        return kernel.join_block(
            rows,
            weight,
            (lo, hi),
            at=None if positions is None else positions[s0:s1],
            n_keys=n_keys,
            short=short,
            min_key_share=min_key_share,
            band=band,
        )
    codes, count = _block_counts(block, shared)
    return _keep(codes, count, n, band, n_keys, short, min_key_share)


def _few_key_pairs(
    groups: KeyGroups, usable: np.ndarray, few: np.ndarray, max_key_docs: int
) -> np.ndarray:
    """Pair codes of rule 1's second part: each holder of a passage key over its cap (and at
    most ``max_key_docs``) that has so few keys that one shared key is enough (``few[row]``),
    with every other holder of that key (see the module docstring)."""
    n = len(few)
    over = np.flatnonzero(~usable & ~groups.is_band & (groups.df <= max_key_docs))
    lens = lengths(groups.offsets)[over]
    starts = groups.offsets[:-1][over]
    at = np.repeat(starts, lens) + segment_positions(lens)
    rows = groups.rows[at].astype(np.int64)
    chosen = np.flatnonzero(few[rows])  # entries of holders with few keys
    if not len(chosen):
        return np.zeros(0, dtype=np.int64)
    group = np.repeat(np.arange(len(over)), lens)[chosen]
    firsts = np.repeat(rows[chosen], lens[group])
    partners = groups.rows[np.repeat(starts[group], lens[group]) + segment_positions(lens[group])]
    partners = partners.astype(np.int64)
    ok = firsts != partners
    low, high = np.minimum(firsts[ok], partners[ok]), np.maximum(firsts[ok], partners[ok])
    return sorted_unique(low * n + high)


def _rule_joins(
    groups: KeyGroups,
    n_keys: np.ndarray,
    min_key_share: float,
    max_key_docs: int,
    passage_key_docs: int | None,
) -> tuple[list[np.ndarray], list[tuple[bool, np.ndarray, np.ndarray]]]:
    """Rules 1 and 2 over ``groups``: the pair codes they make outright (rule 1's second
    part, when passage keys have a lower cap), and the self-joins left to form, band keys
    first: ``(band, rows, weight)`` of :func:`_join_entries`."""
    lens = lengths(groups.offsets)
    usable, star = _key_rules(groups.is_band, groups.df, max_key_docs, passage_key_docs)
    usable &= lens >= 2
    parts = []
    if passage_key_docs is not None and passage_key_docs < max_key_docs:
        few = n_keys * min_key_share <= 1  # one shared key is enough for these rows
        parts.append(_few_key_pairs(groups, usable, few, max_key_docs))
    joins = []
    for band in (True, False):
        sel = np.flatnonzero(usable & (groups.is_band == band))
        joins.append((band, *_join_entries(groups, sel, star[sel])))
    return parts, joins


def _serial_map(fn: Callable[[Any, Any], Any], items: list, shared: Any) -> list:
    return [fn(item, shared) for item in items]


def candidates(
    groups: KeyGroups,
    n_keys: np.ndarray,
    *,
    max_key_docs: int,
    min_key_share: float,
    passage_key_docs: int | None = None,
    short: np.ndarray | None = None,
    block_pairs: int | None = None,
    map_blocks: Callable[[Callable[[Any, Any], Any], list, Any], list] | None = None,
) -> np.ndarray:
    """Candidate pairs (``int64[k, 2]``, sorted, smaller row first) under the rule above.

    ``n_keys[row]`` is the number of passage keys of each row and ``short[row]`` whether it
    is a short text (rows run from 0 to ``len(n_keys) - 1``); ``passage_key_docs``, when
    given, caps passage keys instead of ``max_key_docs`` (rule 1). Every pair of documents that
    share a key is judged (all pairs of a collection), formed ``block_pairs`` (default
    :data:`BLOCK_PAIRS`) pair entries at a time. ``map_blocks(fn, blocks, state)`` runs
    ``fn(block, state)`` for each block (default: here, one after the other; an engine may
    spread them over processes: the result is the same).

    >>> g = group_keys(np.array([1, 1, 2, 2], np.uint32), np.array([0, 1, 1, 2]))
    >>> candidates(g, np.array([1, 1, 1]), max_key_docs=200, min_key_share=0.1).tolist()
    [[0, 1], [1, 2]]
    """
    n = len(n_keys)
    block_pairs = block_pairs or BLOCK_PAIRS
    if short is None:
        short = np.zeros(n, dtype=bool)
    parts, joins = _rule_joins(groups, n_keys, min_key_share, max_key_docs, passage_key_docs)
    # The groups are not needed any more: a collection's (passed inline, as Index.pairs
    # does) are freed here, before the self-join, its longest step.
    del groups
    total = sum(int(weight.sum(dtype=np.int64)) for _, _, weight in joins)
    if total >= KERNEL_MIN_PAIRS:
        kernel.load()  # before map_blocks forks: its workers inherit it
    fast = kernel.wanted()
    while joins:
        band, rows, weight = joins.pop(0)
        if fast:  # no pair entries held: blocks only to spread the work
            blocks, positions = _even_blocks(rows, n, SCAN_BLOCKS), None
        else:
            blocks, positions = _row_blocks(rows, weight, n, block_pairs)
        state = (rows, weight, positions, n, band, n_keys, short, min_key_share, fast)
        parts.extend((map_blocks or _serial_map)(_join_block, blocks, state))
        del rows, weight, positions, state
    codes = sorted_unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    return np.stack((codes // n, codes % n), axis=1)


def key_pairs(
    groups: KeyGroups,
    n_keys: np.ndarray,
    *,
    max_key_docs: int,
    min_key_share: float,
    passage_key_docs: int | None = None,
    block_pairs: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """The pairs the keys of ``groups`` propose under rules 1 and 2, before rule 3: for an
    engine that splits a collection's keys among tasks (each key, with every holder, in one
    task), which sums each pair's count of shared passage keys over its tasks and judges the
    sums with :func:`passage_rule` (:func:`candidates` does all of it in one place).

    Yields ``(codes, shared)``: pair codes ``first * n + second`` (``first < second``,
    ``n = len(n_keys)``; sorted and distinct within one yield, not across yields) with
    ``shared`` ``None`` for pairs that are candidates outright (a shared band key, rule 1's
    few-key pairs), or for pairs sharing usable passage keys, how many of ``groups``' keys
    each shares. The options are those of :func:`candidates` (``n_keys`` and
    ``min_key_share`` count here for rule 1 only). Pairs are formed ``block_pairs``
    (default :data:`BLOCK_PAIRS`) pair entries at a time, so a yield holds about that many.

    >>> g = group_keys(np.array([1, 1, 2, 2, 3, 3], np.uint32), np.array([0, 1, 0, 1, 1, 2]))
    >>> [(c.tolist(), s if s is None else s.tolist())
    ...  for c, s in key_pairs(g, np.full(3, 9), max_key_docs=200, min_key_share=0.1)]
    [([1, 5], [2, 1])]
    """
    n = len(n_keys)
    parts, joins = _rule_joins(groups, n_keys, min_key_share, max_key_docs, passage_key_docs)
    del groups
    for codes in parts:
        if len(codes):
            yield codes, None
    while joins:
        band, rows, weight = joins.pop(0)
        if not len(rows):
            continue
        blocks, positions = _row_blocks(rows, weight, n, block_pairs or BLOCK_PAIRS)
        state = (rows, weight, positions, n)
        for block in blocks:
            codes, count = _block_counts(block, state)
            if len(codes):
                yield codes, None if band else count
        del rows, weight, positions, state


def probe_candidates(
    is_band: np.ndarray,
    df: np.ndarray,
    key_index: np.ndarray,
    rows: np.ndarray,
    n_keys: np.ndarray,
    short: np.ndarray,
    probe_keys: int,
    probe_short: bool,
    *,
    max_key_docs: int,
    min_key_share: float,
    passage_key_docs: int | None = None,
) -> np.ndarray:
    """The stored rows a probe document (a query text) is a candidate pair with, under the
    rule above (ascending, each once): those :func:`candidates` would pair it with if it
    were stored after them.

    The probe holds keys ``0, 1, ...``: key ``g`` is a band key when ``is_band[g]``, held
    by ``df[g]`` stored documents. Its holders are entries grouped by key (as
    :meth:`dedupe.store.Store.lookup` gives them): entry ``e`` says that row ``rows[e]``,
    which has ``n_keys[e]`` passage keys and is a short text when ``short[e]``, holds key
    ``key_index[e]``; each key's rows ascend, and a key held by more than ``max_key_docs``
    documents may list its earliest one alone. ``probe_keys`` and ``probe_short``: the
    probe's passage key count and whether it is a short text.

    >>> probe_candidates(np.array([True, False]), np.array([1, 2]), np.array([0, 1, 1]),
    ...                  np.array([7, 3, 7]), np.array([9, 9, 9]), np.zeros(3, bool), 9, False,
    ...                  max_key_docs=200, min_key_share=0.2).tolist()
    [7]
    """
    usable, star = _key_rules(is_band, df, max_key_docs, passage_key_docs)
    ok = usable[key_index]
    # rule 1's second part: a passage key over its cap pairs holders with few keys
    few = (n_keys * min_key_share <= 1) | (probe_keys * min_key_share <= 1)
    over = ~usable & ~is_band & (df <= max_key_docs)
    if star.any():  # a band key held by too many pairs the probe with the earliest only
        first = np.ones(len(key_index), dtype=bool)
        first[1:] = key_index[1:] != key_index[:-1]
        ok &= first | ~star[key_index]
    found = sorted_unique(rows)
    local = np.searchsorted(found, rows)
    band = is_band[key_index]
    paired = np.zeros(len(found), dtype=bool)
    paired[local[ok & band]] = True  # rule 2: a shared band key
    paired[local[over[key_index] & few]] = True
    shared = np.bincount(local[ok & ~band], minlength=len(found))
    keys_of = np.empty(len(found), dtype=np.int64)
    keys_of[local] = n_keys
    short_of = np.empty(len(found), dtype=bool)
    short_of[local] = short
    paired |= _enough_shared(
        shared, keys_of, probe_keys, short_of | probe_short, min_key_share=min_key_share
    )
    return found[paired]


def _key_rules(
    is_band: np.ndarray, df: np.ndarray, max_key_docs: int, passage_key_docs: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Rules 1 and 2 for each key: whether it proposes pairs at all (a passage key held by
    more than ``passage_key_docs`` documents, by default ``max_key_docs``, does not), and
    whether it pairs its documents with the earliest of them only (a band key held by more
    than ``max_key_docs``)."""
    cap = max_key_docs if passage_key_docs is None else passage_key_docs
    over = df > max_key_docs
    return is_band | (df <= cap), is_band & over


def passage_rule(
    first: np.ndarray,
    second: np.ndarray,
    shared: np.ndarray,
    n_keys: np.ndarray,
    short: np.ndarray,
    *,
    min_key_share: float,
) -> np.ndarray:
    """Rule 3 on pairs that share usable passage keys only: ``True`` where documents
    ``first[i]`` and ``second[i]``, sharing ``shared[i]`` such keys, are a candidate pair.
    Engines that count shared keys their own way (Spark) call this to decide alike.

    >>> passage_rule(np.array([0, 0]), np.array([1, 2]), np.array([1, 1]),
    ...              np.array([50, 50, 3]), np.array([False, False, True]), min_key_share=0.1)
    array([False,  True])
    """
    return _enough_shared(
        shared,
        n_keys[first],
        n_keys[second],
        short[first] | short[second],
        min_key_share=min_key_share,
    )


def _enough_shared(
    shared: np.ndarray,
    keys_a: np.ndarray | int,
    keys_b: np.ndarray | int,
    either_short: np.ndarray,
    *,
    min_key_share: float,
) -> np.ndarray:
    """Rule 3 on the passage key counts of both documents of each pair (see
    :func:`passage_rule`)."""
    fewest = np.minimum(keys_a, keys_b)
    needed = np.where(either_short, 1.0, np.maximum(1.0, min_key_share * fewest))
    return shared >= needed


def _keep(
    codes: np.ndarray,
    shared: np.ndarray,
    n: int,
    band: bool,
    n_keys: np.ndarray,
    short: np.ndarray,
    min_key_share: float,
) -> np.ndarray:
    """The pair codes (``first * n + second``) the rule keeps, given how many keys of their
    kind each pair shares."""
    if band:
        return codes
    ok = passage_rule(codes // n, codes % n, shared, n_keys, short, min_key_share=min_key_share)
    return codes[ok]


def query_keys(bands: np.ndarray, sketch: Sketch) -> np.ndarray:
    """Every distinct key of a batch of query texts, band and passage keys (sorted): what
    :func:`probe_hits` needs looked up in a store.

    >>> sk = Sketch(np.zeros(0, np.uint32), np.zeros(2, np.int64), np.array([5, 3], np.uint32),
    ...             np.array([0, 2]))
    >>> query_keys(np.array([[2**31 + 3]], np.uint32), sk).tolist()
    [3, 5, 2147483651]
    """
    ko = sketch.key_offsets
    return sorted_unique(np.concatenate((bands.ravel(), sketch.key_values[: ko[-1]])))


def probe_hits(
    hits: Hits,
    keys: np.ndarray,
    bands: np.ndarray,
    sketch: Sketch,
    *,
    short_text: int,
    max_key_docs: int,
    min_key_share: float,
    passage_key_docs: int | None = None,
) -> list[np.ndarray]:
    """For each query text of ``sketch`` (band keys ``bands``), the stored rows it is a
    candidate pair with (:func:`probe_candidates`), from ``hits``: what a store's
    :meth:`~dedupe.store.Store.lookup` gave for ``keys`` (:func:`query_keys`), under
    the caps of :func:`probe_candidates`.

    >>> from dedupe.store import MemoryStore
    >>> from dedupe.params import IndexParams
    >>> params = IndexParams(num_perm=8, ngram=2)
    >>> stored, stored_bands = sketch_for_store(["a b c d e f g h"], params)
    >>> store = MemoryStore(); store.put(["x"], stored, stored_bands, np.full(1, np.nan))
    >>> sk, bands = sketch_for_store(["a b c d e f g h", "q r s"], params)
    >>> keys = query_keys(bands, sk)
    >>> hits = store.lookup(keys, np.full(len(keys), 200))
    >>> [r.tolist() for r in probe_hits(hits, keys, bands, sk, short_text=40,
    ...                                  max_key_docs=200, min_key_share=0.1)]
    [[0], []]
    """
    n = len(sketch.key_offsets) - 1
    ko, set_sizes, key_counts = sketch.key_offsets, sketch.set_sizes(), sketch.key_counts()
    is_band = (keys & BAND_BIT) != 0
    short = hits.row_sizes < short_text
    first = np.searchsorted(hits.key_index, np.arange(len(keys) + 1)) if n > 1 else None
    chosen = []
    for i in range(n):
        if first is None:  # one text: every key asked for is its own
            ks: Any = slice(None)
            at: Any = slice(None)
            key_of = hits.key_index
        else:  # the entries of this text's keys
            ks = np.searchsorted(
                keys, np.concatenate((bands[i], sketch.key_values[ko[i] : ko[i + 1]]))
            )
            count = first[ks + 1] - first[ks]
            at = np.repeat(first[ks], count) + segment_positions(count)
            key_of = np.repeat(np.arange(len(ks)), count)
        chosen.append(
            probe_candidates(
                is_band[ks],
                hits.df[ks],
                key_of,
                hits.rows[at],
                hits.row_keys[at],
                short[at],
                int(key_counts[i]),
                bool(set_sizes[i] < short_text),
                max_key_docs=max_key_docs,
                min_key_share=min_key_share,
                passage_key_docs=passage_key_docs,
            )
        )
    return chosen


def sketch_for_store(
    texts: list[str], params: IndexParams, *, load_kernel: bool = True
) -> tuple[Sketch, np.ndarray]:
    """What every engine stores of ``texts``: their sketch (signatures dropped once cut
    into bands) and their band keys (``uint32[n, bands]``), shaped by ``params``
    (``load_kernel``: see :func:`dedupe.sketch.sketch_texts`).

    >>> sk, bands = sketch_for_store(["a b c d e f g"], IndexParams(num_perm=8, bands=2))
    >>> sk.signatures is None, bands.shape
    (True, (1, 2))
    """
    sketch = sketch_texts(
        texts,
        ngram=params.ngram,
        window=params.window,
        num_perm=params.num_perm,
        seed=params.seed,
        short_text=params.short_text,
        scheme=params.hash_scheme,
        fuzzy=params.fuzzy,
        load_kernel=load_kernel,
    )
    sets_and_keys = Sketch(
        sketch.set_values,
        sketch.set_offsets,
        sketch.key_values,
        sketch.key_offsets,
        None,
        sketch.text_values,
        sketch.text_offsets,
    )
    assert sketch.signatures is not None  # sketch_texts computes them
    return sets_and_keys, band_keys(sketch.signatures, params.bands)
