"""Places: a gazetteer of Chinese provinces and prefecture-level cities, and what a sentence is
about.

jieba's place tag (`ns`) is too noisy to decide "is this sentence about Suzhou?" (it tags `上市`
and `深度` as places), so place names come from this list instead: every provincial-level
division, the prefecture-level cities (minus a few whose names are everyday words: 来宾, 安康,
长治, 白银 ...), the county-level cities and districts of Suzhou (the corpus's subject), the
regions reports compare (长三角 ...), and the countries the field cites. Each name knows its
parent, so a sentence about 昆山 is within 苏州 and one naming 中国 does not leave it.

The trade-off: a city missing from the list is invisible to the place checks (answers then rest
on the other checks); a name that is also a word would wrongly count as a place, hence the cuts.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_PROVINCES = {
    "中国": "",
    "北京": "中国 东城 西城 朝阳 海淀 丰台 通州 顺义 昌平 大兴 中关村",
    "天津": "中国",
    "上海": "中国 浦东 徐汇 闵行 嘉定 临港 张江",
    "重庆": "中国",
    "河北": "中国 石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 雄安",
    "山西": "中国 太原 阳泉 晋城 朔州 晋中 运城 忻州 临汾 吕梁",
    "内蒙古": "中国 呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布",
    "辽宁": "中国 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 葫芦岛",
    "吉林": "中国 长春 四平 辽源 通化 松原 白城 延边",
    "黑龙江": "中国 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 绥化",
    "江苏": "中国 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁",
    "浙江": "中国 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水",
    "安徽": "中国 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 滁州 阜阳 宿州 六安 亳州 池州 宣城",
    "福建": "中国 福州 厦门 莆田 泉州 漳州 南平 龙岩 宁德",
    "江西": "中国 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 宜春 抚州 上饶",
    "山东": "中国 济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 聊城 滨州 菏泽",
    "河南": "中国 郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 "
    "信阳 周口 驻马店",
    "湖北": "中国 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州",
    "湖南": "中国 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底",
    "广东": "中国 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 "
    "清远 东莞 潮州 揭阳 云浮",
    "广西": "中国 南宁 柳州 桂林 梧州 防城港 钦州 贵港 百色 贺州 河池 崇左",
    "海南": "中国 海口 三亚 儋州",
    "四川": "中国 成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 "
    "雅安 巴中 资阳",
    "贵州": "中国 贵阳 六盘水 遵义 安顺 毕节 铜仁",
    "云南": "中国 昆明 曲靖 玉溪 保山 昭通 丽江 临沧",
    "西藏": "中国 拉萨 日喀则 昌都 林芝",
    "陕西": "中国 西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 商洛",
    "甘肃": "中国 兰州 嘉峪关 金昌 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南",
    "青海": "中国 西宁",
    "宁夏": "中国 银川 石嘴山 吴忠 固原",
    "新疆": "中国 乌鲁木齐 克拉玛依 吐鲁番 哈密",
    "台湾": "中国 台北 新竹 台中 高雄",
    "香港": "中国",
    "澳门": "中国",
    "长三角": "中国",
    "京津冀": "中国",
    "珠三角": "中国",
    "粤港澳": "中国",
}
"""Each province: its parent first, then its prefecture-level cities (and, for the direct-
administered cities, a few districts reports name)."""

_SUBPLACES = {
    "苏州": "姑苏 吴中 相城 吴江 虎丘 昆山 常熟 张家港 太仓 苏州工业园区 苏州高新区",
    "杭州": "余杭 萧山 滨江 西湖区 临平 钱塘",
    "南京": "江宁 浦口 栖霞",
    "深圳": "南山 福田 宝安 龙岗",
}
"""County-level cities and districts, for the cities the corpus is about or compares."""

_COUNTRIES = (
    "美国 日本 韩国 新加坡 德国 英国 法国 意大利 荷兰 瑞士 瑞典 芬兰 以色列 印度 俄罗斯 加拿大 "
    "澳大利亚 新西兰 巴西 越南 泰国 马来西亚 印度尼西亚 东盟 欧盟 欧洲 北美 硅谷"
)


@lru_cache(maxsize=1)
def parents() -> dict[str, str]:
    """Every known place name -> its parent ("" for a top-level one)."""
    out: dict[str, str] = {name: "" for name in _COUNTRIES.split()}
    for province, spec in _PROVINCES.items():
        if not spec:
            continue
        parent, *cities = spec.split()
        out[province] = parent if parent != province else ""
        out.update({city: province for city in cities})
    out["中国"] = ""
    for city, spec in _SUBPLACES.items():
        out.update({sub: city for sub in spec.split()})
    return out


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names = sorted(parents(), key=len, reverse=True)  # longest first: 苏州工业园区 before 苏州
    return re.compile("|".join(map(re.escape, names)))


@lru_cache(maxsize=8192)
def places_in(key: str) -> frozenset[str]:
    """Place names a search key mentions."""
    return frozenset(m.group(0) for m in _pattern().finditer(key))


# `相比杭州而言，苏州…`: the place compared with is not what the sentence is about.
_COMPARED = re.compile(r"(?:相比|相较|对比|比起|较之?|不如)\s*$")


@lru_cache(maxsize=8192)
def subjects_in(key: str) -> frozenset[str]:
    """Place names a sentence is about: those it mentions, minus places it compares with (unless
    it names nothing else)."""
    found = [(m.group(0), key[max(0, m.start() - 3) : m.start()]) for m in _pattern().finditer(key)]
    subjects = frozenset(p for p, before in found if not _COMPARED.search(before))
    return subjects or frozenset(p for p, _ in found)


@lru_cache(maxsize=4096)
def lineage(place: str) -> tuple[str, ...]:
    """The place and its ancestors: 昆山 -> (昆山, 苏州, 江苏, 中国)."""
    chain = [place]
    table = parents()
    while table.get(chain[-1]):
        chain.append(table[chain[-1]])
    return tuple(chain)


def within(place: str, area: str) -> bool:
    """Is `place` the area itself or inside it (昆山 within 苏州)?"""
    return area in lineage(place)


# 中国 names the scope of a Chinese report, not its subject: 《中国最强地级市》 is about a city.
_COUNTRY_WIDE = frozenset({"中国"})
_SENTENCE_END = re.compile(r"[。！？；!?;]")


def subject_places(paragraph_before: str, section: str, title: str, body: str) -> frozenset[str]:
    """What a sentence that names no place is about: the places of the latest sentence of its
    paragraph that names any; else those its section path names; else its document title's;
    else the place its document names most often."""
    for sentence in reversed(_SENTENCE_END.split(paragraph_before)):
        found = places_in(sentence) - _COUNTRY_WIDE
        if found:
            return found
    return (
        (places_in(section) - _COUNTRY_WIDE)
        or (places_in(title) - _COUNTRY_WIDE)
        or main_place(body)
    )


@lru_cache(maxsize=64)
def main_place(key: str) -> frozenset[str]:
    """The place a whole text names most often (empty when it names none)."""
    counts = Counter(m.group(0) for m in _pattern().finditer(key))
    return frozenset(p for p, _ in counts.most_common(1))


_REGIONS = frozenset(
    {"长三角", "京津冀", "珠三角", "粤港澳", "东盟", "欧盟", "欧洲", "北美", "硅谷"}
)
_MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆", "香港", "澳门"})


@lru_cache(maxsize=1024)
def kind_of(place: str) -> frozenset[str]:
    """What a question's `哪个…` can mean by it: 国家, 省, 城市, 县级市 (a county-level city or
    district), or only 地方 (any place, regions too)."""
    depth = len(lineage(place))
    kinds = {"地方"}
    if place in _REGIONS:
        return frozenset(kinds)
    if depth == 1:
        kinds.add("国家")
    elif place in _MUNICIPALITIES:
        kinds.add("城市")
    elif depth == 2:
        kinds.add("省")
    elif depth == 3:
        kinds.add("城市")
    else:
        kinds |= {"城市", "县级市"}
    return frozenset(kinds)


def places_of_kind(kind: str, within_any: frozenset[str]) -> list[str]:
    """Known places of a kind, inside one of `within_any` when it holds any (苏州's
    county-level cities for `苏州哪个县级市`), else all of them."""
    every = sorted(p for p in parents() if kind in kind_of(p))
    inside = [p for p in every if any(within(p, a) and p != a for a in within_any)]
    return inside or every
