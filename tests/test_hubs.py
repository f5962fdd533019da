"""Hubs end to end: a roundup and a shared quote in real text, through the library and CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest

import dedupe
from dedupe.cli import main

QUOTE = (
    '"We will not stop until every family on this street has a safe place to sleep tonight '
    'and a warm meal tomorrow morning," the mayor told reporters outside the shelter on '
    "Tuesday evening."
)


@pytest.fixture(scope="module")
def hub_docs(seeds) -> dict[str, str]:
    """The seeds; a roundup holding three unrelated seeds whole; a quote, alone and pasted
    into three unrelated seeds (the ``+q`` copies)."""
    docs = dict(seeds)
    docs["roundup"] = "\n\n".join(seeds[k] for k in ("002", "003", "004"))
    docs["quote"] = QUOTE
    for k in ("000", "002", "004"):
        docs[f"{k}+q"] = f"{seeds[k]}\n\n{QUOTE}"
    return docs


def story(doc: str) -> str:
    """The true story of a document of ``hub_docs`` (000 and 001 overlap: one story)."""
    return {"001": "000"}.get(doc[:3], doc[:3])


def test_hubs_keep_stories_apart(hub_docs):
    report = dedupe.find_duplicates(hub_docs)
    for c in report.clusters:
        assert len({story(d) for d in c.members}) == 1, c.members
        assert not {"roundup", "quote"} & set(c.members)
    hubs = {h.id: h for h in report.hubs}
    assert set(hubs) == {"roundup", "quote"}
    assert hubs["roundup"].role == "container" and hubs["quote"].role == "contained"
    # each hub is listed with the clusters it draws from, and every listed cluster holds
    # the documents the hub matches there
    for h in report.hubs:
        assert len(h.groups) >= 2
        for ids, position in zip(h.groups, h.clusters, strict=True):
            if position is not None:
                assert set(ids) <= set(report.clusters[position].members)
            assert len({story(d) for d in ids}) == 1
    assert {story(g[0]) for g in hubs["roundup"].groups} == {"002", "003", "004"}
    assert {story(g[0]) for g in hubs["quote"].groups} == {"000", "002", "004"}
    assert json.loads(json.dumps(report.to_dict()))["hubs"][0]["id"] == report.hubs[0].id


def test_components_merge_and_matches_unchanged(hub_docs):
    hubs = dedupe.find_duplicates(hub_docs)
    old = dedupe.find_duplicates(hub_docs, clusters="components")
    assert old.matches == hubs.matches  # only the grouping changes
    assert old.hubs == ()
    assert len(old.clusters) == 1  # everything chained into one cluster
    assert old.params["clusters"] == "components" and hubs.params["clusters"] == "hubs"
    index = dedupe.Index()
    index.add_many(hub_docs)
    assert index.clusters(clusters="components") == list(old.clusters)
    assert index.group() == dedupe.cluster.Grouping(hubs.clusters, hubs.hubs)


@pytest.mark.parametrize("bad", ["chains", "", None, 1])
def test_cluster_rule_validated(bad):
    with pytest.raises(dedupe.InvalidParameterError, match="'hubs', 'components'"):
        dedupe.find_duplicates({"a": "x y"}, clusters=bad)
    with pytest.raises(dedupe.InvalidParameterError, match="'hubs', 'components'"):
        dedupe.Index().clusters([], clusters=bad)


def cli(capsys, *args: str) -> str:
    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def hub_dir(tmp_path_factory, hub_docs):
    root = tmp_path_factory.mktemp("hubs")
    for k, v in hub_docs.items():
        (root / f"{k}.txt").write_text(v, encoding="utf-8")
    return root


def test_cli_hubs_outputs(capsys, hub_dir):
    report = dedupe.find_duplicates(
        {p.name: p.read_text(encoding="utf-8") for p in sorted(hub_dir.iterdir())}
    )
    rows = [json.loads(x) for x in cli(capsys, "scan", str(hub_dir), "--hubs", "-q").splitlines()]
    assert [r["id"] for r in rows] == [h.id for h in report.hubs]
    for r, h in zip(rows, report.hubs, strict=True):  # cluster numbers: 1 = the largest
        assert [g["cluster"] for g in r["groups"]] == [
            None if c is None else c + 1 for c in h.clusters
        ]
    table = cli(capsys, "scan", str(hub_dir), "--hubs", "--format", "table", "-q")
    assert table.splitlines()[0].split() == ["hub", "role", "cluster", "draws", "from"]
    assert "roundup.txt" in table and "quote.txt" in table
    got = list(csv.DictReader(io.StringIO(cli(capsys, "scan", str(hub_dir), "--hubs",
                                              "--format", "csv", "-q"))))  # fmt: skip
    assert {(r["hub"], r["id"]) for r in got} == {
        (h.id, d) for h in report.hubs for g in h.groups for d in g
    }
    clusters = cli(capsys, "scan", str(hub_dir), "--clusters", "-q").splitlines()
    records = [json.loads(x) for x in clusters]
    assert len(records) == len(report.clusters)
    drawn = {(n, h.id) for h in report.hubs for n in h.clusters if n is not None}
    assert {(r["cluster"] - 1, h) for r in records for h in r["hubs"]} == drawn
    old = cli(capsys, "scan", str(hub_dir), "--clusters", "--cluster-rule", "components", "-q")
    assert len(old.splitlines()) == 1
    assert cli(capsys, "scan", str(hub_dir), "--hubs", "--cluster-rule", "components", "-q") == ""


def test_cli_rejects_unknown_rule(capsys, hub_dir):
    assert main(["scan", str(hub_dir), "--cluster-rule", "chains"]) == 2
    assert "invalid choice: 'chains'" in capsys.readouterr().err
