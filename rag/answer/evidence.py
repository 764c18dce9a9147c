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
The kind checks are `rag.answer.kinds`'s; what a sentence leans on (its paragraph's years, the
sentences it refers back to) `rag.answer.context`'s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rag.answer.context import carried_years, current_for, referred
from rag.answer.documents import Document, Facts, key_of
from rag.answer.kinds import figure_follows, holds_kind, names_asked
from rag.question.analysis import YEAR, Query
from rag.question.words import forms, mentions
from rag.text import lexicon
from rag.text.contraction import contracted_in
from rag.text.places import lineage, places_in, within
from rag.types import Chunk

MIN_COVER = 0.6
MIN_NEW_CHARS = 2
"""Characters (Han, letters, digits) an answering sentence has beyond the question's words."""
SEMANTIC_WEIGHT = 2.0
SEMANTIC_ANSWER = 0.89
SEMANTIC_COVER = 0.35
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
    The reranker and the answerer score the same sentences for the same question, at different
    ranks: all but the rank's share is kept (`_judged`) and the score summed again in the same
    order, so both get the same figures to the last bit.
    """
    cover, bonuses, answers = _judged(
        query, weights, doc, start, end, section, chunk_key, named, min_cover, similarity,
        outcome_end,
    )
    score = cover - RANK_STEP * rank
    for bonus in bonuses:
        score += bonus
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


RANK_STEP = 0.01
"""What a sentence's score loses per rank of its chunk in retrieval."""
JUDGED_KEPT = 20_000
"""Sentence judgements kept (`_judged`): a question scores a few thousand; the store is emptied
when full."""


class _Judgement:
    """What `_judged` keeps of one sentence for one question."""

    __slots__ = ("doc", "cover", "bonuses", "holds")

    def __init__(self, doc: Document, cover: float, bonuses: tuple[float, ...]) -> None:
        self.doc, self.cover, self.bonuses = doc, cover, bonuses
        self.holds: bool | None = None
        """Whether it passes every check but cover (None: not asked yet)."""


_JUDGED: dict[tuple[Any, ...], _Judgement] = {}


def _judged(
    query: Query,
    weights: dict[str, float],
    doc: Document,
    start: int,
    end: int,
    section: str,
    chunk_key: str,
    named: bool,
    min_cover: float,
    similarity: float | None,
    outcome_end: int | None,
) -> tuple[float, tuple[float, ...], bool]:
    """A sentence's cover, its score's bonuses in the order they are added (`_bonuses`, the
    semantic share, the title's) and whether it answers. What depends neither on the rank nor
    on the cover asked is kept by the question, its weights and the document (the same object:
    a document re-read after an edit is judged again); the checks beyond cover run only for a
    sentence that covers enough, as before."""
    memo = (query, tuple(weights.items()), id(doc), start, end, section, chunk_key, named,
            similarity, outcome_end)
    judged = _JUDGED.get(memo)
    facts = None
    if judged is None or judged.doc is not doc:
        facts = doc.facts(start, end, section)
        key, flat_key = _keys(facts, named)
        cover = _cover(query, weights, facts, key, f"{facts.context} {chunk_key}")
        added = _bonuses(query, doc, start, facts, key, flat_key, named)
        if similarity is not None:
            added.append(SEMANTIC_WEIGHT * similarity)
        judged = _Judgement(doc, cover, tuple(added))
        if len(_JUDGED) >= JUDGED_KEPT:
            _JUDGED.clear()
        _JUDGED[memo] = judged
    covered = judged.cover >= min_cover or (
        similarity is not None and similarity >= SEMANTIC_ANSWER and judged.cover >= SEMANTIC_COVER
    )
    if covered and judged.holds is None:
        facts = facts or doc.facts(start, end, section)
        judged.holds = _holds(query, doc, start, facts, named, outcome_end)
    answers = covered and bool(judged.holds)
    bonuses = judged.bonuses
    if query.asks_title and named:  # `标题是什么`: the title line of the named document (its
        answers = start == doc.title_start  # places and years described the document)
        bonuses = (*bonuses, 0.5 * answers)
    return judged.cover, bonuses, answers


def _keys(facts: Facts, named: bool) -> tuple[str, str]:
    """A sentence's search key and its key without spaces; of a named document, with the
    document's identity (title, issuer, kind)."""
    if not named:
        return facts.key, facts.flat_key
    key = facts.key + " " + facts.identity
    return key, "".join(key.split())


def _holds(
    query: Query, doc: Document, start: int, facts: Facts, named: bool, outcome_end: int | None
) -> bool:
    """Every check of a sentence that covers the question but its cover: anchors, the kind of
    answer, what it states, the names asked."""
    held = facts.sentence if outcome_end is None else doc.text[start:outcome_end]
    held_own = facts.own if outcome_end is None else key_of(held)
    key, _ = _keys(facts, named)
    # who wrote a named document is checked by its issuer's names; else a name of a person or
    # body the question does not hold
    issuer_checked = query.asks_who and named and bool(doc.names)
    return (
        not _narrower_than_national(query, facts)
        and not _part_of_year(query, facts)
        and _anchored(query, doc, start, facts, key)
        and holds_kind(query, doc, facts, held, held_own, named)
        and _states(query, facts)
        and (issuer_checked or names_asked(query, held_own))
    )


def _cover(
    query: Query, weights: dict[str, float], facts: Facts, key: str, context: str
) -> float:
    """The IDF-weighted share of the question's terms the sentence covers (module docstring)."""
    total = sum(weights.values()) or 1.0

    def credit(term: str) -> float:
        # a place is covered by a sentence about it (`全市…` in a paragraph about 苏州)
        if term in query.places and any(within(p, term) for p in facts.about):
            return 1.0
        return _term_credit(term, key, context, facts.identity)

    return sum(w * credit(t) for t, w in weights.items()) / total


def _anchored(query: Query, doc: Document, start: int, facts: Facts, key: str) -> bool:
    """Does the sentence name every anchor of the question (of several years or places asked
    together, 宁波和温州 or 2019年和2023年, one of them)?"""

    def found(a: str) -> bool:
        if a in query.places:  # a place: what the sentence is about, not any mention
            return any(within(p, a) for p in facts.about)
        if YEAR.fullmatch(a):
            return (
                a in key
                or current_for(int(a), doc, key)
                or a in carried_years(doc, start, facts.sentence)
            )
        return (
            mentions(a, key)
            or mentions(a, facts.context)  # where an anchor may be given: not the chunk
            or contracted_in(a, key)
            or mentions(a, referred(doc, start))
        )

    years = [a for a in query.anchors if YEAR.fullmatch(a)]
    places = [a for a in query.anchors if a in query.places]
    rest = [a for a in query.anchors if a not in years and a not in places]
    return (
        all(found(a) for a in rest)
        and (not years or any(found(a) for a in years))
        and (not places or any(found(a) for a in places))
    )


def _bonuses(
    query: Query,
    doc: Document,
    start: int,
    facts: Facts,
    key: str,
    flat_key: str,
    named: bool,
) -> list[float]:
    """What a sentence's score adds to its cover (less a little per retrieval rank), in order:
    a figure right after an asked phrase, the question's phrases side by side, the place asked
    itself; of a named document, its issuer's names for who, its masthead for who, when or
    which issue."""
    bonuses: list[float] = []
    attributes = [
        t for t in query.terms if len(t) > 1 and not t.isdigit() and t not in query.anchors
    ]
    if query.asks_figure and figure_follows(attributes, key):
        bonuses.append(0.1)
        # the figure follows the asked phrase itself (`生物医药企业超500家`), not a narrower one
        pairs = [a + b for a, b in zip(query.terms, query.terms[1:], strict=False)]
        if figure_follows([p for p in pairs if not p.isdigit()], flat_key):
            bonuses.append(0.1)
    bonuses.append(PHRASE_BONUS * _phrases(query.terms, flat_key))
    if query.places & facts.about:  # about 北京 itself, not one of its districts (海淀…)
        bonuses.append(PLACE_BONUS)
    if query.asks_who and named:
        bonuses.append(0.05 * sum(n in facts.flat_own for n in doc.names))
    about_itself = query.asks_who or query.asks_date or query.asks_title or query.asks_rank
    if named and about_itself and doc.in_frame(start):
        bonuses.append(0.2)
    return bonuses


def _part_of_year(query: Query, facts: Facts) -> bool:
    """Does a figure question of a year (`甲省2019年的GDP增长率`) meet a sentence giving the
    figure of part of that year (`2019年前三季度，甲省GDP增长6.1%`; the periods are
    `rag/text/lexicon/periods.txt`) when the question asks no such period and the sentence does
    not state the whole year too (`全年`)? The months so far are not the year."""
    if not query.asks_figure:
        return False
    years = [t for t in query.terms if YEAR.fullmatch(t)]
    periods = lexicon.pattern("periods")
    if not years or periods.search(query.key) or "全年" in facts.own:
        return False
    own = facts.own
    return any(
        periods.match(own, at.end()) for year in years for at in re.finditer(f"{year}年", own)
    )


def _narrower_than_national(query: Query, facts: Facts) -> bool:
    """Does a figure question of the whole country (`rag/text/lexicon/national.txt`: `我国…出生率
    是多少`; or one naming 中国 and no place within it) meet a sentence stating the figure of a
    province or city of China (`甲省…为7.1‰`) that does not speak of the whole country too?
    That figure is not the country's."""
    national = lexicon.words("national")
    named_china = "中国" in query.places and not any(
        p != "中国" and within(p, "中国") for p in query.places
    )  # 中国 itself, not `中国…苏州` (a city of it)
    whole = named_china or any(w in query.key for w in national)
    if not query.asks_figure or not whole:
        return False
    if any(w in facts.own for w in national) or "中国" in facts.own:
        return False
    named = places_in(facts.own)
    return bool(named) and all(lineage(p)[-1:] == ("中国",) and p != "中国" for p in named)


def _states(query: Query, facts: Facts) -> bool:
    """A question (`…是谁？`) states nothing, nor does a line holding only the question's own
    words (a title line `约化群` for `什么是约化群`), nor the document's title repeated as its
    first line (`莫城 (古城)`): none is an answer."""
    return (
        not facts.question
        and _news(facts.own, query) >= MIN_NEW_CHARS
        and (query.asks_title or not facts.title_line)
    )


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
