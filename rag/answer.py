"""Answer (offline): retrieved chunks -> a short answer made only of verbatim, cited sentences.

`ExtractiveSynthesizer` is a LlamaIndex response synthesizer. It scores every sentence of the
retrieved chunks against the question and quotes the best ones, each followed by its marker.

Scoring, per sentence: the IDF-weighted share of the question's terms found in the sentence's
search key (a term found only in its section path, chunk, or document title and issuer counts
half; a term missing but for some of its characters counts by the share of characters found),
with relative dates resolved against the document date (`去年` in a 2024 document also matches
`2023年`). Question words are never terms; an absent verb or adverb weighs little.
Answerability (the trade-off: a refusal is better than a loosely related quote):
- the best sentence must cover at least `MIN_COVER` of the question's weight;
- every anchor must be found: numbers, Latin words (`GDP`), and rare named entities (jieba parts of
  speech ns/nt/nr/nz); of several years or places asked together, one per sentence;
- a figure question needs a sentence with a figure; a date or rank question one with a date or rank.
Each facet of the question (its clauses; each of several years or places) gets its own sentence
if none chosen answers it. Sentences from other documents that score almost as well and carry a
figure are added; every line is labelled with its document and date, newest first, so figures that
disagree across dates are all shown.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from llama_index.core.base.response.schema import Response
from llama_index.core.prompts.mixin import PromptDictType
from llama_index.core.response_synthesizers.base import BaseSynthesizer
from llama_index.core.schema import NodeWithScore, QueryBundle

from rag.cite import CANNOT_ANSWER, doc_label, in_script, make_citation, marker
from rag.clean import search_key
from rag.places import places_in, subject_places, within
from rag.question import YEAR, Query, analyse, facets, forms, mentions
from rag.types import Chunk, Citation, Sentence, SourceDoc

MIN_COVER = 0.6
NEAR_BEST = 0.85
MAX_SENTENCES = 5
# A figure is a number that is not a year, month or day (`2019年` alone is no answer to 多少).
_FIGURE = re.compile(r"\d+(?:\.\d+)?(?!\s*[年月日\d.])")
_RANKING = re.compile(r"第\s*[一二三四五六七八九十\d]|前\s*[一二三四五六七八九十\d]|首位|首个|唯一")
_DATE = re.compile(r"(?:19|20)\d{2}\s*(?:年|-|/|\.)|\d{1,2}\s*月|今年|去年")
_RELATIVE_YEARS = {"前年": -2, "去年": -1, "今年": 0, "明年": 1}
_FRONT_SENTENCES = 12  # a document's masthead: title, issuer, date, authors
_BACK_SENTENCES = 8  # its end matter: author units, references, handling notes
_NAME_SPLIT = re.compile(r"[、，,；;:：（）()《》\s]+")
_APPROX = r"\s*(?:余|多|近|超|个)?\s*"


@lru_cache(maxsize=64)
def _with_unit(unit: str) -> re.Pattern[str]:
    """A figure carrying `unit`: `4 家`, `500 余家`, `60亿元`, `2300多亿元`."""
    if unit == "元":
        return re.compile(r"\d" + _APPROX + r"[十百千万亿]*" + _APPROX + "(?:美)?元")
    return re.compile(r"\d" + _APPROX + re.escape(unit))


def _doc_year(doc: SourceDoc) -> int | None:
    m = YEAR.match(doc.meta.date)
    return int(m.group(0)) if m else None


def _with_resolved_years(key: str, doc: SourceDoc) -> str:
    year = _doc_year(doc)
    if year is None:
        return key
    extra = [f"{year + d}年" for word, d in _RELATIVE_YEARS.items() if word in key]
    return key + " " + " ".join(extra) if extra else key


def _current_for(year: int, doc: SourceDoc, key: str) -> bool:
    """A sentence naming no year speaks of its document's present (`现有…43家` in a 2022 report):
    that is the year asked when the document dates from it or from the year after."""
    doc_year = _doc_year(doc)
    return not YEAR.search(key) and doc_year is not None and 0 <= doc_year - year <= 1


def _term_credit(term: str, key: str, context: str) -> float:
    if mentions(term, key):
        return 1.0
    if mentions(term, context):
        return 0.5
    if len(term) > 1:
        return 0.5 * sum(ch in key for ch in term) / len(term)
    return 0.0


def _figure_follows(terms: Sequence[str], key: str, window: int = 6) -> bool:
    """A number right after a question term: `营收超2300亿元` answers `营收是多少`."""
    for term in terms:
        at = key.find(term)
        while at >= 0:
            if _FIGURE.search(key[at + len(term) : at + len(term) + window]):
                return True
            at = key.find(term, at + 1)
    return False


# Sentence keys are asked for again by every facet of a question: computed once.
_key = lru_cache(maxsize=8192)(search_key)


@lru_cache(maxsize=256)
def names_of(doc: SourceDoc) -> tuple[str, ...]:
    """Issuer and author names from the catalog, whitespace-free search keys."""
    parts = _NAME_SPLIT.split(search_key(doc.meta.issuer))
    return tuple(p for p in parts if len(p) >= 2)


@lru_cache(maxsize=256)
def _identity_key(doc: SourceDoc) -> str:
    """Search key of a document's title and issuer: who issued it says what it is about."""
    return search_key(f"{doc.meta.title} {doc.meta.issuer}")


@lru_cache(maxsize=64)
def _doc_key(doc: SourceDoc) -> str:
    return search_key(doc.text)


@lru_cache(maxsize=256)
def _title_words(doc: SourceDoc) -> tuple[str, frozenset[str]]:
    from rag.terms import terms_of_key

    title = search_key(doc.meta.title)
    return title, frozenset(terms_of_key(title))


def about_document(query: Query, doc: SourceDoc) -> bool:
    """Does the question name this document: its title, most of the title's words, one of its
    issuer's or authors' names, or its number (`118号建议`)?"""
    title, words = _title_words(doc)
    if title and title in query.key:
        return True
    flat = "".join(query.key.split())
    if any(len(name) >= 3 and name in flat for name in names_of(doc)):
        return True
    if any(f"{n}号" in flat or f"第{n}期" in flat for n in _numbers_of(doc)):
        return True
    asked = {f for t in query.terms for f in forms(t)}
    return len(words) >= 3 and len(words & asked) >= 0.7 * len(words)


@lru_cache(maxsize=256)
def _numbers_of(doc: SourceDoc) -> tuple[str, ...]:
    """Numbers in a document's issuer line: its issue or proposal number."""
    return tuple(re.findall(r"\d+", doc.meta.issuer))


@dataclass(frozen=True)
class Candidate:
    doc: SourceDoc
    start: int
    end: int
    section: str
    score: float
    answers: bool
    cover: float = 0.0
    follows: bool = False
    chunk_key: str = ""
    rank: int = 0
    named: bool = False


def _about(doc: SourceDoc, start: int, own: str, section: str) -> frozenset[str]:
    """The places a sentence is about: those it names, else those its paragraph, section or
    document is about (a sentence naming only a wider area, 中国 or 江苏, keeps its context's)."""
    para = doc.text.rfind("\n", 0, start) + 1
    carried = subject_places(
        _key(doc.text[para:start]), _key(section), _identity_key(doc), _doc_key(doc)
    )
    named = places_in(own)
    if named and not all(any(within(c, p) for c in carried) for p in named):
        return named
    return carried | named


_COUNT = re.compile(r"\d" + _APPROX + r"[家个项件所座条名位人款台次只批]")


def _has_figure(unit: str, sentence: str, own: str) -> bool:
    """A figure of the kind asked: money for 营收/多少钱, a count for 多少家/几个, else any."""
    if unit == "元":
        return bool(_with_unit("元").search(own))
    if unit:
        return bool(_COUNT.search(own))
    return bool(_FIGURE.search(sentence))


def score_sentence(
    query: Query,
    weights: dict[str, float],
    doc: SourceDoc,
    start: int,
    end: int,
    section: str,
    chunk_key: str,
    rank: int,
    named: bool = False,
) -> Candidate:
    """Coverage of the question by one sentence, and whether it can answer it.

    `named`: the question names this sentence's document, so the title's words are given
    (`《…对策建议》是什么时候发布的` is answered by the masthead's date line).
    """
    sentence = doc.text[start:end]
    own = _key(sentence)
    key = _with_resolved_years(own, doc)
    title = _identity_key(doc)
    if named:
        key = key + " " + title
    own_context = f"{_key(section)} {title}"  # where an anchor may be given: not the chunk
    context = f"{own_context} {chunk_key}"
    total = sum(weights.values()) or 1.0
    cover = sum(w * _term_credit(t, key, context) for t, w in weights.items()) / total
    about = _about(doc, start, own, section)

    def found(a: str) -> bool:
        if a in query.places:  # a place: what the sentence is about, not any mention
            return any(within(p, a) for p in about)
        if YEAR.fullmatch(a):
            return a in key or _current_for(int(a), doc, key)
        return mentions(a, key) or mentions(a, own_context)

    years = [a for a in query.anchors if YEAR.fullmatch(a)]
    places = [a for a in query.anchors if a in query.places]
    rest = [a for a in query.anchors if a not in years and a not in places]
    # Several years or places asked together (苏州和杭州, 2021年和2024年): one of them per sentence.
    anchored = (
        all(found(a) for a in rest)
        and (not years or any(found(a) for a in years))
        and (not places or any(found(a) for a in places))
    )
    flat = "".join(own.split())  # the sentence itself must name the issuer
    typed = (
        (not query.asks_figure or _has_figure(query.unit, sentence, own))
        and (not query.asks_date or bool(_DATE.search(sentence)))
        and (not query.asks_rank or bool(_RANKING.search(sentence)))
        and (not (query.asks_who and named) or any(n in flat for n in names_of(doc)))
    )
    score = cover - 0.01 * rank
    attributes = [
        t for t in query.terms if len(t) > 1 and not t.isdigit() and t not in query.anchors
    ]
    follows = query.asks_figure and _figure_follows(attributes, key)
    if follows:
        score += 0.1
    if query.asks_who and named:
        score += 0.05 * sum(n in flat for n in names_of(doc))
    if named and _in_frame(doc, start):
        score += 0.2
    answers = cover >= MIN_COVER and anchored and typed
    return Candidate(
        doc, start, end, section, score, answers, cover, follows, chunk_key, rank, named
    )


_WHOLE_SENTENCE_CHARS = 400


@lru_cache(maxsize=64)
def _sentence_spans(doc: SourceDoc) -> tuple[tuple[int, int], ...]:
    return tuple((s.start, s.end) for s in _sentences(doc))


@lru_cache(maxsize=64)
def _sentences(doc: SourceDoc) -> tuple[Sentence, ...]:
    from rag.chunk import split_sentences

    return tuple(split_sentences(doc.text))


def whole_sentence(doc: SourceDoc, start: int, end: int) -> tuple[int, int]:
    """The full sentence around a span: chunking cuts sentences longer than its budget at
    commas, but a quote should be the whole sentence unless that is unreasonably long."""
    spans = _sentence_spans(doc)
    i = bisect.bisect_right(spans, (start, 10**12)) - 1
    if i >= 0 and spans[i][0] <= start and end <= spans[i][1]:
        s, e = spans[i]
        if e - s <= _WHOLE_SENTENCE_CHARS:
            return s, e
    return start, end


@lru_cache(maxsize=64)
def _frame(doc: SourceDoc) -> tuple[Sentence, ...]:
    """A document's masthead and end matter: its first and last few sentences (title, issuer,
    date, authors; author units, references, handling notes)."""
    sentences = list(_sentences(doc))
    if len(sentences) <= _FRONT_SENTENCES + _BACK_SENTENCES:
        return tuple(sentences)
    return tuple(sentences[:_FRONT_SENTENCES] + sentences[-_BACK_SENTENCES:])


@lru_cache(maxsize=256)
def _in_frame(doc: SourceDoc, start: int) -> bool:
    return any(s.start == start for s in _frame(doc))


def select(candidates: Sequence[Candidate], query: Query) -> list[Candidate]:
    """Best answering sentence, plus near-best ones from other documents carrying figures."""
    ok = sorted((c for c in candidates if c.answers), key=lambda c: -c.score)
    if not ok:
        return []
    best = ok[0]
    chosen = [best]
    seen_docs = {best.doc.doc_id}
    for cand in ok[1:]:
        if len(chosen) >= MAX_SENTENCES or cand.score < NEAR_BEST * best.score:
            break
        if best.follows and not cand.follows:
            continue
        if cand.doc.doc_id in seen_docs or not _FIGURE.search(cand.doc.text[cand.start : cand.end]):
            continue
        chosen.append(cand)
        seen_docs.add(cand.doc.doc_id)
    return chosen


def compose(chosen: Sequence[Candidate], query: Query) -> tuple[str, list[Citation]]:
    """Each quote verbatim with its marker, after its document's title and date (newest first
    when several documents speak, with a note that their figures may differ by date)."""
    if not chosen:
        return in_script(CANNOT_ANSWER, query.traditional), []
    chosen = sorted(chosen, key=lambda c: c.doc.meta.date, reverse=True)
    citations = [
        make_citation(i + 1, c.doc, *whole_sentence(c.doc, c.start, c.end), c.section)
        for i, c in enumerate(chosen)
    ]
    lines = [
        in_script(doc_label(c.doc), query.traditional) + "：" + cit.quote + marker(cit.n)
        for c, cit in zip(chosen, citations, strict=True)
    ]
    if len({c.doc.doc_id for c in chosen}) > 1:
        note = "以上来自不同日期的文档，数字可能不同，按日期从新到旧列出。"
        lines.append(in_script(note, query.traditional))
    return "\n".join(lines), citations


def extract(
    question: str,
    hits: Sequence[tuple[Chunk, SourceDoc]],
    chunk_keys: Sequence[str],
    docs: Sequence[SourceDoc] = (),
) -> tuple[str, list[Citation]]:
    """The extractive answer to `question` from ranked `hits` (and documents it names)."""
    query, weights = analyse(question, chunk_keys)
    if not query.terms:
        return in_script(CANNOT_ANSWER, query.traditional), []
    named = {d.doc_id for d in docs if about_document(query, d)}
    seen: set[tuple[str, int]] = set()
    candidates = []
    for rank, (chunk, doc) in enumerate(hits):
        chunk_key = _key(chunk.text)
        for s in chunk.sentences:
            if (doc.doc_id, s.start) not in seen:
                seen.add((doc.doc_id, s.start))
                candidates.append(
                    score_sentence(
                        query,
                        weights,
                        doc,
                        s.start,
                        s.end,
                        s.section,
                        chunk_key,
                        rank,
                        doc.doc_id in named,
                    )
                )
    for doc in docs:  # a document the question names: its masthead and end are candidates
        if doc.doc_id in named:
            for s in _frame(doc):
                if (doc.doc_id, s.start) not in seen:
                    seen.add((doc.doc_id, s.start))
                    candidates.append(
                        score_sentence(query, weights, doc, s.start, s.end, s.section, "", 0, True)
                    )
    chosen = select(candidates, query)
    for facet in facets(query):
        chosen = cover_facet(facet, chosen, candidates, chunk_keys)
    if query.asks_list and chosen:
        chosen = chosen + continue_list(chosen[0])
    return compose(chosen, query)


def cover_facet(
    facet: tuple[str, str],
    chosen: list[Candidate],
    candidates: Sequence[Candidate],
    chunk_keys: Sequence[str],
) -> list[Candidate]:
    """Add the best sentence answering `facet` unless a chosen one already does."""
    text, must_name = facet
    query, weights = analyse(text, chunk_keys)
    content = [t for t in query.terms if t not in query.anchors and not YEAR.fullmatch(t)]
    if not content or len(chosen) >= MAX_SENTENCES:
        return chosen

    def names(c: Candidate) -> bool:
        own = _key(c.doc.text[c.start : c.end])
        if not must_name:
            return True
        if must_name in query.places:
            return any(within(p, must_name) for p in _about(c.doc, c.start, own, c.section))
        key = _with_resolved_years(own, c.doc)
        return must_name in key or (
            bool(YEAR.fullmatch(must_name)) and _current_for(int(must_name), c.doc, key)
        )

    rescored = [
        score_sentence(
            query, weights, c.doc, c.start, c.end, c.section, c.chunk_key, c.rank, c.named
        )
        for c in candidates
    ]
    ok = [r for r in rescored if r.answers and names(r)]
    picked = {(c.doc.doc_id, c.start) for c in chosen}
    if any((r.doc.doc_id, r.start) in picked for r in ok):
        return chosen
    return chosen + sorted(ok, key=lambda r: -r.score)[:1]


_ITEM = re.compile(
    r"^\W*(?:[一二三四五六七八九十]+[是要]|其[一二三四五六]|第[一二三四五六七八九十]+[，,、]|"
    r"[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．](?!\d))"
)
_LISTS = re.compile(r"[^、，,。；]{2,}、[^、，,。；]{2,}")
_LIST_LOOKAHEAD = 40
MAX_LIST_ITEMS = 6


def continue_list(best: Candidate) -> list[Candidate]:
    """The items a sentence introduces, when it names none itself: `从三个方面着力` is
    followed by `一是…` `二是…`; `一要做精语音识别产业集群` by `发挥思必驰、驰声…`.
    Items are the enumerated sentences that follow in the same section (their first sentence
    each), else the next sentence if it is a list."""
    if _LISTS.search(best.doc.text[best.start : best.end]):
        return []
    sentences = _sentences(best.doc)
    i = bisect.bisect_left([x.start for x in sentences], best.start)
    after = [x for x in sentences[i + 1 : i + 1 + _LIST_LOOKAHEAD] if x.start >= best.end]
    items = []
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
        Candidate(best.doc, x.start, x.end, x.section, best.score, True, best.cover)
        for x in items
    ]


class ExtractiveSynthesizer(BaseSynthesizer):
    """Offline synthesizer: answers only with verbatim, cited sentences of the retrieved chunks.

    `synthesize` is the entry point: it needs the nodes' offsets, which `get_response` (text
    chunks only) does not carry, so the text-only methods are refused.
    """

    def __init__(
        self,
        docs: dict[str, SourceDoc],
        chunk_keys: Sequence[str],
        **kwargs: Any,
    ):
        from llama_index.core.llms import MockLLM

        # The base class falls back to Settings.llm (OpenAI, needs a key): this answerer uses none.
        super().__init__(llm=MockLLM(), **kwargs)
        self._docs = docs
        self._chunk_keys = list(chunk_keys)

    def _get_prompts(self) -> PromptDictType:
        return {}

    def _update_prompts(self, prompts: PromptDictType) -> None:
        return None

    def get_response(self, query_str: str, text_chunks: Sequence[str], **kwargs: Any) -> str:
        raise TypeError("ExtractiveSynthesizer needs nodes with offsets: call synthesize()")

    async def aget_response(self, query_str: str, text_chunks: Sequence[str], **kw: Any) -> str:
        raise TypeError("ExtractiveSynthesizer needs nodes with offsets: call synthesize()")

    def synthesize(  # type: ignore[override]
        self, query: QueryBundle | str, nodes: list[NodeWithScore], *args: Any, **kwargs: Any
    ) -> Response:
        from rag.index import chunk_from_node

        question = query.query_str if isinstance(query, QueryBundle) else query
        hits = []
        for n in nodes:
            doc = self._docs.get(n.node.ref_doc_id or "")
            if doc is not None:
                chunk = chunk_from_node(
                    n.node.node_id, n.node.get_content(), n.node.metadata, doc.doc_id
                )
                hits.append((chunk, doc))
        text, citations = extract(
            question, hits, self._chunk_keys, list(self._docs.values())
        )
        return Response(
            response=text,
            source_nodes=nodes,
            metadata={"citations": citations, "answerable": bool(citations)},
        )
