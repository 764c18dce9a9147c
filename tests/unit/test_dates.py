"""dates.resolve_relative: one behaviour each."""

from __future__ import annotations

import pytest

from rag.text.dates import resolve_relative

BASE = "2024-10-15"


def forms(text: str, base: str = BASE) -> list[tuple[str, str]]:
    return [(text[s:e], a) for s, e, a in resolve_relative(text, base)]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("去年营收增长5%", [("去年", "2023年")]),
        ("去年上半年，全市GDP增长", [("去年上半年", "2023年上半年")]),
        ("今年第三季度出口回升", [("今年第三季度", "2024年第三季度")]),
        ("今年一季度", [("今年一季度", "2024年第一季度")]),
        ("前年的基数较低", [("前年", "2022年")]),
        ("大前年", [("大前年", "2021年")]),
        ("今明两年", [("今明两年", "2024-2025年")]),
        ("今年1至9月", [("今年1至9月", "2024年1-9月")]),
        ("去年12月", [("去年12月", "2023年12月")]),
        ("上个月出台新政", [("上个月", "2024年9月")]),
        ("上半年，经济平稳", [("上半年", "2024年上半年")]),
    ],
)
def test_relative_expressions_resolve_against_the_base_date(text: str, want: list) -> None:
    assert forms(text) == want


def test_same_period_takes_the_period_named_before_it() -> None:
    assert forms("今年前三季度营收增长5%，高于上年同期") == [
        ("今年前三季度", "2024年前三季度"),
        ("上年同期", "2023年前三季度"),
    ]


def test_same_period_without_a_period_before_it_stays_same_period() -> None:
    assert forms("比去年同期增长12%") == [("去年同期", "2023年同期")]


def test_the_base_year_decides() -> None:
    assert forms("去年全年营收", "2025-03-01") == [("去年全年", "2024年")]
    assert forms("下个月", "2024-12-05") == [("下个月", "2025年1月")]


@pytest.mark.parametrize(
    "text",
    ["2024年上半年营收增长", "二〇二四年第三季度", "三年行动计划", "上年纪的人", "此后年均增长8%"],
)
def test_absolute_dates_and_lookalikes_are_not_relative(text: str) -> None:
    assert resolve_relative(text, BASE) == []


def test_spans_index_the_original_text() -> None:
    text = "据悉，去年上半年营收增长"
    assert [text[s:e] for s, e, _ in resolve_relative(text, BASE)] == ["去年上半年"]


def test_full_width_digits_keep_their_offsets() -> None:
    assert forms("据悉今年１至９月") == [("今年１至９月", "2024年1-9月")]


def test_a_bad_base_date_says_what_it_wants() -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        resolve_relative("去年", "last year")
