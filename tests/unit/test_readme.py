"""The README's configuration table names every setting (STYLE: checked against the object)."""

from pathlib import Path

from rag.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_names_every_setting() -> None:
    text = README.read_text(encoding="utf-8")
    names = [f"RAG_{name.upper()}" for name in Settings.model_fields]
    missing = [name for name in names if name not in text]
    assert missing == []


def test_every_setting_has_a_description() -> None:
    assert all(field.description for field in Settings.model_fields.values())
