"""Chinese text, shared by the stages: the lexicon (the word lists the rules use, kept as data
files: `rag.text.lexicon`) and the pure text rules built on it."""
