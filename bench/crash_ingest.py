"""`rag ingest` as `bench.crash` runs it, for real, in child processes: the clean ingest timed
(its CPU time, and the CPU times at which its first chunk and its complete store appeared on
disk), the seeded kill points, and one ingest killed with SIGKILL at its point and classified
by what it left on disk. Times are CPU times (Linux: read from `/proc`), not wall times: on a
shared machine one ingest's wall time varies threefold, its CPU time little."""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import harness
from bench.crash_corpus import expected_store, settings_for
from bench.crash_disk import disk_state, stamp
from bench.harness import ROOT

INGEST_TIMEOUT = 300  # seconds; a clean ingest of the seeds takes about 5 s on 2 cores
PHASES = ("before writing", "mid-write", "after writing", "done")
CRASH_BATCH = 48
"""Chunks per write batch in the killed ingests (`Settings.write_batch`)."""


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


def _last_line(stderr: bytes) -> str:
    """The last line a child wrote to stderr (`?` when none)."""
    return (stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"])[0]


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
        raise RuntimeError(f"rag ingest exited {done.returncode}: {_last_line(done.stderr)}")
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
            now = stamp(data_dir / "chroma.sqlite3")
            state = None  # read only when the file changed: the copy costs the parent CPU
            if complete is None and now != seen:
                state, seen = disk_state(data_dir, name), now
            if state and state[0] and first is None:
                first = cpu  # late by at most one poll
            if state == want:
                complete = cpu
            time.sleep(0.01)
        returncode = proc.wait(timeout=INGEST_TIMEOUT)
        err.seek(0)
        tail = _last_line(err.read())
    if returncode != 0:
        raise RuntimeError(f"rag ingest exited {returncode}: {tail}")
    total = _children_cpu() - used
    return Timeline(time.perf_counter() - started, total, first, complete, len(want[0]))


def kill_points(runs: int, rng: random.Random) -> list[tuple[str, float]]:
    """(window, share of it) per run: odd runs in the whole ingest, even runs in its writing;
    within each window stratified (one point per equal slice, slices shuffled)."""
    names = ["whole" if run % 2 else "writing" for run in range(1, runs + 1)]
    slices = {w: list(range(names.count(w))) for w in set(names)}
    for order in slices.values():
        rng.shuffle(order)
    return [(w, (slices[w].pop() + rng.random()) / names.count(w)) for w in names]


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
    target = expected_store(corpus, settings)
    new = target[0] - (before[0] if before else set())
    start, span = timeline.window(kill_at[0], len(new))
    point = None if start is None else start + span * kill_at[1]
    seen = stamp(data_dir / "chroma.sqlite3")
    with tempfile.TemporaryFile() as err:
        proc = start_ingest(data_dir, corpus, err)
        started = time.perf_counter()
        while proc.poll() is None and time.perf_counter() - started < INGEST_TIMEOUT:
            cpu = cpu_seconds(proc.pid) or 0.0
            if point is None and stamp(data_dir / "chroma.sqlite3") != seen:
                seen = stamp(data_dir / "chroma.sqlite3")
                if disk_state(data_dir, name) not in (None, before):  # its first write
                    point = cpu + span * kill_at[1]
            if point is not None and cpu >= point:
                os.kill(proc.pid, signal.SIGKILL)  # a zombie (it just exited) ignores it
                break
            time.sleep(0.004)
        wall = time.perf_counter() - started
        returncode = proc.wait(timeout=INGEST_TIMEOUT)
        err.seek(0)
        tail = _last_line(err.read())
    exited = None if returncode == -signal.SIGKILL else returncode
    after = disk_state(data_dir, name)
    on_disk = -1 if after is None else len(after[0])
    written = -1 if after is None else len(new & after[0])
    phase = _phase(exited, tail, before, after, target)
    point_ms = -1.0 if point is None else point * 1000
    return Kill(run, point_ms, wall * 1000, phase, on_disk, written, len(new), changes)


def _phase(
    exited: int | None,
    tail: str,
    before: tuple[set[str], dict[str, str]] | None,
    after: tuple[set[str], dict[str, str]] | None,
    target: tuple[set[str], dict[str, str]],
) -> str:
    """What the kill hit, from the ingest's exit code (None: killed) and the store on disk
    before it started, after it ended, and complete."""
    if exited is not None and exited != 0:
        return f"failed: exit {exited}: {tail}"
    if exited is not None:
        return "done"
    if after is None or before is None:
        return "? (store unreadable)"
    if after == before:
        return "before writing"
    if after == target:
        return "after writing"
    return "mid-write"
