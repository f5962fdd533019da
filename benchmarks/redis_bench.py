"""``python -m benchmarks --redis``: a live index on Redis, next to datasketch's Redis storage.

Starts its own ``redis-server`` on loopback (:mod:`benchmarks.redis_server`) and measures,
on Reuters-21578 in ``../shared/data`` (or ``--corpus PATH``; ``--corpus generated`` and
``--tiny`` take articles of :mod:`benchmarks.generate`; without Reuters and without
``--corpus`` the command stops and says so rather than measure other data):

* **ingest with readers:** ``--writers`` processes (2) add the corpus in batches of
  ``--batch`` documents (``Index.add_many``, each document dated) while ``--readers``
  processes (1) query texts of the corpus one at a time until the writers are done:
  documents added per second (all writers together, first start to last end), queries per
  second and query latency (p50, p99) during the ingest;
* **queries alone**, on the full index: the same with no writer running;
* **Redis memory per document:** growth of ``used_memory`` (``INFO memory``) over the
  ingest, divided by the documents stored;
* **round trips per query**, counted on the client's socket;
* **equality:** ``query()`` on the Redis index against the in-memory ``Index.query()`` for
  a sample of documents (``--check``, 2,000);
* **eviction:** ``evict(before=...)`` of the older half.

The same is measured for ``datasketch.MinHashLSH(threshold=0.5, num_perm=128,
storage_config={"type": "redis", ...})`` on the first ``--datasketch-docs`` documents
(2,000; it is slower), in the same run and on the same server (flushed between the two):
writers make ``MinHash.bulk`` signatures of each batch and insert them in an insertion
session (its batched, pipelined inserts); the reader makes one ``MinHash`` per query and
calls ``query`` (candidate keys, no scores). Shingles are ``dedupe.text.shingles`` for both.

With ``--latency-ms 0,0.5,2``, instead: both tools behind a network delay of each of those
milliseconds each way, one writer and one reader (:mod:`benchmarks.redis_latency`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from dedupe.store.redis import BATCH_POSTINGS

from . import redis_latency, report
from .loaders import CorpusError, load_jsonl
from .redis_server import RedisServer, ServerUnavailable

REPO = Path(__file__).resolve().parents[1]
REUTERS = REPO.parent / "shared" / "data" / "reuters21578.jsonl.gz"
README_BLOCK = "bench-redis"
#: The targets of issue 11 (2 cores): documents added and queries per second, p99 latency
#: in ms, Redis bytes per document, and the factor over datasketch on both rates.
TARGETS = {"inserts_s": 2000, "queries_s": 500, "p99_ms": 20.0, "bytes_doc": 4096, "factor": 10}
NAMESPACE = "bench"
DATASKETCH_BASENAME = b"dsbench"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks --redis",
        description="A live index on Redis (dedupe.RedisStore) with concurrent writers and "
        "readers, next to datasketch's Redis storage, on a redis-server of its own.",
    )
    p.add_argument("--corpus", metavar="PATH|generated",
                   help=f"JSONL(.gz) corpus, or 'generated' for generated articles (default: "
                   f"{REUTERS}; --tiny: generated)")  # fmt: skip
    p.add_argument("--limit", type=int,
                   help="use only the first N documents (default: all; with --latency-ms "
                   f"{redis_latency.DEFAULT_LIMIT:,})")  # fmt: skip
    p.add_argument("--writers", type=int, default=2, help="writer processes (default 2)")
    p.add_argument("--readers", type=int, default=1, help="reader processes (default 1)")
    p.add_argument("--batch", type=int, default=100, help="documents per add (default 100)")
    p.add_argument("--write-batch", type=int, default=BATCH_POSTINGS,
                   help="postings a writer's script call writes at most (RedisStore "
                   f"write_batch, default {BATCH_POSTINGS}): smaller gives readers lower "
                   "latency during the ingest, for fewer documents added per second")  # fmt: skip
    p.add_argument("--query-batch", type=int, default=16,
                   help="also run with readers asking query_many of this many texts at once "
                   "(default 16; 1: only single queries)")  # fmt: skip
    p.add_argument("--queries", type=int,
                   help="queries of the query-only phase (default 2000; with --latency-ms "
                   "500 query() calls and twice as many texts in query_many() calls)")  # fmt: skip
    p.add_argument("--check", type=int, default=2000,
                   help="documents whose Redis answers are compared with the in-memory "
                   "index (default 2000)")  # fmt: skip
    p.add_argument("--datasketch-docs", type=int, default=2000,
                   help="documents for datasketch (default 2000; with --latency-ms all of "
                   "them; 0: skip it)")  # fmt: skip
    p.add_argument("--latency-ms", type=redis_latency.parse_delays, metavar="MS[,MS...]",
                   help="instead: both tools through a proxy adding each of these delays in "
                   "each direction (e.g. 0,0.5,2), one writer, then one reader; writes the "
                   f"{redis_latency.README_BLOCK} block")  # fmt: skip
    p.add_argument(
        "--datasketch-queries",
        type=int,
        default=100,
        help="with --latency-ms: datasketch query() calls a run of a delay (default 100)",
    )
    p.add_argument("--repeats", type=int, default=3,
                   help="with --latency-ms: runs of every delay, the delays in turn "
                   "(default 3; --tiny 1)")  # fmt: skip
    p.add_argument("--tiny", action="store_true", help="a few seconds (for the tests)")
    p.add_argument("--out", type=Path, default=Path("bench-out"), help="output folder")
    p.add_argument("--no-progress", action="store_true", help="(accepted; prints no bar)")
    p.add_argument("--update-readme", "--update-results", action="store_true",
                   help=f"replace the {README_BLOCK} block of docs/results.md")  # fmt: skip
    p.add_argument("--readme", type=Path, default=report.RESULTS, help=argparse.SUPPRESS)
    return p


# ----------------------------------------------------------------- worker processes
def _dedupe_writer(target: tuple, items: list, batch: int, barrier: Any, out: Any) -> None:
    from dedupe import Index, RedisStore

    url, write_batch = target
    try:
        store = RedisStore(url, namespace=NAMESPACE, write_batch=write_batch)
        index = Index.open(store, workers=1)
        barrier.wait()
        start = time.monotonic()
        for lo in range(0, len(items), batch):
            part = items[lo : lo + batch]
            index.add_many([(d, t) for d, t, _ in part], timestamps=[w for _, _, w in part])
        out.put(("writer", len(items), start, time.monotonic(), None))
    except Exception as err:  # the parent reports it
        out.put(("writer", 0, 0.0, 0.0, f"{type(err).__name__}: {err}"))


def _dedupe_reader(target: tuple, texts: list, until: Any, limit: int | None, barrier, out,
                   batch: int = 1) -> None:  # fmt: skip
    from dedupe import Index, RedisStore

    url, _ = target
    try:
        index = Index.open(RedisStore(url, namespace=NAMESPACE), workers=1)
        query = index.query if batch == 1 else index.query_many
        _read(query, texts, until, limit, barrier, out, batch)
    except Exception as err:
        out.put(("reader", [], 0.0, 0.0, f"{type(err).__name__}: {err}"))


def _read(query: Any, texts: list, until: Any, limit: int | None, barrier, out,
          batch: int = 1) -> None:  # fmt: skip
    """Query ``texts`` in turn until ``until`` (writers done) or ``limit`` queries; with
    ``batch`` > 1, that many at once (each query's latency is its batch's)."""
    if barrier is not None:
        barrier.wait()
    latencies: list[float] = []
    start = time.monotonic()
    i = 0
    while (limit is not None and i < limit) or (limit is None and until.get_value() == 0):
        chunk = [texts[(i + j) % len(texts)] for j in range(batch)]
        t = time.monotonic()
        query(chunk if batch > 1 else chunk[0])
        latencies += [time.monotonic() - t] * batch
        i += batch
    out.put(("reader", latencies, start, time.monotonic(), None))


def _ds_lsh(port: int) -> Any:
    from datasketch import MinHashLSH

    return MinHashLSH(
        threshold=0.5,
        num_perm=128,
        storage_config={
            "type": "redis",
            "basename": DATASKETCH_BASENAME,
            "redis": {"host": "127.0.0.1", "port": port},
        },
    )


def _ds_sets(texts: list[str]) -> list[set[bytes]]:
    from dedupe.text import shingles

    return [{s.encode("utf-8") for s in shingles(t, ngram=5)} or {b""} for t in texts]


def _ds_writer(port: int, items: list, batch: int, barrier: Any, out: Any) -> None:
    from datasketch import MinHash

    try:
        lsh = _ds_lsh(port)
        barrier.wait()
        start = time.monotonic()
        for lo in range(0, len(items), batch):
            part = items[lo : lo + batch]
            hashes = MinHash.bulk(_ds_sets([t for _, t, _ in part]), num_perm=128, seed=1)
            with lsh.insertion_session(buffer_size=batch * 64) as session:
                for (doc_id, _, _), m in zip(part, hashes):
                    session.insert(doc_id, m)
        out.put(("writer", len(items), start, time.monotonic(), None))
    except Exception as err:
        out.put(("writer", 0, 0.0, 0.0, f"{type(err).__name__}: {err}"))


def _ds_query(lsh: Any) -> Any:
    from datasketch import MinHash

    def query(text: str) -> list:
        m = MinHash(num_perm=128, seed=1)
        m.update_batch(list(_ds_sets([text])[0]))
        return lsh.query(m)

    return query


def _ds_reader(port: int, texts: list, until: Any, limit: int | None, barrier, out,
               batch: int = 1) -> None:  # fmt: skip
    try:  # datasketch has no batched query: ``batch`` is accepted and ignored
        _read(_ds_query(_ds_lsh(port)), texts, until, limit, barrier, out)
    except Exception as err:
        out.put(("reader", [], 0.0, 0.0, f"{type(err).__name__}: {err}"))


# ----------------------------------------------------------------- one tool, one run
def _rates(results: list[tuple]) -> dict[str, Any]:
    errors = [r[4] for r in results if r[4]]
    if errors:
        raise RuntimeError("; ".join(errors))
    writers = [r for r in results if r[0] == "writer"]
    readers = [r for r in results if r[0] == "reader"]
    out: dict[str, Any] = {}
    if writers:
        span = max(r[3] for r in writers) - min(r[2] for r in writers)
        out.update(docs=sum(r[1] for r in writers), ingest_s=span,
                   inserts_s=sum(r[1] for r in writers) / span)  # fmt: skip
    if readers:
        lat = np.array([x for r in readers for x in r[1]]) * 1000
        span = max(r[3] for r in readers) - min(r[2] for r in readers)
        out.update(
            queries=len(lat),
            queries_s=len(lat) / span if span else None,
            p50_ms=float(np.percentile(lat, 50)) if len(lat) else None,
            p99_ms=float(np.percentile(lat, 99)) if len(lat) else None,
        )
    return out


def _concurrent(
    writer: Any,
    reader: Any,
    target: Any,
    items: list,
    texts: list,
    args: argparse.Namespace,
    batch: int = 1,
) -> dict[str, Any]:
    """``args.writers`` writers adding ``items`` (interleaved batches) while
    ``args.readers`` readers query ``texts`` until the writers are done."""
    ctx = multiprocessing.get_context("fork")
    n_w, n_r = args.writers, args.readers
    barrier, out, done = ctx.Barrier(n_w + n_r), ctx.Queue(), ctx.Semaphore(0)
    shares: list[list] = [[] for _ in range(n_w)]
    for k, lo in enumerate(range(0, len(items), args.batch)):
        shares[k % n_w] += items[lo : lo + args.batch]
    procs = [ctx.Process(target=writer, args=(target, s, args.batch, barrier, out))
             for s in shares]  # fmt: skip
    procs += [ctx.Process(target=reader,
                          args=(target, texts[k::n_r], done, None, barrier, out, batch))
              for k in range(n_r)]  # fmt: skip
    for p in procs:
        p.start()
    results = []
    for _ in range(n_w):
        results.append(out.get(timeout=3600))
    for _ in range(n_r):
        done.release()
    results += [out.get(timeout=600) for _ in range(n_r)]
    for p in procs:
        p.join(timeout=60)
    return _rates(results)


def _alone(reader: Any, target: Any, texts: list, n: int, batch: int = 1) -> dict[str, Any]:
    """One reader, nothing else running, ``n`` queries."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    p = ctx.Process(target=reader, args=(target, texts, None, n, None, out, batch))
    p.start()
    got = out.get(timeout=3600)
    p.join(timeout=60)
    return _rates([got])


def _round_trips(query: Any, texts: list[str], batch: int = 1) -> float:
    """Socket writes (round trips) per query call, counted in this process."""
    from .redis_latency import count_round_trips

    calls = [texts[i : i + batch] if batch > 1 else texts[i] for i in range(0, len(texts), batch)]
    query(calls[0])  # scripts loaded
    with count_round_trips() as sent:
        for c in calls:
            query(c)
    return sent[0] / len(calls)


def _used_memory(client: Any) -> int:
    return int(client.info("memory")["used_memory"])


def _run_dedupe(
    server: RedisServer, docs: dict[str, str], args: argparse.Namespace, batch: int, full: bool
) -> dict:
    """An ingest with concurrent queries (``batch`` texts a query call), then, with
    ``full``, queries alone, round trips, equality with the memory index and eviction."""
    import redis

    from dedupe import Index, IndexParams, RedisStore, Thresholds

    client = redis.Redis(port=server.port)
    client.flushall()
    store = RedisStore(server.url, namespace=NAMESPACE)
    store.record_meta(IndexParams(), Thresholds())
    before = _used_memory(client)
    items = [(d, t, float(i)) for i, (d, t) in enumerate(docs.items())]
    texts = list(docs.values())
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.permutation(len(texts))]
    out: dict[str, Any] = {"query_batch": batch}
    target = (server.url, args.write_batch)
    out["concurrent"] = _concurrent(_dedupe_writer, _dedupe_reader, target, items, sample,
                                    args, batch)  # fmt: skip
    client.execute_command("MEMORY", "PURGE")
    out["docs"] = len(store)
    out["redis_bytes"] = _used_memory(client) - before
    out["bytes_doc"] = out["redis_bytes"] / max(out["docs"], 1)
    out["describe"] = store.describe()
    out["alone"] = _alone(_dedupe_reader, target, sample, args.queries, batch)
    live = Index.open(store, workers=1)
    query = live.query if batch == 1 else live.query_many
    out["round_trips"] = _round_trips(query, sample[: 200 * batch], batch)
    if not full:
        return out
    # The memory index takes the documents in the live index's row order: which document
    # of a pair is ``a`` (the earlier) and the earliest holder of a capped key depend on it.
    memory = Index(workers=1)
    memory.add_many([(doc_id, docs[doc_id]) for doc_id in live.ids()])
    checked = sample[: args.check]
    out["checked"] = len(checked)
    out["equal"] = sum(live.query(t) == memory.query(t) for t in checked)
    out["pairs_equal"] = live.pairs() == memory.pairs()
    cut = float(len(items) // 2)
    t = time.monotonic()
    out["evicted"] = live.evict(before=cut)
    out["evict_s"] = time.monotonic() - t
    store.check()
    return out


def _run_datasketch(server: RedisServer, docs: dict[str, str], args: argparse.Namespace) -> dict:
    import redis

    client = redis.Redis(port=server.port)
    client.flushall()
    _ds_lsh(server.port)  # the LSH's keys layout, before the memory is measured
    before = _used_memory(client)
    items = [(d, t, 0.0) for d, t in docs.items()]
    texts = list(docs.values())
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.permutation(len(texts))]
    out = {"concurrent": _concurrent(_ds_writer, _ds_reader, server.port, items, sample, args)}
    client.execute_command("MEMORY", "PURGE")
    out["docs"] = len(items)
    out["redis_bytes"] = _used_memory(client) - before
    out["bytes_doc"] = out["redis_bytes"] / max(out["docs"], 1)
    out["alone"] = _alone(_ds_reader, server.port, sample, min(args.queries, 500))
    out["round_trips"] = _round_trips(_ds_query(_ds_lsh(server.port)), sample[:50])
    client.flushall()
    return out


def _run_all(
    server: RedisServer, docs: dict[str, str], args: argparse.Namespace, results: dict
) -> None:
    """dedupe with single and batched queries, then datasketch, into ``results``."""
    print(f"dedupe: {len(docs):,} documents ...", file=sys.stderr)
    results["dedupe"] = _run_dedupe(server, docs, args, 1, full=True)
    if args.query_batch > 1:
        print(f"dedupe, queries in batches of {args.query_batch} ...", file=sys.stderr)
        results["dedupe_batch"] = _run_dedupe(server, docs, args, args.query_batch, full=False)
    if args.datasketch_docs:
        subset = dict(list(docs.items())[: args.datasketch_docs])
        print(f"datasketch: {len(subset):,} documents ...", file=sys.stderr)
        results["datasketch"] = _run_datasketch(server, subset, args)


# ----------------------------------------------------------------- report
def _markdown(results: dict[str, Any]) -> str:
    d, db, ds = results["dedupe"], results.get("dedupe_batch"), results.get("datasketch")
    c = results["corpus"]
    rows = []
    scored = "verified matches, exact Jaccard and containment"
    for name, r, note in (
        ("dedupe RedisStore, `query()`", d, scored),
        (f"dedupe RedisStore, `query_many()` of {db['query_batch'] if db else 0}", db, scored),
        ("datasketch MinHashLSH, Redis storage, `query()`", ds, "candidate keys, no scores"),
    ):  # fmt: skip
        if not r:
            continue
        cc, al = r["concurrent"], r["alone"]
        rows.append([name, r["docs"], cc["inserts_s"], cc["queries_s"], cc["p50_ms"],
                     cc["p99_ms"], al["queries_s"], al["p50_ms"], al["p99_ms"],
                     r["round_trips"], r["bytes_doc"], r["redis_bytes"] / 1e6, note])  # fmt: skip
    w, rd = results["writers"], results["readers"]
    text = report.table(
        ["tool", "docs", f"docs/s added ({w} writers)", f"queries/s ({rd} reader, during ingest)",
         "p50 ms", "p99 ms", "queries/s (alone)", "p50 ms (alone)", "p99 ms (alone)",
         "round trips / call", "Redis bytes / doc", "Redis MB", "answers"],
        rows,
    )  # fmt: skip
    lines = [text, ""]
    best = db or d
    if ds:
        f_ins = d["concurrent"]["inserts_s"] / ds["concurrent"]["inserts_s"]
        f_q1 = d["concurrent"]["queries_s"] / ds["concurrent"]["queries_s"]
        f_qb = best["concurrent"]["queries_s"] / ds["concurrent"]["queries_s"]
        results["factors"] = {"inserts": f_ins, "queries": f_q1, "queries_batched": f_qb}
        lines.append(
            f"dedupe over datasketch's Redis storage: {f_ins:.1f}x the documents added per "
            f"second, {f_q1:.1f}x the queries per second during the ingest with `query()` "
            f"({f_qb:.1f}x with `query_many()`), {ds['bytes_doc'] / d['bytes_doc']:.1f}x less "
            f"Redis memory per document (datasketch on the first {ds['docs']:,} documents, "
            f"dedupe on all {d['docs']:,}). A `query_many()` latency is its batch's."
        )
    lines.append(
        f"Same answers as the in-memory index: `query()` equal for {d['equal']:,} of "
        f"{d['checked']:,} sampled documents; `pairs()` "
        f"{'equal' if d['pairs_equal'] else 'DIFFERENT'}. `evict(before=...)` of the older "
        f"half: {d['evicted']:,} documents in {d['evict_s']:.2f} s. Buckets: "
        f"{d['describe']['posting_buckets']:,} holding {d['describe']['postings']:,} "
        "postings."
    )
    t = TARGETS
    cd, cb = d["concurrent"], best["concurrent"]
    checks = [
        ("docs/s added", cd["inserts_s"], f">= {t['inserts_s']:,}",
         cd["inserts_s"] >= t["inserts_s"]),
        ("queries/s during ingest, query()", cd["queries_s"], f">= {t['queries_s']}",
         cd["queries_s"] >= t["queries_s"]),
        ("p99 ms during ingest, query()", cd["p99_ms"], f"< {t['p99_ms']:.0f}",
         cd["p99_ms"] < t["p99_ms"]),
        ("Redis bytes / doc", d["bytes_doc"], f"< {t['bytes_doc']:,}",
         d["bytes_doc"] < t["bytes_doc"]),
    ]  # fmt: skip
    if db:
        checks += [
            ("queries/s during ingest, query_many()", cb["queries_s"], f">= {t['queries_s']}",
             cb["queries_s"] >= t["queries_s"]),
            ("p99 ms during ingest, query_many()", cb["p99_ms"], f"< {t['p99_ms']:.0f}",
             cb["p99_ms"] < t["p99_ms"]),
        ]  # fmt: skip
    if ds:
        f = results["factors"]
        checks += [
            ("x datasketch, docs/s added", f["inserts"], f">= {t['factor']}x",
             f["inserts"] >= t["factor"]),
            ("x datasketch, queries/s, query()", f["queries"], f">= {t['factor']}x",
             f["queries"] >= t["factor"]),
        ]  # fmt: skip
        if db:
            checks.append(("x datasketch, queries/s, query_many()", f["queries_batched"],
                           f">= {t['factor']}x", f["queries_batched"] >= t["factor"]))  # fmt: skip
    lines += [
        "",
        "Targets (issue 11, 2 cores):",
        "",
        report.table(
            ["measure", "dedupe", "target", "met"],
            [[a, b, c, "yes" if ok else "NO"] for a, b, c, ok in checks],
        ),  # fmt: skip
    ]
    head = (
        f"{c['docs']:,} documents ({c['source']}, {c['text_mb']:.1f} MB of text); writers add "
        f"batches of {results['batch']} dated documents with `Index.add_many` (script calls "
        f"of at most {results.get('write_batch', BATCH_POSTINGS):,} postings); readers query "
        "corpus texts (in random order) one call at a time, during the ingest and then alone; "
        f"`redis-server` {results['redis_version']} on loopback, no persistence, "
        "`maxmemory-policy noeviction`."
    )
    return head + "\n\n" + "\n".join(lines)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    latency = args.latency_ms is not None
    block, after = (redis_latency.README_BLOCK, redis_latency.AFTER_BLOCK) if latency else (
        README_BLOCK, None)  # fmt: skip
    if args.queries is None:
        args.queries = 500 if latency else 2000
    if args.update_readme:
        if args.tiny:
            print("--update-readme refuses --tiny: the README shows full runs", file=sys.stderr)
            return 2
        try:
            report.check_readme(args.readme, block, after=after)
        except report.ReadmeError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    try:
        import datasketch  # noqa: F401
        import redis  # noqa: F401
    except ImportError as err:
        print(f"error: {err.name} is not installed (pip install -e '.[bench,redis]')",
              file=sys.stderr)  # fmt: skip
        return 2
    started = time.perf_counter()
    if args.corpus == "generated" or (args.corpus is None and args.tiny):
        corpus = None
    else:
        corpus = Path(args.corpus) if args.corpus else REUTERS
        if args.corpus is None and not corpus.is_file():
            why = "Reuters-21578 is not part of the repository"
            print(f"error: no corpus at {corpus} ({why}): pass --corpus PATH or --corpus "
                  "generated", file=sys.stderr)  # fmt: skip
            return 2
    limit = args.limit or (300 if args.tiny else redis_latency.DEFAULT_LIMIT if latency else None)
    if corpus is not None:
        try:
            docs = load_jsonl(corpus, limit=limit)
        except CorpusError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        source = str(corpus)
    else:
        from .generate import generate

        bases = 160 if args.tiny else 6000
        docs = dict(list(generate(bases, seed=0, min_paragraphs=2, max_paragraphs=5)
                         .docs.items())[:limit])  # fmt: skip
        source = "generated articles (benchmarks/generate.py, seed 0)"
    from dedupe.text import has_words

    docs = {k: v for k, v in docs.items() if has_words(v)}
    if args.tiny:
        args.queries, args.check = min(args.queries, 100), min(args.check, 100)
        args.datasketch_docs = min(args.datasketch_docs, 100)
        args.datasketch_queries = min(args.datasketch_queries, 20)
        args.repeats = 1
    results: dict[str, Any] = {
        "command": "python -m benchmarks --redis" + "".join(" " + shlex.quote(a) for a in argv),
        "machine": report.machine(),
        "corpus": {
            "source": source,
            "docs": len(docs),
            "text_mb": sum(len(t.encode()) for t in docs.values()) / 1e6,
        },  # fmt: skip
        "writers": args.writers,
        "readers": args.readers,
        "batch": args.batch,
        "write_batch": args.write_batch,
    }
    with tempfile.TemporaryDirectory() as tmp:
        try:
            server = RedisServer(Path(tmp) / "redis").start()
        except ServerUnavailable as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        try:
            import redis

            results["redis_version"] = redis.Redis(port=server.port).info("server")["redis_version"]
            if latency:
                results["latency"] = redis_latency.run(server, docs, args)
            else:
                _run_all(server, docs, args, results)
        finally:
            server.stop()
    results["wall_s"] = time.perf_counter() - started
    text = redis_latency.markdown(results) if latency else _markdown(results)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    name = "redis-latency" if latency else "redis"
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=1, default=str))
    (args.out / f"{name}.md").write_text(text + "\n", encoding="utf-8")
    if args.update_readme:
        intro = (
            f"Written by `{results['command']}` (wall time {results['wall_s']:.0f} s) on "
            f"{report.machine_line(results['machine'])}."
        )
        report.update_readme(args.readme, intro + " " + text, block, after=after)
        print(f"\nREADME block {block} updated in {args.readme}", file=sys.stderr)
    print(f"\nresults: {args.out / f'{name}.json'}", file=sys.stderr)
    return 0
