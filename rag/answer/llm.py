"""LLM: settings -> LlamaIndex `OpenAILike` chat model over `rag.clients`' client, and one call.

Any OpenAI-compatible endpoint works (OpenAI, DeepSeek, Qwen's DashScope compatible mode,
Moonshot, Zhipu, vLLM, Ollama, Xinference): `OpenAILike` in chat mode, with the model name and
context window from settings, never checked against OpenAI's model list.

Retries are the client's (`rag.clients`): LlamaIndex's own retry layer is off. A stream that
breaks after text has arrived is not retried (the asker has seen half an answer): it fails, and
the caller falls back to the extractive answer.
Every failure becomes one `ServiceError` line that says what to check, never the key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import openai
from llama_index.core.llms import LLM, ChatMessage

from rag.clients import openai_client, retried
from rag.errors import ServiceError, Stopped
from rag.settings import Settings


def build_llm(settings: Settings) -> LLM:
    """The configured chat model (the caller checks `settings.llm_configured`)."""
    from llama_index.llms.openai_like import OpenAILike

    key = settings.llm_api_key.get_secret_value()
    return OpenAILike(
        model=settings.llm_model,
        api_base=settings.llm_endpoint(),
        api_key=key or "none",  # local servers take any
        is_chat_model=True,
        is_function_calling_model=False,
        context_window=settings.llm_context_window,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout,
        max_retries=0,  # LlamaIndex's retry layer off: the client retries
        openai_client=openai_client(
            settings.llm_endpoint(), key, settings.llm_timeout, settings.llm_max_retries
        ),
        reuse_client=True,
    )


def chat(
    llm: LLM,
    messages: Sequence[ChatMessage],
    settings: Settings,
    on_token: Callable[[str], None] | None = None,
) -> str:
    """The model's reply to `messages`, streamed to `on_token` when given. A failure (after the
    client's retries) is one `ServiceError` line."""
    started = False
    try:
        if on_token is None:
            return str(llm.chat(list(messages)).message.content or "")
        parts: list[str] = []
        for chunk in llm.stream_chat(list(messages)):
            if chunk.delta:
                started = True
                parts.append(chunk.delta)
                on_token(chunk.delta)
        return "".join(parts)
    except Stopped:
        raise
    except Exception as exc:  # the openai client's errors, or httpx's inside a stream
        attempts = 1 + max(0, settings.llm_max_retries) if retried(exc) and not started else 1
        zh = "大模型服务中途断开，请重新提问" if started else "大模型服务调用失败，请稍后再试"
        raise ServiceError(describe(exc, settings, attempts, started), zh=zh) from exc


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
