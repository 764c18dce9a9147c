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
stale, loading rebuilds it from the chunks in Chroma (the slow path: every chunk read and its
search key recomputed) and saves it (`rag.ingest.lexicalfile`). An ingest updates it cheaply:
rows of unchanged documents are taken from the previous file, the chunks it wrote come from
memory, and only documents known to neither are read back from Chroma.

Embedded store: the file is `<data_dir>/<identity>.lexical.npz`, replaced atomically. Chroma
server: it is kept with the data, compressed, as base64 parts (metadata values, which Chroma does
not index for full-text search) in the collection `<identity>-lexical` (written parts first, then
its head record, the commit point), and read into memory at open.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
DOC_FIELDS = ("title", "date", "issuer", "kind", "script", "note")


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


class Strings:
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
    def load(cls, archive: Any, name: str) -> Strings:
        return cls(archive[f"{name}_blob"].tobytes(), archive[f"{name}_offsets"])

    def __getitem__(self, i: int) -> str:
        return self._blob[self._offsets[i] : self._offsets[i + 1]].decode("utf-8")

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))


TOPIC_SHARE = 0.1
"""Share of the chunks above which a word is the corpus's topic, not a name (the vocabulary
below, and `rag.answer.corpus.Documents`)."""
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
        doc_ids = Strings.load(archive, "doc_ids")
        texts = Strings.load(archive, "doc_texts")
        metas = json.loads(archive["doc_meta"].tobytes().decode("utf-8"))
        self.docs: dict[str, SourceDoc] = {}
        for i, m in enumerate(metas):
            meta = DocMeta(**{f: str(m.get(f, "")) for f in DOC_FIELDS})
            doc_id = doc_ids[i]
            self.docs[doc_id] = SourceDoc(
                doc_id, meta, texts[i], str(m.get("sha", "")), str(m.get("source", ""))
            )
        self._doc_order = [doc_ids[i] for i in range(len(doc_ids))]
        self.chunk_ids = Strings.load(archive, "chunk_ids")
        self._doc_of = archive["chunk_doc"]
        self._start = archive["chunk_start"]
        self._end = archive["chunk_end"]
        self._tokens = archive["chunk_tokens"]
        self._sections = Strings.load(archive, "chunk_sections")
        self._sentences = Strings.load(archive, "chunk_sentences")
        self._columns: dict[str, Strings] = {}
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

    def _column(self, name: str) -> Strings:
        """A string column read only when first needed (vectors and terms are large)."""
        if name not in self._columns:
            self._columns[name] = Strings.load(self._archive, name)
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
