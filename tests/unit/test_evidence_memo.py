"""The sentence judgements the reranker and the answerer share (rag/answer/evidence.py
`_judged`): a kept judgement gives the figures a fresh one gives, to the last bit, at any rank
and any cover asked, and a document re-read is judged on its own text."""

from __future__ import annotations

import pytest

from rag.answer import evidence
from rag.answer.candidates import read_question
from rag.answer.corpus import Documents
from rag.answer.documents import Document
from rag.answer.evidence import Candidate, score_sentence
from rag.ingest.chunk import chunk_document
from rag.ingest.readers import make_doc

TEXT = (
    "莫城\n\n莫城是东欧的一座古城，位于平原中部。\n"
    "城内有三座石砌教堂和一座修道院。\n"
)
QUESTION = "莫城城内有几座教堂？"


def judge(doc: Document, rank: int = 0, min_cover: float = evidence.MIN_COVER) -> Candidate:
    hits = [(c, doc) for c in chunk_document(doc, 160)]
    query, weights, _ = read_question(QUESTION, hits, [], Documents([doc]))
    at = doc.text.index("城内")
    end = doc.text.index("。", at) + 1
    return score_sentence(query, weights, doc, at, end, "", "", rank, min_cover=min_cover)


def fresh(doc: Document, rank: int = 0, min_cover: float = evidence.MIN_COVER) -> Candidate:
    evidence._JUDGED.clear()
    return judge(doc, rank, min_cover)


@pytest.fixture
def doc() -> Document:
    return Document.of(make_doc("wiki", TEXT, {"title": "莫城"}))


def test_a_kept_judgement_scores_every_rank_as_a_fresh_one(doc: Document) -> None:
    want = [fresh(doc, rank) for rank in range(6)]
    judge(doc)  # kept
    assert [judge(doc, rank) for rank in range(6)] == want
    assert want[0].answers and want[3].score < want[0].score


@pytest.mark.parametrize("first", [0.0, 0.99])
def test_the_cover_asked_is_applied_to_a_kept_judgement(doc: Document, first: float) -> None:
    evidence._JUDGED.clear()
    judge(doc, min_cover=first)  # kept with one cover asked, then asked with the other
    loose, strict = judge(doc, min_cover=0.0), judge(doc, min_cover=1.01)
    assert loose.answers and not strict.answers
    assert (loose.score, loose.cover) == (strict.score, strict.cover)


def test_a_document_re_read_is_judged_on_its_own_text(doc: Document) -> None:
    text = TEXT.replace("三座石砌教堂和一座", "石砌的教堂和古老的")
    edited = Document.of(make_doc("wiki", text, {"title": "莫城"}))
    assert (edited.doc_id, len(edited.text)) == (doc.doc_id, len(doc.text))
    assert not fresh(edited).answers  # no count: no answer to 几座
    assert fresh(doc).answers  # kept, then the edited document asked at the same offsets
    assert not judge(edited).answers
    assert judge(doc).answers
