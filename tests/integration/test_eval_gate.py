"""The answer-accuracy gate: the eval runs in extractive mode and the build fails below the
committed thresholds (eval/thresholds.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.run import main as run_eval
from rag.api import ingest
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
THRESHOLDS = json.loads((ROOT / "eval" / "thresholds.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> dict:
    data = tmp_path_factory.mktemp("evaldata")
    ingest(Settings(data_dir=data), [ROOT / "seeds"])
    out = tmp_path_factory.mktemp("evalout")
    assert run_eval(["--data-dir", str(data), "--out", str(out)]) == 0
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "metric", ["fact_accuracy", "quotes_verbatim", "gold_cited", "unanswerable_refused"]
)
def test_metric_at_or_above_threshold(summary: dict, metric: str) -> None:
    assert summary["overall"][metric] >= THRESHOLDS[metric], summary["overall"]


def test_wrong_refusals_at_or_below_threshold(summary: dict) -> None:
    wrong = summary["overall"]["answerable_wrongly_refused"]
    assert wrong <= THRESHOLDS["answerable_wrongly_refused_max"], summary["overall"]


def test_summary_is_stamped_with_the_index(summary: dict) -> None:
    assert summary["index"]["id"].startswith("rag-")
    assert summary["overall"]["errors"] == 0
