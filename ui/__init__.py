"""The chat page (Gradio). It calls only the public API in `rag.pipeline`; see `ui.app`."""
