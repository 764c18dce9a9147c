"""The scale benchmark's corpus (`bench.scale`): N variants of every seed. Variant 0 is the seeds
unchanged; variant i>0 gets the id `<seed id>_v<i>`, other cities for 苏州 (蘇州 in the Traditional
document) and the compared 杭州, another issuer, and its figures scaled by a per-document factor
(years kept), drawn from `random.Random(i)`, so every run builds the same corpus. Trade-off: the
variants are the seeds' prose with names and figures changed, so retrieval runs among
near-duplicates, harder than distinct documents."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

from bench.harness import SEEDS
from rag.ingest.readers import CATALOG, read_catalog
from rag.text.script import in_script

SEED_CITIES = ("苏州", "蘇州", "杭州")
"""The seeds' city (Simplified, Traditional) and the city document 004 compares it with."""
_CITY_NAMES = (
    "无锡 常州 宁波 绍兴 嘉兴 湖州 合肥 芜湖 长沙 重庆 郑州 济南 青岛 厦门 福州 泉州 东莞 佛山 "
    "珠海 沈阳 大连 长春 哈尔滨 昆明 贵阳 南昌 南宁 太原 石家庄 温州 台州 徐州 南通 扬州 镇江 "
    "烟台 潍坊 洛阳 宜昌 襄阳 株洲 绵阳 柳州 兰州 银川 西宁 海口 唐山 保定 淄博 临沂 盐城 淮安 "
    "连云港 宿迁 泰州 金华 衢州 舟山 蚌埠 九江 赣州 桂林 遵义"
)
CITIES = _CITY_NAMES.split()
"""Replacement cities: none is named in the seeds (南京, 深圳, 上海 ... are), so a variant's
city never collides with a city its text already compares."""
ISSUERS = ("市社会科学院", "市发展研究中心", "市人工智能产业协会", "市工业和信息化局", "日报社")
"""Issuers (after the variant's city) for a seed whose issuer names no city or none at all."""
# An Arabic-digit figure; not part of a word, date, time, id, thousands group or `第N`/`N.` label
_FIGURE = re.compile(
    r"(?<![\dA-Za-z.\-:/第])(?<!\d,)(\d+(?:\.\d+)?)(?![\dA-Za-z.\-:/]|,\d|\s*[年月日期号届])"
)
_YEAR = re.compile(r"(?:19|20)\d\d")


def scaled(figure: str, factor: float) -> str:
    """A figure times `factor`, with as many decimals; years and zero-led digits unchanged."""
    if _YEAR.fullmatch(figure) or (figure.startswith("0") and not figure.startswith("0.")):
        return figure
    places = len(figure.partition(".")[2])
    value = float(figure) * factor
    return f"{value:.{places}f}" if places else str(max(1, round(value)))


def variant(
    doc_id: str, text: str, entry: dict[str, str], i: int, rng: random.Random
) -> tuple[str, str, dict[str, str]]:
    """Variant `i` of a seed: its id, text and catalog entry (cities, issuer and figures)."""
    city, compared = rng.sample(CITIES, 2)
    factor = rng.uniform(1.2, 2.8)
    names = dict(zip(SEED_CITIES, (city, in_script(city, True), compared), strict=True))
    if entry.get("script") == "繁":
        names["杭州"] = in_script(compared, True)

    def renamed(s: str) -> str:
        return re.sub("|".join(SEED_CITIES), lambda m: names[m[0]], s)

    issuer = renamed(entry.get("issuer", ""))
    if issuer == entry.get("issuer", ""):  # names no city: another body of the variant's city
        issuer = f"{city}{rng.choice(ISSUERS)}"
    new = {**entry, "title": renamed(entry.get("title", "")), "issuer": issuer}
    new["note"] = renamed(entry.get("note", ""))
    body = _FIGURE.sub(lambda m: scaled(m[1], factor), renamed(text))
    return f"{doc_id}_v{i:03d}", body, new


def build_corpus(out: Path, n: int, seeds: Path = SEEDS) -> list[str]:
    """Write `n` variants of every seed `.txt` and their `catalog.json` into `out` (read as
    `rag.ingest.readers.read_corpus` reads a folder); the document ids, variant by variant."""
    catalog = read_catalog(seeds)
    files = sorted(seeds.glob("*.txt"))
    out.mkdir(parents=True, exist_ok=True)
    entries: dict[str, dict[str, str]] = {}
    for path in files:
        shutil.copyfile(path, out / path.name)
        entries[path.stem] = catalog.get(path.stem, {})
    for i in range(1, n):
        rng = random.Random(i)
        for path in files:
            text = path.read_bytes().decode("utf-8")
            doc_id, body, entry = variant(path.stem, text, catalog.get(path.stem, {}), i, rng)
            (out / f"{doc_id}.txt").write_bytes(body.encode("utf-8"))
            entries[doc_id] = entry
    catalog_text = json.dumps({"documents": entries}, ensure_ascii=False, indent=2) + "\n"
    (out / CATALOG).write_bytes(catalog_text.encode("utf-8"))
    return list(entries)
