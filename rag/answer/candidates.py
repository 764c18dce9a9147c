"""The answerer's candidates: every sentence of the retrieved chunks scored against the question
(`rag.answer.evidence`), the masthead and end matter of a document the question names, and an
event sentence quoted with the sentence after it that holds the outcome asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rag.answer.corpus import Documents
from rag.answer.documents import Document
from rag.answer.evidence import Candidate, score_chunk_sentences, score_sentence
from rag.answer.short import kind_asked
from rag.ingest.keyindex import Keys
from rag.question.analysis import Query, analyse, split_description
from rag.text import guard
from rag.text.script import in_script
from rag.text.sentences import is_question
from rag.types import Chunk, Sentence

FACET_COVER = 0.45
"""Cover a sentence needs to answer a facet of a question already partly answered (and an event
sentence to be quoted with its outcome)."""

Hits = Sequence[tuple[Chunk, Document]]
"""Retrieved chunks, best first, each with its document."""


def read_question(
    question: str, hits: Hits, chunk_keys: Keys, documents: Documents
) -> tuple[Query, dict[str, float], set[str]]:
    """The question's analysis and the documents it names (or describes: `…的那份报告是谁写的`
    names the one whose sentence answers the description, and asks only the rest)."""
    query, weights = analyse(question, chunk_keys)
    if not query.terms:
        return query, weights, set()
    named = documents.named(query)
    if len(named) > MAX_NAMED:  # a name many documents share picks none out: those retrieved
        retrieved = dict.fromkeys(doc.doc_id for _, doc in hits if doc.doc_id in named)
        named = set(list(retrieved)[:MAX_NAMED])
    if query.describes_doc and not named:
        named = described(query.describes_doc, hits, chunk_keys)
        if named:  # what is asked of it: the description is the document's, not the answer's
            ask = split_description(query.key)[1]
            query, weights = analyse(in_script(ask, query.traditional), chunk_keys)
    return query, weights, named


MAX_NAMED = 3
"""Documents a question can name. An issuer with dozens of reports in the knowledge base
(`市工业和信息化局的报告…`) names none of them in particular: then the best retrieved of those
it names stand for it, and only their mastheads and end matter join the candidates, so the work
per question does not grow with how many documents one body issued."""


def candidates(
    query: Query,
    weights: dict[str, float],
    hits: Hits,
    documents: Documents | None,
    named: set[str],
    vector: Any = None,
) -> list[Candidate]:
    """Every sentence of the hits scored once; a named document's masthead and end too.
    `vector`: the question's, when sentences carry theirs (a semantic embedder)."""
    seen: set[tuple[str, int]] = set()
    candidates = []
    kind = bool(kind_asked(query))
    for rank, (chunk, doc) in enumerate(hits):
        scored = score_chunk_sentences(
            query, weights, doc, chunk, rank, doc.doc_id in named, vector
        )
        for i, (s, one) in enumerate(zip(chunk.sentences, scored, strict=True)):
            said = doc.text[s.start : s.end]
            if (doc.doc_id, s.start) not in seen and not guard.is_instruction(said):
                seen.add((doc.doc_id, s.start))
                candidates.append(one)
                if kind and not one.answers and i + 1 < len(chunk.sentences):
                    pair = _with_outcome(query, weights, one, chunk.sentences[i + 1])
                    if pair is not None:
                        candidates.append(pair)
    framed = documents.in_order(named) if documents is not None else []
    for doc in framed:  # its masthead and end are candidates too
        if doc.doc_id in named:
            for s in doc.frame:
                if (doc.doc_id, s.start) not in seen and not guard.is_instruction(
                    doc.text[s.start : s.end]
                ):
                    seen.add((doc.doc_id, s.start))
                    candidates.append(
                        score_sentence(query, weights, doc, s.start, s.end, s.section, "", 0, True)
                    )
    return candidates


PAIR_COST = 0.05
_ITEM = re.compile(r"\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[、.．]|\s*[（(]\d{1,3}[)）]")
"""A sentence opening an item of a numbered list (`4、乙省，57万人。`): the next item, not the
outcome of the one before it."""


def _with_outcome(
    query: Query, weights: dict[str, float], event: Candidate, after: Sentence
) -> Candidate | None:
    """A news report often states the event in one sentence and its outcome in the next
    (`决赛在体育馆举行。中国选手夺得冠军。`): the event sentence names what is asked but not the
    person, figure or date; the next one holds that. The event sentence alone must cover the
    question and name its years, places and rare names; the sentence after only supplies the
    kind of answer asked. The two are quoted together as one span, only within one paragraph,
    scored `PAIR_COST` below a single sentence that answers as well. Kept when it does not
    answer the whole question: a facet of it may be answered (`男单和女单冠军`)."""
    doc = event.doc
    if event.cover < FACET_COVER or "\n" in doc.text[event.end : after.start]:
        return None
    said = doc.text[after.start : after.end]
    if guard.is_instruction(said) or is_question(said) or _ITEM.match(said):
        return None
    pair = score_sentence(
        query,
        weights,
        doc,
        event.start,
        event.end,
        event.section,
        event.chunk_key,
        event.rank,
        event.named,
        similarity=event.similarity,
        outcome_end=after.end,
    )
    return replace(pair, score=pair.score - PAIR_COST)


def described(description: str, hits: Hits, chunk_keys: Keys) -> set[str]:
    """The document a question describes instead of naming (`提出建设氢能走廊的那份报告`):
    the one holding the sentence that best answers the description, if one fully does."""
    query, weights = analyse(description, chunk_keys)
    if not query.terms:
        return set()
    best = max(
        candidates(query, weights, hits, None, set()),
        key=lambda c: (c.answers, c.score),
        default=None,
    )
    return {best.doc.doc_id} if best is not None and best.answers else set()


