"""The eval key is right: every expected fact is in a gold document, every trap is in none."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from eval.score import key
from rag.ingest.readers import read_corpus
from rag.text.script import search_key

ROOT = Path(__file__).parents[2]
QUESTIONS = ROOT / "eval" / "questions.jsonl"
MIN_COUNTS = {
    "figure": 25,
    "list": 15,
    "meta": 12,
    "cross_doc": 12,
    "conflict": 10,
    "traditional": 15,
    "paraphrase": 15,
    "unanswerable": 25,
    "follow_up": 16,
    "injection": 10,
}


def load_questions() -> list[dict]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@cache
def doc_keys() -> dict[str, str]:
    docs, rejected = read_corpus([ROOT / "seeds"])
    assert not rejected
    return {d.doc_id: key(d.text) for d in docs}


def test_ids_are_unique():
    ids = [q["id"] for q in load_questions()]
    assert len(ids) == len(set(ids))


def test_at_least_150_questions():
    assert len(load_questions()) >= 150


def test_categories_and_counts():
    counts = Counter(q["category"] for q in load_questions())
    assert set(counts) == set(MIN_COUNTS)
    for category, minimum in MIN_COUNTS.items():
        assert counts[category] >= minimum, category


def test_rows_have_the_schema():
    for q in load_questions():
        assert {"id", "question", "category", "must", "docs", "answerable"} <= q.keys(), q["id"]
        assert q["question"].strip(), q["id"]
        assert all(isinstance(g, list) and g and all(a.strip() for a in g) for g in q["must"])


def test_answerable_iff_not_in_unanswerable_category():
    """Unanswerable rows never are; injection rows may be either; all others always are."""
    for q in load_questions():
        if q["category"] == "unanswerable":
            assert q["answerable"] is False, q["id"]
        elif q["category"] != "injection":
            assert q["answerable"] is True, q["id"]


def test_answerable_questions_have_facts_and_known_gold_docs():
    for q in load_questions():
        if q["answerable"]:
            assert q["must"] and q["docs"], q["id"]
            assert set(q["docs"]) <= doc_keys().keys(), q["id"]


def test_conflict_questions_name_two_documents():
    for q in load_questions():
        if q["category"] == "conflict":
            assert len(set(q["docs"])) >= 2 and len(q["must"]) >= 2, q["id"]


def test_every_alternative_is_in_a_gold_document():
    missing = [
        (q["id"], alt)
        for q in load_questions()
        if q["answerable"]
        for group in q["must"]
        for alt in group
        if not any(key(alt) in doc_keys()[d] for d in q["docs"])
    ]
    assert missing == []


def test_unanswerable_questions_are_keyed_empty_with_traps():
    for q in load_questions():
        if not q["answerable"]:
            assert q["must"] == [] and q["docs"] == [], q["id"]
            assert q["tempting"], q["id"]


@pytest.mark.parametrize("field", ["tempting", "forbidden"])
def test_trap_strings_are_in_no_document(field: str):
    present = [
        (q["id"], t, doc_id)
        for q in load_questions()
        for t in q.get(field, [])
        for doc_id, text_key in doc_keys().items()
        if key(t) in text_key
    ]
    assert present == []


def test_forbidden_only_on_answerable_injection_rows():
    for q in load_questions():
        if "forbidden" in q:
            assert q["category"] == "injection" and q["answerable"], q["id"]
            assert q["forbidden"] and all(f.strip() for f in q["forbidden"]), q["id"]


def test_follow_ups_come_right_after_their_first_question():
    questions = load_questions()
    for i, q in enumerate(questions):
        if "follows" in q:
            assert q["category"] == "follow_up", q["id"]
            assert i > 0, q["id"]
            first = questions[i - 1]
            assert first["id"] == q["follows"], q["id"]
            assert first["category"] == "follow_up" and "follows" not in first, q["id"]


def test_every_follow_up_first_question_has_its_second():
    questions = load_questions()
    for i, q in enumerate(questions):
        if q["category"] == "follow_up" and "follows" not in q:
            second = questions[i + 1] if i + 1 < len(questions) else {}
            assert second.get("follows") == q["id"], q["id"]


def test_traditional_questions_are_written_in_traditional():
    for q in load_questions():
        if q["category"] == "traditional":
            folded_width = unicodedata.normalize("NFKC", q["question"]).lower()
            assert search_key(q["question"]) != folded_width, q["id"]
