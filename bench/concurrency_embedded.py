"""The concurrency benchmark on the embedded store: one writer only. While a child holds the
writer lock mid-ingest (`concurrency_child._hold`), second writers are tried: `rag ingest` as a
child process (timed from start to exit, and from after its imports), and in this process
`add_files`, `ingest` and `delete_document`; what each was told, and what the store holds
afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.concurrency_child import CHILD_SECONDS, expect, start_role
from bench.concurrency_docs import write_docs
from bench.harness import ROOT, SEEDS, child_env
from rag.settings import Settings


@dataclass(frozen=True)
class Refusal:
    """One attempt of a second writer while the lock was held."""

    writer: str
    """`CLI` (`rag ingest` as a person types it, a child process), `CLI_QUIET` (with --quiet,
    timed from after its imports) or the in-process call: add_files, ingest, delete_document."""
    seconds: float
    """Start to refusal (the child: start to exit, interpreter and imports included, unless
    timed after imports)."""
    exit_code: int | None
    """The child's exit code; None in-process."""
    lines: tuple[str, ...]
    """What a person sees: the child's stderr lines; in-process `error: <message>`, or nothing
    when the call was not refused."""


@dataclass
class EmbeddedReport:
    holder_pid: int
    refusals: list[Refusal]
    expected_ids: list[str]
    """Documents that must be stored afterwards: the holder's (the seeds)."""
    stored_ids: list[str]
    uploads: list[str]
    """File names in the uploads folder afterwards."""
    refused_files: list[str]
    chunks_in_table: int
    """Sum of the documents' served chunks; equals `chunks_in_store` when nothing stray is left."""
    chunks_in_store: int
    holder: dict[str, Any]
    """What the holder added (its JSON line) once it was let go."""
    deleted: str
    """The document the refused `delete_document` asked for: the one the holder had written."""


CLI, CLI_QUIET = "rag ingest", "rag ingest --quiet, timed after its imports"
# `rag ingest` as `python -m rag` runs it, but timed from after the imports (`rag.pipeline` is what
# `cmd_ingest` imports first): the refusal itself, without the interpreter's start-up.
_AFTER_IMPORTS = """import sys, time
import rag.pipeline, tqdm
from rag.cli import main
started = time.perf_counter()
code = main(sys.argv[1:])
print(time.perf_counter() - started)
sys.exit(code)
"""


def _rag_child(writer: str, args: Sequence[str], data_dir: Path, after_imports: bool) -> Refusal:
    """`rag ARGS` in a child; its time from start to exit, or from after its imports."""
    command = ["-c", _AFTER_IMPORTS] if after_imports else ["-m", "rag"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *command, *args],
        cwd=ROOT,
        env=child_env(RAG_DATA_DIR=str(data_dir), RAG_SEEDS_DIR=str(SEEDS)),
        stdin=subprocess.DEVNULL,
        capture_output=True,  # bytes: text mode would turn a progress bar's \r into lines
        timeout=CHILD_SECONDS,
    )
    seconds = time.perf_counter() - started
    if after_imports:
        seconds = float(done.stdout.split()[-1])
    stderr = done.stderr.decode("utf-8", "replace")
    shown = (line.rsplit("\r", 1)[-1] for line in stderr.split("\n"))  # as a terminal shows
    lines = tuple(line for line in shown if line.strip())
    return Refusal(writer, seconds, done.returncode, lines)


def _in_process(writer: str, call: Callable[[], Any]) -> Refusal:
    from rag.errors import RagError

    started = time.perf_counter()
    try:
        call()
        lines: tuple[str, ...] = ()
    except RagError as exc:
        lines = (f"error: {exc}",)
    return Refusal(writer, time.perf_counter() - started, None, lines)


def embedded_refusals(work: Path, trials: int = 5) -> EmbeddedReport:
    """Second writers against a store whose lock a child holds mid-ingest (see the module)."""
    from rag.pipeline import (
        add_files,
        delete_document,
        documents_table,
        ingest,
        open_engine,
        uploads_dir,
    )

    settings = Settings(data_dir=work / "data", seeds_dir=SEEDS)
    seed_ids = sorted(p.stem for p in SEEDS.glob("*.txt"))
    refused = write_docs(work / "refused", "refused", 2)
    holder = start_role("_hold", [settings.data_dir])
    refusals: list[Refusal] = []
    paths = [d.path for d in refused]
    try:
        _, pid_text, written = expect(holder, "holding").split()
        pid = int(pid_text)
        for _ in range(trials):
            args = ["ingest", str(work / "refused")]
            refusals.append(_rag_child(CLI, args, settings.data_dir, False))
            refusals.append(_rag_child(CLI_QUIET, [*args, "--quiet"], settings.data_dir, True))
            refusals += [
                _in_process("add_files", lambda: add_files(paths, settings)),
                _in_process("ingest", lambda: ingest(settings, [work / "refused"])),
                # the document the holder has written: it is there to delete
                _in_process("delete_document", lambda: delete_document(written, settings)),
            ]
    finally:
        out, err = holder.communicate("go\n", timeout=CHILD_SECONDS)
    if holder.returncode:
        raise RuntimeError(f"the lock holder failed: {err[-2000:]}")
    table = documents_table(settings)
    uploads = uploads_dir(settings)
    return EmbeddedReport(
        holder_pid=pid,
        refusals=refusals,
        expected_ids=seed_ids,
        stored_ids=sorted(row["doc_id"] for row in table),
        uploads=sorted(p.name for p in uploads.iterdir()) if uploads.is_dir() else [],
        refused_files=[d.path.name for d in refused],
        chunks_in_table=sum(row["chunks"] for row in table),
        chunks_in_store=int(open_engine(settings).index_info["chunks"]),
        holder=json.loads(out),
        deleted=written,
    )
