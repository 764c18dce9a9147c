"""The claim checker's gate on the seed index: scripted answers (eval/claimcheck.py) are checked
and flagging stays above the floor measured (set just under it). The first kinds (altered
figures, wrong sources, missing markers, invented and borrowed claims) are caught all but
never missed; each of the kinds strong models get wrong (eval/claimkinds.py) has its own floor,
at what the checker catches today: where it is under 95% that is the work left."""

from __future__ import annotations

from typing import Any

import pytest

from eval.claimcheck import run

MIN_ANSWERS = 60
MIN_PRECISION = 0.97
MIN_RECALL = 0.99
MAX_FALSE_FLAGS_ON_VERBATIM = 0.01
MIN_RECALL_BY_KIND = {
    "appended_clause": 0.95,
    "direction": 0.95,
    "entity_swap": 0.95,
    "quoted_swap": 0.95,
    "subject_swap": 0.95,
    "unit": 0.95,
    "year_shift": 0.95,
}
"""Measured on the seeds: 97.8%, 100%, 95.1%, 100% (45% without the corpus's vocabulary of
names), 100%, 100%, 100%."""


@pytest.fixture(scope="module")
def result(seed_engine) -> dict[str, Any]:
    return run(engine=seed_engine)


def test_enough_scripted_answers(result: dict[str, Any]) -> None:
    assert result["answers"] >= MIN_ANSWERS
    assert result["split_errors"] == 0, result["misses"]


def test_every_altered_figure_is_caught(result: dict[str, Any]) -> None:
    assert result["recall_by_kind"]["altered"] == 1.0, result["misses"]


def test_recall_of_flagging(result: dict[str, Any]) -> None:
    assert result["recall_classic"] >= MIN_RECALL, result["misses"]


@pytest.mark.parametrize("kind", sorted(MIN_RECALL_BY_KIND))
def test_recall_of_each_kind_models_get_wrong(result: dict[str, Any], kind: str) -> None:
    assert result["count_by_kind"].get(kind, 0) > 0, f"no {kind} case was scripted"
    assert result["recall_by_kind"][kind] >= MIN_RECALL_BY_KIND[kind], result["misses"]


@pytest.mark.parametrize("style", ["framed", "combined"])
def test_faithful_styles_are_not_flagged(result: dict[str, Any], style: str) -> None:
    assert result["count_by_kind"].get(style, 0) > 0, f"no {style} claim was scripted"
    assert result["false_flag_by_kind"][style] <= MAX_FALSE_FLAGS_ON_VERBATIM, result["misses"]


def test_precision_of_flagging(result: dict[str, Any]) -> None:
    assert result["precision"] >= MIN_PRECISION, result["misses"]


def test_verbatim_claims_are_not_flagged(result: dict[str, Any]) -> None:
    assert result["false_flag_by_kind"]["correct"] <= MAX_FALSE_FLAGS_ON_VERBATIM, result["misses"]


def test_support_spans_lie_in_the_cited_chunk(result: dict[str, Any]) -> None:
    assert result["span_errors"] == 0


def test_checker_latency_is_reported(result: dict[str, Any]) -> None:
    """Speed is read from `make bench`'s figures (target p95 < 20 ms), never asserted here."""
    assert set(result["latency_ms_6_claims"]) >= {"p50", "p95"}
