"""Views of matches and clusters, and the HTML pages opened in a real headless Chromium."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from browser import CHROMIUM_MISSING, find_chromium, load_page
from test_cli import SEED_000, SEED_001, make_corpus, seed_texts, write_folder

import dedupe
from dedupe.align import align
from dedupe.errors import InvalidParameterError
from dedupe.render import (
    MAX_LISTED_PAIRS,
    alignment_html,
    clusters_table,
    diff_choice,
    html_report,
    matches_table,
    write_clusters,
    write_matches,
)

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "reuters21578.jsonl.gz"


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    return make_corpus()


@pytest.fixture(scope="module")
def found(corpus):
    return dedupe.find_duplicates(corpus)


# ------------------------------------------------------------------------------- writers


def test_jsonl_is_match_to_dict(found):
    out = io.StringIO()
    write_matches(found.matches, out)
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [
        m.to_dict() for m in found.matches
    ]


def test_csv_has_every_field_at_full_precision(found):
    out = io.StringIO()
    write_matches(found.matches, out, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == len(found.matches)
    for row, m in zip(rows, found.matches, strict=True):
        assert set(row) == set(m.to_dict())
        assert (row["a"], row["b"], row["kind"]) == (m.a, m.b, m.kind)
        assert float(row["containment_ab"]) == m.containment_ab
        assert int(row["shared"]) == m.shared and row["exact"] == str(m.exact)


def test_table_columns_line_up(found):
    lines = matches_table(found.matches).splitlines()
    assert len(lines) == len(found.matches) + 1
    starts = [line.index(" jaccard") + len(" jaccard") for line in lines[:1]]
    for line, m in zip(lines[1:], found.matches, strict=True):
        assert line.split()[:3] == [m.a, m.b, m.kind]
        # numbers are right-aligned under their heading
        assert line[: starts[0]].rstrip().endswith(f"{m.jaccard:.3f}")


def test_cluster_views(found):
    out = io.StringIO()
    write_clusters(found.clusters, out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["members"] for r in rows] == [list(c.members) for c in found.clusters]
    assert rows[0]["weakest"] == found.clusters[0].weakest.to_dict()

    out = io.StringIO()
    write_clusters(found.clusters, out, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["id"] for r in rows] == [x for c in found.clusters for x in c.members]
    assert sum(r["representative"] == "True" for r in rows) == len(found.clusters)

    lines = clusters_table(found.clusters).splitlines()
    assert len(lines) == len(found.clusters) + 1
    assert lines[1].split()[:3] == [
        "1",
        str(len(found.clusters[0])),
        found.clusters[0].representative,
    ]


def test_unknown_format_is_refused(found):
    with pytest.raises(InvalidParameterError, match="unknown format 'xml'"):
        write_matches(found.matches, io.StringIO(), fmt="xml")
    with pytest.raises(InvalidParameterError, match="unknown format"):
        write_clusters(found.clusters, io.StringIO(), fmt="html")


# ------------------------------------------------------------------------------- pages


def report_page(report, texts, *, max_pairs=200, **options):
    """The report page as `dedupe report` makes it: the chosen pairs aligned, then rendered."""
    chosen = diff_choice(report.matches, max_pairs)
    diffs = [(m, align(texts[m.a], texts[m.b])) for m in chosen]
    return html_report(report, diffs, **options)


def test_report_page_has_every_part(corpus, found):
    chosen = diff_choice(found.matches, 3)
    page = report_page(found, corpus, max_pairs=3, inputs=["corpus"])
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "Content-Security-Policy" in page
    assert page.count('<details class="dd-pair"') == 3 == len(chosen)
    assert page.count('<tr id="cluster-') == len(found.clusters)
    assert f"{len(found.matches) - 3} pairs were left out" in page
    for c in found.clusters:
        assert all(f"<code>{m}</code>" in page for m in c.members)


def test_report_page_escapes_ids_and_text():
    text = "Breaking: <b>markup</b> & more words in this story about the market today.\n\n" * 3
    docs = {'<img src="x">': text, "a&b": text + "\n\nOne more paragraph here."}
    page = report_page(dedupe.find_duplicates(docs), docs)
    assert "<img" not in page and "<b>markup" not in page
    assert "&lt;img src=&quot;x&quot;&gt;" in page and "a&amp;b" in page
    assert "&lt;b&gt;markup&lt;/b&gt;" in page


def test_exact_duplicates_are_diffed_last():
    seeds = seed_texts()
    docs = {"copy-a": seeds[SEED_001], "copy-b": seeds[SEED_001], "part": seeds[SEED_000]}
    found = dedupe.find_duplicates(docs)
    assert found.matches[0].kind == "exact"  # best first...
    page = report_page(found, docs, max_pairs=1)
    diffed = re.findall(r'<details class="dd-pair"[^>]*><summary>1\. (.*?)</summary>', page)
    assert len(diffed) == 1 and "exact" not in diffed[0]  # ...but diffed last


def test_report_without_matches_and_without_diffs(corpus, found):
    docs = {"a": "One story about cocoa.", "b": "Another about grain prices."}
    page = report_page(dedupe.find_duplicates(docs), docs)
    assert "No clusters" in page and "No pairs" in page and '<details class="dd-pair"' not in page
    page = report_page(found, corpus, max_pairs=0)
    assert '<details class="dd-pair"' not in page
    assert f"{len(found.matches)} pairs were left out" in page
    with pytest.raises(InvalidParameterError, match="max_pairs"):
        report_page(found, corpus, max_pairs=-1)


def test_tables_are_capped(monkeypatch, corpus, found):
    import dedupe.render.report

    monkeypatch.setattr(dedupe.render.report, "MAX_LISTED_PAIRS", 2)
    monkeypatch.setattr(dedupe.render.report, "MAX_LISTED_CLUSTERS", 1)
    page = report_page(found, corpus, max_pairs=0)
    assert f"{len(found.matches) - 2} more pairs are not listed" in page
    assert f"{len(found.clusters) - 1} more clusters are not listed" in page
    assert page.count('<tr id="cluster-') == 1
    assert MAX_LISTED_PAIRS > 2


def test_diff_page():
    seeds = seed_texts()
    al = align(seeds[SEED_000], seeds[SEED_001])
    page = alignment_html(al, names=("a<1>.txt", "b.txt"))
    assert "a&lt;1&gt;.txt" in page and "<script" not in page
    assert page.count('<tr class="dd-op') == len(al.ops)


# ------------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        pytest.skip(CHROMIUM_MISSING)
    return binary


# Open every <details>, then describe each pair: the cells of its two columns and whether
# the first A and B cells stand side by side, each of a readable width.
_PAIRS_JS = """
(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  return [...document.querySelectorAll('details.dd-pair')].map(d => {
    const a = d.querySelector('table.dd-align td.dd-a');
    const b = d.querySelector('table.dd-align td.dd-b');
    if (!a || !b) return {a: !!a, b: !!b};
    const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
    return {a: d.querySelectorAll('td.dd-a').length, b: d.querySelectorAll('td.dd-b').length,
            side_by_side: ra.right <= rb.left + 1 && Math.abs(ra.top - rb.top) < 2,
            widths: [Math.round(ra.width), Math.round(rb.width)],
            text: d.querySelector('table.dd-align').innerText.length};
  });
})()
"""


def _check_pairs(pairs: list[dict], expected: int) -> None:
    assert len(pairs) == expected
    for pair in pairs:
        assert pair["a"] and pair["b"], pair
        assert pair["side_by_side"], pair
        assert min(pair["widths"]) > 200, pair
        assert pair["text"] > 0


def test_browser_helper_reports_errors(chromium, tmp_path):
    """The harness itself: a broken page must not pass as clean."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><title>bad</title><img src="https://example.invalid/x.png">'
        "<script>console.error('boom'); undefined_function();</script>"
    )
    page = load_page(chromium, bad)
    assert page.title == "bad"
    assert any("boom" in e for e in page.errors)
    assert any("undefined_function" in e for e in page.errors)
    assert any("example.invalid" in r for r in page.requests)


def test_report_in_chromium(chromium, tmp_path, corpus):
    folder = write_folder(corpus, tmp_path / "corpus")
    out = tmp_path / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "dedupe", "report", str(folder), "-o", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    pairs = len(dedupe.find_duplicates(corpus).matches)
    page = load_page(
        chromium,
        out,
        evaluate={
            "pairs": _PAIRS_JS,
            "scroll": "document.getElementById('diffs').scrollIntoView(); true",
        },
        screenshot=ARTIFACTS / "report.png",
    )
    assert page.errors == []
    assert page.requests == [out.resolve().as_uri()]  # nothing fetched but the page itself
    assert page.title == "dedupe report"
    _check_pairs(page.values["pairs"], pairs)
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_diff_page_in_chromium(chromium, tmp_path):
    out = tmp_path / "d.html"
    done = subprocess.run(
        [sys.executable, "-m", "dedupe", "diff", f"seeds/{SEED_000}", f"seeds/{SEED_001}"]
        + ["--format", "html", "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = "document.querySelectorAll('table.dd-align tr.dd-op').length"
    page = load_page(
        chromium,
        out,
        evaluate={"rows": rows, "ins": "document.querySelectorAll('ins').length"},
        screenshot=ARTIFACTS / "diff.png",
    )
    assert page.errors == [] and page.requests == [out.resolve().as_uri()]
    seeds = seed_texts()
    assert page.values["rows"] == len(align(seeds[SEED_000], seeds[SEED_001]).ops)
    assert page.values["ins"] > 0


@pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} not found (shared data set absent)")
def test_reuters_report_in_chromium(chromium, tmp_path):
    out = tmp_path / "reuters.html"
    done = subprocess.run(
        [sys.executable, "-m", "dedupe", "report", str(DATA), "-o", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    page = load_page(
        chromium, out, evaluate={"pairs": _PAIRS_JS}, screenshot=ARTIFACTS / "reuters-report.png"
    )
    assert page.errors == [] and page.requests == [out.resolve().as_uri()]
    _check_pairs(page.values["pairs"], 200)
    assert "pairs were left out" in out.read_text(encoding="utf-8")
