"""The claim checker benchmark's scoring and report: each scripted answer (eval/claimcases.py) is
checked and timed, its verdicts tallied against its labels into precision and recall of flagging,
false flags and recall per kind, latency percentiles and the support spans that strayed. `report`
prints them, and the sweep of `rag.answer.claims.MIN_OVERLAP` that eval/claimcheck.py adds.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from eval.claimcases import CLASSIC, VERIFY, Case
from eval.classickinds import LONG_CLAIMS
from rag.answer.claims import CheckedClaim, Source, check

MAX_MISSES = 60
"""Misjudged claims listed (split mismatches are listed all)."""


@dataclass
class _Tally:
    """What checking the cases gave, before it is summed up."""

    rows: list[tuple[str, bool]] = field(default_factory=list)
    """(kind, flagged) per claim."""
    latencies: list[float] = field(default_factory=list)
    long_latencies: list[float] = field(default_factory=list)
    span_errors: int = 0
    split_errors: int = 0
    misses: list[str] = field(default_factory=list)


def _spans_outside(claim: CheckedClaim, sources: Sequence[Source]) -> int:
    """How many of the claim's support spans lie outside every source it cites."""
    cited = [s for s in sources if s.n in claim.sources]
    return sum(
        1
        for sup in claim.support
        if not any(s.doc is sup.doc and s.start <= sup.start < sup.end <= s.end for s in cited)
    )


def _tally(cases: Sequence[Case], min_overlap: float, names: Collection[str]) -> _Tally:
    tally = _Tally()
    for case in cases:
        started = time.perf_counter()
        claims = check(case.answer, case.sources, min_overlap, case.question, names)
        tally.latencies.append((time.perf_counter() - started) * 1000)
        if len(case.kinds) == LONG_CLAIMS:
            tally.long_latencies.append(tally.latencies[-1])
        if len(claims) != len(case.kinds):
            tally.split_errors += 1
            tally.misses.append(f"{case.question_id} split into {len(claims)}: {case.answer}")
            continue
        for kind, c in zip(case.kinds, claims, strict=True):
            tally.rows.append((kind, not c.verified))
            if (kind in VERIFY) == (not c.verified) and len(tally.misses) < MAX_MISSES:
                tally.misses.append(f"{case.question_id} {kind} {c.reason or 'verified'}: {c.text}")
            tally.span_errors += _spans_outside(c, case.sources)
    tally.latencies.sort()
    tally.long_latencies.sort()
    return tally


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    """Of sorted `values`."""
    if not values:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    return {
        "p50": statistics.median(values),
        "p95": values[int(0.95 * (len(values) - 1))],
        "max": values[-1],
    }


def _rates(rows: Sequence[tuple[str, bool]]) -> dict[str, Any]:
    """Precision and recall of flagging, false flags and recall per kind, counts per kind."""
    should = [f for k, f in rows if k not in VERIFY]
    classic = [f for k, f in rows if k in CLASSIC]
    flagged = sum(f for _, f in rows)
    caught = sum(should)
    correct = [f for k, f in rows if k in VERIFY]
    kinds = sorted({k for k, _ in rows} - set(VERIFY))
    return {
        "should_flag": len(should),
        "precision": caught / flagged if flagged else 1.0,
        "recall": caught / len(should) if should else 1.0,
        "recall_classic": sum(classic) / len(classic) if classic else 1.0,
        "false_flag_rate": sum(correct) / len(correct) if correct else 0.0,
        "false_flag_by_kind": {
            k: sum(f for kk, f in rows if kk == k) / max(1, sum(1 for kk, _ in rows if kk == k))
            for k in VERIFY
        },
        "recall_by_kind": {
            k: sum(f for kk, f in rows if kk == k) / sum(1 for kk, _ in rows if kk == k)
            for k in kinds
        },
        "count_by_kind": {k: sum(1 for kk, _ in rows if kk == k) for k in [*VERIFY, *kinds]},
    }


def score(cases: Sequence[Case], min_overlap: float, names: Collection[str] = ()) -> dict[str, Any]:
    """Check every case at `min_overlap`. `names`: the corpus's vocabulary of names, as the
    product's checker gets it."""
    tally = _tally(cases, min_overlap, names)
    return {
        "min_overlap": min_overlap,
        "answers": len(cases),
        "claims": len(tally.rows),
        **_rates(tally.rows),
        "latency_ms": _percentiles(tally.latencies),
        "latency_ms_6_claims": _percentiles(tally.long_latencies),
        "span_errors": tally.span_errors,
        "split_errors": tally.split_errors,
        "misses": tally.misses,
    }


def _print_rates(result: dict[str, Any]) -> None:
    print(f"precision of flagging   {result['precision']:.3f}")
    print(f"recall of flagging      {result['recall']:.3f}")
    print(f"  of the first kinds    {result['recall_classic']:.3f}  ({', '.join(CLASSIC)})")
    print(f"false flags on correct  {result['false_flag_rate']:.3f}")
    for kind, rate in result["false_flag_by_kind"].items():
        print(f"  false flags {kind:<10} {rate:.3f}  (n={result['count_by_kind'][kind]})")
    for kind, rate in result["recall_by_kind"].items():
        print(f"  recall {kind:<14} {rate:.3f}  (n={result['count_by_kind'][kind]})")


def _print_sweep(sweep: Sequence[dict[str, Any]]) -> None:
    print("\nmin_overlap  precision  recall  false-flag  (paraphrase)  recall(wrong_source)")
    for row in sweep:
        wrong = row["recall_by_kind"].get("wrong_source", float("nan"))
        print(
            f"{row['min_overlap']:>11}  {row['precision']:9.3f}  {row['recall']:6.3f}  "
            f"{row['false_flag_rate']:10.3f}  {row['false_flag_by_kind']['paraphrase']:12.3f}"
            f"  {wrong:.3f}"
        )


def report(result: dict[str, Any]) -> None:
    """Print what `score` measured, `sources_per_answer` and the `sweep` of `run`'s result."""
    print(
        f"scripted answers {result['answers']}, claims {result['claims']} "
        f"({result['should_flag']} should be flagged), "
        f"{result['sources_per_answer']:.1f} sources per answer, "
        f"min_overlap {result['min_overlap']}"
    )
    _print_rates(result)
    for label, key in (("per answer", "latency_ms"), ("6-claim answers", "latency_ms_6_claims")):
        lat = result[key]
        print(
            f"checker latency, {label:<15}  p50 {lat['p50']:.2f} ms  p95 {lat['p95']:.2f} ms"
            f"  max {lat['max']:.2f} ms"
        )
    print(
        f"support spans outside the cited chunk: {result['span_errors']}, "
        f"split mismatches: {result['split_errors']}"
    )
    _print_sweep(result["sweep"])
    if result["misses"]:
        print("\nmisses (first 60):")
        for line in result["misses"]:
            print("  " + line)
