"""The chat page as the load benchmark (`bench.load`) and its tests meet it: served as `rag serve`
serves it on a free loopback port, `gradio_client` clients of its `/ask` API (every call bounded
by `CALL_TIMEOUT`), LLM-mode settings for the loopback OpenAI server, and the eval's follow-up
pairs the sessions ask."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from bench.harness import close_page, free_port, question_rows
from rag.settings import Settings
from rag.testing.openai_server import MODELS, OpenAIServer

CALL_TIMEOUT = 120.0
"""Seconds any one client call may take before it counts as hung."""


@dataclass(frozen=True)
class Pair:
    """A question of the eval's follow-up category and the follow-up asked after it."""

    first: str
    follow_up: str


def follow_up_pairs() -> list[Pair]:
    rows = question_rows()
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
        close_page(app)


def client(url: str) -> Any:
    """A client whose every HTTP request waits up to `CALL_TIMEOUT`: httpx's own default (5 s)
    would otherwise bound joining the queue, and on a loaded machine a page taking hundreds of
    questions at once takes longer than that to accept one (the stream of results is safe: the
    page sends a heartbeat every 15 s)."""
    from gradio_client import Client

    return Client(
        url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": CALL_TIMEOUT}
    )


def clients(url: str, n: int) -> list[Any]:
    """`n` clients of the page, connected 16 at a time."""
    with ThreadPoolExecutor(max_workers=min(n, 16)) as pool:
        return list(pool.map(lambda _: client(url), range(n)))


def llm_settings(settings: Settings, server: OpenAIServer) -> Settings:
    key = SecretStr("test")
    return settings.model_copy(
        update={"llm_model": MODELS[0], "llm_base_url": server.base_url, "llm_api_key": key}
    )
