"""The chat page's layout: every component, in the page's order, grouped by panel (the 问答
tab's conversation and its sources and document view, the 知识库 tab). `ui.app` wires their
events. Imported when the page is built (it imports Gradio).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import gradio as gr

from ui import cards
from ui.assets import CITE_JS, PAGE_CSS
from ui.render import header_html
from ui.words import word

if TYPE_CHECKING:
    from ui.library import LibraryCallbacks

KB_HEADERS = ["标题", "日期", "发布者", "字体", "块数", "文件"]
UPLOAD_TYPES = (".txt", ".md", ".docx", ".pdf")
PLACEHOLDER = "输入问题，例如：2024年苏州人工智能产业营收是多少？"


@dataclass(frozen=True)
class FeedbackPanel:
    """Shown after a 👎: the right answer, "the documents do not hold it", the right passage."""

    group: gr.Column
    right: gr.Textbox
    not_in_docs: gr.Checkbox
    passage: gr.Textbox
    submit: gr.Button
    cancel: gr.Button
    status: gr.HTML
    turn: gr.State
    """The turn the 👎 was given on."""


@dataclass(frozen=True)
class ChatPanel:
    """The 问答 tab's left column: the conversation, the question box and the answer's buttons."""

    chat: gr.Chatbot
    box: gr.Textbox
    send: gr.Button
    stop: gr.Button
    suggestions: list[tuple[gr.Button, str]]
    """Questions from the documents: a click asks one."""
    script: gr.Radio
    clear_all: gr.Button
    export_md: gr.DownloadButton
    export_json: gr.DownloadButton
    talk_md: gr.DownloadButton
    """The whole conversation (`talk_*`); `export_*`: the current answer."""
    talk_json: gr.DownloadButton
    feedback: FeedbackPanel


@dataclass(frozen=True)
class SidePanel:
    """The 问答 tab's right column: the 来源 (sources) and 原文 (document) tabs."""

    tabs: gr.Tabs
    sources: gr.HTML
    doc_view: gr.HTML
    tab_labels: list[tuple[gr.Tab, str]]


@dataclass(frozen=True)
class LibraryTab:
    """The 知识库 tab: the documents, the upload, and deleting (a picker by title, 删除…, and the
    confirmation row that names the document)."""

    tab: gr.Tab
    table: gr.Dataframe
    edit_pick: gr.Dropdown
    edit_date: gr.Textbox
    edit_issuer: gr.Textbox
    edit_save: gr.Button
    files: gr.File
    add: gr.Button
    status: gr.HTML
    pick: gr.Dropdown
    delete: gr.Button
    confirm: gr.Row
    confirm_line: gr.HTML
    yes: gr.Button
    no: gr.Button


@dataclass(frozen=True)
class Page:
    """Every component an event reads or writes."""

    header: gr.HTML
    """The title and the knowledge base in one line (documents, years)."""
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
    tabs: list[tuple[gr.Tab, str]]
    """Every tab with its label in Simplified (relabelled when 繁體 is chosen)."""


def _conversation() -> tuple[gr.Chatbot, gr.Textbox, gr.Button, gr.Button]:
    """The chat and the row under it: the question box, 发送 and 停止."""
    import gradio as gr

    chat = gr.Chatbot(
        label=word("对话"),
        show_label=False,  # a label box over the first message hides it
        height=460,
        render_markdown=False,
        sanitize_html=True,
        latex_delimiters=[],
        buttons=["copy"],
        feedback_options=("Like", "Dislike"),
        elem_id="chat",
    )
    with gr.Row():
        box = gr.Textbox(
            label=word("问题"),  # read by screen readers
            show_label=False,
            placeholder=word(PLACEHOLDER),
            scale=5,
            max_lines=4,
            elem_id="question",
        )
        send = gr.Button(word("发送"), variant="primary", scale=1, elem_id="send")
        # 发送 turns into 停止 while an answer is written
        stop = gr.Button(word("停止"), variant="secondary", scale=1, visible=False, elem_id="stop")
    return chat, box, send, stop


def _feedback_panel() -> FeedbackPanel:
    import gradio as gr

    with gr.Column(visible=False, variant="panel", elem_id="feedback") as group:
        gr.Markdown(word("这条回答哪里不对？您的纠正会成为回归测试。"), elem_id="fb-head")
        right = gr.Textbox(
            label=word("正确答案"), placeholder=word("例如：378家"), elem_id="fb-right"
        )
        not_in_docs = gr.Checkbox(
            label=word("文档里没有答案（应当回答“没有找到”）"), elem_id="fb-none"
        )
        passage = gr.Textbox(
            label=word("正确的原文（可选：从文档中复制含答案的句子）"),
            lines=2,
            elem_id="fb-passage",
        )
        with gr.Row():
            submit = gr.Button(word("提交纠正"), variant="primary", elem_id="fb-submit")
            cancel = gr.Button(word("取消"), elem_id="fb-cancel")
    status = gr.HTML("", js_on_load=None, elem_id="fb-status")
    turn = gr.State(-1)
    return FeedbackPanel(group, right, not_in_docs, passage, submit, cancel, status, turn)


def _chat_panel(suggestions: list[str], scripts: list[str]) -> ChatPanel:
    """The left column; `suggestions` (questions from the documents) as buttons that ask them;
    `scripts`: the 回答用字 choices."""
    import gradio as gr

    with gr.Column(scale=3):
        chat, box, send, stop = _conversation()
        asked: list[tuple[gr.Button, str]] = []
        if suggestions:
            gr.Markdown(word("可以这样问（取自文档，点一下即提问）："), elem_id="suggest-label")
            with gr.Row(elem_id="suggestions"):
                for i, question in enumerate(suggestions):
                    button = gr.Button(question, size="sm", elem_id=f"suggest-{i}")
                    asked.append((button, question))
        feedback = _feedback_panel()
        with gr.Row():
            script = gr.Radio(
                scripts,
                value="跟随提问",
                label=word("回答用字"),
                elem_id="script",
            )
            clear_all = gr.Button(word("清空对话"), elem_id="clear")
        with gr.Row(elem_id="exports"):
            export_md = gr.DownloadButton(
                word("导出本条（Markdown）"), visible=False, elem_id="export-md"
            )
            export_json = gr.DownloadButton(
                word("导出本条（JSON）"), visible=False, elem_id="export-json"
            )
            talk_md = gr.DownloadButton(
                word("导出整段对话（Markdown）"), visible=False, elem_id="talk-md"
            )
            talk_json = gr.DownloadButton(
                word("导出整段对话（JSON）"), visible=False, elem_id="talk-json"
            )
    return ChatPanel(
        chat,
        box,
        send,
        stop,
        asked,
        script,
        clear_all,
        export_md,
        export_json,
        talk_md,
        talk_json,
        feedback,
    )


def _side_panel() -> SidePanel:
    import gradio as gr

    with gr.Column(scale=2), gr.Tabs() as tabs:
        with gr.Tab("来源", id="sources") as sources_tab:
            empty = cards.sources_html(None)
            sources = gr.HTML(empty, css_template=PAGE_CSS, js_on_load=CITE_JS, elem_id="sources")
        with gr.Tab("原文", id="document") as document_tab:
            empty = cards.document_html(None)
            doc_view = gr.HTML(empty, css_template=PAGE_CSS, js_on_load=None, elem_id="document")
    return SidePanel(tabs, sources, doc_view, [(sources_tab, "来源"), (document_tab, "原文")])


def _library_tab(library: LibraryCallbacks) -> LibraryTab:
    import gradio as gr

    with gr.Tab("知识库", id="library") as tab:
        table = gr.Dataframe(
            headers=KB_HEADERS, value=library.table, interactive=False, elem_id="kb-table"
        )
        with gr.Row(elem_id="kb-edit"):
            edit_pick = gr.Dropdown(
                choices=[],
                value=None,
                label=word("修改文档信息（按标题选择）"),
                scale=3,
                elem_id="kb-edit-pick",
            )
            edit_date = gr.Textbox(
                label=word("日期"), placeholder="2025-03-01", scale=1, elem_id="kb-date"
            )
            edit_issuer = gr.Textbox(label=word("发布者"), scale=2, elem_id="kb-issuer")
            edit_save = gr.Button(word("保存"), scale=1, elem_id="kb-save")
        files = gr.File(
            label=word("上传文档（.txt .md .docx .pdf）"),
            file_count="multiple",
            file_types=list(UPLOAD_TYPES),
            elem_id="kb-upload",
        )
        add = gr.Button(word("加入知识库"), variant="primary", elem_id="kb-add")
        status = gr.HTML("", js_on_load=None, elem_id="kb-status-box")
        with gr.Row():
            pick = gr.Dropdown(
                choices=[],
                value=None,
                label=word("删除文档（按标题选择）"),
                elem_id="kb-pick",
                scale=3,
            )  # filled on page load: always the index as it is now
            delete = gr.Button(word("删除…"), variant="secondary", elem_id="kb-delete", scale=1)
        with gr.Row(visible=False, elem_id="kb-confirm") as confirm:
            confirm_line = gr.HTML("", js_on_load=None, elem_id="kb-confirm-box")
            yes = gr.Button(word("确认删除"), variant="stop", elem_id="kb-confirm-yes")
            no = gr.Button(word("取消"), elem_id="kb-confirm-no")
    return LibraryTab(
        tab,
        table,
        edit_pick,
        edit_date,
        edit_issuer,
        edit_save,
        files,
        add,
        status,
        pick,
        delete,
        confirm,
        confirm_line,
        yes,
        no,
    )


def layout(
    mode_line: str, suggestions: list[str], scripts: list[str], library: LibraryCallbacks
) -> Page:
    """Every component, in the page's order; `mode_line` says how answers are made."""
    import gradio as gr

    header = gr.HTML(header_html(""), js_on_load=None, elem_id="page-head")  # filled on load
    mode = gr.HTML(mode_line, js_on_load=None, elem_id="mode")
    with gr.Tabs(elem_id="main-tabs"):
        with gr.Tab("问答", id="chat") as chat_tab, gr.Row():
            chat = _chat_panel(suggestions, scripts)
            side = _side_panel()
        kb = _library_tab(library)
    answer = gr.JSON(visible=False)
    answers = gr.State([])
    pick = gr.Textbox(visible="hidden", elem_id="cite-pick")
    open_pick = gr.Button("open", visible="hidden", elem_id="cite-open")
    tabs = [(chat_tab, "问答"), (kb.tab, "知识库"), *side.tab_labels]
    return Page(header, mode, chat, side, kb, answer, answers, pick, open_pick, tabs)
