"""The concurrency benchmark's child processes: the roles a child of `python -m bench.concurrency
ROLE ARGS` plays (its `main` dispatches `ROLES`), talking in lines on stdin/stdout: `_hold`
ingests the seeds holding the writer lock until told to go on, `_write` uploads documents into a
Chroma server once told to start. (The writers are these processes; the readers are threads of
the parent, see `bench.concurrency`.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.harness import ROOT, SEEDS, child_env
from rag.settings import Settings

CHILD_SECONDS = 300  # a child that takes longer is stuck: the run fails instead of hanging


def start_role(role: str, args: Sequence[str | Path | int]) -> subprocess.Popen[str]:
    """`bench.concurrency` as a child playing `role` (`ROLES`); talks in lines on stdin/stdout."""
    return subprocess.Popen(
        [sys.executable, "-m", "bench.concurrency", role, *map(str, args)],
        cwd=ROOT,
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def expect(proc: subprocess.Popen[str], word: str) -> str:
    """The child's next stdout line, which must start with `word`."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(word):
        proc.kill()
        raise RuntimeError(f"{proc.args[3]} child said {line!r}: {proc.communicate()[1][-2000:]}")
    return line


def _hold(data_dir: str) -> int:
    """Child role: ingest the seeds, pausing after the first document (the writer lock held,
    one document written) until a line arrives on stdin; then finish, print what was added."""
    from rag.pipeline import ingest

    def pause(doc_id: str) -> None:
        if not getattr(pause, "done", False):
            pause.done = True  # type: ignore[attr-defined]
            print(f"holding {os.getpid()} {doc_id}", flush=True)
            sys.stdin.readline()

    report, rejected = ingest(Settings(data_dir=Path(data_dir), seeds_dir=SEEDS), progress=pause)
    print(json.dumps({"added": report.added, "rejected": [r.reason for r in rejected]}))
    return 0


def _write(data_dir: str, host: str, port: str, *files: str) -> int:
    """Child role: wait for a line on stdin, then upload `files` one `add_files` call each into
    the server; print each call's seconds, the total and every error as one JSON line."""
    from rag.ingest.chunk import count_tokens
    from rag.pipeline import add_files, documents_table
    from rag.text.terms import terms

    settings = Settings(
        data_dir=Path(data_dir), seeds_dir=SEEDS, chroma_host=host, chroma_port=int(port)
    )
    documents_table(settings)  # warm-up, else the first document pays for the Chroma client,
    terms("苏州")  # jieba's dictionary
    count_tokens("苏州")  # and tiktoken's tables
    print("ready", flush=True)
    sys.stdin.readline()
    started, seconds, errors = time.perf_counter(), [], []
    for path in map(Path, files):
        begun = time.perf_counter()
        try:
            _, rejected = add_files([path], settings)
            errors += [f"{path.name}: rejected: {r.reason}" for r in rejected]
        except Exception as exc:  # every failure is a figure to report, not a crash
            errors.append(f"{path.name}: {type(exc).__name__}: {exc}"[:300])
        seconds.append(time.perf_counter() - begun)
    total = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "total": total, "errors": errors}), flush=True)
    return 0


ROLES = {"_hold": _hold, "_write": _write}
