"""A document as the answerer reads it: its derived text computed once.

A `Document` is a `SourceDoc` (it passes wherever one does) that also holds what the answerer
derives from it whatever the question: its search keys, its sentences, its masthead and end
matter (`frame`), where its title line starts, the place it is about, and the facts of each
sentence scored so far. They are computed on first use and kept on the object.
`rag.answer.corpus.Documents` holds one `Document` per document of an engine's snapshot, so
their lifetime is the engine's: a re-opened engine (after an upload or a deletion) starts
afresh, and nothing derived from a document outlives the knowledge base it came from.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from typing import NamedTuple

from rag.question.analysis import YEAR
from rag.text.dates import years_meant
from rag.text.names import issuer_names
from rag.text.places import main_place, subject_places, subjects_in, within
from rag.text.script import search_key
from rag.text.sentences import CLOSERS, is_question, split_sentences
from rag.types import Sentence, SourceDoc

FRONT_SENTENCES = 12
"""A document's masthead: title, issuer, date, authors."""
BACK_SENTENCES = 8
"""Its end matter: author units, references, handling notes."""
WHOLE_SENTENCE_CHARS = 400
"""The longest sentence quoted whole when chunking cut it (`Document.whole_sentence`)."""

CLAUSES_CHARS = 160
"""The longest sentence of semicolon-closed clauses quoted whole (`Document.whole_sentence`)."""


def _semicolon(text: str, span: tuple[int, int]) -> bool:
    return text[span[0] : span[1]].rstrip(CLOSERS + " ").endswith(("；", ";"))


def _joined(text: str, spans: tuple[tuple[int, int], ...], i: int) -> bool:
    """Does sentence `i` follow sentence `i - 1` within one paragraph?"""
    return "\n" not in text[spans[i - 1][1] : spans[i][0]]


# Sentence keys are asked for again by every facet of a question: computed once. A function of
# the text alone, shared by every document.
key_of = lru_cache(maxsize=8192)(search_key)


class Facts(NamedTuple):
    """What the scorer reads of a sentence whatever the question: its search key (with its
    relative years resolved against the document's date), the places it is about, and whether
    it is a question or the document's title line."""

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


def _bare(text: str) -> str:
    return re.sub(r"\W", "", text)


@dataclass(frozen=True, eq=False)
class Document(SourceDoc):
    """A document with its derived text, computed on first use (`functools.cached_property`
    stores it on the instance, which the frozen dataclass allows)."""

    @classmethod
    def of(cls, doc: SourceDoc) -> Document:
        """`doc` itself when it is one already, else a `Document` of the same fields."""
        if isinstance(doc, Document):
            return doc
        return cls(**{f.name: getattr(doc, f.name) for f in fields(SourceDoc)})

    @cached_property
    def year(self) -> int | None:
        """The year of its date (`2024-10-15` -> 2024)."""
        m = YEAR.match(self.meta.date)
        return int(m.group(0)) if m else None

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Issuer and author names from the catalog, whitespace-free search keys."""
        return issuer_names(self.meta.issuer)

    @cached_property
    def numbers(self) -> tuple[str, ...]:
        """Numbers in its issuer line: its issue or proposal number."""
        return tuple(re.findall(r"\d+", self.meta.issuer))

    @cached_property
    def identity(self) -> str:
        """Search key of its title, issuer and kind: who issued it says what it is about, and
        `那篇文章` or `那份建议` names its kind."""
        return search_key(f"{self.meta.title} {self.meta.issuer} {self.meta.kind}")

    @cached_property
    def key(self) -> str:
        """Search key of the whole text."""
        return search_key(self.text)

    @cached_property
    def title_key(self) -> str:
        return search_key(self.meta.title)

    @cached_property
    def title_words(self) -> frozenset[str]:
        from rag.text.terms import terms_of_key

        return frozenset(terms_of_key(self.title_key))

    @cached_property
    def main_place(self) -> frozenset[str]:
        """The place it is about (its title's, else the one it names most): a chunk saying
        全市 of it holds it."""
        return subject_places("", "", self.title_key, self.named_most)

    @cached_property
    def named_most(self) -> frozenset[str]:
        """The place its text names most often."""
        return main_place(self.key)

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(split_sentences(self.text))

    @cached_property
    def _spans(self) -> tuple[tuple[int, int], ...]:
        return tuple((s.start, s.end) for s in self.sentences)

    def whole_sentence(self, start: int, end: int) -> tuple[int, int]:
        """The full sentence around a span: chunking cuts sentences longer than its budget at
        commas, but a quote should be the whole sentence unless that is unreasonably long."""
        spans = self._spans
        i = bisect.bisect_right(spans, (start, 10**12)) - 1
        if i < 0 or not spans[i][0] <= start < spans[i][1]:
            return start, end
        j = bisect.bisect_right(spans, (end - 1, 10**12)) - 1
        if end <= spans[i][1] and spans[i][1] - spans[i][0] <= WHOLE_SENTENCE_CHARS:
            start, end = spans[i]
        if end == spans[j][1]:  # it ends where a sentence ends
            return self._with_clauses(i, j, start, end)
        return start, end

    def _with_clauses(self, i: int, j: int, start: int, end: int) -> tuple[int, int]:
        """Sentences `i`..`j` (the span `start`..`end`) with the clauses of their sentence: a
        clause closed by a semicolon (`该区位于河的右岸；北部毗邻第三区。`) is quoted with the
        rest of its sentence up to the full stop, within its paragraph, when the whole is at
        most `CLAUSES_CHARS` (a long enumeration `一是…；二是…；` keeps its own item)."""
        spans, text = self._spans, self.text
        first, last = i, j
        while first > 0 and _semicolon(text, spans[first - 1]) and _joined(text, spans, first):
            first -= 1
        while (
            last + 1 < len(spans)
            and _semicolon(text, spans[last])
            and _joined(text, spans, last + 1)
        ):
            last += 1
        if (first, last) != (i, j) and spans[last][1] - spans[first][0] <= CLAUSES_CHARS:
            return min(start, spans[first][0]), max(end, spans[last][1])
        return start, end

    @cached_property
    def frame(self) -> tuple[Sentence, ...]:
        """Its masthead and end matter: its first and last few sentences (title, issuer, date,
        authors; author units, references, handling notes)."""
        sentences = list(self.sentences)
        if len(sentences) <= FRONT_SENTENCES + BACK_SENTENCES:
            return tuple(sentences)
        return tuple(sentences[:FRONT_SENTENCES] + sentences[-BACK_SENTENCES:])

    @cached_property
    def _frame_starts(self) -> frozenset[int]:
        return frozenset(s.start for s in self.frame)

    def in_frame(self, start: int) -> bool:
        return start in self._frame_starts

    @cached_property
    def title_start(self) -> int:
        """Where its title line starts: the first masthead sentence that holds the catalog
        title, else its first sentence."""
        title = _bare(self.title_key)
        for s in self.frame[:FRONT_SENTENCES]:
            if title and title in _bare(key_of(self.text[s.start : s.end])):
                return s.start
        return self.frame[0].start if self.frame else 0

    def is_title_line(self, own: str) -> bool:
        """Is a sentence key its title as written (its word characters, in full)?"""
        bare = _bare(own)
        return bool(bare) and bare == _bare(self.title_key)

    def with_resolved_years(self, key: str) -> str:
        """A sentence key with the years its relative ones mean (`去年` in a 2024 document
        also matches `2023年`)."""
        if self.year is None:
            return key
        extra = years_meant(key, self.year)
        return key + " " + " ".join(extra) if extra else key

    def about_places(self, start: int, own: str, section: str) -> frozenset[str]:
        """The places a sentence is about: those it names, else those its paragraph, section
        or document is about (a sentence naming only a wider area, 中国 or 江苏, keeps its
        context's)."""
        para = self.text.rfind("\n", 0, start) + 1
        carried = subject_places(
            key_of(self.text[para:start]), key_of(section), self.identity, self.named_most
        )
        named = subjects_in(own)
        if named and not all(any(within(c, p) for c in carried) for p in named):
            return named
        return carried | named

    @cached_property
    def _facts(self) -> dict[tuple[int, int, str], Facts]:
        return {}

    def facts(self, start: int, end: int, section: str) -> Facts:
        """The question-independent facts of the sentence at `start:end`, kept once computed:
        the candidates of one question are scored once per part of it and again by the
        answerer, and later questions often reach the same sentences."""
        found = self._facts.get((start, end, section))
        if found is None:
            sentence = self.text[start:end]
            own = key_of(sentence)
            key = self.with_resolved_years(own)
            found = Facts(
                sentence,
                own,
                "".join(own.split()),
                key,
                "".join(key.split()),
                self.identity,
                f"{key_of(section)} {self.identity}",
                self.about_places(start, own, section),
                is_question(sentence),
                self.is_title_line(own),
            )
            self._facts[(start, end, section)] = found
        return found
