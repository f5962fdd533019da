"""One source of options: every public signature takes its option names, defaults and
types from :mod:`dedupe.params`, and the command line builds its flags from it."""

from __future__ import annotations

import inspect
import re

import pytest

import dedupe
from dedupe.cli import build_parser
from dedupe.cli.common import MATCH_OPTIONS
from dedupe.params import OPTIONS, IndexParams, RunOptions, Thresholds, split_options

GROUPS = {
    "shape": [o.name for o in OPTIONS.values() if o.group == "IndexParams"],
    "thresholds": [o.name for o in OPTIONS.values() if o.group == "Thresholds"],
}


def _public_signatures():
    """(name, signature, the option groups it must take, the run options it must take)."""
    out = [
        ("Index", inspect.signature(dedupe.Index), ("shape", "thresholds"), ("workers",)),
        (
            "find_duplicates",
            inspect.signature(dedupe.find_duplicates),
            ("shape", "thresholds"),
            ("workers", "clusters", "representative"),
        ),
    ]
    try:
        import dedupe.spark as spark
    except dedupe.errors.MissingDependencyError:
        return out
    out.append(
        (
            "spark.find_duplicates",
            inspect.signature(spark.find_duplicates),
            ("shape", "thresholds"),
            ("workers", "clusters", "representative"),
        )
    )
    out.append(
        (
            "spark.match_pairs",
            inspect.signature(spark.match_pairs),
            ("shape", "thresholds"),
            ("workers",),
        )
    )
    return out


def drift(sig: inspect.Signature, wanted: list[str]) -> list[str]:
    """How ``sig`` departs from the source for the options ``wanted``."""
    params = sig.parameters
    problems = [f"lacks {n}" for n in wanted if n not in params]
    for n in wanted:
        p, option = params.get(n), OPTIONS[n]
        if p is None:
            continue
        if p.kind is not inspect.Parameter.KEYWORD_ONLY:
            problems.append(f"{n} is not keyword-only")
        if p.default != option.default:
            problems.append(f"{n} defaults to {p.default!r}, the source to {option.default!r}")
        if p.annotation != option.annotation:
            problems.append(f"{n} is typed {p.annotation!r}, the source {option.annotation!r}")
    problems += [
        f"takes {n} and passes it on nowhere" for n in params if n in OPTIONS and n not in wanted
    ]
    return problems


@pytest.mark.parametrize(("name", "sig", "groups", "run"), _public_signatures())
def test_public_signatures_follow_the_source(name, sig, groups, run):
    wanted = [n for g in groups for n in GROUPS[g]] + list(run)
    assert drift(sig, wanted) == [], name


def test_the_drift_test_sees_drift():
    def drifted(*, jaccard: float = 0.6, ngram: str = 5, containment=0.5, workers: int = 0):
        pass

    assert drift(inspect.signature(drifted), ["jaccard", "ngram", "containment", "seed"]) == [
        "lacks seed",
        "jaccard defaults to 0.6, the source to 0.5",
        "ngram is typed 'str', the source 'int'",
        f"containment is typed {inspect.Parameter.empty!r}, the source 'float'",
        "takes workers and passes it on nowhere",
    ]


def test_every_option_is_documented_and_checked():
    for option in OPTIONS.values():
        assert option.doc and not option.doc.endswith(".")
        option.check(option.name, option.default)  # the default passes its own check


def test_split_options_builds_each_class_from_its_fields():
    params, thresholds, run = split_options({"ngram": 3, "jaccard": 0.7, "workers": 2})
    assert (params, thresholds, run) == (
        IndexParams(ngram=3),
        Thresholds(jaccard=0.7),
        RunOptions(workers=2),
    )


def test_command_line_flags_follow_the_source():
    scan = build_parser()._subparsers._group_actions[0].choices["scan"]
    flags = {a.dest: a for a in scan._actions}
    for option in MATCH_OPTIONS:
        action = flags[option.name]
        assert action.option_strings == ["--" + option.name.replace("_", "-")]
        assert action.default == option.default
        assert option.doc in re.sub(r"\s+", " ", action.help)
    assert {o.group for o in MATCH_OPTIONS} == {"IndexParams", "Thresholds"}
    assert len(MATCH_OPTIONS) == len(GROUPS["shape"]) + len(GROUPS["thresholds"])
