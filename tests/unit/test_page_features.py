"""What the page adds beside an answer: the figures table, the corpus line, the feedback rows,
the Chinese error lines."""

from __future__ import annotations

import pytest

from rag.errors import RagError, ServiceError, UserError, in_chinese
from rag.types import Citation, DocMeta, SourceDoc
from ui.features import corpus_line, differing_figures
from ui.feedback import feedback_row

NEW = Citation(
    1, "new", "新报告", "2025-02", "2024年，河畔城机器人产业营收超2300亿元，核心企业近700家", 0, 30
)
OLD = Citation(
    2, "old", "旧报告", "2024-10", "河畔城机器人产业营收达2100亿元，其中规上企业 378 家", 0, 28
)
SAME = Citation(3, "same", "又一报告", "2023-01", "河畔城机器人产业营收超2300亿元。", 0, 17)


def test_sources_of_different_dates_that_disagree_on_the_asked_figure_are_set_side_by_side() -> (
    None
):
    rows = differing_figures("河畔城机器人产业营收是多少？", [NEW, OLD])
    assert [(c.n, value) for c, value in rows] == [(1, "2300亿元"), (2, "2100亿元")]


def test_no_table_when_sources_agree_or_only_one_states_the_asked_quantity() -> None:
    assert differing_figures("河畔城机器人产业营收是多少？", [NEW, SAME]) == []  # both 2300亿
    # 700家 counts core firms, 378 家 counts规上 firms: only one source states the asked count
    assert differing_figures("河畔城有多少家规上企业？", [NEW, OLD]) == []
    assert differing_figures("河畔城机器人产业怎么样？", [NEW, OLD]) == []  # no figure asked


def test_the_corpus_line_says_how_many_documents_and_which_years() -> None:
    rows = [{"date": "2021-05"}, {"date": "2025"}, {"date": ""}]
    assert corpus_line(rows) == "知识库：3 份文档，2021–2025年"
    assert "为空" in corpus_line([])


DOC = SourceDoc("d1", DocMeta(title="河畔城报告"), "河畔城共有桥梁 12 座，其中石桥 5 座。", "sha")
ANSWER = {
    "question": "那石桥呢？",
    "standalone": "河畔城有多少座石桥？",
    "answer": "12 座[1]\n《河畔城报告》：河畔城共有桥梁 12 座，其中石桥 5 座。[1]",
    "short": {"text": "12 座", "n": 1, "start": 7, "end": 11},
    "citations": [{"n": 1, "doc_id": "d1", "quote": DOC.text}],
    "index": {"id": "rag-0"},
}


def test_a_thumbs_up_keeps_the_direct_answer_as_the_regression_test() -> None:
    row = feedback_row(ANSWER, True, [DOC])
    assert row["question"] == "河畔城有多少座石桥？"  # the follow-up as it was read
    assert row["must"] == [["12 座"]] and row["docs"] == ["d1"] and row["answerable"]
    assert row["id"].startswith("fb-") and row["category"] == "feedback"


def test_a_thumbs_up_on_parts_keeps_each_part_s_span_and_source() -> None:
    two = {"n": 2, "doc_id": "d2", "quote": "其中木桥 3 座。"}
    parts = [
        {"label": "石桥", "text": "5 座", "n": 1, "start": 17, "end": 20},
        {"label": "木桥", "text": "3 座", "n": 2, "start": 2, "end": 5},
    ]
    answer = ANSWER | {
        "citations": [*ANSWER["citations"], two],
        "short": {"text": "5 座；3 座", "n": 1, "start": 17, "end": 20, "parts": parts},
    }
    row = feedback_row(answer, True, [DOC])
    assert row["must"] == [["5 座"], ["3 座"]] and row["docs"] == ["d1", "d2"]


def test_a_correction_becomes_the_must_and_its_passage_finds_the_document() -> None:
    row = feedback_row(ANSWER, False, [DOC], right="5座", passage="其中石桥 5 座")
    assert row["must"] == [["5座"]] and row["docs"] == ["d1"] and row["verdict"] == "down"
    elsewhere = feedback_row(ANSWER, False, [DOC], right="5座", passage="别处抄来的一句话")
    assert elsewhere["docs"] == []
    refused = feedback_row(ANSWER, False, [DOC], not_in_docs=True)
    assert refused["answerable"] is False and refused["must"] == []
    with pytest.raises(UserError, match="right answer"):
        feedback_row(ANSWER, False, [DOC], right="  ")


def test_every_error_has_a_chinese_line_for_the_page() -> None:
    assert in_chinese(UserError("empty", zh="问题是空的")) == "问题是空的"
    assert in_chinese(UserError("bad input")).startswith("输入或设置有误")
    assert in_chinese(ServiceError("store down")).startswith("服务调用失败")
    assert in_chinese(RagError("x", zh="中文")) == "中文"
    assert "内部错误" in in_chinese(KeyError("k"))


def test_every_word_of_the_page_has_its_traditional_form_and_unknown_words_are_refused() -> None:
    from ui.words import WORDS, translations, word

    both = translations()
    assert len(both["zh-CN"]) == len(both["zh-TW"]) and len(WORDS) == len(set(WORDS))
    assert "發送" in both["zh-TW"].values() and "发送" in both["zh-CN"].values()
    with pytest.raises(KeyError):
        word("一个不在表里的词")
