"""Benchmark the chat page on loopback: page load, time to the first answer text, 20 sessions.

`python -m bench.ui [--data-dir DIR] [--sessions 20]` (also `make uibench`). Serves the page
on a free loopback port over the existing index (offline mode), then:
- page load: Chromium (Debian's, through Playwright) opens the page until the 发送 button shows;
- first answer text: a question typed and sent until the answer bubble shows text;
- sessions: N `gradio_client` clients ask at the same moment, each a different question; errors
  and latency percentiles (the queue runs 2 answers at a time, by design on 2 cores).
Prints figures; asserts nothing (targets are read by a person, as for `bench.speed`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.harness import close_page, free_port, question_rows
from eval.score import percentile
from rag.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
RUNS = 5


def page_figures(url: str, question: str) -> tuple[list[float], list[float]]:
    """Seconds to load the page, and from 发送 to the first answer text, `RUNS` times each."""
    from playwright.sync_api import sync_playwright

    loads, firsts = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(RUNS):
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(url)
            page.locator("#send").wait_for(state="visible")
            loads.append(time.perf_counter() - started)
            page.locator("#question textarea").fill(question)
            started = time.perf_counter()
            page.locator("#send").click()
            page.get_by_test_id("bot").first.filter(has_text="《").wait_for(timeout=30_000)
            firsts.append(time.perf_counter() - started)
            page.close()
        browser.close()
    return loads, firsts


def sessions(url: str, questions: list[str], n: int) -> tuple[int, list[float]]:
    """`n` clients asking at once through the page's API: errors, and seconds per answer."""
    from bench.load_page import client

    clients = [client(url) for _ in range(n)]

    def one(i: int) -> float | None:
        started = time.perf_counter()
        try:
            clients[i].predict(questions[i % len(questions)], api_name="/ask")
        except Exception:
            return None
        return time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(one, range(n)))
    return sum(r is None for r in results), [r for r in results if r is not None]


def main(argv: list[str] | None = None) -> None:
    from ui.app import build_app, launch_options

    parser = argparse.ArgumentParser(prog="python -m bench.ui", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args(argv)
    settings = Settings(data_dir=args.data_dir) if args.data_dir else Settings()
    rows = question_rows()
    questions = [r["question"] for r in rows if r["answerable"] and not r.get("follows")]
    app = build_app(settings)
    options = launch_options(settings) | {"server_port": free_port(), "quiet": True}
    _, url, _ = app.launch(prevent_thread_lock=True, **options)  # as `rag serve` launches it
    try:
        loads, firsts = page_figures(url, questions[0])
        errors, latencies = sessions(url, questions, args.sessions)
    finally:
        close_page(app)
    ms = [1000 * x for x in latencies]
    print(f"page load (Chromium, until 发送 shows)  median {statistics.median(loads):.2f} s")
    print(f"first answer text on the page (offline) median {statistics.median(firsts):.2f} s")
    spread = f"p50 {_ms(percentile(ms, 50))}, p95 {_ms(percentile(ms, 95))}"
    print(f"{args.sessions} simultaneous sessions (/ask)    errors {errors}, {spread}")


def _ms(value: Any) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


if __name__ == "__main__":
    main()
