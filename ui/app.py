"""The chat page: a Gradio chat over `rag.api.ask`, with a numbered 来源 (sources) panel.

Callbacks only format. One question runs two steps: `ask` (public API `/ask`, returns the JSON
contract of `rag ask --json`), then, only if it succeeded, a private step that renders that JSON
into the chat and the sources panel. The split exists because Gradio 6 covers a Chatbot with an
"Error" overlay (hiding the conversation) whenever an event that outputs to it fails.

Trade-off: every piece of document, user or error text is HTML-escaped here and the chatbot's
Markdown is off, because Gradio inserts chat text as HTML and Markdown would turn a document's
`![x](http://…)` into a remote image request. Answers therefore show as plain text, and a
document's `<script>` shows as text instead of running.
"""

from __future__ import annotations

import html
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rag.api import (
    MODE_EXTRACTIVE,
    MODE_LLM,
    Engine,
    ask,
    ask_stream,
    open_engine,
    validate_question,
)
from rag.errors import RagError
from rag.settings import Settings

if TYPE_CHECKING:
    import gradio as gr

log = logging.getLogger(__name__)

TITLE = "文档问答（附出处）"
MODE_LABELS = {
    MODE_EXTRACTIVE: "离线抽取式回答（无需模型）",
    MODE_LLM: "大模型回答（每句话都对照出处核查）",
}
CONCURRENCY = 2  # an answer takes ~10 ms once the index is loaded; keep memory flat
PLACEHOLDER = "输入问题，例如：2024年苏州人工智能产业营收是多少？"
SOURCES_CSS = """
.sources h3 { margin: 0 0 .5em 0; }
.source { margin: 0 0 .9em 0; }
.source .ref { font-weight: 600; }
.source .where { font-weight: 400; color: var(--body-text-color-subdued); }
.source blockquote { margin: .3em 0 0 0; }
"""

Chat = list[dict[str, Any]]
AnswerJson = dict[str, Any]


def _text(value: str) -> str:
    """Plain text as inert HTML: escaped, newlines kept."""
    return html.escape(value, quote=False).replace("\n", "<br>")


def mode_html(mode: str) -> str:
    return f"<p class='mode'>回答方式：{_text(MODE_LABELS.get(mode, mode))}</p>"


def citation_html(c: dict[str, Any]) -> str:
    """`[n] title（date） doc_id start–end`, then the quoted sentence."""
    where = f"{c['doc_id']} {c['start']}–{c['end']}"
    return (
        "<div class='source'>"
        f"<div class='ref'>[{c['n']}] {_text(c['title'])}（{_text(c['date'] or '日期不详')}）"
        f" <span class='where'>{_text(where)}</span></div>"
        f"<blockquote>「{_text(c['quote'])}」</blockquote>"
        "</div>"
    )


def sources_html(answer: AnswerJson | None) -> str:
    """The 来源 panel of one answer (or the empty panel)."""
    if answer is None:
        body = "<p>提问后，这里列出回答中每个 [n] 引用的原文句子。</p>"
    elif not answer["citations"]:
        body = "<p>这个回答没有引用来源。</p>"
    else:
        body = "".join(citation_html(c) for c in answer["citations"])
    unverified = [c for c in answer.get("claims", []) if not c["verified"]] if answer else []
    if unverified:
        items = "".join(f"<li>{_text(c['text'])}</li>" for c in unverified)
        body += (
            f"<div class='unverified'><h4>未核实（所引资料中找不到依据）</h4><ul>{items}</ul></div>"
        )
    if answer and answer.get("notice"):
        body = f"<p class='notice'>{_text(answer['notice'])}</p>" + body
    return f"<div class='sources'><h3>来源</h3>{body}</div>"


def chat_turn(answer: AnswerJson) -> Chat:
    return [
        {"role": "user", "content": _text(answer["question"])},
        {"role": "assistant", "content": _text(answer["answer"])},
    ]


def _plain(content: Any) -> str:
    """A chat message's text (Gradio may hand back a list of parts), unescaped."""
    if isinstance(content, list):
        content = " ".join(
            str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content
        )
    return html.unescape(str(content or ""))


def _lazy(settings: Settings, engine: Engine | None) -> Callable[[], Engine]:
    """Returns the engine, opening it on first call (and again while there is no index)."""
    lock = threading.Lock()
    opened = engine

    def get() -> Engine:
        nonlocal opened
        with lock:
            if opened is None:
                opened = open_engine(settings)
            return opened

    return get


def _ask_json(
    question: str,
    settings: Settings,
    get_engine: Callable[[], Engine],
    history: Sequence[str] = (),
) -> AnswerJson:
    """`ask` as JSON; every failure becomes a one-line `gr.Error`, never a traceback."""
    import gradio as gr

    try:
        validate_question(question, settings)  # before the engine: "empty" beats "no index"
        return ask(question, settings, engine=get_engine(), history=history).to_dict()
    except RagError as exc:
        raise gr.Error(_text(str(exc)), print_exception=False) from None
    except Exception as exc:
        log.exception("answering %r failed", question[:200])
        message = f"内部错误（{type(exc).__name__}），详见服务器日志"
        raise gr.Error(message, print_exception=False) from None


def build_app(settings: Settings, engine: Engine | None = None) -> gr.Blocks:
    """The chat page; `engine` is opened on the first question when not given."""
    import gradio as gr

    get_engine = _lazy(settings, engine)

    def answer_question(question: str) -> AnswerJson:
        """One question on its own: the page's public API (`/ask`)."""
        return _ask_json(question, settings, get_engine)

    def check(question: str) -> None:
        """Refuse bad input, or a missing index, before anything is written into the chat."""
        try:
            validate_question(question, settings)
            get_engine()
        except RagError as exc:
            raise gr.Error(_text(str(exc)), print_exception=False) from None

    def answer_in_chat(question: str, history: Chat | None) -> Iterator[tuple[Chat, Any]]:
        """A question in the conversation, its answer shown as it is written, then checked.
        A follow-up (`那杭州呢？`) reads the question before."""
        before = list(history or [])
        asked = [_plain(m.get("content")) for m in before if m.get("role") == "user"]
        written = ""
        try:
            for piece in ask_stream(question, settings, get_engine(), asked):
                if isinstance(piece, str):
                    written += piece
                    turn = [{"role": "user", "content": _text(question)}]
                    turn.append({"role": "assistant", "content": _text(written)})
                    yield [*before, *turn], gr.skip()
                else:
                    answer = piece.to_dict()
                    yield [*before, *chat_turn(answer)], answer
        except Exception as exc:  # never an overlay over the chat: the error is the reply
            if not isinstance(exc, RagError):
                log.exception("answering %r failed", question[:200])
            reply = str(exc) if isinstance(exc, RagError) else f"内部错误（{type(exc).__name__}）"
            failed = {"question": question, "answer": f"出错：{reply}", "mode": "", "citations": []}
            yield [*before, *chat_turn(failed)], failed

    def show(answer: AnswerJson) -> tuple[str, str, str]:
        mode_line = mode_html(answer["mode"]) if answer.get("mode") else gr.skip()
        return sources_html(answer), mode_line, ""

    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        gr.Markdown(f"## {TITLE}")
        mode = gr.HTML(mode_html(engine.mode if engine else MODE_EXTRACTIVE), js_on_load=None)
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    label="对话",
                    height=460,
                    render_markdown=False,
                    sanitize_html=True,
                    latex_delimiters=[],
                    buttons=["copy"],
                    feedback_options=None,
                )
                with gr.Row():
                    box = gr.Textbox(
                        show_label=False,
                        placeholder=PLACEHOLDER,
                        scale=5,
                        max_lines=4,
                        elem_id="question",
                    )
                    send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
            with gr.Column(scale=2):
                sources = gr.HTML(
                    sources_html(None),
                    css_template=SOURCES_CSS,
                    js_on_load=None,
                    elem_id="sources",
                )
        answer = gr.JSON(visible=False)
        gr.api(answer_question, api_name="ask")
        gr.on(
            [send.click, box.submit],
            check,
            [box],
            None,
            api_visibility="private",
            show_progress="hidden",
        ).success(
            answer_in_chat,
            [box, chat],
            [chat, answer],
            api_visibility="private",
            show_progress="hidden",
        ).success(
            show,
            [answer],
            [sources, mode, box],
            api_visibility="private",
            show_progress="hidden",
        )
        chat.clear(lambda: sources_html(None), None, sources, api_visibility="private")
    app.queue(default_concurrency_limit=CONCURRENCY)
    return app


def serve(settings: Settings) -> None:
    """Serve the page on settings.ui_host:ui_port until interrupted; no telemetry, no share link."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported
    try:
        engine: Engine | None = open_engine(settings)  # so the first answer is fast
    except RagError as exc:
        log.warning("starting without an index (%s)", exc)
        engine = None  # the page still starts; asking shows the error
    app = build_app(settings, engine)
    app.launch(
        server_name=settings.ui_host, server_port=settings.ui_port, share=False, show_error=False
    )
