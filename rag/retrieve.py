"""Retrieve: question -> ranked chunks, hybrid (Chroma vectors + BM25 over jieba terms), fused.

LlamaIndex's `BM25Retriever` tokenizes with an English regex, which sees a whole Chinese sentence
as one word. `JiebaBM25Retriever` feeds it the jieba terms of each chunk's search key (stored in
Chroma at ingest, so loading needs no segmentation) and segments the question the same way. Both
retrievers are fused by reciprocal rank (`QueryFusionRetriever`, no LLM).
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

from rag.clean import search_key
from rag.index import Store
from rag.places import places_of_kind
from rag.terms import terms

MAX_FACETS = 4
FACET_EXTRA = 3


MAX_ANALYSED = 40
"""Words of a query worth the answerer's analysis (which scans the chunks once a word)."""


class JiebaBM25Retriever(BM25Retriever):
    """BM25 whose tokens are jieba terms of the Simplified search key."""

    def __init__(
        self, nodes: list[BaseNode], similarity_top_k: int, chunk_keys: list[str] | None = None
    ) -> None:
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
        self._chunk_keys = chunk_keys
        self._vocabulary = frozenset(w for n in term_nodes for w in n.get_content().split())

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        words = terms(query_bundle.query_str)
        # and what the answerer looks for (规模以上 whole); not for the place query of a question
        # asking a kind of place (its words are terms and place names already, hundreds of them)
        if self._chunk_keys is not None and len(words) <= MAX_ANALYSED:
            from rag.question import analyse

            asked = analyse(query_bundle.query_str, self._chunk_keys)[0].terms
            words += [w for w in asked if w not in words]
        query = " ".join(expand(words, self._vocabulary))
        if not query:
            return []
        hits = super()._retrieve(QueryBundle(query_str=query))
        return [
            NodeWithScore(node=self._by_id[h.node.node_id], score=h.score)
            for h in hits
            if (h.score or 0) > 0
        ]


def expand(words: list[str], vocabulary: frozenset[str]) -> list[str]:
    """Question words, each the text never uses replaced by its forms and synonyms that it
    does use (`吸走` -> `虹吸`) or else by the dictionary words inside it (`服装行业` -> `服装`
    `行业`): a chunk's tokens are whole jieba words, so an absent word would find nothing."""
    from rag.question import forms
    from rag.terms import _jieba

    out: list[str] = []
    for word in words:
        if word in vocabulary:
            out.append(word)
            continue
        known = [f for f in forms(word) if f in vocabulary]
        if not known and len(word) > 2:
            known = [w for w in _jieba().lcut_for_search(word) if len(w) > 1 and w in vocabulary]
        out += known or [word]
    return out


MAX_PLACE_NAMES = 1000
"""A question asking a kind of place also searches for the places of that kind (a province's
cities, the world's countries), unless nearly every place is one: `哪些地区` would search for
all 3,500 known places."""


class FacetFusionRetriever(QueryFusionRetriever):
    """Reciprocal-rank fusion over the question and each of its facets (deterministic query
    generation: the base class would ask an LLM for rephrasings)."""

    def __init__(self, retrievers: list[Any], chunk_keys: list[str], top_k: int) -> None:
        super().__init__(
            retrievers,
            llm=MockLLM(),  # never called: `_get_queries` is ours; keeps Settings.llm out
            mode=FUSION_MODES.RECIPROCAL_RANK,
            similarity_top_k=top_k,
            num_queries=2 + MAX_FACETS,
            use_async=False,
        )
        self._chunk_keys = chunk_keys

    def _get_queries(self, original_query: str) -> list[QueryBundle]:
        from rag.question import analyse, facets

        query, _ = analyse(original_query, self._chunk_keys)
        queries = [QueryBundle(text) for text, _ in facets(query)[:MAX_FACETS]]
        if query.asks_place:  # `哪个县级市…`: passages naming such a place, with the rest asked
            named = places_of_kind(query.asks_place, query.places)
            if len(named) <= MAX_PLACE_NAMES:  # `哪些地区`: every place is one; no such query
                content = [t for t in query.terms if t not in query.places]
                queries.append(QueryBundle(" ".join(content + named)))
        return queries

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        queries = [query_bundle, *self._get_queries(query_bundle.query_str)]
        # Vectors for the whole question only, words for it and each facet: a model embeds a
        # question in 15-20 ms on 2 cores, so one call per question is the budget (vectors for
        # each facet too found no more answers on the outside corpora).
        vector, *lexical = self._retrievers
        results = {}
        for query in queries:  # words first: the question's vector may still be on its way
            for i, retriever in enumerate(lexical, 1):
                results[(query.query_str, i)] = retriever.retrieve(query)
        results[(query_bundle.query_str, 0)] = vector.retrieve(query_bundle)
        fused = self._reciprocal_rerank_fusion(results)
        # each facet brings its own best passages: the pool grows with the parts asked
        return fused[: self.similarity_top_k + FACET_EXTRA * (len(queries) - 1)]


def stored_nodes(store: Store) -> list[BaseNode]:
    """Every chunk of the store as the node `ChromaVectorStore.query` would return."""
    return [metadata_dict_to_node(meta, text=text or "") for _, text, meta in store.chunk_records()]


def build_retriever(
    store: Store,
    embedder: BaseEmbedding,
    nodes: list[BaseNode],
    top_k: int,
    chunk_keys: list[str] | None = None,
) -> QueryFusionRetriever:
    """Hybrid retriever over the store; `nodes` are its chunks (for BM25)."""
    depth = max(top_k * 2, 10)
    vector = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=embedder)
    retrievers: list[Any] = [vector.as_retriever(similarity_top_k=depth)]
    keys = chunk_keys if chunk_keys is not None else [search_key(n.get_content()) for n in nodes]
    if nodes:
        retrievers.append(JiebaBM25Retriever(nodes, min(depth, len(nodes)), keys))
    return FacetFusionRetriever(retrievers, keys, top_k)
