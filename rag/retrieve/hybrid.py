"""Retrieve: question -> ranked chunks, hybrid (Chroma vectors + BM25 over jieba terms), fused.

LlamaIndex's `BM25Retriever` tokenizes with an English regex, which sees a whole Chinese sentence
as one word. `JiebaBM25Retriever` searches BM25 over the jieba terms of each chunk's search key,
built at ingest and loaded with the lexical index (`rag.ingest.lexical`: loading neither segments
nor indexes anything), and segments the question the same way. Both retrievers are fused by
reciprocal rank over chunk ids (`fuse`) by `FacetFusionRetriever`, a plain `BaseRetriever`:
LlamaIndex's `QueryFusionRetriever` would ask an LLM for rephrasings; the queries here are the
question's own facets (`facet_queries`), found by rule.
"""

from __future__ import annotations

from collections.abc import Container

from llama_index.core import VectorStoreIndex
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.retrievers.bm25 import BM25Retriever
from pydantic import Field

from rag.ingest.keyindex import KeyIndex
from rag.ingest.lexical import Lexical
from rag.ingest.store import Store
from rag.text.places import places_of_kind
from rag.text.terms import terms

MAX_FACETS = 4
FACET_EXTRA = 3


MAX_ANALYSED = 40
"""Words of a query worth the answerer's analysis (a place query of a question asking a kind
of place holds hundreds of place names, all terms already)."""


class JiebaBM25Retriever(BM25Retriever):
    """BM25 whose tokens are jieba terms of the Simplified search key, over the lexical index
    built at ingest (`rag.ingest.lexical`): nothing is tokenized or indexed at open."""

    def __init__(self, lexical: Lexical, similarity_top_k: int) -> None:
        super().__init__(
            existing_bm25=lexical.bm25,
            similarity_top_k=max(1, min(similarity_top_k, len(lexical))),
            skip_stemming=True,
            token_pattern=r"\S+",
        )
        self._lexical = lexical
        self._vocabulary = lexical.bm25.vocab_dict

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        import bm25s

        words = terms(query_bundle.query_str)
        # and what the answerer looks for (规模以上 whole); not for the place query of a question
        # asking a kind of place (its words are terms and place names already, hundreds of them)
        if len(words) <= MAX_ANALYSED:
            from rag.question.analysis import analyse

            asked = analyse(query_bundle.query_str, self._lexical.keys)[0].terms
            words += [w for w in asked if w not in words]
        query = " ".join(expand(words, self._vocabulary))
        if not query or not len(self._lexical):
            return []
        tokens = bm25s.tokenize(
            query, stemmer=None, token_pattern=self.token_pattern, show_progress=False
        )
        found, scores = self.bm25.retrieve(tokens, k=self.similarity_top_k, show_progress=False)
        return [
            NodeWithScore(node=self._lexical.node(int(i)), score=float(score))
            for i, score in zip(found[0], scores[0], strict=True)
            if score > 0
        ]


def expand(words: list[str], vocabulary: Container[str]) -> list[str]:
    """Question words, each the text never uses replaced by its forms and synonyms that it
    does use (`吸走` -> `虹吸`) or else by the dictionary words inside it (`服装行业` -> `服装`
    `行业`): a chunk's tokens are whole jieba words, so an absent word would find nothing."""
    from rag.question.words import forms
    from rag.text.terms import _jieba

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


def facet_queries(question: str, keys: KeyIndex) -> list[QueryBundle]:
    """The queries searched beside the question: each of its facets (`rag.question.analysis`),
    and for a question asking a kind of place (`哪个县级市…`) the places of that kind with the
    rest of what is asked."""
    from rag.question.analysis import analyse, facets

    query, _ = analyse(question, keys)
    queries = [QueryBundle(text) for text, _ in facets(query)[:MAX_FACETS]]
    if query.asks_place:
        named = places_of_kind(query.asks_place, query.places)
        if len(named) <= MAX_PLACE_NAMES:  # `哪些地区`: every place is one; no such query
            content = [t for t in query.terms if t not in query.places]
            queries.append(QueryBundle(" ".join(content + named)))
    return queries


class FacetFusionRetriever(BaseRetriever):
    """Reciprocal-rank fusion over the question and each of its facets: words (BM25) for each
    query, the vector retriever for the whole question."""

    def __init__(self, retrievers: list[BaseRetriever], keys: KeyIndex, top_k: int) -> None:
        super().__init__()
        self._retrievers = retrievers
        self._keys = keys
        self.similarity_top_k = top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        queries = [query_bundle, *facet_queries(query_bundle.query_str, self._keys)]
        # Vectors for the whole question only, words for it and each facet: a model embeds a
        # question in 15-20 ms on 2 cores, so one call per question is the budget (vectors for
        # each facet too found no more answers on the outside corpora).
        vector, *lexical = self._retrievers
        results: list[list[NodeWithScore]] = []
        for query in queries:  # words first: the question's vector may still be on its way
            for retriever in lexical:
                results.append(retriever.retrieve(query))
        results.append(vector.retrieve(query_bundle))
        fused = fuse(results)
        # each facet brings its own best passages: the pool grows with the parts asked
        return fused[: self.similarity_top_k + FACET_EXTRA * (len(queries) - 1)]


RRF_K = 60.0
"""Reciprocal rank fusion's constant (Cormack et al. 2009; LlamaIndex's too)."""


def fuse(results: list[list[NodeWithScore]]) -> list[NodeWithScore]:
    """Reciprocal rank fusion by chunk id (a chunk found by BM25 and by the vectors is one,
    though the two nodes differ in the metadata they carry): each list ranked by score, each
    chunk scored the sum of 1 / (rank + `RRF_K`); ties keep the order chunks were first seen."""
    fused: dict[str, float] = {}
    node: dict[str, NodeWithScore] = {}
    for found in results:
        for rank, hit in enumerate(sorted(found, key=lambda x: x.score or 0.0, reverse=True)):
            node[hit.node.node_id] = hit
            fused[hit.node.node_id] = fused.get(hit.node.node_id, 0.0) + 1.0 / (rank + RRF_K)
    ranked = sorted(fused.items(), key=lambda x: x[1], reverse=True)
    return [NodeWithScore(node=node[i].node, score=score) for i, score in ranked]


def build_retriever(
    store: Store, embedder: BaseEmbedding, lexical: Lexical, top_k: int
) -> FacetFusionRetriever:
    """Hybrid retriever: Chroma's vectors and BM25 over the lexical index."""
    depth = max(top_k * 2, 10)
    vector = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=embedder)
    retrievers: list[BaseRetriever] = [vector.as_retriever(similarity_top_k=depth)]
    if len(lexical):
        retrievers.append(JiebaBM25Retriever(lexical, depth))
    return FacetFusionRetriever(retrievers, lexical.keys, top_k)


class CurrentChunksOnly(BaseNodePostprocessor):
    """Drops chunks whose document hash is not the document's current one (left by a crash)."""

    current: dict[str, str] = Field(default_factory=dict)

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        return [
            n
            for n in nodes
            if self.current.get(n.node.ref_doc_id or "") == n.node.metadata.get("doc_sha")
        ]
