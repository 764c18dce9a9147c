"""The knowledge base as an OpenAI-compatible API (issue 17), end to end: a real index, the
API on a loopback port (uvicorn), asked by the official `openai` client (whole and streamed),
by LlamaIndex's `OpenAILike`, and by `curl` for the raw server-sent events; every failure an
OpenAI-shaped error. Nothing is mocked; the LLM mode talks to the loopback OpenAI server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from pydantic import SecretStr

from bench.harness import free_port
from rag.pipeline import ingest
from rag.settings import Settings
from ui.api import build_api
from ui.gate import Gate, Limits

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
QUESTION = "苏州的规上人工智能企业有多少家？"  # worded for these tests
DOC_ID = "000_c6996910d4f2c89e"


@contextmanager
def _api(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """`app` served by uvicorn on a free port; yields its `/v1` base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("api_index"), chroma_host="", embed_base_url=""
    )
    ingest(settings, [SEEDS])
    return settings


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    with _api(build_api(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="unused-on-loopback", max_retries=0)


def _shown(doc_id: str, settings: Settings) -> str:
    """The display text `rag show DOC_ID` prints: what the offsets count in."""
    env = os.environ | {"RAG_DATA_DIR": str(settings.data_dir), "RAG_CHROMA_HOST": ""}
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "show", doc_id],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    return done.stdout[:-1]  # `rag show` ends the text with a newline


def test_models_are_the_offline_answerer_and_the_llm_when_one_is_configured(
    client: openai.OpenAI, settings: Settings, llm_url: str
) -> None:
    assert [m.id for m in client.models.list()] == ["rag-extractive"]
    llm = openai.OpenAI(base_url=llm_url, api_key="x", max_retries=0)
    assert [m.id for m in llm.models.list()] == ["rag-extractive", "rag-llm"]


def test_the_openai_client_gets_a_cited_answer_whose_quotes_check_against_rag_show(
    client: openai.OpenAI, settings: Settings
) -> None:
    reply = client.chat.completions.create(
        model="rag-extractive", messages=[{"role": "user", "content": QUESTION}]
    )
    content = reply.choices[0].message.content or ""
    assert "378" in content and "[1]" in content and "\n\n来源：\n[1] 《" in content
    rag = reply.model_extra["rag"]
    assert rag["short"]["text"].startswith("378") and rag["index"]["id"].startswith("rag-")
    assert rag["claims"] and all(c["verified"] for c in rag["claims"])
    texts: dict[str, str] = {}
    for c in rag["citations"]:
        text = texts.setdefault(c["doc_id"], _shown(c["doc_id"], settings))
        assert text[c["start"] : c["end"]] == c["quote"]  # exact, checkable in one step
        assert c["quote"] in content
    assert reply.usage is not None and reply.usage.total_tokens > 0


def test_streamed_chunks_add_up_to_the_answer_and_the_last_carries_the_contract(
    client: openai.OpenAI,
) -> None:
    messages: Any = [{"role": "user", "content": QUESTION}]
    whole = client.chat.completions.create(model="rag-extractive", messages=messages)
    chunks = list(
        client.chat.completions.create(model="rag-extractive", messages=messages, stream=True)
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert streamed == whole.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["rag"]["citations"] == whole.model_extra["rag"]["citations"]


def test_a_follow_up_is_read_with_the_conversation_in_messages(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="rag-extractive",
        messages=[
            {"role": "system", "content": "你是助手。"},
            {"role": "user", "content": "2024年苏州人工智能产业营收是多少？"},
            {"role": "assistant", "content": "2300亿元"},
            {"role": "user", "content": [{"type": "text", "text": "那上海呢？"}]},
        ],
    )
    rag = reply.model_extra["rag"]
    assert "上海" in rag["standalone"] and "营收" in rag["standalone"]


def test_llamaindex_openailike_asks_it_like_any_model(base_url: str) -> None:
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(
        model="rag-extractive",
        api_base=base_url,
        api_key="x",
        is_chat_model=True,
        context_window=8192,
        max_retries=0,
    )
    said = llm.chat([ChatMessage(role="user", content=QUESTION)])
    assert "378" in (said.message.content or "")
    pieces = [r.delta or "" for r in llm.stream_chat([ChatMessage(role="user", content=QUESTION)])]
    assert "378" in "".join(pieces)


def test_curl_sees_the_raw_server_sent_events(base_url: str) -> None:
    body = json.dumps(
        {
            "model": "rag-extractive",
            "stream": True,
            "messages": [{"role": "user", "content": QUESTION}],
        },
        ensure_ascii=False,
    )
    done = subprocess.run(
        [
            "curl",
            "-sN",
            "-X",
            "POST",
            f"{base_url}/chat/completions",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            body,
            "-D",
            "-",
            "--noproxy",
            "*",
            "-H",
            "Expect:",  # no `100 Continue` before the response's own head
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    head, _, events = done.stdout.partition("\n\n")  # text mode: CRLF read as LF
    assert "content-type: text/event-stream" in head.lower()
    lines = [line for line in events.split("\n") if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    last = json.loads(lines[-2][len("data: ") :])
    assert last["object"] == "chat.completion.chunk" and last["rag"]["citations"]


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"]
    message = body["error"]["message"]
    assert "Traceback" not in message and "\n" not in message and "/tmp" not in message
    return dict(body["error"])


def test_every_bad_request_is_a_one_line_openai_error(base_url: str, settings: Settings) -> None:
    url = f"{base_url}/chat/completions"
    long = {"model": "rag-extractive", "messages": [{"role": "user", "content": "问" * 2001}]}
    too_long = httpx.post(url, json=long)
    assert too_long.status_code == 400 and "问题太长" in _error(too_long)["message"]
    broken = httpx.post(url, content=b'{"model": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and _error(broken)["code"] == "invalid_json"
    no_messages = httpx.post(url, json={"model": "rag-extractive", "messages": []})
    assert no_messages.status_code == 400
    unknown = httpx.post(
        url,
        json={
            "model": "gpt-4o",
            "messages": long["messages"][:0] + [{"role": "user", "content": QUESTION}],
        },
    )
    assert unknown.status_code == 404 and _error(unknown)["code"] == "model_not_found"
    huge = httpx.post(url, content=b"x" * (settings.api_max_request_kb * 1024 + 1))
    assert huge.status_code == 413 and _error(huge)["code"] == "request_too_large"
    missing = httpx.get(f"{base_url}/nothing")
    assert missing.status_code == 404 and _error(missing)
    with pytest.raises(openai.BadRequestError, match="问题是空的"):
        openai.OpenAI(base_url=base_url, api_key="x", max_retries=0).chat.completions.create(
            model="rag-extractive", messages=[{"role": "user", "content": "   "}]
        )


def test_keys_are_required_when_set_and_other_hosts_need_one(settings: Settings) -> None:
    keyed = settings.model_copy(update={"api_keys": SecretStr("k-one, k-two")})
    with _api(build_api(keyed)) as url:
        with pytest.raises(openai.AuthenticationError, match="invalid_api_key"):
            openai.OpenAI(base_url=url, api_key="wrong", max_retries=0).models.list()
        no_key = httpx.get(f"{url}/models")
        assert no_key.status_code == 401 and _error(no_key)["code"] == "invalid_api_key"
        good = openai.OpenAI(base_url=url, api_key="k-two", max_retries=0)
        assert [m.id for m in good.models.list()] == ["rag-extractive"]

    refused = _from_elsewhere(settings)  # no key set
    assert refused.status_code == 401 and _error(refused)["code"] == "loopback_only"
    assert "RAG_API_KEYS" in _error(refused)["message"]


def _outside_address() -> str | None:
    """This machine's address on its network (the source of a route out; nothing is sent), or
    None on a machine with no interface but loopback."""
    import ipaddress
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # TEST-NET-2: only the route is looked up
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if ipaddress.ip_address(address).is_loopback else address


def _from_elsewhere(settings: Settings) -> httpx.Response:
    """`GET /v1/models` from a client that is not on loopback: the API served on this machine's
    network address and asked from it, over a real socket (the peer is that address). Only on
    a machine without one is the peer given through an ASGI transport instead."""
    address = _outside_address()
    if address is not None:
        # trust_env off: no proxy of the environment's in between
        with (
            _api(build_api(settings), host=address) as url,
            httpx.Client(timeout=30, trust_env=False) as direct,
        ):
            return direct.get(f"{url}/models")

    async def through_asgi() -> httpx.Response:
        transport = httpx.ASGITransport(app=build_api(settings), client=("203.0.113.9", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://rag") as remote:
            return await remote.get("/v1/models")

    return asyncio.run(through_asgi())


# ------------------------------------------------------------------------ LLM mode, the gate


@pytest.fixture(scope="module")
def llm_server() -> Iterator[Any]:
    from rag.testing.openai_server import OpenAIServer

    with OpenAIServer() as server:  # the deterministic quoting model
        yield server


@pytest.fixture(scope="module")
def llm_url(settings: Settings, llm_server: Any) -> Iterator[str]:
    update = {"llm_model": "qwen-plus", "llm_base_url": llm_server.base_url}
    narrow = Gate(Limits(running=1, waiting=0))  # one answer at a time, none waiting
    with _api(build_api(settings.model_copy(update=update), gate=narrow)) as url:
        yield url


def test_the_llm_model_answers_with_checked_claims(llm_url: str) -> None:
    client = openai.OpenAI(base_url=llm_url, api_key="x", max_retries=0)
    reply = client.chat.completions.create(
        model="rag-llm",
        messages=[{"role": "user", "content": "2024年苏州人工智能产业营收是多少？"}],
    )
    rag = reply.model_extra["rag"]
    assert rag["mode"] == "llm" and rag["citations"] and rag["claims"]
    offline = client.chat.completions.create(
        model="rag-extractive", messages=[{"role": "user", "content": QUESTION}]
    )
    assert offline.model_extra["rag"]["mode"] == "extractive"


def test_a_flood_past_the_gate_is_told_429_with_retry_after(llm_url: str, llm_server: Any) -> None:
    from rag.testing.openai_server import Reply

    model = llm_server.script
    llm_server.script = lambda request: Reply(text="慢慢地回答。", delay=2.0)
    try:

        async def flood() -> list[httpx.Response]:
            body = {"model": "rag-llm", "messages": [{"role": "user", "content": QUESTION}]}
            async with httpx.AsyncClient(timeout=30) as http:
                first = asyncio.create_task(http.post(f"{llm_url}/chat/completions", json=body))
                await asyncio.sleep(0.5)  # the first holds the one place
                rest = [http.post(f"{llm_url}/chat/completions", json=body) for _ in range(3)]
                return [*(await asyncio.gather(*rest)), await first]

        *refused, served = asyncio.run(flood())
    finally:
        llm_server.script = model
    assert served.status_code == 200
    for response in refused:
        assert response.status_code == 429 and response.headers["retry-after"] == "5"
        assert _error(response)["type"] == "rate_limit_error"


def test_rag_serve_mounts_the_api_beside_the_page(settings: Settings) -> None:
    port = free_port()
    env = os.environ | {
        "RAG_DATA_DIR": str(settings.data_dir),
        "RAG_CHROMA_HOST": "",
        "RAG_API_ENABLED": "1",
        "RAG_UI_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                models = json.load(urllib.request.urlopen(f"{base}/v1/models", timeout=2))
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("rag serve did not start: " + child.stderr.read().decode()[-2000:])
        assert [m["id"] for m in models["data"]] == ["rag-extractive"]
        page = urllib.request.urlopen(f"{base}/", timeout=10).read().decode()
        assert "<gradio-app" in page or "gradio" in page.lower()
        reply = openai.OpenAI(base_url=f"{base}/v1", api_key="x", max_retries=0)
        said = reply.chat.completions.create(
            model="rag-extractive", messages=[{"role": "user", "content": QUESTION}]
        )
        assert "378" in (said.choices[0].message.content or "")
    finally:
        child.terminate()
        child.wait(20)
