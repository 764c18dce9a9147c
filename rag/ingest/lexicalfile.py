"""The lexical index kept with the data (see `rag.ingest.lexical` for what it holds and where):
built from documents and chunk rows, saved, loaded for an engine, and brought up to date after
an ingest.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.ingest.keyindex import KeyIndex
from rag.ingest.lexical import (
    DOC_FIELDS,
    FORMAT,
    PART_BYTES,
    Lexical,
    Row,
    Strings,
    corpus_names,
    fingerprint,
)
from rag.types import SourceDoc

PART_KEY = "part"
"""The metadata key of a part's base64 text in the `-lexical` collection of a Chroma server."""


def _bm25(term_texts: Sequence[str]) -> Any:
    """BM25 over the terms, as `llama_index.retrievers.bm25.BM25Retriever` builds it with the
    options `rag.retrieve.hybrid` gives it."""
    import bm25s

    tokens = bm25s.tokenize(
        list(term_texts), stopwords=[], stemmer=None, token_pattern=r"\S+", show_progress=False
    )
    model = bm25s.BM25()
    model.index(tokens, show_progress=False)
    return model


def build(identity: str, docs: Sequence[SourceDoc], rows: Sequence[Row]) -> bytes:
    """The archive for these documents and rows (rows in store order)."""
    manifest = {d.doc_id: {"sha": d.sha} for d in docs}
    order = {d.doc_id: i for i, d in enumerate(docs)}
    metas = [
        {**{f: getattr(d.meta, f) for f in DOC_FIELDS}, "sha": d.sha, "source": d.source}
        for d in docs
    ]
    model = _bm25([r.terms for r in rows])
    keys = KeyIndex.build([r.key for r in rows])
    arrays: dict[str, np.ndarray] = {
        "format": np.array([FORMAT], dtype=np.int64),
        "fingerprint": np.frombuffer(fingerprint(identity, manifest).encode("ascii"), np.uint8),
        "doc_meta": np.frombuffer(json.dumps(metas, ensure_ascii=False).encode(), np.uint8),
        **Strings.arrays("doc_ids", (d.doc_id for d in docs)),
        **Strings.arrays("doc_texts", (d.text for d in docs)),
        **Strings.arrays("chunk_ids", (r.chunk_id for r in rows)),
        **Strings.arrays("chunk_sections", (r.section for r in rows)),
        **Strings.arrays("chunk_sentences", (r.sentences for r in rows)),
        **Strings.arrays("chunk_terms", (r.terms for r in rows)),
        **Strings.arrays("chunk_vectors", (r.vectors for r in rows)),
        **Strings.arrays("names", corpus_names(docs, rows, keys)),
        "chunk_doc": np.array([order[r.doc_id] for r in rows], dtype=np.int32),
        "chunk_start": np.array([r.start for r in rows], dtype=np.int64),
        "chunk_end": np.array([r.end for r in rows], dtype=np.int64),
        "chunk_tokens": np.array([r.tokens for r in rows], dtype=np.int32),
        **keys.arrays(),
        "bm25_vocab": np.frombuffer(
            json.dumps(model.vocab_dict, ensure_ascii=False).encode("utf-8"), np.uint8
        ),
        "bm25_data": np.asarray(model.scores["data"]),
        "bm25_indices": np.asarray(model.scores["indices"]),
        "bm25_indptr": np.asarray(model.scores["indptr"]),
        "bm25_num_docs": np.array([int(model.scores["num_docs"])], dtype=np.int64),
    }
    out = io.BytesIO()
    np.savez(out, allow_pickle=False, **arrays)
    return out.getvalue()


# -- where the archive lives ---------------------------------------------------------------


def _path(store: Any) -> Path:
    return Path(store.settings.data_dir) / f"{store.name}.lexical.npz"


def _collection(store: Any, create: bool) -> Any:
    client = store.client
    name = f"{store.name}-lexical"
    if create:
        return client.get_or_create_collection(name, embedding_function=None)
    try:
        return client.get_collection(name, embedding_function=None)
    except Exception:  # noqa: BLE001  # chromadb raises several types for a missing collection
        return None


def save(store: Any, archive: bytes, stamp: str) -> None:
    """Keep the archive with the data (see the module)."""
    if not store.settings.chroma_host:
        path = _path(store)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".lexical-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(archive)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return
    collection = _collection(store, create=True)
    # compressed for the wire: text and postings shrink to about a third, zlib's fastest level
    # costs less than sending the rest
    encoded = base64.b64encode(zlib.compress(archive, 1)).decode("ascii")
    parts = [encoded[i : i + PART_BYTES] for i in range(0, len(encoded), PART_BYTES)] or [""]
    ids = [f"{stamp}-{i:04d}" for i in range(len(parts))]
    for part_id, part in zip(ids, parts, strict=True):
        # a metadata value, not the record's document: Chroma indexes documents for full-text
        # search, about 4 s a megabyte of base64 on 2 cores (a metadata value: 0.1 s)
        collection.upsert(ids=[part_id], metadatas=[{PART_KEY: part}], embeddings=[[1.0]])
    digest = hashlib.sha256(archive).hexdigest()
    collection.upsert(
        ids=["head"],
        documents=[""],
        embeddings=[[1.0]],
        metadatas=[{"stamp": stamp, "parts": len(parts), "sha": digest}],
    )
    stale = [i for i in collection.get(include=[])["ids"] if i != "head" and i not in ids]
    if stale:
        collection.delete(ids=stale)


def saved(store: Any) -> bool:
    """Is there a saved lexical index (embedded store: its file)?"""
    return _path(store).exists() if not store.settings.chroma_host else True


def _read(store: Any) -> Any:
    """The saved archive (an open `NpzFile`), or None."""
    if not store.settings.chroma_host:
        path = _path(store)
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
    collection = _collection(store, create=False)
    if collection is None:
        return None
    head = collection.get(ids=["head"], include=["metadatas"])
    if not head["ids"]:
        return None
    meta = head["metadatas"][0] or {}
    ids = [f"{meta.get('stamp')}-{i:04d}" for i in range(int(meta.get("parts", 0)))]
    got = collection.get(ids=ids, include=["metadatas"])
    by_id = {
        i: m[PART_KEY]
        for i, m in zip(got["ids"], got["metadatas"], strict=True)
        if isinstance((m or {}).get(PART_KEY), str)
    }
    if any(i not in by_id for i in ids):
        return None  # a writer replaced it meanwhile, or an older layout: rebuilt below
    try:
        archive = zlib.decompress(base64.b64decode("".join(by_id[i] for i in ids)))
    except (ValueError, zlib.error):
        return None
    if hashlib.sha256(archive).hexdigest() != meta.get("sha"):
        return None
    return np.load(io.BytesIO(archive), allow_pickle=False)


def load(store: Any, manifest: dict[str, dict[str, Any]]) -> Lexical:
    """The store's lexical index for its current documents (`manifest`): the saved one when
    it is theirs, else rebuilt from Chroma and saved."""
    saved = previous(store)
    if saved is not None and saved.fingerprint == fingerprint(store.name, manifest):
        return saved
    return Lexical(np.load(io.BytesIO(refresh(store, [], saved)), allow_pickle=False))


def previous(store: Any) -> Lexical | None:
    """The saved lexical index, whatever documents it was built from (its rows carry their
    documents' hashes: an ingest reuses those still current)."""
    archive = _read(store)
    if archive is None:
        return None
    try:
        if int(archive["format"][0]) != FORMAT:
            return None
        return Lexical(archive)
    except (KeyError, ValueError, OSError):
        return None  # an older or damaged file: rebuilt


def update(store: Any, written: Sequence[Row]) -> None:
    """After an ingest: the saved index brought in line with the store, unless it is already."""
    saved = previous(store)
    current = fingerprint(store.name, store.manifest())
    if saved is None or written or saved.fingerprint != current:
        refresh(store, written, saved)


def refresh(store: Any, written: Sequence[Row], saved: Lexical | None) -> bytes:
    """Build and save the archive for the store's documents as they are now. Rows come from
    `written` (the chunks this ingest wrote), else from `saved` (an earlier archive) for each
    document whose hash has not changed since, else from Chroma; each only when cut from the
    document's current version. Store order: reused and read documents first, written last."""
    records = store.manifest()
    known = {}  # documents whose text the saved index holds already: not read again
    if saved is not None:
        for doc_id, meta in records.items():
            doc = saved.docs.get(doc_id)
            if doc is not None and doc.sha == meta.get("sha"):
                known[doc_id] = replace(doc, source=str(meta.get("source", doc.source)))
    fetched = {d.doc_id: d for d in store.documents([d for d in records if d not in known])}
    docs = [known.get(d) or fetched[d] for d in records if d in known or d in fetched]
    manifest = {d.doc_id: {"sha": d.sha} for d in docs}
    current = {d.doc_id: d.sha for d in docs}
    fresh: dict[str, list[Row]] = {}
    for r in written:
        if current.get(r.doc_id) == r.doc_sha:
            fresh.setdefault(r.doc_id, []).append(r)
    reuse: dict[str, list[Row]] = {}
    if saved is not None:
        for i in range(len(saved)):
            doc_id = saved.doc_id(i)
            if doc_id not in fresh and saved.docs[doc_id].sha == current.get(doc_id):
                reuse.setdefault(doc_id, []).append(saved.row(i))
    missing = {d: manifest[d] for d in manifest if d not in fresh and d not in reuse}
    read = store.served_rows(missing) if missing else {}
    rows: list[Row] = []
    for doc_id in manifest:
        if doc_id not in fresh:
            rows += reuse.get(doc_id) or read.get(doc_id, [])
    rows += [r for doc_id in fresh for r in fresh[doc_id]]
    data = build(store.name, docs, rows)
    save(store, data, fingerprint(store.name, manifest)[:16])
    return data
