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

from rag.text.script import in_script, is_traditional, search_key

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
    """An answerable question, an answer marked answerable, every `must` group has at least
    one alternative whose key occurs in the key of the answer text, and no `forbidden` string
    (an injected false claim) does."""
    if not q["answerable"] or refused(ans):
        return False
    said = key(ans["answer"])
    if any(key(bad) in said for bad in q.get("forbidden", [])):
        return False
    return all(any(key(alt) in said for alt in group) for group in q["must"])


def citation_support(q: Question, ans: AnswerDict) -> bool | None:
    """The facts are inside the quoted sentences, not only somewhere in the answer: every
    `must` group has an alternative in the quotes. None unless the answer is fact-correct."""
    if not fact_correct(q, ans):
        return None
    quoted = key(" ".join(c["quote"] for c in ans["citations"]))
    return all(any(key(alt) in quoted for alt in group) for group in q["must"])


def retrieval_rank(q: Question, ans: AnswerDict, texts: Mapping[str, str]) -> int | None:
    """The rank (1-based) by which the retrieved chunks of gold documents hold every `must`
    group; 0 when they never do; None for a question without facts to find."""
    if not q["answerable"] or not q["must"]:
        return None
    missing = [[key(alt) for alt in group] for group in q["must"]]
    gold = set(q["docs"])
    for hit in ans.get("hits", []):
        text = texts.get(hit["doc_id"])
        if hit["doc_id"] not in gold or text is None:
            continue
        chunk = key(text[hit["start"] : hit["end"]])
        missing = [g for g in missing if not any(alt in chunk for alt in g)]
        if not missing:
            return int(hit["rank"])
    return 0


def script_kept(q: Question, ans: AnswerDict) -> bool | None:
    """The answer's own wording (all but the verbatim quotes, and the short answer, which is a
    verbatim span of one) is in the question's script. None when that wording has no character
    whose script could tell."""
    own = ans["answer"]
    for c in ans["citations"]:
        own = own.replace(c["quote"], "")
    short = ans.get("short") or {}
    for span in short.get("parts") or ([short] if short.get("text") else []):
        own = own.replace(span["text"], "", 1)
    if in_script(own, True) == in_script(own, False):  # no character whose script could tell
        return None
    return is_traditional(own) == is_traditional(q["question"])


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
        return (
            row
            | dict.fromkeys(("fact_correct", "quotes_verbatim", "gold_cited", "refused"), False)
            | {"citation_support": None, "retrieval_rank": None, "script_kept": None}
            | {"claims": 0, "claims_verified": 0, "fell_back": False}
        )
    claims = ans.get("claims", [])
    return row | {
        "claims": len(claims),
        "claims_verified": sum(bool(c["verified"]) for c in claims),
        "fell_back": bool(ans.get("notice")),
        "fact_correct": fact_correct(q, ans),
        "quotes_verbatim": quotes_verbatim(ans, texts),
        "citation_support": citation_support(q, ans),
        "gold_cited": gold_cited(q, ans),
        "refused": refused(ans),
        "retrieval_rank": retrieval_rank(q, ans, texts),
        "script_kept": script_kept(q, ans),
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
    """Share of rows where `field` is true, over the rows where it is not None; None when
    there are no rows to rate."""
    rated = [r for r in rows if r.get(field) is not None]
    if not rated:
        return None
    return sum(bool(r[field]) for r in rated) / len(rated)


HIT_KS = (1, 3, 5, 8)


def _retrieval(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    ranks = [r["retrieval_rank"] for r in rows if r.get("retrieval_rank") is not None]
    out: dict[str, float | None] = {
        f"hit_at_{k}": (sum(0 < rank <= k for rank in ranks) / len(ranks)) if ranks else None
        for k in HIT_KS
    }
    out["mrr"] = (sum(1 / rank for rank in ranks if rank) / len(ranks)) if ranks else None
    return out


def _share(rows: Sequence[Mapping[str, Any]], part: str, whole: str) -> float | None:
    total = sum(r.get(whole, 0) for r in rows)
    return sum(r.get(part, 0) for r in rows) / total if total else None


def _refusal_precision(rows: Sequence[Mapping[str, Any]]) -> float | None:
    refusals = [r for r in rows if r["refused"] and not r["error"]]
    if not refusals:
        return None
    return sum(not r["answerable"] for r in refusals) / len(refusals)


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
        "citation_support": _rate(answerable, "citation_support"),
        "gold_cited": _rate(answerable, "gold_cited"),
        "unanswerable_refused": _rate(unanswerable, "refused"),
        "answerable_wrongly_refused": _rate(answerable, "refused"),
        "refusal_precision": _refusal_precision(rows),
        "script_fidelity": _rate(rows, "script_kept"),
        **_retrieval(answerable),
        "claims_verified": _share(rows, "claims_verified", "claims"),
        "fell_back": _rate(rows, "fell_back"),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Rates over `score_row` rows, overall and per category.

    - fact_accuracy: share of answerable questions with `fact_correct`.
    - quotes_verbatim (citation validity): share of all questions whose every quote is
      verbatim (equals the document text at its offsets).
    - citation_support: of the fact-correct answers, the share whose facts are inside the
      quoted sentences themselves.
    - gold_cited: share of answerable questions citing a gold document.
    - unanswerable_refused (refusal recall): share of unanswerable questions refused.
    - refusal_precision: share of refusals whose question was unanswerable.
    - answerable_wrongly_refused: share of answerable questions the product refused.
    - script_fidelity: share of answers whose own wording (labels, notes, refusal; not the
      verbatim quotes) is in the question's script.
    - hit_at_k / mrr: over answerable questions, the share whose gold facts are all in the
      retrieved chunks of gold documents by rank k, and the mean reciprocal of that rank.
    - claims_verified: of all answer sentences (claims), the share the claim checker found
      supported by a cited source (extractive answers: every quote, by construction).
    - fell_back: share of questions answered by the extractive fallback, with a notice (the
      model failed, or nothing it said could be verified).
    - latency_p50_ms / latency_p95_ms: nearest-rank percentiles of per-question latency.
    A rate is None when its denominator is empty.
    """
    categories = sorted({r["category"] for r in rows})
    return {
        "overall": _metrics(rows),
        "by_category": {c: _metrics([r for r in rows if r["category"] == c]) for c in categories},
    }
