"""A real `chroma run` server on loopback: ingest and ask through it; one error line without it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from bench.harness import heartbeat
from tests.conftest import (
    ANSWER_KEYS,
    CITATION_KEYS,
    SEED_IDS,
    error_lines,
    free_port,
    json_out,
    make_settings,
    rag_env,
    run_many,
    run_rag,
)

REVENUE_Q = "2024年苏州人工智能产业营收是多少？"
GDP_Q = "苏州2024年GDP是多少？"


def server_env(port: int, data_dir: Path) -> dict[str, str]:
    return rag_env(data_dir, RAG_CHROMA_HOST="127.0.0.1", RAG_CHROMA_PORT=str(port))


@pytest.fixture(scope="module")
def through_server(chroma_server, tmp_path_factory) -> dict[str, Any]:
    """`rag ingest`, then `rag ask --json` (twice, side by side), all through the server."""
    data_dir = tmp_path_factory.mktemp("server-client") / "data"  # must stay unused
    env = server_env(chroma_server, data_dir)
    ingest = run_rag(["ingest", "--quiet"], env=env)
    revenue, gdp = run_many(
        [
            {"args": ["ask", "--json", REVENUE_Q], "env": env},
            {"args": ["ask", "--json", GDP_Q], "env": env},
        ]
    )
    settings = make_settings(data_dir, chroma_host="127.0.0.1", chroma_port=chroma_server)
    return {
        "ingest": ingest,
        "revenue": revenue,
        "gdp": gdp,
        "settings": settings,
        "data_dir": data_dir,
    }


def test_server_answers_its_heartbeat(chroma_server) -> None:
    assert heartbeat(chroma_server)


def test_ingest_through_the_server_adds_every_seed(through_server) -> None:
    result = through_server["ingest"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{len(SEED_IDS)} added")


def test_ingest_through_the_server_leaves_the_data_dir_unused(through_server) -> None:
    assert not through_server["data_dir"].exists()


def test_ask_through_the_server_answers(through_server) -> None:
    revenue = json_out(through_server["revenue"])
    assert revenue["answerable"] is True
    assert "2300" in revenue["answer"]
    assert revenue["citations"]


def test_ask_through_the_server_keeps_the_json_contract(through_server) -> None:
    revenue = json_out(through_server["revenue"])
    assert set(revenue) == ANSWER_KEYS
    assert all(set(c) >= CITATION_KEYS for c in revenue["citations"])


def test_ask_through_the_server_reports_the_server_store(through_server, chroma_server) -> None:
    index = json_out(through_server["revenue"])["index"]
    assert index["store"] == f"http://127.0.0.1:{chroma_server}"
    assert index["documents"] == len(SEED_IDS)


def test_citations_through_the_server_quote_the_stored_text(through_server) -> None:
    from rag.pipeline import document_text

    for c in json_out(through_server["revenue"])["citations"]:
        text = document_text(c["doc_id"], through_server["settings"])
        assert c["quote"] == text[c["start"] : c["end"]]


def test_server_store_holds_the_same_display_text_as_the_seeds(through_server, seed_docs) -> None:
    from rag.pipeline import list_documents

    stored = {d.doc_id: d.text for d in list_documents(through_server["settings"])}
    assert stored == {doc_id: d.text for doc_id, d in seed_docs.items()}


def test_ask_through_the_server_refuses_what_the_documents_do_not_say(through_server) -> None:
    gdp = json_out(through_server["gdp"])
    assert (gdp["answerable"], gdp["citations"]) == (False, [])


# ------------------------------------------------------------------------------- no server there


@pytest.fixture(scope="module")
def no_server(tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    """`rag ask` and `rag ingest` pointed at a loopback port nobody listens on."""
    env = server_env(free_port(), tmp_path_factory.mktemp("no-server") / "data")
    ask, ingest = run_many(
        [
            {"args": ["ask", "--json", REVENUE_Q], "env": env},
            {"args": ["ingest", "--quiet"], "env": env},
        ]
    )
    return {"ask": ask, "ingest": ingest}


@pytest.mark.parametrize("command", ["ask", "ingest"])
def test_closed_port_exits_1(no_server, command: str) -> None:
    assert no_server[command].returncode == 1


@pytest.mark.parametrize("command", ["ask", "ingest"])
def test_closed_port_is_one_error_line(no_server, command: str) -> None:
    lines = error_lines(no_server[command])
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "Chroma server" in lines[0]


@pytest.mark.parametrize("command", ["ask", "ingest"])
def test_closed_port_has_no_traceback(no_server, command: str) -> None:
    result = no_server[command]
    assert "Traceback" not in result.stderr + result.stdout
