"""The eval runner in LLM mode (`rag eval --mode llm`) against the scripted model on a loopback
OpenAI-API server: it answers every question by quoting a source sentence, and every third
answered question with an invented figure. The claim checker must flag every invented one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rag.cli import main as rag_main
from rag.testing.openai_server import OpenAIServer
from rag.testing.quoting_model import QuotingModel


@pytest.fixture(scope="module")
def model() -> QuotingModel:
    return QuotingModel(invent_every=3)


@pytest.fixture(scope="module")
def rows(seed_index, model, tmp_path_factory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("eval-llm")
    with OpenAIServer(model) as server, pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAG_LLM_MODEL", "qwen-plus")
        mp.setenv("RAG_LLM_BASE_URL", server.base_url)
        mp.setenv("RAG_LLM_API_KEY", "test")
        argv = ["eval", "--mode", "llm", "--data-dir", str(seed_index.data_dir)]
        assert rag_main([*argv, "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["mode"] == "llm"
    return [json.loads(line) for line in (out / "answers.jsonl").read_text("utf-8").splitlines()]


def flagged(row: dict[str, Any]) -> bool:
    """The product did not let the model's answer stand unchecked: a claim marked unverified,
    or the extractive answer given instead, with a notice."""
    answer = row["answer"] or {}
    return bool(answer.get("notice")) or any(not c["verified"] for c in answer.get("claims", []))


def test_every_answer_is_an_llm_answer_with_claims(rows) -> None:
    assert len(rows) >= 150 and all(r["answer"]["mode"] == "llm" for r in rows)
    answered = [r for r in rows if r["answer"]["answerable"]]
    assert answered and all(r["answer"]["claims"] for r in answered)


def asked(row: dict[str, Any]) -> str:
    """The question as the model saw it: the follow-up made whole, instructions stripped."""
    return row["answer"].get("standalone") or row["answer"]["question"]


def test_every_invented_figure_is_flagged(rows, model) -> None:
    invented = [r for r in rows if asked(r) in model.invented]
    assert len(invented) >= 30  # about a third of the questions the model answered
    assert [r["id"] for r in invented if not flagged(r)] == []


def test_quoted_answers_are_verified_and_kept(rows, model) -> None:
    quoted = [r for r in rows if r["answer"]["answerable"] and asked(r) not in model.invented]
    kept = [r for r in quoted if not flagged(r)]
    assert len(kept) >= 0.9 * len(quoted)


def test_quotes_stay_verbatim_in_llm_mode(rows) -> None:
    assert all(r["quotes_verbatim"] for r in rows)
