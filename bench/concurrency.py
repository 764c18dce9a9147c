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

The parts: generated documents in `bench.concurrency_docs`, the child processes (the lock holder
and the writers, run as `python -m bench.concurrency ROLE ...`) in `bench.concurrency_child`, the
embedded store's second writers in `bench.concurrency_embedded`, the server's writers and readers
in `bench.concurrency_server`; this module prints the figures and decides the exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.concurrency_child import ROLES
from bench.concurrency_embedded import EmbeddedReport, embedded_refusals
from bench.concurrency_server import ServerReport, server_concurrency
from bench.harness import chroma_server, exit_status, isolate_environ
from eval.score import percentile

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
    # the defaults are measured, as the children (`child_env`) see them; the embedder kept
    # (hashed unless RAG_EMBEDDER says): the store is measured, not the model
    isolate_environ()
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
