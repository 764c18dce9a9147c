"""The answer-accuracy gate: the eval runs in extractive mode through the real CLI (`rag eval`)
and the build fails below the committed thresholds (eval/thresholds.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.cli import main as rag_main
from rag.pipeline import MODE_EXTRACTIVE, ingest
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
THRESHOLDS = {
    k: v
    for k, v in json.loads((ROOT / "eval" / "thresholds.json").read_text("utf-8")).items()
    if not k.startswith("_")
}


GATE_EMBEDDER = "e5"
"""The gate measures the product's default embedder (the bundled model), as the README does."""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("evaldata")
    out = tmp_path_factory.mktemp("evalout")
    with pytest.MonkeyPatch.context() as mp:  # the CLI reads its settings from the environment
        mp.setenv("RAG_EMBEDDER", GATE_EMBEDDER)
        ingest(Settings(data_dir=data), [ROOT / "seeds"])
        assert rag_main(["eval", "--data-dir", str(data), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("metric", sorted(THRESHOLDS))
def test_metric_within_its_threshold(summary: dict, metric: str) -> None:
    overall = summary["overall"]
    if metric.endswith("_max"):
        assert overall[metric.removesuffix("_max")] <= THRESHOLDS[metric], overall
    else:
        assert overall[metric] >= THRESHOLDS[metric], overall


def test_summary_is_stamped_with_the_index_and_settings(summary: dict) -> None:
    assert summary["index"]["id"].startswith("rag-")
    assert len(summary["settings_hash"]) == 12
    assert summary["mode"] == MODE_EXTRACTIVE
    assert summary["overall"]["errors"] == 0


def test_every_category_is_reported(summary: dict) -> None:
    questions = (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    categories = {json.loads(line)["category"] for line in questions if line.strip()}
    assert set(summary["by_category"]) == categories


def test_rows_carry_answer_hits_and_verdicts(run: Path) -> None:
    rows = [json.loads(line) for line in (run / "answers.jsonl").read_text("utf-8").splitlines()]
    answerable = [r for r in rows if r["answerable"]]
    assert answerable and all(r["answer"]["hits"] for r in answerable)
    assert all({"fact_correct", "citation_support", "retrieval_rank"} <= r.keys() for r in rows)
    follow_ups = [r for r in rows if r["history"]]
    assert follow_ups, "follow-up questions are asked with the question before them"


def test_report_lists_failures_and_shows_the_chart(run: Path) -> None:
    report = (run / "report.md").read_text(encoding="utf-8")
    assert "![scores by category](scores.png)" in report
    assert "## Failures (" in report
    png = (run / "scores.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_eval_mode_llm_is_refused_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert rag_main(["eval", "--mode", "llm"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_runner_mode_constant_matches_the_api() -> None:
    from eval.run import MODE_EXTRACTIVE as RUNNER_MODE

    assert RUNNER_MODE == MODE_EXTRACTIVE
