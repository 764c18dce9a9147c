"""Embeddings from an OpenAI-compatible endpoint (`OpenAILikeEmbedding`) through a real HTTP
server on loopback: a whole ingest and a question go through it, and its failures are one
bounded, single-layer retry loop and one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.errors import ServiceError
from rag.pipeline import ask, ingest, open_engine
from rag.retrieve.embed import EMBED_ATTEMPTS
from rag.testing.openai_server import OpenAIServer, Reply, Request, fault
from tests.conftest import SEED_IDS, SEEDS, make_settings


def embeddings(server: OpenAIServer) -> list[Request]:
    return [r for r in server.requests if r.endpoint == "/embeddings"]


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer(lambda request: Reply(), embed_dim=256) as srv:
        yield srv


def endpoint_settings(data_dir: Path, server: OpenAIServer):
    return make_settings(
        data_dir,
        embed_base_url=server.base_url,
        embed_model="bge-m3",
        embed_api_key="sk-embed-secret",
    )


def test_ingest_and_ask_go_through_the_endpoint(server, tmp_path) -> None:
    settings = endpoint_settings(tmp_path / "data", server)
    report, _ = ingest(settings)
    assert sorted(report.added) == SEED_IDS and len(embeddings(server)) >= len(SEED_IDS)
    asked_before = len(embeddings(server))
    result = ask("2024年苏州人工智能产业营收是多少？", settings)
    assert "2300" in result.answer and len(embeddings(server)) == asked_before + 1
    assert result.index["embedder"] == "bge-m3"
    assert settings.index_identity() != make_settings(tmp_path).index_identity()


def test_a_failing_endpoint_is_called_a_bounded_number_of_times_then_one_line(
    server, tmp_path
) -> None:
    settings = endpoint_settings(tmp_path / "data", server)
    server.script = fault(503)
    before = len(embeddings(server))
    try:
        with pytest.raises(ServiceError) as caught:
            ingest(settings, [SEEDS / f"{SEED_IDS[0]}.txt"])
    finally:
        server.script = lambda request: Reply()
    assert len(embeddings(server)) - before == EMBED_ATTEMPTS  # not attempts x client retries
    message = str(caught.value)
    assert "HTTP 503" in message and "RAG_EMBED_BASE_URL" in message and "\n" not in message
    assert "sk-embed-secret" not in message  # never the key


def test_a_question_whose_embedding_fails_is_one_line_not_a_traceback(server, tmp_path) -> None:
    settings = endpoint_settings(tmp_path / "data", server)
    ingest(settings, [SEEDS / f"{SEED_IDS[0]}.txt"])
    engine = open_engine(settings)
    server.script = fault(401)
    try:
        with pytest.raises(ServiceError, match="HTTP 401"):
            ask("苏州人工智能产业规模有多大？", settings, engine)
    finally:
        server.script = lambda request: Reply()
