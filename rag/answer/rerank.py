"""Rerank: the fused chunks reordered by how well their sentences answer the question.

Reciprocal-rank fusion ranks chunks by word overlap and n-gram vectors; the chunk holding the
answer often comes fourth or ninth behind chunks that repeat the question's common words. The
answerer's sentence scorer (`rag.answer.evidence`) knows more: units, years, places, synonyms. Like
a cross-encoder reranker, but lexical and offline, `EvidenceReranker` scores every sentence of the
retrieved pool against the question and each of its facets, then puts first, for each of them
in turn, the chunk with its best answering sentence (so a question asking about 2021 and 2024
gets one chunk for each near the top), then the rest by their best sentence. Ties keep the
fusion order. Reranking never drops a chunk; it adds some: when the question names a document
(`《…》的作者在哪个单位工作`, `第27号提案的主办单位`) or describes one (`提出…的那份报告是谁
写的`), the chunks holding that document's masthead and end matter join the pool, since the words
asked (单位, 主办) are rarely the words of the title line or the handling note that answer.
And when the leading passage introduces a list whose items follow it (`从三个方面着力：` then
`一是…`), the chunks holding those items come right after it, whether retrieved or not.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import BaseNode, NodeWithScore, QueryBundle
from pydantic import PrivateAttr

from rag.answer.candidates import read_question
from rag.answer.corpus import Documents
from rag.answer.evidence import Candidate, question_vector, score_chunk_sentences
from rag.answer.spans import continue_list
from rag.ingest.lexical import Lexical
from rag.question.analysis import Query, analyse, facets
from rag.types import Chunk


class EvidenceReranker(BaseNodePostprocessor):
    """Reorders chunks: each part's best answering chunk first, then by best sentence score.
    A document the question names brings its frame chunks (masthead, end matter) along; a
    leading passage that introduces a list brings the chunks of its items."""

    _keys: Any = PrivateAttr(default=None)
    _lexical: Any = PrivateAttr(default=None)
    _documents: Any = PrivateAttr(default=None)
    _frames: dict[str, list[BaseNode]] = PrivateAttr(default_factory=dict)
    _embedder: BaseEmbedding | None = PrivateAttr(default=None)

    def __init__(
        self,
        lexical: Lexical,
        documents: Documents,
        embedder: BaseEmbedding | None = None,
    ) -> None:
        """`lexical`: the index's chunks and key postings; `documents`: the engine's."""
        super().__init__()
        self._embedder = embedder
        self._documents = documents
        self._keys = lexical.keys
        self._lexical = lexical

    def _doc_nodes(self, doc_id: str) -> list[BaseNode]:
        """The document's current chunks, in text order (read from the lexical index)."""
        return [self._lexical.node(i) for i in self._lexical.chunks_of(doc_id)]

    def _frame_nodes(self, doc_id: str) -> list[BaseNode]:
        """The chunks holding the document's masthead and end matter (`frame`)."""
        if doc_id not in self._frames:
            framing = self._documents.by_id[doc_id].frame
            self._frames[doc_id] = [
                n
                for n in self._doc_nodes(doc_id)
                if any(self._holds(n, s.start, s.end) for s in framing)
            ]
        return self._frames[doc_id]

    @classmethod
    def class_name(cls) -> str:
        return "EvidenceReranker"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        if query_bundle is None or not nodes:
            return nodes
        chunks = [self._chunk(n.node) for n in nodes]
        hits = [(c, self._documents.by_id[c.doc_id]) for c in chunks if c is not None]
        query, weights, named = read_question(
            query_bundle.query_str, hits, self._keys, self._documents
        )
        if not query.terms:
            return nodes
        pool = list(nodes)
        for doc_id in sorted(named):
            framing = self._unpooled(self._frame_nodes(doc_id), pool)
            pool += framing
            chunks += [self._chunk(n.node) for n in framing]
        parts = [(query, weights)] + [analyse(text, self._keys) for text, _ in facets(query)]
        vector = question_vector(self._embedder, query_bundle)
        # best[i][p]: chunk i's best sentence for part p, by (answers, score)
        best = [self._best(chunk, rank, parts, named, vector) for rank, chunk in enumerate(chunks)]
        order: list[int] = []
        for p in range(len(parts)):  # each part's best answering chunk, in turn
            leader = max(range(len(pool)), key=lambda i: (_rank_key(best[i][p]), -i))
            if _rank_key(best[leader][p])[0] and leader not in order:
                order.append(leader)
        rest = sorted(
            (i for i in range(len(pool)) if i not in order),
            key=lambda i: (max(_rank_key(b) for b in best[i]), -i),  # ties: the fusion order
            reverse=True,
        )
        ranked = [pool[i] for i in order + rest]
        lead = best[order[0]][0] if order else None
        if query.asks_list and lead is not None and lead.answers:
            ranked = self._items_after_lead(ranked, lead)
        return ranked

    def _items_after_lead(
        self, ranked: list[NodeWithScore], lead: Candidate
    ) -> list[NodeWithScore]:
        """The chunks holding the items the leading sentence introduces, right after it."""
        holders = [self._holder(lead.doc.doc_id, c.start, c.end) for c in continue_list(lead)]
        follow = list({n.node_id: n for n in holders if n is not None}.values())
        if not follow:
            return ranked
        wanted = {n.node_id for n in follow}
        found = {n.node.node_id: n for n in ranked if n.node.node_id in wanted}
        rest = [n for n in ranked[1:] if n.node.node_id not in wanted]
        return [
            ranked[0],
            *(found.get(n.node_id) or NodeWithScore(node=n, score=0.0) for n in follow),
            *rest,
        ]

    def _best(
        self,
        chunk: Chunk | None,
        rank: int,
        parts: list[tuple[Query, dict[str, float]]],
        named: set[str],
        vector: Any = None,
    ) -> list[Candidate | None]:
        if chunk is None or not chunk.sentences:
            return [None] * len(parts)
        doc = self._documents.by_id[chunk.doc_id]
        return [
            max(
                score_chunk_sentences(
                    part, part_weights, doc, chunk, rank, doc.doc_id in named, vector
                ),
                key=_rank_key,
            )
            for part, part_weights in parts
        ]

    def _chunk(self, node: BaseNode) -> Chunk | None:
        read = self._documents.read(node)
        return None if read is None else read[0]

    def _holder(self, doc_id: str, start: int, end: int) -> BaseNode | None:
        """The first current chunk of the document that holds the span."""
        return next((n for n in self._doc_nodes(doc_id) if self._holds(n, start, end)), None)

    @staticmethod
    def _holds(node: BaseNode, start: int, end: int) -> bool:
        return int(node.metadata["start"]) <= start and end <= int(node.metadata["end"])

    @staticmethod
    def _unpooled(extra: list[BaseNode], pool: list[NodeWithScore]) -> list[NodeWithScore]:
        pooled = {n.node.node_id for n in pool}
        return [NodeWithScore(node=n, score=0.0) for n in extra if n.node_id not in pooled]


def _rank_key(c: Candidate | None) -> tuple[bool, float]:
    return (False, float("-inf")) if c is None else (c.answers, c.score)
