"""Prompt: the Chinese prompt files in `prompts/`, loaded by name, placeholders checked at load.

A prompt is plain UTF-8 text with `{name}` placeholders. `load(name)` refuses a file whose
placeholders differ from what the code fills in, so an edited prompt that drops `{sources}` fails
at once with one line instead of sending the model a question without its sources. The refusal
sentence is not written in the files: `{refusal}` is filled from `rag.answer.cite.CANNOT_ANSWER`,
the one definition the answerers and the claim checker share.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from rag.errors import UserError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"

PLACEHOLDERS: dict[str, frozenset[str]] = {
    "system": frozenset({"refusal"}),
    "answer": frozenset({"sources", "question"}),
    "source": frozenset({"n", "title", "date", "text"}),
    "condense": frozenset({"history", "question"}),
}
"""Every prompt, and the placeholders the code fills in."""


def placeholders(template: str) -> frozenset[str]:
    return frozenset(f for _, f, _, _ in string.Formatter().parse(template) if f)


@lru_cache(maxsize=16)
def load(name: str) -> str:
    """The prompt `prompts/<name>.txt`, checked against `PLACEHOLDERS[name]`."""
    path = PROMPTS_DIR / f"{name}.txt"
    try:
        template = path.read_text(encoding="utf-8").strip("\n")
    except OSError as exc:
        raise UserError(f"cannot read the prompt {path}: {exc.strerror}") from exc
    found, wanted = placeholders(template), PLACEHOLDERS[name]
    if found != wanted:
        raise UserError(
            f"prompt {path} has placeholders {sorted(found)}, expected {sorted(wanted)}"
        )
    return template


def render(name: str, **values: object) -> str:
    """The prompt with its placeholders filled (values are inserted as text, never parsed)."""
    return load(name).format(**{k: str(v) for k, v in values.items()})
