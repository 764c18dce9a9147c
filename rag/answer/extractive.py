"""Answer (offline): retrieved chunks -> a short answer made only of verbatim, cited sentences.

`ExtractiveSynthesizer` is a LlamaIndex response synthesizer. It scores every sentence of the
retrieved chunks against the question (`rag.answer.evidence`) and quotes the best answering one,
each quote followed by its marker (and the second best with it, when the two score alike). Then:
- each facet of the question (its clauses; each of several years or places) gets its own
  sentence if none chosen answers it;
- sentences from other documents that score almost as well and carry a figure are added, and
  every line is labelled with its document and date, newest first, so figures that disagree
  across dates are all shown;
- a list question gets the items its best sentence introduces (`从三个方面着力` -> `一是…`);
- a question naming a document (`《…》是何时发布的`) also weighs its masthead and end matter.
No sentence answers: the refusal sentence, `answerable: false`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle

from rag.answer.cite import CANNOT_ANSWER, doc_label, make_citation, marker
from rag.answer.documents import Document, Documents, key_of
from rag.answer.evidence import (
    FIGURE,
    MIN_COVER,
    Candidate,
    question_vector,
    score_chunk_sentences,
    score_sentence,
)
from rag.answer.short import kind_asked, take
from rag.ingest.keyindex import Keys
from rag.question.analysis import YEAR, Query, analyse, facets, split_description
from rag.question.words import mentions
from rag.text import guard, lexicon
from rag.text.script import in_script
from rag.text.sentences import is_question
from rag.types import Chunk, Citation, Claim, Sentence, ShortAnswer, SourceDoc, Synthesis

NEAR_BEST = 0.85
CLOSE_SECOND = 0.95
FACET_COVER = 0.45
RARE = 1.0  # IDF weight: in fewer than about a third of the chunks
MAX_SENTENCES = 5


def select(candidates: Sequence[Candidate], query: Query) -> list[Candidate]:
    """Best answering sentence; the second best too when it scores within `CLOSE_SECOND` of it
    (the scores cannot tell them apart, so the reader is shown both rather than a coin toss:
    measured on the outside corpora this answers 4 more questions in 100, for answers about a
    third longer); plus near-best ones from other documents carrying figures (or naming a place
    of the kind asked: `流向了哪座城市` may have two answers)."""
    ok = sorted((c for c in candidates if c.answers), key=lambda c: -c.score)
    if not ok:
        return []
    best = ok[0]
    chosen = [best]
    seen_docs = {best.doc.doc_id}
    for cand in ok[1:]:
        if len(chosen) >= MAX_SENTENCES or cand.score < NEAR_BEST * best.score:
            break
        if cand.score >= CLOSE_SECOND * best.score and len(chosen) == 1:
            chosen.append(cand)  # a second sentence nearly as good: both are shown
            continue
        if cand.doc.doc_id in seen_docs or not (
            FIGURE.search(cand.doc.text[cand.start : cand.end]) or query.asks_place
        ):
            continue
        chosen.append(cand)
        seen_docs.add(cand.doc.doc_id)
    return chosen


@dataclass(frozen=True)
class Extracted:
    """An extractive answer: its text, its quotes, and the short span that answers first."""

    text: str
    citations: list[Citation]
    short: ShortAnswer | None = None


def compose(chosen: Sequence[Candidate], query: Query) -> Extracted:
    """The short answer taken from the best quote (`378家[1]`), then each quote verbatim with
    its marker, after its document's title and date (newest first when several documents
    speak, with a note that their figures may differ by date)."""
    if not chosen:
        return Extracted(in_script(CANNOT_ANSWER, query.traditional), [])
    best = chosen[0]
    chosen = sorted(chosen, key=lambda c: c.doc.meta.date, reverse=True)
    citations = [
        make_citation(i + 1, c.doc, *c.doc.whole_sentence(c.start, c.end), c.section)
        for i, c in enumerate(chosen)
    ]
    lines = [
        in_script(doc_label(c.doc), query.traditional) + "：" + cit.quote + marker(cit.n)
        for c, cit in zip(chosen, citations, strict=True)
    ]
    if len({c.doc.doc_id for c in chosen}) > 1:
        note = "以上来自不同日期的文档，数字可能不同，按日期从新到旧列出。"
        lines.append(in_script(note, query.traditional))
    cited = citations[chosen.index(best)]
    span = take(
        cited.quote, cited.start, query.key, kind_asked(query), query.unit, best.doc.meta.date
    )
    short = ShortAnswer(span.text, cited.n, span.start, span.end) if span else None
    if short is not None:
        lines.insert(0, short.text + marker(short.n))
    return Extracted("\n".join(lines), citations, short)


Hits = Sequence[tuple[Chunk, Document]]
"""Retrieved chunks, best first, each with its document."""


def extract(
    question: str,
    hits: Sequence[tuple[Chunk, SourceDoc]],
    chunk_keys: Keys,
    docs: Sequence[SourceDoc] | Documents = (),
    vector: Any = None,
) -> tuple[str, list[Citation]]:
    """`extract_answer`'s text and quotes."""
    found = extract_answer(question, hits, chunk_keys, docs, vector)
    return found.text, found.citations


def extract_answer(
    question: str,
    hits: Sequence[tuple[Chunk, SourceDoc]],
    chunk_keys: Keys,
    docs: Sequence[SourceDoc] | Documents = (),
    vector: Any = None,
) -> Extracted:
    """The extractive answer to `question` from ranked `hits` (and documents it names: `docs`,
    the engine's `Documents` or the documents themselves); `vector`: the question's
    embedding, when the chunks carry sentence vectors."""
    documents = docs if isinstance(docs, Documents) else Documents(docs)
    read = [(chunk, documents.of(doc)) for chunk, doc in hits]
    query, weights, named = read_question(question, read, chunk_keys, documents)
    if not query.terms:
        return Extracted(in_script(CANNOT_ANSWER, query.traditional), [])
    candidates = _candidates(query, weights, read, documents, named, vector)
    chosen = select(candidates, query)
    parts = facets(query)
    words = [set(analyse(text, chunk_keys)[0].terms) for text, _ in parts]
    for i, facet in enumerate(parts):
        own = words[i].difference(*(w for j, w in enumerate(words) if j != i))
        chosen = cover_facet(facet, chosen, candidates, chunk_keys, own)
    if query.asks_list and chosen:
        chosen = chosen + continue_list(chosen[0])
    if chosen and not kind_asked(query):
        chosen = [explained(chosen[0]), *chosen[1:]]
    return compose(_outermost(chosen), query)


def _outermost(chosen: Sequence[Candidate]) -> list[Candidate]:
    """The chosen sentences without those another chosen span already quotes (an explained
    span or an event sentence with its outcome holds the single sentence too)."""
    kept: list[Candidate] = []
    for i, c in enumerate(chosen):
        if not any(
            o.doc.doc_id == c.doc.doc_id
            and o.start <= c.start
            and c.end <= o.end
            and (o.end - o.start > c.end - c.start or j < i)
            for j, o in enumerate(chosen)
            if j != i
        ):
            kept.append(c)
    return kept


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


def _candidates(
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
    if guard.is_instruction(said) or is_question(said):
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
        _candidates(query, weights, hits, None, set()),
        key=lambda c: (c.answers, c.score),
        default=None,
    )
    return {best.doc.doc_id} if best is not None and best.answers else set()


def cover_facet(
    facet: tuple[str, str],
    chosen: list[Candidate],
    candidates: Sequence[Candidate],
    chunk_keys: Keys,
    own: set[str] | None = None,
) -> list[Candidate]:
    """Add the best sentence answering `facet` unless a chosen one already does: it answers the
    facet and names the facet's `own` words, those no other part of the question has
    (`上市企业有几家` is not answered by the 营收 sentence that counts `核心企业`), and its rare
    words. The year or place a facet must name is one of its own
    anchors, so `answers` already requires it. A facet is a fragment of a question that is
    already answered (`…和2030年的产量目标`): its sentence then needs `FACET_COVER`, not
    `MIN_COVER`."""
    text, _ = facet
    query, weights = analyse(text, chunk_keys)
    content = [t for t in query.terms if t not in query.anchors and not YEAR.fullmatch(t)]
    if not content or len(chosen) >= MAX_SENTENCES:
        return chosen
    min_cover = FACET_COVER if chosen else MIN_COVER  # a facet alone must answer in full

    rescored = [
        score_sentence(
            query,
            weights,
            c.doc,
            c.start,
            c.end if c.event_end is None else c.event_end,
            c.section,
            c.chunk_key,
            c.rank,
            c.named,
            min_cover=min_cover,
            similarity=c.similarity,
            outcome_end=None if c.event_end is None else c.end,
        )
        for c in candidates
    ]
    ok = [r for r in rescored if r.answers]
    picked = {(c.doc.doc_id, c.start) for c in chosen}
    # its own words, and any rare word of it (`城市` of `2021年在城市排名中排第几`), if the text
    # has them at all
    rare = {t for t in content if weights[t] > RARE}
    asked = [t for t in content if t in (own or set()) | rare and t not in query.absent]
    for r in ok:
        if (r.doc.doc_id, r.start) in picked:
            said = key_of(r.doc.text[r.start : r.end])
            if all(mentions(t, said) for t in asked):
                return chosen
    fresh = [r for r in ok if (r.doc.doc_id, r.start) not in picked]
    return chosen + sorted(fresh, key=lambda r: -r.score)[:1]


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
    ):
        end = nxt.end
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


class ExtractiveSynthesizer:
    """Offline answerer (`rag.answer.synthesizer.Synthesizer`): answers only with verbatim,
    cited sentences of the retrieved chunks. It writes nothing piece by piece: `on_token` is
    not called."""

    def __init__(
        self,
        docs: dict[str, SourceDoc],
        chunk_keys: Keys,
        embedder: BaseEmbedding | None = None,
        documents: Documents | None = None,
    ):
        """`documents`: the engine's (else made of `docs`)."""
        self._chunk_keys = chunk_keys
        self._documents = documents or Documents(docs.values())
        self._embedder = embedder
        """The embedder of the index when it is a model: the question's vector (the one the
        retriever computed, carried by the query bundle) meets the stored sentence vectors."""

    def synthesize(
        self,
        query: QueryBundle,
        nodes: Sequence[NodeWithScore],
        on_token: Callable[[str], None] | None = None,
    ) -> Synthesis:
        from rag.ingest.nodes import chunk_from_node

        question = query.query_str
        hits = []
        # the answerer weighs every chunk of the pool itself; its tie-break is the fusion score
        # (the reranker orders the pool by this answerer's own scores: not counted twice)
        for n in sorted(nodes, key=lambda n: -(n.score or 0.0)):
            doc = self._documents.get(n.node.ref_doc_id or "")
            if doc is not None:
                chunk = chunk_from_node(
                    n.node.node_id, n.node.get_content(), n.node.metadata, doc.doc_id
                )
                hits.append((chunk, doc))
        vector = question_vector(self._embedder, query)
        found = extract_answer(question, hits, self._chunk_keys, self._documents, vector)
        claims = [Claim(c.quote, (c.n,), True) for c in found.citations]  # quotes: verified
        if found.short is not None:  # a verbatim span of the quote it cites
            claims.insert(0, Claim(found.short.text, (found.short.n,), True))
        return Synthesis(
            found.text, tuple(found.citations), tuple(claims), bool(found.citations), found.short
        )
