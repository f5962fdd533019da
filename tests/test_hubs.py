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
    assert old.params == hubs.params  # the index's parameters and thresholds
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


# --- the report page ----------------------------------------------------------------------

import re  # noqa: E402
from pathlib import Path  # noqa: E402

from dedupe.align import align  # noqa: E402
from dedupe.render import diff_choice, html_report  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def meta_for(docs) -> dict[str, dict[str, str]]:
    return {
        k: {"title": f"Story {k.upper()}", "outlet": f"Outlet {i % 3}", "date": "2025-03-14"}
        for i, k in enumerate(docs)
        if k != "004"  # one document without metadata: shown by its id
    }


@pytest.fixture(scope="module")
def hub_page(hub_docs):
    docs = dict(hub_docs)
    report = dedupe.find_duplicates(docs, metadata=meta_for(docs))
    chosen = diff_choice(report.matches, 5, hubs=report.hubs)
    diffs = [(m, align(docs[m.a], docs[m.b])) for m in chosen]
    return report, chosen, html_report(report, diffs)


def _section(page: str, name: str) -> str:
    return page.split(f'<h2 id="{name}">', 1)[1].split("<h2 ", 1)[0]


def test_page_titles_and_member_links(hub_page):
    report, chosen, page = hub_page
    clusters = _section(page, "clusters")
    for c in report.clusters:
        for doc in c.members:
            label = report.metadata.get(doc, {}).get("title")
            code = f"<code>{doc}</code>"
            shown = f'<span class="dd-title">{label}</span> {code}' if label else code
            link = re.search(rf'<a href="#((?:pair|match)-\d+)">{re.escape(shown)}</a>', clusters)
            assert link, doc
            anchor = link.group(1)
            assert f'id="{anchor}"' in page
            number = int(anchor.split("-")[1])
            if anchor.startswith("pair-"):  # its diff, a pair inside its cluster
                m = chosen[number - 1]
            else:
                m = report.matches[number - 1]
            assert doc in (m.a, m.b) and {m.a, m.b} <= set(c.members)


def test_page_hubs_section(hub_page):
    report, _, page = hub_page
    hubs = _section(page, "hubs")
    for h in report.hubs:
        assert f"<code>{h.id}</code>" in hubs
        for c in h.clusters:
            if c is not None:
                assert f'<a href="#cluster-{c + 1}">cluster {c + 1}</a>' in hubs
    assert hubs.count("<tr>") == len(report.hubs) + 1


def test_diff_slots_skip_hub_pairs(hub_page):
    report, chosen, _ = hub_page
    hub_pairs = {frozenset((h.id, d)) for h in report.hubs for g in h.groups for d in g}
    others = [m for m in report.matches if frozenset((m.a, m.b)) not in hub_pairs]
    assert len(others) >= len(chosen)  # enough pairs not of a hub to fill the slots
    assert all(frozenset((m.a, m.b)) not in hub_pairs for m in chosen)
    shared = [m.shared for m in chosen if m.kind != "exact"]
    assert shared == sorted(shared, reverse=True)
    # with every slot: hub pairs come after every other pair, exact duplicates last
    every = diff_choice(report.matches, len(report.matches), hubs=report.hubs)
    ranks = [(m.kind == "exact", frozenset((m.a, m.b)) in hub_pairs) for m in every]
    assert ranks == sorted(ranks) and sorted(every, key=id) == sorted(report.matches, key=id)


def test_reuse_view_shares(hub_page):
    report, _, page = hub_page
    reuse = _section(page, "reuse")
    pairs = {frozenset((m.a, m.b)): m for m in report.matches}
    for number, c in enumerate(report.clusters, start=1):
        block = reuse.split(f'id="cluster-{number}-reuse"', 1)[1].split("</details>", 1)[0]
        for doc in c.members:
            if doc == c.representative:
                continue
            m = pairs.get(frozenset((doc, c.representative)))
            if m is None:
                continue
            share = m.containment_ab if m.a == c.representative else m.containment_ba
            assert f'<meter min="0" max="1" value="{share:.3f}"></meter>' in block
        outlets = {report.metadata.get(d, {}).get("outlet") for d in c.members} - {None}
        assert all(f"<td>{o}</td>" in block for o in outlets)


def test_equal_paragraphs_fold(seeds):
    from dedupe.text import paragraphs

    paras = [p.text for p in paragraphs(seeds["003"])]
    a = "\n\n".join(paras)
    b = "\n\n".join(paras[:-1] + ["A new closing paragraph written for this version."])
    report = dedupe.find_duplicates({"a": a, "b": b})
    page = html_report(report, [(report.matches[0], align(a, b))])
    assert page.count('<details class="dd-equal-run">') == 1
    assert re.search(r"<summary>\d+ equal paragraphs \(A1", page)


def test_page_in_chromium(hub_page, tmp_path):
    from browser import CHROMIUM_MISSING, find_chromium, load_page

    binary = find_chromium()
    if binary is None:
        pytest.skip(CHROMIUM_MISSING)
    report, chosen, page = hub_page
    out = tmp_path / "hubs.html"
    out.write_text(page, encoding="utf-8")
    broken = (
        "[...document.querySelectorAll('a[href^=\"#\"]')]"
        ".filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length"
    )
    page_info = load_page(
        binary,
        out,
        evaluate={
            "broken": broken,
            "links": "document.querySelectorAll('#clusters ~ table a, table a').length",
            "meters": "document.querySelectorAll('meter').length",
            "folds": "document.querySelectorAll('details.dd-equal-run').length",
            "open": "document.querySelectorAll('details').forEach(d => d.open = true); true",
        },
        screenshot=ARTIFACTS / "report-hubs.png",
    )
    assert page_info.errors == []
    assert page_info.requests == [out.resolve().as_uri()]
    assert page_info.values["broken"] == 0 and page_info.values["links"] > 0
    assert page_info.values["meters"] == sum(len(c) for c in report.clusters) - sum(
        1
        for c in report.clusters
        for d in c.members
        if d != c.representative
        and not any({m.a, m.b} == {d, c.representative} for m in report.matches)
    )
    assert (ARTIFACTS / "report-hubs.png").stat().st_size > 10_000


def test_cli_report_labels_from_fields(capsys, tmp_path, hub_docs):
    path = tmp_path / "docs.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i, (k, v) in enumerate(hub_docs.items()):
            record = {
                "id": k,
                "text": v,
                "headline": f"Headline {k}",
                "published": f"2025-0{i % 9 + 1}",
            }
            fh.write(json.dumps(record) + "\n")
    out = tmp_path / "r.html"
    args = ["report", str(path), "-o", str(out), "--label-field", "headline",
            "--date-field", "published", "-q"]  # fmt: skip
    assert main(args) == 0
    page = out.read_text(encoding="utf-8")
    report = dedupe.find_duplicates(hub_docs)
    for c in report.clusters:
        for d in c.members:
            assert f'<span class="dd-title">Headline {d}</span> <code>{d}</code>' in page
    assert "<th>date</th>" in page and "2025-01" in page
    hubs = page.split('<h2 id="hubs">', 1)[1].split("<h2 ", 1)[0]
    assert all(f"Headline {h.id}" in hubs for h in report.hubs)
