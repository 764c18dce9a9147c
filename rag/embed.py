"""Embed: text -> vector. Offline default: hashed character n-grams; else any OpenAI-compatible API.

`HashedCharNgramEmbedding` is a LlamaIndex `BaseEmbedding` that needs no weights and no network:
it folds the text to its search key (Simplified, half width), counts character 1-, 2- and 3-grams,
hashes them (crc32, stable across processes) into `dim` signed buckets with sublinear weights and
L2-normalizes. It is a lexical vector, not a semantic one: it finds passages that share wording
with the question in either script, which is what the BM25 half of hybrid retrieval misses when
jieba segments a question and a passage differently. Paraphrases sharing no characters are out of
its reach; configure an embedding endpoint for those.
"""

from __future__ import annotations

import logging
import math
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import Field

from rag.clean import search_key
from rag.errors import ServiceError
from rag.settings import Settings, shown_url

_NGRAM_WEIGHTS = {1: 0.5, 2: 1.0, 3: 1.0}


def _features(text: str) -> Counter[str]:
    chars = "".join(ch for ch in search_key(text) if ch.isalnum())
    grams: Counter[str] = Counter()
    for n in _NGRAM_WEIGHTS:
        grams.update(f"{n}:{chars[i : i + n]}" for i in range(len(chars) - n + 1))
    return grams


class HashedCharNgramEmbedding(BaseEmbedding):
    """Deterministic offline embedder: hashed, signed character n-gram counts (not semantic)."""

    dim: int = Field(default=1024, description="Number of hash buckets (vector dimension).")

    def __init__(self, dim: int = 1024, **kwargs: Any) -> None:
        super().__init__(dim=dim, model_name=f"hashed-char-ngrams-{dim}", **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "HashedCharNgramEmbedding"

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for gram, count in _features(text).items():
            h = zlib.crc32(gram.encode("utf-8"))
            sign = 1.0 if h & 1 else -1.0
            vec[(h >> 1) % self.dim] += sign * _NGRAM_WEIGHTS[int(gram[0])] * (1 + math.log(count))
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]


def build_embedder(settings: Settings) -> BaseEmbedding:
    """The configured embedder: an OpenAI-compatible endpoint when set, else the offline one."""
    if not settings.embed_base_url:
        return HashedCharNgramEmbedding(dim=settings.embed_dim)
    return _endpoint_embedding_class()(
        model_name=settings.embed_model,
        api_base=settings.embed_base_url,
        api_key=settings.embed_api_key.get_secret_value() or "none",
        max_retries=EMBED_ATTEMPTS,
        timeout=30.0,
    )


EMBED_ATTEMPTS = 3
"""Calls of a failing embeddings endpoint, at most (timeouts, 429 after Retry-After, 5xx)."""


@lru_cache(maxsize=1)
def _endpoint_embedding_class() -> type[BaseEmbedding]:
    """`OpenAILikeEmbedding` with one retry layer. Its `max_retries` drives both the `openai`
    client's retries and LlamaIndex's tenacity loop, which multiply (2 meant 6 calls); the
    client's are turned off, so tenacity's `stop_after_attempt(max_retries)` alone decides.
    (Imported late: the offline default never loads the openai client.)"""
    from llama_index.embeddings.openai_like import OpenAILikeEmbedding

    # Its tenacity loop logs every retry at WARNING with the provider's error body, which may
    # echo the key, and which the CLI's stderr would show: our one-line error says it instead.
    logging.getLogger("llama_index.embeddings.openai.utils").setLevel(logging.ERROR)

    class EndpointEmbedding(OpenAILikeEmbedding):
        def _get_credential_kwargs(self, is_async: bool = False) -> dict[str, Any]:
            return {**super()._get_credential_kwargs(is_async), "max_retries": 0}

    return EndpointEmbedding


@contextmanager
def endpoint_errors(settings: Settings) -> Iterator[None]:
    """An embeddings endpoint's failure (after its retries) as one `ServiceError` line that says
    what to check; other errors pass through."""
    import httpx
    import openai

    try:
        yield
    except (openai.APIError, httpx.HTTPError) as exc:
        status = getattr(exc, "status_code", None)
        what = f"HTTP {status}" if status else type(exc).__name__
        raise ServiceError(
            f"the embeddings endpoint {shown_url(settings.embed_base_url)} failed ({what}) after"
            f" {EMBED_ATTEMPTS} attempts: check RAG_EMBED_BASE_URL, RAG_EMBED_MODEL and"
            " RAG_EMBED_API_KEY"
        ) from None
