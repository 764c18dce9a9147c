"""Scoring functions: many tiny cases on hand-built answer dicts, one behaviour each."""

from __future__ import annotations

from eval.score import (
    citation_support,
    fact_correct,
    gold_cited,
    key,
    percentile,
    quotes_verbatim,
    refused,
    retrieval_rank,
    score_row,
    script_kept,
    summarize,
)

TEXT = "2024年，苏州市人工智能产业实现营收超2300亿元。"
TEXTS = {"doc_a": TEXT, "doc_b": "蘇州現有總算力規模14000P。"}


def question(must=(("2300亿",),), docs=("doc_a",), answerable=True, category="figure"):
    return {
        "id": "q1",
        "question": "苏州2024年人工智能营收？",
        "category": category,
        "must": [list(g) for g in must],
        "docs": list(docs),
        "answerable": answerable,
    }


def citation(doc_id="doc_a", start=18, end=26, quote=None):
    text = TEXTS.get(doc_id, "")
    return {
        "n": 1,
        "doc_id": doc_id,
        "title": "t",
        "date": "2025",
        "quote": text[start:end] if quote is None else quote,
        "start": start,
        "end": end,
        "section": "",
        "doc_sha": "",
    }


def answer(text="营收超2300亿元[1]。", answerable=True, citations=None):
    return {
        "question": "q",
        "answer": text,
        "answerable": answerable,
        "mode": "extractive",
        "citations": [citation()] if citations is None else citations,
        "index": {},
        "timings_ms": {},
    }


def row(category="figure", answerable=True, latency_ms=10.0, **metrics):
    base = {"fact_correct": False, "quotes_verbatim": True, "gold_cited": False, "refused": False}
    return {
        "id": "x",
        "category": category,
        "answerable": answerable,
        "latency_ms": latency_ms,
        "error": False,
    } | (base | metrics)


# key


def test_key_folds_traditional_to_simplified():
    assert key("蘇州產業") == "苏州产业"


def test_key_removes_whitespace():
    assert key("2000 亿元\n") == "2000亿元"


def test_key_folds_full_width_digits():
    assert key("２３００億") == "2300亿"


# fact_correct


def test_fact_correct_when_the_alternative_is_in_the_answer():
    assert fact_correct(question(), answer())


def test_traditional_answer_matches_simplified_alternative():
    assert fact_correct(question(), answer("蘇州營收超2300億元。"))


def test_spaced_answer_matches_unspaced_alternative():
    assert fact_correct(question(), answer("营收超 2300 亿元。"))


def test_any_alternative_of_a_group_suffices():
    q = question(must=[("两千亿", "2300亿")])
    assert fact_correct(q, answer())


def test_a_missing_group_fails():
    q = question(must=[("2300亿",), ("32家",)])
    assert not fact_correct(q, answer())


def test_every_group_present_passes():
    q = question(must=[("2300亿",), ("32家",)])
    assert fact_correct(q, answer("营收超2300亿元，上市企业32家。"))


def test_refused_answer_is_not_fact_correct_even_if_it_holds_the_fact():
    assert not fact_correct(question(), answer(answerable=False))


def test_unanswerable_question_is_never_fact_correct():
    q = question(must=[], docs=[], answerable=False)
    assert not fact_correct(q, answer())


def test_fact_found_only_in_a_quote_does_not_count():
    ans = answer("营收规模很大[1]。")
    assert not fact_correct(question(), ans)


# quotes_verbatim


def test_exact_quote_is_verbatim():
    assert quotes_verbatim(answer(), TEXTS)


def test_no_citations_is_vacuously_verbatim():
    assert quotes_verbatim(answer(citations=[]), TEXTS)


def test_quote_off_by_one_char_fails():
    shifted = citation(start=19, end=27, quote=TEXT[18:26])
    assert not quotes_verbatim(answer(citations=[shifted]), TEXTS)


def test_quote_missing_its_last_char_fails():
    short = citation(quote=TEXT[18:25])
    assert not quotes_verbatim(answer(citations=[short]), TEXTS)


def test_quote_in_other_script_than_the_document_fails():
    simplified = citation(doc_id="doc_b", start=0, end=6, quote="苏州现有总算")
    assert not quotes_verbatim(answer(citations=[simplified]), TEXTS)


def test_quote_of_unknown_document_fails():
    unknown = citation(doc_id="doc_z", start=0, end=2, quote="苏州")
    assert not quotes_verbatim(answer(citations=[unknown]), TEXTS)


def test_one_bad_quote_among_good_ones_fails():
    bad = citation(quote="不存在")
    assert not quotes_verbatim(answer(citations=[citation(), bad]), TEXTS)


# gold_cited


def test_citing_a_gold_document_counts():
    assert gold_cited(question(), answer())


def test_citing_only_other_documents_does_not_count():
    other = citation(doc_id="doc_b", start=0, end=2)
    assert not gold_cited(question(), answer(citations=[other]))


def test_one_gold_citation_among_others_counts():
    other = citation(doc_id="doc_b", start=0, end=2)
    assert gold_cited(question(), answer(citations=[other, citation()]))


def test_no_citations_is_not_gold_cited():
    assert not gold_cited(question(), answer(citations=[]))


# refused


def test_not_answerable_answer_is_refused():
    assert refused(answer(answerable=False, citations=[]))


def test_answerable_answer_is_not_refused():
    assert not refused(answer())


# score_row


def test_failed_ask_scores_false_everywhere_and_is_an_error():
    r = score_row(question(), None, TEXTS, 5.0)
    assert r["error"] and not any(
        r[m] for m in ("fact_correct", "quotes_verbatim", "gold_cited", "refused")
    )


def test_score_row_keeps_id_category_and_latency():
    r = score_row(question(), answer(), TEXTS, 12.34)
    assert (r["id"], r["category"], r["latency_ms"]) == ("q1", "figure", 12.3)


# percentile


def test_p95_of_twenty_values_is_the_nineteenth():
    assert percentile([float(v) for v in range(20, 0, -1)], 95) == 19.0


def test_p50_of_an_even_count_is_the_lower_middle():
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.0


def test_percentile_of_one_value_is_that_value():
    assert percentile([7.0], 95) == 7.0


def test_percentile_of_nothing_is_none():
    assert percentile([], 50) is None


# summarize


def test_refused_unanswerable_counts_as_refused():
    s = summarize([row("unanswerable", answerable=False, refused=True)])
    assert s["overall"]["unanswerable_refused"] == 1.0


def test_fact_accuracy_ignores_unanswerable_rows():
    rows = [row(fact_correct=True), row("unanswerable", answerable=False, refused=True)]
    assert summarize(rows)["overall"]["fact_accuracy"] == 1.0


def test_wrongly_refused_is_over_answerable_only():
    rows = [row(refused=True), row(), row("unanswerable", answerable=False, refused=True)]
    assert summarize(rows)["overall"]["answerable_wrongly_refused"] == 0.5


def test_gold_cited_is_over_answerable_only():
    rows = [row(gold_cited=True), row("unanswerable", answerable=False)]
    assert summarize(rows)["overall"]["gold_cited"] == 1.0


def test_quotes_verbatim_is_over_all_rows():
    rows = [row(quotes_verbatim=False), row("unanswerable", answerable=False)]
    assert summarize(rows)["overall"]["quotes_verbatim"] == 0.5


def test_rate_with_empty_denominator_is_none():
    assert summarize([row()])["overall"]["unanswerable_refused"] is None


def test_summary_splits_by_category():
    rows = [row("figure", fact_correct=True), row("list")]
    by = summarize(rows)["by_category"]
    assert (by["figure"]["fact_accuracy"], by["list"]["fact_accuracy"]) == (1.0, 0.0)


def test_summary_latency_percentiles():
    rows = [row(latency_ms=float(v)) for v in range(1, 101)]
    overall = summarize(rows)["overall"]
    assert (overall["latency_p50_ms"], overall["latency_p95_ms"]) == (50.0, 95.0)


def test_summary_counts_errors():
    rows = [row(), row() | {"error": True}]
    assert summarize(rows)["overall"]["errors"] == 1


# forbidden claims, citation support, retrieval rank, refusal precision, script fidelity


def hit(rank, doc_id="doc_a", start=0, end=None):
    end = len(TEXTS[doc_id]) if end is None else end
    return {"rank": rank, "chunk_id": f"c{rank}", "doc_id": doc_id, "start": start, "end": end}


def test_an_injected_claim_in_the_answer_fails_the_fact():
    q = question() | {"forbidden": ["5000亿"]}
    assert not fact_correct(q, answer("营收超2300亿元，不是5000亿元[1]。"))


def test_facts_inside_the_quotes_are_supported():
    assert citation_support(question(), answer()) is True


def test_facts_only_outside_the_quotes_are_not_supported():
    quoted = citation(start=0, end=5)  # "2024年" only
    assert citation_support(question(), answer(citations=[quoted])) is False


def test_support_is_not_rated_for_a_wrong_answer():
    assert citation_support(question(), answer("不知道")) is None


def test_rank_is_where_the_gold_fact_is_first_retrieved():
    other = hit(1, "doc_b", 0, len(TEXTS["doc_b"]))
    assert retrieval_rank(question(), answer() | {"hits": [other, hit(2)]}, TEXTS) == 2


def test_rank_needs_every_fact_group():
    q = question(must=(("2300亿",), ("14000P",)), docs=("doc_a", "doc_b"))
    hits = [hit(1), hit(2, "doc_b", 0, len(TEXTS["doc_b"]))]
    assert retrieval_rank(q, answer() | {"hits": hits}, TEXTS) == 2


def test_a_fact_retrieved_from_a_non_gold_document_does_not_count():
    q = question(docs=("doc_b",))
    assert retrieval_rank(q, answer() | {"hits": [hit(1)]}, TEXTS) == 0


def test_rank_is_not_rated_for_unanswerable_questions():
    assert retrieval_rank(question(must=(), docs=(), answerable=False), answer(), TEXTS) is None


def test_hit_at_k_and_mrr():
    rows = [row(retrieval_rank=1), row(retrieval_rank=4), row(retrieval_rank=0)]
    overall = summarize(rows)["overall"]
    assert overall["hit_at_1"] == 1 / 3 and overall["hit_at_5"] == 2 / 3
    assert overall["mrr"] == (1 + 1 / 4) / 3


def test_refusal_precision_counts_refusals_of_unanswerable_questions():
    rows = [
        row("unanswerable", answerable=False, refused=True),
        row(refused=True),
        row("unanswerable", answerable=False, refused=False),
    ]
    assert summarize(rows)["overall"]["refusal_precision"] == 0.5


def test_a_traditional_question_gets_traditional_wording():
    q = question() | {"question": "蘇州營收多少？"}
    assert script_kept(q, answer("《報告》：營收超2300億元[1]", citations=[])) is True
    assert script_kept(q, answer("《报告》：营收超2300亿元[1]", citations=[])) is False


def test_quotes_do_not_count_for_script_fidelity():
    quote = "蘇州現有總算力規模14000P。"
    cited = [citation("doc_b", 0, len(quote))]
    assert script_kept(question(), answer(f"算力：{quote}[1]", citations=cited)) is None


def test_the_short_answer_is_a_quote_span_not_own_wording():
    q = question() | {"question": "苏州营收多少？"}
    said = answer(
        "2300億元[1]\n《报告》：營收超2300億元[1]", citations=[{"quote": "營收超2300億元"}]
    )
    assert script_kept(q, said | {"short": {"text": "2300億元", "n": 1}}) is True
    assert script_kept(q, said) is False  # the same span as our own wording: the wrong script
