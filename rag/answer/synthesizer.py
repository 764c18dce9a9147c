"""The answerer's interface: retrieved chunks (LlamaIndex nodes carrying their offsets) -> a
`Synthesis` (the answer text, its citations, claims and short answer, typed).

Why not LlamaIndex's `BaseSynthesizer`: its contract is text in, text out (`get_response` sees
only the chunks' text, so no quote could carry its offsets), it requires an LLM even of an
answerer that uses none, and it returns what backs the answer in an untyped `metadata` dict.
The offline answerer (`rag.answer.extractive`) and the model's (`rag.answer.generate`) both
implement this protocol; `tests/integration/test_contracts.py` runs the same checks on each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from llama_index.core.schema import NodeWithScore, QueryBundle

from rag.types import Synthesis


class Synthesizer(Protocol):
    def synthesize(
        self,
        query: QueryBundle,
        nodes: Sequence[NodeWithScore],
        on_token: Callable[[str], None] | None = None,
    ) -> Synthesis:
        """The answer to `query` from the ranked `nodes` (best first). `on_token`: called with
        each piece of the text as a model writes it; an answerer that writes nothing piece by
        piece does not call it."""
        ...
