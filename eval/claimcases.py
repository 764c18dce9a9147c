"""The claim checker benchmark's scripted answers: per answerable question, labelled answers built
from its gold sentence (eval/claimgold.py) with the first kinds (eval/classickinds.py) and the
kinds strong chat models get wrong (eval/claimkinds.py). No LLM, no randomness: the question's
position picks among the choices, so every run writes the same answers.

`VERIFY` names the kinds the checker must keep verified, every other kind it must flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eval import claimkinds
from eval.claimgold import Gold, find_gold, retrieve_sources
from eval.classickinds import (
    LONG_CLAIMS,
    altered,
    invented,
    lacks,
    long_answer,
    paraphrase,
    wrong_source,
)
from rag.answer.cite import MARKER, marker
from rag.answer.claims import Source, bigrams
from rag.question.rewrite import condense
from rag.text.script import in_script, search_key

VERIFY = ("correct", "paraphrase", "framed", "resolved", "combined")
CLASSIC = ("altered", "wrong_source", "no_source", "invented", "borrowed")
"""The error kinds of the first checker; the others are eval/claimkinds.py's."""
PARAPHRASED = ("figure", "traditional", "paraphrase", "list", "cross_doc", "meta", "answerable")
"""Categories whose questions turn into a paraphrase (a corpus's are all `answerable`)."""


@dataclass(frozen=True)
class Case:
    """One scripted answer and what the checker should say about each of its claims."""

    question_id: str
    answer: str
    sources: tuple[Source, ...]
    kinds: tuple[str, ...]
    """Per claim, in order: a kind of `VERIFY` (should verify) or of `CLASSIC` or
    eval/claimkinds.py (should be flagged)."""
    question: str = ""
    """What was asked (a clause restating it needs no support)."""


Names = dict[str, list[str]]
"""The corpus's names per tag group (`claimkinds.vocabulary`): what swapped names are drawn from."""


def _unsupported(clause: str, chunk: str) -> bool:
    """Fewer than half of the clause's bigrams are in the chunk: it says something else."""
    grams = bigrams(search_key(clause))
    return bool(grams) and len(grams & bigrams(search_key(chunk))) < len(grams) / 2


def _new_kinds(
    claim: str, src: Source, index: int, other: Gold | None, names: Names, gold_end: int
) -> list[tuple[str, str]]:
    """(answer text without marker, kind) for each of eval/claimkinds.py's kinds the claim
    offers a place for."""
    chunk = src.doc.text[src.start : src.end]
    out: list[tuple[str, str]] = [(claimkinds.framed(claim, index), "framed")]
    after = [s for s in src.sentences if s.start >= gold_end and s.end <= src.end]
    if after:
        both = claimkinds.combined(claim, src.doc.text[after[0].start : after[0].end])
        if both is not None and not MARKER.search(both):
            out.append((both, "combined"))
    made = {
        "entity_swap": claimkinds.entity_swap(claim, chunk, names, index),
        "quoted_swap": claimkinds.quoted_swap(claim, chunk, names.get("quoted", []), index),
        "subject_swap": claimkinds.subject_swap(claim, chunk),
        "year_shift": claimkinds.year_shift(claim, src.doc.meta.date),
        "resolved": claimkinds.resolved(claim, src.doc.meta.date),
        "unit": claimkinds.unit(claim, chunk),
        "direction": claimkinds.direction(claim),
    }
    if other is not None and other.source.doc is not src.doc:
        appended = claimkinds.appended_clause(claim, other.claim)
        if appended is not None and _unsupported(appended[len(claim.rstrip("。；;，, ")) :], chunk):
            made["appended_clause"] = appended
    out += [(text, kind) for kind, text in made.items() if text is not None and text != claim]
    return out


def _question_cases(
    q: dict[str, Any],
    index: int,
    sources: tuple[Source, ...],
    other: Gold | None,
    names: Names | None = None,
) -> tuple[list[Case], Gold | None]:
    gold = find_gold(sources, q["must"], index)
    if gold is None:
        return [], None
    claim = gold.claim
    if q["category"] == "traditional":
        claim = in_script(claim, True)
    n = gold.source.n
    cite = marker(n)
    cases = [Case(q["id"], claim + cite, sources, ("correct",))]
    restated = paraphrase(q, gold.source) if q["category"] in PARAPHRASED else None
    if restated and not q.get("follows"):
        cases.append(Case(q["id"], restated + cite, sources, ("paraphrase",), q["question"]))
    changed = altered(claim, gold.source, index)
    if changed:
        cases.append(Case(q["id"], changed + cite, sources, ("altered",), q["question"]))
    wrong = wrong_source(sources, gold, claim)
    if wrong is not None:
        cases.append(
            Case(q["id"], claim + marker(wrong), sources, ("wrong_source",), q["question"])
        )
    cases.append(Case(q["id"], claim, sources, ("no_source",), q["question"]))
    if other is not None and index % 3 == 0 and lacks(gold.source, other.answer_key, other.claim):
        mixed = f"{claim}{cite}\n{invented(gold.source, index)}{cite}\n{other.claim}{cite}"
        cases.append(
            Case(q["id"], mixed, sources, ("correct", "invented", "borrowed"), q["question"])
        )
    long = long_answer(sources) if index % 2 == 0 else None
    if long:
        cases.append(Case(q["id"], long, sources, ("correct",) * LONG_CLAIMS))
    if names is not None:
        found = _new_kinds(claim, gold.source, index, other, names, gold.sentence.end)
        for text, kind in found:
            cases.append(Case(q["id"], text + cite, sources, (kind,), q["question"]))
    return cases, gold


def build_cases(engine: Any, questions: Sequence[dict[str, Any]]) -> list[Case]:
    """The labelled answers of every answerable question, over what `engine` retrieves for it."""
    by_id = {q["id"]: q for q in questions}
    cases: list[Case] = []
    previous: Gold | None = None
    texts = [d.text for d in engine.docs.values()]
    names = claimkinds.vocabulary(texts) | {"quoted": claimkinds.quoted_vocabulary(texts)}
    for index, q in enumerate(qq for qq in questions if qq["answerable"]):
        asked = q["question"]
        if q.get("follows") in by_id:
            asked = condense(asked, [by_id[q["follows"]]["question"]])
        sources = retrieve_sources(engine, asked)
        found, gold = _question_cases(q, index, sources, previous, names)
        cases.extend(found)
        # the next mixed answer borrows this claim; from another document when there is one
        if gold is not None and (previous is None or gold.source.doc is not previous.source.doc):
            previous = gold
    return cases
