"""The load benchmark's flood (`bench.load`): in LLM mode with the model held (it answers only
once released, as a very slow model would, so the page's queue really fills), 4 x the queue
limit of questions at once; how many were told busy and how fast, then the model is released:
the admitted ones must all be answered (none hung), and one question more is asked (recovery)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from bench.load_page import CALL_TIMEOUT, ask, client
from rag.testing.openai_server import Reply, Request, Script
from rag.testing.quoting_model import QuotingModel

HOLD_MAX = 120.0
"""The held model answers after this many seconds even if never released."""


class HeldModel:
    """A script that answers chat completions (through `model`) only once `release()` is
    called: as a very slow model would, it keeps every admitted question in the page's queue."""

    def __init__(self, model: Script | None = None) -> None:
        self.model = model or QuotingModel()
        self._released = threading.Event()
        self._arrived = threading.Condition()
        self.arrivals = 0
        """Chat completions received so far (each is an answer at work in the page)."""

    def __call__(self, request: Request) -> Reply:
        if request.endpoint == "/chat/completions":
            with self._arrived:
                self.arrivals += 1
                self._arrived.notify_all()
            self._released.wait(HOLD_MAX)
        return self.model(request)

    def wait_for_arrivals(self, n: int, timeout: float) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: self.arrivals >= n, timeout)

    def release(self) -> None:
        self._released.set()


@dataclass
class Flood:
    """What `asked` questions at once saw: busy answers (seconds to each), answers, others."""

    asked: int
    busy_seconds: list[float] = field(default_factory=list)
    answered: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    released_after: float = 0.0
    """Seconds from the first question to the model's release."""
    busy_while_held: int = 0
    """Busy answers in before the model was released (before any question was answered)."""
    hung: int = 0
    recovery_seconds: float | None = None
    recovery: dict[str, Any] | None = None


def flood(url: str, asked: int, admitted: int, model: HeldModel, question: str) -> Flood:
    """`asked` questions at once while `model` is held; once the `asked - admitted` busy answers
    are in (or `CALL_TIMEOUT` passed), the model is released and every call must end within
    `CALL_TIMEOUT`; then one more question is asked (recovery)."""
    from gradio_client.exceptions import AppError

    from ui.gate import BUSY

    run = Flood(asked)
    senders = [client(url) for _ in range(max(1, asked // 16))]
    changed = threading.Condition()

    def record(began: float, done: Future[Any]) -> None:
        seconds = time.perf_counter() - began
        with changed:
            try:
                run.answered.append(done.result(timeout=0))
            except AppError as exc:
                if str(exc) == BUSY:
                    run.busy_seconds.append(seconds)
                else:
                    run.errors.append(str(exc))
            except Exception as exc:
                run.errors.append(f"{type(exc).__name__}: {exc}")
            changed.notify_all()

    jobs = []
    started = time.perf_counter()
    for i in range(asked):
        began = time.perf_counter()
        job = senders[i % len(senders)].submit(question, [], api_name="/ask")
        job.future.add_done_callback(lambda done, began=began: record(began, done))
        jobs.append(job)
    with changed:  # until the excess was told busy (or everything ended, or time ran out)
        changed.wait_for(
            lambda: (
                len(run.busy_seconds) >= asked - admitted
                or len(run.busy_seconds) + len(run.answered) + len(run.errors) == asked
            ),
            timeout=CALL_TIMEOUT,
        )
    with changed:
        run.released_after = time.perf_counter() - started
        run.busy_while_held = len(run.busy_seconds)
    model.release()
    _wait_for_all(run, jobs)
    began = time.perf_counter()
    try:
        run.recovery = ask(url, question)
        run.recovery_seconds = time.perf_counter() - began
    except Exception as exc:
        run.errors.append(f"after the flood: {type(exc).__name__}: {exc}")
    return run


def _wait_for_all(run: Flood, jobs: list[Any]) -> None:
    """Every call ended within `CALL_TIMEOUT` of now, or counted as hung."""
    deadline = time.monotonic() + CALL_TIMEOUT
    for job in jobs:
        try:
            job.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            run.hung += 1
        except Exception:
            pass  # recorded by its callback
