"""The folders are the architecture: each stage imports only the stages before it.

text (pure Chinese-text rules) <- ingest (and the embedders it calls) <- question <- retrieve
<- answer <- pipeline <- cli. `ui/`, `eval/` and `bench/` sit on top: nothing under `rag/` but
the CLI (the entry point that serves the page and runs the eval) imports them."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

BASE = {"clients", "errors", "settings", "types"}
ALLOWED = {
    "text": BASE,
    "ingest": BASE | {"text", "retrieve.embed", "retrieve.hashing"},
    "question": BASE | {"text", "ingest"},
    "retrieve": BASE | {"text", "ingest", "question"},
    "answer": BASE | {"text", "ingest", "question", "retrieve"},
    "testing": BASE | {"text", "ingest", "question", "retrieve", "answer"},
}
TOP = ("ui", "eval", "bench")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _stage_imports() -> dict[Path, set[str]]:
    return {p: _imports(p) for p in sorted((ROOT / "rag").rglob("*.py"))}


def test_no_stage_imports_a_later_one() -> None:
    wrong = []
    for path, names in _stage_imports().items():
        parts = path.relative_to(ROOT / "rag").parts
        stage = parts[0] if len(parts) > 1 else ""
        if stage not in ALLOWED:
            continue
        for name in names:
            if not name.startswith("rag."):
                continue
            target = name.split(".")[1:]
            if target[0] == stage or target[0] in ALLOWED[stage]:
                continue
            if ".".join(target[:2]) in ALLOWED[stage]:
                continue
            wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_only_the_cli_reaches_the_page_the_eval_and_the_benchmarks() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, names in _stage_imports().items()
        for name in names
        if name.split(".")[0] in TOP and path != ROOT / "rag" / "cli.py"
    ]
    assert wrong == []
