"""Cited-answer chatbot for Chinese documents.

The data's path, one module per stage: load -> clean -> chunk -> index -> retrieve -> answer ->
cite; `api` composes them (`ingest`, `ask`), `cli` and `ui/` call only `api`.
"""
