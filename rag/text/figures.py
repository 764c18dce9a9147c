"""Figures: the numbers a text states, normalized so two ways of writing one value compare equal.

`figures(text)` reads Arabic and Chinese numerals after NFKC folding (full-width digits and `％`):
`2,300亿`, `2300 亿`, `两千三百亿` and `2.3千亿` are all 2.3e11; `1.5亿` equals `15000万`.
Magnitudes (十 百 千 万 亿, chained as in `万亿`) multiply; thousands separators (`2,300`,
`2 000`) are removed; approximation words between a number and its magnitude (`2300多亿`) are
skipped, and currency words are simply not read. A percentage (`5.6%`, `百分之五点六`)
has kind `pct`; a change in percentage points (`5.6个百分点`, `五点六个百分点`) has kind `pp`,
a different fact (a share that rose 52% did not rise 52 points); anything else `num`. Dates
yield their parts (`2024年10月15日`,
`2024-10-15`, `2024.10.15` and `2024/10/15` all yield 2024, 10 and 15); a dash or tilde between
numbers is a range, never a minus sign, so no figure is negative.

The trade-off is in Chinese numerals, which also spell ordinary words (统一, 一些, 一是, 万物,
千行百业). A run of numeral characters is a figure only when
- it holds a magnitude character (十 百 千 万 亿) and is longer than that one character
  (`两千三百`, `十二`, `千亿`), or has a decimal 点 (`五点六`); or
- it is preceded by 第, 前 (a rank: `第五`, `前十`) or 百分之; or
- it is followed by a measure word or unit (个 家 项 位 名 倍 年 月 日 …, `三个`, `千年`);
and a lone 一 is a figure only after 第 or 百分之 (`一个`, `一批` are articles, not counts).
首 before a measure word, and 榜首/居首, are the ordinal 1 (`首个` = `第一个`).
So `百度`, `万物` and `十分` yield nothing, while a paraphrase in words (`上千名`) and in digits
(`1000名`) still compare equal. Digits glued to Latin letters are read (`5000PFLOPS` -> 5000):
model names such as `GPT4` yield small numbers that are rare enough to accept.

Pure and fast: a handful of precompiled patterns, one pass over the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

PCT = "pct"
PP = "pp"
NUM = "num"
PERCENT_UNITS = ("%", "％", "‰", "个百分点", "百分点")
"""The units a share or a rate is written in after its digits (per cent, per mille, percentage
points): what a figure asked as a rate (`增长率`, `占比`) must carry."""


@dataclass(frozen=True)
class Figure:
    """One number a text states; equal figures have equal value and kind, whatever the wording."""

    value: Decimal
    """The value with magnitudes applied: `2300亿` -> 2.3E+11, `5.6%` -> 5.6."""
    kind: str
    """`pct` for a percentage, `pp` for percentage points, else `num`."""
    text: str = field(default="", compare=False)
    """How the text wrote it (after NFKC), for messages; not part of equality."""


# Traditional numeral characters folded to Simplified (NFKC leaves them alone).
_FOLD = str.maketrans({"萬": "万", "億": "亿", "兩": "两", "點": "点"})
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_MAGNITUDE = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}
_CN = "零〇一二两三四五六七八九十百千万亿"
_CN_DIGIT = "零〇一二两三四五六七八九"
# A run of Chinese numerals counts as a figure when followed by one of these (both scripts).
_MEASURES = frozenset("个家项位名倍年月日天周所条款台次件种人座届类级轮元%個項條臺種屆類級輪週")
_RANK_PREFIXES = ("第", "前")
_FIRST_OF = "个個位家批款次届屆版期座台臺条條"
_APPROX = r"[多余餘]"

_NUMBER = re.compile(
    # every alternative starts at a digit, 首 or a numeral: one cheap test per position (4x faster)
    rf"(?=[\d首{_CN}])(?:"
    # 首 as the ordinal 1: 首个 = 第一个, 首版 = 第一版, 居首 = 第一
    rf"(?P<first>首(?=[{_FIRST_OF}])|(?<=[榜居])首)"
    # a dotted date first, so `2024.10.15` is not read as the decimal 2024.10
    r"|(?P<date>(?<![\d.])(?:19|20)\d{2}\.\d{1,2}\.\d{1,2}(?![\d.]))"
    # 百分之 + a number in digits or in words
    rf"|百分之\s*(?P<pct_digits>\d+(?:\.\d+)?)"
    rf"|百分之(?P<pct_cn>[{_CN}]+(?:点[{_CN_DIGIT}]+)?)"
    # digits (thousands grouped by `,` or a space), approximation, magnitudes, percent
    rf"|(?<![\d.])(?P<digits>\d{{1,3}}(?:[, ]\d{{3}})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"(?P<magnitude>\s*{_APPROX}?\s*[十百千万亿]+(?!分))?(?P<pct>\s*(?:%|个?\s*百分点))?"
    # a run of Chinese numerals, an optional decimal part and magnitudes after it
    rf"|(?P<cn>[{_CN}]+(?:点[{_CN_DIGIT}]+[万亿]*)?)(?P<cn_pct>个?百分点)?)"
)


def _cn_integer(run: str) -> int:
    """`两千三百亿` -> 230000000000; `二〇二四` (digit by digit) -> 2024; `万亿` -> 10**12."""
    if not any(c in _MAGNITUDE for c in run):
        return int("".join(str(_DIGITS[c]) for c in run))
    total, section, number = 0, 0, 0
    for c in run:
        if c in _DIGITS:
            number = _DIGITS[c]
        elif c in _SMALL:
            section += (number or 1) * _SMALL[c]
            number = 0
        elif c == "万":
            section = ((section + number) or 1) * 10**4
            number = 0
        else:  # 亿
            total = ((total + section + number) or 1) * 10**8
            section, number = 0, 0
    return total + section + number


def _cn_value(run: str) -> Decimal:
    """A Chinese numeral with an optional decimal part: `五点六` -> 5.6, `一点五亿` -> 1.5e8."""
    if "点" not in run:
        return Decimal(_cn_integer(run))
    whole, rest = run.split("点", 1)
    fraction = "".join(str(_DIGITS[c]) for c in rest if c in _DIGITS)
    value = Decimal(f"{_cn_integer(whole) if whole else 0}.{fraction}")
    for c in rest:
        if c in _MAGNITUDE:
            value *= _MAGNITUDE[c]
    return value


def _scale(magnitude: str) -> int:
    factor = 1
    for c in magnitude:
        factor *= _MAGNITUDE.get(c, 1)
    return factor


def _is_figure_run(run: str, before: str, after: str) -> bool:
    """The rule of the module docstring for a run of Chinese numerals."""
    ranked = before in _RANK_PREFIXES
    if run == "一":
        return before == "第"
    if ranked or after in _MEASURES:
        return True
    has_magnitude = any(c in _MAGNITUDE for c in run)
    return "点" in run or (has_magnitude and len(run) > 1)


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_FOLD)


def _figure(value: Decimal, kind: str, text: str) -> Figure:
    return Figure(value.normalize(), kind, text.strip())


def _read(m: re.Match[str], text: str) -> list[Figure]:
    raw = m.group(0)
    if m.group("first"):
        return [_figure(Decimal(1), NUM, raw)]
    if m.group("date"):
        return [_figure(Decimal(part), NUM, part) for part in raw.split(".")]
    if m.group("pct_digits"):
        return [_figure(Decimal(m.group("pct_digits")), PCT, raw)]
    if m.group("pct_cn"):
        return [_figure(_cn_value(m.group("pct_cn")), PCT, raw)]
    if m.group("digits"):
        value = Decimal(re.sub(r"[, ]", "", m.group("digits")))
        value *= _scale(m.group("magnitude") or "")
        return [_figure(value, _percent_kind(m.group("pct")), raw)]
    run = m.group("cn")
    before = text[m.start() - 1] if m.start() else ""
    after = text[m.end("cn")] if m.end("cn") < len(text) else ""
    if m.group("cn_pct"):
        after = "%"
    if not _is_figure_run(run, before, after):
        return []
    if before == "第":
        raw = before + raw
    try:
        value = _cn_value(run)
    except (KeyError, ValueError, InvalidOperation):
        return []
    return [_figure(value, _percent_kind(m.group("cn_pct")), raw)]


def _percent_kind(suffix: str | None) -> str:
    """The kind a number's percent suffix gives it: `%` a percentage, 百分点 points."""
    if not suffix:
        return NUM
    return PP if "百分点" in suffix else PCT


def figure_list(text: str) -> list[Figure]:
    """Every figure of `text` in reading order, repeats kept."""
    norm = _normalize(text)
    return [f for m in _NUMBER.finditer(norm) for f in _read(m, norm)]


def figure_spans(text: str) -> list[tuple[Figure, int]]:
    """Every figure of an NFKC-folded text (a search key) with where its number starts."""
    norm = _normalize(text)  # the numeral folding keeps offsets: one character for one
    return [(f, m.start()) for m in _NUMBER.finditer(norm) for f in _read(m, norm)]


def figures(text: str) -> frozenset[Figure]:
    """The set of figures `text` states (see the module docstring for what counts)."""
    return frozenset(figure_list(text))


def missing_figures(claim: str, source: str | frozenset[Figure]) -> list[Figure]:
    """The claim's figures the source does not state, in the claim's order, each once.

    `source` is a text or, to read a source once for many claims, its `figures(...)`."""
    have = figures(source) if isinstance(source, str) else source
    missing: list[Figure] = []
    for f in figure_list(claim):
        if f not in have and f not in missing:
            missing.append(f)
    return missing
