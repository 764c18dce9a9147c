"""Substring statistics over chunk keys (`rag.ingest.keyindex`) and the documents a question names
(`rag.answer.corpus.Documents`): the same answers as a pass over every chunk or document."""

from __future__ import annotations

import random
from pathlib import Path

from rag.answer.corpus import Documents, naming_parts
from rag.answer.documents import Document
from rag.ingest.keyindex import VERIFY_MAX, KeyIndex
from rag.ingest.readers import read_corpus
from rag.question.analysis import Query, analyse
from rag.question.words import forms
from rag.text.script import search_key

ROOT = Path(__file__).resolve().parents[2]

KEYS = [
    search_key(t)
    for t in (
        "河畔城港口去年吞吐量增长百分之八。",  # news
        "《山海札记》是一部散文集，作者为林远舟。",  # encyclopedia
        "市工业和信息化局印发《关于推进智能制造的实施意见》。",  # policy
        "规模以上工业增加值同比增长5.6%。",
        "ai芯片企业超过300家，其中上市企业12家。",
        "",
    )
]


def _brute(words: list[str]) -> int:
    return sum(any(w in k for w in words) for k in KEYS)


def test_counts_equal_a_pass_over_every_key() -> None:
    index = KeyIndex.build(KEYS)
    rnd = random.Random(7)
    words = ["增长", "增长百分", "规模以上", "ai", "a", "不存在", "《山海札记》", "%", "5.6%"]
    for _ in range(300):
        key = rnd.choice([k for k in KEYS if k])
        at = rnd.randrange(len(key))
        words.append(key[at : at + rnd.randint(1, 6)])
    for word in words:
        assert index.count([word]) == _brute([word]), word
        assert index.used([word]) == (_brute([word]) > 0), word
        assert index.count([word, "上市企业"]) == _brute([word, "上市企业"]), word
    assert [index.key(i) for i in range(len(KEYS))] == KEYS


def test_a_word_whose_bigrams_are_apart_is_not_counted() -> None:
    index = KeyIndex.build(["增长的长期趋势", "长期增长"])  # 增长 长期 both, 增长期 in neither
    assert index.count(["增长期"]) == 0
    assert not index.used(["增长期"])
    assert index.count(["增长"]) == 2


def test_a_common_long_word_is_estimated_from_a_sample() -> None:
    holds = [f"第{i}条：城市更新行动" for i in range(3 * VERIFY_MAX)]
    apart = [f"第{i}条：城市的更新与行动" for i in range(3 * VERIFY_MAX)]  # bigrams, not the word
    index = KeyIndex.build(holds + apart)
    assert abs(index.count(["城市更新行动"]) - len(holds)) <= 0.05 * len(holds)


def test_saved_arrays_give_the_same_index() -> None:
    index = KeyIndex.build(KEYS)
    again = KeyIndex.from_arrays(index.arrays())
    assert again.count(["增长"]) == index.count(["增长"]) == 2
    assert again.key(1) == KEYS[1]


def test_analysis_is_the_same_over_an_index_and_over_the_keys() -> None:
    question = "河畔城港口的吞吐量增长了多少？"
    assert analyse(question, KEYS) == analyse(question, KeyIndex.build(KEYS))


def about_document(query: Query, doc: Document) -> bool:
    """The rule `Documents.named` implements, written as a pass over one document: the
    question holds its title, a naming part of one of its issuer's names, its number
    (`第27号`, `第12期`), or most of its title's words."""
    if doc.title_key and doc.title_key in query.key:
        return True
    flat = "".join(query.key.split())
    if any(part in flat for name in doc.names for part in naming_parts(name)):
        return True
    if any(f"{n}号" in flat or f"第{n}期" in flat for n in doc.numbers):
        return True
    asked = {f for t in query.terms for f in forms(t)}
    words = doc.title_words
    return len(words) >= 3 and len(words & asked) >= 0.7 * len(words)


def test_named_documents_are_those_about_document_names() -> None:
    read, _ = read_corpus([ROOT / "seeds"])
    docs = [Document.of(d) for d in read]
    names = Documents(docs)
    questions = [
        "《推动苏州人工智能产业发展的对策建议》的作者是谁？",
        "市致公党的第118号建议提出了什么？",
        "太湖书院的报告说了什么？",
        "领军参阅第12期讲了什么？",
        "苏州人工智能产业发展对比分析的作者在哪个单位？",
        "杭州的核心企业有多少家？",
    ]
    keys = [search_key(d.text) for d in docs]
    for question in questions:
        query, _ = analyse(question, keys)
        want = {d.doc_id for d in docs if about_document(query, d)}
        assert names.named(query) == want, question
    assert any(names.named(analyse(q, keys)[0]) for q in questions)
