"""Report: the eval's summary and rows -> `report.md` and `scores.png`, for a person.

The chart shows, per category, fact accuracy (or refusal recall for categories of unanswerable
questions), citation support and retrieval hit@5, with the committed thresholds as a line; the
Markdown gives the overall table, the per-category table and every failure with what was
expected and what was answered, so what broke is visible at a glance.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

THRESHOLDS = Path(__file__).with_name("thresholds.json")
_SERIES = [
    ("fact accuracy / refusal recall", None),
    ("citation support", "citation_support"),
    ("retrieval hit@5", "hit_at_5"),
]


def _headline(m: Mapping[str, Any]) -> float | None:
    """Fact accuracy, or refusal recall where the category has only unanswerable questions."""
    value: float | None = m["fact_accuracy"] if m["n_answerable"] else m["unanswerable_refused"]
    return value


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def write_chart(
    summary: Mapping[str, Any], path: Path, gates: Mapping[str, float] | None = None
) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display; set before pyplot is imported
    import matplotlib.pyplot as plt

    cats = list(summary["by_category"])
    metrics = summary["by_category"]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(cats)), 3.6), dpi=110)
    width = 0.8 / len(_SERIES)
    for i, (label, field) in enumerate(_SERIES):
        values = [
            (_headline(metrics[c]) if field is None else metrics[c][field]) or 0.0 for c in cats
        ]
        xs = [x + (i - 1) * width for x in range(len(cats))]
        ax.bar(xs, [100 * v for v in values], width, label=label)
    gate = (read_gates() if gates is None else gates).get("fact_accuracy")
    if gate is not None:
        ax.axhline(100 * gate, color="black", linewidth=0.8, linestyle="--", label="gate (fact)")
    ax.set_xticks(range(len(cats)), cats, rotation=30, ha="right")
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title(f"eval by category - overall fact accuracy {_pct(_headline(summary['overall']))}")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def read_gates(path: Path = THRESHOLDS, section: str = "") -> dict[str, float]:
    """The numeric gates of a thresholds file, or of one section of it (a corpus's)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data = data.get(section, {}) if section else data
    return {k: v for k, v in data.items() if isinstance(v, int | float)}


def failed(record: Mapping[str, Any]) -> bool:
    if record["error"]:
        return True
    if record["answerable"]:
        return not record["fact_correct"] or record.get("citation_support") is False
    return not record["refused"]


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def markdown(
    summary: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
    gates: Mapping[str, float] | None = None,
) -> str:
    overall = summary["overall"]
    index = summary.get("index") or {}
    lines = [
        "# Eval report",
        "",
        f"Index `{index.get('id', '?')}` ({index.get('embedder', '?')}), settings hash "
        f"`{summary.get('settings_hash', '?')}`, mode `{summary.get('mode', '?')}`, "
        f"{overall['n']} questions ({overall['n_answerable']} answerable, "
        f"{overall['n_unanswerable']} unanswerable, {overall['errors']} errors).",
        "",
        "![scores by category](scores.png)",
        "",
        "| metric | value | gate |",
        "|---|---|---|",
    ]
    gates = read_gates() if gates is None else gates
    for field, value in overall.items():
        if field.startswith("n") or field == "errors" or field.startswith("latency"):
            continue
        gate = gates.get(field, gates.get(f"{field}_max"))
        lines.append(f"| {field} | {_pct(value)} | {_pct(gate) if gate is not None else ''} |")
    lines.append(
        f"| latency p50 / p95 | {overall['latency_p50_ms']:.0f} / "
        f"{overall['latency_p95_ms']:.0f} ms | |"
    )
    lines += [
        "",
        "| category | n | fact / refused | support | gold | wrongly refused | hit@5 | MRR |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cat, m in summary["by_category"].items():
        cells = [_headline(m), m["citation_support"], m["gold_cited"]]
        cells += [m["answerable_wrongly_refused"], m["hit_at_5"], m["mrr"]]
        lines.append(f"| {cat} | {m['n']} | " + " | ".join(_pct(c) for c in cells) + " |")
    failures = [r for r in records if failed(r)]
    lines += ["", f"## Failures ({len(failures)})", ""]
    if failures:
        lines += ["| id | category | question | expected | answer |", "|---|---|---|---|---|"]
    for r in failures:
        expected = " + ".join("/".join(g) for g in r.get("must", [])) or "refusal"
        said = r["error_message"] or ((r.get("answer") or {}).get("answer") or "")
        lines.append(
            f"| {r['id']} | {r['category']} | {_one_line(r['question'], 60)} | "
            f"{_one_line(expected, 40)} | {_one_line(said)} |"
        )
    return "\n".join(lines) + "\n"


def write_report(
    summary: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
    out: Path,
    gates: Mapping[str, float] | None = None,
) -> None:
    """report.md and scores.png, with `gates` as the gate column (default eval/thresholds.json,
    the seed eval's)."""
    write_chart(summary, out / "scores.png", gates)
    (out / "report.md").write_text(markdown(summary, records, gates), encoding="utf-8")
