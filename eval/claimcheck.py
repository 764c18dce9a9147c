"""Claim checker benchmark: scripted answers over the seed index, labelled, checked, scored.

For each answerable eval question the real retriever returns the sources an LLM would be shown
(numbered 1..k); the first sentence of those sources that holds one of the question's `must`
alternatives is the gold sentence. From it, labelled answers are scripted (no LLM, no randomness):
- correct: the sentence, verbatim or with its leading clause dropped, citing its source
  (Traditional questions get it in Traditional, so a Traditional claim meets a Simplified source);
- paraphrase: the question turned into its answer (`…企业有多少家？` -> `…企业有378家。`), as a
  model echoing the question writes it: correct, but sharing few words with the source;
- altered: the same claim with one figure changed (a digit, or 亿 -> 万), checked to be a figure
  the source does not state;
- wrong_source: the claim citing another retrieved source that does not hold the answer (nor,
  for a claim with figures, all of them): a hard negative, retrieved for the same question;
- no_source: the claim without a marker;
- mixed (every third question): a correct claim, an invented figure (`invented`) and another
  question's gold sentence (`borrowed`), all citing the same source: one answer, three claims;
- long (every second question): six correct claims, one sentence of each of the first six
  sources citing it (the latency of a long answer);
- the errors strong chat models make, from eval/claimkinds.py: a name swapped for another of
  the corpus (`entity_swap`), two places' figures exchanged (`subject_swap`), a clause of
  another passage appended (`appended_clause`), a relative year made the wrong absolute year
  (`year_shift`), % for 个百分点 (`unit`), 增长 for 下降 (`direction`); and two faithful styles,
  a framing clause (`framed`), two facts in one sentence (`combined`) and the relative year
  made the right one (`resolved`).
A claim that should be flagged (all but correct, paraphrase, framed, combined, resolved) and is not
verified is caught. `--corpus DIR` runs the same on a corpus folder's questions and documents.

Prints precision and recall of flagging, the false-flag rate on correct claims, recall per kind,
a sweep of `rag.answer.claims.MIN_OVERLAP`, and the checker's latency per answer (p50, p95). Exits 1
when an altered figure goes uncaught.
Usage: python -m eval.claimcheck [--data-dir DIR] [--corpus DIR]
`run()` returns the figures as a dict (tests/integration/test_claimcheck.py holds the floor).

Here: the run, the sweep and the command line. The answers are built in eval/claimcases.py (from
eval/claimgold.py's gold sentence, with eval/classickinds.py's and eval/claimkinds.py's kinds),
scored and printed by eval/claimscore.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from eval.claimcases import build_cases
from eval.claimscore import report, score
from rag.answer.claims import MIN_OVERLAP, check

QUESTIONS = Path(__file__).with_name("questions.jsonl")
SWEEP = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)


def run(
    engine: Any = None, questions_path: Path = QUESTIONS, corpus: Path | None = None
) -> dict[str, Any]:
    """Build the scripted answers, check them at `MIN_OVERLAP` and across `SWEEP`. `corpus`: a
    corpus folder (eval/corpora/README.md) whose answerable questions are used instead of the
    seeds' (its documents must be in `engine`'s index)."""
    if engine is None:
        from rag.pipeline import open_engine
        from rag.settings import Settings

        engine = open_engine(Settings())
    if corpus is not None:
        from eval.corpus import corpus_rows

        questions = corpus_rows(corpus)[0]
    else:
        questions = [json.loads(line) for line in questions_path.read_text("utf-8").splitlines()]
    cases = build_cases(engine, questions)
    # OpenCC and jieba's tagger load on first use: not the checker's latency
    check("预热。[1]", cases[0].sources, names=("预热",))
    names = engine.lexical.names if engine.lexical is not None else frozenset()
    result = score(cases, MIN_OVERLAP, names)
    result["sweep"] = [
        {k: v for k, v in score(cases, t, names).items() if k not in ("misses",)} for t in SWEEP
    ]
    result["sources_per_answer"] = statistics.mean(len(c.sources) for c in cases)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--corpus",
        type=Path,
        default=None,
        metavar="DIR",
        help="a corpus folder: ingested into a temporary index (or --data-dir, already holding"
        " it) and its questions used",
    )
    args = parser.parse_args()
    from rag.pipeline import ingest, open_engine
    from rag.settings import Settings

    with tempfile.TemporaryDirectory(prefix="rag-claims-", ignore_cleanup_errors=True) as tmp:
        engine = None
        if args.data_dir is not None:
            engine = open_engine(Settings(data_dir=args.data_dir))
        elif args.corpus is not None:
            settings = Settings(data_dir=Path(tmp), chroma_host="")
            ingest(settings, [args.corpus / "docs"])
            engine = open_engine(settings)
        result = run(engine, corpus=args.corpus)
    report(result)
    return 0 if result["recall_by_kind"].get("altered", 0.0) == 1.0 else 1


if __name__ == "__main__":
    from rag.errors import RagError

    try:
        sys.exit(main())
    except RagError as exc:  # no index yet, a bad setting: one line, as the CLI prints it
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
