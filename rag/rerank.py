"""Rerank: the fused chunks reordered by how well their sentences answer the question.

Reciprocal-rank fusion ranks chunks by word overlap and n-gram vectors; the chunk holding the
answer often comes fourth or ninth behind chunks that repeat the question's common words. The
answerer's sentence scorer (`rag.evidence`) knows more: units, years, places, synonyms. Like a
cross-encoder reranker, but lexical and offline, `EvidenceReranker` scores every sentence of the
retrieved pool against the question and each of its facets, then puts first, for each of them
in turn, the chunk with its best answering sentence (so a question asking about 2021 and 2024
gets one chunk for each near the top), then the rest by their best sentence. Ties keep the
fusion order. The pool itself is unchanged: reranking never drops a chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle
from pydantic import PrivateAttr

from rag.evidence import key_of, score_sentence
from rag.question import analyse, facets
from rag.types import SourceDoc


class EvidenceReranker(BaseNodePostprocessor):
    """Reorders chunks: each part's best answering chunk first, then by best sentence score."""

    _docs: dict[str, SourceDoc] = PrivateAttr(default_factory=dict)
    _chunk_keys: list[str] = PrivateAttr(default_factory=list)

    def __init__(self, docs: dict[str, SourceDoc], chunk_keys: Sequence[str]) -> None:
        super().__init__()
        self._docs = docs
        self._chunk_keys = list(chunk_keys)

    @classmethod
    def class_name(cls) -> str:
        return "EvidenceReranker"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        if query_bundle is None or len(nodes) < 2:
            return nodes
        from rag.index import chunk_from_node

        query, weights = analyse(query_bundle.query_str, self._chunk_keys)
        if not query.terms:
            return nodes
        parts = [(query, weights)] + [analyse(text, self._chunk_keys) for text, _ in facets(query)]
        # best[i][p]: (answers, score) of chunk i's best sentence for part p
        best: list[list[tuple[bool, float]]] = []
        for rank, n in enumerate(nodes):
            doc = self._docs.get(n.node.ref_doc_id or "")
            if doc is None:
                best.append([(False, float("-inf"))] * len(parts))
                continue
            chunk = chunk_from_node(
                n.node.node_id, n.node.get_content(), n.node.metadata, doc.doc_id
            )
            chunk_key = key_of(chunk.text)
            row = []
            for part, part_weights in parts:
                scored = [
                    score_sentence(
                        part, part_weights, doc, s.start, s.end, s.section, chunk_key, rank
                    )
                    for s in chunk.sentences
                ]
                row.append(max(((c.answers, c.score) for c in scored), default=(False, 0.0)))
            best.append(row)
        order: list[int] = []
        for p in range(len(parts)):  # each part's best answering chunk, in turn
            leader = max(range(len(nodes)), key=lambda i: (best[i][p], -i))
            if best[leader][p][0] and leader not in order:
                order.append(leader)
        rest = sorted(
            (i for i in range(len(nodes)) if i not in order),
            key=lambda i: (max(best[i]), -i),  # ties keep the fusion order
            reverse=True,
        )
        return [nodes[i] for i in order + rest]
