"""Pure Chinese-text rules of the answerer, one behaviour each, on examples of several genres
(news, encyclopedia, policy reports): coordination, question sentences, short answers."""

from __future__ import annotations

import pytest

from rag.answer.short import take
from rag.text.coordination import conjuncts, facet_questions, spell_out
from rag.text.sentences import is_question


@pytest.mark.parametrize(
    ("key", "groups"),
    [
        ("华为和小米的营收分别是多少", (("华为", "小米"),)),
        ("这部电影的导演和编剧是谁", (("导演", "编剧"),)),
        ("比赛的开始和结束时间是什么时候", (("开始", "结束"),)),
        ("德国队和法国队分在哪个组", (("德国队", "法国队"),)),
        ("海清、童瑶和张颂文主演了什么", (("海清", "童瑶", "张颂文"),)),
        # parallel phrases: the whole phrases, not the words beside the joint
        ("谁当选了杭州市市长和宁波市市长", (("杭州市市长", "宁波市市长"),)),
        ("男子双人3米板和女子双人3米板的冠军分别是谁", (("男子双人3米板", "女子双人3米板"),)),
        # a name jieba splits into single characters, a word and its first character, a suffix
        ("林立和吴昺炜的成绩", (("林立", "吴昺炜"),)),
        ("冬运会和冬残运会的开幕日期", (("冬运会", "冬残运会"),)),
        ("联赛和联盟杯冠军分别是谁", (("联赛", "联盟杯"),)),
        ("长江的长度是多少", ()),
    ],
)
def test_conjuncts_are_the_words_beside_the_joints(key: str, groups: tuple) -> None:
    assert conjuncts(key) == groups


def test_each_conjunct_makes_a_question_without_the_others() -> None:
    assert facet_questions("2023年宝马和奔驰的全球销量分别是多少") == [
        ("2023年宝马的全球销量分别是多少", "宝马"),
        ("2023年奔驰的全球销量分别是多少", "奔驰"),
    ]


def test_parallel_conjuncts_each_keep_their_whole_phrase() -> None:
    assert facet_questions("谁当选了杭州市市长和宁波市市长") == [
        ("谁当选了杭州市市长", "杭州市市长"),
        ("谁当选了宁波市市长", "宁波市市长"),
    ]


def test_places_joined_beside_a_wider_place_get_a_facet_each() -> None:
    from rag.question.analysis import analyse, facets

    # 杭州 is in 中国: the places are not all side by side, yet 日本 and 中国 are
    query, _ = analyse("杭州亚运会日本和中国分别获得多少金牌？", ["杭州亚运会日本获得金牌"])
    assert [keep for _, keep in facets(query)] == ["日本", "中国"]


def test_years_joined_are_left_to_the_year_rules() -> None:
    assert facet_questions("2021年和2024年的营收") == []


@pytest.mark.parametrize(
    ("key", "spelled"),
    [
        ("河畔杯男女单打冠军是谁", "河畔杯男单和女单冠军是谁"),
        ("河畔杯男女双决赛", "河畔杯男双和女双决赛"),
        ("临江市上下半年的产量", "临江市上半年和下半年的产量"),
        ("全市中小学有多少所", "全市中学和小学有多少所"),
        # not where the merged form is not whole words: 男女 + 单身
        ("全市男女单身比例", "全市男女单身比例"),
        ("临江市中小企业有多少家", "临江市中小企业有多少家"),
    ],
)
def test_a_merged_coordination_is_spelled_out_as_its_two_parts(key: str, spelled: str) -> None:
    assert spell_out(key) == spelled


def test_each_part_of_a_merged_coordination_makes_a_question() -> None:
    assert facet_questions(spell_out("河畔杯男女单打冠军是谁")) == [
        ("河畔杯男单冠军是谁", "男单"),
        ("河畔杯女单冠军是谁", "女单"),
    ]


@pytest.mark.parametrize(
    ("sentence", "asks"),
    [
        ("开幕式总导演是谁？", True),
        ("那么，这部剧的演员中谁是本地人呢？」", True),
        ("Who directed it?", True),
        ("开幕式总导演是张艺谋。", False),
        ("“谁来买单？”成为热议话题。", False),
    ],
)
def test_a_sentence_ending_in_a_question_mark_asks(sentence: str, asks: bool) -> None:
    assert is_question(sentence) is asks


def _short(sentence: str, kind: str, unit: str = "", question: str = "", date: str = "") -> str:
    found = take(sentence, 100, question, kind, unit, date)
    if found is None:
        return ""
    assert sentence[found.start - 100 : found.end - 100] in found.text  # verbatim span
    return found.text


def test_a_count_question_gets_the_count_in_the_unit_asked() -> None:
    s = "截至2023年底，全省共有高新技术企业378家，较上年增加45个项目。"
    assert _short(s, "figure", "家") == "378家"
    assert _short(s, "figure", "个") == "45个"


def test_a_money_question_gets_the_amount_with_its_magnitude() -> None:
    assert _short("全年实现营收超2300亿元，同比增长12%。", "figure", "元") == "2300亿元"
    assert _short("项目总投资两千三百亿元。", "figure", "元") == "两千三百亿元"


def test_a_figure_question_without_a_unit_skips_years() -> None:
    assert _short("2021年该市人口出生率为7.52‰。", "figure") == "7.52‰"


def test_a_date_question_gets_a_date_the_question_does_not_state() -> None:
    s = "2022年冬残奥会开幕式于3月4日晚举行。"
    assert _short(s, "date", question="2022年冬残奥会开幕式是哪天") == "3月4日"
    assert _short("该条例自1998年起施行。", "date") == "1998年"


def test_a_relative_date_is_made_absolute_from_the_document_date() -> None:
    assert _short("去年，全市新增企业300家。", "date", date="2024-10-15") == "去年（2023年）"


def test_a_who_question_gets_the_names_joined_as_written() -> None:
    s = "本报告由温晓静、张逸风、李岚共同撰写。"
    assert _short(s, "who", question="本报告由谁撰写") == "温晓静、张逸风、李岚"


def test_a_list_question_gets_the_enumeration() -> None:
    s = "重点发展集成电路、生物医药和新能源三大产业。"
    assert _short(s, "list") == "集成电路、生物医药和新能源"


def test_no_kind_asked_or_none_found_is_no_short_answer() -> None:
    assert take("今天天气很好。", 0, "", "figure") is None
    assert take("今天天气很好。", 0, "", "") is None


@pytest.mark.parametrize(
    ("short", "text", "contracted"),
    [
        ("澳网", "2022年澳大利亚网球公开赛女子单打", True),
        ("北大", "北京大学的录取人数", True),
        ("男单", "男子单打决赛", True),
        ("男单", "男单决赛", False),  # written as it is: a plain mention
        ("北大", "北方的一所大学", False),  # too far apart
        ("ai", "artificial intelligence", False),  # Han words only
    ],
)
def test_a_short_form_matches_the_full_form_it_contracts(
    short: str, text: str, contracted: bool
) -> None:
    from rag.text.contraction import contracted_in

    assert contracted_in(short, text) is contracted


def test_a_transliterated_name_is_taken_whole() -> None:
    found = take("冠军是马尔凯塔·万卓索娃，亚军是朴恩惠。", 0, "谁是冠军", "who")
    assert found is not None and found.text == "马尔凯塔·万卓索娃"
    found = take("他在决赛中输给了拉斐尔·纳达尔。", 10, "他输给了谁", "who")
    assert found is not None and (found.text, found.start) == ("拉斐尔·纳达尔", 18)


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("半决赛上，德约科维奇击败了对手。", "德约科维奇"),  # 德约 + 科维奇
        ("阿尔卡拉斯获得冠军。", "阿尔卡拉斯"),  # 阿尔卡拉 + 斯
        ("斯托伊科维奇获得冠军。", "斯托伊科维奇"),  # 斯托 + 伊 + 科维奇
        ("梅德韦杰夫和辛纳会师决赛。", "梅德韦杰夫"),  # 梅德韦 + 杰夫; jieba glues 和 to 辛纳
        ("罗马托蒂打进一球。", "托蒂"),  # a place (a word of its own), then a name
        ("林志远当选市长。", "林志远"),  # not transliterated: as it was
    ],
)
def test_a_transliterated_name_jieba_cut_apart_is_taken_whole(
    sentence: str, name: str
) -> None:
    found = take(sentence, 0, "谁获胜", "who")
    assert found is not None and found.text == name


def test_a_country_jieba_tags_a_person_is_a_place() -> None:
    found = take("阿根廷梅西打进一球。", 0, "谁进球", "who")
    assert found is not None and found.text == "梅西"
    found = take("阿根廷夺得冠军。", 0, "哪个国家夺冠", "place")
    assert found is not None and found.text == "阿根廷"


@pytest.mark.parametrize(
    ("sentence", "body"),
    [
        ("（作者单位：常熟市社科联）", "常熟市社科联"),  # place + body
        ("（作者单位：溧水区社科联）", "溧水区社科联"),  # 溧水 + 区 + 社科联: the suffix cut off
        ("（作者单位：高淳区社科联）", "高淳区社科联"),  # 高淳 tagged a person, then 区
        ("（作者单位：武进区社科联）", "武进区社科联"),  # 武进区 tagged a person
        ("主办单位是浙江大学。", "浙江大学"),  # the place inside the body's own word
    ],
)
def test_a_body_is_taken_with_the_place_it_is_named_after(sentence: str, body: str) -> None:
    found = take(sentence, 0, "哪个单位", "who")
    assert found is not None and found.text == body
