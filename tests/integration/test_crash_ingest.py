"""`rag ingest` killed with SIGKILL, then run again, leaves exactly what one clean ingest leaves.

- Random points (`bench.crash`, the real CLI in child processes): RUNS kills at seeded-random
  points of the ingest's CPU time, half over the whole ingest and half over its writing (from
  its first write on disk), while the corpus changes between runs (edits, reverts, a document
  removed and added); then one normal ingest. The store opens, no chunk is lost, duplicated or
  extra, served counts and vectors equal the clean ingest's, every chunk is found by its own
  vector, and the answers to 10 questions (text and citations) are identical. Some kills must
  have left a partly written store (some, not all, of the run's new chunks), or the test proves
  nothing. RUNS is 10 here; the benchmark `python -m bench.crash` does 20, which takes about
  90 s on 2 cores (each run is a fresh interpreter, about 3-4 s of CPU), too long for a test.
- Exact points: a child dies (SIGKILL) at each step of `rag.ingest.store` where a kill leaves chunks
  retrieval does not serve (new chunks added but not committed; record committed, old chunks
  not yet deleted; a removed document's record gone, its chunks not), in a state where the next
  ingest has no write of that document to do. The next ingest removes them all.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.crash import crash_runs
from bench.crash_corpus import edited, expected_store, settings_for
from bench.crash_disk import disk_state
from bench.crash_ingest import start_ingest
from tests.conftest import CLI_TIMEOUT, ROOT, SEED_IDS, SEEDS, rag_env, run_rag, start_rag

RUNS = 10
SEED = 20240601

# A child that syncs the corpus into the store and dies (SIGKILL) when the store calls
# `<attribute>.<method>`: a kill at exactly that step of `rag.ingest.store`.
DIE_AT = """
import os, signal, sys
from pathlib import Path
from rag.retrieve.embed import build_embedder
from rag.ingest.store import Store
from rag.ingest.sync import sync
from rag.ingest.lock import writer_lock
from rag.ingest.readers import read_corpus
from rag.settings import Settings

data_dir, corpus, attribute, method = sys.argv[1:5]
settings = Settings(data_dir=Path(data_dir))


class DieOn:
    def __init__(self, inner, method):
        self._inner, self._method = inner, method

    def __getattr__(self, name):
        if name == self._method:
            return lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
        return getattr(self._inner, name)


docs, _ = read_corpus([Path(corpus)])
with writer_lock(settings):
    store = Store(settings, create=True)
    setattr(store, attribute, DieOn(getattr(store, attribute), method))
    sync(store, docs, build_embedder(settings), [Path(corpus)])
sys.exit(3)  # the step was never reached
"""


def test_kills_at_random_points_then_ingest_equals_a_clean_ingest(tmp_path: Path) -> None:
    result = crash_runs(SEEDS, RUNS, SEED, tmp_path)

    assert not result.errors, result.errors
    assert [k for k in result.kills if k.phase.startswith(("failed", "?"))] == []
    partial = [k for k in result.kills if 0 < k.new_written < k.new_total]
    assert partial, f"no kill left a partly written store: {result.kills}"
    check = result.check
    assert check is not None
    assert check.lost == []
    assert check.duplicated == []
    assert check.extra == []
    assert check.served_differs == {}
    assert check.vectors_differ == []
    assert check.unsearchable == []
    assert check.answer_diffs == []
    assert check.answers_identical == check.answers_total == 10
    assert check.ok and result.ok


def _die_at(data_dir: Path, corpus: Path, attribute: str, method: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", DIE_AT, str(data_dir), str(corpus), attribute, method],
        cwd=ROOT,
        env=rag_env(data_dir),
        capture_output=True,
        timeout=CLI_TIMEOUT,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode("utf-8", "replace")[-2000:]


def test_next_ingest_removes_what_a_kill_left_unserved(tmp_path: Path) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    shutil.copytree(SEEDS, corpus)
    for path in corpus.iterdir():
        path.chmod(0o644)
    first, second = (corpus / f"{doc_id}.txt" for doc_id in SEED_IDS[:2])
    extra = corpus / "900_extra.txt"
    extra.write_bytes(edited(first.read_bytes(), 9))
    settings = settings_for(data, corpus)
    name = settings.index_identity()
    assert run_rag(["ingest", "--quiet", str(corpus)], data).returncode == 0
    extra_ids = expected_store(corpus, settings)[0] - expected_store(SEEDS, settings)[0]

    # a removed document: its record deleted, then killed before its chunks are
    extra.unlink()
    _die_at(data, corpus, "vector_store", "delete")
    # an update committed (record upserted), then killed before the old chunks are deleted
    old_first = expected_store(corpus, settings)[0]
    first.write_bytes(edited(first.read_bytes(), 1))
    _die_at(data, corpus, "chunks", "delete")
    # an update's chunks added, then killed before its record: the edit is then undone
    original_second = second.read_bytes()
    second.write_bytes(edited(original_second, 1))
    uncommitted = expected_store(corpus, settings)[0]
    _die_at(data, corpus, "docs", "upsert")
    second.write_bytes(original_second)

    want_ids, want_records = expected_store(corpus, settings)
    on_disk = disk_state(data, name)
    assert on_disk is not None
    leftovers = on_disk[0] - want_ids
    assert extra_ids and extra_ids <= leftovers  # the removed document's chunks
    assert (old_first - want_ids) and (old_first - want_ids) <= leftovers  # first's old version
    assert (uncommitted - want_ids) and (uncommitted - want_ids) <= leftovers  # second's edit
    assert leftovers == extra_ids | (old_first - want_ids) | (uncommitted - want_ids)

    done = run_rag(["ingest", "--quiet", str(corpus)], data)

    assert done.returncode == 0, done.stderr
    assert f"{len(leftovers)} stale chunks removed" in done.stdout
    from rag.ingest.store import Store

    store = Store(settings, create=False)
    assert sorted(r[0] for r in store.chunk_records()) == sorted(want_ids)
    assert {d: m["sha"] for d, m in store.manifest().items()} == want_records
    served = store.chunk_counts()
    assert sum(served.values()) == len(want_ids) and set(served) == set(want_records)


def test_a_kill_as_chroma_creates_its_tables_leaves_a_store_the_next_ingest_completes(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    settings = settings_for(data, SEEDS)
    db = data / "chroma.sqlite3"
    proc = start_ingest(data, SEEDS, subprocess.DEVNULL)
    deadline = time.monotonic() + CLI_TIMEOUT
    while not db.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=CLI_TIMEOUT)
    assert db.exists() and proc.returncode == -signal.SIGKILL
    assert disk_state(data, settings.index_identity()) == (set(), {})

    done = run_rag(["ingest", "--quiet", str(SEEDS)], data)

    assert done.returncode == 0, done.stderr
    assert disk_state(data, settings.index_identity()) == expected_store(SEEDS, settings)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_ingest_leaves_no_helper_process(tmp_path: Path) -> None:
    # batches of 20 chunks: the seeds make 12 groups, which a helper process prepares
    proc = start_rag(
        ["ingest", str(SEEDS)],
        tmp_path / "data",
        env=rag_env(tmp_path / "data", RAG_WRITE_BATCH="20"),
    )
    helpers: list[int] = []
    deadline = time.monotonic() + CLI_TIMEOUT
    while not helpers and proc.poll() is None and time.monotonic() < deadline:
        helpers = [c for c in _children(proc.pid) if "spawn_main" in _cmdline(c)]
        time.sleep(0.01)
    assert helpers, "the ingest finished before its helper process was seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=CLI_TIMEOUT)
    gone = time.monotonic() + 10
    while any(_alive(h) for h in helpers) and time.monotonic() < gone:
        time.sleep(0.1)
    assert not any(_alive(h) for h in helpers)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
