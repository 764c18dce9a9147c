"""Write `rag/text/lexicon/places_cn.tsv`, the national place table: every province,
prefecture-level city and county-level division of China, from jionlp's division table.

Run by hand, never by the product, with a Python that has jionlp and jieba installed:

    python scripts/make_places.py              # finds jionlp's package folder in this Python
    python scripts/make_places.py --jionlp /path/to/site-packages/jionlp

jionlp is not imported, only its data file `dictionary/china_location.txt` is read (importing
jionlp writes into its own site-packages and loads jiojio, which is GPLv3); jieba's dictionary
(the one the product segments with) decides which short forms are everyday words. The output is
committed: run this again only to take a newer jionlp table or to change a rule below, and commit
the new file with this script.

Every place keeps its full name (常熟市) and, where the rules allow, its short form (常熟); the
row's name is the short form when kept, else the full name. The rules, also written into the
file's note, each measured in its constant's docstring below:
- a short form is jionlp's alias when it is a part of the full name (延边 of 延边朝鲜族自治州);
  abbreviations that are not (科右中旗 of 科尔沁右翼中旗) are dropped: `rag.text.places.places_in`
  reports a name as the text spells it; a development zone keeps no short form (高新区);
- it has at least 2 characters;
- it names one place in the country (鼓楼 names four districts, so no 鼓楼 is kept), or several
  on one line of descent, where the outermost keeps it (大理 is the prefecture, not its 大理市),
  or one that jieba's corpus names far more often than the others (西安, not the two 西安区);
- a county's short form is no town's name in other counties (兴隆, 温泉: `TOWNS_ELSEWHERE`);
- it is not an everyday word by jieba's dictionary (`Jieba.everyday`: tagged as a word and used
  far more often than the full name, 来宾; a county's counted very often, 公安, 合作; inside an
  idiom, 长治 in 长治久安);
- a full name shared by two places is dropped (鼓楼区), and so is one that is only a direction or
  a part of any city (城区, 东区) or a function word and 县 (和县): the place is then missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import jieba
import jieba.posseg

OUT = Path(__file__).resolve().parents[1] / "rag" / "text" / "lexicon" / "places_cn.tsv"

NAME_TAGS = frozenset({"ns", "nr", "nrt", "nrfg", "nz", "nt", "j"})
"""jieba's tags for names. Only `ns` says place, but jieba tags many place names as a person's
or another name (吴江 nr, 嘉兴 nr, 义乌 nz): any name tag means "not an everyday word" here."""

WORD_RATIO = {"city": 30.0, "county": 10.0}
"""A short form jieba tags as an everyday word is one when jieba's corpus uses it this many
times as often as the full name (来宾 166 times, 来宾市 3). Chosen on what each bar drops,
measured on jieba 0.42.1: the cities jieba tags as words run from 2.6 (大连) through 10 (烟台),
18 (保定), 21 (商丘) to 42 (来宾), nearly all of them only cities, so the bar is 30 (it drops
来宾, 日照, 白银 and costs 开封); the counties' words sit mostly above 10 (同心 11, 无为 14,
富民 31, 运河 31) and their names below (常熟 8.6, 海门 6.4), so the bar is 10 (it costs 莎车
10.4, 库车 12.9, 神木 18.6). A city tagged as a person's name is tested too (白银 nr: silver); a
county is not, since jieba tags 639 county short forms nr, most of them only names (吴江, 如皋)."""

COUNTY_WORD_FREQ = 1000
"""A county's short form that jieba counts this often, whatever its tag, is an everyday word
(平原 7457, 古城 1664, 公安 2800, 凤凰 1348): a county's own name is rarely that frequent. The
cost, measured: jieba's corpus over-counts Hubei, so 武昌, 天门, 江陵, 黄陂, 仙桃 keep only their
full names."""

IDIOM_FREQ = 100
"""A short form inside a four-character jieba idiom (tags i, l) this frequent is read inside it
(长治 in 长治久安 677, 大同 in 大同小异 129, 朝天 in 热火朝天); longer set phrases are often
names (武汉职业技术学院 l)."""

MIN_WORD_FREQ = 50
"""A word jieba's corpus saw fewer times than this is no everyday word, whatever its tag (马边
d 19, 博望 v 10, 共青城 n 11 are the places' names)."""

TOWNS_ELSEWHERE = 3
"""A county's short form that this many towns in other counties also bear (兴隆镇 in 56 of them,
东城街道 48, 温泉 30, 太湖 3) is a common place-word, not this county's name. Measured on the
short forms the other rules keep: 433 are shared with towns of 2 other counties or more, 288
with 3, 154 with 5;
at 5 words like 长寿 (4), 山城 (4), 太湖 (3), 高明 (3) stay, at 2 county names like 昆山 (2) go.
A city's name outranks its towns' namesakes, so the rule is for counties only."""

PROMINENCE = 10
"""Of places far apart sharing a short form, one keeps it when jieba's corpus names it (by its
full name) this many times as often as each other one: 西安 is 西安市 (165), not the two 西安区
(3); 朝阳 stays unresolved (朝阳区 206, in two cities; 朝阳市 19)."""

TOWN_SUFFIX = re.compile(r"(?:街道办事处|街道|办事处|镇|乡|苏木)$")

FIXES = {"苗粟县": ("苗栗县", "苗栗"), "六枝特区": ("六枝特区", "六枝")}
"""Corrections to jionlp's data: a misspelt county, and an alias cut at the wrong character."""

SKIPPED_LEVELS = ("省直辖行政区划", "市直辖行政区划")
"""jionlp's placeholders for divisions under a province or city directly: no place."""

PROVINCE_CITY = ("市", "特别行政区")
"""Province-level divisions that are cities (北京市, 香港特别行政区): kind 城市, not 省."""


@dataclass(eq=False)
class Place:
    """One division of jionlp's table."""

    level: str  # province, city, county
    full: str
    aliases: list[str]
    code: str
    parent: Place | None
    short: str = ""
    kind: str = ""
    dropped: dict[str, str] = field(default_factory=dict)
    """Each short form not kept -> the rule that dropped it."""
    why: dict[str, str] = field(default_factory=dict)
    """An everyday word's measurement, for `--explain`."""

    @property
    def name(self) -> str:
        return self.short or self.full

    def chain(self) -> list[Place]:
        """The place and the places it lies in."""
        out: list[Place] = []
        place: Place | None = self
        while place is not None:
            out.append(place)
            place = place.parent
        return out


def jionlp_dir(given: str) -> Path:
    if given:
        return Path(given)
    spec = importlib.util.find_spec("jionlp")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        sys.exit("jionlp is not installed in this Python: pass --jionlp <its package folder>")
    return Path(next(iter(spec.submodule_search_locations)))


def read_table(path: Path) -> tuple[list[Place], dict[str, set[int]]]:
    """Provinces, cities and counties of `china_location.txt` (tab-indented: province, city,
    county, town, village), and each town name's stem -> the counties (ids) it lies in."""
    places: list[Place] = []
    towns: dict[str, set[int]] = defaultdict(set)
    province: Place | None = None
    city: Place | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if depth == 3 and places:
            towns[TOWN_SUFFIX.sub("", fields[0])].add(id(places[-1]))
        if depth > 2 or len(fields) != 3:
            continue
        full, code, alias = fields
        full, fixed = FIXES.get(full, (full, ""))
        aliases = [fixed] if fixed else alias.split("/")
        if depth == 0:
            province = Place("province", full, aliases, code, None)
            places.append(province)
        elif depth == 1:
            # a province-level city lists itself as its one city; placeholders are no place
            city = None
            if province and full != province.full and full not in province.aliases:
                city = (
                    None if full in SKIPPED_LEVELS else Place("city", full, aliases, code, province)
                )
            if city:
                places.append(city)
        elif full not in SKIPPED_LEVELS:
            places.append(Place("county", full, aliases, code, city or province))
    return places, towns


def kind_of(place: Place) -> str:
    """The kind `rag.text.places` knows the place by."""
    full = place.full
    if place.level == "province":
        return "城市" if full.endswith(PROVINCE_CITY) else "省"
    if place.level == "city":  # 自治州, 地区, 盟 are areas, never the answer to 哪个城市
        return "城市" if full.endswith("市") else "地方"
    if 70 <= int(place.code[4:6]) <= 79 or full.endswith("开发区"):
        return "地方"  # a development zone the statistics code lists at county level
    if full.endswith("市"):
        return "县级市"
    if full.endswith(("县", "旗")):
        return "县"
    return "区" if full.endswith("区") else "地方"


class Jieba:
    """jieba's dictionary: frequencies, tags, and the idioms a short form sits inside."""

    def __init__(self) -> None:
        jieba.initialize()
        self.freq: dict[str, int] = jieba.dt.FREQ
        self.tags: dict[str, str] = jieba.posseg.dt.word_tag_tab
        self.idioms = [
            w
            for w, t in self.tags.items()
            if t in ("i", "l") and len(w) == 4 and self.freq.get(w, 0) >= IDIOM_FREQ
        ]

    def prominent(self, claimants: list[Place]) -> Place | None:
        """The one of several places far apart sharing a short form whose full name jieba's
        corpus uses `PROMINENCE` times as often as any other's (西安市 165, 西安区 3), if any."""
        ranked = sorted(claimants, key=lambda p: self.freq.get(p.full, 0), reverse=True)
        top, second = (self.freq.get(p.full, 0) for p in ranked[:2])
        return ranked[0] if top >= PROMINENCE * (second + 1) else None

    def everyday(self, place: Place, short: str) -> str:
        """Why `short` is an everyday word rather than the place's name ("" when it is not)."""
        freq, tag = self.freq.get(short, 0), self.tags.get(short, "")
        full = max(self.freq.get(f, 0) for f in (place.full, *(short + s for s in "省市县区")))
        if place.level == "county" and freq >= COUNTY_WORD_FREQ:
            return f"jieba counts it {freq} times"
        county = place.level == "county"
        word_tag = tag and (tag not in NAME_TAGS if county else tag != "ns")
        ratio = WORD_RATIO["county" if county else "city"]
        if word_tag and freq >= MIN_WORD_FREQ and freq / (full + 1) >= ratio:
            return f"jieba: {tag}, {freq} times against {full} for the full name"
        inside = next((w for w in self.idioms if short in w and w != short), "")
        return f"inside {inside}" if inside else ""


def choose_short_forms(
    places: list[Place], gone: list[Place], words: Jieba, towns: dict[str, set[int]]
) -> None:
    """Set each place's short form, or record why each of its candidates was dropped. A place
    `gone` (its full name shared) still shares its short form: 朝阳 stays ambiguous though both
    朝阳区 are dropped."""
    claims: dict[str, list[Place]] = defaultdict(list)
    for place in gone:
        for alias in place.aliases:
            claims[alias].append(place)
    for place in places:
        for alias in dict.fromkeys(place.aliases):
            if alias == place.full:
                continue
            if place.kind == "地方" and place.level == "county":
                place.dropped[alias] = "a development zone's (高新区, 工业园: generic)"
            elif alias not in place.full:
                place.dropped[alias] = "not a part of the full name"
            elif len(alias) < 2:
                place.dropped[alias] = "one character"
            else:
                claims[alias].append(place)
    fulls = {p.full for p in places}
    for alias, claimants in claims.items():
        owner, lost = _owner(claimants, gone, words)
        for place in claimants:
            if place in gone:
                continue
            if alias in fulls:
                place.dropped[alias] = "another place's full name"
            elif place is not owner:
                place.dropped[alias] = lost
            elif place.level == "county" and len(towns[alias] - {id(place)}) >= TOWNS_ELSEWHERE:
                place.dropped[alias] = f"the name of towns in {TOWNS_ELSEWHERE} counties or more"
            elif why := words.everyday(place, alias):
                place.dropped[alias] = "an everyday word by jieba's dictionary"
                place.why[alias] = why
            elif not place.short:
                place.short = alias


def _owner(claimants: list[Place], gone: list[Place], words: Jieba) -> tuple[Place | None, str]:
    """The place a short form names, and why the others lose it: the only claimant, the
    outermost of claimants on one line of descent (大理州 over its 大理市), or the one jieba's
    corpus names far more often; else none."""
    outer = min(claimants, key=lambda p: len(p.chain()))
    if all(outer in p.chain() for p in claimants):
        return outer, "shared with a place it lies in, which keeps it"
    known = words.prominent(claimants)
    if known is not None and known not in gone:
        return known, "shared with a place far better known"
    return None, "shared by places far apart"


FUNCTION_TAGS = frozenset({"c", "p", "u"})
"""jieba's tags for a conjunction, a preposition, a particle: a county named by one of these
and 县 is read across words (和县 in 市和县两级)."""


def drop_full_names(places: list[Place], words: Jieba) -> tuple[list[Place], list[Place]]:
    """(kept, dropped): a full name two places share, one that is only a direction or a part of
    any city (城区, 东区), or a function word and its suffix (和县), names no place."""
    count: dict[str, int] = defaultdict(int)
    for place in places:
        count[place.full] += 1

    def bad(full: str) -> bool:
        generic = len(full) == 2 and (
            full.endswith("区") or words.tags.get(full[0]) in FUNCTION_TAGS
        )
        return count[full] > 1 or generic

    return [p for p in places if not bad(p.full)], [p for p in places if bad(p.full)]


NOTE = """\
# Places of China, generated by scripts/make_places.py from jionlp's division table (see
# NOTICE.md): every province, prefecture-level city and county-level division. Do not edit by
# hand: change the generator and run it again. One place a line: name <TAB> parent <TAB> kind
# <TAB> full name (when the name is its short form). Kinds: 省, 城市 (a province-level or
# prefecture-level city), 地方 (an autonomous prefecture, league or development zone), 县级市, 县
# (县, 旗), 区 (市辖区). Countries, regions and other special cases are in places.tsv.
#
# A short form is kept only when it is a part of the full name, has 2 characters or more, is not
# an everyday word by jieba's dictionary (its tag an everyday word's and used far more often
# than its full name, a county's counted 1000 times or more, or read inside an idiom), and names
# one place in the country (or several on one line of descent: the outermost keeps it, or one
# far better known), and is no town's name in 3 other counties or more. A full name shared by
# two places, only a direction or a part of any city (城区, 东区), or a function word and 县
# (和县), is dropped: the place is then missing. The dropped names are listed at the end."""


def rows(places: list[Place]) -> list[str]:
    """The file's groups: provinces, then each province's cities, then each city's counties."""
    out = [NOTE]
    provinces = sorted((p for p in places if p.level == "province"), key=lambda p: p.code)
    children: dict[int, list[Place]] = defaultdict(list)
    for place in places:
        if place.parent is not None:
            children[id(place.parent)].append(place)

    def group(reason: str, members: list[Place]) -> None:
        if members:
            lines = [f"# {reason}"] + [line(p) for p in sorted(members, key=lambda p: p.code)]
            out.append("\n".join(lines))

    def line(p: Place) -> str:
        up = p.parent.name if p.parent else "中国"
        return "\t".join([p.name, up, p.kind, *([p.full] if p.short else [])])

    group("provinces and autonomous regions", [p for p in provinces if p.kind == "省"])
    group(
        "province-level cities: municipalities and SARs", [p for p in provinces if p.kind != "省"]
    )
    for province in provinces:
        kids = children[id(province)]
        cities = sorted((p for p in kids if p.level == "city"), key=lambda p: p.code)
        group(
            f"prefecture-level cities of {province.name}", [p for p in cities if p.kind == "城市"]
        )
        group(
            f"autonomous prefectures, leagues and prefectures of {province.name}: areas, no city",
            [p for p in cities if p.kind != "城市"],
        )
        group(
            f"county-level divisions directly under {province.name}",
            [p for p in kids if p.level == "county"],
        )
        for city in cities:
            group(
                f"county-level divisions of {city.name}: 县级市, 县, 旗, 市辖区", children[id(city)]
            )
    return out


def dropped_notes(places: list[Place], gone: list[Place]) -> list[str]:
    """Comment blocks listing every dropped name by reason."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    for place in places:
        for alias, why in place.dropped.items():
            by_reason[why].append(alias)
    by_reason["full names shared by two places or generic (城区, 和县): the place is missing"] = (
        sorted({p.full for p in gone})
    )
    notes = []
    for reason, names in sorted(by_reason.items()):
        names = sorted(dict.fromkeys(names))
        wrapped, line = [], "#"
        for n in names:
            if len(line) + len(n) > 60:
                wrapped.append(line)
                line = "#"
            line += f" {n}"
        notes.append("\n".join([f"# dropped, {reason} ({len(names)}):", *wrapped, line]))
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jionlp", default="", help="jionlp's package folder")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--explain", action="store_true", help="print each everyday word's count")
    args = parser.parse_args()
    places, towns = read_table(jionlp_dir(args.jionlp) / "dictionary" / "china_location.txt")
    words = Jieba()
    kept, gone = drop_full_names(places, words)
    for place in kept:
        place.kind = kind_of(place)
    choose_short_forms(kept, gone, words, towns)
    orphans = [p for p in kept if p.parent is not None and p.parent not in kept]
    if orphans:
        sys.exit(f"places whose parent was dropped: {[p.full for p in orphans]}")
    if args.explain:
        for place in kept:
            for alias, why in place.why.items():
                print(f"{alias}\t{place.full}\t{why}")
    text = "\n\n".join(rows(kept) + dropped_notes(kept, gone)) + "\n"
    args.out.write_text(text, encoding="utf-8")
    counts: dict[str, int] = defaultdict(int)
    for place in kept:
        counts[place.kind] += 1
    print(f"wrote {args.out}: {len(kept)} places {dict(counts)}, {len(gone)} full names dropped")


if __name__ == "__main__":
    main()
