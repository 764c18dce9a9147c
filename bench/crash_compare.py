"""What a finished store holds and answers, and the store after `bench.crash`'s kills compared
with the clean reference: lost, duplicated and extra chunk ids (a stale chunk of an old version
counts as extra), served chunk counts, vectors, whether every chunk is found by its own vector,
and the answers (text and citations' doc_id/quote/start/end) to the first answerable questions of
the eval set."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import QUESTIONS, question_rows

N_QUESTIONS = 10


@dataclass(frozen=True)
class Snapshot:
    """What a finished store holds and answers."""

    chunk_ids: list[str]
    """Every id in the chunk collection, as Chroma lists it (served or not)."""
    chunk_keys: list[tuple[str, str, int, int]]
    """(doc_id, doc_sha, start, end) of each chunk, in `chunk_ids` order."""
    served: dict[str, int]
    """doc_id -> chunks retrieval serves (`Store.chunk_counts`)."""
    vectors: dict[str, list[float]]
    unsearchable: list[str]
    """Chunks whose own vector does not find them (absent from the vector index)."""
    answers: list[dict[str, Any]]


@dataclass
class Check:
    """The store after the crashes compared with the clean reference."""

    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    served_differs: dict[str, tuple[int, int]] = field(default_factory=dict)
    vectors_differ: list[str] = field(default_factory=list)
    unsearchable: list[str] = field(default_factory=list)
    answers_identical: int = 0
    answers_total: int = 0
    answer_diffs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.extra
            or self.served_differs
            or self.vectors_differ
            or self.unsearchable
            or self.answer_diffs
        ) and (self.answers_identical == self.answers_total > 0)


def reference_questions(path: Path = QUESTIONS, n: int = N_QUESTIONS) -> list[str]:
    """The first `n` answerable questions of the eval set, by id."""
    rows = sorted((r for r in question_rows(path) if r.get("answerable")), key=lambda r: r["id"])
    return [r["question"] for r in rows[:n]]


def answer_view(answer: dict[str, Any]) -> dict[str, Any]:
    """What must not change: the answer text and each citation's document and quote."""
    return {
        "answer": answer["answer"],
        "answerable": answer["answerable"],
        "citations": [
            {k: c[k] for k in ("n", "doc_id", "quote", "start", "end")} for c in answer["citations"]
        ],
    }


def snapshot(settings: Any, questions: list[str]) -> Snapshot:
    """Open the store (read only) and record what it holds and answers."""
    from rag.ingest.store import Store
    from rag.pipeline import ask, open_engine

    store = Store(settings, create=False)
    got = store.chunks.get(include=["metadatas", "embeddings"])
    ids = list(got["ids"])
    keys = [
        (str(m.get("document_id", "")), str(m.get("doc_sha", "")), int(m["start"]), int(m["end"]))
        for m in got["metadatas"]
    ]
    vectors = {i: [float(x) for x in v] for i, v in zip(ids, got["embeddings"], strict=True)}
    unsearchable = []
    if ids:
        found = store.chunks.query(
            query_embeddings=[vectors[i] for i in ids],
            n_results=min(3, len(ids)),
            include=["distances"],
        )
        for i, near, dist in zip(ids, found["ids"], found["distances"], strict=True):
            if i not in [n for n, d in zip(near, dist, strict=True) if d <= dist[0] + 1e-6]:
                unsearchable.append(i)
    engine = open_engine(settings, store=store)
    answers = [answer_view(ask(q, settings, engine=engine).to_dict()) for q in questions]
    return Snapshot(ids, keys, store.chunk_counts(), vectors, unsearchable, answers)


def compare(reference: Snapshot, got: Snapshot) -> Check:
    """Lost, duplicated and extra chunks, differing counts and vectors, identical answers."""
    check = Check()
    ref_ids, got_ids = set(reference.chunk_ids), set(got.chunk_ids)
    check.lost = sorted(ref_ids - got_ids)
    check.extra = sorted(got_ids - ref_ids)
    seen: set[Any] = set()
    for chunk_id, key in zip(got.chunk_ids, got.chunk_keys, strict=True):
        for mark in (("id", chunk_id), ("key", key)):
            if mark in seen:
                check.duplicated.append(chunk_id)
            seen.add(mark)
    for doc_id in sorted(set(reference.served) | set(got.served)):
        want, have = reference.served.get(doc_id, 0), got.served.get(doc_id, 0)
        if want != have:
            check.served_differs[doc_id] = (want, have)
    check.vectors_differ = sorted(
        i
        for i in ref_ids & got_ids
        if max(abs(a - b) for a, b in zip(reference.vectors[i], got.vectors[i], strict=True)) > 1e-6
    )
    check.unsearchable = list(got.unsearchable)
    check.answers_total = len(reference.answers)
    for n, (want_answer, have_answer) in enumerate(
        zip(reference.answers, got.answers, strict=True), 1
    ):
        if want_answer == have_answer:
            check.answers_identical += 1
        else:
            check.answer_diffs.append(f"question {n}: {want_answer!r} != {have_answer!r}")
    return check
