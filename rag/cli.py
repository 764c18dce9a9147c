"""CLI: `rag ingest | ask | show | eval | serve | api`. Every error is one line on stderr and
exit code 1."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.errors import RagError, UserError
from rag.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    return Settings(**overrides)


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag.ingest.lock import writer_lock

    settings = _settings(args)
    with writer_lock(settings):  # refuse a second writer now, before the slow imports below
        pass

    from tqdm import tqdm

    from rag.pipeline import ingest, ingest_roots

    paths = ingest_roots(settings, [Path(p) for p in args.paths] or None)
    # leave=False: the bar is gone when the summary (or the one error line) is printed
    # counts chunks embedded (the slow part), with their rate
    with tqdm(desc="embed", unit="chunk", file=sys.stderr, disable=args.quiet, leave=False) as bar:

        def embedded(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        report, rejected = ingest(settings, paths, embedded=embedded)
    for item in rejected:  # one line each, whatever characters the file name holds
        shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in item.path)
        print(f"skipped {shown}: {item.reason}", file=sys.stderr)
    print(report.summary() + (f"; {len(rejected)} files skipped" if rejected else ""))
    return 0


def _print_answer(answer: Any, text: bool = True) -> None:
    if text:
        print(answer.answer)
    if answer.citations:
        print("\n来源：")
    for c in answer.citations:
        print(f"[{c.n}] {c.title}（{c.date or '日期不详'}）{c.doc_id} {c.start}-{c.end}")
        print(f"    「{c.quote}」")
    unverified = [c for c in answer.claims if not c.verified]
    if unverified:
        print("\n未核实（所引资料中找不到依据）：")
    for c in unverified:
        print(f"  - {c.text}（{c.reason}）")
    if answer.notice:
        print(f"note: {answer.notice}", file=sys.stderr)


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.pipeline import ask, open_engine

    settings = _settings(args)
    if args.question is not None:
        if args.stream:
            return _ask_streaming(args.question, settings, args.json)
        answer = ask(args.question, settings)
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False))
        else:
            _print_answer(answer)
        return 0
    if not args.json:
        raise UserError(
            'give a question: rag ask "问题" (or use --json to read questions from stdin)'
        )
    engine = open_engine(settings)
    if isinstance(sys.stdin, io.TextIOWrapper):  # bytes that are not UTF-8 become U+FFFD
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            row = ask(line, settings, engine=engine).to_dict()
        except UserError as exc:
            row = {"question": line.strip()[:200], "error": str(exc)}
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 0


def _ask_streaming(question: str, settings: Settings, as_json: bool) -> int:
    """The answer as it is written, then its citations and checks (`--json`: one `{"delta"}`
    line per piece, then the answer object)."""
    from rag.pipeline import ask
    from rag.text.script import in_script, is_traditional

    streamed: list[str] = []

    def show(piece: str) -> None:
        streamed.append(piece)
        if as_json:
            print(json.dumps({"delta": piece}, ensure_ascii=False), flush=True)
        else:
            print(piece, end="", flush=True)

    answer = ask(question, settings, on_token=show)
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        return 0
    print()
    changed = "".join(streamed).strip() != answer.answer.strip()
    if changed:  # the checked answer: markers renumbered to quotes, unsupported text flagged
        print("\n" + in_script("核查后的回答：", is_traditional(question)))
    _print_answer(answer, text=changed)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from rag.pipeline import document

    doc = document(args.doc_id, _settings(args))
    if args.json:
        meta = {"doc_id": doc.doc_id, "sha": doc.sha, **doc.meta.__dict__, "text": doc.text}
        print(json.dumps(meta, ensure_ascii=False))
    else:
        sys.stdout.write(doc.text + "\n")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.app import serve

    settings = _settings(args)
    if args.port:
        settings = settings.model_copy(update={"ui_port": args.port})
    serve(settings)
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    from ui.api import run

    settings = _settings(args)
    run(settings, args.host or settings.api_host, args.port or settings.api_port)
    return 0


def _eval_arguments(p: argparse.ArgumentParser) -> None:
    from eval.run import add_arguments  # the runner lives with the question set, in eval/

    add_arguments(p)


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.run import run

    return run(args)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="rag", description="Cited answers from Chinese documents.")
    sub = top.add_subparsers(dest="command", required=True)
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data-dir", help="index directory (default: RAG_DATA_DIR or .data)")

    p = sub.add_parser("ingest", parents=[data], help="index .txt/.md files (default: seeds/)")
    p.add_argument("paths", nargs="*", help="files or directories")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", parents=[data], help="answer a question with cited quotes")
    p.add_argument("question", nargs="?", help="the question; omit with --json to read stdin")
    p.add_argument("--json", action="store_true", help="one JSON object per answer")
    p.add_argument(
        "--stream",
        action="store_true",
        help="print the answer as the model writes it; citations and checks at the end",
    )
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("show", parents=[data], help="print a document's display text")
    p.add_argument("doc_id")
    p.add_argument("--json", action="store_true", help="text with metadata as JSON")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "eval", help="score answers against a question file or an outside corpus (eval/)"
    )
    p.set_defaults(func=cmd_eval)
    _eval_arguments(p)

    p = sub.add_parser("serve", parents=[data], help="start the chat page")
    p.add_argument("--port", type=int, default=0, help="port (default: RAG_UI_PORT or 7860)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "api", parents=[data], help="serve the knowledge base as an OpenAI-compatible API (/v1)"
    )
    p.add_argument("--host", default="", help="address (default: RAG_API_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default: RAG_API_PORT or 8001)")
    p.set_defaults(func=cmd_api)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # last resort: one line, never a traceback
        if os.environ.get("RAG_DEBUG"):
            raise
        print(
            f"error: internal error ({type(exc).__name__}: {exc}); set RAG_DEBUG=1 for details",
            file=sys.stderr,
        )
    return 1


if __name__ == "__main__":
    sys.exit(main())
