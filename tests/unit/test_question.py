"""Question analysis and places: what a question asks for, and what a sentence is about."""

from __future__ import annotations

import pytest

from rag.places import lineage, places_in, subject_places, within
from rag.question import analyse, facets, forms, mentions

KEYS = ["苏州人工智能产业营收超2300亿元", "杭州上市企业43家", "规上企业378家", "智能计算中心15家"]


def query(question: str):
    return analyse(question, KEYS)[0]


# ------------------------------------------------------------------------------------- places


def test_a_district_lies_within_its_city_province_and_country() -> None:
    assert lineage("昆山") == ("昆山", "苏州", "江苏", "中国")


def test_a_city_is_not_within_its_district() -> None:
    assert within("昆山", "苏州")
    assert not within("苏州", "昆山")


def test_the_longest_place_name_wins() -> None:
    assert places_in("苏州工业园区和杭州") == {"苏州工业园区", "杭州"}


def test_words_that_look_like_places_are_not_places() -> None:
    assert places_in("企业上市和深度融合") == frozenset()


def test_a_sentence_naming_no_place_is_about_its_paragraphs_last_place() -> None:
    assert subject_places("苏州很好。近几年，杭州发展强劲。", "", "", "苏州") == {"杭州"}


def test_without_a_place_in_its_paragraph_a_sentence_is_about_its_section() -> None:
    assert subject_places("", "二、与杭州的差距", "苏州报告", "苏州") == {"杭州"}


def test_china_alone_names_no_subject_and_the_document_decides() -> None:
    assert subject_places("", "", "中国最强地级市", "苏州 苏州 杭州") == {"苏州"}


# ------------------------------------------------------------------------------------- question


def test_a_place_glued_to_a_noun_becomes_its_own_term() -> None:
    q = query("哪几家苏州企业上榜？")
    assert "苏州" in q.terms and "苏州" in q.places and "苏州企业" not in q.terms


def test_which_ones_is_a_list_question_not_a_figure_question() -> None:
    q = query("哪几家苏州企业上榜？")
    assert q.asks_list and not q.asks_figure


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("苏州有多少家上市企业？", "家"),
        ("有几个项目？", "个"),
        ("营收是多少？", "元"),
        ("规模多大？", ""),
    ],
)
def test_the_unit_a_figure_must_carry(question: str, unit: str) -> None:
    assert query(question).unit == unit


def test_short_and_full_forms_match_each_other() -> None:
    assert forms("ai") == ("ai", "人工智能")
    assert mentions("规模以上", "规上企业378家")


def test_a_full_form_stays_one_term() -> None:
    assert "规模以上" in query("规模以上企业有多少家？").terms


def test_prepositions_and_measure_words_are_not_terms() -> None:
    assert not {"由", "份"} & set(query("那份报告由谁主办？").terms)


def test_two_places_asked_together_give_one_facet_each() -> None:
    named = {word for _, word in facets(query("苏州和杭州的上市企业各有多少家？"))}
    assert {"苏州", "杭州"} <= named


def test_two_clauses_give_two_facets_each_with_the_questions_place() -> None:
    parts = [text for text, _ in facets(query("苏州营收多少？增长多少？"))]
    assert len(parts) == 2 and all("苏州" in p for p in parts)
