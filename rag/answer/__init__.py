"""Answer: how well a sentence answers a question (`evidence`), the retrieved chunks reordered
by it (`rerank`), the offline answerer (`extractive`) and the short span it shows first
(`short`), the LLM path (`llm`, `prompt`, `generate`) with its claim checker (`claims`), and
the citation contract (`cite`)."""
