"""Nodes: a chunk as the LlamaIndex node written to Chroma and read back (`chunk_node`,
`chunk_from_node`): its offsets, section, sentence spans and, with a semantic embedder, its
sentences' vectors packed into its metadata (float16, base64: 1 KB a sentence at 384
dimensions). The lexical index builds the same node for a BM25 hit (`rag.ingest.lexical`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from rag.types import Chunk, Sentence, SourceDoc

if TYPE_CHECKING:
    pass

SENTENCE_VECTORS = "sentence_vectors"


def node_of(doc: SourceDoc, chunk: Chunk, vector: Any, packed: str = "") -> TextNode:
    """`vector`: a list of floats or a float32 row (from the helper process)."""
    return chunk_node(
        chunk.chunk_id,
        doc,
        chunk.start,
        chunk.end,
        chunk.section,
        spans_of(chunk),
        chunk.tokens,
        packed,
        vector if isinstance(vector, list) else vector.tolist(),
    )


def spans_of(chunk: Chunk) -> str:
    """A chunk's sentence spans as stored (`a:b,c:d`)."""
    return ",".join(f"{s.start}:{s.end}" for s in chunk.sentences)


def chunk_node(
    chunk_id: str,
    doc: SourceDoc,
    start: int,
    end: int,
    section: str,
    sentences: str,
    tokens: int,
    packed: str = "",
    vector: list[float] | None = None,
) -> TextNode:
    """A chunk as the node written to Chroma (with its `vector`) and as Chroma's search
    returns it; the lexical index builds the same node for a BM25 hit (`rag.ingest.lexical`)."""
    metadata: dict[str, Any] = {
        "start": start,
        "end": end,
        "section": section,
        "sentences": sentences,
        "doc_sha": doc.sha,
        "tokens": tokens,
    }
    if packed:
        metadata[SENTENCE_VECTORS] = packed
    return TextNode(
        id_=chunk_id,
        text=doc.text[start:end],
        embedding=vector,
        metadata=metadata,
        excluded_embed_metadata_keys=list(metadata),
        excluded_llm_metadata_keys=list(metadata),
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc.doc_id)},
    )


def chunk_from_node(node_id: str, text: str, metadata: dict[str, Any], doc_id: str) -> Chunk:
    """Rebuild a `Chunk` from what Chroma stored."""
    section = str(metadata.get("section", ""))
    sentences = tuple(
        Sentence(int(a), int(b), section)
        for a, b in (s.split(":") for s in str(metadata.get("sentences", "")).split(",") if s)
    )
    return Chunk(
        chunk_id=node_id,
        doc_id=doc_id,
        start=int(metadata["start"]),
        end=int(metadata["end"]),
        text=text,
        section=section,
        sentences=sentences,
        tokens=int(metadata.get("tokens", 0)),
        vectors=unpack_vectors(str(metadata.get(SENTENCE_VECTORS, "")), len(sentences)),
    )


def pack_vectors(rows: Any) -> str:
    """Sentence vectors (rows of floats) as stored in a chunk's metadata: float16, base64."""
    import base64

    import numpy as np

    return base64.b64encode(np.asarray(rows, dtype=np.float16).tobytes()).decode("ascii")


def unpack_vectors(packed: str, rows: int) -> Any:
    """`pack_vectors` undone: a float32 matrix of `rows` vectors, or None when none (or a
    malformed value) is stored."""
    import base64

    import numpy as np

    if not packed or rows <= 0:
        return None
    flat = np.frombuffer(base64.b64decode(packed), dtype=np.float16)
    if flat.size == 0 or flat.size % rows:
        return None
    return flat.reshape(rows, -1).astype(np.float32)
