"""Index: chunks -> Chroma, through LlamaIndex's `ChromaVectorStore`; content-hash incremental.

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

Vectors (`embed_chunks`): with a semantic embedder (the e5 model, an endpoint) every sentence of a
chunk is embedded and its vector stored in the chunk's metadata (float16, base64: 1 KB a sentence at
384 dimensions), so the answerer weighs a candidate sentence by its similarity to the question
without embedding anything at question time; the stored vectors travel with their chunk, under the
same commit protocol. A chunk's own vector is then the normalized mean of its sentences' vectors,
not a second pass of the model over the chunk text. Measured with e5 (retrieval hit@5, the same
answerer): seeds 97.3% from sentence means against 97.9% from the model's chunk vectors (one
question of 146), rgb-int 63.4% and 63.4%, cmrc-trial 96.9% and 96.9%; and ingest embeds each
sentence once instead of every text twice (about half the model time). The hashed embedder is
lexical: it embeds chunk texts only and stores no sentence vectors (the answerer then scores words
alone).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.errors import ServiceError, UserError
from rag.ingest.chunk import chunk_document
from rag.retrieve.embed import endpoint_errors
from rag.retrieve.hashing import Prepared, exit_with_parent, prepare_hashed
from rag.settings import Settings
from rag.text.script import search_key
from rag.text.terms import terms_of_key
from rag.types import Chunk, DocMeta, Sentence, SourceDoc

if TYPE_CHECKING:
    from rag.ingest.lexical import Row

Progress = Callable[[str], None]
"""Called with each document's id once it is in the index (or found unchanged)."""
Embedded = Callable[[int, int], None]
"""Called with (chunks embedded so far, chunks to embed in this ingest)."""
SENTENCE_VECTORS = "sentence_vectors"
EMBED_BATCH = 128
"""Chunks per batch with a model embedder: a batch is written once embedded, so an ingest
stopped part way keeps what it embedded, and the progress bar moves every few seconds."""


@dataclass
class IngestReport:
    """What one ingest changed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_written: int = 0
    chunks_total: int = 0
    embedded: int = 0
    swept: int = 0
    """Unserved chunks left by an interrupted earlier write, deleted (`Store.sweep`)."""

    def summary(self) -> str:
        swept = f"; {self.swept} stale chunks removed" if self.swept else ""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} "
            f"unchanged, {len(self.removed)} removed documents; {self.chunks_written} chunks "
            f"written, {self.chunks_total} in index{swept}"
        )


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
                " start it with `chroma run` or unset RAG_CHROMA_HOST"
            ) from None
    return chromadb.PersistentClient(path=str(settings.data_dir), settings=chroma_settings)


class Store:
    """The two Chroma collections of one index identity."""

    def __init__(self, settings: Settings, create: bool) -> None:
        self.settings = settings
        self.name = settings.index_identity()
        if not create and not settings.chroma_host and not settings.data_dir.exists():
            raise UserError(f"no index yet in {settings.data_dir}; run `rag ingest` first")
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
                    f"no index '{self.name}' in {settings.store_label()}; run `rag ingest` first"
                ) from None
            raise ServiceError(f"Chroma at {settings.store_label()} failed: {exc}") from None
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
            raise UserError(f"no document '{doc_id}' in the index; `rag ask` lists cited ids")
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
                _node(w.doc, c, v, p) for c, v, p in zip(w.chunks, w.vectors, packed, strict=True)
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


def _node(doc: SourceDoc, chunk: Chunk, vector: Any, packed: str = "") -> TextNode:
    """`vector`: a list of floats or a float32 row (from the helper process)."""
    return chunk_node(
        chunk.chunk_id,
        doc,
        chunk.start,
        chunk.end,
        chunk.section,
        spans_of(chunk),
        chunk.tokens,
        packed,
        vector if isinstance(vector, list) else vector.tolist(),
    )


def spans_of(chunk: Chunk) -> str:
    """A chunk's sentence spans as stored (`a:b,c:d`)."""
    return ",".join(f"{s.start}:{s.end}" for s in chunk.sentences)


def chunk_node(
    chunk_id: str,
    doc: SourceDoc,
    start: int,
    end: int,
    section: str,
    sentences: str,
    tokens: int,
    packed: str = "",
    vector: list[float] | None = None,
) -> TextNode:
    """A chunk as the node written to Chroma (with its `vector`) and as Chroma's search
    returns it; the lexical index builds the same node for a BM25 hit (`rag.ingest.lexical`)."""
    metadata: dict[str, Any] = {
        "start": start,
        "end": end,
        "section": section,
        "sentences": sentences,
        "doc_sha": doc.sha,
        "tokens": tokens,
    }
    if packed:
        metadata[SENTENCE_VECTORS] = packed
    return TextNode(
        id_=chunk_id,
        text=doc.text[start:end],
        embedding=vector,
        metadata=metadata,
        excluded_embed_metadata_keys=list(metadata),
        excluded_llm_metadata_keys=list(metadata),
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc.doc_id)},
    )


def chunk_from_node(node_id: str, text: str, metadata: dict[str, Any], doc_id: str) -> Chunk:
    """Rebuild a `Chunk` from what Chroma stored."""
    section = str(metadata.get("section", ""))
    sentences = tuple(
        Sentence(int(a), int(b), section)
        for a, b in (s.split(":") for s in str(metadata.get("sentences", "")).split(",") if s)
    )
    return Chunk(
        chunk_id=node_id,
        doc_id=doc_id,
        start=int(metadata["start"]),
        end=int(metadata["end"]),
        text=text,
        section=section,
        sentences=sentences,
        tokens=int(metadata.get("tokens", 0)),
        vectors=unpack_vectors(str(metadata.get(SENTENCE_VECTORS, "")), len(sentences)),
    )


def pack_vectors(rows: Any) -> str:
    """Sentence vectors (rows of floats) as stored in a chunk's metadata: float16, base64."""
    import base64

    import numpy as np

    return base64.b64encode(np.asarray(rows, dtype=np.float16).tobytes()).decode("ascii")


def unpack_vectors(packed: str, rows: int) -> Any:
    """`pack_vectors` undone: a float32 matrix of `rows` vectors, or None when none (or a
    malformed value) is stored."""
    import base64

    import numpy as np

    if not packed or rows <= 0:
        return None
    flat = np.frombuffer(base64.b64decode(packed), dtype=np.float16)
    if flat.size == 0 or flat.size % rows:
        return None
    return flat.reshape(rows, -1).astype(np.float32)


def semantic(embedder: BaseEmbedding) -> bool:
    """Does the embedder know meaning (a model), not only wording (the hashed n-grams)?"""
    from rag.retrieve.embed import HashedCharNgramEmbedding

    return not isinstance(embedder, HashedCharNgramEmbedding)


def embed_chunks(
    doc: SourceDoc, chunks: Sequence[Chunk], embedder: BaseEmbedding
) -> tuple[list[list[float]], list[str]]:
    """Chunk vectors and, with a semantic embedder, each chunk's packed sentence vectors."""
    vectors, packed, _ = embed_batch([(doc, list(chunks))], embedder, {})[0]
    return vectors, packed


Reusable = dict[str, tuple[list[float], str]]
"""Chunk text hash -> (its vector, its packed sentence vectors) of chunks already stored."""


def text_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def embed_batch(
    batch: Sequence[tuple[SourceDoc, list[Chunk]]], embedder: BaseEmbedding, reuse: Reusable
) -> list[tuple[list[list[float]], list[str], int]]:
    """Per document: chunk vectors, packed sentence vectors (semantic embedders only) and how
    many chunks were embedded. A chunk whose text is stored already (`reuse`, by content hash)
    keeps its vectors; the others are embedded in one call for the whole batch: with a semantic
    embedder each distinct sentence once, a chunk's vector being the normalized mean of its
    sentences'; with the hashed one each chunk text."""
    import numpy as np

    model = semantic(embedder)
    hashes = [[text_hash(c.text) for c in chunks] for _, chunks in batch]
    todo = [
        (d, c)
        for d, ((_, chunks), hs) in enumerate(zip(batch, hashes, strict=True))
        for c, h in zip(chunks, hs, strict=True)
        if h not in reuse or (model and not reuse[h][1])
    ]
    fresh: dict[str, tuple[list[float], str]] = {}
    if todo and not model:
        found = embedder.get_text_embedding_batch([c.text for _, c in todo])
        fresh = {text_hash(c.text): (list(v), "") for (_, c), v in zip(todo, found, strict=True)}
    elif todo:
        texts = {batch[d][0].text[s.start : s.end]: None for d, c in todo for s in c.sentences}
        found = embedder.get_text_embedding_batch(list(texts))
        by_text = dict(zip(texts, np.asarray(found, dtype=np.float32), strict=True))
        for d, chunk in todo:
            doc = batch[d][0]
            rows = np.stack([by_text[doc.text[s.start : s.end]] for s in chunk.sentences])
            mean = rows.mean(axis=0)
            vector = (mean / (np.linalg.norm(mean) or 1.0)).tolist()
            fresh[text_hash(chunk.text)] = (vector, pack_vectors(rows))
    out = []
    for d, hs in enumerate(hashes):
        got = [fresh.get(h) or reuse[h] for h in hs]
        count = sum(1 for e, _ in todo if e == d)
        out.append(([v for v, _ in got], [p for _, p in got] if model else [], count))
    return out


def _under(source: str, roots: Sequence[Path]) -> bool:
    path = Path(source)
    return any(path == root or root in path.parents for root in roots)


def _batches(
    docs: Sequence[SourceDoc], settings: Settings, size: int
) -> Iterator[tuple[list[SourceDoc], dict[str, list[Chunk]]]]:
    """Documents in order, chunked as they come, in groups of about `size` chunks (a document
    is never split): only one group's chunks are in memory at a time."""
    group: list[SourceDoc] = []
    chunked: dict[str, list[Chunk]] = {}
    count = 0
    for doc in docs:
        chunks = chunk_document(doc, settings.chunk_tokens, settings.chunk_overlap_sentences)
        if group and count + len(chunks) > size:
            yield group, chunked
            group, chunked, count = [], {}, 0
        group.append(doc)
        chunked[doc.doc_id] = chunks
        count += len(chunks)
    if group:
        yield group, chunked


def _reusable(stored: dict[str, Any], chunked: dict[str, list[Chunk]]) -> Reusable:
    """Vectors of stored chunks by text hash, when the new chunk of that text splits into the
    same sentences (it always does: kept only as a guard against a changed chunker)."""
    shapes = {
        text_hash(c.text): tuple((s.start - c.start, s.end - c.start) for s in c.sentences)
        for chunks in chunked.values()
        for c in chunks
    }
    out: Reusable = {}
    for text, embedding, meta in stored.values():
        h = text_hash(text or "")
        meta = meta or {}
        start = int(meta.get("start", 0))
        spans = tuple(
            (int(a) - start, int(b) - start)
            for a, b in (x.split(":") for x in str(meta.get("sentences", "")).split(",") if x)
        )
        if h in shapes and shapes[h] == spans and embedding is not None:
            out[h] = ([float(x) for x in embedding], str(meta.get(SENTENCE_VECTORS, "")))
    return out


def sync(
    store: Store,
    docs: Sequence[SourceDoc],
    embedder: BaseEmbedding,
    roots: Sequence[Path],
    progress: Progress | None = None,
    embedded: Embedded | None = None,
) -> IngestReport:
    """Bring the index in line with `docs`; documents that came from `roots` and are gone lose
    their chunks. Only new or changed documents are chunked, and only their chunks whose text
    is not stored already are embedded; they are written in batches (`Store.write_batch`).
    Then the lexical index is brought up to date (`rag.ingest.lexical`). In embedded mode the caller
    holds `writer_lock`, and chunks a crash left unserved are swept away."""
    from rag.ingest import lexical

    report = IngestReport()
    manifest = store.manifest()
    settings = store.settings
    changed = [d for d in docs if manifest.get(d.doc_id, {}).get("sha") != d.sha]
    changing = {d.doc_id for d in changed}
    for doc in docs:
        if doc.doc_id not in changing:
            report.unchanged.append(doc.doc_id)
            if progress:
                progress(doc.doc_id)
    marker = store.marker()
    interrupted = marker is not None and (
        marker.exists() or (not lexical.saved(store) and store.count() > 0)
    )
    if marker is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    written: list[lexical.Row] = []
    size = min(EMBED_BATCH, store.max_batch()) if semantic(embedder) else store.max_batch()
    chars = sum(len(d.text) for d in changed)
    for group, chunked, found in _prepared(
        _batches(changed, settings, size), store, embedder, set(manifest)
    ):
        batch = []
        for doc, ready in zip(group, found, strict=True):
            chunks = chunked[doc.doc_id]
            batch.append(Written(doc, chunks, ready.vectors, ready.packed))
            written += [
                _row(doc, c, k, t, p)
                for c, k, t, p in zip(
                    chunks,
                    ready.keys,
                    ready.terms,
                    ready.packed or [""] * len(chunks),
                    strict=True,
                )
            ]
            report.embedded += ready.embedded
        store.write_batch(batch)
        for doc in group:
            report.chunks_written += len(chunked[doc.doc_id])
            (report.updated if doc.doc_id in manifest else report.added).append(doc.doc_id)
            if progress:
                progress(doc.doc_id)
        if embedded:  # chunks to come estimated from the characters to come
            chars -= sum(len(d.text) for d in group)
            per_char = report.chunks_written / max(1, sum(len(d.text) for d in changed) - chars)
            embedded(report.chunks_written, report.chunks_written + round(chars * per_char))
    present = {d.doc_id for d in docs}
    resolved = [r.resolve() for r in roots]
    for doc_id, meta in manifest.items():
        if doc_id not in present and _under(str(meta.get("source", "")), resolved):
            store.remove(doc_id)
            report.removed.append(doc_id)
    if interrupted:  # callers hold `writer_lock`: no other chunks are in flight
        report.swept = store.sweep()
    report.chunks_total = store.count()
    lexical.update(store, written)
    if marker is not None:
        marker.unlink(missing_ok=True)
    return report


@dataclass
class Ready:
    """What a document's chunks need before they are written: vectors, packed sentence vectors,
    how many were embedded (not reused), search keys and terms."""

    vectors: Sequence[Any]
    """Per chunk, a list of floats or a float32 row (`_node`)."""
    packed: list[str]
    embedded: int
    keys: list[str]
    terms: list[str]


Group = tuple[list[SourceDoc], dict[str, list[Chunk]]]
PIPELINE_GROUPS = 3
"""New-document groups an ingest must have before a helper process prepares them (below)."""


def prepare(
    group: Sequence[tuple[SourceDoc, list[Chunk]]], embedder: BaseEmbedding, reuse: Reusable
) -> list[Ready]:
    """Vectors (`embed_batch`), search keys and jieba terms of each document's chunks. A model
    runs outside the interpreter's lock: the keys and terms are computed meanwhile, on a
    thread (at 1x the seeds with e5, 0.9 s of a 13 s ingest, jieba's dictionary load included)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        keyed = pool.submit(_keys_and_terms, group) if semantic(embedder) else None
        embedded = embed_batch(group, embedder, reuse)
        found = keyed.result() if keyed is not None else _keys_and_terms(group)
    return [
        Ready(vectors, packed, count, keys, terms)
        for (vectors, packed, count), (keys, terms) in zip(embedded, found, strict=True)
    ]


def _keys_and_terms(
    group: Sequence[tuple[SourceDoc, list[Chunk]]],
) -> list[tuple[list[str], list[str]]]:
    out = []
    for _, chunks in group:
        keys = [search_key(c.text) for c in chunks]
        out.append((keys, [" ".join(terms_of_key(k)) for k in keys]))
    return out


def _from_helper(prepared: list[Prepared]) -> list[Ready]:
    """The helper process's results (`rag.retrieve.hashing.prepare_hashed`): every chunk
    embedded."""
    return [Ready(v, [], len(v), keys, terms) for v, keys, terms in prepared]


def _prepared(
    groups: Iterator[Group], store: Store, embedder: BaseEmbedding, known: set[str]
) -> Iterator[tuple[list[SourceDoc], dict[str, list[Chunk]], list[Ready]]]:
    """Each group with its documents prepared, in order. With the hashed embedder and a large
    ingest of new documents, one helper process prepares the groups (segmenting, hashing:
    Python, bound to one core) one group ahead while this one writes (Chroma's writes hold
    this process's interpreter): the two cores work at once. A group holding a document
    already stored, and every group of a small ingest or with a model, is prepared here (a
    model uses both cores itself; stored chunks' vectors are reused)."""
    from rag.retrieve.embed import HashedCharNgramEmbedding

    pending: list[Group] = []
    hashed = isinstance(embedder, HashedCharNgramEmbedding)
    for group in groups:
        pending.append(group)
        if not hashed or len(pending) >= PIPELINE_GROUPS:
            break
    if not hashed or len(pending) < PIPELINE_GROUPS:
        for docs, chunked in itertools.chain(pending, groups):
            yield docs, chunked, _prepare_here(docs, chunked, store, embedder, known)
        return
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # never fork a process running Chroma
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=exit_with_parent, initargs=(os.getpid(),)
    ) as pool:
        queued: collections.deque[tuple[list[SourceDoc], dict[str, list[Chunk]], Any]] = (
            collections.deque()
        )
        for docs, chunked in itertools.chain(pending, groups):
            if any(d.doc_id in known for d in docs):  # here: its stored vectors are reused
                work: Any = _prepare_here(docs, chunked, store, embedder, known)
            else:
                dim = embedder.dim  # type: ignore[attr-defined]  # hashed, checked above
                items = [(d, chunked[d.doc_id]) for d in docs]
                work = pool.submit(prepare_hashed, items, dim)
            queued.append((docs, chunked, work))
            # in order; the helper's latest group is left running while this one writes
            while len(queued) > 1 or (queued and not isinstance(queued[0][2], Future)):
                yield _resolved(queued.popleft())
        while queued:
            yield _resolved(queued.popleft())


def _resolved(
    item: tuple[list[SourceDoc], dict[str, list[Chunk]], Any],
) -> tuple[list[SourceDoc], dict[str, list[Chunk]], list[Ready]]:
    """A queued group with its preparation, waited for when the helper is still on it."""
    from concurrent.futures import Future

    docs, chunked, work = item
    return docs, chunked, _from_helper(work.result()) if isinstance(work, Future) else work


def _prepare_here(
    docs: list[SourceDoc],
    chunked: dict[str, list[Chunk]],
    store: Store,
    embedder: BaseEmbedding,
    known: set[str],
) -> list[Ready]:
    stored = [d.doc_id for d in docs if d.doc_id in known]
    reuse = _reusable(store.existing(stored), chunked) if stored else {}
    with endpoint_errors(store.settings):
        return prepare([(d, chunked[d.doc_id]) for d in docs], embedder, reuse)


def _row(doc: SourceDoc, chunk: Chunk, key: str, terms: str, packed: str) -> Row:
    from rag.ingest.lexical import Row

    return Row(
        chunk_id=chunk.chunk_id,
        doc_id=doc.doc_id,
        doc_sha=doc.sha,
        start=chunk.start,
        end=chunk.end,
        section=chunk.section,
        sentences=spans_of(chunk),
        tokens=chunk.tokens,
        terms=terms,
        key=key,
        vectors=packed,
    )
