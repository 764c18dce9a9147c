"""Fixtures of the integration tests: a real `chroma run` server on loopback, one per module
(started by `bench.harness.chroma_server`, as the benchmarks start their own), and
Debian's Chromium driven by Playwright, one per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.ui import CHROMIUM, CHROMIUM_ARGS

EXPECT_MS = 20_000
"""How long a browser test's `expect` waits, as the pages' `set_default_timeout`."""


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A `chroma run` child on a free loopback port, stopped at teardown; yields the port. A
    module has its own server, so what one module stores never shows in another's counts."""
    from bench.harness import chroma_server as serve

    with serve(tmp_path_factory.mktemp("chroma-server")) as port:
        yield port


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium (never a downloaded one), headless, with the flags of `bench.ui`.
    Assertions wait up to `EXPECT_MS` (Playwright's default, 5 s, is shorter than the pages'
    own waits: a throttled runner answers a first question in more than that)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_MS)

    assert Path(CHROMIUM).exists(), (
        "needs Debian chromium: apt-get install chromium fonts-wqy-zenhei"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
