"""Model mode: LangChain ChatOpenAI against any OpenAI-compatible endpoint, prompts from package data."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import TYPE_CHECKING

from assistant.errors import ModelError, ModelStoppedError
from assistant.records import Citation
from assistant.settings import LlmSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

logger = logging.getLogger(__name__)

SOURCE_MAX_CHARS = 400  # per source in the prompt: small local models have 2k-token windows
HISTORY_TURNS = 3  # earlier user turns shown to the model
# Matched by name: openai's transport is httpx2 (not httpx), under it httpcore(2) and h11, and each has its own
# classes with these same names.
DROPPED_NAMES = frozenset({"RemoteProtocolError", "ReadError"})
TIMEOUT_NAMES = frozenset({"TimeoutException", "APITimeoutError"})


@functools.lru_cache(maxsize=8)
def load_prompt(name: str) -> str:
    """Return the prompt template assistant/answering/prompts/<name>.txt."""
    return resources.files("assistant.answering.prompts").joinpath(f"{name}.txt").read_text(encoding="utf-8")


def build_openai_chat_model(llm: LlmSettings) -> BaseChatModel:
    """Return a streaming ChatOpenAI for the endpoint in settings (nothing is contacted until first use)."""
    from langchain_openai import ChatOpenAI  # heavy; only model mode needs it

    # max_retries=0: a dead endpoint must fall back to the composed answer at once, not after retries.
    return ChatOpenAI(
        base_url=llm.base_url,
        model=llm.model,
        api_key=llm.api_key,
        timeout=llm.timeout_s,
        temperature=llm.temperature,
        max_tokens=llm.max_tokens,
        streaming=True,
        max_retries=0,
    )


def format_sources(citations: Sequence[Citation]) -> str:
    """Return the numbered sources block of the prompt: header line and quoted text per source."""
    template = load_prompt("source")
    blocks = []
    for citation in citations:
        text = citation.quote
        if len(text) > SOURCE_MAX_CHARS:
            text = text[:SOURCE_MAX_CHARS] + "……"
        blocks.append(
            template.format(
                marker=citation.marker,
                document=citation.document,
                article=citation.article,
                version=citation.version or "未注明",
                effective=citation.effective_date or "未注明",
                status=citation.status,
                text=text,
            ).strip()
        )
    return "\n\n".join(blocks)


def build_messages(question: str, history: Sequence[str], citations: Sequence[Citation]) -> list[BaseMessage]:
    """Return the system and user messages handing the model the numbered sources only."""
    from langchain_core.messages import HumanMessage, SystemMessage

    earlier = "".join(f"此前的问题：{turn}\n" for turn in list(history)[-HISTORY_TURNS:])
    user = load_prompt("user").format(sources=format_sources(citations), history=earlier, question=question)
    return [SystemMessage(content=load_prompt("system").strip()), HumanMessage(content=user.strip())]


def stream_reply(chat_model: BaseChatModel, messages: Sequence[BaseMessage], timeout_s: float) -> Iterator[str]:
    """Yield the model's text deltas; raise ModelError on endpoint failure or when timeout_s passes."""
    import httpx
    import openai

    deadline = time.monotonic() + timeout_s
    try:
        for chunk in chat_model.stream(list(messages)):
            if time.monotonic() > deadline:
                raise ModelError(f"the model did not finish within {timeout_s:.0f} s (setting llm.timeout_s)")
            content = chunk.content
            if isinstance(content, str) and content:
                yield content
    # The endpoint is outside our control: every transport or API failure becomes one ModelError.
    except (openai.OpenAIError, httpx.HTTPError, OSError, TimeoutError, ValueError) as err:
        logger.warning("model call failed kind=%s detail=%s", type(err).__name__, err)
        if connection_dropped(err):
            raise ModelStoppedError(
                f"the model server stopped responding mid-answer ({type(err).__name__}: {err}); "
                "check that the server at llm.base_url is still running and read its log"
            ) from err
        raise ModelError(f"the model endpoint failed ({type(err).__name__}); check llm.base_url") from err


def connection_dropped(err: BaseException) -> bool:
    """Return True when err (or what caused it) is the server closing the connection after the request was sent.

    A crashed or killed server shows up as "Server disconnected without sending a response" before the first
    token, or as an incomplete chunked body / connection reset mid-stream; openai and LangChain wrap both in a
    bare "Connection error.". A refused connection (nothing listening) or a timeout is not a drop.
    """
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TimeoutError) or _named(current, TIMEOUT_NAMES):
            return False
        if isinstance(current, ConnectionResetError | BrokenPipeError) or _named(current, DROPPED_NAMES):
            return True
        current = current.__cause__ or current.__context__
    return False


def _named(err: BaseException, names: frozenset[str]) -> bool:
    """Return True when err's class or one of its bases has one of the names."""
    return any(cls.__name__ in names for cls in type(err).__mro__)


def rewrite_followup(
    chat_model: BaseChatModel, question: str, history: Sequence[str], *, timeout_s: float
) -> str | None:
    """Return the follow-up question rewritten to stand alone, or None when the model gives nothing usable."""
    from langchain_core.messages import HumanMessage

    earlier = "\n".join(f"- {turn}" for turn in list(history)[-HISTORY_TURNS:])
    prompt = load_prompt("rewrite").format(history=earlier, question=question)
    text = "".join(stream_reply(chat_model, [HumanMessage(content=prompt.strip())], timeout_s)).strip()
    # Small models ramble; a rewrite longer than a question, or spanning lines, is not one.
    first_line = text.splitlines()[0].strip() if text else ""
    return first_line if 2 <= len(first_line) <= 4 * len(question) + 80 else None
