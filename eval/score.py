"""Score: one answer dict (the `rag ask --json` contract) against one eval question.

Each metric is a small pure function of one question and one answer; `summarize` turns the
per-question rows into rates, overall and per category. Facts are matched on a search key
(NFKC, Traditional->Simplified, whitespace removed) so a Traditional answer meets a Simplified
alternative and "2000 亿元" meets "2000亿". Trade-off: matching is substring containment, so a
short alternative such as "4家" is also met by "14家"; alternatives are kept as specific as the
source text allows instead of parsing numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from rag.clean import search_key

_SPACE = re.compile(r"\s+")

Question = Mapping[str, Any]
AnswerDict = Mapping[str, Any]


def key(text: str) -> str:
    """The comparison key: the product's search key with all whitespace removed."""
    return _SPACE.sub("", search_key(text))


def refused(ans: AnswerDict) -> bool:
    """The answer declines: the product marked it not answerable."""
    return not ans["answerable"]


def fact_correct(q: Question, ans: AnswerDict) -> bool:
    """An answerable question, an answer marked answerable, and every `must` group has at least
    one alternative whose key occurs in the key of the answer text."""
    if not q["answerable"] or refused(ans):
        return False
    said = key(ans["answer"])
    return all(any(key(alt) in said for alt in group) for group in q["must"])


def quotes_verbatim(ans: AnswerDict, texts: Mapping[str, str]) -> bool:
    """Every citation's quote equals `texts[doc_id][start:end]` exactly (no key folding).

    A citation of a document missing from `texts` fails; no citations at all passes vacuously.
    """
    for c in ans["citations"]:
        text = texts.get(c["doc_id"])
        if text is None or text[c["start"] : c["end"]] != c["quote"]:
            return False
    return True


def gold_cited(q: Question, ans: AnswerDict) -> bool:
    """At least one citation points into one of the question's gold documents."""
    gold = set(q["docs"])
    return any(c["doc_id"] in gold for c in ans["citations"])


def score_row(
    q: Question, ans: AnswerDict | None, texts: Mapping[str, str], latency_ms: float
) -> dict[str, Any]:
    """Every metric of one question. `ans` is None when asking failed: every metric is False
    (an error is neither a correct answer nor a refusal) and the row is counted as an error."""
    row: dict[str, Any] = {
        "id": q["id"],
        "category": q["category"],
        "answerable": q["answerable"],
        "latency_ms": round(latency_ms, 1),
        "error": ans is None,
    }
    if ans is None:
        return row | dict.fromkeys(
            ("fact_correct", "quotes_verbatim", "gold_cited", "refused"), False
        )
    return row | {
        "fact_correct": fact_correct(q, ans),
        "quotes_verbatim": quotes_verbatim(ans, texts),
        "gold_cited": gold_cited(q, ans),
        "refused": refused(ans),
    }


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p% of the values at or below it.
    None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _rate(rows: Sequence[Mapping[str, Any]], field: str) -> float | None:
    """Share of rows where `field` is true; None when there are no rows to rate."""
    if not rows:
        return None
    return sum(bool(r[field]) for r in rows) / len(rows)


def _metrics(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    latencies = [r["latency_ms"] for r in rows]
    return {
        "n": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "errors": sum(bool(r["error"]) for r in rows),
        "fact_accuracy": _rate(answerable, "fact_correct"),
        "quotes_verbatim": _rate(rows, "quotes_verbatim"),
        "gold_cited": _rate(answerable, "gold_cited"),
        "unanswerable_refused": _rate(unanswerable, "refused"),
        "answerable_wrongly_refused": _rate(answerable, "refused"),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Rates over `score_row` rows, overall and per category.

    - fact_accuracy: share of answerable questions with `fact_correct`.
    - quotes_verbatim: share of all questions whose every quote is verbatim.
    - gold_cited: share of answerable questions citing a gold document.
    - unanswerable_refused: share of unanswerable questions the product refused.
    - answerable_wrongly_refused: share of answerable questions the product refused.
    - latency_p50_ms / latency_p95_ms: nearest-rank percentiles of per-question latency.
    A rate is None when its denominator is empty.
    """
    categories = sorted({r["category"] for r in rows})
    return {
        "overall": _metrics(rows),
        "by_category": {c: _metrics([r for r in rows if r["category"] == c]) for c in categories},
    }
