"""The offline embedder: deterministic, unit norm, script-blind, the configured dimension."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from rag.retrieve.embed import HashedCharNgramEmbedding, build_embedder
from rag.settings import Settings
from tests.conftest import chinese_text, han_run

SIMPLIFIED = "2024年，苏州市人工智能产业实现营收超2300亿元。"
TRADITIONAL = "2024年,蘇州市人工智能產業實現營收超2300億元。"
OTHER = "吴语、昆曲均面临着传承危机。"


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def embedder() -> HashedCharNgramEmbedding:
    return HashedCharNgramEmbedding(dim=256)


def test_same_text_gives_the_same_vector_from_two_instances() -> None:
    a = HashedCharNgramEmbedding(dim=256).get_text_embedding(SIMPLIFIED)
    b = HashedCharNgramEmbedding(dim=256).get_text_embedding(SIMPLIFIED)
    assert a == b


def test_query_and_text_embeddings_agree(embedder) -> None:
    assert embedder.get_query_embedding(SIMPLIFIED) == embedder.get_text_embedding(SIMPLIFIED)


def test_batch_equals_one_by_one(embedder) -> None:
    batch = embedder.get_text_embedding_batch([SIMPLIFIED, OTHER])
    assert batch == [embedder.get_text_embedding(SIMPLIFIED), embedder.get_text_embedding(OTHER)]


@given(han_run(1, 60))
def test_vectors_have_unit_norm(text: str) -> None:
    vec = HashedCharNgramEmbedding(dim=128).get_text_embedding(text)
    assert math.isclose(math.sqrt(sum(v * v for v in vec)), 1.0, rel_tol=1e-9)


@given(chinese_text(max_pieces=20))
def test_vectors_are_finite_for_any_text(text: str) -> None:
    vec = HashedCharNgramEmbedding(dim=64).get_text_embedding(text)
    assert all(math.isfinite(v) for v in vec)


def test_text_without_letters_or_digits_is_the_zero_vector(embedder) -> None:
    assert embedder.get_text_embedding("。，、 \n") == [0.0] * 256


def test_traditional_and_simplified_sentences_get_the_same_vector(embedder) -> None:
    a = embedder.get_text_embedding(SIMPLIFIED)
    b = embedder.get_text_embedding(TRADITIONAL)
    assert cosine(a, b) > 0.999


def test_full_width_digits_get_the_same_vector(embedder) -> None:
    assert (
        cosine(
            embedder.get_text_embedding("２０２４年苏州"), embedder.get_text_embedding("2024年苏州")
        )
        > 0.999
    )


def test_unrelated_sentences_get_different_vectors(embedder) -> None:
    assert cosine(embedder.get_text_embedding(SIMPLIFIED), embedder.get_text_embedding(OTHER)) < 0.5


def test_shared_wording_scores_above_unrelated_wording(embedder) -> None:
    question = embedder.get_query_embedding("苏州人工智能产业营收是多少")
    assert cosine(question, embedder.get_text_embedding(TRADITIONAL)) > cosine(
        question, embedder.get_text_embedding(OTHER)
    )


@pytest.mark.parametrize("dim", [8, 64, 1024])
def test_dimension_is_honoured(dim: int) -> None:
    assert len(HashedCharNgramEmbedding(dim=dim).get_text_embedding(SIMPLIFIED)) == dim


def test_settings_choose_the_offline_embedder_and_its_dimension() -> None:
    embedder = build_embedder(Settings(embed_dim=96, embed_base_url=""))
    assert isinstance(embedder, HashedCharNgramEmbedding)
    assert len(embedder.get_text_embedding(SIMPLIFIED)) == 96


def test_model_name_says_what_it_is() -> None:
    assert HashedCharNgramEmbedding(dim=96).model_name == "hashed-char-ngrams-96"
