"""The claim checker's rules, each one reason a claim is not supported by the sources it cites
(see `rag.answer.claims` for the whole list): a figure or quoted name no source states, a name
from elsewhere, an enumeration's outer item, a figure stated of another place or body or
changing the other way, an invented clause.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.answer.claimsources import Read, sentences
from rag.answer.claimtext import bigrams, entities, overlap, vocabulary_names
from rag.text import lexicon
from rag.text.figures import Figure, figure_spans, figures
from rag.text.names import tagged
from rag.text.places import place_spans
from rag.text.script import search_key

MIN_OVERLAP = 0.3
"""Share of a claim's bigrams (title words left out) that must occur in a cited chunk. Measured by
`python -m eval.claimcheck`: every wrong-source claim is caught from 0.25 up to 0.7 while false
flags on faithful paraphrases rise with the threshold (12% at 0.3, 31% at 0.5); 0.2 lets
wrong-source claims through. 0.3 is the low end of that plateau with a step of margin."""

NO_SOURCE = "no_source"
BAD_MARKER = "bad_marker"
NOT_SUPPORTED = "not_supported"
FIGURE_NOT_IN_SOURCE = "figure_not_in_source"
NAME_NOT_IN_SOURCE = "name_not_in_source"
ENTITY_NOT_IN_SOURCE = "entity_not_in_source"
SUBJECT_MISMATCH = "subject_mismatch"
DIRECTION_DIFFERS = "direction_differs"
CLAUSE_NOT_SUPPORTED = "clause_not_supported"
MIN_CLAUSE_CHARS = 6
"""Han characters a clause needs to be a claim of its own (`根据文档，` states nothing)."""
MIN_CLAUSE_OVERLAP = 0.3
"""Share of a clause's bigrams its cited chunks must hold, as `MIN_OVERLAP` for a sentence."""
ECHO_OVERLAP = 0.5
"""Share of a clause's bigrams in the question that make it the question restated."""



def first_missing(
    stated: list[Figure], names: list[str], reads: Sequence[Read], claim_key: str
) -> str:
    """The reason naming the first figure, else quoted name, that none of `reads` states."""
    have: set[Figure] = set()
    for r in reads:
        have |= r.literal
        if search_key(r.source.doc.meta.title) in claim_key:  # the claim names its document
            have |= r.dated

    def meant(year: Figure) -> bool:  # a relative year's, stated with the sentence's figures
        others = set(stated) - {year}
        return any(
            year in years and (not others or others & said)
            for r in reads
            for years, said in r.relative
        )

    figure = next((f for f in stated if f not in have and not meant(f)), None)
    if figure is not None:
        return f"{FIGURE_NOT_IN_SOURCE}:{figure.text}"
    name = next((n for n in names if not any(n in r.key for r in reads)), None)
    return f"{NAME_NOT_IN_SOURCE}:{name}" if name is not None else ""


_JOINS = ("和", "及", "与", "以及")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def outer_item_missing(key: str, reads: Sequence[Read]) -> str:
    """The first or last item of an enumeration (`甲、乙和丙`) that no cited source holds, as
    jieba's words: the word right before its first 、 (held when some ending of it is: jieba
    may run the verb before it in, `举了思必驰`) and the one right after its last, or after the
    和/及/与 that follows (held when some beginning of it is)."""
    if "、" not in key:
        return ""
    words = [w for w, _, _ in tagged(key)]
    marks = [i for i, w in enumerate(words) if w == "、"]
    held = " ".join(r.key for r in reads)
    items: list[tuple[str, bool]] = []  # (word, is the first item)
    if marks[0] > 0:
        items.append((words[marks[0] - 1], True))
    after = marks[-1] + 1
    if after < len(words):
        items.append((words[after], False))
    if after + 2 < len(words) and words[after + 1] in _JOINS:  # 甲、乙和丙: 丙 too
        items.append((words[after + 2], False))
    for word, first in items:
        if len(word) < 2 or len(_HAN.findall(word)) < len(word):
            continue
        parts = (
            [word[i:] for i in range(len(word) - 1)]
            if first
            else [word[:j] for j in range(len(word), 1, -1)]
        )
        if not any(p in held for p in parts):
            return f"{NAME_NOT_IN_SOURCE}:{word}"
    return ""


# ------------------------------------------------------------------- what a figure is bound to

_CLAUSE_END = "，,；;：:"


@lru_cache(maxsize=1)
def _directions() -> dict[str, str]:
    """Each word of a change's direction -> `up` or `down` (`rag/text/lexicon/directions.tsv`)."""
    out: dict[str, str] = {}
    for row in lexicon.rows("directions"):
        out[row[0]], out[row[1]] = "up", "down"
    return out


def _direction(clause: str) -> tuple[str, str]:
    """The last direction word of a clause and its direction, or ("", "")."""
    best = ("", "", -1)
    for word, way in _directions().items():
        at = clause.rfind(word)
        if at > best[2]:
            best = (word, way, at)
    return best[0], best[1]


BODY_TAGS = ("nr", "nt", "nz")
"""jieba's tags of the bodies (companies, institutions, people) a figure may be stated of."""


@dataclass(frozen=True)
class _Bound:
    """A figure of a sentence and what it is stated of."""

    figure: Figure
    place: str
    """The last place named before it ("" when none is, or a scope word stands between)."""
    body: str
    """The last company, institution or person named before it in its clause ("" if none)."""
    word: str
    """The direction word before it in its clause (增长), and that word's direction."""
    way: str

    def agrees(self, claim: _Bound, body: bool = True, way: bool = True) -> bool:
        """Does this source figure not contradict the claim's on its place (and body, and
        direction)? A side naming none does not contradict."""
        return (
            (not claim.place or self.place in ("", claim.place))
            and (not body or not claim.body or self.body in ("", claim.body))
            and (not way or not claim.way or not self.way or self.way == claim.way)
        )


def _bound(key: str, bodies: bool = True) -> list[_Bound]:
    """Every figure of a sentence's search key with what it is stated of. The place is the last
    one named before the figure (`苏州有人才7000人，杭州有5000人`: 7000 is 苏州's, 5000 杭州's),
    none when a scope word stands between (`rag/text/lexicon/scopes.txt`); the body is the last
    name of a company, institution or person before it in its clause (`甲公司营收80亿元，乙公司
    营收60亿元`), not a place."""
    places = place_spans(key)
    names = [  # jieba's tagging is the costly part: skipped when no body is asked about
        (w, at)
        for w, flag, at in (tagged(key) if bodies else ())
        if len(w) > 1 and flag.startswith(BODY_TAGS) and not place_spans(w)
    ]
    out = []
    for fig, at in figure_spans(key):
        place, start = next(((p, i) for p, i in reversed(places) if i < at), ("", 0))
        if any(w in key[start:at] for w in lexicon.words("scopes")):
            place = ""  # `苏州…占全省40%`: the whole's share, no place's figure
        clause = max(key.rfind(c, 0, at) for c in _CLAUSE_END) + 1
        body = next((w for w, i in reversed(names) if clause <= i < at), "")
        word, way = _direction(key[clause:at])
        out.append(_Bound(fig, place, body, word, way))
    return out


def binding_error(key: str, reads: Sequence[Read]) -> str:
    """The first figure of the claim stated of another place or body, or changing the other way,
    than wherever its cited sources state it; "" when every figure agrees somewhere. A place is
    the same place (苏州市 is 苏州), not one inside it: 苏州's figure is not 江苏's."""
    claims = _bound(key)
    wanted = {c.figure for c in claims if c.place or c.body or c.way}
    if not wanted:
        return ""
    bodies = any(c.body for c in claims)
    stated: list[_Bound] = []  # the figures of every source sentence stating one of them
    for r in reads:
        doc = r.source.doc
        for sent in sentences(r):
            said = search_key(doc.text[sent.start : sent.end])
            if figures(said) & wanted:
                stated += _bound(said, bodies)
    respective = any(w in key for w in lexicon.words("respective"))
    for claim in claims:
        if respective:
            claim = _Bound(claim.figure, "", "", claim.word, claim.way)
        found = [b for b in stated if b.figure == claim.figure]
        if not found or not (claim.place or claim.body or claim.way):
            continue
        if any(b.agrees(claim) for b in found):
            continue
        if not any(b.agrees(claim, body=False, way=False) for b in found):
            return f"{SUBJECT_MISMATCH}:{claim.place}"
        if not any(b.agrees(claim, way=False) for b in found):
            return f"{SUBJECT_MISMATCH}:{claim.body}"
        return f"{DIRECTION_DIFFERS}:{claim.word}"
    return ""


def entity_missing(key: str, reads: Sequence[Read], vocabulary: Collection[str] = ()) -> str:
    """The first name of the claim that no cited source holds, in its chunk or in its document's
    title and issuer (a place also by another spelling of it, 苏州市 for 苏州, or as the place
    its document is about). Names are jieba's (`entities`) and the corpus's own
    (`vocabulary`: `rag.ingest.lexical.corpus_names`)."""
    text = " ".join(f"{r.key} {r.issuer}" for r in reads)
    places: set[str] = set()  # the places the sources hold, read once a name needs them

    def held(part: str, place: bool) -> bool:
        if part in text:
            return True
        if not place or not place_spans(part):
            return False
        if not places:
            places.update(p for r in reads for p, _ in place_spans(r.key))
            places.update(p for r in reads for p in r.source.doc.main_place)
        return any(p in places for p, _ in place_spans(part))

    from rag.question.words import word_tags

    names = entities(key)
    tags = word_tags()
    for name in vocabulary_names(key, vocabulary):
        if not any(name in n for n in names):
            names.setdefault(name, tags.get(name, "nz"))
    for name, flag in names.items():
        # a place by another spelling (苏州市 for 苏州), not a body named after one (中国科学技术
        # 大学); a word jieba glued from two the source holds (`苏州企业`: 苏州, 企业)
        if held(name, flag.startswith("ns")) or any(
            held(name[:i], True) and held(name[i:], False) for i in range(2, len(name) - 1)
        ):
            continue
        return f"{ENTITY_NOT_IN_SOURCE}:{name}"
    return ""


def clause_unsupported(text: str, reads: Sequence[Read], asked: frozenset[str]) -> str:
    """The first clause of a claim with content whose wording the cited chunks do not hold
    (a true sentence with an invented clause appended). A clause stating a figure the sources
    state is supported by it; one that restates the question (`asked`: its bigrams) is the
    asker's premise, not the model's claim."""
    clauses = re.split(rf"[{_CLAUSE_END}]", text)
    if len(clauses) < 2:
        return ""
    have = frozenset().union(*(r.bigrams for r in reads))
    held = frozenset().union(*(r.figures for r in reads))
    for clause in clauses:
        key = search_key(clause)
        if len(_HAN.findall(key)) < MIN_CLAUSE_CHARS:
            continue
        grams = bigrams(key)
        if overlap(grams, have) >= MIN_CLAUSE_OVERLAP or figures(key) & held:
            continue
        if asked and overlap(grams, asked) >= ECHO_OVERLAP:
            continue
        return f"{CLAUSE_NOT_SUPPORTED}:{clause.strip()}"
    return ""


