from __future__ import annotations

import os
import random

import numpy as np
import pytest

from dedupe import Index, IndexParams
from dedupe.errors import (
    DuplicateIdError,
    IndexFormatError,
    IndexNotFoundError,
    ParameterMismatchError,
)

WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi".split()


def build(n: int = 40, **kwargs) -> tuple[Index, dict[str, str]]:
    rng = random.Random(1)
    texts = {f"doc-{i}/é": " ".join(rng.choice(WORDS) for _ in range(80)) for i in range(n)}
    texts["copy"] = texts["doc-0/é"] + " and a tail"
    index = Index(**kwargs)
    index.add_many(texts)
    return index, texts


def test_round_trip_keeps_everything(tmp_path):
    index, texts = build(jaccard=0.4, containment=0.6)
    index.remove("doc-3/é")
    path = tmp_path / "wire.idx"
    index.save(path)
    loaded = Index.load(path)
    assert loaded.ids() == index.ids()
    assert loaded.params == index.params and loaded.thresholds() == index.thresholds()
    assert loaded.pairs() == index.pairs()
    assert loaded.query(texts["doc-5/é"]) == index.query(texts["doc-5/é"])
    assert np.array_equal(loaded.signature("copy"), index.signature("copy"))
    loaded.add("new", "fresh text for the loaded index")  # still a live index
    assert "new" in loaded


def test_truncated_file(tmp_path):
    index, _ = build()
    path = tmp_path / "x.idx"
    index.save(path)
    blob = path.read_bytes()
    for cut in (4, 30, len(blob) // 2, len(blob) - 1):
        path.write_bytes(blob[:cut])
        with pytest.raises(IndexFormatError, match="truncated|corrupt"):
            Index.load(path)


def test_corrupt_payload_and_header(tmp_path):
    index, _ = build()
    path = tmp_path / "x.idx"
    index.save(path)
    blob = bytearray(path.read_bytes())
    flipped = bytearray(blob)
    flipped[-20] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(IndexFormatError, match="checksum"):
        Index.load(path)
    flipped = bytearray(blob)
    flipped[40] ^= 0x01
    path.write_bytes(bytes(flipped))
    with pytest.raises(IndexFormatError, match="header"):
        Index.load(path)


def test_empty_file_is_reported_as_empty(tmp_path):
    path = tmp_path / "empty.idx"
    path.write_bytes(b"")
    with pytest.raises(IndexFormatError, match=r"empty \(0 bytes\)"):
        Index.load(path)


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(IndexNotFoundError, match="no such index file"):
        Index.load(tmp_path / "nope.idx")


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04 a zip file", b"\x89PNG\r\n\x1a\n" * 10, b'{"format": "dedupe-index"}'],
)
def test_foreign_files(tmp_path, content):
    path = tmp_path / "foreign.idx"
    path.write_bytes(content)
    with pytest.raises(IndexFormatError, match="not a dedupe index|truncated"):
        Index.load(path)


def test_a_folder_is_not_an_index_file(tmp_path):
    with pytest.raises(IndexFormatError, match="folder"):
        Index.load(tmp_path)


def test_newer_version_is_refused(tmp_path):
    index, _ = build(n=3)
    path = tmp_path / "x.idx"
    index.save(path)
    blob = bytearray(path.read_bytes())
    blob[8] = 99
    path.write_bytes(bytes(blob))
    with pytest.raises(IndexFormatError, match="version 99"):
        Index.load(path)


def test_parameter_mismatch_on_load_and_merge(tmp_path):
    index, _ = build(n=5, ngram=4)
    path = tmp_path / "x.idx"
    index.save(path)
    with pytest.raises(ParameterMismatchError, match="ngram: 5 here, 4"):
        Index.load(path, expect=IndexParams())
    other = Index()
    with pytest.raises(ParameterMismatchError, match="ngram"):
        other.merge(index)


def test_merge_same_parameters():
    a, texts = build(n=5)
    b = Index()
    b.add("extra", texts["doc-1/é"])
    b.merge(a)
    assert len(b) == len(a) + 1
    assert {m.b for m in b.query(texts["doc-1/é"])} >= {"extra", "doc-1/é"}
    with pytest.raises(DuplicateIdError):
        b.merge(a)


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    index, _ = build(n=5)
    path = tmp_path / "x.idx"
    index.save(path)
    before = path.read_bytes()
    index.add("more", "another document with words")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        index.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.idx"]


def test_other_hash_scheme_is_refused(tmp_path):
    import hashlib
    import json
    import struct

    index, _ = build(n=3)
    path = tmp_path / "x.idx"
    index.save(path)
    blob = path.read_bytes()
    magic, version, hlen = struct.unpack_from("<8sIQ", blob)
    header = json.loads(blob[20 : 20 + hlen])
    header["params"]["hash_scheme"] = "sha1-per-shingle"
    head = json.dumps(header).encode()
    rest = blob[20 + hlen + 32 :]
    path.write_bytes(
        struct.pack("<8sIQ", magic, version, len(head))
        + head
        + hashlib.sha256(head).digest()
        + rest
    )
    with pytest.raises(IndexFormatError, match="hash scheme 'sha1-per-shingle'.*rebuild"):
        Index.load(path)


def test_index_file_written_by_version_0_1_loads_with_the_same_answers(seeds):
    """tests/fixtures/index-v1-seeds.idx was saved by dedupe 0.1.0 (before the storage
    interface); its JSON twin holds what that version answered."""
    import json
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures"
    expected = json.loads((fixtures / "index-v1-seeds.json").read_text(encoding="utf-8"))
    loaded = Index.load(fixtures / "index-v1-seeds.idx")
    assert loaded.ids() == expected["ids"]
    thresholds = loaded.thresholds()  # options added since take their defaults
    assert {k: thresholds[k] for k in expected["thresholds"]} == expected["thresholds"]
    params = loaded.params.to_dict()
    assert {k: params[k] for k in expected["params"]} == expected["params"]
    assert params["short_text"] == 0  # 0.1 indexed no short-text keys: the file says so
    assert loaded.signature("001")[:8].tolist() == expected["signature_001_head"]
    assert [m.to_dict() for m in loaded.pairs()] == expected["pairs"]
    for key, text in seeds.items():
        assert [m.to_dict() for m in loaded.query(text)] == expected["queries"][key]
    # and an index built today from the same texts answers the same
    fresh = Index(**expected["thresholds"])
    fresh.add_many(seeds)
    assert fresh.pairs() == loaded.pairs()


def test_load_maps_the_file_instead_of_reading_it(tmp_path):
    index, texts = build()
    path = tmp_path / "x.idx"
    index.save(path)
    loaded = Index.load(path)
    columns = loaded.store.columns()
    assert not columns.sketch.set_values.flags.writeable  # a view of the mapped file
    assert loaded.pairs() == index.pairs()
    loaded.add("more", texts["doc-2/é"] + " more words")  # appends leave the file alone
    assert {m.b for m in loaded.query(texts["doc-2/é"])} >= {"doc-2/é", "more"}
    assert Index.load(path).ids() == index.ids()


def test_timestamps_survive_save_and_load(tmp_path):
    index = Index()
    index.add_many({"old": "an old story about grain", "new": "a new story about oil"},
                   timestamps=[100.0, 200.0])  # fmt: skip
    index.add("undated", "a story with no date at all")
    index.save(tmp_path / "t.idx")
    loaded = Index.load(tmp_path / "t.idx")
    assert loaded.evict(before=150) == 1 and loaded.ids() == ["new", "undated"]


def _rewrite(path, **changes) -> None:
    """Write the file again with some arrays changed (checksums recomputed: only the
    reader's checks can catch it)."""
    from dedupe.store.file import read_index, write_index

    f = read_index(path)
    fields = dict(
        params=f.params, thresholds=f.thresholds, ids=f.ids, timestamps=np.array(f.timestamps),
        sketch=f.sketch, band_keys=np.array(f.band_keys), created_by=f.created_by,
        postings=None if f.postings is None else np.array(f.postings),
    )  # fmt: skip
    fields.update(changes)
    tmp = path.with_suffix(".tmp")
    write_index(tmp, **fields)
    os.replace(tmp, path)


@pytest.mark.parametrize("removed", [False, True])
def test_a_loaded_index_keeps_its_query_postings(tmp_path, removed):
    index, texts = build()
    if removed:  # rows renumbered in the file: the postings are built from the columns
        index.remove("doc-3/é")
        index.remove("doc-7/é")
    index.query(texts["doc-1/é"])  # postings built before the save (reused when they can)
    path = tmp_path / "x.idx"
    index.save(path)
    loaded = Index.load(path)
    store = loaded.store
    assert store._posted == len(loaded) and not store._postings[0].flags.writeable  # mapped
    assert store._postings[0].flags.aligned  # worked on in place, never copied whole
    for doc_id in ["doc-1/é", "doc-5/é", "copy"]:
        assert loaded.query(texts[doc_id]) == index.query(texts[doc_id])
    assert loaded.pairs() == index.pairs()
    _rewrite(path, postings=None)  # a file without postings (older writers): built on demand
    plain = Index.load(path)
    assert plain.store._posted == 0
    assert plain.query(texts["doc-5/é"]) == index.query(texts["doc-5/é"])
    loaded.add("more", texts["doc-2/é"] + " and more words")  # a live index after loading
    assert {m.b for m in loaded.query(texts["doc-2/é"])} >= {"doc-2/é", "more"}


def test_crafted_postings_are_refused(tmp_path):
    import shutil

    from dedupe.store.file import read_index

    index, _ = build()
    saved, path = tmp_path / "good.idx", tmp_path / "x.idx"
    index.save(saved)
    good = np.array(read_index(saved).postings)
    for bad, message in [
        (good[::-1].copy(), "not sorted"),
        (good[:-1].copy(), "postings for"),
        (np.sort(good | np.uint64(0xFFFF)), "row the file does not have"),
    ]:
        shutil.copy(saved, path)
        _rewrite(path, postings=bad)
        with pytest.raises(IndexFormatError, match=message):
            Index.load(path)


def test_the_memory_store_looks_up_the_largest_key():
    """A band key may be 0xFFFFFFFF: the end of its postings must not wrap around (it
    raised ValueError), whether the postings are one sorted run or two."""
    from dedupe.sketch import sketch_texts
    from dedupe.store import MemoryStore

    sk = sketch_texts(["a b c d e f", "x y z"], ngram=5, window=8, num_perm=8, seed=1)
    top, other = 0xFFFFFFFF, 2**31 + 5
    store = MemoryStore()
    store.put(["a", "b"], sk, np.array([[top, other], [top, other + 1]]), np.full(2, np.nan))
    hits = store.lookup(np.array([other, top], np.uint32), np.full(2, 10))
    assert hits.df.tolist() == [1, 2] and hits.rows.tolist() == [0, 0, 1]
    store.put(["c"], sk.take([0]), np.array([[top, other]]), np.full(1, np.nan))  # a 2nd run
    hits = store.lookup(np.array([other, top], np.uint32), np.full(2, 1))
    assert hits.df.tolist() == [2, 3] and hits.key_index.tolist() == [0, 1]
    assert hits.rows.tolist() == [0, 0]  # past max_df: the earliest row only


def test_index_file_of_the_affine32_scheme_loads_with_the_same_answers(seeds):
    """tests/fixtures/index-v2-affine32-seeds.idx was saved before band keys became
    one-permutation (hash scheme .../affine32); its JSON twin holds what it answered.
    Loaded, it keeps its scheme: a query's band keys are cut from datasketch signatures,
    equal to the stored ones of the same text."""
    import json
    from pathlib import Path

    from dedupe.lsh import sketch_for_store
    from dedupe.sketch import AFFINE_HASH_SCHEME, HASH_SCHEME

    fixtures = Path(__file__).parent / "fixtures"
    expected = json.loads((fixtures / "index-v2-affine32-seeds.json").read_text(encoding="utf-8"))
    loaded = Index.load(fixtures / "index-v2-affine32-seeds.idx")
    assert loaded.params.hash_scheme == AFFINE_HASH_SCHEME != HASH_SCHEME
    assert loaded.params.to_dict() == expected["params"]
    assert loaded.ids() == expected["ids"]
    assert [m.to_dict() for m in loaded.pairs()] == expected["pairs"]
    for key, text in seeds.items():
        assert [m.to_dict() for m in loaded.query(text)] == expected["queries"][key]
    stored = loaded.store.columns().band_keys.reshape(len(seeds), loaded.params.bands)
    for row, key in enumerate(expected["ids"]):
        _, bands = sketch_for_store([seeds[key]], loaded.params)
        assert np.array_equal(bands[0], stored[row])
    # an index of today's scheme gives the same pairs, with other band keys
    fresh = Index(jaccard=0.1, containment=0.1)
    fresh.add_many(seeds)
    assert fresh.params.hash_scheme == HASH_SCHEME
    assert fresh.pairs() == loaded.pairs()
    assert not np.array_equal(fresh.store.columns().band_keys, loaded.store.columns().band_keys)
