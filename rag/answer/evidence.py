"""Evidence: how well one sentence answers a question, and whether it can answer it at all.

Scoring, per sentence: the IDF-weighted share of the question's terms found in the sentence's
search key (in any of their forms: `AI` and `人工智能`; a term of its document's title, issuer
or kind counts in full, for an article's sentences are about its title; a term found only in
its section path or chunk counts half; a term missing but for some of its characters counts by
the share of characters found), with relative dates resolved against the document date (`去年`
in a 2024 document also matches `2023年`).
Answerability (the trade-off: a refusal is better than a loosely related quote):
- the sentence must cover at least `MIN_COVER` of the question's weight;
- every anchor must be found: numbers, Latin words and rare names in the sentence (or its
  section or document title, or the sentences of its paragraph it refers back to; a short form
  also by the full form it contracts, `澳网` in 澳大利亚网球公开赛), a year in the sentence, as
  the present of a document from that year or the next, or in the paragraph before a sentence
  naming no year of its own, a place in what the sentence is about
  (`rag.text.places.subject_places`: a sentence of a paragraph about 杭州 is about 杭州 though it
  does not say so); of several years or places asked together, one per sentence;
- a figure question needs a figure of the unit asked (a count for 多少家, money for 营收); a date
  or rank question a date or rank; "who wrote this document" a line naming its issuer or authors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rag.answer.documents import Document, key_of
from rag.question.analysis import YEAR, Query
from rag.question.words import forms, mentions
from rag.text import lexicon, names
from rag.text.contraction import contracted_in
from rag.text.names import names_other
from rag.text.places import kind_of, places_in, within
from rag.text.sentences import sentences_before
from rag.types import Chunk

MIN_COVER = 0.6
MIN_NEW_CHARS = 2
"""Characters (Han, letters, digits) an answering sentence has beyond the question's words."""
SEMANTIC_WEIGHT = 2.0
SEMANTIC_ANSWER = 0.89
SEMANTIC_COVER = 0.35
# A figure is a number that is not a year, month or day (`2019年` alone is no answer to 多少).
FIGURE = re.compile(r"\d+(?:\.\d+)?(?!\s*[年月日\d.])")
_RANKING = re.compile(r"第\s*[一二三四五六七八九十\d]|前\s*[一二三四五六七八九十\d]|首位|首个|唯一")
# A date of any century or notation: `1231年`, `公元前221年`, `二〇二一年`, `3月`, `5日`,
# `19世纪`, `80年代`, `2024-10`, and the relative words a document's date resolves
_DATE = re.compile(
    r"\d{1,4}\s*年|[〇零一二三四五六七八九十]{2,4}年|\d{4}\s*[-/.]\s*\d{1,2}|\d{1,2}\s*[月日号]|"
    r"[一二三四五六七八九十]{1,3}月|世纪|年代|今年|去年|前年|明年|当年|同年|次年|翌年"
)
_APPROX = r"\s*(?:余|多|近|超|个)?\s*"


@lru_cache(maxsize=64)
def _with_unit(unit: str) -> re.Pattern[str]:
    """A figure carrying `unit`: `4 家`, `500 余家`, `60亿元`, `2300多亿元`."""
    if unit == "元":
        return re.compile(r"\d" + _APPROX + r"[十百千万亿]*" + _APPROX + "(?:美)?元")
    return re.compile(r"\d" + _APPROX + re.escape(unit))


def _current_for(year: int, doc: Document, key: str) -> bool:
    """A sentence naming no year speaks of its document's present (`现有…43家` in a 2022 report):
    that is the year asked when the document dates from it or from the year after."""
    doc_year = doc.year
    names_a_year = _YEAR_MENTION.search(key)  # `2021 年`, not the figure `2000 家`
    return not names_a_year and doc_year is not None and 0 <= doc_year - year <= 1


def carried_years(doc: Document, start: int, sentence: str) -> frozenset[str]:
    """The years a sentence naming none speaks of, from what came before it: those of the
    latest sentence of its paragraph naming a year (`2019年的决赛在上海举行。中国选手夺得
    冠军。`: the second is about 2019). Empty when the sentence names a year itself."""
    if any(not _reference_point(sentence, m.end()) for m in _YEAR_MENTION.finditer(sentence)):
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


def _term_credit(term: str, key: str, context: str, identity: str = "") -> float:
    if mentions(term, key) or (identity and mentions(term, identity)):
        return 1.0
    if mentions(term, context):
        return 0.5
    if len(term) > 1:
        return 0.5 * sum(ch in key for ch in term) / len(term)
    return 0.0


PHRASE_BONUS = 0.03
PLACE_BONUS = 0.05


def _phrases(terms: Sequence[str], flat: str) -> int:
    """How many pairs of consecutive question terms the sentence holds side by side
    (`生物医药企业超500家` for `生物医药企业`, not `生物医药…上市企业`)."""
    return sum(a + b in flat for a, b in zip(terms, terms[1:], strict=False))


def _figure_follows(terms: Sequence[str], key: str, window: int = 6) -> bool:
    """A number right after a question term: `产量达150万辆` answers `产量是多少`."""
    for term in terms:
        at = key.find(term)
        while at >= 0:
            if FIGURE.search(key[at + len(term) : at + len(term) + window]):
                return True
            at = key.find(term, at + 1)
    return False


@dataclass(frozen=True)
class Candidate:
    doc: Document
    start: int
    end: int
    section: str
    score: float
    answers: bool
    cover: float = 0.0
    chunk_key: str = ""
    rank: int = 0
    named: bool = False
    similarity: float | None = None
    """Cosine of the question's vector and the sentence's (None without a semantic embedder)."""
    event_end: int | None = None
    """Where the sentence matched against the question ends, when the span goes on to the
    sentence holding the answer asked (`score_sentence`'s `outcome_end`)."""


def question_vector(embedder: Any, query: Any) -> Any:
    """The question's vector as a float32 array, or None without a semantic embedder. `query`:
    the `QueryBundle` the retriever embedded (its `embedding` is reused: an endpoint is not
    called twice for one question), or the question's text."""
    import numpy as np

    if embedder is None:
        return None
    vector = getattr(query, "embedding", None)
    if vector is None:
        vector = embedder.get_query_embedding(getattr(query, "query_str", query))
    return np.asarray(vector, dtype=np.float32)


def similarities(chunk: Chunk, vector: Any) -> Any:
    """Cosine of `vector` with each of the chunk's stored sentence vectors (all unit length),
    or None when either is missing."""
    if vector is None or chunk.vectors is None or chunk.vectors.shape[1] != vector.shape[0]:
        return None
    return chunk.vectors @ vector


# A count in digits or Chinese numerals (`43家`, `三条跑道`, `十二所`), its classifier after it
_COUNT = re.compile(
    r"(?:\d|[一二两三四五六七八九十百千万])" + _APPROX + r"[家个项件所座条名位人款台次只批]"
)


def _has_figure(unit: str, sentence: str, own: str) -> bool:
    """A figure of the kind asked: money for 营收/多少钱, a count for 多少家/几个, else any."""
    if unit == "元":
        return bool(_with_unit("元").search(own))
    if unit:
        return bool(_COUNT.search(own))
    return bool(FIGURE.search(sentence))


def _names_kind(kind: str, own: str, asked: frozenset[str]) -> bool:
    """Does a sentence name a place of the kind asked, other than those the question names?"""
    return any(kind in kind_of(p) for p in places_in(own) - asked)


def score_chunk_sentences(
    query: Query,
    weights: dict[str, float],
    doc: Document,
    chunk: Chunk,
    rank: int,
    named: bool,
    vector: Any = None,
) -> list[Candidate]:
    """`score_sentence` of each sentence of a retrieved chunk (with its stored vector's
    similarity to the question's `vector`, when there is one): what the reranker and the
    answerer both score."""
    chunk_key = key_of(chunk.text)
    sims = similarities(chunk, vector)
    return [
        score_sentence(
            query,
            weights,
            doc,
            s.start,
            s.end,
            s.section,
            chunk_key,
            rank,
            named,
            similarity=None if sims is None else float(sims[i]),
        )
        for i, s in enumerate(chunk.sentences)
    ]


def score_sentence(
    query: Query,
    weights: dict[str, float],
    doc: Document,
    start: int,
    end: int,
    section: str,
    chunk_key: str,
    rank: int,
    named: bool = False,
    min_cover: float = MIN_COVER,
    similarity: float | None = None,
    outcome_end: int | None = None,
) -> Candidate:
    """Coverage of the question by one sentence, and whether it can answer it.

    `named`: the question names this sentence's document, so the title's words are given
    (`《…对策建议》是什么时候发布的` is answered by the masthead's date line).
    `outcome_end`: the kind of answer asked (a person, figure, date) may be in the text from the
    sentence's end to here instead (the sentence after it); the candidate then spans both.
    """
    facts = doc.facts(start, end, section)
    sentence, own, about = facts.sentence, facts.own, facts.about
    held = sentence if outcome_end is None else doc.text[start:outcome_end]
    held_own = own if outcome_end is None else key_of(held)
    key, flat_key, title = facts.key, facts.flat_key, facts.identity
    if named:
        key = key + " " + title
        flat_key = "".join(key.split())
    own_context = facts.context  # where an anchor may be given: not the chunk
    context = f"{own_context} {chunk_key}"
    total = sum(weights.values()) or 1.0

    def credit(term: str) -> float:
        # a place is covered by a sentence about it (`全市…` in a paragraph about 苏州)
        if term in query.places and any(within(p, term) for p in about):
            return 1.0
        return _term_credit(term, key, context, title)

    cover = sum(w * credit(t) for t, w in weights.items()) / total

    def found(a: str) -> bool:
        if a in query.places:  # a place: what the sentence is about, not any mention
            return any(within(p, a) for p in about)
        if YEAR.fullmatch(a):
            return (
                a in key
                or _current_for(int(a), doc, key)
                or a in carried_years(doc, start, sentence)
            )
        return (
            mentions(a, key)
            or mentions(a, own_context)
            or contracted_in(a, key)
            or mentions(a, referred(doc, start))
        )

    years = [a for a in query.anchors if YEAR.fullmatch(a)]
    places = [a for a in query.anchors if a in query.places]
    rest = [a for a in query.anchors if a not in years and a not in places]
    # Several years or places asked together (宁波和温州, 2019年和2023年): one of them per sentence.
    anchored = (
        all(found(a) for a in rest)
        and (not years or any(found(a) for a in years))
        and (not places or any(found(a) for a in places))
    )
    flat = facts.flat_own  # the sentence itself must name the issuer
    typed = (
        (not query.asks_figure or _has_figure(query.unit, held, held_own))
        and (not query.asks_date or bool(_DATE.search(held)))
        and (not query.asks_rank or bool(_RANKING.search(held)))
        and (
            not (query.asks_who and named and doc.names)
            or any(n in flat for n in doc.names)
        )
        and (not query.asks_place or _names_kind(query.asks_place, held_own, query.places))
    )
    score = cover - 0.01 * rank
    attributes = [
        t for t in query.terms if len(t) > 1 and not t.isdigit() and t not in query.anchors
    ]
    if query.asks_figure and _figure_follows(attributes, key):
        score += 0.1
        # the figure follows the asked phrase itself (`生物医药企业超500家`), not a narrower one
        pairs = [a + b for a, b in zip(query.terms, query.terms[1:], strict=False)]
        if _figure_follows([p for p in pairs if not p.isdigit()], flat_key):
            score += 0.1
    score += PHRASE_BONUS * _phrases(query.terms, flat_key)
    if query.places & about:  # about 北京 itself, not one of its districts (海淀…)
        score += PLACE_BONUS
    if query.asks_who and named:
        score += 0.05 * sum(n in flat for n in doc.names)
    about_itself = query.asks_who or query.asks_date or query.asks_title or query.asks_rank
    if named and about_itself and doc.in_frame(start):  # who/when/which issue: the masthead
        score += 0.2
    if similarity is not None:
        score += SEMANTIC_WEIGHT * similarity
    covered = cover >= min_cover or (
        similarity is not None and similarity >= SEMANTIC_ANSWER and cover >= SEMANTIC_COVER
    )
    # a question (`…是谁？`) states nothing, nor does a line holding only the question's own
    # words (a title line `约化群` for `什么是约化群`), nor the document's title repeated as its
    # first line (`莫城 (古城)`): none is an answer
    states = (
        not facts.question
        and _news(own, query) >= MIN_NEW_CHARS
        and (query.asks_title or not facts.title_line)
    )
    # who wrote a named document is checked by its issuer's names above; else a name of a person
    # or body the question does not hold
    issuer_checked = query.asks_who and named and bool(doc.names)
    answers = covered and anchored and typed and states
    answers = answers and (issuer_checked or _names_asked(query, held_own))
    if query.asks_title and named:  # `标题是什么`: the title line of the named document (its
        answers = start == doc.title_start  # places and years described the document)
        score += 0.5 * answers
    return Candidate(
        doc,
        start,
        end if outcome_end is None else outcome_end,
        section,
        score,
        answers,
        cover,
        chunk_key,
        rank,
        named,
        similarity,
        None if outcome_end is None else end,
    )


def _names_asked(query: Query, own: str) -> bool:
    """A who question (`谁`, `哪位`) needs a sentence naming a person or body other than those
    the question names (`rag.text.names`). Not asked of `哪里` questions: jieba misses rivers,
    regions and streets (`塞纳河的右岸`, `苏必利尔湖畔`), and measured on the outside corpora a
    place check refused more right answers than wrong ones."""
    return not query.asks_person or names_other(own, query.key, names.PERSON)


def _news(own: str, query: Query) -> int:
    """How many word characters of a sentence key are not the question's (in any form)."""
    rest = own
    for term in _all_forms(query.terms):
        rest = rest.replace(term, "")
    return sum(map(str.isalnum, rest))


@lru_cache(maxsize=256)
def _all_forms(terms: tuple[str, ...]) -> tuple[str, ...]:
    """Every form of the terms, longest first."""
    return tuple(sorted({f for t in terms for f in forms(t)}, key=len, reverse=True))
