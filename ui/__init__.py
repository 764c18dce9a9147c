"""The chat page (Gradio). It calls only the public API in `rag.api`; see `ui.app`."""
