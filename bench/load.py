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
import tempfile
import time
from pathlib import Path

from bench.harness import SEEDS, exit_status
from bench.load_faults import Faulted, faults_through_page
from bench.load_flood import Flood, HeldModel, flood
from bench.load_page import ask, follow_up_pairs, llm_settings, serving
from bench.load_sessions import Sessions, sessions
from eval.score import percentile
from rag.settings import Settings
from rag.testing.openai_server import OpenAIServer
from rag.testing.quoting_model import QuotingModel

# The parts: the page and its clients in `bench.load_page`, the scenarios in `bench.load_sessions`,
# `bench.load_flood` and `bench.load_faults`; here, their figures printed and their checks.


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
