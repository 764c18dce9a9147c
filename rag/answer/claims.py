"""Claims: check every sentence of a generated answer against the sources it cites.

An answer is split into claims (sentences, ending at 。！？!?；; or a line break); the `[n]` markers
right after a sentence end belong to the sentence before them, since models put markers both
before and after the 。. A clause ending in ；/; without markers of its own takes those of the next
clause on its line (`规模超2000亿元；同比增长5.6%。[1]`). List bullets and `**` are removed; the
refusal sentence (either script) is no claim.

A cited source supports a claim when
- wording: at least `MIN_OVERLAP` of the claim's character bigrams (Han and Latin letters of the
  search key, so either script matches either) occur in the source's chunk. Bigrams of the
  document's title are left out of the claim first (unless the chunk states the title): they are
  the document's topic, implied by every chunk, so a claim is judged on what it adds to the title,
  and a claim that only repeats the title is supported by no chunk but the one holding the title;
- figures: each figure the claim states (`rag.text.figures`) is stated by a supporting cited
  source's chunk or header (title; relative years such as 去年 resolved against the date; the
  date itself only for a claim that names the document, so `2025年` is not taken from a 2025
  article's date);
- quoted names: each quoted or bracketed name (`“苏智云”`, `《…规划》`, `(寒武纪)`) and each
  item of an enumeration (`甲、乙、丙和丁`: the inner ones as written, the outer ones as
  jieba's words) is in a supporting cited source's chunk or title (up to script and width);
- names: each name of a person, body, place or other proper name (jieba's tags nr, nt, ns, nz)
  is in a supporting chunk, its document's title or issuer, is the place the document is about,
  or is glued by jieba from two words the source holds (`苏州企业`) (`entity_not_in_source:X`:
  a name from elsewhere is how models swap one company for another);
- subjects and directions: a figure is bound to the last place named before it (none after a
  scope word such as 全省, none in a `分别` sentence), to the last company, institution or
  person named before it in its clause, and to the direction word of its clause (增长/下降,
  `rag/text/lexicon/directions.tsv`); some source sentence must state the figure of the same
  place and body, changing the same way (`subject_mismatch:杭州`, `direction_differs:下降`);
- clauses: each clause with content (`MIN_CLAUSE_CHARS`) needs `MIN_CLAUSE_OVERLAP` of its
  bigrams in the supporting chunks, or a figure they state, unless it restates the question
  (`clause_not_supported:…`: an invented clause appended to a true sentence).
Percentage points are not a percentage (`rag.text.figures`: kind `pp`).
A claim citing [1][2] may take one figure from each (`2022年120万辆，2023年150万辆[1][2]`); a
cited source that passes on wording but holds none of the claim's figures is not its support.
The support is the span of the cited chunk that holds the claim's figures (one sentence, else the
shortest run of consecutive sentences), the one sharing most bigrams with the claim.

The trade-off: wording is judged lexically. A faithful paraphrase with few shared words is flagged
(`not_supported`), and a wrong statement assembled from a source's own words and figures passes.
The figure and name tests, which catch an altered or invented number or name whatever the wording,
are exact (a rank paraphrased, `第一版` for `头样`, is flagged too).

Where each part lives: the answer split into claims and what a claim states (`claimtext`), what
is read of each source and the supporting span (`claimsources`), one function per reason
(`claimrules`); `check` here puts them in order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rag.answer.claimrules import (
    BAD_MARKER,
    CLAUSE_NOT_SUPPORTED,
    MIN_OVERLAP,
    NO_SOURCE,
    NOT_SUPPORTED,
    binding_error,
    clause_unsupported,
    entity_missing,
    first_missing,
    outer_item_missing,
)
from rag.answer.claimsources import Read, Source, Support, read, span, words
from rag.answer.claimtext import bigrams, held_names, split_claims
from rag.text.figures import figure_list
from rag.text.script import search_key

__all__ = [  # the checker's interface (its parts are in claimtext, claimsources, claimrules)
    "BAD_MARKER",
    "CLAUSE_NOT_SUPPORTED",
    "MIN_OVERLAP",
    "NOT_SUPPORTED",
    "NO_SOURCE",
    "CheckedClaim",
    "Source",
    "Support",
    "bigrams",
    "check",
    "split_claims",
]


@dataclass(frozen=True)
class CheckedClaim:
    """One sentence of an answer and the verdict on it."""

    text: str
    """The sentence as the model wrote it, markers, bullets and `**` removed, stripped."""
    sources: tuple[int, ...]
    """The source numbers it cited that exist, in order, deduplicated."""
    support: tuple[Support, ...]
    """One per cited source that supports it; empty when unverified, except when only one
    clause is unsupported (`clause_not_supported:<clause>`): then the rest's support."""
    verified: bool
    reason: str
    """"" when verified, else `no_source`, `bad_marker`, `not_supported`,
    `figure_not_in_source:<the figure as written>`, `name_not_in_source:<the quoted name>`,
    `entity_not_in_source:<name>`, `subject_mismatch:<place>`, `direction_differs:<word>` or
    `clause_not_supported:<clause>`."""


# ------------------------------------------------------------------------------- the check


def _verdict(
    text: str,
    cited: tuple[int, ...],
    reads: dict[int, Read],
    min_overlap: float,
    asked: frozenset[str] = frozenset(),
    vocabulary: Collection[str] = (),
) -> tuple[tuple[Support, ...], str]:
    """The claim's support among its cited sources, and "" or the reason it has none."""
    stated = figure_list(text)
    names = held_names(text)
    key = search_key(text)
    reason = first_missing(stated, names, [reads[n] for n in cited], key)
    if reason:  # no cited source states it, whatever the wording
        return (), reason
    claim = bigrams(key)
    relevant = [r for r in (reads[n] for n in cited) if words(claim, r) >= min_overlap]
    if not relevant:
        return (), NOT_SUPPORTED
    reason = (
        first_missing(stated, names, relevant, key)
        or entity_missing(key, relevant, vocabulary)
        or outer_item_missing(key, relevant)
        or binding_error(key, relevant)
        or clause_unsupported(text, relevant, asked)
    )
    if reason.startswith(CLAUSE_NOT_SUPPORTED):  # the rest of the claim may still hold: its
        clause = reason.split(":", 1)[1]  # support is kept, so only the clause is marked
        rest = text.replace(clause, "", 1).rstrip("，,；;：: ")
        if not rest:
            return (), reason
        support, why = _verdict(rest, cited, reads, min_overlap, asked, vocabulary)
        return (() if why else support), reason
    if reason:
        return (), reason
    wanted = frozenset(stated)
    support = tuple(
        span(r, claim, wanted & r.figures) for r in relevant if not wanted or wanted & r.figures
    )
    return support, ""


def check(
    answer: str,
    sources: Sequence[Source],
    min_overlap: float = MIN_OVERLAP,
    question: str = "",
    names: Collection[str] = (),
) -> list[CheckedClaim]:
    """Every claim of `answer`, checked against the sources it cites (numbered `Source.n`).

    `min_overlap`: see `MIN_OVERLAP` (a parameter so the eval can sweep it). `question`: what
    was asked; a clause restating it needs no support of its own. `names`: the corpus's own
    vocabulary of names (`rag.ingest.lexical.corpus_names`), each one a claim states to be held by
    its source like the names jieba tags."""
    by_n = {s.n: s for s in sources}
    asked = bigrams(search_key(question))
    reads: dict[int, Read] = {}
    out: list[CheckedClaim] = []
    for text, markers in split_claims(answer):
        cited = tuple(dict.fromkeys(n for n in markers if n in by_n))
        if not cited:
            reason = BAD_MARKER if markers else NO_SOURCE
            out.append(CheckedClaim(text, (), (), False, reason))
            continue
        for n in cited:
            if n not in reads:
                reads[n] = read(by_n[n])
        support, reason = _verdict(text, cited, reads, min_overlap, asked, names)
        out.append(CheckedClaim(text, cited, support, not reason, reason))
    return out
