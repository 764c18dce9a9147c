"""Clean: raw document text -> display text, and any text -> search key.

The display text is what citations point into, so it stays faithful to the source and in the
source's own script. It only removes what is not the author's prose:
- pinyin glosses after characters (`產(chǎn)業(yè)` -> `產業`): a parenthesis right after a Han
  character holding one pinyin syllable with a tone mark. Trade-off: a gloss without a tone mark
  (neutral tone) is kept, because `(de)` cannot be told from a real Latin parenthesis.
- page chrome, line by line: breadcrumbs, view counters, platform disclaimers, distribution lists,
  contact and print lines, attachment file names, image credits (`rag/text/lexicon/chrome.txt`).
- line breaks made by page layout: a line that does not end a sentence and is long (or ends on a
  comma) is joined with the next one unless that one opens a heading.
- runs of spaces used as paragraph separators inside one line become paragraph breaks.
- what a reader of the page never sees, or that would make a viewer fetch something: HTML
  comments (a place to hide instructions for an AI), and images (`![alt](url)`, `<img>`),
  which become `〔图片〕`: no address reaches the model, an answer or the page, and no alt text
  (another hiding place) either.

The search key (NFKC width folding, OpenCC Traditional->Simplified, lower case) is computed per
unit (sentence, chunk, question), never used for offsets: Traditional and Simplified questions find
the same passages, while quotes stay verbatim.
"""

from __future__ import annotations

import re

from rag.text import lexicon
from rag.text.script import search_key
from rag.text.sentences import ENDS, HEADING

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_GLOSS = re.compile(rf"(?<=[\u3400-\u9fff])[(（]([a-z{_TONED}]*[{_TONED}][a-z{_TONED}]*)[)）]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]\n]{0,200}\]\([^)\n]*\)|<img\b[^>]*>", re.IGNORECASE)
IMAGE = "〔图片〕"


def hide_unseen(text: str) -> str:
    """Without HTML comments; images as `〔图片〕`."""
    return _IMAGE.sub(IMAGE, _COMMENT.sub("", text))


# A line ends a sentence (the page's layout did not break it) when its last mark is one of these
# (closing quotes or brackets may follow).
_SENTENCE_END = re.compile(r"[。！？!?；;：:…．.][”’」』）)\]】]*$")
_SOFT_END = re.compile(r"[，,、（(“‘《/]$")
_INNER_END = re.compile(f"[{ENDS}]")
# Characters. An unpunctuated line shorter than this with no sentence end inside is a heading or a
# caption, not broken prose (the seeds' headings are at most 41 characters; their page width 49+).
_WIDE_LINE = 45

# Chrome line rules (`rag/text/lexicon/chrome.txt`) match the search key of a stripped line, so
# one rule serves both scripts. A distribution list runs over several lines: kept here, as a rule
# with state, not a line pattern.
_DISTRIBUTION = re.compile(r"^(报|送|抄送|抄报|分送)\s*[:：]")  # runs until a line ends in 。
_SPACE_RUN = re.compile(r"[ \u3000\t]{2,}")


def remove_glosses(text: str) -> str:
    """Drop pinyin glosses that follow Han characters; real parentheses are kept."""
    return _GLOSS.sub("", text)


def _is_chrome(line: str) -> bool:
    return bool(lexicon.pattern("chrome").search(search_key(line.strip())))


def drop_chrome(lines: list[str]) -> list[str]:
    """Remove navigation, counters, disclaimers, distribution lists and contact lines."""
    kept: list[str] = []
    in_distribution = False
    for line in lines:
        key = search_key(line.strip())
        if _DISTRIBUTION.search(key):
            in_distribution = True
        if in_distribution:
            in_distribution = not key.endswith("。") and bool(key)
            continue
        if key and _is_chrome(line):
            continue
        kept.append(line)
    return kept


def _continues(prev: str, nxt: str) -> bool:
    """Was the break between these two non-empty lines made by page layout?"""
    if _SENTENCE_END.search(prev) or HEADING.match(nxt):
        return False
    prose = bool(_INNER_END.search(prev))  # headings and captions hold no sentence end
    return bool(_SOFT_END.search(prev)) or prose or len(prev) >= _WIDE_LINE


def join_broken_lines(lines: list[str]) -> list[str]:
    """Join lines broken mid-sentence; blank lines between the two halves are layout too."""
    paragraphs: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if paragraphs and _continues(paragraphs[-1], line):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    return paragraphs


def display_text(raw: str) -> str:
    """The readable, faithful text citations point into. Idempotent."""
    text = hide_unseen(raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    text = _BOLD.sub(r"\1", remove_glosses(text))
    paragraphs = join_broken_lines(drop_chrome(text.split("\n")))
    split = [p for para in paragraphs for p in _SPACE_RUN.split(para)]
    # A space run after a comma was not a paragraph break: join again, as a second pass would.
    return "\n\n".join(join_broken_lines(split))
