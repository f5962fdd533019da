"""Tests of the alignment views in dedupe.render."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dedupe.align import align
from dedupe.errors import InvalidParameterError
from dedupe.render import (
    ALIGNMENT_CSS,
    ALIGNMENT_SCHEMA,
    alignment_html,
    alignment_html_fragment,
    render_alignment,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

A = "Head line\n\nThe cat sat on the mat.\n\nGone paragraph here.\n\nMoved words stay the same."
B = "Moved words stay the same.\n\nHead line\n\nThe cat sat on a <mat> & rug.\n\nNew one."


class _Collect(HTMLParser):
    """Records tags (with their classes), and text found inside <del> / <ins>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, str]] = []
        self.stack: list[str] = []
        self.inside: dict[str, list[str]] = {"del": [], "ins": []}

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs).get("class") or ""))
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()

    def handle_data(self, data):
        for t in ("del", "ins"):
            if self.stack and self.stack[-1] == t:
                self.inside[t].append(data)


_VOID = {"meta", "br", "col"}


def _parse(html_text: str) -> _Collect:
    p = _Collect()
    p.handle_startendtag = lambda tag, attrs: None  # type: ignore[method-assign]
    orig_start = p.handle_starttag

    def start(tag, attrs):
        orig_start(tag, attrs)
        if tag in _VOID:
            p.stack.pop()

    p.handle_starttag = start  # type: ignore[method-assign]
    p.feed(html_text)
    p.close()
    assert p.stack == []  # every element closed
    return p


def test_text_view():
    out = render_alignment(align(A, B), "text")
    # Ops in A's order: the moved paragraph stands at its place in A; B-only ones in place.
    assert [line[:2] for line in out.splitlines() if not line.startswith("  ")] == [
        "= ",
        "~ ",
        "- ",
        "> ",
        "+ ",
    ]
    assert "> A4 -> B1 moved 1.00" in out
    # The inline view is A's text with B's changed words (B's punctuation is not shown).
    assert "~ A2 -> B3 edited 0.77\n  The cat sat on [-the-]{+a+} mat {+rug+}." in out
    assert "- A3 only_a\n  Gone paragraph here." in out
    assert out.endswith("+ B4 only_b\n  New one.")


def test_markdown_view_escapes_and_marks():
    out = render_alignment(align(A, B), "markdown")
    assert "**moved** A4 → B1 (1.00)" in out
    assert "~~the~~**a**" in out
    assert "mat **rug**\\." in out  # markdown specials escaped
    md = render_alignment(align("a *b* c", "a *b* d [x](y)", min_similarity=0.5), "markdown")
    assert md.endswith(r"a \*b\* ~~c~~**d \[x\]\(y**")
    assert "**only in A** A3" in out and "**only in B** B4" in out


def test_html_page_is_self_contained_and_escaped():
    page = render_alignment(align(A, B), "html")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and not re.search(r"(src|href)=", page)
    assert "<mat>" not in page and "&lt;mat&gt; &amp; <ins>rug</ins>" in page
    p = _parse(page)
    assert ("style", "") in p.tags and ("table", "dd-align") in p.tags
    rows = [c for t, c in p.tags if t == "tr" and c.startswith("dd-op")]
    assert rows == [
        "dd-op dd-equal",
        "dd-op dd-edited",
        "dd-op dd-only_a",
        "dd-op dd-moved",
        "dd-op dd-only_b",
    ]
    assert p.inside["del"] == ["the"]
    assert p.inside["ins"] == ["a", "rug"]
    assert ("td", "dd-b dd-empty") in p.tags and ("td", "dd-a dd-empty") in p.tags


def test_html_fragment_has_no_page_wrapper_and_css_matches_classes():
    frag = alignment_html_fragment(align(A, B))
    assert frag.startswith('<table class="dd-align">') and "<html" not in frag
    for cls in ("dd-align", "dd-moved", "dd-only_a", "dd-only_b", "dd-empty", "dd-tag"):
        assert "." + cls in ALIGNMENT_CSS
    assert ALIGNMENT_CSS in alignment_html(align(A, B))


def test_split_op_highlights_each_b_paragraph():
    a = "One two three four five six. Seven eight nine ten eleven twelve."
    b = "One two three four five six.\n\nSeven eight nine ten eleven zwolf."
    al = align(a, b)
    assert [op.kind for op in al.ops] == ["split"]
    p = _parse(alignment_html_fragment(al))
    assert p.inside["del"] == ["twelve"] and p.inside["ins"] == ["zwolf"]
    assert render_alignment(al, "text").splitlines()[0] == "< A1 -> B1-2 split 0.92"


def test_seed_page_marks_the_word_changes():
    a = (SEEDS / "000_e87e7298a988fb3b.txt").read_text(encoding="utf-8")
    b = (SEEDS / "001_37f83820fa790c5f.txt").read_text(encoding="utf-8")
    p = _parse(render_alignment(align(a, b), "html"))
    assert "Deep-Seek" in p.inside["del"] and "DeepSeek" in p.inside["ins"]
    assert "Ma said that" in p.inside["del"] and "According to her" in p.inside["ins"]


def test_unknown_format():
    with pytest.raises(InvalidParameterError, match="unknown format 'pdf'"):
        align("a", "b").render("pdf")


def test_empty_alignment_renders():
    al = align("", "")
    assert render_alignment(al, "text") == ""
    assert render_alignment(al, "markdown") == ""
    assert "<tbody></tbody>" in alignment_html_fragment(al).replace("\n", "")


def test_schema_names_every_key_of_to_dict():
    d = json.loads(json.dumps(align(A, B).to_dict()))
    keys = set(d) | set(d["summary"]) | set(d["ops"][0]) | set(d["a_paragraphs"][0])
    keys |= {k for op in d["ops"] for w in op["word_ops"] for k in w}
    for key in keys:
        assert f"`{key}`" in ALIGNMENT_SCHEMA, key
