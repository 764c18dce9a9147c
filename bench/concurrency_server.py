"""The concurrency benchmark against a Chroma server: writers beside readers. The seeds are
ingested into the server, then writer processes (`concurrency_child._write`) add their own
generated documents while reader threads ask questions, opening a fresh engine every few; then
the server's chunks are compared with a single writer's, and every new document must answer its
question."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.concurrency_child import CHILD_SECONDS, expect, start_role
from bench.concurrency_docs import NewDoc, write_docs
from bench.harness import SEEDS, question_rows
from rag.settings import Settings


@dataclass
class ReaderLog:
    """One reader thread's questions."""

    answered: int = 0
    while_writing: int = 0
    """Answers in progress while the writers wrote (begun before they had all finished, done
    after they started): every reader has at least one, since none stops before they finish."""
    ask_ms: list[float] = field(default_factory=list)
    open_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class ServerReport:
    readers: list[ReaderLog]
    writers: list[dict[str, Any]]
    """Each writer's `seconds` per document, `total`, `errors`."""
    writing_seconds: float
    warmup_seconds: float
    """From starting the readers until every reader was reading and both writers were ready."""
    expected: dict[str, int]
    """Chunks per document of a single writer's ingest of the same documents (the seeds into
    the server before the writers start, the new ones into an embedded store)."""
    actual: dict[str, int]
    """Chunks per document in the server's collection (every stored chunk, served or not)."""
    expected_ids: set[str]
    actual_ids: list[str]
    """Every chunk id in the server's collection (a duplicate would show twice)."""
    table: dict[str, int]
    """Chunks per document that retrieval serves (`documents_table`)."""
    unanswered: list[str]
    """New documents whose question was not answered from them afterwards."""
    new_docs: list[str]


@dataclass(frozen=True)
class _Period:
    """The writing period as the readers lived it."""

    logs: list[ReaderLog]
    outputs: list[tuple[str, str]]
    """Each writer's stdout and stderr."""
    warmup_seconds: float
    writing_seconds: float


def _chunks_by_doc(settings: Settings) -> tuple[list[str], dict[str, int]]:
    """Every chunk id of the index and the number per document."""
    from rag.pipeline import open_engine

    records = open_engine(settings).store.chunk_records()
    counts = Counter(str(meta.get("document_id", "")) for _, _, meta in records)
    return [chunk_id for chunk_id, _, _ in records], dict(counts)


def _read(
    settings: Settings,
    questions: Sequence[str],
    first: int,
    reopen_every: int,
    asking: threading.Semaphore,
    writing: threading.Event,
    stop: threading.Event,
) -> ReaderLog:
    """Ask questions from `first` on until `stop`; a fresh engine every `reopen_every`; every
    citation's quote must be the cited document's text at its offsets. `asking` is released
    when the reader starts (opening its first engine: reading the store)."""
    from rag.pipeline import ask, open_engine

    log, engine, n = ReaderLog(), None, first
    asking.release()
    while not stop.is_set():
        try:
            if engine is None or (n - first) % reopen_every == 0:
                started = time.perf_counter()
                engine = open_engine(settings)
                log.open_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            answer = ask(questions[n % len(questions)], settings, engine=engine)
            log.ask_ms.append((time.perf_counter() - started) * 1000)
            for c in answer.citations:
                if engine.docs[c.doc_id].text[c.start : c.end] != c.quote:
                    log.errors.append(f"quote of {c.doc_id} {c.start}-{c.end} not its text")
            log.answered += 1
            log.while_writing += int(writing.is_set())  # begun before `stop`, see the loop
        except Exception as exc:  # every failure is a figure to report, not a crash
            log.errors.append(f"{type(exc).__name__}: {exc}"[:300])
        n += 1
    return log


def _single_writer_chunks(
    settings: Settings, work: Path, new: list[NewDoc]
) -> tuple[list[str], dict[str, int]]:
    """Ingest the seeds into the server; the chunk ids and chunks per document one writer alone
    leaves: the seeds as ingested, plus the new documents uploaded into an embedded store."""
    from rag.pipeline import add_files, ingest

    ingest(settings)
    expected_ids, expected = _chunks_by_doc(settings)  # the seeds, by one writer
    reference = Settings(data_dir=work / "reference", seeds_dir=SEEDS)  # no server
    add_files([d.path for d in new], reference)
    new_ids, new_counts = _chunks_by_doc(reference)
    expected_ids += new_ids
    expected.update(new_counts)
    return expected_ids, expected


def _all_ready(
    procs: list[subprocess.Popen[str]], readers: int, asking: threading.Semaphore
) -> None:
    """Until every writer said it is ready and every reader is reading."""
    for proc in procs:
        expect(proc, "ready")
    deadline = time.monotonic() + CHILD_SECONDS
    for _ in range(readers):  # every reader is reading before the first write
        if not asking.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise RuntimeError("the readers did not start")


def _let_go(procs: list[subprocess.Popen[str]]) -> list[tuple[str, str]]:
    """Tell every writer to start; their output once they have all finished."""
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    return [proc.communicate(timeout=CHILD_SECONDS) for proc in procs]


def _read_while_writing(
    settings: Settings,
    questions: list[str],
    procs: list[subprocess.Popen[str]],
    readers: int,
    reopen: int,
) -> _Period:
    """`readers` threads asking from before the writers start until they have all finished."""
    writing, stop, asking = threading.Event(), threading.Event(), threading.Semaphore(0)
    with ThreadPoolExecutor(max_workers=readers) as pool:
        step = max(1, len(questions) // readers)
        logs = [
            pool.submit(_read, settings, questions, i * step, reopen, asking, writing, stop)
            for i in range(readers)
        ]
        try:
            warming = time.perf_counter()
            _all_ready(procs, readers, asking)
            started = time.perf_counter()
            warmup_seconds = started - warming
            writing.set()
            outputs = _let_go(procs)
            writing_seconds = time.perf_counter() - started
        finally:
            stop.set()
    return _Period([f.result() for f in logs], outputs, warmup_seconds, writing_seconds)


def _writer_figures(
    procs: list[subprocess.Popen[str]], outputs: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Each writer's JSON line; raises RuntimeError when one failed."""
    written = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        if proc.returncode:
            raise RuntimeError(f"a writer failed: {err[-2000:]}")
        written.append(json.loads(out.strip().splitlines()[-1]))
    return written


def _unanswered(settings: Settings, new: list[NewDoc]) -> list[str]:
    """The new documents whose question is not answered from them (first citation, its figure)."""
    from rag.pipeline import ask, open_engine

    engine = open_engine(settings)
    unanswered = []
    for d in new:
        answer = ask(d.question, settings, engine=engine)
        cited = answer.citations[0] if answer.citations else None
        if cited is None or cited.doc_id != d.doc_id or d.figure not in cited.quote:
            unanswered.append(d.doc_id)
    return unanswered


def server_concurrency(
    port: int, work: Path, readers: int = 50, writers: int = 2, docs: int = 10, reopen: int = 4
) -> ServerReport:
    """Seeds into the server at `port`, then `writers` processes adding `docs` documents each
    beside `readers` threads asking questions (a fresh engine every `reopen` questions); then
    the chunks against a single writer's ingest of the same documents."""
    from rag.pipeline import documents_table

    settings = Settings(
        data_dir=work / "client", seeds_dir=SEEDS, chroma_host="127.0.0.1", chroma_port=port
    )
    batches = [write_docs(work / f"w{w}", f"w{w}", docs, first=w * docs) for w in range(writers)]
    new = [d for batch in batches for d in batch]
    procs = [  # they start up while the seeds and the reference are ingested
        start_role("_write", [settings.data_dir, "127.0.0.1", port, *(d.path for d in batch)])
        for batch in batches
    ]
    questions = [row["question"] for row in question_rows()]
    questions += [d.question for d in new]  # asked while their documents are being written
    try:
        expected_ids, expected = _single_writer_chunks(settings, work, new)
        period = _read_while_writing(settings, questions, procs, readers, reopen)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    written = _writer_figures(procs, period.outputs)
    actual_ids, actual = _chunks_by_doc(settings)
    unanswered = _unanswered(settings, new)
    return ServerReport(
        readers=period.logs,
        writers=written,
        writing_seconds=period.writing_seconds,
        warmup_seconds=period.warmup_seconds,
        expected=expected,
        actual=actual,
        expected_ids=set(expected_ids),
        actual_ids=actual_ids,
        table={row["doc_id"]: row["chunks"] for row in documents_table(settings)},
        unanswered=unanswered,
        new_docs=[d.doc_id for d in new],
    )
