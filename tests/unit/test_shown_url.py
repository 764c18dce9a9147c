"""Endpoint URLs in messages never carry credentials (user:key@host, ?api-key=...)."""

from __future__ import annotations

import pytest

from rag.answer.llm import describe
from rag.settings import Settings, shown_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://user:sk-secret@api.example.com:8443/v1?api-key=sk-secret",
            "https://api.example.com:8443/v1",
        ),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        (
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
        ),
    ],
)
def test_shown_url_drops_credentials_and_query(url: str, shown: str) -> None:
    assert shown_url(url) == shown


def test_an_llm_error_message_does_not_show_a_key_in_the_endpoint_url(tmp_path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        llm_model="m",
        llm_base_url="https://u:sk-secret@h.example/v1?key=sk-secret",
    )
    message = describe(TimeoutError("timed out"), settings, 1, False)
    assert "sk-secret" not in message and "https://h.example/v1" in message
