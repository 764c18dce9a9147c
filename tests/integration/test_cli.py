"""The real CLI in child processes: the `ask --json` contract, batch mode, one-line errors, bad
files, incremental ingest and one writer at a time.

A CLI call costs about 4 s (mostly imports), so calls that do not depend on each other are
started side by side by module fixtures; each test then checks one behaviour of one call.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    ANSWER_KEYS,
    CITATION_KEYS,
    SEED_IDS,
    SEEDS,
    error_lines,
    json_out,
    make_settings,
    run_many,
    run_rag,
)

REVENUE_Q = "2024年苏州人工智能产业营收是多少？"
GDP_Q = "苏州2024年GDP是多少？"
COMPUTE_Q_TRADITIONAL = "蘇州現有總算力規模是多少？"

DOC_UPDATED = "003_3d025acabf282a01"
DOC_REMOVED = "002_a7b8a9a024a229d9"
UNCHANGED_QUESTIONS = [  # gold documents 000, 001, 004: untouched by the incremental steps
    "苏州培育了多少个市级创新联合体？",
    "苏州有多少家“灯塔工厂”？",
    "2021年苏州聚集了多少家人工智能企业？",
]
ADDED_SENTENCE = "蘇州市測試園區共有機器狗88隻。"
ADDED_QUESTION = "蘇州市測試園區有多少隻機器狗？"


def stable(row: dict[str, Any]) -> dict[str, Any]:
    """An answer without what may change between runs (timings, index size)."""
    return {k: v for k, v in row.items() if k not in ("timings_ms", "index")}


def json_lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    # Not splitlines(): a quote may hold U+2028, which JSON leaves unescaped.
    return [json.loads(line) for line in result.stdout.split("\n") if line]


def chroma_state(data_dir: Path) -> dict[str, Any]:
    """Chunk ids per document and stored document ids, read from the embedded store directly."""
    import chromadb

    # Reads go to the store's SQLite file, so a cached client sees what another process wrote.
    name = make_settings(data_dir).index_identity()
    client = chromadb.PersistentClient(path=str(data_dir))
    chunks = client.get_collection(name).get(include=["metadatas"])
    docs = client.get_collection(f"{name}-docs").get(include=[])
    by_doc: dict[str, set[str]] = {}
    for chunk_id, meta in zip(chunks["ids"], chunks["metadatas"], strict=True):
        by_doc.setdefault(str(meta["document_id"]), set()).add(chunk_id)
    return {"chunks": by_doc, "docs": set(docs["ids"]), "total": len(chunks["ids"])}


# ------------------------------------------------------------------- ask against the seed index


@pytest.fixture(scope="module")
def asked(seed_index) -> dict[str, subprocess.CompletedProcess[str]]:
    """`rag ask` calls against the session's seed index, run side by side."""
    data = seed_index.data_dir
    calls = {
        "revenue": {"args": ["ask", "--json", REVENUE_Q]},
        "gdp": {"args": ["ask", "--json", GDP_Q]},
        "batch": {
            "args": ["ask", "--json"],
            "stdin": f"{REVENUE_Q}\n{COMPUTE_Q_TRADITIONAL}\n\n{GDP_Q}\n",
        },
        "text": {"args": ["ask", REVENUE_Q]},
    }
    results = run_many([{**call, "data_dir": data} for call in calls.values()])
    return dict(zip(calls, results, strict=True))


@pytest.fixture(scope="module")
def revenue(asked) -> dict[str, Any]:
    return json_out(asked["revenue"])


@pytest.fixture(scope="module")
def shown(seed_index, revenue) -> dict[str, dict[str, Any]]:
    """`rag show --json DOC_ID` of every document the revenue answer cites."""
    doc_ids = sorted({c["doc_id"] for c in revenue["citations"]})
    results = run_many(
        [{"args": ["show", "--json", d], "data_dir": seed_index.data_dir} for d in doc_ids]
    )
    return {d: json_out(r) for d, r in zip(doc_ids, results, strict=True)}


def test_ask_json_has_the_answer_keys(revenue) -> None:
    assert set(revenue) == ANSWER_KEYS


def test_ask_json_citations_have_the_citation_keys(revenue) -> None:
    assert revenue["citations"]
    for citation in revenue["citations"]:
        assert set(citation) >= CITATION_KEYS


def test_ask_json_answers_the_revenue_question(revenue) -> None:
    assert revenue["answerable"] is True
    assert "2300" in revenue["answer"]
    assert revenue["question"] == REVENUE_Q


def test_ask_json_cites_the_2024_revenue_sentence(revenue) -> None:
    assert any("2300" in c["quote"] for c in revenue["citations"])


def test_ask_json_citation_quotes_equal_the_shown_text(revenue, shown) -> None:
    for c in revenue["citations"]:
        assert c["quote"] == shown[c["doc_id"]]["text"][c["start"] : c["end"]]


def test_ask_json_citation_title_and_date_match_the_document(revenue, shown) -> None:
    for c in revenue["citations"]:
        assert (c["title"], c["date"]) == (shown[c["doc_id"]]["title"], shown[c["doc_id"]]["date"])


def test_ask_json_answer_carries_each_citation_marker(revenue) -> None:
    for c in revenue["citations"]:
        assert f"[{c['n']}]" in revenue["answer"]


def test_ask_json_reports_the_index_it_used(revenue, seed_index) -> None:
    index = revenue["index"]
    assert index["id"] == seed_index.index_identity()
    assert index["documents"] == len(SEED_IDS)
    assert index["chunks"] > 0


def test_ask_json_reports_timings(revenue) -> None:
    assert revenue["timings_ms"]["total"] >= revenue["timings_ms"]["retrieve"] >= 0


def test_ask_json_refuses_a_question_the_documents_do_not_answer(asked) -> None:
    gdp = json_out(asked["gdp"])
    assert gdp["answerable"] is False
    assert gdp["citations"] == []


def test_ask_batch_prints_one_json_line_per_question(asked) -> None:
    rows = json_lines(asked["batch"])
    assert [r["question"] for r in rows] == [REVENUE_Q, COMPUTE_Q_TRADITIONAL, GDP_Q]


def test_ask_batch_answers_like_single_questions(asked, revenue) -> None:
    first = json_lines(asked["batch"])[0]
    assert stable(first) == stable(revenue)


def test_ask_batch_answers_a_traditional_question(asked) -> None:
    row = json_lines(asked["batch"])[1]
    assert row["answerable"] is True
    assert "14000" in row["answer"]


def test_ask_batch_refuses_per_line(asked) -> None:
    row = json_lines(asked["batch"])[2]
    assert (row["answerable"], row["citations"]) == (False, [])


def test_ask_text_shows_the_answer_and_its_sources(asked, revenue) -> None:
    result = asked["text"]
    assert result.returncode == 0, result.stderr
    assert "2300" in result.stdout
    for c in revenue["citations"]:
        assert c["quote"] in result.stdout and f"[{c['n']}]" in result.stdout


# ---------------------------------------------------------------------------------------- errors


@pytest.fixture(scope="module")
def nowhere(tmp_path_factory) -> Path:
    """A data dir that does not exist."""
    return tmp_path_factory.mktemp("no-data") / "never-created"


@pytest.fixture(scope="module")
def failed(seed_index, nowhere, tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Calls that must fail, run side by side."""
    seeded = seed_index.data_dir
    empty = tmp_path_factory.mktemp("empty-data")
    calls = {
        "empty question": {"args": ["ask", "--json", ""], "data_dir": seeded},
        "no index in an empty dir": {"args": ["ask", "--json", REVENUE_Q], "data_dir": empty},
        "no index, no dir": {"args": ["ask", "--json", REVENUE_Q], "data_dir": nowhere},
        "ingest a missing path": {
            "args": ["ingest", str(empty / "no-such-folder")],
            "data_dir": empty,
        },
        "show an unknown document": {"args": ["show", "no-such-doc"], "data_dir": seeded},
        "ask without question or --json": {"args": ["ask"], "data_dir": seeded},
    }
    return dict(zip(calls, run_many(list(calls.values())), strict=True))


ERRORS = [
    "empty question",
    "no index in an empty dir",
    "no index, no dir",
    "ingest a missing path",
    "show an unknown document",
    "ask without question or --json",
]


@pytest.mark.parametrize("case", ERRORS)
def test_error_exits_1(failed, case: str) -> None:
    assert failed[case].returncode == 1


@pytest.mark.parametrize("case", ERRORS)
def test_error_is_one_line_on_stderr(failed, case: str) -> None:
    lines = error_lines(failed[case])
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")


@pytest.mark.parametrize("case", ERRORS)
def test_error_has_no_traceback(failed, case: str) -> None:
    assert "Traceback" not in failed[case].stderr + failed[case].stdout


@pytest.mark.parametrize("case", ERRORS)
def test_error_prints_nothing_on_stdout(failed, case: str) -> None:
    assert failed[case].stdout == ""


@pytest.mark.parametrize(
    ("case", "hint"),
    [
        ("empty question", "empty question"),
        ("no index in an empty dir", "rag ingest"),
        ("no index, no dir", "rag ingest"),
        ("ingest a missing path", "no-such-folder"),
        ("show an unknown document", "no-such-doc"),
    ],
)
def test_error_says_what_to_fix(failed, case: str, hint: str) -> None:
    assert hint in failed[case].stderr


def test_ask_without_index_creates_no_data_dir(failed, nowhere) -> None:
    assert failed["no index, no dir"].returncode == 1
    assert not nowhere.exists()


# ------------------------------------------------------------------------------------- bad files

BAD_FILES = {
    "scan.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "not a readable PDF"),
    "sheet.xlsx": (b"PK\x03\x04\x14\x00\x06\x00", "unsupported file type"),
    "blob.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    "empty.txt": (b"", "empty"),
}
GOOD_TEXT = "苏州测试文档\n2024年，苏州市测试产业实现营收超99亿元。"
GB_TEXT = "国标编码文档\n苏州市国标测试园区共有企业77家。"


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    corpus = tmp_path_factory.mktemp("bad-files")
    (corpus / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (corpus / "gbk.txt").write_bytes(GB_TEXT.encode("gb18030"))
    for name, (data, _) in BAD_FILES.items():
        (corpus / name).write_bytes(data)
    data_dir = tmp_path_factory.mktemp("bad-files-data")
    return corpus, data_dir, run_rag(["ingest", "--quiet", str(corpus)], data_dir)


def test_ingest_with_bad_files_exits_0(bad_files) -> None:
    assert bad_files[2].returncode == 0, bad_files[2].stderr


def test_ingest_with_bad_files_indexes_the_good_and_gb18030_files(bad_files) -> None:
    from rag.pipeline import list_documents

    docs = list_documents(make_settings(bad_files[1]))
    assert {d.doc_id: d.text.split("\n")[0] for d in docs} == {
        "good": "苏州测试文档",
        "gbk": "国标编码文档",
    }


def test_ingest_summary_counts_the_indexed_and_skipped_files(bad_files) -> None:
    assert bad_files[2].stdout.startswith("2 added")
    assert f"{len(BAD_FILES)} files skipped" in bad_files[2].stdout


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_ingest_lists_each_bad_file_with_its_reason(bad_files, name: str) -> None:
    corpus, _, result = bad_files
    lines = [line for line in error_lines(result) if name in line]
    assert len(lines) == 1, error_lines(result)
    assert BAD_FILES[name][1] in lines[0]


def test_ingest_with_bad_files_has_no_traceback(bad_files) -> None:
    assert "Traceback" not in bad_files[2].stderr


def test_gb18030_document_is_answerable(bad_files) -> None:
    from rag.pipeline import ask

    answer = ask("苏州市国标测试园区共有企业多少家？", make_settings(bad_files[1]))
    assert answer.answerable and "77" in answer.answer


# ----------------------------------------------------------------------------- incremental ingest


@pytest.fixture(scope="module")
def incremental(tmp_path_factory) -> dict[str, Any]:
    """Ingest a copy of the seeds, re-ingest it, change one document, delete another.

    Records each step's CLI result and the store's state after it."""
    root = tmp_path_factory.mktemp("incremental")
    corpus, data = root / "corpus", root / "data"
    shutil.copytree(SEEDS, corpus)
    questions = "\n".join([*UNCHANGED_QUESTIONS, REVENUE_Q, ADDED_QUESTION]) + "\n"
    ingest = ["ingest", "--quiet", str(corpus)]
    steps: dict[str, Any] = {"data": data}

    steps["first"] = run_rag(ingest, data)
    steps["first state"] = chroma_state(data)
    steps["again"], steps["before"] = run_many(
        [
            {"args": ingest, "data_dir": data},
            {"args": ["ask", "--json"], "data_dir": data, "stdin": questions},
        ]
    )
    steps["again state"] = chroma_state(data)

    updated = corpus / f"{DOC_UPDATED}.txt"
    updated.write_text(updated.read_text(encoding="utf-8") + f"\n{ADDED_SENTENCE}\n", "utf-8")
    steps["update"] = run_rag(ingest, data)
    steps["update state"] = chroma_state(data)

    (corpus / f"{DOC_REMOVED}.txt").unlink()
    steps["remove"] = run_rag(ingest, data)
    steps["remove state"] = chroma_state(data)
    steps["after"] = run_rag(["ask", "--json"], data, stdin=questions)
    return steps


def summary(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_first_ingest_adds_every_seed(incremental) -> None:
    assert summary(incremental["first"]).startswith(f"{len(SEED_IDS)} added, 0 updated")


def test_first_ingest_then_ask_answers(incremental) -> None:
    rows = json_lines(incremental["before"])
    assert rows[3]["answerable"] and "2300" in rows[3]["answer"]


def test_reingest_reports_every_document_unchanged(incremental) -> None:
    assert f"{len(SEED_IDS)} unchanged" in summary(incremental["again"])


def test_reingest_writes_no_chunk(incremental) -> None:
    assert "0 chunks written" in summary(incremental["again"])


def test_reingest_leaves_the_chunks_as_they_were(incremental) -> None:
    assert incremental["again state"] == incremental["first state"]


def test_changed_document_is_reported_updated(incremental) -> None:
    out = summary(incremental["update"])
    assert "1 updated" in out and f"{len(SEED_IDS) - 1} unchanged" in out


def test_changed_document_loses_its_old_chunks(incremental) -> None:
    old = incremental["again state"]["chunks"][DOC_UPDATED]
    new = incremental["update state"]["chunks"][DOC_UPDATED]
    assert new and old.isdisjoint(new)


def test_changed_document_leaves_other_chunks_alone(incremental) -> None:
    before, after = incremental["again state"]["chunks"], incremental["update state"]["chunks"]
    assert {d: c for d, c in before.items() if d != DOC_UPDATED} == {
        d: c for d, c in after.items() if d != DOC_UPDATED
    }


def test_changed_document_total_is_consistent(incremental) -> None:
    state = incremental["update state"]
    assert state["total"] == sum(len(ids) for ids in state["chunks"].values())


def test_changed_document_new_text_is_answerable(incremental) -> None:
    row = json_lines(incremental["after"])[4]
    assert row["answerable"] and "88" in row["answer"]


def test_deleted_document_is_reported_removed(incremental) -> None:
    assert "1 removed" in summary(incremental["remove"])


def test_deleted_document_loses_its_chunks(incremental) -> None:
    assert DOC_REMOVED not in incremental["remove state"]["chunks"]
    assert DOC_REMOVED not in incremental["remove state"]["docs"]


def test_deleted_document_chunk_count_goes_down_by_its_chunks(incremental) -> None:
    removed = len(incremental["update state"]["chunks"][DOC_REMOVED])
    assert incremental["remove state"]["total"] == incremental["update state"]["total"] - removed


def test_ask_reports_the_chunk_count_of_the_store(incremental) -> None:
    rows = json_lines(incremental["after"])
    assert {r["index"]["chunks"] for r in rows} == {incremental["remove state"]["total"]}
    assert {r["index"]["documents"] for r in rows} == {len(SEED_IDS) - 1}


@pytest.mark.parametrize("i", range(len(UNCHANGED_QUESTIONS)), ids=["000", "001", "004"])
def test_answers_on_unchanged_documents_stay_identical(incremental, i: int) -> None:
    before, after = json_lines(incremental["before"])[i], json_lines(incremental["after"])[i]
    assert before["answerable"], before
    assert stable(after) == stable(before)


def test_vectors_stored_by_the_cli_equal_this_process_vectors(incremental) -> None:
    # The offline embedder must be stable across processes (crc32, not `hash()`): the query
    # vector is computed by another process than the one that stored the chunk vectors.
    import chromadb

    from rag.retrieve.embed import HashedCharNgramEmbedding

    settings = make_settings(incremental["data"])
    client = chromadb.PersistentClient(path=str(incremental["data"]))
    got = client.get_collection(settings.index_identity()).get(
        limit=3, include=["documents", "embeddings"]
    )
    embedder = HashedCharNgramEmbedding(dim=settings.embed_dim)
    for text, stored in zip(got["documents"], got["embeddings"], strict=True):
        mine = embedder.get_text_embedding(text)
        assert max(abs(a - b) for a, b in zip(mine, stored, strict=True)) < 1e-5


# ---------------------------------------------------------------------------------- two writers


@pytest.fixture(scope="module")
def second_writer(seed_index) -> dict[str, Any]:
    """`rag ingest` while this process holds the writer lock of the seed index."""
    from rag.ingest.lock import writer_lock
    from rag.ingest.store import Store

    before = Store(seed_index, create=False).count()
    with writer_lock(seed_index):
        result = run_rag(["ingest", "--quiet"], seed_index.data_dir)
    return {"result": result, "before": before}


def test_second_writer_exits_1(second_writer) -> None:
    assert second_writer["result"].returncode == 1


def test_second_writer_gets_one_error_line_naming_the_other_process(second_writer) -> None:
    lines = error_lines(second_writer["result"])
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "another process" in lines[0]
    assert f"pid {os.getpid()}" in lines[0]


def test_second_writer_has_no_traceback(second_writer) -> None:
    assert "Traceback" not in second_writer["result"].stderr


def test_store_is_intact_after_a_refused_writer(second_writer, seed_index) -> None:
    from rag.ingest.store import Store
    from rag.pipeline import ask

    assert Store(seed_index, create=False).count() == second_writer["before"]
    answer = ask(REVENUE_Q, seed_index)
    assert answer.answerable and "2300" in answer.answer


def test_lock_is_free_again_after_the_holder_leaves(second_writer, seed_index) -> None:
    from rag.ingest.lock import writer_lock

    with writer_lock(seed_index):
        pass
