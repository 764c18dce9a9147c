"""The page's fixed words, once: every label, button, tab and hint in Simplified Chinese, shown
in Traditional when the reader picks 繁體.

Gradio translates what it is given as `I18nData` on the page itself, by the locale it runs in
(`ui.assets.HEAD_JS` starts it in zh-CN; choosing 繁體 or 简体 in 回答用字 switches it to zh-TW or
zh-CN at once, without a reload, Gradio's own strings included). `word("发送")` is such a key;
`translations()` gives both locales, the Traditional computed from the Simplified by OpenCC
(`rag.text.script.in_script`), so there is no second list to keep in step. A word not in
`WORDS` is refused when the page is built. Tab labels and the 回答用字 choices are not keys (Gradio
shows a key instead of its text on a tab not selected): `ui.library.LibraryCallbacks.interface`
relabels them.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

WORDS = (
    "对话",
    "问题",
    "输入问题，例如：2024年苏州人工智能产业营收是多少？",
    "发送",
    "停止",
    "这条回答哪里不对？您的纠正会成为回归测试。",
    "正确答案",
    "例如：378家",
    "文档里没有答案（应当回答“没有找到”）",
    "正确的原文（可选：从文档中复制含答案的句子）",
    "提交纠正",
    "取消",
    "可以这样问（取自文档，点一下即提问）：",
    "回答用字",
    "清空对话",
    "导出本条（Markdown）",
    "导出本条（JSON）",
    "导出整段对话（Markdown）",
    "导出整段对话（JSON）",
    "修改文档信息（按标题选择）",
    "日期",
    "发布者",
    "保存",
    "上传文档（.txt .md .docx .pdf）",
    "加入知识库",
    "删除文档（按标题选择）",
    "删除…",
    "确认删除",
)
GRADIO = {
    "chatbot.copy_message": "复制这条消息",
    "chatbot.copied_message": "已复制",
    "chatbot.like": "有用",
    "chatbot.dislike": "没用",
    "chatbot.clear": "清空对话",
}
"""Gradio's own strings missing from its Chinese locales (its English shows otherwise)."""


def _key(simplified: str) -> str:
    return "rag." + hashlib.sha1(simplified.encode()).hexdigest()[:12]


def word(simplified: str) -> Any:
    """The page's word, in the interface's script (a Gradio `I18nData` key)."""
    from gradio.i18n import I18nData

    if simplified not in WORDS:
        raise KeyError(f"not one of the page's words (ui.words.WORDS): {simplified!r}")
    return I18nData(_key(simplified))


@cache
def translations() -> dict[str, dict[str, str]]:
    """zh-CN and zh-TW, for `gr.I18n`: every word of `WORDS`, and Gradio's missing strings."""
    from rag.text.script import in_script

    simplified = {_key(w): w for w in WORDS} | GRADIO
    traditional = {k: in_script(v, True) for k, v in simplified.items()}
    return {"zh-CN": simplified, "zh-TW": traditional}
