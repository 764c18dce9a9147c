"""Load on the chat page: 50 sessions at once, and a flood past the queue limit told "busy".

The real page (`ui.app`, served as `rag serve` serves it, by `bench.load_page.serving`) on a free
loopback port, real `gradio_client` clients, and for LLM mode the loopback OpenAI-API server
answering through `QuotingModel`; the flood holds that model (it answers only once released, as
a very slow model would) so the queue really fills. Every client call is bounded by a timeout,
so a hang fails the test instead of stalling it. Proves:
- 50 sessions asking at once (a question, then its follow-up with the first as history), offline
  and in LLM mode: no errors, every answer cited, and each the same as that question answered
  alone (under load no session gets another's answer or loses its follow-up's context);
- 4 x the queue limit at once: exactly the questions past the limit are told 「当前提问人数较多，
  请稍后再试。」 (one line, no trace), all of them while the model still holds every admitted
  question (so nobody waited on an answer to be told); the admitted ones are all answered once
  the model answers, and a question afterwards is answered;
- an answer past its time bound ends with a one-line notice, and the stuck call keeps its place
  (the next question is told busy, not piled onto the stuck model) until the model answers;
- a model failing (HTTP 500) while 10 questions come at once: every page answer is the
  extractive one with a one-line notice, none raises, all within the settings' bound per turn
  of the page's queue (the other faults are printed by `bench.load`);
- in Chromium, with the queue full the page shows the busy message and writes nothing into the
  chat; once the queue empties the same page answers.
Speed is printed by `python -m bench.load`, never asserted here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from gradio_client.exceptions import AppError
from playwright.sync_api import Browser, expect

from bench.faults import bound
from bench.load_faults import fault_settings, questions_at_once
from bench.load_flood import HeldModel, flood
from bench.load_page import CALL_TIMEOUT, ask, client, follow_up_pairs, llm_settings, serving
from bench.load_sessions import sessions
from rag.pipeline import ask as rag_ask
from rag.pipeline import open_engine
from rag.settings import Settings
from rag.testing.openai_server import OpenAIServer, fault
from rag.testing.quoting_model import QuotingModel
from ui.gate import BUSY, Limits

SESSIONS = 50
FAULTED = 10
PAIRS = follow_up_pairs()
QUESTION = "2024年苏州人工智能产业的营收有多少？"


@pytest.fixture(scope="module")
def llm_server() -> Iterator[OpenAIServer]:
    with OpenAIServer(QuotingModel()) as server:
        yield server


@pytest.fixture(scope="module")
def llm_url(seed_index: Settings, llm_server: OpenAIServer) -> Iterator[str]:
    """The page in LLM mode with its own limits (shared: the flood test runs after sessions)."""
    with serving(llm_settings(seed_index, llm_server)) as url:
        yield url


@pytest.fixture
def held(llm_server: OpenAIServer) -> Iterator[HeldModel]:
    """The fake model held until the test releases it (released at the end in any case)."""
    model = HeldModel()
    llm_server.script = model
    yield model
    model.release()
    llm_server.script = QuotingModel()


def _same_as_alone(run: Any, settings: Settings) -> None:
    """Each answer under load equals its question answered alone, in process, one at a time."""
    engine = open_engine(settings)
    follows = {p.follow_up: [p.first] for p in PAIRS}
    alone: dict[str, dict[str, Any]] = {}
    for question, answer in run.answers:
        if question not in alone:
            history = follows.get(question, [])
            alone[question] = rag_ask(question, settings, engine, history).to_dict()
        assert answer["answer"] == alone[question]["answer"], question
        assert answer["citations"] == alone[question]["citations"], question


def test_fifty_sessions_at_once_offline_are_all_answered_and_cited(seed_index: Settings) -> None:
    with serving(seed_index) as url:
        run = sessions(url, SESSIONS, PAIRS)
    assert run.errors == []
    assert len(run.answers) == 2 * SESSIONS
    assert run.uncited() == []
    assert all(a["mode"] == "extractive" for _, a in run.answers)
    _same_as_alone(run, seed_index)


def test_fifty_sessions_at_once_in_llm_mode_against_the_fake_model(
    seed_index: Settings, llm_server: OpenAIServer, llm_url: str
) -> None:
    run = sessions(llm_url, SESSIONS, PAIRS)
    assert run.errors == []
    assert len(run.answers) == 2 * SESSIONS
    assert run.uncited() == []
    assert all(a["mode"] == "llm" and not a.get("notice") for _, a in run.answers)
    _same_as_alone(run, llm_settings(seed_index, llm_server))


def test_four_times_the_queue_limit_the_excess_is_told_busy_then_the_page_recovers(
    llm_url: str, held: HeldModel
) -> None:
    limits = Limits()  # the page's own
    admitted = limits.running + limits.waiting
    asked = 4 * limits.waiting
    hit = flood(llm_url, asked, admitted, held, QUESTION)
    assert hit.errors == [] and hit.hung == 0
    assert len(hit.busy_seconds) == asked - admitted
    assert hit.busy_while_held == asked - admitted  # told at once, not after an answer
    assert len(hit.answered) == admitted
    assert all(a["citations"] and a["mode"] == "llm" for a in hit.answered)
    assert hit.recovery is not None and hit.recovery["citations"]


def test_an_answer_past_its_time_bound_ends_and_keeps_its_place_until_the_model_answers(
    seed_index: Settings, llm_server: OpenAIServer, held: HeldModel
) -> None:
    limits = Limits(running=1, waiting=0, answer_seconds=1.0)
    with serving(llm_settings(seed_index, llm_server), limits) as url:
        c = client(url)
        with pytest.raises(AppError) as slow:
            ask(c, QUESTION)
        assert str(slow.value) == "回答超时（超过 1 秒），请稍后再试。"
        with pytest.raises(AppError) as busy:
            ask(c, QUESTION)  # the stuck call still holds the one place
        assert str(busy.value) == BUSY
        held.release()
        answer = _answered_within(c, CALL_TIMEOUT)
    assert answer["citations"] and answer["mode"] == "llm"


def test_a_failing_model_under_load_every_page_answer_comes_with_a_one_line_notice(
    seed_index: Settings, llm_server: OpenAIServer
) -> None:
    llm_server.script = fault(500)
    try:
        with serving(fault_settings(seed_index, llm_server.base_url)) as url:
            run = questions_at_once(url, FAULTED)
    finally:
        llm_server.script = QuotingModel()
    assert run.errors == [] and run.busy == 0
    assert len(run.answers) == FAULTED and run.without_notice() == 0
    assert all("HTTP 500" in a["notice"] and a["answer"].strip() for a in run.answers)
    turns = -(-FAULTED // Limits().running)  # the page answers 2 at a time
    assert max(run.seconds) <= turns * bound("500")  # generous: no hang, not a speed claim


def _answered_within(c: Any, seconds: float) -> dict[str, Any]:
    """Ask until answered: the released call gives its place back once its thread is done."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return ask(c, QUESTION)
        except AppError as exc:
            if str(exc) != BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_page_says_busy_when_the_queue_is_full_and_answers_once_it_empties(
    seed_index: Settings, llm_server: OpenAIServer, held: HeldModel, browser: Browser
) -> None:
    limits = Limits(running=1, waiting=0)  # full as soon as the model holds one question
    with serving(llm_settings(seed_index, llm_server), limits) as url:
        filling = client(url).submit(QUESTION, [], api_name="/ask")
        assert held.wait_for_arrivals(1, CALL_TIMEOUT)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            page.goto(url)
            page.locator("#question textarea").fill(QUESTION)
            page.locator("#send").click()
            toast = page.get_by_test_id("toast-text")
            expect(toast).to_contain_text(BUSY)
            expect(toast).not_to_contain_text("Traceback")
            expect(page.get_by_test_id("bot")).to_have_count(0)  # nothing written into the chat
            expect(page.locator("#question textarea")).to_have_value(QUESTION)  # not lost
            held.release()
            assert filling.result(timeout=CALL_TIMEOUT)["citations"]
            page.locator("#send").click()
            expect(page.get_by_test_id("bot").last).to_contain_text("[1]", timeout=30_000)
            expect(page.get_by_test_id("bot").last).not_to_contain_text(BUSY)
        finally:
            context.close()
