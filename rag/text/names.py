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

Tokens = tuple[tuple[str, str, int], ...]
"""A text's words with their parts of speech and offsets, as `tagged` gives them."""

PERSON = ("nr", "nt")
"""Tags of the names a who question is answered with: people (nr, nrfg, nrt) and bodies."""


@lru_cache(maxsize=8192)
def tagged(text: str) -> Tokens:
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


WORD_OF_ITS_OWN = 100
"""jieba's dictionary count from which a name piece is a word of its own, not a piece of a longer
name: places and known people are counted hundreds of times (`阿根廷` 964, `伦敦` 2255,
`詹姆斯` 598); the pieces jieba cuts an unknown name into rarely or never (`科维奇` 14, `杰夫`
24, `德约` unseen)."""
LONGEST_NAME = 10
"""Characters a transliterated name without a middle dot spans at most (`斯托伊科维奇`: 6)."""


def transliterated(tokens: Tokens, first: int, last: int) -> tuple[int, int]:
    """Token indices `first..last` of a person's name, widened over the name pieces beside it
    that with it spell one transliterated name jieba cut apart (`德约` + `科维奇`, `阿尔卡拉` +
    `斯`); a list of names (`甲、乙`) is widened at its two ends. A piece is made of
    transliteration characters (`rag/text/lexicon/transliteration.txt`), is tagged a name, and
    is neither a known place nor a word of its own (`WORD_OF_ITS_OWN`): `阿根廷` + `梅西` stay
    two. Unchanged when the name is no such piece (`林志远`, `詹姆斯`)."""
    from rag.text.places import places_in
    from rag.text.terms import _jieba

    letters, counts = lexicon.words("transliteration"), _jieba().dt.FREQ

    def piece(i: int) -> bool:
        word, flag, _ = tokens[i]
        return (
            flag.startswith(("nr", "ns"))
            and all(c in letters for c in word)
            and (len(word) == 1 or (counts.get(word) or 0) < WORD_OF_ITS_OWN)
            and not places_in(word)
        )

    def widen(i: int, step: int) -> int:  # the farthest piece from i, one way
        size = len(tokens[i][0])
        while 0 <= i + step < len(tokens) and piece(i + step):
            size += len(tokens[i + step][0])
            if size > LONGEST_NAME:
                break
            i += step
        return i

    return (widen(first, -1) if piece(first) else first), (widen(last, 1) if piece(last) else last)


def placed(tokens: Tokens, first: int) -> int:
    """Token index `first` of a body's name (`nt`), moved back over the place it is named
    after (`苏州市` + `工信局`; `吴江` + `区` + `社科联`, an administrative suffix jieba cut off:
    `rag/text/lexicon/admin_suffixes.txt`): the body is the place's, and its name holds it."""

    def place(i: int) -> bool:
        return tokens[i][1].startswith("ns") or is_place(tokens[i][0])

    if first >= 2 and tokens[first - 1][0] in lexicon.words("admin_suffixes") and place(first - 2):
        return first - 2
    return first - 1 if first >= 1 and place(first - 1) else first


def is_place(word: str) -> bool:
    """Is the word a place's name, with or without its administrative suffix (`武进`, `武进区`)?
    jieba tags some places people (`阿根廷`, `武进区`: nr)."""
    from rag.text.places import places_in

    found = places_in(word)
    return word in found or (word[-1:] in lexicon.words("admin_suffixes") and word[:-1] in found)
