"""The delay-line proxy of ``python -m benchmarks --redis --latency-ms``
(benchmarks/latency_proxy.py), in front of a tiny echo server on loopback."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.latency_proxy import LatencyProxy  # noqa: E402

DELAY_MS = 20.0


def _echo(conn: socket.socket) -> None:
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data)


@pytest.fixture(scope="module")
def echo_port() -> Iterator[int]:
    """An echo server on 127.0.0.1: sends back what it reads, closes at end of file."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)  # the accept loop looks at ``stop`` this often
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=_echo, args=(conn,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    yield listener.getsockname()[1]
    # stopped and joined: a thread left running would keep the later tests' dedupe from
    # forking its workers (it refuses to fork a process that runs threads)
    stop.set()
    acceptor.join(timeout=5)
    listener.close()


@pytest.fixture(scope="module")
def proxy(echo_port: int) -> Iterator[LatencyProxy]:
    with LatencyProxy(echo_port, DELAY_MS) as p:
        yield p


def _connect(port: int | None) -> socket.socket:
    assert port is not None
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    got = bytearray()
    while len(got) < n:
        data = sock.recv(n - len(got))
        assert data, f"end of file after {len(got)} of {n} bytes"
        got += data
    return bytes(got)


def test_a_round_trip_takes_the_delay_both_ways(proxy):
    with _connect(proxy.port) as sock:
        sock.sendall(b"warm")
        assert _read_exactly(sock, 4) == b"warm"
        for k in range(5):
            start = time.monotonic()
            sock.sendall(b"ping %d" % k)
            assert _read_exactly(sock, 6) == b"ping %d" % k
            assert time.monotonic() - start >= 2 * DELAY_MS / 1000


def test_a_delay_line_not_a_stop_and_wait(proxy):
    """Twenty messages sent 5 ms apart come back in order within a few delays of the last
    one (a proxy holding each message before reading the next would need 20 x 20 ms)."""
    messages = [b"message %02d;" % k for k in range(20)]
    with _connect(proxy.port) as sock:
        start = time.monotonic()
        for m in messages:
            sock.sendall(m)
            time.sleep(0.005)
        sent = time.monotonic() - start
        back = _read_exactly(sock, sum(map(len, messages)))
        elapsed = time.monotonic() - start
    assert back == b"".join(messages)
    assert elapsed >= 2 * DELAY_MS / 1000
    assert elapsed - sent < 10 * DELAY_MS / 1000, (sent, elapsed)


def test_large_payloads_arrive_intact_in_order_and_end_of_file_passes(proxy):
    payload = os.urandom(8 * 1024 * 1024)
    with _connect(proxy.port) as sock:

        def send() -> None:
            for lo in range(0, len(payload), 100_000):  # many chunks, odd sizes
                sock.sendall(payload[lo : lo + 100_000])
            sock.shutdown(socket.SHUT_WR)

        sender = threading.Thread(target=send)
        sender.start()
        back = _read_exactly(sock, len(payload))
        assert sock.recv(1) == b""  # the echo server closed after our end of file
        sender.join()
    assert back == payload


def test_it_stops_cleanly_with_a_connection_open(echo_port):
    proxy = LatencyProxy(echo_port, DELAY_MS).start()
    process, port = proxy.process, proxy.port
    assert process is not None
    sock = _connect(port)
    sock.sendall(b"hello")
    assert _read_exactly(sock, 5) == b"hello"
    proxy.stop()
    assert process.returncode == 0 and proxy.process is None
    try:  # the open connection ends (end of file or reset), it does not hang
        assert sock.recv(1) == b""
    except ConnectionResetError:
        pass
    sock.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    proxy.stop()  # a second stop does nothing


def test_a_negative_delay_is_refused():
    with pytest.raises(ValueError, match="delay_ms"):
        LatencyProxy(6379, -1)


def test_the_redis_benchmark_behind_a_delay_writes_its_block(redis_server, tmp_path):
    """``python -m benchmarks --redis --latency-ms`` (its own server): a row per delay with
    both tools, the delay seen in the measured PING, dedupe's few round trips a query next
    to datasketch's one per band, and a block of its own after the Redis block."""
    from benchmarks import redis_bench
    from benchmarks.generate import generate

    corpus = tmp_path / "news.jsonl"
    docs = generate(100, seed=0, min_paragraphs=2, max_paragraphs=5).docs
    corpus.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in docs.items()))
    page = tmp_path / "results.md"
    page.write_text("<!-- bench-redis:start -->\nR\n<!-- bench-redis:end -->\n\n## Spark\n")
    argv = ["--latency-ms", "0,1", "--corpus", str(corpus), "--limit", "100", "--queries",
            "20", "--datasketch-queries", "5", "--repeats", "2", "--out", str(tmp_path),
            "--update-readme", "--readme", str(page)]  # fmt: skip
    assert redis_bench.main(argv) == 0
    rows = json.loads((tmp_path / "redis-latency.json").read_text())["latency"]
    assert [r["delay_ms"] for r in rows] == [0.0, 1.0]
    assert rows[1]["ping_ms"] >= 2.0
    for r in rows:
        d, ds = r["dedupe"], r["datasketch"]
        assert d["docs"] == ds["docs"] == 100 and len(r["runs"]) == 2
        lo, hi = r["factor_range"]["query"]
        assert lo <= r["factors"]["query"] <= hi
        assert d["query"]["calls"] == 20 and ds["query"]["calls"] == 5
        assert 1 <= d["query"]["round_trips"] < ds["query"]["round_trips"]
        for run in r["runs"]:
            q = run["factors"]["query"]
            assert (
                q == run["dedupe"]["query"]["queries_s"] / run["datasketch"]["query"]["queries_s"]
            )
    text = page.read_text()
    assert text.index("<!-- bench-redis:end -->") < text.index("<!-- bench-redis-latency:start")
    assert text.index("<!-- bench-redis-latency:end -->") < text.index("## Spark")
    assert "python -m benchmarks --redis --latency-ms 0,1" in text and "| 1 | " in text
