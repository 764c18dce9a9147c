"""The lexical index kept beside the store (`rag.ingest.lexical`): built at ingest, opened without
reading a chunk from Chroma, rebuilt when it does not match the store, brought up to date by a
delete, kept in the data of a Chroma server; and only chunks whose text changed are embedded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from rag.ingest import lexical, lexicalfile
from rag.ingest.store import Store
from rag.pipeline import ask, delete_document, ingest, open_engine
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "2024年苏州人工智能产业营收是多少？"


def make_settings(data: Path, **extra: Any) -> Settings:
    fields: dict[str, Any] = {"data_dir": data, "embedder": "hashed", "llm_model": ""}
    return Settings(**{"chroma_host": "", **fields, **extra})


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    shutil.copytree(ROOT / "seeds", folder)
    return folder


def _no_chunk_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    real = store.chunks.get

    def get(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"chunks read at open: {kwargs}")

    monkeypatch.setattr(store.chunks, "get", get)
    assert real  # the collection is still there for queries


def test_open_reads_no_chunk_and_answers_as_a_rebuilt_index(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [corpus])
    path = settings.data_dir / f"{settings.index_identity()}.lexical.npz"
    assert path.exists()
    store = Store(settings, create=False)
    _no_chunk_reads(store, monkeypatch)
    engine = open_engine(settings, store=store)
    first = ask(QUESTION, settings, engine=engine)
    assert first.answerable and "2300" in first.answer
    monkeypatch.undo()
    path.unlink()  # the slow path: rebuilt from Chroma, saved again
    again = ask(QUESTION, settings, engine=open_engine(settings))
    assert path.exists()
    assert (again.answer, [h.chunk_id for h in again.hits]) == (
        first.answer,
        [h.chunk_id for h in first.hits],
    )


def test_a_stale_index_is_never_served(tmp_path: Path, corpus: Path) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [corpus])
    path = settings.data_dir / f"{settings.index_identity()}.lexical.npz"
    kept = path.read_bytes()
    delete_document("003_3d025acabf282a01", settings)  # updates the file
    engine = open_engine(settings)
    assert "003_3d025acabf282a01" not in engine.docs
    assert engine.lexical is not None and not engine.lexical.chunks_of("003_3d025acabf282a01")
    path.write_bytes(kept)  # an older file, built before the delete: its fingerprint differs
    engine = open_engine(settings)
    assert "003_3d025acabf282a01" not in engine.docs
    assert all(h.doc_id != "003_3d025acabf282a01" for h in ask(QUESTION, settings, engine).hits)


def test_unchanged_reingest_keeps_the_file_and_a_changed_document_embeds_its_new_chunks(
    tmp_path: Path, corpus: Path
) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [corpus])
    path = settings.data_dir / f"{settings.index_identity()}.lexical.npz"
    stamp = path.stat().st_mtime_ns
    report, _ = ingest(settings, [corpus])
    assert report.embedded == 0 and path.stat().st_mtime_ns == stamp
    doc = corpus / "000_c6996910d4f2c89e.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n河畔城港口2024年吞吐量增长8.5%。\n")
    report, _ = ingest(settings, [corpus])
    store = Store(settings, create=False)
    chunks = store.chunk_counts()["000_c6996910d4f2c89e"]
    assert report.updated == ["000_c6996910d4f2c89e"]
    assert 0 < report.embedded < chunks  # the chunks whose text is new, not the document's all
    answer = ask("2024年河畔城港口吞吐量增长了多少？", settings)
    assert answer.answerable and "8.5%" in answer.answer


def test_batches_of_documents_give_the_same_index(tmp_path: Path, corpus: Path) -> None:
    # 244 chunks in batches of 20: a helper process prepares them
    # (`rag.ingest.prepare.prepared_groups`)
    one = make_settings(tmp_path / "one")
    small = make_settings(tmp_path / "small", write_batch=20)
    ingest(one, [corpus])
    ingest(small, [corpus])
    a, b = open_engine(one), open_engine(small)
    assert a.lexical is not None and b.lexical is not None
    assert [r.chunk_id for r in a.lexical.rows()] == [r.chunk_id for r in b.lexical.rows()]
    assert ask(QUESTION, one, a).answer == ask(QUESTION, small, b).answer
    ids = [r.chunk_id for r in a.lexical.rows()]
    stored = [
        {i: list(v) for i, v in zip(got["ids"], got["embeddings"], strict=True)}
        for got in (e.store.chunks.get(ids=ids, include=["embeddings"]) for e in (a, b))
    ]
    assert stored[0] == stored[1]
    assert [r.terms for r in a.lexical.rows()] == [r.terms for r in b.lexical.rows()]


@pytest.fixture()
def on_server(tmp_path: Path, corpus: Path, chroma_server: int) -> Settings:
    """Settings of the module's Chroma server (an unused data dir), the corpus ingested."""
    settings = make_settings(
        tmp_path / "unused", chroma_host="127.0.0.1", chroma_port=chroma_server
    )
    ingest(settings, [corpus])
    return settings


def test_the_index_is_kept_with_a_chroma_server(tmp_path: Path, on_server: Settings) -> None:
    settings = on_server
    assert not (tmp_path / "unused" / f"{settings.index_identity()}.lexical.npz").exists()
    store = Store(settings, create=False)
    saved = lexicalfile.previous(store)
    assert saved is not None
    assert saved.fingerprint == lexical.fingerprint(store.name, store.manifest())
    assert "2300" in ask(QUESTION, settings).answer


def test_on_a_server_the_parts_are_metadata_values_and_an_older_layout_is_rebuilt(
    on_server: Settings,
) -> None:
    # a part as a record's document is indexed for full-text search by Chroma (seconds a
    # megabyte); as a metadata value it is stored as it is
    settings = on_server
    store = Store(settings, create=False)
    parts = lexicalfile._collection(store, create=False)  # the module's name for it
    got = parts.get(include=["documents", "metadatas"])
    records = [
        (doc, meta)
        for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        if i != "head"
    ]
    assert records and all(not doc for doc, _ in records)
    assert all(meta[lexicalfile.PART_KEY] for _, meta in records)
    # the layout before: each part the record's document, no metadata
    ids = [i for i in got["ids"] if i != "head"]
    parts.delete(ids=ids)
    old = [m[lexicalfile.PART_KEY] for _, m in records]
    parts.add(ids=ids, documents=old, embeddings=[[1.0]] * len(ids))
    assert lexicalfile.previous(store) is None
    assert "2300" in ask(QUESTION, settings).answer
    assert lexicalfile.previous(Store(settings, create=False)) is not None  # saved again
