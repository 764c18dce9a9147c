"""The claim checker benchmark's first kinds, scripted from a gold claim (eval/claimgold.py): the
paraphrase, the altered figure, the wrong source, the invented claim and the long answer. Each
returns None when the claim or its sources offer no place for it. Pure and deterministic:
`index` picks among the choices. The kinds strong chat models get wrong are eval/claimkinds.py's;
eval/claimcases.py assembles both into labelled answers (no_source and borrowed need no builder).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from eval.claimgold import MIN_CLAIM_CHARS, Gold
from rag.answer.cite import marker
from rag.answer.claims import Source, split_claims
from rag.text.figures import Figure, figure_list, figures
from rag.text.script import search_key

LONG_CLAIMS = 6
_ASKED = re.compile(
    r"多少[个個家项項件名位人所条條款台次起天倍]?|[几幾](?:[个個家项項件名位人所期年]|)"
    r"|有?多大(?:比重)?|哪[几幾]?[些个個家座所]|什[么麼](?:名字)?|甚麼|第[几幾]"
)


def source_figures(src: Source) -> frozenset[Figure]:
    header = f"{src.doc.meta.title} {src.doc.meta.date}"
    return figures(src.doc.text[src.start : src.end]) | figures(header)


def paraphrase(q: dict[str, Any], src: Source) -> str | None:
    """The question turned into its answer, as a model echoing the question writes it
    (`…企业有多少家？` -> `…企业有378家。`), when the source holds every answer it names."""
    key = search_key(src.doc.text[src.start : src.end])
    alts = []
    for group in q["must"]:
        found = next((a for a in group if search_key(a) in key), None)
        if found is None:
            return None
        alts.append(found)
    asked = _ASKED.findall(q["question"])
    if not asked or len(asked) not in (1, len(alts)):
        return None
    answers = iter(alts) if len(asked) == len(alts) else iter(["、".join(alts)])
    text = _ASKED.sub(lambda m: next(answers), q["question"])
    text = re.sub(r"[？?]+(?=.)", "，", text)
    return re.sub(r"[？?]$", "", text) + "。"


def _alterations(surface: str) -> list[str]:
    out = []
    digit = re.search(r"\d", surface)
    if digit:
        d = int(digit.group(0))
        new = str(d + 1) if d < 9 else "8"
        out.append(surface[: digit.start()] + new + surface[digit.end() :])
    if "亿" in surface:
        out.append(surface.replace("亿", "万"))
    return out


def altered(claim: str, src: Source, index: int) -> str | None:
    """The claim with one figure changed to one the source does not state."""
    have = source_figures(src)
    stated = figure_list(claim)
    for k in range(len(stated)):
        surface = stated[(index + k) % len(stated)].text
        at = claim.find(surface)
        if at < 0:
            continue
        for new in _alterations(surface):
            changed = claim[:at] + new + claim[at + len(surface) :]
            if any(f not in have for f in figure_list(changed)):
                return changed
    return None


def lacks(src: Source, answer_key: str, claim: str) -> bool:
    """The source cannot back the claim: it lacks the answer (and one of the claim's figures)."""
    if answer_key in search_key(src.doc.text[src.start : src.end]):
        return False
    stated = figures(claim)
    return not stated or not stated <= source_figures(src)


def wrong_source(sources: Sequence[Source], gold: Gold, claim: str) -> int | None:
    """The number of another retrieved source that cannot back the claim: a hard negative."""
    for src in sources:
        if src.n != gold.source.n and lacks(src, gold.answer_key, claim):
            return src.n
    return None


def invented(src: Source, index: int) -> str:
    """A claim of a figure the source does not state."""
    have = source_figures(src)
    count = 1000 + 37 * index
    while any(f in have for f in figure_list(f"{count}家")):
        count += 1
    return f"苏州人工智能相关企业数量已达{count}家。"


def long_answer(sources: Sequence[Source]) -> str | None:
    """Six correct claims, the first whole sentence of each of the first six sources."""
    lines = []
    for src in sources:
        for sent in src.sentences:
            pieces = split_claims(src.doc.text[sent.start : sent.end])
            if len(pieces) == 1 and len(pieces[0][0]) >= MIN_CLAIM_CHARS and not pieces[0][1]:
                lines.append(pieces[0][0] + marker(src.n))
                break
        if len(lines) == LONG_CLAIMS:
            return "\n".join(lines)
    return None
