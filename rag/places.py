"""Places: a gazetteer of Chinese provinces and prefecture-level cities, and what a sentence is
about.

jieba's place tag (`ns`) is too noisy to decide "is this sentence about Suzhou?" (it tags `上市`
and `深度` as places), so place names come from a table instead (`rag/text/lexicon/places.tsv`):
every provincial-level division, the prefecture-level cities (minus a few whose names are
everyday words: 来宾, 安康, 长治, 白银 ...), a few districts and new areas of Beijing and Shanghai
that reports name, the regions reports compare (长三角 ...), and the countries the field cites.
Each name knows its parent, so a sentence about 无锡 is within 江苏 and one naming 中国 does not
leave it.

The trade-off: a place missing from the table is invisible to the place checks (answers then
rest on the other checks); a name that is also a word would wrongly count as a place, hence the
cuts. The table is general: it lists no county-level cities, since a list of them for the
cities one corpus is about is a fit to that corpus, not geography; a complete national table
would bring them back (`kind_of` already knows that level).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from rag.text import lexicon

_KINDS = frozenset({"城市", "地方"})
"""The kinds `places.tsv` may give a place whose level does not say it."""


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    """From `places.tsv`: every place -> its parent ("" for a top-level one), and the places
    whose kind the table gives."""
    parent: dict[str, str] = {}
    kind: dict[str, str] = {}
    for row in lexicon.rows("places"):
        name, up, given = (*row, "", "")[:3]
        parent[name] = "" if up in ("", "-") else up
        if given:
            if given not in _KINDS:
                raise ValueError(f"places.tsv: {name}: unknown kind {given!r}")
            kind[name] = given
    missing = {up for up in parent.values() if up and up not in parent}
    if missing:
        raise ValueError(f"places.tsv: parents that are no place: {sorted(missing)}")
    return parent, kind


def parents() -> dict[str, str]:
    """Every known place name -> its parent ("" for a top-level one)."""
    return _table()[0]


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names = sorted(parents(), key=len, reverse=True)  # longest first: 马鞍山 before 鞍山
    return re.compile("|".join(map(re.escape, names)))


@lru_cache(maxsize=8192)
def places_in(key: str) -> frozenset[str]:
    """Place names a search key mentions."""
    return frozenset(m.group(0) for m in _pattern().finditer(key))


# `相比杭州而言，苏州…`: the place compared with is not what the sentence is about.
_COMPARED = re.compile(r"(?:相比|相较|对比|比起|较之?|不如)\s*$")


@lru_cache(maxsize=8192)
def subjects_in(key: str) -> frozenset[str]:
    """Place names a sentence is about: those it mentions, minus places it compares with (unless
    it names nothing else)."""
    found = [(m.group(0), key[max(0, m.start() - 3) : m.start()]) for m in _pattern().finditer(key)]
    subjects = frozenset(p for p, before in found if not _COMPARED.search(before))
    return subjects or frozenset(p for p, _ in found)


@lru_cache(maxsize=4096)
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
_SENTENCE_END = re.compile(r"[。！？；!?;]")


def subject_places(paragraph_before: str, section: str, title: str, body: str) -> frozenset[str]:
    """What a sentence that names no place is about: the places of the latest sentence of its
    paragraph that names any; else those its section path names; else its document title's;
    else the place its document names most often."""
    for sentence in reversed(_SENTENCE_END.split(paragraph_before)):
        found = places_in(sentence) - _COUNTRY_WIDE
        if found:
            return found
    return (
        (places_in(section) - _COUNTRY_WIDE)
        or (places_in(title) - _COUNTRY_WIDE)
        or main_place(body)
    )


@lru_cache(maxsize=64)
def main_place(key: str) -> frozenset[str]:
    """The place a whole text names most often (empty when it names none)."""
    counts = Counter(m.group(0) for m in _pattern().finditer(key))
    return frozenset(p for p, _ in counts.most_common(1))


@lru_cache(maxsize=1024)
def kind_of(place: str) -> frozenset[str]:
    """What a question's `哪个…` can mean by it: 国家, 省, 城市, 县级市 (a county-level city or
    district), or only 地方 (any place, regions too). The level in the gazetteer decides, unless
    the table gives the kind (a province-level city is a 城市; a region only a 地方)."""
    depth = len(lineage(place))
    kinds = {"地方"}
    given = _table()[1].get(place, "")
    if given:
        kinds.add(given)
    elif depth == 1:
        kinds.add("国家")
    elif depth == 2:
        kinds.add("省")
    elif depth == 3:
        kinds.add("城市")
    else:
        kinds |= {"城市", "县级市"}
    return frozenset(kinds)


def places_of_kind(kind: str, within_any: frozenset[str]) -> list[str]:
    """Known places of a kind, inside one of `within_any` when it holds any (浙江's cities for
    `浙江哪个城市`), else all of them."""
    every = sorted(p for p in parents() if kind in kind_of(p))
    inside = [p for p in every if any(within(p, a) and p != a for a in within_any)]
    return inside or every
