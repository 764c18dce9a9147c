"""The fake OpenAI server on loopback, through the real `openai` client and LlamaIndex.

Each fault the product must survive (401, 429 with Retry-After, 500, a timeout, a stream cut
mid-answer, a connection closed or refused) arrives here as the exception the real client raises,
so tests of the LLM path can rely on it. The quoting model is checked on prompts rendered from the
product's own prompt files.
"""

from __future__ import annotations

import base64
import json
import signal
import struct
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import httpx
import openai
import pytest
from llama_index.core.llms import ChatMessage
from llama_index.embeddings.openai_like import OpenAILikeEmbedding
from llama_index.llms.openai_like import OpenAILike

from rag.answer.cite import CANNOT_ANSWER
from rag.testing.openai_server import (
    EMBED_DIM,
    InTurn,
    OpenAIServer,
    Reply,
    answer,
    cut,
    fault,
    hang_up,
    hashed_vector,
    refused_url,
    slow,
)
from rag.testing.quoting_model import QuotingModel, invent_figure, parse_prompt
from tests.conftest import ROOT

TEXT = "2024年，苏州人工智能产业规模突破1200亿元。"
HI = [{"role": "user", "content": "你好"}]


@pytest.fixture
def srv() -> Iterator[OpenAIServer]:
    with OpenAIServer(answer(TEXT)) as server:
        yield server
        assert not server.errors, server.errors


def client(srv: OpenAIServer, **options) -> openai.OpenAI:
    options = {"max_retries": 0, **options}
    return openai.OpenAI(base_url=srv.base_url, api_key="test", **options)


def chat(srv: OpenAIServer, **options) -> str | None:
    reply = client(srv, **options).chat.completions.create(model="qwen-plus", messages=HI)
    return reply.choices[0].message.content


def llm(srv: OpenAIServer, **options) -> OpenAILike:
    options = {"context_window": 32000, "max_retries": 0, **options}
    return OpenAILike(
        model="qwen-plus", api_base=srv.base_url, api_key="test", is_chat_model=True, **options
    )


# --------------------------------------------------------------------------- the openai client


def test_answer_and_the_request_recorded(srv: OpenAIServer) -> None:
    reply = client(srv).chat.completions.create(model="qwen-plus", messages=HI)
    assert reply.choices[0].message.content == TEXT
    assert reply.choices[0].finish_reason == "stop"
    assert reply.object == "chat.completion" and reply.model == "qwen-plus"
    [request] = srv.requests
    assert (request.method, request.path, request.endpoint) == (
        "POST",
        "/v1/chat/completions",
        "/chat/completions",
    )
    assert request.headers["authorization"] == "Bearer test"
    assert request.last_user == "你好" and not request.stream


def test_stream_role_first_then_deltas_that_join_to_the_text(srv: OpenAIServer) -> None:
    chunks = list(client(srv).chat.completions.create(model="qwen-plus", messages=HI, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    contents = [c.choices[0].delta.content for c in chunks[1:] if c.choices[0].delta.content]
    assert len(contents) > 3 and "".join(contents) == TEXT
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.object == "chat.completion.chunk" and c.usage is None for c in chunks)
    assert srv.requests[0].stream


def test_stream_usage_only_when_asked(srv: OpenAIServer) -> None:
    chunks = list(
        client(srv).chat.completions.create(
            model="qwen-plus", messages=HI, stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(TEXT)


def test_http_framing_of_json_and_event_stream(srv: OpenAIServer) -> None:
    body = {"model": "qwen-plus", "messages": HI}
    with httpx.Client(base_url=srv.base_url) as http:
        plain = http.post("/chat/completions", json=body)
        assert plain.headers["content-type"] == "application/json"
        assert int(plain.headers["content-length"]) == len(plain.content)
        events = http.post("/chat/completions", json={**body, "stream": True})
    assert events.headers["content-type"].startswith("text/event-stream")
    lines = [line for line in events.text.split("\n\n") if line]
    assert all(line.startswith("data: ") for line in lines) and lines[-1] == "data: [DONE]"


def test_401_is_an_authentication_error(srv: OpenAIServer) -> None:
    srv.script = fault(401)
    with pytest.raises(openai.AuthenticationError) as caught:
        chat(srv)
    assert caught.value.body["code"] == "invalid_api_key"  # type: ignore[index]


def test_429_carries_retry_after(srv: OpenAIServer) -> None:
    srv.script = fault(429, retry_after=1)
    with pytest.raises(openai.RateLimitError) as caught:
        chat(srv)
    assert caught.value.response.headers["retry-after"] == "1"


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_an_internal_server_error(srv: OpenAIServer, status: int) -> None:
    srv.script = fault(status, message="上游出错")
    with pytest.raises(openai.InternalServerError, match="上游出错") as caught:
        chat(srv)
    assert caught.value.status_code == status


def test_slow_reply_times_out(srv: OpenAIServer) -> None:
    srv.script = slow(5, TEXT)  # the server's shutdown wakes the delayed reply
    with pytest.raises(openai.APITimeoutError):
        chat(srv, timeout=0.5)


def test_cut_stream_raises_before_the_end(srv: OpenAIServer) -> None:
    srv.script = cut(TEXT, after=2)
    received: list[str] = []
    with pytest.raises((openai.APIError, httpx.HTTPError)):  # httpx.RemoteProtocolError, unwrapped
        for chunk in client(srv).chat.completions.create(
            model="qwen-plus", messages=HI, stream=True
        ):
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == TEXT[:8]  # two deltas of four characters


def test_hang_up_is_a_connection_error(srv: OpenAIServer) -> None:
    srv.script = hang_up()
    with pytest.raises(openai.APIConnectionError):
        chat(srv)


def test_refused_url_is_a_connection_error() -> None:
    refused = openai.OpenAI(base_url=refused_url(), api_key="test", max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        refused.models.list()


def test_in_turn_replies_in_order_then_repeats_the_last(srv: OpenAIServer) -> None:
    srv.script = InTurn(fault(429, retry_after=0.1), Reply(text="第二次"))
    with pytest.raises(openai.RateLimitError):
        chat(srv)
    assert chat(srv) == "第二次" and chat(srv) == "第二次"


def test_in_turn_lets_a_retry_succeed(srv: OpenAIServer) -> None:
    srv.script = InTurn(fault(429, retry_after=0.1), answer(TEXT))
    assert chat(srv, max_retries=1) == TEXT  # the client waited Retry-After, then asked again
    assert [r.headers["x-stainless-retry-count"] for r in srv.requests] == ["0", "1"]


def test_a_failing_script_is_a_500_and_recorded(srv: OpenAIServer) -> None:
    def broken(_request):
        raise RuntimeError("boom")

    srv.script = broken
    with pytest.raises(openai.InternalServerError, match="boom"):
        chat(srv)
    assert srv.errors == ["RuntimeError: boom"]
    srv.errors.clear()


def test_models(srv: OpenAIServer) -> None:
    assert [m.id for m in client(srv).models.list()] == ["qwen-plus", "bge-m3"]


# --------------------------------------------------------------------------------- embeddings


def test_embeddings_same_text_same_vector_base64_by_default(srv: OpenAIServer) -> None:
    reply = client(srv).embeddings.create(model="bge-m3", input=["苏州", "苏州", "园区"])
    vectors = [d.embedding for d in reply.data]
    assert vectors[0] == vectors[1] != vectors[2] and len(vectors[0]) == EMBED_DIM
    assert srv.requests[0].body["encoding_format"] == "base64"  # the v2 client's default


def test_embeddings_float_equals_base64(srv: OpenAIServer) -> None:
    as_float = client(srv).embeddings.create(model="bge-m3", input="苏州", encoding_format="float")
    as_b64 = client(srv).embeddings.create(model="bge-m3", input="苏州")
    assert as_float.data[0].embedding == as_b64.data[0].embedding == hashed_vector("苏州")


def test_embeddings_raw_base64_is_little_endian_float32(srv: OpenAIServer) -> None:
    body = {"model": "bge-m3", "input": "苏州", "encoding_format": "base64", "dimensions": 8}
    raw = httpx.post(f"{srv.base_url}/embeddings", json=body).json()["data"][0]["embedding"]
    assert list(struct.unpack("<8f", base64.b64decode(raw))) == hashed_vector("苏州", 8)


def test_embeddings_through_llamaindex(srv: OpenAIServer) -> None:
    embedder = OpenAILikeEmbedding(
        model_name="bge-m3", api_base=srv.base_url, api_key="test", max_retries=0
    )
    vector = embedder.get_text_embedding("苏州\n园区")
    assert vector == embedder.get_query_embedding("苏州\n园区")
    assert vector == hashed_vector("苏州 园区")  # LlamaIndex sends line breaks as spaces


# --------------------------------------------------------------------------------- LlamaIndex


def test_llamaindex_chat_and_stream_chat(srv: OpenAIServer) -> None:
    model = llm(srv)
    messages = [ChatMessage(role="user", content="你好")]
    assert model.chat(messages).message.content == TEXT
    deltas = [r.delta for r in model.stream_chat(messages)]
    assert "".join(d or "" for d in deltas) == TEXT and len(deltas) > 3
    assert srv.requests[1].stream and srv.requests[1].body["model"] == "qwen-plus"


@pytest.mark.parametrize(
    ("script", "error"),
    [
        (fault(401), openai.AuthenticationError),
        (fault(429, retry_after=1), openai.RateLimitError),
        (fault(500), openai.InternalServerError),
        (hang_up(), openai.APIConnectionError),
    ],
)
def test_llamaindex_raises_the_openai_errors_once(srv: OpenAIServer, script, error) -> None:
    srv.script = script
    with pytest.raises(error):
        llm(srv).chat([ChatMessage(role="user", content="你好")])
    assert len(srv.requests) == 1  # max_retries=0: neither LlamaIndex nor the client retries


def test_llamaindex_timeout_and_cut_stream(srv: OpenAIServer) -> None:
    srv.script = slow(5, TEXT)
    with pytest.raises(openai.APITimeoutError):
        llm(srv, timeout=0.5).chat([ChatMessage(role="user", content="你好")])
    srv.script = cut(TEXT, after=1)
    with pytest.raises((openai.APIError, httpx.HTTPError)):
        list(llm(srv).stream_chat([ChatMessage(role="user", content="你好")]))


# ---------------------------------------------------------------------------- the quoting model

SOURCES = [
    (
        "苏州市人工智能产业发展报告",
        "2025-01-15",
        "2024年，苏州人工智能产业规模突破1200亿元，同比增长18.5%。全市集聚人工智能企业超过2000家。",
    ),
    ("苏州工业园区年鉴", "2024-06-30", "园区建成算力中心三座；\n新增智能算力5000P。"),
]
SIZE_Q = "2024年苏州人工智能产业规模是多少？"
SIZE_A = "2024年，苏州人工智能产业规模突破1200亿元，同比增长18.5%。[1]"


def prompt_file(name: str) -> str:
    return (ROOT / "prompts" / f"{name}.txt").read_text(encoding="utf-8").strip("\n")


def answer_prompt(question: str) -> str:
    """The user message the product sends: `prompts/answer.txt` around `prompts/source.txt`s."""
    sources = "\n\n".join(
        prompt_file("source").format(n=n, title=title, date=date, text=text)
        for n, (title, date, text) in enumerate(SOURCES, 1)
    )
    return prompt_file("answer").format(sources=sources, question=question)


def test_parse_prompt() -> None:
    sources, question = parse_prompt(answer_prompt(SIZE_Q))  # type: ignore[misc]
    assert question == SIZE_Q
    assert sources == {n: text for n, (_, _, text) in enumerate(SOURCES, 1)}
    assert parse_prompt("你好") is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (SIZE_Q, SIZE_A),
        ("2024年蘇州人工智能產業規模是多少？", SIZE_A),  # Traditional folds to Simplified
        ("园区新增了多少智能算力？", "新增智能算力5000P。[2]"),  # split on line breaks too
        ("上海的房价怎么样？", CANNOT_ANSWER),
    ],
)
def test_quoting_model_quotes_or_refuses(question: str, expected: str) -> None:
    model = QuotingModel()
    assert model.respond(answer_prompt(question)) == expected
    assert model.invented == set()


def test_quoting_model_echoes_a_condense_follow_up() -> None:
    prompt = prompt_file("condense").format(history=SIZE_Q, question="那2023年呢？")
    assert QuotingModel().respond(prompt) == "那2023年呢？"


def test_invent_every_one_alters_a_figure_and_records_the_question() -> None:
    model = QuotingModel(invent_every=1)
    assert model.respond(answer_prompt(SIZE_Q)) == SIZE_A.replace("2024", "2025")
    assert model.respond(answer_prompt("上海的房价怎么样？")) == CANNOT_ANSWER
    assert model.invented == {SIZE_Q}  # a refusal invents nothing


def test_invented_questions_do_not_depend_on_order() -> None:
    questions = [f"{year}年苏州人工智能产业规模是多少？" for year in range(2000, 2030)]
    forward, backward = QuotingModel(invent_every=3), QuotingModel(invent_every=3)
    for q in questions:
        forward.respond(answer_prompt(q))
    for q in reversed(questions):
        backward.respond(answer_prompt(q))
    assert forward.invented == backward.invented and 0 < len(forward.invented) < len(questions)


@pytest.mark.parametrize(
    ("sentence", "invented"),
    [
        ("规模突破1200亿元。", "规模突破1201亿元。"),
        ("增长18.9%。", "增长18.0%。"),
        ("园区建成算力中心三座；", "园区建成算力中心三座，同比增长12.5%；"),
        ("没有句号", "没有句号，同比增长12.5%"),
    ],
)
def test_invent_figure(sentence: str, invented: str) -> None:
    assert invent_figure(sentence) == invented


def test_quoting_model_over_http_with_the_system_prompt() -> None:
    model = QuotingModel(invent_every=1)
    with OpenAIServer(model) as server:
        messages = [
            ChatMessage(role="system", content=prompt_file("system").format(refusal=CANNOT_ANSWER)),
            ChatMessage(role="user", content=answer_prompt(SIZE_Q)),
        ]
        reply = llm(server).chat(messages).message.content
        vector = client(server).embeddings.create(model="bge-m3", input="苏州").data[0].embedding
        assert not server.errors
    assert reply == SIZE_A.replace("2024", "2025") and model.invented == {SIZE_Q}
    assert vector == hashed_vector("苏州")  # embeddings are not the model's business


def test_main_serves_until_interrupted() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.testing.openai_server", "--invent-every", "2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        with urllib.request.urlopen(f"{base_url}/models", timeout=5) as response:
            assert json.load(response)["data"][0]["id"] == "qwen-plus"
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
