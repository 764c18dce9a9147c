"""Retrieve: question -> ranked chunks, hybrid (Chroma vectors + BM25 over jieba terms), fused.

LlamaIndex's `BM25Retriever` tokenizes with an English regex, which sees a whole Chinese sentence
as one word. `JiebaBM25Retriever` feeds it the jieba terms of each chunk's search key (stored in
Chroma at ingest, so loading needs no segmentation) and segments the question the same way. Both
retrievers are fused by reciprocal rank (`QueryFusionRetriever`, one query, no LLM).
"""

from __future__ import annotations

from typing import Any

from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
from llama_index.core.schema import BaseNode, NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node
from llama_index.retrievers.bm25 import BM25Retriever

from rag.index import Store
from rag.terms import terms


class JiebaBM25Retriever(BM25Retriever):
    """BM25 whose tokens are jieba terms of the Simplified search key."""

    def __init__(self, nodes: list[BaseNode], similarity_top_k: int) -> None:
        term_nodes: list[BaseNode] = [
            TextNode(id_=n.node_id, text=str(n.metadata.get("terms", ""))) for n in nodes
        ]
        super().__init__(
            nodes=term_nodes,
            similarity_top_k=similarity_top_k,
            skip_stemming=True,
            token_pattern=r"\S+",
            language=[],  # type: ignore[arg-type]  # no English stopword list
        )
        self._by_id = {n.node_id: n for n in nodes}

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        query = " ".join(terms(query_bundle.query_str))
        if not query:
            return []
        hits = super()._retrieve(QueryBundle(query_str=query))
        return [
            NodeWithScore(node=self._by_id[h.node.node_id], score=h.score)
            for h in hits
            if (h.score or 0) > 0
        ]


def stored_nodes(store: Store) -> list[BaseNode]:
    """Every chunk of the store as the node `ChromaVectorStore.query` would return."""
    return [metadata_dict_to_node(meta, text=text or "") for _, text, meta in store.chunk_records()]


def build_retriever(
    store: Store, embedder: BaseEmbedding, nodes: list[BaseNode], top_k: int
) -> QueryFusionRetriever:
    """Hybrid retriever over the store; `nodes` are its chunks (for BM25)."""
    depth = max(top_k * 2, 10)
    vector = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=embedder)
    retrievers: list[Any] = [vector.as_retriever(similarity_top_k=depth)]
    if nodes:
        retrievers.append(JiebaBM25Retriever(nodes, similarity_top_k=min(depth, len(nodes))))
    return QueryFusionRetriever(
        retrievers,
        llm=MockLLM(),  # never called with num_queries=1; keeps Settings.llm (OpenAI) out
        mode=FUSION_MODES.RECIPROCAL_RANK,
        similarity_top_k=top_k,
        num_queries=1,
        use_async=False,
    )
