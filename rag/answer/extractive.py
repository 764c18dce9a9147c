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

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle

from rag.answer.candidates import FACET_COVER, candidates, read_question
from rag.answer.cite import CANNOT_ANSWER, doc_label, make_citation, marker, short_line
from rag.answer.corpus import Documents
from rag.answer.documents import key_of
from rag.answer.evidence import MIN_COVER, Candidate, question_vector, score_sentence
from rag.answer.kinds import FIGURE
from rag.answer.short import Short, kind_asked, take
from rag.answer.spans import continue_list, explained
from rag.ingest.keyindex import Keys
from rag.question.analysis import YEAR, Query, analyse, facets
from rag.question.words import mentions
from rag.text.coordination import JOINT, merged_parts
from rag.text.names import tagged_names
from rag.text.script import in_script
from rag.types import Chunk, Citation, Claim, ShortAnswer, ShortPart, SourceDoc, Synthesis

NEAR_BEST = 0.85
CLOSE_SECOND = 0.95
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


def compose(
    chosen: Sequence[Candidate],
    query: Query,
    missing: Sequence[str] = (),
    parts: Sequence[tuple[tuple[str, str], Candidate]] = (),
    chunk_keys: Keys = (),
) -> Extracted:
    """The short answer taken from the best quote (`378家[1]`; of parts asked side by side
    that quotes answer, `parts`, one span each: `开始：1月17日[1]；结束：2月25日[2]`), then each
    quote verbatim with its marker, after its document's title and date (newest first when
    several documents speak, with a note that their figures may differ by date); last, the
    parts asked that no quote answers (`missing`)."""
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
    kind = kind_asked(query)
    span = _span(best, cited, query.key, kind, query.unit)
    short = ShortAnswer(span.text, cited.n, span.start, span.end) if span else None
    by_part = _part_spans(parts, citations, query, chunk_keys) if kind else []
    if len(by_part) > 1:
        first = by_part[0]
        joined = "；".join(p.text for p in by_part)
        short = ShortAnswer(joined, first.n, first.start, first.end, tuple(by_part))
    if short is not None:
        lines.insert(0, short_line(asdict(short)))
    if missing:
        lines.append(in_script(NOT_FOUND_PARTS.format("、".join(missing)), query.traditional))
    return Extracted("\n".join(lines), citations, short)


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
    pool = candidates(query, weights, read, documents, named, vector)
    chosen = select(pool, query)
    parts = facets(query)
    words = [set(analyse(text, chunk_keys)[0].terms) for text, _ in parts]
    owns = [w.difference(*(o for j, o in enumerate(words) if j != i)) for i, w in enumerate(words)]
    if not _names_a_part(chosen, parts, owns, query):
        chosen = []  # each part may still find its own sentence below
    unstated: list[str] = []
    by_part: list[tuple[tuple[str, str], Candidate | None]] = []
    for i, facet in enumerate(parts):
        named_part = _is_name(facet[1], query)
        chosen, covered = cover_facet(facet, chosen, pool, chunk_keys, owns[i], named_part)
        if not covered and _side_by_side(facet[1], query):
            unstated.append(facet[1])
        by_part.append((facet, covered if isinstance(covered, Candidate) else None))
    if query.asks_list and chosen:
        chosen = chosen + continue_list(chosen[0])
    if chosen and not kind_asked(query):
        chosen = [explained(chosen[0]), *chosen[1:]]
    # the years or places asked side by side that no sentence answers, nor any quote names
    absent = [k for k in unstated if chosen and not any(_names_all(c, {k}) for c in chosen)]
    answered = _named_parts(chosen, parts, owns, query) if chosen else []
    missing = [keep for keep, said in answered if not said] + [
        f"{keep}年" if YEAR.fullmatch(keep) else keep for keep in absent
    ]
    asked = len(answered) + sum(_side_by_side(keep, query) for _, keep in parts)
    if asked > 1 and len(missing) == asked:
        chosen, missing = [], []  # none of the parts: the quotes are about other things
    answered_parts = [(f, c) for f, c in by_part if c is not None]
    return compose(_outermost(chosen), query, missing, answered_parts, chunk_keys)


def _span(c: Candidate, cited: Citation, key: str, kind: str, unit: str) -> Short | None:
    """The short span of a candidate: from its own sentence, then from the rest of the quote
    holding it (a clause beside it may state another year's figure: `2020年…为7.07‰；2021年…
    为7.18‰`)."""
    date = c.doc.meta.date
    own = c.doc.text[c.start : c.end]
    return take(own, c.start, key, kind, unit, date) or take(
        cited.quote, cited.start, key, kind, unit, date
    )


PART_COVER = 0.75
"""Cover of its part a sentence needs for its span to be shown as that part's short answer.
A part's sentence is chosen at `FACET_COVER` (enough to quote it beside the answer), but a
span from a loosely covering sentence is often a figure of something else: measured on the
seeds and rgb-int (e5), with no bar, 0.60 and 0.75, the wrong spans shown fell from 17 to 10
to 5 (of those 5, 3 were the single short answer before parts were shown) while the
questions whose every part was answered right went from 16 to 14 to 14."""


def _part_spans(
    parts: Sequence[tuple[tuple[str, str], Candidate]],
    citations: Sequence[Citation],
    query: Query,
    chunk_keys: Keys,
) -> list[ShortPart]:
    """One short span per part asked side by side, from the quote holding the sentence that
    answers it, in the question's order: each part is asked as its own question (the facet:
    `…的开始时间` of `…的开始和结束时间`), so its span is of the kind and unit that part asks.
    A part whose span another part already gave adds nothing (one sentence stating one date
    answers neither part apart). Labelled with the part's word when every part has one."""
    out: list[ShortPart] = []
    for (text, keep), c in parts:
        asked, _ = analyse(text, chunk_keys)
        if not keep and not kind_asked(asked):
            continue  # a clause that asks nothing of its own (`到2021年，…有多少家`)
        if c.cover < PART_COVER:
            continue  # the part's sentence answers it loosely: its span would be a guess
        cited = next(
            (
                cit
                for cit in citations
                if cit.doc_id == c.doc.doc_id and cit.start <= c.start and c.end <= cit.end
            ),
            None,
        )
        if cited is None:
            continue
        kind = kind_asked(asked) or kind_asked(query)
        # a figure is chosen by the words of its own part; a name or date is one the whole
        # question does not state (the other parts' names are not an answer to this one)
        key = asked.key if kind == "figure" else f"{asked.key} {query.key}"
        span = _span(c, cited, key, kind, asked.unit)
        if span is None or any(p.text == span.text for p in out):
            continue
        label = f"{keep}年" if YEAR.fullmatch(keep) else keep
        out.append(
            ShortPart(in_script(label, query.traditional), span.text, cited.n, span.start, span.end)
        )
    if not all(p.label for p in out):
        out = [replace(p, label="") for p in out]
    return out


NOT_FOUND_PARTS = "文档中没有找到：{}。"
"""The line saying which parts asked side by side (named things, years, places) no quote
answers (`文档中没有找到：最佳导演奖。`): an answer to half a question says so, instead of
leaving the reader to guess. No part answered: the question is refused."""


def _named_parts(
    chosen: Sequence[Candidate],
    parts: Sequence[tuple[str, str]],
    owns: Sequence[set[str]],
    query: Query,
) -> list[tuple[str, bool]]:
    """Of a question asking about named things side by side (`最佳影片奖和最佳导演奖`, `华为
    和小米的营收`), each named part and whether a chosen sentence names it: every word of its
    own that the other parts lack. Only names (`_is_name`): not the attributes asked
    (`选举时间及结果`, `导演和编剧`), which an answer states without naming (`选举于8日举行`);
    years and places asked together are anchors, checked already."""
    return [
        (keep, any(_names_all(c, own) for c in chosen))
        for (_, keep), own in zip(parts, owns, strict=True)
        if own and _is_name(keep, query)
    ]


def _names_all(c: Candidate, words: Collection[str]) -> bool:
    """Does the candidate's sentence name every one of `words` (in any of their forms)?"""
    said = key_of(c.doc.text[c.start : c.end])
    return all(mentions(t, said) for t in words)


def _names_a_part(
    chosen: Sequence[Candidate],
    parts: Sequence[tuple[str, str]],
    owns: Sequence[set[str]],
    query: Query,
) -> bool:
    """Does a chosen sentence name one of the named parts asked (`_named_parts`), if there
    are any? A sentence about the whole but about none of its parts (`本届评奖共收到报名作品
    三百部`) answers nothing asked."""
    named = _named_parts(chosen, parts, owns, query) if chosen else []
    return not named or any(answered for _, answered in named)


_JOINED_YEARS = re.compile(rf"(\d{{4}})\s*年?\s*{JOINT}\s*(\d{{4}})")


def _side_by_side(keep: str, query: Query) -> bool:
    """Is a facet's word a year or a place asked beside another (`2022年和2023年`, `甲市和乙
    市`), whose missing answer the reader is told of (`文档中没有找到：2023年。`)? Not a year
    of a span (`2021-2022赛季`, `从2019年到2023年`): one period, not two asked; not a place
    that only names the thing asked about (`北京冬奥会`)."""
    if keep in query.places:  # joined to another by a conjunction, not `北京冬奥会的…`
        k = re.escape(keep)
        return re.search(rf"{k}\s*{JOINT}|{JOINT}\s*{k}", query.key) is not None
    if not YEAR.fullmatch(keep):
        return False
    return any(keep in m.groups() for m in _JOINED_YEARS.finditer(query.key))


def _is_name(keep: str, query: Query) -> bool:
    """Is a part's word a named thing (`rag.text.names` tags, three characters or more, or a
    part of a merged coordination: `男单` of `男女单打`), not a year or a place?"""
    if not keep or YEAR.fullmatch(keep.removesuffix("年")) or keep in query.places:
        return False
    return len(keep) >= 3 or bool(tagged_names(keep)) or keep in merged_parts()


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


def cover_facet(
    facet: tuple[str, str],
    chosen: list[Candidate],
    candidates: Sequence[Candidate],
    chunk_keys: Keys,
    own: set[str] | None = None,
    named_part: bool = False,
) -> tuple[list[Candidate], Candidate | bool | None]:
    """The chosen sentences and the one that answers the facet, as scored against it (None
    when none does; True when the facet has nothing of its own to answer, or no room is left).
    Adds the best sentence answering `facet` unless a chosen one already does: it answers the
    facet and names the facet's `own` words, those no other part of the question has
    (`上市企业有几家` is not answered by the 营收 sentence that counts `核心企业`), and its
    rare words. The year or place a facet
    must name is one of its own anchors, so `answers` already requires it. A facet is a
    fragment of a question that is already answered (`…和2030年的产量目标`): its sentence then
    needs `FACET_COVER`, not `MIN_COVER`. A `named_part` (`最佳影片奖` of `最佳影片奖和最佳导演奖`)
    is only answered by a sentence naming its own words."""
    text, _ = facet
    query, weights = analyse(text, chunk_keys)
    content = [t for t in query.terms if t not in query.anchors and not YEAR.fullmatch(t)]
    if not content or len(chosen) >= MAX_SENTENCES:
        return chosen, True
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
    already = [r for r in ok if (r.doc.doc_id, r.start) in picked and _names_all(r, asked)]
    if already:  # as scored against the facet
        return chosen, max(already, key=lambda r: r.score)
    fresh = [r for r in ok if (r.doc.doc_id, r.start) not in picked]
    if named_part:  # a named part's sentence names it (`_names_a_part`)
        fresh = [r for r in fresh if _names_all(r, asked)]
    if not fresh:
        return chosen, None
    best = max(fresh, key=lambda r: r.score)
    return [*chosen, best], best


class ExtractiveSynthesizer:
    """Offline answerer (`rag.answer.synthesizer.Synthesizer`): answers only with verbatim,
    cited sentences of the retrieved chunks. It writes nothing piece by piece: `on_token` is
    not called."""

    def __init__(
        self, documents: Documents, chunk_keys: Keys, embedder: BaseEmbedding | None = None
    ):
        """`documents`: the engine's."""
        self._chunk_keys = chunk_keys
        self._documents = documents
        self._embedder = embedder
        """The embedder of the index when it is a model: the question's vector (the one the
        retriever computed, carried by the query bundle) meets the stored sentence vectors."""

    def synthesize(
        self,
        query: QueryBundle,
        nodes: Sequence[NodeWithScore],
        on_token: Callable[[str], None] | None = None,
    ) -> Synthesis:
        question = query.query_str
        # the answerer weighs every chunk of the pool itself; its tie-break is the fusion score
        # (the reranker orders the pool by this answerer's own scores: not counted twice)
        ranked = sorted(nodes, key=lambda n: -(n.score or 0.0))
        hits = [h for h in (self._documents.read(n.node) for n in ranked) if h is not None]
        vector = question_vector(self._embedder, query)
        found = extract_answer(question, hits, self._chunk_keys, self._documents, vector)
        claims = [Claim(c.quote, (c.n,), True) for c in found.citations]  # quotes: verified
        if found.short is not None:  # verbatim spans of the quotes they cite
            spans = found.short.parts or (found.short,)
            claims[:0] = [Claim(p.text, (p.n,), True) for p in spans]
        return Synthesis(
            found.text, tuple(found.citations), tuple(claims), bool(found.citations), found.short
        )
