"""Benchmark: the OpenAI-compatible API (`ui.api`) over loopback, offline mode: p50 / p95 of a
whole (non-streamed) request, and of a streamed one's time to its first chunk and to its end,
over the eval set's standalone questions (every other one whole, the rest streamed: each is
asked once, so no answer finds its question's vector cached), one after another, by the
official `openai` client against `rag api`'s app on a free port. Prints the figures the README
reports; exits 1 if any request failed (timings vary by machine: they are figures, not checks).

Usage: python -m bench.api [--data-dir DIR] [--questions eval/questions.jsonl] [--limit 100]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.harness import QUESTIONS, free_port, isolate_environ, question_rows


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(p / 100 * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="an index (default: seeds)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    isolate_environ()
    import openai
    import uvicorn

    from rag.pipeline import ingest, open_engine
    from rag.settings import Settings
    from ui.api import build_api
    from ui.callbacks import Engines

    rows = question_rows(args.questions)
    questions = [r["question"] for r in rows if not r.get("follows")][: args.limit]
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(data_dir=args.data_dir or Path(scratch), chroma_host="")
        if args.data_dir is None:
            ingest(settings)
        port = free_port()
        app = build_api(settings, Engines(settings, open_engine(settings)))
        server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0)
        whole, first, last, failed = [], [], [], 0
        asked: list[Any] = [[{"role": "user", "content": q}] for q in questions]
        for n, messages in enumerate(asked):  # each question asked once: no warm caches
            try:
                started = time.perf_counter()
                if n % 2 == 0:
                    client.chat.completions.create(model="rag-extractive", messages=messages)
                    whole.append(1000 * (time.perf_counter() - started))
                    continue
                stream = client.chat.completions.create(
                    model="rag-extractive", messages=messages, stream=True
                )
                seen = False
                for chunk in stream:  # the first chunk with text (the one before names the role)
                    if not seen and chunk.choices and chunk.choices[0].delta.content:
                        first.append(1000 * (time.perf_counter() - started))
                        seen = True
                last.append(1000 * (time.perf_counter() - started))
            except openai.APIError as exc:
                failed += 1
                print(f"FAILED {messages[0]['content'][:40]}: {exc}")
        server.should_exit = True
    n = len(whole) + len(last)
    print(f"API over loopback, offline, {n} questions (embedder {settings.embedder}):")
    for label, values in (
        ("whole request", whole),
        ("streamed, 1st text", first),
        ("streamed, to [DONE]", last),
    ):
        p50, p95 = _percentile(values, 50), _percentile(values, 95)
        print(f"  {label:<20} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    print(f"  failed requests      {failed}")
    return 1 if failed or not n else 0


if __name__ == "__main__":
    raise SystemExit(main())
