"""The chat page: a Gradio chat over `rag.pipeline`, with a 来源 (sources) panel and a document
view.

Callbacks only format (HTML lives in `ui.render`). One question runs three steps: `check`
(bad input or a missing index becomes a one-line `gr.Error` before anything is written into the
chat), then the answer streamed into the chat and replaced by the checked answer, then the
sources panel. The split exists because Gradio 6 covers a Chatbot with an "Error" overlay
(hiding the conversation) whenever an event that outputs to it fails: the streaming step never
fails, its errors become the reply. The stop button cancels that step; closing `ask_stream`
stops the model's stream at its next piece.

Load: answers (the `/ask` API and the chat together) pass one gate (`ui.gate`), `Limits.running` at
a time with `Limits.waiting` more waiting their turn; one more is told
「当前提问人数较多，请稍后再试。」 at once (the API as a one-line `gr.Error`, the page as a toast
before anything is written into the chat),
and so is a question still waiting after `Limits.wait_seconds`. An answer not done after
`Limits.answer_seconds` ends with a one-line notice. Gradio's own `queue(max_size=...)` is not used
for this: its clients replace any message with their own English one ("Queue is full! Please try
again.", "This application is currently busy."), and the page would show it as an overlay. An
answer's work runs in a daemon thread that keeps its place at the gate until it is done, even when
the asker stopped waiting: a stuck model makes the page busy instead of piling more calls onto it.

A click on `[n]` (in an answer or in the sources panel) writes `turn:n` into a hidden box and
presses a hidden button (`CITE_JS`, installed once by the sources panel): the document view
then shows the whole document with the quote highlighted and scrolled into view.

Trade-off: every piece of document, user, model or error text is HTML-escaped and the chatbot's
Markdown is off, because Gradio inserts chat text as HTML and Markdown would turn a document's
`![x](http://…)` into a remote image request. Answers therefore show as plain text, and a
document's `<script>` shows as text instead of running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import RagError, UserError
from rag.pipeline import (
    MODE_EXTRACTIVE,
    MODE_LLM,
    Engine,
    add_files,
    ask,
    ask_stream,
    delete_document,
    differing_figures,
    document,
    documents_table,
    in_question_script,
    open_engine,
    suggested_questions,
    validate_question,
)
from rag.settings import Settings
from rag.types import Citation
from ui import render
from ui.exports import Exports
from ui.gate import BUSY, CONCURRENCY, DEFAULT_LIMITS, Busy, Gate, Limits, locked, unlocked
from ui.render import AnswerJson, text

if TYPE_CHECKING:
    import gradio as gr

log = logging.getLogger(__name__)

TITLE = "文档问答（附出处）"
MODE_LABELS = {
    MODE_EXTRACTIVE: "离线抽取式回答（无需模型）",
    MODE_LLM: "大模型回答（每句话都对照出处核查）",
}
SCRIPTS = {"跟随提问": "", "简体": "简", "繁體": "繁"}
KB_COLUMNS = ("doc_id", "title", "date", "script", "chunks", "source")
KB_HEADERS = ["文档 id", "标题", "日期", "字体", "块数", "文件"]
UPLOAD_TYPES = (".txt", ".md", ".docx", ".pdf")
CACHE_CLEANUP = (3600, 3600)
"""(how often, how old) in seconds: Gradio's `delete_cache`."""
OTHER_EVENTS = 40  # Gradio's default `max_threads`: what every other event of the page had
PLACEHOLDER = "输入问题，例如：2024年苏州人工智能产业营收是多少？"
PAGE_CSS = """
.sources h3 { margin: 0 0 .5em 0; }
.source { margin: 0 0 .9em 0; }
.source .ref { font-weight: 600; }
.source .where, .source .issuer, .source .section {
  font-weight: 400; color: var(--body-text-color-subdued);
}
.source blockquote { margin: .3em 0 0 0; }
.cite { color: var(--link-text-color); cursor: pointer; }
.conflict { border-left: 3px solid #d97706; padding-left: .6em; margin-bottom: .8em; }
.unverified h4 { color: #b91c1c; }
.document .fulltext { white-space: normal; line-height: 1.7; max-height: 560px; overflow-y: auto; }
.document mark { background: #fde047; }
"""
CITE_JS = r"""
if (!window.__ragCite) {
  window.__ragCite = true;
  document.addEventListener('click', (event) => {
    const el = event.target.closest('[data-cite], .cite');
    if (!el) return;
    const n = el.dataset.cite || (el.className.match(/cite-(\d+)/) || [])[1];
    const box = document.querySelector('#cite-pick textarea, #cite-pick input');
    const open = document.querySelector('#cite-open');
    if (!n || !box || !open) return;
    const bubble = el.closest('.turn');  // an answer in the chat; else the latest answer
    const turn = bubble ? (bubble.className.match(/turn-(\d+)/) || [0, -1])[1] : -1;
    box.value = `${turn}:${n}:${Date.now()}`;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => open.click(), 50);
  });
}
"""
SCROLL_JS = """() => {
  const go = () => document.querySelector('#cited')?.scrollIntoView({block: 'center'});
  for (const wait of [50, 300, 800]) setTimeout(go, wait);  // after the tab has rendered
}"""

Chat = list[dict[str, Any]]
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][^\s/\\:;,，。；）)'\"]+)+[/\\]?")


def public(message: str) -> str:
    """An error message fit for the page: a server path is cut to its last part (`…/data`), so
    the page never shows where the server keeps its files."""
    parts = re.split(r"(\w+://\S+)", message)  # URLs (an endpoint to check) stay whole
    return "".join(
        p if i % 2 else _PATH.sub(lambda m: "…/" + re.split(r"[/\\]", m[0].rstrip("/\\"))[-1], p)
        for i, p in enumerate(parts)
    )


def mode_html(mode: str) -> str:
    return f"<p class='mode'>回答方式：{text(MODE_LABELS.get(mode, mode))}</p>"


def chat_turn(answer: AnswerJson, turn: int) -> Chat:
    """The question and the answer bubble; the bubble's markers open turn `turn`'s sources."""
    return [
        {"role": "user", "content": text(answer["question"])},
        {
            "role": "assistant",
            "content": f"<div class='turn turn-{turn}'>{render.answer_html(answer['answer'])}"
            + "</div>",
        },
    ]


class _Engines:
    """The open engine, opened on first use (and again while there is no index), and opened
    afresh after the knowledge base changes (an engine is a snapshot of the index)."""

    def __init__(self, settings: Settings, engine: Engine | None) -> None:
        self._settings = settings
        self._engine = engine
        self._lock = threading.Lock()

    def __call__(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = open_engine(self._settings)
            return self._engine

    def changed(self) -> None:
        with self._lock:
            self._engine = None


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
        raise gr.Error(text(public(str(exc))), print_exception=False) from None
    except Exception as exc:
        log.exception("answering %r failed", question[:200])
        message = f"内部错误（{type(exc).__name__}），详见服务器日志"
        raise gr.Error(message, print_exception=False) from None


def _differing(answer: AnswerJson) -> list[tuple[dict[str, Any], list[str]]]:
    fields = ("n", "doc_id", "title", "date", "quote", "start", "end")
    cited = {c["n"]: c for c in answer.get("citations", [])}
    pairs = differing_figures([Citation(**{k: c[k] for k in fields}) for c in cited.values()])
    return [(cited[c.n], figures) for c, figures in pairs]


def build_app(
    settings: Settings, engine: Engine | None = None, limits: Limits = DEFAULT_LIMITS
) -> gr.Blocks:
    """The chat page; `engine` is opened on the first question when not given."""
    import gradio as gr
    from gradio.events import api  # `gr.api`, as Gradio defines it

    get_engine = _Engines(settings, engine)
    gate = Gate(limits)
    exports = Exports()

    def doc_info(doc_id: str) -> Any:
        return document(doc_id, settings, get_engine())

    async def answer_question(question: str, history: list[str] | None = None) -> AnswerJson:
        """One question: the page's public API (`/ask`). `history`: the conversation's earlier
        questions, oldest first, so a follow-up (`那杭州呢？`) is read with the one before.
        When too many questions wait, a one-line error says the page is busy."""
        try:
            async with gate.turn() as slot:
                return await slot.call(_ask_json, question, settings, get_engine, history or ())
        except Busy as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def check(question: str) -> None:
        """Refuse bad input, a missing index, or a full queue, before anything is written into
        the chat."""
        try:
            validate_question(question, settings)
            get_engine()
        except RagError as exc:
            raise gr.Error(text(public(str(exc))), print_exception=False) from None
        if gate.full():
            raise gr.Error(BUSY, print_exception=False)

    async def answer_in_chat(
        question: str, history: Chat | None, answers: list[AnswerJson] | None, script: str
    ) -> AsyncIterator[tuple[Chat, Any, Any, Any]]:
        """A question in the conversation, its answer shown as it is written, then checked.
        A follow-up (`那杭州呢？`) reads the question before. The question box is emptied and
        locked while the answer is written (nothing typed meanwhile can be lost), then unlocked.
        The answer waits for its turn at the gate (`Busy`: the reply says so)."""
        before = list(history or [])
        done = list(answers or [])
        asked = [a["question"] for a in done]  # the conversation's questions, as asked
        written = ""
        asking = [{"role": "user", "content": text(question)}]
        yield [*before, *asking], gr.skip(), gr.skip(), locked()

        def start() -> Iterator[str | Any]:
            typed = in_question_script(question, SCRIPTS.get(script, ""))
            return ask_stream(typed, settings, get_engine(), asked)

        answer: AnswerJson | None = None
        try:
            async with gate.turn() as slot, contextlib.aclosing(slot.stream(start)) as pieces:
                async for piece in pieces:
                    if isinstance(piece, str):
                        written += piece
                        turn = [*asking, {"role": "assistant", "content": text(written)}]
                        yield [*before, *turn], gr.skip(), gr.skip(), gr.skip()
                    else:
                        answer = piece.to_dict() | {"question": question}
            if answer is None:
                raise RuntimeError("the answer stream ended without an answer")
        except Exception as exc:  # never an overlay over the chat: the error is the reply
            if isinstance(exc, Busy):
                reply = str(exc)
            elif isinstance(exc, RagError):
                reply = f"出错：{public(str(exc))}"
            else:
                log.exception("answering %r failed", question[:200])
                reply = f"出错：内部错误（{type(exc).__name__}）"
            answer = {"question": question, "answer": reply, "mode": "", "citations": []}
        # the checked answer (or the error) once the gate has the place back
        yield [*before, *chat_turn(answer, len(done))], answer, [*done, answer], unlocked()

    def show(answer: AnswerJson) -> tuple[Any, ...]:
        mode_line = mode_html(answer["mode"]) if answer.get("mode") else gr.skip()
        panel = render.sources_html(answer, doc_info, _differing(answer))
        if not answer.get("citations"):
            return panel, mode_line, gr.skip(), gr.skip()
        md = exports.write("answer.md", render.export_markdown(answer))
        js = exports.write("answer.json", render.export_json(answer))
        exported = (
            gr.DownloadButton(value=md, visible=True),
            gr.DownloadButton(value=js, visible=True),
        )
        return panel, mode_line, *exported

    def open_citation(pick: str, answers: list[AnswerJson] | None) -> tuple[Any, Any]:
        """`turn:n:nonce` from a click on `[n]`: the document view at that quote."""
        try:
            turn, n = (int(x) for x in pick.split(":")[:2])
            answer = (answers or [])[turn]
            c = next(c for c in answer["citations"] if c["n"] == n)
            view = render.document_html(doc_info(c["doc_id"]), c["start"], c["end"])
        except (ValueError, IndexError, StopIteration, RagError):
            return gr.skip(), gr.skip()
        return view, gr.Tabs(selected="document")

    def table() -> list[list[Any]]:
        try:
            rows = documents_table(settings)
        except RagError:
            return []
        return [[r[k] for k in KB_COLUMNS] for r in rows]

    def upload(files: list[Any] | None, progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 (Gradio injects the bar through this default)
        """Index uploaded files; each refused file with its reason, nothing half-indexed."""
        paths = [Path(getattr(f, "name", f)) for f in files or []]
        if not paths:
            raise gr.Error("选择要上传的文件（.txt .md .docx .pdf）", print_exception=False)
        limit = settings.ui_max_upload_mb * 2**20
        too_big = [p.name for p in paths if p.stat().st_size > limit]
        paths = [p for p in paths if p.name not in too_big]
        done: list[str] = []
        progress(0, desc="索引中…")

        def step(doc_id: str) -> None:
            done.append(doc_id)
            progress(len(done) / max(1, len(paths)), desc=f"已索引 {doc_id}")

        try:
            report, rejected = add_files(paths, settings, step) if paths else (None, [])
        except RagError as exc:
            raise gr.Error(text(public(str(exc))), print_exception=False) from None
        get_engine.changed()
        lines = [f"{name}：文件太大（上限 {settings.ui_max_upload_mb} MB）" for name in too_big]
        lines += [f"{Path(r.path).name}：{public(r.reason)}" for r in rejected]
        added = (report.added + report.updated) if report else []
        status = f"已加入 {len(added)} 个文档" + (f"：{'、'.join(added)}" if added else "")
        status += "".join(f"<br>未加入 {text(line)}" for line in lines)
        return table(), f"<p id='kb-status'>{status}</p>", gr.Dropdown(choices=_ids())

    def _ids() -> list[str]:
        return [row[0] for row in table()]

    def delete(doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            raise gr.Error("先选择要删除的文档", print_exception=False)
        try:
            delete_document(doc_id, settings)
        except RagError as exc:
            raise gr.Error(text(public(str(exc))), print_exception=False) from None
        get_engine.changed()
        status = f"<p id='kb-status'>已删除 {text(doc_id)}</p>"
        return table(), status, gr.Dropdown(choices=_ids(), value=None)

    def clear() -> tuple[Any, ...]:
        hidden = gr.DownloadButton(visible=False)
        return [], [], None, render.sources_html(None), render.document_html(None), hidden, hidden

    # Gradio's copies of served files (the exports, uploads) removed hourly once an hour old
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=CACHE_CLEANUP) as app:
        gr.Markdown(f"## {TITLE}")
        mode = gr.HTML(mode_html(engine.mode if engine else MODE_EXTRACTIVE), js_on_load=None)
        with gr.Tabs(elem_id="main-tabs"):
            with gr.Tab("问答", id="chat"), gr.Row():
                with gr.Column(scale=3):
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
                            show_label=False,
                            placeholder=PLACEHOLDER,
                            scale=5,
                            max_lines=4,
                            elem_id="question",
                        )
                        send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
                        stop = gr.Button("停止", variant="stop", scale=1, elem_id="stop")
                    suggestions = suggested_questions(settings, engine)
                    if suggestions:
                        gr.Examples(
                            [[q] for q in suggestions],
                            inputs=[box],
                            label="可以这样问（取自文档）",
                            elem_id="suggestions",
                        )
                    with gr.Row():
                        script = gr.Radio(
                            list(SCRIPTS), value="跟随提问", label="回答用字", elem_id="script"
                        )
                        clear_all = gr.Button("清空对话", elem_id="clear")
                        export_md = gr.DownloadButton(
                            "导出 Markdown", visible=False, elem_id="export-md"
                        )
                        export_json = gr.DownloadButton(
                            "导出 JSON", visible=False, elem_id="export-json"
                        )
                with gr.Column(scale=2), gr.Tabs() as tabs:
                    with gr.Tab("来源", id="sources"):
                        sources = gr.HTML(
                            render.sources_html(None),
                            css_template=PAGE_CSS,
                            js_on_load=CITE_JS,
                            elem_id="sources",
                        )
                    with gr.Tab("原文", id="document"):
                        doc_view = gr.HTML(
                            render.document_html(None),
                            css_template=PAGE_CSS,
                            js_on_load=None,
                            elem_id="document",
                        )
            with gr.Tab("知识库", id="library"):
                kb_table = gr.Dataframe(
                    headers=KB_HEADERS, value=table, interactive=False, elem_id="kb-table"
                )
                kb_files = gr.File(
                    label="上传文档（.txt .md .docx .pdf）",
                    file_count="multiple",
                    file_types=list(UPLOAD_TYPES),
                    elem_id="kb-upload",
                )
                kb_add = gr.Button("加入知识库", variant="primary", elem_id="kb-add")
                kb_status = gr.HTML("", js_on_load=None, elem_id="kb-status-box")
                with gr.Row():
                    kb_pick = gr.Dropdown(
                        choices=_ids(), label="删除文档", elem_id="kb-pick", scale=3
                    )
                    kb_delete = gr.Button("删除", variant="stop", elem_id="kb-delete", scale=1)
        answer = gr.JSON(visible=False)
        answers = gr.State([])
        pick = gr.Textbox(visible="hidden", elem_id="cite-pick")
        open_pick = gr.Button("open", visible="hidden", elem_id="cite-open")
        api(answer_question, api_name="ask", concurrency_limit=None)  # the gate limits it

        def list_documents_api() -> list[dict[str, Any]]:
            """The knowledge base: one row per document (the 知识库 tab's table)."""
            return documents_table(settings)

        api(list_documents_api, api_name="documents")

        def document_api(doc_id: str, start: int = 0, end: int = 0) -> dict[str, Any]:
            """A document's display text (what citation offsets refer to) and `text[start:end]`:
            how a researcher's script re-checks a quote."""
            try:
                doc = doc_info(doc_id)
            except RagError as exc:
                raise gr.Error(text(public(str(exc))), print_exception=False) from None
            meta = doc.meta
            return {
                "doc_id": doc.doc_id,
                "title": meta.title,
                "date": meta.date,
                "issuer": meta.issuer,
                "doc_sha": doc.sha,
                "text": doc.text,
                "quote": doc.text[int(start) : int(end)],
            }

        api(document_api, api_name="document")
        asking = gr.on(
            [send.click, box.submit],
            check,
            [box],
            None,
            api_visibility="private",
            show_progress="hidden",
        ).success(
            answer_in_chat,
            [box, chat, answers, script],
            [chat, answer, answers, box],
            api_visibility="private",
            show_progress="hidden",
            concurrency_limit=None,  # the gate limits it
        )
        asking.success(
            show,
            [answer],
            [sources, mode, export_md, export_json],
            api_visibility="private",
            show_progress="hidden",
        )
        stop.click(unlocked, None, [box], cancels=[asking], api_visibility="private")
        open_pick.click(
            open_citation, [pick, answers], [doc_view, tabs], api_visibility="private"
        ).then(None, None, None, js=SCROLL_JS, api_visibility="private")
        kb_add.click(upload, [kb_files], [kb_table, kb_status, kb_pick], api_visibility="private")
        kb_delete.click(delete, [kb_pick], [kb_table, kb_status, kb_pick], api_visibility="private")
        cleared = [chat, answers, answer, sources, doc_view, export_md, export_json]
        clear_all.click(clear, None, cleared, api_visibility="private")
        chat.clear(clear, None, cleared, api_visibility="private")  # the chat's own trash icon
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
