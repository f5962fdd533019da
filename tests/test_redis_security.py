"""Issue 24 on a real redis-server: a script call is done whole or not at all at the
largest write batch, errors say what happened, ids and namespaces with special characters
round-trip, and a restarted server is waited for while it loads its data."""

from __future__ import annotations

import random
import uuid

import numpy as np
import pytest

from dedupe import Index
from dedupe.errors import (
    DuplicateIdError,
    IndexNotFoundError,
    InvalidParameterError,
    StoreError,
    UnknownIdError,
)

redis = pytest.importorskip("redis", reason="the redis package is not installed")

from dedupe.store.redis import MAX_WRITE_BATCH, RedisStore  # noqa: E402

#: Index parameters that make a document cost 2 postings: many documents in one call.
FEW_POSTINGS = {"num_perm": 4, "bands": 1, "short_text": 0}


def short_docs(n: int, prefix: str = "d", seed: int = 1) -> dict[str, str]:
    rng = random.Random(seed)
    return {f"{prefix}{i}": " ".join(f"w{rng.randrange(3000)}" for _ in range(8)) for i in range(n)}


@pytest.fixture
def big(redis_server):
    """A store at the largest write batch, counting its PUT calls (documents per call)."""
    store = RedisStore(
        redis_server.url, namespace=f"big-{uuid.uuid4().hex[:8]}", write_batch=MAX_WRITE_BATCH
    )
    store.calls = []
    script = store._script

    def counting(name, args):
        if name == "PUT":
            store.calls.append((len(args) - 4) // 4)  # sha, replace, linger, version; docs
        return script(name, args)

    store._script = counting
    yield store
    store.delete_namespace()


def _counter(store: RedisStore) -> int:
    client = redis.Redis.from_url(store.url)
    return int(client.get(f"{store.prefix}next") or 0)


def test_write_batch_has_a_stated_bound():
    RedisStore("redis://localhost", namespace="a", write_batch=MAX_WRITE_BATCH)
    with pytest.raises(
        InvalidParameterError, match=f"write_batch must be between 1 and {MAX_WRITE_BATCH}"
    ):
        RedisStore("redis://localhost", namespace="a", write_batch=10**7)


def test_the_largest_write_batch_writes_many_documents_in_one_atomic_call(big):
    """`write_batch=10**7` and 5,000 short documents failed inside the PUT script (too many
    results to unpack) after writing postings: `check()` found dangling keys. At the
    largest batch, 20,000 documents (40,000 postings) go in one call, whole."""
    docs = short_docs(20_000)
    index, memory = Index(store=big, **FEW_POSTINGS), Index(**FEW_POSTINGS)
    index.add_many(docs)
    memory.add_many(docs)
    assert big.calls == [20_000]  # one script call: HMGET, HSET, ZADD of 20,000 ids each
    assert big.check()["documents"] == 20_000 and _counter(big) == 20_000
    assert index.ids() == memory.ids()
    for text in list(docs.values())[::997]:
        assert index.query(text) == memory.query(text)
    big.drop(list(docs)[:15_000])  # DROP calls of EVICT_BATCH ids: HDEL, ZREM, DEL
    assert big.check()["documents"] == 5_000


def test_a_refused_call_at_the_largest_batch_writes_nothing(big, monkeypatch):
    """A batch whose last id another writer added meanwhile is refused by the script
    before its first write: no posting, no document, the row counter where it was."""
    index = Index(store=big, **FEW_POSTINGS)
    index.add("d19999", "an earlier writer added this one")
    before = _counter(big)
    monkeypatch.setattr(big, "contains_many", lambda ids: np.zeros(len(ids), dtype=bool))
    with pytest.raises(DuplicateIdError, match="'d19999' is already in the index"):
        index.add_many(short_docs(20_000))
    assert big.calls[-1] == 20_000
    assert index.ids() == ["d19999"] and _counter(big) == before
    assert big.check()["documents"] == 1


# ----------------------------------------------------------------- errors say what happened
def test_a_full_row_counter_is_said_not_a_lost_namespace(big):
    """`SET dedupe:{ns}:next 4294967294` made every add say 'namespace is gone ...
    rebuild it'. The row counter is full: said so, and nothing of the batch is written,
    at the largest batch too."""
    index = Index(store=big, **FEW_POSTINGS)
    index.add("first", "a first text of a few words")
    client = redis.Redis.from_url(big.url)
    client.set(f"{big.prefix}next", 4294967294)
    with pytest.raises(StoreError, match="used its 4,294,967,294 document rows") as err:
        index.add("second", "another text of a few words")
    assert "gone" not in str(err.value) and "merge" in str(err.value)
    client.set(f"{big.prefix}next", 4294967295 - 100)
    with pytest.raises(StoreError, match="nothing of this batch was written"):
        index.add_many(short_docs(20_000))
    assert big.calls[-1] == 20_000 and _counter(big) == 4294967295 - 100
    assert index.ids() == ["first"] and big.check()["documents"] == 1


def test_ids_with_line_breaks_are_named_exactly_in_script_errors(big, monkeypatch):
    """Redis turns line breaks of an error reply into spaces: the scripts name an id by
    its position in the call, and the message shows it as repr does."""
    index = Index(store=big)
    index.add("cr\r\nlf", "a first text of a few words")
    monkeypatch.setattr(big, "contains_many", lambda ids: np.zeros(len(ids), dtype=bool))
    with pytest.raises(DuplicateIdError) as err:  # found by the PUT script
        index.add_many({"ok": "other words here", "cr\r\nlf": "more words of a text"})
    assert "'cr\\r\\nlf' is already in the index" in str(err.value)
    monkeypatch.setattr(big, "rows", lambda ids: None)  # as if removed meanwhile
    with pytest.raises(UnknownIdError) as err:  # found by the DROP script
        big.drop(["cr\r\nlf", "new\nline"])
    assert "'new\\nline'" in str(err.value)
    assert index.ids() == ["cr\r\nlf"]


def test_unknown_script_errors_are_not_called_a_lost_namespace(redis_server):
    store = RedisStore(redis_server.url, namespace="never-written")
    store._seen = True  # the namespace was seen: a 'notfound' would say it is gone
    with pytest.raises(StoreError, match="does not know .*DEDUPE weird 7"):
        with store._errors():
            raise redis.exceptions.ResponseError("DEDUPE weird 7")
    with pytest.raises(StoreError, match="a dedupe script failed .*run RedisStore.check"):
        with store._errors():
            raise redis.exceptions.ResponseError("user_script:12: too many results to unpack")
    with pytest.raises(IndexNotFoundError, match="is gone"):
        with store._errors():
            raise redis.exceptions.ResponseError("DEDUPE notfound")


# ----------------------------------------------------------------- special characters
SPECIAL_IDS = [
    "with space",
    "new\nline",
    "cr\r\nlf",
    "tab\tid",
    "\u00fcn\u00efc\u00f6d\u00e9 \u2713 \u4e2d\u6587 \U0001f600",
    "{braces}",
    "{ns}:d:1",
    "a:b:c",
    "star*",
    "glob?[x]\\",
    "dedupe:{other}:ids",
]


def test_ids_with_special_characters_round_trip(big):
    rng = random.Random(3)
    words = [f"w{i}" for i in range(400)]
    docs = {k: " ".join(rng.choice(words) for _ in range(60)) for k in SPECIAL_IDS}
    docs["copy of braces"] = docs["{braces}"] + " and a few more words"
    index, memory = Index(store=big), Index()
    index.add_many(docs)
    memory.add_many(docs)
    assert index.ids() == memory.ids() == list(docs)
    assert all(k in big for k in docs) and big.contains_many(list(docs)).all()
    for text in docs.values():
        assert index.query(text) == memory.query(text)
    assert index.pairs() == memory.pairs()
    for doc_id in ("new\nline", "star*", "{ns}:d:1"):
        index.remove(doc_id)
        memory.remove(doc_id)
    assert index.ids() == memory.ids()
    assert big.check()["documents"] == len(docs) - 3


def test_namespaces_with_special_characters_stay_apart(redis_server):
    names = ["n", "n:x", "n/x.y-z", "N", "n" * 128]
    stores = [RedisStore(redis_server.url, namespace=ns) for ns in names]
    for k, store in enumerate(stores):
        Index(store=store).add_many({f"{k}-a": "some words of a text", f"{k}-b": "other words"})
    assert stores[0].delete_namespace() > 0
    with pytest.raises(IndexNotFoundError):
        Index.open(RedisStore(redis_server.url, namespace="n"))
    for k, store in enumerate(stores[1:], start=1):
        assert Index.open(store).ids() == [f"{k}-a", f"{k}-b"]
        store.check()
        store.delete_namespace()
    for bad in ("a b", "{a}", "a}", "a*", "a?", "", "-a", "n" * 129, "a\nb"):
        with pytest.raises(InvalidParameterError, match="namespace"):
            RedisStore(redis_server.url, namespace=bad)


# ----------------------------------------------------------------- a restarted server
def _restart_loading(server, *, delay_us: int) -> object:
    """Stop ``server`` and start redis-server again on its folder and port, loading each
    key ``delay_us`` microseconds slowly (redis-server's own ``key-load-delay`` setting,
    which its test suite uses to hold a real LOADING state): a restart replaying a large
    append-only file. Returns the process once it answers ``-LOADING``."""
    import socket
    import subprocess
    import time

    from benchmarks.redis_server import find_redis_server

    server.stop()
    args = [
        find_redis_server(), "--port", str(server.port), "--bind", "127.0.0.1",
        "--dir", str(server.folder), "--daemonize", "no", "--save", "",
        "--appendonly", "yes", "--maxmemory-policy", "noeviction",
        "--logfile", str(server.folder / "redis-loading.log"),
        "--key-load-delay", str(delay_us), "--loading-process-events-interval-bytes", "1024",
    ]  # fmt: skip
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"-LOADING"):
                    return process
        except OSError:
            pass
        time.sleep(0.02)
    process.kill()
    process.wait()
    pytest.fail("the restarted redis-server never answered -LOADING")


def test_a_restarted_server_still_loading_is_waited_for(tmp_path, seeds, monkeypatch):
    """After a restart, Redis replays its data and answers LOADING meanwhile: Index.open
    said 'cannot reach Redis ... is the server running'. It now waits, up to the store's
    timeout, and then says the server is still loading. The LOADING state is real: a
    restarted redis-server loading 30,000 keys slowly (key-load-delay)."""
    import threading
    import time

    import dedupe.store.redis as redis_store
    from benchmarks.redis_server import RedisServer, ServerUnavailable

    server = RedisServer(tmp_path / "aof", persist=True)
    try:
        server.start()
    except ServerUnavailable as err:
        pytest.skip(str(err))
    process = None
    try:
        index = Index(store=RedisStore(server.url, namespace="kept"))
        index.add_many(seeds)
        answers = {k: index.query(t) for k, t in seeds.items()}
        client = redis.Redis.from_url(server.url)
        for lo in range(0, 30_000, 5_000):  # other data, for a long replay
            client.mset({f"filler:{i}": "x" for i in range(lo, lo + 5_000)})
        client.bgrewriteaof()  # the data in the append-only file's snapshot part
        while any(client.info("persistence")[k] for k in ("aof_rewrite_in_progress",
                                                          "aof_rewrite_scheduled")):  # fmt: skip
            time.sleep(0.05)
        process = _restart_loading(server, delay_us=2000)  # about 60 s of loading

        with pytest.raises(StoreError, match="still loading its data after 1 s"):
            Index.open(RedisStore(server.url, namespace="kept", timeout=1))

        waited = threading.Event()
        real_sleep = time.sleep

        def sleep(seconds: float) -> None:
            waited.set()
            real_sleep(seconds)

        def finish_loading() -> None:  # once the store has waited: load the rest at once
            waited.wait(60)
            redis.Redis(port=server.port).config_set("key-load-delay", 0)

        monkeypatch.setattr(redis_store.time, "sleep", sleep)
        helper = threading.Thread(target=finish_loading)
        helper.start()
        try:
            store = RedisStore(server.url, namespace="kept", timeout=60)
            reopened = Index.open(store)
        finally:
            waited.set()
            helper.join()
        assert {k: reopened.query(t) for k, t in seeds.items()} == answers
        assert store.check()["documents"] == len(seeds)
    finally:
        if process is not None:
            process.kill()
            process.wait()
        server.stop()
