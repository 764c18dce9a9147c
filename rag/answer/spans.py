"""A quote beyond its sentence: the explanation that runs on into the next sentence, and the
list items a sentence introduces.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from rag.answer.evidence import Candidate
from rag.text import guard, lexicon
from rag.text.sentences import is_question
from rag.types import Sentence

_ITEM = re.compile(
    r"^\W*(?:[一二三四五六七八九十]+[是要]|其[一二三四五六]|第[一二三四五六七八九十]+[，,、]|"
    r"[（(][一二三四五六七八九十\d]+[）)]|\[\d+\]|\d+[.、．](?!\d))"
)
_LISTS = re.compile(r"[^、，,。；]{2,}、[^、，,。；]{2,}")
_LIST_LOOKAHEAD = 40
MAX_LIST_ITEMS = 6


EXPLAINED_CHARS = 240


def explained(best: Candidate) -> Candidate:
    """The best sentence with the one that follows it in its paragraph, for a question asking
    why, how or what (no figure, date or name to take): an explanation runs over sentences
    (`症状包括…。它能穿过肠壁…。`); and with the one before, when it opens with a word leaning on
    it (`他…`, `因此…`: `rag/text/lexicon/referring_openers.txt`). One verbatim quote. Not the
    sentence after when the quote would exceed `EXPLAINED_CHARS`."""
    text = best.doc.text
    sentences = best.doc.sentences
    i = bisect.bisect_left(sentences, best.start, key=lambda x: x.start)
    start, end = best.doc.whole_sentence(best.start, best.end)
    prev = sentences[i - 1] if i > 0 and sentences[i - 1].end <= start else None
    opener = text[start : start + 2]
    if (
        prev is not None
        and any(opener.startswith(w) for w in lexicon.words("referring_openers"))
        and "\n" not in text[prev.start : start]
        and not guard.is_instruction(text[prev.start : prev.end])
    ):
        start = prev.start  # `他…` leans on the sentence before
    nxt = next((x for x in sentences[i:] if x.start >= end), None)
    if (
        nxt is not None
        and "\n" not in text[end : nxt.start]
        and nxt.end - start <= EXPLAINED_CHARS
        and not guard.is_instruction(text[nxt.start : nxt.end])
        and not is_question(text[nxt.start : nxt.end])
    ):
        end = nxt.end  # not a question the text goes on to ask (`…会实现吗？`): no answer
    return replace(best, start=start, end=end)


def continue_list(best: Candidate) -> list[Candidate]:
    """The items a sentence introduces, when it names none itself: `从三个方面着力` is
    followed by `一是…` `二是…`; `一要做强动力电池产业链` by `支持宁德时代、国轩高科…`.
    Items are the enumerated sentences that follow in the same section (their first sentence
    each), else the next sentence if it is a list."""
    if _LISTS.search(best.doc.text[best.start : best.end]):
        return []
    sentences = best.doc.sentences
    i = bisect.bisect_left(sentences, best.start, key=lambda x: x.start)
    after = [
        x
        for x in sentences[i + 1 : i + 1 + _LIST_LOOKAHEAD]
        if x.start >= best.end and not guard.is_instruction(best.doc.text[x.start : x.end])
    ]
    items: list[Sentence] = []
    for x in after:
        if not (x.section.startswith(best.section) or best.section.startswith(x.section)):
            break
        if _ITEM.match(best.doc.text[x.start : x.end]):
            if _ITEM.match(best.doc.text[best.start : best.end]) and not items:
                break  # the best is itself an item: the next item is a sibling, not its content
            items.append(x)
            if len(items) >= MAX_LIST_ITEMS:
                break
    if not items and after and _LISTS.search(best.doc.text[after[0].start : after[0].end]):
        items = after[:1]
    return [
        Candidate(best.doc, x.start, x.end, x.section, best.score, True, best.cover) for x in items
    ]


