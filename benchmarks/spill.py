"""Spilled shingle sets: anonymous memory of ``find_duplicates`` with and without ``spill``.

``python -m benchmarks.spill CORPUS.jsonl [--spill-dir DIR]``

Runs ``find_duplicates(iter_documents([CORPUS]))`` twice, each in a fresh process: held in
memory, then with ``spill=`` a temporary folder (in ``--spill-dir``, default the system's
temporary folder). A watcher samples the main process's ``/proc/PID/status`` every 50 ms
and reports its peak ``VmRSS`` and its peak ``RssAnon`` (memory no file backs: what the
kernel cannot drop under pressure; pages of the spill files' memory maps are counted in
``VmRSS`` while cached, not in ``RssAnon``), the time, and that both runs report the same
matches. Worker processes are not watched (they hold texts, not the sets).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

_RUN = """
import hashlib, sys, tempfile, time
import dedupe
from dedupe.inputs import iter_documents
path, folder = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
t = time.perf_counter()
if folder is None:
    report = dedupe.find_duplicates(iter_documents([path]))
else:
    with tempfile.TemporaryDirectory(dir=folder) as spill:
        report = dedupe.find_duplicates(iter_documents([path]), spill=spill)
seconds = time.perf_counter() - t
digest = hashlib.sha256(repr(report.matches).encode()).hexdigest()[:16]
print(seconds, len(report.matches), digest)
"""


def _status_mb(pid: int, field: str) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:  # the process ended between two samples
        pass
    return 0.0


def run(corpus: str, spill_dir: str | None) -> dict[str, float | int | str]:
    """One run in a fresh process, watched: seconds, matches, digest, peak MB."""
    args = [sys.executable, "-c", _RUN, corpus] + ([spill_dir] if spill_dir else [])
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    rss = anon = 0.0
    while proc.poll() is None:
        rss = max(rss, _status_mb(proc.pid, "VmRSS"))
        anon = max(anon, _status_mb(proc.pid, "RssAnon"))
        time.sleep(0.05)
    out = proc.stdout.read().split() if proc.stdout else []
    if proc.returncode or len(out) != 3:
        raise SystemExit(f"the run failed (exit {proc.returncode})")
    return {"seconds": float(out[0]), "matches": int(out[1]), "digest": out[2],
            "rss_mb": rss, "anon_mb": anon}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.spill", description=__doc__)
    p.add_argument("corpus", help="JSONL with id and text fields")
    p.add_argument("--spill-dir", default=None, help="where the spill folder goes")
    args = p.parse_args(argv)
    import tempfile

    held = run(args.corpus, None)
    spilled = run(args.corpus, args.spill_dir or tempfile.gettempdir())
    for name, r in (("in memory", held), ("spill=", spilled)):
        print(f"{name:10s} {r['seconds']:7.1f} s  {r['matches']:,} matches  main process peak "
              f"RSS {r['rss_mb']:,.0f} MB, anonymous {r['anon_mb']:,.0f} MB")  # fmt: skip
    same = held["digest"] == spilled["digest"]
    print("same matches" if same else "DIFFERENT MATCHES")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
