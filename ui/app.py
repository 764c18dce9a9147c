"""The chat page: a Gradio chat over `rag.pipeline`, with a 来源 (sources) panel and a document
view. This module wires the page's events (its layout is `ui.layout`); the handlers are in
`ui.callbacks` (the chat and `/ask`) and `ui.library` (the 知识库 tab and its APIs), the HTML in
`ui.render`, the page's CSS and scripts in `ui.assets`.

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
from typing import TYPE_CHECKING, Any

from rag.errors import RagError, UserError
from rag.pipeline import MODE_EXTRACTIVE, Engine, open_engine
from rag.settings import Settings
from ui.assets import CHAT_CSS, HEAD_JS, SCRIPT_JS, SCROLL_JS
from ui.exports import Exports
from ui.features import suggested_questions
from ui.gate import CONCURRENCY, DEFAULT_LIMITS, Gate, Limits
from ui.words import translations

if TYPE_CHECKING:
    import gradio as gr

    from ui.callbacks import ChatCallbacks, Engines
    from ui.feedback import FeedbackCallbacks
    from ui.layout import Page
    from ui.library import LibraryCallbacks

log = logging.getLogger(__name__)

CACHE_CLEANUP = (3600, 3600)
"""(how often, how old) in seconds: Gradio's `delete_cache`."""
OTHER_EVENTS = 40  # Gradio's default `max_threads`: what every other event of the page had


def _apis(chat: ChatCallbacks, library: LibraryCallbacks) -> None:
    """The page's public API: `/ask`, `/documents`, `/document`."""
    from gradio.events import api  # `gr.api`, as Gradio defines it

    api(chat.answer_question, api_name="ask", concurrency_limit=None)  # the gate limits it
    api(library.list_documents_api, api_name="documents")
    api(library.document_api, api_name="document")


def _wire_question(events: ChatCallbacks, page: Page) -> None:
    """发送 (or Enter, or a suggested question): check, then the answer into the chat, then the
    sources; 停止 (shown instead of 发送 while answering) cancels and marks the answer stopped."""
    import gradio as gr

    chat = page.chat
    private: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
    checks = [gr.on([chat.send.click, chat.box.submit], events.check, [chat.box], None, **private)]
    for button, question in chat.suggestions:  # fills the box, then asks as 发送 does
        filled = button.click(lambda q=question: q, None, [chat.box], **private)
        checks.append(filled.then(events.check, [chat.box], None, **private))
    writing = [chat.chat, page.answer, page.answers, chat.box, chat.send, chat.stop]
    writing += [chat.export_md, chat.export_json, chat.talk_md, chat.talk_json]
    shown = [page.side.sources, page.mode, chat.export_md, chat.export_json]
    shown += [chat.talk_md, chat.talk_json]
    asking = []
    for check in checks:
        answer = check.success(
            events.answer_in_chat,
            [chat.box, chat.chat, page.answers, chat.script],
            writing,
            concurrency_limit=None,  # the gate limits it
            **private,
        )
        answer.success(events.show, [page.answer, page.answers], shown, **private)
        asking.append(answer)
    stopped = [chat.chat, page.answers, chat.send, chat.stop, chat.export_md, chat.export_json]
    stopped += [chat.talk_md, chat.talk_json]
    chat.stop.click(events.stopped, [chat.chat, page.answers], stopped, cancels=asking, **private)


def _wire_interface(library: LibraryCallbacks, page: Page) -> None:
    """回答用字 繁體 or 简体: the interface in that script (Gradio's locale, switched in the
    browser, and the header, mode line, choices and tab labels the server writes)."""
    from ui.callbacks import SCRIPTS

    chat = page.chat
    scripts, labels = list(SCRIPTS), [label for _, label in page.tabs]
    chat.script.change(
        lambda script, answer: library.interface(script, answer, scripts, labels),
        [chat.script, page.answer],
        [page.header, page.mode, chat.script, *(tab for tab, _ in page.tabs)],
        js=SCRIPT_JS,
        api_visibility="private",
        show_progress="hidden",
    )


def _wire_feedback(feedback: FeedbackCallbacks, page: Page) -> None:
    """👍 / 👎 on an answer; 提交纠正 or 取消 in the panel a 👎 opens."""
    panel = page.chat.feedback
    opened = [panel.group, panel.turn, panel.status, panel.right, panel.passage, panel.not_in_docs]
    page.chat.chat.like(feedback.rated, [page.answers], opened, api_visibility="private")
    answered = [panel.turn, panel.right, panel.not_in_docs, panel.passage, page.answers]
    closed = [panel.group, panel.turn, panel.status]
    panel.submit.click(feedback.correct, answered, closed, api_visibility="private")
    panel.cancel.click(feedback.cancel, None, closed, api_visibility="private")


def _wire_citations(events: ChatCallbacks, page: Page) -> None:
    """A click on `[n]` (`CITE_JS` presses the hidden button): the document view at the quote."""
    page.open_pick.click(
        events.open_citation,
        [page.pick, page.answers],
        [page.side.doc_view, page.side.tabs],
        api_visibility="private",
    ).then(None, None, None, js=SCROLL_JS, api_visibility="private")


def _wire_library(library: LibraryCallbacks, page: Page) -> None:
    """Add; 删除… then 确认删除 or 取消; pick a document and correct its date and issuer
    (`ui.library`)."""
    kb = page.library
    after = [kb.table, kb.status, kb.pick, kb.files, kb.confirm, kb.confirm_line, kb.edit_pick]
    after.append(page.header)
    script = page.chat.script  # the tab's lines in the 回答用字 chosen
    kb.add.click(library.upload, [kb.files, script], after, api_visibility="private")
    picked = [kb.edit_date, kb.edit_issuer]
    kb.edit_pick.change(library.pick_for_edit, [kb.edit_pick], picked, api_visibility="private")
    edited = [kb.edit_pick, kb.edit_date, kb.edit_issuer, script]
    kb.edit_save.click(library.save_meta, edited, after, api_visibility="private")
    confirm = [kb.status, kb.confirm, kb.confirm_line]
    kb.delete.click(library.ask_delete, [kb.pick, script], confirm, api_visibility="private")
    kb.yes.click(library.delete, [kb.pick, script], after, api_visibility="private")
    kb.no.click(library.cancel, [script], confirm, api_visibility="private")


def _wire_clear(events: ChatCallbacks, page: Page) -> None:
    """清空对话, or the chat's own trash icon: the conversation, its answers and panels emptied."""
    chat, side = page.chat, page.side
    cleared = [chat.chat, page.answers, page.answer, side.sources, side.doc_view]
    cleared += [chat.export_md, chat.export_json, chat.talk_md, chat.talk_json]
    chat.clear_all.click(events.clear, None, cleared, api_visibility="private")
    chat.chat.clear(events.clear, None, cleared, api_visibility="private")


def build_app(
    settings: Settings,
    engine: Engine | None = None,
    limits: Limits = DEFAULT_LIMITS,
    shared: tuple[Engines, Gate] | None = None,
) -> gr.Blocks:
    """The chat page; `engine` is opened on the first question when not given. `shared`: the
    engine and gate to share with the API served beside it (`serve`)."""
    import gradio as gr

    from ui.callbacks import SCRIPTS, ChatCallbacks, Engines, mode_html
    from ui.feedback import FeedbackCallbacks
    from ui.layout import layout
    from ui.library import LibraryCallbacks
    from ui.render import TITLE

    engines, gate = shared or (Engines(settings, engine), Gate(limits))
    events = ChatCallbacks(settings, engines, gate, Exports())
    library = LibraryCallbacks(settings, engines)
    feedback = FeedbackCallbacks(settings, lambda: list(engines().docs.values()))
    mode_line = mode_html(engine.mode if engine else MODE_EXTRACTIVE)
    suggestions = suggested_questions(settings, engine)
    # Gradio's copies of served files (the exports, uploads) removed hourly once an hour old
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=CACHE_CLEANUP) as app:
        page = layout(mode_line, suggestions, list(SCRIPTS), library)
        _apis(events, library)
        _wire_question(events, page)
        _wire_citations(events, page)
        _wire_feedback(feedback, page)
        _wire_interface(library, page)
        _wire_library(library, page)
        # the knowledge base as it is now, whenever the page is (re)loaded
        kb = [page.library.table, page.library.pick, page.library.edit_pick, page.header]
        app.load(library.refresh, None, kb, api_visibility="private")
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
    if not settings.api_enabled:
        build_app(settings, engine).launch(**launch_options(settings))  # default `Limits`
        return
    _serve_with_api(settings, engine)


def _serve_with_api(settings: Settings, engine: Engine | None) -> None:
    """The page at `/` and the OpenAI-compatible API at `/v1` (`ui.api`) on one server, sharing
    the engine (one index in memory) and the gate (one queue for both): the page mounted on the
    API's FastAPI app with the same options `launch` would use."""
    import gradio as gr
    import uvicorn

    from ui.api import build_api
    from ui.callbacks import Engines

    shared = (Engines(settings, engine), Gate(DEFAULT_LIMITS))
    page = build_app(settings, engine, shared=shared)
    options = launch_options(settings)
    page.max_threads = options.pop("max_threads")
    served = {"server_name", "server_port", "share"}
    mounted = {k: v for k, v in options.items() if k not in served}
    app = gr.mount_gradio_app(build_api(settings, *shared), page, path="/", **mounted)
    uvicorn.run(app, host=settings.ui_host, port=settings.ui_port, log_level="warning")


def launch_options(settings: Settings, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """How the page is served: loopback by default, no share link, errors without tracebacks,
    the upload limit enforced by the server too, the page in Chinese without Gradio's footer,
    a login when `RAG_UI_AUTH` is set, and room for every question to reach the gate: Gradio
    works on at most `max_threads` events at once (its default, 40, for all events together)
    and keeps the rest in its own queue, unbounded and silent, so without that room a flood
    would wait there instead of being told `BUSY`."""
    import gradio as gr

    options: dict[str, Any] = {
        "server_name": settings.ui_host,
        "server_port": settings.ui_port,
        "share": False,
        "show_error": False,
        "max_file_size": f"{settings.ui_max_upload_mb}mb",
        "max_threads": limits.running + limits.waiting + OTHER_EVENTS,
        "footer_links": [],  # Gradio's developer links are not for the page's readers
        "head": HEAD_JS,
        "css": CHAT_CSS,
        "i18n": gr.I18n(**translations()),
    }
    user, _, password = settings.ui_auth.get_secret_value().partition(":")
    if user and password:
        options["auth"] = [(user, password)]
    elif user:
        raise UserError("RAG_UI_AUTH must be user:password")
    return options
