"""The lexical index: everything opening an engine needs that Chroma's vector search is not,
built at ingest and saved beside the store as one file, so opening reads it instead of every
chunk, and no question makes a pass over the corpus.

One `numpy` `.npz` archive (no pickle) per index identity holds:
- the served documents (display text and catalog metadata): citations and the answerer quote
  them;
- per served chunk, in store order: id, document, offsets, section, sentence spans, token count,
  its jieba terms, its search key and its sentences' vectors (with a semantic embedder);
- BM25 over the jieba terms (`bm25s`' sparse score matrix and vocabulary, built exactly as
  LlamaIndex's `BM25Retriever` builds it: `\\S+` tokens, no stemming or stopwords);
- substring postings over the search keys (`rag.ingest.keyindex`): the document frequencies question
  analysis needs.

Its `fingerprint` is the hash of the document records it was built from (id and content hash of
each): it is used only while that is still the store's set of documents, so a crash, another
writer or an old file can never make it serve chunks retrieval would not. When it is missing or
stale, `load` rebuilds it from the chunks in Chroma (the slow path: every chunk read and its
search key recomputed) and saves it. An ingest updates it cheaply: rows of unchanged documents
are taken from the previous file, the chunks it wrote come from memory, and only documents known
to neither are read back from Chroma.

Embedded store: the file is `<data_dir>/<identity>.lexical.npz`, replaced atomically. Chroma
server: it is kept with the data, compressed, as base64 parts in the collection
`<identity>-lexical` (written parts first, then its head record, the commit point), and read into
memory at open.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.schema import TextNode

from rag.ingest.keyindex import KeyIndex
from rag.ingest.nodes import SENTENCE_VECTORS
from rag.text.script import search_key
from rag.text.terms import terms_of_key
from rag.types import DocMeta, SourceDoc

FORMAT = 3
PART_BYTES = 4 << 20
"""Bytes of the archive per record of the `-lexical` collection on a Chroma server."""
NODE_CACHE = 4096
"""Chunk nodes a loaded index keeps once built (a question's BM25 hits, its documents' frames)."""
_DOC_FIELDS = ("title", "date", "issuer", "kind", "script", "note")


@dataclass(frozen=True)
class Row:
    """One served chunk, as the lexical index keeps it."""

    chunk_id: str
    doc_id: str
    doc_sha: str
    """The content hash of the document version it was cut from."""
    start: int
    end: int
    section: str
    sentences: str
    """Sentence spans as `Store` writes them (`a:b,c:d`)."""
    tokens: int
    terms: str
    """Its jieba terms, space separated (BM25's tokens)."""
    key: str
    """Its search key (`rag.text.script.search_key` of its text)."""
    vectors: str = ""
    """Its sentences' vectors as `rag.ingest.nodes.pack_vectors` stores them; empty with the hashed
    embedder."""


def row_of(chunk_id: str, text: str, meta: dict[str, Any]) -> Row:
    """A row from what Chroma stores for a chunk (the slow path: its key and terms are
    recomputed; indexes written before the lexical index existed stored the terms)."""
    key = search_key(text)
    words = str(meta.get("terms", "")) or " ".join(terms_of_key(key))
    return Row(
        chunk_id=chunk_id,
        doc_id=str(meta.get("document_id", "")),
        doc_sha=str(meta.get("doc_sha", "")),
        start=int(meta["start"]),
        end=int(meta["end"]),
        section=str(meta.get("section", "")),
        sentences=str(meta.get("sentences", "")),
        tokens=int(meta.get("tokens", 0)),
        terms=words,
        key=key,
        vectors=str(meta.get(SENTENCE_VECTORS, "")),
    )


def fingerprint(identity: str, manifest: dict[str, dict[str, Any]]) -> str:
    """What a lexical index was built from: the index identity and every document's hash."""
    items = sorted((doc_id, str(meta.get("sha", ""))) for doc_id, meta in manifest.items())
    raw = json.dumps([FORMAT, identity, items], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class _Strings:
    """A column of strings stored as one UTF-8 blob and offsets; decoded per item."""

    def __init__(self, blob: bytes, offsets: np.ndarray) -> None:
        self._blob = blob
        self._offsets = offsets

    @staticmethod
    def arrays(name: str, values: Iterable[str]) -> dict[str, np.ndarray]:
        encoded = [v.encode("utf-8") for v in values]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return {f"{name}_blob": blob, f"{name}_offsets": offsets}

    @classmethod
    def load(cls, archive: Any, name: str) -> _Strings:
        return cls(archive[f"{name}_blob"].tobytes(), archive[f"{name}_offsets"])

    def __getitem__(self, i: int) -> str:
        return self._blob[self._offsets[i] : self._offsets[i + 1]].decode("utf-8")

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))


TOPIC_SHARE = 0.1
"""Share of the chunks above which a word is the corpus's topic, not a name (the vocabulary
below, and `rag.answer.evidence.DocumentNames`)."""
MAX_NAME = 20
"""Longest name the corpus's vocabulary keeps (a quoted sentence is no name)."""


def corpus_names(
    docs: Sequence[SourceDoc], rows: Sequence[Row], keys: KeyIndex | None = None
) -> list[str]:
    """The corpus's own vocabulary of names, as search keys: what its chunks quote in
    quotation or book marks (`「河畔城星河研究院」`, `《…规划》`) and its documents'
    issuers. Such a name is one jieba does not know whole (it tags its pieces), so the claim
    checker requires each of them a claim states, quoted or not, to be in the cited source: a
    name known elsewhere in the corpus is how a model swaps one body for another. The words
    jieba's dictionary tags as names are left to jieba's tagging of the claim itself (taken
    from the corpus too they caught no swap more on the seeds, and flagged faithful answers
    naming the corpus's topic, `人工智能`). A quoted word most chunks hold (`keys`: more than
    `TOPIC_SHARE` of them) is that topic too, not a name."""
    from rag.text.names import issuer_names, quoted_names

    found: set[str] = set()
    for row in rows:
        found.update(quoted_names(row.key))
    for doc in docs:
        found.update(issuer_names(doc.meta.issuer))

    names = [n for n in found if 1 < len(n) <= MAX_NAME and not n.isdigit()]
    if keys is not None and keys.n:
        names = [n for n in names if keys.count([n]) <= TOPIC_SHARE * keys.n]
    return sorted(names)


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


def _bm25_from(archive: Any) -> Any:
    """`bm25s.BM25.load` from the archive's members (default parameters, as built)."""
    import bm25s

    model = bm25s.BM25()
    model.vocab_dict = json.loads(archive["bm25_vocab"].tobytes().decode("utf-8"))
    model.unique_token_ids_set = set(model.vocab_dict.values())
    model.nonoccurrence_array = None  # the default method (lucene) has none
    model.scores = {
        "data": archive["bm25_data"],
        "indices": archive["bm25_indices"],
        "indptr": archive["bm25_indptr"],
        "num_docs": int(archive["bm25_num_docs"][0]),
    }
    return model


class Lexical:
    """A loaded lexical index: documents, chunk rows, BM25 and key postings."""

    def __init__(self, archive: Any) -> None:
        self.fingerprint = archive["fingerprint"].tobytes().decode("ascii")
        self._archive = archive
        doc_ids = _Strings.load(archive, "doc_ids")
        texts = _Strings.load(archive, "doc_texts")
        metas = json.loads(archive["doc_meta"].tobytes().decode("utf-8"))
        self.docs: dict[str, SourceDoc] = {}
        for i, m in enumerate(metas):
            meta = DocMeta(**{f: str(m.get(f, "")) for f in _DOC_FIELDS})
            doc_id = doc_ids[i]
            self.docs[doc_id] = SourceDoc(
                doc_id, meta, texts[i], str(m.get("sha", "")), str(m.get("source", ""))
            )
        self._doc_order = [doc_ids[i] for i in range(len(doc_ids))]
        self.chunk_ids = _Strings.load(archive, "chunk_ids")
        self._doc_of = archive["chunk_doc"]
        self._start = archive["chunk_start"]
        self._end = archive["chunk_end"]
        self._tokens = archive["chunk_tokens"]
        self._sections = _Strings.load(archive, "chunk_sections")
        self._sentences = _Strings.load(archive, "chunk_sentences")
        self._columns: dict[str, _Strings] = {}
        self.keys = KeyIndex.from_arrays(
            {k: archive[k] for k in ("key_text", "key_offsets", "key_grams", "key_starts",
                                     "key_postings")}
        )
        self.bm25 = _bm25_from(archive)
        self._by_doc: dict[str, list[int]] | None = None
        self._names: frozenset[str] | None = None
        self._nodes: dict[int, TextNode] = {}

    @property
    def names(self) -> frozenset[str]:
        """The corpus's vocabulary of names (`corpus_names`)."""
        if self._names is None:
            self._names = frozenset(self._column("names"))
        return self._names

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def doc_id(self, i: int) -> str:
        return self._doc_order[int(self._doc_of[i])]

    def _column(self, name: str) -> _Strings:
        """A string column read only when first needed (vectors and terms are large)."""
        if name not in self._columns:
            self._columns[name] = _Strings.load(self._archive, name)
        return self._columns[name]

    def row(self, i: int) -> Row:
        return Row(
            chunk_id=self.chunk_ids[i],
            doc_id=self.doc_id(i),
            doc_sha=self.docs[self.doc_id(i)].sha,
            start=int(self._start[i]),
            end=int(self._end[i]),
            section=self._sections[i],
            sentences=self._sentences[i],
            tokens=int(self._tokens[i]),
            terms=self._column("chunk_terms")[i],
            key=self.keys.key(i),
            vectors=self._column("chunk_vectors")[i],
        )

    def rows(self) -> list[Row]:
        return [self.row(i) for i in range(len(self))]

    def node(self, i: int) -> TextNode:
        """Chunk `i` as the node Chroma's search returns for it (text, metadata, document);
        the last `NODE_CACHE` built are kept (nothing downstream changes a node)."""
        node = self._nodes.get(i)
        if node is None:
            node = self._nodes[i] = self._node(i)
            if len(self._nodes) > NODE_CACHE:
                del self._nodes[next(iter(self._nodes))]
        return node

    def _node(self, i: int) -> TextNode:
        from rag.ingest.nodes import chunk_node

        doc = self.docs[self.doc_id(i)]
        return chunk_node(
            self.chunk_ids[i], doc, int(self._start[i]), int(self._end[i]), self._sections[i],
            self._sentences[i], int(self._tokens[i]), self._column("chunk_vectors")[i],
        )

    def chunks_of(self, doc_id: str) -> list[int]:
        """Rows of a document's chunks, in text order."""
        if self._by_doc is None:
            by_doc: dict[str, list[int]] = {}
            for i in np.argsort(self._start, kind="stable"):
                by_doc.setdefault(self.doc_id(int(i)), []).append(int(i))
            self._by_doc = by_doc
        return self._by_doc.get(doc_id, [])


def build(identity: str, docs: Sequence[SourceDoc], rows: Sequence[Row]) -> bytes:
    """The archive for these documents and rows (rows in store order)."""
    manifest = {d.doc_id: {"sha": d.sha} for d in docs}
    order = {d.doc_id: i for i, d in enumerate(docs)}
    metas = [
        {**{f: getattr(d.meta, f) for f in _DOC_FIELDS}, "sha": d.sha, "source": d.source}
        for d in docs
    ]
    model = _bm25([r.terms for r in rows])
    keys = KeyIndex.build([r.key for r in rows])
    arrays: dict[str, np.ndarray] = {
        "format": np.array([FORMAT], dtype=np.int64),
        "fingerprint": np.frombuffer(fingerprint(identity, manifest).encode("ascii"), np.uint8),
        "doc_meta": np.frombuffer(json.dumps(metas, ensure_ascii=False).encode(), np.uint8),
        **_Strings.arrays("doc_ids", (d.doc_id for d in docs)),
        **_Strings.arrays("doc_texts", (d.text for d in docs)),
        **_Strings.arrays("chunk_ids", (r.chunk_id for r in rows)),
        **_Strings.arrays("chunk_sections", (r.section for r in rows)),
        **_Strings.arrays("chunk_sentences", (r.sentences for r in rows)),
        **_Strings.arrays("chunk_terms", (r.terms for r in rows)),
        **_Strings.arrays("chunk_vectors", (r.vectors for r in rows)),
        **_Strings.arrays("names", corpus_names(docs, rows, keys)),
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
        collection.upsert(ids=[part_id], documents=[part], embeddings=[[1.0]])
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
    got = collection.get(ids=ids, include=["documents"])
    by_id = dict(zip(got["ids"], got["documents"], strict=True))
    if any(i not in by_id for i in ids):
        return None  # a writer replaced it meanwhile: rebuilt below
    try:
        archive = zlib.decompress(base64.b64decode("".join(by_id[i] or "" for i in ids)))
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
