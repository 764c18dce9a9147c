"""Corpus eval (eval/corpus.py): corpus rows -> eval rows, the removal sample, withheld facts.
Pure functions on tiny fixtures; the full run is gated in tests/integration/test_corpus_gate.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.corpus import (
    ANSWERABLE,
    REMOVED_GOLD,
    UNANSWERABLE,
    answerable_row,
    answered_by,
    corpus_rows,
    leaked,
    mark_leaks,
    removal_sample,
    removed_row,
    stable_rank,
    unanswerable_row,
)
from eval.score import fact_correct, key, retrieval_rank, score_row, summarize
from rag.errors import UserError

RAW = {
    "id": "c-1",
    "question": "2021年香港和澳门的GDP增长率",
    "answers": ["6.4%", "18%"],
    "match": "all",
    "answer_groups": [["6.4%"], ["18%", "百分之十八"]],
    "doc_ids": ["c-1-p0", "c-1-p1"],
}
REFUSE = {
    "id": "c-9",
    "question": "2021年宝马和奔驰的全球销量分别是多少？",
    "answers": [],
    "expected": "refuse",
    "withheld_answer_groups": [["2521525辆", "252万辆"], ["超过240万"]],
    "distractor_doc_ids": ["c-9-n0"],
}


def answer(text: str, answerable: bool = True) -> dict:
    return {"answer": text, "answerable": answerable, "citations": [], "hits": []}


def q(qid: str, must: list[list[str]], docs: list[str], also: list[str] | None = None) -> dict:
    return answerable_row(
        {"id": qid, "question": "?", "answer_groups": must, "doc_ids": docs}
        | {"answer_also_in": also or []}
    )


# ------------------------------------------------------------------------------ row conversion


def test_answerable_row_maps_groups_to_must_and_doc_ids_to_docs() -> None:
    row = answerable_row(RAW)
    assert row["must"] == [["6.4%"], ["18%", "百分之十八"]]
    assert row["docs"] == ["c-1-p0", "c-1-p1"]
    assert row["answerable"] is True and row["category"] == ANSWERABLE


def test_answerable_row_is_scored_by_score_row() -> None:
    row = answerable_row(RAW)
    assert fact_correct(row, answer("香港增长6.4%，澳门增长18%。"))
    assert not fact_correct(row, answer("香港增长6.4%。"))


def test_every_group_needs_one_alternative() -> None:
    assert fact_correct(answerable_row(RAW), answer("6.4%，百分之十八"))


def test_unanswerable_row_withholds_every_alternative() -> None:
    row = unanswerable_row(REFUSE)
    assert row["answerable"] is False and row["category"] == UNANSWERABLE
    assert row["must"] == [] and row["docs"] == []
    assert row["tempting"] == ["2521525辆", "252万辆", "超过240万"]


def test_removed_row_is_unanswerable_and_withholds_the_answer() -> None:
    row = removed_row(answerable_row(RAW))
    assert row["category"] == REMOVED_GOLD and row["answerable"] is False
    assert row["id"] != RAW["id"] and row["question"] == RAW["question"]
    assert row["tempting"] == ["6.4%", "18%", "百分之十八"]
    assert row["removed_doc_ids"] == RAW["doc_ids"]


def test_removed_row_has_no_retrieval_rank() -> None:
    assert retrieval_rank(removed_row(answerable_row(RAW)), answer("x"), {}) is None


def test_converted_rows_summarize_into_refusal_metrics() -> None:
    rows = [
        score_row(answerable_row(RAW), answer("6.4%，18%"), {}, 5.0),
        score_row(removed_row(answerable_row(RAW)), answer("没有", answerable=False), {}, 5.0),
    ]
    overall = summarize(rows)["overall"]
    assert overall["fact_accuracy"] == 1.0
    assert overall["unanswerable_refused"] == 1.0 and overall["refusal_precision"] == 1.0
    assert set(summarize(rows)["by_category"]) == {ANSWERABLE, REMOVED_GOLD}


def test_corpus_rows_reads_both_files(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "questions.jsonl").write_text(json.dumps(RAW) + "\n", encoding="utf-8")
    (tmp_path / "unanswerable.jsonl").write_text(json.dumps(REFUSE) + "\n", encoding="utf-8")
    answerable, unanswerable = corpus_rows(tmp_path)
    assert [r["id"] for r in answerable] == ["c-1"] and [r["id"] for r in unanswerable] == ["c-9"]


def test_a_question_with_an_unstated_part_is_reported_apart(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    other = RAW | {"id": "c-2"}
    lines = [json.dumps(RAW), json.dumps(other)]
    (tmp_path / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    judged = [
        {"id": "c-1", "parts": [{"answer": "a", "stated": True}]},
        {"id": "c-2", "parts": [{"answer": "a", "stated": True}, {"answer": "b", "stated": False}]},
    ]
    (tmp_path / "stated.jsonl").write_text(
        "".join(json.dumps(j) + "\n" for j in judged), encoding="utf-8"
    )
    answerable, _ = corpus_rows(tmp_path)
    assert [(r["id"], r["category"]) for r in answerable] == [
        ("c-1", "answerable"),
        ("c-2", "answerable-unstated"),
    ]
    assert all(r["answerable"] for r in answerable)  # still scored as answerable


def test_a_folder_without_docs_is_refused_with_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="docs/"):
        corpus_rows(tmp_path)


# ------------------------------------------------------------------------ the matching rule


@pytest.mark.parametrize(
    ("alternative", "answer_text"),
    [
        ("League for the Environment", "league for the environment"),  # lower case
        ("6.4 %", "增长6.4%"),  # whitespace deleted
        ("台湾", "臺灣"),  # Traditional folded to Simplified
    ],
)
def test_score_key_is_the_corpus_matching_rule(alternative: str, answer_text: str) -> None:
    assert key(alternative) in key(answer_text)


# --------------------------------------------------------------------------- removal sample


def test_sample_is_in_stable_hash_order_and_limited() -> None:
    questions = [q(f"q{i}", [[f"事实{i}号"]], [f"d{i}"]) for i in range(6)]
    texts = {f"d{i}": f"文本含事实{i}号。" for i in range(6)}
    picked = removal_sample(questions, texts, 3)
    expected = sorted((x["id"] for x in questions), key=stable_rank)[:3]
    assert [p["id"] for p in picked] == expected


def test_sample_does_not_depend_on_input_order() -> None:
    questions = [q(f"q{i}", [[f"事实{i}号"]], [f"d{i}"]) for i in range(6)]
    texts = {f"d{i}": f"文本含事实{i}号。" for i in range(6)}
    assert removal_sample(questions, texts, 4) == removal_sample(questions[::-1], texts, 4)


def test_sample_skips_an_answer_recorded_elsewhere() -> None:
    questions = [q("a", [["事实甲"]], ["d1"], also=["d2"])]
    assert removal_sample(questions, {"d1": "事实甲", "d2": "别的"}, 5) == []


def test_sample_skips_a_truncated_answer_also_in() -> None:
    row = q("a", [["事实甲"]], ["d1"]) | {"answer_also_in_truncated": True}
    assert removal_sample([row], {"d1": "事实甲"}, 5) == []


def test_sample_skips_an_answer_still_in_the_documents_left() -> None:
    questions = [q("a", [["美国"]], ["d1"])]
    assert removal_sample(questions, {"d1": "美国", "d2": "他去了美國。"}, 5) == []


def test_groups_found_in_different_documents_left_still_answer() -> None:
    questions = [q("a", [["甲"], ["乙"]], ["d1"])]
    texts = {"d1": "甲乙", "d2": "只有甲", "d3": "只有乙"}
    assert removal_sample(questions, texts, 5) == []


def test_one_group_left_is_not_an_answer() -> None:
    questions = [q("a", [["甲"], ["乙"]], ["d1"])]
    assert [p["id"] for p in removal_sample(questions, {"d1": "甲乙", "d2": "只有甲"}, 5)] == ["a"]


def test_documents_removed_for_earlier_picks_count_as_gone() -> None:
    # The first pick's document also holds the second's answer; it is gone when the second is
    # checked, so the second is picked too.
    first, second = sorted(["a", "b"], key=stable_rank)
    questions = [q(first, [["甲"]], ["d1"]), q(second, [["乙"]], ["d2"])]
    texts = {"d1": "甲，乙", "d2": "乙"}
    assert [p["id"] for p in removal_sample(questions, texts, 5)] == [first, second]


def test_documents_holding_each_others_answers_are_not_sampled() -> None:
    questions = [q("a", [["甲"]], ["d1"]), q("b", [["乙"]], ["d2"])]
    assert removal_sample(questions, {"d1": "甲，乙", "d2": "乙，甲"}, 5) == []


def test_zero_removed_samples_nothing() -> None:
    assert removal_sample([q("a", [["甲"]], ["d1"])], {"d1": "甲"}, 0) == []


def test_answered_by_uses_the_key() -> None:
    assert answered_by([["GDP 增长"]], [key("gdp增長")])


# --------------------------------------------------------------------------- withheld facts


def test_leaked_finds_a_withheld_fact_on_the_key() -> None:
    row = unanswerable_row(REFUSE)
    assert leaked(row, answer("宝马卖了252 万辆", answerable=False))
    assert not leaked(row, answer("文档中没有相关信息。", answerable=False))
    assert not leaked(row, None)


def test_a_refusal_stating_a_withheld_fact_is_not_counted_as_refused() -> None:
    questions = [unanswerable_row(REFUSE), unanswerable_row(REFUSE | {"id": "c-10"})]
    answers = [answer("没有。但宝马卖了252万辆", False), answer("没有。", False)]
    rows = [score_row(x, a, {}, 1.0) for x, a in zip(questions, answers, strict=True)]
    records = [r | {"answer": a} for r, a in zip(rows, answers, strict=True)]
    mark_leaks(questions, rows, records)
    assert [r["refused"] for r in rows] == [False, True]
    assert [r["withheld_leaked"] for r in records] == [True, False]
