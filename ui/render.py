"""What the chat page shows, as inert HTML: the chat's turns, the sources panel, the document
view, the exports, and error messages without the server's paths.

Every piece of document, model or user text goes through `text()` (escaped, newlines kept):
nothing a document or a model writes can become markup, a script or a remote image. The only
markup is ours: `<mark>` around a quote, and the class `cite-n` (in answers) or `data-cite="n"`
(in the panels) on the elements whose click opens source n (see `ui.assets.CITE_JS`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from rag.answer.cite import MARKER

AnswerJson = dict[str, Any]
Chat = list[dict[str, Any]]
DocInfo = Callable[[str], Any]
"""doc_id -> the `SourceDoc` (title, issuer, date, display text), or raises."""

_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][^\s/\\:;,，。；）)'\"]+)+[/\\]?")


def text(value: str) -> str:
    """Plain text as inert HTML: escaped, newlines kept."""
    return html.escape(value, quote=False).replace("\n", "<br>")


def public(message: str) -> str:
    """An error message fit for the page: a server path is cut to its last part (`…/data`), so
    the page never shows where the server keeps its files."""
    parts = re.split(r"(\w+://\S+)", message)  # URLs (an endpoint to check) stay whole
    return "".join(
        p if i % 2 else _PATH.sub(lambda m: "…/" + re.split(r"[/\\]", m[0].rstrip("/\\"))[-1], p)
        for i, p in enumerate(parts)
    )


def chat_turn(answer: AnswerJson, turn: int) -> Chat:
    """The question and the answer bubble; the bubble's markers open turn `turn`'s sources."""
    return [
        {"role": "user", "content": text(answer["question"])},
        {
            "role": "assistant",
            "content": f"<div class='turn turn-{turn}'>{answer_html(answer['answer'])}</div>",
        },
    ]


def answer_html(answer_text: str) -> str:
    """An answer bubble: escaped text whose `[n]` markers open their source when clicked."""
    escaped = text(answer_text)
    # classes, not data-* attributes: the chatbot's sanitizer keeps only the former
    return MARKER.sub(
        lambda m: f'<span class="cite cite-{m[1]}" title="查看出处">[{m[1]}]</span>', escaped
    )


def paragraph_html(doc_text: str, start: int, end: int) -> str:
    """The paragraph around `doc_text[start:end]`, the quote highlighted inside it."""
    first = doc_text.rfind("\n", 0, start) + 1
    last = doc_text.find("\n", end)
    last = len(doc_text) if last < 0 else last
    return (
        f"{text(doc_text[first:start])}<mark>{text(doc_text[start:end])}</mark>"
        f"{text(doc_text[end:last])}"
    )


def citation_html(c: dict[str, Any], doc: Any | None) -> str:
    """`[n] title（date）`, issuer, section path and place, then the quote inside its paragraph."""
    where = f"{c['doc_id']} {c['start']}–{c['end']}"
    issuer = f"<div class='issuer'>{text(doc.meta.issuer)}</div>" if doc and doc.meta.issuer else ""
    section = f"<div class='section'>{text(c['section'])}</div>" if c.get("section") else ""
    if doc is not None and doc.text[c["start"] : c["end"]] == c["quote"]:
        body = paragraph_html(doc.text, c["start"], c["end"])
    else:  # the document changed since the answer: show the quote alone
        body = f"<mark>{text(c['quote'])}</mark>"
    return (
        f"<div class='source' id='source-{c['n']}'>"
        f"<div class='ref'><span class='cite' data-cite='{c['n']}'>[{c['n']}]</span> "
        f"{text(c['title'])}（{text(c['date'] or '日期不详')}）"
        f" <span class='where'>{text(where)}</span>"
        f" <button class='open' data-cite='{c['n']}'>查看原文</button></div>"
        f"{issuer}{section}<blockquote>{body}</blockquote></div>"
    )


def conflict_html(differing: Sequence[tuple[dict[str, Any], list[str]]]) -> str:
    """The note that sources of different dates give different figures, each with its figures."""
    if not differing:
        return ""
    items = "".join(
        f"<li>[{c['n']}] {text(c['title'])}（{text(c['date'] or '日期不详')}）："
        f"{text('、'.join(figures))}</li>"
        for c, figures in differing
    )
    return (
        "<div class='conflict'><b>注意：不同日期的来源给出的数字不同</b>，"
        f"请按日期核对：<ul>{items}</ul></div>"
    )


def sources_html(
    answer: AnswerJson | None,
    doc_info: DocInfo | None = None,
    differing: Sequence[tuple[dict[str, Any], list[str]]] = (),
) -> str:
    """The 来源 panel of one answer (or the empty panel)."""
    if answer is None:
        body = "<p>提问后，这里列出回答中每个 [n] 引用的原文句子；点 [n] 查看它在原文中的位置。</p>"
    elif not answer["citations"]:
        body = "<p>这个回答没有引用来源。</p>"
    else:
        body = conflict_html(differing) + "".join(
            citation_html(c, _doc(doc_info, c["doc_id"])) for c in answer["citations"]
        )
    unverified = [c for c in answer.get("claims", []) if not c["verified"]] if answer else []
    if unverified:
        items = "".join(f"<li>{text(c['text'])}</li>" for c in unverified)
        body += (
            f"<div class='unverified'><h4>未核实（所引资料中找不到依据）</h4><ul>{items}</ul></div>"
        )
    if answer and answer.get("notice"):
        body = f"<p class='notice'>{text(answer['notice'])}</p>" + body
    return f"<div class='sources'><h3>来源</h3>{body}</div>"


def _doc(doc_info: DocInfo | None, doc_id: str) -> Any | None:
    if doc_info is None:
        return None
    try:
        return doc_info(doc_id)
    except Exception:  # a deleted document: the panel still shows the quote
        return None


def document_html(doc: Any | None, start: int = 0, end: int = 0) -> str:
    """A document's whole display text, the cited characters highlighted (`<mark id=cited>`)."""
    if doc is None:
        hint = "点回答或来源中的 [n]，这里显示原文并标出引用的句子。"
        return f"<div class='document'><p>{hint}</p></div>"
    meta = doc.meta
    head = (
        f"<h3>{text(meta.title)}</h3><div class='meta'>{text(meta.date or '日期不详')}"
        f" · {text(meta.issuer or '发布者不详')} · {text(doc.doc_id)}"
        f" · sha {text(doc.sha[:12])}</div>"
    )
    if 0 <= start < end <= len(doc.text):
        body = (
            f"{text(doc.text[:start])}<mark id='cited'>{text(doc.text[start:end])}</mark>"
            f"{text(doc.text[end:])}"
        )
        where = f"<div class='where'>引用位置：第 {start}–{end} 个字符</div>"
    else:
        body, where = text(doc.text), ""
    return f"<div class='document'>{head}{where}<div class='fulltext'>{body}</div></div>"


def export_json(answer: AnswerJson, doc_info: DocInfo | None = None) -> str:
    """The answer with everything needed to re-check it later: quotes, offsets, document ids
    and content hashes, the index id, the mode and the model."""
    record = {
        "question": answer["question"],
        "answer": answer["answer"],
        "mode": answer["mode"],
        "model": answer.get("index", {}).get("llm", ""),
        "index": answer.get("index", {}),
        "citations": answer["citations"],
        "claims": answer.get("claims", []),
        "notice": answer.get("notice", ""),
    }
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def export_markdown(answer: AnswerJson) -> str:
    """The answer and its sources as Markdown a person can read and re-check."""
    index = answer.get("index", {})
    lines = [
        f"# {answer['question']}",
        "",
        answer["answer"],
        "",
        "## 来源",
        "",
    ]
    for c in answer["citations"]:
        lines += [
            f"[{c['n']}] 《{c['title']}》（{c['date'] or '日期不详'}） `{c['doc_id']}`"
            f" 字符 {c['start']}–{c['end']}，文档哈希 `{c.get('doc_sha', '')}`",
            "",
            f"> {c['quote']}",
            "",
        ]
    unverified = [c for c in answer.get("claims", []) if not c["verified"]]
    if unverified:
        lines += ["## 未核实", ""] + [f"- {c['text']}（{c['reason']}）" for c in unverified] + [""]
    model = f"，模型 {index['llm']}" if index.get("llm") else ""
    lines.append(f"回答方式 {answer['mode']}{model}；索引 `{index.get('id', '')}`。")
    return "\n".join(lines) + "\n"
