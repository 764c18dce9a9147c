"""Load on the chat page's API: concurrent sessions, then a flood past the queue limit.

`python -m bench.load [--sessions 50] [--data-dir DIR]`. Serves `ui.app` on a free loopback
port over the seed index (ingested into a temporary folder unless `--data-dir` holds an index):
- sessions, offline, then in LLM mode (the loopback OpenAI-API server answering through
  `QuotingModel`): N `gradio_client` clients at once, each asking a question of the eval's
  follow-up pairs and then its follow-up (with the first as `history`); errors, answers without
  a citation, and seconds per answer (p50 / p95 / max) as each client saw them;
- flood, in LLM mode with the model held (it answers only once released, as a very slow model
  would, so the queue really fills): 4 x the queue limit of questions at once; how many were told
  busy and how fast, then the model is released: the admitted ones must all be answered (none
  hung), and a question asked afterwards is answered (recovery);
- provider faults through the page (`--faults N`, default 10): for each fault of `bench.faults`
  (timeout, 429, 500, 503, 401, hang-up, refused connection; not the cut stream: `/ask` does
  not stream), N questions at once through `/ask`: errors, busy answers, answers without a
  one-line notice, and the longest wait against the bound the settings imply once the page's
  queue (2 answers at a time) is counted.
Every client call is bounded by a timeout. Prints figures and exits 1 when a check fails (every
answer cited, the flood told busy at once, every faulted answer with its notice);
`tests/integration/test_ui_load.py` asserts the behaviour in detail.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bench.harness import QUESTIONS, SEEDS, exit_status, free_port
from eval.score import percentile
from rag.settings import Settings
from rag.testing.openai_server import MODELS, OpenAIServer, Reply, Request, Script
from rag.testing.quoting_model import QuotingModel

CALL_TIMEOUT = 120.0
"""Seconds any one client call may take before it counts as hung."""
HOLD_MAX = 120.0
"""The held model answers after this many seconds even if never released."""


@dataclass(frozen=True)
class Pair:
    """A question of the eval's follow-up category and the follow-up asked after it."""

    first: str
    follow_up: str


def follow_up_pairs() -> list[Pair]:
    rows = [json.loads(line) for line in QUESTIONS.read_text("utf-8").splitlines() if line]
    by_id = {r["id"]: r for r in rows}
    return [
        Pair(by_id[r["follows"]]["question"], r["question"])
        for r in rows
        if r.get("follows") in by_id
    ]


def ask(url_or_client: Any, question: str, history: list[str] | None = None) -> dict[str, Any]:
    """One `/ask` call, bounded by `CALL_TIMEOUT` (a `TimeoutError` past it)."""
    c = client(url_or_client) if isinstance(url_or_client, str) else url_or_client
    return c.submit(question, history or [], api_name="/ask").result(timeout=CALL_TIMEOUT)


@contextmanager
def serving(settings: Settings, limits: Any = None) -> Iterator[str]:
    """The page as `rag serve` serves it (its index opened first, its launch options), on a
    free loopback port; `limits`: a `ui.gate.Limits`, else the page's own."""
    from rag.pipeline import open_engine
    from ui.app import build_app, launch_options
    from ui.gate import Limits

    limits = limits or Limits()
    app = build_app(settings, open_engine(settings), limits=limits)
    options = launch_options(settings, limits) | {"server_port": free_port(), "quiet": True}
    _, url, _ = app.launch(prevent_thread_lock=True, **options)
    try:
        yield url
    finally:
        app.close()


def client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False)


def llm_settings(settings: Settings, server: OpenAIServer) -> Settings:
    key = SecretStr("test")
    return settings.model_copy(
        update={"llm_model": MODELS[0], "llm_base_url": server.base_url, "llm_api_key": key}
    )


# ------------------------------------------------------------------------------------ sessions


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
    with ThreadPoolExecutor(max_workers=min(n, 16)) as pool:
        clients = list(pool.map(lambda _: client(url), range(n)))
    start = threading.Barrier(n)  # every session asks its first question at the same moment

    def one(i: int) -> None:
        pair = pairs[i % len(pairs)]
        start.wait()
        for question, history in ((pair.first, []), (pair.follow_up, [pair.first])):
            began = time.perf_counter()
            try:
                answer = ask(clients[i], question, history)
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


# --------------------------------------------------------------------------------------- flood


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
    deadline = time.monotonic() + CALL_TIMEOUT
    for job in jobs:
        try:
            job.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            run.hung += 1
        except Exception:
            pass  # recorded by its callback
    began = time.perf_counter()
    try:
        run.recovery = ask(url, question)
        run.recovery_seconds = time.perf_counter() - began
    except Exception as exc:
        run.errors.append(f"after the flood: {type(exc).__name__}: {exc}")
    return run


# ------------------------------------------------------------------------------ provider faults


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
    with ThreadPoolExecutor(max_workers=min(n, 16)) as pool:
        clients = list(pool.map(lambda _: client(url), range(n)))
    lock = threading.Lock()
    start = threading.Barrier(n)

    def one(i: int) -> None:
        start.wait()
        began = time.perf_counter()
        try:
            answer = ask(clients[i], QUESTIONS[i % len(QUESTIONS)])
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


# ---------------------------------------------------------------------------------------- main


def _s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def _report_sessions(label: str, n: int, run: Sessions) -> None:
    spread = ", ".join(
        f"{name} {_s(percentile(run.seconds, p))}" for name, p in (("p50", 50), ("p95", 95))
    )
    spread += f", max {_s(max(run.seconds, default=None))}"
    print(
        f"{label}: {n} sessions x 2 questions at once: {len(run.answers)} answers, "
        f"errors {len(run.errors)}, uncited {len(run.uncited())}; per answer {spread}"
    )
    for error in run.errors[:5]:
        print(f"  error: {error}")


def _report_flood(hit: Flood, admitted: int) -> None:
    print(
        f"flood (LLM, model held): {hit.asked} questions at once (4 x the queue limit): "
        f"busy {len(hit.busy_seconds)} (expected {hit.asked - admitted}; "
        f"{hit.busy_while_held} before the model was released at {hit.released_after:.1f} s), "
        f"slowest busy answer {_s(max(hit.busy_seconds, default=None))}"
    )
    print(
        f"  then answered {len(hit.answered)} (admitted {admitted}), "
        f"other errors {len(hit.errors)}, hung {hit.hung}"
    )
    for error in hit.errors[:5]:
        print(f"  error: {error}")
    cited = bool(hit.recovery and hit.recovery.get("citations"))
    print(f"recovery: the next question answered in {_s(hit.recovery_seconds)}, cited {cited}")


def _report_faults(figures: dict[str, tuple[Faulted, float]], n: int) -> None:
    from bench.faults import RETRIES, TIMEOUT

    print(
        f"provider faults through the page: {n} questions at once per fault "
        f"(model timeout {TIMEOUT:g} s, {RETRIES} retry; the page answers 2 at a time)"
    )
    for name, (run, allowed) in figures.items():
        notice = max((a.get("notice", "") for a in run.answers), key=len, default="")
        print(
            f"  {name:16} errors {len(run.errors)}, busy {run.busy}, without a one-line notice "
            f"{run.without_notice()}, wait max {_s(max(run.seconds, default=None))} "
            f"(bound {allowed:.0f} s); notice: {notice[:60]}"
        )
        for error in run.errors[:3]:
            print(f"    error: {error}")


def _first_answer(url: str, question: str) -> float:
    began = time.perf_counter()
    ask(url, question)
    return time.perf_counter() - began


def session_failures(label: str, n: int, run: Sessions) -> list[str]:
    """Every session answered twice, with citations, without errors."""
    failed = [f"{label}: {e}" for e in run.errors[:3]]
    if len(run.answers) != 2 * n:
        failed.append(f"{label}: {len(run.answers)} answers for {2 * n} questions")
    if run.uncited():
        failed.append(f"{label}: answers without citations: {run.uncited()[:3]}")
    return failed


def flood_failures(hit: Flood, admitted: int) -> list[str]:
    """Past the gate's places, each question told it is busy at once; none hung, none lost."""
    failed = [f"flood: {e}" for e in hit.errors[:3]]
    if hit.hung:
        failed.append(f"flood: {hit.hung} questions hung")
    if len(hit.answered) != admitted or len(hit.busy_seconds) != hit.asked - admitted:
        failed.append(
            f"flood: {len(hit.answered)} answered and {len(hit.busy_seconds)} told busy of"
            f" {hit.asked}, {admitted} admitted"
        )
    return failed


def fault_failures(figures: dict[str, tuple[Faulted, float]], n: int) -> list[str]:
    """Under each provider fault every question answered (offline, with a one-line notice)."""
    failed = []
    for fault, (run, _) in figures.items():
        failed += [f"fault {fault}: {e}" for e in run.errors[:3]]
        if len(run.answers) != n or run.without_notice():
            failed.append(f"fault {fault}: {len(run.answers)} of {n} answered with a notice")
    return failed


def main(argv: list[str] | None = None) -> int:
    from rag.pipeline import ingest
    from ui.gate import Limits

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="an index (default: seeds)")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument(
        "--faults", type=int, default=10, metavar="N", help="questions at once per fault (0: skip)"
    )
    args = parser.parse_args(argv)
    limits = Limits()
    print(
        f"page limits: {limits.running} answers at a time, {limits.waiting} waiting "
        f"(each at most {limits.wait_seconds:g} s), an answer at most {limits.answer_seconds:g} s"
    )
    with tempfile.TemporaryDirectory(prefix="loadbench-") as tmp:
        settings = Settings(data_dir=args.data_dir or Path(tmp), chroma_host="", embed_base_url="")
        if args.data_dir is None:
            ingest(settings, [SEEDS])
        pairs = follow_up_pairs()
        with serving(settings) as url:
            first = _first_answer(url, pairs[0].first)
            print(f"offline: first answer after start {first:.2f} s (not counted below)")
            offline = sessions(url, args.sessions, pairs)
            _report_sessions("offline", args.sessions, offline)
            failed = session_failures("offline", args.sessions, offline)
        server = OpenAIServer(QuotingModel())
        with server, serving(llm_settings(settings, server)) as url:
            first = _first_answer(url, pairs[0].first)
            print(f"LLM (loopback fake model): first answer after start {first:.2f} s")
            run = sessions(url, args.sessions, pairs)
            _report_sessions("LLM (loopback fake model)", args.sessions, run)
            failed += session_failures("LLM", args.sessions, run)
            held = HeldModel()
            server.script = held
            admitted = limits.running + limits.waiting
            hit = flood(url, 4 * limits.waiting, admitted, held, pairs[0].first)
        _report_flood(hit, admitted)
        failed += flood_failures(hit, admitted)
        if args.faults:
            figures = faults_through_page(settings, args.faults)
            _report_faults(figures, args.faults)
            failed += fault_failures(figures, args.faults)
    return exit_status(failed)


if __name__ == "__main__":
    raise SystemExit(main())
