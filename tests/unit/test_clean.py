"""Cleaning: the display text keeps the prose verbatim; the search key folds script and width."""

from __future__ import annotations

import pytest
from hypothesis import example, given

from rag.ingest.clean import display_text, remove_glosses
from rag.text.script import search_key
from tests.conftest import SEED_IDS, SEEDS, chinese_text


def seed_raw(doc_id: str) -> str:
    return (SEEDS / f"{doc_id}.txt").read_text(encoding="utf-8")


def between(line: str) -> str:
    """A chrome line between two sentences of prose."""
    return f"苏州人工智能产业规模超2000亿元。\n{line}\n思必驰在苏州成立。"


PROSE_ONLY = "苏州人工智能产业规模超2000亿元。\n\n思必驰在苏州成立。"


# ------------------------------------------------------------------------------ pinyin glosses


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("產(chǎn)業(yè)", "產業"),
        ("創(chuàng)新發(fā)展", "創新發展"),
        ("產（chǎn）業（yè）", "產業"),  # full-width parentheses
        ("綠(lǜ)色", "綠色"),  # ü with a tone mark
    ],
    ids=["half-width", "two-glosses", "full-width", "u-umlaut"],
)
def test_pinyin_gloss_after_a_character_is_removed(raw: str, expected: str) -> None:
    assert display_text(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "高功率(10W以上)半導體激光芯片",
        "苏州超级计算中心(国科)、昆山智能计算中心(寒武纪)",
        "人工智能(AI)以其颠覆性的创新力量",
        "人工智能（AI）以其颠覆性的创新力量",
        "《中国人工智能产业指数(2021)》",
        "《中国人工智能产业指数（2021）》",
    ],
    ids=["10W", "guoke", "AI", "AI-full-width", "2021", "2021-full-width"],
)
def test_real_parentheses_are_kept(text: str) -> None:
    assert display_text(text) == text


def test_gloss_removal_keeps_a_parenthesis_without_a_tone_mark() -> None:
    # Documented trade-off: a neutral-tone gloss cannot be told from Latin text.
    assert remove_glosses("的(de)") == "的(de)"


def test_seed_003_has_no_gloss_left(seed_docs) -> None:
    text = seed_docs["003_3d025acabf282a01"].text
    assert "(chǎn)" not in text and "(yè)" not in text
    assert "產業" in text
    assert "(10W以上)" in text


# ----------------------------------------------------------------------------------- idempotent


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_display_text_is_idempotent_on_each_seed(doc_id: str) -> None:
    once = display_text(seed_raw(doc_id))
    assert display_text(once) == once


def test_display_text_is_idempotent_after_a_comma_and_a_space_run() -> None:
    # A run of spaces becomes a paragraph break; the part before it ends on a comma, so a second
    # pass joins the two again.
    once = display_text("规模不断壮大，  全市已形成产业生态。")
    assert display_text(once) == once


@given(chinese_text())
@example("产(chǎn)业(yè)规模。\n\n一、现状\n苏州  人工智能")
def test_display_text_is_idempotent(raw: str) -> None:
    once = display_text(raw)
    assert display_text(once) == once


@given(chinese_text(glosses=False))
def test_display_text_drops_no_han_character_of_prose_without_chrome(raw: str) -> None:
    # Without glosses or chrome lines, cleaning only moves whitespace and `**`: every Han
    # character survives, in order and in its script.
    def han(s: str) -> str:
        return "".join(c for c in s if "\u4e00" <= c <= "\u9fff")

    assert han(display_text(raw)) == han(raw)


# --------------------------------------------------------------------------- line layout, headings


def test_line_broken_mid_sentence_across_a_blank_line_is_joined() -> None:
    raw = (
        " 【摘 要】：人工智能作为新一轮产业变革的核心驱动力、"  # one raw line, broken by layout
        "国际竞争的新焦点和经济发展的新引擎，正加速与实 \n"
        "\n"
        "体经济深度融合，助力产业“智改数转”。 \n"
    )
    assert display_text(raw) == (
        "【摘 要】：人工智能作为新一轮产业变革的核心驱动力、国际竞争的新焦点和经济发展的新引擎，"
        "正加速与实体经济深度融合，助力产业“智改数转”。"
    )


def test_line_ending_on_a_comma_is_joined_with_the_next() -> None:
    raw = "打造出具有苏州特色的 AI 发展路径，\n\n真正实现从“制造之都”到“智慧之城”的历史性跨越。"
    assert display_text(raw) == (
        "打造出具有苏州特色的 AI 发展路径，真正实现从“制造之都”到“智慧之城”的历史性跨越。"
    )


def test_layout_breaks_of_seed_004_are_joined(seed_docs) -> None:
    text = seed_docs["004_824b80c9b0660ca9"].text
    assert "正加速与实体经济深度融合" in text
    assert "《新一代人工智能发展规划》" in text


def test_sentence_ends_keep_their_paragraph_break() -> None:
    assert display_text("第一段结束。\n第二段开始。") == "第一段结束。\n\n第二段开始。"


def test_headings_stay_on_their_own_line() -> None:
    raw = (
        "一、苏州人工智能产业发展的优势 \n\n（一）首次出台专项支持政策 \n\n"
        "2021 年 3 月，苏州市获批国家新一代人工智能试验区。"
    )
    assert display_text(raw).split("\n\n") == [
        "一、苏州人工智能产业发展的优势",
        "（一）首次出台专项支持政策",
        "2021 年 3 月，苏州市获批国家新一代人工智能试验区。",
    ]


def test_heading_after_an_unfinished_wide_line_is_not_joined() -> None:
    wide = (
        "苏州人工智能产业发展面临的竞争态势异常激烈"
        "国内外的各大城市和产业集群纷纷布局人工智能积极抢占战略制高点"
    )
    assert display_text(f"{wide}\n二、苏州市人工智能产业发展面临的困境").split("\n\n") == [
        wide,
        "二、苏州市人工智能产业发展面临的困境",
    ]


def test_space_runs_inside_a_line_become_paragraph_breaks() -> None:
    raw = (
        "并提出对策建议。   (一)我市“人工智能+产业”融合发展的现状   "
        "1.苏州人工智能产业规模不断壮大。"
    )
    assert display_text(raw).split("\n\n") == [
        "并提出对策建议。",
        "(一)我市“人工智能+产业”融合发展的现状",
        "1.苏州人工智能产业规模不断壮大。",
    ]


def test_markdown_bold_markers_are_removed() -> None:
    assert display_text("**苏州**人工智能。") == "苏州人工智能。"


def test_windows_line_ends_and_bom_are_normalised() -> None:
    assert display_text("\ufeff第一段。\r\n第二段。\r\n") == "第一段。\n\n第二段。"


# ----------------------------------------------------------------------------------------- chrome


@pytest.mark.parametrize(
    "line",
    [
        "委员之家 >履职建言",
        "信息来源: 发布时间:2025-10-16 12:12 浏览",
        "浏览",
        "浏览：1024",
        "瀏覽",
        "特别声明：以上内容(如有图片或视频亦包括在内)为自媒体平台“网易号”用户上传并发布。",
        "Notice: The content above (including the pictures and videos if any) is uploaded.",
        "联系电话：18896954159 65519639（传真）",
        "责任编辑：柴永鹏 联系电话：18896954159 65519639（传真）",
        "共印：70 份",
        "地址：苏州市吴中区胥口镇灵山路 609 号 共印：70 份",
        "118号提案的答复.doc",
    ],
    ids=[
        "breadcrumb",
        "source-counter",
        "counter",
        "counter-number",
        "counter-traditional",
        "disclaimer",
        "notice",
        "phone",
        "editor-phone",
        "print-run",
        "address-print-run",
        "attachment",
    ],
)
def test_chrome_line_is_dropped(line: str) -> None:
    assert display_text(between(line)) == PROSE_ONLY


def test_distribution_list_is_dropped_up_to_the_line_ending_in_a_full_stop() -> None:
    raw = (
        "(作者单位：吴江区社科联)\n\n"
        "报：刘小涛书记、吴庆文市长、李亚平主任、朱民主席、黄爱军副书记，\n"
        "市委常委、副市长；市发改委、文广新局、民政局，市科协、社科联、\n"
        "社会组织党委。\n\n"
        "苏州人工智能产业规模超2000亿元。"
    )
    assert display_text(raw) == "(作者单位：吴江区社科联)\n\n苏州人工智能产业规模超2000亿元。"


def test_seed_000_ends_before_its_distribution_list(seed_docs) -> None:
    text = seed_docs["000_c6996910d4f2c89e"].text
    assert text.endswith("(作者单位：吴江区社科联)")
    for chrome in ("刘小涛书记", "社会组织党委", "联系电话", "共印"):
        assert chrome not in text


def test_seed_001_page_chrome_is_gone(seed_docs) -> None:
    text = seed_docs["001_a0608a47650a8552"].text
    for chrome in ("委员之家", "浏览", "118号提案的答复.doc"):
        assert chrome not in text
    assert "(国科)" in text


def test_prose_mentioning_a_contact_word_mid_sentence_is_kept() -> None:
    raw = "苏州建立了专家联系制度，方便企业咨询。"
    assert display_text(raw) == raw


# --------------------------------------------------------------------------------------- script


def test_traditional_text_stays_traditional() -> None:
    raw = "2024年,蘇州市人工智能產業實現營收超2300億元。"
    assert display_text(raw) == raw


def test_full_width_digits_stay_in_the_display_text() -> None:
    assert display_text("２０２４年蘇州。") == "２０２４年蘇州。"


def test_seed_003_stays_in_traditional_script(seed_docs) -> None:
    text = seed_docs["003_3d025acabf282a01"].text
    assert "蘇州市人工智能產業實現營收超2300億元" in text
    assert "苏州市人工智能产业实现营收" not in text


# ----------------------------------------------------------------------------------- search key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("２０２４年蘇州", "2024年苏州"),
        ("蘇州市人工智能產業", "苏州市人工智能产业"),
        ("ＡＩ大模型", "ai大模型"),
        ("GDP", "gdp"),
        ("（一）", "(一)"),
        ("苏州", "苏州"),
    ],
    ids=[
        "full-width-traditional",
        "traditional",
        "full-width-latin",
        "lower-case",
        "full-width-parentheses",
        "simplified",
    ],
)
def test_search_key_folds_script_width_and_case(text: str, key: str) -> None:
    assert search_key(text) == key


@given(chinese_text())
def test_search_key_is_idempotent(text: str) -> None:
    assert search_key(search_key(text)) == search_key(text)
