"""The composition point: `ingest(settings)` and `ask(question, settings)`, plus the knowledge-base
operations the chat page calls (`add_files`, `delete_document`, `documents_table`; they live in
`rag.ingest.library` and are re-exported here).

Everything a call needs (store, embedder, retriever, synthesizer) is built here from `Settings`
unless the caller passes it, so tests pass fakes here and nothing else needs patching. `ui/`,
`eval/` and the CLI use only this module's functions.

The LlamaIndex seam, composed explicitly: `retrieve -> postprocess -> synthesize`.
- retrieve: a LlamaIndex `BaseRetriever` (`rag.retrieve.hybrid`: Chroma's vector retriever and
  BM25, fused);
- postprocess: LlamaIndex `BaseNodePostprocessor`s, applied in order (`CurrentChunksOnly`, then
  `rag.answer.rerank.EvidenceReranker`);
- synthesize: the answerer (`rag.answer.synthesizer.Synthesizer`), returning a typed
  `Synthesis`.
No `RetrieverQueryEngine`: its `query()` calls `BaseSynthesizer.synthesize`, whose answerers
see text without offsets (no quote could be cited exactly), must hold an LLM (the offline
answerer has none) and return what backs the answer in an untyped `Response.metadata`; a
streamed answer needs the pieces and then the checked citations, which `StreamingResponse`
cannot carry. Composing the three steps here keeps LlamaIndex's retrievers and postprocessors,
the parts that fit, and types the rest.

An `Engine` is a snapshot: it holds the documents and the BM25 index as they were when it was
opened. After `add_files` or `delete_document` the caller opens a new one (`open_engine`); the old
one keeps answering from what it loaded (a deleted document's vectors are gone, its BM25 entry is
not), which is why the swap belongs to the caller, who owns the engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import LLM
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle

from rag.answer.short import asked_figures
from rag.answer.synthesizer import Synthesizer
from rag.errors import RagError, UserError
from rag.ingest.lexical import Lexical
from rag.ingest.library import (
    add_files,
    delete_document,
    describe_document,
    documents_table,
    uploads_dir,
)
from rag.ingest.lock import writer_lock
from rag.ingest.readers import Rejected, read_corpus
from rag.ingest.store import EMPTY_INDEX_ZH, Store
from rag.ingest.sync import IngestReport, sync
from rag.question.validate import one_line, validate_question
from rag.retrieve.embed import endpoint_errors
from rag.settings import Settings
from rag.streaming import streamed
from rag.types import Answer, Hit, SourceDoc

__all__ = [
    "add_files",
    "asked_figures",
    "delete_document",
    "describe_document",
    "documents_table",
    "uploads_dir",
    "validate_question",
]  # re-exported: the knowledge-base tab's operations (rag.ingest.library), the question check,
# each quote's figure of the quantity asked (the page's table of figures that differ)

MODE_EXTRACTIVE = "extractive"
MODE_LLM = "llm"


@dataclass
class Engine:
    """A loaded index, ready to answer many questions."""

    settings: Settings
    store: Store
    docs: dict[str, SourceDoc]
    retriever: BaseRetriever
    postprocessors: list[BaseNodePostprocessor]
    """Applied in order to what the retriever found."""
    index_info: dict[str, Any]
    synthesizer: Synthesizer
    """The answerer (extractive, or the LLM's), called with `on_token`."""
    mode: str = MODE_EXTRACTIVE
    llm: LLM | None = None
    """The chat model in LLM mode (also rewrites follow-ups); None offline."""
    embedder: BaseEmbedding | None = None
    """The index's embedder (the question's vector is started early when it can be)."""
    lexical: Lexical | None = None
    """The lexical index it loaded (`rag.ingest.lexical`): documents, chunk rows, BM25."""
    offline: Synthesizer | None = None
    """The offline (extractive) answerer, also in LLM mode (its fallback): what an API client
    asking for the extractive model gets (`offline_engine`)."""


def open_engine(
    settings: Settings,
    embedder: BaseEmbedding | None = None,
    store: Store | None = None,
    llm: LLM | None = None,
) -> Engine:
    """Load the index once: documents, BM25 over stored terms, the fused retriever, and the
    answerer: the chat model when one is configured (or `llm` given), else extractive."""
    from rag.answer.corpus import Documents
    from rag.answer.extractive import ExtractiveSynthesizer
    from rag.answer.rerank import EvidenceReranker
    from rag.ingest.lexicalfile import load as load_lexical
    from rag.retrieve.embed import build_embedder
    from rag.retrieve.hybrid import CurrentChunksOnly, build_retriever

    store = store or Store(settings, create=False)
    embedder = embedder or build_embedder(settings)
    manifest = store.manifest()
    if not manifest:
        raise UserError(
            f"the index in {settings.store_label()} is empty; run `rag ingest` first",
            zh=EMPTY_INDEX_ZH,
        )
    lexical = load_lexical(store, manifest)
    documents = Documents(lexical.docs.values(), lexical.keys)  # derived text kept per engine
    docs: dict[str, SourceDoc] = {d.doc_id: d for d in documents.docs}
    retriever = build_retriever(store, embedder, lexical, settings.top_k)
    from rag.ingest.prepare import semantic

    model = embedder if semantic(embedder) else None  # sentence vectors are stored with it
    extractive = ExtractiveSynthesizer(documents, lexical.keys, model)
    if llm is None and settings.llm_configured:
        from rag.answer.llm import build_llm

        llm = build_llm(settings)
    synthesizer: Synthesizer = extractive
    if llm is not None:
        from rag.answer.generate import LLMSynthesizer

        synthesizer = LLMSynthesizer(documents, llm, settings, extractive, lexical.names)
    postprocessors: list[BaseNodePostprocessor] = [
        CurrentChunksOnly(current={d: doc.sha for d, doc in docs.items()}),
        EvidenceReranker(lexical, documents, model),
    ]
    info = _index_info(store, embedder, lexical, llm)
    mode = MODE_LLM if llm is not None else MODE_EXTRACTIVE
    return Engine(
        settings,
        store,
        docs,
        retriever,
        postprocessors,
        info,
        synthesizer,
        mode,
        llm,
        embedder,
        lexical,
        extractive,
    )


def offline_engine(engine: Engine) -> Engine:
    """The engine answering offline (its extractive answerer), whatever its own mode."""
    if engine.mode == MODE_EXTRACTIVE or engine.offline is None:
        return engine
    return replace(engine, synthesizer=engine.offline, mode=MODE_EXTRACTIVE, llm=None)


def _index_info(
    store: Store, embedder: BaseEmbedding, lexical: Lexical, llm: LLM | None
) -> dict[str, Any]:
    """What an answer says of the index it came from (`Answer.index`)."""
    settings = store.settings
    info: dict[str, Any] = {
        "id": store.name,
        "store": settings.store_label(),
        "embedder": getattr(embedder, "model_name", type(embedder).__name__),
        "documents": len(lexical.docs),
        "chunks": len(lexical),
    }
    if llm is not None:
        info["llm"] = settings.llm_model or getattr(llm, "model", type(llm).__name__)
    return info


def retrieve(engine: Engine, query: QueryBundle) -> list[NodeWithScore]:
    """The chunks an answer is made from, best first: retrieved, then postprocessed."""
    nodes = engine.retriever.retrieve(query)
    for postprocessor in engine.postprocessors:
        nodes = postprocessor.postprocess_nodes(nodes, query_bundle=query)
    return nodes


def ask(
    question: str,
    settings: Settings,
    engine: Engine | None = None,
    history: Sequence[str] = (),
    on_token: Callable[[str], None] | None = None,
) -> Answer:
    """Answer one question with cited, verbatim quotes (or say the documents do not say).

    `history`: the conversation's earlier questions, oldest first; a follow-up (`那上海呢？`) is
    rewritten with what it refers to before retrieval: by the chat model in LLM mode, else (or
    when the model fails) by rules (`rag.question.rewrite.condense`).
    `on_token`: called with each piece of the model's text as it arrives (LLM mode; offline,
    once with the whole answer). Citations and checks come with the returned `Answer`."""
    from rag.question.rewrite import strip_instructions

    started = time.perf_counter()
    text = validate_question(question, settings)
    engine = engine or open_engine(settings)
    loaded = time.perf_counter()
    # earlier questions come from callers too: cleaned and bounded like the question
    cleaned = (one_line(h)[: settings.max_question_chars] for h in history if isinstance(h, str))
    previous = [h for h in cleaned if h][-1:]
    # what is searched: the follow-up made whole, minus instructions aimed at the assistant
    standalone = strip_instructions(_standalone(text, previous, engine))
    bundle = QueryBundle(query_str=standalone or text)
    prefetch = getattr(engine.embedder, "prefetch", None)
    if standalone and prefetch is not None:  # the model embeds while BM25 searches
        prefetch(bundle.query_str)
    with endpoint_errors(settings):  # the question's vector, when embeddings come from one
        nodes = retrieve(engine, bundle) if standalone else []
    retrieved = time.perf_counter()
    found = engine.synthesizer.synthesize(bundle, nodes, on_token=on_token)
    done = time.perf_counter()
    if on_token is not None and engine.mode != MODE_LLM:
        on_token(found.text)
    return Answer(
        question=text,
        answer=found.text,
        answerable=found.answerable,
        mode=engine.mode,
        citations=found.citations,
        index=dict(engine.index_info),
        hits=tuple(_hits(nodes)),
        standalone=standalone if standalone != text else "",
        claims=found.claims,
        notice=found.notice,
        short=found.short,
        timings_ms={
            "load": (loaded - started) * 1000,
            "retrieve": (retrieved - loaded) * 1000,
            "answer": (done - retrieved) * 1000,
            "total": (done - started) * 1000,
        },
    )


def _standalone(question: str, previous: Sequence[str], engine: Engine) -> str:
    """The question made to stand alone: by the model when there is one, else by rules."""
    from rag.question.rewrite import condense, is_follow_up

    if not previous or not is_follow_up(question, previous[-1]):
        return question
    if engine.llm is not None:
        from rag.answer.generate import rewrite

        try:
            rewritten = rewrite(question, previous, engine.llm, engine.settings)
        except RagError:
            rewritten = ""  # the rules below do the same job as well as they can
        if rewritten and rewritten != question:  # unchanged: the model did not resolve it
            return rewritten
    return condense(question, previous)


def ask_stream(
    question: str,
    settings: Settings,
    engine: Engine | None = None,
    history: Sequence[str] = (),
) -> Iterator[str | Answer]:
    """`ask` as a stream: pieces of text as the model writes them, then the checked `Answer`
    (errors are raised where they happen, as `ask` raises them)."""

    def run(on_token: Callable[[str], None]) -> Answer:
        return ask(question, settings, engine, history, on_token)

    return streamed(run)


def _hits(nodes: Sequence[NodeWithScore]) -> list[Hit]:
    return [
        Hit(
            rank=i + 1,
            chunk_id=n.node.node_id,
            doc_id=n.node.ref_doc_id or "",
            start=int(n.node.metadata.get("start", 0)),
            end=int(n.node.metadata.get("end", 0)),
            score=round(float(n.score or 0.0), 6),
        )
        for i, n in enumerate(nodes)
    ]


def ingest_roots(settings: Settings, paths: Sequence[Path] | None) -> list[Path]:
    """The files and folders an ingest reads (default `settings.seeds_dir`); all must exist."""
    roots = list(paths) if paths else [settings.seeds_dir]
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        raise UserError(f"no such file or directory: {', '.join(missing)}")
    return roots


def ingest(
    settings: Settings,
    paths: Sequence[Path] | None = None,
    embedder: BaseEmbedding | None = None,
    progress: Callable[[str], None] | None = None,
    embedded: Callable[[int, int], None] | None = None,
) -> tuple[IngestReport, list[Rejected]]:
    """Read, clean, chunk, embed and store `paths` (default `settings.seeds_dir`).
    `progress(doc_id)` after each document; `embedded(done, total)` counts chunks embedded."""
    from rag.retrieve.embed import build_embedder

    roots = ingest_roots(settings, paths)
    with writer_lock(settings):  # first: a second writer is refused before any reading
        docs, rejected = read_corpus(roots)
        store = Store(settings, create=True)
        report = sync(store, docs, embedder or build_embedder(settings), roots, progress, embedded)
    return report, rejected


def document(doc_id: str, settings: Settings, engine: Engine | None = None) -> SourceDoc:
    """A stored document; its `.text` is what citation offsets refer to."""
    if engine is not None and doc_id in engine.docs:
        return engine.docs[doc_id]
    store = engine.store if engine else Store(settings, create=False)
    return store.document(doc_id)


def document_text(doc_id: str, settings: Settings, engine: Engine | None = None) -> str:
    return document(doc_id, settings, engine).text


def list_documents(settings: Settings, engine: Engine | None = None) -> list[SourceDoc]:
    store = engine.store if engine else Store(settings, create=False)
    return sorted(store.documents(), key=lambda d: d.doc_id)


def in_question_script(question: str, script: str) -> str:
    """The question in the script asked for (`简` or `繁`; anything else: as typed). Answers
    follow the question's script, so this is how a 简/繁 switch overrides it."""
    from rag.text.script import in_script

    return in_script(question, script == "繁") if script in ("简", "繁") else question
