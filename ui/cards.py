"""The 来源 (sources) panel and the 原文 (document) view, as inert HTML.

Each source is a card in plain language: `[n]`, the title, the issuer, the date and the kind
of document, then the quote highlighted inside its paragraph. What only a researcher needs
(the document id, the character offsets into the display text, the content hash) is folded
under 详情, and is in the exports. Every text goes through `ui.render.text`; the only markup is
ours, and `data-cite="n"` on what opens source n (`ui.assets.CITE_JS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ui.render import AnswerJson, shown, text

DocInfo = Callable[[str], Any]
"""doc_id -> the `SourceDoc` (title, issuer, date, display text), or raises."""

OFFSETS_NOTE = "字符位置指显示文本（清理后的全文，即 `rag show 文档id` 输出的文本），不是原始文件。"
"""What the offsets count in: said wherever they are shown."""


def paragraph_html(doc_text: str, start: int, end: int) -> str:
    """The paragraph around `doc_text[start:end]`, the quote highlighted inside it."""
    first = doc_text.rfind("\n", 0, start) + 1
    last = doc_text.find("\n", end)
    last = len(doc_text) if last < 0 else last
    return (
        f"{text(doc_text[first:start])}<mark>{text(doc_text[start:end])}</mark>"
        f"{text(doc_text[end:last])}"
    )


def _chip(n: int) -> str:
    """A panel's `[n]`: a link a keyboard reaches, opening source n (`ui.assets.CITE_JS`)."""
    return f"<span class='cite' data-cite='{n}' tabindex='0' role='link'>[{n}]</span>"


def _details(rows: Sequence[tuple[str, str]], tw: bool) -> str:
    items = "".join(f"<div>{text(shown(k, tw))}：<code>{text(v)}</code></div>" for k, v in rows)
    note = f"<div>{text(shown(OFFSETS_NOTE, tw))}</div>"
    return f"<details class='more'><summary>{shown('详情', tw)}</summary>{items}{note}</details>"


def times_html(c: dict[str, Any], tw: bool = False) -> str:
    """The quote's relative times made absolute from its document's date, beside the quote
    (which stays as written): 「去年」 in a 2024-10-15 report -> 去年 = 2023年; "" when none."""
    from rag.text.dates import resolve_relative

    if not re.fullmatch(r"\d{4}-\d{2}(?:-\d{2})?", c.get("date") or ""):
        return ""  # a year alone cannot say what 上个月 was
    try:
        found = resolve_relative(c["quote"], c["date"])
    except ValueError:  # a date that reads as none
        return ""
    if not found:
        return ""
    said = "；".join(f"{c['quote'][a:b]} = {absolute}" for a, b, absolute in found)
    return f"<div class='times'>{text(shown('文中的时间（按文档日期）：', tw) + said)}</div>"


def citation_html(c: dict[str, Any], doc: Any | None, tw: bool = False) -> str:
    """A source card: `[n] title`, issuer · date · kind, section, the quote in its paragraph,
    and 详情 (id, offsets, hash); `tw`: the card's own words in Traditional."""
    meta = doc.meta if doc is not None else None
    unknown = shown("发布者不详", tw), shown("日期不详", tw)
    facts = [meta.issuer if meta and meta.issuer else unknown[0], c["date"] or unknown[1]]
    if meta and meta.kind:
        facts.append(meta.kind)
    section = f"<div class='section'>{text(c['section'])}</div>" if c.get("section") else ""
    if doc is not None and doc.text[c["start"] : c["end"]] == c["quote"]:
        body = paragraph_html(doc.text, c["start"], c["end"])
    else:  # the document changed since the answer: show the quote alone
        body = f"<mark>{text(c['quote'])}</mark>"
    more = _details(
        [
            ("文档 id", c["doc_id"]),
            ("引用位置", shown(f"第 {c['start']}–{c['end']} 个字符", tw)),
            ("文档哈希", c.get("doc_sha", "")),
        ],
        tw,
    )
    return (
        f"<div class='source' id='source-{c['n']}'>"
        f"<div class='ref'>{_chip(c['n'])} {text(c['title'])}"
        f" <button class='open' data-cite='{c['n']}'>{shown('查看原文', tw)}</button></div>"
        f"<div class='facts'>{text(' · '.join(facts))}</div>{section}"
        f"<blockquote>{body}</blockquote>{times_html(c, tw)}{more}</div>"
    )


def figures_html(differing: Sequence[tuple[dict[str, Any], str]], tw: bool = False) -> str:
    """Sources of different dates that give different values for the asked quantity, side by
    side, newest first; "" when they agree (or only one gives it)."""
    if not differing:
        return ""
    rows = "".join(
        f"<tr><td>{text(c['date'] or shown('日期不详', tw))}</td><td>{text(value)}</td>"
        f"<td>{_chip(c['n'])} {text(c['title'])}</td></tr>"
        for c, value in sorted(differing, key=lambda d: d[0]["date"] or "", reverse=True)
    )
    note = shown("注意：不同日期的来源给出的数字不同", tw)
    advice = shown("请以日期较新者为准并核对原文。", tw)
    heads = "".join(f"<th>{shown(h, tw)}</th>" for h in ("日期", "数值", "来源"))
    return (
        f"<div class='conflict'><b>{note}</b>，{advice}"
        f"<table><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def sources_html(
    answer: AnswerJson | None,
    doc_info: DocInfo | None = None,
    differing: Sequence[tuple[dict[str, Any], str]] = (),
) -> str:
    """The 来源 panel of one answer (or the empty panel), its own words in the answer's script."""
    tw = bool(answer and answer.get("traditional"))
    if answer is None:
        hint = "提问后，这里列出回答中每个 [n] 引用的原文句子；点 [n] 查看它在原文中的位置。"
        body = f"<p>{hint}</p>"
    elif not answer["citations"]:
        body = f"<p>{shown('这个回答没有引用来源。', tw)}</p>"
    else:
        body = figures_html(differing, tw) + "".join(
            citation_html(c, _doc(doc_info, c["doc_id"]), tw) for c in answer["citations"]
        )
    unverified = [c for c in answer.get("claims", []) if not c["verified"]] if answer else []
    if unverified:
        items = "".join(f"<li>{text(c['text'])}</li>" for c in unverified)
        head = shown("未核实（所引资料中找不到依据）", tw)
        body += f"<div class='unverified'><h4>{head}</h4><ul>{items}</ul></div>"
    if answer and answer.get("notice"):
        body = f"<p class='notice'>{text(answer['notice'])}</p>" + body
    return f"<div class='sources'><h3>{shown('来源', tw)}</h3>{body}</div>"


def _doc(doc_info: DocInfo | None, doc_id: str) -> Any | None:
    if doc_info is None:
        return None
    try:
        return doc_info(doc_id)
    except Exception:  # a deleted document: the panel still shows the quote
        return None


def document_html(doc: Any | None, start: int = 0, end: int = 0, tw: bool = False) -> str:
    """A document's whole display text, the cited characters highlighted (`<mark id=cited>`);
    `tw`: the view's own words in Traditional."""
    if doc is None:
        hint = "点回答或来源中的 [n]，这里显示原文并标出引用的句子。"
        return f"<div class='document'><p>{hint}</p></div>"
    meta = doc.meta
    facts = [meta.issuer or shown("发布者不详", tw), meta.date or shown("日期不详", tw)]
    facts += [meta.kind] if meta.kind else []
    rows = [("文档 id", doc.doc_id), ("文档哈希", doc.sha)]
    if 0 <= start < end <= len(doc.text):
        body = (
            f"{text(doc.text[:start])}<mark id='cited'>{text(doc.text[start:end])}</mark>"
            f"{text(doc.text[end:])}"
        )
        rows.insert(1, ("引用位置", shown(f"第 {start}–{end} 个字符", tw)))
    else:
        body = text(doc.text)
    return (
        f"<div class='document'><h3>{text(meta.title)}</h3>"
        f"<div class='meta'>{text(' · '.join(facts))}</div>{_details(rows, tw)}"
        f"<div class='fulltext'>{body}</div></div>"
    )
