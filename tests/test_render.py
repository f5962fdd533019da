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
from dedupe.text import words

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
        render_alignment(align("a", "b"), "pdf")


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


# --------------------------------------------------------------------------- passages

# A shared sentence that stands in a paragraph of each side that is not paired with the
# other (too little else in common): it is highlighted on both sides.
_SHARED = 'The council said <script>alert("x")</script> would run in the spring & summer.'
_PA = (
    "Critics say the plan is late, costs far too much money and will not be ready before "
    "the end of the decade. " + _SHARED
)
_PB = "Weather: rain.\n\nOfficials said that " + _SHARED[0].lower() + _SHARED[1:]


class _Marks(HTMLParser):
    """Text inside each <mark>, its title, and every id and href of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[list[str]] = []
        self.titles: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "mark":
            self.depth += 1
            self.marks.append([])
            self.titles.append(a.get("title") or "")

    def handle_endtag(self, tag):
        if tag == "mark":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.marks[-1].append(data)


def _marks(page: str) -> _Marks:
    p = _Marks()
    p.feed(page)
    p.close()
    return p


def test_passages_are_marked_in_unpaired_paragraphs_and_escaped():
    al = align(_PA, _PB)
    assert [op.kind for op in al.ops] == ["only_a", "only_b", "only_b"]
    (p,) = al.passages
    page = render_alignment(al, "html")
    assert "<script" not in page and "&lt;script&gt;" in page
    m = _marks(page)
    inside = ["".join(x) for x in m.marks]
    assert inside[0] == "marked"  # the legend, in the summary line
    assert inside[1:] == [_PA[p.a_start : p.a_end], _PB[p.b_start : p.b_end]]
    assert 'alert("x")</script> would run in the spring & summer' in inside[1]
    assert m.titles[1:] == ["also in B, paragraph 2", "also in A, paragraph 1"]
    # Links go to anchors of this page only: no script, no external reference.
    assert m.hrefs == ["#dd-B2", "#dd-A1"] and {h[1:] for h in m.hrefs} <= set(m.ids)
    assert len(m.ids) == len(set(m.ids))
    assert "mark.dd-passage" in ALIGNMENT_CSS
    assert "2 passages" not in page and "1 shared passage of 8+ words" in page


def test_passages_in_text_and_markdown_views():
    al = align(_PA, _PB)
    text = render_alignment(al, "text")
    assert "\u00abThe council said <script>" in text and "summer\u00bb[B2]." in text
    assert "Officials said that \u00abthe council said" in text and "summer\u00bb[A1]." in text
    md = render_alignment(al, "markdown")
    assert '<mark title="also in B, paragraph 2">The council said \\<script\\>' in md
    assert "summer</mark><sup>B2</sup>\\." in md and "<sup>A1</sup>" in md
    assert "<script>" not in md


def test_passage_inside_an_edited_pair_is_marked_only_where_it_came_from_elsewhere():
    """A sentence moved from A's first paragraph into B's (edited) second one is marked
    in both; the unchanged words of the pair itself are not."""
    one = "Rain fell across the north on Monday and more is due later in the week."
    moved = "The minister said the new rail line would open to passengers in the spring."
    two = "Fares will be lower than the bus, and trains will run every ten minutes all day."
    al = align(f"{one} {moved}\n\n{two}", f"{one}\n\n{two} {moved}")
    assert [op.kind for op in al.ops] == ["edited", "edited"]
    frag = alignment_html_fragment(al)
    m = _marks(frag)
    inside = ["".join(x) for x in m.marks]
    assert inside == [moved.rstrip("."), moved.rstrip(".")]
    assert m.titles == ["also in B, paragraph 2", "also in A, paragraph 1"]
    # The mark holds the deleted (inserted) words: it spans the passage, the diff is inside.
    assert f'title="also in B, paragraph 2"><del>{moved.rstrip(".")}</del></mark>' in frag
    assert f'title="also in A, paragraph 1"><ins>{moved.rstrip(".")}</ins></mark>' in frag
    text = render_alignment(al, "text")
    assert f"[-\u00ab{moved.rstrip('.')}\u00bb[B2]-]" in text
    assert f"{{+\u00ab{moved.rstrip('.')}\u00bb[A1]+}}" in text


def test_seed_page_marks_the_passages_found_elsewhere():
    """In the seed pair, 000's sub-headline (A2, unpaired) is reused inside 001's eighth
    paragraph (unpaired): both are marked. The other passages stand in the paragraphs they
    are paired with (the 13-paragraph run), so they are shown as unchanged text instead."""
    a = (SEEDS / "000_e87e7298a988fb3b.txt").read_text(encoding="utf-8")
    b = (SEEDS / "001_37f83820fa790c5f.txt").read_text(encoding="utf-8")
    al = align(a, b)
    page = render_alignment(al, "html")
    assert page.count("<mark") == 3  # two passages and the summary's legend
    m = _marks(page)
    inside = ["".join(x) for x in m.marks][1:]
    assert inside[0] == (
        "Nation's emphasis on nurturing sectors such as 6G, quantum computing, robotics"
    )
    assert words(inside[0]) == words(inside[1])
    assert m.titles[1:] == ["also in B, paragraph 8", "also in A, paragraph 2"]
    shared = {tuple(words(a[p.a_start : p.a_end])) for p in al.passages}
    assert all(tuple(words(t)) in shared for t in inside)
    assert {h[1:] for h in m.hrefs} <= set(m.ids)


def test_report_page_anchors_are_unique_per_pair():
    from dedupe import find_duplicates
    from dedupe.render import diff_choice, html_report

    texts = {"x": _PA, "y": _PB, "z": _PA + " One more sentence here.", "w": _PB + " And this."}
    report = find_duplicates(texts, ngram=2)
    diffs = [(m, align(texts[m.a], texts[m.b])) for m in diff_choice(report.matches, 10)]
    assert len(diffs) >= 2
    m = _marks(html_report(report, diffs))
    assert len(m.ids) == len(set(m.ids))
    assert {h[1:] for h in m.hrefs if h.startswith("#pair-")} <= set(m.ids)


def test_schema_names_every_passage_key():
    d = json.loads(json.dumps(align(_PA, _PB).to_dict()))
    assert d["version"] == 3 and d["passages"]
    for key in {k for p in d["passages"] for k in p} | set(d["options"]):
        assert f"`{key}`" in ALIGNMENT_SCHEMA, key
    (p,) = d["passages"]
    assert _PA[p["a_start"] : p["a_end"]].startswith("The council said <script>")
    assert (p["a"], p["b"]) == ([0, 1], [1, 2])


def test_schema_states_the_repeat_bound():
    from dedupe.align import MAX_PASSAGE_REPEATS

    assert f"at most {MAX_PASSAGE_REPEATS} times" in ALIGNMENT_SCHEMA


def _rendered_marks(al, monkeypatch) -> tuple[str, str, int]:
    """The HTML and text views of ``al``, and how many marks (spans to highlight, before
    and after merging) rendering them made: the views' work on repeated text."""
    import dedupe.render.alignment as views

    made = [0]

    class Counted(views._Mark):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made[0] += 1

    with monkeypatch.context() as m:
        m.setattr(views, "_Mark", Counted)
        page, text = render_alignment(al, "html"), render_alignment(al, "text")
    return page, text, made[0]


def test_repeated_text_renders_in_linear_time_and_marks_only_what_is_elsewhere(monkeypatch):
    """One sentence 2,000 times against 100 times: about 1,900 passages, each spanning
    100 paragraphs; the views look at each word a bounded number of times (counted, not
    timed: marking every paragraph of every passage made 1.7 million marks at 2,000
    against 100, 16,000 now). Copies shown next to their counterpart (the 100 equal pairs)
    are not marked; the others name a few places and say there are more."""
    from dedupe.render.alignment import MAX_NAMED_PLACES

    sentence = "This story may not be republished without the written permission of the owner."
    a, b = "\n\n".join([sentence] * 2000), "\n\n".join([sentence] * 100)
    al = align(a, b)
    assert len(al.passages) > 1000
    page, text, made = _rendered_marks(al, monkeypatch)
    # two views, each a bounded number of marks per paragraph of A and B
    assert made <= 2 * 2 * (MAX_NAMED_PLACES + 1) * (2000 + 100), made
    half = align("\n\n".join([sentence] * 1000), "\n\n".join([sentence] * 50))
    assert made <= 2.2 * _rendered_marks(half, monkeypatch)[2]  # twice the text: twice the work
    m = _marks(page)
    assert len(m.marks) - 1 == 2000 - 100  # every A copy without a B copy next to it
    assert all(t.endswith(" and more places") for t in m.titles[1:])
    assert text.count("\u00ab") == 1900 and "= A1 -> B1 equal 1.00\n  This story" in text
    same = render_alignment(align(a, a), "html")
    assert '<mark class="dd-passage" title' not in same  # everything stands in place


# ------------------------------------------------------------------------ noise and folding

# OCR-read A (misread words, a stray mark read as "i") against a clean B that
# also has two real edits: a replaced word and a changed number.
NOISY_A = "Tbe <cmincil> met on Monday to discuss i the new rail line, costing 1,200 pounds."
CLEAN_B = "The <council> met on Friday to discuss the new rail line, costing 1,250 pounds."


def test_noise_is_told_from_edits_in_the_word_ops_and_summary():
    al = align(NOISY_A, CLEAN_B)
    changed = [(w.a_text, w.b_text, w.noise) for w in al.ops[0].word_ops if w.tag != "equal"]
    assert changed == [
        ("Tbe <cmincil", "The <council", True),
        ("Monday", "Friday", False),
        ("i", "", True),
        ("200", "250", False),  # 1,200 is two word tokens: 1 and 200
    ]
    s = al.summary()
    assert (s["edits"], s["noise"]) == (2, 2)
    assert (s["a_edit_words"], s["b_edit_words"]) == (2, 2)
    assert (s["a_noise_words"], s["b_noise_words"]) == (3, 2)


def test_text_view_folds_and_unfolds_noise():
    al = align(NOISY_A, CLEAN_B)
    shown = render_alignment(al, "text")
    assert "{~~Tbe <cmincil~>The <council~~}" in shown and "{~~i~>~~}" in shown
    assert "[-Monday-]{+Friday+}" in shown and "1,[-200-]{+250+}" in shown
    folded = render_alignment(al, "text", fold_noise=True)
    assert "{~~" not in folded and "discuss the new" in folded
    assert folded.splitlines()[1].strip() == (
        "The <council> met on [-Monday-]{+Friday+} to discuss the new rail line, "
        "costing 1,[-200-]{+250+} pounds."
    )
    clean_a = render_alignment(al, "text", fold_noise="a")  # A's words stand for the noise
    assert "Tbe <cmincil>" in clean_a and "{~~" not in clean_a and "[-Monday-]" in clean_a


def test_markdown_view_folds_and_unfolds_noise():
    al = align(NOISY_A, CLEAN_B)
    shown = render_alignment(al, "markdown")
    assert r"~~Tbe \<cmincil~~*The \<council*" in shown and "discuss ~~i~~ the" in shown
    assert "~~Monday~~**Friday**" in shown
    folded = render_alignment(al, "markdown", fold_noise=True)
    assert r"The \<council\> met on ~~Monday~~**Friday**" in folded
    assert r"*The \<council*" not in folded and "discuss the new" in folded and "  " not in folded
    assert "1,~~200~~**250**" in folded


def test_html_view_folds_and_unfolds_noise():
    al = align(NOISY_A, CLEAN_B)
    p = _parse(render_alignment(al, "html"))
    assert ("del", "dd-noise") in p.tags and ("ins", "dd-noise") in p.tags
    assert "Monday" in p.inside["del"] and "Friday" in p.inside["ins"]
    assert ".dd-align del.dd-noise" in ALIGNMENT_CSS and ".dd-align ins.dd-noise" in ALIGNMENT_CSS
    frag = alignment_html_fragment(al)
    assert '<del class="dd-noise">Tbe &lt;cmincil</del>' in frag  # escaped inside the mark
    folded = render_alignment(al, "html", fold_noise=True)
    q = _parse(folded)
    assert not [t for t in q.tags if "dd-noise" in t[1]]
    assert q.inside["del"] == ["Monday", "200"] and q.inside["ins"] == ["Friday", "250"]
    # both columns read the clean side's words where the scan was noisy
    assert folded.count("The &lt;council&gt; met on") == 2 and "cmincil" not in folded
    assert " i " not in re.sub(r"<[^>]*>", " ", folded.split("<body>")[1])
    clean_a = alignment_html_fragment(al, fold_noise="a")
    assert clean_a.count("Tbe &lt;cmincil&gt;") == 2 and "council" not in clean_a


def test_json_view_folds_and_unfolds_noise():
    al = align(NOISY_A, CLEAN_B)
    d = json.loads(json.dumps(al.to_dict()))
    assert d["fold_noise"] is None
    assert [w["noise"] for w in d["ops"][0]["word_ops"]] == [True, False, True, False]
    folded = json.loads(json.dumps(al.to_dict(fold_noise=True)))
    assert folded["fold_noise"] == "b" and folded["summary"] == d["summary"]
    ops = folded["ops"][0]["word_ops"]
    assert [(w["a_text"], w["b_text"]) for w in ops] == [("Monday", "Friday"), ("200", "250")]
    full = al.to_dict(fold_noise="a", equal_words=True)["ops"][0]["word_ops"]
    assert full and not [w for w in full if w["noise"]] and full[0]["tag"] == "equal"


def test_fold_noise_refuses_a_bad_value():
    al = align(NOISY_A, CLEAN_B)
    for call in (
        lambda: render_alignment(al, "text", fold_noise="c"),
        lambda: alignment_html_fragment(al, fold_noise="yes"),
        lambda: al.to_dict(fold_noise=1),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidParameterError, match="fold_noise must be"):
            call()
