"""What the chat shows, as inert HTML: a turn's bubbles (the direct answer on top, the quotes
under it with their citation chips), and error messages without the server's paths. The 来源
panel and the document view are `ui.cards`; the downloads `ui.exported`.

Every piece of document, model or user text goes through `text()` (escaped, newlines kept):
nothing a document or a model writes can become markup, a script or a remote image. The only
markup is ours. A citation chip is `<span class="cite cite-n" title="…">[n]</span>`: classes
and `title`, because the chatbot's sanitizer keeps only those; `ui.assets.CITE_JS` makes every
chip a keyboard-reachable link whose click or Enter opens source n, and shows its `title` (the
source and the quoted sentence) as a preview on hover or focus.
"""

from __future__ import annotations

import html
import re
from typing import Any

from rag.answer.cite import MARKER, short_line

AnswerJson = dict[str, Any]
Chat = list[dict[str, Any]]

TITLE = "文档问答（附出处）"
SEARCHING = "正在检索…"
"""The answer bubble before the first words arrive."""
STOPPED = "已停止"
"""What a stopped answer says (after what it had written, if anything)."""
PREVIEW_CHARS = 160
"""A chip's hover preview: the quote up to this many characters (a sentence or two)."""

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


def shown(words: str, tw: bool) -> str:
    """The page's own words (never a document's: those are quoted as written) in Traditional
    when `tw`."""
    if not tw:
        return words
    from rag.text.script import in_script

    return in_script(words, True)


def header_html(corpus: str, tw: bool = False) -> str:
    """The page's title and, beside it, the knowledge base in one line."""
    title, corpus = shown(TITLE, tw), text(shown(corpus, tw))
    return f"<div class='page-head'><h2>{title}</h2><span class='corpus'>{corpus}</span></div>"


def dated(c: dict[str, Any]) -> str:
    """`《title》（date）`, the way a source is named to a reader."""
    return f"《{c['title']}》（{c['date'] or '日期不详'}）"


def chat_turn(answer: AnswerJson, turn: int) -> Chat:
    """The question and the answer bubble; the bubble's chips open turn `turn`'s sources."""
    return [
        {"role": "user", "content": text(answer["question"])},
        {"role": "assistant", "content": answer_html(answer, turn)},
    ]


def chip(n: int, cited: dict[int, dict[str, Any]]) -> str:
    """`[n]` as a citation chip, its source and quote as the hover preview."""
    c = cited.get(n)
    quote = c["quote"] if c else ""
    if len(quote) > PREVIEW_CHARS:
        quote = quote[:PREVIEW_CHARS] + "…"
    preview = f"{dated(c)}：{quote}" if c else "查看出处"
    return f'<span class="cite cite-{n}" title="{html.escape(preview)}">[{n}]</span>'


def _with_chips(escaped: str, cited: dict[int, dict[str, Any]]) -> str:
    return MARKER.sub(lambda m: chip(int(m[1]), cited), escaped)


def answer_html(answer: AnswerJson, turn: int) -> str:
    """An answer bubble: how a follow-up was read, the direct answer with its source's date,
    then the answer's lines (the quotes), every `[n]` a chip."""
    cited = {c["n"]: c for c in answer.get("citations", [])}
    tw = bool(answer.get("traditional"))
    lines = answer["answer"].split("\n")
    head = ""
    if answer.get("standalone"):
        read_as = shown("按此理解：", tw) + answer["standalone"]
        head += f"<div class='read-as'>{text(read_as)}</div>"
    short = answer.get("short")
    parts = [p for p in (short.get("parts") or ()) if p["n"] in cited] if short else []
    if short and short["n"] in cited:
        opening = MARKER.sub("", lines[0]).strip() if lines else ""
        if opening in (short["text"], MARKER.sub("", short_line(short))):
            lines = lines[1:]  # the extractive answer opens with it: shown once, on top
        head += f"<div class='direct'>{_direct(short, parts, cited, tw)}</div>"
    body = _with_chips(text("\n".join(lines)), cited)
    return f"<div class='turn turn-{turn}'>{head}<div class='quotes'>{body}</div></div>"


def _direct(
    short: AnswerJson, parts: list[AnswerJson], cited: dict[int, AnswerJson], tw: bool
) -> str:
    """The direct answer: its span with its chip and the date of its source; of parts asked
    side by side, each part's label and span with its chip (the date when one source holds
    them all: else each quote below carries its own)."""
    sources = {p["n"] for p in parts} or {short["n"]}
    asof = ""
    if len(sources) == 1:
        asof = f"<span class='asof'>{shown('据', tw)}{text(dated(cited[min(sources)]))}</span>"
    if not parts:
        return f"<b>{text(short['text'])}</b>{chip(short['n'], cited)}{asof}"
    shown_parts = [
        (text(p["label"] + "：") if p["label"] else "") + f"<b>{text(p['text'])}</b>"
        + chip(p["n"], cited)
        for p in parts
    ]
    return "；".join(shown_parts) + asof


def writing_html(written: str, tw: bool = False) -> str:
    """The bubble while the answer is being written (`SEARCHING` before its first words)."""
    if not written:
        return f"<span class='searching'>{shown(SEARCHING, tw)}</span>"
    return text(written)


def stopped_html(written_html: str, tw: bool = False) -> str:
    """The bubble of an answer stopped by the asker: what it had written (the bubble's HTML as
    `writing_html` made it), then `STOPPED`."""
    done = f"{written_html}<br>" if written_html.strip() else ""
    return f"{done}<span class='stopped'>（{shown(STOPPED, tw)}）</span>"
