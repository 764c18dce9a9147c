"""Run the eval: ask every question through the public API once, score, print, write files.

`rag eval [--questions FILE] [--data-dir DIR] [--mode extractive|llm] [--out DIR]`
(also `python -m eval.run`). Works on any index and question file in the same format. The index
must exist (`rag ingest`). A question with `follows` is asked after the question it names, as a
chat would (`ask(..., history=[that question])`). Writes to --out: `answers.jsonl` (one row per
question: the answer with its citations and retrieved hits, and every verdict), `summary.json`
(metrics overall and per category, stamped with the index id and settings hash) and `report.md`
with `scores.png` (scores by category, then every failure). Thin on purpose: the metrics live in
eval/score.py, the report in eval/report.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from eval.report import write_report
from eval.score import score_row, summarize
from rag.errors import RagError, UserError
from rag.settings import Settings

DEFAULT_QUESTIONS = Path(__file__).with_name("questions.jsonl")
MODE_EXTRACTIVE = "extractive"  # = rag.api.MODE_EXTRACTIVE; rag.api loads late (CLI start-up)
MODES = (MODE_EXTRACTIVE, "llm")
METRICS = [
    ("fact accuracy", "fact_accuracy"),
    ("citation validity (verbatim)", "quotes_verbatim"),
    ("citation support", "citation_support"),
    ("gold source cited", "gold_cited"),
    ("refusal recall (unanswerable)", "unanswerable_refused"),
    ("refusal precision", "refusal_precision"),
    ("answerable wrongly refused", "answerable_wrongly_refused"),
    ("script fidelity", "script_fidelity"),
    ("retrieval hit@1", "hit_at_1"),
    ("retrieval hit@5", "hit_at_5"),
    ("retrieval hit@8", "hit_at_8"),
    ("retrieval MRR", "mrr"),
    ("claims verified", "claims_verified"),
    ("fell back to extractive", "fell_back"),
]
COLUMNS = [
    ("fact", "fact_accuracy"),
    ("support", "citation_support"),
    ("gold", "gold_cited"),
    ("refused", "unanswerable_refused"),
    ("wrong-ref", "answerable_wrongly_refused"),
    ("script", "script_fidelity"),
    ("hit@5", "hit_at_5"),
]


def load_questions(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"cannot read questions file {path}: {exc.strerror}") from None
    rows = []
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}:{n}: not a JSON object ({exc.msg})") from None
    return rows


def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def print_summary(summary: dict[str, Any]) -> None:
    overall = summary["overall"]
    print(
        f"questions: {overall['n']} ({overall['n_answerable']} answerable, "
        f"{overall['n_unanswerable']} unanswerable, {overall['errors']} errors)"
    )
    for label, field in METRICS:
        print(f"{label:<30}{_pct(overall[field])}")
    print(
        f"{'latency p50 / p95 ms':<30}{_ms(overall['latency_p50_ms'])} / "
        f"{_ms(overall['latency_p95_ms'])}"
    )
    print()
    print(f"{'category':<14}{'n':>4}" + "".join(f"{h:>10}" for h, _ in COLUMNS) + f"{'p95ms':>8}")
    for category, m in summary["by_category"].items():
        cells = "".join(f"{_pct(m[field]):>10}" for _, field in COLUMNS)
        print(f"{category:<14}{m['n']:>4}{cells}{_ms(m['latency_p95_ms']):>8}")


def ask_one(
    q: dict[str, Any],
    settings: Settings,
    engine: Any,
    texts: dict[str, str],
    history: list[str],
) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
    """Ask one question; return its scored row, the answer dict (None on error) and the error."""
    from rag.api import ask, document_text

    started = time.perf_counter()
    try:
        ans: dict[str, Any] | None = ask(
            q["question"], settings, engine=engine, history=history
        ).to_dict(hits=True)
        error = ""
    except RagError as exc:  # one failed question must not stop the run
        ans, error = None, str(exc)
    latency = (time.perf_counter() - started) * 1000
    cited = {c["doc_id"] for c in (ans or {}).get("citations", [])}
    hit = {h["doc_id"] for h in (ans or {}).get("hits", [])}
    for doc_id in (cited | hit) - texts.keys():
        # An unknown document stays out of `texts`: its quotes score as not verbatim.
        with contextlib.suppress(RagError):
            texts[doc_id] = document_text(doc_id, settings, engine=engine)
    return score_row(q, ans, texts, latency), ans, error


def run(args: argparse.Namespace) -> int:
    from rag.api import open_engine

    settings = Settings(data_dir=args.data_dir) if args.data_dir else Settings()
    if args.mode == MODE_EXTRACTIVE:  # whatever model is configured: the offline answerer
        settings = settings.model_copy(update={"llm_model": ""})
    elif not settings.llm_configured:
        raise UserError(
            "--mode llm needs a chat model: set RAG_LLM_MODEL and RAG_LLM_BASE_URL"
            " (and RAG_LLM_API_KEY), see the README"
        )
    questions = load_questions(args.questions)
    engine = open_engine(settings)
    asked = {q["id"]: q["question"] for q in questions}
    texts: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    index: dict[str, Any] | None = None
    for q in questions:
        history = [asked[q["follows"]]] if q.get("follows") in asked else []
        row, ans, error = ask_one(q, settings, engine, texts, history)
        rows.append(row)
        index = index or (ans or {}).get("index")
        records.append(
            row
            | {"question": q["question"], "must": q.get("must", []), "history": history}
            | {"answer": ans, "error_message": error}
        )

    summary = summarize(rows) | {
        "index": index,
        "settings_hash": settings.settings_hash(),
        "mode": args.mode,
        "questions": str(args.questions),
    }
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with (out / "answers.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    write_report(summary, records, out)
    print_summary(summary)
    print(f"\nwrote {out}/answers.jsonl, summary.json, report.md, scores.png")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSONL file")
    parser.add_argument("--data-dir", type=Path, default=None, help="index directory")
    parser.add_argument("--mode", choices=MODES, default=MODE_EXTRACTIVE)
    parser.add_argument("--out", type=Path, default=Path("eval/out"), help="output directory")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.run", description=__doc__)
    args = add_arguments(parser).parse_args(argv)
    try:
        return run(args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
