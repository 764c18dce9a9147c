"""Retrieve: text -> vectors (`embed`, `hashing`; ingest embeds with them too), question ->
fused chunks from Chroma's vectors and BM25 over the question and its facets (`hybrid`)."""
