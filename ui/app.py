"""The chat page: a Gradio chat over `rag.pipeline`, with a 来源 (sources) panel and a document
view. This module lays the page out and wires its events; the handlers are in `ui.callbacks`
(the chat and `/ask`) and `ui.library` (the 知识库 tab and its APIs), the HTML in `ui.render`,
the page's CSS and scripts in `ui.assets`.

One question runs three steps: `check` (bad input or a missing index becomes a one-line
`gr.Error` before anything is written into the chat), then the answer streamed into the chat and
replaced by the checked answer, then the sources panel. The split exists because Gradio 6 covers
a Chatbot with an "Error" overlay (hiding the conversation) whenever an event that outputs to it
fails: the streaming step never fails, its errors become the reply. The stop button cancels that
step; closing `ask_stream` stops the model's stream at its next piece.

Load: answers (the `/ask` API and the chat together) pass one gate, `ui.gate`, not Gradio's
`queue(max_size=...)`, whose clients show their own English message as an overlay (see
`ui.callbacks`); the answering events therefore have no concurrency limit of their own.

A click on `[n]` (in an answer or in the sources panel) presses a hidden button (`CITE_JS`,
installed once by the sources panel): the document view shows the whole document with the
quote highlighted and scrolled into view.

Trade-off: every piece of document, user, model or error text is HTML-escaped and the chatbot's
Markdown is off, because Gradio inserts chat text as HTML and Markdown would turn a document's
`![x](http://…)` into a remote image request. Answers therefore show as plain text, and a
document's `<script>` shows as text instead of running.

Gradio is imported when the page is built, not with this module: `serve` turns its telemetry
off first.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rag.errors import RagError, UserError
from rag.pipeline import MODE_EXTRACTIVE, Engine, open_engine
from rag.settings import Settings
from ui import render
from ui.assets import CITE_JS, PAGE_CSS, SCROLL_JS
from ui.exports import Exports
from ui.features import suggested_questions
from ui.gate import CONCURRENCY, DEFAULT_LIMITS, Gate, Limits, unlocked

if TYPE_CHECKING:
    import gradio as gr

    from ui.callbacks import ChatCallbacks
    from ui.library import LibraryCallbacks

log = logging.getLogger(__name__)

TITLE = "文档问答（附出处）"
KB_HEADERS = ["文档 id", "标题", "日期", "字体", "块数", "文件"]
UPLOAD_TYPES = (".txt", ".md", ".docx", ".pdf")
CACHE_CLEANUP = (3600, 3600)
"""(how often, how old) in seconds: Gradio's `delete_cache`."""
OTHER_EVENTS = 40  # Gradio's default `max_threads`: what every other event of the page had
PLACEHOLDER = "输入问题，例如：2024年苏州人工智能产业营收是多少？"


@dataclass(frozen=True)
class ChatPanel:
    """The 问答 tab's left column: the conversation, the question box and the answer's buttons."""

    chat: gr.Chatbot
    box: gr.Textbox
    send: gr.Button
    stop: gr.Button
    script: gr.Radio
    clear_all: gr.Button
    export_md: gr.DownloadButton
    export_json: gr.DownloadButton


@dataclass(frozen=True)
class SidePanel:
    """The 问答 tab's right column: the 来源 (sources) and 原文 (document) tabs."""

    tabs: gr.Tabs
    sources: gr.HTML
    doc_view: gr.HTML


@dataclass(frozen=True)
class LibraryTab:
    """The 知识库 tab: the documents, the upload, and the delete picker."""

    table: gr.Dataframe
    files: gr.File
    add: gr.Button
    status: gr.HTML
    pick: gr.Dropdown
    delete: gr.Button


@dataclass(frozen=True)
class Page:
    """Every component an event reads or writes."""

    mode: gr.HTML
    """The line above the tabs that says how answers are made."""
    chat: ChatPanel
    side: SidePanel
    library: LibraryTab
    answer: gr.JSON
    """The last answer (hidden), which the sources panel shows."""
    answers: gr.State
    """The conversation's answers, oldest first: what a click on `[n]` in turn `t` opens."""
    pick: gr.Textbox
    """Hidden: `turn:n:nonce`, filled by `CITE_JS` before it presses `open_pick`."""
    open_pick: gr.Button


def _conversation() -> tuple[gr.Chatbot, gr.Textbox, gr.Button, gr.Button]:
    """The chat and the row under it: the question box, 发送 and 停止."""
    import gradio as gr

    chat = gr.Chatbot(
        label="对话",
        height=460,
        render_markdown=False,
        sanitize_html=True,
        latex_delimiters=[],
        buttons=["copy"],
        feedback_options=None,
        elem_id="chat",
    )
    with gr.Row():
        box = gr.Textbox(
            show_label=False, placeholder=PLACEHOLDER, scale=5, max_lines=4, elem_id="question"
        )
        send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
        stop = gr.Button("停止", variant="stop", scale=1, elem_id="stop")
    return chat, box, send, stop


def _chat_panel(suggestions: list[str], scripts: list[str]) -> ChatPanel:
    """The left column; `suggestions` (questions from the documents) as examples, when any;
    `scripts`: the 回答用字 choices."""
    import gradio as gr

    with gr.Column(scale=3):
        chat, box, send, stop = _conversation()
        if suggestions:
            gr.Examples(
                [[q] for q in suggestions],
                inputs=[box],
                label="可以这样问（取自文档）",
                elem_id="suggestions",
            )
        with gr.Row():
            script = gr.Radio(scripts, value="跟随提问", label="回答用字", elem_id="script")
            clear_all = gr.Button("清空对话", elem_id="clear")
            export_md = gr.DownloadButton("导出 Markdown", visible=False, elem_id="export-md")
            export_json = gr.DownloadButton("导出 JSON", visible=False, elem_id="export-json")
    return ChatPanel(chat, box, send, stop, script, clear_all, export_md, export_json)


def _side_panel() -> SidePanel:
    import gradio as gr

    with gr.Column(scale=2), gr.Tabs() as tabs:
        with gr.Tab("来源", id="sources"):
            empty = render.sources_html(None)
            sources = gr.HTML(empty, css_template=PAGE_CSS, js_on_load=CITE_JS, elem_id="sources")
        with gr.Tab("原文", id="document"):
            empty = render.document_html(None)
            doc_view = gr.HTML(empty, css_template=PAGE_CSS, js_on_load=None, elem_id="document")
    return SidePanel(tabs, sources, doc_view)


def _library_tab(library: LibraryCallbacks) -> LibraryTab:
    import gradio as gr

    with gr.Tab("知识库", id="library"):
        table = gr.Dataframe(
            headers=KB_HEADERS, value=library.table, interactive=False, elem_id="kb-table"
        )
        files = gr.File(
            label="上传文档（.txt .md .docx .pdf）",
            file_count="multiple",
            file_types=list(UPLOAD_TYPES),
            elem_id="kb-upload",
        )
        add = gr.Button("加入知识库", variant="primary", elem_id="kb-add")
        status = gr.HTML("", js_on_load=None, elem_id="kb-status-box")
        with gr.Row():
            pick = gr.Dropdown(choices=library.ids(), label="删除文档", elem_id="kb-pick", scale=3)
            delete = gr.Button("删除", variant="stop", elem_id="kb-delete", scale=1)
    return LibraryTab(table, files, add, status, pick, delete)


def _apis(chat: ChatCallbacks, library: LibraryCallbacks) -> None:
    """The page's public API: `/ask`, `/documents`, `/document`."""
    from gradio.events import api  # `gr.api`, as Gradio defines it

    api(chat.answer_question, api_name="ask", concurrency_limit=None)  # the gate limits it
    api(library.list_documents_api, api_name="documents")
    api(library.document_api, api_name="document")


def _wire_question(events: ChatCallbacks, page: Page) -> None:
    """发送 (or Enter): check, then the answer into the chat, then the sources; 停止 cancels."""
    import gradio as gr

    chat = page.chat
    asking = gr.on(
        [chat.send.click, chat.box.submit],
        events.check,
        [chat.box],
        None,
        api_visibility="private",
        show_progress="hidden",
    ).success(
        events.answer_in_chat,
        [chat.box, chat.chat, page.answers, chat.script],
        [chat.chat, page.answer, page.answers, chat.box],
        api_visibility="private",
        show_progress="hidden",
        concurrency_limit=None,  # the gate limits it
    )
    asking.success(
        events.show,
        [page.answer],
        [page.side.sources, page.mode, chat.export_md, chat.export_json],
        api_visibility="private",
        show_progress="hidden",
    )
    chat.stop.click(unlocked, None, [chat.box], cancels=[asking], api_visibility="private")


def _wire_citations(events: ChatCallbacks, page: Page) -> None:
    """A click on `[n]` (`CITE_JS` presses the hidden button): the document view at the quote."""
    page.open_pick.click(
        events.open_citation,
        [page.pick, page.answers],
        [page.side.doc_view, page.side.tabs],
        api_visibility="private",
    ).then(None, None, None, js=SCROLL_JS, api_visibility="private")


def _wire_library(library: LibraryCallbacks, kb: LibraryTab) -> None:
    outputs = [kb.table, kb.status, kb.pick]
    kb.add.click(library.upload, [kb.files], outputs, api_visibility="private")
    kb.delete.click(library.delete, [kb.pick], outputs, api_visibility="private")


def _wire_clear(events: ChatCallbacks, page: Page) -> None:
    """清空对话, or the chat's own trash icon: the conversation, its answers and panels emptied."""
    chat, side = page.chat, page.side
    cleared = [chat.chat, page.answers, page.answer, side.sources, side.doc_view]
    cleared += [chat.export_md, chat.export_json]
    chat.clear_all.click(events.clear, None, cleared, api_visibility="private")
    chat.chat.clear(events.clear, None, cleared, api_visibility="private")


def _layout(
    mode_line: str, suggestions: list[str], scripts: list[str], library: LibraryCallbacks
) -> Page:
    """Every component, in the page's order; `mode_line` says how answers are made."""
    import gradio as gr

    gr.Markdown(f"## {TITLE}")
    mode = gr.HTML(mode_line, js_on_load=None)
    with gr.Tabs(elem_id="main-tabs"):
        with gr.Tab("问答", id="chat"), gr.Row():
            chat = _chat_panel(suggestions, scripts)
            side = _side_panel()
        kb = _library_tab(library)
    answer = gr.JSON(visible=False)
    answers = gr.State([])
    pick = gr.Textbox(visible="hidden", elem_id="cite-pick")
    open_pick = gr.Button("open", visible="hidden", elem_id="cite-open")
    return Page(mode, chat, side, kb, answer, answers, pick, open_pick)


def build_app(
    settings: Settings, engine: Engine | None = None, limits: Limits = DEFAULT_LIMITS
) -> gr.Blocks:
    """The chat page; `engine` is opened on the first question when not given."""
    import gradio as gr

    from ui.callbacks import SCRIPTS, ChatCallbacks, Engines, mode_html
    from ui.library import LibraryCallbacks

    engines = Engines(settings, engine)
    events = ChatCallbacks(settings, engines, Gate(limits), Exports())
    library = LibraryCallbacks(settings, engines)
    mode_line = mode_html(engine.mode if engine else MODE_EXTRACTIVE)
    suggestions = suggested_questions(settings, engine)
    # Gradio's copies of served files (the exports, uploads) removed hourly once an hour old
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=CACHE_CLEANUP) as app:
        page = _layout(mode_line, suggestions, list(SCRIPTS), library)
        _apis(events, library)
        _wire_question(events, page)
        _wire_citations(events, page)
        _wire_library(library, page.library)
        _wire_clear(events, page)
    app.queue(default_concurrency_limit=CONCURRENCY)
    blocks: gr.Blocks = app
    return blocks


def serve(settings: Settings) -> None:
    """Serve the page on settings.ui_host:ui_port until interrupted; no telemetry, no share link."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported
    try:
        engine: Engine | None = open_engine(settings)  # so the first answer is fast
    except RagError as exc:
        log.warning("starting without an index (%s)", exc)
        engine = None  # the page still starts; asking shows the error
    app = build_app(settings, engine)
    app.launch(**launch_options(settings))  # the same default `Limits` as the page's


def launch_options(settings: Settings, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """How the page is served: loopback by default, no share link, errors without tracebacks,
    the upload limit enforced by the server too, a login when `RAG_UI_AUTH` is set, and room
    for every question to reach the gate: Gradio works on at most `max_threads` events at once
    (its default, 40, for all events together) and keeps the rest in its own queue, unbounded
    and silent, so without that room a flood would wait there instead of being told `BUSY`."""
    options: dict[str, Any] = {
        "server_name": settings.ui_host,
        "server_port": settings.ui_port,
        "share": False,
        "show_error": False,
        "max_file_size": f"{settings.ui_max_upload_mb}mb",
        "max_threads": limits.running + limits.waiting + OTHER_EVENTS,
    }
    user, _, password = settings.ui_auth.get_secret_value().partition(":")
    if user and password:
        options["auth"] = [(user, password)]
    elif user:
        raise UserError("RAG_UI_AUTH must be user:password")
    return options
