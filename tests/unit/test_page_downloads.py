"""The page's downloads while an answer is written and after 停止: never a file of an earlier
state of the conversation offered as the current one."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from rag.settings import Settings
from ui.callbacks import ChatCallbacks, Engines
from ui.exports import Exports
from ui.gate import Gate, Limits

QUESTION = "临江大桥哪一年通车？"
EARLIER = {
    "question": "河畔城有几座大桥？",
    "answer": "河畔城有三座大桥。[1]",
    "mode": "extractive",
    "citations": [],
    "traditional": False,
}


def _callbacks(tmp_path: Path) -> ChatCallbacks:
    settings = Settings(data_dir=tmp_path / "data", chroma_host="", embed_base_url="")
    return ChatCallbacks(settings, Engines(settings, None), Gate(Limits()), Exports())


def _first_update(callbacks: ChatCallbacks) -> tuple[Any, ...]:
    async def first() -> tuple[Any, ...]:
        updates = callbacks.answer_in_chat(QUESTION, [], [EARLIER], "")
        try:
            return await anext(updates)
        finally:
            await updates.aclose()

    return asyncio.run(first())


def test_while_an_answer_is_written_neither_download_offers_the_earlier_files(
    tmp_path: Path,
) -> None:
    update = _first_update(_callbacks(tmp_path))
    assert len(update) == 10  # chat, answer, answers, box, 发送, 停止, 本条 ×2, 整段对话 ×2
    downloads = update[-4:]
    assert all(not d.visible and d.value is None for d in downloads)


def test_after_stop_the_conversation_downloads_hold_every_turn_the_stopped_one_too(
    tmp_path: Path,
) -> None:
    callbacks = _callbacks(tmp_path)
    update = _first_update(callbacks)
    chat, answers = update[0], update[2]
    out = callbacks.stopped(chat, answers)
    talk_md, talk_json = out[-2:]
    assert talk_md.visible and talk_json.visible
    turns = json.loads(Path(talk_json.value["path"]).read_text(encoding="utf-8"))["turns"]
    assert [t["question"] for t in turns] == [EARLIER["question"], QUESTION]
    assert QUESTION in Path(talk_md.value["path"]).read_text(encoding="utf-8")
    empty = callbacks.stopped([], [])
    assert not empty[-1].visible and empty[-1].value is None  # nothing said: nothing offered
