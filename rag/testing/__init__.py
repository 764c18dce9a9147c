"""Deterministic fakes that ship with the package, for tests and offline evaluation (as
pydantic-ai's `TestModel`): a real HTTP server speaking the OpenAI API on loopback, scripted
per test (`openai_server`), and the quoting model it serves by default (`quoting_model`)."""
