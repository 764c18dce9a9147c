"""Deterministic fakes that ship with the package, for tests and offline evaluation (as
pydantic-ai's `TestModel`): a real HTTP server speaking the OpenAI API on loopback, scripted
per test (`openai_server`; its types and scripts in `openai_script`, its bodies in
`openai_bodies`, its handler in `openai_http`), and the quoting model it serves by default
(`quoting_model`)."""
