"""Relative dates: `去年`, `去年上半年`, `上年同期` resolved against the document's date.

`resolve_relative(text, base)` finds the time expressions of `text` that need the document's date
to mean anything and gives each its absolute form: in a report dated 2024-10-15, `去年` is
`2023年`, `去年上半年` is `2023年上半年`, `今年1至9月` is `2024年1-9月`, and `上年同期` after
`今年前三季度` is `2023年前三季度` (the same period one year back; `2023年同期` when the text
named no period before it). Absolute dates (`2024年上半年`) are left alone: figures.py reads them.

What it reads: a year word (大前年 前年 去年 上年 今年 本年(度) 明年 后年 大后年, 今明两年,
明后两年), optionally followed by a period (上半年 下半年 全年, 第三季度 or 三季度, 前三季度,
前两个月, 9月 or 9月份, 1至9月, 同期); a bare half or quarter (`上半年`, `第三季度`: the
document's own year) unless a stated year comes right before it; and month words (本月, 上个月,
下月 ...). Not read: `N年前/后` (relative to an event, not to the document), bare months
(`9月份` is as often a past year's month in a retrospective), `近三年` (a report may mean the
last three whole years or a rolling window), `年底` and `当年`.

Why not jionlp.ner.extract_time: on the same 35 cases (measured against jionlp 1.5.31) it was
right on 23: it has no `同期`, `1至9月`, `上个月`/`本月`/`下个月`, splits `去年全年` and reads
`上年纪` as last year. It took 0.5-2.5 ms a sentence against about 10 µs here, and
`import jionlp` loads the GPLv3 jiojio and writes 51 MB of unpacked dictionaries into its own
site-packages folder. These rules are right on all 35, but the person who wrote them also wrote
the cases: that is a lower bound on the work left, not a measured accuracy. jionlp does better
on one thing: `去年三季度以来` and `去年3月至今` are windows ending at the document date; here
only their start is resolved.

Pure and fast: one precompiled pattern, one pass (about 10 µs a typical report sentence).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

_YEAR_WORDS = {
    "大前年": (-3, -3),
    "前年": (-2, -2),
    "去年": (-1, -1),
    "上一年": (-1, -1),
    "上年度": (-1, -1),
    "上年": (-1, -1),
    "今明两年": (0, 1),
    "明后两年": (1, 2),
    "今年": (0, 0),
    "本年度": (0, 0),
    "本年": (0, 0),
    "明年": (1, 1),
    "下一年": (1, 1),
    "下年度": (1, 1),
    "大后年": (3, 3),
    "后年": (2, 2),
}
"""Year word -> (first, last) year offset from the document's year."""

_WIDE = str.maketrans("０１２３４５６７８９", "0123456789")
"""Full-width digits folded one character for one, so offsets still index the caller's text."""
_MONTH_WORDS = {"本月": 0, "上个月": -1, "上月": -1, "下个月": 1, "下月": 1}
_CN = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}
_Q = "一二三四"

_NUM = r"(?:1[0-2](?!\d)|0?[1-9](?!\d)|十[一二]?|[一二两三四五六七八九])"
"""A month number, 1 to 12 in digits or words (`13月` is no month)."""
_PERIOD = (
    r"(?P<half>上半年|下半年)|(?P<whole>全年)|(?P<same>同期)"
    r"|第?(?P<quarter>[一二三四1-4])季度|前(?P<quarters>[一二两三1-3])(?:个)?季度"
    rf"|前(?P<months>{_NUM})个月"
    rf"|(?P<m1>{_NUM})月?(?:至|到|-|—|~|～)(?P<m2>{_NUM})月份?|(?P<month>{_NUM})月份?"
)
_PATTERN = re.compile(
    # not 此后年均 / 之前年份 / 年前年后 / 上年纪: there 前年 后年 上年 are parts of other words
    r"(?<![之以此最其然年])"
    "(?P<year>" + "|".join(sorted(_YEAR_WORDS, key=len, reverse=True)) + ")"
    r"(?![纪龄级均份代])"
    rf"(?:{_PERIOD})?"
    # a bare half or quarter, unless a stated year (2024年, 二〇二四年) comes right before it
    r"|(?<![\d〇零一二三四五六七八九]年)(?<![第前])"
    r"(?P<bare>上半年|下半年|第?[一二三四]季度|前[两三]季度)"
    "|(?P<month_word>" + "|".join(sorted(_MONTH_WORDS, key=len, reverse=True)) + ")"
)


def _int(numeral: str) -> int:
    """`9` -> 9, `十二` -> 12, `九` -> 9."""
    if numeral.isdigit():
        return int(numeral)
    if "十" not in numeral:
        return _CN[numeral]
    tens, _, ones = numeral.partition("十")
    return (_CN[tens] if tens else 1) * 10 + (_CN[ones] if ones else 0)


def _period(m: re.Match[str], last_period: str) -> str:
    """The period part of an absolute form (`上半年`, `第三季度`, `1-9月`; "" for a whole year)."""
    if m.group("half"):
        return m.group("half")
    if m.group("same"):
        return last_period or "同期"
    if m.group("quarter"):
        return f"第{_Q[_int(m.group('quarter')) - 1]}季度"
    if m.group("quarters"):
        return f"前{_Q[_int(m.group('quarters')) - 1]}季度"
    if m.group("months"):
        n = _int(m.group("months"))
        return "1月" if n == 1 else f"1-{n}月"
    if m.group("month"):
        return f"{_int(m.group('month'))}月"
    if m.group("m1"):
        return f"{_int(m.group('m1'))}-{_int(m.group('m2'))}月"
    return ""  # none, or 全年


def _base(base: str) -> date:
    try:
        parts = [int(p) for p in base.split("-")]
        return date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
    except (ValueError, IndexError) as e:
        raise ValueError(f"base date must be YYYY-MM-DD or YYYY-MM, got {base!r}") from e


def resolve_relative(text: str, base: str) -> list[tuple[int, int, str]]:
    """Each relative time expression of `text` as (start, end, absolute form), in reading order;
    `text[start:end]` is the expression, `base` (YYYY-MM-DD or YYYY-MM) the document's date."""
    day = _base(base)
    found: list[tuple[int, int, str]] = []
    last_period = ""  # what 同期 refers to: the period of the expression before it
    for m in _PATTERN.finditer(text.translate(_WIDE)):
        if m.group("month_word"):
            index = day.year * 12 + day.month - 1 + _MONTH_WORDS[m.group("month_word")]
            found.append((m.start(), m.end(), f"{index // 12}年{index % 12 + 1}月"))
            continue
        if m.group("bare"):
            bare = _PATTERN.fullmatch("今年" + m.group("bare"))
            assert bare is not None
            period = _period(bare, last_period)
            first = last = day.year
        else:
            period = _period(m, last_period)
            lo, hi = _YEAR_WORDS[m.group("year")]
            first, last = day.year + lo, day.year + hi
        years = f"{first}年" if first == last else f"{first}-{last}年"
        if period != "同期":
            last_period = period
        found.append((m.start(), m.end(), years + period))
    return found


_PLAIN_YEAR_WORDS = {"前年": -2, "去年": -1, "今年": 0, "明年": 1}


def years_meant(key: str, present: int) -> list[str]:
    """The years the plain year words of a search key stand for in a text of year `present`
    (`去年` in a 2024 report: `2023年`), by containment alone: what the sentence scorer and the
    claim checker compare a year asked or claimed with (`resolve_relative` reads periods too)."""
    return [f"{present + d}年" for word, d in _PLAIN_YEAR_WORDS.items() if word in key]


@lru_cache(maxsize=1)
def deep_time() -> re.Pattern[str]:
    """A date of the deep past: a geological period or epoch (`rag/text/lexicon/eras.txt`),
    with its part (`晚侏罗纪`, `白垩纪早期`), or a time ago (`约1.5亿年前`, `1万年前`).
    An encyclopedia dates a fossil or a rock so, never by year."""
    from rag.text import lexicon

    names = "|".join(sorted(lexicon.words("eras"), key=len, reverse=True))
    return re.compile(rf"[早中晚上下]?(?:{names})(?:[早中晚]期)?|\d+(?:\.\d+)?\s*[万亿]\s*年前")
