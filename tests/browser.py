"""A small headless-Chromium driver for tests, on the standard library only.

Chromium is started with ``--remote-debugging-pipe``: it reads DevTools-protocol commands
from file descriptor 3 and writes replies and events to descriptor 4, each message a JSON
object ended by a NUL byte. That is enough to load a local page with the network cut off,
collect console errors, uncaught exceptions and failed loads, evaluate JavaScript in the
page and take a screenshot.

Tests call :func:`find_chromium` and skip with its reason when it returns ``None``::

    browser = find_chromium()
    if browser is None:
        pytest.skip(CHROMIUM_MISSING)
    page = load_page(browser, Path("report.html"), screenshot=Path("shot.png"))
    assert page.errors == []
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_MISSING = (
    "chromium not found (install the Debian package `chromium`, or set DEDUPE_CHROMIUM "
    "to a Chromium/Chrome binary)"
)

# Seconds allowed for Chromium to start, load the page and answer each command.
DEFAULT_TIMEOUT = 60.0

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """Path of a Chromium binary, or None: $DEDUPE_CHROMIUM, then chromium/chrome on PATH."""
    explicit = os.environ.get("DEDUPE_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Page:
    """What a page load produced."""

    title: str
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, failed loads
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    values: dict[str, Any] = field(default_factory=dict)  # results of the `evaluate` scripts
    screenshot: Path | None = None


class BrowserError(RuntimeError):
    """Chromium did not start, died, or did not answer in time."""


class _Pipe:
    """The DevTools protocol over Chromium's fds 3 (commands in) and 4 (messages out)."""

    def __init__(self, binary: str, profile: str, timeout: float) -> None:
        self.timeout = timeout
        cmd_r, cmd_w = os.pipe()  # we write commands, chromium reads them on fd 3
        out_r, out_w = os.pipe()  # chromium writes on fd 4, we read
        # Move the child's ends well above 4 so that the dup2 calls below cannot clobber them.
        hi_cmd_r = _high(cmd_r)
        hi_out_w = _high(out_w)
        os.close(cmd_r)
        os.close(out_w)

        def child_fds() -> None:  # runs in the child between fork and exec
            os.dup2(hi_cmd_r, 3)
            os.dup2(hi_out_w, 4)

        self.stderr = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                [binary, *_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self.stderr,
                pass_fds=(3, 4),
                preexec_fn=child_fds,  # noqa: PLW1509 - tests are single-threaded here
            )
        finally:
            os.close(hi_cmd_r)
            os.close(hi_out_w)
        self.wfd = cmd_w
        self.rfd = out_r
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        for fd in (self.wfd, self.rfd):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()

    def stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-2000:]

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError("chromium did not answer in time")
            ready, _, _ = select.select([self.rfd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.rfd, 1 << 20)
            if not chunk:
                raise BrowserError(f"chromium closed the pipe; stderr:\n{self.stderr_tail()}")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.wfd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str) -> dict[str, Any]:
        """Wait for an event (already received or still to come) of `session`."""
        deadline = time.monotonic() + self.timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            seen = len(self.events)
            self.events.append(self._read_message(deadline))


def _high(fd: int) -> int:
    """A duplicate of `fd` numbered 10 or more (not inherited unless dup2'ed in the child)."""
    dup = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    return dup


def _describe(event: dict[str, Any]) -> str | None:
    """An error message for a console/log/exception event, or None if it is not an error."""
    method = event.get("method")
    params = event.get("params", {})
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        exc = details.get("exception", {})
        return f"uncaught: {exc.get('description') or details.get('text')}"
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
        return f"console.{params['type']}: {args}"
    if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        entry = params["entry"]
        return f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}".strip()
    if method == "Network.loadingFailed":
        return f"load failed: {params.get('errorText')} ({params.get('requestId')})"
    return None


def load_page(
    binary: str,
    path: Path,
    *,
    evaluate: dict[str, str] | None = None,
    screenshot: Path | None = None,
    width: int = 1280,
    height: int = 2000,
    timeout: float = DEFAULT_TIMEOUT,
) -> Page:
    """Open the local file `path` in headless Chromium with the network switched off.

    `evaluate` maps names to JavaScript expressions run after the load event; their JSON
    values land in ``Page.values``. With `screenshot`, a PNG of the top `width` x `height`
    pixels is written there.
    """
    url = Path(path).resolve().as_uri()
    # Chromium's helper processes may still write to the profile as it exits: a folder
    # left behind is not an error of the page under test.
    with tempfile.TemporaryDirectory(
        prefix="dedupe-chromium-", ignore_cleanup_errors=True
    ) as profile:
        pipe = _Pipe(binary, profile, timeout)
        try:
            target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
                "sessionId"
            ]
            for domain in ("Page", "Runtime", "Log", "Network"):
                pipe.send(f"{domain}.enable", session=session)
            pipe.send(
                "Network.emulateNetworkConditions",
                {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
                session=session,
            )
            pipe.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            nav = pipe.send("Page.navigate", {"url": url}, session=session)
            if nav.get("errorText"):
                raise BrowserError(f"could not open {url}: {nav['errorText']}")
            pipe.wait_event("Page.loadEventFired", session)
            values: dict[str, Any] = {}
            for name, expression in (evaluate or {}).items():
                result = pipe.send(
                    "Runtime.evaluate",
                    {"expression": expression, "returnByValue": True},
                    session=session,
                )
                if "exceptionDetails" in result:
                    raise BrowserError(f"evaluate {name!r} failed: {result['exceptionDetails']}")
                values[name] = result["result"].get("value")
            title = pipe.send(
                "Runtime.evaluate", {"expression": "document.title"}, session=session
            )["result"].get("value", "")
            if screenshot is not None:
                shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session)
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                screenshot.write_bytes(base64.b64decode(shot["data"]))
            events = [e for e in pipe.events if e.get("sessionId") == session]
        finally:
            pipe.close()
    errors = [msg for msg in map(_describe, events) if msg]
    requests = [
        e["params"]["request"]["url"]
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    return Page(title=title, errors=errors, requests=requests, values=values, screenshot=screenshot)
