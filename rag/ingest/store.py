"""Store: chunks -> Chroma, through LlamaIndex's `ChromaVectorStore`, under a commit protocol.

Two collections per index identity (`Settings.index_identity()`): `<id>` holds chunk vectors and
the metadata citations need (offsets, section, sentence spans, the document's content hash);
`<id>-docs` holds one record per document: its display text and catalog metadata, so `rag show`
and citations work against a Chroma server too. The lexical index (`rag.ingest.lexical`: BM25,
substring postings, the documents in one file) is built from them at the end of `sync`. Vectors are
always computed here and passed in: Chroma's default embedding function (which downloads a model) is
never used.

Incremental: a document whose content hash is already recorded costs nothing. New and changed
ones are written in batches of documents (`Settings.write_batch` chunks), each batch atomically
as far as answers can tell, as one document was before: its new chunks are added, then its record
(the commit point) is upserted, then its old chunks are deleted. Retrieval serves only chunks whose
hash equals the record's, so until the record is written the old version (or nothing) is served,
and after it the new one. A failure before the commit deletes the chunks it added; a crash (kill)
leaves unserved chunks (added before the commit, old ones not yet deleted, or a removed document's
chunks after its record went), which the document's next write removes (chunk ids carry the hash)
and, in embedded mode, the next ingest sweeps away: a marker file (`Store.marker`) is present
while an ingest writes, so one that finds it knows a write was interrupted (a sweep reads every
chunk's metadata: not done when nothing can be left over); under the writer lock no other writer
can have chunks awaiting their commit. A Chroma server has no such lock, so there they stay, never
served, until the document's next write (sweeping could delete another ingest's chunks in flight).

Embedded mode allows one writer (`rag.ingest.lock.writer_lock`), which callers of `sync` hold.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llama_index.core.schema import BaseNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.errors import ServiceError, UserError
from rag.ingest.nodes import node_of
from rag.settings import Settings
from rag.types import Chunk, DocMeta, SourceDoc

EMPTY_INDEX_ZH = "知识库还是空的：请先在“知识库”页上传文档，或运行 `rag ingest`"
"""What the page says when there is no index yet, or an empty one."""

if TYPE_CHECKING:
    from rag.ingest.lexical import Row


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        except Exception as exc:  # chromadb raises several types for a refused connection
            raise ServiceError(
                f"cannot reach the Chroma server at {settings.store_label()} "
                f"({type(exc).__name__});"
                " start it with `chroma run` or unset RAG_CHROMA_HOST",
                zh="连不上向量库服务器，请联系管理员启动它",
            ) from None
    return chromadb.PersistentClient(path=str(settings.data_dir), settings=chroma_settings)


class Store:
    """The two Chroma collections of one index identity."""

    def __init__(self, settings: Settings, create: bool) -> None:
        self.settings = settings
        self.name = settings.index_identity()
        if not create and not settings.chroma_host and not settings.data_dir.exists():
            raise UserError(
                f"no index yet in {settings.data_dir}; run `rag ingest` first",
                zh=EMPTY_INDEX_ZH,
            )
        client = _client(settings)
        self.client = client
        try:
            if create:
                get = client.get_or_create_collection
                self.chunks = get(
                    self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
                )
                self.docs = get(f"{self.name}-docs", embedding_function=None)
            else:
                self.chunks = client.get_collection(self.name, embedding_function=None)
                self.docs = client.get_collection(f"{self.name}-docs", embedding_function=None)
        except UserError:
            raise
        except Exception as exc:
            missing = any(w in str(exc).lower() for w in ("does not exist", "not found"))
            if not create and missing:
                raise UserError(
                    f"no index '{self.name}' in {settings.store_label()}; run `rag ingest` first",
                    zh=EMPTY_INDEX_ZH,
                ) from None
            raise ServiceError(
                f"Chroma at {settings.store_label()} failed: {exc}",
                zh="向量库调用失败，请稍后再试或联系管理员",
            ) from None
        self.vector_store = ChromaVectorStore.from_collection(self.chunks)

    def manifest(self) -> dict[str, dict[str, Any]]:
        """doc_id -> stored document metadata (with `sha`)."""
        got = self.docs.get(include=["metadatas"])
        return {i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def documents(self, ids: Sequence[str] | None = None) -> list[SourceDoc]:
        """Every document (or those of `ids` that exist), in store order."""
        if ids is not None:
            out: list[SourceDoc] = []
            for at in range(0, len(ids), self.max_batch()):
                out += self._documents(list(ids[at : at + self.max_batch()]))
            return out
        return self._documents(None)

    def _documents(self, ids: list[str] | None) -> list[SourceDoc]:
        got = self.docs.get(ids=ids, include=["metadatas", "documents"])
        return [
            _doc_from_record(i, t or "", m or {})
            for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def document(self, doc_id: str) -> SourceDoc:
        got = self.docs.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            raise UserError(
                f"no document '{doc_id}' in the index; `rag ask` lists cited ids",
                zh="知识库中没有这个文档（可能已被删除）",
            )
        return _doc_from_record(doc_id, got["documents"][0] or "", got["metadatas"][0] or {})

    def chunk_records(self) -> list[tuple[str, str, dict[str, Any]]]:
        got = self.chunks.get(include=["metadatas", "documents"])
        return list(zip(got["ids"], got["documents"], got["metadatas"], strict=True))

    def count(self) -> int:
        return int(self.chunks.count())

    def chunk_counts(self) -> dict[str, int]:
        """doc_id -> number of its chunks that retrieval serves (hash equal to the record's)."""
        counts = dict.fromkeys(self.manifest(), 0)
        for _, doc_id, served in self._chunk_owners():
            if served:
                counts[doc_id] += 1
        return counts

    def sweep(self) -> int:
        """Delete the chunks retrieval does not serve (left by a crash, see the module); how
        many. Only for the single writer: another writer's chunks look the same until their
        commit."""
        unserved = [chunk_id for chunk_id, _, served in self._chunk_owners() if not served]
        if unserved:
            self.chunks.delete(ids=unserved)
        return len(unserved)

    def _chunk_owners(self) -> list[tuple[str, str, bool]]:
        """(chunk id, doc_id, served: its hash is its document record's) of every chunk."""
        current = {doc_id: meta.get("sha") for doc_id, meta in self.manifest().items()}
        got = self.chunks.get(include=["metadatas"])
        owners = []
        for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            doc_id = str((meta or {}).get("document_id", ""))
            served = doc_id in current and (meta or {}).get("doc_sha") == current[doc_id]
            owners.append((chunk_id, doc_id, served))
        return owners

    def remove(self, doc_id: str) -> None:
        """Record first: from then on no chunk of the document is served, even if deleting the
        chunks fails part way."""
        self.docs.delete(ids=[doc_id])
        self.vector_store.delete(ref_doc_id=doc_id)

    def marker(self) -> Path | None:
        """The file that says a write is under way (embedded mode): present when an ingest
        starts, a write before it was interrupted, and its unserved chunks need sweeping."""
        if self.settings.chroma_host:
            return None
        return Path(self.settings.data_dir) / f"{self.name}.writing"

    def max_batch(self) -> int:
        """Records per Chroma call: the client's limit, at most `Settings.write_batch`."""
        try:
            limit = int(self.client.get_max_batch_size())
        except Exception:  # noqa: BLE001  # an older server: the setting alone
            limit = self.settings.write_batch
        return max(1, min(limit, self.settings.write_batch))

    def existing(self, doc_ids: Sequence[str]) -> dict[str, Any]:
        """chunk id -> (text, embedding, metadata) of every stored chunk of these documents."""
        out: dict[str, Any] = {}
        for at in range(0, len(doc_ids), self.max_batch()):
            part = list(doc_ids[at : at + self.max_batch()])
            got = self.chunks.get(
                where={"document_id": {"$in": part}},
                include=["documents", "embeddings", "metadatas"],
            )
            for i, chunk_id in enumerate(got["ids"]):
                out[chunk_id] = (got["documents"][i], got["embeddings"][i], got["metadatas"][i])
        return out

    def served_rows(self, manifest: dict[str, dict[str, Any]]) -> dict[str, list[Row]]:
        """doc_id -> lexical rows of its served chunks (hash equal to its record's), in store
        order, read from Chroma (`rag.ingest.lexical`'s slow path)."""
        from rag.ingest.lexical import row_of

        rows: dict[str, list[Row]] = {}
        ids = list(manifest)
        for at in range(0, len(ids), self.max_batch()):
            got = self.chunks.get(
                where={"document_id": {"$in": ids[at : at + self.max_batch()]}},
                include=["documents", "metadatas"],
            )
            for chunk_id, text, meta in zip(
                got["ids"], got["documents"], got["metadatas"], strict=True
            ):
                doc_id = str((meta or {}).get("document_id", ""))
                if (meta or {}).get("doc_sha") == manifest[doc_id].get("sha"):
                    rows.setdefault(doc_id, []).append(row_of(chunk_id, text or "", meta or {}))
        return rows

    def write(
        self,
        doc: SourceDoc,
        chunks: Sequence[Chunk],
        vectors: Sequence[list[float]],
        sentence_vectors: Sequence[str] | None = None,
    ) -> None:
        """One document's `write_batch`."""
        self.write_batch([Written(doc, list(chunks), list(vectors), list(sentence_vectors or []))])

    def write_batch(self, batch: Sequence[Written]) -> None:
        """Add the batch's new chunks, commit its documents' records in one call, then drop
        their old chunks (see the module): the protocol of one document, for many at a time."""
        nodes: list[BaseNode] = []
        for w in batch:
            packed = w.packed or [""] * len(w.chunks)
            nodes += [
                node_of(w.doc, c, v, p) for c, v, p in zip(w.chunks, w.vectors, packed, strict=True)
            ]
        doc_ids = [w.doc.doc_id for w in batch]
        before = set(self.chunks.get(where={"document_id": {"$in": doc_ids}}, include=[])["ids"])
        try:
            for at in range(0, len(nodes), self.max_batch()):  # may fail half way
                self.vector_store.add(nodes[at : at + self.max_batch()])
            self.docs.upsert(
                ids=doc_ids,
                documents=[w.doc.text for w in batch],
                embeddings=[[1.0]] * len(batch),  # the docs collection is looked up by id only
                metadatas=[_doc_record(w.doc, len(w.chunks)) for w in batch],
            )
        except Exception:
            added = [n.node_id for n in nodes if n.node_id not in before]
            with contextlib.suppress(Exception):  # best effort: the failure below is the news
                for at in range(0, len(added), self.max_batch()):
                    self.chunks.delete(ids=added[at : at + self.max_batch()])
            raise
        keep = {n.node_id for n in nodes}
        old = [i for i in before if i not in keep]
        for at in range(0, len(old), self.max_batch()):
            self.chunks.delete(ids=old[at : at + self.max_batch()])


@dataclass
class Written:
    """A document and what a batch writes for it: chunks, their vectors, packed sentence
    vectors (empty with the hashed embedder)."""

    doc: SourceDoc
    chunks: list[Chunk]
    vectors: Sequence[Any]
    """Per chunk, a list of floats or a float32 row (`_node`)."""
    packed: list[str] = field(default_factory=list)


def _doc_record(doc: SourceDoc, n_chunks: int) -> dict[str, Any]:
    m = doc.meta
    return {
        "title": m.title,
        "date": m.date,
        "issuer": m.issuer,
        "kind": m.kind,
        "script": m.script,
        "note": m.note,
        "sha": doc.sha,
        "source": doc.source,
        "chunks": n_chunks,
    }


def _doc_from_record(doc_id: str, text: str, m: dict[str, Any]) -> SourceDoc:
    meta = DocMeta(
        title=str(m.get("title", doc_id)),
        date=str(m.get("date", "")),
        issuer=str(m.get("issuer", "")),
        kind=str(m.get("kind", "")),
        script=str(m.get("script", "")),
        note=str(m.get("note", "")),
    )
    return SourceDoc(doc_id, meta, text, str(m.get("sha", "")), str(m.get("source", "")))
