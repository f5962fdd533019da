"""Hostile and careless input: every problem is a specific DedupeError, nothing a user stored
is damaged, and memory stays bounded (issue 9). Fuzz tests run longer with --fuzz-long."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import stat
import struct
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedupe
from dedupe import DedupeError, Index, IndexFormatError, InvalidParameterError, InvalidTextError
from dedupe.cli import main

WORDS = "the rail line will open in may and carry ten thousand passengers a day".split()


def text_of(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


# --------------------------------------------------------------------- lone surrogates
@pytest.mark.parametrize(
    "call",
    [
        lambda: Index().add("a", "abc \ud800"),
        lambda: Index().query("abc \udfff more"),
        lambda: dedupe.find_duplicates({"a": "x \ud800", "b": "y"}),
        lambda: dedupe.align("a \ud800", "b"),
        lambda: dedupe.align("a", "b \udc80"),
    ],
)
def test_lone_surrogates_in_texts_are_refused(call):
    with pytest.raises(InvalidTextError, match="lone surrogate"):
        call()


def test_lone_surrogates_in_ids_are_refused_before_anything_is_stored(tmp_path):
    index = Index()
    with pytest.raises(InvalidParameterError, match="lone surrogate"):
        index.add_many({"ok": "fine words here", "bad\udc80": "more words"})
    assert len(index) == 0
    index.add("ok", "fine words here")
    index.save(tmp_path / "x.idx")  # nothing unencodable can have entered
    assert Index.load(tmp_path / "x.idx").ids() == ["ok"]


def test_cli_names_the_line_or_file_that_holds_a_surrogate(tmp_path, capsys):
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": "x \\ud800"}\n')
    assert main(["scan", str(jsonl)]) == 2
    assert "c.jsonl:2" in capsys.readouterr().err
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "good.txt").write_text("some words in a file")
    bad = os.fsencode(str(folder)) + b"/caf\xe9.txt"
    with open(bad, "wb") as fh:
        fh.write(b"more words in a file")
    for args in (["scan", str(folder)], ["index", "build", str(folder), "-o", str(tmp_path / "i")]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert "not valid UTF-8" in err and "Traceback" not in err


# --------------------------------------------------------------------- crafted index files
def _rewrite(path: Path, edit) -> None:
    """Apply ``edit`` to the header of an index file and recompute its checksum."""
    blob = path.read_bytes()
    magic, version, hlen = struct.unpack_from("<8sIQ", blob)
    header = json.loads(blob[20 : 20 + hlen])
    payload = blob[20 + hlen + 32 :]
    header, payload = edit(header, payload) or (header, payload)
    deep = "[" * 100_000 + "]" * 100_000  # too deep for a JSON reader's recursion
    head = json.dumps(header).replace('"__DEEP__"', deep).encode()
    path.write_bytes(struct.pack("<8sIQ", magic, version, len(head)) + head
                     + hashlib.sha256(head).digest() + payload)  # fmt: skip


def _set(section, key, value):
    def edit(header, payload):
        target = header if section is None else header[section]
        target[key] = value

    return edit


def _float_sets(header, payload):
    spec = next(s for s in header["arrays"] if s["name"] == "set_values")
    spec["dtype"] = "<f4"


def _nested(header, payload):
    header["params"] = "__DEEP__"


def _shape(name, shape):
    """Give array ``name`` the ``shape``, with no bytes (and the checksum of no bytes)."""

    def edit(header, payload):
        spec = next(s for s in header["arrays"] if s["name"] == name)
        spec.update(shape=shape, nbytes=0, sha256=hashlib.sha256(b"").hexdigest())

    return edit


CRAFTED = {
    "no params": lambda h, p: h.pop("params") and None,
    "seed -1": _set("params", "seed", -1),
    "ngram 2.5": _set("params", "ngram", 2.5),
    "window 7.5": _set("params", "window", 7.5),
    "bands 32.0": _set("params", "bands", 32.0),
    "huge num_perm": _set("params", "num_perm", 10**30),
    "unknown param": _set("params", "colour", "blue"),
    "workers in thresholds": _set("thresholds", "workers", 10**6),
    "jaccard as text": _set("thresholds", "jaccard", "0.5"),
    "ids=5": _set(None, "ids", 5),
    "ids with a number": _set(None, "ids", [1, "b"]),
    "version inside": _set(None, "version", 1),
    "arrays=None": _set(None, "arrays", None),
    "float sets": _float_sets,
    "unicode dtype": lambda h, p: next(s for s in h["arrays"] if s["name"] == "band_keys").update(
        dtype="<U1"
    ),
    "negative offset": lambda h, p: h["arrays"][0].update(offset=-8),
    "deep nesting": _nested,
    "huge empty band keys": _shape("band_keys", [0, 2**70]),
    "huge empty timestamps": _shape("timestamps", [2**70, 0]),
    "empty, overflowing numpy": _shape("set_values", [0, 2**62]),
    "empty, past the file": _shape("band_keys", [0, 10**6]),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_index_files_raise_index_format_error(tmp_path, name):
    index = Index()
    index.add_many({"a": text_of(random.Random(1), 60), "b": text_of(random.Random(2), 60)})
    path = tmp_path / "x.idx"
    index.save(path)
    _rewrite(path, CRAFTED[name])
    with pytest.raises(IndexFormatError):
        Index.load(path)


@pytest.mark.parametrize("size", range(8, 20))
def test_a_truncated_header_says_truncated(tmp_path, size):
    path = tmp_path / "x.idx"
    Index().save(path)
    path.write_bytes(path.read_bytes()[:size])
    with pytest.raises(IndexFormatError, match="truncated"):
        Index.load(path)


def test_an_index_file_never_chooses_the_worker_count(tmp_path):
    index = Index(workers=3)
    index.add("a", "some words")
    index.save(tmp_path / "x.idx")
    blob = (tmp_path / "x.idx").read_bytes()
    (hlen,) = struct.unpack_from("<Q", blob, 12)
    header = json.loads(blob[20 : 20 + hlen])  # the header itself, as the file holds it
    assert header["ids"] == ["a"] and header["params"]["ngram"] == 5
    assert "jaccard" in header["thresholds"]  # the options that are stored...

    def keys(x) -> set[str]:
        if isinstance(x, dict):
            return set(x) | {k for v in x.values() for k in keys(v)}
        return {k for v in x for k in keys(v)} if isinstance(x, list) else set()

    assert "workers" not in keys(header)  # ...and not the worker count, at any depth
    assert Index.load(tmp_path / "x.idx").workers == 0  # the machine's default, not data


# --------------------------------------------------------------------- misused options
@pytest.mark.parametrize(
    "call",
    [
        lambda: Index(seed=-1),
        lambda: Index(ngram="5"),
        lambda: Index(num_perm=128.0),
        lambda: Index(min_shingles=float("inf")),
        lambda: Index(workers="x"),
        lambda: Index(jaccard=float("nan")),
        lambda: Index(retention="1 day"),
        lambda: Index().query("some words", k="2"),
        lambda: Index().remove(["a"]),
        lambda: Index().merge(5),
        lambda: dedupe.find_duplicates(5),
        lambda: dedupe.find_duplicates("text"),
        lambda: dedupe.align("a", "b", min_similarity="high"),
    ],
)
def test_misused_options_raise_invalid_parameter_error(call):
    with pytest.raises(InvalidParameterError):
        call()


def test_saving_to_a_folder_or_a_device_is_refused(tmp_path):
    index = Index()
    index.add("a", "words")
    with pytest.raises(DedupeError, match="folder"):
        index.save(tmp_path)
    with pytest.raises(DedupeError, match="is a device, not a regular file"):
        index.save("/dev/zero")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(DedupeError, match="is a FIFO"):
        index.save(tmp_path / "fifo")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)  # left as it was


def test_saving_to_the_null_device_discards_it_and_leaves_it_be(tmp_path):
    index = Index()
    index.add("a", "words")
    (tmp_path / "null").symlink_to(os.devnull)
    for target in (os.devnull, tmp_path / "null"):
        index.save(target)
        info = os.stat(os.devnull)
        assert stat.S_ISCHR(info.st_mode) and os.path.getsize(os.devnull) == 0
    assert not list(Path("/dev").glob(".null.*.tmp"))  # no temporary file beside it


# --------------------------------------------------------------------- the command line
def _cli(args, *, stdin=None, timeout=60, **kw):
    return subprocess.run([sys.executable, "-m", "dedupe", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO, stdin=stdin, **kw)  # fmt: skip


def test_special_files_in_a_folder_are_never_read(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.txt").write_text("some words in a file")
    os.mkfifo(folder / "x.txt")  # would hang a plain read
    (folder / "z.txt").symlink_to("/dev/zero")  # would read without bound
    done = _cli(["scan", str(folder)], timeout=60)
    assert done.returncode == 2 and "not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "line, message",
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"id": ' + "9" * 5000 + ', "text": "x"}', "not accepted"),
    ],
)
def test_hostile_json_is_one_line_naming_the_line(tmp_path, line, message):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "fine"}\n' + line + "\n")
    done = _cli(["scan", str(path)])
    assert done.returncode == 2 and "c.jsonl:2" in done.stderr and message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unterminated_csv_quote_fails_naming_the_line(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text('id,text\na,"fine words"\nb,"never closed\nc,more\nd,more\n')
    done = _cli(["scan", str(path)])
    assert done.returncode == 2 and "c.csv:" in done.stderr and "bad CSV" in done.stderr


def test_closed_stdin_and_stdout_and_bad_seed_are_one_line():
    done = _cli(["scan", "-"], stdin=subprocess.DEVNULL, timeout=60)
    assert "Traceback" not in done.stderr
    closed_in = subprocess.run(f"{sys.executable} -m dedupe scan - <&-", shell=True,
                               capture_output=True, text=True, cwd=REPO)  # fmt: skip
    assert closed_in.returncode == 2 and "standard input is closed" in closed_in.stderr
    closed_out = subprocess.run(f"{sys.executable} -m dedupe scan seeds -q >&-", shell=True,
                                capture_output=True, text=True, cwd=REPO)  # fmt: skip
    assert closed_out.returncode == 2 and "standard output is closed" in closed_out.stderr
    seed = _cli(["scan", "seeds", "--seed", "4294967296"])
    assert seed.returncode == 2 and "seed must be" in seed.stderr and "Traceback" not in seed.stderr


def test_usage_errors_are_one_line():
    done = _cli(["scan", "--bogus", "seeds"])
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--bogus" in done.stderr


def test_a_full_disk_names_the_file(tmp_path, monkeypatch, capsys):
    import dedupe.inputs

    real_fsync = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dedupe.inputs.os, "fsync", full)
    out = tmp_path / "out.jsonl"
    assert main(["scan", "seeds", "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "no space left" in err.lower()
    monkeypatch.setattr(dedupe.inputs.os, "fsync", real_fsync)
    assert not list(tmp_path.iterdir())  # no temporary file left behind


# --------------------------------------------------------------------- saving safely
def test_two_threads_saving_to_one_path_leave_a_good_file(tmp_path):
    rng = random.Random(3)
    index = Index()
    index.add_many({f"d{i}": text_of(rng, 80) for i in range(300)})
    path = tmp_path / "x.idx"
    errors = []

    def save():
        for _ in range(5):
            try:
                index.save(path)
            except Exception as err:  # noqa: BLE001 - any failure fails the test
                errors.append(err)

    threads = [threading.Thread(target=save) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Index.load(path).ids() == index.ids()
    assert [p.name for p in tmp_path.iterdir()] == ["x.idx"]


def test_saving_keeps_the_mode_follows_links_and_cleans_stale_temporaries(tmp_path):
    index = Index()
    index.add("a", "some words")
    real = tmp_path / "real.idx"
    index.save(real)
    os.chmod(real, 0o600)
    link = tmp_path / "link.idx"
    link.symlink_to(real)
    stale = tmp_path / ".real.idx.abc123xy.tmp"  # mkstemp: 8 random characters
    stale.write_bytes(b"left by a killed save")
    os.utime(stale, (0, 0))
    fresh = tmp_path / ".real.idx.def456_z.tmp"
    fresh.write_bytes(b"another save under way")
    index.add("b", "more words")
    index.save(link)
    assert link.is_symlink() and Index.load(real).ids() == ["a", "b"]
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert not stale.exists() and fresh.exists()


# --------------------------------------------------------------------- bounded memory
def _traced_peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_adding_one_large_text_takes_under_20x_its_size():
    rng = random.Random(5)
    text = " ".join(rng.choice(WORDS) + str(rng.randint(0, 99999)) for _ in range(400_000))
    peak = _traced_peak(lambda: Index(workers=1).add("big", text))
    assert peak < 20 * len(text), (peak, len(text))


def test_align_of_many_short_paragraphs_stays_small():
    rng = random.Random(6)
    vocab = [f"w{i}" for i in range(2000)]
    text = "\n\n".join(" ".join(rng.choice(vocab) for _ in range(rng.randint(3, 10)))
                       for _ in range(3000))  # fmt: skip
    assert _traced_peak(lambda: dedupe.align(text, text)) < 80 * 2**20  # was 3 GB at 8,000
    same = "\n\n".join(["p"] * 3000)
    assert _traced_peak(lambda: dedupe.align(same, same)) < 40 * 2**20


def test_band_rows_agree_as_independent_permutations():
    """Bands of 4 rows agree about J**4 of the time on random sets: the permutations of a
    band are not correlated (measured, issue 9)."""
    from dedupe.sketch import MinHasher

    rng = np.random.default_rng(0)
    hasher = MinHasher(128, 1)
    agree = []
    for _ in range(150):
        common = rng.integers(0, 2**32, 200, dtype=np.uint64)
        a = np.concatenate([common, rng.integers(0, 2**32, 100, dtype=np.uint64)])
        b = np.concatenate([common, rng.integers(0, 2**32, 100, dtype=np.uint64)])
        eq = hasher.signature(a) == hasher.signature(b)
        agree.append(eq.reshape(32, 4).all(axis=1).mean())
    assert abs(np.mean(agree) - 0.5**4) < 0.02  # J = 200 / 400


def test_per_document_unique_is_exact_for_long_documents():
    from dedupe.sketch import unique_per_row

    rng = np.random.default_rng(7)
    values = rng.integers(0, 2**32, 3_000_000, dtype=np.uint64).astype(np.uint32)
    values[::7] = values[0]  # many repeats of one value
    offsets = np.array([0, 5, 2_500_000, 3_000_000])
    got, off = unique_per_row(values, offsets)
    for i in range(3):
        assert np.array_equal(
            got[off[i] : off[i + 1]], np.unique(values[offsets[i] : offsets[i + 1]])
        )


# --------------------------------------------------------------------- fuzz
texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)


def test_fuzz_api_raises_only_dedupe_errors(fuzz_examples):
    @settings(max_examples=fuzz_examples, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(a=texts, b=texts, doc_id=st.text(max_size=10))
    def run(a, b, doc_id):
        for call in (
            lambda: dedupe.find_duplicates({doc_id or "x": a, "y": b}),
            lambda: Index().add(doc_id, a),
            lambda: Index().query(a),
        ):
            try:
                call()
            except DedupeError:
                pass
        try:
            al = dedupe.align(a, b)
        except DedupeError:
            return
        for fmt in ("text", "markdown", "html"):
            dedupe.render.render_alignment(al, fmt).encode("utf-8")
        json.dumps(al.to_dict(), ensure_ascii=False).encode("utf-8")

    run()


def test_fuzz_index_files_load_or_raise_index_format_error(tmp_path, fuzz_examples):
    rng = random.Random(11)
    index = Index()
    index.add_many({f"d{i}": text_of(rng, rng.randint(5, 60)) for i in range(20)})
    path = tmp_path / "x.idx"
    index.save(path)
    good = path.read_bytes()
    hlen = struct.unpack_from("<8sIQ", good)[2]
    head_end = 20 + hlen + 32  # prefix, header and the header's checksum
    values = [None, -1, 0, 1, 2.5, 10**40, "x", [], {}, True, [1, "a"]]
    values += [2**31, 2**63, 2**70, [0, 2**70], [2**70, 0], [0, 2**62], [2**64], [0, 0, 2**40]]
    # shapes with no bytes: consistent with nbytes 0 and the checksum of nothing, so that
    # only a bound on each dimension stops them
    empty_shapes = [[0, 2**70], [2**70, 0], [0, 2**62], [2**63, 0], [0, 10**6], [0], [0, 4]]

    def empty(spec, shape):
        spec.update(shape=shape, nbytes=0, sha256=hashlib.sha256(b"").hexdigest())

    def load_or_refuse() -> bool:
        """Whether the file was refused; a file that loads must work."""
        try:
            loaded = Index.load(path)
        except IndexFormatError:
            return True
        loaded.query(text_of(rng, 30))
        loaded.pairs()
        return False

    names = [s["name"] for s in json.loads(good[20 : 20 + hlen])["arrays"]]
    for name in names:  # every array, every empty shape: a sweep, then the random fuzz
        for shape in empty_shapes:
            path.write_bytes(good)
            _rewrite(path, lambda h, p, n=name, x=shape: empty(
                next(s for s in h["arrays"] if s["name"] == n), x))  # fmt: skip
            refused = load_or_refuse()
            assert refused or shape in ([0], [0, 4]), (name, shape)
    # one flipped bit anywhere in the prefix, the header or its checksum is refused
    for at in range(0, head_end, max(1, head_end // 200)):
        blob = bytearray(good)
        blob[at] ^= 1 << (at % 8)
        path.write_bytes(bytes(blob))
        assert load_or_refuse(), at
    damaged, loaded_damaged = 0, []
    for _ in range(fuzz_examples):
        kind = rng.choice(("truncate", "flip", "header"))
        if kind == "truncate":
            path.write_bytes(good[: rng.randrange(len(good))])
        elif kind == "flip":
            blob = bytearray(good)
            for _ in range(rng.randint(1, 4)):
                blob[rng.randrange(len(blob))] ^= 1 << rng.randrange(8)
            path.write_bytes(bytes(blob))
        else:
            path.write_bytes(good)

            def edit(header, payload):
                section = rng.choice(["params", "thresholds", "arrays", None])
                if section == "arrays" and rng.random() < 0.5:
                    empty(rng.choice(header["arrays"]), rng.choice(empty_shapes))
                elif section == "arrays":
                    spec = rng.choice(header["arrays"])
                    spec[rng.choice(list(spec))] = rng.choice(values)
                elif section is None:
                    header[rng.choice(list(header))] = rng.choice(values)
                else:
                    header[section][rng.choice(list(header[section]))] = rng.choice(values)

            _rewrite(path, edit)
        # damage to the prefix, the header or its checksum (not a rewrite with a new
        # checksum) is always caught: the header is checksummed, the prefix checked
        head_damaged = kind != "header" and path.read_bytes()[:head_end] != good[:head_end]
        damaged += head_damaged
        if not load_or_refuse() and head_damaged:
            loaded_damaged.append(kind)
    assert loaded_damaged == []
    assert damaged >= fuzz_examples // 10  # the check above was exercised


def test_fuzz_cli_inputs_exit_0_or_2_with_one_line(tmp_path, fuzz_examples, capsys):
    rng = random.Random(12)
    good_jsonl = b'{"id": "a", "text": "the rail line will open"}\n{"id": "b", "text": "x y"}\n'
    good_csv = b'id,text\na,"the rail line, will open"\nb,"x y"\n'
    for n in range(max(20, fuzz_examples // 4)):
        name, good = rng.choice([("c.jsonl", good_jsonl), ("c.csv", good_csv)])
        blob = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            op = rng.random()
            at = rng.randrange(len(blob) + 1)
            if op < 0.4 and blob:
                del blob[min(at, len(blob) - 1)]
            elif op < 0.8:
                blob[at:at] = bytes([rng.choice(b'"{},\n\\\x00\xff\xc3[]:0a ')])
            else:
                blob[at:at] = rng.choice([b"\xed\xa0\x80", b'"\\ud800"', b"9" * 40, b"\r"])
        path = tmp_path / f"{n}-{name}"
        path.write_bytes(bytes(blob))
        code = main(["scan", str(path), "-q"])
        err = capsys.readouterr().err
        assert code in (0, 2), err
        assert "Traceback" not in err and err.count("\n") <= 1, err
