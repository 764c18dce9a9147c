"""The scripted errors of the claim checker's benchmark (eval/claimkinds.py): each turns a true
claim into a wrong one of its kind, or gives None when the claim has no place for it."""

from __future__ import annotations

from eval import claimkinds

CHUNK = "宁波现有人工智能人才7000人，温州现有4600人。宁波的产值同比增长12%，占比提高3个百分点。"


def test_subject_swap_exchanges_the_two_places() -> None:
    claim = "宁波现有人工智能人才7000人，温州现有4600人。"
    assert claimkinds.subject_swap(claim, CHUNK) == "温州现有人工智能人才7000人，宁波现有4600人。"


def test_subject_swap_needs_figures_and_two_places() -> None:
    assert claimkinds.subject_swap("宁波和温州都在浙江。", CHUNK) is None
    assert claimkinds.subject_swap("宁波现有人才7000人。", CHUNK) is None


def test_direction_reverses_the_first_change() -> None:
    assert claimkinds.direction("宁波的产值同比增长12%。") == "宁波的产值同比下降12%。"
    assert claimkinds.direction("宁波的产值继续增长。") is None  # no figure: no fact changed


def test_unit_turns_a_percentage_into_points_and_back() -> None:
    assert claimkinds.unit("产值同比增长12%。", CHUNK) == "产值同比增长12个百分点。"
    assert claimkinds.unit("占比提高3个百分点。", CHUNK) == "占比提高3%。"


def test_relative_years_are_resolved_or_shifted_by_the_document_date() -> None:
    claim = "今年上半年产值达1200亿元。"
    assert claimkinds.resolved(claim, "2024-10-15") == "2024年上半年产值达1200亿元。"
    assert claimkinds.year_shift(claim, "2024-10-15") == "2023年上半年产值达1200亿元。"
    assert claimkinds.year_shift("2024年产值达1200亿元。", "2024-10-15") is None


def test_appended_clause_takes_a_clause_without_figures() -> None:
    other = "去年新增企业120家，园区已率先建成人才社区服务中心。"
    assert (
        claimkinds.appended_clause("宁波现有人才7000人。", other)
        == "宁波现有人才7000人，园区已率先建成人才社区服务中心。"
    )


def test_entity_swap_draws_a_name_the_chunk_lacks_from_the_corpus() -> None:
    corpus = "张海川在会上发言。王海川主持会议。"
    vocab = claimkinds.vocabulary([corpus, corpus])  # a name is one two documents tag
    swapped = claimkinds.entity_swap("王海川主持会议。", "王海川主持会议。", vocab, 0)
    assert swapped == "张海川主持会议。"


def test_a_word_tagged_a_name_in_one_document_only_is_not_drawn() -> None:
    assert claimkinds.vocabulary(["张海川在会上发言。", "会议结束。"]) == {}


def test_combined_joins_the_next_sentence_into_one() -> None:
    assert (
        claimkinds.combined("宁波现有人才7000人。", "温州现有人才4600人。")
        == "宁波现有人才7000人，温州现有人才4600人。"
    )
    assert claimkinds.combined("宁波现有人才7000人。", "见下表。") is None
