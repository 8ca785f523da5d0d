"""OpenAI-compatible /v1/chat/completions and /v1/models, so any OpenAI client can use the assistant as a model.

The reply's content is the answer with its [n] markers, then a list of the sources; the same sources come
structured in the extra top-level field `citations`. A streamed reply carries the checked answer only: when a
language model writes the answer, its text is checked (and its markers renumbered) before it is sent, since a
stream cannot take back a claim already shown.
"""

import re
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.api.errors import install_error_handlers
from assistant.api.payloads import answer_payload
from assistant.api.routes import caller_dependency
from assistant.api.schemas import MAX_QUESTION_CHARS, CitationOut
from assistant.api.security import Caller
from assistant.api.service import ApiService
from assistant.api.sse import SSE_HEADERS, sse_frame
from assistant.errors import AssistantError
from assistant.records import Answer

MODEL_ID = "fagui-assistant"
# Sentence ends (after any [n] markers) cut a streamed answer into chunks a client can show as they come.
_SENTENCE_END = re.compile(r"(?<=[。！？；\n])(?!\[)")


class TextPart(BaseModel):
    type: Literal["text"]
    text: str = Field(..., max_length=MAX_QUESTION_CHARS)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = Field(None, description="Text, or a list of text parts.")

    def text(self) -> str:
        """Return the message's text, parts joined."""
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class ChatRequest(BaseModel):
    # Sampling fields (temperature, top_p, max_tokens ...) are accepted and ignored: answers are quoted law.
    model_config = ConfigDict(extra="ignore")
    model: str = Field(MODEL_ID, description=f"Any name; the assistant answers as {MODEL_ID}.")
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=100)
    stream: bool = False


class ChatChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int
    message: ChatChoiceMessage
    finish_reason: str


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: dict[str, int] = Field(description="Characters, not tokens: the assistant runs no tokenizer.")
    citations: list[CitationOut] = Field(description="Extra field: the sources the [n] markers point to.")
    declined: bool = Field(description="Extra field: true when the corpus does not answer the question.")


def conversation(messages: list[ChatMessage]) -> tuple[str, list[str]]:
    """Return (question, earlier questions): the last user message and the user messages before it."""
    asked = [m.text().strip() for m in messages if m.role == "user" and m.text().strip()]
    if not asked or messages[-1].role != "user":
        raise AssistantError("messages 的最后一条必须是 role 为 user 的非空问题。")
    return asked[-1], asked[:-1]


def reply_text(answer: Answer) -> str:
    """Return the message content: answer text, notices, then one line per source."""
    lines = [answer.text.strip()]
    lines += [f"【提示】{notice}" for notice in answer.notices]
    if answer.citations:
        sources = [f"[{c.marker}] {c.label}（{c.version or c.version_id}）" for c in answer.citations]
        lines.append("出处：\n" + "\n".join(sources))
    return "\n\n".join(lines)


def _completion_chunk(ident: str, created: int, delta: dict[str, str], finish: str | None = None,
                      **extra: object) -> dict[str, object]:
    return {"id": ident, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


def _stream_chunks(service: ApiService, caller: Caller, question: str, history: list[str]) -> Iterator[str]:
    """Yield the SSE frames of a streamed completion in OpenAI's chunk format, ending with [DONE]."""
    ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    yield sse_frame(_completion_chunk(ident, created, {"role": "assistant", "content": ""}))
    try:
        answer = service.ask(caller, "openai", question, history)
    except AssistantError as err:
        yield sse_frame({"error": {"message": f"本次未能回答：{err}", "type": "server_error"}})
        return
    for piece in _SENTENCE_END.split(reply_text(answer)):
        if piece:
            yield sse_frame(_completion_chunk(ident, created, {"content": piece}))
    payload = answer_payload(answer, service.catalog)
    yield sse_frame(_completion_chunk(ident, created, {}, "stop", citations=payload["citations"],
                                      declined=answer.declined))
    yield sse_frame("[DONE]")


def build_openai_app(service: ApiService) -> FastAPI:
    """Return the /v1 application: chat completions (whole or streamed) and the model list."""
    app = FastAPI(title="OpenAI-compatible endpoint", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)
    router = APIRouter()
    Who = Annotated[Caller, Depends(caller_dependency(service))]

    @router.get("/models")
    def models(_caller: Who) -> dict[str, object]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0,
                                            "owned_by": "assistant"}]}

    @router.post("/chat/completions", response_model=None)
    def chat_completions(body: ChatRequest, caller: Who) -> ChatCompletion | StreamingResponse:
        question, history = conversation(body.messages)
        if body.stream:
            return StreamingResponse(_stream_chunks(service, caller, question, history),
                                     media_type="text/event-stream", headers=SSE_HEADERS)
        answer = service.ask(caller, "openai", question, history)
        content = reply_text(answer)
        prompt_chars = len(question) + sum(len(h) for h in history)
        return ChatCompletion(
            id=f"chatcmpl-{uuid.uuid4().hex}", created=int(time.time()), model=MODEL_ID,
            choices=[ChatChoice(index=0, message=ChatChoiceMessage(content=content), finish_reason="stop")],
            usage={"prompt_tokens": prompt_chars, "completion_tokens": len(content),
                   "total_tokens": prompt_chars + len(content)},
            citations=answer_payload(answer, service.catalog)["citations"],  # type: ignore[arg-type]
            declined=answer.declined,
        )

    app.include_router(router)
    return app
