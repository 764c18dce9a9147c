"""The chat page end to end: real indexes, the real app on loopback, gradio_client and Chromium.

Nothing is mocked. Each module fixture builds an index with `rag.pipeline.ingest` and serves
`ui.app.build_app` on a free loopback port; the browser is Debian's /usr/bin/chromium driven by
Playwright (never `playwright install`). Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError, AuthenticationError
from playwright.sync_api import Browser, Locator, Page, expect
from pydantic import SecretStr

from bench.harness import close_page, free_port
from rag.pipeline import ingest
from rag.settings import Settings
from ui.app import build_app, launch_options

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
ARTIFACTS = ROOT / "tests" / "artifacts"

Q_SIMPLIFIED = "2024年苏州人工智能产业营收是多少？"
Q_TRADITIONAL = "2024年蘇州人工智能產業營收是多少？"
DOC_ID = "003_3d025acabf282a01"
QUOTE = "蘇州市人工智能產業實現營收超2300億元"

EVIL_HOST = "203.0.113.9"  # TEST-NET-3: nothing answers there; any request to it is the bug
EVIL_TEXT = (
    "测试市机器人报告。\n\n"
    "测试市2024年机器人产量为123台<script>window.__pwned=1</script>"
    f'<img src="http://{EVIL_HOST}/y.png" onerror="window.__pwned=2">。\n\n'
    "测试市还有其他产业。\n"
)
EVIL_TITLE = f"测试市报告![img](http://{EVIL_HOST}/x.png)"


def _settings(data_dir: Path) -> Settings:
    """Offline, embedded store, whatever RAG_* says in the environment."""
    return Settings(data_dir=data_dir, chroma_host="", embed_base_url="")


@contextmanager
def _serving(settings: Settings) -> Iterator[str]:
    """The page on a free loopback port, engine opened lazily as `rag serve` may."""
    app = build_app(settings)
    options = launch_options(settings) | {"server_port": free_port(), "quiet": True}
    _, url, _ = app.launch(prevent_thread_lock=True, **options)  # as `rag serve` launches it
    try:
        yield url
    finally:
        close_page(app)


@pytest.fixture(scope="module")
def seeds_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = _settings(tmp_path_factory.mktemp("seeds_index"))
    ingest(settings, [SEEDS])
    with _serving(settings) as url:
        yield url


@pytest.fixture(scope="module")
def evil_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An index of one document whose title and text carry HTML and Markdown payloads."""
    docs = tmp_path_factory.mktemp("evil_docs")
    (docs / "evil_doc.txt").write_text(EVIL_TEXT, encoding="utf-8")
    catalog = {"documents": {"evil_doc": {"title": EVIL_TITLE, "date": "2024"}}}
    (docs / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    settings = _settings(tmp_path_factory.mktemp("evil_index"))
    ingest(settings, [docs])
    with _serving(settings) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)  # the first question opens the index (~2 s, more on CI)
    yield page
    context.close()


def _ask(page: Page, question: str) -> Locator:
    """Type a question, press 发送, return the new answer bubble once it is there."""
    answers = page.get_by_test_id("bot")
    before = answers.count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    expect(answers).to_have_count(before + 1, timeout=20_000)
    expect(page.locator("#send")).to_be_visible(timeout=20_000)  # 停止 is 发送 again: answered
    return answers.last


def _screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))  # full_page drops fixed toasts


def test_api_answers_with_citation(seeds_url: str) -> None:
    client = Client(seeds_url, verbose=False, analytics_enabled=False)
    answer = client.predict(Q_SIMPLIFIED, api_name="/ask")
    assert "2300" in answer["answer"] and "[1]" in answer["answer"]
    assert answer["mode"] == "extractive"
    first = answer["citations"][0]
    assert first["n"] == 1 and first["doc_id"] == DOC_ID and QUOTE in first["quote"]


def test_api_errors_are_one_line_messages(seeds_url: str, tmp_path: Path) -> None:
    client = Client(seeds_url, verbose=False, analytics_enabled=False)
    with pytest.raises(AppError, match="问题是空的"):
        client.predict("   ", api_name="/ask")
    with pytest.raises(AppError, match="问题太长"):
        client.predict("问" * 2001, api_name="/ask")
    with _serving(_settings(tmp_path / "never_ingested")) as url:
        empty = Client(url, verbose=False, analytics_enabled=False)
        with pytest.raises(AppError, match="知识库还是空的") as caught:
            empty.predict(Q_SIMPLIFIED, api_name="/ask")
    assert "Traceback" not in str(caught.value) and "\n" not in str(caught.value)
    assert str(tmp_path) not in str(caught.value)  # no server path on the page


def test_page_answers_simplified_and_traditional(page: Page, seeds_url: str) -> None:
    page.goto(seeds_url)
    expect(page.get_by_text("离线抽取式回答（无需模型）")).to_be_visible()
    sources = page.locator("#sources")
    for name, question in (("simplified", Q_SIMPLIFIED), ("traditional", Q_TRADITIONAL)):
        answer = _ask(page, question)
        expect(answer).to_contain_text("2300")
        expect(answer).to_contain_text("[1]")
        expect(page.get_by_test_id("user").last).to_contain_text(question)
        expect(sources).to_contain_text("[1] 中國最強地級市")
        expect(sources).to_contain_text(DOC_ID)
        expect(sources.get_by_text(QUOTE)).to_be_visible()
        _screenshot(page, f"ui_{name}")


def test_page_shows_errors_and_keeps_the_conversation(page: Page, seeds_url: str) -> None:
    page.goto(seeds_url)
    _ask(page, Q_SIMPLIFIED)
    page.locator("#question textarea").fill("   ")
    page.locator("#send").click()
    toast = page.get_by_test_id("toast-text")
    expect(toast).to_contain_text("问题是空的")
    expect(toast).not_to_contain_text("Traceback")
    expect(page.locator(".toast-title").first).to_contain_text("出错")
    expect(page.get_by_test_id("toast-body")).to_have_css("opacity", "1")  # faded in, seen
    _screenshot(page, "ui_error")
    expect(page.get_by_test_id("bot").last).to_contain_text("2300")  # not hidden by the error


def test_page_renders_document_text_inert(page: Page, evil_url: str) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(evil_url)
    answer = _ask(page, "测试市2024年机器人产量是多少？")
    expect(answer).to_contain_text("123台<script>window.__pwned=1</script>")  # shown as text
    expect(answer).to_contain_text(EVIL_TITLE)
    sources = page.locator("#sources")
    expect(sources).to_contain_text("<script>window.__pwned=1</script>")
    expect(sources).to_contain_text("〔图片〕")  # cleaning turned the <img> into a placeholder
    expect(sources).not_to_contain_text("<img")
    _ask(page, "测试市还有什么产业？")  # the first turn goes back and forth with the history
    expect(page.get_by_test_id("bot").first).to_contain_text("<script>window.__pwned=1</script>")
    page.wait_for_timeout(500)  # give an image load or onerror handler time to fire if rendered
    _screenshot(page, "ui_inert")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not [url for url in requested if EVIL_HOST in url]
    web = [url for url in requested if url.startswith("http")]
    assert web and all(urlparse(url).hostname == "127.0.0.1" for url in web), web


def test_page_answers_a_follow_up_in_the_context_of_the_question_before(
    page: Page, seeds_url: str
) -> None:
    page.goto(seeds_url)
    first = _ask(page, "2021年苏州有多少家人工智能上市企业？")
    expect(first).to_contain_text("11 家")
    follow_up = _ask(page, "那杭州呢？")  # alone, this names no fact: it needs the turn before
    expect(follow_up).to_contain_text("43家")
    expect(follow_up).not_to_contain_text("文档中没有找到")
    page.screenshot(path=str(ARTIFACTS / "follow-up.png"), full_page=True)


def test_the_chats_own_trash_icon_forgets_the_conversation(page: Page, seeds_url: str) -> None:
    page.goto(seeds_url)
    _ask(page, "2021年苏州有多少家人工智能上市企业？")
    page.locator("#chat button[aria-label='清空对话']").click()  # Gradio's own, in Chinese
    expect(page.get_by_test_id("bot")).to_have_count(0)
    expect(page.locator("#sources")).not_to_contain_text("11 家")
    follow_up = _ask(page, "那杭州呢？")  # no turn before it any more: nothing to read it with
    expect(follow_up).not_to_contain_text("43家")


# ------------------------------------------------------------------------- LLM mode, streaming


def _fact_and_invention(request: Any) -> Any:
    """A model that states the fact with its source's marker, then invents a figure."""
    from rag.testing.openai_server import Reply
    from rag.testing.quoting_model import parse_prompt

    sources, _ = parse_prompt(request.last_user) or ({}, "")
    for n, body in sources.items():
        for sentence in body.replace("。", "。\n").splitlines():
            if "2300" in sentence:
                text = f"{sentence.strip()}[{n}]苏州2024年人工智能企业达到9999家。[{n}]"
                return Reply(text=text, chunk_chars=3)
    return Reply(text="文档中没有找到这个问题的答案。")


@pytest.fixture(scope="module")
def llm_server() -> Iterator[Any]:
    from rag.testing.openai_server import OpenAIServer

    with OpenAIServer(_fact_and_invention) as server:
        yield server


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory, llm_server: Any) -> Iterator[str]:
    settings = _settings(tmp_path_factory.mktemp("llm_index"))
    ingest(settings, [SEEDS])
    update = {"llm_model": "qwen-plus", "llm_base_url": llm_server.base_url}
    with _serving(settings.model_copy(update=update)) as url:
        yield url


def test_page_streams_an_llm_answer_then_shows_its_checks(page: Page, llm_url: str) -> None:
    page.goto(llm_url)
    answer = _ask(page, Q_SIMPLIFIED)
    expect(answer).to_contain_text("9999家。〔未核实〕")  # the checked answer replaced the stream
    expect(answer).to_contain_text("2300")
    expect(answer).to_contain_text("[1]")
    expect(page.get_by_text("大模型回答（每句话都对照出处核查）")).to_be_visible()
    sources = page.locator("#sources")
    expect(sources).to_contain_text("未核实（所引资料中找不到依据）")
    expect(sources).to_contain_text("苏州2024年人工智能企业达到9999家。")
    expect(sources.get_by_text(QUOTE)).to_be_visible()
    _screenshot(page, "ui_llm_checked")


# ------------------------------------------------------- citations, document view, exports, stop


def test_clicking_a_marker_opens_the_document_at_the_highlighted_quote(
    page: Page, seeds_url: str
) -> None:
    page.goto(seeds_url)
    answer = _ask(page, Q_SIMPLIFIED)
    answer.locator(".cite-1").first.click()
    view = page.locator("#document")
    cited = view.locator("mark#cited")
    expect(cited).to_contain_text(QUOTE)
    expect(view).to_contain_text("中國最強地級市")
    expect(view).to_contain_text(DOC_ID)
    expect(cited).to_be_in_viewport()
    _screenshot(page, "ui_document_view")


def test_sources_panel_shows_issuer_section_and_the_quote_inside_its_paragraph(
    page: Page, seeds_url: str
) -> None:
    page.goto(seeds_url)
    _ask(page, "苏州人工智能产业规模有多大？")  # a 2024 report and a 2025 article disagree
    sources = page.locator("#sources")
    expect(sources.locator("blockquote mark").first).to_be_visible()
    expect(sources).to_contain_text("不同日期的来源给出的数字不同")
    _screenshot(page, "ui_sources_panel")


def test_an_answer_exports_as_markdown_and_json_with_offsets_and_hashes(
    page: Page, seeds_url: str
) -> None:
    page.goto(seeds_url)
    _ask(page, Q_SIMPLIFIED)
    with page.expect_download() as md:
        page.locator("#export-md").click()
    markdown = Path(md.value.path()).read_text(encoding="utf-8")
    assert QUOTE in markdown and DOC_ID in markdown and "文档哈希" in markdown
    with page.expect_download() as js:
        page.locator("#export-json").click()
    record = json.loads(Path(js.value.path()).read_text(encoding="utf-8"))
    citation = record["citations"][0]
    assert record["mode"] == "extractive" and record["index"]["id"].startswith("rag-")
    assert {"quote", "start", "end", "doc_id", "doc_sha"} <= citation.keys()


def test_clear_empties_the_chat_and_the_panels(page: Page, seeds_url: str) -> None:
    page.goto(seeds_url)
    _ask(page, Q_SIMPLIFIED)
    page.locator("#clear").click()
    expect(page.get_by_test_id("bot")).to_have_count(0)
    expect(page.locator("#sources")).not_to_contain_text(QUOTE)


def test_the_script_switch_overrides_the_question_script(page: Page, seeds_url: str) -> None:
    page.goto(seeds_url)
    page.locator("#script").get_by_text("繁體").click()
    answer = _ask(page, Q_SIMPLIFIED)  # asked in Simplified, answered in Traditional
    expect(answer).to_contain_text("《中國最強地級市")


def test_the_stop_button_stops_an_answer_in_progress(
    page: Page, llm_url: str, llm_server: Any
) -> None:
    from rag.testing.openai_server import Reply

    llm_server.script = lambda request: Reply(text="这个回答不应出现。[1]", delay=3.0)
    try:
        page.goto(llm_url)
        box, send, stop = (page.locator(s) for s in ("#question textarea", "#send", "#stop"))
        expect(stop).to_be_hidden()  # no red button while nothing is being answered
        box.fill(Q_SIMPLIFIED)
        send.click()
        expect(page.get_by_test_id("bot").last).to_contain_text("正在检索…")
        expect(stop).to_be_visible()  # 发送 has turned into 停止
        expect(send).to_be_hidden()
        expect(box).to_have_value("")  # the question is in the chat, the box is free
        expect(page.locator("#chat")).to_contain_text(Q_SIMPLIFIED)
        box.fill("正在输入的下一个问题")  # typed while answering: kept
        stop.click()
        expect(page.get_by_test_id("bot").last).to_contain_text("已停止")
        expect(send).to_be_visible()
        expect(stop).to_be_hidden()
        expect(box).to_be_enabled()
        expect(box).to_have_value("正在输入的下一个问题")
        page.wait_for_timeout(4000)  # the model would have answered by now
        expect(page.locator("#chat")).not_to_contain_text("这个回答不应出现")
        expect(page.locator("#sources")).not_to_contain_text(QUOTE)
        expect(page.locator("#export-md")).to_be_hidden()  # nothing to export for a stopped one
        _screenshot(page, "ui_stopped")
    finally:
        llm_server.script = _fact_and_invention
    answer = _ask(page, Q_SIMPLIFIED)  # the page still works after a stop
    expect(answer).to_contain_text("2300")


# ------------------------------------------------------------------------ the knowledge-base tab


@pytest.fixture(scope="module")
def kb_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = _settings(tmp_path_factory.mktemp("kb_index"))
    ingest(settings, [SEEDS])
    with _serving(settings) as url:
        yield url


def test_upload_a_document_ask_about_it_then_delete_it(
    page: Page, kb_url: str, tmp_path: Path
) -> None:
    import docx

    upload = tmp_path / "test_town_report.docx"
    word = docx.Document()
    word.add_paragraph("测试镇机器人产业报告")
    word.add_paragraph("2025年3月1日 测试镇工业和信息化局")  # a masthead: date and issuer
    word.add_paragraph("2024年，测试镇机器人产业产值达到4321万元，同比增长12%。")
    word.save(str(upload))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not a pdf")
    page.goto(kb_url)
    page.get_by_role("tab", name="知识库").click()
    table = page.locator("#kb-table")
    expect(table).to_contain_text("中國最強地級市")
    page.locator("#kb-upload input[type=file]").set_input_files([str(upload), str(broken)])
    page.locator("#kb-add").click()
    status = page.locator("#kb-status")
    expect(status).to_contain_text("已加入 1 个文档：test_town_report")
    expect(status).to_contain_text("未加入 broken.pdf")
    expect(table).to_contain_text("test_town_report")
    row = table  # no other document has this date or issuer
    expect(row).to_contain_text("2025-03-01")  # detected from the text, as is the issuer
    expect(row).to_contain_text("测试镇工业和信息化局")
    _screenshot(page, "ui_knowledge_base")
    # corrected by hand: the date and issuer as given, kept
    page.locator("#kb-edit-pick input").fill("测试镇机器人产业报告")
    page.get_by_role("option", name=re.compile("测试镇机器人产业报告")).first.click()
    expect(page.locator("#kb-date textarea")).to_have_value("2025-03-01")
    page.locator("#kb-date textarea").fill("2025-03-02")
    page.locator("#kb-issuer textarea").fill("测试镇经济发展局")
    page.locator("#kb-save").click()
    expect(status).to_contain_text("已保存《测试镇机器人产业报告》的日期和发布者")
    expect(row).to_contain_text("2025-03-02")
    expect(row).to_contain_text("测试镇经济发展局")
    page.locator("#kb-edit-pick input").fill("测试镇机器人产业报告")
    page.get_by_role("option", name=re.compile("测试镇机器人产业报告")).first.click()
    expect(page.locator("#kb-date textarea")).to_have_value("2025-03-02")  # as saved
    page.locator("#kb-date textarea").fill("三月")
    page.locator("#kb-save").click()
    expect(status).to_contain_text("日期格式应为")  # refused in Chinese, nothing changed
    expect(row).to_contain_text("2025-03-02")
    page.get_by_role("tab", name="问答").click()
    answer = _ask(page, "2024年测试镇机器人产业产值是多少？")  # searchable at once
    expect(answer).to_contain_text("4321万元")
    page.get_by_role("tab", name="知识库").click()
    expect(page.locator("#kb-upload")).not_to_contain_text("test_town_report.docx")  # emptied
    page.locator("#kb-upload input[type=file]").set_input_files([str(upload)])
    page.locator("#kb-add").click()
    expect(status).to_contain_text("已在知识库中（内容未变）：test_town_report")
    # a fresh page lists the document just uploaded; it is deleted by title, after a confirmation
    page.goto(kb_url)
    page.get_by_role("tab", name="知识库").click()
    _pick(page, "测试镇机器人产业报告")
    page.locator("#kb-delete").click()
    expect(page.locator("#kb-confirm-box")).to_contain_text("确定删除《测试镇机器人产业报告》")
    expect(table).to_contain_text("test_town_report")  # nothing deleted before the confirmation
    page.locator("#kb-confirm-yes").click()
    expect(status).to_contain_text("已删除《测试镇机器人产业报告》")
    expect(table).not_to_contain_text("test_town_report")
    expect(page.locator("#kb-confirm")).to_be_hidden()
    page.get_by_role("tab", name="问答").click()
    answer = _ask(page, "2024年测试镇机器人产业产值是多少？")
    expect(answer).not_to_contain_text("4321")


def _pick(page: Page, title: str) -> None:
    """Choose a document in the delete picker by (part of) its title."""
    page.locator("#kb-pick input").fill(title)
    page.get_by_role("option", name=re.compile(re.escape(title))).first.click()


def test_delete_with_nothing_picked_or_cancelled_deletes_nothing(page: Page, kb_url: str) -> None:
    page.goto(kb_url)
    page.get_by_role("tab", name="知识库").click()
    table, status = page.locator("#kb-table"), page.locator("#kb-status")
    expect(page.locator("#kb-pick input")).to_have_value("")  # nothing preselected
    page.locator("#kb-delete").click()
    expect(status).to_contain_text("请先在上方列表中选择要删除的文档")
    expect(page.locator("#kb-confirm")).to_be_hidden()
    expect(table).to_contain_text("中國最強地級市")
    expect(page.locator("#kb-table .error, #kb-table [class*=error]")).to_have_count(0)
    _pick(page, "苏州杭州人工智能产业发展对比分析")
    page.locator("#kb-delete").click()
    expect(page.locator("#kb-confirm-box")).to_contain_text(
        "确定删除《苏州杭州人工智能产业发展对比分析》"
    )
    page.locator("#kb-confirm").scroll_into_view_if_needed()
    _screenshot(page, "ui_delete_confirm")
    page.locator("#kb-confirm-no").click()
    expect(status).to_contain_text("已取消删除")
    expect(page.locator("#kb-confirm")).to_be_hidden()
    page.goto(kb_url)
    page.get_by_role("tab", name="知识库").click()
    expect(page.locator("#kb-table")).to_contain_text("苏州杭州人工智能产业发展对比分析")  # kept


def test_suggested_questions_come_from_the_corpus_and_are_answered(
    page: Page, seeds_url: str
) -> None:
    question = "2024年苏州市人工智能产业实现营收是多少？"
    page.goto(seeds_url)
    suggestions = page.locator("#suggestions")
    expect(suggestions).to_contain_text(question)
    for text in suggestions.all_inner_texts():
        assert "苏州" in text  # every suggestion names whose figure it asks for
    suggestions.get_by_text(question).click()  # one click asks it
    expect(page.locator("#chat")).to_contain_text(question)
    expect(page.get_by_test_id("bot").last).to_contain_text("2300")


# ------------------------------------------------------------------------------ safe by default


def test_api_lists_the_knowledge_base(seeds_url: str) -> None:
    rows = Client(seeds_url, verbose=False).predict(api_name="/documents")
    assert sorted(r["doc_id"] for r in rows) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert all(r["chunks"] > 0 and r["title"] for r in rows)


@pytest.mark.parametrize(
    "path",
    ["gradio_api/file=/etc/passwd", "file=/etc/passwd", "gradio_api/file=../../pyproject.toml"],
)
def test_no_route_serves_files_outside_the_page(seeds_url: str, path: str) -> None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(seeds_url + path, timeout=10) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        assert exc.code in (403, 404)
        return
    assert b"root:" not in body and b"[project]" not in body


def test_a_login_is_required_when_configured(tmp_path: Path) -> None:
    import urllib.error
    import urllib.request

    from ui.app import launch_options

    settings = _settings(tmp_path / "data").model_copy(
        update={"ui_auth": SecretStr("staff:s3cret")}
    )
    options = launch_options(settings) | {"server_port": free_port(), "quiet": True}
    app = build_app(settings)
    _, url, _ = app.launch(prevent_thread_lock=True, **options)
    try:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url + "config", timeout=10)
        assert caught.value.code == 401
        with pytest.raises(AuthenticationError):
            Client(url, verbose=False)
        staff = Client(url, auth=("staff", "s3cret"), verbose=False)
        with pytest.raises(AppError, match="知识库还是空的"):  # logged in: the app itself answers
            staff.predict(Q_SIMPLIFIED, api_name="/ask")
    finally:
        close_page(app)


def test_api_answers_then_the_quote_rechecks_against_the_document(seeds_url: str) -> None:
    client = Client(seeds_url, verbose=False)
    for question in (Q_SIMPLIFIED, Q_TRADITIONAL):
        answer = client.predict(question, api_name="/ask")
        c = answer["citations"][0]
        doc = client.predict(c["doc_id"], c["start"], c["end"], api_name="/document")
        assert doc["quote"] == c["quote"] == doc["text"][c["start"] : c["end"]]
        assert doc["doc_sha"] == c["doc_sha"]
    with pytest.raises(AppError, match="没有这个文档"):
        client.predict("nope", 0, 0, api_name="/document")
