"""What a sentence leans on in its document: the years of its paragraph when it names none,
its document's present, and the sentences before it that it refers back to.
"""

from __future__ import annotations

import re

from rag.answer.documents import Document, key_of
from rag.text import lexicon
from rag.text.sentences import sentences_before


def current_for(year: int, doc: Document, key: str) -> bool:
    """A sentence naming no year speaks of its document's present (`现有…43家` in a 2022 report):
    that is the year asked when the document dates from it or from the year after."""
    doc_year = doc.year
    names_a_year = _YEAR_MENTION.search(key)  # `2021 年`, not the figure `2000 家`
    return not names_a_year and doc_year is not None and 0 <= doc_year - year <= 1


def carried_years(doc: Document, start: int, sentence: str) -> frozenset[str]:
    """The years a sentence naming none speaks of, from what came before it: those of the
    latest sentence of its paragraph naming a year (`2019年的决赛在上海举行。中国选手夺得
    冠军。`: the second is about 2019). Empty when the sentence names a year itself, unless it
    refers to the edition named before (`本届`, `此次`: `rag/text/lexicon/editions.txt`), for
    then its own years are the past it compares with."""
    edition = any(w in sentence for w in lexicon.words("editions"))
    years = _YEAR_MENTION.finditer(sentence)
    if not edition and any(not _reference_point(sentence, m.end()) for m in years):
        return frozenset()
    for before in reversed(sentences_before(doc.text, start)):
        found = _YEAR_MENTION.findall(before)
        if found:
            return frozenset(y[:4] for y in found)
    return frozenset()


REFERRED_SENTENCES = 2


def referred(doc: Document, start: int) -> str:
    """The search key of what a sentence may refer back to: the sentences before it in its
    paragraph, up to `REFERRED_SENTENCES` (`塔里木油田去年再创新高。全年油气产量达3000万吨。`:
    the second is about 塔里木油田 though it does not name it)."""
    return key_of("。".join(sentences_before(doc.text, start)[-REFERRED_SENTENCES:]))


def _reference_point(text: str, end: int) -> bool:
    """Is the year ending at `end` a span's bound (`1978年以来`), not the time spoken of?"""
    after = text[end : end + 2]
    return any(after.startswith(w) for w in lexicon.words("reference_points"))


_YEAR_MENTION = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*(?:年|-\d|/\d)")
