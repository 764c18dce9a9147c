"""Cited-answer chatbot for Chinese documents.

The folder is the data's path:
- `ingest/`: files -> documents (`readers`) -> display text and search keys (`clean`) -> chunks
  with sentence offsets (`chunk`) -> Chroma under a commit protocol (`store`) and the lexical
  index (`lexical`, `keyindex`); one writer at a time (`lock`); the page's knowledge base
  (`library`).
- `question/`: what a question asks (`analysis`).
- `retrieve/`: vectors (`embed`, `hashing`), hybrid search fused by rank (`hybrid`).
- `answer/`: sentence evidence (`evidence`), the chunks reordered by it (`rerank`), the offline
  answerer (`extractive`, `short`), the LLM path (`llm`, `prompt`, `generate`) and its claim
  checker (`claims`), the citation contract where quotes get their offsets (`cite`).
- `text/`: the Chinese text rules the stages share (script, sentences, dates, names, places,
  figures, the injection guard) and their word lists (`lexicon/`).
- `testing/`: the fakes that ship with the package (a loopback OpenAI-API server).

`pipeline` composes the stages (`ingest`, `ask`, `open_engine`, ...); `cli` and `ui/` call only
it. Its public functions are also reached as `rag.ask` and so on, loaded on first use: importing
`rag` or one of its stages loads nothing else (ingest's helper process imports the text layer
alone).
"""

from typing import Any

_PIPELINE = {
    "add_files",
    "ask",
    "ask_stream",
    "delete_document",
    "document",
    "document_text",
    "documents_table",
    "ingest",
    "list_documents",
    "open_engine",
}


def __getattr__(name: str) -> Any:
    if name in _PIPELINE:
        from rag import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
