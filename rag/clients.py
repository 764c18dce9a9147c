"""Clients of OpenAI-compatible endpoints (chat and embeddings), and their one retry policy.

Retries are the `openai` SDK's, and only the SDK's: `max_retries` on the client retries
timeouts, refused connections, 408, 409, 429 (waiting what `Retry-After` asks, up to a minute)
and 5xx, with exponential backoff and jitter; any other 4xx is final. LlamaIndex wraps the same
calls in retry layers of its own (`llm_retry_decorator`, tenacity in its embeddings), which would
multiply the attempts (three retries in each became sixteen calls): the chat model is given this
client with LlamaIndex's retries off, and embeddings call this client directly
(`rag.retrieve.embed.EndpointEmbedding`). A streamed answer is retried only until its first
piece arrives: once the asker has seen half an answer, a break is final.

(Imported late by its callers: the offline default never loads the openai package, which costs
the first question about a second.)
"""

from __future__ import annotations

from typing import Any


def openai_client(base_url: str, api_key: str, timeout: float, retries: int) -> Any:
    """An `openai.OpenAI` client for `base_url` that retries a failed call `retries` times."""
    import openai

    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key or "none",  # local servers take any key
        timeout=timeout,
        max_retries=max(0, retries),
    )


def retried(exc: Exception) -> bool:
    """Was the failed call retried by the client: is `exc` one the SDK retries?"""
    import openai

    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError)  # timeouts included
