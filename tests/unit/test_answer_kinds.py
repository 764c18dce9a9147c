"""The kind of answer asked, checked on the candidate sentence, on small documents of three
genres (news, encyclopedia, policy report) that nobody tuned the rules for: who, when, how
many, which, a question sentence never quoted, rare names required whole, relative dates made
absolute, short spans exact. No index: the answerer alone, on every chunk of the documents."""

from __future__ import annotations

from rag.answer.cite import CANNOT_ANSWER
from rag.answer.extractive import Extracted, extract_answer
from rag.ingest.chunk import chunk_document
from rag.ingest.readers import make_doc
from rag.text.script import search_key
from rag.types import SourceDoc

NEWS = make_doc(
    "news",
    "市长选举结果揭晓\n\n本次选举的投票率为62%。谁会当选，成为当天最受关注的话题？\n"
    "最终，无党籍候选人林志远以51万票当选市长。\n"
    "神舟十四号乘组于去年12月返回地面。神舟十六号乘组由景海鹏、朱杨柱和桂海潮组成。\n",
    {"title": "市长选举结果揭晓", "date": "2024-10-15"},
)
ENCYCLOPEDIA = make_doc(
    "wiki",
    "莫城\n\n莫城是东欧的一座古城，位于平原中部。\n"
    "莫城第一次见于史书记载是在1147年，当时为一公国的要塞。\n"
    "城内有三座石砌教堂和一座修道院。\n",
    {"title": "莫城"},
)
POLICY = make_doc(
    "policy",
    "临江市制造业发展报告\n\n去年，临江市新增高新技术企业128家，总数达到378家。\n"
    "全市重点发展集成电路、生物医药和新能源三大产业。\n"
    "甲区的工业产值为820亿元，乙区的工业产值为610亿元。\n",
    {"title": "临江市制造业发展报告", "date": "2024-10-15"},
)


def ask(question: str, *docs: SourceDoc) -> Extracted:
    docs = docs or (NEWS, ENCYCLOPEDIA, POLICY)
    hits = [(c, d) for d in docs for c in chunk_document(d, 160)]
    keys = [search_key(c.text) for c, _ in hits]
    return extract_answer(question, hits, keys, list(docs))


def quotes(found: Extracted) -> list[str]:
    return [c.quote for c in found.citations]


def test_who_is_answered_by_a_sentence_naming_a_person() -> None:
    found = ask("谁当选了市长？")
    assert quotes(found)[0] == "最终，无党籍候选人林志远以51万票当选市长。"
    assert found.short is not None and found.short.text == "林志远"


def test_a_sentence_that_is_itself_a_question_is_never_quoted() -> None:
    found = ask("谁会当选市长，成为当天最受关注的话题？")
    assert "谁会当选，成为当天最受关注的话题？" not in quotes(found)


def test_when_accepts_a_year_of_any_century() -> None:
    found = ask("莫城第一次见于史书记载是在哪一年？")
    assert quotes(found) == ["莫城第一次见于史书记载是在1147年，当时为一公国的要塞。"]
    assert found.short is not None and found.short.text == "1147年"


def test_how_many_gets_the_figure_in_the_unit_asked() -> None:
    found = ask("临江市高新技术企业总数有多少家？")
    assert found.short is not None and found.short.text in ("128家", "378家")
    doc_text = POLICY.text
    assert doc_text[found.short.start : found.short.end] == found.short.text


def test_which_gets_the_enumeration() -> None:
    found = ask("临江市重点发展哪些产业？")
    assert found.short is not None and found.short.text == "集成电路、生物医药和新能源"


def test_a_rare_name_of_the_question_must_be_in_the_sentence() -> None:
    found = ask("神舟十六号乘组由哪些航天员组成？")
    assert all("神舟十四号" not in q for q in quotes(found))
    assert "神舟十六号乘组由景海鹏、朱杨柱和桂海潮组成。" in quotes(found)
    assert ask("神舟十八号乘组由哪些航天员组成？").text == CANNOT_ANSWER


def test_a_relative_date_is_shown_with_the_year_it_means() -> None:
    found = ask("临江市新增高新技术企业是在什么时候？", POLICY)
    assert found.short is not None and found.short.text == "去年（2023年）"
    assert POLICY.text[found.short.start : found.short.end] == "去年"


def test_things_asked_side_by_side_each_get_their_sentence() -> None:
    found = ask("甲区和乙区的工业产值分别是多少？", POLICY)
    said = found.text
    assert "820亿元" in said and "610亿元" in said


def test_the_short_answer_comes_first_and_cites_its_quote() -> None:
    found = ask("临江市高新技术企业总数有多少家？")
    assert found.short is not None
    assert found.text.splitlines()[0] == f"{found.short.text}[{found.short.n}]"
    cited = found.citations[found.short.n - 1]
    assert cited.start <= found.short.start < found.short.end <= cited.end


def test_no_short_answer_when_the_question_asks_how_or_why() -> None:
    found = ask("莫城为什么是一座古城？", ENCYCLOPEDIA)
    assert found.short is None


SPORTS = make_doc(
    "sports",
    "河畔杯羽毛球赛于2019年5月举行。女子单打冠军由韩国选手朴恩惠获得。\n"
    "玛丽亚·奥尔洛娃是2018年的冠军，她在本届比赛中止步八强。\n"
    "东港钢铁去年再创新高。全年粗钢产量达到1200万吨。\n",
    {"title": "体育与产业快讯"},
)


def test_a_sentence_naming_no_year_speaks_of_the_year_before_it() -> None:
    found = ask("2019年河畔杯女子单打冠军是谁？", SPORTS)
    assert "女子单打冠军由韩国选手朴恩惠获得。" in quotes(found)
    assert found.short is not None and found.short.text == "朴恩惠"


def test_a_year_a_sentence_names_for_itself_is_not_overridden() -> None:
    found = ask("2019年河畔杯的冠军是谁？", SPORTS)
    assert all("玛丽亚" not in q for q in quotes(found))


OPEN = make_doc(
    "open",
    "临江网球公开赛落幕\n\n2022年临江网球公开赛于8月在临江举行。"
    "朴恩惠是本届比赛的女单冠军，她在2019年曾获得亚军。\n",
    {"title": "临江网球公开赛落幕"},
)
BADMINTON = make_doc(
    "badminton",
    "羽毛球简讯\n\n2022年海滨杯羽毛球赛的男单冠军由李明获得。\n",
    {"title": "羽毛球简讯"},
)


def test_an_edition_referred_to_is_the_year_its_paragraph_named() -> None:
    # 本届: the 2022 edition named before, though the sentence names 2019 as its past
    from rag.answer.context import carried_years
    from rag.answer.documents import Document

    doc = Document.of(OPEN)
    at = doc.text.index("朴恩惠")
    assert carried_years(doc, at, doc.text[at : doc.text.index("。", at) + 1]) == {"2022"}
    found = ask("2022年临江网球公开赛女单冠军是谁？", OPEN, BADMINTON)
    assert quotes(found) == ["朴恩惠是本届比赛的女单冠军，她在2019年曾获得亚军。"]


def test_a_merged_coordination_answers_each_part_and_names_the_one_not_found() -> None:
    # 男女单打 asks for 男单 and 女单: the women's champion is stated; the men's is only
    # stated for another tournament, which is not quoted for it
    for question in ("2022年临江网球公开赛男女单打冠军是谁？", "2022年临江网球公开赛男女单冠军"):
        found = ask(question, OPEN, BADMINTON)
        assert found.short is not None and found.short.text == "朴恩惠"
        assert quotes(found) == ["朴恩惠是本届比赛的女单冠军，她在2019年曾获得亚军。"]
        assert found.text.endswith("文档中没有找到：男单。")


TRAVEL = make_doc(
    "travel",
    "假日出行\n\n2023年国庆假期，临江市接待游客1.2亿人次，实现旅游收入980亿元。\n",
    {"title": "假日出行", "date": "2023-10-08"},
)
HISTORY = make_doc(
    "history",
    "河畔城\n\n在河畔城内乱的时候，北军和韩飚进围临江城，并得到高丽发兵支援。\n",
    {"title": "河畔城"},
)


def test_parts_asked_side_by_side_each_get_their_span_labelled_in_the_question_s_script() -> None:
    found = ask("甲区和乙区的工业产值分别是多少？", POLICY)
    assert found.short is not None
    labelled = [(p.label, p.text) for p in found.short.parts]
    assert labelled == [("甲区", "820亿元"), ("乙区", "610亿元")]
    assert found.text.split("\n")[0] == "甲区：820亿元[1]；乙区：610亿元[1]"
    assert found.short.text == "820亿元；610亿元"
    for p in found.short.parts:  # each span verbatim at its offsets
        assert POLICY.text[p.start : p.end] == p.text
    tw = ask("甲區和乙區的工業產值分別是多少？", POLICY)
    assert tw.short is not None and [p.label for p in tw.short.parts] == ["甲區", "乙區"]
    # two figures of one sentence, each the one its part asks
    two = ask("2023年国庆假期临江市旅游人次和收入是多少？", TRAVEL)
    assert two.short is not None
    assert [p.text for p in two.short.parts] == ["1.2亿人次", "980亿元"]


def test_subjects_joined_in_a_question_asking_one_thing_get_one_span() -> None:
    # 北军和韩飚 are who besieged the city, not two things asked: one answer, not 韩飚 for one
    found = ask("在河畔城内乱的时候，北军和韩飚进围临江城，并得到谁的支援？", HISTORY)
    assert found.short is not None and found.short.text == "高丽" and not found.short.parts


BIRTHS = make_doc(
    "births",
    "人口简报\n\n2023年全国人口出生率为6.39‰。\n河北省2023年人口出生率为6.21‰，低于上年。\n",
    {"title": "人口简报", "date": "2024-02-01"},
)
PROVINCE = make_doc(
    "province",
    "省情简报\n\n河北省2023年人口出生率为6.21‰，低于上年。\n",
    {"title": "省情简报", "date": "2024-02-01"},
)


def test_a_figure_of_the_whole_country_is_not_answered_by_a_province_s() -> None:
    found = ask("我国2023年人口出生率是多少？", BIRTHS)
    assert quotes(found) == ["2023年全国人口出生率为6.39‰。"]
    assert ask("我国2023年人口出生率是多少？", PROVINCE).text == CANNOT_ANSWER
    # the country by its name; the province's own figure is still its answer, with or
    # without the country named
    assert ask("中国2023年人口出生率是多少？", PROVINCE).text == CANNOT_ANSWER
    assert quotes(ask("中国2023年人口出生率是多少？", BIRTHS)) == ["2023年全国人口出生率为6.39‰。"]
    assert quotes(ask("河北省2023年人口出生率是多少？", PROVINCE))
    assert quotes(ask("中国河北省2023年人口出生率是多少？", PROVINCE))


QUARTERS = make_doc(
    "quarters",
    "经济简报\n\n2023年前三季度，临江市地区生产总值增长5.2%。\n"
    "2023年1-11月，临江市社会消费品零售总额增长7.1%。\n",
    {"title": "经济简报", "date": "2023-12-20"},
)
WHOLE_YEAR = make_doc(
    "whole-year",
    "经济公报\n\n2023年前三季度，临江市地区生产总值增长5.2%，全年增长5.4%。\n",
    {"title": "经济公报", "date": "2024-02-01"},
)


def test_a_year_s_figure_is_not_answered_by_part_of_the_year() -> None:
    assert ask("临江市2023年地区生产总值增长多少？", QUARTERS).text == CANNOT_ANSWER
    assert ask("临江市2023年社会消费品零售总额增长多少？", QUARTERS).text == CANNOT_ANSWER
    # the period asked, or the whole year stated beside it
    found = ask("临江市2023年前三季度地区生产总值增长多少？", QUARTERS)
    assert found.short is not None and found.short.text == "5.2%"
    found = ask("临江市2023年地区生产总值增长多少？", WHOLE_YEAR)
    assert found.short is not None and found.short.text == "5.4%"


def test_a_rare_name_may_be_in_the_sentence_referred_back_to() -> None:
    found = ask("东港钢铁的粗钢产量是多少？", SPORTS)
    assert found.short is not None and found.short.text == "1200万吨"


def test_a_role_asked_without_a_question_word_asks_who_holds_it() -> None:
    from rag.question.analysis import analyse

    query, _ = analyse("2019年河畔杯女子单打冠军？", [])
    assert query.asks_person
    assert not analyse("河畔杯女子单打决赛的比分？", [])[0].asks_person
    assert not analyse("她获得过几次女子单打冠军？", [])[0].asks_person
    # a reason asked of the role asks no name
    assert not analyse("他为什么没有竞选市长？", [])[0].asks_person


def test_the_holder_of_a_role_asked_is_the_short_answer() -> None:
    found = ask("本次选举当选的市长？")
    assert found.short is not None and found.short.text == "林志远"


def test_a_count_in_chinese_numerals_answers_how_many() -> None:
    found = ask("莫城城内有几座教堂？")
    assert quotes(found) == ["城内有三座石砌教堂和一座修道院。"]
    assert found.short is not None and found.short.text == "三座"


def test_an_article_s_sentences_are_about_its_title() -> None:
    # the sentence does not name 莫城; the article it is in is 《莫城》
    from rag.answer.candidates import read_question
    from rag.answer.corpus import Documents
    from rag.answer.documents import Document
    from rag.answer.evidence import score_sentence

    doc = Document.of(ENCYCLOPEDIA)
    hits = [(c, doc) for c in chunk_document(doc, 160)]
    query, weights, _ = read_question("莫城城内有几座教堂？", hits, [], Documents([doc]))
    at = doc.text.index("城内有三座")
    end = doc.text.index("。", at) + 1
    scored = score_sentence(query, weights, doc, at, end, "", "", 0)
    assert scored.cover == 1.0


def test_the_title_repeated_as_a_first_line_is_no_answer() -> None:
    doc = make_doc(
        "drama",
        "河畔往事 (电视剧)\n\n该剧讲述临江市一家人的故事。由林志远、朴恩惠主演。\n",
        {"title": "河畔往事 (电视剧)"},
    )
    found = ask("河畔往事是什么？", doc)
    assert quotes(found)[0].startswith("该剧讲述临江市一家人的故事。")
    assert all("河畔往事 (电视剧)" not in q for q in quotes(found))


TWINS = make_doc(
    "twins",
    "临江大桥\n\n临江大桥于1998年动工。\n桥南有一座公园。\n临江大桥于2003年通车。\n",
    {"title": "临江大桥"},
)


def test_two_sentences_scoring_alike_are_both_shown() -> None:
    # 动工 or 通车: the question does not say which year it means
    found = ask("临江大桥是哪一年的？", TWINS)
    assert quotes(found) == ["临江大桥于1998年动工。", "临江大桥于2003年通车。"]


def test_a_clearly_better_sentence_is_shown_alone() -> None:
    found = ask("临江大桥是哪一年通车的？", TWINS)
    assert quotes(found) == ["临江大桥于2003年通车。"]


def test_why_is_answered_by_the_explanation_over_sentences() -> None:
    doc = make_doc(
        "bridge",
        "临江大桥\n\n河床下发现了一条断层，桥墩须重新设计。因此大桥的工期推迟了两年。"
        "新的桥墩深入岩层四十米。\n桥南有一座公园。\n",
        {"title": "临江大桥"},
    )
    found = ask("临江大桥的工期为什么推迟了？", doc)
    # the best sentence leans on the one before (因此): the quote starts there, and runs on
    assert quotes(found)[0] == (
        "河床下发现了一条断层，桥墩须重新设计。因此大桥的工期推迟了两年。新的桥墩深入岩层四十米。"
    )
    cited = found.citations[0]
    assert doc.text[cited.start : cited.end] == cited.quote


def test_a_country_of_any_continent_answers_which_country() -> None:
    doc = make_doc(
        "racer",
        "佩德罗·席尔瓦\n\n佩德罗·席尔瓦是一位葡萄牙赛车手。\n他曾在美国大奖赛获得第三名。\n",
        {"title": "佩德罗·席尔瓦"},
    )
    found = ask("佩德罗·席尔瓦是哪个国家的赛车手？", doc)
    assert found.short is not None and found.short.text == "葡萄牙"


RESULTS = make_doc(
    "results",
    "锦标赛落幕\n\n当晚，第十届临江杯围棋锦标赛决赛在市体育馆举行。韩国棋手朴正焕最终夺得冠军。\n"
    "赛事共有来自12个国家的64名棋手参赛。\n",
    {"title": "锦标赛落幕", "date": "2024-10-15"},
)


def test_an_event_sentence_is_answered_by_the_outcome_after_it() -> None:
    found = ask("第十届临江杯围棋锦标赛的冠军是谁？", RESULTS)
    assert quotes(found) == [
        "当晚，第十届临江杯围棋锦标赛决赛在市体育馆举行。韩国棋手朴正焕最终夺得冠军。"
    ]
    assert found.short is not None and found.short.text == "朴正焕"


def test_the_outcome_sentence_does_not_lend_the_event_its_words() -> None:
    # the outcome holds the person asked, but the event sentence is of another year
    other = make_doc(
        "other",
        "棋界简讯\n\n2022年的海滨杯围棋赛在海滨市举行。韩国棋手朴正焕夺得冠军。\n",
        {"title": "棋界简讯", "date": "2024-10-15"},
    )
    found = ask("2023年海滨杯围棋赛冠军是谁？", other)
    assert found.citations == []


LEAGUE = make_doc(
    "sports",
    "联赛年终总结\n\n2024年冰壶碗决赛在河畔体育馆举行，观众超过三万人。\n"
    "洛杉矶猎鹰获2024冰壶碗冠军。\n"
    "2024年河畔羽毛球公开赛冠军赛吸引了十二支队伍参赛。\n",
    {"title": "联赛年终总结", "date": "2024-12-20"},
)
WRITINGS = make_doc(
    "works",
    "月下集\n\n小野不由的诗集《月下集》收录四十首短诗。\n"
    "河原龙生存于晚侏罗纪的河谷，约1.5亿年前。河原龙的化石于1998年被发现。\n"
    "这项计划的服务对象是60岁以上的独居老人。\n",
    {"title": "月下集"},
)


def test_a_name_jieba_splits_off_a_measure_word_is_required_whole() -> None:
    # jieba reads 冰壶|碗 (碗 a measure word): searched as 冰壶 alone, any 冠军 sentence would do
    found = ask("2024年冰壶碗冠军是谁？", LEAGUE)
    assert quotes(found) == ["洛杉矶猎鹰获2024冰壶碗冠军。"]


def test_a_body_named_by_a_place_and_a_noun_answers_who() -> None:
    # 洛杉矶|猎鹰: a place and a noun, no name tag; the tournament's name is no body
    found = ask("谁是2024冰壶碗冠军？", LEAGUE)
    assert quotes(found) == ["洛杉矶猎鹰获2024冰壶碗冠军。"]


def test_whose_work_is_answered_by_whoever_stands_before_it() -> None:
    # jieba tags 小野|不由 a noun and an adjective: no person's name to find
    found = ask("《月下集》是谁的诗集？", WRITINGS)
    assert quotes(found) == ["小野不由的诗集《月下集》收录四十首短诗。"]


def test_who_of_a_group_asks_a_description_not_a_name() -> None:
    found = ask("这项计划的服务对象是谁？", WRITINGS)
    assert quotes(found) == ["这项计划的服务对象是60岁以上的独居老人。"]


def test_when_accepts_a_geological_period() -> None:
    found = ask("河原龙生存于什么时候？", WRITINGS)
    assert quotes(found)[0] == "河原龙生存于晚侏罗纪的河谷，约1.5亿年前。"
    assert found.short is not None and found.short.text == "晚侏罗纪"


FIRM = make_doc(
    "firm",
    "河畔科技简介\n\n河畔科技的估值备受关注，公司员工超过300人。\n",
    {"title": "河畔科技简介"},
)
FESTIVAL = make_doc(
    "festival", "音乐节\n\n音乐节门票售价为80欧元，学生半价。\n", {"title": "音乐节"}
)


def test_a_value_or_price_is_a_sum_of_money_in_any_currency() -> None:
    assert ask("河畔科技的估值是多少？", FIRM).text == CANNOT_ANSWER  # 300人 is a count
    found = ask("音乐节门票售价是多少？", FESTIVAL)
    assert quotes(found) == ["音乐节门票售价为80欧元，学生半价。"]
    assert found.short is not None and found.short.text == "80欧元"


AWARDS = make_doc(
    "awards",
    "河畔电影节闭幕\n\n2024年河畔电影节共收到报名影片三百部，评奖周期为两年。\n"
    "2024年河畔电影节最佳影片奖由《远山》获得。\n",
    {"title": "河畔电影节闭幕", "date": "2024-11-02"},
)


def test_named_parts_asked_side_by_side_are_each_answered_by_a_sentence_naming_them() -> None:
    found = ask("2024年河畔电影节最佳影片奖和最佳导演奖分别是什么？", AWARDS)
    assert quotes(found) == ["2024年河畔电影节最佳影片奖由《远山》获得。"]
    assert found.text.splitlines()[-1] == "文档中没有找到：最佳导演奖。"  # the half not answered
    found = ask("2024年河畔電影節最佳影片獎和最佳導演獎分別是什麼？", AWARDS)
    assert found.text.splitlines()[-1] == "文檔中沒有找到：最佳導演獎。"
    # a sentence about the festival names neither part: nothing asked is answered
    found = ask("2024年河畔电影节最佳导演奖和最佳编剧奖分别是什么？", AWARDS)
    assert found.text == CANNOT_ANSWER


DISTRICT = make_doc(
    "district",
    "甲区概况\n\n甲区位于河的右岸，西部与乙区接邻；北部毗邻丙区，南面是丁区。\n"
    "2020年甲区人口出生率为7.0‰；2021年甲区人口出生率为6.5‰。\n",
    {"title": "甲区概况", "date": "2022-03-01"},
)


def test_a_clause_closed_by_a_semicolon_is_quoted_with_its_sentence() -> None:
    found = ask("甲区位于哪里？", DISTRICT)
    assert "甲区位于河的右岸，西部与乙区接邻；北部毗邻丙区，南面是丁区。" in quotes(found)


def test_the_short_answer_comes_from_the_clause_that_answers() -> None:
    found = ask("2021年甲区人口出生率是多少？", DISTRICT)
    assert quotes(found) == ["2020年甲区人口出生率为7.0‰；2021年甲区人口出生率为6.5‰。"]
    assert found.short is not None and found.short.text == "6.5‰"


RANKED = make_doc(
    "ranked",
    "各省报名人数\n\n3、河南省报名人数位居全国第三位。4、山东省，57万人。\n",
    {"title": "各省报名人数"},
)


def test_a_rank_an_item_number_and_the_next_item_are_no_figure_of_the_one_asked() -> None:
    # 第三位 is a rank, 3、 an item number, 4、山东省… the next item, not the outcome of this one
    assert ask("河南省报名人数是多少？", RANKED).text == CANNOT_ANSWER


def test_the_noun_of_a_quantity_asks_a_figure_when_nothing_else_is_asked() -> None:
    doc = make_doc(
        "plant",
        "临江汽车厂年报\n\n临江汽车厂的产量位居全省第二位。\n去年临江汽车厂的产量为12万辆，"
        "其中新能源车4万辆。\n",
        {"title": "临江汽车厂年报", "date": "2024-10-15"},
    )
    # no question word: 产量 is a measured quantity, so the rank sentence is no answer
    found = ask("临江汽车厂的产量", doc)
    assert quotes(found) == ["去年临江汽车厂的产量为12万辆，其中新能源车4万辆。"]
    # a rate is a quantity too; the documents state none: refused, not the rank sentence
    assert ask("临江汽车厂的产量增长率", doc).text == CANNOT_ANSWER


def test_a_name_the_documents_never_speak_of_is_required() -> None:
    doc = make_doc(
        "film",
        "河畔城\n\n电影《河畔城》上映后获得影评人和观众的广泛好评。\n"
        "该片在国内的票房达到三亿元。\n",
        {"title": "河畔城"},
    )
    # 金棕榈奖 is in no chunk, nor 金棕榈: no sentence is about it
    others = (NEWS, ENCYCLOPEDIA, POLICY)
    assert ask("电影《河畔城》上映后获得过哪些金棕榈奖？", doc, *others).text == CANNOT_ANSWER
    # the stem is held (金棕榈大奖): the word stays optional and the sentence may answer
    held = make_doc(
        "film2",
        "河畔城\n\n电影《河畔城》获得了金棕榈大奖提名和影评人的好评。\n",
        {"title": "河畔城"},
    )
    assert quotes(ask("电影《河畔城》上映后获得过哪些金棕榈奖？", held, *others))


def test_an_explanation_does_not_run_on_into_a_question() -> None:
    doc = make_doc(
        "essay",
        "冰壶碗\n\n冰壶碗是一种用冰块雕成的器皿，夏天用来盛放冷饮。它会在夏天普及吗？\n",
        {"title": "冰壶碗"},
    )
    found = ask("冰壶碗是什么？", doc)
    assert quotes(found) == ["冰壶碗是一种用冰块雕成的器皿，夏天用来盛放冷饮。"]


def test_an_event_jieba_calls_a_person_answers_no_who_question() -> None:
    doc = make_doc(
        "match",
        "冰壶赛报道\n\n河畔城冰壶赛的决赛双方战平，比赛随后进入加时赛。\n",
        {"title": "冰壶赛报道"},
    )
    # jieba's dictionary tags 加时赛 a person's name; it names nobody who won
    assert ask("河畔城冰壶赛的决赛冠军是谁？", doc, NEWS, POLICY).text == CANNOT_ANSWER


def test_a_year_or_place_asked_beside_another_that_no_quote_answers_is_said() -> None:
    doc = make_doc(
        "tourism",
        "河畔城旅游年报\n\n2022年河畔城接待游客120万人次，同比增长8%。\n"
        "2021—2022雪季，河畔城滑雪场接待游客15万人次。\n",
        {"title": "河畔城旅游年报"},
    )
    found = ask("2022年和2023年河畔城接待游客多少万人次？", doc, NEWS, POLICY)
    assert quotes(found)[0] == "2022年河畔城接待游客120万人次，同比增长8%。"
    assert found.short is not None and found.short.text == "120万人次"
    assert found.text.endswith("文档中没有找到：2023年。")
    # two places asked side by side: the one no quote names is said
    port = make_doc(
        "port",
        "港口年报\n\n去年宁波港的货物吞吐量为12.5亿吨。\n港区新建泊位六个。\n",
        {"title": "港口年报"},
    )
    places = ask("宁波和温州的港口货物吞吐量是多少？", port, NEWS, POLICY)
    assert quotes(places) == ["去年宁波港的货物吞吐量为12.5亿吨。"]
    assert places.text.endswith("文档中没有找到：温州。")
    # the years of one span (a season) are not two years asked
    season = ask("2021-2022雪季河畔城滑雪场接待游客多少万人次？", doc, NEWS, POLICY)
    assert "文档中没有找到" not in season.text


def test_a_rate_asked_is_answered_by_its_per_cent() -> None:
    doc = make_doc(
        "births",
        "河畔城人口公报\n\n2023年河畔城出生人口5.2万人，人口出生率为7.15‰，比上年下降0.3个千分点。\n",
        {"title": "河畔城人口公报"},
    )
    found = ask("2023年河畔城的人口出生率是多少？", doc, NEWS, POLICY)
    assert found.short is not None and found.short.text == "7.15‰"
    # a sentence stating the count alone holds no rate
    count = make_doc(
        "births2",
        "河畔城人口公报\n\n2023年河畔城出生人口5.2万人。\n",
        {"title": "河畔城人口公报"},
    )
    assert ask("2023年河畔城的人口出生率是多少？", count, NEWS, POLICY).text == CANNOT_ANSWER


def test_of_several_figures_the_short_answer_is_the_one_the_question_leads_to() -> None:
    doc = make_doc(
        "economy",
        "河畔城经济公报\n\n2023年河畔城常住人口增加1.2%，地区生产总值增速达到5.6%。\n"
        "河畔城建成3个物流园区，引进12个研发中心。\n",
        {"title": "河畔城经济公报"},
    )
    growth = ask("2023年河畔城的地区生产总值增速是多少？", doc, NEWS, POLICY)
    assert growth.short is not None and growth.short.text == "5.6%"
    # a count: the figure followed by the noun counted
    centres = ask("河畔城引进了多少个研发中心？", doc, NEWS, POLICY)
    assert centres.short is not None and centres.short.text == "12个"


def test_of_several_dates_the_short_answer_is_the_one_of_the_event_asked() -> None:
    doc = make_doc(
        "bridge2",
        "临江大桥\n\n市政府于3月2日召开会议，决定于6月18日举行临江大桥通车仪式。\n"
        "临江大桥的主体工程于2019年5月1日至2022年9月30日施工。\n",
        {"title": "临江大桥"},
    )
    opened = ask("临江大桥的通车仪式在什么时候举行？", doc, NEWS, POLICY)
    assert opened.short is not None and opened.short.text == "6月18日"
    # dates joined by 至 are one span
    built = ask("临江大桥的主体工程是什么时候施工的？", doc, NEWS, POLICY)
    assert built.short is not None and built.short.text == "2019年5月1日至2022年9月30日"


def test_a_question_whose_parts_no_quote_names_is_refused() -> None:
    doc = make_doc(
        "marathon",
        "北京马拉松\n\n北京马拉松共有来自12个国家的选手参赛，参赛选手数量创下新高。\n"
        "日本代表团有选手86名。\n",
        {"title": "北京马拉松"},
    )
    # the place in the race's name is no part asked; neither country asked is named by any
    # sentence: nothing asked is answered
    found = ask("北京马拉松法国和德国的选手数量", doc, NEWS, POLICY)
    assert found.text == CANNOT_ANSWER
    # one of them named: its part is answered and the other said missing
    found = ask("北京马拉松日本和德国的选手数量", doc, NEWS, POLICY)
    assert "日本代表团有选手86名。" in quotes(found)
    assert found.text.endswith("文档中没有找到：德国。")
