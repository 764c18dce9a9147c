"""Claims: check every sentence of a generated answer against the sources it cites.

An answer is split into claims (sentences, ending at 。！？!?；; or a line break); the `[n]` markers
right after a sentence end belong to the sentence before them, since models put markers both
before and after the 。. A clause ending in ；/; without markers of its own takes those of the next
clause on its line (`规模超2000亿元；同比增长5.6%。[1]`). List bullets and `**` are removed; the
refusal sentence (either script) is no claim.

A cited source supports a claim when
- wording: at least `MIN_OVERLAP` of the claim's character bigrams (Han and Latin letters of the
  search key, so either script matches either) occur in the source's chunk. Bigrams of the
  document's title are left out of the claim first (unless the chunk states the title): they are
  the document's topic, implied by every chunk, so a claim is judged on what it adds to the title,
  and a claim that only repeats the title is supported by no chunk but the one holding the title;
- figures: each figure the claim states (`rag.text.figures`) is stated by a supporting cited
  source's chunk or header (title; relative years such as 去年 resolved against the date; the
  date itself only for a claim that names the document, so `2025年` is not taken from a 2025
  article's date);
- quoted names: each quoted or bracketed name (`“苏智云”`, `《…规划》`, `(寒武纪)`) and each
  item of an enumeration (`甲、乙、丙和丁`: the inner ones as written, the outer ones as
  jieba's words) is in a supporting cited source's chunk or title (up to script and width);
- names: each name of a person, body, place or other proper name (jieba's tags nr, nt, ns, nz)
  is in a supporting chunk, its document's title or issuer, is the place the document is about,
  or is glued by jieba from two words the source holds (`苏州企业`) (`entity_not_in_source:X`:
  a name from elsewhere is how models swap one company for another);
- subjects and directions: a figure is bound to the last place named before it (none after a
  scope word such as 全省, none in a `分别` sentence), to the last company, institution or
  person named before it in its clause, and to the direction word of its clause (增长/下降,
  `rag/text/lexicon/directions.tsv`); some source sentence must state the figure of the same
  place and body, changing the same way (`subject_mismatch:杭州`, `direction_differs:下降`);
- clauses: each clause with content (`MIN_CLAUSE_CHARS`) needs `MIN_CLAUSE_OVERLAP` of its
  bigrams in the supporting chunks, or a figure they state, unless it restates the question
  (`clause_not_supported:…`: an invented clause appended to a true sentence).
Percentage points are not a percentage (`rag.text.figures`: kind `pp`).
A claim citing [1][2] may take one figure from each (`2022年120万辆，2023年150万辆[1][2]`); a
cited source that passes on wording but holds none of the claim's figures is not its support.
The support is the span of the cited chunk that holds the claim's figures (one sentence, else the
shortest run of consecutive sentences), the one sharing most bigrams with the claim.

The trade-off: wording is judged lexically. A faithful paraphrase with few shared words is flagged
(`not_supported`), and a wrong statement assembled from a source's own words and figures passes.
The figure and name tests, which catch an altered or invented number or name whatever the wording,
are exact (a rank paraphrased, `第一版` for `头样`, is flagged too).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from rag.answer.cite import CANNOT_ANSWER, MARKER
from rag.answer.documents import Document
from rag.text import guard, lexicon
from rag.text.dates import years_meant
from rag.text.figures import Figure, figure_list, figure_spans, figures
from rag.text.guard import mask
from rag.text.names import quoted_names, tagged
from rag.text.places import place_spans
from rag.text.script import search_key
from rag.types import Sentence, SourceDoc

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
ENTITY_TAGS = ("nr", "nt", "ns", "nz")
"""jieba's tags of the names a claim must share with its source: people, bodies, places and
other proper names (products, events, awards)."""
MIN_CLAUSE_CHARS = 6
"""Han characters a clause needs to be a claim of its own (`根据文档，` states nothing)."""
MIN_CLAUSE_OVERLAP = 0.3
"""Share of a clause's bigrams its cited chunks must hold, as `MIN_OVERLAP` for a sentence."""
ECHO_OVERLAP = 0.5
"""Share of a clause's bigrams in the question that make it the question restated."""


@dataclass(frozen=True)
class Source:
    """A numbered source shown to the model: one retrieved chunk of a document."""

    n: int
    """The number the prompt shows: `[n]`."""
    doc: Document
    start: int
    """The chunk's span in `doc.text`."""
    end: int
    sentences: tuple[Sentence, ...]
    """The chunk's sentences, offsets into `doc.text`."""


@dataclass(frozen=True)
class Support:
    """The exact span of a cited document that backs a claim."""

    doc: SourceDoc
    start: int
    """`doc.text[start:end]` is the quote: one sentence or a run of consecutive sentences."""
    end: int
    section: str


@dataclass(frozen=True)
class CheckedClaim:
    """One sentence of an answer and the verdict on it."""

    text: str
    """The sentence as the model wrote it, markers, bullets and `**` removed, stripped."""
    sources: tuple[int, ...]
    """The source numbers it cited that exist, in order, deduplicated."""
    support: tuple[Support, ...]
    """One per cited source that supports it; empty when unverified, except when only one
    clause is unsupported (`clause_not_supported:<clause>`): then the rest's support."""
    verified: bool
    reason: str
    """"" when verified, else `no_source`, `bad_marker`, `not_supported`,
    `figure_not_in_source:<the figure as written>`, `name_not_in_source:<the quoted name>`,
    `entity_not_in_source:<name>`, `subject_mismatch:<place>`, `direction_differs:<word>` or
    `clause_not_supported:<clause>`."""


# ------------------------------------------------------------------------------- splitting

_END = "。！？!?；;"
_PIECE = re.compile(
    rf"[^{_END}\n]+(?:[{_END}]+[”’」』）)】]*(?:[ \t\u3000]*\[\d{{1,3}}\])*)?|[{_END}]+"
)
_MARKER_RUN = re.compile(r"\s*\[\d{1,3}\]")
_BULLET = re.compile(
    r"^\s*(?:#{1,6}\s+|[-*•·]\s*|\d{1,2}\s*[.、．)）](?!\d)\s*|[一二三四五六七八九十]+、\s*"
    r"|[(（][一二三四五六七八九十\d]{1,2}[)）]\s*)"
)
_WORD = re.compile(r"[\u3400-\u9fffa-z]+")


@dataclass(frozen=True)
class _Piece:
    text: str
    markers: tuple[int, ...]
    joins_next: bool
    """Ends in ；/; without markers, its line going on: takes the next clause's markers."""


@lru_cache(maxsize=1)
def _refusal_key() -> str:
    return _plain(CANNOT_ANSWER)


def _plain(text: str) -> str:
    return "".join(_WORD.findall(search_key(text)))


def _pieces(answer: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    for m in _PIECE.finditer(answer):
        raw = m.group(0).replace("**", "")
        markers = tuple(int(n) for n in MARKER.findall(raw))
        text = _BULLET.sub("", _MARKER_RUN.sub("", raw), count=1).strip()
        if _plain(text) == _refusal_key():
            continue
        if not _plain(text):
            if pieces and markers:  # a marker run on its own belongs to the sentence before
                last = pieces[-1]
                pieces[-1] = _Piece(last.text, last.markers + markers, False)
            continue
        next_char = answer[m.end() : m.end() + 1]
        joins = not markers and text[-1] in "；;" and next_char not in ("\n", "")
        pieces.append(_Piece(text, markers, joins))
    for i in range(len(pieces) - 2, -1, -1):
        if pieces[i].joins_next and pieces[i + 1].markers:
            pieces[i] = _Piece(pieces[i].text, pieces[i + 1].markers, False)
    return pieces


def split_claims(answer: str) -> list[tuple[str, tuple[int, ...]]]:
    """The answer's claims as (text, marker numbers in order), refusals and empty pieces dropped."""
    return [(p.text, p.markers) for p in _pieces(answer)]


# ---------------------------------------------------------------------------- one source


def bigrams(key: str) -> frozenset[str]:
    return frozenset(run[i : i + 2] for run in _WORD.findall(key) for i in range(len(run) - 1))


_YEAR = re.compile(r"(?:19|20)\d{2}")


def _meant_years(doc: SourceDoc, sentence_key: str) -> frozenset[Figure]:
    """The years 今年/去年… of one sentence stand for, given its document's date."""
    year = _YEAR.match(doc.meta.date)
    if not year:
        return frozenset()
    present = int(year.group(0))
    return figures(" ".join(years_meant(sentence_key, present)))


@dataclass(frozen=True)
class _Read:
    """What `check` reads of one source, once per call."""

    source: Source
    key: str
    """search_key of the chunk, then of the title."""
    bigrams: frozenset[str]
    topic: frozenset[str]
    """Bigrams of the document title, unless the chunk states the title itself."""
    literal: frozenset[Figure]
    """Figures the chunk and the title state as written."""
    dated: frozenset[Figure]
    """Figures of the document's date: stated only by a claim that names the document
    (`《…》（2025-02）指出`); else `2025年` would pass for any chunk of a 2025 article."""
    issuer: str = ""
    """search_key of the document's issuer: a claim may name who wrote it."""
    relative: tuple[tuple[frozenset[Figure], frozenset[Figure]], ...] = ()
    """Per sentence with a relative year (`今年上半年…`): the years it means, and its figures.
    A year a claim takes from a relative one must come with the sentence's own figures
    (`2023年上半年…1146亿元` is not backed by `今年上半年…1146亿元` in a 2024 report, even if
    the chunk says 去年 elsewhere)."""

    @cached_property
    def figures(self) -> frozenset[Figure]:
        """Figures of the chunk, of its title and the years its relative years mean."""
        return self.literal.union(*(meant for meant, _ in self.relative))


def _read(source: Source) -> _Read:
    text = mask(source.doc.text[source.start : source.end])[0]  # an instruction supports nothing
    key = search_key(text)
    title = source.doc.title_key
    topic = frozenset() if title in key else bigrams(title)
    dated = figures(source.doc.meta.date)
    issuer = search_key(source.doc.meta.issuer)
    literal = figures(text) | figures(title)
    relative = []
    for sent in source.sentences:
        if source.start <= sent.start < sent.end <= source.end:
            said = search_key(source.doc.text[sent.start : sent.end])
            meant = _meant_years(source.doc, said)
            if meant:
                relative.append((meant, figures(said)))
    return _Read(
        source, f"{key}\n{title}", bigrams(key), topic, literal, dated, issuer, tuple(relative)
    )


_BRACKETED = re.compile(r"[（(]([^（）()\n]{2,20})[）)]")
_LISTED = re.compile(r"(?<=、)([^、，,。；;：:\s“”《》（）()]{2,12})(?=、)")


def _names(text: str) -> list[str]:
    """Names a source must state as written, as search keys: quoted or bracketed ones
    (`“苏智云”`, `《…规划》`, `(寒武纪)`), and the inner items of an enumeration
    (`甲、乙、丙、丁`: 乙 and 丙; the first and the last run into the words around them)."""
    found = quoted_names(text)
    found += [  # a bracketed name, not a date or a figure (`（2025-02）`)
        m.group(1) for m in _BRACKETED.finditer(text) if not re.search(r"\d", m.group(1))
    ]
    found += [m.group(1) for m in _LISTED.finditer(text)]
    return [search_key(n) for n in dict.fromkeys(found)]


_JOINS = ("和", "及", "与", "以及")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _outer_item_missing(key: str, reads: Sequence[_Read]) -> str:
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


def _overlap(claim: frozenset[str], have: frozenset[str]) -> float:
    return len(claim & have) / len(claim) if claim else 0.0


def _words(claim: frozenset[str], read: _Read) -> float:
    """Share of the claim's bigrams, the title's left out, that occur in the chunk."""
    return _overlap(claim - read.topic, read.bigrams)


def _sentences(read: _Read) -> list[Sentence]:
    src = read.source
    inside = [s for s in src.sentences if src.start <= s.start < s.end <= src.end]
    if not inside:
        return [Sentence(src.start, src.end, "")]
    return [s for s in inside if not guard.is_instruction(src.doc.text[s.start : s.end])]


def _span(read: _Read, claim: frozenset[str], wanted: frozenset[Figure]) -> Support:
    """The sentence sharing most bigrams with the claim among those holding the wanted figures;
    when no one sentence holds them, the shortest run of consecutive sentences that does."""
    doc = read.source.doc
    sents = _sentences(read)
    texts = [doc.text[s.start : s.end] for s in sents]
    grams = [bigrams(search_key(t)) for t in texts]
    figs = [figures(t) for t in texts]
    stated: set[Figure] = set().union(*figs)
    wanted = wanted & stated  # a figure only the title or date states is in no sentence
    runs: list[tuple[int, float, int, int]] = []  # (length, -overlap, first, last)
    for i in range(len(sents)):
        held: set[Figure] = set()
        seen: set[str] = set()
        for j in range(i, len(sents)):
            held |= figs[j]
            seen |= grams[j]
            if wanted <= held:
                runs.append((j - i, -_overlap(claim, frozenset(seen)), i, j))
                break
    _, _, i, j = min(runs, default=(0, 0.0, 0, len(sents) - 1))
    return Support(doc, sents[i].start, sents[j].end, sents[i].section)


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


def _binding_error(key: str, reads: Sequence[_Read]) -> str:
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
        for sent in _sentences(r):
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


def _entities(key: str) -> dict[str, str]:
    """The names of people, bodies and places a claim's search key states, with jieba's tags."""
    names: dict[str, str] = {}
    for word, flag, _ in tagged(key):
        if len(word) > 1 and flag.startswith(ENTITY_TAGS):
            names.setdefault(word, flag)
    return names


def _vocabulary_names(key: str, vocabulary: Collection[str]) -> list[str]:
    """The corpus's names (`vocabulary`) a claim's key states, each starting where a jieba
    word starts (`华为` is in `华为公司发布`, not in `中华为民`), longest first, none inside
    another."""
    if not vocabulary:
        return []
    lengths = _lengths_by_first(frozenset(vocabulary))
    found: list[tuple[int, int]] = []
    for _, _, i in tagged(key):
        for size in lengths.get(key[i], ()):
            if key[i : i + size] in vocabulary:
                found.append((i, i + size))
                break
    kept: list[tuple[int, int]] = []
    for i, j in sorted(found, key=lambda s: s[0] - s[1]):
        if not any(a <= i and j <= b for a, b in kept):
            kept.append((i, j))
    return [key[i:j] for i, j in sorted(kept)]


@lru_cache(maxsize=4)
def _lengths_by_first(vocabulary: frozenset[str]) -> dict[str, tuple[int, ...]]:
    """First character -> the lengths of the names starting with it, longest first."""
    out: dict[str, set[int]] = {}
    for name in vocabulary:
        out.setdefault(name[0], set()).add(len(name))
    return {c: tuple(sorted(sizes, reverse=True)) for c, sizes in out.items()}


def _entity_missing(key: str, reads: Sequence[_Read], vocabulary: Collection[str] = ()) -> str:
    """The first name of the claim that no cited source holds, in its chunk or in its document's
    title and issuer (a place also by another spelling of it, 苏州市 for 苏州, or as the place
    its document is about). Names are jieba's (`_entities`) and the corpus's own
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

    from rag.question.analysis import word_tags

    names = _entities(key)
    tags = word_tags()
    for name in _vocabulary_names(key, vocabulary):
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


def _clause_unsupported(text: str, reads: Sequence[_Read], asked: frozenset[str]) -> str:
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
        if _overlap(grams, have) >= MIN_CLAUSE_OVERLAP or figures(key) & held:
            continue
        if asked and _overlap(grams, asked) >= ECHO_OVERLAP:
            continue
        return f"{CLAUSE_NOT_SUPPORTED}:{clause.strip()}"
    return ""


# ------------------------------------------------------------------------------- the check


def _first_missing(
    stated: list[Figure], names: list[str], reads: Sequence[_Read], claim_key: str
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


def _verdict(
    text: str,
    cited: tuple[int, ...],
    reads: dict[int, _Read],
    min_overlap: float,
    asked: frozenset[str] = frozenset(),
    vocabulary: Collection[str] = (),
) -> tuple[tuple[Support, ...], str]:
    """The claim's support among its cited sources, and "" or the reason it has none."""
    stated = figure_list(text)
    names = _names(text)
    key = search_key(text)
    reason = _first_missing(stated, names, [reads[n] for n in cited], key)
    if reason:  # no cited source states it, whatever the wording
        return (), reason
    claim = bigrams(key)
    relevant = [r for r in (reads[n] for n in cited) if _words(claim, r) >= min_overlap]
    if not relevant:
        return (), NOT_SUPPORTED
    reason = (
        _first_missing(stated, names, relevant, key)
        or _entity_missing(key, relevant, vocabulary)
        or _outer_item_missing(key, relevant)
        or _binding_error(key, relevant)
        or _clause_unsupported(text, relevant, asked)
    )
    if reason.startswith(CLAUSE_NOT_SUPPORTED):  # the rest of the claim may still hold: its
        clause = reason.split(":", 1)[1]  # support is kept, so only the clause is marked
        rest = text.replace(clause, "", 1).rstrip("，,；;：: ")
        if not rest:
            return (), reason
        support, why = _verdict(rest, cited, reads, min_overlap, asked, vocabulary)
        return (() if why else support), reason
    if reason:
        return (), reason
    wanted = frozenset(stated)
    support = tuple(
        _span(r, claim, wanted & r.figures) for r in relevant if not wanted or wanted & r.figures
    )
    return support, ""


def check(
    answer: str,
    sources: Sequence[Source],
    min_overlap: float = MIN_OVERLAP,
    question: str = "",
    names: Collection[str] = (),
) -> list[CheckedClaim]:
    """Every claim of `answer`, checked against the sources it cites (numbered `Source.n`).

    `min_overlap`: see `MIN_OVERLAP` (a parameter so the eval can sweep it). `question`: what
    was asked; a clause restating it needs no support of its own. `names`: the corpus's own
    vocabulary of names (`rag.ingest.lexical.corpus_names`), each one a claim states to be held by
    its source like the names jieba tags."""
    by_n = {s.n: s for s in sources}
    asked = bigrams(search_key(question))
    reads: dict[int, _Read] = {}
    out: list[CheckedClaim] = []
    for text, markers in split_claims(answer):
        cited = tuple(dict.fromkeys(n for n in markers if n in by_n))
        if not cited:
            reason = BAD_MARKER if markers else NO_SOURCE
            out.append(CheckedClaim(text, (), (), False, reason))
            continue
        for n in cited:
            if n not in reads:
                reads[n] = _read(by_n[n])
        support, reason = _verdict(text, cited, reads, min_overlap, asked, names)
        out.append(CheckedClaim(text, cited, support, not reason, reason))
    return out
