"""Issue 24 on a real redis-server: a script call is done whole or not at all at the
largest write batch, errors say what happened, ids and namespaces with special characters
round-trip, and a restarted server is waited for while it loads its data."""

from __future__ import annotations

import random
import uuid

import numpy as np
import pytest

from dedupe import Index
from dedupe.errors import DuplicateIdError, InvalidParameterError

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
            store.calls.append((len(args) - 3) // 3)
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
