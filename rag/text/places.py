"""Places: a gazetteer of China's divisions, down to the county level, and what a sentence is
about.

jieba's place tag (`ns`) is too noisy to decide "is this sentence about Suzhou?" (it tags `上市`
and `深度` as places), so place names come from three tables instead: `places_cn.tsv`, every
province, prefecture-level city and county-level division, generated once from jionlp's
division table by `scripts/make_places.py` (short forms that are everyday words, 和平 or 合作,
or that name several places, 鼓楼, are left out there, each rule stated in the file);
`places_world.tsv`, the world's countries by their Chinese names, generated once from the
Unicode CLDR by `scripts/make_countries.py`; and `places.tsv`, what those lack: the countries'
usual short names, the regions reports compare (长三角 ...) and named areas that are no division
(中关村). Each name knows its parent, so a
sentence about 常熟 is within 苏州 and 江苏, and one naming 中国 does not leave it.

A text names a place by its name or its full name (常熟市 is 常熟); the name is always a part of
the full name, so what `places_in` reports is a part of the text. Matching is a leftmost-longest
scan over a dict keyed by the first two characters (every name has two or more), about 20 µs
for a 100-character sentence: one regex alternation of the 5,800 spellings tries them one by one
at every character (550 µs). A spelling is no place where it straddles two commoner words
(`非常熟悉`) or its suffix starts a word (`合作市场`): the scan sees characters, not words.

The trade-off: a place missing from the tables is invisible to the place checks (answers then
rest on the other checks); a name that is also a word would wrongly count as a place, hence the
generator's cuts, which cost some real short forms (武昌 and 仙桃 keep only their full names).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from rag.text import lexicon
from rag.text.sentences import sentence_spans
from rag.text.terms import _jieba

_FILES = ("places", "places_cn", "places_world")

_KINDS = frozenset({"国家", "省", "城市", "县级市", "县", "区", "地方"})
"""The kinds a table may give a place whose level does not say it (`places_cn.tsv` gives every
place its kind: a 市辖区 of 北京 is no city though it sits where cities do)."""

_ALSO = {"县级市": frozenset({"城市"}), "县": frozenset({"县级市"}), "区": frozenset({"县级市"})}
"""Kinds a given kind implies: a county-level city is a city; `县级市` is also the county level
as `rag.question.analysis` asks it (`哪个县级市`, `哪个区县`), so a 县 or 区 is one too."""

_NOT_A_SUFFIX = frozenset({"市场", "市值", "市面", "区域", "区间"})
"""Words a full name's last character starts: 合作市场 is a market, not 合作市 (the scan then
tries the shorter names: 苏州市场 is 苏州's)."""


@dataclass(frozen=True)
class _Gazetteer:
    """Both tables, read once."""

    parent: dict[str, str]
    """Every place's name -> its parent's ("" for a top-level one)."""
    kind: dict[str, str]
    """The places whose kind a table gives."""
    spelling: dict[str, str]
    """Every way a text spells a place (name or full name) -> the place's name."""
    lengths: dict[str, tuple[int, ...]]
    """First two characters -> the lengths of the spellings they start, longest first."""


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    parent: dict[str, str] = {}
    kind: dict[str, str] = {}
    spelling: dict[str, str] = {}
    for file in _FILES:
        for row in lexicon.rows(file):
            name, up, given, full = (*row, "", "", "")[:4]
            if given not in ("", "-") and given not in _KINDS:
                raise ValueError(f"{file}.tsv: {name}: unknown kind {given!r}")
            if full and name not in full:
                raise ValueError(f"{file}.tsv: {name} is no part of its full name {full!r}")
            for spelt in filter(None, (name, full)):
                if spelt in spelling:
                    raise ValueError(f"{file}.tsv: {spelt} is listed twice")
                spelling[spelt] = name
            parent[name] = "" if up in ("", "-") else up
            if given not in ("", "-"):
                kind[name] = given
    missing = {up for up in parent.values() if up and up not in parent}
    if missing:
        raise ValueError(f"places: parents that are no place: {sorted(missing)}")
    by_first: dict[str, set[int]] = {}
    for spelt in spelling:
        if len(spelt) < 2:
            raise ValueError(f"places: {spelt!r}: a name has two characters or more")
        by_first.setdefault(spelt[:2], set()).add(len(spelt))
    lengths = {c: tuple(sorted(sizes, reverse=True)) for c, sizes in by_first.items()}
    return _Gazetteer(parent, kind, spelling, lengths)


def parents() -> dict[str, str]:
    """Every known place name -> its parent ("" for a top-level one)."""
    return _gazetteer().parent


@lru_cache(maxsize=1)
def _words() -> dict[str, int]:
    """jieba's dictionary, word -> count (0 for a prefix only)."""
    freq: dict[str, int] = _jieba().dt.FREQ
    return freq


def _scan(key: str) -> list[tuple[str, int]]:
    """(place name, start) of every place `key` spells, leftmost-longest (马鞍山 before 鞍山,
    常熟市 before 常熟), matches not overlapping. A spelling that straddles two words, each of
    them more common (by jieba's count) than the spelling itself, is none: `非常熟悉` is 非常
    (15958) and 熟悉 (3053), not 常熟 (146); `认定常熟人工智能` keeps it (定常 39)."""
    table, words = _gazetteer(), _words()
    found: list[tuple[str, int]] = []
    i, end = 0, len(key)
    while i < end:
        step = 1
        for size in table.lengths.get(key[i : i + 2], ()):
            spelt = key[i : i + size]
            name = table.spelling.get(spelt)
            if name is None:
                continue
            j = i + len(spelt)
            after = key[j - 1 : j + 1]
            if after in _NOT_A_SUFFIX or (
                i
                and j < end
                and min(words.get(after, 0), words.get(key[i - 1 : i + 1], 0)) > words.get(spelt, 0)
            ):
                continue
            found.append((name, i))
            step = j - i
            break
        i += step
    return found


@lru_cache(maxsize=8192)
def place_spans(key: str) -> tuple[tuple[str, int], ...]:
    """(place name, start) of every place a search key spells, in order."""
    return tuple(_scan(key))


@lru_cache(maxsize=8192)
def places_in(key: str) -> frozenset[str]:
    """Place names a search key mentions."""
    return frozenset(name for name, _ in _scan(key))


# `相比杭州而言，苏州…`: the place compared with is not what the sentence is about.
_COMPARED = re.compile(r"(?:相比|相较|对比|比起|较之?|不如)\s*$")


@lru_cache(maxsize=8192)
def subjects_in(key: str) -> frozenset[str]:
    """Place names a sentence is about: those it mentions, minus places it compares with (unless
    it names nothing else)."""
    found = [(name, key[max(0, start - 3) : start]) for name, start in _scan(key)]
    subjects = frozenset(p for p, before in found if not _COMPARED.search(before))
    return subjects or frozenset(p for p, _ in found)


@lru_cache(maxsize=8192)
def lineage(place: str) -> tuple[str, ...]:
    """The place and its ancestors: 海淀 -> (海淀, 北京, 中国)."""
    chain = [place]
    table = parents()
    while table.get(chain[-1]):
        chain.append(table[chain[-1]])
    return tuple(chain)


def within(place: str, area: str) -> bool:
    """Is `place` the area itself or inside it (无锡 within 江苏)?"""
    return area in lineage(place)


# 中国 names the scope of a Chinese report, not its subject: 《中国最强地级市》 is about a city.
_COUNTRY_WIDE = frozenset({"中国"})


def subject_places(
    paragraph_before: str, section: str, title: str, named_most: frozenset[str]
) -> frozenset[str]:
    """What a sentence that names no place is about: the places of the latest sentence of its
    paragraph that names any; else those its section path names; else its document title's;
    else `named_most`, the place its document names most often (`main_place` of its text)."""
    for a, b in reversed(sentence_spans(paragraph_before)):
        found = places_in(paragraph_before[a:b]) - _COUNTRY_WIDE
        if found:
            return found
    return (
        (places_in(section) - _COUNTRY_WIDE)
        or (places_in(title) - _COUNTRY_WIDE)
        or named_most
    )


def main_place(key: str) -> frozenset[str]:
    """The place a whole text names most often (empty when it names none)."""
    counts = Counter(name for name, _ in _scan(key))
    return frozenset(p for p, _ in counts.most_common(1))


@lru_cache(maxsize=8192)
def kind_of(place: str) -> frozenset[str]:
    """What a question's `哪个…` can mean by it: 国家, 省, 城市, 县级市 (the county level: a
    county-level city, a county or a district), or only 地方 (any place, regions too). The kind
    the table gives decides (a province-level city is a 城市, a region only a 地方), else the
    place's level in the gazetteer."""
    depth = len(lineage(place))
    kinds = {"地方"}
    given = _gazetteer().kind.get(place, "")
    if given:
        kinds |= {given, *_ALSO.get(given, ())}
    elif depth == 1:
        kinds.add("国家")
    elif depth == 2:
        kinds.add("省")
    elif depth == 3:
        kinds.add("城市")
    else:
        kinds |= {"城市", "县级市"}
    return frozenset(kinds)


@lru_cache(maxsize=16)
def _of_kind(kind: str) -> tuple[str, ...]:
    return tuple(sorted(p for p in parents() if kind in kind_of(p)))


def places_of_kind(kind: str, within_any: frozenset[str]) -> list[str]:
    """Known places of a kind, inside one of `within_any` when it holds any (浙江's cities for
    `浙江哪个城市`), else all of them."""
    every = _of_kind(kind)
    inside = [p for p in every if any(within(p, a) and p != a for a in within_any)]
    return inside or list(every)
