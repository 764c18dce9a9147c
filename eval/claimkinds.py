"""The errors strong chat models make, scripted: each function turns a correct claim into a wrong
one of a kind (or a faithful rewording of a style), or returns None when the claim offers no
place for it. Pure and deterministic: `index` picks among the choices, so every run writes the
same answers. Used by eval/claimcases.py, on the seeds and on any corpus.

Wrong kinds (the checker must flag them):
- `entity_swap`: a name of the claim (a person, body, place or other proper name, by jieba's
  tags) replaced by another name of the same tag from the corpus that the cited chunk does not
  hold (企查查 for 清睿教育);
- `quoted_swap`: a name the claim quotes (`「…研究院」`, `《…规划》`) replaced by another the
  corpus quotes that the cited chunk does not hold, written without quotation marks (what the
  corpus's own vocabulary of names catches: jieba knows neither name whole);
- `subject_swap`: the two places of a claim that states figures exchanged (苏州's figure
  stated for 杭州 and the other way round), both still in the cited chunk;
- `appended_clause`: a clause of another passage appended to the true claim (`…，目前已在某地
  率先试点。`), with no figure of its own;
- `year_shift`: a relative year of the source (今年, 去年) written as the wrong absolute year;
- `unit`: a percentage written as percentage points, or the other way round (52% / 52个百分点);
- `direction`: the direction of a change reversed (增长 / 下降).
Faithful styles (the checker must keep them verified):
- `framed`: the claim after a framing clause (`根据文档，…`);
- `combined`: two facts in one sentence, the claim and the next sentence of its chunk;
- `resolved`: the source's relative year written as the absolute year it means.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.text import lexicon
from rag.text.figures import PCT, PP, figure_list
from rag.text.names import quoted_names, tagged
from rag.text.places import place_spans, places_in
from rag.text.script import search_key

ENTITY_TAGS = ("nr", "nt", "ns", "nz")
RELATIVE_YEARS = {"前年": -2, "去年": -1, "今年": 0}
FRAMES = ("根据文档，", "资料显示，", "从材料来看，")
MIN_CLAUSE_CHARS = 6
_YEAR = re.compile(r"(?:19|20)\d{2}")
_CLAUSE = re.compile(r"[，,；;]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def names(text: str) -> list[tuple[str, str]]:
    """The proper names of a text as (name, tag group), in order, each once."""
    seen: dict[str, str] = {}
    for word, flag, _ in tagged(text):
        group = next((t for t in ENTITY_TAGS if flag.startswith(t)), "")
        if group and len(word) > 1 and word not in seen:
            seen[word] = group
    return list(seen.items())


MIN_NAME_DOCS = 2
"""Documents that must tag a word as a name of one group for it to be a name a swap draws: a
word jieba tags as a name once (`维度`, `关联`) is more likely its guess than a name."""


def vocabulary(texts: Sequence[str]) -> dict[str, list[str]]:
    """The corpus's names per tag group, sorted: what a swapped name is drawn from."""
    seen: dict[tuple[str, str], int] = {}
    for text in texts:
        for name, group in names(text):
            seen[(name, group)] = seen.get((name, group), 0) + 1
    out: dict[str, set[str]] = {}
    for (name, group), docs in seen.items():
        if docs >= MIN_NAME_DOCS:
            out.setdefault(group, set()).add(name)
    return {group: sorted(found) for group, found in out.items()}


def entity_swap(claim: str, chunk: str, vocab: dict[str, list[str]], index: int) -> str | None:
    """One name of the claim replaced by another of its tag group (`vocabulary`: the corpus's
    names) that the chunk does not hold: a name from elsewhere in the corpus, the swap models
    make."""
    chunk_key = search_key(chunk)
    found = [(n, g) for n, g in names(claim) if n in chunk and n in claim]
    if not found:
        return None
    name, group = found[index % len(found)]
    same = {p for p, _ in place_spans(search_key(name))}  # 苏州市 for 苏州 is no swap
    pool = [
        o
        for o in vocab.get(group, [])
        if search_key(o) not in chunk_key
        and name not in o
        and o not in name
        and not same & {p for p, _ in place_spans(search_key(o))}
    ]
    if not pool:
        return None
    return claim.replace(name, pool[(index * 7) % len(pool)], 1)


def quoted_vocabulary(texts: Sequence[str]) -> list[str]:
    """What the corpus quotes in quotation or book marks (`「…中心」`, `《…规划》`), as written:
    the names jieba does not know whole, that a quoted swap draws from."""
    found = {n for text in texts for n in quoted_names(text)}
    return sorted(n for n in found if len(_HAN.findall(n)) >= MIN_QUOTED_HAN)


MIN_QUOTED_HAN = 4
"""Han characters of a quoted name a swap draws (shorter quotes are slogans: `加速器`)."""
_HAN = re.compile(r"[\u4e00-\u9fff]")
_QUOTE_MARKS = "“”「」『』《》\""


def quoted_swap(claim: str, chunk: str, vocab: Sequence[str], index: int) -> str | None:
    """A name the claim quotes replaced by another the corpus quotes that the chunk does not
    hold, written without its quotation marks: the swap a model makes when it paraphrases
    (`由启明算力中心承担` for `由「星河研究院」承担`)."""
    chunk_key = search_key(chunk)
    found = [n for n in quoted_names(claim) if n in vocab]
    if not found:
        return None
    name = found[index % len(found)]
    pool = [
        o
        for o in vocab
        if search_key(o) not in chunk_key and name not in o and o not in name
    ]
    if not pool:
        return None
    at = claim.find(name)
    before, after = claim[: at].rstrip(_QUOTE_MARKS), claim[at + len(name) :].lstrip(_QUOTE_MARKS)
    return before + pool[(index * 7) % len(pool)] + after


def subject_swap(claim: str, chunk: str) -> str | None:
    """Two places' figures exchanged: the first two places of the claim that each have a figure
    of their own (one after the place, before the next place), named once each, exchanged."""
    spans = [(p, claim.find(p)) for p in sorted(places_in(claim), key=claim.find)]
    spans = [(p, at) for p, at in spans if at >= 0 and claim.count(p) == 1]
    spans = [(p, at) for p, at in spans if not any(p != q and (p in q or q in p) for q, _ in spans)]
    numbers = [claim.find(f.text) for f in figure_list(claim)]
    own = []
    for i, (place, at) in enumerate(spans):
        end = spans[i + 1][1] if i + 1 < len(spans) else len(claim)
        if any(at < n < end for n in numbers) and place in chunk:
            own.append(place)
    if len(own) < 2:
        return None
    a, b = own[:2]
    return claim.replace(a, "\0").replace(b, a).replace("\0", b)


def appended_clause(claim: str, other: str) -> str | None:
    """The claim with a clause of another passage's sentence appended: the clause must have
    content (`MIN_CLAUSE_CHARS` Han characters), no figure, and words the claim lacks."""
    for clause in _CLAUSE.split(other.rstrip("。！？!?")):
        clause = clause.strip()
        if len(_HAN.findall(clause)) < MIN_CLAUSE_CHARS or figure_list(clause):
            continue
        if search_key(clause) in search_key(claim):
            continue
        return claim.rstrip("。；;，, ") + "，" + clause + "。"
    return None


def _as_year(claim: str, doc_date: str, off: int) -> str | None:
    """The claim's relative year (今年, 去年, 前年) written as the year it means in a document
    of that date, `off` years off."""
    rel = next(((w, d) for w, d in RELATIVE_YEARS.items() if w in claim), None)
    year = _YEAR.match(doc_date)
    if rel is None or year is None:
        return None
    word, delta = rel
    return claim.replace(word, f"{int(year.group(0)) + delta + off}年", 1)


def resolved(claim: str, doc_date: str) -> str | None:
    """The claim's relative year written as the year it means in a document of that date."""
    return _as_year(claim, doc_date, 0)


def year_shift(claim: str, doc_date: str) -> str | None:
    """The claim's relative year written as a year one off (今年 in a 2024 report -> 2023年)."""
    return _as_year(claim, doc_date, -1)


def unit(claim: str, chunk: str) -> str | None:
    """A percentage written as percentage points, or points as a percentage."""
    for figure in figure_list(claim):
        if figure.kind not in (PCT, PP):
            continue
        at = claim.find(figure.text)
        if at < 0:
            continue
        surface = figure.text
        if surface.endswith("个百分点"):
            new = surface[: -len("个百分点")] + "%"
        elif surface.endswith("百分点"):
            new = surface[: -len("百分点")] + "%"
        elif surface.endswith(("%", "％")):
            new = surface[:-1] + "个百分点"
        else:
            continue
        if new in chunk:
            continue
        return claim[:at] + new + claim[at + len(surface) :]
    return None


def direction(claim: str) -> str | None:
    """The first word of a change's direction replaced by its opposite (增长 -> 下降), when the
    claim states a figure (the change is a fact, not a turn of phrase)."""
    if not figure_list(claim):
        return None
    pairs = lexicon.rows("directions")
    best: tuple[int, str, str] | None = None
    for row in pairs:
        up, down = row[0], row[1]
        for word, opposite in ((up, down), (down, up)):
            at = claim.find(word)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, word, opposite)
    if best is None:
        return None
    at, word, opposite = best
    return claim[:at] + opposite + claim[at + len(word) :]


def combined(claim: str, following: str) -> str | None:
    """Two facts in one sentence: the claim and the sentence after it in its chunk, joined by a
    comma (as models merge sentences); None when the next sentence is too short to be one."""
    following = following.strip()
    if len(_HAN.findall(following)) < MIN_CLAUSE_CHARS or following in claim:
        return None
    return claim.rstrip("。；;，, ") + "，" + following.rstrip("。；;，, ") + "。"


def framed(claim: str, index: int) -> str:
    """The claim after a framing clause, as chat models open a sentence."""
    return FRAMES[index % len(FRAMES)] + claim
