"""Corpus eval: `rag eval --corpus DIR [--removed N]`, the eval on a corpus nobody here wrote.

DIR holds `docs/*.txt` (the file stem is the document id), `questions.jsonl` and optionally
`unanswerable.jsonl` (format: eval/corpora/README.md). The documents go into a temporary embedded
index with the current settings (never a real index, whatever `RAG_CHROMA_HOST` says), every
question is asked through `rag.pipeline.ask` and scored by eval/score.py with the seed eval's
metrics:
`answer_groups` -> `must`, `doc_ids` -> `docs`, withheld facts -> `tempting`. score.py's `key`
(Traditional->Simplified, lower case, no whitespace) is the corpus README's matching rule, plus
NFKC, which only merges full- and half-width forms of a character.

Outside corpora have few or no unanswerable questions, so refusal is calibrated by removal
(`removed-gold`): a sample of the answerable questions (by a hash of the id: every run and machine
picks the same ones) loses its gold documents, through `rag.pipeline.delete_document`, and is asked
again; each must now be refused. An unanswerable question counts as refused only when the refusal
states none of its withheld facts (the README's "handled"). Trade-off: a question is only sampled
when the documents left do not still hold its answer (`answer_also_in`, or every group found in
what remains, on the same key). That check is substring containment like the scoring, so short
answers (`8`, `美国`) are rarely sampled and the sample leans to specific answers.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.report import read_gates
from eval.run import (
    DEFAULT_OUT,
    DEFAULT_REMOVED,
    MODE_EXTRACTIVE,
    MODES,
    ask_all,
    eval_settings,
    index_of,
    load_questions,
    write_outputs,
)
from eval.score import key, summarize
from rag.errors import RagError, UserError
from rag.settings import Settings

SHIPPED = Path(__file__).with_name("corpora")
"""The corpora shipped with the project; their gates are in `SHIPPED / "thresholds.json"`."""
ANSWERABLE = "answerable"
UNSTATED = "answerable-unstated"
"""An answerable question of which some part is not stated by its passages (`stated.jsonl`):
scored like the others, reported apart."""
UNANSWERABLE = "unanswerable"
REMOVED_GOLD = "removed-gold"

Row = dict[str, Any]


def answerable_row(raw: Mapping[str, Any]) -> Row:
    """A corpus question -> an eval row: every group of `answer_groups` must be in the answer."""
    return {
        "id": raw["id"],
        "question": raw["question"],
        "category": ANSWERABLE,
        "must": [list(group) for group in raw["answer_groups"]],
        "docs": list(raw["doc_ids"]),
        "answerable": True,
        "answer_also_in": list(raw.get("answer_also_in") or []),
        "answer_also_in_truncated": bool(raw.get("answer_also_in_truncated")),
    }


def unanswerable_row(raw: Mapping[str, Any]) -> Row:
    """A corpus `expected: refuse` question -> an eval row whose withheld facts are `tempting`."""
    return {
        "id": raw["id"],
        "question": raw["question"],
        "category": UNANSWERABLE,
        "must": [],
        "docs": [],
        "answerable": False,
        "tempting": [alt for group in raw.get("withheld_answer_groups", []) for alt in group],
        "distractor_doc_ids": list(raw.get("distractor_doc_ids", [])),
    }


def removed_row(q: Mapping[str, Any]) -> Row:
    """An answerable eval row asked again once its gold documents are gone: must be refused,
    and its answer groups are now facts it must not state."""
    return {
        "id": f"{q['id']}@removed",
        "question": q["question"],
        "category": REMOVED_GOLD,
        "must": [],
        "docs": [],
        "answerable": False,
        "tempting": [alt for group in q["must"] for alt in group],
        "removed_doc_ids": list(q["docs"]),
    }


def corpus_rows(folder: Path) -> tuple[list[Row], list[Row]]:
    """The answerable and the unanswerable eval rows of a corpus folder."""
    if not (folder / "docs").is_dir() or not (folder / "questions.jsonl").is_file():
        raise UserError(
            f"{folder} is not a corpus: it needs docs/*.txt and questions.jsonl"
            " (see eval/corpora/README.md)"
        )
    extra = folder / "unanswerable.jsonl"
    raws = load_questions(folder / "questions.jsonl")
    raws += load_questions(extra) if extra.is_file() else []
    try:
        answerable = [answerable_row(r) for r in raws if r.get("expected") != "refuse"]
        unanswerable = [unanswerable_row(r) for r in raws if r.get("expected") == "refuse"]
    except KeyError as exc:
        raise UserError(f"{folder}: a question lacks the field {exc}; see the format") from None
    unstated = _unstated(folder / "stated.jsonl")
    for row in answerable:
        if row["id"] in unstated:
            row["category"] = UNSTATED
    return answerable, unanswerable


def _unstated(path: Path) -> set[str]:
    """Ids of the questions a part of whose answer their passages do not state (a judgement
    per part, `"stated": false`, with the reason), from an optional `stated.jsonl`."""
    if not path.is_file():
        return set()
    try:
        return {r["id"] for r in load_questions(path) if not all(p["stated"] for p in r["parts"])}
    except (KeyError, TypeError) as exc:
        raise UserError(f"{path}: a line lacks the field {exc}; see the format") from None


def stable_rank(question_id: str) -> str:
    """The sampling order: a hash of the id, the same on every run, machine and Python."""
    return hashlib.sha256(question_id.encode("utf-8")).hexdigest()


def answered_by(must: Sequence[Sequence[str]], keys: Sequence[str]) -> bool:
    """Every group has an alternative in some of these document keys (documents combined, as
    an answer may quote several)."""
    return all(any(key(alt) in k for alt in group for k in keys) for group in must)


def removal_sample(
    questions: Sequence[Mapping[str, Any]], texts: Mapping[str, str], limit: int
) -> list[Mapping[str, Any]]:
    """Up to `limit` answerable rows, in `stable_rank` order, whose answer is gone once the gold
    documents of all of them are removed from `texts` (doc id -> text). Skipped: rows whose
    answer is recorded elsewhere (`answer_also_in`) and rows whose every group is still in the
    documents left. Greedy is sound: removing more documents only takes facts away."""
    keys = {doc_id: key(text) for doc_id, text in texts.items()}
    removed: set[str] = set()
    picked: list[Mapping[str, Any]] = []
    for q in sorted(questions, key=lambda q: stable_rank(q["id"])):
        if len(picked) >= limit:
            break
        if q.get("answer_also_in") or q.get("answer_also_in_truncated"):
            continue
        gone = removed | set(q["docs"])
        if answered_by(q["must"], [k for d, k in keys.items() if d not in gone]):
            continue
        picked.append(q)
        removed = gone
    return picked


def leaked(q: Mapping[str, Any], ans: Mapping[str, Any] | None) -> bool:
    """The answer states one of the question's withheld (`tempting`) facts."""
    said = key((ans or {}).get("answer") or "")
    return any(key(t) in said for t in q.get("tempting", []))


def mark_leaks(questions: Sequence[Row], rows: list[Row], records: list[Row]) -> None:
    """Mark `withheld_leaked` on every row; a refusal that states a withheld fact is not
    counted as refused."""
    for q, row, record in zip(questions, rows, records, strict=True):
        hit = not q["answerable"] and leaked(q, record["answer"])
        row["withheld_leaked"] = record["withheld_leaked"] = hit
        if hit:
            row["refused"] = record["refused"] = False


def _ask(questions: list[Row], settings: Settings) -> tuple[list[Row], list[Row], float]:
    """Open the index as it is now, ask, mark leaks; also the seconds it took."""
    from rag.pipeline import open_engine

    started = time.perf_counter()
    rows, records = ask_all(questions, settings, open_engine(settings)) if questions else ([], [])
    mark_leaks(questions, rows, records)
    return rows, records, round(time.perf_counter() - started, 1)


def _evaluate(
    folder: Path, settings: Settings, questions: list[Row], removed: int
) -> tuple[list[Row], list[Row], dict[str, Any]]:
    """Ingest into `settings`' (empty) index, ask, remove the sample's gold documents, ask the
    sample again; the scored rows, their records and what the summary says about the run."""
    from rag.pipeline import delete_document, ingest, list_documents

    started = time.perf_counter()
    report, rejected = ingest(settings, [folder / "docs"])
    print(f"{folder.name}: {report.summary()}; {len(rejected)} rejected", file=sys.stderr)
    runtime = {"ingest": round(time.perf_counter() - started, 1)}
    rows, records, runtime["ask"] = _ask(questions, settings)
    texts = {d.doc_id: d.text for d in list_documents(settings)}
    sample = removal_sample([q for q in questions if q["answerable"]], texts, max(0, removed))
    gone = sorted({d for q in sample for d in q["docs"]} & texts.keys())
    started = time.perf_counter()
    for doc_id in gone:
        delete_document(doc_id, settings)  # the writer lock and deletion the 知识库 tab uses
    runtime["remove"] = round(time.perf_counter() - started, 1)
    more, more_records, runtime["ask_removed"] = _ask([removed_row(q) for q in sample], settings)
    facts = {
        "documents": {
            "ingested": len(texts),
            "rejected": [f"{r.path}: {r.reason}" for r in rejected],
        },
        "removed_gold": {"asked": len(sample), "requested": removed, "documents": len(gone)},
        "runtime_s": runtime,
    }
    return rows + more, records + more_records, facts


def run_corpus(
    folder: Path, out: Path, removed: int = DEFAULT_REMOVED, mode: str = MODE_EXTRACTIVE
) -> int:
    """Evaluate the corpus in `folder` in a temporary index; write the outputs to `out`."""
    answerable, unanswerable = corpus_rows(folder)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rag-corpus-", ignore_cleanup_errors=True) as tmp:
        base = Settings().model_copy(update={"data_dir": Path(tmp), "chroma_host": ""})
        settings = eval_settings(base, mode)
        rows, records, facts = _evaluate(folder, settings, answerable + unanswerable, removed)
    facts["runtime_s"]["total"] = round(time.perf_counter() - started, 1)
    summary = summarize(rows) | {
        "index": index_of(records),
        "settings_hash": settings.settings_hash(),
        "mode": mode,
        "corpus": str(folder),
        "withheld_leaked": sum(bool(r.get("withheld_leaked")) for r in rows),
        **facts,
    }
    write_outputs(summary, records, out, _gates(folder))
    print(f"runtime {facts['runtime_s']['total']:.1f} s {facts['runtime_s']}")
    return 0


def _gates(folder: Path) -> dict[str, float]:
    """The report's gate column: a shipped corpus's thresholds; none for another corpus."""
    shipped = folder.resolve().parent == SHIPPED.resolve()
    return read_gates(SHIPPED / "thresholds.json", folder.resolve().name) if shipped else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.corpus", description=__doc__)
    parser.add_argument("corpus", type=Path, metavar="DIR", help="corpus folder")
    parser.add_argument("--removed", type=int, default=DEFAULT_REMOVED, metavar="N")
    parser.add_argument("--mode", choices=MODES, default=MODE_EXTRACTIVE)
    parser.add_argument("--out", type=Path, default=None, help="default eval/out/<DIR name>")
    args = parser.parse_args(argv)
    try:
        out = args.out or DEFAULT_OUT / args.corpus.name
        return run_corpus(args.corpus, out, args.removed, args.mode)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
