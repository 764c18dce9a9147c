"""The concurrency benchmark's generated documents (`bench.concurrency`): small Chinese documents
about made-up 智算中心, each with the question only it answers and the figure its answer must
hold; distinct names across writers, and 3 to 9 sections each so that chunk counts differ."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

NAMES = "青松 白鹭 云帆 星河 松涛 鹿鸣 澄江 石湖 枫桥 木渎 横塘 胥口 甪直 同里 黎里 震泽 东山 西山"
PLACES = ["", "湾", "港", "岭", "洲"]
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class NewDoc:
    """A generated Chinese document and the question only it answers."""

    path: Path
    doc_id: str
    question: str
    figure: str
    """What the answer must contain (`235家`)."""


def write_docs(folder: Path, prefix: str, count: int, first: int = 0) -> list[NewDoc]:
    """`count` small documents `<prefix>-NN.txt` about distinct (made-up) 智算中心, numbered from
    `first` so that documents of different writers never share a name; 3 to 9 sections each, so
    their chunk counts differ."""
    names = [n + p for p in PLACES for n in NAMES.split()]
    folder.mkdir(parents=True, exist_ok=True)
    docs = []
    for i in range(first, first + count):
        name, rng = names[i], random.Random(i)  # IndexError past 90 documents: add names
        firms = rng.randint(20, 300)
        paras = [
            f"{name}智算中心建设简报",
            f"2025年，{name}智算中心完成一期建设，总投资{rng.randint(11, 99)}亿元。中心部署智能"
            f"算力{rng.randint(100, 990)}P，已服务企业{firms}家。",
        ]
        for j in range(rng.randint(3, 9)):
            paras.append(
                f"（{NUMERALS[j]}）第{j + 1}项工作。{name}智算中心围绕模型训练、数据标注和行业应用"
                f"开展第{j + 1}批试点，签约项目{rng.randint(3, 40)}个，带动投资"
                f"{rng.randint(2, 30)}亿元。园区同步建设人才公寓和公共服务平台，为入驻团队提供算力"
                "补贴和场景开放。"
            )
        path = folder / f"{prefix}-{i:02d}.txt"
        path.write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        docs.append(NewDoc(path, path.stem, f"{name}智算中心服务了多少家企业？", f"{firms}家"))
    return docs
