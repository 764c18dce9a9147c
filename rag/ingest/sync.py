"""Sync: a corpus -> the store. New and changed documents are chunked, prepared
(`rag.ingest.prepare`) and written in batches under the store's commit protocol
(`rag.ingest.store`); removed ones are deleted; the lexical index is rebuilt from what is served.
Content-hash incremental: a document whose hash is already recorded costs nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llama_index.core.base.embeddings.base import BaseEmbedding

from rag.ingest.chunk import chunk_document
from rag.ingest.nodes import spans_of
from rag.ingest.prepare import EMBED_BATCH, prepared_groups, semantic
from rag.ingest.store import Store, Written
from rag.settings import Settings
from rag.types import Chunk, SourceDoc

if TYPE_CHECKING:
    from rag.ingest.lexical import Row

Progress = Callable[[str], None]
"""Called with each document's id once it is in the index (or found unchanged)."""

Embedded = Callable[[int, int], None]
"""Called with (chunks embedded so far, chunks to embed in this ingest)."""


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
    Then the lexical index is brought up to date (`rag.ingest.lexicalfile`). In embedded mode
    the caller holds `writer_lock`, and chunks a crash left unserved are swept away."""
    from rag.ingest import lexicalfile

    report = IngestReport()
    manifest = store.manifest()
    changed = [d for d in docs if manifest.get(d.doc_id, {}).get("sha") != d.sha]
    changing = {d.doc_id for d in changed}
    for doc in docs:
        if doc.doc_id not in changing:
            report.unchanged.append(doc.doc_id)
            if progress:
                progress(doc.doc_id)
    marker = store.marker()
    interrupted = marker is not None and (
        marker.exists() or (not lexicalfile.saved(store) and store.count() > 0)
    )
    if marker is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    written = _write(changed, store, embedder, set(manifest), report, progress, embedded)
    present = {d.doc_id for d in docs}
    resolved = [r.resolve() for r in roots]
    for doc_id, meta in manifest.items():  # gone from the folders they came from
        if doc_id not in present and _under(str(meta.get("source", "")), resolved):
            store.remove(doc_id)
            report.removed.append(doc_id)
    if interrupted:  # callers hold `writer_lock`: no other chunks are in flight
        report.swept = store.sweep()
    report.chunks_total = store.count()
    lexicalfile.update(store, written)
    if marker is not None:
        marker.unlink(missing_ok=True)
    return report


def _write(
    changed: list[SourceDoc],
    store: Store,
    embedder: BaseEmbedding,
    stored: set[str],
    report: IngestReport,
    progress: Progress | None,
    embedded: Embedded | None,
) -> list[Row]:
    """Chunk, embed and write the changed documents in batches; their lexical rows. `stored`:
    the ids the store held before (an update, not an addition)."""

    settings = store.settings
    written: list[Row] = []
    size = min(EMBED_BATCH, store.max_batch()) if semantic(embedder) else store.max_batch()
    chars = sum(len(d.text) for d in changed)
    for group, chunked, found in prepared_groups(
        _batches(changed, settings, size), store, embedder, stored
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
            (report.updated if doc.doc_id in stored else report.added).append(doc.doc_id)
            if progress:
                progress(doc.doc_id)
        if embedded:  # chunks to come estimated from the characters to come
            chars -= sum(len(d.text) for d in group)
            per_char = report.chunks_written / max(1, sum(len(d.text) for d in changed) - chars)
            embedded(report.chunks_written, report.chunks_written + round(chars * per_char))
    return written


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
