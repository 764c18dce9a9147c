"""Ingest: files -> documents (`readers`) -> display text and search keys (`clean`) -> chunks
(`chunk`) -> Chroma (`store`: the commit protocol, `sync`) and the lexical index (`lexical`,
`keyindex`), one writer at a time (`lock`); the knowledge base as the page manages it
(`library`)."""
