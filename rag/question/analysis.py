"""Question analysis: what a question asks for, before any sentence is scored.

A question becomes terms (jieba words of its search key, minus question words) with IDF weights
over the chunks, anchors (what an answering sentence must name: numbers, Latin words, places,
rare named entities), the kind of answer it wants (a figure, and
in which unit; a date; a rank; a name; a list) and its facets (the parts that each need their own
sentence). The trade-off: rules over segmentation and a gazetteer, not a model, so a paraphrase
with none of the text's words is not understood; every rule is about Chinese questions in
general, none about a particular question. The word lists the rules use (cues, question words,
synonyms, short forms, function parts of speech) are data: `rag/text/lexicon/`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.ingest.keyindex import KeyIndex, of_keys
from rag.text import guard, lexicon
from rag.text.coordination import facet_questions
from rag.text.places import places_in, within
from rag.text.script import in_script, is_traditional, search_key
from rag.text.terms import _jieba, stopwords

YEAR = re.compile(r"(?:19|20)\d{2}")
WORDING = 1.0
"""The weight of a word that is the asker's wording rather than what is asked."""
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _cue(kind: str) -> re.Pattern[str]:
    """What a question asks for (`rag/text/lexicon/asks.tsv`): figure, rank, date, list, who,
    title, money."""
    return lexicon.pattern("asks", kind)


def _question_words() -> re.Pattern[str]:
    """Words that carry no content (`question_words.txt`): never terms."""
    return lexicon.pattern("question_words")


# `哪个国家`, `哪座城市`, `哪个县级市`: the answer names a place of that kind. Grammar, not a word
# list: the kinds are those `rag.text.places.kind_of` gives.
_ASKS_PLACE = re.compile(r"哪一?[个座些国]?(国家|城市|县级市|区县|省份|省|地方|地区)|(哪国)")
# `哪个部门`, `哪个单位`: a who question; the kind of body is no word the answer must repeat
_ASKS_BODY = re.compile(r"哪一?[个家所]?(部门|单位|机构)")
_PLACE_KINDS = {"区县": "县级市", "省份": "省", "地区": "地方", "哪国": "国家"}
# `那篇文章`, `这份材料`: the question points at a document
_DOC_POINTER = re.compile(r"(?:那|这|该|哪一?)[篇份期部](?:文章|材料|文件|报告|建议|提案)?")


def split_description(key: str) -> tuple[str, str]:
    """A question about a document it describes, as (description, what it asks of that
    document): `提出建设氢能走廊的|是谁写的`, `分析了宁波港吞吐量|哪份报告`.
    ("", "") when the question points at no document."""
    m = _DOC_POINTER.search(key)
    if not m:
        return "", ""
    before = key[: m.start()].strip(" ，,")
    if len(before) >= 4:  # the pointer (`那篇文章`) is the document itself: not asked of it,
        after = key[m.end() :]  # unless it is the whole ask (`这句话引自哪份报告`)
        return before, after if re.search(r"\w", after) else key[m.start() :]
    return key[m.end() :], key[: m.end()]


# The unit a figure must carry: `多少件` is not answered by `60亿元`.
_UNIT_ASKED = re.compile(r"(?:多少|(?<!哪)几)([家个项件所座条名位人款台次倍])")


def _aliases() -> tuple[tuple[str, ...], ...]:
    """(short form, full form) pairs Chinese reports use interchangeably (简称 and 全称)."""
    return lexicon.rows("aliases")


_ENTITY_POS = ("nt", "nr", "nz", "eng")


@dataclass(frozen=True)
class Query:
    """What the answerer needs to know about a question."""

    text: str
    key: str
    terms: tuple[str, ...]
    anchors: frozenset[str]
    """Words an answering sentence (or, for places, what it is about) must contain."""
    asks_figure: bool
    asks_date: bool
    asks_who: bool
    asks_rank: bool
    traditional: bool
    places: frozenset[str] = frozenset()
    """Gazetteer places the question names."""
    asks_person: bool = False
    """`谁`, `哪位`: the answer names a person or a body."""
    asks_list: bool = False
    asks_title: bool = False
    """`标题是什么`, `哪份材料…`: the answer is a document's title line."""
    asks_place: str = ""
    """The kind of place the answer names (`国家` for 从哪个国家引进, `城市`, `县级市`)."""
    describes_doc: str = ""
    """`提出建设氢能走廊的那份报告是谁写的` -> the words that describe the document asked about
    (before `那份`), when the question asks about a document it does not name."""
    unit: str = ""
    """The classifier a figure must carry (`家` for 多少家), or `元` for money."""
    absent: frozenset[str] = frozenset()
    """Terms no chunk mentions (in any form): no sentence can be asked to name them."""


@lru_cache(maxsize=1)
def word_tags() -> dict[str, str]:
    """jieba's dictionary parts of speech (nt organisation, nr person, v verb ...)."""
    import jieba.posseg as posseg

    _jieba()
    # jieba has no function for a word's dictionary tag: `posseg`'s own table is read (parsing
    # the dictionary again would hold a second table of 349,045 words).
    # SEE: https://github.com/fxsjy/jieba/issues/161 (the table posseg keeps, `word_tag_tab`)
    tags: dict[str, str] = posseg.dt.word_tag_tab
    return tags


_SPLIT_NUMBERS = re.compile(r"\d+(?:\.\d+)?\s*[年月日]?")


def _split_on_places(word: str) -> list[str]:
    """`苏州企业` -> [`苏州`, `企业`]: a place glued to a noun is two terms."""
    found = sorted(places_in(word), key=len, reverse=True)
    if not found or word in found:
        return [word]
    head, _, tail = word.partition(found[0])
    parts = [*([head] if head else []), found[0], *([tail] if tail else [])]
    return [p for part in parts for p in ([part] if part in found else _jieba().lcut(part))]


@lru_cache(maxsize=1)
def _alias_pattern() -> re.Pattern[str]:
    names = sorted({f for pair in _aliases() for f in pair if len(f) > 2}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _segment(key: str) -> list[str]:
    """jieba words, except that a known full form (`规模以上`) stays one word."""
    out: list[str] = []
    at = 0
    for m in _alias_pattern().finditer(key):
        out += [*_jieba().lcut(key[at : m.start()]), m.group(0)]
        at = m.end()
    rest: list[str] = _jieba().lcut(key[at:])
    return out + rest


def _words(key: str, index: KeyIndex) -> list[tuple[str, str]]:
    """jieba words of a question key, minus question words; numbers (with 年/月/日) stand alone,
    places are split off, and a compound no chunk contains is split into its dictionary words."""
    tags = word_tags()
    spaced = _SPLIT_NUMBERS.sub(lambda m: f" {m.group(0).rstrip('年月日 ')} ", key)
    out: list[tuple[str, str]] = []
    for raw in _segment(spaced):
        word = raw.strip()
        if len(word) > 2 and word[0] in "篇份部":  # 那|篇文章: the measure word is not the noun's
            word = word[1:]
        if not word or _question_words().fullmatch(word):
            continue
        for part in _split_on_places(word):
            parts = [part]
            if len(part) > 2 and not index.used(forms(part)):
                # a compound the text never uses: its dictionary sub-words (增长速度 -> 增长 速度,
                # 服装行业 -> 服装 行业); a noun the text lacks stays whole unless it is made of
                # such words (增加值 stays: asked about, absent, so unanswerable)
                subs = [w for w in _jieba().lcut_for_search(part) if w != part and len(w) > 1]
                if not tags.get(part, "x").startswith("n"):
                    parts = subs or _jieba().lcut(part, HMM=False)
                elif "".join(subs) == part:
                    parts = subs
            out.extend((p, tags.get(p, "x")) for p in parts if not _question_words().fullmatch(p))
    return out


def _merge_single_chars(words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Rejoin runs of single Han characters (`营`+`收` -> `营收`): jieba splits words it does not
    know into characters, which would then match anywhere."""
    merged: list[tuple[str, str]] = []
    run = ""
    function_pos, stop = lexicon.words("function_pos"), stopwords()
    for word, flag in [*words, ("", "x")]:
        glue = flag not in function_pos and flag not in ("q", "mq")  # 由, 份 stay apart
        if len(word) == 1 and "\u4e00" <= word <= "\u9fff" and word not in stop and glue:
            run += word
            continue
        if run:
            merged.append((run, "n"))
            run = ""
        if word:
            merged.append((word, flag))
    return merged


def _split_unused(words: list[tuple[str, str]], index: KeyIndex) -> list[tuple[str, str]]:
    """A rejoined run no chunk uses (`魏舒史称`: a name and a verb jieba split into single
    characters) split again into the longest pieces of two or more characters the chunks do
    use, left to right (`魏舒` `史称`); left whole when the pieces do not cover it."""
    out: list[tuple[str, str]] = []
    for word, flag in words:
        if len(word) < 4 or flag != "n" or index.used([word]):
            out.append((word, flag))
            continue
        pieces, i = [], 0
        while i < len(word):
            size = next(
                (
                    size
                    for size in range(len(word) - i, 1, -1)
                    if index.used([word[i : i + size]])
                ),
                0,
            )
            if not size:
                break
            pieces.append(word[i : i + size])
            i += size
        if i == len(word) and len(pieces) > 1:
            out.extend((piece, "n") for piece in pieces)
        else:
            out.append((word, flag))
    return out


@lru_cache(maxsize=4096)
def forms(term: str) -> tuple[str, ...]:
    """A term and its other forms: short and full (`ai`, `人工智能`), and its synonyms of two or
    more characters (`排` -> `排名`, `位列`; `排名` never -> `排`, which is in 安排)."""
    out = [term]
    for short, full in _aliases():
        if term == short:
            out.append(full)
        elif term == full:
            out.append(short)
    for group in lexicon.rows("synonyms"):
        if term in group:
            out += [w for w in group if w not in out and len(w) > 1]
    return tuple(out)


def mentions(term: str, key: str) -> bool:
    """Does `key` contain the term in any of its forms?"""
    # a loop, not any(): called for every term of every candidate sentence, and the generator
    # was a fifth of the time
    for f in forms(term):  # noqa: SIM110
        if f in key:
            return True
    return False


_CLAIMED = re.compile(
    r"^\s*(?:余|多)?\s*[十百千万亿]*\s*(?:元|家|个|件|项|所|名|人|倍|p|%|台|座|条|位)"
)


def _after(key: str, number: str) -> str:
    """The text right after the first standalone occurrence of `number` in `key`."""
    m = re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", key)
    return key[m.end() : m.end() + 4] if m else ""


def _unit(key: str) -> str:
    m = _UNIT_ASKED.search(key)
    if m:
        return m.group(1)
    return "元" if _cue("money").search(key) else ""


# A title in book marks (《…》) or quotes, and a name numbered as one of a series (`神舟十六号`,
# `嫦娥五号`, `天问一号`): jieba splits them into ordinary words, yet a sentence about another
# title or another of the series is about something else (a number in digits is a required
# word already)
_TITLED = re.compile(r"《([^《》]{2,30})》|“([^“”]{2,20})”|「([^「」]{2,20})」")
_NUMBERED = re.compile(r"(?<![第前])[\u4e00-\u9fff]{2,4}[一二三四五六七八九十百零〇两]{1,4}[号型]")


def _topic_names(key: str) -> set[str]:
    """Titles in book marks and numbered names of a series, as the question writes them."""
    found = {f"《{m.group(1)}》" for m in _TITLED.finditer(key) if m.group(1)}
    return found | set(_NUMBERED.findall(key))


def required_names(key: str) -> set[str]:
    """Names a question holds whole, that an answering sentence (or its section or title) must
    hold whole too: titles in book marks or quotes, and numbered names of a series."""
    found = {next(g for g in m.groups() if g) for m in _TITLED.finditer(key)}
    return found | set(_NUMBERED.findall(key))


def analyse(
    question: str, keys: KeyIndex | Sequence[str]
) -> tuple[Query, dict[str, float]]:
    """Terms, anchors and IDF weights (over the chunks' search `keys`) of a question. The
    retriever (for facets) and the answerer both analyse each question and facet: it is done
    once."""
    index = keys if isinstance(keys, KeyIndex) else of_keys(tuple(keys))
    query, weights = _analyse(question, index)
    return query, dict(weights)


@lru_cache(maxsize=256)
def _analyse(question: str, index: KeyIndex) -> tuple[Query, dict[str, float]]:
    key = search_key(question)
    n = index.n
    df: dict[str, int] = {}
    terms: list[str] = []
    anchors: set[str] = set()
    places = places_in(key)
    asked_place = _ASKS_PLACE.search(key)
    kind_word = asked_place.group(1) or asked_place.group(2) if asked_place else ""
    place_kind = _PLACE_KINDS.get(kind_word, kind_word)
    body = _ASKS_BODY.search(key)
    asked_body = body.group(1) if body else ""
    function_pos, stop = lexicon.words("function_pos"), stopwords()
    for word, flag in _split_unused(_merge_single_chars(_words(key, index)), index):
        if word in (kind_word, asked_body):  # the kind of place or body asked is checked, not
            # searched (哪个|国家, 哪个|部门)
            continue
        if not word or word in stop or not any(c.isalnum() for c in word) or word in terms:
            continue
        if len(word) == 1 and flag in ("q", "mq"):  # a bare measure word (那份 -> 份)
            continue
        if flag in function_pos:  # prepositions, conjunctions, particles, pronouns (由, 把)
            continue
        if _question_words().fullmatch(word):  # also after single characters were rejoined
            continue
        terms.append(word)
        df[word] = index.count(forms(word))
        # a figure the asker states (`是80万辆，没错吧`) is a claim to check, not a required word;
        # a year or a bare number (`第27号`) still identifies what is asked about
        claimed = bool(NUMBER.fullmatch(word)) and _CLAIMED.search(_after(key, word)) is not None
        numeric = (bool(NUMBER.fullmatch(word)) or word.isascii()) and not claimed
        # a rare name (not every chunk's topic); jieba's `nz` also tags verbs (印发), so an `nz`
        # word the corpus never uses is not required
        specific = flag.startswith(_ENTITY_POS) and df[word] < 0.3 * n
        specific = specific and (df[word] > 0 or not flag.startswith("nz"))
        # a word jieba does not know, found in few chunks, is a name it has not seen (蔚来, 寒武纪)
        unseen = flag == "x" and len(word) > 2 and not NUMBER.fullmatch(word)
        specific = specific or (unseen and 0 < df[word] < 0.05 * n)
        if numeric or specific or word in places:
            anchors.add(word)
    anchors |= required_names(key)
    weights = {t: math.log((n + 1) / (df[t] + 0.5)) for t in terms}
    tags = word_tags()
    # an absent verb, adverb or word of time or place (前后, 年初, 省内) is the asker's wording,
    # not the thing asked for, and so is a one-character one (靠, 让, 又, 大): it weighs no more
    for t in terms:
        wording = tags.get(t, "x")[:1] in ("v", "d", "a", "f", "t", "s", "m")
        if wording and (df[t] == 0 or (len(t) == 1 and not t.isdigit())):
            weights[t] = min(weights[t], WORDING) if df[t] else WORDING
    query = Query(
        text=question,
        key=key,
        terms=tuple(terms),
        anchors=frozenset(anchors),
        asks_figure=bool(_cue("figure").search(key)),
        asks_date=bool(_cue("date").search(key)),
        asks_who=bool(_cue("who").search(key) or body),
        asks_rank=bool(_cue("rank").search(key)),
        traditional=is_traditional(question),
        places=frozenset(p for p in places if p in terms),
        asks_list=bool(_cue("list").search(key)),
        asks_person=bool(_cue("person").search(key)),
        asks_title=bool(_cue("title").search(key)),
        asks_place=place_kind,
        describes_doc=split_description(key)[0],
        unit=_unit(key),
        absent=frozenset(t for t in terms if df[t] == 0),
    )
    return query, weights


_JOINT = "(?:从|由|到|至|和|与|及|、)"  # the joints between years asked together
_CLAUSE = re.compile(r"[，,？?；;。！!]|以及|并且")


def facets(query: Query) -> list[tuple[str, str]]:
    """Parts of a question that each need an answer, as (question, word its sentence must
    name): its clauses (`产量多少？出口多少？`), each carrying the question's places, and
    each of several years or places asked together (`宁波和温州…各有多少`)."""
    years = sorted(a for a in query.anchors if YEAR.fullmatch(a))
    places = sorted(query.places)
    clauses = [c for c in _CLAUSE.split(query.key) if c.strip()]
    out: list[tuple[str, str]] = []
    # the work or craft the question is about (`《心居》`, `神舟十六号`): a later clause leaves
    # it unsaid (`《心居》的主演有谁，导演是谁？`) and is still about it. Not a quoted term
    # (`“灯塔工厂”`): a clause asking who proposed it may be answered by a masthead
    topic = sorted(_topic_names(query.key))
    if len(clauses) > 1:  # a clause inherits the question's places and years when it names none
        for clause in clauses:
            inherited = [p for p in places if p not in clause]
            if not YEAR.search(clause):
                inherited += [f"{y}年" for y in years]
            if not any(a in clause for a in topic):
                inherited += topic
            out.append((" ".join([*inherited, clause]), ""))
    nested = any(within(a, b) for a in places for b in places if a != b)
    for group, suffix in ((years, r"\s*年?(?:初|底|末)?"), ([] if nested else places, "")):
        # 宁波 in 浙江 (`全国排第几？在浙江省内呢？`) are not two places asked side by side
        if len(group) > 1:
            for keep in group:
                others = "|".join(re.escape(g) for g in group if g != keep)
                # the other years with their joints: `从2019年到2023年` -> `2023年`
                drop = rf"{_JOINT}?\s*(?:{others}){suffix}\s*{_JOINT}?"
                out.append((re.sub(drop, "", query.key), keep))
    # other things asked side by side (`甲公司和乙公司的营收`, `导演和编剧`): one facet each
    handled = set(places) | {f"{y}年" for y in years} | set(years)
    for text, keep in facet_questions(query.key):
        if keep not in handled and (text, keep) not in out:
            out.append((text, keep))
    return out


# A question that leans on the one before: opens with a pointer (那/这/它/同一年…) or ends in 呢.
_FOLLOW_UP = re.compile(
    r"^(?:那么|那|这个|这些|这|它们|它|其中|其|同一|同年|同期|该|此|上述|还有|另外|再|如果是|"
    r"到(?:19|20)\d\d)|呢\W*$"
)
_SHORT = 8
_ASKER = re.compile(r"是?谁|哪位")


def _asks_something(key: str) -> bool:
    return any(_cue(kind).search(key) for kind in ("figure", "date", "who", "rank", "list"))


# A time the question is about: a year with the part of it asked (`2022年前三季度`), or a part
# alone (`上半年`, meaning the same year as before)
_PERIOD = re.compile(
    r"(?:19|20)\d{2}\s*年?(?:\s*(?:上半年|下半年|前三季度|第?[一二三四1-4]季度|年初|年底|年末|"
    r"\d{1,2}\s*(?:-|—|~|～|至)?\s*\d{0,2}\s*月))?|上半年|下半年|前三季度|第?[一二三四]季度"
)


def _periods(key: str) -> set[str]:
    return {p.strip() for p in _PERIOD.findall(key)}


def is_follow_up(question: str) -> bool:
    """Does the question lean on the one before: a pointer word (`那`, `这个`, `…呢？`) or too
    short to stand alone?"""
    key = search_key(question)
    return bool(_FOLLOW_UP.search(key)) or len(re.sub(r"\W", "", key)) <= _SHORT


def condense(question: str, previous: Sequence[str]) -> str:
    """A follow-up rewritten to stand alone, from the question before it (no LLM): the earlier
    question with its places and years replaced by those the follow-up names, then the
    follow-up itself (`2022年合肥有多少家新能源车企？` + `那西安呢？` -> `2022年西安有多少家新能源
    车企？ 那西安呢？`). A question that stands alone (no pointer word, not very short) is kept as
    is."""
    if not previous or not is_follow_up(question):
        return question
    key = search_key(question)
    base = search_key(previous[-1])
    if _asks_something(key):  # the follow-up's own ask replaces the one before (谁写的 -> 何时)
        for pattern in (_cue("date"), _cue("rank"), _ASKER, _question_words()):  # not 规模, 营收
            base = pattern.sub("", base)
    for old, new in (
        (places_in(base), places_in(key)),
        (_periods(base), _periods(key)),
    ):
        dated = any(YEAR.search(o) for o in old)
        if dated and not any(YEAR.search(n) for n in new):
            continue  # `那上半年呢？` after a year: a part of the same year, kept beside it
        if new and old:
            base = re.sub("|".join(map(re.escape, sorted(old, key=len, reverse=True))), "", base)
            base = " ".join(sorted(new)) + " " + base
    standalone = f"{base} {key}"
    return in_script(standalone, True) if is_traditional(question) else standalone


# Instructions aimed at the assistant inside a question (prompt injection) are not part of what
# is asked, so they are neither searched nor required of an answer. A clause is one when it
# matches the guard's list (`rag.text.guard.is_instruction`, `rag/text/lexicon/injection.txt`):
# the same list that keeps such sentences in documents away from the model.
_CLAUSE_CUT = re.compile(r"[，,。！!？?：:；;【】\[\]\n]")
_QUOTED_CLAIM = re.compile(r"[“\"「『][^”\"」』]*\d[^”\"」』]*[”\"」』]")
_ENGLISH_SENTENCE = re.compile(r"(?:[A-Za-z][A-Za-z'’-]*[\s,]+){3,}[^.。!?？]*[.!?]?")


def strip_instructions(question: str) -> str:
    """The question without what it tells the assistant to do: clauses that order, role-play,
    claim a system notice or ask for secrets; quoted "excerpts" carrying figures the asker
    supplies; English sentences (this product answers Chinese questions). Empty when nothing
    but instructions remains."""
    text = _QUOTED_CLAIM.sub("，", question)
    text = _ENGLISH_SENTENCE.sub("，", text)
    kept = []
    for part in re.split(r"(?<=[，,。！!？?：:；;【】\[\]\n])", text):
        clause = _CLAUSE_CUT.sub("", part).strip()
        if clause and not guard.is_instruction(clause):
            kept.append(part)
    return "".join(kept).strip(" ，,：:；;【】[]")
