"""Names in a sentence, by jieba's parts of speech: people, bodies, places.

`谁当选市长` is answered by a sentence that names a person, `在哪里举行` by one that names a
place: a sentence about the election that names nobody is no answer, whatever words it shares
with the question. jieba tags names it knows and guesses unknown ones from their context (its
HMM): `nr` people (`nrfg`, `nrt` too), `nt` organisations, `ns` places. The trade-off: a name
jieba misses makes a right sentence fail the check, so it is asked only of the questions that
ask for a name, and a sentence passes with one name of the kind asked that the question does
not hold. Tagging costs about a millisecond a sentence: it runs only on candidates that pass
every other check, and is cached.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text import lexicon

PERSON = ("nr", "nt")
"""Tags of the names a who question is answered with: people (nr, nrfg, nrt) and bodies."""


@lru_cache(maxsize=8192)
def tagged(text: str) -> tuple[tuple[str, str, int], ...]:
    """jieba's words of a text with their parts of speech and offsets: (word, tag, start). The
    one place text is tagged (coordination, names and short answers read it). A word jieba
    tags a person's name that ends like an event or a thing (`rag/text/lexicon/
    unnamed_endings.txt`: `加时赛`) is tagged a noun."""
    import jieba.posseg

    from rag.text.terms import _jieba

    _jieba()  # its dictionary loaded, its log quiet
    out, at = [], 0
    unnamed = lexicon.words("unnamed_endings")
    for pair in jieba.posseg.lcut(text):
        word, flag = pair.word, pair.flag
        if flag.startswith("nr") and len(word) > 2 and word[-1] in unnamed:
            flag = "n"  # `加时赛`, `公开赛`: jieba's dictionary calls them people
        out.append((word, flag, at))
        at += len(word)
    return tuple(out)


def tagged_names(key: str) -> tuple[tuple[str, str], ...]:
    """The (word, tag) pairs of a search key that jieba tags as names (nr*, nt*, ns*)."""
    return tuple(
        (word, flag)
        for word, flag, _ in tagged(key)
        if len(word) > 1 and flag.startswith(("nr", "nt", "ns"))
    )


def names_other(key: str, question_key: str, tags: tuple[str, ...]) -> bool:
    """Does the key name someone or somewhere of the given tags that the question does not?
    A body jieba does not know is often a place and a noun (teams: `芝加哥猎鹰`, `洛杉矶猎鹰队`):
    it counts as a body's name when the noun is not the question's."""
    if any(flag.startswith(tags) and word not in question_key for word, flag in tagged_names(key)):
        return True
    return "nt" in tags and bool(place_led_names(key, question_key))


def place_led_names(key: str, question_key: str) -> list[str]:
    """Place + noun names of a key whose noun the question does not hold (`芝加哥猎鹰`, with a
    one-character suffix `洛杉矶猎鹰队`); not when a longer noun follows, which makes the pair a
    modifier of it (`马德里羽毛球公开赛` names a tournament, not a body)."""
    words = [*tagged(key), ("", "x", len(key))]
    out = []
    for i in range(len(words) - 2):
        (a, fa, _), (b, fb, _), (c, fc, _) = words[i : i + 3]
        if not (fa.startswith("ns") and len(a) > 1 and fb == "n" and len(b) > 1):
            continue
        name = a + b + (c if fc.startswith("n") else "")
        if b in question_key or name in question_key or (fc.startswith("n") and len(c) > 1):
            continue
        out.append(name)
    return out


_QUOTED = re.compile(r"[“「『《\"]([^“”「」『』《》\"\n]{2,20})[”」』》\"]")
_NAME_SPLIT = re.compile(r"[、，,；;:：（）()《》\s]+")


def quoted_names(key: str) -> list[str]:
    """What a text quotes in quotation marks or book marks (`「…」`, `“…”`, `《…》`)."""
    return [m.group(1) for m in _QUOTED.finditer(key)]


def issuer_names(issuer: str) -> tuple[str, ...]:
    """The names in a catalog's issuer field (`市发展研究中心、某大学`: both), as
    whitespace-free search keys of two or more characters."""
    from rag.text.script import search_key

    parts = _NAME_SPLIT.split(search_key(issuer))
    return tuple(p for p in parts if len(p) >= 2)
