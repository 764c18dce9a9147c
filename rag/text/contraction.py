"""Contractions (缩略语): a Chinese short form keeps some characters of its full form, in order:
`北大` for 北京大学, `欧冠` for 欧洲冠军联赛, `男单` for 男子单打, `澳网` for 澳大利亚网球公开赛.
A text that spells a name out in full still names what the question's short form names.

The rule: every character of the short form appears in the text in order, the last no further
than `SPAN_PER_CHAR` characters per character of the short form after the first (`澳`…`网` of
澳大利亚网球: four apart; `北`…`大` of 北方的一所大学 is five: no). The trade-off: a
two-character form can match two unrelated characters close together (`中国` in `中部的国`),
so the rule is used only for a word the text does not hold as written, and only for Han words
of two to four characters (longer names are rarely contracted into another).
"""

from __future__ import annotations

from functools import lru_cache

SPAN_PER_CHAR = 2


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@lru_cache(maxsize=65536)
def contracted_in(short: str, text: str) -> bool:
    """Is `short` a contraction of something `text` spells out (`澳网`, `澳大利亚网球公开赛`)?
    False when `text` holds `short` as written (that is a plain mention, not a contraction)."""
    if not 2 <= len(short) <= 4 or not all(_han(c) for c in short) or short in text:
        return False
    limit = SPAN_PER_CHAR * len(short) + 1
    at = text.find(short[0])
    while at >= 0:
        pos, ok = at, True
        for ch in short[1:]:
            pos = text.find(ch, pos + 1, at + limit)
            if pos < 0:
                ok = False
                break
        if ok:
            return True
        at = text.find(short[0], at + 1)
    return False
