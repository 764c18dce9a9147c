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
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llama_index.core.schema import QueryBundle

from eval import claimkinds
from rag.answer.cite import MARKER, marker
from rag.answer.claims import MIN_OVERLAP, Source, bigrams, check, split_claims
from rag.answer.documents import Document
from rag.ingest.nodes import chunk_from_node
from rag.question.rewrite import condense
from rag.text.figures import Figure, figure_list, figures
from rag.text.script import in_script, search_key
from rag.types import Sentence

QUESTIONS = Path(__file__).with_name("questions.jsonl")
VERIFY = ("correct", "paraphrase", "framed", "resolved", "combined")
CLASSIC = ("altered", "wrong_source", "no_source", "invented", "borrowed")
"""The error kinds of the first checker; the others are eval/claimkinds.py's."""
SWEEP = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)
MIN_CLAIM_CHARS = 8
LONG_CLAIMS = 6
_COMMA = re.compile(r"[，,]")
_ASKED = re.compile(
    r"多少[个個家项項件名位人所条條款台次起天倍]?|[几幾](?:[个個家项項件名位人所期年]|)"
    r"|有?多大(?:比重)?|哪[几幾]?[些个個家座所]|什[么麼](?:名字)?|甚麼|第[几幾]"
)
PARAPHRASED = ("figure", "traditional", "paraphrase", "list", "cross_doc", "meta", "answerable")
"""Categories whose questions turn into a paraphrase (a corpus's are all `answerable`)."""


@dataclass(frozen=True)
class Case:
    """One scripted answer and what the checker should say about each of its claims."""

    question_id: str
    answer: str
    sources: tuple[Source, ...]
    kinds: tuple[str, ...]
    question: str = ""
    """What was asked (a clause restating it needs no support)."""
    """Per claim, in order: correct or paraphrase (should verify); altered, wrong_source,
    no_source, invented, borrowed (should be flagged)."""


@dataclass(frozen=True)
class Gold:
    source: Source
    sentence: Sentence
    answer_key: str
    """search_key of the `must` alternative the sentence holds."""
    claim: str
    """The correct claim text (verbatim or with its leading clause dropped)."""


def retrieve_sources(engine: Any, question: str) -> tuple[Source, ...]:
    from rag.pipeline import retrieve

    nodes = retrieve(engine, QueryBundle(question))
    sources = []
    for i, n in enumerate(nodes):
        chunk = chunk_from_node(
            n.node.node_id, n.node.get_content(), n.node.metadata, n.node.ref_doc_id or ""
        )
        doc = Document.of(engine.docs[chunk.doc_id])
        sources.append(Source(i + 1, doc, chunk.start, chunk.end, chunk.sentences))
    return tuple(sources)


def _source_figures(src: Source) -> frozenset[Figure]:
    header = f"{src.doc.meta.title} {src.doc.meta.date}"
    return figures(src.doc.text[src.start : src.end]) | figures(header)


def _gold(sources: Sequence[Source], must: Sequence[Sequence[str]], index: int) -> Gold | None:
    alts = [search_key(a) for group in must for a in group]
    for src in sources:
        for sent in src.sentences:
            text = src.doc.text[sent.start : sent.end].strip()
            key = search_key(text)
            hit = next((a for a in alts if a in key), None)
            if hit is None or len(text) < MIN_CLAIM_CHARS or MARKER.search(text):
                continue
            claim = split_claims(text)[0][0]  # as the checker reads it: no list bullet
            return Gold(src, sent, hit, _reworded(claim, hit) if index % 2 else claim)
    return None


def _reworded(text: str, answer_key: str) -> str:
    """The sentence without its leading clause, when what is left still holds the answer."""
    parts = _COMMA.split(text, maxsplit=1)
    if len(parts) == 2 and answer_key in search_key(parts[1]) and len(parts[1]) >= MIN_CLAIM_CHARS:
        return parts[1]
    return text


def _paraphrase(q: dict[str, Any], src: Source) -> str | None:
    """The question turned into its answer, as a model echoing the question writes it
    (`…企业有多少家？` -> `…企业有378家。`), when the source holds every answer it names."""
    key = search_key(src.doc.text[src.start : src.end])
    alts = []
    for group in q["must"]:
        found = next((a for a in group if search_key(a) in key), None)
        if found is None:
            return None
        alts.append(found)
    asked = _ASKED.findall(q["question"])
    if not asked or len(asked) not in (1, len(alts)):
        return None
    answers = iter(alts) if len(asked) == len(alts) else iter(["、".join(alts)])
    text = _ASKED.sub(lambda m: next(answers), q["question"])
    text = re.sub(r"[？?]+(?=.)", "，", text)
    return re.sub(r"[？?]$", "", text) + "。"


def _alterations(surface: str) -> list[str]:
    out = []
    digit = re.search(r"\d", surface)
    if digit:
        d = int(digit.group(0))
        new = str(d + 1) if d < 9 else "8"
        out.append(surface[: digit.start()] + new + surface[digit.end() :])
    if "亿" in surface:
        out.append(surface.replace("亿", "万"))
    return out


def _altered(claim: str, src: Source, index: int) -> str | None:
    """The claim with one figure changed to one the source does not state."""
    have = _source_figures(src)
    stated = figure_list(claim)
    for k in range(len(stated)):
        surface = stated[(index + k) % len(stated)].text
        at = claim.find(surface)
        if at < 0:
            continue
        for new in _alterations(surface):
            changed = claim[:at] + new + claim[at + len(surface) :]
            if any(f not in have for f in figure_list(changed)):
                return changed
    return None


def _lacks(src: Source, answer_key: str, claim: str) -> bool:
    """The source cannot back the claim: it lacks the answer (and one of the claim's figures)."""
    if answer_key in search_key(src.doc.text[src.start : src.end]):
        return False
    stated = figures(claim)
    return not stated or not stated <= _source_figures(src)


def _wrong_source(sources: Sequence[Source], gold: Gold, claim: str) -> int | None:
    for src in sources:
        if src.n != gold.source.n and _lacks(src, gold.answer_key, claim):
            return src.n
    return None


def _invented(src: Source, index: int) -> str:
    have = _source_figures(src)
    count = 1000 + 37 * index
    while any(f in have for f in figure_list(f"{count}家")):
        count += 1
    return f"苏州人工智能相关企业数量已达{count}家。"


def _long_answer(sources: Sequence[Source]) -> str | None:
    """Six correct claims, the first whole sentence of each of the first six sources."""
    lines = []
    for src in sources:
        for sent in src.sentences:
            pieces = split_claims(src.doc.text[sent.start : sent.end])
            if len(pieces) == 1 and len(pieces[0][0]) >= MIN_CLAIM_CHARS and not pieces[0][1]:
                lines.append(pieces[0][0] + marker(src.n))
                break
        if len(lines) == LONG_CLAIMS:
            return "\n".join(lines)
    return None


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
    gold = _gold(sources, q["must"], index)
    if gold is None:
        return [], None
    claim = gold.claim
    if q["category"] == "traditional":
        claim = in_script(claim, True)
    n = gold.source.n
    cite = marker(n)
    cases = [Case(q["id"], claim + cite, sources, ("correct",))]
    paraphrase = _paraphrase(q, gold.source) if q["category"] in PARAPHRASED else None
    if paraphrase and not q.get("follows"):
        cases.append(Case(q["id"], paraphrase + cite, sources, ("paraphrase",), q["question"]))
    altered = _altered(claim, gold.source, index)
    if altered:
        cases.append(Case(q["id"], altered + cite, sources, ("altered",), q["question"]))
    wrong = _wrong_source(sources, gold, claim)
    if wrong is not None:
        cases.append(
            Case(q["id"], claim + marker(wrong), sources, ("wrong_source",), q["question"])
        )
    cases.append(Case(q["id"], claim, sources, ("no_source",), q["question"]))
    if other is not None and index % 3 == 0 and _lacks(gold.source, other.answer_key, other.claim):
        mixed = f"{claim}{cite}\n{_invented(gold.source, index)}{cite}\n{other.claim}{cite}"
        cases.append(
            Case(q["id"], mixed, sources, ("correct", "invented", "borrowed"), q["question"])
        )
    long = _long_answer(sources) if index % 2 == 0 else None
    if long:
        cases.append(Case(q["id"], long, sources, ("correct",) * LONG_CLAIMS))
    if names is not None:
        found = _new_kinds(claim, gold.source, index, other, names, gold.sentence.end)
        for text, kind in found:
            cases.append(Case(q["id"], text + cite, sources, (kind,), q["question"]))
    return cases, gold


def build_cases(engine: Any, questions: Sequence[dict[str, Any]]) -> list[Case]:
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


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    return {
        "p50": statistics.median(values),
        "p95": values[int(0.95 * (len(values) - 1))],
        "max": values[-1],
    }


def _score(
    cases: Sequence[Case], min_overlap: float, names: Collection[str] = ()
) -> dict[str, Any]:
    """`names`: the corpus's vocabulary of names, as the product's checker gets it."""
    rows: list[tuple[str, bool]] = []  # (kind, flagged)
    latencies: list[float] = []
    long_latencies: list[float] = []
    span_errors = split_errors = 0
    misses: list[str] = []
    for case in cases:
        started = time.perf_counter()
        claims = check(case.answer, case.sources, min_overlap, case.question, names)
        latencies.append((time.perf_counter() - started) * 1000)
        if len(case.kinds) == LONG_CLAIMS:
            long_latencies.append(latencies[-1])
        if len(claims) != len(case.kinds):
            split_errors += 1
            misses.append(f"{case.question_id} split into {len(claims)}: {case.answer}")
            continue
        for kind, c in zip(case.kinds, claims, strict=True):
            rows.append((kind, not c.verified))
            if (kind in VERIFY) == (not c.verified) and len(misses) < 60:
                misses.append(f"{case.question_id} {kind} {c.reason or 'verified'}: {c.text}")
            cited = [s for s in case.sources if s.n in c.sources]
            for sup in c.support:
                if not any(
                    s.doc is sup.doc and s.start <= sup.start < sup.end <= s.end for s in cited
                ):
                    span_errors += 1
    should = [f for k, f in rows if k not in VERIFY]
    classic = [f for k, f in rows if k in CLASSIC]
    flagged = sum(f for _, f in rows)
    caught = sum(should)
    correct = [f for k, f in rows if k in VERIFY]
    kinds = sorted({k for k, _ in rows} - set(VERIFY))
    latencies.sort()
    long_latencies.sort()
    return {
        "min_overlap": min_overlap,
        "answers": len(cases),
        "claims": len(rows),
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
        "latency_ms": _percentiles(latencies),
        "latency_ms_6_claims": _percentiles(long_latencies),
        "span_errors": span_errors,
        "split_errors": split_errors,
        "misses": misses,
    }


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
    result = _score(cases, MIN_OVERLAP, names)
    result["sweep"] = [
        {k: v for k, v in _score(cases, t, names).items() if k not in ("misses",)} for t in SWEEP
    ]
    result["sources_per_answer"] = statistics.mean(len(c.sources) for c in cases)
    return result


def _print(result: dict[str, Any]) -> None:
    print(
        f"scripted answers {result['answers']}, claims {result['claims']} "
        f"({result['should_flag']} should be flagged), "
        f"{result['sources_per_answer']:.1f} sources per answer, "
        f"min_overlap {result['min_overlap']}"
    )
    print(f"precision of flagging   {result['precision']:.3f}")
    print(f"recall of flagging      {result['recall']:.3f}")
    print(f"  of the first kinds    {result['recall_classic']:.3f}  ({', '.join(CLASSIC)})")
    print(f"false flags on correct  {result['false_flag_rate']:.3f}")
    for kind, rate in result["false_flag_by_kind"].items():
        print(f"  false flags {kind:<10} {rate:.3f}  (n={result['count_by_kind'][kind]})")
    for kind, rate in result["recall_by_kind"].items():
        print(f"  recall {kind:<14} {rate:.3f}  (n={result['count_by_kind'][kind]})")
    for label, field in (("per answer", "latency_ms"), ("6-claim answers", "latency_ms_6_claims")):
        lat = result[field]
        print(
            f"checker latency, {label:<15}  p50 {lat['p50']:.2f} ms  p95 {lat['p95']:.2f} ms"
            f"  max {lat['max']:.2f} ms"
        )
    print(
        f"support spans outside the cited chunk: {result['span_errors']}, "
        f"split mismatches: {result['split_errors']}"
    )
    print("\nmin_overlap  precision  recall  false-flag  (paraphrase)  recall(wrong_source)")
    for row in result["sweep"]:
        wrong = row["recall_by_kind"].get("wrong_source", float("nan"))
        print(
            f"{row['min_overlap']:>11}  {row['precision']:9.3f}  {row['recall']:6.3f}  "
            f"{row['false_flag_rate']:10.3f}  {row['false_flag_by_kind']['paraphrase']:12.3f}"
            f"  {wrong:.3f}"
        )
    if result["misses"]:
        print("\nmisses (first 60):")
        for line in result["misses"]:
            print("  " + line)


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
    _print(result)
    return 0 if result["recall_by_kind"].get("altered", 0.0) == 1.0 else 1


if __name__ == "__main__":
    from rag.errors import RagError

    try:
        sys.exit(main())
    except RagError as exc:  # no index yet, a bad setting: one line, as the CLI prints it
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
