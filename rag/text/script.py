"""Script: Simplified and Traditional Chinese, converted by OpenCC (one converter per direction,
built on first use, shared by every stage).

- `search_key`: what every comparison of text is made on (retrieval, scoring, claim checking):
  NFKC width folding, Traditional -> Simplified, lower case. Not offset-preserving, so quotes
  and offsets always refer to the display text, never to a key.
- `is_traditional` (a question or answer: any character that conversion would change) and
  `detect_script` (a whole document: more than 5% of its Han characters) say which script a
  text is in; `in_script` writes our own wording (labels, refusals) in the asker's script.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

_DOCUMENT_SHARE = 0.05
"""Share of a document's Han characters that must change under Traditional -> Simplified for it
to count as Traditional (a Simplified text quoting a few Traditional names stays Simplified)."""
_DOCUMENT_SAMPLE = 4000


@lru_cache(maxsize=2)
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def search_key(text: str) -> str:
    """NFKC width folding, Traditional->Simplified, lower case. Not offset-preserving."""
    return str(_converter("t2s").convert(unicodedata.normalize("NFKC", text))).lower()


def _han(text: str) -> list[str]:
    return [c for c in text if "\u4e00" <= c <= "\u9fff"]


def is_traditional(text: str) -> bool:
    """True when the text has characters that Traditional->Simplified would change."""
    han = _han(text)
    key = search_key("".join(han))
    return any(a != b for a, b in zip(han, key, strict=False))


def detect_script(text: str) -> str:
    """`繁` when a noticeable share of Han characters change under Traditional->Simplified,
    `简` otherwise, `` for a text without Han characters."""
    han = _han(text)
    if not han:
        return ""
    sample = "".join(han[:_DOCUMENT_SAMPLE])
    changed = sum(a != b for a, b in zip(sample, search_key(sample), strict=False))
    return "繁" if changed / len(sample) > _DOCUMENT_SHARE else "简"


def simplified(text: str) -> str:
    """OpenCC's Traditional -> Simplified alone (no width folding, no case)."""
    return str(_converter("t2s").convert(text))


def in_script(text: str, traditional: bool) -> str:
    """Our own wording (labels, refusals, a document's title in a label) in the asker's script;
    never applied to quotes."""
    return str(_converter("s2t" if traditional else "t2s").convert(text))
