"""One scale run measured, in the fresh child process `bench.scale` starts for it (run as
`python -m bench.scale --child run|model ...`, so peak memory is the run's own): ingest from
empty, again unchanged and again after one document got a sentence more, open the engine, ask
every question; peak RSS of the child and ingest's helper process together, sampled every
50 ms and never below the child's own VmHWM. With e5, another child times the model alone on
what ingest embeds."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from bench.harness import question_rows
from eval.score import percentile
from rag.settings import Settings
from rag.types import Chunk

CHANGE = "\n\n（补记）该市人工智能企业又新增12家。\n"
"""Appended to one document for the one-changed re-ingest."""
Row = dict[str, Any]
T = TypeVar("T")


def _timed(call: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def _rss_kb(pid: int | str) -> int:
    """A process's resident memory now (VmRSS), KB; 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"VmRSS:\s+(\d+)", status)
    return int(found[1]) if found else 0


def _children(pid: int | str) -> list[str]:
    out: list[str] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += (task / "children").read_text().split()
    return out


class PeakMemory:
    """The largest resident memory of this process and its children together (ingest's helper
    process, `rag.ingest.prepare.prepared_groups`), sampled every `every` seconds in a thread."""

    def __init__(self, every: float = 0.05) -> None:
        import threading

        self.peak_kb = 0
        self._stop = threading.Event()
        self._every = every
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            total = _rss_kb("self") + sum(_rss_kb(c) for c in _children("self"))
            self.peak_kb = max(self.peak_kb, total)

    def stop_mb(self) -> float:
        self._stop.set()
        self._thread.join()
        status = Path("/proc/self/status").read_text()
        own = int(re.search(r"VmHWM:\s+(\d+)", status)[1])  # type: ignore[index]
        return max(self.peak_kb, own) / 1024


def sentence_texts(settings: Settings, paths: Sequence[Path]) -> tuple[list[str], list[Chunk]]:
    """What ingest embeds with a semantic embedder (`rag.ingest.prepare.embed_chunks`): every
    distinct sentence of every chunk of each document; and the chunks."""
    from rag.ingest.chunk import chunk_document
    from rag.ingest.readers import read_corpus

    texts: list[str] = []
    chunks: list[Chunk] = []
    for doc in read_corpus(paths)[0]:
        mine = chunk_document(doc, settings.chunk_tokens, settings.chunk_overlap_sentences)
        spans = dict.fromkeys((s.start, s.end) for c in mine for s in c.sentences)
        texts.extend(doc.text[a:b] for a, b in spans)
        chunks.extend(mine)
    return texts, chunks


def measure_run(corpus: Path, questions: Path) -> Row:
    """Ingest (empty, unchanged, one changed), open and ask, in this process (a child)."""
    from rag.pipeline import ask, ingest, open_engine

    memory = PeakMemory()
    settings = Settings()
    planned: list[int] = []  # ingest's own count of the chunks it has to embed
    ingest_s, (report, rejected) = _timed(
        lambda: ingest(settings, [corpus], embedded=lambda done, total: planned.append(total))
    )
    reingest_s, (again, _) = _timed(lambda: ingest(settings, [corpus]))
    changed = sorted(corpus.glob("*.txt"))[0]
    original = changed.read_bytes()
    try:
        changed.write_bytes(original + CHANGE.encode("utf-8"))
        changed_s, (after, _) = _timed(lambda: ingest(settings, [corpus]))
        doc_chunks = len(sentence_texts(settings, [changed])[1])
    finally:
        changed.write_bytes(original)  # the next run (another store) starts from the same corpus
    open_s, engine = _timed(lambda: open_engine(settings))
    asked = [ask(row["question"], settings, engine=engine) for row in question_rows(questions)]
    totals = [answer.timings_ms["total"] for answer in asked]
    return {
        "documents": len(report.added),
        "rejected": len(rejected),
        "chunks": report.chunks_total,
        "planned": planned[-1] if planned else 0,
        "ingest_s": ingest_s,
        "chunks_per_s": report.chunks_written / ingest_s,
        "reingest_s": reingest_s,
        "reingest_embedded": again.embedded,
        "changed_s": changed_s,
        "changed_embedded": after.embedded,
        "changed_doc_chunks": doc_chunks,
        "open_s": open_s,
        "p50_ms": percentile(totals, 50),
        "p95_ms": percentile(totals, 95),
        "rss_mb": memory.stop_mb(),
    }


def measure_model(corpus: Path) -> Row:
    """The model alone (built, then embedding those sentences), in this process (a child)."""
    from rag.retrieve.embed import build_embedder

    settings = Settings()
    texts = sentence_texts(settings, [corpus])[0]
    model_s, _ = _timed(lambda: build_embedder(settings).get_text_embedding_batch(texts))
    return {"model_s": model_s, "model_texts": len(texts)}
