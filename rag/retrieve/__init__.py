"""Retrieve: text -> vectors (`embed`, `hashing`), question -> fused chunks from Chroma's
vectors and BM25 (`hybrid`), reordered by how well their sentences answer (`rerank`)."""
