"""The 问答 (chat) tab's event handlers and the `/ask` API; `ui.app` lays the page out and wires
them to its components, `ui.library` holds the 知识库 tab's.

Handlers format, nothing more: answers come from `rag.pipeline`, HTML from `ui.render`. A
failure the user can fix is a one-line `gr.Error` raised before anything is written into the
chat (`check`), or, once the answer has started, the reply itself (`answer_in_chat` never
fails, so Gradio never covers the chat with its "Error" overlay); anything else is logged and
shown as its exception's name, never as a traceback.

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
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

import gradio as gr

from rag.errors import RagError, in_chinese
from rag.pipeline import (
    MODE_EXTRACTIVE,
    MODE_LLM,
    Engine,
    ask,
    ask_stream,
    document,
    in_question_script,
    open_engine,
    validate_question,
)
from rag.settings import Settings
from rag.text.script import is_traditional
from rag.types import Citation, SourceDoc
from ui import cards, exported
from ui.exports import Exports
from ui.features import differing_figures
from ui.gate import BUSY, Busy, Gate
from ui.render import (
    STOPPED,
    AnswerJson,
    Chat,
    chat_turn,
    public,
    shown,
    stopped_html,
    text,
    writing_html,
)
from ui.words import word

log = logging.getLogger(__name__)

MODE_LABELS = {
    MODE_EXTRACTIVE: "离线抽取式回答（无需模型）",
    MODE_LLM: "大模型回答（每句话都对照出处核查）",
}
SCRIPTS = {"跟随提问": "", "简体": "简", "繁體": "繁"}
"""The 回答用字 choices: each label and the script the question is put in ("": as typed)."""


def chosen_traditional(script: str) -> bool:
    """Does the 回答用字 choice `script` put the page's own words in Traditional (繁體)?"""
    return SCRIPTS.get(script) == "繁"


def page_error(message: str) -> gr.Error:
    """A one-line error toast (and `/ask` API error) titled in Chinese, never a traceback."""
    return gr.Error(text(message), title="出错", print_exception=False)


def mode_html(mode: str, tw: bool = False) -> str:
    """The line above the tabs that says how answers are made."""
    line = shown("回答方式：" + MODE_LABELS.get(mode, mode), tw)
    return f"<p class='mode'>{text(line)}</p>"


class Engines:
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

    def mode(self) -> str:
        """How answers are made: the mode of the engine open, else the settings'."""
        with self._lock:
            if self._engine is not None:
                return self._engine.mode
        return MODE_LLM if self._settings.llm_configured else MODE_EXTRACTIVE

    def document(self, doc_id: str) -> SourceDoc:
        """A stored document, from the open engine when it has it."""
        return document(doc_id, self._settings, self())


def _ask_json(
    question: str,
    settings: Settings,
    get_engine: Callable[[], Engine],
    history: Sequence[str] = (),
) -> AnswerJson:
    """`ask` as JSON; every failure becomes a one-line `gr.Error`, never a traceback."""
    try:
        validate_question(question, settings)  # before the engine: "empty" beats "no index"
        return ask(question, settings, engine=get_engine(), history=history).to_dict()
    except RagError as exc:
        raise page_error(public(in_chinese(exc))) from None
    except Exception as exc:
        log.exception("answering %r failed", question[:200])
        raise page_error(in_chinese(exc)) from None


def _differing(answer: AnswerJson) -> list[tuple[dict[str, Any], str]]:
    cited = {c["n"]: c for c in answer.get("citations", [])}
    question = answer.get("standalone") or answer["question"]
    quotes = [Citation(**c) for c in cited.values()]  # the answer's own `asdict`
    return [(cited[c.n], value) for c, value in differing_figures(question, quotes)]


def _no_export() -> tuple[Any, Any]:
    """The current answer's two downloads hidden (while a new one is written, or stopped):
    the last answer's files are never offered for another."""
    return _download("本条", None), _download("本条", None, "JSON")


def _no_talk() -> tuple[Any, Any]:
    """The whole conversation's two downloads hidden while an answer is written: its files
    are rewritten once the answer is shown (`ChatCallbacks.show`), and until then they would
    offer the conversation without the turn the user just saw."""
    return _download("整段对话", None), _download("整段对话", None, "JSON")


def _download(which: str, path: str | None, kind: str = "Markdown") -> Any:
    """A download button (`which`: 本条 or 整段对话) offering `path`, hidden without one. Its
    label is sent again with every update: Gradio would otherwise keep the label in the
    script it was first shown in."""
    return gr.DownloadButton(word(f"导出{which}（{kind}）"), value=path, visible=path is not None)


def _buttons(answering: bool) -> tuple[Any, Any]:
    """发送 and 停止: one shows while an answer is written, the other otherwise."""
    send = gr.Button(word("发送"), visible=not answering)  # labels again: see `_download`
    return send, gr.Button(word("停止"), visible=answering)


def _reply(exc: Exception, question: str) -> str:
    """A failed answer as the chat's reply: `Busy` as it says, ours in a line, others by name."""
    if isinstance(exc, Busy):
        return str(exc)
    if isinstance(exc, RagError):
        return f"出错：{public(in_chinese(exc))}"
    log.exception("answering %r failed", question[:200])
    return f"出错：内部错误（{type(exc).__name__}）"


class ChatCallbacks:
    """The chat's handlers and the `/ask` API. Answers (the API and the chat together) pass
    one `Gate`; the exports of the answers shown go to one bounded `Exports` folder."""

    def __init__(self, settings: Settings, engines: Engines, gate: Gate, exports: Exports) -> None:
        self.settings = settings
        self.engines = engines
        self.gate = gate
        self.exports = exports

    async def answer_question(self, question: str, history: list[str] | None = None) -> AnswerJson:
        """One question: the page's public API (`/ask`). `history`: the conversation's earlier
        questions, oldest first, so a follow-up (`那上海呢？`) is read with the one before.
        When too many questions wait, a one-line error says the page is busy."""
        try:
            async with self.gate.turn() as slot:
                args = (question, self.settings, self.engines, history or ())
                return await slot.call(_ask_json, *args)
        except Busy as exc:
            raise page_error(str(exc)) from None

    def check(self, question: str) -> None:
        """Refuse bad input, a missing index, or a full queue, before anything is written into
        the chat."""
        try:
            validate_question(question, self.settings)
            self.engines()
        except RagError as exc:
            raise page_error(public(in_chinese(exc))) from None
        if self.gate.full():
            raise page_error(BUSY)

    async def answer_in_chat(
        self, question: str, history: Chat | None, answers: list[AnswerJson] | None, script: str
    ) -> AsyncIterator[tuple[Any, ...]]:
        """A question in the conversation: 「正在检索…」, then the answer as it is written, then
        the checked answer. A follow-up (`那上海呢？`) reads the question before. The question
        box is emptied (the question is in the chat) but stays usable: what is typed meanwhile
        is kept, and 发送 shows 停止 instead until the answer is done. The answer waits for its
        turn at the gate (`Busy`: the reply says so). Outputs: the chat, the answer, the
        answers, the box, 发送, 停止, the current answer's two downloads, the conversation's
        two."""
        before = list(history or [])
        done = list(answers or [])
        asked = [a.get("standalone") or a["question"] for a in done]  # as read
        written = ""
        typed = in_question_script(question, SCRIPTS.get(script, ""))
        tw = is_traditional(typed)  # the answer's script: its bubble and panels follow it
        asking = [{"role": "user", "content": text(question)}]
        bubble = {"role": "assistant", "content": writing_html("", tw)}
        failed = {"question": question, "mode": "", "citations": [], "traditional": tw}
        # the turn has its place in the answers at once: 停止 then marks it stopped
        answering = [*done, failed | {"answer": STOPPED, "pending": True}]
        hidden = (*_no_export(), *_no_talk())
        yield [*before, *asking, bubble], gr.skip(), answering, "", *_buttons(True), *hidden

        def start() -> Iterator[str | Any]:
            return ask_stream(typed, self.settings, self.engines(), asked)

        answer: AnswerJson | None = None
        try:
            async with self.gate.turn() as slot, contextlib.aclosing(slot.stream(start)) as pieces:
                async for piece in pieces:
                    if isinstance(piece, str):
                        written += piece
                        writing = {"role": "assistant", "content": writing_html(written, tw)}
                        turn = [*asking, writing]
                        yield [*before, *turn], *(gr.skip(),) * 9
                    else:
                        answer = piece.to_dict() | {"question": question, "traditional": tw}
            if answer is None:
                raise RuntimeError("the answer stream ended without an answer")
        except Exception as exc:  # never an overlay over the chat: the error is the reply
            answer = failed | {"answer": _reply(exc, question)}
        # the checked answer (or the error) once the gate has the place back
        chat = [*before, *chat_turn(answer, len(done))]
        yield chat, answer, [*done, answer], gr.skip(), *_buttons(False), *(gr.skip(),) * 4

    def stopped(self, history: Chat | None, answers: list[AnswerJson] | None) -> tuple[Any, ...]:
        """停止: the answer being written ends with 「已停止」 (what it had written stays) and is
        kept as the turn's answer; an answer already done is left as it is. The
        conversation's downloads come back with every turn kept, the stopped one too."""
        chat = list(history or [])
        done = list(answers or [])
        if done and done[-1].get("pending"):
            tw = bool(done[-1].get("traditional"))
            written = chat.pop()["content"] if chat and chat[-1]["role"] == "assistant" else ""
            if written == writing_html("", tw):
                written = ""  # nothing was written yet
            chat.append({"role": "assistant", "content": stopped_html(str(written), tw)})
            done[-1] = {k: v for k, v in done[-1].items() if k != "pending"} | {"stopped": True}
        return chat, done, *_buttons(False), *_no_export(), *self._talk(done)

    def show(self, answer: AnswerJson, answers: list[AnswerJson] | None) -> tuple[Any, ...]:
        """The sources panel, the mode line and the downloads of the answer just given: this
        answer's (hidden when it cites nothing: a refusal has nothing to export, and the
        previous answer's files are not offered in its place) and the whole conversation's."""
        tw = bool(answer.get("traditional"))
        mode_line = mode_html(answer["mode"], tw) if answer.get("mode") else gr.skip()
        panel = cards.sources_html(answer, self.engines.document, _differing(answer))
        whole = self._talk(list(answers or []))
        if not answer.get("citations"):
            return panel, mode_line, *_no_export(), *whole
        md = self.exports.write("answer.md", exported.export_markdown(answer))
        js = self.exports.write("answer.json", exported.export_json(answer))
        return panel, mode_line, _download("本条", md), _download("本条", js, "JSON"), *whole

    def _talk(self, answers: list[AnswerJson]) -> tuple[Any, Any]:
        """The conversation's two downloads, written for `answers` (hidden when there are
        none)."""
        if not answers:
            return _no_talk()
        md = self.exports.write("conversation.md", exported.conversation_markdown(answers))
        js = self.exports.write("conversation.json", exported.conversation_json(answers))
        return _download("整段对话", md), _download("整段对话", js, "JSON")

    def open_citation(self, pick: str, answers: list[AnswerJson] | None) -> tuple[Any, Any]:
        """`turn:n:nonce` from a click on `[n]`: the document view at that quote."""
        try:
            turn, n = (int(x) for x in pick.split(":")[:2])
            answer = (answers or [])[turn]
            c = next(c for c in answer["citations"] if c["n"] == n)
            doc = self.engines.document(c["doc_id"])
            view = cards.document_html(doc, c["start"], c["end"], bool(answer.get("traditional")))
        except (ValueError, IndexError, StopIteration, RagError):
            return gr.skip(), gr.skip()
        return view, gr.Tabs(selected="document")

    def clear(self) -> tuple[Any, ...]:
        """清空对话: the conversation, its answers, the panels and every download emptied."""
        empty = (cards.sources_html(None), cards.document_html(None))
        whole = (_download("整段对话", None), _download("整段对话", None, "JSON"))
        return [], [], None, *empty, *_no_export(), *whole
