"""The page's export files: one folder, bounded, removed with the page."""

from __future__ import annotations

from pathlib import Path

from ui.exports import Exports


def test_the_same_answer_is_one_file_and_the_oldest_go_first() -> None:
    exports = Exports(kept=3)
    first = exports.write("answer.md", "甲")
    assert exports.write("answer.md", "甲") == first
    later = [exports.write("answer.md", text) for text in ("乙", "丙", "丁")]
    assert Path(later[-1]).read_text(encoding="utf-8") == "丁"
    assert not Path(first).exists()  # the oldest of four went
    assert sorted(p.name for p in exports.folder.iterdir()) == sorted(Path(p).name for p in later)
    assert Path(first).suffix == ".md"
    exports.close()


def test_closing_removes_the_folder() -> None:
    exports = Exports()
    path = Path(exports.write("answer.json", "{}"))
    assert path.exists()
    exports.close()
    assert not exports.folder.exists()
