"""Concurrency: on the embedded store a second writer (`rag ingest`, an upload, an in-process
ingest or delete) is refused at once with one line naming the process that writes, and writes
nothing; against a real `chroma run` server, 2 writer processes uploading 10 documents each
beside 50 reader threads leave exactly the chunks a single writer would, with 0 errors, and the
new documents answer their questions. The scenarios are `bench.concurrency`'s; it prints timings,
these tests assert outcomes (and only a generous ceiling on time)."""

from __future__ import annotations

import pytest

from bench.concurrency_embedded import CLI, CLI_QUIET, EmbeddedReport, embedded_refusals
from bench.concurrency_server import ServerReport, server_concurrency
from tests.conftest import SEED_IDS

REFUSAL_CEILING = 10.0  # seconds
READERS, WRITERS, DOCS = 50, 2, 10


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> EmbeddedReport:
    return embedded_refusals(tmp_path_factory.mktemp("embedded"), trials=1)


@pytest.fixture(scope="module")
def server(chroma_server, tmp_path_factory) -> ServerReport:
    return server_concurrency(
        chroma_server, tmp_path_factory.mktemp("server"), READERS, WRITERS, DOCS
    )


# ------------------------------------------------------------------- embedded: one writer only

WRITERS_TRIED = [CLI, CLI_QUIET, "add_files", "ingest", "delete_document"]


def test_each_kind_of_second_writer_was_tried(embedded) -> None:
    assert {r.writer for r in embedded.refusals} == set(WRITERS_TRIED)


@pytest.mark.parametrize("writer", [CLI, CLI_QUIET])
def test_second_rag_ingest_exits_1(embedded, writer) -> None:
    assert [r.exit_code for r in embedded.refusals if r.writer == writer] == [1]


@pytest.mark.parametrize("writer", WRITERS_TRIED)
def test_second_writer_gets_one_error_line_naming_the_writing_process(embedded, writer) -> None:
    for refusal in (r for r in embedded.refusals if r.writer == writer):
        assert len(refusal.lines) == 1, refusal.lines
        line = refusal.lines[0]
        assert line.startswith("error: another process"), line
        assert f"(pid {embedded.holder_pid})" in line and "Traceback" not in line


@pytest.mark.parametrize("writer", [CLI_QUIET, "add_files", "ingest", "delete_document"])
def test_refusal_does_not_wait_for_the_writer(embedded, writer) -> None:
    # The holder keeps the lock until every attempt is over, so a writer that waited would not
    # come back at all; the ceiling is generous, the benchmark prints the real figure. (`CLI`'s
    # own time is mostly the interpreter's start-up: CLI_QUIET times the same from its imports.)
    assert all(r.seconds < REFUSAL_CEILING for r in embedded.refusals if r.writer == writer)


def test_refused_writers_wrote_nothing(embedded) -> None:
    assert embedded.stored_ids == embedded.expected_ids
    assert not set(embedded.refused_files) & set(embedded.uploads)


def test_the_refused_delete_left_its_document(embedded) -> None:
    assert embedded.deleted in embedded.stored_ids  # written before the pause, so deletable


def test_no_stray_chunks_after_the_refusals(embedded) -> None:
    assert embedded.chunks_in_store == embedded.chunks_in_table > 0


def test_the_writer_holding_the_lock_finished_its_ingest(embedded) -> None:
    assert embedded.holder == {"added": SEED_IDS, "rejected": []}


# ------------------------------------------------------------- server: writers beside readers


def test_every_reader_was_answering_while_the_writers_wrote(server) -> None:
    assert len(server.readers) == READERS
    assert all(log.while_writing >= 1 for log in server.readers)


def test_readers_had_no_errors(server) -> None:
    assert [e for log in server.readers for e in log.errors] == []


def test_writers_had_no_errors(server) -> None:
    assert len(server.writers) == WRITERS
    assert [w["errors"] for w in server.writers] == [[]] * WRITERS
    assert [len(w["seconds"]) for w in server.writers] == [DOCS] * WRITERS


def test_every_document_has_exactly_the_chunks_of_a_single_writer(server) -> None:
    assert len(server.new_docs) == WRITERS * DOCS
    assert set(server.expected) == set(SEED_IDS) | set(server.new_docs)
    assert server.actual == server.expected
    assert server.table == server.expected  # and retrieval serves every one of them


def test_the_total_is_exact_with_no_duplicate_ids(server) -> None:
    assert len(server.actual_ids) == len(server.expected_ids)
    assert len(set(server.actual_ids)) == len(server.actual_ids)
    assert set(server.actual_ids) == server.expected_ids


def test_new_documents_are_answerable_afterwards(server) -> None:
    assert server.unanswered == []
