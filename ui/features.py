"""What the page draws from the documents beside an answer: questions a newcomer can try, and
the figures that differ between cited documents of different dates.

Both are page features, not stages of the answer: they read the engine's documents or an
answer's citations and add nothing to either. Trade-off: a suggestion comes from one regex
(`_FACT`, a dated figure) over the display text, so it is phrased mechanically and is only
as good as the sentence it was cut from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.errors import RagError
from rag.pipeline import Engine, list_documents
from rag.settings import Settings
from rag.types import Citation


def differing_figures(citations: Sequence[Citation]) -> list[tuple[Citation, list[str]]]:
    """When quotes from documents of different dates state different figures, each quote with
    its figures (as written); else []. What a reader needs to see side by side."""
    from rag.text.figures import figure_list

    stated = [(c, figure_list(c.quote)) for c in citations]
    stated = [(c, f) for c, f in stated if f]
    if len({c.date for c, _ in stated}) < 2:
        return []
    values = [frozenset(f) for _, f in stated]
    if all(v == values[0] for v in values):
        return []
    return [(c, [x.text for x in dict.fromkeys(f)]) for c, f in stated]


_FACT = re.compile(
    r"((?:19|20)\d{2}\s*年)[，,\s]*(?:实现|實現|已|将|將)?"
    r"([^，,。；;：:\d（）()“”\"]{4,22}?)(?:超过|超|突破|达到|达|近|约|为|共)?\s*"
    r"\d[\d.,]*\s*(?:亿元|億元|万元|萬元|家|个|個|项|項|%|P)"
)


def suggested_questions(
    settings: Settings, engine: Engine | None = None, limit: int = 4
) -> list[str]:
    """Questions drawn from the corpus for a newcomer to try: a dated figure of each document
    in turn (`2024年,苏州市人工智能产业实现营收超2300亿元` -> `2024年苏州市人工智能产业实现营收是
    多少？`), in Simplified; [] without an index."""
    from rag.text.script import in_script

    try:
        docs = list(engine.docs.values()) if engine else list_documents(settings)
    except RagError:
        return []
    found: list[list[str]] = []
    for doc in sorted(docs, key=lambda d: d.meta.date, reverse=True):
        found.append(
            [
                in_script(f"{m[1].replace(' ', '')}{m[2].strip()}是多少？", False)
                for m in _FACT.finditer(doc.text)
            ]
        )
    picked: list[str] = []
    for round_ in range(max((len(f) for f in found), default=0)):  # one per document in turn
        for questions in found:
            if round_ < len(questions) and questions[round_] not in picked:
                picked.append(questions[round_])
    return picked[:limit]
