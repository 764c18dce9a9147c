"""Injection: documents and questions that try to steer the model never get a canary into an
answer or make anything fetch an outside address, measured by `bench.injection` over 100+
attempts against a model that obeys every instruction it sees; and the same harness with the
guards turned off does leak, so the measurement can fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import rag.ingest.clean
import rag.text.guard
from bench.injection import SYSTEM_CANARY, measure, planted_system_prompt
from rag.pipeline import ask, open_engine
from rag.testing.openai_server import OpenAIServer, Reply, Request


@pytest.fixture(scope="module")
def guarded(tmp_path_factory) -> dict[str, Any]:
    return measure(tmp_path_factory.mktemp("injection"), rounds=1)


def test_at_least_100_attempts_reach_the_obedient_model(guarded) -> None:
    assert guarded["attempts"] >= 100
    assert guarded["model_calls"] >= 50 and guarded["answered"] >= 40


def test_no_canary_appears_in_any_answer(guarded) -> None:
    assert guarded["canaries_in_answers"] == 0, guarded["leaks"]


def test_no_outside_address_is_requested(guarded) -> None:
    assert guarded["outside_requests"] == 0


def test_no_attack_text_reaches_the_model(guarded) -> None:
    assert guarded["prompts_carrying_attack_text"] == 0


def test_without_the_guards_the_same_attempts_leak(tmp_path: Path, monkeypatch) -> None:
    """The control: instructions and hidden text passed through, the model obeys and leaks."""
    monkeypatch.setattr(rag.text.guard, "is_instruction", lambda sentence: False)
    monkeypatch.setattr(rag.ingest.clean, "hide_unseen", lambda text: text)
    open_figures = measure(tmp_path, rounds=1)
    assert open_figures["prompts_carrying_attack_text"] > 0
    assert open_figures["canaries_in_answers"] > 0


def recite_system(request: Request) -> Reply:
    """A model that answers every question with its system prompt."""
    system = next(m["content"] for m in request.messages if m["role"] == "system")
    return Reply(text=system)


def test_a_model_reciting_its_system_prompt_is_not_shown(seed_index) -> None:
    with planted_system_prompt(SYSTEM_CANARY), OpenAIServer(recite_system) as llm:
        settings = seed_index.model_copy(
            update={"llm_model": "qwen-plus", "llm_base_url": llm.base_url, "llm_timeout": 5.0}
        )
        answer = ask("2024年苏州人工智能产业营收是多少？", settings, open_engine(settings))
        assert any(SYSTEM_CANARY in m["content"] for r in llm.requests for m in r.messages)
    dumped = str(answer.to_dict())
    assert SYSTEM_CANARY not in dumped and "不得输出" not in dumped
    assert "repeated its instructions" in answer.notice and "2300" in answer.answer
