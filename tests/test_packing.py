"""Packed shingle sets (dedupe.packing) and the memory store that keeps them."""

import numpy as np
import pytest

from dedupe import Index
from dedupe.flat import offsets_of, take
from dedupe.packing import pack, unpack
from dedupe.sketch import unique_per_row


def _sets(rng, n_rows, max_len, high=2**32):
    lens = rng.integers(0, max_len, n_rows)
    offsets = offsets_of(lens)
    raw = rng.integers(0, high, int(offsets[-1]), dtype=np.uint64).astype(np.uint32)
    return unique_per_row(raw, offsets)


@pytest.mark.parametrize("high", [2**32, 300, 2**24 + 10])  # spread, one bucket, two buckets
def test_rows_come_back_exactly_in_any_order(high):
    rng = np.random.default_rng(7)
    values, offsets = _sets(rng, 400, 900, high)
    low, bits, bit_lens = pack(values, offsets)
    bit_offsets = offsets_of(bit_lens)
    for rows in (np.arange(400), rng.integers(0, 400, 1000), np.array([5, 5, 0]), np.array([])):
        got = unpack(low, bits, offsets, bit_offsets, rows.astype(np.int64))
        want = take(values, offsets, rows.astype(np.int64))
        assert got[0].dtype == np.uint32
        assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()


def test_extremes_and_empty_rows():
    values = np.array([0, 1, 2**24 - 1, 2**24, 2**32 - 2, 2**32 - 1, 5], dtype=np.uint32)
    offsets = np.array([0, 0, 6, 6, 7, 7])
    low, bits, bit_lens = pack(values, offsets)
    assert len(low) == 3 * len(values)
    got, got_offsets = unpack(low, bits, offsets, offsets_of(bit_lens), np.arange(5))
    assert got.tolist() == values.tolist() and got_offsets.tolist() == offsets.tolist()


def test_it_is_smaller_than_four_bytes_a_value():
    values, offsets = _sets(np.random.default_rng(1), 200, 1200)
    low, bits, bit_lens = pack(values, offsets)
    assert (len(low) + len(bits)) / len(values) < 3.3


def test_unsorted_rows_are_refused():
    with pytest.raises(ValueError, match="sorted distinct"):
        pack(np.array([5, 3], dtype=np.uint32), np.array([0, 2]))
    with pytest.raises(ValueError, match="sorted distinct"):
        pack(np.array([5, 5], dtype=np.uint32), np.array([0, 2]))
    # a new row may start lower than the last one ended
    pack(np.array([5, 3], dtype=np.uint32), np.array([0, 1, 2]))


def test_damaged_bits_are_noticed():
    values, offsets = _sets(np.random.default_rng(2), 10, 50)
    low, bits, bit_lens = pack(values, offsets)
    bits = bits.copy()
    bits[0] ^= 0xFF
    with pytest.raises(ValueError, match="damaged"):
        unpack(low, bits, offsets, offsets_of(bit_lens), np.arange(10))


SEEDS = {f"d{i}": f"story number {i} " + " ".join(f"w{(i * 7 + j) % 97}" for j in range(60))
         for i in range(30)}  # fmt: skip


def test_a_loaded_index_mixes_mapped_and_packed_sets(tmp_path):
    index = Index()
    index.add_many(dict(list(SEEDS.items())[:20]))
    index.save(tmp_path / "x.idx")
    loaded = Index.load(tmp_path / "x.idx")
    loaded.add_many(dict(list(SEEDS.items())[20:]))
    whole = Index()
    whole.add_many(SEEDS)
    rows = np.array([25, 3, 19, 20, 0, 29, 3])
    got, want = loaded.store.fetch(rows), whole.store.fetch(rows)
    assert got.ids == want.ids
    assert got.set_values.tolist() == want.set_values.tolist()
    assert got.set_offsets.tolist() == want.set_offsets.tolist()
    assert loaded.pairs() == whole.pairs()
    for text in list(SEEDS.values())[::7]:
        assert loaded.query(text) == whole.query(text)


def test_sets_survive_removal_and_compaction():
    index = Index()
    index.add_many(SEEDS)
    before = {d: index.signature(d).tolist() for d in SEEDS}
    for doc_id in list(SEEDS)[:24]:  # enough to compact the columns
        index.remove(doc_id)
    assert index.store._ids.rows == 6  # compacted: the rows were packed again
    assert {d: index.signature(d).tolist() for d in index.ids()} == {
        d: before[d] for d in list(SEEDS)[24:]
    }


def test_plain_and_packed_stores_answer_the_same():
    from dedupe.store import MemoryStore

    plain, packed = Index(store=MemoryStore(pack_sets=False)), Index()
    plain.add_many(SEEDS)
    packed.add_many(SEEDS)
    assert plain.store._sets._plain_rows == len(SEEDS)  # noqa: SLF001 (kept plain)
    assert packed.store._sets._plain_rows == 0  # noqa: SLF001
    assert plain.pairs() == packed.pairs()
    rows = np.array([4, 0, 29])
    assert (
        plain.store.fetch(rows).set_values.tolist() == packed.store.fetch(rows).set_values.tolist()
    )
    # the packed store keeps neither plain passage keys nor band keys: it recomputes
    # the band keys from the sets, equal to those put
    assert packed.store._keys._plain_rows == 0 and packed.store._band_rows == 0  # noqa: SLF001
    assert plain.store._band_rows == len(SEEDS)  # noqa: SLF001
    want, got = plain.store.columns(), packed.store.columns()
    assert got.band_keys.tolist() == want.band_keys.tolist()
    assert got.sketch.key_values.tolist() == want.sketch.key_values.tolist()
    for text in list(SEEDS.values())[:5]:
        assert plain.query(text) == packed.query(text)


def test_a_loaded_index_keeps_its_band_keys_and_recomputes_those_added(tmp_path):
    """A file's rows come mapped with their band keys; rows added later keep none. Both
    kinds answer as an index built in one go, after a removal that compacts too."""
    docs = list(SEEDS.items())
    first = Index()
    first.add_many(docs[:20])
    first.save(tmp_path / "a.idx")
    loaded = Index.load(tmp_path / "a.idx")
    loaded.add_many(docs[20:])
    assert loaded.store._band_rows == 20  # noqa: SLF001 (the file's block)
    whole = Index()
    whole.add_many(docs)
    assert loaded.store.columns().band_keys.tolist() == whole.store.columns().band_keys.tolist()
    assert loaded.pairs() == whole.pairs()
    for doc_id, _ in docs[:24]:  # enough to compact the columns
        loaded.remove(doc_id)
        whole.remove(doc_id)
    assert loaded.store._ids.rows == len(loaded) == 6  # noqa: SLF001 (compacted)
    assert loaded.store._band_rows == 0  # noqa: SLF001 (put again: none kept)
    assert loaded.pairs() == whole.pairs()
    for _, text in docs[:6] + docs[-6:]:
        assert loaded.query(text) == whole.query(text)


def test_packing_a_chunk_at_a_time_gives_the_same_bytes(monkeypatch):
    """pack and unpack work PACK_CHUNK and TAKE_CHUNK values at a time; rows longer than
    a chunk and empty rows before the first value come through whole."""
    import dedupe.flat
    import dedupe.packing

    rng = np.random.default_rng(3)
    values, offsets = _sets(rng, 60, 400)
    offsets = np.concatenate(([0, 0], offsets))  # two empty rows first
    whole = pack(values, offsets)
    monkeypatch.setattr(dedupe.packing, "PACK_CHUNK", 50)  # shorter than most rows
    monkeypatch.setattr(dedupe.packing, "TAKE_CHUNK", 50)
    monkeypatch.setattr(dedupe.flat, "TAKE_CHUNK", 50)
    chunked = pack(values, offsets)
    assert all(a.tolist() == b.tolist() for a, b in zip(whole, chunked))
    rows = np.concatenate((np.arange(62), rng.integers(0, 62, 40)))
    got = unpack(*chunked[:2], offsets, offsets_of(chunked[2]), rows)
    want = take(values, offsets, rows)
    assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()
