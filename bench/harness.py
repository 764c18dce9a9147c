"""What the benchmarks (and the tests that drive them) share: the repository's paths, the eval's
questions, a free loopback port, a launched page's close, a child's clean environment (and this
process's, made the same), a real `chroma run` server, and the exit status of a run's checks."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
CHROMA = Path(os.environ.get("CHROMA_BIN", Path(sys.executable).with_name("chroma")))
STARTUP_SECONDS = 60
"""How long a `chroma run` child may take to answer its heartbeat."""


def question_rows(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    """The rows of an eval question file (JSON lines, as `eval/questions.jsonl`), in file order;
    blank lines skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def free_port() -> int:
    """A loopback port nothing listens on (the OS's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def close_page(app: Any) -> None:
    """Close a page launched with `prevent_thread_lock` from this thread. Gradio's `close` sets
    its server's `asyncio.Event` stop signal from the calling thread while the server's loop
    may be adding or dropping waiters on it (a streaming answer starting or a client leaving):
    `RuntimeError: deque mutated during iteration`, and the server left running. So the
    signal is set on each waiting loop first, then `close` finds it set and only stops."""
    event = app.app.stop_event
    for _ in range(100):
        try:
            loops = {waiter.get_loop() for waiter in list(event._waiters or ())}
            break
        except RuntimeError:  # the loop changed the waiters while they were listed
            time.sleep(0.01)
    else:
        loops = set()
    for loop in loops:
        done = threading.Event()
        loop.call_soon_threadsafe(_set_both, event, done)
        done.wait(5)
    app.close()


def _set_both(event: Any, done: threading.Event) -> None:
    event.set()
    done.set()


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any RAG_* / OPENAI_* setting (OPENAI_*: the LLM
    settings' fallbacks), Chroma's telemetry off, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    return {**env, "ANONYMIZED_TELEMETRY": "False", **extra}


def child_env(**extra: str) -> dict[str, str]:
    """`clean_env` keeping the embedder: the hashed one unless `RAG_EMBEDDER` says otherwise
    (what most benchmarks measure is the store or the page, not the model)."""
    return clean_env(**{"RAG_EMBEDDER": os.environ.get("RAG_EMBEDDER", "hashed"), **extra})


def isolate_environ() -> None:
    """Make this process's own environment `child_env()`'s (for a benchmark whose in-process
    calls must see the defaults, as its children do): every RAG_* / OPENAI_* setting but the
    embedder gone, Chroma's telemetry off."""
    env = child_env()
    for name in [n for n in os.environ if n not in env]:
        del os.environ[name]
    os.environ.update(env)


def run_python(
    args: Sequence[str], env: dict[str, str], timeout: float | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """`python ARGS` from the repository's root to completion, its output captured as text
    (`kwargs`: more of `subprocess.run`'s, such as `input` or `check`)."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def heartbeat(port: int) -> bool:
    """Does a Chroma server answer on this loopback port?"""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[int]:
    """A `chroma run` child storing under `path`, on a free loopback port; yields the port.
    Raises RuntimeError with the end of its log if it does not answer within a minute."""
    path.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with (path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [CHROMA, "run", "--path", path / "db", "--host", "127.0.0.1", "--port", str(port)],
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not heartbeat(port):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (path / "server.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"chroma run did not start: {tail}")
                time.sleep(0.2)
            yield port
        finally:
            stop(server)


def stop(proc: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Ask a child to end (SIGTERM), and kill it when it has not within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def exit_status(failed: Iterable[str]) -> int:
    """A benchmark's exit status: 1 after printing each failed check, else 0."""
    failures = list(failed)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0
