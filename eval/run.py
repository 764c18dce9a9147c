"""Run the eval: ask every question through the public API once, score, print, write files.

`rag eval [--questions FILE] [--data-dir DIR] [--mode extractive|llm] [--out DIR]`
(also `python -m eval.run`). Works on any index and question file in the same format. The index
must exist (`rag ingest`); `rag eval --corpus DIR [--removed N]` evaluates an outside corpus in
its own temporary index instead (eval/corpus.py). A question with `follows` is asked after the
question it names, as a chat would (`ask(..., history=[that question])`). Writes to --out:
`answers.jsonl` (one row per question: the answer with its citations and retrieved hits, and
every verdict), `summary.json` (metrics overall and per category, stamped with the index id and
settings hash) and `report.md` with `scores.png` (scores by category, then every failure). Thin
on purpose: the metrics live in eval/score.py, the report in eval/report.py.
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
DEFAULT_OUT = Path("eval/out")
DEFAULT_REMOVED = 40
"""Removed-gold questions per corpus run: enough to measure refusal, cheap to ask."""
# = rag.pipeline.MODE_EXTRACTIVE; rag.pipeline loads late (CLI start-up)
MODE_EXTRACTIVE = "extractive"
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
    from rag.pipeline import ask, document_text

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


def eval_settings(settings: Settings, mode: str) -> Settings:
    """`settings` for an eval in `mode`: extractive ignores any configured model; llm needs one."""
    if mode == MODE_EXTRACTIVE:  # whatever model is configured: the offline answerer
        return settings.model_copy(update={"llm_model": ""})
    if not settings.llm_configured:
        raise UserError(
            "--mode llm needs a chat model: set RAG_LLM_MODEL and RAG_LLM_BASE_URL"
            " (and RAG_LLM_API_KEY), see the README"
        )
    return settings


def ask_all(
    questions: list[dict[str, Any]], settings: Settings, engine: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ask every question in order (a `follows` question after the one it names); return the
    scored rows and the records written to answers.jsonl (row, question, answer, error)."""
    asked = {q["id"]: q["question"] for q in questions}
    texts: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for q in questions:
        history = [asked[q["follows"]]] if q.get("follows") in asked else []
        row, ans, error = ask_one(q, settings, engine, texts, history)
        rows.append(row)
        records.append(
            row
            | {"question": q["question"], "must": q.get("must", []), "history": history}
            | {"answer": ans, "error_message": error}
        )
    return rows, records


def index_of(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The index identity the answers were stamped with (None when every question failed)."""
    return next((r["answer"]["index"] for r in records if r["answer"]), None)


def write_outputs(
    summary: dict[str, Any],
    records: list[dict[str, Any]],
    out: Path,
    gates: dict[str, float] | None = None,
) -> None:
    """answers.jsonl, summary.json, report.md and scores.png into `out`; print the summary.
    `gates`: the report's gate column (default: eval/thresholds.json)."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "answers.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    write_report(summary, records, out, gates)
    print_summary(summary)
    print(f"\nwrote {out}/answers.jsonl, summary.json, report.md, scores.png")


def run(args: argparse.Namespace) -> int:
    if args.corpus is not None:  # an outside corpus: its own temporary index (eval/corpus.py)
        from eval.corpus import run_corpus

        out = args.out or DEFAULT_OUT / args.corpus.name
        return run_corpus(args.corpus, out, removed=args.removed, mode=args.mode)
    from rag.pipeline import open_engine

    settings = Settings(data_dir=args.data_dir) if args.data_dir else Settings()
    settings = eval_settings(settings, args.mode)
    questions = load_questions(args.questions)
    rows, records = ask_all(questions, settings, open_engine(settings))
    summary = summarize(rows) | {
        "index": index_of(records),
        "settings_hash": settings.settings_hash(),
        "mode": args.mode,
        "questions": str(args.questions),
    }
    write_outputs(summary, records, args.out or DEFAULT_OUT)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSONL file")
    parser.add_argument("--data-dir", type=Path, default=None, help="index directory")
    parser.add_argument("--mode", choices=MODES, default=MODE_EXTRACTIVE)
    parser.add_argument(
        "--out", type=Path, default=None, help="output directory (default eval/out[/CORPUS])"
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=None,
        metavar="DIR",
        help="eval on an outside corpus (DIR/docs/*.txt, DIR/questions.jsonl) in a temporary"
        " index; --questions and --data-dir are ignored then",
    )
    parser.add_argument(
        "--removed",
        type=int,
        default=DEFAULT_REMOVED,
        metavar="N",
        help=f"with --corpus: ask up to N answerable questions again with their gold documents"
        f" removed; they must be refused (default {DEFAULT_REMOVED})",
    )
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
