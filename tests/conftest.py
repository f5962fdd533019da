"""Shared fixtures: the embedded seeds and, when present, the Reuters corpus in ../shared."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
REUTERS = REPO.parent / "shared" / "data" / "reuters21578.jsonl.gz"
OCR_DEV_SET = REPO.parent / "shared" / "data" / "ocr-newspapers-dev.jsonl.gz"


def seed_texts() -> dict[str, str]:
    """The five seed articles keyed by their three-digit prefix ("000" ... "004")."""
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="session")
def seeds() -> dict[str, str]:
    return seed_texts()


# What OCR engines do to letters (a few of the confusions measured on the dev set).
CONFUSIONS = {"e": "c", "c": "e", "h": "li", "m": "rn", "n": "u", "u": "n", "i": "l", "o": "0"}


def noisy(text: str, rate: float, seed: int) -> str:
    """``text`` with about ``rate`` of its letters misread (confusions, dropped and stray
    letters, split words), reproducibly."""
    rng = random.Random(seed)
    out = []
    for c in text:
        if not c.isalpha() or rng.random() >= rate:
            out.append(c)
            continue
        r = rng.random()
        if r < 0.5:
            out.append(CONFUSIONS.get(c, "e"))
        elif r < 0.65:
            continue  # dropped
        elif r < 0.8:
            out.append(c + rng.choice("ilt.,'"))
        else:
            out.append(c + " ")  # a split word
    return "".join(out)


@pytest.fixture(scope="session")
def noisy_collection(seeds) -> dict[str, str]:
    """The seeds and, of each of 001-004, copies with 3%, 8% and 15% of letters misread
    (fuzzy mode's tests, on every engine)."""
    docs = dict(seeds)
    for key in ("001", "002", "003", "004"):
        for k, rate in enumerate((0.03, 0.08, 0.15)):
            docs[f"{key}-ocr{k}"] = noisy(seeds[key], rate, seed=10 * int(key) + k)
    return docs


def _shared_rows(path: Path, what: str) -> list[dict]:
    """The rows of a gzipped JSONL file of ../shared/data, or the test skipped saying so."""
    if not path.exists():
        pytest.skip(f"{what} not found at {path}")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="session")
def reuters() -> list[dict]:
    return _shared_rows(REUTERS, "Reuters corpus")


@pytest.fixture(scope="session")
def ocr_dev_set() -> list[dict]:
    """The OCR development set's rows (id, ocr, clean, cer...), when ../shared has it."""
    return _shared_rows(OCR_DEV_SET, "the OCR development set")


def pytest_addoption(parser):
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        help="run the fuzz tests for many more examples (also: DEDUPE_FUZZ_LONG=1)",
    )


@pytest.fixture(scope="session")
def fuzz_examples(request) -> int:
    """How many examples each fuzz test tries: a few in the default run, many with
    --fuzz-long or DEDUPE_FUZZ_LONG=1."""
    import os

    long = request.config.getoption("--fuzz-long") or os.environ.get("DEDUPE_FUZZ_LONG")
    return 2000 if long else 60


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for every Spark test (``local[2]``, no UI, few shuffle
    partitions, bound to the loopback address); the test modules skip without pyspark."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("dedupe-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def persistent_redis(tmp_path):
    """A redis-server of our own that writes an append-only file (restarted by the test,
    its data kept), or the test skipped when there is none."""
    from benchmarks.redis_server import RedisServer

    server = _started(RedisServer(tmp_path / "aof", persist=True))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A redis-server of our own on 127.0.0.1 (benchmarks/redis_server.py), stopped by its
    pid after the session; the test is skipped, saying why, when none can be started."""
    pytest.importorskip("redis", reason="the redis package is not installed (the 'redis' extra)")
    import sys

    sys.path.insert(0, str(REPO))
    from benchmarks.redis_server import RedisServer

    server = _started(RedisServer(tmp_path_factory.mktemp("redis")))
    yield server
    server.stop()


def _started(server):
    """``server`` started, or the test skipped saying why none can be."""
    from benchmarks.redis_server import ServerUnavailable

    try:
        return server.start()
    except ServerUnavailable as err:
        pytest.skip(str(err))
