"""Contract tests: one class per interface, run against every implementation.

- `TestStoreContract`: `rag.ingest.store.Store` on an embedded Chroma and on a real `chroma run`
  server (the two backends `RAG_CHROMA_HOST` chooses between);
- `TestSynthesizerContract`: `rag.answer.synthesizer.Synthesizer`, the offline answerer and the
  model's (a real OpenAI-API server on loopback, scripted by `rag.testing.quoting_model`);
- the embedder's contract is `tests/integration/test_e5.py::TestEmbedderContract` (e5, hashed,
  an embeddings endpoint), beside the model it needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_index.core import VectorStoreIndex
from llama_index.core.schema import QueryBundle

from rag.answer.cite import CANNOT_ANSWER, MARKER
from rag.ingest import lexicalfile
from rag.ingest.chunk import chunk_document
from rag.ingest.lexical import fingerprint
from rag.ingest.readers import read_corpus
from rag.ingest.store import Store
from rag.pipeline import MODE_EXTRACTIVE, MODE_LLM, delete_document, ingest, open_engine, retrieve
from rag.retrieve.embed import build_embedder
from rag.testing.openai_server import OpenAIServer
from rag.testing.quoting_model import QuotingModel
from rag.text.script import in_script, is_traditional, search_key
from rag.types import Synthesis
from tests.conftest import make_settings

# Documents of their own (news, encyclopedia), not the seeds: the contract is about the store
HARBOUR = (
    "河畔城港口年报\n\n2025年3月1日 河畔城港务局\n\n"
    "河畔城港口去年完成货物吞吐量1.2亿吨，同比增长8%。\n\n"
    "港口新建两个深水泊位，可停靠十万吨级货轮。\n"
)
ESSAYS = (
    "山海札记\n\n《山海札记》是一部散文集，作者为林远舟。\n\n"
    "全书共收录散文四十二篇，1998年由江城出版社出版。\n"
)
EXTRA = "临时通知\n\n本通知仅用于测试删除。\n"


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    (folder / "essays.txt").write_text(ESSAYS, encoding="utf-8")
    return folder


@pytest.fixture(scope="class", params=["embedded", "server"])
def stored(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Settings of a store of each backend holding the two documents, ingested once."""
    root = tmp_path_factory.mktemp(f"store-{request.param}")
    extra: dict[str, Any] = {}
    if request.param == "server":
        port = request.getfixturevalue("chroma_server")
        extra = {"chroma_host": "127.0.0.1", "chroma_port": port}
    settings = make_settings(root / "data", **extra)
    folder = write_corpus(root / "docs")
    report, rejected = ingest(settings, [folder])
    assert sorted(report.added) == ["essays", "harbour"] and not rejected
    docs, _ = read_corpus([folder])
    return settings, {d.doc_id: d for d in docs}


class TestStoreContract:
    def test_documents_come_back_as_they_were_stored(self, stored: Any) -> None:
        settings, docs = stored
        store = Store(settings, create=False)
        assert {d: m["sha"] for d, m in store.manifest().items()} == {
            d: doc.sha for d, doc in docs.items()
        }
        for doc in store.documents():
            assert (doc.text, doc.meta, doc.sha) == (
                docs[doc.doc_id].text,
                docs[doc.doc_id].meta,
                docs[doc.doc_id].sha,
            )
        assert store.document("essays").text == docs["essays"].text

    def test_every_chunk_is_stored_once(self, stored: Any) -> None:
        settings, docs = stored
        store = Store(settings, create=False)
        want = {d: len(chunk_document(doc, settings.chunk_tokens)) for d, doc in docs.items()}
        assert store.chunk_counts() == want
        assert store.count() == sum(want.values())

    def test_vector_search_finds_a_chunk_with_its_exact_offsets(self, stored: Any) -> None:
        settings, docs = stored
        store = Store(settings, create=False)
        index = VectorStoreIndex.from_vector_store(
            store.vector_store, embed_model=build_embedder(settings)
        )
        retriever = index.as_retriever(similarity_top_k=2)
        hits = retriever.retrieve(QueryBundle("深水泊位可停靠多大的货轮"))
        assert hits and hits[0].node.ref_doc_id == "harbour"
        meta = hits[0].node.metadata
        text = docs["harbour"].text[int(meta["start"]) : int(meta["end"])]
        assert hits[0].node.get_content() == text and "深水泊位" in text

    def test_the_lexical_index_is_kept_for_the_stored_documents(self, stored: Any) -> None:
        settings, _ = stored
        store = Store(settings, create=False)
        saved = lexicalfile.previous(store)
        assert saved is not None
        assert saved.fingerprint == fingerprint(store.name, store.manifest())
        assert sorted(r.chunk_id for r in saved.rows()) == sorted(
            chunk_id for chunk_id, _, _ in store.chunk_records()
        )

    def test_a_removed_document_leaves_nothing_behind(self, stored: Any, tmp_path: Path) -> None:
        settings, docs = stored
        extra = tmp_path / "extra"
        extra.mkdir()
        (extra / "notice.txt").write_text(EXTRA, encoding="utf-8")
        before = Store(settings, create=False)
        counts = before.chunk_counts()
        ingest(settings, [extra])
        assert "notice" in Store(settings, create=False).manifest()
        delete_document("notice", settings)
        after = Store(settings, create=False)
        assert set(after.manifest()) == set(docs)
        assert after.chunk_counts() == counts
        saved = lexicalfile.previous(after)
        assert saved is not None and "notice" not in saved.docs


# ------------------------------------------------------------------------------- synthesizers


@pytest.fixture(scope="module")
def model_server() -> Iterator[OpenAIServer]:
    with OpenAIServer(QuotingModel()) as srv:
        yield srv


@pytest.fixture(scope="module", params=[MODE_EXTRACTIVE, MODE_LLM])
def answering(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """An engine over the two documents answering the way each synthesizer does."""
    root = tmp_path_factory.mktemp(f"synth-{request.param}")
    settings = make_settings(root / "data")
    ingest(settings, [write_corpus(root / "docs")])
    if request.param == MODE_LLM:
        srv = request.getfixturevalue("model_server")
        settings = settings.model_copy(
            update={"llm_model": "qwen-plus", "llm_base_url": srv.base_url, "llm_timeout": 5.0}
        )
    engine = open_engine(settings)
    assert engine.mode == request.param
    return engine


def synthesize(engine: Any, question: str, **kwargs: Any) -> Synthesis:
    bundle = QueryBundle(question)
    found = engine.synthesizer.synthesize(bundle, retrieve(engine, bundle), **kwargs)
    assert isinstance(found, Synthesis)
    return found


class TestSynthesizerContract:
    def test_an_answer_cites_exact_quotes(self, answering: Any) -> None:
        found = synthesize(answering, "河畔城港口去年完成货物吞吐量多少？")
        assert found.answerable and found.citations
        assert "1.2亿吨" in found.text
        for c in found.citations:
            assert answering.docs[c.doc_id].text[c.start : c.end] == c.quote
        numbers = {c.n for c in found.citations}
        assert {int(n) for n in MARKER.findall(found.text)} <= numbers
        assert all(set(claim.citations) <= numbers for claim in found.claims)
        assert any(claim.verified for claim in found.claims)

    def test_nothing_retrieved_is_a_refusal(self, answering: Any) -> None:
        # a question naming no document (one naming a document is answered from its masthead)
        found = answering.synthesizer.synthesize(QueryBundle("深海探测器下潜了多少米？"), [])
        assert not found.answerable and not found.citations
        assert CANNOT_ANSWER in found.text

    def test_a_traditional_question_is_answered_in_traditional(self, answering: Any) -> None:
        question = in_script("《山海札记》的作者是谁？", True)
        found = synthesize(answering, question)
        assert found.answerable and "林远舟" in search_key(found.text)
        words = found.text
        for c in found.citations:  # quotes stay verbatim, in their source's script
            words = words.replace(c.quote, "")
        assert is_traditional(words) or not any("\u4e00" <= ch <= "\u9fff" for ch in words)

    def test_pieces_streamed_are_the_model_s(self, answering: Any) -> None:
        pieces: list[str] = []
        question = "山海札记全书收录的散文由哪家出版社出版？"
        found = synthesize(answering, question, on_token=pieces.append)
        assert found.answerable and "江城出版社" in found.text
        if answering.mode == MODE_LLM:  # the model's reply as it arrived, checked after
            assert pieces and "江城出版社" in "".join(pieces)
        else:  # the offline answerer writes nothing piece by piece
            assert pieces == []
