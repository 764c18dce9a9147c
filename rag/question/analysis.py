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
from rag.question.words import (
    forms,
    glue_suffixes,
    merge_single_chars,
    question_words,
    split_unused,
    word_tags,
    words_of,
)
from rag.text import lexicon
from rag.text.coordination import JOINT, facet_questions, spell_out
from rag.text.names import tagged_names
from rag.text.places import places_in, within
from rag.text.script import is_traditional, search_key
from rag.text.terms import stopwords

YEAR = re.compile(r"(?:19|20)\d{2}")
WORDING = 1.0
"""The weight of a word that is the asker's wording rather than what is asked."""
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def cue(kind: str) -> re.Pattern[str]:
    """What a question asks for (`rag/text/lexicon/asks.tsv`): figure, measure, rank, date,
    list, who, title, money, rate, person; or a group of people asked with 谁 (`group`: no name is
    asked)."""
    return lexicon.pattern("asks", kind)


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
_UNIT_ASKED = re.compile(r"(?:多少|(?<!哪)几)[十百千万亿]*([家个项件所座条名位人款台次倍])")


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


_CLAIMED = re.compile(
    r"^\s*(?:余|多)?\s*[十百千万亿]*\s*(?:元|家|个|件|项|所|名|人|倍|p|%|台|座|条|位)"
)


def _after(key: str, number: str) -> str:
    """The text right after the first standalone occurrence of `number` in `key`."""
    m = re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", key)
    return key[m.end() : m.end() + 4] if m else ""


def _unit(key: str) -> str:
    """The unit a figure asked must carry: a classifier asked (`多少家`), else 元 for money or
    `%` for a rate, whichever of the two the question names last (`营收增长率`: a rate)."""
    m = _UNIT_ASKED.search(key)
    if m:
        return m.group(1)
    ends = {
        unit: max((m.end() for m in cue(kind).finditer(key)), default=-1)
        for unit, kind in (("元", "money"), ("%", "rate"))
    }
    unit = max(ends, key=lambda u: ends[u])
    return unit if ends[unit] >= 0 else ""


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
    key = spell_out(search_key(question))
    places = places_in(key)
    asked_place = _ASKS_PLACE.search(key)
    kind_word = asked_place.group(1) or asked_place.group(2) if asked_place else ""
    body = _ASKS_BODY.search(key)
    # the kind of place or body asked is checked, not searched (哪个|国家, 哪个|部门)
    words = _terms(key, index, {kind_word, body.group(1) if body else ""})
    terms = [w for w, _ in words]
    df = {w: index.count(forms(w)) for w in terms}
    anchors = {
        w
        for w, flag in words
        if _anchor(w, flag, key, df[w], index, places)
    }
    anchors |= required_names(key)
    query = Query(
        text=question,
        key=key,
        terms=tuple(terms),
        anchors=frozenset(anchors),
        asks_figure=_asks_figure(key, bool(kind_word or body)),
        asks_date=bool(cue("date").search(key)),
        asks_who=bool(cue("who").search(key) or body),
        asks_rank=bool(cue("rank").search(key)),
        traditional=is_traditional(question),
        places=frozenset(p for p in places if p in terms),
        asks_list=bool(cue("list").search(key)),
        asks_person=bool(cue("person").search(key)) and not cue("group").search(key),
        asks_title=bool(cue("title").search(key)),
        asks_place=_PLACE_KINDS.get(kind_word, kind_word),
        describes_doc=split_description(key)[0],
        unit=_unit(key),
        absent=frozenset(t for t in terms if df[t] == 0),
    )
    return query, _weights(terms, df, index.n)


_OTHER_KINDS = ("date", "who", "rank", "list", "title", "person")


def _asks_figure(key: str, asks_name: bool) -> bool:
    """A figure is asked by a figure cue (`多少`, `几家`, `比例`), or by the noun of a measured
    quantity (`人口`, `销量`, `失业率`) when nothing else is asked (`asks_name`: a place or body
    of a kind, `哪个国家`)."""
    if cue("figure").search(key):
        return True
    if asks_name or any(cue(kind).search(key) for kind in _OTHER_KINDS):
        return False
    return bool(cue("measure").search(key))


def _terms(key: str, index: KeyIndex, skip: set[str]) -> list[tuple[str, str]]:
    """The question's words worth searching, with jieba's tags, in order, each once."""
    function_pos, stop = lexicon.words("function_pos"), stopwords()
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    words = merge_single_chars(glue_suffixes(words_of(key, index), index))
    for word, flag in split_unused(words, index):
        if word in skip or not word or word in stop or word in seen:
            continue
        if not any(c.isalnum() for c in word):
            continue
        if len(word) == 1 and flag in ("q", "mq"):  # a bare measure word (那份 -> 份)
            continue
        if flag in function_pos:  # prepositions, conjunctions, particles, pronouns (由, 把)
            continue
        if question_words().fullmatch(word):  # also after single characters were rejoined
            continue
        seen.add(word)
        out.append((word, flag))
    return out


def _unheard(word: str, flag: str, df: int, index: KeyIndex) -> bool:
    """An `nz` name of three characters or more that no chunk holds (`df` 0), nor its stem (all
    but its last character: `格莱美` of `格莱美奖`, as a text may write `格莱美音乐奖`): the
    documents never speak of it, so no sentence of theirs answers about it. A text naming
    the stem only (`金鹰节` for `金鹰奖`) keeps the word optional, as before."""
    return (
        flag.startswith("nz")
        and len(word) > 2
        and df == 0
        and index.count(forms(word[:-1])) == 0
    )


def _anchor(
    word: str,
    flag: str,
    key: str,
    df: int,
    index: KeyIndex,
    places: frozenset[str],
) -> bool:
    """Must an answering sentence name this word (`df`: chunks of `index` holding it)?"""
    # a figure the asker states (`是80万辆，没错吧`) is a claim to check, not a required word;
    # a year or a bare number (`第27号`) still identifies what is asked about
    claimed = bool(NUMBER.fullmatch(word)) and _CLAIMED.search(_after(key, word)) is not None
    numeric = (bool(NUMBER.fullmatch(word)) or word.isascii()) and not claimed
    # a rare name (not every chunk's topic); jieba's `nz` also tags verbs (印发), so an `nz`
    # word the corpus never uses is not required, unless a name it never speaks of (`_unheard`)
    n = index.n
    specific = flag.startswith(_ENTITY_POS) and df < 0.3 * n
    specific = specific and (df > 0 or not flag.startswith("nz") or _unheard(word, flag, df, index))
    # a word jieba does not know, found in few chunks, is a name it has not seen (蔚来, 寒武纪)
    unseen = flag == "x" and len(word) > 2 and not NUMBER.fullmatch(word)
    specific = specific or (unseen and 0 < df < 0.05 * n)
    # a person's name jieba guesses from the question's context (`韩飚` is in no dictionary):
    # required even of two characters, and even when no chunk holds it (then nothing answers)
    guessed = flag == "x" and word in _persons(key)
    specific = specific or (guessed and df < 0.3 * n)
    return numeric or specific or word in places


@lru_cache(maxsize=256)
def _persons(key: str) -> frozenset[str]:
    """The words of a key jieba tags as people's names. Not one that ends in a character
    jieba's dictionary calls an adverb (`才`, `就`, `也`): its HMM glues the adverb after a word
    onto a guessed name (`石头/n 兰才/nr`), which no sentence then holds."""
    tags = word_tags()
    return frozenset(
        w for w, f in tagged_names(key) if f.startswith("nr") and tags.get(w[-1]) != "d"
    )


def _weights(terms: list[str], df: dict[str, int], n: int) -> dict[str, float]:
    """IDF weights over the chunks. An absent verb, adverb or word of time or place (前后, 年初,
    省内) is the asker's wording, not the thing asked for, and so is a one-character one (靠,
    让, 又, 大): it weighs no more than `WORDING`."""
    weights = {t: math.log((n + 1) / (df[t] + 0.5)) for t in terms}
    tags = word_tags()
    for t in terms:
        wording = tags.get(t, "x")[:1] in ("v", "d", "a", "f", "t", "s", "m")
        if wording and (df[t] == 0 or (len(t) == 1 and not t.isdigit())):
            weights[t] = min(weights[t], WORDING) if df[t] else WORDING
    return weights


_JOINT = f"(?:从|由|到|至|{JOINT})"  # the joints between years asked together: spans too
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
    handled: set[str] = set()
    for group, suffix in ((years, r"\s*年?(?:初|底|末)?"), ([] if nested else places, "")):
        # 宁波 in 浙江 (`全国排第几？在浙江省内呢？`) are not two places asked side by side
        if len(group) > 1:
            for keep in group:
                others = "|".join(re.escape(g) for g in group if g != keep)
                # the other years with their joints: `从2019年到2023年` -> `2023年`
                drop = rf"{_JOINT}?\s*(?:{others}){suffix}\s*{_JOINT}?"
                out.append((re.sub(drop, "", query.key), keep))
                handled |= {keep, f"{keep}年"}
    # other things asked side by side (`甲公司和乙公司的营收`, `导演和编剧`), and places joined
    # beside a wider one the question also names (`亚运会日本和中国…`): one facet each
    for text, keep in facet_questions(query.key):
        if keep not in handled and (text, keep) not in out:
            out.append((text, keep))
    return out


