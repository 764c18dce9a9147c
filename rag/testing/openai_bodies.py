"""The JSON bodies the loopback OpenAI server (`rag.testing.openai_server`) answers with, shaped
as OpenAI's: the error body, a chat completion, its stream of `chat.completion.chunk`s, the
embeddings (hashed character n-grams, float or base64). Pure functions of the request and the
scripted reply; `usage` counts characters, not tokens.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
import time
from typing import Any

from rag.testing.openai_script import Reply, Request, text_of

EMBED_DIM = 64
"""The vectors' size when a request asks for no `dimensions`."""
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


def error_body(reply: Reply) -> dict[str, Any]:
    """`{"error": {...}}` of `reply.status`, with `reply.error` as its message when given."""
    message, kind, code = ERRORS.get(reply.status, ("Request failed.", "server_error", None))
    return {"error": {"message": reply.error or message, "type": kind, "param": None, "code": code}}


def _completion_id(request: Request) -> str:
    """Derived from the request body: the same request, the same id."""
    body = json.dumps(request.body, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return "chatcmpl-" + hashlib.sha256(body).hexdigest()[:24]


def _usage(request: Request, text: str) -> dict[str, int]:
    prompt = sum(len(text_of(m.get("content"))) for m in request.messages)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": len(text),
        "total_tokens": prompt + len(text),
    }


def completion(request: Request, reply: Reply) -> dict[str, Any]:
    """A `chat.completion` of `reply.text`."""
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


def completion_chunks(request: Request, reply: Reply) -> list[dict[str, Any]]:
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


def embeddings(request: Request, default_dim: int) -> dict[str, Any]:
    """The embedding of each input, as floats or, when asked, base64 little-endian float32."""
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
