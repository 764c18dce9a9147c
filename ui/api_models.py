"""The OpenAI chat-completions wire format, as typed pydantic models: what `ui.api` accepts and
returns, so FastAPI validates every request and documents every response (`/docs`).

Only the fields a chat client sends and reads are modelled; others in a request (temperature,
top_p, tools, ...) are accepted and ignored (`extra="ignore"`): the answer is made from the
documents, not sampled. The answer contract of `rag ask --json` travels beside the OpenAI
fields in `rag` (the response's and the last stream chunk's), so a client that knows it gets
the citations, claims, short answer and index id, and one that does not still shows `content`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class TextPart(BaseModel):
    """One part of a message's content in the list form (`[{"type": "text", "text": ...}]`)."""

    model_config = ConfigDict(extra="ignore")
    type: str
    text: str = ""


class Message(BaseModel):
    """A message of the conversation sent."""

    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        """The message's text (the text parts of a list joined)."""
        if isinstance(self.content, list):
            return "".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """`POST /v1/chat/completions`: the whole conversation; the last user message is asked."""

    model_config = ConfigDict(extra="ignore")
    model: str
    messages: list[Message] = Field(min_length=1)
    stream: bool = False


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatResponse(BaseModel):
    """A whole answer: `content` is the answer with `[n]` markers, then the numbered sources."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    rag: dict[str, Any]
    """The answer contract of `rag ask --json` (citations with offsets, claims, short, index)."""


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None


class ChatChunk(BaseModel):
    """One server-sent event of a streamed answer; the last one (finish_reason `stop`) carries
    `rag`, the answer contract."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    rag: dict[str, Any] | None = None


class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "rag"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """Every failure, in the shape the `openai` client reads (`error.message`)."""

    error: ErrorBody
