"""The claim checker's gate on the seed index: scripted answers (eval/claimcheck.py) are checked
and flagging stays above the floor measured when the checker was written (set just under it:
precision 0.982, recall 1.0, altered figures all caught, 6-claim answers well under 20 ms)."""

from __future__ import annotations

from typing import Any

import pytest

from eval.claimcheck import run

MIN_ANSWERS = 60
MIN_PRECISION = 0.97
MIN_RECALL = 0.99
MAX_FALSE_FLAGS_ON_VERBATIM = 0.01


@pytest.fixture(scope="module")
def result(seed_engine) -> dict[str, Any]:
    return run(engine=seed_engine)


def test_enough_scripted_answers(result: dict[str, Any]) -> None:
    assert result["answers"] >= MIN_ANSWERS
    assert result["split_errors"] == 0, result["misses"]


def test_every_altered_figure_is_caught(result: dict[str, Any]) -> None:
    assert result["recall_by_kind"]["altered"] == 1.0, result["misses"]


def test_recall_of_flagging(result: dict[str, Any]) -> None:
    assert result["recall"] >= MIN_RECALL, result["misses"]


def test_precision_of_flagging(result: dict[str, Any]) -> None:
    assert result["precision"] >= MIN_PRECISION, result["misses"]


def test_verbatim_claims_are_not_flagged(result: dict[str, Any]) -> None:
    assert result["false_flag_by_kind"]["correct"] <= MAX_FALSE_FLAGS_ON_VERBATIM, result["misses"]


def test_support_spans_lie_in_the_cited_chunk(result: dict[str, Any]) -> None:
    assert result["span_errors"] == 0


def test_checker_latency_is_reported(result: dict[str, Any]) -> None:
    """Speed is read from `make bench`'s figures (target p95 < 20 ms), never asserted here."""
    assert set(result["latency_ms_6_claims"]) >= {"p50", "p95"}
