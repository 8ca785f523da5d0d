"""A deterministic stand-in chat model (llm.backend = "fake"): the model path of answering, offline, with no weights.

It answers the prompt answering.llm builds by quoting the first sentence of each numbered source with its
marker ([1] ...), and a follow-up rewrite prompt by repeating the question. It streams word-sized chunks
through LangChain's own machinery, as ChatOpenAI does, so stream_reply and the citation check run unchanged.
Used by the offline demo setting and by the chat-model contract tests; it is not a language model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

MAX_QUOTES = 3
_SOURCE = re.compile(r"^\[(\d+)\] 《[^》]*》[^\n]*\n(?P<text>[^\n]+)", re.MULTILINE)
_FIRST_SENTENCE = re.compile(r"^.+?[。；;！？](?=.|$)")
_REWRITE_QUESTION = re.compile(r"^最后一个问题：(.+)$", re.MULTILINE)
_CHUNK = re.compile(r".{1,8}", re.DOTALL)


def fake_reply(prompt: str) -> str:
    """Return the reply to a prompt: a quote per source with its marker, or the question of a rewrite prompt."""
    quotes = []
    for match in list(_SOURCE.finditer(prompt))[:MAX_QUOTES]:
        text = match.group("text").strip().removesuffix("……")
        sentence = _FIRST_SENTENCE.match(text)
        quotes.append(f"{(sentence.group(0) if sentence else text).rstrip('。；;')}[{match.group(1)}]。")
    if quotes:
        return "依据所给条文：" + "".join(quotes)
    rewrite = _REWRITE_QUESTION.search(prompt)
    return rewrite.group(1).strip() if rewrite else "未提供法规条文，无法回答。"


class FakeChatModel(BaseChatModel):
    """LangChain chat model whose reply is fake_reply of the last message."""

    @property
    def _llm_type(self) -> str:
        return "assistant-fake"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=_reply_to(messages)))])

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for piece in _CHUNK.findall(_reply_to(messages)):
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))


def _reply_to(messages: list[BaseMessage]) -> str:
    content = messages[-1].content if messages else ""
    return fake_reply(content if isinstance(content, str) else str(content))
