"""The kind of answer asked, checked on a sentence: a figure of the unit asked (a count for
多少家, money for 营收), a date of any century or notation, a rank, the issuer's name, a place
of the kind asked, a person or body other than those the question names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rag.answer.documents import Document, Facts
from rag.question.analysis import Query
from rag.text import names
from rag.text.dates import deep_time
from rag.text.figures import PERCENT_UNITS
from rag.text.names import names_other
from rag.text.places import kind_of, places_in

# A figure is a number that is not a year, month or day (`2019年` alone is no answer to 多少),
# an ordinal (`第3位`) or a list item's number (`3、`).
FIGURE = re.compile(r"(?<![第\d.])\d+(?:\.\d+)?(?!\s*[年月日\d.、])")
RANKING = re.compile(r"第\s*[一二三四五六七八九十\d]|前\s*[一二三四五六七八九十\d]|首位|首个|唯一")
# A date of any century or notation: `1231年`, `公元前221年`, `二〇二一年`, `3月`, `5日`,
# `19世纪`, `80年代`, `2024-10`, and the relative words a document's date resolves
DATE = re.compile(
    r"\d{1,4}\s*年|[〇零一二三四五六七八九十]{2,4}年|\d{4}\s*[-/.]\s*\d{1,2}|\d{1,2}\s*[月日号]|"
    r"[一二三四五六七八九十]{1,3}月|世纪|年代|今年|去年|前年|明年|当年|同年|次年|翌年"
)


def is_dated(text: str) -> bool:
    """Does the text hold a date of any kind: a year, month or day in any notation, a relative
    year, a time ago (`1.5亿年前`), a geological period (`侏罗纪`)?"""
    return bool(DATE.search(text) or deep_time().search(text))


_APPROX = r"\s*(?:余|多|近|超|个)?\s*"
# a sum of money: 元 or another currency's (美元, 欧元, 港元, 日元, 韩元, 新台币) or 人民币
_CURRENCY = r"(?:(?:美|欧|港|日|韩|澳门?|新加坡)?元|人民币|新台币|英镑|卢布)"


@lru_cache(maxsize=64)
def _with_unit(unit: str) -> re.Pattern[str]:
    """A figure carrying `unit`: `4 家`, `500 余家`, `60亿元`, `2300多亿元`."""
    if unit == "元":
        return re.compile(r"\d" + _APPROX + r"[十百千万亿]*" + _APPROX + _CURRENCY)
    return re.compile(r"\d" + _APPROX + re.escape(unit))


def figure_follows(terms: Sequence[str], key: str, window: int = 6) -> bool:
    """A number right after a question term: `产量达150万辆` answers `产量是多少`."""
    for term in terms:
        at = key.find(term)
        while at >= 0:
            if FIGURE.search(key[at + len(term) : at + len(term) + window]):
                return True
            at = key.find(term, at + 1)
    return False


# A count in digits or Chinese numerals (`43家`, `三条跑道`, `十二所`, `1.2万人次`), its
# classifier after it, a magnitude between (万, 亿); not an ordinal (`第三位` is a rank)
_COUNT = re.compile(
    r"(?<!第)(?<![\d.一二两三四五六七八九十百千万])(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+)"
    + _APPROX
    + r"[十百千万亿]*"
    + _APPROX
    + r"[家个项件所座条名位人款台次只批]"
)


# a share or a rate: `5.6%`, `7.15‰`, `3个百分点`, `百分之十二`
_PERCENT = re.compile(
    rf"\d\s*(?:{'|'.join(map(re.escape, PERCENT_UNITS))})|百分之[\d零〇一二两三四五六七八九十百点]"
)


def _has_figure(unit: str, sentence: str, own: str) -> bool:
    """A figure of the kind asked: money for 营收/多少钱, a share for 占比/增长率, a count for
    多少家/几个, else any."""
    if unit == "元":
        return bool(_with_unit("元").search(own))
    if unit == "%":
        return bool(_PERCENT.search(own))
    if unit:
        return bool(_COUNT.search(own))
    return bool(FIGURE.search(sentence))


def _names_kind(kind: str, own: str, asked: frozenset[str]) -> bool:
    """Does a sentence name a place of the kind asked, other than those the question names?"""
    return any(kind in kind_of(p) for p in places_in(own) - asked)


def holds_kind(
    query: Query, doc: Document, facts: Facts, held: str, held_own: str, named: bool
) -> bool:
    """Does the text hold the kind of answer asked: a figure of the unit, a date, a rank, the
    issuer's name (who wrote a named document; the sentence itself must name it), a place of
    the kind?"""
    return (
        (not query.asks_figure or _has_figure(query.unit, held, held_own))
        and (not query.asks_date or is_dated(held))
        and (not query.asks_rank or bool(RANKING.search(held)))
        and (
            not (query.asks_who and named and doc.names)
            or any(n in facts.flat_own for n in doc.names)
        )
        and (not query.asks_place or _names_kind(query.asks_place, held_own, query.places))
    )


def names_asked(query: Query, own: str) -> bool:
    """A who question (`谁`, `哪位`) needs a sentence naming a person or body other than those
    the question names (`rag.text.names`). Not asked of `哪里` questions: jieba misses rivers,
    regions and streets (`塞纳河的右岸`, `苏必利尔湖畔`), and measured on the outside corpora a
    place check refused more right answers than wrong ones."""
    return (
        not query.asks_person
        or names_other(own, query.key, names.PERSON)
        or _possessor(query.key, own)
    )


_WHOSE = re.compile(r"谁的([\u4e00-\u9fff]{2})")
_POSSESSOR = re.compile(r"([\u4e00-\u9fff]{2,8})的$")
_NOT_POSSESSORS = "这那该其他她它本此我你"


def _possessor(question_key: str, own: str) -> bool:
    """`《…》是谁的诗集` is answered by `小野不由的诗集《…》`: whoever the sentence puts
    before `的` and the noun asked, if the question does not name them. jieba knows few foreign
    names (`小野不由` is tagged a noun and an adjective), so the name check alone would refuse
    the sentence. Not a pronoun (`他的作品`)."""
    m = _WHOSE.search(question_key)
    if m is None:
        return False
    noun = m.group(1)
    at = own.find("的" + noun)
    while at >= 0:
        before = _POSSESSOR.search(own[: at + 1])
        if before is not None:
            name = before.group(1)
            if name[0] not in _NOT_POSSESSORS and name not in question_key:
                return True
        at = own.find("的" + noun, at + 1)
    return False
