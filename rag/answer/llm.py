"""LLM: settings -> LlamaIndex `OpenAILike` chat model, and the one layer that retries its calls.

Any OpenAI-compatible endpoint works (OpenAI, DeepSeek, Qwen's DashScope compatible mode,
Moonshot, Zhipu, vLLM, Ollama, Xinference): `OpenAILike` in chat mode, with the model name and
context window from settings, never checked against OpenAI's model list.

Retries happen here and only here. Both the `openai` client and LlamaIndex's `llm_retry_decorator`
retry by default, with `max_retries` applied by each, so three retries would become sixteen calls;
both are set to 0 and `call` retries timeouts, 429 (waiting what `Retry-After` says, capped),
5xx and refused connections `settings.llm_max_retries` times with a short backoff. A 4xx other
than 429 is not retried. A stream that breaks after text has arrived is not retried either (the
asker has seen half an answer): it fails, and the caller falls back to the extractive answer.
Every failure becomes one `ServiceError` line that says what to check, never the key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import openai
from llama_index.core.llms import LLM, ChatMessage

from rag.errors import ServiceError, Stopped
from rag.settings import Settings

MAX_WAIT = 20.0
"""The longest wait between two attempts, whatever `Retry-After` asks (seconds)."""
BACKOFF = 0.5


def build_llm(settings: Settings) -> LLM:
    """The configured chat model (the caller checks `settings.llm_configured`)."""
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=settings.llm_model,
        api_base=settings.llm_endpoint(),
        api_key=settings.llm_api_key.get_secret_value() or "none",  # local servers take any
        is_chat_model=True,
        is_function_calling_model=False,
        context_window=settings.llm_context_window,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout,
        max_retries=0,  # retries are `call`'s alone
        reuse_client=True,
    )


def chat(
    llm: LLM,
    messages: Sequence[ChatMessage],
    settings: Settings,
    on_token: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """The model's reply to `messages`, streamed to `on_token` when given, with retries."""

    def once(started: list[bool]) -> str:
        if on_token is None:
            return str(llm.chat(list(messages)).message.content or "")
        parts: list[str] = []
        for chunk in llm.stream_chat(list(messages)):
            if chunk.delta:
                started[0] = True
                parts.append(chunk.delta)
                on_token(chunk.delta)
        return "".join(parts)

    return call(once, settings, sleep)


def call(
    attempt: Callable[[list[bool]], str],
    settings: Settings,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """`attempt(started)` up to `1 + settings.llm_max_retries` times. `started[0]` is set by
    the attempt once output reached the asker: a failure after that is final."""
    tries = 1 + max(0, settings.llm_max_retries)
    for n in range(tries):
        started = [False]
        try:
            return attempt(started)
        except Stopped:
            raise
        except Exception as exc:  # the openai client's errors, or httpx's inside a stream
            wait = _retry_wait(exc, n)
            if wait is None or started[0] or n == tries - 1:
                raise ServiceError(describe(exc, settings, n + 1, started[0])) from exc
            sleep(wait)
    raise AssertionError("unreachable")


def _retry_wait(exc: Exception, n: int) -> float | None:
    """Seconds to wait before retrying after `exc` (attempt `n`, from 0), None: do not retry."""
    backoff = BACKOFF * float(2**n)
    if isinstance(exc, openai.RateLimitError):
        return min(MAX_WAIT, _retry_after(exc) or backoff)
    if isinstance(exc, openai.APIStatusError):
        return backoff if exc.status_code >= 500 else None
    if isinstance(exc, openai.APIConnectionError | openai.APITimeoutError):
        return backoff
    if _is_transport_error(exc):
        return backoff
    return None


def _retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after", "") if exc.response is not None else ""
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _is_transport_error(exc: Exception) -> bool:
    import httpx

    return isinstance(exc, httpx.TransportError | openai.APIError)


def describe(exc: Exception, settings: Settings, attempts: int, started: bool = False) -> str:
    """One line: what failed and what to check (never the key)."""
    where = f"the LLM endpoint {settings.llm_endpoint_shown()}"
    tried = f" ({attempts} attempts)" if attempts > 1 else ""
    if started:
        return f"{where} cut its answer off mid-stream; ask again"
    if isinstance(exc, openai.AuthenticationError):
        return f"{where} rejected the API key (401): set RAG_LLM_API_KEY"
    if isinstance(exc, openai.PermissionDeniedError):
        return f"{where} refused access (403): check the key's permissions for {settings.llm_model}"
    if isinstance(exc, openai.NotFoundError):
        return f"{where} has no such model or path (404): check RAG_LLM_MODEL and RAG_LLM_BASE_URL"
    if isinstance(exc, openai.RateLimitError):
        return f"{where} is rate limiting (429){tried}: wait a minute or raise your quota"
    if isinstance(exc, openai.APIStatusError):
        return f"{where} failed with HTTP {exc.status_code}{tried}: try again later"
    if isinstance(exc, openai.APITimeoutError):
        wait = f"{settings.llm_timeout:g} s"
        return f"{where} did not answer within {wait}{tried}: raise RAG_LLM_TIMEOUT"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot connect to {where}{tried}: is the server running? check RAG_LLM_BASE_URL"
    return f"{where} failed{tried}: {type(exc).__name__}"


def messages(system: str, user: str) -> list[ChatMessage]:
    return [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]
