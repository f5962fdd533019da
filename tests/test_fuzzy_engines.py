"""Fuzzy mode on a RedisStore (issue 21): a Redis index gives the very answers of the
in-memory fuzzy index, against a real redis-server (the ``redis_server`` fixture; skipped,
saying why, without one). The Spark engine's fuzzy tests are in tests/test_spark.py, on its
one session (started in an earlier module, Spark's threads would turn the worker processes
of the modules after it into serial fallbacks).
"""

from __future__ import annotations

import uuid

import numpy as np
import pytest

import dedupe
from dedupe import Index
from dedupe.errors import ParameterMismatchError

RATES = (0.03, 0.08, 0.15)  # of the noisy_collection fixture (conftest.py)


def answers(index: Index, texts: dict[str, str]) -> dict[str, list[dict]]:
    return {k: [m.to_dict() for m in index.query(t)] for k, t in texts.items()}


# ------------------------------------------------------------------------------ Redis


@pytest.fixture
def redis_store(redis_server):
    """A fresh namespace on the test server, deleted after the test."""
    from dedupe.store.redis import RedisStore

    store = RedisStore(redis_server.url, namespace=f"fuzzy-{uuid.uuid4().hex[:10]}")
    yield store
    store.delete_namespace()


@pytest.mark.parametrize("inline", [True, False], ids=["lookup-sends-docs", "fetch"])
def test_a_fuzzy_redis_index_answers_as_the_memory_one(
    redis_store, noisy_collection, inline, monkeypatch
):
    import dedupe.store.redis as redis_module

    if not inline:  # every query fetches its candidates in a second call
        monkeypatch.setattr(redis_module, "LOOKUP_DOCS", 0)
    originals = {k: v for k, v in noisy_collection.items() if len(k) == 3}
    index, memory = Index(store=redis_store, fuzzy=True), Index(fuzzy=True)
    index.add_many(originals)
    memory.add_many(originals)
    got = answers(index, noisy_collection)
    assert got == answers(memory, noisy_collection)
    for key in ("001", "002", "003", "004"):  # every noisy copy finds its original
        for k in range(len(RATES)):
            first = got[f"{key}-ocr{k}"][0]
            assert first["b"] == key and first["fuzzy"] >= 0.9, (key, k, first)
    assert index.pairs() == memory.pairs()
    redis_store.check()


def test_fuzzy_words_are_stored_removed_and_evicted_with_their_document(
    redis_store, noisy_collection
):
    docs = {k: v for k, v in noisy_collection.items() if k[:3] in ("002", "003")}
    times = {k: float(i) for i, k in enumerate(docs)}
    index, memory = Index(store=redis_store, fuzzy=True), Index(fuzzy=True)
    index.add_many(docs, timestamps=times)
    memory.add_many(docs, timestamps=times)
    columns = redis_store.columns()
    words = columns.sketch.text_values, columns.sketch.text_offsets
    kept = memory.store.columns().sketch
    assert words[0].tobytes() == kept.text_values.tobytes()
    assert words[1].tolist() == kept.text_offsets.tolist()
    for gone in ("002", "003-ocr1"):
        index.remove(gone)
        memory.remove(gone)
    index.add("003-ocr1", docs["003-ocr1"] + " Reprinted.", timestamp=99.0)  # a new row
    memory.add("003-ocr1", docs["003-ocr1"] + " Reprinted.", timestamp=99.0)
    assert index.evict(before=2.0) == memory.evict(before=2.0) == 1
    assert answers(index, docs) == answers(memory, docs)
    assert index.pairs() == memory.pairs()
    redis_store.check()


def test_check_finds_a_fuzzy_document_without_its_words(redis_store, seeds):
    """A packed document written without its words (as a plain index writes it) in a fuzzy
    namespace is reported, never read as a document with no words."""
    from dedupe.errors import StoreError
    from dedupe.sketch import Sketch
    from dedupe.store.redis import _blobs

    def strip_words(doc_id: str) -> None:
        i = redis_store.ids().index(doc_id)
        columns = redis_store.columns()
        one = columns.sketch.take(np.array([i]))
        plain = Sketch(one.set_values, one.set_offsets, one.key_values, one.key_offsets)
        (blob,) = _blobs([doc_id], plain, columns.band_keys[[i]], columns.timestamps[[i]])
        row = int(redis_store.rows([doc_id])[0])
        redis_store._client.set(f"{redis_store.prefix}d:{row}", blob)

    index = Index(store=redis_store, fuzzy=True)
    index.add("002", seeds["002"])
    redis_store.check()
    strip_words("002")  # the only document: every document lacks its words
    with pytest.raises(StoreError, match="fuzzy index whose documents lack their fuzzy words"):
        redis_store.check()
    index.add("003", seeds["003"])  # with its words: a mix
    with pytest.raises(StoreError, match="with and without fuzzy words"):
        redis_store.check()


def test_a_fuzzy_namespace_refuses_other_parameters(redis_server, redis_store, seeds):
    from dedupe.store.redis import RedisStore

    Index(store=redis_store, fuzzy=True).add_many(seeds)
    same = RedisStore(redis_server.url, namespace=redis_store.namespace)
    with pytest.raises(ParameterMismatchError, match="fuzzy"):
        Index(store=same)
    with pytest.raises(ParameterMismatchError, match="fuzzy"):
        Index(store=same, fuzzy=False)
    assert Index.open(same).params.fuzzy
    plain = RedisStore(redis_server.url, namespace=redis_store.namespace + "-plain")
    try:
        Index(store=plain).add_many(seeds)
        with pytest.raises(ParameterMismatchError, match="fuzzy"):
            Index(store=RedisStore(redis_server.url, namespace=plain.namespace), fuzzy=True)
    finally:
        plain.delete_namespace()


def test_a_fuzzy_redis_index_survives_a_server_restart(persistent_redis, noisy_collection):
    from dedupe.store.redis import RedisStore

    server = persistent_redis
    originals = {k: v for k, v in noisy_collection.items() if len(k) == 3}
    index = Index(store=RedisStore(server.url, namespace="fuzzy-kept"), fuzzy=True)
    index.add_many(originals)
    before = answers(index, noisy_collection)
    server.stop()
    server.start()  # same folder and port: the append-only file is replayed
    reopened = Index.open(RedisStore(server.url, namespace="fuzzy-kept"))
    assert reopened.params.fuzzy
    assert answers(reopened, noisy_collection) == before
    assert answers(index, noisy_collection) == before  # the same objects reconnect
    reopened.store.check()


def test_fuzzy_writes_keep_the_write_batch_bound(
    redis_server, redis_store, noisy_collection, monkeypatch
):
    """The words travel inside their document: a batch of PUT calls still holds at most
    write_batch postings (or one document), and every document arrives whole."""
    from dedupe.store.redis import RedisStore

    store = RedisStore(redis_server.url, namespace=redis_store.namespace, write_batch=300)
    calls, script = [], store._script

    def counting(name, args):
        if name == "PUT":
            calls.append(len(args[3:]) // 3)  # id, score, packed document (words inside)
        return script(name, args)

    monkeypatch.setattr(store, "_script", counting)
    index, memory = Index(store=store, fuzzy=True), Index(fuzzy=True)
    index.add_many(noisy_collection)
    memory.add_many(noisy_collection)
    sketch, bands = memory._sketch(list(noisy_collection.values()))
    postings = (sketch.key_counts() + bands.shape[1]).tolist()
    assert sum(calls) == len(noisy_collection) and len(calls) > 1
    at = 0
    for n in calls:
        assert n == 1 or sum(postings[at : at + n]) <= 300
        at += n
    assert index.pairs() == memory.pairs()
    store.check()


def test_a_fuzzy_redis_index_saves_to_a_file_and_merges(
    redis_server, redis_store, noisy_collection, tmp_path
):
    from dedupe.store.redis import RedisStore

    originals = {k: v for k, v in noisy_collection.items() if len(k) == 3}
    index = Index(store=redis_store, fuzzy=True)
    index.add_many(originals)
    index.save(tmp_path / "f.idx")
    loaded = Index.load(tmp_path / "f.idx")
    assert loaded.params.fuzzy and answers(loaded, noisy_collection) == answers(
        index, noisy_collection
    )
    other = RedisStore(redis_server.url, namespace=redis_store.namespace + "-merged")
    try:
        merged = Index(store=other, fuzzy=True)
        merged.merge(loaded)
        assert answers(merged, noisy_collection) == answers(index, noisy_collection)
        other.check()
        with pytest.raises(ParameterMismatchError, match="fuzzy"):
            merged.merge(Index())
    finally:
        other.delete_namespace()


def test_cli_builds_and_queries_a_fuzzy_redis_namespace(
    redis_server, redis_store, noisy_collection, tmp_path, capsys
):
    import json

    from dedupe.cli import main
    from dedupe.store.redis import RedisStore

    def call(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    target = ["--redis", redis_server.url, "--namespace", redis_store.namespace]
    docs = tmp_path / "docs.jsonl"
    originals = {k: v for k, v in noisy_collection.items() if len(k) == 3}
    docs.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in originals.items()))
    query = tmp_path / "q.txt"
    query.write_text(noisy_collection["004-ocr2"], encoding="utf-8")
    assert call("index", "build", *target, "--fuzzy", "-q", str(docs))[0] == 0
    library = dedupe.Index.open(RedisStore(redis_server.url, namespace=redis_store.namespace))
    assert library.params.fuzzy
    status, out, _ = call("index", "query", *target, str(query))
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and rows == [m.to_dict() for m in library.query(query.read_text())]
    assert rows[0]["b"] == "004" and rows[0]["fuzzy"] >= 0.9
    status, out, _ = call("index", "stats", *target, "--json")
    assert status == 0 and json.loads(out)["fuzzy"] is True
