"""The knowledge base as an OpenAI-compatible API: `GET /v1/models` and
`POST /v1/chat/completions` (whole, or streamed as server-sent events ending in `data: [DONE]`),
so the chat clients staff already use (Cherry Studio, ChatBox, Open WebUI, LobeChat) and
scripts on the `openai` package can ask it. Served alone by `rag api`, or beside the chat page
by `rag serve` when `RAG_API_ENABLED=1` (`ui.app.serve`), sharing its engine and its gate.

One request is one question: the last user message, with the earlier user messages as the
conversation (a follow-up such as 「那上海呢？」 is read with them, as on the page). The model
named picks the answerer: `rag-extractive` (offline, always there) or `rag-llm` (when a chat
model is configured). `content` is the answer with its `[n]` markers, then the numbered sources
(title, date, quote); the answer contract of `rag ask --json` (citations with offsets, claims,
the short answer, the index id) travels in `rag`, beside the OpenAI fields (`ui.api_models`).

Safety: with `RAG_API_KEYS` set, a request needs one of those keys as its bearer token; without
it, only loopback clients are served (anyone else gets 401 saying how to set a key). Requests
over `RAG_API_MAX_REQUEST_KB` get 413 and questions over the question limit 400; answers pass
the page's admission gate (`ui.gate`; 429 with `Retry-After` when full). Every failure is an
OpenAI-shaped error (`{"error": {"message", "type", "code"}}`) in one line, in Chinese first
(what a chat client shows its user) with the English after, and never a traceback or a path.

Trade-off, streaming: the pieces of the answer are sent as they are written; the checks come
after. When the checked answer marks sentences it could not verify (LLM mode), the last chunk
says so in its content, and its `rag.answer` is the checked text: a stream cannot take back
what it sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from rag.errors import RagError, ServiceError, in_chinese
from rag.pipeline import (
    MODE_EXTRACTIVE,
    MODE_LLM,
    Engine,
    ask,
    ask_stream,
    offline_engine,
    validate_question,
)
from rag.settings import Settings
from rag.types import Answer
from ui.api_models import (
    AssistantMessage,
    ChatChunk,
    ChatRequest,
    ChatResponse,
    Choice,
    ChunkChoice,
    Delta,
    ErrorBody,
    ErrorResponse,
    Model,
    ModelList,
    Usage,
)
from ui.callbacks import Engines
from ui.gate import BUSY, DEFAULT_LIMITS, Busy, Gate
from ui.render import public

log = logging.getLogger(__name__)

MODELS = {"rag-extractive": MODE_EXTRACTIVE, "rag-llm": MODE_LLM}
"""The model ids a client may ask for, and the answerer each means."""
RETRY_AFTER = 5
"""Seconds a client told 429 should wait (`Retry-After`): about two answers' time."""


class ApiError(Exception):
    """A failure as the OpenAI API reports it: HTTP status, message, type and code."""

    def __init__(
        self, status: int, message: str, kind: str, code: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.code = status, message, kind, code
        self.headers = headers or {}


def _both(error: BaseException) -> str:
    """One line: the Chinese wording, then the English one (never a path)."""
    english = str(error)
    zh = in_chinese(error)
    return public(zh if english in zh else f"{zh}（{english}）")


def _error_body(exc: ApiError) -> dict[str, Any]:
    error = ErrorBody(message=exc.message, type=exc.kind, code=exc.code)
    return ErrorResponse(error=error).model_dump()


def _error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(_error_body(exc), status_code=exc.status, headers=exc.headers)


def _sources(answer: Answer) -> str:
    """The numbered source list appended to `content`."""
    if not answer.citations:
        return ""
    lines = [
        f"[{c.n}] 《{c.title}》（{c.date or '日期不详'}）：“{c.quote}”" for c in answer.citations
    ]
    return "\n\n来源：\n" + "\n".join(lines)


def _tokens(text: str) -> int:
    from llama_index.core.utils import get_tokenizer

    return len(get_tokenizer()(text))


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Api:
    """The API's state: settings, the engine (shared with the page when mounted) and the gate."""

    def __init__(self, settings: Settings, engines: Engines, gate: Gate) -> None:
        self.settings = settings
        self.engines = engines
        self.gate = gate
        raw = settings.api_keys.get_secret_value()
        self.keys = [k.strip() for k in raw.split(",") if k.strip()]

    def authorize(self, request: Request) -> None:
        if not self.keys:
            if _loopback(request):
                return
            raise ApiError(
                401,
                "此接口未设置密钥，只接受本机访问；请设置 RAG_API_KEYS 并携带密钥"
                "（no API keys are set: only loopback clients are served; set RAG_API_KEYS)",
                "invalid_request_error",
                "loopback_only",
            )
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not any(
            hmac.compare_digest(token.strip().encode(), k.encode()) for k in self.keys
        ):
            raise ApiError(
                401,
                "密钥无效或缺失（invalid or missing API key: send Authorization: Bearer <key>）",
                "invalid_request_error",
                "invalid_api_key",
            )

    def models(self) -> ModelList:
        created = int(time.time())
        ids = [m for m, mode in MODELS.items() if mode == MODE_EXTRACTIVE or self.llm()]
        return ModelList(data=[Model(id=m, created=created) for m in ids])

    def llm(self) -> bool:
        return self.settings.llm_configured

    async def read(self, request: Request) -> ChatRequest:
        """The request body, read up to the size limit, as a `ChatRequest`."""
        limit = self.settings.api_max_request_kb * 1024
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        body = bytearray()
        async for part in request.stream():
            body += part
            if len(body) > limit:
                raise _too_large(limit)
        try:
            return ChatRequest.model_validate_json(bytes(body))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "body"
            raise ApiError(
                400,
                f"请求格式不对（invalid request: {where}: {first.get('msg', 'invalid')}）",
                "invalid_request_error",
                "invalid_json" if first.get("type") == "json_invalid" else "invalid_request",
            ) from None

    def question(self, chat: ChatRequest) -> tuple[str, list[str], str]:
        """The question, the earlier questions (oldest first) and the answer mode asked for."""
        mode = MODELS.get(chat.model)
        if mode is None or (mode == MODE_LLM and not self.llm()):
            known = ", ".join(m.id for m in self.models().data)
            raise ApiError(
                404,
                f"没有这个模型：{chat.model}（no such model; use one of: {known}）",
                "invalid_request_error",
                "model_not_found",
            )
        if chat.messages[-1].role != "user":
            raise ApiError(
                400,
                "最后一条消息必须是用户的问题（the last message must be the user's question）",
                "invalid_request_error",
                "invalid_request",
            )
        asked = [m.text() for m in chat.messages if m.role == "user"]
        try:
            question = validate_question(asked[-1], self.settings)
        except RagError as exc:
            raise _user_error(exc) from None
        return question, asked[:-1], mode

    def engine(self, mode: str) -> Engine:
        """The engine answering in `mode` (the offline answerer of an LLM engine if asked)."""
        try:
            engine = self.engines()
        except RagError as exc:
            raise _service_error(exc) from None
        return offline_engine(engine) if mode == MODE_EXTRACTIVE else engine

    async def complete(self, chat: ChatRequest) -> ChatResponse:
        question, history, mode = self.question(chat)
        engine = self.engine(mode)
        try:
            async with self.gate.turn() as slot:
                answer = await slot.call(ask, question, self.settings, engine, history)
        except (Busy, RagError) as exc:
            raise _as_api_error(exc) from None
        content = answer.answer + _sources(answer)
        prompt = _tokens(" ".join([*history, question]))
        done = _tokens(content)
        return ChatResponse(
            id=_completion_id(question),
            created=int(time.time()),
            model=chat.model,
            choices=[Choice(message=AssistantMessage(content=content))],
            usage=Usage(prompt_tokens=prompt, completion_tokens=done, total_tokens=prompt + done),
            rag=answer.to_dict(),
        )

    async def stream(self, chat: ChatRequest) -> StreamingResponse:
        """The answer as server-sent events. A full gate is a 429 before the response starts,
        as on the page (`ChatCallbacks.check`); the turn itself is taken inside the stream, so
        it is given back however the stream ends, even when it never starts."""
        question, history, mode = self.question(chat)
        engine = self.engine(mode)
        if self.gate.full():
            raise _busy(Busy(BUSY))
        head = {"id": _completion_id(question), "created": int(time.time()), "model": chat.model}

        def start() -> Iterator[str | Answer]:
            return ask_stream(question, self.settings, engine, history)

        async def events() -> AsyncIterator[str]:
            try:
                first = ChatChunk(**head, choices=[ChunkChoice(delta=Delta(role="assistant"))])
                yield _event(first.model_dump(exclude_none=True))
                written = ""
                async with (
                    self.gate.turn() as slot,
                    contextlib.aclosing(slot.stream(start)) as pieces,
                ):
                    async for piece in pieces:
                        yield _event(_chunk(head, piece, written))
                        if isinstance(piece, str):
                            written += piece
                yield "data: [DONE]\n\n"
            except Exception as exc:  # mid-stream: an error event, as the OpenAI API sends one
                yield _event(_error_body(_as_api_error(exc)))

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def _chunk(head: dict[str, Any], piece: str | Answer, written: str) -> dict[str, Any]:
    """One stream chunk: a piece of text, or (the checked answer) the last one, with what the
    check adds, the sources and the answer contract."""
    if isinstance(piece, str):
        choice = ChunkChoice(delta=Delta(content=piece))
        return ChatChunk(**head, choices=[choice]).model_dump(exclude_none=True)
    tail = _unverified(piece, written) + _sources(piece)
    last = ChunkChoice(delta=Delta(content=tail), finish_reason="stop")
    return ChatChunk(**head, choices=[last], rag=piece.to_dict()).model_dump(exclude_none=True)


def _event(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _unverified(answer: Answer, written: str) -> str:
    """What the stream must add once the answer is checked: the sentences not verified."""
    if answer.answer == written:
        return ""
    doubtful = [c.text for c in answer.claims if not c.verified]
    if not doubtful:
        return ""
    return "\n\n未核实（所引资料中找不到依据）：" + "；".join(doubtful)


def _completion_id(question: str) -> str:
    """Derived, not random: the question and the moment it was asked."""
    digest = hashlib.sha256(f"{time.time_ns()}:{question}".encode()).hexdigest()
    return f"chatcmpl-{digest[:24]}"


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"请求太大（超过 {limit // 1024} KB）（request body over {limit // 1024} KB）",
        "invalid_request_error",
        "request_too_large",
    )


def _busy(exc: Busy) -> ApiError:
    headers = {"Retry-After": str(RETRY_AFTER)}
    return ApiError(429, f"{exc}（busy: retry later）", "rate_limit_error", "busy", headers)


def _user_error(exc: RagError) -> ApiError:
    return ApiError(400, _both(exc), "invalid_request_error", "invalid_question")


def _service_error(exc: RagError) -> ApiError:
    if not isinstance(exc, ServiceError):  # no index yet: the server cannot answer
        return ApiError(503, _both(exc), "server_error", "no_index")
    return ApiError(502, _both(exc), "server_error", "upstream_error")


def _as_api_error(exc: BaseException) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, Busy):
        return _busy(exc)
    if isinstance(exc, ServiceError):
        return _service_error(exc)
    if isinstance(exc, RagError):
        return _user_error(exc)
    log.exception("the API failed")
    return ApiError(500, _both(exc), "server_error", "internal_error")


def build_api(
    settings: Settings, engines: Engines | None = None, gate: Gate | None = None
) -> FastAPI:
    """The API as a FastAPI app; `engines` and `gate`: the page's, when mounted beside it."""
    state = Api(settings, engines or Engines(settings, None), gate or Gate(DEFAULT_LIMITS))
    api = FastAPI(
        title="文档问答 API（OpenAI 兼容）",
        docs_url="/v1/docs",
        openapi_url="/v1/openapi.json",
        redoc_url=None,
    )

    @api.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error_response(
            ApiError(
                400, "请求格式不对（invalid request）", "invalid_request_error", "invalid_request"
            )
        )

    @api.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        words = {404: "没有这个接口（not found）", 405: "不支持这个方法（method not allowed）"}
        message = words.get(exc.status_code, f"请求失败（HTTP {exc.status_code}）")
        return _error_response(
            ApiError(
                exc.status_code,
                message,
                "invalid_request_error",
                "not_found" if exc.status_code == 404 else "invalid_request",
            )
        )

    @api.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        return _error_response(_as_api_error(exc))

    @api.get("/v1/models", response_model=ModelList, responses={401: {"model": ErrorResponse}})
    async def models(request: Request) -> ModelList:
        state.authorize(request)
        return state.models()

    @api.post(
        "/v1/chat/completions",
        response_model=ChatResponse,
        responses={code: {"model": ErrorResponse} for code in (400, 401, 404, 413, 429, 502, 503)},
    )
    async def chat_completions(request: Request) -> Any:
        state.authorize(request)
        chat = await state.read(request)
        if chat.stream:
            return await state.stream(chat)
        return await state.complete(chat)

    return api


def run(settings: Settings, host: str, port: int) -> None:
    """`rag api`: the API alone on host:port until interrupted (the engine opened first, so the
    first answer is fast; without an index it still starts and says so when asked)."""
    import uvicorn

    from rag.pipeline import open_engine

    engine: Engine | None = None
    try:
        engine = open_engine(settings)
    except RagError as exc:
        log.warning("starting without an index (%s)", exc)
    uvicorn.run(
        build_api(settings, Engines(settings, engine)), host=host, port=port, log_level="warning"
    )
