"""Answer: the offline answerer (`extractive`) and the short span it shows first (`short`).

Step 9 moves the rest of the answer stage here (question analysis, evidence, the LLM
synthesizer, claims, citations); until then the package exports what other stages use.
"""

from rag.answer.extractive import (
    Extracted,
    ExtractiveSynthesizer,
    NodeSynthesizer,
    continue_list,
    extract,
    extract_answer,
    read_question,
)

__all__ = [
    "Extracted",
    "ExtractiveSynthesizer",
    "NodeSynthesizer",
    "continue_list",
    "extract",
    "extract_answer",
    "read_question",
]
