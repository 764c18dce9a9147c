"""Benchmark: one writer at a time on the embedded store; many writers and readers on a server.

`python -m bench.concurrency [--readers 50] [--writers 2] [--docs 10] [--trials 5]` prints:

- embedded store: while a real writer holds the lock (a child process ingesting the seeds, paused
  after the first document), a second writer starts: `rag ingest` as a child process (wall
  time from start to exit, beside the same command failing before the lock, which is the cost of
  interpreter and imports), and in this process `add_files` (the 知识库 upload), `ingest` and
  `delete_document` (time to the refusal). Each must be refused with one error line naming the
  holder's pid, and nothing it would have written may be there afterwards.
- Chroma server (`chroma run` on loopback): the seeds are ingested, then N writer processes each
  add their own generated documents with `add_files` (one call per document), while M reader
  threads ask questions (eval/questions.jsonl and the new documents' own questions) through
  `open_engine` + `ask`, opening a fresh engine every few questions, for the whole writing period.
  Afterwards the stored chunk ids must be those of the seeds as ingested alone plus those of a
  single writer's upload of the same new documents into an embedded store (nothing concurrent),
  with 0 reader and 0 writer errors, and every new document must answer its question.

Prints figures and exits 1 when an outcome check fails (`failed_checks`: refusals, stored chunks,
errors); tests/integration/test_concurrency.py asserts each in detail. Trade-off:
readers are threads of one process (50 processes would load 50 copies of jieba, tiktoken and
llama-index on a 2-core machine), so their latency includes waiting for the GIL behind the other
readers; their Chroma calls are real concurrent HTTP requests, and the writers are processes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import QUESTIONS, ROOT, SEEDS, child_env, chroma_server, exit_status
from eval.score import percentile
from rag.settings import Settings

CHILD_SECONDS = 300  # a child that takes longer is stuck: the run fails instead of hanging
NAMES = "青松 白鹭 云帆 星河 松涛 鹿鸣 澄江 石湖 枫桥 木渎 横塘 胥口 甪直 同里 黎里 震泽 东山 西山"
PLACES = ["", "湾", "港", "岭", "洲"]
NUMERALS = "一二三四五六七八九十"


# ------------------------------------------------------------------------- generated documents


@dataclass(frozen=True)
class NewDoc:
    """A generated Chinese document and the question only it answers."""

    path: Path
    doc_id: str
    question: str
    figure: str
    """What the answer must contain (`235家`)."""


def write_docs(folder: Path, prefix: str, count: int, first: int = 0) -> list[NewDoc]:
    """`count` small documents `<prefix>-NN.txt` about distinct (made-up) 智算中心, numbered from
    `first` so that documents of different writers never share a name; 3 to 9 sections each, so
    their chunk counts differ."""
    names = [n + p for p in PLACES for n in NAMES.split()]
    folder.mkdir(parents=True, exist_ok=True)
    docs = []
    for i in range(first, first + count):
        name, rng = names[i], random.Random(i)  # IndexError past 90 documents: add names
        firms = rng.randint(20, 300)
        paras = [
            f"{name}智算中心建设简报",
            f"2025年，{name}智算中心完成一期建设，总投资{rng.randint(11, 99)}亿元。中心部署智能"
            f"算力{rng.randint(100, 990)}P，已服务企业{firms}家。",
        ]
        for j in range(rng.randint(3, 9)):
            paras.append(
                f"（{NUMERALS[j]}）第{j + 1}项工作。{name}智算中心围绕模型训练、数据标注和行业应用"
                f"开展第{j + 1}批试点，签约项目{rng.randint(3, 40)}个，带动投资"
                f"{rng.randint(2, 30)}亿元。园区同步建设人才公寓和公共服务平台，为入驻团队提供算力"
                "补贴和场景开放。"
            )
        path = folder / f"{prefix}-{i:02d}.txt"
        path.write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        docs.append(NewDoc(path, path.stem, f"{name}智算中心服务了多少家企业？", f"{firms}家"))
    return docs


# ------------------------------------------------------------------------ processes and servers


def _start_role(role: str, args: Sequence[str | Path]) -> subprocess.Popen[str]:
    """This module as a child playing `role` (`ROLES`); talks in lines on stdin/stdout."""
    return subprocess.Popen(
        [sys.executable, "-m", "bench.concurrency", role, *map(str, args)],
        cwd=ROOT,
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _expect(proc: subprocess.Popen[str], word: str) -> str:
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


# -------------------------------------------------------------------- embedded: one writer only


@dataclass(frozen=True)
class Refusal:
    """One attempt of a second writer while the lock was held."""

    writer: str
    """`CLI` (`rag ingest` as a person types it, a child process), `CLI_QUIET` (with --quiet,
    timed from after its imports) or the in-process call: add_files, ingest, delete_document."""
    seconds: float
    """Start to refusal (the child: start to exit, interpreter and imports included, unless
    timed after imports)."""
    exit_code: int | None
    """The child's exit code; None in-process."""
    lines: tuple[str, ...]
    """What a person sees: the child's stderr lines; in-process `error: <message>`, or nothing
    when the call was not refused."""


@dataclass
class EmbeddedReport:
    holder_pid: int
    refusals: list[Refusal]
    expected_ids: list[str]
    """Documents that must be stored afterwards: the holder's (the seeds)."""
    stored_ids: list[str]
    uploads: list[str]
    """File names in the uploads folder afterwards."""
    refused_files: list[str]
    chunks_in_table: int
    """Sum of the documents' served chunks; equals `chunks_in_store` when nothing stray is left."""
    chunks_in_store: int
    holder: dict[str, Any]
    """What the holder added (its JSON line) once it was let go."""
    deleted: str
    """The document the refused `delete_document` asked for: the one the holder had written."""


CLI, CLI_QUIET = "rag ingest", "rag ingest --quiet, timed after its imports"
# `rag ingest` as `python -m rag` runs it, but timed from after the imports (`rag.pipeline` is what
# `cmd_ingest` imports first): the refusal itself, without the interpreter's start-up.
_AFTER_IMPORTS = """import sys, time
import rag.pipeline, tqdm
from rag.cli import main
started = time.perf_counter()
code = main(sys.argv[1:])
print(time.perf_counter() - started)
sys.exit(code)
"""


def _rag_child(writer: str, args: Sequence[str], data_dir: Path, after_imports: bool) -> Refusal:
    """`rag ARGS` in a child; its time from start to exit, or from after its imports."""
    command = ["-c", _AFTER_IMPORTS] if after_imports else ["-m", "rag"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *command, *args],
        cwd=ROOT,
        env=child_env(RAG_DATA_DIR=str(data_dir), RAG_SEEDS_DIR=str(SEEDS)),
        stdin=subprocess.DEVNULL,
        capture_output=True,  # bytes: text mode would turn a progress bar's \r into lines
        timeout=CHILD_SECONDS,
    )
    seconds = time.perf_counter() - started
    if after_imports:
        seconds = float(done.stdout.split()[-1])
    stderr = done.stderr.decode("utf-8", "replace")
    shown = (line.rsplit("\r", 1)[-1] for line in stderr.split("\n"))  # as a terminal shows
    lines = tuple(line for line in shown if line.strip())
    return Refusal(writer, seconds, done.returncode, lines)


def _in_process(writer: str, call: Callable[[], Any]) -> Refusal:
    from rag.errors import RagError

    started = time.perf_counter()
    try:
        call()
        lines: tuple[str, ...] = ()
    except RagError as exc:
        lines = (f"error: {exc}",)
    return Refusal(writer, time.perf_counter() - started, None, lines)


def embedded_refusals(work: Path, trials: int = 5) -> EmbeddedReport:
    """Second writers against a store whose lock a child holds mid-ingest (see the module)."""
    from rag.pipeline import (
        add_files,
        delete_document,
        documents_table,
        ingest,
        open_engine,
        uploads_dir,
    )

    settings = Settings(data_dir=work / "data", seeds_dir=SEEDS)
    seed_ids = sorted(p.stem for p in SEEDS.glob("*.txt"))
    refused = write_docs(work / "refused", "refused", 2)
    holder = _start_role("_hold", [settings.data_dir])
    refusals: list[Refusal] = []
    paths = [d.path for d in refused]
    try:
        _, pid_text, written = _expect(holder, "holding").split()
        pid = int(pid_text)
        for _ in range(trials):
            args = ["ingest", str(work / "refused")]
            refusals.append(_rag_child(CLI, args, settings.data_dir, False))
            refusals.append(_rag_child(CLI_QUIET, [*args, "--quiet"], settings.data_dir, True))
            refusals += [
                _in_process("add_files", lambda: add_files(paths, settings)),
                _in_process("ingest", lambda: ingest(settings, [work / "refused"])),
                # the document the holder has written: it is there to delete
                _in_process("delete_document", lambda: delete_document(written, settings)),
            ]
    finally:
        out, err = holder.communicate("go\n", timeout=CHILD_SECONDS)
    if holder.returncode:
        raise RuntimeError(f"the lock holder failed: {err[-2000:]}")
    table = documents_table(settings)
    uploads = uploads_dir(settings)
    return EmbeddedReport(
        holder_pid=pid,
        refusals=refusals,
        expected_ids=seed_ids,
        stored_ids=sorted(row["doc_id"] for row in table),
        uploads=sorted(p.name for p in uploads.iterdir()) if uploads.is_dir() else [],
        refused_files=[d.path.name for d in refused],
        chunks_in_table=sum(row["chunks"] for row in table),
        chunks_in_store=int(open_engine(settings).index_info["chunks"]),
        holder=json.loads(out),
        deleted=written,
    )


# ------------------------------------------------------------- server: writers beside readers


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


def server_concurrency(
    port: int, work: Path, readers: int = 50, writers: int = 2, docs: int = 10, reopen: int = 4
) -> ServerReport:
    """Seeds into the server at `port`, then `writers` processes adding `docs` documents each
    beside `readers` threads asking questions (a fresh engine every `reopen` questions); then
    the chunks against a single writer's ingest of the same documents."""
    from rag.pipeline import add_files, ask, documents_table, ingest, open_engine

    settings = Settings(
        data_dir=work / "client", seeds_dir=SEEDS, chroma_host="127.0.0.1", chroma_port=port
    )
    batches = [write_docs(work / f"w{w}", f"w{w}", docs, first=w * docs) for w in range(writers)]
    new = [d for batch in batches for d in batch]
    procs = [  # they start up while the seeds and the reference are ingested
        _start_role("_write", [settings.data_dir, "127.0.0.1", port, *(d.path for d in batch)])
        for batch in batches
    ]
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    questions += [d.question for d in new]  # asked while their documents are being written
    writing, stop, asking = threading.Event(), threading.Event(), threading.Semaphore(0)
    try:
        ingest(settings)
        expected_ids, expected = _chunks_by_doc(settings)  # the seeds, by one writer
        reference = Settings(data_dir=work / "reference", seeds_dir=SEEDS)  # no server
        add_files([d.path for d in new], reference)
        new_ids, new_counts = _chunks_by_doc(reference)
        expected_ids += new_ids
        expected.update(new_counts)
        with ThreadPoolExecutor(max_workers=readers) as pool:
            step = max(1, len(questions) // readers)
            logs = [
                pool.submit(_read, settings, questions, i * step, reopen, asking, writing, stop)
                for i in range(readers)
            ]
            try:
                warming = time.perf_counter()
                for proc in procs:
                    _expect(proc, "ready")
                deadline = time.monotonic() + CHILD_SECONDS
                for _ in range(readers):  # every reader is reading before the first write
                    if not asking.acquire(timeout=max(0.0, deadline - time.monotonic())):
                        raise RuntimeError("the readers did not start")
                started = time.perf_counter()
                warmup_seconds = started - warming
                writing.set()
                for proc in procs:
                    assert proc.stdin is not None
                    proc.stdin.write("go\n")
                    proc.stdin.flush()
                results = [proc.communicate(timeout=CHILD_SECONDS) for proc in procs]
                writing_seconds = time.perf_counter() - started
            finally:
                stop.set()
        reader_logs = [f.result() for f in logs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    written = []
    for proc, (out, err) in zip(procs, results, strict=True):
        if proc.returncode:
            raise RuntimeError(f"a writer failed: {err[-2000:]}")
        written.append(json.loads(out.strip().splitlines()[-1]))
    actual_ids, actual = _chunks_by_doc(settings)
    engine = open_engine(settings)
    unanswered = []
    for d in new:
        answer = ask(d.question, settings, engine=engine)
        cited = answer.citations[0] if answer.citations else None
        if cited is None or cited.doc_id != d.doc_id or d.figure not in cited.quote:
            unanswered.append(d.doc_id)
    return ServerReport(
        readers=reader_logs,
        writers=written,
        writing_seconds=writing_seconds,
        warmup_seconds=warmup_seconds,
        expected=expected,
        actual=actual,
        expected_ids=set(expected_ids),
        actual_ids=actual_ids,
        table={row["doc_id"]: row["chunks"] for row in documents_table(settings)},
        unanswered=unanswered,
        new_docs=[d.doc_id for d in new],
    )


# ----------------------------------------------------------------------------------- printing


def _ms(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    return f"p50 {percentile(values, 50):.0f} ms, p95 {percentile(values, 95):.0f} ms"


def print_embedded(report: EmbeddedReport) -> None:
    holder = f"(pid {report.holder_pid})"
    print(f"embedded store: a second writer while pid {report.holder_pid} is ingesting")
    for writer in dict.fromkeys(r.writer for r in report.refusals):
        tries = [r for r in report.refusals if r.writer == writer]
        named = sum(any(holder in line for line in r.lines) for r in tries)
        codes = sorted({r.exit_code for r in tries if r.exit_code is not None})
        ms = [r.seconds * 1000 for r in tries]
        print(
            f"  {writer}: refused naming the holder {named}/{len(tries)}"
            f"{f', exit {codes}' if codes else ''}, error lines {[len(r.lines) for r in tries]};"
            f" ms {', '.join(f'{m:.1f}' for m in ms)}; max {max(ms):.1f}"
        )
        if any(len(r.lines) != 1 for r in tries):
            print(f"    not one line: {next(r.lines for r in tries if len(r.lines) != 1)}")
    leaked = sorted(set(report.stored_ids) - set(report.expected_ids))
    copies = sorted(set(report.uploads) & set(report.refused_files))
    print(
        f"  afterwards: {len(report.stored_ids)} documents (expected {len(report.expected_ids)},"
        f" from refused writers {leaked or 'none'}; their upload copies {copies or 'none'});"
        f" chunks {report.chunks_in_store} stored, {report.chunks_in_table} served"
    )


def print_server(report: ServerReport) -> None:
    logs, writers = report.readers, report.writers
    errors = [e for log in logs for e in log.errors]
    writer_errors = [e for w in writers for e in w["errors"]]
    print(f"Chroma server: {len(writers)} writers, {len(logs)} readers")
    print(
        f"  readers: {sum(g.answered for g in logs)} questions answered, "
        f"{sum(g.while_writing for g in logs)} of them in progress while writing (fewest by one"
        f" reader: {min((g.while_writing for g in logs), default=0)}); {len(errors)} errors"
    )
    asks, opens = [m for g in logs for m in g.ask_ms], [m for g in logs for m in g.open_ms]
    print(f"  ask latency {_ms(asks)}; open_engine {_ms(opens)} ({len(opens)} opened)")
    for i, w in enumerate(writers):
        per_doc = _ms([s * 1000 for s in w["seconds"]])
        print(
            f"  writer {i}: {len(w['seconds'])} add_files calls in {w['total']:.1f} s"
            f" (per document {per_doc}); {len(w['errors'])} errors"
        )
    print(
        f"  writing period {report.writing_seconds:.1f} s, begun {report.warmup_seconds:.1f} s"
        " after the readers started, every one of them reading by then"
    )
    wrong = {
        d: (n, report.actual.get(d, 0), report.table.get(d, 0))
        for d, n in report.expected.items()
        if report.actual.get(d, 0) != n or report.table.get(d, 0) != n
    }
    print(
        f"  chunks: expected {len(report.expected_ids)}, actual {len(report.actual_ids)};"
        f" documents {len(report.expected)} vs {len(report.actual)}; per document differing"
        f" (expected, stored, served): {wrong or 'none'}; duplicate ids "
        f"{len(report.actual_ids) - len(set(report.actual_ids))}; same ids:"
        f" {set(report.actual_ids) == report.expected_ids}"
    )
    print(f"  new documents' chunks: { ({d: report.expected[d] for d in report.new_docs}) }")
    answered = len(report.new_docs) - len(report.unanswered)
    print(f"  new documents answering their question afterwards: {answered}/{len(report.new_docs)}")
    for e in (errors + writer_errors)[:5]:
        print(f"  error: {e}")


def failed_checks(embedded: EmbeddedReport, server: ServerReport) -> list[str]:
    """The outcomes that must hold (tests/integration/test_concurrency.py asserts each in
    detail): every second writer refused in one line naming the holder, nothing of theirs
    stored, no reader or writer error, the server's chunks those of one writer alone."""
    failed = []
    for r in embedded.refusals:
        if len(r.lines) != 1 or f"(pid {embedded.holder_pid})" not in r.lines[0]:
            failed.append(f"{r.writer}: not refused in one line naming the holder: {r.lines}")
    if embedded.stored_ids != embedded.expected_ids:
        failed.append(f"embedded: stored {embedded.stored_ids}, not the holder's alone")
    if set(embedded.refused_files) & set(embedded.uploads):
        failed.append("embedded: a refused upload was kept")
    if embedded.chunks_in_store != embedded.chunks_in_table:
        failed.append("embedded: stray chunks left in the store")
    errors = [e for log in server.readers for e in log.errors]
    errors += [e for w in server.writers for e in w["errors"]]
    if errors:
        failed.append(f"server: {len(errors)} reader or writer errors, first: {errors[0]}")
    if server.actual != server.expected or set(server.actual_ids) != server.expected_ids:
        failed.append("server: stored chunks differ from a single writer's")
    if len(set(server.actual_ids)) != len(server.actual_ids):
        failed.append("server: duplicated chunks")
    if server.unanswered:
        failed.append(f"server: new documents not answered from: {server.unanswered}")
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    import tempfile

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ROLES:
        return ROLES[argv[0]](*argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--docs", type=int, default=10, help="documents per writer")
    parser.add_argument("--trials", type=int, default=5, help="second writers per kind")
    args = parser.parse_args(argv)
    embedder = os.environ.get("RAG_EMBEDDER", "hashed")  # the store is measured, not the model
    for name in [n for n in os.environ if n.startswith(("RAG_", "OPENAI_"))]:
        del os.environ[name]  # the defaults are measured, as the children (`child_env`) see them
    os.environ.update(ANONYMIZED_TELEMETRY="False", RAG_EMBEDDER=embedder)
    with tempfile.TemporaryDirectory() as tmp:
        embedded = embedded_refusals(Path(tmp) / "embedded", args.trials)
        print_embedded(embedded)
        with chroma_server(Path(tmp) / "chroma") as port:
            report = server_concurrency(
                port, Path(tmp) / "server", args.readers, args.writers, args.docs
            )
        print_server(report)
    return exit_status(failed_checks(embedded, report))


if __name__ == "__main__":
    raise SystemExit(main())
