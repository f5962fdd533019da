"""A throwaway ``redis-server`` on loopback, for the tests and ``python -m benchmarks --redis``.

``RedisServer(folder)`` starts ``redis-server`` on 127.0.0.1 at a free port with its own
working folder (``--dir``), waits until it answers ``PING``, and stops it by its process id.
Nothing else on the machine is touched. Without persistence (the default) it saves nothing;
with ``persist=True`` it keeps an append-only file in its folder, so a server started again
on the same folder finds its data.

>>> find_redis_server() is None or find_redis_server().endswith("redis-server")
True
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

__all__ = ["RedisServer", "ServerUnavailable", "find_redis_server"]

#: Seconds to wait for a new server to answer.
START_TIMEOUT_S = 10.0


class ServerUnavailable(RuntimeError):
    """No ``redis-server`` could be started (the message says why)."""


def find_redis_server() -> str | None:
    """The ``redis-server`` executable: on the PATH, or where Debian puts it."""
    found = shutil.which("redis-server")
    if found:
        return found
    for candidate in ("/usr/bin/redis-server", "/usr/sbin/redis-server"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def stop_process(process: subprocess.Popen, *, timeout: float) -> None:
    """End a child process by its pid: SIGTERM, then SIGKILL after ``timeout`` seconds,
    and wait for it (nothing when it has ended already)."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


class RedisServer:
    """One ``redis-server`` process (see the module docstring). ``maxmemory_policy`` is
    passed as it is (``noeviction`` by default); ``port`` is chosen free unless given."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        persist: bool = False,
        port: int | None = None,
        maxmemory_policy: str = "noeviction",
    ) -> None:
        self.folder = Path(folder)
        self.persist = persist
        self.port = port
        self.maxmemory_policy = maxmemory_policy
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server (trying another free port if one was taken meanwhile)."""
        executable = find_redis_server()
        if executable is None:
            raise ServerUnavailable("redis-server is not installed (apt-get install redis-server)")
        self.folder.mkdir(parents=True, exist_ok=True)
        fixed = self.port is not None
        problem = ""
        for _ in range(1 if fixed else 3):
            port = self.port if fixed else _free_port()
            args = [
                executable,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--dir", str(self.folder),
                "--daemonize", "no",
                "--save", "",
                "--appendonly", "yes" if self.persist else "no",
                "--appendfsync", "everysec",
                "--maxmemory-policy", self.maxmemory_policy,
                "--logfile", str(self.folder / "redis.log"),
            ]  # fmt: skip
            try:
                process = subprocess.Popen(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            except OSError as err:
                raise ServerUnavailable(f"cannot run {executable}: {err}") from None
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline and process.poll() is None:
                if _answers(port):
                    self.process, self.port = process, port
                    return self
                time.sleep(0.02)
            if process.poll() is None:
                process.kill()
                process.wait()
                problem = f"it did not answer within {START_TIMEOUT_S:.0f} s"
            else:
                err = (process.stderr.read() if process.stderr else b"").decode(errors="replace")
                log = self.folder / "redis.log"
                tail = (
                    log.read_text(errors="replace").strip().splitlines()[-1:]
                    if log.exists()
                    else []
                )
                problem = err.strip() or " ".join(tail) or f"exit status {process.returncode}"
        raise ServerUnavailable(f"redis-server could not be started: {problem}")

    def stop(self) -> None:
        """Stop the server by its pid (SIGTERM: with persistence it writes its data first)."""
        process, self.process = self.process, None
        if process is not None:
            stop_process(process, timeout=10)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
