"""Ingest: files -> documents (`readers`) -> display text and search keys (`clean`) -> chunks
(`chunk`) -> Chroma (`store`: the commit protocol; `nodes`, the chunk as a LlamaIndex node;
`prepare`, vectors and keys; `sync`, the corpus brought in line) and the lexical index
(`lexical`, kept by `lexicalfile`; `keyindex`), one writer at a time (`lock`); the knowledge base
as the page manages it (`library`)."""
