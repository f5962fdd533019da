"""RedisStore against a real redis-server (started by the ``redis_server`` fixture).

The Redis index must answer exactly as the in-memory one, whatever the order of concurrent
writers, and never show part of a document. Skipped, saying why, when no server can be
started or the redis package is missing.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sys
import uuid
import warnings
from pathlib import Path

import numpy as np
import pytest

import dedupe
from dedupe import Index
from dedupe.errors import (
    DuplicateIdError,
    IndexFormatError,
    IndexNotFoundError,
    InvalidParameterError,
    ParameterMismatchError,
    StoreError,
    UnknownIdError,
)

redis = pytest.importorskip("redis", reason="the redis package is not installed")

from dedupe.store import redis as redis_store  # noqa: E402
from dedupe.store.redis import RedisPolicyWarning, RedisStore  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks/ is a top-level folder, not an installed package

WORDS = (
    "the minister said on monday that new rail line will open in may and carry ten thousand "
    "passengers a day between two cities officials added cost rose sharply after delays "
    "workers union strike talks government budget plan shares fell investors outlook"
).split()
BOILERPLATE = (
    "Copyright 2024 The Daily Wire Service. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed without the written permission of "
    "the publisher."
)


def make_text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def stream(n: int = 60, seed: int = 1) -> dict[str, str]:
    """Stories, their excerpts and near-copies, and a footer shared by a third of them."""
    rng = random.Random(seed)
    docs: dict[str, str] = {}
    for i in range(n):
        if i >= 6 and rng.random() < 0.5:
            src = docs[f"d{rng.randrange(i)}"].split()
            lo = rng.randint(0, max(0, len(src) - 40))
            text = " ".join(src[lo : lo + rng.randint(20, 80)] + make_text(rng, 15).split())
        else:
            text = make_text(rng, rng.randint(20, 150))
        docs[f"d{i}"] = text + ("\n\n" + BOILERPLATE if i % 3 == 0 else "")
    return docs


@pytest.fixture
def store(redis_server):
    """A fresh namespace, deleted after the test."""
    s = RedisStore(redis_server.url, namespace=f"test-{uuid.uuid4().hex[:10]}")
    yield s
    s.delete_namespace()


def new_store(server, namespace: str | None = None, **kwargs) -> RedisStore:
    return RedisStore(server.url, namespace=namespace or f"t-{uuid.uuid4().hex[:10]}", **kwargs)


def as_pairs(matches) -> list[tuple]:
    """Matches without the orientation (which follows insertion order)."""
    out = []
    for m in matches:
        a, b, ab, ba = m.a, m.b, m.containment_ab, m.containment_ba
        if a > b:
            a, b, ab, ba = b, a, ba, ab
        out.append((a, b, round(m.jaccard, 12), round(ab, 12), round(ba, 12), m.kind))
    return sorted(out)


# ----------------------------------------------------------------- same answers as memory
def test_seeds_answer_as_the_memory_index(store, seeds):
    index, memory = Index(store=store), Index()
    index.add_many(seeds)
    memory.add_many(seeds)
    assert index.ids() == memory.ids() == sorted(seeds)
    assert len(index) == 5 and "001" in index and "zzz" not in index
    for text in seeds.values():
        assert index.query(text) == memory.query(text)
    assert index.pairs() == memory.pairs()
    assert [c.members for c in index.clusters()] == [("000", "001")]
    assert np.array_equal(index.signature("003"), memory.signature("003"))
    store.check()


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    from benchmarks.generate import generate

    corpus = generate(1100, seed=3, min_paragraphs=2, max_paragraphs=5)
    return dict(list(corpus.docs.items())[:2000])


def test_a_generated_collection_answers_as_the_memory_index(store, generated):
    """2,000 generated articles and re-publications: every query, pairs and clusters."""
    index, memory = Index(store=store), Index()
    items = list(generated.items())
    for lo in range(0, len(items), 250):  # batches, as an ingest process adds them
        index.add_many(items[lo : lo + 250])
    memory.add_many(items)
    assert index.ids() == memory.ids()
    texts = list(generated.values())
    answers = [memory.query(text) for text in texts]
    assert [index.query(text) for text in texts] == answers
    assert [a for lo in range(0, 2000, 128) for a in index.query_many(texts[lo : lo + 128])] == (
        answers
    )
    pairs = index.pairs()
    assert len(pairs) > 500 and pairs == memory.pairs()
    assert index.clusters(pairs) == memory.clusters(pairs)
    store.check()


@pytest.mark.parametrize("max_key_docs", [3, 200])
def test_hot_keys_and_removals_keep_answers_and_postings_right(store, max_key_docs, monkeypatch):
    """A footer shared by a third of the documents makes keys held by many; buckets are
    compacted (their rows kept apart), capped keys give their earliest row; removing,
    replacing and evicting documents leaves the postings exact."""
    # several script calls a batch (the fixture's namespace, so it is cleaned up after)
    store = RedisStore(store.url, namespace=store.namespace, write_batch=400)
    docs = stream(90)
    index = Index(store=store, max_key_docs=max_key_docs, jaccard=0.3, containment=0.3)
    memory = Index(max_key_docs=max_key_docs, jaccard=0.3, containment=0.3)
    for idx in (index, memory):
        idx.add_many(docs, timestamps={k: float(i) for i, k in enumerate(docs)})
    assert store.check()["documents"] == 90
    rng = random.Random(5)
    for doc_id in rng.sample(sorted(docs), 25):
        index.remove(doc_id)
        memory.remove(doc_id)
    for doc_id in rng.sample(index.ids(), 10):
        text = docs[doc_id] + " " + make_text(rng, 30)
        index.add(doc_id, text, replace=True, timestamp=100.0)
        memory.add(doc_id, text, replace=True, timestamp=100.0)
    assert index.evict(before=30.0) == memory.evict(before=30.0) > 0
    assert index.ids() == memory.ids()
    for text in docs.values():
        assert index.query(text) == memory.query(text)
    assert index.pairs() == memory.pairs()
    store.check()


def _count_commands(monkeypatch) -> list:
    """The list every command sent to the server is appended to from now on."""
    sent: list = []
    real = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return real(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


def test_a_query_costs_one_round_trip_or_two(store, seeds, monkeypatch):
    import dedupe.store.redis

    index = Index(store=store)
    index.add_many(seeds)
    index.query(seeds["000"])  # scripts loaded, server checked
    sent = _count_commands(monkeypatch)
    expected = index.query(seeds["000"])
    assert [m.b for m in expected] == ["000", "001"]
    assert len(sent) == 1  # one lookup script, which sent the few documents it found along
    monkeypatch.setattr(dedupe.store.redis, "LOOKUP_DOCS", 1)  # found more than that:
    index.query(seeds["000"])  # the fetch script loaded too (alone, no test loaded it)
    sent.clear()
    assert index.query(seeds["000"]) == expected
    assert len(sent) == 2  # one lookup script, one fetch of the candidates


# ----------------------------------------------------------------- concurrent processes
def _writer(url: str, namespace: str, items: list, barrier, done, out) -> None:
    try:
        index = Index.open(RedisStore(url, namespace=namespace))
        barrier.wait()
        for lo in range(0, len(items), 5):
            index.add_many(items[lo : lo + 5], replace=True)
        out.put(("ok", None))
    except Exception as err:  # reported to the test
        out.put((type(err).__name__, str(err)))
    finally:
        done.release()


def _reader(url: str, namespace: str, texts: list, expected: list, barrier, done, out) -> None:
    """Query while the writers write (until both are done): every match must score exactly
    as the complete documents do; a half-written document would not."""
    try:
        index = Index.open(RedisStore(url, namespace=namespace))
        barrier.wait()
        bad, seen, rounds = [], 0, 0
        while rounds < 2 or done.get_value() < 2:
            rounds += 1
            for i, text in enumerate(texts):
                for m in index.query(text):
                    seen += 1
                    if expected[i].get(m.b) != (m.shared, m.size_b):
                        bad.append((i, m.b, m.shared, m.size_b))
        out.put(("ok", (bad, seen, rounds)))
    except Exception as err:
        out.put((type(err).__name__, str(err)))


def test_concurrent_writers_end_as_a_serial_build(redis_server):
    """Two processes add disjoint and overlapping ids at once while a third queries."""
    docs = stream(400, seed=7)
    items = list(docs.items())
    first, second = items[:250], items[150:][::-1]  # ids 150-249 are added by both
    namespace = f"conc-{uuid.uuid4().hex[:8]}"
    Index(store=RedisStore(redis_server.url, namespace=namespace)).add("seed", "a first text")
    serial = Index()
    serial.add("seed", "a first text")
    serial.add_many(items)
    texts = [docs[f"d{i}"] for i in range(0, 400, 20)]
    expected = [{m.b: (m.shared, m.size_b) for m in serial.query(t)} for t in texts]
    ctx = multiprocessing.get_context("fork")
    barrier, done, out = ctx.Barrier(3), ctx.Semaphore(0), ctx.Queue()
    url = redis_server.url
    procs = [
        ctx.Process(target=_writer, args=(url, namespace, first, barrier, done, out)),
        ctx.Process(target=_writer, args=(url, namespace, second, barrier, done, out)),
        ctx.Process(target=_reader, args=(url, namespace, texts, expected, barrier, done, out)),
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert all(status == "ok" for status, _ in results), results
    (bad, seen, rounds) = next(r for s, r in results if r is not None)
    assert seen > 0 and bad == []
    store = RedisStore(redis_server.url, namespace=namespace)
    index = Index.open(store)
    assert sorted(index.ids()) == sorted(serial.ids())
    store.check()  # no dangling posting, none missing
    for text in docs.values():
        assert index.query(text) == serial.query(text)
    assert as_pairs(index.pairs()) == as_pairs(serial.pairs())
    store.delete_namespace()


def _racer(url: str, namespace: str, barrier, out) -> None:
    try:
        index = Index.open(RedisStore(url, namespace=namespace))
        barrier.wait()
        index.add("same", "the very same story, filed twice by two desks at once")
        out.put("added")
    except DuplicateIdError:
        out.put("duplicate")


def test_two_writers_adding_one_new_id_one_wins(redis_server):
    namespace = f"race-{uuid.uuid4().hex[:8]}"
    Index(store=RedisStore(redis_server.url, namespace=namespace)).add("x", "a first text")
    ctx = multiprocessing.get_context("fork")
    for _ in range(3):
        store = RedisStore(redis_server.url, namespace=namespace)
        if "same" in store:
            store.drop(["same"])
        barrier, out = ctx.Barrier(2), ctx.Queue()
        procs = [
            ctx.Process(target=_racer, args=(redis_server.url, namespace, barrier, out))
            for _ in range(2)
        ]
        for p in procs:
            p.start()
        got = sorted(out.get(timeout=60) for _ in procs)
        for p in procs:
            p.join(timeout=30)
        assert got == ["added", "duplicate"]
        store.check()
    store.delete_namespace()


def test_a_batch_that_meets_a_raced_id_is_taken_back(store, monkeypatch):
    """A batch split into several script calls stops at an id another writer added
    meanwhile, and the documents it had added are removed again."""
    store = RedisStore(store.url, namespace=store.namespace, write_batch=100)
    docs = stream(30)
    index = Index(store=store)
    index.add("keep", "a document that stays")
    raced = Index.open(RedisStore(store.url, namespace=store.namespace))
    original = store.contains_many

    def stale(ids):  # the batch checked its ids before the other writer added d25
        if "d25" not in set(ids):
            return original(ids)
        raced.add("d25", docs["d25"])
        return np.zeros(len(ids), dtype=bool)

    monkeypatch.setattr(store, "contains_many", stale)
    with pytest.raises(DuplicateIdError, match="'d25' is already in the index"):
        index.add_many(docs)
    assert sorted(index.ids()) == ["d25", "keep"]
    store.check()


# ----------------------------------------------------------------- date window
def test_evict_and_retention_on_redis(store, redis_server):
    docs = stream(40, seed=3)
    times = {k: 86400.0 * i for i, k in enumerate(docs)}
    index = Index(store=store)
    index.add_many(docs, timestamps=times)
    index.add("undated", "a story with no date at all")
    assert store.newest() == 86400.0 * 39
    cut = 86400.0 * 25
    assert index.evict(before=cut) == 25
    fresh = Index()
    fresh.add_many({k: v for k, v in docs.items() if times[k] >= cut})
    fresh.add("undated", "a story with no date at all")
    assert index.ids() == fresh.ids()
    assert index.pairs() == fresh.pairs()
    for text in docs.values():
        assert index.query(text) == fresh.query(text)
    store.check()

    windowed = Index(store=new_store(redis_server), retention=10 * 86400.0)
    for doc_id, text in docs.items():
        windowed.add(doc_id, text, timestamp=times[doc_id])
    assert windowed.ids() == [f"d{i}" for i in range(29, 40)]
    windowed.store.delete_namespace()


def test_a_removed_document_stays_readable_to_a_query_under_way(redis_server, seeds):
    lingering = new_store(redis_server)
    index = Index(store=lingering)
    index.add_many(seeds)
    rows = lingering.rows(["001"])
    index.remove("001")
    assert lingering.fetch(rows).ids == ["001"]  # looked up before, read after: whole
    eager = new_store(redis_server, linger=0)
    index = Index(store=eager)
    index.add_many(seeds)
    rows = eager.rows(["001"])
    index.remove("001")
    with pytest.raises(StoreError, match="removed .* while they were read"):
        eager.fetch(rows)
    lingering.delete_namespace()
    eager.delete_namespace()


# ----------------------------------------------------------------- open, mismatch, errors
def test_open_takes_the_stored_parameters_and_refuses_others(store, seeds):
    Index(store=store, ngram=4, jaccard=0.3).add_many(seeds)
    opened = Index.open(store)
    assert opened.params.ngram == 4 and opened.jaccard == 0.3 and len(opened) == 5
    assert Index.open(store, jaccard=0.6).jaccard == 0.6
    with pytest.raises(ParameterMismatchError, match="ngram: 5 here, 4 in RedisStore"):
        Index(store=store)
    with pytest.raises(InvalidParameterError, match="unknown threshold"):
        Index.open(store, ngrams=3)


def test_two_new_indexes_with_other_parameters_race_for_a_namespace(redis_server):
    url, namespace = redis_server.url, f"new-{uuid.uuid4().hex[:8]}"
    a = Index(store=RedisStore(url, namespace=namespace))
    b = Index(store=RedisStore(url, namespace=namespace), num_perm=64)
    a.add("x", "some words of a text")
    with pytest.raises(ParameterMismatchError, match="num_perm"):
        b.add("y", "other words of a text")
    assert a.ids() == ["x"]
    a.store.delete_namespace()


def test_open_refuses_a_namespace_that_does_not_exist(redis_server):
    store = new_store(redis_server, namespace="no-such-namespace")
    with pytest.raises(IndexNotFoundError, match="no index in RedisStore.*no-such-namespace"):
        Index.open(store)
    assert len(store) == 0 and store.ids() == [] and "x" not in store


def test_a_refused_connection_names_the_server_without_password():
    from benchmarks.redis_server import _free_port

    url = f"redis://reader:s3cret@127.0.0.1:{_free_port()}/0"
    with pytest.raises(StoreError) as err:
        Index(store=RedisStore(url, namespace="x", timeout=2))
    text = str(err.value)
    assert f"redis://reader@127.0.0.1:{url.rsplit(':', 1)[1]}" in text
    assert "s3cret" not in text and "refused" in text.lower()
    assert redis_store.safe_url("rediss://:pw@h:1/0?password=pw") == "rediss://h:1/0"


def test_bad_arguments_are_refused():
    with pytest.raises(InvalidParameterError, match="namespace"):
        RedisStore("redis://localhost", namespace="")
    with pytest.raises(InvalidParameterError, match="namespace"):
        RedisStore("redis://localhost", namespace="has{brace}")
    with pytest.raises(InvalidParameterError, match="timeout"):
        RedisStore("redis://localhost", namespace="a", timeout=0)
    with pytest.raises(InvalidParameterError, match="check_policy"):
        RedisStore("redis://localhost", namespace="a", check_policy="maybe")
    with pytest.raises(InvalidParameterError, match="write_batch"):
        RedisStore("redis://localhost", namespace="a", write_batch=0)
    with pytest.raises(InvalidParameterError, match="not a usable Redis URL"):
        RedisStore("http://localhost", namespace="a")
    with pytest.raises(TypeError, match="cannot be pickled"):
        import pickle

        pickle.dumps(RedisStore("redis://localhost", namespace="a"))


def test_an_evicting_server_is_refused_or_warned_about(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.config_set("maxmemory-policy", "allkeys-lru")
    try:
        with pytest.raises(StoreError, match="maxmemory-policy allkeys-lru.*noeviction"):
            len(new_store(redis_server))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert len(new_store(redis_server, check_policy="warn")) == 0
        assert any(issubclass(w.category, RedisPolicyWarning) for w in caught)
        assert len(new_store(redis_server, check_policy="off")) == 0
    finally:
        client.config_set("maxmemory-policy", "noeviction")


def test_save_merge_and_unknown_ids(store, seeds, tmp_path):
    index = Index(store=store)
    index.add_many({k: v for k, v in seeds.items() if k != "004"})
    memory = Index()
    memory.add("004", seeds["004"])
    index.merge(memory)
    with pytest.raises(DuplicateIdError):
        index.merge(memory)
    index.save(tmp_path / "w.idx")
    loaded = Index.load(tmp_path / "w.idx")
    assert loaded.ids() == index.ids() and loaded.pairs() == index.pairs()
    with pytest.raises(UnknownIdError):
        index.remove("nope")
    with pytest.raises(UnknownIdError):
        store.drop(["000", "nope"])
    assert len(index) == 5  # nothing removed


# ----------------------------------------------------------------- metadata
TITLES = {"000": {"title": "Rail line opens", "outlet": "Wire"}, "001": {"title": "Zürich ✓"}}


def _read_metadata(url: str, namespace: str, ids: list[str]) -> str:
    """What another process reads (run by ``python -c``): metadata_many and columns."""
    import subprocess

    code = (
        "import json, sys; from dedupe import Index, RedisStore; "
        "index = Index.open(RedisStore(sys.argv[1], namespace=sys.argv[2])); "
        "print(json.dumps([index.metadata_many(sys.argv[3:]), "
        "index.store.columns().metadata]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url, namespace, *ids],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout


def test_metadata_is_stored_with_each_document_for_every_process(redis_server, seeds):
    """Written by one process, read by another (and by a fresh client); removed, replaced
    and evicted with its document, and no metadata string is left behind."""
    writer = Index(store=new_store(redis_server, linger=0))
    times = dict(zip(seeds, [10.0, 20.0, 30.0, 40.0, 50.0]))
    writer.add_many(seeds, timestamps=times, metadata=TITLES)
    ns = writer.store.namespace
    many, columns = json.loads(_read_metadata(redis_server.url, ns, ["001", "002", "zzz"]))
    assert many == {"001": {"title": "Zürich ✓"}, "002": {}}  # zzz: not in the index
    assert columns == TITLES and list(columns["000"]) == ["title", "outlet"]  # as given
    reader = Index.open(new_store(redis_server, namespace=ns, linger=0))
    assert reader.metadata("000") == TITLES["000"] and reader.metadata("003") == {}
    with pytest.raises(UnknownIdError, match="'zzz'"):
        reader.metadata("zzz")
    group = reader.group(clusters="components", representative="title")
    assert [c.representative for c in group.clusters] == ["000"]  # by title: read here
    assert reader.store.check()["with_metadata"] == 2

    writer.add("001", seeds["001"], replace=True, timestamp=20.0)  # takes none: has none
    writer.add("004", seeds["004"], replace=True, timestamp=50.0, metadata={"t": "new"})
    assert reader.metadata("001") == {} and reader.metadata("004") == {"t": "new"}
    reader.remove("004")
    assert writer.metadata_many(["004", "000"]) == {"000": TITLES["000"]}
    assert reader.evict(before=15.0) == 1  # 000, its metadata with it
    assert writer.metadata_many(["000"]) == {} and reader.store.check()["with_metadata"] == 0
    client = redis.Redis.from_url(redis_server.url)
    assert client.keys(f"dedupe:{{{ns}}}:m:*") == []  # nothing left behind
    writer.store.delete_namespace()


def test_removed_metadata_lingers_with_its_document(store, seeds):
    index = Index(store=store)
    index.add_many(seeds, metadata=TITLES)
    (row,) = store.rows(["000"]).tolist()
    index.remove("000")
    client = redis.Redis.from_url(store.url)
    name = f"{store.prefix}m:{row}"
    assert json.loads(client.get(name)) == TITLES["000"] and client.pttl(name) > 0
    store.check()  # lingering metadata is no stray
    client.persist(name)  # as if a release that kept no metadata had removed it
    with pytest.raises(StoreError, match=f"metadata m:{row} of no document"):
        store.check()


def test_metadata_costs_no_round_trip_of_add_or_query(store, seeds, monkeypatch):
    index = Index(store=store)
    index.add("x", "a first document, so that the scripts are loaded")
    index.query(seeds["000"])
    sent = _count_commands(monkeypatch)
    index.add_many({k: seeds[k] for k in ("002", "003")})
    plain = len(sent)
    sent.clear()
    index.add_many({k: seeds[k] for k in ("000", "001")}, metadata=TITLES)
    assert len(sent) == plain  # the metadata went with the documents, in the same script
    sent.clear()
    matches = index.query(seeds["000"])
    assert [m.b for m in matches] == ["000", "001"] and len(sent) == 1  # as without metadata
    index.metadata_many(["000"])  # its script loaded (alone, no test loaded it)
    sent.clear()
    assert index.metadata_many(m.b for m in matches) == TITLES and len(sent) == 1


def test_a_reader_never_sees_a_document_without_its_metadata(redis_server):
    """A writer adds documents with metadata while a reader, on its own connection, lists
    the ids and reads their metadata: every document it finds has its title."""
    import threading

    docs = stream(120, seed=5)
    writer = Index(store=new_store(redis_server))
    writer.add("d-first", "a first document")
    ns = writer.store.namespace
    reader = Index.open(new_store(redis_server, namespace=ns))
    items = list(docs.items())

    failed: list[Exception] = []

    def write() -> None:
        try:
            for lo in range(0, len(items), 4):
                part = dict(items[lo : lo + 4])
                writer.add_many(part, metadata={d: {"title": f"T {d}"} for d in part})
        except Exception as err:  # reported below
            failed.append(err)

    thread = threading.Thread(target=write)
    thread.start()
    seen, writing = set(), True
    while writing:
        writing = thread.is_alive()  # one more round once the writer is done
        got = reader.metadata_many([d for d in reader.ids() if d != "d-first"])
        assert all(fields == {"title": f"T {d}"} for d, fields in got.items()), got
        seen.update(got)
    thread.join()
    assert not failed and len(seen) == len(docs)
    writer.store.delete_namespace()


def test_an_index_of_the_layout_without_metadata_loads_and_answers(store, seeds):
    """A namespace of version 1 (written before metadata was kept on Redis) answers {};
    the first document with metadata records version 2; a later version is refused."""
    client = redis.Redis.from_url(store.url)
    index = Index(store=store)
    index.add_many(seeds)
    assert client.hget(f"{store.prefix}meta", "version") == b"1"  # older releases read it
    reopened = Index.open(RedisStore(store.url, namespace=store.namespace))
    assert reopened.metadata("000") == {} and reopened.store.columns().metadata == {}
    assert [m.b for m in reopened.query(seeds["000"])] == ["000", "001"]
    index.add("new", "a story that has a title", metadata={"title": "T"})
    assert client.hget(f"{store.prefix}meta", "version") == b"2"
    assert reopened.metadata("new") == {"title": "T"}
    client.hset(f"{store.prefix}meta", "version", "3")
    with pytest.raises(IndexFormatError, match="version 3 .* reads versions 1 to 2; upgrade"):
        Index.open(RedisStore(store.url, namespace=store.namespace))


def test_bad_or_damaged_metadata_is_refused(store, seeds):
    index = Index(store=store)
    with pytest.raises(InvalidParameterError, match="field 'n' is int, not str"):
        index.add("a", seeds["000"], metadata={"n": 3})
    with pytest.raises(InvalidParameterError, match="unknown document id 'zz'"):
        store.put(["a"], *Index()._sketch([seeds["000"]]), np.full(1, np.nan),
                  metadata={"zz": {"t": "x"}})  # fmt: skip
    assert "a" not in index  # nothing written
    index.add("a", seeds["000"], metadata={"title": "T"})
    (row,) = store.rows(["a"]).tolist()
    redis.Redis.from_url(store.url).set(f"{store.prefix}m:{row}", b"\xff not json")
    with pytest.raises(StoreError, match="metadata of 'a' is not a JSON object of strings"):
        index.metadata("a")


def test_dedupe_exports_redis_store_lazily():
    assert dedupe.RedisStore is RedisStore
    assert "RedisStore" in dedupe.__all__


# ----------------------------------------------------------------- restarts
def test_a_restart_with_persistence_keeps_the_index(persistent_redis, seeds):
    server = persistent_redis
    index = Index(store=RedisStore(server.url, namespace="kept"))
    index.add_many(seeds, timestamps=[1.0, 2.0, 3.0, 4.0, 5.0], metadata=TITLES)
    answers = {k: index.query(t) for k, t in seeds.items()}
    server.stop()
    server.start()  # same folder and port
    assert index.ids() == sorted(seeds)  # the same objects reconnect
    reopened = Index.open(RedisStore(server.url, namespace="kept"))
    assert {k: reopened.query(t) for k, t in seeds.items()} == answers
    assert reopened.metadata_many(seeds) == {k: TITLES.get(k, {}) for k in seeds}
    assert reopened.evict(before=3.0) == 2


def test_a_restart_without_persistence_is_a_clear_error(tmp_path, seeds):
    from benchmarks.redis_server import RedisServer, ServerUnavailable

    server = RedisServer(tmp_path / "mem")
    try:
        server.start()
    except ServerUnavailable as err:
        pytest.skip(str(err))
    try:
        store = RedisStore(server.url, namespace="lost")
        index = Index(store=store)
        index.add_many(seeds)
        server.stop()
        with pytest.raises(StoreError, match="cannot reach"):
            len(index)
        server.start()
        for call in (lambda: len(index), lambda: index.query(seeds["000"]),
                     lambda: index.add("x", "more words"), lambda: index.ids()):  # fmt: skip
            with pytest.raises(IndexNotFoundError, match="restarted without persistence"):
                call()
        with pytest.raises(IndexNotFoundError):
            Index.open(RedisStore(server.url, namespace="lost"))
    finally:
        server.stop()


# ----------------------------------------------------------------- command line
def test_the_index_commands_work_on_a_redis_namespace(redis_server, seeds, tmp_path, capsys):
    import json

    from dedupe.cli import main

    def call(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    ns = f"cli-{uuid.uuid4().hex[:8]}"
    target = ["--redis", redis_server.url, "--namespace", ns]
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in seeds.items()))
    early = tmp_path / "early.jsonl"
    early.write_text(json.dumps({"id": "old", "text": seeds["001"] + " an older copy"}) + "\n")

    query = tmp_path / "q.txt"
    query.write_text(seeds["000"], encoding="utf-8")
    status, _, err = call("index", "query", *target, str(query))
    assert status == 2 and f"no index in namespace '{ns}'" in err and "index build" in err
    assert call("index", "build", *target, str(early), "--ngram", "5", "-q",
                "--timestamp", "2024-01-01")[0] == 0  # fmt: skip
    status, _, err = call("index", "build", *target, str(early))
    assert status == 2 and "already holds an index" in err
    status, _, err = call("index", "add", *target, str(docs), "--timestamp", "now")
    assert status == 0 and f"namespace '{ns}' now holds 6 documents (+5)" in err

    library = Index.open(RedisStore(redis_server.url, namespace=ns))
    status, out, _ = call("index", "query", *target, str(query))
    assert status == 0
    assert [json.loads(line) for line in out.splitlines()] == [
        m.to_dict() for m in library.query(seeds["000"])
    ]
    status, out, _ = call("index", "query", *target, "--input", str(docs), "-k", "1")
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and [r["id"] for r in rows] == list(seeds)
    assert all(r["matches"][0]["b"] == r["id"] for r in rows)

    status, out, _ = call("index", "stats", *target, "--json", "--ids")
    stats = json.loads(out)
    assert status == 0 and stats["documents"] == 6 and stats["namespace"] == ns
    assert sorted(stats["ids"]) == sorted([*seeds, "old"]) and stats["ngram"] == 5
    assert "password" not in out

    status, _, err = call("index", "remove", *target, "nope", "004")
    assert status == 2 and "nothing was removed" in err and "004" in library
    assert call("index", "remove", *target, "004", "-q")[0] == 0
    status, _, err = call("index", "evict", *target, "--before", "2024-06-01")
    assert status == 0 and "evicted 1 document " in err and "now holds 4" in err
    assert sorted(library.ids()) == ["000", "001", "002", "003"]

    status, out, _ = call("provenance", str(query), *target, "--format", "json")
    traced = library.provenance(seeds["000"]).to_dict()
    assert status == 0 and json.loads(out)["sources"] == traced["sources"]
    assert traced["sources"] and json.loads(out)["index"] == f"redis namespace {ns}"
    status, _, err = call("provenance", str(query), *target, "--index", "x.idx")
    assert status == 2 and "not both" in err

    status, _, err = call("index", "stats", "--redis", redis_server.url)
    assert status == 2 and "--redis needs --namespace" in err
    library.store.delete_namespace()


def test_index_query_shows_the_metadata_stored_on_redis(redis_server, seeds, tmp_path, capsys):
    """The metadata of the records indexed by `index build --redis`, read back by every
    `index query` (another Index each time), in every format."""
    import subprocess

    from test_cli import check_query_metadata

    from dedupe.cli import main

    def call(*args: str) -> subprocess.CompletedProcess:
        capsys.readouterr()
        status = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), status, out, err)

    ns = f"cli-meta-{uuid.uuid4().hex[:8]}"
    check_query_metadata(call, ["--redis", redis_server.url, "--namespace", ns], seeds, tmp_path)
    RedisStore(redis_server.url, namespace=ns).delete_namespace()


@pytest.mark.parametrize("write_batch", [1, 300, 100_000])
def test_write_batch_bounds_the_postings_of_a_script_call(store, write_batch, monkeypatch):
    """Each PUT call writes at most write_batch postings, or one document; the result is
    the same whatever the batch."""
    store = RedisStore(store.url, namespace=store.namespace, write_batch=write_batch)
    calls, script = [], store._script

    def counting(name, args):
        if name == "PUT":
            calls.append(len(args[4:]) // 4)  # sha, replace, linger, version; then docs
        return script(name, args)

    monkeypatch.setattr(store, "_script", counting)
    docs = stream(40)
    index, memory = Index(store=store), Index()
    index.add_many(docs)
    memory.add_many(docs)
    sketch, bands = memory._sketch(list(docs.values()))
    postings = (sketch.key_counts() + bands.shape[1]).tolist()
    assert sum(calls) == 40
    at = 0
    for n in calls:
        assert n == 1 or sum(postings[at : at + n]) <= write_batch
        at += n
    expected = {1: 40, 100_000: 1}.get(write_batch)
    assert (len(calls) == expected) if expected else (len(calls) > 1)
    assert index.pairs() == memory.pairs()


def test_the_redis_benchmark_runs_with_a_write_batch(redis_server, tmp_path):
    """``python -m benchmarks --redis --tiny`` (its own server) records the write batch
    its writers used and answers like the in-memory index."""
    from benchmarks import redis_bench

    assert redis_bench.main(["--tiny", "--out", str(tmp_path), "--write-batch", "300"]) == 0
    results = json.loads((tmp_path / "redis.json").read_text())
    assert results["write_batch"] == 300
    d = results["dedupe"]
    assert d["docs"] > 0 and d["equal"] == d["checked"] > 0 and d["pairs_equal"]


# ----------------------------------------------------------------- the queries' connection
def _held_answers(index: Index, texts: list[str]) -> list[list]:
    return [[(m.b, m.shared, m.size_b) for m in index.query(t)] for t in texts]


def _indexed_twice(store, n: int, seed: int) -> tuple[Index, Index, list[str]]:
    """The same generated documents in an index on ``store`` and in memory, and their
    texts."""
    docs = stream(n, seed=seed)
    index, memory = Index(store=store), Index()
    index.add_many(docs)
    memory.add_many(docs)
    return index, memory, list(docs.values())


def test_queries_read_on_the_stores_own_connection(store):
    """LOOKUP and FETCH go through a connection the store keeps (not the client's pool),
    and answer as the in-memory index does."""
    index, memory, texts = _indexed_twice(store, 120, 11)
    texts = texts[::7]
    pool = store._client.connection_pool
    assert _held_answers(index, texts) == _held_answers(memory, texts)
    assert store._reader is not None and store._reader not in pool._available_connections
    assert store.fetch(np.array([1, 2])).ids == ["d0", "d1"]  # FETCH on it too


def test_an_interrupted_read_leaves_no_stale_reply(store, monkeypatch):
    """A query interrupted between sending its script and reading the reply closes the
    connection: the next query does not read the reply meant for the one before."""
    index, memory, texts = _indexed_twice(store, 80, 12)
    texts = texts[::5]
    index.query(texts[0])
    conn = store._reader
    real = type(conn).read_response

    def interrupted(self, *args, **kwargs):
        monkeypatch.setattr(type(conn), "read_response", real)
        raise KeyboardInterrupt

    monkeypatch.setattr(type(conn), "read_response", interrupted)
    with pytest.raises(KeyboardInterrupt):
        index.query(texts[1])
    assert _held_answers(index, texts) == _held_answers(memory, texts)


def test_queries_survive_a_killed_connection_and_flushed_scripts(store):
    index, memory, texts = _indexed_twice(store, 60, 13)
    texts = texts[::4]
    index.query(texts[0])
    admin = redis.Redis.from_url(store.url)
    admin.script_flush()  # the server forgets the scripts (as after a restart)
    assert _held_answers(index, texts) == _held_answers(memory, texts)
    assert admin.client_kill_filter(_type="normal", skipme=True) >= 1  # the store's too
    assert _held_answers(index, texts) == _held_answers(memory, texts)
    admin.close()


def test_threads_and_forked_processes_query_at_once(store):
    """Threads share the store (one holds its connection, the others take the pool's), and
    a forked process opens a connection of its own."""
    import threading

    index, memory, texts = _indexed_twice(store, 100, 14)
    want = _held_answers(memory, texts)
    index.query(texts[0])  # the parent's connection, open before the fork
    got: dict[int, list] = {}

    def run(k: int) -> None:
        got[k] = [_held_answers(index, texts) for _ in range(3)]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(answers == want for k in range(4) for answers in got[k])
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(
        target=lambda: out.put((_held_answers(index, texts), store._reader.pid == os.getpid()))
    )
    child.start()
    assert out.get(timeout=60) == (want, True)  # answered on a connection it opened
    child.join(timeout=30)
    assert _held_answers(index, texts) == want  # the parent's connection still in step
