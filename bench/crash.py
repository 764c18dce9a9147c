"""Benchmark: `rag ingest` killed with SIGKILL at random points, then ingested again, must leave
the same store and the same answers as one clean ingest (not a test: it prints figures; the
integration test `tests/integration/test_crash_ingest.py` asserts them).

1. A copy of the corpus (default `seeds/`) is ingested cleanly into a fresh data dir, watched:
   its CPU time, and the CPU times at which its first chunk and its complete store appeared on
   disk. Its chunk ids, per-document served chunk counts, vectors and answers to the first
   answerable questions of `eval/questions.jsonl` (by id) are the reference.
2. In another data dir, `--runs` times: the corpus copy is changed (seeded: documents edited,
   restored, left out, an extra one added or dropped, so an ingest has adds, updates and removals
   to do; run 1 ingests the original into the empty dir), `rag ingest` starts as a child and gets
   SIGKILL once it has used the CPU time of a seeded-random kill point. Odd runs draw the point
   uniformly over the whole clean ingest, even runs over its writing (from its first write, seen
   on disk, for as long as the clean ingest took to write as many chunks as this run has to;
   anchored there because start-up CPU varies more than writing lasts): interpreter
   start, imports and the first chunking take three quarters of an ingest and writing a seventh,
   so uniform points alone would put about three kills of 20 into writing. Points are stratified
   within each window (one per equal slice, slices shuffled) so a few runs still cover it. CPU
   time, not wall time: on a shared machine one ingest's wall time varies threefold, its CPU time
   little (Linux: read from `/proc`). What the kill hit is read from a copy of the store's SQLite
   file (a diagnostic only: Chroma's own tables; nothing opens the store through Chroma between
   runs): `before writing` (nothing changed yet), `mid-write` (some but not all of this ingest's
   changes on disk), `after writing` (store complete, process not yet gone), or `done` (it had
   exited already).
3. The corpus is restored, `rag ingest` runs to completion (it must succeed), and the store is
   compared with the reference: lost, duplicated and extra chunk ids (a stale chunk of an old
   version counts as extra), served chunk counts, vectors, whether every chunk is found by its
   own vector, and the answers (text and citations' doc_id/quote/start/end).

Usage: python -m bench.crash [--runs 20] [--seed N] [--corpus DIR]
The process runs with no inherited `RAG_*` / `OPENAI_*` variables (offline, embedded store).
Exit code 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import harness
from bench.harness import QUESTIONS, ROOT

N_QUESTIONS = 10
EXTRA_DOC = "900_crash_extra.txt"
"""A document that comes and goes between runs (its removal is part of what a kill can hit)."""
INGEST_TIMEOUT = 300  # seconds; a clean ingest of the seeds takes about 5 s on 2 cores

PHASES = ("before writing", "mid-write", "after writing", "done")


@dataclass(frozen=True)
class Kill:
    """One killed ingest and what it left on disk."""

    run: int
    point_ms: float
    """The kill point: the ingest's CPU time (user + system) at which it was to be killed; -1
    when its window was its writing and it wrote nothing."""
    wall_ms: float
    """Wall time from start to the kill (or to its exit, if it finished first)."""
    phase: str
    """One of `PHASES`, or `failed: ...` when the ingest exited with an error before the kill."""
    chunks_on_disk: int
    """Chunk ids in the store at the kill (served or not); -1 when unreadable."""
    new_written: int
    """Of the chunks this run's ingest had to add, how many were on disk at the kill."""
    new_total: int
    changes: str


@dataclass(frozen=True)
class Snapshot:
    """What a finished store holds and answers."""

    chunk_ids: list[str]
    """Every id in the chunk collection, as Chroma lists it (served or not)."""
    chunk_keys: list[tuple[str, str, int, int]]
    """(doc_id, doc_sha, start, end) of each chunk, in `chunk_ids` order."""
    served: dict[str, int]
    """doc_id -> chunks retrieval serves (`Store.chunk_counts`)."""
    vectors: dict[str, list[float]]
    unsearchable: list[str]
    """Chunks whose own vector does not find them (absent from the vector index)."""
    answers: list[dict[str, Any]]


@dataclass
class Check:
    """The store after the crashes compared with the clean reference."""

    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    served_differs: dict[str, tuple[int, int]] = field(default_factory=dict)
    vectors_differ: list[str] = field(default_factory=list)
    unsearchable: list[str] = field(default_factory=list)
    answers_identical: int = 0
    answers_total: int = 0
    answer_diffs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.extra
            or self.served_differs
            or self.vectors_differ
            or self.unsearchable
            or self.answer_diffs
        ) and (self.answers_identical == self.answers_total > 0)


@dataclass(frozen=True)
class Timeline:
    """The clean ingest, timed."""

    wall: float
    cpu: float
    """CPU seconds (user + system) of the whole ingest, interpreter start included."""
    first_write_cpu: float | None
    """Its CPU time when the first chunk was seen on disk (None: never seen, polled too slowly)."""
    complete_cpu: float | None
    """Its CPU time when the store was first seen complete."""
    chunks: int
    """Chunks it wrote."""

    def window(self, name: str, new_chunks: int) -> tuple[float | None, float]:
        """Where a kill window starts (CPU seconds; None: at the ingest's first write, seen on
        disk) and how long it is: `whole` is the clean ingest; `writing`, for an ingest that
        writes `new_chunks`, starts at its first write and lasts as long as the clean ingest
        took to write as many (the whole ingest when the clean one's writing was not seen)."""
        first, complete = self.first_write_cpu, self.complete_cpu
        if name == "whole" or first is None or complete is None or complete <= first:
            return 0.0, self.cpu
        return None, (complete - first) * new_chunks / max(self.chunks, 1)


@dataclass
class Result:
    kills: list[Kill]
    check: Check | None
    clean: Timeline
    final_seconds: float
    errors: list[str]
    """Why the store did not open or the final ingest failed (empty when they worked)."""

    @property
    def ok(self) -> bool:
        return not self.errors and self.check is not None and self.check.ok


# ---------------------------------------------------------------------------------- the corpus


def copy_corpus(source: Path, target: Path) -> dict[str, bytes]:
    """Copy the corpus folder's files (writable; not its subfolders) into `target`; file name
    -> original bytes. Its .txt/.md documents are the ones `mutate_corpus` changes."""
    target.mkdir(parents=True)
    originals = {}
    for path in sorted(source.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            originals[path.name] = path.read_bytes()
            (target / path.name).write_bytes(originals[path.name])
    return originals


def _documents(originals: dict[str, bytes]) -> list[str]:
    return [n for n in originals if n.endswith((".txt", ".md"))]


def edited(data: bytes, version: int) -> bytes:
    """A document with a paragraph added: a new content hash, so new chunk ids throughout."""
    note = f"\n\n崩溃测试修订第{version}版：本段文字只为改变文档的内容哈希。\n"
    return data + note.encode("utf-8")


def mutate_corpus(corpus: Path, originals: dict[str, bytes], rng: random.Random) -> str:
    """Give each text document a seeded state (original, edit 1, 2 or 3, or absent) and the
    extra document a coin flip; a short description of the corpus."""
    states = []
    for name in _documents(originals):
        version = rng.choices([0, 1, 2, 3, -1], [2, 2, 2, 2, 1])[0]  # -1: absent
        path = corpus / name
        if version < 0:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(edited(originals[name], version) if version else originals[name])
        states.append(version)
    extra = corpus / EXTRA_DOC
    first = originals[_documents(originals)[0]]
    if rng.random() < 0.5:
        extra.write_bytes(edited(first, 9))
    else:
        extra.unlink(missing_ok=True)
    edits = sum(v > 0 for v in states)
    absent = states.count(-1)
    return f"{edits} edited, {absent} absent, extra {'in' if extra.exists() else 'out'}"


def restore_corpus(corpus: Path, originals: dict[str, bytes]) -> None:
    (corpus / EXTRA_DOC).unlink(missing_ok=True)
    for name, data in originals.items():
        (corpus / name).write_bytes(data)


def expected_store(corpus: Path, settings: Any) -> tuple[set[str], dict[str, str]]:
    """Chunk ids and doc_id -> content hash that a complete ingest of `corpus` leaves."""
    from rag.ingest.chunk import chunk_document
    from rag.ingest.readers import read_corpus

    docs, _ = read_corpus([corpus])
    ids = {
        c.chunk_id
        for d in docs
        for c in chunk_document(d, settings.chunk_tokens, settings.chunk_overlap_sentences)
    }
    return ids, {d.doc_id: d.sha for d in docs}


# ------------------------------------------------------------------------ ingest, for real


CRASH_BATCH = 48
"""Chunks per write batch in the killed ingests (`Settings.write_batch`)."""


def child_env(data_dir: Path) -> dict[str, str]:
    """The CLI's environment: no inherited RAG_* / OPENAI_*, an explicit data dir, and the
    hashed embedder unless `RAG_EMBEDDER` says otherwise (what a kill tests is the store)."""
    env = harness.child_env(RAG_DATA_DIR=str(data_dir))
    # batches of a few documents, as in a corpus a hundred times the seeds: kills then land
    # between one batch's commit and the next, not only before or after the only batch
    env.setdefault("RAG_WRITE_BATCH", str(CRASH_BATCH))
    return env


def _argv(corpus: Path) -> list[str]:
    return [sys.executable, "-m", "rag", "ingest", "--quiet", str(corpus)]


def start_ingest(data_dir: Path, corpus: Path, stderr: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        _argv(corpus),
        cwd=ROOT,
        env=child_env(data_dir),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def ingest(data_dir: Path, corpus: Path) -> float:
    """`rag ingest` to completion; its wall seconds. Raises `RuntimeError` with its error
    line."""
    started = time.perf_counter()
    done = subprocess.run(
        _argv(corpus),
        cwd=ROOT,
        env=child_env(data_dir),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=INGEST_TIMEOUT,
    )
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise RuntimeError(f"rag ingest exited {done.returncode}: {tail[0]}")
    return time.perf_counter() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system, all threads) a running process has used; None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def disk_state(data_dir: Path, name: str) -> tuple[set[str], dict[str, str]] | None:
    """Chunk ids and doc_id -> sha as Chroma's SQLite file holds them, read from a copy (with
    its rollback journal, so an interrupted transaction is rolled back on the copy, not on the
    store); None when there is no store or its tables cannot be read."""
    db = data_dir / "chroma.sqlite3"
    if not db.exists():
        return set(), {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "chroma.sqlite3"
        try:
            shutil.copyfile(db, copy)
            journal = data_dir / "chroma.sqlite3-journal"
            if journal.exists():
                shutil.copyfile(journal, Path(tmp) / "chroma.sqlite3-journal")
            with contextlib.closing(sqlite3.connect(copy)) as conn:
                return _chunk_ids(conn, name), _records(conn, f"{name}-docs")
        except (OSError, sqlite3.Error):  # a running writer moved on under the copy
            return None


_SEGMENT = (
    "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id"
    " WHERE c.name = ? AND s.scope = 'METADATA'"
)


def _chunk_ids(conn: sqlite3.Connection, collection: str) -> set[str]:
    rows = conn.execute(
        f"SELECT embedding_id FROM embeddings WHERE segment_id IN ({_SEGMENT})", (collection,)
    )
    return {r[0] for r in rows}


def _records(conn: sqlite3.Connection, collection: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT e.embedding_id, m.string_value FROM embeddings e JOIN embedding_metadata m"
        f" ON m.id = e.id AND m.key = 'sha' WHERE e.segment_id IN ({_SEGMENT})",
        (collection,),
    )
    return {r[0]: r[1] for r in rows}


def kill_run(
    run: int,
    data_dir: Path,
    corpus: Path,
    settings: Any,
    kill_at: tuple[str, float],
    timeline: Timeline,
    changes: str,
) -> Kill:
    """Start `rag ingest`, SIGKILL it at `kill_at` (a window's name and a share of it, see
    `Timeline.window`), classify what it left."""
    name = settings.index_identity()
    before = disk_state(data_dir, name)
    target_ids, target_records = expected_store(corpus, settings)
    new = target_ids - (before[0] if before else set())
    start, span = timeline.window(kill_at[0], len(new))
    point = None if start is None else start + span * kill_at[1]
    seen = _stamp(data_dir / "chroma.sqlite3")
    with tempfile.TemporaryFile() as err:
        proc = start_ingest(data_dir, corpus, err)
        started = time.perf_counter()
        while proc.poll() is None and time.perf_counter() - started < INGEST_TIMEOUT:
            cpu = cpu_seconds(proc.pid) or 0.0
            if point is None and _stamp(data_dir / "chroma.sqlite3") != seen:
                seen = _stamp(data_dir / "chroma.sqlite3")
                if disk_state(data_dir, name) not in (None, before):  # its first write
                    point = cpu + span * kill_at[1]
            if point is not None and cpu >= point:
                os.kill(proc.pid, signal.SIGKILL)  # a zombie (it just exited) ignores it
                break
            time.sleep(0.004)
        wall = time.perf_counter() - started
        returncode = proc.wait(timeout=INGEST_TIMEOUT)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
    exited = None if returncode == -signal.SIGKILL else returncode
    after = disk_state(data_dir, name)
    on_disk = -1 if after is None else len(after[0])
    written = -1 if after is None else len(new & after[0])
    if exited is not None and exited != 0:
        phase = f"failed: exit {exited}: {tail[0]}"
    elif exited is not None:
        phase = "done"
    elif after is None or before is None:
        phase = "? (store unreadable)"
    elif after == before:
        phase = "before writing"
    elif after == (target_ids, target_records):
        phase = "after writing"
    else:
        phase = "mid-write"
    point_ms = -1.0 if point is None else point * 1000
    return Kill(run, point_ms, wall * 1000, phase, on_disk, written, len(new), changes)


# ------------------------------------------------------------------------ what a store holds


def reference_questions(path: Path = QUESTIONS, n: int = N_QUESTIONS) -> list[str]:
    """The first `n` answerable questions of the eval set, by id."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    rows = sorted((r for r in rows if r.get("answerable")), key=lambda r: r["id"])
    return [r["question"] for r in rows[:n]]


def answer_view(answer: dict[str, Any]) -> dict[str, Any]:
    """What must not change: the answer text and each citation's document and quote."""
    return {
        "answer": answer["answer"],
        "answerable": answer["answerable"],
        "citations": [
            {k: c[k] for k in ("n", "doc_id", "quote", "start", "end")} for c in answer["citations"]
        ],
    }


def snapshot(settings: Any, questions: list[str]) -> Snapshot:
    """Open the store (read only) and record what it holds and answers."""
    from rag.ingest.store import Store
    from rag.pipeline import ask, open_engine

    store = Store(settings, create=False)
    got = store.chunks.get(include=["metadatas", "embeddings"])
    ids = list(got["ids"])
    keys = [
        (str(m.get("document_id", "")), str(m.get("doc_sha", "")), int(m["start"]), int(m["end"]))
        for m in got["metadatas"]
    ]
    vectors = {i: [float(x) for x in v] for i, v in zip(ids, got["embeddings"], strict=True)}
    unsearchable = []
    if ids:
        found = store.chunks.query(
            query_embeddings=[vectors[i] for i in ids],
            n_results=min(3, len(ids)),
            include=["distances"],
        )
        for i, near, dist in zip(ids, found["ids"], found["distances"], strict=True):
            if i not in [n for n, d in zip(near, dist, strict=True) if d <= dist[0] + 1e-6]:
                unsearchable.append(i)
    engine = open_engine(settings, store=store)
    answers = [answer_view(ask(q, settings, engine=engine).to_dict()) for q in questions]
    return Snapshot(ids, keys, store.chunk_counts(), vectors, unsearchable, answers)


def compare(reference: Snapshot, got: Snapshot) -> Check:
    """Lost, duplicated and extra chunks, differing counts and vectors, identical answers."""
    check = Check()
    ref_ids, got_ids = set(reference.chunk_ids), set(got.chunk_ids)
    check.lost = sorted(ref_ids - got_ids)
    check.extra = sorted(got_ids - ref_ids)
    seen: set[Any] = set()
    for chunk_id, key in zip(got.chunk_ids, got.chunk_keys, strict=True):
        for mark in (("id", chunk_id), ("key", key)):
            if mark in seen:
                check.duplicated.append(chunk_id)
            seen.add(mark)
    for doc_id in sorted(set(reference.served) | set(got.served)):
        want, have = reference.served.get(doc_id, 0), got.served.get(doc_id, 0)
        if want != have:
            check.served_differs[doc_id] = (want, have)
    check.vectors_differ = sorted(
        i
        for i in ref_ids & got_ids
        if max(abs(a - b) for a, b in zip(reference.vectors[i], got.vectors[i], strict=True)) > 1e-6
    )
    check.unsearchable = list(got.unsearchable)
    check.answers_total = len(reference.answers)
    for n, (want_answer, have_answer) in enumerate(
        zip(reference.answers, got.answers, strict=True), 1
    ):
        if want_answer == have_answer:
            check.answers_identical += 1
        else:
            check.answer_diffs.append(f"question {n}: {want_answer!r} != {have_answer!r}")
    return check


# ---------------------------------------------------------------------------------- the runs


def settings_for(data_dir: Path, corpus: Path) -> Any:
    from rag.settings import Settings

    return Settings(data_dir=data_dir, seeds_dir=corpus)


def timed_clean_ingest(data_dir: Path, corpus: Path, name: str) -> Timeline:
    """`rag ingest` to completion, watched: when (in its CPU time) the first chunk and the
    complete store appeared on disk. Raises `RuntimeError` when it fails."""
    used = _children_cpu()
    started = time.perf_counter()
    first = complete = None
    want = expected_store(corpus, settings_for(data_dir, corpus))
    with tempfile.TemporaryFile() as err:
        proc = start_ingest(data_dir, corpus, err)
        cpu, seen = 0.0, None
        while proc.poll() is None and time.perf_counter() - started < INGEST_TIMEOUT:
            cpu = cpu_seconds(proc.pid) or cpu
            stamp = _stamp(data_dir / "chroma.sqlite3")
            state = None  # read only when the file changed: the copy costs the parent CPU
            if complete is None and stamp != seen:
                state, seen = disk_state(data_dir, name), stamp
            if state and state[0] and first is None:
                first = cpu  # late by at most one poll
            if state == want:
                complete = cpu
            time.sleep(0.01)
        returncode = proc.wait(timeout=INGEST_TIMEOUT)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
    if returncode != 0:
        raise RuntimeError(f"rag ingest exited {returncode}: {tail[0]}")
    total = _children_cpu() - used
    return Timeline(time.perf_counter() - started, total, first, complete, len(want[0]))


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def kill_points(runs: int, rng: random.Random) -> list[tuple[str, float]]:
    """(window, share of it) per run: odd runs in the whole ingest, even runs in its writing;
    within each window stratified (one point per equal slice, slices shuffled)."""
    names = ["whole" if run % 2 else "writing" for run in range(1, runs + 1)]
    slices = {w: list(range(names.count(w))) for w in set(names)}
    for order in slices.values():
        rng.shuffle(order)
    return [(w, (slices[w].pop() + rng.random()) / names.count(w)) for w in names]


def crash_runs(
    corpus_source: Path,
    runs: int,
    seed: int,
    work: Path,
    questions: list[str] | None = None,
    report: Any = None,
) -> Result:
    """Everything the module docstring describes, in `work` (an empty directory); `report` is
    called with each `Kill` as it happens."""
    questions = reference_questions() if questions is None else questions
    rng = random.Random(seed)
    corpus = work / "corpus"
    originals = copy_corpus(corpus_source, corpus)
    clean_dir, crash_dir = work / "clean", work / "crashed"
    settings = settings_for(crash_dir, corpus)
    timeline = timed_clean_ingest(clean_dir, corpus, settings.index_identity())
    reference = snapshot(settings_for(clean_dir, corpus), questions)
    kills = []
    for run, kill_at in enumerate(kill_points(runs, rng), 1):
        changes = "original corpus" if run == 1 else mutate_corpus(corpus, originals, rng)
        label = f"{kill_at[0]:<7}  {changes}"
        kills.append(kill_run(run, crash_dir, corpus, settings, kill_at, timeline, label))
        if report:
            report(kills[-1])
    restore_corpus(corpus, originals)
    errors = [f"run {k.run}: ingest {k.phase}" for k in kills if k.phase.startswith("failed")]
    final_seconds = 0.0
    check = None
    try:
        final_seconds = ingest(crash_dir, corpus)
        check = compare(reference, snapshot(settings, questions))
    except Exception as exc:  # the store did not open, or the ingest failed: that is the news
        errors.append(f"after the kills: {type(exc).__name__}: {exc}")
    return Result(kills, check, timeline, final_seconds, errors)


def _print_kill(kill: Kill) -> None:
    disk = "?" if kill.chunks_on_disk < 0 else str(kill.chunks_on_disk)
    print(
        f"run {kill.run:2d}  kill at CPU {kill.point_ms:4.0f} ms (wall {kill.wall_ms:5.0f})  "
        f"{kill.phase:<14}  chunks in store "
        f"{disk:>3}, new ones written {kill.new_written:3d}/{kill.new_total:<3d}  "
        f"corpus: {kill.changes}",
        flush=True,
    )


def _print_summary(result: Result, runs: int, elapsed: float) -> None:
    phases = {p: sum(k.phase == p for k in result.kills) for p in PHASES}
    clean = result.clean
    writing = clean.window("writing", clean.chunks)[1]
    print(
        f"runs                 {runs}: kill points in CPU ms, stratified-uniform: odd runs "
        f"over the whole ingest (0..{clean.cpu * 1000:.0f}), even runs over its writing (from "
        f"its first write, {writing * 1000:.0f} ms for the {clean.chunks} chunks of a clean "
        "ingest, in proportion for fewer)"
    )
    print("phases hit           " + ", ".join(f"{p} {n}" for p, n in phases.items()))
    print(f"clean ingest         {clean.wall:.2f} s wall, {clean.cpu:.2f} s CPU")
    print(f"ingest after kills   {result.final_seconds:.2f} s")
    for error in result.errors:
        print(f"error                {error}")
    check = result.check
    if check is not None:
        print(f"chunks lost          {len(check.lost)}")
        print(f"chunks duplicated    {len(check.duplicated)}")
        print(f"chunks extra         {len(check.extra)}")
        print(f"served counts differ {len(check.served_differs)} documents")
        print(f"vectors differ       {len(check.vectors_differ)}")
        print(f"not found by vector  {len(check.unsearchable)}")
        print(f"answers identical    {check.answers_identical}/{check.answers_total}")
        for line in (check.lost + check.duplicated + check.extra)[:10]:
            print(f"  chunk {line}")
        for diff in check.answer_diffs[:3]:
            print(f"  {diff[:300]}")
    print(f"time                 {elapsed:.1f} s")
    print("result               " + ("PASS" if result.ok else "FAIL"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    args = parser.parse_args()
    embedder = os.environ.get("RAG_EMBEDDER", "hashed")  # the store is measured, not the model
    for name in list(os.environ):
        if name.startswith(("RAG_", "OPENAI_")):
            del os.environ[name]
    os.environ.update(ANONYMIZED_TELEMETRY="False", RAG_EMBEDDER=embedder)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rag-crash-") as work:
        result = crash_runs(
            args.corpus.resolve(), args.runs, args.seed, Path(work), None, _print_kill
        )
    _print_summary(result, args.runs, time.perf_counter() - started)
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
