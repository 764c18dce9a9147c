"""Claim checking: tiny cases, one behaviour each, on hand-built documents (no index)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.answer.cite import CANNOT_ANSWER
from rag.answer.claims import (
    BAD_MARKER,
    NO_SOURCE,
    NOT_SUPPORTED,
    CheckedClaim,
    Source,
    check,
    split_claims,
)
from rag.answer.claimtext import vocabulary_names
from rag.answer.documents import Document
from rag.ingest.chunk import split_sentences
from rag.text.script import in_script
from rag.types import DocMeta

REVENUE = "2024年，苏州市人工智能产业实现营收超2300亿元，同比增长20%。"
COMPUTE = "苏州现有总算力规模14000P，其中智算规模5500P。"
COMPANIES = "苏州集聚核心企业近700家、上市企业32家。"
MODEL = "苏州构建“苏智云”工业智能大模型，服务本地制造企业。"
SIMPLIFIED_TEXT = f"苏州人工智能报告\n\n{REVENUE}{COMPUTE}\n\n{COMPANIES}{MODEL}"
TRADITIONAL_TEXT = "蘇州報告\n\n2024年,蘇州市人工智能產業實現營收超2300億元。思必馳在蘇州成立。"
OTHER_TEXT = "杭州数字经济报告\n\n杭州拥有人工智能企业500余家，人才近7000人。"


def make_doc(text: str, doc_id: str, title: str, date: str = "2025-02") -> Document:
    meta = DocMeta(title=title, date=date)
    return Document(doc_id=doc_id, meta=meta, text=text, sha="0" * 16)


def source(n: int, doc: Document, first: str | None = None, last: str | None = None) -> Source:
    """The chunk of `doc` from the sentence starting with `first` to the one holding `last`."""
    sentences = tuple(split_sentences(doc.text))
    start = doc.text.index(first) if first else 0
    end = doc.text.index(last) + len(last) if last else len(doc.text)
    inside = tuple(s for s in sentences if start <= s.start and s.end <= end)
    return Source(n, doc, inside[0].start, inside[-1].end, inside)


SIMPLIFIED = make_doc(SIMPLIFIED_TEXT, "suzhou", "苏州人工智能报告")
TRADITIONAL = make_doc(TRADITIONAL_TEXT, "suzhou-trad", "蘇州報告")
OTHER = make_doc(OTHER_TEXT, "hangzhou", "杭州数字经济报告")
WHOLE = source(1, SIMPLIFIED)
HANGZHOU = source(2, OTHER)
SOURCES = [WHOLE, HANGZHOU]


def one(answer: str, sources: list[Source] | None = None) -> CheckedClaim:
    claims = check(answer, SOURCES if sources is None else sources)
    assert len(claims) == 1, claims
    return claims[0]


def quote(claim: CheckedClaim) -> str:
    (support,) = claim.support
    return support.doc.text[support.start : support.end]


# ----------------------------------------------------------------------------------- splitting


def test_sentences_split_at_sentence_ends() -> None:
    answer = "营收超2300亿元[1]。算力规模14000P[1]！上市企业32家？[1]"
    assert [t for t, _ in split_claims(answer)] == [
        "营收超2300亿元。",
        "算力规模14000P！",
        "上市企业32家？",
    ]


def test_sentences_split_at_line_breaks() -> None:
    assert len(split_claims("营收超2300亿元[1]\n算力规模14000P[1]")) == 2


def test_markers_after_the_full_stop_belong_to_the_sentence_before() -> None:
    assert split_claims("营收超2300亿元。[1][2]算力规模14000P。[3]") == [
        ("营收超2300亿元。", (1, 2)),
        ("算力规模14000P。", (3,)),
    ]


def test_markers_before_the_full_stop_are_the_sentences_own() -> None:
    assert split_claims("营收超2300亿元[1]。") == [("营收超2300亿元。", (1,))]


def test_a_line_of_markers_only_belongs_to_the_sentence_before() -> None:
    assert split_claims("营收超2300亿元。\n[1]") == [("营收超2300亿元。", (1,))]


def test_clause_before_a_semicolon_takes_the_markers_of_the_next() -> None:
    assert split_claims("营收超2300亿元；同比增长20%。[1]") == [
        ("营收超2300亿元；", (1,)),
        ("同比增长20%。", (1,)),
    ]


@pytest.mark.parametrize("bullet", ["1. ", "2、", "- ", "* ", "一、", "（二）", "## "])
def test_list_bullets_are_stripped(bullet: str) -> None:
    assert split_claims(f"{bullet}营收超2300亿元[1]") == [("营收超2300亿元", (1,))]


def test_decimal_at_line_start_is_not_a_bullet() -> None:
    assert split_claims("1.5亿元用于算力[1]")[0][0] == "1.5亿元用于算力"


def test_bold_marks_are_removed() -> None:
    assert split_claims("营收**超2300亿元**。[1]")[0][0] == "营收超2300亿元。"


def test_punctuation_and_empty_fragments_are_dropped() -> None:
    assert split_claims("。。\n\n  \n！") == []


def test_repeated_markers_are_deduplicated_in_order() -> None:
    assert one("苏州现有总算力规模14000P[2][1][1]。").sources == (2, 1)


# ------------------------------------------------------------------------------------- refusal


def test_refusal_only_answer_has_no_claims() -> None:
    assert check(CANNOT_ANSWER, SOURCES) == []


def test_traditional_refusal_only_answer_has_no_claims() -> None:
    assert check(in_script(CANNOT_ANSWER, True), SOURCES) == []


def test_refusal_beside_a_claim_is_dropped() -> None:
    claims = check(f"苏州现有总算力规模14000P。[1]\n{CANNOT_ANSWER}", SOURCES)
    assert [c.text for c in claims] == ["苏州现有总算力规模14000P。"]


# ------------------------------------------------------------------------------------- markers


def test_no_marker_is_no_source() -> None:
    claim = one("苏州现有总算力规模14000P。")
    assert (claim.verified, claim.reason, claim.sources) == (False, NO_SOURCE, ())


def test_marker_to_a_missing_source_is_removed() -> None:
    claim = one("苏州现有总算力规模14000P。[1][9]")
    assert claim.sources == (1,)
    assert claim.verified


def test_only_markers_to_missing_sources_is_bad_marker() -> None:
    claim = one("苏州现有总算力规模14000P。[9]")
    assert (claim.verified, claim.reason, claim.sources) == (False, BAD_MARKER, ())


# -------------------------------------------------------------------------------------- verdicts


def test_claim_as_the_source_words_it_is_verified() -> None:
    claim = one("2024年，苏州市人工智能产业实现营收超2300亿元。[1]")
    assert (claim.verified, claim.reason) == (True, "")


def test_claim_with_an_altered_number_names_the_figure() -> None:
    claim = one("2024年，苏州市人工智能产业实现营收超2400亿元。[1]")
    assert (claim.verified, claim.reason) == (False, "figure_not_in_source:2400亿")
    assert claim.support == ()


def test_claim_with_a_number_in_another_spelling_is_verified() -> None:
    assert one("苏州人工智能产业营收超两千三百亿元。[1]").verified


def test_claim_with_an_altered_percentage_is_flagged() -> None:
    assert one("苏州人工智能产业营收同比增长25%。[1]").reason == "figure_not_in_source:25%"


def test_figure_in_an_uncited_source_does_not_count() -> None:
    claim = one("苏州拥有人工智能企业500余家。[1]")  # 500 is in [2], not in [1]
    assert (claim.verified, claim.reason) == (False, "figure_not_in_source:500")


def test_claim_citing_an_unrelated_source_is_not_supported() -> None:
    claim = one("苏州构建工业智能大模型，服务本地制造企业。[2]")
    assert (claim.verified, claim.reason) == (False, NOT_SUPPORTED)


def test_quoted_name_missing_from_the_source_is_flagged() -> None:
    claim = one("苏州构建“苏州智造云”工业智能大模型。[1]")
    assert (claim.verified, claim.reason) == (False, "name_not_in_source:苏州智造云")


def test_quoted_name_stated_by_the_source_is_verified() -> None:
    assert one("苏州构建“苏智云”工业智能大模型。[1]").verified


def test_claim_that_only_repeats_the_title_is_not_supported_by_a_chunk_without_it() -> None:
    body = source(1, SIMPLIFIED, REVENUE, COMPUTE)
    assert not one("苏州人工智能报告。[1]", [body]).verified


def test_only_the_supporting_source_gives_support() -> None:
    claim = one("苏州现有总算力规模14000P。[2][1]")
    assert claim.verified
    assert claim.sources == (2, 1)
    assert [s.doc.doc_id for s in claim.support] == ["suzhou"]


def test_figures_may_come_from_two_cited_sources() -> None:
    answer = "苏州营收超2300亿元，杭州拥有人工智能企业500余家。[1][2]"
    claim = one(answer)
    assert claim.verified
    assert sorted(s.doc.doc_id for s in claim.support) == ["hangzhou", "suzhou"]


def test_year_from_the_document_date_counts() -> None:
    dated = make_doc("报告\n\n今年苏州算力规模达到14000P。", "dated", "报告", "2024-10-15")
    assert one("2024年苏州算力规模达到14000P。[1]", [source(1, dated)]).verified


def test_date_in_the_source_header_counts() -> None:
    dated = make_doc("报告\n\n苏州算力规模达到14000P。", "dated", "报告", "2024-10-15")
    assert one("2024年10月15日的报告说苏州算力规模达到14000P。[1]", [source(1, dated)]).verified


def test_title_and_date_the_model_names_count() -> None:
    assert one("《苏州人工智能报告》（2025-02）指出，苏州上市企业32家。[1]").verified


def test_quoted_title_of_another_document_is_flagged() -> None:
    claim = one("《杭州数字经济报告》指出，苏州上市企业32家。[1]")
    assert claim.reason == "name_not_in_source:杭州数字经济报告"


# ----------------------------------------------------------------------------------- scripts


def test_traditional_claim_against_a_simplified_source() -> None:
    assert one("2024年,蘇州市人工智能產業實現營收超2300億元。[1]").verified


def test_simplified_claim_against_a_traditional_source() -> None:
    trad = source(1, TRADITIONAL)
    claim = one("2024年，苏州市人工智能产业实现营收超2300亿元。[1]", [trad])
    assert claim.verified
    assert quote(claim) == "2024年,蘇州市人工智能產業實現營收超2300億元。"


# ------------------------------------------------------------------------------------- support


def test_support_is_the_sentence_holding_the_claim() -> None:
    assert quote(one("苏州上市企业32家。[1]")) == COMPANIES


def test_support_spans_consecutive_sentences_when_figures_are_spread() -> None:
    claim = one("苏州营收超2300亿元，总算力规模14000P。[1]")
    assert quote(claim) == REVENUE + COMPUTE


def test_support_lies_within_the_cited_chunk() -> None:
    chunk = source(1, SIMPLIFIED, COMPANIES, MODEL)
    claim = one("苏州集聚核心企业近700家。[1]", [chunk])
    (support,) = claim.support
    assert chunk.start <= support.start < support.end <= chunk.end
    assert support.doc.text[support.start : support.end] == COMPANIES


def test_figure_outside_the_cited_chunk_is_flagged() -> None:
    chunk = source(1, SIMPLIFIED, COMPANIES, MODEL)
    claim = one("苏州营收超2300亿元。[1]", [chunk])
    assert claim.reason == "figure_not_in_source:2300亿"


def test_claim_text_keeps_its_own_script_and_drops_markers() -> None:
    assert one("蘇州上市企業32家 [1]。").text == "蘇州上市企業32家。"


# ------------------------------------------------------------------------------------ properties


@given(st.lists(st.sampled_from([REVENUE, COMPUTE, COMPANIES, MODEL]), min_size=1, max_size=6))
def test_verbatim_sentences_are_verified_with_exact_spans(picked: list[str]) -> None:
    answer = "\n".join(f"{s}[1]" for s in picked)
    claims = check(answer, [WHOLE])
    assert [c.verified for c in claims] == [True] * len(picked)
    for c in claims:
        for sup in c.support:
            assert WHOLE.start <= sup.start < sup.end <= WHOLE.end
            assert sup.doc.text[sup.start : sup.end] in picked


def test_fast_enough_for_every_answer() -> None:
    answer = "\n".join(f"{s}[{n}]" for n, s in enumerate([REVENUE, COMPUTE, COMPANIES], 1))
    sources = [source(n, SIMPLIFIED) for n in range(1, 15)]
    check(answer, sources)
    started = time.perf_counter()
    for _ in range(20):
        check(answer, sources)
    assert (time.perf_counter() - started) / 20 < 0.02


# ------------------------------------------------------------------------- the document's date


def test_a_year_taken_from_the_document_date_alone_is_not_supported() -> None:
    # the 2025-02 article says 2024; `2025年` must not pass because the article is dated 2025
    claim = one("2025年，苏州市人工智能产业实现营收超2300亿元。[1]")
    assert not claim.verified and claim.reason == "figure_not_in_source:2025"


def test_a_claim_naming_its_document_may_state_the_document_date() -> None:
    claim = one("《苏州人工智能报告》（2025-02）：苏州市人工智能产业实现营收超2300亿元。[1]")
    assert claim.verified


# ------------------------------------------------ what strong models get wrong (step 7's kinds)

# a comparison: two places, each with its figures, and who leads in it
COMPARISON_TEXT = (
    "两地人才对比\n\n宁波现有人工智能人才7000人，其中领军人才120名。"
    "温州现有人工智能人才4600人，占全省的18%。\n\n"
    "宁波的智能制造产值同比增长12%，温州的产值同比下降3%。\n\n"
    "龙腾科技、青禾智能和远帆数据三家企业入选名单。"
)
COMPARISON = make_doc(COMPARISON_TEXT, "compare", "两地人才对比")
BOTH = source(1, COMPARISON)


def test_a_name_the_source_does_not_hold_is_a_swap() -> None:
    checked = one("龙腾科技、青禾智能和海川集团三家企业入选名单。[1]", [BOTH])
    assert not checked.verified and checked.reason == "entity_not_in_source:海川"


def test_the_names_the_source_holds_pass() -> None:
    assert one("龙腾科技、青禾智能和远帆数据三家企业入选名单。[1]", [BOTH]).verified


def test_a_name_the_corpus_quotes_elsewhere_is_a_swap_unquoted_too() -> None:
    # jieba knows neither name whole; the corpus quotes one of them in another document
    claim = "宁波现有人工智能人才7000人，由启明算力中心统一培训。[1]"
    vocabulary = {"启明算力中心", "宁波"}
    checked = check(claim, [BOTH], names=vocabulary)
    assert [c.reason for c in checked] == ["entity_not_in_source:启明算力中心"]
    assert check("宁波现有人工智能人才7000人。[1]", [BOTH], names=vocabulary)[0].verified


def test_a_corpus_name_counts_only_as_whole_words_of_the_claim() -> None:
    # `华为` of the vocabulary is not in `中华为民`: jieba's words do not break there
    assert not vocabulary_names("中华为民族复兴而奋斗", {"华为"})
    assert vocabulary_names("华为公司发布新品", {"华为"}) == ["华为"]


def test_a_figure_stated_of_another_place_is_a_subject_mismatch() -> None:
    checked = one("温州现有人工智能人才7000人。[1]", [BOTH])
    assert not checked.verified and checked.reason == "subject_mismatch:温州"


def test_figures_exchanged_between_two_places_both_fail() -> None:
    answer = "宁波现有人工智能人才4600人。[1]\n温州现有人工智能人才7000人。[1]"
    assert [c.reason for c in check(answer, [BOTH])] == [
        "subject_mismatch:宁波",
        "subject_mismatch:温州",
    ]


def test_a_share_of_the_whole_is_bound_to_no_place() -> None:
    assert one("温州的人工智能人才占全省的18%。[1]", [BOTH]).verified


def test_figures_stated_respectively_are_not_bound_to_the_last_place() -> None:
    assert one("宁波和温州分别有人工智能人才7000人和4600人。[1]", [BOTH]).verified


def test_a_change_in_the_other_direction_is_flagged() -> None:
    checked = one("宁波的智能制造产值同比下降12%。[1]", [BOTH])
    assert not checked.verified and checked.reason == "direction_differs:下降"


def test_percentage_points_are_not_a_percentage() -> None:
    checked = one("宁波的智能制造产值同比增长12个百分点。[1]", [BOTH])
    assert not checked.verified and checked.reason.startswith("figure_not_in_source:12")


def test_an_invented_clause_appended_to_a_true_sentence_is_flagged() -> None:
    checked = one("宁波现有人工智能人才7000人，目前已在全国率先建成人才社区。[1]", [BOTH])
    assert not checked.verified
    assert checked.reason == "clause_not_supported:目前已在全国率先建成人才社区。"


def test_a_framing_clause_is_no_claim_of_its_own() -> None:
    assert one("根据文档，宁波现有人工智能人才7000人。[1]", [BOTH]).verified


def test_a_clause_restating_the_question_needs_no_support() -> None:
    answer = "有人说宁波人才济济人数众多，宁波现有人工智能人才7000人。[1]"
    assert not check(answer, [BOTH])[0].verified
    asked = "有人说宁波人才济济人数众多，那里现在有多少人工智能人才？"
    assert check(answer, [BOTH], question=asked)[0].verified


YEARS_TEXT = "宁波产业报告\n\n今年上半年，宁波产值达1146亿元。去年全年产值为2000亿元。"
YEARS = source(1, make_doc(YEARS_TEXT, "years", "宁波产业报告", "2024-10-15"))


def test_a_relative_year_means_one_year_for_its_own_sentence() -> None:
    assert one("2024年上半年，宁波产值达1146亿元。[1]", [YEARS]).verified
    assert one("2023年全年宁波产值为2000亿元。[1]", [YEARS]).verified
    shifted = one("2023年上半年，宁波产值达1146亿元。[1]", [YEARS])  # 去年 is another sentence's
    assert not shifted.verified and shifted.reason == "figure_not_in_source:2023"


def test_an_inner_item_of_a_list_must_be_in_the_source() -> None:
    answer = "甲科技、海纳数据、青禾智能和远帆数据四家企业入选。[1]"
    source_text = "名单\n\n甲科技、金石数据、青禾智能和远帆数据四家企业入选。"
    listed = source(1, make_doc(source_text, "list", "名单"))
    checked = one(answer, [listed])
    assert not checked.verified and checked.reason == "name_not_in_source:海纳数据"


def test_a_bracketed_name_must_be_in_the_source_but_not_a_bracketed_date() -> None:
    text = "算力\n\n宁波建成智能计算中心(东湖实验室)，规模达500P。"
    held = source(1, make_doc(text, "compute", "算力"))
    swapped = one("宁波建成智能计算中心(西山实验室)，规模达500P。[1]", [held])
    assert not swapped.verified and swapped.reason == "name_not_in_source:西山实验室"
    assert one("《算力》（2025-02）：宁波建成智能计算中心，规模达500P。[1]", [held]).verified


def test_only_the_invented_clause_is_marked() -> None:
    from rag.answer.generate import UNVERIFIED, compose

    checked = check("宁波现有人工智能人才7000人，目前已在全国率先建成人才社区。[1]", [BOTH])
    assert not checked[0].verified and checked[0].support  # the rest keeps its support
    text, citations, _ = compose(checked, traditional=False)
    assert text == f"宁波现有人工智能人才7000人，[1]目前已在全国率先建成人才社区。{UNVERIFIED}"
    assert citations[0].quote == "宁波现有人工智能人才7000人，其中领军人才120名。"


def test_the_first_and_last_items_of_a_list_must_be_in_the_source() -> None:
    text = "名单\n\n龙腾科技、金石数据和远帆数据三家企业入选。"
    listed = source(1, make_doc(text, "outer", "名单"))
    assert one("龙腾科技、金石数据和远帆数据三家企业入选。[1]", [listed]).verified
    first = one("海纳数据、金石数据和远帆数据三家企业入选。[1]", [listed])
    last = one("龙腾科技、金石数据和海纳数据三家企业入选。[1]", [listed])
    assert not first.verified and not last.verified


def test_a_name_jieba_glues_from_two_held_words_is_held() -> None:
    # jieba's dictionary tags 北京服装 as one proper name: 北京 and 服装 are both in the source
    text = "名单\n\n北京入选名单的服装企业有龙腾科技和远帆数据。"
    held = source(1, make_doc(text, "glued", "名单"))
    assert one("龙腾科技和远帆数据是入选名单的北京服装企业。[1]", [held]).verified
    missing = one("龙腾科技和远帆数据是入选名单的南京旅游企业。[1]", [held])
    assert not missing.verified and missing.reason == "entity_not_in_source:南京旅游"


def test_a_change_stated_of_no_place_is_checked_for_its_direction_only() -> None:
    assert one("智能制造产值同比增长12%。[1]", [BOTH]).verified
    reversed_ = one("智能制造产值同比下降12%。[1]", [BOTH])
    assert not reversed_.verified and reversed_.reason == "direction_differs:下降"


def test_a_figure_stated_of_another_body_is_a_subject_mismatch() -> None:
    text = "营收\n\n龙腾科技营收80亿元，远帆数据营收60亿元。"
    held = source(1, make_doc(text, "bodies", "营收"))
    assert one("龙腾科技营收80亿元。[1]", [held]).verified
    swapped = one("远帆数据营收80亿元。[1]", [held])
    assert not swapped.verified and swapped.reason.startswith("subject_mismatch:")
