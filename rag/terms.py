"""Terms: Chinese word segmentation for BM25 and sentence scoring.

jieba over the search key (Simplified, half width, lower case), minus punctuation and a short list
of function words and question words. The same function serves documents and questions, so a
Traditional question and a Simplified passage yield the same terms.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from rag.clean import search_key

STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "在",
        "是",
        "为",
        "对",
        "等",
        "也",
        "都",
        "而",
        "并",
        "其",
        "这",
        "那",
        "之",
        "以",
        "于",
        "上",
        "中",
        "下",
        "个",
        "有",
        "把",
        "被",
        "就",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "请问",
        "请",
        "一下",
        "什么",
        "多少",
        "哪些",
        "哪个",
        "哪",
        "哪里",
        "哪家",
        "几",
        "几个",
        "如何",
        "怎么",
        "怎样",
        "是否",
        "有没有",
        "有无",
        "告诉",
        "我",
        "你",
        "我们",
        "一个",
        "一些",
        "根据",
        "文档",
        "资料",
        "问题",
        "关于",
        "方面",
        "情况",
        "相关",
        "目前",
        "现在",
        "当前",
        "主要",
        "具体",
        "分别",
        "大约",
        "左右",
        "约",
    ]
)


@lru_cache(maxsize=1)
def _jieba() -> Any:  # loads its dictionary on first use only
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def terms_of_key(key: str) -> list[str]:
    """Terms of text that is already a search key."""
    out = []
    for token in _jieba().lcut(key):
        token = token.strip()
        if token and token not in STOPWORDS and any(ch.isalnum() for ch in token):
            out.append(token)
    return out


def terms(text: str) -> list[str]:
    return terms_of_key(search_key(text))
