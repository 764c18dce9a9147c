"""Answer and cite: tiny cases, one behaviour each, on hand-built documents (no index)."""

from __future__ import annotations

import pytest

from rag.answer.cite import CANNOT_ANSWER, MARKER, make_citation, marker
from rag.answer.extractive import extract
from rag.errors import UserError
from rag.ingest.chunk import chunk_document
from rag.ingest.readers import make_doc
from rag.pipeline import validate_question
from rag.settings import Settings
from rag.text.script import in_script, is_traditional, search_key
from rag.types import SourceDoc

SIMPLIFIED_RAW = (
    "苏州人工智能报告\n2024年，苏州市人工智能产业实现营收超2300亿元。\n苏州现有总算力规模14000P。"
)
TRADITIONAL_RAW = "蘇州報告\n2024年,蘇州市人工智能產業實現營收超2300億元。"
REVENUE = "2024年苏州人工智能产业营收是多少？"
REVENUE_TRADITIONAL = "2024年蘇州人工智能產業營收是多少？"
REFUSAL_TRADITIONAL = in_script(CANNOT_ANSWER, True)


def doc(raw: str = SIMPLIFIED_RAW, doc_id: str = "d1") -> SourceDoc:
    return make_doc(doc_id, raw, {"date": "2025-02"})


def answer(question: str, *docs: SourceDoc):
    docs = docs or (doc(),)
    chunks = [(c, d) for d in docs for c in chunk_document(d, 160)]
    keys = [search_key(c.text) for c, _ in chunks]
    return extract(question, chunks, keys, list(docs))


# ------------------------------------------------------------------------------------- refusals


def test_question_without_terms_gets_the_refusal() -> None:
    assert answer("什么？") == (CANNOT_ANSWER, [])


def test_traditional_question_without_terms_gets_the_traditional_refusal() -> None:
    assert answer("請問是什麼？") == (REFUSAL_TRADITIONAL, [])


def test_traditional_refusal_is_in_traditional_script() -> None:
    assert REFUSAL_TRADITIONAL != CANNOT_ANSWER
    assert is_traditional(REFUSAL_TRADITIONAL)


def test_question_about_a_missing_fact_gets_the_refusal() -> None:
    assert answer("苏州2024年GDP是多少？") == (CANNOT_ANSWER, [])


def test_traditional_question_about_a_missing_fact_gets_the_traditional_refusal() -> None:
    assert answer("蘇州2024年GDP是多少？") == (REFUSAL_TRADITIONAL, [])


def test_question_with_no_retrieved_chunks_gets_the_refusal() -> None:
    assert extract(REVENUE, [], []) == (CANNOT_ANSWER, [])


def test_question_about_another_year_gets_the_refusal() -> None:
    assert answer("2022年苏州人工智能产业营收是多少？") == (CANNOT_ANSWER, [])


# ------------------------------------------------------------------------------------- answers


def test_answerable_question_cites_the_fact() -> None:
    text, citations = answer(REVENUE)
    assert len(citations) == 1
    assert "2300" in citations[0].quote and "2300" in text


def test_citation_quote_is_the_exact_slice_of_the_document() -> None:
    d = doc()
    _, citations = answer(REVENUE, d)
    assert [c.quote for c in citations] == [d.text[c.start : c.end] for c in citations]


def test_citation_carries_document_id_title_date_and_hash() -> None:
    d = doc()
    (citation,) = answer(REVENUE, d)[1]
    assert (citation.doc_id, citation.title, citation.date, citation.doc_sha) == (
        d.doc_id,
        d.meta.title,
        d.meta.date,
        d.sha,
    )


def test_answer_shows_each_citation_marker() -> None:
    text, citations = answer(REVENUE)
    shown = [int(m) for m in MARKER.findall(text)]
    assert sorted(set(shown)) == [c.n for c in citations]  # the short answer cites its quote


def test_answer_contains_the_quote_verbatim() -> None:
    text, citations = answer(REVENUE)
    assert all(c.quote in text for c in citations)


def test_traditional_question_finds_a_simplified_passage() -> None:
    _, citations = answer(REVENUE_TRADITIONAL)
    assert [c.quote for c in citations] == ["2024年，苏州市人工智能产业实现营收超2300亿元。"]


def test_quote_stays_in_the_document_script_for_a_traditional_question() -> None:
    text, citations = answer(REVENUE_TRADITIONAL)
    assert "苏州市人工智能产业实现营收超2300亿元" in text  # not converted to Traditional
    assert not is_traditional(citations[0].quote)


def test_simplified_question_finds_a_traditional_passage_and_quotes_it_verbatim() -> None:
    d = doc(TRADITIONAL_RAW, "d2")
    _, citations = answer(REVENUE, d)
    assert [c.quote for c in citations] == ["2024年,蘇州市人工智能產業實現營收超2300億元。"]
    assert citations[0].quote == d.text[citations[0].start : citations[0].end]


def test_citations_are_numbered_from_one() -> None:
    a, b = doc(doc_id="a"), doc(TRADITIONAL_RAW, "b")
    _, citations = answer(REVENUE, a, b)
    assert [c.n for c in citations] == list(range(1, len(citations) + 1))


@pytest.mark.parametrize(
    ("doc_id", "question"),
    [
        ("000_c6996910d4f2c89e", "苏州培育了多少个市级创新联合体？"),
        ("001_a0608a47650a8552", "苏州有多少家“灯塔工厂”？"),
        ("002_a7b8a9a024a229d9", "苏州发布的人工智能应用场景需求清单一共有多少项需求？"),
        ("003_3d025acabf282a01", "蘇州現有總算力規模是多少？"),
        ("004_824b80c9b0660ca9", "2021年苏州聚集了多少家人工智能企业？"),
    ],
    ids=["000", "001", "002", "003", "004"],
)
def test_every_seed_citation_quote_is_the_exact_slice(
    seed_docs, doc_id: str, question: str
) -> None:
    d = seed_docs[doc_id]
    _, citations = answer(question, d)
    assert citations, "expected an answer from the gold document"
    for c in citations:
        assert c.quote == d.text[c.start : c.end]


# ------------------------------------------------------------------------------------ citations


def test_make_citation_quotes_the_span() -> None:
    d = doc()
    assert make_citation(1, d, 0, 8).quote == d.text[0:8]


@pytest.mark.parametrize(("start", "end"), [(5, 5), (0, 10**6), (10**6, 10**6 + 3)])
def test_make_citation_refuses_a_span_outside_the_text(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        make_citation(1, doc(), start, end)


def test_marker_format_is_parsed_back() -> None:
    assert MARKER.findall(f"第一句{marker(1)}第二句{marker(12)}") == ["1", "12"]


@pytest.mark.parametrize(
    ("text", "traditional"),
    [("蘇州是什麼？", True), ("苏州是什么？", False), ("GDP?", False), ("2024年", False)],
    ids=["traditional", "simplified", "latin", "year"],
)
def test_is_traditional(text: str, traditional: bool) -> None:
    assert is_traditional(text) is traditional


# ------------------------------------------------------------------------------------ questions


@pytest.mark.parametrize(
    "question", ["", "   ", "\n\t", "\u200b"], ids=["empty", "spaces", "controls", "zero-width"]
)
def test_empty_question_is_a_user_error(question: str) -> None:
    with pytest.raises(UserError, match="empty question"):
        validate_question(question, Settings())


def test_overlong_question_is_a_user_error() -> None:
    with pytest.raises(UserError, match="too long"):
        validate_question("苏" * 21, Settings(max_question_chars=20))


def test_question_whitespace_and_control_characters_collapse_to_single_spaces() -> None:
    assert validate_question(" 苏州\n人工智能\t营收\x00？ ", Settings()) == "苏州 人工智能 营收 ？"


# ------------------------------------------------------------------------- places, units, lists

COMPARISON_RAW = (
    "苏州杭州对比\n一、苏州的优势\n苏州现有上市企业11家。\n二、与杭州的差距\n"
    "近几年，杭州发展动力强劲。现有上市企业43家，授权专利25906件。\n"
)
LIST_RAW = (
    "苏州报告\n苏州市将重点从三个方面着力，推进先导区建设。一是夯实智算基础设施。加快融入算力网。"
    "二是强化核心要素支撑。建设应用基地。三是加快场景开放创新。发布场景清单。\n"
)


def test_a_figure_of_the_place_named_by_its_paragraph_answers_for_that_place() -> None:
    text, cits = answer("杭州有多少家上市企业？", doc(COMPARISON_RAW))
    assert [c.quote for c in cits] == ["现有上市企业43家，授权专利25906件。"]


def test_a_figure_of_another_place_is_not_an_answer() -> None:
    assert answer("苏州的授权专利有多少件？", doc(COMPARISON_RAW)) == (CANNOT_ANSWER, [])


def test_a_figure_of_another_unit_is_not_an_answer() -> None:
    assert answer("苏州有多少个算力项目？") == (CANNOT_ANSWER, [])


def test_each_place_asked_together_gets_its_own_sentence() -> None:
    _, cits = answer("苏州和杭州的上市企业各有多少家？", doc(COMPARISON_RAW))
    hangzhou = "现有上市企业43家，授权专利25906件。"
    assert {c.quote for c in cits} == {"苏州现有上市企业11家。", hangzhou}


def test_a_list_question_gets_the_items_its_best_sentence_introduces() -> None:
    _, cits = answer("苏州要从哪三方面着力推进先导区建设？", doc(LIST_RAW))
    quotes = [c.quote for c in cits]
    items = ["一是夯实智算基础设施。", "二是强化核心要素支撑。", "三是加快场景开放创新。"]
    assert quotes[1:] == items


COUNTS_RAW = (
    "苏州报告\n2024年，苏州市人工智能产业实现营收超2300亿元，聚集核心企业近700家。\n"
    "其中，有上市企业32家。\n"
)
PARTNER_RAW = (
    "苏州人工智能对策\n苏州人工智能要开拓国际合作路径，寻找国际合作的突破口。\n"
    "苏州和新加坡在人工智能上已建立深度合作。\n"
)


def test_a_clause_is_not_answered_by_a_sentence_lacking_its_own_words() -> None:
    _, cits = answer("苏州2024年人工智能产业营收有多少？上市企业有几家？", doc(COUNTS_RAW))
    assert "其中，有上市企业32家。" in [c.quote for c in cits]


def test_a_which_country_question_needs_a_sentence_naming_a_country() -> None:
    _, cits = answer("苏州在人工智能上跟哪个国家加深合作？", doc(PARTNER_RAW))
    assert [c.quote for c in cits] == ["苏州和新加坡在人工智能上已建立深度合作。"]


def test_a_title_question_about_a_named_issuer_is_answered_by_the_title_line() -> None:
    article = make_doc(
        "d2",
        "中国最强地级市\n正文。苏州人工智能营收超2300亿元。\n",
        {"title": "中国最强地级市", "issuer": "正解局（网易号）", "date": "2025-02"},
    )
    _, cits = answer("正解局那篇介绍苏州人工智能的文章，标题是什么？", article)
    assert cits and cits[0].quote == "中国最强地级市"


def test_a_document_described_by_its_claim_answers_who_wrote_it() -> None:
    article = make_doc(
        "d3",
        "中国最强地级市\n2024年，苏州人工智能营收超2300亿元。\n正解局梳理后发现，苏州布局早。\n",
        {"title": "中国最强地级市", "issuer": "正解局（网易号）", "date": "2025-02"},
    )
    _, cits = answer("说苏州2024年人工智能营收超过2300亿元的那篇文章是谁梳理的？", article)
    assert [c.quote for c in cits] == ["正解局梳理后发现，苏州布局早。"]
