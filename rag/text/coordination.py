"""Coordination: the conjuncts of a question that each need their own answer.

A Chinese question asks about several things at once by joining them with 和, 与, 及, 跟, 以及
or the enumeration comma 、, usually with 分别 or 各 after them: `甲公司和乙公司的营收分别是多少`,
`这部电影的导演和编剧是谁`, `比赛的开始和结束时间`. Each conjunct makes a question of its own:
the question with the other conjuncts and their joints removed (`甲公司的营收分别是多少`,
`乙公司的营收分别是多少`). The conjuncts are the jieba words right beside the joints (a name
jieba splits into a word and a one-character suffix, `欧联`+`杯`, keeps its suffix). Numbers are
left to the year and figure rules; the trade-off: a longer phrase on the left (`北京大学和清华`)
is cut to its last word, which only widens the facet it belongs to.
"""

from __future__ import annotations

from functools import lru_cache

from rag.text.names import tagged

JOINTS = frozenset({"和", "与", "及", "跟", "以及", "、"})
# parts of speech that can stand in a coordination of things asked about: nouns of every kind,
# names, verbs used as nouns (导演, 选举), abbreviations, Latin words, unknown words
_CONTENT = ("n", "v", "j", "eng", "x", "l", "i", "vn", "an", "s", "t")


@lru_cache(maxsize=1024)
def conjuncts(key: str) -> tuple[tuple[str, ...], ...]:
    """The groups of coordinated words of a question key, each group in order
    (`甲和乙的…` -> (("甲", "乙"),)); words, as written in `key`."""
    words = [(word, flag) for word, flag, _ in tagged(key)]
    groups: list[list[tuple[int, int]]] = []  # spans of the conjuncts, in characters
    at = 0
    spans: list[tuple[str, str, int, int]] = []
    for word, flag in words:
        spans.append((word, flag, at, at + len(word)))
        at += len(word)
    i = 1
    while i < len(spans) - 1:
        if spans[i][0] in JOINTS and _content(spans[i - 1]) and _content(spans[i + 1]):
            left = (spans[i - 1][2], spans[i - 1][3])
            right_end = i + 1
            if right_end + 1 < len(spans) and _suffix(spans[right_end + 1]):
                right_end += 1
            right = (spans[i + 1][2], spans[right_end][3])
            if groups and groups[-1][-1] == left:
                groups[-1].append(right)
            else:
                groups.append([left, right])
            i = right_end + 1
            continue
        i += 1
    return tuple(tuple(key[a:b] for a, b in g) for g in groups if len(set(g)) > 1)


def _content(span: tuple[str, str, int, int]) -> bool:
    word, flag = span[0], span[1]
    if not any(ch.isalnum() for ch in word) or word.isdigit():
        return False
    return flag.startswith(_CONTENT) and not flag.startswith("m")


def _suffix(span: tuple[str, str, int, int]) -> bool:
    """A one-character noun glued to the word before it (`杯`, `队`, `组`)."""
    return len(span[0]) == 1 and span[1] in ("n", "ng")


def facet_questions(key: str) -> list[tuple[str, str]]:
    """One question per conjunct: the key without the other conjuncts of its group and their
    joints, with the conjunct it keeps: `甲和乙的营收` -> [(`甲的营收`, `甲`), (`乙的营收`,
    `乙`)]."""
    out: list[tuple[str, str]] = []
    for group in conjuncts(key):
        start = key.find(group[0])
        end = key.find(group[-1], start) + len(group[-1])
        if start < 0 or end <= start:
            continue
        for keep in group:
            out.append((key[:start] + keep + key[end:], keep))
    return out
