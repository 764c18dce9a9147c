"""The load benchmark's sessions (`bench.load`): N clients of the page at once, each asking a
question of the eval's follow-up pairs and then its follow-up (with the first as `history`);
every answer, every error and the seconds per answer as each client saw them."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bench.load_page import Pair, ask, clients


@dataclass
class Sessions:
    """What N sessions saw: every answer with its question, errors, and seconds per answer."""

    answers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def uncited(self) -> list[str]:
        return [q for q, a in self.answers if not a.get("citations") or "[1]" not in a["answer"]]


def sessions(url: str, n: int, pairs: list[Pair]) -> Sessions:
    """`n` clients at once, session i asking pair i's question and then its follow-up."""
    run = Sessions()
    lock = threading.Lock()
    connected = clients(url, n)
    start = threading.Barrier(n)  # every session asks its first question at the same moment

    def one(i: int) -> None:
        pair = pairs[i % len(pairs)]
        start.wait()
        for question, history in ((pair.first, []), (pair.follow_up, [pair.first])):
            began = time.perf_counter()
            try:
                answer = ask(connected[i], question, history)
            except Exception as exc:
                with lock:
                    run.errors.append(f"{question}: {type(exc).__name__}: {exc}")
                return
            with lock:
                run.seconds.append(time.perf_counter() - began)
                run.answers.append((question, answer))

    with ThreadPoolExecutor(max_workers=n) as pool:
        list(pool.map(one, range(n)))
    return run
