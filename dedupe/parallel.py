"""How the pure stage functions run on many cores, and progress bars. No rule lives here.

Work is spread over *forked* processes only: other start methods re-import the caller's
``__main__`` (a trap for scripts), and a process that runs several threads must not fork.
Where forking is not possible, or the pool breaks, the work runs in this process instead,
with the same result, and a :class:`ParallelFallbackWarning` says so (why, and how many
workers were asked for). :data:`POOLS_RUN` counts the pools that did run.

>>> fork_map(_square, [1, 2, 3], workers=2)
[1, 4, 9]
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from .flat import release_freed, reuse_freed
from .params import MAX_AUTO_WORKERS

__all__ = [
    "POOLS_RUN",
    "PROGRESS_DELAY",
    "Joined",
    "ParallelFallbackWarning",
    "Progress",
    "Shown",
    "LINE_SECONDS",
    "HEARTBEAT_SECONDS",
    "can_fork",
    "ForkPool",
    "fork_map",
    "resolve_workers",
]

#: The type of a work item of :func:`fork_map`.
T = TypeVar("T")
#: The type of its result.
R = TypeVar("R")

#: Seconds before a progress bar appears (quick runs show none).
PROGRESS_DELAY = 0.5

_SHARED: Any = None  # what forked workers inherit (see fork_map's `shared`)

#: Pools of worker processes that :func:`fork_map` ran to the end in this process (read it
#: to tell that work did run in parallel: a fallback runs it here, with the same result).
POOLS_RUN = 0


class ParallelFallbackWarning(RuntimeWarning):
    """Work meant for worker processes ran in this process instead: forking was not
    possible (no ``fork``, or other threads run here) or the pool broke. The result is the
    same; it only took longer."""


def resolve_workers(workers: int) -> int:
    """The number of processes (or threads) to use by the library's one convention
    (:func:`dedupe.params.check_workers`): ``workers``, or for 0 one per core, at most
    :data:`dedupe.params.MAX_AUTO_WORKERS`.

    >>> resolve_workers(1)
    1
    """
    return workers or min(MAX_AUTO_WORKERS, os.cpu_count() or 1)


def can_fork() -> bool:
    """Whether worker processes may be forked here: ``fork`` exists and this process runs a
    single thread.

    >>> isinstance(can_fork(), bool)
    True
    """
    return _no_fork_reason() is None


def _no_fork_reason() -> str | None:
    """Why worker processes cannot be forked here, or ``None``."""
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        return "this platform cannot fork"
    threads = threading.active_count()
    if threads > 1:
        return f"this process runs {threads} threads, and forking one that does is unsafe"
    return None


class Joined:
    """Strings sent to a worker as one string (joined on NUL, which they must not hold).

    Pickling a list of strings writes to every string's reference count; in a parent
    with forked workers that copies a memory page per string (gigabytes for a million
    texts). Joining reads them without writing: the worker gets the list back.

    >>> import pickle
    >>> pickle.loads(pickle.dumps(Joined(["a b", "c"])))
    ['a b', 'c']
    """

    __slots__ = ("texts",)

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def __reduce__(self) -> tuple[Callable[[str, int], list[str]], tuple[str, int]]:
        return _split, ("\x00".join(self.texts), len(self.texts))


def _split(joined: str, count: int) -> list[str]:
    return joined.split("\x00") if count else []


def _call(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(item, _SHARED)


def _square(x: int, _shared: Any = None) -> int:
    return x * x


class ForkPool(Generic[T, R]):
    """A pool of ``workers`` forked processes that runs ``fn(item, shared)`` over several
    batches of items, kept open between them: :meth:`submit` hands a batch to the workers
    and returns at once, so this process can read the next batch meanwhile (the pool is
    forked once, on the first batch). Everything :func:`fork_map` says holds: ``shared`` is
    inherited, not pickled; with ``workers < 2`` the work runs here; where forking is not
    possible, or the pool breaks, it runs here too, with a
    :class:`ParallelFallbackWarning` that says why (once). A pool used to the end adds one
    to :data:`POOLS_RUN`.

    >>> with ForkPool(_square, 2) as pool:
    ...     first, second = pool.submit([1, 2]), pool.submit([3])
    ...     first(), second()
    ([1, 4], [9])
    """

    def __init__(self, fn: Callable[[T, Any], R], workers: int, *, shared: Any = None) -> None:
        self._fn, self._workers, self._shared = fn, workers, shared
        self._executor: Any = None
        self._frozen = False
        self._reason: str | None = None  # why the work runs here, once warned
        self._warned = False

    def __enter__(self) -> ForkPool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        global POOLS_RUN
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
            if self._reason is None and exc[0] is None:
                POOLS_RUN += 1
        self._release()

    def _release(self) -> None:
        global _SHARED
        _SHARED = None
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def _start(self) -> Any:
        """The executor, started on first use (``None``: the work runs here)."""
        global _SHARED
        if self._executor is not None or self._reason is not None or self._workers < 2:
            return self._executor
        self._reason = _no_fork_reason()
        if self._reason is not None:
            return None
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        _SHARED = self._shared
        # A forked worker maps every page of this process, free ones of its heap too (a
        # stage's freed temporary arrays): each is counted in the worker's resident memory
        # as in this one's. Measured (fuzzy mode, 100,000 generated articles): the candidate
        # stage left about 570 MB free in the heap, which the verifying workers inherited.
        release_freed()
        self._frozen = not gc.get_freeze_count()
        if self._frozen:  # a worker's garbage collector must not write to (and so copy) every
            gc.freeze()  # container it inherited: leave the parent's objects out of it
        try:
            context = mp.get_context("fork")
            self._executor = ProcessPoolExecutor(
                self._workers, mp_context=context, initializer=reuse_freed
            )
        except (BrokenProcessPool, OSError) as err:
            self._broke(err)
        return self._executor

    def _broke(self, err: BaseException) -> None:
        self._reason = f"the pool of worker processes broke ({type(err).__name__}: {err})"
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self._release()

    def _here(self, items: Sequence[T], done: Callable[[int], None] | None) -> list[R]:
        if self._reason is not None and not self._warned:
            self._warned = True
            warnings.warn(
                f"dedupe: work meant for {self._workers} worker processes ran in this "
                f"process, as {self._reason}; the result is the same, only slower",
                ParallelFallbackWarning,
                stacklevel=4,
            )
        out: list[R] = []
        for i, item in enumerate(items):
            out.append(self._fn(item, self._shared))
            if done is not None:
                done(i)
        return out

    def submit(
        self, items: Sequence[T], done: Callable[[int], None] | None = None
    ) -> Callable[[], list[R]]:
        """Start ``fn`` over ``items``; the function returned waits for the results and
        returns them in order (``done(i)`` is called as each arrives)."""
        from concurrent.futures.process import BrokenProcessPool

        executor = self._start() if len(items) else None
        if executor is None:
            out = self._here(items, done)
            return lambda: out
        try:
            futures: list[Any] = [executor.submit(_call, self._fn, item) for item in items]
        except (BrokenProcessPool, OSError, RuntimeError) as err:
            self._broke(err)
            out = self._here(items, done)
            return lambda: out

        def wait() -> list[R]:
            try:
                results: list[R] = []
                for i in range(len(futures)):
                    # let go of each future as its result is taken: the caller may free
                    # each result as it copies it (a batch's sketch parts, into the whole)
                    future, futures[i] = futures[i], None
                    results.append(future.result())
                    del future
                    if done is not None:
                        done(i)
                return results
            except (BrokenProcessPool, OSError) as err:  # run here instead
                self._broke(err)
                return self._here(items, None)

        return wait


def fork_map(
    fn: Callable[[T, Any], R],
    items: Sequence[T],
    workers: int,
    *,
    shared: Any = None,
    done: Callable[[int], None] | None = None,
) -> list[R]:
    """``[fn(item, shared) for item in items]``, in a pool of ``workers`` forked processes.

    ``fn`` and the items travel to the workers by pickle, one item at a time (so a worker
    holds one item, not its share of them all); ``shared`` is not pickled: the workers
    inherit it when they are forked (large read-only arrays cost nothing to pass; Python
    objects are copied page by page as their reference counts change, see
    :class:`Joined`).
    ``done(i)`` is called as each result arrives, in order. Runs everything in this process
    when ``workers < 2`` or there are fewer than 2 items; and, warning with a
    :class:`ParallelFallbackWarning` that says why, when forking is not possible or the
    pool breaks. Each pool run to the end adds one to :data:`POOLS_RUN` (see
    :class:`ForkPool`, which keeps a pool open for several batches).
    """
    with ForkPool(fn, workers if len(items) >= 2 else 1, shared=shared) as pool:
        return pool.submit(items, done)()


@functools.lru_cache(maxsize=1)
def _quiet_tqdm() -> Any:
    """tqdm's bar without its monitor thread. tqdm starts that thread with its first bar
    and leaves it running, and a process running a second thread must not fork: after any
    progress bar, every :func:`fork_map` ran in this process (``dedupe scan`` on a terminal
    never used its workers)."""
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0

    return Bar


#: The bar of a :class:`Progress` without an ETA: the stage, steps done and elapsed time.
NO_ETA_FORMAT = "{desc}: {n_fmt}/{total_fmt} {unit}s [{elapsed} elapsed]"


#: How progress is shown: ``True`` a bar, ``"lines"`` a line per long stage (for logs and
#: pipes, where a bar's redraws are noise), ``False`` nothing.
Shown = bool | str
#: In ``"lines"`` mode a stage is reported when it took at least this many seconds...
LINE_SECONDS = 2.0
#: ...and a stage under way says how far it got every this many seconds.
HEARTBEAT_SECONDS = 30.0


class Progress:
    """Progress on stderr: with ``enabled=True`` a tqdm bar, shown after
    :data:`PROGRESS_DELAY` seconds (nothing when tqdm, the ``cli`` extra, is missing);
    with ``enabled="lines"`` a line for each stage that took :data:`LINE_SECONDS` or more
    and, during a long stage, a line every :data:`HEARTBEAT_SECONDS`; nothing with
    ``enabled=False``.

    Callers decide (the CLI: a bar when stderr is a terminal, lines when it is a log file
    or a pipe). With ``eta=False`` the bar shows the steps done and the elapsed time but no
    rate or time left: for steps whose durations differ by orders of magnitude, where any
    ETA is wrong. :meth:`describe` starts a new stage under the same bar.

    >>> with Progress(3, desc="indexing", unit="doc", enabled=False) as bar:
    ...     bar.update(3)
    """

    def __init__(
        self,
        total: int | None,
        *,
        desc: str = "",
        unit: str = "it",
        enabled: Shown = True,
        eta: bool = True,
    ) -> None:
        self._bar = None
        self._lines = enabled == "lines"
        self._desc, self._unit, self._total, self._done = desc, unit, total, 0
        self._started = self._said = time.monotonic()
        if enabled is True:
            try:
                bar = _quiet_tqdm()
            except ImportError:
                return
            self._bar = bar(
                total=total, desc=desc, unit=unit, file=sys.stderr, delay=PROGRESS_DELAY,
                leave=False, **({} if eta else {"bar_format": NO_ETA_FORMAT}),
            )  # fmt: skip

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps."""
        if self._bar is not None:
            self._bar.update(n)
        self._done += n
        if self._lines and time.monotonic() - self._said >= HEARTBEAT_SECONDS:
            total = f"/{self._total:,}" if self._total else ""
            self._say(f"{self._done:,}{total} {self._unit}s so far")

    def describe(self, text: str) -> None:
        """Start the stage ``text`` (the bar's label; in lines mode, the stage before it
        is reported if it was long)."""
        if self._bar is not None:
            self._bar.set_description(text)
        if self._lines:
            self._end_stage()
            self._desc, self._done = text, 0
            self._started = self._said = time.monotonic()

    def _say(self, what: str) -> None:
        print(f"dedupe: {self._desc}: {what}", file=sys.stderr, flush=True)
        self._said = time.monotonic()

    def _end_stage(self) -> None:
        took = time.monotonic() - self._started
        if took >= LINE_SECONDS:
            count = f"{self._done:,} {self._unit}s in " if self._done else ""
            self._say(f"done, {count}{took:.1f} s")

    def close(self) -> None:
        """Remove the bar (in lines mode: report the last stage if it was long)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._lines:
            self._end_stage()
            self._lines = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
