"""Coordination: the conjuncts of a question that each need their own answer.

A Chinese question asks about several things at once by joining them with 和, 与, 及, 跟, 以及
or the enumeration comma 、, usually with 分别 or 各 after them: `甲公司和乙公司的营收分别是多少`,
`这部电影的导演和编剧是谁`, `比赛的开始和结束时间`. Each conjunct makes a question of its own:
the question with the other conjuncts and their joints removed (`甲公司的营收分别是多少`,
`乙公司的营收分别是多少`). The conjuncts are the jieba words right beside the joints (a name
jieba splits into a word and a one-character suffix, `联盟`+`杯`, keeps its suffix). Numbers are
left to the year and figure rules; the trade-off: a longer phrase on the left (`北京大学和清华`)
is cut to its last word, which only widens the facet it belongs to.
"""

from __future__ import annotations

from functools import cache, lru_cache

from rag.text import lexicon
from rag.text.names import tagged

JOINTS = frozenset({"和", "与", "及", "跟", "以及", "、"})
JOINT = "(?:" + "|".join(sorted(JOINTS, key=len, reverse=True)) + ")"
"""`JOINTS` as a regular-expression group, the longest first (`以及` before `及`)."""
# parts of speech that can stand in a coordination of things asked about: nouns of every kind,
# names, verbs used as nouns (导演, 选举), abbreviations, Latin words, unknown words
_CONTENT = ("n", "v", "j", "eng", "x", "l", "i", "vn", "an", "s", "t")


@lru_cache(maxsize=1024)
def conjuncts(key: str) -> tuple[tuple[str, ...], ...]:
    """The groups of coordinated words of a question key, each group in order
    (`甲和乙的…` -> (("甲", "乙"),)); words, as written in `key`."""
    spans: list[tuple[str, str, int, int]] = []
    at = 0
    for word, flag, _ in tagged(key):
        spans.append((word, flag, at, at + len(word)))
        at += len(word)
    groups: list[list[tuple[int, int]]] = []  # spans of the conjuncts, in characters
    i = 1
    while i < len(spans) - 1:
        if spans[i][0] not in JOINTS:
            i += 1
            continue
        found = _parallel(spans, i)
        if found is None and _content(spans[i - 1]) and _content(spans[i + 1]):
            found = _beside(spans, i)
        if found is not None:
            left, right, after = found
            if groups and groups[-1][-1][1] == left[1]:
                groups[-1].append(right)
            else:
                groups.append([left, right])
            i = after
            continue
        i += 1
    return tuple(tuple(key[a:b] for a, b in g) for g in groups if len(set(g)) > 1)


MAX_PHRASE = 5
"""Words of a parallel conjunct, at most (`男子|双人|3|米|板`)."""


def _parallel(
    spans: list[tuple[str, str, int, int]], i: int
) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """Two conjuncts written in parallel: as many words on each side of the joint, the same
    words but one (`杭州市市长和宁波市市长`, `男子双人3米板和女子双人3米板`, `最佳影片奖和最佳
    导演奖`; a last word that differs may go on: `最佳电视剧和最佳电视动画`). The conjuncts are
    then the whole phrases, not the words beside the joint.
    (left, right, index after the right one)."""
    for size in range(min(MAX_PHRASE, i, len(spans) - i - 1), 1, -1):
        left, right = spans[i - size : i], spans[i + 1 : i + 1 + size]
        differ = [k for k in range(size) if left[k][0] != right[k][0]]
        if len(differ) == 1 and _content(left[differ[0]]) and _content(right[differ[0]]):
            end = i + size
            if differ[0] == size - 1:  # the last words differ: the right one may go on
                while end + 1 < len(spans) and spans[end + 1][1].startswith("n"):
                    end += 1  # `最佳电视剧和最佳电视|动画`
            return (left[0][2], left[-1][3]), (right[0][2], spans[end][3]), end + 1
    return None


def _beside(
    spans: list[tuple[str, str, int, int]], i: int
) -> tuple[tuple[int, int], tuple[int, int], int]:
    """The words right beside a joint; on the right, with a one-character noun glued to it
    (`联盟`+`杯`), or a run of single characters jieba split a name it does not know into
    (`吴`+`昺`+`炜`, `冬`+`残运会`)."""
    left = (spans[i - 1][2], spans[i - 1][3])
    end = i + 1
    if _single(spans[end]):
        while end + 1 < len(spans) and _single(spans[end + 1]):
            end += 1
        if end == i + 1 and end + 1 < len(spans) and _content(spans[end + 1]):
            end += 1  # one character before a word: its first character (`冬`+`残运会`)
    elif end + 1 < len(spans) and _suffix(spans[end + 1]):
        end += 1
    return left, (spans[i + 1][2], spans[end][3]), end + 1


def _single(span: tuple[str, str, int, int]) -> bool:
    """A one-character Han word that is not a function word (`吴`, `昺`, `冬`)."""
    word, flag = span[0], span[1]
    return (
        len(word) == 1
        and "\u4e00" <= word <= "\u9fff"
        and word not in JOINTS
        and not flag.startswith(("u", "p", "c", "r", "d", "m", "q"))
    )


def _content(span: tuple[str, str, int, int]) -> bool:
    word, flag = span[0], span[1]
    if not any(ch.isalnum() for ch in word) or word.isdigit():
        return False
    return flag.startswith(_CONTENT) and not flag.startswith("m")


def _suffix(span: tuple[str, str, int, int]) -> bool:
    """A one-character noun or measure word glued to the word before it (`杯`, `队`, `组`)."""
    return len(span[0]) == 1 and span[1] in ("n", "ng", "q")


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


@cache
def _merged() -> dict[str, tuple[str, str]]:
    """`rag/text/lexicon/merged.tsv`: each merged form with its two parts, the longest first."""
    rows = sorted(lexicon.rows("merged"), key=lambda row: -len(row[0]))
    return {row[0]: (row[1], row[2]) for row in rows}


def merged_parts() -> frozenset[str]:
    """The parts merged coordinations are spelled out into (`男单`, `女单`): each names a kind
    of thing the text names too (`女单冠军`), so an answer to one part names it."""
    return frozenset(p for parts in _merged().values() for p in parts)


@lru_cache(maxsize=1024)
def spell_out(key: str) -> str:
    """The key with each merged coordination written as its two parts joined by 和
    (`rag/text/lexicon/merged.tsv`: `男女双打比赛` -> `男双和女双比赛`), where the merged form
    starts and ends on jieba word boundaries; the key itself when it holds none."""
    forms = _merged()
    if not any(form in key for form in forms):
        return key
    words = tagged(key)
    ends = {at + len(word) for word, _, at in words}
    out, done = [], 0
    for _, _, at in words:
        if at < done:
            continue  # inside a merged form already spelled out
        form = next((f for f in forms if key.startswith(f, at) and at + len(f) in ends), None)
        if form is not None:
            out.append(key[done:at] + "和".join(forms[form]))
            done = at + len(form)
    return "".join(out) + key[done:]
