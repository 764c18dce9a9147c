"""Answer: what a question asks (`question`), how well a sentence answers it (`evidence`), the
offline answerer (`extractive`) and the short span it shows first (`short`), the LLM path
(`llm`, `prompt`, `generate`) with its claim checker (`claims`), the citation contract
(`cite`), and the guard against text written to an AI (`guard`)."""
