"""The gazetteer: the national table (places_cn.tsv, generated from jionlp's division table)
beside the hand one (places.tsv): counties know their lineage, a county's name that is an
everyday word or shared by several places names none, and the scan stays fast."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from rag.text import lexicon
from rag.text.places import (
    kind_of,
    lineage,
    parents,
    places_in,
    places_of_kind,
    subjects_in,
    within,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("county", "city", "province"),
    [("常熟", "苏州", "江苏"), ("义乌", "金华", "浙江"), ("都江堰", "成都", "四川")],
)
def test_a_county_knows_its_city_and_province(county: str, city: str, province: str) -> None:
    assert lineage(county) == (county, city, province, "中国")
    assert within(county, city) and within(county, province) and not within(city, county)


def test_a_full_name_is_the_place_its_short_form_names() -> None:
    assert places_in("常熟市的纺织服装产业") == {"常熟"}
    assert places_in("浦东新区和吴江区") == {"浦东", "吴江"}
    assert places_in("江苏省苏州市") == {"江苏", "苏州"}


def test_the_longest_spelling_wins() -> None:
    assert places_in("吉林市") == {"吉林市"} and lineage("吉林市")[1] == "吉林"
    assert places_in("海南藏族自治州") == {"海南藏族自治州"} and "青海" in lineage("海南藏族自治州")


@pytest.mark.parametrize(
    "sentence",
    [
        "双方加强合作",
        "比如说这个问题",
        "公安机关依法处理",
        "维护世界和平",
        "市和县两级财政",
        "我对这里非常熟悉",
    ],
)
def test_an_everyday_word_that_is_a_county_name_is_no_place(sentence: str) -> None:
    assert places_in(sentence) == frozenset()


def test_a_full_name_followed_by_a_word_it_starts_is_that_word() -> None:
    assert places_in("加强合作市场开拓") == frozenset()  # 合作市 is in 甘肃, 市场 a market
    assert places_in("苏州市场") == {"苏州"}


def test_a_short_name_several_places_share_is_not_resolved() -> None:
    assert places_in("鼓楼") == frozenset() and places_in("鼓楼区的老街") == frozenset()
    assert "鼓楼" not in parents() and "鼓楼区" not in parents()


def test_a_place_in_a_city_sharing_its_name_leaves_the_name_to_the_city() -> None:
    assert places_in("大理") == {"大理"} and kind_of("大理") == {"地方"}  # the prefecture
    assert lineage("大理市")[1] == "大理"


def test_kinds_of_the_county_level() -> None:
    assert {"县级市", "城市"} <= kind_of("常熟") and "省" not in kind_of("常熟")
    assert "县级市" in kind_of("海淀") and "城市" not in kind_of("海淀")  # a district of 北京
    assert "城市" not in kind_of("延边") and "城市" not in kind_of("中关村")
    assert set(places_of_kind("县级市", frozenset({"苏州"}))) >= {"常熟", "昆山", "张家港", "太仓"}
    assert "义乌" not in places_of_kind("县级市", frozenset({"苏州"}))


def test_a_county_compared_with_is_not_the_subject() -> None:
    assert subjects_in("相比义乌而言，常熟的服装业规模更大") == {"常熟"}


def test_the_hand_table_repeats_no_name_of_the_national_one() -> None:
    national = {f for row in lexicon.rows("places_cn") for f in (row[0], *row[3:])}
    assert not {row[0] for row in lexicon.rows("places")} & national


def test_the_product_never_imports_jionlp() -> None:
    imports = re.compile(r"^\s*(?:import|from)\s+(?:jionlp|jiojio)\b", re.M)
    assert not [p for p in (ROOT / "rag").rglob("*.py") if imports.search(p.read_text("utf-8"))]


def test_the_scan_stays_fast() -> None:
    sentence = (
        "苏州市统计局发布数据显示，常熟、昆山、张家港和太仓四个县级市的规模以上工业增加值同比"
        "增长，其中昆山增速最快，吴江区和吴中区紧随其后，全市经济运行总体平稳，并与杭州、无锡"
        "等长三角城市比较，浙江义乌和四川都江堰也在表中。"
    )[:100]
    places_in.cache_clear()
    places_in(sentence)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for i in range(200):
            places_in(sentence + str(i))  # a new key each time: no cache hit
        best = min(best, (time.perf_counter() - start) / 200)
    # measured about 25 µs; one regex alternation of the ~5,800 spellings takes about 550 µs
    assert best < 250e-6
