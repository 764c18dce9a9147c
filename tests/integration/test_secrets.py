"""No key in any output: planted canary keys never appear in what the product prints, logs or
writes, in normal runs and under every fault, while the fake server proves they were sent.

Each key variable gets its own canary (`sk-canary-<random hex>`): `RAG_LLM_API_KEY`,
`OPENAI_API_KEY` (the fallback; the eval run uses it alone), `RAG_EMBED_API_KEY` and the
password of `RAG_UI_AUTH`. The product talks to the loopback OpenAI-API server
(`rag.testing.openai_server`), whose script plays a good model (`QuotingModel`) or, for a question
tagged `FAULT…`/`EMBED…`, a fault: 401, 429, 500, 503, a timeout, a dropped connection, a cut
stream, and refused connections. Error bodies echo the key the server received, as a careless
provider or gateway might: the product must not pass them on.

Captured: stdout and stderr of `rag ingest`, `rag ask` (plain, `--json` batch, `--stream`,
`--stream --json`), `rag eval --mode llm` and the `rag serve` page process, every one run with
the root logger at DEBUG (whatever logs: openai's request options, httpx, httpcore's request
steps, llama_index, chromadb, retries' warnings) and `OPENAI_LOG=debug`; the page's `/ask`,
`/documents` and `/document` results and errors through gradio_client, and its HTML and config;
every file under the data dirs, the eval output dir and the processes' TMPDIR. None may hold a
canary or any 12-character piece of one (a retried embeddings error body, logged by LlamaIndex
with the key a provider may echo, was the one leak found: rag/retrieve/embed.py now silences that
log).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from bench.harness import stop
from rag.testing.openai_server import OpenAIServer, Reply, Request, refused_url
from rag.testing.quoting_model import QuotingModel
from tests.conftest import CLI_TIMEOUT, ROOT, SEEDS, free_port, rag_env

QUESTION = "2024年苏州人工智能产业营收是多少？"
CHAT_FAULTS = ("FAULT401", "FAULT429", "FAULT500", "FAULT503", "FAULTSLOW", "FAULTHANGUP")
LLM_TIMEOUT = 5.0  # seconds (RAG_LLM_TIMEOUT): FAULTSLOW waits longer; a good reply, even on a
# loaded machine, is far quicker
UI_USER = "tester"
BATCH = "ask --json (batch: a good answer, every chat fault, an embeddings fault)"
PIECE = 12
"""The shortest piece of a key that counts as leaked."""
DEBUG_CLI = (
    "import logging, sys\n"
    "logging.basicConfig(level=logging.DEBUG, format='%(levelname)s %(name)s: %(message)s')\n"
    "logging.captureWarnings(True)\n"
    "from rag.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
"""`rag ARGS` with every logger of the process at DEBUG, on stderr."""


@dataclass(frozen=True)
class Keys:
    llm: str
    openai: str
    embed: str
    ui_password: str

    @property
    def all(self) -> tuple[str, ...]:
        return (self.llm, self.openai, self.embed, self.ui_password)


def leaks(text: str | bytes, keys: Keys) -> list[str]:
    """Every key, or 12-character piece of one, found in `text`, with what surrounds it."""
    found = []
    for key in keys.all:
        for i in range(len(key) - PIECE + 1):
            piece = key[i : i + PIECE]
            needle: str | bytes = piece.encode() if isinstance(text, bytes) else piece
            at = text.find(needle)  # type: ignore[arg-type]
            if at >= 0:
                around = text[max(0, at - 120) : at + 60]
                found.append(f"{piece!r} in …{around!r}…")
                break
    return found


def tagged(tag: str, question: str = QUESTION) -> str:
    return f"{tag} {question}"


class Provider:
    """The fake provider's script: a good model, or the fault a question's tag names. Error
    bodies carry the key the request came with."""

    def __init__(self) -> None:
        self.model = QuotingModel()

    def __call__(self, request: Request) -> Reply:
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        echo = f"Incorrect API key provided: {key}"
        if request.endpoint == "/embeddings":
            text = json.dumps(request.body.get("input"), ensure_ascii=False)
            if "EMBED401" in text:
                return Reply(status=401, error=echo)
            if "EMBED500" in text:
                return Reply(status=500, error=f"upstream failed for key {key}")
            return Reply()
        asked = request.last_user
        if "FAULT401" in asked:
            return Reply(status=401, error=echo)
        if "FAULT429" in asked:
            return Reply(status=429, headers={"Retry-After": "0"}, error=f"{key}: slow down")
        if "FAULT500" in asked:
            return Reply(status=500, error=f"the server failed serving {key}")
        if "FAULT503" in asked:
            return Reply(status=503)
        if "FAULTSLOW" in asked:
            return Reply(text="太慢了。", delay=LLM_TIMEOUT + 2)
        if "FAULTHANGUP" in asked:
            return Reply(close=True)
        reply = self.model(request)
        if "FAULTCUT" in asked:
            return Reply(text=reply.text, cut_after=2, chunk_chars=2)
        return reply


@dataclass(frozen=True)
class Output:
    name: str
    returncode: int
    stdout: str
    stderr: str


def run_cli(name: str, args: list[str], env: dict[str, str], stdin: str = "") -> Output:
    done = subprocess.run(
        [sys.executable, "-c", DEBUG_CLI, *args],
        cwd=ROOT,
        env=env,
        input=stdin.encode("utf-8"),
        capture_output=True,
        timeout=CLI_TIMEOUT,
    )
    out, err = (b.decode("utf-8", "replace") for b in (done.stdout, done.stderr))
    return Output(name, done.returncode, out, err)


@pytest.fixture(scope="module")
def keys() -> Keys:
    token = secrets.token_hex
    return Keys(
        llm=f"sk-canary-{token(16)}",
        openai=f"sk-canary-{token(16)}",
        embed=f"sk-canary-{token(16)}",
        ui_password=f"pw-canary-{token(16)}",
    )


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenAIServer]:
    with OpenAIServer(Provider(), embed_dim=128) as server:
        yield server


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("secrets")
    names = ("data", "data-failed", "eval-out", "tmp", "docs", "serve-logs")
    paths = {name: root / name for name in names}
    for path in paths.values():
        path.mkdir()
    return paths


@pytest.fixture(scope="module")
def env_of(keys, provider, places):
    """The environment of a child process: every key planted, the provider on loopback."""

    def make(**override: str) -> dict[str, str]:
        env = rag_env(
            places["data"],
            RAG_LLM_MODEL="qwen-plus",
            RAG_LLM_BASE_URL=provider.base_url,
            RAG_LLM_API_KEY=keys.llm,
            OPENAI_API_KEY=keys.openai,
            RAG_LLM_TIMEOUT=f"{LLM_TIMEOUT:g}",
            RAG_LLM_MAX_RETRIES="1",
            RAG_EMBED_BASE_URL=provider.base_url,
            RAG_EMBED_MODEL="bge-m3",
            RAG_EMBED_API_KEY=keys.embed,
            RAG_UI_AUTH=f"{UI_USER}:{keys.ui_password}",
            OPENAI_LOG="debug",
            TMPDIR=str(places["tmp"]),
            MPLCONFIGDIR=str(places["tmp"] / "matplotlib"),
            GRADIO_ANALYTICS_ENABLED="False",
        )
        for name, value in override.items():
            if value:
                env[name] = value
            else:
                env.pop(name, None)
        return env

    return make


@pytest.fixture(scope="module")
def outputs(keys, provider, places, env_of) -> dict[str, Output]:
    """Every CLI run, by name: the index is built through the embeddings endpoint first, then
    the rest run two at a time."""
    ingest = run_cli("ingest", ["ingest", str(SEEDS)], env_of())
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    (places["docs"] / "bad.txt").write_text("EMBED401 测试文档。苏州。\n", encoding="utf-8")
    questions = places["docs"] / "questions.jsonl"
    lines = (ROOT / "eval" / "questions.jsonl").read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines[:2]]
    rows.append(rows[0] | {"id": "fault", "question": tagged("FAULT500", rows[0]["question"])})
    questions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    refused = refused_url()
    runs: list[tuple[str, list[str], dict[str, str], str]] = [
        ("ask", ["ask", QUESTION], env_of(), ""),
        ("ask --stream", ["ask", "--stream", QUESTION], env_of(), ""),
        (  # the embeddings fault last: a failed call ends the batch with one error line
            BATCH,
            ["ask", "--json"],
            env_of(),
            "\n".join([QUESTION, *(tagged(t) for t in CHAT_FAULTS), tagged("EMBED401")]) + "\n",
        ),
        (
            "ask --stream --json, stream cut",
            ["ask", "--stream", "--json", tagged("FAULTCUT")],
            env_of(),
            "",
        ),
        ("ask, LLM refused", ["ask", "--json", QUESTION], env_of(RAG_LLM_BASE_URL=refused), ""),
        ("ask, embeddings refused", ["ask", QUESTION], env_of(RAG_EMBED_BASE_URL=refused), ""),
        (
            "ingest, embeddings 401",
            ["ingest", "--data-dir", str(places["data-failed"]), str(places["docs"] / "bad.txt")],
            env_of(),
            "",
        ),
        (
            "eval --mode llm (OPENAI_API_KEY only)",
            [
                "eval",
                "--mode",
                "llm",
                "--questions",
                str(questions),
                "--out",
                str(places["eval-out"]),
                "--data-dir",
                str(places["data"]),
            ],
            env_of(RAG_LLM_API_KEY=""),
            "",
        ),
        ("ask, embeddings 500 echoing the key", ["ask", tagged("EMBED500")], env_of(), ""),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda run: run_cli(*run), runs))
    return {o.name: o for o in [ingest, *done]}


# ------------------------------------------------------------------------------ the chat page


def wait_up(url: str, proc: subprocess.Popen[bytes], ceiling: float = 120) -> None:
    deadline = time.monotonic() + ceiling
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"rag serve exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"rag serve did not answer within {ceiling} s")


@pytest.fixture(scope="module")
def page(keys, places, env_of, outputs) -> dict[str, str]:
    """`rag serve` (DEBUG logs to files) asked through gradio_client, its errors, its HTML and
    config; then its stdout and stderr. Values: what each call returned or raised."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    logs = places["serve-logs"]
    with (logs / "stdout").open("wb") as out, (logs / "stderr").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", DEBUG_CLI, "serve", "--port", str(port)],
            cwd=ROOT,
            env=env_of(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        seen: dict[str, str] = {}
        try:
            wait_up(url, proc)
            client = Client(
                url, auth=(UI_USER, keys.ui_password), verbose=False, analytics_enabled=False
            )
            calls: dict[str, tuple[str, tuple[Any, ...]]] = {
                "/ask": ("/ask", (QUESTION,)),
                "/ask FAULT401": ("/ask", (tagged("FAULT401"),)),
                "/ask FAULT500": ("/ask", (tagged("FAULT500"),)),
                "/ask EMBED401 (error)": ("/ask", (tagged("EMBED401"),)),
                "/ask empty (error)": ("/ask", ("  ",)),
                "/documents": ("/documents", ()),
                "/document unknown (error)": ("/document", ("no_such_doc", 0, 0)),
            }
            for name, (api, args) in calls.items():
                try:
                    seen[name] = json.dumps(client.predict(*args, api_name=api), ensure_ascii=False)
                except AppError as exc:
                    seen[name] = f"AppError: {exc}"
            with httpx.Client(base_url=url, timeout=30) as web:
                seen["POST /login, wrong password"] = web.post(
                    "login", data={"username": UI_USER, "password": "wrong"}
                ).text
                web.post("login", data={"username": UI_USER, "password": keys.ui_password})
                for path in ("", "config", "gradio_api/info"):
                    seen[f"GET /{path}"] = web.get(path).text
        finally:
            stop(proc, timeout=30)
    seen["serve stdout"] = (logs / "stdout").read_text("utf-8", "replace")
    seen["serve stderr"] = (logs / "stderr").read_text("utf-8", "replace")
    return seen


# ---------------------------------------------------------------------------------- the tests


def test_the_provider_received_every_key_so_the_test_is_not_vacuous(
    keys, provider, outputs, page
) -> None:
    sent = {(r.endpoint, r.headers.get("authorization", "")) for r in list(provider.requests)}
    assert ("/chat/completions", f"Bearer {keys.llm}") in sent
    assert ("/chat/completions", f"Bearer {keys.openai}") in sent  # the eval's fallback key
    assert ("/embeddings", f"Bearer {keys.embed}") in sent
    assert not provider.errors


def test_every_fault_was_played_and_reported(outputs, page) -> None:
    batch = outputs[BATCH]
    rows = [json.loads(line) for line in batch.stdout.split("\n") if line]
    assert len(rows) == 1 + len(CHAT_FAULTS), batch.stderr[-3000:]
    assert rows[0]["mode"] == "llm" and rows[0]["answerable"] and not rows[0].get("notice")
    notices = [row.get("notice", "") for row in rows[1:]]
    expected = ["(401)", "(429)", "HTTP 500", "HTTP 503", "did not answer within", "connect"]
    assert all(e in n for e, n in zip(expected, notices, strict=True)), notices
    assert batch.returncode == 1 and "error: the embeddings endpoint" in batch.stderr
    assert "HTTP 401" in batch.stderr
    cut = outputs["ask --stream --json, stream cut"]
    assert '{"delta"' in cut.stdout and "mid-stream" in cut.stdout, cut.stderr[-3000:]
    assert "cannot connect" in outputs["ask, LLM refused"].stdout
    for name in ("ingest, embeddings 401", "ask, embeddings refused"):
        assert outputs[name].returncode == 1, (name, outputs[name].stderr[-3000:])
        assert "error: the embeddings endpoint" in outputs[name].stderr
    for name in ("ask", "ask --stream"):
        assert outputs[name].returncode == 0 and "来源" in outputs[name].stdout
    assert outputs["eval --mode llm (OPENAI_API_KEY only)"].returncode == 0
    assert json.loads(page["/ask"])["mode"] == "llm" and "(401)" in page["/ask FAULT401"]
    assert "HTTP 500" in page["/ask FAULT500"]
    assert (
        page["/ask EMBED401 (error)"].startswith("AppError")
        and "401" in page["/ask EMBED401 (error)"]
    )
    assert page["/ask empty (error)"].startswith("AppError")
    assert page["/document unknown (error)"].startswith("AppError")
    assert "<html" in page["GET /"].lower() and page["GET /config"].startswith("{")


def test_debug_logs_were_captured(outputs, page) -> None:
    """Every logger at DEBUG: the openai client's and httpx's records are in the output."""
    stderr = outputs[BATCH].stderr
    assert "DEBUG openai._base_client:" in stderr and "INFO httpx: HTTP Request" in stderr
    assert "DEBUG httpcore" in stderr
    assert "INFO httpx: HTTP Request" in page["serve stderr"]


def test_no_cli_output_holds_a_key(keys, outputs) -> None:
    found = {
        f"{o.name} {stream}": leaks(getattr(o, stream), keys)
        for o in outputs.values()
        if o.name != "ask, embeddings 500 echoing the key"
        for stream in ("stdout", "stderr")
    }
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_no_page_output_holds_a_key(keys, page) -> None:
    assert {name: leaks(text, keys) for name, text in page.items() if leaks(text, keys)} == {}


def test_no_file_written_holds_a_key(keys, places, outputs, page) -> None:
    files = [p for place in places.values() for p in place.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"chroma.sqlite3", "answers.jsonl", "summary.json", "report.md"} <= names
    found = {str(p): leaks(p.read_bytes(), keys) for p in files}
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_an_embeddings_error_body_echoing_the_key_is_not_printed(keys, outputs) -> None:
    echoed = outputs["ask, embeddings 500 echoing the key"]
    assert echoed.returncode == 1 and "HTTP 500" in echoed.stderr
    assert leaks(echoed.stdout + echoed.stderr, keys) == []
