"""The knowledge-base operations the chat page calls: add uploaded files beside the seeds, list
them, delete one; answers follow (after the engine is re-opened), nothing is half indexed.

One store per module: the seeds are ingested, then a batch of uploads (good and bad) is added
and questions are asked before and after a delete; the tests read what each step left.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest

from rag.errors import UserError
from rag.ingest.readers import read_file
from rag.ingest.store import Store
from rag.ingest.sync import sync
from rag.pipeline import (
    add_files,
    ask,
    delete_document,
    document,
    documents_table,
    ingest,
    open_engine,
    uploads_dir,
)
from rag.retrieve.embed import build_embedder
from tests.conftest import SEED_IDS, make_settings

TITLE = "星河量子测试园区年报"
FACT = "2024年，苏州市星河量子测试园区实现产值88.5亿元。"
MORE = "园区共有量子企业三十七家，集聚研发人员一千二百名。"
QUESTION = "星河量子测试园区2024年产值是多少？"
PDF_FACT = "In 2024 the Xinghe test park hosted 37 quantum companies."


def docx_file(folder: Path, name: str, *paragraphs: str) -> Path:
    document_ = docx.Document()
    for text in paragraphs:
        document_.add_paragraph(text)
    out = io.BytesIO()
    document_.save(out)
    path = folder / name
    path.write_bytes(out.getvalue())
    return path


def pdf_file(folder: Path, name: str, *lines: str) -> Path:
    from tests.unit.test_load_formats import pdf_bytes

    path = folder / name
    path.write_bytes(pdf_bytes(list(lines)))
    return path


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = make_settings(tmp_path_factory.mktemp("kb") / "data")
    ingest(settings)
    upload = tmp_path_factory.mktemp("gradio-temp")
    files = [
        docx_file(upload, "xinghe.docx", TITLE, FACT, MORE),
        pdf_file(upload, "park-en.pdf", "Xinghe park notes", PDF_FACT),
        pdf_file(upload, "scan.pdf"),  # a page without text
        upload / "sheet.xlsx",
        docx_file(upload, f"{SEED_IDS[0]}.docx", "抢占种子文档的编号。"),
    ]
    files[3].write_bytes(b"PK\x03\x04")
    report, rejected = add_files(files, settings)
    for path in files:  # the temporary uploads vanish; the copies must not
        path.unlink()
    run: dict[str, Any] = {"settings": settings, "report": report, "rejected": rejected}
    run["table"] = documents_table(settings)
    run["before"] = ask(QUESTION, settings, open_engine(settings))
    run["text"] = document("xinghe", settings).text
    run["readd"] = add_files([docx_file(upload, "xinghe.docx", TITLE, FACT, MORE)], settings)[0]
    delete_document("xinghe", settings)
    run["table_after"] = documents_table(settings)
    run["after"] = ask(QUESTION, settings, open_engine(settings))
    return run


def rows(table: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["doc_id"]: row for row in table}


def test_good_uploads_are_added_beside_the_seeds(kb) -> None:
    assert sorted(kb["report"].added) == ["park-en", "xinghe"]
    assert kb["report"].removed == []
    assert sorted(rows(kb["table"])) == sorted([*SEED_IDS, "park-en", "xinghe"])


def test_each_bad_upload_is_rejected_with_its_reason(kb) -> None:
    reasons = {Path(r.path).name: r.reason for r in kb["rejected"]}
    assert set(reasons) == {"scan.pdf", "sheet.xlsx", f"{SEED_IDS[0]}.docx"}
    assert "no text layer" in reasons["scan.pdf"]
    assert "unsupported file type" in reasons["sheet.xlsx"]
    assert "from another file is already there" in reasons[f"{SEED_IDS[0]}.docx"]


def test_an_upload_cannot_replace_a_seed_document(kb) -> None:
    seed = rows(kb["table"])[SEED_IDS[0]]
    assert seed["source"] == f"{SEED_IDS[0]}.txt"


def test_uploads_are_kept_in_the_uploads_folder(kb) -> None:
    folder = uploads_dir(kb["settings"])
    assert sorted(p.name for p in folder.iterdir()) == ["park-en.pdf"]  # xinghe: deleted
    assert document("park-en", kb["settings"]).source == str((folder / "park-en.pdf").resolve())


def test_table_lists_title_date_script_chunks_and_file(kb) -> None:
    row = rows(kb["table"])["xinghe"]
    assert row["title"] == TITLE
    assert (row["date"], row["issuer"]) == ("", "")  # no catalog entry for an upload
    assert row["script"] == "简"
    assert row["chunks"] >= 1
    assert row["source"] == "xinghe.docx"


def test_table_chunk_counts_match_the_store(kb) -> None:
    manifest = Store(kb["settings"], create=False).manifest()
    for doc_id, row in rows(kb["table"]).items():
        if doc_id != "xinghe":  # deleted since
            assert row["chunks"] == manifest[doc_id]["chunks"] > 0


def test_seed_metadata_comes_from_the_catalog(kb) -> None:
    assert all(rows(kb["table"])[d]["date"] for d in SEED_IDS)


def test_added_docx_answers_with_an_exact_quote(kb) -> None:
    answer = kb["before"]
    assert answer.answerable and "88.5" in answer.answer
    cited = [c for c in answer.citations if c.doc_id == "xinghe"]
    assert any("88.5亿元" in c.quote for c in cited)
    assert all(c.quote == kb["text"][c.start : c.end] for c in cited)
    assert cited[0].title == TITLE


def test_added_docx_display_text_keeps_its_paragraphs(kb) -> None:
    assert kb["text"] == f"{TITLE}\n\n{FACT}\n\n{MORE}"


def test_same_upload_again_changes_nothing(kb) -> None:
    assert kb["readd"].unchanged == ["xinghe"] and kb["readd"].chunks_written == 0


def test_deleted_document_is_gone_from_table_and_answers(kb) -> None:
    assert "xinghe" not in rows(kb["table_after"])
    assert "park-en" in rows(kb["table_after"])
    assert all(c.doc_id != "xinghe" for c in kb["after"].citations)
    assert "88.5" not in kb["after"].answer


def test_delete_unknown_document_is_a_user_error(kb) -> None:
    with pytest.raises(UserError, match="no document 'no-such-doc'"):
        delete_document("no-such-doc", kb["settings"])


@pytest.mark.parametrize("name", ["..", ".hidden.docx", "bad\nname.docx"])
def test_unsafe_upload_name_is_rejected(kb, tmp_path: Path, name: str) -> None:
    report, rejected = add_files([tmp_path / name], kb["settings"])
    assert [r.reason.split(";")[0] for r in rejected] == [f"unsafe file name {name!r}"]
    assert not report.added and not report.removed


def test_failed_write_leaves_no_partial_chunks(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    store = Store(settings, create=True)
    embedder = build_embedder(settings)
    old = read_file(docx_file(tmp_path, "doc.docx", TITLE, FACT), {})
    sync(store, [old], embedder, [])
    served = sorted(store.chunks.get(include=[])["ids"])
    new = read_file(docx_file(tmp_path, "doc.docx", TITLE, FACT, MORE * 8), {})

    class FailingRecords:  # the chunks go in, then writing the record fails
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def upsert(self, **_: Any) -> None:
            raise RuntimeError("disk full")

    real = store.docs
    store.docs = FailingRecords()
    with pytest.raises(RuntimeError):
        sync(store, [new], embedder, [])
    store.docs = real
    assert sorted(store.chunks.get(include=[])["ids"]) == served
    assert store.manifest()["doc"]["sha"] == old.sha
    assert store.chunk_counts() == {"doc": len(served)}


def test_file_already_in_the_uploads_folder_is_indexed_in_place(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    folder = uploads_dir(settings)
    folder.mkdir(parents=True)
    placed = docx_file(folder, "placed.docx", TITLE, FACT)
    seen: list[str] = []
    report, rejected = add_files([placed], settings, progress=seen.append)
    assert (report.added, rejected, seen) == (["placed"], [], ["placed"])
    assert sorted(p.name for p in folder.iterdir()) == ["placed.docx"]
    assert document("placed", settings).source == str(placed.resolve())


def test_a_date_edit_while_another_writer_holds_the_lock_is_refused_and_writes_nothing(
    tmp_path: Path,
) -> None:
    from rag.ingest.lock import writer_lock
    from rag.ingest.readers import CATALOG
    from rag.pipeline import describe_document

    settings = make_settings(tmp_path / "data")
    add_files([docx_file(tmp_path, "xinghe.docx", TITLE, FACT)], settings)
    catalog = uploads_dir(settings) / CATALOG
    with writer_lock(settings), pytest.raises(UserError) as refused:
        describe_document("xinghe", settings, "2023-05", "星河园区管委会")
    assert refused.value.zh.startswith("另一个程序正在写入知识库")
    assert not catalog.exists()  # the catalog and the index change together, or neither
    describe_document("xinghe", settings, "2023-05", "星河园区管委会")
    row = rows(documents_table(settings))["xinghe"]
    assert (row["date"], row["issuer"]) == ("2023-05", "星河园区管委会")
    assert "星河园区管委会" in catalog.read_text(encoding="utf-8")


def test_a_date_edit_opens_the_store_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.ingest import library
    from rag.pipeline import describe_document

    settings = make_settings(tmp_path / "data")
    add_files([docx_file(tmp_path, "xinghe.docx", TITLE, FACT)], settings)
    opened: list[bool] = []

    class Counted(Store):
        def __init__(self, settings: Any, create: bool) -> None:
            opened.append(create)
            super().__init__(settings, create)

    monkeypatch.setattr(library, "Store", Counted)
    describe_document("xinghe", settings, "2023-05", "星河园区管委会")
    assert len(opened) == 1  # the record read and the re-index share one Store
    row = rows(documents_table(settings))["xinghe"]
    assert (row["date"], row["issuer"]) == ("2023-05", "星河园区管委会")
