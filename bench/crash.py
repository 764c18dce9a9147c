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

The parts: the corpus and its changes in `bench.crash_corpus`, the ingests in child processes
(timed, killed, classified) in `bench.crash_ingest`, what the SQLite file holds at a kill in
`bench.crash_disk`, the final store against the reference in `bench.crash_compare`.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.crash_compare import Check, compare, reference_questions, snapshot
from bench.crash_corpus import copy_corpus, mutate_corpus, restore_corpus, settings_for
from bench.crash_ingest import (
    PHASES,
    Kill,
    Timeline,
    ingest,
    kill_points,
    kill_run,
    timed_clean_ingest,
)
from bench.harness import SEEDS, isolate_environ


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
    parser.add_argument("--corpus", type=Path, default=SEEDS)
    args = parser.parse_args()
    isolate_environ()  # hashed unless RAG_EMBEDDER says: the store is measured, not the model
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rag-crash-") as work:
        result = crash_runs(
            args.corpus.resolve(), args.runs, args.seed, Path(work), None, _print_kill
        )
    _print_summary(result, args.runs, time.perf_counter() - started)
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
