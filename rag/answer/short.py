"""Short answer: the span of the best quoted sentence that answers the question, shown first.

Policy staff want 「378家」, not a sentence to read. The span is taken from the quote by the kind of
answer asked, never written: a figure in the unit asked (`多少家` -> `378家`, money -> `2300亿元`,
any figure when no unit is asked), a date (`何时`, `哪一年`: `2021年`, `5月8日`; a relative date is
made absolute from the document's date, `去年` in a 2024-10-15 report -> `去年（2023年）`), people
or bodies (`谁`: the names jieba tags as persons or organisations that the question does not
name, with the enumeration that joins them: `温晓静、张逸风、李岚`), a place (`哪里`, `哪个城市`),
or the items of an enumeration (`哪些`: `甲、乙和丙`). Offsets point at the verbatim span in the
cited document (for a resolved relative date, at the words as written). No kind asked, or none
found in the quote: no short answer (None), and the quotes speak for themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.question.analysis import Query
    from rag.types import Citation

from rag.text import lexicon
from rag.text.coordination import conjuncts
from rag.text.dates import deep_time, resolve_relative
from rag.text.figures import PERCENT_UNITS
from rag.text.names import Tokens, is_place, placed, tagged, transliterated
from rag.text.terms import han_pairs

_CN_NUM = "零〇一二两三四五六七八九十百千万亿"
_MAGNITUDE = "十百千万亿"
_UNIT_WORDS = (
    "美元|港元|欧元|日元|英镑|人民币|元|%|％|‰|个百分点|百分点|倍|万吨|吨|公里|千米|米|平方公里|平方米|亩|"
    "公斤|千克|克|辆|台|架|艘|座|所|家|个|项|件|名|位|人次|人|户|次|届|场|枚|块|册|部|篇|条|款|种|类|"
    "岁|年|天|小时|分钟|秒|亿|万"
)
_FIGURE = re.compile(
    r"(?:约|近|超过?|逾|达到?|共)?"  # the number whole, and not an ordinal (`第十三位`)
    rf"(?<![第\d.{_CN_NUM}])(?P<num>\d[\d,]*(?:\.\d+)?|[{_CN_NUM}]{{2,}}|[一二两三四五六七八九十])"
    rf"\s*(?P<mag>[{_MAGNITUDE}]*)\s*(?P<approx>[余多])?\s*(?P<unit>{_UNIT_WORDS})?"
)
_YEAR = r"(?:\d{4}|[〇零一二三四五六七八九]{4})年"
_DATE = re.compile(
    rf"{_YEAR}(?:\d{{1,2}}月(?:\d{{1,2}}[日号])?|[上下]半年|第?[一二三四]季度)?"
    r"|\d{1,2}月\d{1,2}[日号]|\d{1,2}月(?:份)?"
)
_PERSON_TAGS = ("nr", "nrfg", "nrt")
_BODY_TAGS = ("nt",)
_PLACE_TAGS = ("ns",)


@dataclass(frozen=True)
class Short:
    """The short answer and where it stands in its quote's document."""

    text: str
    """As shown: the span, or a relative date with its absolute form (`去年（2023年）`)."""
    start: int
    """Offsets of the verbatim span in the document's display text."""
    end: int


def kind_asked(query: Query) -> str:
    """The kind of short answer a question asks for: `figure`, `date`, `who`, `place`, `list`
    or "" (how, why, what is: the quote is the answer)."""
    if query.asks_list:
        return "list"
    if query.asks_figure:
        return "figure"
    if query.asks_date:
        return "date"
    if query.asks_place:
        return "place"
    if query.asks_who or query.asks_person:
        return "who"
    return ""


def take(
    sentence: str,
    offset: int,
    question_key: str,
    kind: str,
    unit: str = "",
    doc_date: str = "",
) -> Short | None:
    """The span of `sentence` (at `offset` in its document) that answers a question of `kind`
    (`figure`, `date`, `who`, `place`, `list`; "" for none); None when the sentence has none.
    `unit`: the classifier asked (`家`) or `元` for money."""
    found: tuple[int, int, str] | None = None
    text = sentence
    sentence = folded(sentence)  # Simplified, one character for one: offsets still hold
    if kind == "figure":
        found = _figure(sentence, unit, question_key)
    elif kind == "date":
        found = _date(sentence, question_key, doc_date)
    elif kind in ("who", "place"):
        found = _names(
            sentence, question_key, _PERSON_TAGS + _BODY_TAGS if kind == "who" else _PLACE_TAGS
        )
    elif kind == "list":
        found = _enumeration(sentence, question_key)
    if found is None:
        return None
    start, end, shown = found
    return Short(text[start:end] + shown[end - start :], offset + start, offset + end)


@lru_cache(maxsize=4096)
def folded(text: str) -> str:
    """Traditional characters as Simplified, each to exactly one character (a character OpenCC
    would turn into two stays as it is), so a match's offsets index the original."""
    from rag.text.script import simplified as convert

    out = []
    for ch in text:
        simple = convert(ch) if "\u4e00" <= ch <= "\u9fff" else ch
        out.append(simple if len(simple) == 1 else ch)
    return "".join(out)


FIGURE_LEAD = 12
"""How far before a figure the words it measures are looked for (`重庆GDP增速达到3.1%`)."""
_COUNTED = re.compile(
    r"(?:多少|几)[十百千万亿]*[个家项件所座条名位人款台次只批种类]([\u4e00-\u9fff]{2,4})"
)
"""The noun a count question counts, after its classifier (`多少个算法` -> 算法)."""


def _figure(
    sentence: str, unit: str, question_key: str = ""
) -> tuple[int, int, str] | None:
    """The figure of the unit asked that the question's words lead to. Of several
    (`出生人口5.2万人，增长率为3%`): the one followed by the noun the question counts (`多少个
    算法` -> `42个重点算法`, not `7个大模型`), else the one with the most of the question's
    character pairs in the `FIGURE_LEAD` characters before it; the first on a tie. Measured
    on the seeds and the outside corpora, the words after a figure (the counted noun aside)
    chose worse than those before it, and a counted noun looked for before the figure too
    (`…企业7家`) as often took another figure's noun as its own. A question asking a year and
    no part of it (`rag/text/lexicon/periods.txt`) takes the year's figure before one given
    after a part-year period (`前三季度增长5.2%，全年增长5.4%`: 5.4%)."""
    found = list(_figures(sentence, unit))
    if len(found) < 2 or not question_key:
        return found[0] if found else None
    key = folded(question_key)
    words = han_pairs(key)
    counted = _COUNTED.search(key)
    noun = han_pairs(counted.group(1)) if counted else set()
    periods = lexicon.pattern("periods")
    # a year asked without a part of it: a figure after `前三季度` is not the year's
    whole_year = bool(_YEAR_TERM.search(key)) and not periods.search(key)

    def fit(i: int) -> tuple[int, bool, int, int]:
        start, end, _ = found[i]
        before = sentence[max(0, start - FIGURE_LEAD) : start]
        after = sentence[end : end + 6]
        since = sentence[found[i - 1][1] if i else 0 : start]  # from the figure before it
        of_the_year = not (whole_year and periods.search(since))
        return (len(han_pairs(after) & noun), of_the_year, len(han_pairs(before) & words), -start)

    return found[max(range(len(found)), key=fit)]


def _figures(sentence: str, unit: str) -> Iterator[tuple[int, int, str]]:
    """Every figure of the sentence in the unit asked, in order."""
    for m in _FIGURE.finditer(sentence):
        got = m.group("unit") or ""
        if not (m.group("mag") or got):
            continue  # a bare number: a year, an ordinal or a code, not an amount
        if got == "年" or (re.fullmatch(r"\d{4}", m.group("num")) and not m.group("mag")):
            continue
        if unit == "元" and not got.endswith("元") and got != "人民币":
            continue
        if unit == "%":
            if got not in PERCENT_UNITS:
                continue
        elif unit and unit != "元" and not got.startswith(unit):  # 人 asked: 人次 too
            continue
        start = m.start("num")
        end = m.end("unit") if got else (m.end("approx") if m.group("approx") else m.end("mag"))
        yield start, end, sentence[start:end]


_RANGE = re.compile(r"\s*(?:至|到|—|–|-|~|～)\s*")


def _date(sentence: str, question_key: str, doc_date: str) -> tuple[int, int, str] | None:
    """The date the question asks of (not one it names): of several (`8月31日开会，商讨9月27日
    举行仪式`), the one with the most of the question's character pairs within
    `FIGURE_LEAD` characters on either side (the event dated may come before the date or
    after it), the first on a tie, with the dates it spans to (`至`, `—`); else a relative date
    made absolute, or a geological time."""
    found = [m for m in _DATE.finditer(sentence) if m.group(0) not in question_key]
    if found:
        words = han_pairs(folded(question_key))

        def fit(m: re.Match[str]) -> tuple[int, int]:
            around = sentence[max(0, m.start() - FIGURE_LEAD) : m.start()]
            around += "|" + sentence[m.end() : m.end() + FIGURE_LEAD]
            return (len(han_pairs(around) & words), -m.start())

        i = found.index(max(found, key=fit))
        start, end = found[i].start(), found[i].end()
        # a span of dates is one answer (`1984年10月7日至1985年9月29日`)
        while i + 1 < len(found) and _RANGE.fullmatch(sentence[end : found[i + 1].start()]):
            i, end = i + 1, found[i + 1].end()
        while i > 0 and _RANGE.fullmatch(sentence[found[i - 1].end() : start]):
            i, start = i - 1, found[i - 1].start()
        return start, end, sentence[start:end]
    if doc_date:
        try:
            relative = resolve_relative(sentence, doc_date)
        except ValueError:
            relative = []
        for start, end, absolute in relative:
            return start, end, f"{sentence[start:end]}（{absolute}）"
    era = deep_time().search(sentence)  # `晚侏罗纪`, `约1.5亿年前`
    if era is not None:
        return era.start(), era.end(), era.group(0)
    return None


def _names(sentence: str, question_key: str, tags: tuple[str, ...]) -> tuple[int, int, str] | None:
    """The first run of names of the kind asked that the question does not name: names joined
    by 、 和 与 及 stay one span."""
    from rag.text.script import search_key

    surnames = lexicon.words("surnames")
    spans: list[tuple[int, int]] = []
    tokens = tagged(sentence)
    for i, (word, flag, at) in enumerate(tokens):
        if flag.startswith("nr") and i and tokens[i - 1][0] in surnames and len(word) <= 2:
            word, at = tokens[i - 1][0] + word, tokens[i - 1][2]  # `林`+`志远`: one name
        if flag.startswith("nr") and is_place(word):
            flag = "ns"  # jieba's dictionary calls some places people (`阿根廷`)
        if flag in tags and len(word) > 1 and search_key(word) not in question_key:
            if spans and sentence[spans[-1][1] : at] in ("、", "和", "与", "及", "，"):
                spans[-1] = (spans[-1][0], at + len(word))
            elif not spans:
                spans.append((at, at + len(word)))
    if not spans:
        return None
    start, end = spans[0]  # token bounds: each name is whole tokens
    first = next(i for i, t in enumerate(tokens) if t[2] == start)
    last = next(i for i, t in enumerate(tokens) if t[2] + len(t[0]) == end)
    first, last = transliterated(tokens, first, last)  # `德约`+`科维奇`
    if tokens[first][1].startswith("nt"):
        first = placed(tokens, first)  # `溧水`+`区`+`社科联`
    first, last = _dotted(tokens, first, last)
    start, end = tokens[first][2], tokens[last][2] + len(tokens[last][0])
    return start, end, sentence[start:end]


_DOTS = "·・•‧"
_STOP_TAGS = ("p", "v", "u", "r", "d", "c", "f", "x", "q")
_PART = 5


def _dotted(tokens: Tokens, first: int, last: int) -> tuple[int, int]:
    """Token indices `first..last` of a name widened to the whole transliterated name around
    it, whose parts a middle dot joins and jieba cuts apart (`阿什`+`莉`+`·`+`巴蒂`: `阿什莉·
    巴蒂`): each part is the words beside a dot, up to `_PART` characters, stopping at a
    function word."""

    def part(i: int, step: int) -> int:  # the last token index of the part starting at i
        size, j = 0, i
        while 0 <= j < len(tokens) and (j == i or not tokens[j][1].startswith(_STOP_TAGS)):
            word = tokens[j][0]
            if word in _DOTS or size + len(word) > _PART or not word.isalnum():
                break
            size += len(word)
            j += step
        return j - step

    while True:  # rightwards: `…莉` `·` `巴蒂`
        k = part(last, 1)
        if k + 2 < len(tokens) and tokens[k + 1][0] in _DOTS and tokens[k + 2][0].isalnum():
            last = part(k + 2, 1)
        else:
            break
    while first >= 2 and tokens[first - 1][0] in _DOTS and tokens[first - 2][0].isalnum():
        first = part(first - 2, -1)  # leftwards: `拉斐尔` `·` `纳达尔`
    return first, last


def _enumeration(sentence: str, question_key: str) -> tuple[int, int, str] | None:
    """The longest run of coordinated words (`甲、乙和丙`), from its first word to its last."""
    groups = [g for g in conjuncts(sentence) if len(g) > 1]
    if not groups:
        return None
    group = max(groups, key=len)
    start = sentence.find(group[0])
    end = sentence.find(group[-1], start) + len(group[-1])
    return start, end, sentence[start:end]


_CLAUSE = re.compile(r"[^，,；;。！？、：:]+")
_YEAR_TERM = re.compile(r"(?:19|20)\d{2}")


def asked_figures(question: str, citations: Sequence[Citation]) -> list[tuple[Citation, Short]]:
    """Each quote's figure of the quantity a question asks for, for the quotes that state it;
    [] when the question asks for no figure. What the page sets side by side when sources of
    different dates disagree.

    A quote states the asked quantity when one of its clauses holds a figure in the unit asked
    and about as many of the question's character pairs (words, without a segmenter's mistakes)
    as the best clause of any quote (three quarters: 「营收1000亿元」 and 「实现营收超2300亿元」
    differ by a pair): for 「有多少家上市企业」, 「上市企业 22 家」 does and 「核心企业近700家」
    (another count in 家) does not. A quote that names years, none of them a year the question
    asks about, speaks of another year."""
    from rag.question.analysis import analyse

    query, _ = analyse(question, ())
    if kind_asked(query) != "figure":
        return []
    years = {t for t in query.terms if _YEAR_TERM.fullmatch(t)}
    words = han_pairs(folded(query.key))
    found: list[tuple[int, Citation, Short]] = []
    for c in citations:
        quote = folded(c.quote)
        named = set(_YEAR_TERM.findall(quote))
        if years and named and not years & named:
            continue
        best: tuple[int, Short] | None = None
        for m in _CLAUSE.finditer(quote):
            span = take(m[0], c.start + m.start(), query.key, "figure", query.unit, c.date)
            cover = sum(1 for w in words if w in m[0])
            if span is not None and (best is None or cover > best[0]):
                best = (
                    cover,
                    replace(span, text=c.quote[span.start - c.start : span.end - c.start]),
                )
        if best is not None:
            found.append((best[0], c, best[1]))
    most = max((cover for cover, _, _ in found), default=0)
    return [(c, span) for cover, c, span in found if 4 * cover >= 3 * most]  # wording varies
