"""Figures: tiny cases, one behaviour each, then properties on generated Chinese text."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from hypothesis import given

from rag.text.figures import NUM, PCT, Figure, figure_list, figures, missing_figures
from tests.conftest import chinese_text


def values(text: str) -> set[tuple[Decimal, str]]:
    return {(f.value, f.kind) for f in figures(text)}


def num(value: str) -> set[tuple[Decimal, str]]:
    return {(Decimal(value), NUM)}


def pct(value: str) -> set[tuple[Decimal, str]]:
    return {(Decimal(value), PCT)}


# ----------------------------------------------------------------------- one value, many spellings

SAME_VALUE = [
    ("2,300亿", "2.3e11"),
    ("2，300亿", "2.3e11"),
    ("2300亿", "2.3e11"),
    ("2300 亿", "2.3e11"),
    ("两千三百亿", "2.3e11"),
    ("2.3千亿", "2.3e11"),
    ("２３００亿", "2.3e11"),
    ("2300億元", "2.3e11"),
    ("超2300亿元", "2.3e11"),
    ("2300多亿元", "2.3e11"),
    ("1.5亿", "1.5e8"),
    ("15000万", "1.5e8"),
    ("一亿五千万", "1.5e8"),
    ("4.7万亿元", "4.7e12"),
    ("1.4萬家", "14000"),
    ("2 000", "2000"),
    ("1146.58 亿元", "114658000000"),
    ("十二", "12"),
    ("三十周年", "30"),
    ("二〇二四年", "2024"),
    ("近700家", "700"),
    ("逾500家", "500"),
    ("约60亿美元", "6e9"),
    ("500 余家", "500"),
    ("4.0", "4"),
]


@pytest.mark.parametrize(("text", "value"), SAME_VALUE, ids=[t for t, _ in SAME_VALUE])
def test_spellings_of_one_value(text: str, value: str) -> None:
    assert values(text) == num(value)


def test_thousands_separator_equals_plain_digits() -> None:
    assert figures("2,300亿") == figures("2300 亿") == figures("两千三百亿")


def test_yi_equals_ten_thousand_wan() -> None:
    assert figures("1.5亿") == figures("15000万")


def test_full_width_digits_and_percent() -> None:
    assert figures("２３００亿，５．６％") == figures("2300亿，5.6%")


def test_traditional_numerals() -> None:
    assert figures("兩千三百億") == figures("两千三百亿")


# --------------------------------------------------------------------------------- percentages

PERCENTS = ["5.6%", "5.6％", "5.6 %", "百分之五点六", "百分之5.6"]


@pytest.mark.parametrize("text", PERCENTS)
def test_percent_forms(text: str) -> None:
    assert values(text) == pct("5.6")


@pytest.mark.parametrize("text", ["5.6个百分点", "五点六个百分点", "5.6百分点"])
def test_percentage_points_are_their_own_kind(text: str) -> None:
    assert figures(text) == figures("5.6个百分点") != figures("5.6%")


def test_percent_is_not_the_plain_number() -> None:
    assert figures("5.6%") != figures("5.6")


def test_baifen_zhi_yi_is_one_percent() -> None:
    assert values("百分之一") == pct("1")


# --------------------------------------------------------------------------------------- dates

DATES = ["2024年10月15日", "2024-10-15", "2024.10.15", "2024/10/15", "2024 年 10 月 15 日"]


@pytest.mark.parametrize("text", DATES)
def test_date_forms_yield_year_month_day(text: str) -> None:
    assert values(text) == num("2024") | num("10") | num("15")


def test_year_alone() -> None:
    assert values("2024年") == num("2024")


@pytest.mark.parametrize("text", ["2023-2025年", "2023~2025年", "2023—2025", "2023～2025"])
def test_year_range_yields_both_years(text: str) -> None:
    assert values(text) == num("2023") | num("2025")


def test_dash_is_never_a_minus_sign() -> None:
    assert all(f.value >= 0 for f in figures("2023-2025年，100—500万元，-5"))


# ------------------------------------------------------------------------------------- ordinals


@pytest.mark.parametrize(("text", "value"), [("第五", "5"), ("第一", "1"), ("第十二", "12")])
def test_ordinals(text: str, value: str) -> None:
    assert values(text) == num(value)


def test_ordinal_in_words_equals_digits() -> None:
    assert figures("排名全国第三") == figures("排名全国第3")


@pytest.mark.parametrize("text", ["全国首个", "首批", "位居榜首"])
def test_shou_is_the_ordinal_one(text: str) -> None:
    assert values(text) == num("1")


def test_qian_before_a_numeral_is_a_rank() -> None:
    assert values("位列全国前十") == num("10")


# -------------------------------------------------------------------------- no false figures

NOT_FIGURES = ["统一", "一些", "一是", "二是", "万物", "千行百业", "百度", "十分重要", "一二线城市"]
NOT_FIGURES += ["一个场景", "一批企业", "两者之间", "三方面", "首先", "首都", "三大核心"]


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_ordinary_words_hold_no_figure(text: str) -> None:
    assert figures(text) == frozenset()


@pytest.mark.parametrize(
    ("text", "value"),
    [("三个", "3"), ("两家", "2"), ("上千名", "1000"), ("五倍", "5"), ("近三年", "3")],
)
def test_numeral_before_a_measure_word_is_a_figure(text: str, value: str) -> None:
    assert values(text) == num(value)


def test_lone_yi_only_after_di() -> None:
    assert figures("一个") == frozenset()
    assert values("第一个") == num("1")


def test_magnitude_words_are_figures() -> None:
    assert values("3个万亿级产业") == num("3") | num("1e12")


# --------------------------------------------------------------------- units, latin, currency


@pytest.mark.parametrize(("text", "value"), [("5000PFLOPS", "5000"), ("14000P", "14000")])
def test_digits_glued_to_latin_units(text: str, value: str) -> None:
    assert values(text) == num(value)


def test_currency_words_are_ignored() -> None:
    assert figures("60亿元") == figures("60亿") == figures("60亿美元")


def test_approximation_words_are_ignored() -> None:
    assert figures("超2000家") == figures("近2000家") == figures("约2000家") == figures("2000多家")


def test_decimal_is_kept() -> None:
    assert values("7.67%") == pct("7.67")


# ---------------------------------------------------------------------------- missing_figures


def test_missing_figures_names_the_changed_number() -> None:
    missing = missing_figures("营收超2400亿元。", "营收超2300亿元，增长20%。")
    assert [f.text for f in missing] == ["2400亿"]


def test_missing_figures_accepts_other_spellings() -> None:
    assert missing_figures("营收两千三百亿元", "營收超2,300億元") == []


def test_missing_figures_takes_a_precomputed_set() -> None:
    source = figures("增速5.6%")
    assert missing_figures("增长5.6%", source) == []
    assert missing_figures("增长6.5%", source) == [Figure(Decimal("6.5"), PCT)]


def test_missing_figures_lists_each_once_in_claim_order() -> None:
    assert [f.text for f in missing_figures("7家、9家、7家", "")] == ["7", "9"]


def test_figure_text_does_not_count_in_equality() -> None:
    assert Figure(Decimal("2.3e11"), NUM, "2300亿") == Figure(Decimal("2.3e11"), NUM, "两千三百亿")


def test_figure_list_keeps_reading_order() -> None:
    assert [f.text for f in figure_list("378家，22家，7家")] == ["378", "22", "7"]


def test_fast_enough_to_run_on_every_claim() -> None:
    text = "2024年，苏州市人工智能产业实现营收超2300亿元，聚集核心企业近700家、相关企业超2100家。"
    figures(text)
    started = time.perf_counter()
    for _ in range(200):
        figures(text)
    assert (time.perf_counter() - started) / 200 < 0.001


# ---------------------------------------------------------------------------------- properties


@given(chinese_text(glosses=False))
def test_no_figure_is_negative(text: str) -> None:
    assert all(f.value >= 0 for f in figures(text))


@given(chinese_text(glosses=False))
def test_full_width_text_has_the_same_figures(text: str) -> None:
    wide = text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert figures(wide) == figures(text)
