"""A TCP delay line on loopback, for ``python -m benchmarks --redis --latency-ms``.

``LatencyProxy(upstream_port, delay_ms)`` starts a proxy process listening on 127.0.0.1 at a
free port (:attr:`LatencyProxy.port`) that forwards every connection to
``127.0.0.1:upstream_port`` and holds each chunk of bytes ``delay_ms`` milliseconds before
passing it on, in each direction: a request and its reply cross ``2 * delay_ms`` of added
delay, as on a network with that one-way latency. It is a delay line, not a stop-and-wait:
a reader thread keeps reading while earlier chunks wait their turn, so bytes arrive in the
order they were sent and pipelined traffic is not slowed beyond the delay.

The proxy runs in a process of its own (``python -m benchmarks.latency_proxy``), so the
benchmark's timing process shares no interpreter lock with it, and forked workers inherit
no proxy threads. Leaving the ``with`` block (or :meth:`LatencyProxy.stop`) ends it by its
process id and waits for it.

Delays are kept with ``time.sleep`` (nanosecond timer; about 0.1 ms late on a quiet
machine), not an event loop, whose timers round up to whole milliseconds; the benchmark
reports the round trip it measured through the proxy next to the delay asked for.

>>> LatencyProxy(6379, 0.5).delay_ms
0.5
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from .redis_server import stop_process

__all__ = ["LatencyProxy", "ProxyUnavailable", "serve"]

#: Seconds to wait for a new proxy process to say its port.
START_TIMEOUT_S = 10.0
#: Bytes read from a socket at a time.
CHUNK = 256 * 1024
_END = b""  # queued after the last chunk of a direction: its reader saw end of file


class ProxyUnavailable(RuntimeError):
    """The proxy process could not be started (the message says why)."""


# ----------------------------------------------------------------- the proxy process
def _reader(src: socket.socket, line: queue.SimpleQueue[tuple[float, bytes]], delay: float) -> None:
    """Read ``src`` until end of file or error; each chunk is queued with the time it is due."""
    try:
        while True:
            data = src.recv(CHUNK)
            line.put((time.monotonic() + delay, data))
            if not data:
                return
    except OSError:
        line.put((0.0, _END))


def _writer(
    dst: socket.socket,
    line: queue.SimpleQueue[tuple[float, bytes]],
    done: threading.Event,
    both: tuple[socket.socket, socket.socket],
) -> None:
    """Send the queued chunks to ``dst``, each once it is due, in order (chunks already due
    together go in one ``sendall``); at the end of file, half-close ``dst`` so its peer sees
    it. On an error, shut both sockets of the connection, which ends the other direction."""
    pending: tuple[float, bytes] | None = None
    try:
        while True:
            due, data = pending or line.get()
            pending = None
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            parts = [data]
            while data and not line.empty():  # one consumer: get() will not block
                due, data = line.get()
                if due > time.monotonic():
                    pending = (due, data)
                    break
                parts.append(data)
            payload = b"".join(parts)
            if payload:
                dst.sendall(payload)
            if not parts[-1]:
                dst.shutdown(socket.SHUT_WR)
                return
    except OSError:
        for sock in both:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    finally:
        done.set()


def _nodelay(sock: socket.socket) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _pipe(client: socket.socket, upstream_port: int, delay: float) -> None:
    """Carry one connection both ways until both directions end, then close it."""
    try:
        server = socket.create_connection(("127.0.0.1", upstream_port))
    except OSError:
        client.close()
        return
    _nodelay(client)
    _nodelay(server)
    threads, ends = [], []
    for src, dst in ((client, server), (server, client)):
        line: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()
        done = threading.Event()
        ends.append(done)
        threads += [
            threading.Thread(target=_reader, args=(src, line, delay), daemon=True),
            threading.Thread(
                target=_writer, args=(dst, line, done, (client, server)), daemon=True
            ),  # fmt: skip
        ]
    for t in threads:
        t.start()
    # An end of file ends its direction only (the other side may still be answering); an
    # error in either direction shuts both sockets (see _writer), which ends the other.
    for done in ends:
        done.wait()
    for sock in (client, server):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def serve(listener: socket.socket, upstream_port: int, delay_ms: float) -> None:
    """Accept connections on ``listener`` and carry each to ``upstream_port`` with
    ``delay_ms`` added each way, until ``listener`` is closed."""
    delay = delay_ms / 1000
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_pipe, args=(client, upstream_port, delay), daemon=True).start()


def _main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.latency_proxy",
        description="A TCP delay line on 127.0.0.1: prints its port, then forwards every "
        "connection to the upstream port with a fixed delay each way, until SIGTERM.",
    )
    p.add_argument("upstream_port", type=int, help="port on 127.0.0.1 to forward to")
    p.add_argument("delay_ms", type=float, help="milliseconds added in each direction")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: free)")
    args = p.parse_args(argv)
    if args.delay_ms < 0:
        p.error("delay_ms must be >= 0")
    sys.setswitchinterval(0.0001)  # a thread woken for a due chunk takes the GIL at once
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(128)

    def stop(*_: object) -> None:
        listener.close()
        os._exit(0)  # connection threads are daemons holding no state worth saving

    signal.signal(signal.SIGTERM, stop)
    print(listener.getsockname()[1], flush=True)
    serve(listener, args.upstream_port, args.delay_ms)
    return 0


# ----------------------------------------------------------------- the benchmark's handle
class LatencyProxy:
    """A delay-line proxy process (see the module docstring): ``with LatencyProxy(port, 0.5)
    as proxy:`` then connect to ``proxy.port``."""

    def __init__(self, upstream_port: int, delay_ms: float) -> None:
        if delay_ms < 0:
            raise ValueError(f"delay_ms must be >= 0, not {delay_ms}")
        self.upstream_port = upstream_port
        self.delay_ms = delay_ms
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LatencyProxy:
        """Start the proxy process and wait until it listens."""
        repo = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [repo, *filter(None, [os.environ.get("PYTHONPATH")])]))  # fmt: skip
        cmd = [sys.executable, "-m", "benchmarks.latency_proxy",
               str(self.upstream_port), repr(self.delay_ms)]  # fmt: skip
        process = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        assert process.stdout is not None
        timer = threading.Timer(START_TIMEOUT_S, process.kill)
        timer.start()
        try:
            line = process.stdout.readline()
        finally:
            timer.cancel()
        if not line.strip().isdigit():
            process.kill()
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            process.wait()
            raise ProxyUnavailable(f"the latency proxy did not start: {err.strip() or line!r}")
        self.process, self.port = process, int(line)
        return self

    def stop(self) -> None:
        """End the proxy process by its pid (SIGTERM, then SIGKILL after 5 s) and wait."""
        process, self.process = self.process, None
        if process is None:
            return
        stop_process(process, timeout=5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    raise SystemExit(_main())
