"""Lexicon: the word lists the answerer's rules use, kept as plain UTF-8 files beside this module
and read by name (`groups("synonyms")` reads `synonyms.tsv`).

Every file is made of groups separated by blank lines. A group opens with `#` comment lines
giving its reason, which is about Chinese or about the genre (policy reports, news,
encyclopedias, prompt injection), never about one question or one document; then its entries,
one a line, fields separated by tabs. A block holding only comments is a note about the file
(its format). Files whose note says so hold Python regular expressions, one alternative a
line, tried in file order (`pattern`); the others hold literal words.

The trade-off: a list in a file can no longer carry a comment beside each entry, so each group
carries one for all its entries; a group grows by reason, not by an entry for a question that
failed. Nothing is read at import time; each file is read once, on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

SUFFIXES = (".tsv", ".txt")


@dataclass(frozen=True)
class Group:
    """Entries that share one reason."""

    reason: str
    """The group's opening comment lines, without `#`."""
    rows: tuple[tuple[str, ...], ...]
    """Its entries, each split into its tab-separated fields."""


def _path(name: str) -> resources.abc.Traversable:
    folder = resources.files(__name__)
    for suffix in SUFFIXES:
        path = folder / f"{name}{suffix}"
        if path.is_file():
            return path
    raise ValueError(f"no lexicon file {name!r} (.tsv or .txt) in {folder}")


def parse(text: str, name: str = "<text>") -> tuple[Group, ...]:
    """The groups of a lexicon file's text; a block with entries but no reason is an error."""
    out: list[Group] = []
    blocks = re.split(r"\n[ \t]*(?:\n[ \t]*)+", text.replace("\r\n", "\n").strip("\n"))
    for block in blocks:
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        reason = []
        while lines and lines[0].lstrip().startswith("#"):
            reason.append(lines.pop(0).lstrip().lstrip("#").strip())
        if any(line.lstrip().startswith("#") for line in lines):
            raise ValueError(f"lexicon {name}: a comment inside a group: {block[:60]!r}")
        if not lines:
            continue  # a note about the file
        if not any(reason):
            raise ValueError(f"lexicon {name}: a group without its reason: {lines[0]!r}")
        rows = tuple(tuple(field.strip() for field in line.split("\t")) for line in lines)
        out.append(Group(reason=" ".join(r for r in reason if r), rows=rows))
    return tuple(out)


@cache
def groups(name: str) -> tuple[Group, ...]:
    """The groups of the lexicon file `name` (read once)."""
    return parse(_path(name).read_text(encoding="utf-8"), name)


def rows(name: str) -> tuple[tuple[str, ...], ...]:
    """Every entry of a file, in file order, as its fields."""
    return tuple(row for group in groups(name) for row in group.rows)


@cache
def words(name: str) -> frozenset[str]:
    """The first field of every entry: a file of literal words as a set."""
    return frozenset(row[0] for row in rows(name))


@cache
def pattern(name: str, kind: str = "") -> re.Pattern[str]:
    """A file of regular expressions as one pattern, its alternatives in file order. With
    `kind`, the file's rows are `kind<TAB>alternative` and only that kind's are joined."""
    if kind:
        alternatives = [row[1] for row in rows(name) if row[0] == kind]
    else:
        alternatives = [row[0] for row in rows(name)]
    if not alternatives:
        raise ValueError(f"lexicon {name}: no entries{f' of kind {kind!r}' if kind else ''}")
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


def names() -> list[str]:
    """Every lexicon file's name."""
    folder = resources.files(__name__)
    return sorted(p.name.rsplit(".", 1)[0] for p in folder.iterdir() if p.name.endswith(SUFFIXES))
