"""Claims as written: an answer split into its claims with their `[n]` markers, and what a
claim states that its sources must hold (bigrams, quoted names, the names jieba tags, the
corpus's names). Pure functions of the answer's text; `rag.answer.claims` checks them.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from rag.answer.cite import CANNOT_ANSWER, MARKER
from rag.text.names import quoted_names, tagged
from rag.text.script import search_key
from rag.text.sentences import CLOSERS, ENDS

ENTITY_TAGS = ("nr", "nt", "ns", "nz")
"""jieba's tags of the names a claim must share with its source: people, bodies, places and
other proper names (products, events, awards)."""


_END = ENDS
_CLOSE = re.escape(CLOSERS.replace("]", ""))  # `]` ends a marker, not a quote
_PIECE = re.compile(
    rf"[^{_END}\n]+(?:[{_END}]+[{_CLOSE}]*(?:[ \t\u3000]*{MARKER.pattern})*)?|[{_END}]+"
)
_MARKER_RUN = re.compile(r"\s*" + MARKER.pattern)
_BULLET = re.compile(
    r"^\s*(?:#{1,6}\s+|[-*•·]\s*|\d{1,2}\s*[.、．)）](?!\d)\s*|[一二三四五六七八九十]+、\s*"
    r"|[(（][一二三四五六七八九十\d]{1,2}[)）]\s*)"
)
_WORD = re.compile(r"[\u3400-\u9fffa-z]+")


@dataclass(frozen=True)
class _Piece:
    text: str
    markers: tuple[int, ...]
    joins_next: bool
    """Ends in ；/; without markers, its line going on: takes the next clause's markers."""


@lru_cache(maxsize=1)
def _refusal_key() -> str:
    return _plain(CANNOT_ANSWER)


def _plain(text: str) -> str:
    return "".join(_WORD.findall(search_key(text)))


def _pieces(answer: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    for m in _PIECE.finditer(answer):
        raw = m.group(0).replace("**", "")
        markers = tuple(int(n) for n in MARKER.findall(raw))
        text = _BULLET.sub("", _MARKER_RUN.sub("", raw), count=1).strip()
        if _plain(text) == _refusal_key():
            continue
        if not _plain(text):
            if pieces and markers:  # a marker run on its own belongs to the sentence before
                last = pieces[-1]
                pieces[-1] = _Piece(last.text, last.markers + markers, False)
            continue
        next_char = answer[m.end() : m.end() + 1]
        joins = not markers and text[-1] in "；;" and next_char not in ("\n", "")
        pieces.append(_Piece(text, markers, joins))
    for i in range(len(pieces) - 2, -1, -1):
        if pieces[i].joins_next and pieces[i + 1].markers:
            pieces[i] = _Piece(pieces[i].text, pieces[i + 1].markers, False)
    return pieces


def split_claims(answer: str) -> list[tuple[str, tuple[int, ...]]]:
    """The answer's claims as (text, marker numbers in order), refusals and empty pieces dropped."""
    return [(p.text, p.markers) for p in _pieces(answer)]


def bigrams(key: str) -> frozenset[str]:
    return frozenset(run[i : i + 2] for run in _WORD.findall(key) for i in range(len(run) - 1))



def overlap(claim: frozenset[str], have: frozenset[str]) -> float:
    """Share of `claim`'s bigrams in `have`."""
    return len(claim & have) / len(claim) if claim else 0.0


_BRACKETED = re.compile(r"[（(]([^（）()\n]{2,20})[）)]")
_LISTED = re.compile(r"(?<=、)([^、，,。；;：:\s“”《》（）()]{2,12})(?=、)")


def held_names(text: str) -> list[str]:
    """Names a source must state as written, as search keys: quoted or bracketed ones
    (`“苏智云”`, `《…规划》`, `(寒武纪)`), and the inner items of an enumeration
    (`甲、乙、丙、丁`: 乙 and 丙; the first and the last run into the words around them)."""
    found = quoted_names(text)
    found += [  # a bracketed name, not a date or a figure (`（2025-02）`)
        m.group(1) for m in _BRACKETED.finditer(text) if not re.search(r"\d", m.group(1))
    ]
    found += [m.group(1) for m in _LISTED.finditer(text)]
    return [search_key(n) for n in dict.fromkeys(found)]


def entities(key: str) -> dict[str, str]:
    """The names of people, bodies and places a claim's search key states, with jieba's tags."""
    names: dict[str, str] = {}
    for word, flag, _ in tagged(key):
        if len(word) > 1 and flag.startswith(ENTITY_TAGS):
            names.setdefault(word, flag)
    return names


def vocabulary_names(key: str, vocabulary: Collection[str]) -> list[str]:
    """The corpus's names (`vocabulary`) a claim's key states, each starting where a jieba
    word starts (`华为` is in `华为公司发布`, not in `中华为民`), longest first, none inside
    another."""
    if not vocabulary:
        return []
    lengths = _lengths_by_first(frozenset(vocabulary))
    found: list[tuple[int, int]] = []
    for _, _, i in tagged(key):
        for size in lengths.get(key[i], ()):
            if key[i : i + size] in vocabulary:
                found.append((i, i + size))
                break
    kept: list[tuple[int, int]] = []
    for i, j in sorted(found, key=lambda s: s[0] - s[1]):
        if not any(a <= i and j <= b for a, b in kept):
            kept.append((i, j))
    return [key[i:j] for i, j in sorted(kept)]


@lru_cache(maxsize=4)
def _lengths_by_first(vocabulary: frozenset[str]) -> dict[str, tuple[int, ...]]:
    """First character -> the lengths of the names starting with it, longest first."""
    out: dict[str, set[int]] = {}
    for name in vocabulary:
        out.setdefault(name[0], set()).add(len(name))
    return {c: tuple(sorted(sizes, reverse=True)) for c, sizes in out.items()}


