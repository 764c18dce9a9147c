"""The load benchmark's provider faults through the page (`bench.load --faults N`): for each
fault of `bench.faults` but the cut stream (`/ask` does not stream), and a refused connection, N
questions at once through `/ask`; what they saw, and the longest wait the settings allow once
the page's queue (2 answers at a time) is counted."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from bench.load_page import ask, clients, serving
from rag.settings import Settings
from rag.testing.openai_server import MODELS, OpenAIServer


@dataclass
class Faulted:
    """What `n` questions at once through the page saw while the model failed in one way."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Anything raised but the busy message (a trace, an internal error, a timeout)."""
    busy: int = 0
    answers: list[dict[str, Any]] = field(default_factory=list)

    def without_notice(self) -> int:
        return sum(not a.get("notice") or "\n" in a["notice"] for a in self.answers)


def questions_at_once(url: str, n: int) -> Faulted:
    """`n` clients asking one question each (`bench.faults.QUESTIONS`) at the same moment."""
    from gradio_client.exceptions import AppError

    from bench.faults import QUESTIONS
    from ui.gate import BUSY

    run = Faulted()
    connected = clients(url, n)
    lock = threading.Lock()
    start = threading.Barrier(n)

    def one(i: int) -> None:
        start.wait()
        began = time.perf_counter()
        try:
            answer = ask(connected[i], QUESTIONS[i % len(QUESTIONS)])
        except Exception as exc:
            with lock:
                if isinstance(exc, AppError) and str(exc) == BUSY:
                    run.busy += 1
                else:
                    run.errors.append(f"{type(exc).__name__}: {exc}")
            return
        with lock:
            run.seconds.append(time.perf_counter() - began)
            run.answers.append(answer)

    with ThreadPoolExecutor(max_workers=n) as pool:
        list(pool.map(one, range(n)))
    return run


def fault_settings(settings: Settings, base_url: str) -> Settings:
    """LLM mode at `base_url` with `bench.faults`' short timeout and single retry."""
    from bench.faults import RETRIES, TIMEOUT

    update = {
        "llm_model": MODELS[0],
        "llm_base_url": base_url,
        "llm_api_key": SecretStr("test"),
        "llm_timeout": TIMEOUT,
        "llm_max_retries": RETRIES,
    }
    return settings.model_copy(update=update)


def faults_through_page(settings: Settings, n: int) -> dict[str, tuple[Faulted, float]]:
    """`bench.faults`' faults, each met by `n` `/ask` calls at once through the page (its own
    limits: 2 at a time, so a fault's cost adds up in the queue); per fault, what they saw and
    the wait the settings allow: `bench.faults.bound` for each of ceil(n / running) turns. No
    "stream cut": `/ask` is not streamed (the chat's stream is `bench.faults`' own case)."""
    from bench.faults import FAULTS, bound
    from rag.testing.openai_server import refused_url
    from ui.gate import Limits

    turns = -(-n // Limits().running)
    figures: dict[str, tuple[Faulted, float]] = {}
    with OpenAIServer() as server, serving(fault_settings(settings, server.base_url)) as url:
        for name, script in FAULTS.items():
            if name != "stream cut":
                server.script = script
                figures[name] = (questions_at_once(url, n), turns * bound(name))
    with serving(fault_settings(settings, refused_url())) as url:
        figures["refused"] = (questions_at_once(url, n), turns * bound("refused"))
    return figures
