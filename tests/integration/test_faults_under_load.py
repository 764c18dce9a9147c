"""Provider faults under load (`bench.faults`): 10 questions at once while the loopback OpenAI
server answers every call with one fault. Each question gets its answer (the extractive one), a
one-line notice naming the fault, and a wait within the bound its settings imply; none waits for
the 30 s the slow server takes, none raises."""

from __future__ import annotations

import pytest

from bench.faults import FAULTS, measure

NOTICES = {
    "timeout": "did not answer within 2 s",
    "429 Retry-After": "rate limiting (429)",
    "500": "HTTP 500",
    "503": "HTTP 503",
    "401": "rejected the API key (401)",
    "hang-up": "cannot connect",
    "stream cut": "cut its answer off",
    "refused": "cannot connect",
}


@pytest.fixture(scope="module")
def figures(seed_index):
    return measure(seed_index, sessions=10)


def test_every_fault_was_measured(figures) -> None:
    assert set(figures) == {*FAULTS, "refused"} == set(NOTICES)


@pytest.mark.parametrize("fault", sorted(NOTICES))
def test_every_question_gets_an_answer_and_a_one_line_notice(figures, fault: str) -> None:
    f = figures[fault]
    assert f["calls"] == 10 and f["errors"] == 0, f["first_error"]
    assert f["without_answer"] == 0 and f["without_notice"] == 0
    assert f["multi_line_notices"] == 0 and NOTICES[fault] in f["notice"]


@pytest.mark.parametrize("fault", sorted(NOTICES))
def test_every_wait_is_bounded_by_the_settings(figures, fault: str) -> None:
    assert figures[fault]["max"] <= figures[fault]["bound"] < 30  # the slow server takes 30 s
