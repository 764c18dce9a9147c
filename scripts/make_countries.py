"""Write `rag/text/lexicon/places_world.tsv`: the world's countries by their Chinese names, from
the Unicode CLDR's territory names (Simplified Chinese, `zh_Hans_CN`), read through Babel.

Run by hand, never by the product, with a Python that has babel and jieba installed:

    python scripts/make_countries.py

The output is committed: run this again only for a newer CLDR or to change a rule below, and
commit the new file with this script. The product never imports Babel.

The rules, also written into the file's note:
- every two-letter region of CLDR is a country (kind 国家, top level) unless it is in
  `NOT_COUNTRIES` (dependencies, disputed or pseudo regions, groupings): those are left out,
  for a question `哪个国家` must not be answered by 关岛 or 欧元区;
- a name already in `places.tsv` or `places_cn.tsv` (中国, 美国, 台湾…) is not repeated;
- a name must be Han characters only, two or more (`刚果（金）` is left out);
- a name that jieba's dictionary holds as an everyday word, not a name (tag not ns, nr*, nz or
  j, and counted more than `EVERYDAY_FREQ` times), is left out: it would be matched inside
  running text (`约旦` is tagged an adverb, `加纳` a verb: both left out; `南非` ns stays).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jieba
import jieba.posseg
from babel import Locale

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "rag" / "text" / "lexicon" / "places_world.tsv"
EVERYDAY_FREQ = 50
NAME_TAGS = ("ns", "nr", "nz", "j")
NOT_COUNTRIES = frozenset(
    {
        "AC",
        "AI",
        "AQ",
        "AS",
        "AW",
        "AX",
        "BL",
        "BM",
        "BQ",
        "BV",
        "CC",
        "CK",
        "CP",
        "CQ",
        "CW",
        "CX",
        "DG",
        "EA",
        "EH",
        "EU",
        "EZ",
        "FK",
        "FO",
        "GF",
        "GG",
        "GI",
        "GL",
        "GP",
        "GS",
        "GU",
        "HK",
        "HM",
        "IC",
        "IM",
        "IO",
        "JE",
        "KY",
        "MF",
        "MO",
        "MP",
        "MQ",
        "MS",
        "NC",
        "NF",
        "NU",
        "PF",
        "PM",
        "PN",
        "PR",
        "PS",
        "QO",
        "RE",
        "SH",
        "SJ",
        "SX",
        "TA",
        "TC",
        "TF",
        "TK",
        "TW",
        "UM",
        "UN",
        "VG",
        "VI",
        "WF",
        "XA",
        "XB",
        "XK",
        "YT",
        "ZZ",
    }
)
NOTE = """\
# The world's countries by their Chinese names, from the Unicode CLDR (zh_Hans_CN territory
# names; Unicode License v3, see NOTICE.md), written by scripts/make_countries.py: do not edit by
# hand. One country a line: name <TAB> parent (none: top level) <TAB> kind. Dependencies,
# disputed and pseudo regions are left out, and so is a name places.tsv or places_cn.tsv already
# has, a name with other than Han characters, and a name jieba counts as an everyday word.
"""


def known() -> set[str]:
    """Every spelling the other place tables hold: each row's name and its full name."""
    sys.path.insert(0, str(ROOT))
    from rag.text import lexicon  # the product's own reader of its word lists (stdlib only)

    return {
        f
        for name in ("places", "places_cn")
        for row in lexicon.rows(name)
        for f in (row[0], *row[3:4])
        if f
    }


def main() -> int:
    jieba.initialize()
    freq, tags = jieba.dt.FREQ, jieba.posseg.dt.word_tag_tab
    have = known()
    names = Locale.parse("zh_Hans_CN").territories
    kept, dropped = [], []
    for code, name in sorted(names.items()):
        if not re.fullmatch(r"[A-Z]{2}", code) or code in NOT_COUNTRIES or name in have:
            continue
        if not re.fullmatch(r"[\u4e00-\u9fff]{2,}", name):
            dropped.append((name, "not Han only"))
        elif not tags.get(name, "ns").startswith(NAME_TAGS) and freq.get(name, 0) > EVERYDAY_FREQ:
            dropped.append((name, f"everyday word ({tags[name]}, {freq[name]})"))
        else:
            kept.append(name)
    body = "\n# countries: top level\n" + "".join(f"{n}\t-\t国家\n" for n in kept)
    OUT.write_text(NOTE + body, encoding="utf-8")
    print(f"{len(kept)} countries written to {OUT.relative_to(ROOT)}; left out:", file=sys.stderr)
    for name, why in dropped:
        print(f"  {name}: {why}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
