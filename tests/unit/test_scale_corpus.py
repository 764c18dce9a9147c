"""The scale benchmark's corpus (bench/scale_corpus.py `build_corpus`): N variants of the seeds,
variant 0 the seeds themselves, the same on every build, read by `rag.ingest.readers.read_corpus`
as it is."""

from __future__ import annotations

import json
import re
from pathlib import Path
from random import Random

import pytest

from bench.scale_corpus import SEED_CITIES, build_corpus, scaled, variant
from rag.ingest.readers import CATALOG, read_corpus
from rag.text.script import in_script
from tests.conftest import SEED_IDS, SEEDS


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scale") / "corpus"
    build_corpus(out, 3)
    return out


def test_n1_is_the_seeds_byte_for_byte(tmp_path: Path) -> None:
    ids = build_corpus(tmp_path / "one", 1)
    built = files(tmp_path / "one")
    assert sorted(ids) == SEED_IDS
    assert {k: v for k, v in built.items() if k != CATALOG} == {
        k: v for k, v in files(SEEDS).items() if k != CATALOG
    }
    assert json.loads(built[CATALOG]) == json.loads((SEEDS / CATALOG).read_bytes())


def test_variant_0_of_a_larger_corpus_is_the_seeds(corpus: Path) -> None:
    for seed in SEEDS.glob("*.txt"):
        assert (corpus / seed.name).read_bytes() == seed.read_bytes()


def test_n3_gives_15_documents_with_distinct_ids_and_texts(corpus: Path) -> None:
    texts = {p.stem: p.read_bytes() for p in corpus.glob("*.txt")}
    assert len(texts) == 15
    assert len(set(texts.values())) == 15
    assert {f"{s}_v{i:03d}" for s in SEED_IDS for i in (1, 2)} <= set(texts)


def test_two_builds_are_identical(corpus: Path, tmp_path: Path) -> None:
    build_corpus(tmp_path / "again", 3)
    assert files(tmp_path / "again") == files(corpus)


def test_every_file_has_its_catalog_entry(corpus: Path) -> None:
    catalog = json.loads((corpus / CATALOG).read_text(encoding="utf-8"))["documents"]
    assert set(catalog) == {p.stem for p in corpus.glob("*.txt")}
    for doc_id, entry in catalog.items():
        assert set(entry) == {"title", "issuer", "date", "kind", "script", "note"}, doc_id
        assert entry["title"], doc_id
        assert entry["issuer"] or doc_id in SEED_IDS, doc_id  # two seeds name no issuer


def test_read_corpus_reads_every_file_without_rejections(corpus: Path) -> None:
    docs, rejected = read_corpus([corpus])
    assert not rejected
    assert len(docs) == 15


def test_variants_name_other_cities(corpus: Path) -> None:
    seed_city = re.compile("|".join(SEED_CITIES))
    for path in corpus.glob("*_v*.txt"):
        assert not seed_city.search(path.read_text(encoding="utf-8")), path.name


def test_a_traditional_variant_names_its_cities_in_traditional() -> None:
    _, text, entry = variant(
        "003", "蘇州與杭州的產業", {"script": "繁", "issuer": ""}, 7, Random(7)
    )
    assert not re.search("|".join(SEED_CITIES), text)
    assert in_script(text, True) == text  # already Traditional: 鎮江, not 镇江
    assert entry["issuer"]  # a seed without an issuer gets one


@pytest.mark.parametrize(
    ("figure", "factor", "expected"),
    [("2024", 2.0, "2024"), ("1999", 2.0, "1999"), ("378", 1.5, "567"), ("7.67", 2.0, "15.34")],
)
def test_figures_scale_and_years_stay(figure: str, factor: float, expected: str) -> None:
    assert scaled(figure, factor) == expected


def test_a_childs_environment_takes_the_embedder_it_is_given(monkeypatch) -> None:
    from bench.harness import child_env

    monkeypatch.setenv("RAG_EMBEDDER", "e5")
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "99")
    assert child_env()["RAG_EMBEDDER"] == "e5"
    env = child_env(RAG_EMBEDDER="hashed", RAG_DATA_DIR="/tmp/x")
    assert env["RAG_EMBEDDER"] == "hashed" and env["RAG_DATA_DIR"] == "/tmp/x"
    assert "RAG_CHUNK_TOKENS" not in env
