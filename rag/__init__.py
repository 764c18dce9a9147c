"""Cited-answer chatbot for Chinese documents.

The folder is the data's path:
- `text/`: the Chinese text rules the stages share (script, sentences, dates, names, places,
  figures, the injection guard) and their word lists (`lexicon/`).
- `ingest/`: files -> documents (`readers`) -> display text and search keys (`clean`) -> chunks
  with sentence offsets (`chunk`) -> Chroma under a commit protocol (`store`, `sync`) and the
  lexical index (`lexical`, `lexicalfile`, `keyindex`); one writer at a time (`lock`); the
  page's knowledge base (`library`).
- `question/`: what a question asks (`words`, `analysis`), a follow-up made whole and
  instructions taken out (`rewrite`), the question checked (`validate`).
- `retrieve/`: vectors (`embed`, `hashing`), hybrid search fused by rank (`hybrid`).
- `answer/`: the documents as read (`documents`, `corpus`), sentence evidence (`evidence`,
  `kinds`, `context`), the chunks reordered by it (`rerank`), the offline answerer
  (`candidates`, `spans`, `extractive`, `short`), the LLM path (`llm`, `prompt`, `generate`)
  and its claim checker (`claims`), all behind one interface (`synthesizer`); the citation
  contract, where quotes get their offsets (`cite`).
- `testing/`: the fakes that ship with the package (a loopback OpenAI-API server).
- here: the composition (`pipeline`), the endpoints' clients and their one retry policy
  (`clients`), a callback turned into a stream (`streaming`), `settings`, `errors`, `types`.

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
