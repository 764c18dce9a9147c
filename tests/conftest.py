"""Shared fixtures: the seeds, one ingested index per session, and the real CLI as a subprocess.

The seeds are ingested once per session (about 3 s) into a temporary data dir through the public
API; tests that only read share it. Tests that write (incremental ingest, bad files, a Chroma
server) build their own store. The CLI always runs as `python -m rag` in a child process with a
clean `RAG_*` environment, so what is tested is what a person types.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bench.harness import clean_env, free_port

ROOT = Path(__file__).resolve().parents[1]
__all__ = ["free_port"]  # the tests' free port is the benchmarks'
SEEDS = ROOT / "seeds"
SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))
ANSWER_KEYS = {
    "question",
    "answer",
    "answerable",
    "mode",
    "citations",
    "index",
    "timings_ms",
    "claims",
    "short",
}
"""Keys of `rag ask --json` (`Answer.to_dict()`)."""
CITATION_KEYS = {"n", "doc_id", "title", "date", "quote", "start", "end"}
"""Keys every citation of `rag ask --json` carries at least."""
TEST_EMBEDDER = "hashed"
"""The embedder of every test that does not name one: the model's own tests set `e5`."""
CLI_TIMEOUT = 120  # seconds; one CLI call takes about 4 s on 2 cores

# The first call of a stage loads jieba / tiktoken / OpenCC: no per-example deadline.
# `HYPOTHESIS_PROFILE=thorough` searches longer (minutes) before a release.
hypothesis_settings.register_profile(
    "rag", deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile(
    "thorough", parent=hypothesis_settings.get_profile("rag"), max_examples=2000
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "rag"))


# ---------------------------------------------------------------- Chinese text for property tests

HAN_SIMPLIFIED = "苏州人工智能产业发展规模企业创新国际算力模型数据平台建设营收亿元"
HAN_TRADITIONAL = "蘇州產業發展規模創新國際算力模型數據平臺建設營收億元鏈書"
PUNCTUATION = list("。，、；：！？“”《》（）()…,.")
GLOSSES = ["(chǎn)", "(yè)", "（zhì）", "(sū)", "(guó)", "(lǜ)"]
REAL_PARENTHESES = ["(AI)", "(2021)", "(10W以上)", "(国科)", "（一）"]
HEADINGS = ["一、", "（二）", "1. ", "三是", "【摘要】", "第一章"]


def han_run(min_size: int = 1, max_size: int = 30) -> st.SearchStrategy[str]:
    return st.text(alphabet=HAN_SIMPLIFIED + HAN_TRADITIONAL, min_size=min_size, max_size=max_size)


def chinese_text(max_pieces: int = 40, glosses: bool = True) -> st.SearchStrategy[str]:
    """Text mixing Simplified and Traditional runs, punctuation, line breaks, headings, numbers,
    Latin words, real parentheses and (when `glosses`) pinyin glosses right after a character."""
    pieces = [
        han_run(),
        st.sampled_from(PUNCTUATION),
        st.sampled_from(["\n", "\n\n", "\n \n", " ", "  ", "\u3000\u3000", "\r\n"]),
        st.sampled_from(REAL_PARENTHESES + HEADINGS + ["2024年", "5.6%", "GDP", "AI ", "2300"]),
        han_run(1, 8).map(lambda w: f"**{w}**"),
    ]
    if glosses:
        pieces.append(st.tuples(han_run(1, 1), st.sampled_from(GLOSSES)).map("".join))
    return st.lists(st.one_of(*pieces), max_size=max_pieces).map("".join)


# ------------------------------------------------------------------------------- the seeds, once


def make_settings(data_dir: Path, **overrides: Any):
    """Settings for a test store: the environment's `RAG_*` variables are removed by
    `_clean_rag_environment`, so only what a test passes counts."""
    from rag.settings import Settings

    return Settings(data_dir=data_dir, seeds_dir=SEEDS, **overrides)


@pytest.fixture(scope="session", autouse=True)
def _clean_rag_environment() -> Iterator[None]:
    """A developer's RAG_* variables (a Chroma host, another budget) must not leak into tests."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("RAG_", "OPENAI_")):  # OPENAI_*: the LLM settings' fallbacks
                mp.delenv(name)
        mp.setenv("ANONYMIZED_TELEMETRY", "False")
        # most tests run on the fast hashed embedder; those about the model ask for `e5`
        mp.setenv("RAG_EMBEDDER", TEST_EMBEDDER)
        yield


@pytest.fixture(scope="session")
def seed_docs() -> dict[str, Any]:
    """The seeds as cleaned `SourceDoc`s, by id (read from disk, no index)."""
    from rag.ingest.readers import read_corpus

    docs, rejected = read_corpus([SEEDS])
    assert not rejected, rejected
    return {d.doc_id: d for d in docs}


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory):
    """Settings of an embedded store holding the five seeds, ingested once per session."""
    from rag.pipeline import ingest

    settings = make_settings(tmp_path_factory.mktemp("seed-index") / "data")
    report, rejected = ingest(settings)
    assert sorted(report.added) == SEED_IDS and not rejected
    return settings


@pytest.fixture(scope="session")
def seed_engine(seed_index):
    """The seed index opened once (documents, BM25, fused retriever, extractive answerer)."""
    from rag.pipeline import open_engine

    return open_engine(seed_index)


# ------------------------------------------------------------------------------ the CLI, for real


def rag_env(data_dir: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a CLI child: no inherited RAG_*, an explicit data dir."""
    env = clean_env(RAG_EMBEDDER=TEST_EMBEDDER)
    if data_dir is not None:
        env["RAG_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def start_rag(
    args: Sequence[str],
    data_dir: Path | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start `python -m rag ARGS`; finish it with `finish`. Bytes, not text mode: text mode would
    turn a progress bar's carriage returns into extra lines."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag", *args],
        cwd=ROOT,
        env=env if env is not None else rag_env(data_dir),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc._rag_stdin = None if stdin is None else stdin.encode("utf-8")  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen[bytes]) -> subprocess.CompletedProcess[str]:
    """Wait for a started call; its output decoded as UTF-8 (undecodable bytes fail the test)."""
    try:
        out, err = proc.communicate(getattr(proc, "_rag_stdin", None), timeout=CLI_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"{proc.args!r} did not finish in {CLI_TIMEOUT} s: {err[-2000:]!r}")
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, out.decode("utf-8"), err.decode("utf-8")
    )


def run_rag(
    args: Sequence[str],
    data_dir: Path | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m rag ARGS` to completion."""
    return finish(start_rag(args, data_dir, stdin, env))


def run_many(calls: Sequence[dict[str, Any]]) -> list[subprocess.CompletedProcess[str]]:
    """Run independent CLI calls side by side (each dict: `run_rag` keyword arguments), results
    in order. One call per core: more at once is slower than serial on a 2-core machine."""
    workers = max(1, min(len(calls), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda call: run_rag(**call), calls))


def json_out(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The single JSON object a `--json` command printed (fails with its stderr otherwise)."""
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Non-blank lines of stderr as a terminal shows them (a carriage return redraws a line)."""
    shown = (line.rsplit("\r", 1)[-1] for line in result.stderr.split("\n"))
    return [line for line in shown if line.strip()]


