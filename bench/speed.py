"""Benchmark: prints the speed figures the README reports (not a test: timings vary by machine).

- `rag ingest` of the seeds into an empty data dir, then again with nothing changed (wall time,
  including interpreter start and imports);
- `rag ask` one-shot wall time, including imports;
- `rag ask --json` batch: per-question latency after the index is loaded (median, p95), read from
  each answer's own `timings_ms.total`, over every question of the eval set.

Usage: python -m bench.speed [--questions eval/questions.jsonl] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.harness import QUESTIONS, question_rows, run_python


def _rag(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = run_python(["-m", "rag", *args], env, input=stdin, check=True)
    return time.perf_counter() - started, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    questions = [row["question"] for row in question_rows(args.questions)]
    cold, warm, one_shot = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as data:
            env = {**os.environ, "RAG_DATA_DIR": data}
            cold.append(_rag(["ingest", "--quiet"], env)[0])
            warm.append(_rag(["ingest", "--quiet"], env)[0])
            one_shot.append(_rag(["ask", "2024年苏州人工智能产业营收是多少？"], env)[0])
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "RAG_DATA_DIR": data}
        _rag(["ingest", "--quiet"], env)
        _, out = _rag(["ask", "--json"], env, stdin="\n".join(questions) + "\n")
    per_question = sorted(json.loads(line)["timings_ms"]["total"] for line in out.splitlines())
    p95 = per_question[int(0.95 * (len(per_question) - 1))]
    print(f"ingest seeds, empty store     median {statistics.median(cold):6.2f} s  (target < 15 s)")
    print(f"ingest seeds, nothing changed median {statistics.median(warm):6.2f} s  (target < 3 s)")
    print(
        f"rag ask one-shot, wall        median {statistics.median(one_shot):6.2f} s  (target < 5 s)"
    )
    median = statistics.median(per_question)
    print(
        f"rag ask --json batch ({len(per_question)} q)  median {median:6.1f} ms"
        f", p95 {p95:.1f} ms  (target median < 50 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
