"""Provider faults under load: every fault gives a bounded wait and a clear one-line message.

`python -m bench.faults [--sessions 20]` (also run by `make bench`). Over the seed index, in LLM
mode against the loopback OpenAI server (`rag.testing.openai_server`), `--sessions` questions are
asked at the same moment while the server answers every call with one fault: a timeout (it answers
after 30 s; the product waits `llm_timeout`), 429 with Retry-After, 500, 503, 401, a connection
closed unanswered, a stream cut mid-answer; and once more against a port where nothing listens.
Questions are streamed, as the chat page asks them. Per fault it prints the calls, errors (an
exception reaching the caller), answers without a notice, the longest notice, and the wait
p50/p95/max against the bound that the settings imply: `(retries + 1) x timeout + retry pauses`.
Exit 1 when any call errs, lacks its notice or its answer, or waits past the bound.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.score import percentile
from rag.testing.openai_server import OpenAIServer, Reply, Script, fault, hang_up, refused_url, slow

TIMEOUT = 2.0
RETRIES = 1
RETRY_AFTER = 1.0
SLACK = 5.0
CUT_TEXT = "2024年，苏州市人工智能产业实现营收超2300亿元[1]。"  # cut after its 12th character
FAULTS: dict[str, Script] = {
    "timeout": slow(30, "太晚了。"),
    "429 Retry-After": fault(429, retry_after=RETRY_AFTER),
    "500": fault(500),
    "503": fault(503),
    "401": fault(401),
    "hang-up": hang_up(),
    "stream cut": lambda _request: Reply(text=CUT_TEXT, chunk_chars=4, cut_after=3),
}
QUESTIONS = [
    "2024年苏州人工智能产业营收是多少？",
    "2021年苏州有多少家人工智能上市企业？",
    "苏州2027年人工智能产业的规模目标是多少？",
    "苏州的灯塔工厂有几家？",
    "杭州现有人工智能人才多少人？",
]


@dataclass(frozen=True)
class Outcome:
    seconds: float
    error: str
    notice: str
    answer: str


def bound(name: str) -> float:
    """The longest wait the settings allow for this fault (each attempt up to the timeout, for
    connecting and for reading, and a pause of at most 2 s, Retry-After here 1 s, between
    attempts), plus slack for the fallback answer on a loaded 2-core machine."""
    attempts = RETRIES + 1
    pause = RETRY_AFTER if name.startswith("429") else 2.0
    per_attempt = 2 * TIMEOUT if name == "timeout" else 0.5
    return attempts * per_attempt + RETRIES * pause + SLACK


def _ask(settings: Any, engine: Any, question: str) -> Outcome:
    from rag.pipeline import ask

    started = time.perf_counter()
    try:
        answer = ask(question, settings, engine, on_token=lambda _piece: None)  # as the page
    except Exception as exc:  # an exception reaching the caller is what this counts
        return Outcome(time.perf_counter() - started, f"{type(exc).__name__}: {exc}", "", "")
    return Outcome(time.perf_counter() - started, "", answer.notice, answer.answer)


def run_fault(settings: Any, sessions: int) -> list[Outcome]:
    from rag.pipeline import open_engine

    engine = open_engine(settings)
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(sessions)]
        return list(pool.map(lambda q: _ask(settings, engine, q), questions))


def measure(index_settings: Any, sessions: int = 20) -> dict[str, dict[str, Any]]:
    """Figures per fault (see the module)."""
    llm = {"llm_model": "qwen-plus", "llm_timeout": TIMEOUT, "llm_max_retries": RETRIES}
    results: dict[str, list[Outcome]] = {}
    with OpenAIServer() as server:
        for name, script in FAULTS.items():
            server.script = script
            settings = index_settings.model_copy(update=llm | {"llm_base_url": server.base_url})
            results[name] = run_fault(settings, sessions)
    settings = index_settings.model_copy(update=llm | {"llm_base_url": refused_url()})
    results["refused"] = run_fault(settings, sessions)
    figures = {}
    for name, outcomes in results.items():
        waits = [o.seconds for o in outcomes]
        figures[name] = {
            "calls": len(outcomes),
            "errors": sum(bool(o.error) for o in outcomes),
            "without_notice": sum(not o.notice for o in outcomes),
            "without_answer": sum(not o.answer.strip() for o in outcomes),
            "multi_line_notices": sum("\n" in o.notice for o in outcomes),
            "p50": statistics.median(waits),
            "p95": percentile(waits, 95),
            "max": max(waits),
            "bound": bound(name),
            "notice": max((o.notice for o in outcomes), key=len, default=""),
            "first_error": next((o.error for o in outcomes if o.error), ""),
        }
    return figures


def failures(figures: dict[str, dict[str, Any]]) -> list[str]:
    bad = []
    for name, f in figures.items():
        for key in ("errors", "without_notice", "without_answer", "multi_line_notices"):
            if f[key]:
                bad.append(f"{name}: {f[key]} {key}")
        if f["max"] > f["bound"]:
            bad.append(f"{name}: waited {f['max']:.1f} s, bound {f['bound']:.1f} s")
    return bad


def main(argv: list[str] | None = None) -> int:
    from rag.pipeline import ingest
    from rag.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        ingest(settings)
        figures = measure(settings, args.sessions)
    print(
        f"provider faults, {args.sessions} simultaneous questions each (timeout {TIMEOUT:g} s,"
        f" {RETRIES} retry):"
    )
    for name, f in figures.items():
        print(
            f"  {name:16} errors {f['errors']}, without notice {f['without_notice']}, wait p50 "
            f"{f['p50']:.2f} s p95 {f['p95']:.2f} s max {f['max']:.2f} s (bound {f['bound']:.1f}"
            f" s); notice: {f['notice'][:110]}"
        )
    bad = failures(figures)
    for line in bad:
        print(f"  FAIL {line}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
