"""Question words: a question's search key -> the words it is searched and scored by (jieba's,
with numbers, places and known full forms kept whole), and the forms a term takes in a text
(short and full forms, synonyms: `rag/text/lexicon/`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.ingest.keyindex import KeyIndex
from rag.text import lexicon
from rag.text.places import places_in
from rag.text.terms import _jieba, stopwords


def question_words() -> re.Pattern[str]:
    """Words that carry no content (`question_words.txt`): never terms."""
    return lexicon.pattern("question_words")


def aliases() -> tuple[tuple[str, ...], ...]:
    """(short form, full form) pairs Chinese reports use interchangeably (简称 and 全称)."""
    return lexicon.rows("aliases")


@lru_cache(maxsize=1)
def word_tags() -> dict[str, str]:
    """jieba's dictionary parts of speech (nt organisation, nr person, v verb ...)."""
    import jieba.posseg as posseg

    _jieba()
    # jieba has no function for a word's dictionary tag: `posseg`'s own table is read (parsing
    # the dictionary again would hold a second table of 349,045 words).
    # SEE: https://github.com/fxsjy/jieba/issues/161 (the table posseg keeps, `word_tag_tab`)
    tags: dict[str, str] = posseg.dt.word_tag_tab
    return tags


_SPLIT_NUMBERS = re.compile(r"\d+(?:\.\d+)?\s*[年月日]?")


def _split_on_places(word: str) -> list[str]:
    """`苏州企业` -> [`苏州`, `企业`]: a place glued to a noun is two terms."""
    found = sorted(places_in(word), key=len, reverse=True)
    if not found or word in found:
        return [word]
    head, _, tail = word.partition(found[0])
    parts = [*([head] if head else []), found[0], *([tail] if tail else [])]
    return [p for part in parts for p in ([part] if part in found else _jieba().lcut(part))]


@lru_cache(maxsize=1)
def _alias_pattern() -> re.Pattern[str]:
    names = sorted({f for pair in aliases() for f in pair if len(f) > 2}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _segment(key: str) -> list[str]:
    """jieba words, except that a known full form (`规模以上`) stays one word."""
    out: list[str] = []
    at = 0
    for m in _alias_pattern().finditer(key):
        out += [*_jieba().lcut(key[at : m.start()]), m.group(0)]
        at = m.end()
    rest: list[str] = _jieba().lcut(key[at:])
    return out + rest


def words_of(key: str, index: KeyIndex) -> list[tuple[str, str]]:
    """jieba words of a question key, minus question words; numbers (with 年/月/日) stand alone,
    places are split off, and a compound no chunk contains is split into its dictionary words."""
    tags = word_tags()
    spaced = _SPLIT_NUMBERS.sub(lambda m: f" {m.group(0).rstrip('年月日 ')} ", key)
    out: list[tuple[str, str]] = []
    for raw in _segment(spaced):
        word = raw.strip()
        if len(word) > 2 and word[0] in "篇份部":  # 那|篇文章: the measure word is not the noun's
            word = word[1:]
        if not word or question_words().fullmatch(word):
            continue
        for part in _split_on_places(word):
            parts = [part]
            if len(part) > 2 and not index.used(forms(part)):
                # a compound the text never uses: its dictionary sub-words (增长速度 -> 增长 速度,
                # 服装行业 -> 服装 行业); a noun the text lacks stays whole unless it is made of
                # such words (增加值 stays: asked about, absent, so unanswerable)
                subs = [w for w in _jieba().lcut_for_search(part) if w != part and len(w) > 1]
                if not tags.get(part, "x").startswith("n"):
                    parts = subs or _jieba().lcut(part, HMM=False)
                elif "".join(subs) == part:
                    parts = subs
            out.extend((p, tags.get(p, "x")) for p in parts if not question_words().fullmatch(p))
    return out


_NOT_HEADS = ("m", "r", "q", "mq")
"""Tags of words a measure word counts after (`三|家`, `那|份`, `每|年`): not a name's head."""
_SUFFIX_TAGS = frozenset({"q", "n", "ng", "k", "zg"})
"""Tags of the one-character words that end a longer name: measure words, nouns, suffixes (not
verbs or particles: `冠军`+`是` is two words however often a text writes them together)."""


def glue_suffixes(words: list[tuple[str, str]], index: KeyIndex) -> list[tuple[str, str]]:
    """A one-character word glued back to the word before it when the texts use the two as one
    word: jieba knows `冰壶` and takes `碗` for a measure word (`一碗`), so `冰壶碗` would be
    searched as `冰壶` (in 冰壶比赛) and a dropped `碗`; likewise a name and its one-character
    suffix (`猎鹰`+`队`). Not after a number or a pronoun, where a measure word is one
    (`三家`, `那份`), nor after a place, which is searched as itself (`江苏`+`省`)."""
    out: list[tuple[str, str]] = []
    for word, flag in words:
        if (
            out
            and len(word) == 1
            and "\u4e00" <= word <= "\u9fff"
            and flag in _SUFFIX_TAGS
            and word not in stopwords()
            and len(out[-1][0]) > 1
            and not out[-1][1].startswith(_NOT_HEADS)
            and not out[-1][0].isdigit()
            and out[-1][0] not in places_in(out[-1][0])  # a place is its own term (江苏|省)
            and index.used([out[-1][0] + word])
        ):
            out[-1] = (out[-1][0] + word, "nz")  # a name jieba did not know: a rare one is required
            continue
        out.append((word, flag))
    return out


def merge_single_chars(words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Rejoin runs of single Han characters (`营`+`收` -> `营收`): jieba splits words it does not
    know into characters, which would then match anywhere."""
    merged: list[tuple[str, str]] = []
    run = ""
    function_pos, stop = lexicon.words("function_pos"), stopwords()
    for word, flag in [*words, ("", "x")]:
        glue = flag not in function_pos and flag not in ("q", "mq")  # 由, 份 stay apart
        if len(word) == 1 and "\u4e00" <= word <= "\u9fff" and word not in stop and glue:
            run += word
            continue
        if run:
            merged.append((run, "n"))
            run = ""
        if word:
            merged.append((word, flag))
    return merged


def split_unused(words: list[tuple[str, str]], index: KeyIndex) -> list[tuple[str, str]]:
    """A rejoined run no chunk uses (`魏舒史称`: a name and a verb jieba split into single
    characters) split again into the longest pieces of two or more characters the chunks do
    use, left to right (`魏舒` `史称`); left whole when the pieces do not cover it."""
    out: list[tuple[str, str]] = []
    for word, flag in words:
        if len(word) < 4 or flag != "n" or index.used([word]):
            out.append((word, flag))
            continue
        pieces, i = [], 0
        while i < len(word):
            size = next(
                (
                    size
                    for size in range(len(word) - i, 1, -1)
                    if index.used([word[i : i + size]])
                ),
                0,
            )
            if not size:
                break
            pieces.append(word[i : i + size])
            i += size
        if i == len(word) and len(pieces) > 1:
            out.extend((piece, "n") for piece in pieces)
        else:
            out.append((word, flag))
    return out


@lru_cache(maxsize=4096)
def forms(term: str) -> tuple[str, ...]:
    """A term and its other forms: short and full (`ai`, `人工智能`), and its synonyms of two or
    more characters (`排` -> `排名`, `位列`; `排名` never -> `排`, which is in 安排)."""
    out = [term]
    for short, full in aliases():
        if term == short:
            out.append(full)
        elif term == full:
            out.append(short)
    for group in lexicon.rows("synonyms"):
        if term in group:
            out += [w for w in group if w not in out and len(w) > 1]
    return tuple(out)


def mentions(term: str, key: str) -> bool:
    """Does `key` contain the term in any of its forms?"""
    # a loop, not any(): called for every term of every candidate sentence, and the generator
    # was a fifth of the time
    for f in forms(term):  # noqa: SIM110
        if f in key:
            return True
    return False
