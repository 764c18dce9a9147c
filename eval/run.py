"""Run the eval: ask every question through the public API once, score, print, write files.

`python -m eval.run [--questions eval/questions.jsonl] [--data-dir DIR] [--out DIR]`
The index must exist (`rag ingest`). Writes `answers.jsonl` (one scored row per question, with the
full answer dict) and `summary.json` to --out. Thin on purpose: the metrics live in eval/score.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from pathlib import Path
from typing import Any

from eval.score import score_row, summarize
from rag.api import ask, document_text, open_engine
from rag.errors import RagError
from rag.settings import Settings

DEFAULT_QUESTIONS = Path(__file__).with_name("questions.jsonl")
METRICS = [
    ("fact accuracy", "fact_accuracy"),
    ("quotes verbatim", "quotes_verbatim"),
    ("gold source cited", "gold_cited"),
    ("unanswerable refused", "unanswerable_refused"),
    ("answerable wrongly refused", "answerable_wrongly_refused"),
]


def load_questions(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


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
        print(f"{label:<28}{_pct(overall[field])}")
    print(
        f"{'latency p50 / p95 ms':<28}{_ms(overall['latency_p50_ms'])} / "
        f"{_ms(overall['latency_p95_ms'])}"
    )
    print()
    heads = ["fact", "quotes", "gold", "refused", "wrong-ref", "p50ms", "p95ms"]
    print(f"{'category':<14}{'n':>4}" + "".join(f"{h:>10}" for h in heads))
    for category, m in summary["by_category"].items():
        cells = [_pct(m[field]) for _, field in METRICS]
        cells += [_ms(m["latency_p50_ms"]), _ms(m["latency_p95_ms"])]
        print(f"{category:<14}{m['n']:>4}" + "".join(f"{c:>10}" for c in cells))


def ask_one(
    q: dict[str, Any], settings: Settings, engine: Any, texts: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
    """Ask one question; return its scored row, the answer dict (None on error) and the error."""
    started = time.perf_counter()
    try:
        ans: dict[str, Any] | None = ask(q["question"], settings, engine=engine).to_dict()
        error = ""
    except RagError as exc:  # one failed question must not stop the run
        ans, error = None, str(exc)
    latency = (time.perf_counter() - started) * 1000
    for doc_id in {c["doc_id"] for c in (ans or {}).get("citations", [])} - texts.keys():
        # An unknown document stays out of `texts`: its quotes score as not verbatim.
        with contextlib.suppress(RagError):
            texts[doc_id] = document_text(doc_id, settings, engine=engine)
    return score_row(q, ans, texts, latency), ans, error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.run", description=__doc__)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None, help="index directory")
    parser.add_argument("--out", type=Path, default=Path("eval/out"))
    args = parser.parse_args(argv)

    settings = Settings(data_dir=args.data_dir) if args.data_dir else Settings()
    engine = open_engine(settings)
    texts: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    index: dict[str, Any] | None = None
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "answers.jsonl").open("w", encoding="utf-8") as out:
        for q in load_questions(args.questions):
            row, ans, error = ask_one(q, settings, engine, texts)
            rows.append(row)
            index = index or (ans or {}).get("index")
            record = row | {"question": q["question"], "answer": ans, "error_message": error}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

    summary = summarize(rows) | {"index": index, "questions": str(args.questions)}
    (args.out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print_summary(summary)
    print(f"\nwrote {args.out / 'answers.jsonl'} and {args.out / 'summary.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
