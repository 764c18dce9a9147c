"""Hybrid retrieval on the seed index: the chunk holding the fact ranks in the top 5, in either
script; jieba terms let BM25 find Chinese words inside unbroken runs of characters."""

from __future__ import annotations

import pytest
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.retrievers.bm25 import BM25Retriever

from rag.retrieve.hybrid import JiebaBM25Retriever
from rag.text.script import search_key

TOP = 5

# (question, gold document, the fact as the document writes it)
CASES = [
    pytest.param(
        "2024年苏州人工智能产业营收是多少？", "003_3d025acabf282a01", "2300億元", id="003-revenue"
    ),
    pytest.param(
        "蘇州2024年人工智能產業營收有多少？",
        "003_3d025acabf282a01",
        "2300億元",
        id="003-revenue-trad",
    ),
    pytest.param(
        "苏州培育了多少个市级创新联合体？",
        "000_c6996910d4f2c89e",
        "市级创新联合体 49 个",
        id="000-innovation-unions",
    ),
    pytest.param(
        "苏州有多少家“灯塔工厂”，在全国排第几？",
        "001_a0608a47650a8552",
        "“灯塔工厂”7家",
        id="001-lighthouse-factories",
    ),
    pytest.param(
        "北京布局的人工智能核心企业有多少家？",
        "001_a0608a47650a8552",
        "超过1000家",
        id="001-beijing-core-firms",
    ),
    pytest.param(
        "苏州发布的2025年人工智能应用场景需求清单一共有多少项需求？",
        "002_a7b8a9a024a229d9",
        "66项场景需求",
        id="002-scene-demands",
    ),
    pytest.param(
        "苏州现有的总算力规模是多少？", "003_3d025acabf282a01", "14000P", id="003-compute"
    ),
    pytest.param(
        "思必馳是哪一年在蘇州成立的？",
        "003_3d025acabf282a01",
        "2007年,思必馳在蘇州成立",
        id="003-aispeech-trad",
    ),
    pytest.param(
        "亨通光纖光棒工廠導入人工智能後，不良率降低了多少？",
        "003_3d025acabf282a01",
        "不良率降低了52%",
        id="003-hengtong-trad",
    ),
    pytest.param(
        "致公黨建議蘇州借鑒上海的哪個平台來推動企業對接？",
        "001_a0608a47650a8552",
        "模速空间",
        id="001-modelspeed-trad",
    ),
    pytest.param(
        "2021年苏州聚集了多少家人工智能企业？",
        "004_824b80c9b0660ca9",
        "企业超 1000 家",
        id="004-firms-2021",
    ),
    pytest.param(
        "太湖智庫的報告建議打造的工業智能大模型叫什麼名字？",
        "000_c6996910d4f2c89e",
        "苏智云",
        id="000-suzhiyun-trad",
    ),
    pytest.param(
        "杭州人工智能授權專利有多少件？",
        "004_824b80c9b0660ca9",
        "25906",
        id="004-hangzhou-patents-trad",
    ),
]


def retrieve(engine, question: str) -> list[NodeWithScore]:
    from rag.pipeline import retrieve as retrieve_and_rerank

    return retrieve_and_rerank(engine, QueryBundle(question))


def fact_rank(hits: list[NodeWithScore], doc_id: str, fact: str) -> int | None:
    for rank, hit in enumerate(hits):
        if hit.node.ref_doc_id == doc_id and fact in hit.node.get_content():
            return rank
    return None


@pytest.mark.parametrize(("question", "doc_id", "fact"), CASES)
def test_fact_chunk_is_in_the_top_5(seed_engine, question: str, doc_id: str, fact: str) -> None:
    assert fact in seed_engine.docs[doc_id].text  # the case itself is right
    hits = retrieve(seed_engine, question)
    rank = fact_rank(hits, doc_id, fact)
    assert rank is not None and rank < TOP, [h.node.get_content()[:40] for h in hits[:TOP]]


def test_traditional_and_simplified_questions_find_the_same_chunks(seed_engine) -> None:
    simplified = retrieve(seed_engine, "苏州现有的总算力规模是多少？")
    traditional = retrieve(seed_engine, "蘇州現有的總算力規模是多少？")
    assert [h.node.node_id for h in simplified] == [h.node.node_id for h in traditional]


def test_retriever_returns_top_k_chunks(seed_engine) -> None:
    hits = retrieve(seed_engine, "苏州人工智能产业")
    assert len(hits) == seed_engine.settings.top_k


def test_retrieved_chunks_are_of_current_documents(seed_engine) -> None:
    for hit in retrieve(seed_engine, "苏州人工智能产业规模"):
        doc = seed_engine.docs[hit.node.ref_doc_id]
        assert hit.node.metadata["doc_sha"] == doc.sha
        start, end = hit.node.metadata["start"], hit.node.metadata["end"]
        assert doc.text[start:end] == hit.node.get_content()


# ------------------------------------------------------------------------------------------ BM25

WORD = "营收"  # inside "苏州市人工智能产业实现营收超2300亿元": no space or punctuation around it


@pytest.fixture(scope="module")
def lexical(seed_engine):
    return seed_engine.lexical


@pytest.fixture(scope="module")
def nodes(lexical):
    return [lexical.node(i) for i in range(len(lexical))]


def contains(hit: NodeWithScore, word: str) -> bool:
    return search_key(word) in search_key(hit.node.get_content())


def test_default_bm25_misses_a_word_inside_a_run_of_characters(nodes) -> None:
    plain = [TextNode(id_=n.node_id, text=n.get_content()) for n in nodes]
    hits = BM25Retriever.from_defaults(nodes=plain, similarity_top_k=5).retrieve(WORD)
    assert not any((h.score or 0) > 0 and contains(h, WORD) for h in hits)


def test_jieba_bm25_finds_a_word_inside_a_run_of_characters(lexical) -> None:
    hits = JiebaBM25Retriever(lexical, similarity_top_k=5).retrieve(WORD)
    assert hits and all((h.score or 0) > 0 for h in hits)
    assert contains(hits[0], WORD)


def test_jieba_bm25_matches_a_traditional_passage_from_a_simplified_word(lexical) -> None:
    hits = JiebaBM25Retriever(lexical, similarity_top_k=10).retrieve(WORD)
    assert any(
        h.node.ref_doc_id == "003_3d025acabf282a01" and "營收" in h.node.get_content() for h in hits
    )


def test_jieba_bm25_returns_nothing_for_a_question_without_terms(lexical) -> None:
    assert JiebaBM25Retriever(lexical, similarity_top_k=5).retrieve("什么？") == []


# -------------------------------------------------------------------------------------- rerank


def test_reranking_reorders_the_fused_pool_without_dropping_a_chunk(seed_engine) -> None:
    question = "苏州人工智能领域的规模以上企业有多少家？"
    fused = seed_engine.retriever.retrieve(QueryBundle(question))
    reranked = retrieve(seed_engine, question)
    assert sorted(h.node.node_id for h in fused) == sorted(h.node.node_id for h in reranked)
    assert [h.node.node_id for h in fused] != [h.node.node_id for h in reranked]


def test_the_chunk_answering_the_question_is_in_the_top_two_after_reranking(seed_engine) -> None:
    # fused alone it comes fourth, behind chunks repeating 苏州/人工智能/规模
    hits = retrieve(seed_engine, "苏州人工智能领域的规模以上企业有多少家？")
    assert fact_rank(hits, "000_c6996910d4f2c89e", "规上企业 378 家") < 2


def test_each_year_asked_gets_its_answering_chunk_near_the_top(seed_engine) -> None:
    hits = retrieve(seed_engine, "2021年和2024年苏州分别有多少家人工智能企业？")
    assert fact_rank(hits, "004_824b80c9b0660ca9", "企业超 1000 家") < 3
    assert fact_rank(hits, "003_3d025acabf282a01", "超2100家") < 3


def pooled(engine, question: str) -> list[str]:
    """The chunks retrieval fuses, before reranking."""
    return [h.node.get_content() for h in engine.retriever.retrieve(QueryBundle(question))]


def test_a_named_document_brings_its_end_matter_into_the_pool_first(seed_engine) -> None:
    # `单位` and `作者` are not words of the author line `温晓静 张逸风 李岚（吴江区社科联）`
    question = "推动苏州人工智能产业发展对策建议的作者来自哪个单位？"
    assert not any("吴江区社科联" in text for text in pooled(seed_engine, question))
    hits = retrieve(seed_engine, question)
    assert fact_rank(hits, "000_c6996910d4f2c89e", "吴江区社科联") == 0


def test_a_question_naming_no_document_gets_no_frame_chunks(seed_engine) -> None:
    question = "苏州人工智能领域的规模以上企业有多少家？"
    assert len(retrieve(seed_engine, question)) == len(pooled(seed_engine, question))


def test_the_items_a_leading_passage_introduces_follow_it(seed_engine) -> None:
    question = "吴庆文市长提出推进人工智能赋能新型工业化先导区建设要从哪三方面着力？"
    items = ["夯实智算基础设施", "强化核心要素支撑", "加快场景开放创新"]
    assert not all(any(i in text for text in pooled(seed_engine, question)) for i in items)
    hits = retrieve(seed_engine, question)
    assert "从三个方面着力" in hits[0].node.get_content()
    for item in items:
        rank = fact_rank(hits, "002_a7b8a9a024a229d9", item)
        assert rank is not None and rank < 4, item
