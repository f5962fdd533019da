"""``python -m benchmarks --redis --latency-ms 0,0.5,2``: dedupe and datasketch on Redis
behind a network delay.

For each delay, a :class:`~benchmarks.latency_proxy.LatencyProxy` in front of the
benchmark's own ``redis-server`` adds that many milliseconds in each direction (a delay
line on loopback), and both tools talk to Redis only through it, one after the other on
the same documents (the first ``--limit`` of the corpus, 3,000 by default; the server is
flushed between the two):

* **inserts:** one writer adds the documents in batches of ``--batch`` (100): dedupe's
  ``Index.add_many`` on a ``RedisStore``; datasketch's ``MinHash.bulk`` of the batch and an
  insertion session of ``MinHashLSH(threshold=0.5, num_perm=128)`` with Redis storage (its
  pipelined inserts), signatures made inside the timing for both;
* **queries:** corpus texts in random order, one at a time, nothing else running: dedupe's
  ``query()`` (``--queries``, 500) and ``query_many()`` of ``--query-batch`` (16) texts a
  call (``2 * --queries`` texts), datasketch's ``MinHash`` and ``query``
  (``--datasketch-queries``, 100; candidate keys, no scores); the median and p99 of each
  call, queries per second;
* **round trips** (socket writes of the Redis client) per query call and per 100 inserts,
  counted during those timings;
* the **round trip of a PING** through the proxy (median of 200), what the delay really
  added on this machine.

Every delay runs ``--repeats`` times (3), the delays in turn; the table shows medians over
the runs and the range of each factor.

The table's factors are dedupe's rate over datasketch's: queries per second of one reader
(``query()``, and ``query_many()``), documents added per second of one writer.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import report
from .latency_proxy import LatencyProxy
from .redis_server import RedisServer

README_BLOCK = "bench-redis-latency"
#: The block of docs/results.md a new latency block is written after.
AFTER_BLOCK = "bench-redis"
#: Issue 23, item 5: from this one-way delay up, dedupe's ``query()`` is this many times
#: datasketch's queries per second, and its inserts this many times datasketch's.
TARGETS = {"from_ms": 0.5, "query": 10.0, "inserts": 5.0}
DEFAULT_LIMIT = 3000
NAMESPACE = "latency"
PINGS = 200


def parse_delays(value: str) -> list[float]:
    """``"0,0.5,2"`` -> ``[0.0, 0.5, 2.0]`` (milliseconds, each >= 0).

    >>> parse_delays("0, 0.5,2")
    [0.0, 0.5, 2.0]
    """
    try:
        delays = [float(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of milliseconds: {value!r}") from None
    if not delays or any(d < 0 or d != d for d in delays):
        raise argparse.ArgumentTypeError(f"delays must be numbers >= 0: {value!r}")
    return delays


@contextlib.contextmanager
def count_round_trips() -> Iterator[list[int]]:
    """Count the Redis client's socket writes (one per command or pipeline) in this process."""
    import redis.connection

    sent = [0]
    real = redis.connection.AbstractConnection.send_packed_command

    def counting(self: Any, command: Any, check_health: bool = True) -> None:
        sent[0] += 1
        real(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = counting  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        redis.connection.AbstractConnection.send_packed_command = real  # type: ignore[method-assign]


def _timed_calls(call: Callable[[Any], Any], args: list[Any], per_call: int = 1) -> dict:
    """Call ``call`` on each of ``args`` (the first once more, untimed, to warm the
    connection); latencies of the calls, queries per second, round trips per call."""
    call(args[0])
    latencies = []
    with count_round_trips() as sent:
        start, cpu = time.perf_counter(), time.process_time()
        for a in args:
            t = time.perf_counter()
            call(a)
            latencies.append(time.perf_counter() - t)
        span, cpu = time.perf_counter() - start, time.process_time() - cpu
    ms = np.array(latencies) * 1000
    return {
        "calls": len(args),
        "queries": len(args) * per_call,
        "queries_s": len(args) * per_call / span,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "round_trips": sent[0] / len(args),
        "cpu_ms": cpu / len(args) * 1000,  # this process's CPU time a call (mean)
    }


def _inserts(add_batch: Callable[[list], Any], items: list, batch: int) -> dict:
    batches = [items[lo : lo + batch] for lo in range(0, len(items), batch)]
    with count_round_trips() as sent:
        start = time.perf_counter()
        for part in batches:
            add_batch(part)
        span = time.perf_counter() - start
    return {
        "docs": len(items),
        "seconds": span,
        "inserts_s": len(items) / span,
        "round_trips_100": sent[0] / len(items) * 100,
    }


def _ping_ms(port: int) -> float:
    import redis

    client = redis.Redis(port=port)
    client.ping()
    times = []
    for _ in range(PINGS):
        t = time.perf_counter()
        client.ping()
        times.append(time.perf_counter() - t)
    client.close()
    return float(np.median(times) * 1000)


def _dedupe(port: int, items: list, sample: list[str], args: argparse.Namespace) -> dict:
    from dedupe import Index, IndexParams, RedisStore, Thresholds

    url = f"redis://127.0.0.1:{port}/0"
    store = RedisStore(url, namespace=NAMESPACE, write_batch=args.write_batch)
    store.record_meta(IndexParams(), Thresholds())
    index = Index.open(store, workers=1)

    def add(part: list) -> None:
        index.add_many([(d, t) for d, t, _ in part], timestamps=[w for _, _, w in part])

    out: dict[str, Any] = {"inserts": _inserts(add, items, args.batch)}
    out["docs"] = len(store)
    reader = Index.open(RedisStore(url, namespace=NAMESPACE), workers=1)
    out["query"] = _timed_calls(reader.query, sample[: args.queries])
    n, k = 2 * args.queries, args.query_batch
    chunks = [[sample[(i + j) % len(sample)] for j in range(k)] for i in range(0, n, k)]
    out["query_many"] = _timed_calls(reader.query_many, chunks, per_call=k)
    out["query_many"]["batch"] = k
    return out


def _datasketch(port: int, items: list, sample: list[str], args: argparse.Namespace) -> dict:
    from datasketch import MinHash

    from .redis_bench import _ds_lsh, _ds_query, _ds_sets

    lsh = _ds_lsh(port)

    def add(part: list) -> None:
        hashes = MinHash.bulk(_ds_sets([t for _, t, _ in part]), num_perm=128, seed=1)
        with lsh.insertion_session(buffer_size=len(part) * 64) as session:
            for (doc_id, _, _), m in zip(part, hashes):
                session.insert(doc_id, m)

    out: dict[str, Any] = {"inserts": _inserts(add, items, args.batch), "docs": len(items)}
    out["query"] = _timed_calls(_ds_query(_ds_lsh(port)), sample[: args.datasketch_queries])
    return out


def _one(server: RedisServer, delay: float, items: list, sample: list[str],
         args: argparse.Namespace) -> dict[str, Any]:  # fmt: skip
    """Both tools through a proxy adding ``delay`` ms each way, the server flushed before each."""
    import redis

    direct = redis.Redis(port=server.port)
    with LatencyProxy(server.port, delay) as proxy:
        assert proxy.port is not None
        row: dict[str, Any] = {"delay_ms": delay, "ping_ms": _ping_ms(proxy.port)}
        row["load_1min"] = os.getloadavg()[0]  # other jobs on the machine show here
        print(f"{delay:g} ms each way (PING {row['ping_ms']:.2f} ms): dedupe ...",
              file=sys.stderr)  # fmt: skip
        direct.flushall()
        row["dedupe"] = _dedupe(proxy.port, items, sample, args)
        if args.datasketch_docs and args.datasketch_queries:
            print(f"{delay:g} ms each way: datasketch ...", file=sys.stderr)
            direct.flushall()
            row["datasketch"] = _datasketch(proxy.port, items, sample, args)
        direct.flushall()
    direct.close()
    d, ds = row["dedupe"], row.get("datasketch")
    if ds:
        row["factors"] = {
            "query": d["query"]["queries_s"] / ds["query"]["queries_s"],
            "query_many": d["query_many"]["queries_s"] / ds["query"]["queries_s"],
            "inserts": d["inserts"]["inserts_s"] / ds["inserts"]["inserts_s"],
        }
    return row


def _median(runs: list[Any]) -> Any:
    """The median of each number over ``runs`` of one nested result (other values, and
    numbers equal in every run: the first run's).

    >>> _median([{"a": 1.0, "b": {"c": 2}}, {"a": 3.0, "b": {"c": 4}}, {"a": 2.0, "b": {"c": 9}}])
    {'a': 2.0, 'b': {'c': 4.0}}
    """
    first = runs[0]
    if isinstance(first, dict):
        return {k: _median([r[k] for r in runs]) for k in first}
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return first if all(r == first for r in runs) else float(np.median(runs))
    return first


def run(server: RedisServer, docs: dict[str, str], args: argparse.Namespace) -> list[dict]:
    """Both tools through a proxy of each of ``args.latency_ms``, ``args.repeats`` times
    (the delays in turn, so a change in the machine's load falls on all of them); one dict
    per delay: medians over the repeats, the repeats themselves in ``runs`` and the range of
    each factor in ``factor_range``."""
    items = [(d, t, float(i)) for i, (d, t) in enumerate(docs.items())]
    texts = list(docs.values())
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.permutation(len(texts))]
    runs: dict[float, list[dict]] = {d: [] for d in args.latency_ms}
    for rep in range(args.repeats):
        for delay in args.latency_ms:
            print(f"run {rep + 1} of {args.repeats}:", end=" ", file=sys.stderr)
            runs[delay].append(_one(server, delay, items, sample, args))
    rows = []
    for got in runs.values():
        row = _median(got)
        row["runs"] = got
        if "factors" in row:
            row["factor_range"] = {
                k: [min(g["factors"][k] for g in got), max(g["factors"][k] for g in got)]
                for k in row["factors"]
            }
        rows.append(row)
    return rows


def markdown(results: dict[str, Any]) -> str:
    """The latency section: its setting, one table (a row per delay, both tools side by
    side), and the targets of issue 23."""
    rows = results["latency"]
    c = results["corpus"]
    k = rows[0]["dedupe"]["query_many"]["batch"]
    n = len(rows[0].get("runs", [None]))

    def factor(r: dict, name: str) -> str:
        if name not in r.get("factors", {}):
            return "-"
        lo, hi = r["factor_range"][name] if n > 1 else (None, None)
        cell = f"{report.fmt(r['factors'][name])}x"
        return cell + (f" ({report.fmt(lo)}-{report.fmt(hi)})" if n > 1 else "")

    table_rows = []
    for r in rows:
        d, ds = r["dedupe"], r.get("datasketch")
        dq, dm, di = d["query"], d["query_many"], d["inserts"]
        sq, si = (ds["query"], ds["inserts"]) if ds else ({}, {})
        table_rows.append([
            f"{r['delay_ms']:g}", r["ping_ms"],
            f"{report.fmt(dq['p50_ms'])} / {report.fmt(dq['p99_ms'])}",
            f"{report.fmt(dm['p50_ms'])} / {report.fmt(dm['p99_ms'])}",
            f"{report.fmt(sq.get('p50_ms'))} / {report.fmt(sq.get('p99_ms'))}",
            dq["queries_s"], dm["queries_s"], sq.get("queries_s"),
            f"{factor(r, 'query')} / {factor(r, 'query_many')}",
            f"{report.fmt(dq['round_trips'])} / {report.fmt(dm['round_trips'])} / "
            f"{report.fmt(sq.get('round_trips'))}",
            di["inserts_s"], si.get("inserts_s"), factor(r, "inserts"),
            f"{report.fmt(di['round_trips_100'])} / {report.fmt(si.get('round_trips_100'))}",
        ])  # fmt: skip
    table = report.table(
        ["delay ms (each way)", "PING ms (measured)",
         "dedupe `query()` ms p50 / p99", f"dedupe `query_many()` of {k}: ms a call p50 / p99",
         "datasketch `query()` ms p50 / p99",
         "dedupe `query()` queries/s", "dedupe `query_many()` queries/s",
         "datasketch queries/s", "dedupe x datasketch, queries/s: `query()` / `query_many()`",
         "round trips a call: `query()` / `query_many()` / datasketch",
         "dedupe docs/s added", "datasketch docs/s added", "dedupe x datasketch, docs/s added",
         "round trips / 100 docs added: dedupe / datasketch"],
        table_rows,
    )  # fmt: skip
    t = TARGETS
    checks = []
    for r in rows:
        if r["delay_ms"] >= t["from_ms"] and "factors" in r:
            for name, label in (("query", "`query()` queries/s"), ("inserts", "docs/s added")):
                f = r["factors"][name]
                runs = [g["factors"][name] for g in r.get("runs", [r])]
                checks.append([f"{r['delay_ms']:g} ms: {label} x datasketch", f,
                               f">= {t[name]:g}x", "yes" if f >= t[name] else "NO",
                               f"{sum(x >= t[name] for x in runs)} of {len(runs)}"])  # fmt: skip
    d0 = rows[0]["dedupe"]
    head = (
        f"{c['docs']:,} documents ({c['source']}, {c['text_mb']:.1f} MB of text), both tools "
        f"on all of them, one after the other; `redis-server` {results['redis_version']} on "
        "loopback reached only through `benchmarks/latency_proxy.py`, a delay line holding "
        "each chunk the given time in each direction (the PING column is the round trip it "
        f"gave, median of {PINGS}). One writer adds batches of {results['batch']} "
        "(`Index.add_many` on a `RedisStore`; datasketch `MinHash.bulk` and an insertion "
        "session of `MinHashLSH(threshold=0.5, num_perm=128)`, Redis storage, which asks "
        "Redis whether each new key exists before buffering it), then one "
        f"reader queries corpus texts in random order, nothing else running: dedupe "
        f"{d0['query']['calls']:,} `query()` calls and {d0['query_many']['calls']:,} "
        f"`query_many()` calls of {k}, datasketch "
        f"{rows[0].get('datasketch', {}).get('query', {}).get('calls', 0):,} `query()` calls "
        "(a `MinHash` each). dedupe answers verified matches with exact Jaccard and "
        "containment; datasketch candidate keys, no scores. Factors are rates (queries or "
        "documents per second) of dedupe over datasketch at the same delay. "
        + (f"Every delay ran {n} times, the delays in turn; cells are medians over the runs, "
           "factors with their range in brackets." if n > 1 else "One run of each delay.")
    )  # fmt: skip
    loads = [g["load_1min"] for r in rows for g in r.get("runs", [r])]
    cpu = ", ".join(
        f"{r['delay_ms']:g} ms: {report.fmt(r['dedupe']['query']['cpu_ms'])} / "
        f"{report.fmt(r['datasketch']['query']['cpu_ms']) if 'datasketch' in r else '-'}"
        for r in rows
    )
    text = (
        head
        + "\n\n"
        + table
        + "\n\nClient CPU a `query()` call (mean ms, dedupe / datasketch; the rest of a call "
        f"is waiting on Redis, the delay, or a CPU): {cpu}. One-minute load average "
        f"{min(loads):.1f}-{max(loads):.1f} at the start of the runs "
        f"({os.cpu_count()} logical cores)."
    )
    if checks:
        text += (
            f"\n\nTargets (issue 23, item 5; from {t['from_ms']:g} ms each way):\n\n"
            + report.table(
                ["measure", "dedupe (median)", "target", "met", "runs meeting it"], checks
            )  # fmt: skip
        )
    return text
