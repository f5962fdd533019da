"""Where an index the commands work on lives: an index FILE, or with ``--redis URL
--namespace NAME`` a live index on a Redis server (needs the ``redis`` extra).

>>> import argparse
>>> positionals(argparse.Namespace(redis=None, namespace=None), ["x.idx", "a.txt"], "")
('x.idx', ['a.txt'])
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import dedupe
from dedupe.errors import InputError
from dedupe.render.safe import terminal_text

__all__ = [
    "REDIS_HELP",
    "add_redis_args",
    "open_index",
    "positionals",
    "redis_store",
    "warn_if_empty",
]

REDIS_HELP = "use the live index on this Redis server (redis://[:password@]host:port/db)"


def positionals(args: argparse.Namespace, values: list[str], what: str) -> tuple[str | None, list]:
    """``(FILE, the rest)``, or ``(None, values)`` with ``--redis``."""
    if args.redis:
        if not args.namespace:
            raise InputError("--redis needs --namespace NAME (the index's name on the server)")
        return None, values
    if args.namespace:
        raise InputError("--namespace goes with --redis URL")
    if not values:
        raise InputError(f"give the index FILE{what} (or --redis URL --namespace NAME)")
    return values[0], values[1:]


def redis_store(args: argparse.Namespace) -> Any:
    from dedupe.store.redis import RedisStore

    return RedisStore(args.redis, namespace=args.namespace)


def open_index(args: argparse.Namespace, path: str | None) -> Any:
    """The index of FILE, or of the Redis namespace (which must exist)."""
    if path is None:
        from dedupe.store.redis import safe_url

        try:
            return dedupe.Index.open(redis_store(args))
        except dedupe.IndexNotFoundError:
            raise InputError(
                f"no index in namespace {args.namespace!r} at {safe_url(args.redis)} (create "
                "it with `dedupe index build --redis URL --namespace NAME INPUT...`)"
            ) from None
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, not an index file")
    if not os.path.exists(path):
        raise InputError(f"{path}: no such index file (create one with `dedupe index build`)")
    return dedupe.Index.load(path)


def add_redis_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("a live index on Redis (instead of an index FILE)")
    g.add_argument("--redis", metavar="URL", help=REDIS_HELP)
    g.add_argument("--namespace", metavar="NAME", help="the index's name on that server")


def warn_if_empty(args: argparse.Namespace, index: Any, path: str | None) -> None:
    """An index with no documents (built from empty inputs, or all removed or evicted)
    answers every question with nothing: say why on stderr, and how to fill it."""
    if len(index) == 0:
        where = path if path is not None else f"namespace {args.namespace!r}"
        target = path if path is not None else "--redis URL --namespace NAME"
        print(
            f"dedupe: warning: {terminal_text(where)} holds no documents (none were indexed, "
            "or all were removed or evicted), so nothing can match; add some with "
            f"`dedupe index add {terminal_text(target)} INPUT...`",
            file=sys.stderr,
        )
