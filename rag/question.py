"""Question analysis: what a question asks for, before any sentence is scored.

A question becomes terms (jieba words of its search key, minus question words) with IDF weights
over the chunks, anchors (what an answering sentence must name: numbers, Latin words, places,
rare named entities), the kind of answer it wants (a figure, and
in which unit; a date; a rank; a name; a list) and its facets (the parts that each need their own
sentence). The trade-off: rules over segmentation and a gazetteer, not a model, so a paraphrase
with none of the text's words is not understood; every rule is about Chinese questions in
general, none about a particular question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.cite import in_script, is_traditional
from rag.clean import search_key
from rag.places import places_in, within
from rag.terms import STOPWORDS, _jieba

YEAR = re.compile(r"(?:19|20)\d{2}")
WORDING = 1.0
"""The weight of a word that is the asker's wording rather than what is asked."""
NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ASKS_FIGURE = re.compile(
    r"多少|(?<!哪)几[家个项所座条倍名位件人款台次]|规模|数量|数目|比例|占比|增速|金额|产值|营收|收入|"
    r"多大|多高|多快"
)
_ASKS_RANK = re.compile(r"排名|第几|名次|位列|排第")
_ASKS_DATE = re.compile(r"何时|什么时候|哪一年|哪年|几月|哪天|日期|时间|哪一天")
_ASKS_LIST = re.compile(r"哪些|哪几|哪[两三四五六七八九十]|有什么|包括什么|列举|几个方面|几方面")
_ASKS_WHO = re.compile(
    r"谁|作者|哪位|撰写|执笔|哪个机构|哪家机构|哪个单位|什么单位|主办|出自|发布者|建议人|提出|来源|"
    r"梳理|整理|参考"
)
# `哪个国家`, `哪座城市`, `哪个县级市`: the answer names a place of that kind
_ASKS_PLACE = re.compile(r"哪一?[个座些国]?(国家|城市|县级市|区县|省份|省|地方|地区)|(哪国)")
# `哪个部门`, `哪个单位`: a who question; the kind of body is no word the answer must repeat
_ASKS_BODY = re.compile(r"哪一?[个家所]?(部门|单位|机构)")
_PLACE_KINDS = {"区县": "县级市", "省份": "省", "地区": "地方", "哪国": "国家"}
_ASKS_TITLE = re.compile(r"标题|题目|题为|哪份|哪篇|哪一份|哪一篇|哪个文件|什么文章|什么材料")
# `那篇文章`, `这份材料`: the question points at a document
_DOC_POINTER = re.compile(r"(?:那|这|该|哪一?)[篇份期部](?:文章|材料|文件|报告|建议|提案)?")


def split_description(key: str) -> tuple[str, str]:
    """A question about a document it describes, as (description, what it asks of that
    document): `说…营收超过2300亿元的|是谁梳理的`, `把苏州和杭州…做了比较|哪份材料`.
    ("", "") when the question points at no document."""
    m = _DOC_POINTER.search(key)
    if not m:
        return "", ""
    before = key[: m.start()].strip(" ，,")
    if len(before) >= 4:  # the pointer (`那篇文章`) is the document itself: not asked of it,
        after = key[m.end() :]  # unless it is the whole ask (`这个数字出自哪篇文章`)
        return before, after if re.search(r"\w", after) else key[m.start() :]
    return key[m.end() :], key[: m.end()]


# The unit a figure must carry: `多少件` is not answered by `60亿元`.
_UNIT_ASKED = re.compile(r"(?:多少|(?<!哪)几)([家个项件所座条名位人款台次倍])")
_MONEY_ASKED = re.compile(r"营收|营业收入|收入|产值|金额|投资额|多少钱|多少亿|多少万|产业规模")
# Short forms Chinese reports use interchangeably with the full form (简称 and 全称).
_ALIASES = (
    ("ai", "人工智能"),
    ("规上", "规模以上"),
    ("文旅", "文化旅游"),
    ("智算", "智能计算"),
    ("营收", "营业收入"),
    ("高校", "高等院校"),
    ("增速", "增长速度"),
)
# Words policy reports and their readers use for the same thing (a small thesaurus of the
# genre, not of this corpus): a question's `增长速度` is the text's `增速` or `增长`.
_SYNONYMS = (
    ("增速", "增长速度", "增幅", "增长率", "增长"),
    ("规模", "总量", "体量"),
    ("排名", "排", "位列", "位居", "名列", "跻身"),
    ("打造", "构建", "建设", "建立", "搭建"),
    ("比较", "对比", "相比"),
    ("问题", "困境", "短板", "瓶颈", "难题"),
    ("措施", "举措", "对策", "办法", "路径"),
    ("建议", "提议", "提案"),
    ("企业", "公司"),
    ("目标", "力争"),
    ("参考资料", "参考文献"),
    ("保护", "传承"),
    ("合作", "协同"),
    ("龙头", "领军", "头部", "链主"),
    ("缺少", "缺乏", "缺失"),
    ("本地", "本土"),
    ("资金", "经费", "资助"),
    ("吸走", "虹吸"),
    ("文章", "材料", "文件", "文献", "一文"),
    ("设立", "组建", "成立", "设置"),
    ("专门", "专项"),
    ("行业", "产业"),
)
# prepositions, conjunctions, particles, pronouns, locality words (里, 前后): never terms
_FUNCTION_POS = frozenset(
    {"p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "y", "e", "o", "r", "f"}
)
_ENTITY_POS = ("nt", "nr", "nz", "eng")
# Question words carry no content: segmented words matching this are never terms.
_QUESTION_WORDS = re.compile(
    r"(?:多少|几)[家个项所座条年倍名位人次件亿万元期]?|有?多[大高长快久远]|排第几|第几|各排第几|"
    r"数量|数目|总数|多少钱|钱|"
    r"哪几[家个项所位种类条]?|什么时候|时候|什么|甚么|哪天|哪年|哪一年|哪一天|哪些|哪个|哪家|哪一|哪里|哪份|哪座|哪|"
    r"是谁|谁|吗|呢|如何|怎么样|怎样|怎么|为什么|请问|是否|有没有|叫什么|叫|名字|"
    r"一共|总共|共有|截至|截止|各有|各是|各自|各|分别|大概|大约|具体|哪些方面|哪方面|最新|"
    r"目前|现在|如今|那家|那篇|那份|那条|那期|这份|这篇|有人|提到|说"
)


@dataclass(frozen=True)
class Query:
    """What the answerer needs to know about a question."""

    text: str
    key: str
    terms: tuple[str, ...]
    anchors: frozenset[str]
    """Words an answering sentence (or, for places, what it is about) must contain."""
    asks_figure: bool
    asks_date: bool
    asks_who: bool
    asks_rank: bool
    traditional: bool
    places: frozenset[str] = frozenset()
    """Gazetteer places the question names."""
    asks_list: bool = False
    asks_title: bool = False
    """`标题是什么`, `哪份材料…`: the answer is a document's title line."""
    asks_place: str = ""
    """The kind of place the answer names (`国家` for 跟哪个国家合作, `城市`, `县级市`)."""
    describes_doc: str = ""
    """`说…营收超过2300亿元的那篇文章是谁梳理的` -> the words that describe the document asked
    about (before `那篇`), when the question asks about a document it does not name."""
    unit: str = ""
    """The classifier a figure must carry (`家` for 多少家), or `元` for money."""
    absent: frozenset[str] = frozenset()
    """Terms no chunk mentions (in any form): no sentence can be asked to name them."""


@lru_cache(maxsize=1)
def word_tags() -> dict[str, str]:
    """jieba's dictionary parts of speech (nt organisation, nr person, v verb ...)."""
    import jieba.posseg as posseg

    _jieba()
    return posseg.dt.word_tag_tab


_SPLIT_NUMBERS = re.compile(r"\d+(?:\.\d+)?\s*[年月日]?")


def _split_on_places(word: str) -> list[str]:
    """`苏州企业` -> [`苏州`, `企业`]: a place glued to a noun is two terms."""
    found = sorted(places_in(word), key=len, reverse=True)
    if not found or word in found:
        return [word]
    head, _, tail = word.partition(found[0])
    parts = [*([head] if head else []), found[0], *([tail] if tail else [])]
    return [p for part in parts for p in ([part] if part in found else _jieba().lcut(part))]


@lru_cache(maxsize=1)
def _alias_pattern() -> re.Pattern[str]:
    names = sorted({f for pair in _ALIASES for f in pair if len(f) > 2}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _segment(key: str) -> list[str]:
    """jieba words, except that a known full form (`规模以上`) stays one word."""
    out: list[str] = []
    at = 0
    for m in _alias_pattern().finditer(key):
        out += [*_jieba().lcut(key[at : m.start()]), m.group(0)]
        at = m.end()
    return out + _jieba().lcut(key[at:])


def _words(key: str, chunk_keys: Sequence[str]) -> list[tuple[str, str]]:
    """jieba words of a question key, minus question words; numbers (with 年/月/日) stand alone,
    places are split off, and a compound no chunk contains is split into its dictionary words."""
    tags = word_tags()
    spaced = _SPLIT_NUMBERS.sub(lambda m: f" {m.group(0).rstrip('年月日 ')} ", key)
    out: list[tuple[str, str]] = []
    for raw in _segment(spaced):
        word = raw.strip()
        if len(word) > 2 and word[0] in "篇份部":  # 那|篇文章: the measure word is not the noun's
            word = word[1:]
        if not word or _QUESTION_WORDS.fullmatch(word):
            continue
        for part in _split_on_places(word):
            parts = [part]
            if len(part) > 2 and not any(mentions(part, k) for k in chunk_keys):
                # a compound the text never uses: its dictionary sub-words (增长速度 -> 增长 速度,
                # 服装行业 -> 服装 行业); a noun the text lacks stays whole unless it is made of
                # such words (增加值 stays: asked about, absent, so unanswerable)
                subs = [w for w in _jieba().lcut_for_search(part) if w != part and len(w) > 1]
                if not tags.get(part, "x").startswith("n"):
                    parts = subs or _jieba().lcut(part, HMM=False)
                elif "".join(subs) == part:
                    parts = subs
            out.extend((p, tags.get(p, "x")) for p in parts if not _QUESTION_WORDS.fullmatch(p))
    return out


def _merge_single_chars(words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Rejoin runs of single Han characters (`营`+`收` -> `营收`): jieba splits words it does not
    know into characters, which would then match anywhere."""
    merged: list[tuple[str, str]] = []
    run = ""
    for word, flag in [*words, ("", "x")]:
        glue = flag not in _FUNCTION_POS and flag not in ("q", "mq")  # 由, 份 stay apart
        if len(word) == 1 and "\u4e00" <= word <= "\u9fff" and word not in STOPWORDS and glue:
            run += word
            continue
        if run:
            merged.append((run, "n"))
            run = ""
        if word:
            merged.append((word, flag))
    return merged


@lru_cache(maxsize=4096)
def forms(term: str) -> tuple[str, ...]:
    """A term and its other forms: short and full (`ai`, `人工智能`), and its synonyms of two or
    more characters (`排` -> `排名`, `位列`; `排名` never -> `排`, which is in 安排)."""
    out = [term]
    for short, full in _ALIASES:
        if term == short:
            out.append(full)
        elif term == full:
            out.append(short)
    for group in _SYNONYMS:
        if term in group:
            out += [w for w in group if w not in out and len(w) > 1]
    return tuple(out)


def mentions(term: str, key: str) -> bool:
    """Does `key` contain the term in any of its forms?"""
    return any(f in key for f in forms(term))


_CLAIMED = re.compile(
    r"^\s*(?:余|多)?\s*[十百千万亿]*\s*(?:元|家|个|件|项|所|名|人|倍|p|%|台|座|条|位)"
)


def _after(key: str, number: str) -> str:
    """The text right after the first standalone occurrence of `number` in `key`."""
    m = re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", key)
    return key[m.end() : m.end() + 4] if m else ""


def _unit(key: str) -> str:
    m = _UNIT_ASKED.search(key)
    if m:
        return m.group(1)
    return "元" if _MONEY_ASKED.search(key) else ""


def analyse(question: str, chunk_keys: Sequence[str]) -> tuple[Query, dict[str, float]]:
    """Terms, anchors and IDF weights (over `chunk_keys`) of a question. The retriever (for
    facets) and the answerer both analyse each question and facet: it is done once."""
    query, weights = _analyse(question, tuple(chunk_keys))
    return query, dict(weights)


@lru_cache(maxsize=256)
def _analyse(question: str, chunk_keys: tuple[str, ...]) -> tuple[Query, dict[str, float]]:
    key = search_key(question)
    n = len(chunk_keys)
    df: dict[str, int] = {}
    terms: list[str] = []
    anchors: set[str] = set()
    places = places_in(key)
    asked_place = _ASKS_PLACE.search(key)
    kind_word = asked_place.group(1) or asked_place.group(2) if asked_place else ""
    place_kind = _PLACE_KINDS.get(kind_word, kind_word)
    body = _ASKS_BODY.search(key)
    asked_body = body.group(1) if body else ""
    for word, flag in _merge_single_chars(_words(key, chunk_keys)):
        if word in (kind_word, asked_body):  # the kind of place or body asked is checked, not
            # searched (哪个|国家, 哪个|部门)
            continue
        if not word or word in STOPWORDS or not any(c.isalnum() for c in word) or word in terms:
            continue
        if len(word) == 1 and flag in ("q", "mq"):  # a bare measure word (那份 -> 份)
            continue
        if flag in _FUNCTION_POS:  # prepositions, conjunctions, particles, pronouns (由, 把)
            continue
        if _QUESTION_WORDS.fullmatch(word):  # also after single characters were rejoined
            continue
        terms.append(word)
        df[word] = sum(mentions(word, k) for k in chunk_keys)
        # a figure the asker states (`是5000亿元，对吧`) is a claim to check, not a required word;
        # a year or a bare number (`118号`) still identifies what is asked about
        claimed = bool(NUMBER.fullmatch(word)) and _CLAIMED.search(_after(key, word)) is not None
        numeric = (bool(NUMBER.fullmatch(word)) or word.isascii()) and not claimed
        # a rare name (not every chunk's topic); jieba's `nz` also tags verbs (印发), so an `nz`
        # word the corpus never uses is not required
        specific = flag.startswith(_ENTITY_POS) and df[word] < 0.3 * n
        specific = specific and (df[word] > 0 or not flag.startswith("nz"))
        # a word jieba does not know, found in few chunks, is a name it has not seen (思必驰)
        unseen = flag == "x" and len(word) > 2 and not NUMBER.fullmatch(word)
        specific = specific or (unseen and 0 < df[word] < 0.05 * n)
        if numeric or specific or word in places:
            anchors.add(word)
    weights = {t: math.log((n + 1) / (df[t] + 0.5)) for t in terms}
    tags = word_tags()
    # an absent verb, adverb or word of time or place (前后, 年初, 省内) is the asker's wording,
    # not the thing asked for, and so is a one-character one (靠, 让, 又, 大): it weighs no more
    for t in terms:
        wording = tags.get(t, "x")[:1] in ("v", "d", "a", "f", "t", "s", "m")
        if wording and (df[t] == 0 or (len(t) == 1 and not t.isdigit())):
            weights[t] = min(weights[t], WORDING) if df[t] else WORDING
    query = Query(
        text=question,
        key=key,
        terms=tuple(terms),
        anchors=frozenset(anchors),
        asks_figure=bool(_ASKS_FIGURE.search(key)),
        asks_date=bool(_ASKS_DATE.search(key)),
        asks_who=bool(_ASKS_WHO.search(key) or body),
        asks_rank=bool(_ASKS_RANK.search(key)),
        traditional=is_traditional(question),
        places=frozenset(p for p in places if p in terms),
        asks_list=bool(_ASKS_LIST.search(key)),
        asks_title=bool(_ASKS_TITLE.search(key)),
        asks_place=place_kind,
        describes_doc=split_description(key)[0],
        unit=_unit(key),
        absent=frozenset(t for t in terms if df[t] == 0),
    )
    return query, weights


_JOINT = "(?:从|由|到|至|和|与|及|、)"  # the joints between years asked together
_CLAUSE = re.compile(r"[，,？?；;。！!]|以及|并且")


def facets(query: Query) -> list[tuple[str, str]]:
    """Parts of a question that each need an answer, as (question, word its sentence must
    name): its clauses (`规模多大？同比增长多少？`), each carrying the question's places, and
    each of several years or places asked together (`苏州和杭州…各有多少`)."""
    years = sorted(a for a in query.anchors if YEAR.fullmatch(a))
    places = sorted(query.places)
    clauses = [c for c in _CLAUSE.split(query.key) if c.strip()]
    out: list[tuple[str, str]] = []
    if len(clauses) > 1:  # a clause inherits the question's places and years when it names none
        for clause in clauses:
            inherited = [p for p in places if p not in clause]
            if not YEAR.search(clause):
                inherited += [f"{y}年" for y in years]
            out.append((" ".join([*inherited, clause]), ""))
    nested = any(within(a, b) for a in places for b in places if a != b)
    for group, suffix in ((years, r"\s*年?(?:初|底|末)?"), ([] if nested else places, "")):
        # 苏州 in 江苏 (`全国排第几？在江苏省内呢？`) are not two places asked side by side
        if len(group) > 1:
            for keep in group:
                others = "|".join(re.escape(g) for g in group if g != keep)
                # the other years with their joints: `从2021年到2024年` -> `2024年`
                drop = rf"{_JOINT}?\s*(?:{others}){suffix}\s*{_JOINT}?"
                out.append((re.sub(drop, "", query.key), keep))
    return out


# A question that leans on the one before: opens with a pointer (那/这/它/同一年…) or ends in 呢.
_FOLLOW_UP = re.compile(
    r"^(?:那么|那|这个|这些|这|它们|它|其中|其|同一|同年|同期|该|此|上述|还有|另外|再|如果是|"
    r"到(?:19|20)\d\d)|呢\W*$"
)
_SHORT = 8
_ASKER = re.compile(r"是?谁|哪位")
_ASKS = (_ASKS_FIGURE, _ASKS_DATE, _ASKS_WHO, _ASKS_RANK, _ASKS_LIST)


def _asks_something(key: str) -> bool:
    return any(p.search(key) for p in _ASKS)


# A time the question is about: a year with the part of it asked (`2024年上半年`), or a part
# alone (`上半年`, meaning the same year as before)
_PERIOD = re.compile(
    r"(?:19|20)\d{2}\s*年?(?:\s*(?:上半年|下半年|前三季度|第?[一二三四1-4]季度|年初|年底|年末|"
    r"\d{1,2}\s*(?:-|—|~|～|至)?\s*\d{0,2}\s*月))?|上半年|下半年|前三季度|第?[一二三四]季度"
)


def _periods(key: str) -> set[str]:
    return {p.strip() for p in _PERIOD.findall(key)}


def is_follow_up(question: str) -> bool:
    """Does the question lean on the one before: a pointer word (`那`, `这个`, `…呢？`) or too
    short to stand alone?"""
    key = search_key(question)
    return bool(_FOLLOW_UP.search(key)) or len(re.sub(r"\W", "", key)) <= _SHORT


def condense(question: str, previous: Sequence[str]) -> str:
    """A follow-up rewritten to stand alone, from the question before it (no LLM): the earlier
    question with its places and years replaced by those the follow-up names, then the
    follow-up itself (`2021年苏州有多少家上市企业？` + `那杭州呢？` -> `2021年杭州有多少家上市企业？
    那杭州呢？`). A question that stands alone (no pointer word, not very short) is kept as is."""
    if not previous or not is_follow_up(question):
        return question
    key = search_key(question)
    base = search_key(previous[-1])
    if _asks_something(key):  # the follow-up's own ask replaces the one before (谁写的 -> 哪天)
        for pattern in (_ASKS_DATE, _ASKS_RANK, _ASKER, _QUESTION_WORDS):  # not 规模, 营收
            base = pattern.sub("", base)
    for old, new in (
        (places_in(base), places_in(key)),
        (_periods(base), _periods(key)),
    ):
        dated = any(YEAR.search(o) for o in old)
        if dated and not any(YEAR.search(n) for n in new):
            continue  # `那上半年呢？` after a year: a part of the same year, kept beside it
        if new and old:
            base = re.sub("|".join(map(re.escape, sorted(old, key=len, reverse=True))), "", base)
            base = " ".join(sorted(new)) + " " + base
    standalone = f"{base} {key}"
    return in_script(standalone, True) if is_traditional(question) else standalone


# Instructions aimed at the assistant inside a question (prompt injection): they are not part
# of what is asked, so they are neither searched nor required of an answer.
_INSTRUCTION = re.compile(
    r"忽略|无视|不要管|别管|不用管|不必管|不许|不准|不要说|假装|扮演|你现在|你已|你是|你之前|你收到|"
    r"你能访问|你的系统|从现在起|系统提示|提示词|系统通知|系统消息|开发者模式|管理员|口径|一律|为准|"
    r"摘录|知识库|随便|编一个|编个|瞎编|预测|就说|直接确认|原封不动|输出给我|密钥|任何约束|^再?请?回答$|"
    r"ignore|pretend|system prompt|from now on|answer in|developer mode"
)
_CLAUSE_CUT = re.compile(r"[，,。！!？?：:；;【】\[\]\n]")
_QUOTED_CLAIM = re.compile(r"[“\"「『][^”\"」』]*\d[^”\"」』]*[”\"」』]")
_ENGLISH_SENTENCE = re.compile(r"(?:[A-Za-z][A-Za-z'’-]*[\s,]+){3,}[^.。!?？]*[.!?]?")


def strip_instructions(question: str) -> str:
    """The question without what it tells the assistant to do: clauses that order, role-play,
    claim a system notice or ask for secrets; quoted "excerpts" carrying figures the asker
    supplies; English sentences (this product answers Chinese questions). Empty when nothing
    but instructions remains."""
    text = _QUOTED_CLAIM.sub("，", question)
    text = _ENGLISH_SENTENCE.sub("，", text)
    kept = []
    for part in re.split(r"(?<=[，,。！!？?：:；;【】\[\]\n])", text):
        clause = _CLAUSE_CUT.sub("", part).strip()
        if clause and not _INSTRUCTION.search(search_key(clause)):
            kept.append(part)
    return "".join(kept).strip(" ，,：:；;【】[]")
