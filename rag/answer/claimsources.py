"""What the claim checker reads of the sources it was given: each source's chunk as search
key, bigrams and figures (once per check), and the span of a source that supports a claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from rag.answer.claimtext import bigrams, overlap
from rag.answer.documents import Document
from rag.text import guard
from rag.text.dates import years_meant
from rag.text.figures import Figure, figures
from rag.text.guard import mask
from rag.text.script import search_key
from rag.types import Sentence, SourceDoc


@dataclass(frozen=True)
class Source:
    """A numbered source shown to the model: one retrieved chunk of a document."""

    n: int
    """The number the prompt shows: `[n]`."""
    doc: Document
    start: int
    """The chunk's span in `doc.text`."""
    end: int
    sentences: tuple[Sentence, ...]
    """The chunk's sentences, offsets into `doc.text`."""


@dataclass(frozen=True)
class Support:
    """The exact span of a cited document that backs a claim."""

    doc: SourceDoc
    start: int
    """`doc.text[start:end]` is the quote: one sentence or a run of consecutive sentences."""
    end: int
    section: str


def _meant_years(doc: Document, sentence_key: str) -> frozenset[Figure]:
    """The years 今年/去年… of one sentence stand for, given its document's date."""
    if doc.year is None:
        return frozenset()
    return figures(" ".join(years_meant(sentence_key, doc.year)))


@dataclass(frozen=True)
class Read:
    """What `check` reads of one source, once per call."""

    source: Source
    key: str
    """search_key of the chunk, then of the title."""
    bigrams: frozenset[str]
    topic: frozenset[str]
    """Bigrams of the document title, unless the chunk states the title itself."""
    literal: frozenset[Figure]
    """Figures the chunk and the title state as written."""
    dated: frozenset[Figure]
    """Figures of the document's date: stated only by a claim that names the document
    (`《…》（2025-02）指出`); else `2025年` would pass for any chunk of a 2025 article."""
    issuer: str = ""
    """search_key of the document's issuer: a claim may name who wrote it."""
    relative: tuple[tuple[frozenset[Figure], frozenset[Figure]], ...] = ()
    """Per sentence with a relative year (`今年上半年…`): the years it means, and its figures.
    A year a claim takes from a relative one must come with the sentence's own figures
    (`2023年上半年…1146亿元` is not backed by `今年上半年…1146亿元` in a 2024 report, even if
    the chunk says 去年 elsewhere)."""

    @cached_property
    def figures(self) -> frozenset[Figure]:
        """Figures of the chunk, of its title and the years its relative years mean."""
        return self.literal.union(*(meant for meant, _ in self.relative))


def read(source: Source) -> Read:
    text = mask(source.doc.text[source.start : source.end])[0]  # an instruction supports nothing
    key = search_key(text)
    title = source.doc.title_key
    topic = frozenset() if title in key else bigrams(title)
    dated = figures(source.doc.meta.date)
    issuer = search_key(source.doc.meta.issuer)
    literal = figures(text) | figures(title)
    relative = []
    for sent in source.sentences:
        if source.start <= sent.start < sent.end <= source.end:
            said = search_key(source.doc.text[sent.start : sent.end])
            meant = _meant_years(source.doc, said)
            if meant:
                relative.append((meant, figures(said)))
    return Read(
        source, f"{key}\n{title}", bigrams(key), topic, literal, dated, issuer, tuple(relative)
    )


def words(claim: frozenset[str], read: Read) -> float:
    """Share of the claim's bigrams, the title's left out, that occur in the chunk."""
    return overlap(claim - read.topic, read.bigrams)


def sentences(read: Read) -> list[Sentence]:
    src = read.source
    inside = [s for s in src.sentences if src.start <= s.start < s.end <= src.end]
    if not inside:
        return [Sentence(src.start, src.end, "")]
    return [s for s in inside if not guard.is_instruction(src.doc.text[s.start : s.end])]


def span(read: Read, claim: frozenset[str], wanted: frozenset[Figure]) -> Support:
    """The sentence sharing most bigrams with the claim among those holding the wanted figures;
    when no one sentence holds them, the shortest run of consecutive sentences that does."""
    doc = read.source.doc
    sents = sentences(read)
    texts = [doc.text[s.start : s.end] for s in sents]
    grams = [bigrams(search_key(t)) for t in texts]
    figs = [figures(t) for t in texts]
    stated: set[Figure] = set().union(*figs)
    wanted = wanted & stated  # a figure only the title or date states is in no sentence
    runs: list[tuple[int, float, int, int]] = []  # (length, -overlap, first, last)
    for i in range(len(sents)):
        held: set[Figure] = set()
        seen: set[str] = set()
        for j in range(i, len(sents)):
            held |= figs[j]
            seen |= grams[j]
            if wanted <= held:
                runs.append((j - i, -overlap(claim, frozenset(seen)), i, j))
                break
    _, _, i, j = min(runs, default=(0, 0.0, 0, len(sents) - 1))
    return Support(doc, sents[i].start, sents[j].end, sents[i].section)


