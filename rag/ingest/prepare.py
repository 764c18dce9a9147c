"""Prepare: what a batch of chunks needs before it is written (`Ready`): vectors, packed sentence
vectors, search keys and jieba terms; only chunks whose text is not stored already are
embedded (content hash).

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
import itertools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llama_index.core.base.embeddings.base import BaseEmbedding

from rag.ingest.nodes import SENTENCE_VECTORS, pack_vectors
from rag.ingest.store import Store
from rag.retrieve.embed import endpoint_errors
from rag.retrieve.hashing import Prepared, exit_with_parent, prepare_hashed
from rag.text.terms import keys_and_terms
from rag.types import Chunk, SourceDoc

if TYPE_CHECKING:
    pass

EMBED_BATCH = 128
"""Chunks per batch with a model embedder: a batch is written once embedded, so an ingest
stopped part way keeps what it embedded, and the progress bar moves every few seconds."""


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
    texts = [[c.text for c in chunks] for _, chunks in group]
    if semantic(embedder):
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            keyed = pool.submit(lambda: [keys_and_terms(t) for t in texts])
            embedded = embed_batch(group, embedder, reuse)
            found = keyed.result()
    else:
        embedded = embed_batch(group, embedder, reuse)
        found = [keys_and_terms(t) for t in texts]
    return [
        Ready(vectors, packed, count, keys, terms)
        for (vectors, packed, count), (keys, terms) in zip(embedded, found, strict=True)
    ]


def _from_helper(prepared: list[Prepared]) -> list[Ready]:
    """The helper process's results (`rag.retrieve.hashing.prepare_hashed`): every chunk
    embedded."""
    return [Ready(v, [], len(v), keys, terms) for v, keys, terms in prepared]


def prepared_groups(
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
