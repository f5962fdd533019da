"""The packed id table of the in-memory store answers as a dict of id to row would."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe.store.ids import IdTable

IDS = st.text(min_size=1, max_size=6)  # short ids collide in hash slots, lone surrogates too


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.lists(IDS, max_size=40)), max_size=8))
def test_table_matches_a_dict_through_adds_and_removals(steps):
    table, rows, names = IdTable(), {}, []
    for removing, batch in steps:
        if removing:  # remove those of the batch that are in, once each
            gone = [d for d in batch if d in rows]  # repeats removed once
            want = [rows[d] for d in dict.fromkeys(gone)]
            assert table.remove(gone).tolist() == want
            for d in gone:
                rows.pop(d, None)
        else:  # add those not in yet, once each
            new = list(dict.fromkeys(d for d in batch if d not in rows))
            got = table.add(new).tolist()
            assert got == list(range(len(names), len(names) + len(new)))
            rows.update(zip(new, got))
            names.extend(new)
        probe = list(rows) + batch + ["never added"]
        want = [rows.get(d, -1) for d in probe]
        assert table.find(probe).tolist() == want  # the batch path
        assert [int(table.find([d])[0]) for d in probe] == want  # the one-id path
        assert len(table) == len(rows) and table.rows == len(names)
        assert table.id_of(np.arange(len(names))) == names  # removed ones keep their bytes


def test_a_table_of_many_ids_grows_and_finds_each():
    ids = [f"doc-{i}" for i in range(20_000)]
    table = IdTable()
    for lo in range(0, len(ids), 3_000):
        table.add(ids[lo : lo + 3_000])
    assert table.find(ids).tolist() == list(range(len(ids)))
    assert table.find(["doc-20000", "doc-", ""]).tolist() == [-1, -1, -1]
    with pytest.raises(KeyError, match="nope"):  # nothing removed: doc-1 stays
        table.remove(["doc-1", "nope"])
    assert table.find(["doc-1"]).tolist() == [1]
    table.remove(ids[::2])
    found = table.find(ids)
    assert (found[::2] == -1).all() and found[1::2].tolist() == list(range(1, 20_000, 2))
    again = table.add(ids[:10:2])  # re-added ids take new rows
    assert table.find(ids[:10:2]).tolist() == again.tolist() == list(range(20_000, 20_005))


def test_a_table_pickled_to_another_process_finds_its_ids(tmp_path):
    """``hash()`` of a str differs between processes (PYTHONHASHSEED): an unpickled table
    places its rows again, so every live id is found there and no removed one is."""
    import pickle
    import subprocess
    import sys

    from conftest import REPO

    table = IdTable()
    ids = [f"id-{i}" for i in range(500)]
    table.add(ids)
    table.remove(ids[::5])
    (tmp_path / "t.pkl").write_bytes(pickle.dumps(table))
    code = (
        "import pickle, sys; t = pickle.loads(open(sys.argv[1], 'rb').read()); "
        "print(t.find([f'id-{i}' for i in range(500)]).tolist(), len(t))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "t.pkl")],
        capture_output=True, text=True, check=True, cwd=REPO,
        env={"PYTHONHASHSEED": "12345", "PATH": "", "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    want = [-1 if i % 5 == 0 else i for i in range(500)]
    assert done.stdout.strip() == f"{want} 400"
