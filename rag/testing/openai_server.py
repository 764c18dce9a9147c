"""A fake OpenAI-compatible server on loopback, scripted per test (the eval's model: quoting_model).

`OpenAIServer` is a real HTTP/1.1 server (stdlib `ThreadingHTTPServer` on 127.0.0.1, an ephemeral
port, a daemon thread) speaking the endpoints the product calls: chat completions (JSON, or
server-sent events when `stream` is true), embeddings (float or base64) and the model list. A
script, any callable `Request -> Reply`, decides every reply: an answer, an HTTP error with
OpenAI's error body and headers, a delay, a stream cut mid-answer, a connection closed unanswered.

Why a server and not `httpx.MockTransport`: the product talks to providers through the real
`openai` client and LlamaIndex's `OpenAILike`; only real HTTP exercises their retries, timeouts,
SSE parsing and the mapping of status codes to exceptions. Like pydantic-ai's `TestModel` it ships
in the package, because `rag eval --mode llm` runs against it in CI. Not for production: no
authentication, no limits, loopback only.

`rag.testing.quoting_model.QuotingModel` is the deterministic script of that eval (the default
script here, and what `python -m rag.testing.openai_server` serves).

Trade-offs: streams use chunked transfer encoding, so a cut stream is a protocol error the client
sees (the openai client does not require `[DONE]`: a close-delimited stream cut early would look
like a normal end). `usage` counts characters, not tokens.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import math
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOST = "127.0.0.1"
EMBED_DIM = 64
MODELS = ("qwen-plus", "bge-m3")
ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to use this model.", "permission_error", "permission_denied"),
    404: ("Unknown endpoint or model.", "invalid_request_error", "model_not_found"),
    429: ("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}
"""Default error body `(message, type, code)` by status, as OpenAI words them."""


@dataclass(frozen=True)
class Request:
    """One request as the server received it (recorded in `OpenAIServer.requests`)."""

    method: str
    path: str
    """As sent, e.g. `/v1/chat/completions`."""
    headers: dict[str, str]
    """Header names in lower case."""
    body: dict[str, Any]
    """The parsed JSON body; `{}` for a GET."""

    @property
    def endpoint(self) -> str:
        """The path without query and `/v1` prefix: `/chat/completions`, `/embeddings`, ..."""
        path = urlsplit(self.path).path
        return path[3:] if path.startswith("/v1/") else path

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def last_user(self) -> str:
        """The text of the last user message (text parts joined), or ``""``."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return _text_of(message.get("content"))
        return ""

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))


def _text_of(content: Any) -> str:
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


@dataclass(frozen=True)
class Reply:
    """What the server does with one request. The default answers each endpoint normally."""

    text: str = ""
    """The assistant's content (chat only); streamed as deltas of `chunk_chars` characters."""
    status: int = 200
    """An error status (400 and up) replies with OpenAI's body `{"error": {...}}`."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra response headers, e.g. `{"Retry-After": "1"}`."""
    delay: float = 0.0
    """Seconds to wait before replying (to trigger a client's timeout)."""
    cut_after: int | None = None
    """Streaming: close the connection after this many content deltas, without `[DONE]`."""
    close: bool = False
    """Close the connection without any response."""
    error: str = ""
    """The error message, instead of the default one of `status`."""
    finish_reason: str = "stop"
    """E.g. `length`, to play an answer cut by `max_tokens`."""
    chunk_chars: int = 4


Script = Callable[[Request], Reply]


def answer(text: str) -> Script:
    return lambda _request: Reply(text=text)


def fault(status: int, retry_after: float | None = None, message: str = "") -> Script:
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    return lambda _request: Reply(status=status, headers=headers, error=message)


def slow(seconds: float, text: str = "") -> Script:
    return lambda _request: Reply(text=text, delay=seconds)


def cut(text: str, after: int) -> Script:
    return lambda _request: Reply(text=text, cut_after=after)


def hang_up() -> Script:
    return lambda _request: Reply(close=True)


class InTurn:
    """Replies in turn (each a `Reply` or a script), then repeats the last one:
    `InTurn(fault(429, retry_after=1), answer("好"))`. Not called `Sequence`, which would shadow
    `collections.abc.Sequence` in the modules importing it."""

    def __init__(self, *replies: Reply | Script) -> None:
        if not replies:
            raise ValueError("InTurn needs at least one reply")
        self._replies = replies
        self._lock = threading.Lock()
        self.calls = 0

    def __call__(self, request: Request) -> Reply:
        with self._lock:
            reply = self._replies[min(self.calls, len(self._replies) - 1)]
            self.calls += 1
        return reply if isinstance(reply, Reply) else reply(request)


def refused_url() -> str:
    """A base URL nothing listens on (a port bound, then released): connections are refused."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    return f"http://{HOST}:{port}/v1"


def hashed_vector(text: str, dim: int = EMBED_DIM) -> list[float]:
    """Character uni- and bigrams hashed into `dim` signed buckets, unit length, float32 values
    (so float and base64 replies decode to the same numbers). Similar texts get near vectors."""
    vec = [0.0] * dim
    for gram in [*text, *(text[i : i + 2] for i in range(len(text) - 1))]:
        h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
        vec[h % dim] += 1.0 if h >> 63 else -1.0
    norm = math.sqrt(sum(v * v for v in vec))
    if norm == 0:  # empty text: a unit vector still, a zero one breaks cosine distance
        vec[0], norm = 1.0, 1.0
    return list(struct.unpack(f"<{dim}f", struct.pack(f"<{dim}f", *(v / norm for v in vec))))


class OpenAIServer:
    """`with OpenAIServer(answer("好")) as srv: OpenAI(base_url=srv.base_url, ...)`.

    `script` may be replaced at any time; `requests` lists what arrived, `errors` the scripts that
    raised (answered with a 500)."""

    def __init__(
        self,
        script: Script | None = None,
        *,
        port: int = 0,
        embed_dim: int = EMBED_DIM,
        models: tuple[str, ...] = MODELS,
    ) -> None:
        if script is None:
            from rag.testing.quoting_model import QuotingModel  # it builds on this module's types

            script = QuotingModel()
        self.script: Script = script
        self.embed_dim = embed_dim
        self.models = models
        self.requests: list[Request] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Httpd((HOST, port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, wake delayed replies and drop open connections."""
        self._stopping.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.drop_connections()
        self._httpd.server_close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def reply_to(self, request: Request) -> Reply:
        """Record the request, then ask the script."""
        self.record(request)
        try:
            return self.script(request)
        except Exception as exc:  # a broken script is the test's bug: say so, keep serving
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return Reply(status=500, error=f"script failed: {type(exc).__name__}: {exc}")


class _Httpd(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops connections under a load test's burst

    def __init__(self, address: tuple[str, int], owner: OpenAIServer) -> None:
        self.owner = owner
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Kept-alive connections would keep their handler threads waiting for a next request."""
        with self._open_lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # prints the traceback


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    server_version = "openai-fake/1"
    timeout = 30  # an idle kept-alive connection is dropped after this
    server: _Httpd

    def log_message(self, format: str, *args: Any) -> None:  # (`format`: the base's name)
        """Silent: the default logs every request to stderr."""

    def do_GET(self) -> None:  # the base dispatches on this name
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, self.path, headers, body if isinstance(body, dict) else {})
        owner = self.server.owner
        if isinstance(body, dict):
            reply = owner.reply_to(request)
        else:
            owner.record(request)
            reply = Reply(status=400, error="The body is not a JSON object.")
        if reply.delay and owner._stopping.wait(reply.delay):
            reply = Reply(close=True)  # shutting down: do not keep the test waiting
        try:
            self._send(request, reply)
        except ConnectionError:  # the client gave up (its timeout): nobody to answer
            self.close_connection = True

    def _send(self, request: Request, reply: Reply) -> None:
        if reply.close:
            self.close_connection = True
            return
        if reply.status >= 400:
            self._json(_error_body(reply), reply.status, reply.headers)
            return
        owner, endpoint = self.server.owner, request.endpoint
        if endpoint == "/chat/completions" and request.method == "POST":
            if not request.messages:
                self._json(_error_body(Reply(status=400, error="'messages' is required")), 400)
            elif request.stream:
                self._stream(_chunks(request, reply), reply)
            else:
                self._json(_completion(request, reply), 200, reply.headers)
        elif endpoint == "/embeddings" and request.method == "POST":
            if "input" not in request.body:
                self._json(_error_body(Reply(status=400, error="'input' is required")), 400)
            else:
                self._json(_embeddings(request, owner.embed_dim), 200, reply.headers)
        elif endpoint == "/models" and request.method == "GET":
            models = [
                {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in owner.models
            ]
            self._json({"object": "list", "data": models}, 200, reply.headers)
        else:
            self._json(_error_body(Reply(status=404, error=f"No route {request.path}")), 404)

    def _json(
        self, obj: dict[str, Any], status: int, headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, chunks: list[dict[str, Any]], reply: Reply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        contents = 0
        for chunk in chunks:
            delta = chunk["choices"][0]["delta"] if chunk["choices"] else {}
            if delta.get("content"):
                if reply.cut_after is not None and contents >= reply.cut_after:
                    self.close_connection = True  # no last chunk: an incomplete chunked body
                    return
                contents += 1
            self._frame(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n")
        self._frame("data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _frame(self, event: str) -> None:
        data = event.encode("utf-8")
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


# ------------------------------------------------------------------------------ response bodies


def _error_body(reply: Reply) -> dict[str, Any]:
    message, kind, code = ERRORS.get(reply.status, ("Request failed.", "server_error", None))
    return {"error": {"message": reply.error or message, "type": kind, "param": None, "code": code}}


def _completion_id(request: Request) -> str:
    """Derived from the request body: the same request, the same id."""
    body = json.dumps(request.body, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return "chatcmpl-" + hashlib.sha256(body).hexdigest()[:24]


def _usage(request: Request, text: str) -> dict[str, int]:
    prompt = sum(len(_text_of(m.get("content"))) for m in request.messages)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": len(text),
        "total_tokens": prompt + len(text),
    }


def _completion(request: Request, reply: Reply) -> dict[str, Any]:
    message = {"role": "assistant", "content": reply.text, "refusal": None}
    return {
        "id": _completion_id(request),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.body.get("model", ""),
        "system_fingerprint": None,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish_reason}
        ],
        "usage": _usage(request, reply.text),
    }


def _chunks(request: Request, reply: Reply) -> list[dict[str, Any]]:
    """`chat.completion.chunk`s: the role, the content deltas, the finish reason and, only when
    `stream_options.include_usage` asks, a last chunk with no choices and the usage (every
    chunk then carries `"usage": null`, as OpenAI's do)."""
    with_usage = bool((request.body.get("stream_options") or {}).get("include_usage"))
    step = max(1, reply.chunk_chars)
    deltas: list[tuple[dict[str, Any], str | None]] = [({"role": "assistant", "content": ""}, None)]
    deltas += [
        ({"content": reply.text[i : i + step]}, None) for i in range(0, len(reply.text), step)
    ]
    deltas.append(({}, reply.finish_reason))
    head = {
        "id": _completion_id(request),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.body.get("model", ""),
        "system_fingerprint": None,
    }
    chunks = [
        {**head, "choices": [{"index": 0, "delta": d, "logprobs": None, "finish_reason": f}]}
        for d, f in deltas
    ]
    if with_usage:
        chunks = [{**c, "usage": None} for c in chunks]
        chunks.append({**head, "choices": [], "usage": _usage(request, reply.text)})
    return chunks


def _embeddings(request: Request, default_dim: int) -> dict[str, Any]:
    raw = request.body.get("input")
    if isinstance(raw, str) or (raw and all(isinstance(x, int) for x in raw)):
        raw = [raw]  # one text, or one text as token ids
    texts = [x if isinstance(x, str) else json.dumps(x) for x in raw or []]
    dim = int(request.body.get("dimensions") or default_dim)
    as_base64 = request.body.get("encoding_format") == "base64"
    data = []
    for i, text in enumerate(texts):
        vec = hashed_vector(text, dim)
        packed = base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode("ascii")
        data.append({"object": "embedding", "index": i, "embedding": packed if as_base64 else vec})
    n = sum(len(t) for t in texts)
    return {
        "object": "list",
        "data": data,
        "model": request.body.get("model", ""),
        "usage": {"prompt_tokens": n, "total_tokens": n},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m rag.testing.openai_server",
        description="Serve the quoting fake model on loopback until Ctrl-C (not for production).",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--invent-every", type=int, default=0, metavar="K")
    args = parser.parse_args(argv)
    from rag.testing.quoting_model import QuotingModel

    with OpenAIServer(QuotingModel(invent_every=args.invent_every), port=args.port) as srv:
        print(srv.base_url, flush=True)
        print(
            f"try: RAG_LLM_BASE_URL={srv.base_url} RAG_LLM_MODEL={MODELS[0]} "
            'RAG_LLM_API_KEY=test rag ask "…"',
            file=sys.stderr,
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
