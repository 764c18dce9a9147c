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

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from rag.ingest.keyindex import KeyIndex
from rag.ingest.lexical import TOPIC_SHARE
from rag.question.analysis import YEAR, Query, forms, mentions
from rag.text import lexicon, names
from rag.text.contraction import contracted_in
from rag.text.dates import years_meant
from rag.text.names import issuer_names, names_other
from rag.text.places import kind_of, places_in, subject_places, subjects_in, within
from rag.text.script import search_key
from rag.text.sentences import is_question, sentences_before
from rag.types import Chunk, Sentence, SourceDoc

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
_FRONT_SENTENCES = 12  # a document's masthead: title, issuer, date, authors
_BACK_SENTENCES = 8  # its end matter: author units, references, handling notes
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
    extra = years_meant(key, year)
    return key + " " + " ".join(extra) if extra else key


def _current_for(year: int, doc: SourceDoc, key: str) -> bool:
    """A sentence naming no year speaks of its document's present (`现有…43家` in a 2022 report):
    that is the year asked when the document dates from it or from the year after."""
    doc_year = _doc_year(doc)
    names_a_year = _YEAR_MENTION.search(key)  # `2021 年`, not the figure `2000 家`
    return not names_a_year and doc_year is not None and 0 <= doc_year - year <= 1


def carried_years(doc: SourceDoc, start: int, sentence: str) -> frozenset[str]:
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


def referred(doc: SourceDoc, start: int) -> str:
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


PER_DOCUMENT = 1024
"""Documents whose derived text (search keys, sentences, masthead) is kept once computed: a
knowledge base of hundreds of documents is held whole, so a question touching a document
another question touched before does not split or convert it again."""

# Sentence keys are asked for again by every facet of a question: computed once.
key_of = lru_cache(maxsize=8192)(search_key)


@lru_cache(maxsize=PER_DOCUMENT)
def names_of(doc: SourceDoc) -> tuple[str, ...]:
    """Issuer and author names from the catalog, whitespace-free search keys."""
    return issuer_names(doc.meta.issuer)


_MIN_NAME = 3


def _shares_name(flat: str, name: str) -> bool:
    """Does the question name the issuer: three or more characters of its name that are more
    than a place (`九三学社` of `市九三学社`, `发展研究中心` of `宁波市发展研究中心`; not `宁波市`
    alone)?"""
    return any(part in flat for part in _naming_parts(name))


@lru_cache(maxsize=PER_DOCUMENT)
def _identity_key(doc: SourceDoc) -> str:
    """Search key of a document's title, issuer and kind: who issued it says what it is about,
    and `那篇文章` or `那份建议` names its kind."""
    return search_key(f"{doc.meta.title} {doc.meta.issuer} {doc.meta.kind}")


@lru_cache(maxsize=PER_DOCUMENT)
def _doc_key(doc: SourceDoc) -> str:
    return search_key(doc.text)


@lru_cache(maxsize=PER_DOCUMENT)
def _title_words(doc: SourceDoc) -> tuple[str, frozenset[str]]:
    from rag.text.terms import terms_of_key

    title = search_key(doc.meta.title)
    return title, frozenset(terms_of_key(title))


def about_document(query: Query, doc: SourceDoc) -> bool:
    """Does the question name this document: its title, most of the title's words, one of its
    issuer's or authors' names, or its number (`第27号提案`)?"""
    title, words = _title_words(doc)
    if title and title in query.key:
        return True
    flat = "".join(query.key.split())
    if any(_shares_name(flat, name) for name in names_of(doc)):
        return True
    if any(f"{n}号" in flat or f"第{n}期" in flat for n in _numbers_of(doc)):
        return True
    asked = {f for t in query.terms for f in forms(t)}
    return len(words) >= 3 and len(words & asked) >= 0.7 * len(words)


@lru_cache(maxsize=PER_DOCUMENT)
def _naming_parts(name: str) -> frozenset[str]:
    """The parts of an issuer's name that name it in a question (`_shares_name`)."""
    if any(c.isdigit() for c in name):
        return frozenset()
    out = set()
    for size in range(len(name), _MIN_NAME - 1, -1):
        for i in range(len(name) - size + 1):
            part = name[i : i + size]
            bare = part
            for place in places_in(part):
                bare = bare.replace(place, "")
            if len(bare.strip("市省区县")) >= 2:
                out.add(part)
    return frozenset(out)


_DIGITS = re.compile(r"\d+")


class DocumentNames:
    """`about_document` for every document of a corpus at once, by looking up the question's
    own substrings in maps built once from the titles, issuers and numbers: the cost of naming
    the documents a question names grows with the question, not with the corpus."""

    def __init__(self, docs: Iterable[SourceDoc], keys: KeyIndex | None = None) -> None:
        """`keys`: the chunks' search keys; a part of an issuer's name that more than
        `TOPIC_SHARE` of the chunks hold is the corpus's topic, not a name (`人工智能` of
        `某市人工智能产业协会` in a knowledge base about AI)."""
        self.docs = list(docs)
        common: dict[str, bool] = {}

        def topical(part: str) -> bool:
            if keys is None or not keys.n:
                return False
            if part not in common:
                common[part] = keys.count([part]) > TOPIC_SHARE * keys.n
            return common[part]

        self._titles: dict[str, set[int]] = {}
        self._parts: dict[str, set[int]] = {}
        self._numbers: dict[str, set[int]] = {}
        self._words: dict[str, set[int]] = {}
        self._sizes: list[int] = []
        for i, doc in enumerate(self.docs):
            title, words = _title_words(doc)
            if title:
                self._titles.setdefault(title, set()).add(i)
            for name in names_of(doc):
                for part in _naming_parts(name):
                    if not topical(part):
                        self._parts.setdefault(part, set()).add(i)
            for n in _numbers_of(doc):
                self._numbers.setdefault(n, set()).add(i)
            self._sizes.append(len(words))
            if len(words) >= 3:
                for w in words:
                    self._words.setdefault(w, set()).add(i)
        self._longest = max((len(t) for t in [*self._titles, *self._parts]), default=0)
        self._position = {d.doc_id: i for i, d in enumerate(self.docs)}

    def in_order(self, doc_ids: Iterable[str]) -> list[SourceDoc]:
        """These documents, in corpus order."""
        at = sorted(self._position[d] for d in doc_ids if d in self._position)
        return [self.docs[i] for i in at]

    def named(self, query: Query) -> set[str]:
        """Ids of the documents the question names."""
        found: set[int] = set()
        for text, table, shortest in ((query.key, self._titles, 1), (
            "".join(query.key.split()), self._parts, _MIN_NAME
        )):
            for i in range(len(text)):
                for j in range(i + shortest, min(len(text), i + self._longest) + 1):
                    found |= table.get(text[i:j], set())
        flat = "".join(query.key.split())
        for m in _DIGITS.finditer(flat):
            run = m.group(0)
            if flat[m.end() : m.end() + 1] == "号":
                for k in range(len(run)):
                    found |= self._numbers.get(run[k:], set())
            if flat[m.start() - 1 : m.start()] == "第" and flat[m.end() : m.end() + 1] == "期":
                found |= self._numbers.get(run, set())
        asked = {f for t in query.terms for f in forms(t)}
        shared: dict[int, int] = {}
        for word in asked:
            for i in self._words.get(word, ()):
                shared[i] = shared.get(i, 0) + 1
        found |= {i for i, n in shared.items() if n >= 0.7 * self._sizes[i]}
        return {self.docs[i].doc_id for i in found}


@lru_cache(maxsize=PER_DOCUMENT)
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


def _about_places(doc: SourceDoc, start: int, own: str, section: str) -> frozenset[str]:
    """The places a sentence is about: those it names, else those its paragraph, section or
    document is about (a sentence naming only a wider area, 中国 or 江苏, keeps its context's)."""
    para = doc.text.rfind("\n", 0, start) + 1
    carried = subject_places(
        key_of(doc.text[para:start]), key_of(section), _identity_key(doc), _doc_key(doc)
    )
    named = subjects_in(own)
    if named and not all(any(within(c, p) for c in carried) for p in named):
        return named
    return carried | named


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
    doc: SourceDoc,
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


class _Facts(NamedTuple):
    """What `score_sentence` reads of a sentence whatever the question: its search key (with
    its relative years resolved against the document's date), the places it is about, and
    whether it is a question or the document's title line."""

    sentence: str
    own: str
    flat_own: str
    key: str
    flat_key: str
    identity: str
    context: str
    about: frozenset[str]
    question: bool
    title_line: bool


SENTENCE_FACTS = 8192
"""Sentences whose facts are kept: the candidates of one question are scored once per part of
it and again by the answerer, and later questions often reach the same sentences."""


@lru_cache(maxsize=SENTENCE_FACTS)
def _sentence_facts(doc: SourceDoc, start: int, end: int, section: str) -> _Facts:
    sentence = doc.text[start:end]
    own = key_of(sentence)
    key = _with_resolved_years(own, doc)
    identity = _identity_key(doc)
    return _Facts(
        sentence,
        own,
        "".join(own.split()),
        key,
        "".join(key.split()),
        identity,
        f"{key_of(section)} {identity}",
        _about_places(doc, start, own, section),
        is_question(sentence),
        _is_title_line(doc, own),
    )


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
    facts = _sentence_facts(doc, start, end, section)
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
            not (query.asks_who and named and names_of(doc))
            or any(n in flat for n in names_of(doc))
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
        score += 0.05 * sum(n in flat for n in names_of(doc))
    about_itself = query.asks_who or query.asks_date or query.asks_title or query.asks_rank
    if named and about_itself and _in_frame(doc, start):  # who/when/which issue: the masthead
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
    issuer_checked = query.asks_who and named and bool(names_of(doc))
    answers = covered and anchored and typed and states
    answers = answers and (issuer_checked or _names_asked(query, held_own))
    if query.asks_title and named:  # `标题是什么`: the title line of the named document (its
        answers = start == title_start(doc)  # places and years described the document)
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


def _is_title_line(doc: SourceDoc, own: str) -> bool:
    """Is a sentence key the document's title as written (its word characters, in full)?"""
    bare = re.sub(r"\W", "", own)
    return bool(bare) and bare == re.sub(r"\W", "", _title_words(doc)[0])


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


@lru_cache(maxsize=PER_DOCUMENT)
def title_start(doc: SourceDoc) -> int:
    """Where a document's title line starts: the first masthead sentence that holds the
    catalog title, else its first sentence."""
    title = re.sub(r"\W", "", search_key(doc.meta.title))
    sentences = frame(doc)
    for s in sentences[:_FRONT_SENTENCES]:
        if title and title in re.sub(r"\W", "", key_of(doc.text[s.start : s.end])):
            return s.start
    return sentences[0].start if sentences else 0


_WHOLE_SENTENCE_CHARS = 400


@lru_cache(maxsize=PER_DOCUMENT)
def _sentence_spans(doc: SourceDoc) -> tuple[tuple[int, int], ...]:
    return tuple((s.start, s.end) for s in sentences_of(doc))


@lru_cache(maxsize=PER_DOCUMENT)
def sentences_of(doc: SourceDoc) -> tuple[Sentence, ...]:
    from rag.ingest.chunk import split_sentences

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


@lru_cache(maxsize=PER_DOCUMENT)
def frame(doc: SourceDoc) -> tuple[Sentence, ...]:
    """A document's masthead and end matter: its first and last few sentences (title, issuer,
    date, authors; author units, references, handling notes)."""
    sentences = list(sentences_of(doc))
    if len(sentences) <= _FRONT_SENTENCES + _BACK_SENTENCES:
        return tuple(sentences)
    return tuple(sentences[:_FRONT_SENTENCES] + sentences[-_BACK_SENTENCES:])


@lru_cache(maxsize=PER_DOCUMENT * 16)
def _in_frame(doc: SourceDoc, start: int) -> bool:
    return any(s.start == start for s in frame(doc))
