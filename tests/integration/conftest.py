"""Fixtures of the integration tests: a real `chroma run` server on loopback, one per module
(started by `eval.concurrency.chroma_server`, as the concurrency benchmark starts its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A `chroma run` child on a free loopback port, stopped at teardown; yields the port. A
    module has its own server, so what one module stores never shows in another's counts."""
    from eval.concurrency import chroma_server as serve

    with serve(tmp_path_factory.mktemp("chroma-server")) as port:
        yield port
