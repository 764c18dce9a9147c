"""What the page draws from the documents beside an answer: questions a newcomer can try, and
the values of the asked quantity that differ between cited documents of different dates.

Both are page features, not stages of the answer: they read the engine's documents or an
answer's citations and add nothing to either. Trade-off: a suggestion comes from one regex
(`_FACT`, a dated figure) over the display text, so it is phrased mechanically and is only
as good as the sentence it was cut from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.errors import RagError
from rag.pipeline import Engine, asked_figures, list_documents
from rag.settings import Settings
from rag.types import Citation


def differing_figures(question: str, citations: Sequence[Citation]) -> list[tuple[Citation, str]]:
    """When sources of different dates give different values for the quantity the question
    asks for, each of those quotes with its value (as written); else []. Quotes that do not
    state the asked quantity (another figure, another year) are left out (`asked_figures`)."""
    from rag.text.figures import figure_list

    stated = asked_figures(question, citations)
    if len({c.date for c, _ in stated}) < 2:
        return []

    def value(text: str) -> object:
        parsed = figure_list(text)
        return parsed[0].value if parsed else "".join(text.split())

    if len({value(span.text) for _, span in stated}) < 2:
        return []
    return [(c, span.text) for c, span in stated]


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
    多少？`), in Simplified; [] without an index. A figure whose words name no place is asked of
    the place its document names most (`2027年产业规模` in a report on 河畔城 -> `2027年河畔城产业
    规模是多少？`), or not at all when the document has no main place: a question that names no
    place cannot be answered from a corpus about several."""
    from rag.text.places import main_place, places_in
    from rag.text.script import in_script, search_key

    try:
        docs = list(engine.docs.values()) if engine else list_documents(settings)
    except RagError:
        return []
    found: list[list[str]] = []
    for doc in sorted(docs, key=lambda d: d.meta.date, reverse=True):
        place = sorted(main_place(search_key(doc.text)))
        questions = []
        for m in _FACT.finditer(doc.text):
            what = in_script(m[2].strip(), False)
            if not places_in(search_key(what)):  # 「产业规模是多少」 names no place: whose?
                if len(place) != 1:
                    continue
                what = place[0] + what
            questions.append(f"{m[1].replace(' ', '')}{what}是多少？")
        found.append(questions)
    picked: list[str] = []
    for round_ in range(max((len(f) for f in found), default=0)):  # one per document in turn
        for questions in found:
            if round_ < len(questions) and questions[round_] not in picked:
                picked.append(questions[round_])
    return picked[:limit]


def corpus_line(rows: Sequence[dict[str, object]]) -> str:
    """The knowledge base in one line: how many documents and the years they span
    (`5 份文档，2021–2025年`), from `documents_table` rows."""
    if not rows:
        return "知识库为空：请在“知识库”页上传文档"
    years = sorted(y for r in rows if (y := str(r.get("date", ""))[:4]).isdigit())
    span = ""
    if years:
        span = f"，{years[0]}年" if years[0] == years[-1] else f"，{years[0]}–{years[-1]}年"
    return f"知识库：{len(rows)} 份文档{span}"
