"""Masthead: the date and the issuer a document states about itself, for documents added
without them (an upload has no catalog entry; a catalog entry always wins).

Official documents, reports and news state both in a line of their own, at the top (a masthead:
「2025年3月1日 某市工业和信息化局」) or at the foot (the signature block: 「某某研究院」 over
「二〇二五年三月一日」). So only the first and last `LINES` lines are read, and only short lines
that are not sentences. The date is the first full date found there (year and month at least:
`2025年3月1日`, `2025-03-01`, `2025/3/1`, `2025.3`, `二〇二五年三月一日`), given as ISO
`2025-03-01` or `2025-03`; a bare year is not taken (a title like 「2024年工作总结」 names the
year it is about, not its own date). The issuer is a line ending in a body's name
(`lexicon/issuers.txt`), what is left of the date line once its date is cut out included, a
label before it (`主办：`, `lexicon/issuer_labels.txt`) dropped.
Trade-off: a document that states neither gets neither (the page lets a person fill them in),
rather than a guess from a sentence in its body.
"""

from __future__ import annotations

import re

from rag.text.lexicon import words

LINES = 10
"""Lines read at each end of the document (a masthead can run to eight short lines: series,
issue number, organiser, date)."""
LONGEST = 40
"""Characters: a longer line is text, not a masthead or a signature."""

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2}|[〇零一二三四五六七八九]{4})\s*(?:年|[-/.])\s*"
    r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])(?![\d])\s*(?:月|[-/.])?\s*"
    r"(?:(?P<d>3[01]|[12]\d|0?[1-9]|三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])"
    r"(?![\d])\s*[日号]?)?"
)
_SENTENCE = re.compile(r"[，,。；;！？!?：:]")


def _number(numeral: str) -> int:
    if numeral.isdigit():
        return int(numeral)
    if len(numeral) == 4:  # a year written digit by digit: 二〇二五
        return int("".join(str(_CN_DIGITS[c]) for c in numeral))
    tens, _, ones = numeral.partition("十")
    if "十" not in numeral:
        return _CN_DIGITS[numeral]
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _edges(text: str) -> list[str]:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    picked = lines[:LINES] + lines[LINES:][-LINES:]
    return [line for line in picked if len(line) <= LONGEST]


def stated_date(text: str) -> str:
    """The date a document states at its top or foot, as `YYYY-MM-DD` or `YYYY-MM`; ""."""
    for line in _edges(text):
        m = _DATE.search(line)
        if m is None:
            continue
        year, month = _number(m["y"]), _number(m["m"])
        if not 1 <= month <= 12:
            continue
        day = _number(m["d"]) if m["d"] else 0
        return f"{year}-{month:02d}-{day:02d}" if 1 <= day <= 31 else f"{year}-{month:02d}"
    return ""


def stated_issuer(text: str) -> str:
    """The body a document names as its issuer at its top or foot; "". The first line is the
    document's title (an encyclopedia article titled 「某某集团」 is about that body, not issued
    by it), so it names the issuer only beside a date."""
    endings = sorted(words("issuers"), key=len, reverse=True)
    labels = sorted(words("issuer_labels"), key=len, reverse=True)
    for i, line in enumerate(_edges(text)):
        if i == 0 and not _DATE.search(line):
            continue
        rest = _DATE.sub(" ", line).strip(" 　·|/-—")
        for part in rest.split():
            label = next((w for w in labels if part.startswith(w)), "")
            part = part[len(label) :].lstrip("：:")
            if _SENTENCE.search(part) or len(part) < 3:
                continue
            if any(part.endswith(e) for e in endings):
                return part
    return ""
