"""The chat logic behind the web page: a plain respond() generator and how answer text is shown."""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assistant.errors import AssistantError
from assistant.language.question import clean_question
from assistant.language.textnorm import drop_surrogates, to_simplified
from assistant.protocols import AssistantLike
from assistant.records import Answer, SearchFilters

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 6
# A marker as written ([n]) or as escape_markdown leaves it (\[n\]).
_MARKER = re.compile(r"\\?\[(\d{1,2})\\?\]")
# ASCII punctuation that starts a link, image, reference, autolink or raw HTML in the chat's Markdown
# (GFM included: ':', '@' and the dot of "www." build bare URL, e-mail and www autolinks). Emphasis,
# headings and list markers are left alone: the composer lays answers out with "- " and "1. ".
_MARKDOWN_ACTIVE = re.compile(r"([\\`\[\]()!:@]|(?<=[wW]{3})\.)")


@dataclass(frozen=True)
class ChatTurn:
    """One step of a reply: the Markdown to show so far and, on the last step, the Answer."""

    text: str
    answer: Answer | None = None
    failed: bool = False


@functools.lru_cache(maxsize=1)
def _s2t_converter():  # type: ignore[no-untyped-def]
    import opencc  # dictionaries ship inside the wheel

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Return text converted to traditional characters (OpenCC s2t)."""
    return _s2t_converter().convert(drop_surrogates(text)) if text else text


def is_traditional(text: str) -> bool:
    """Return True when text is written in traditional characters (enough of its 汉字 change under t2s)."""
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not han:
        return False
    simplified = to_simplified("".join(han))
    changed = sum(1 for a, b in zip(han, simplified, strict=False) if a != b)
    # One odd variant character in a simplified question is not enough to switch script.
    return changed >= 2 or changed / len(han) >= 0.2


def link_markers(escaped: str) -> str:
    """Return escaped answer text with each [n] turned into a link to source n in the sources panel."""
    return _MARKER.sub(r'<a class="cite-marker" href="#src-\1" data-marker="\1">[\1]</a>', escaped)


def escape_markdown(text: str) -> str:
    """Return text that the chat's Markdown renderer shows as written: no image, link, autolink or HTML."""
    return _MARKDOWN_ACTIVE.sub(r"\\\1", html.escape(text, quote=False))


def display_text(text: str, *, traditional: bool, notices: Sequence[str] = ()) -> str:
    """Return the Markdown shown for an answer: converted script, Markdown escaped, markers linked, notices."""
    if traditional:
        text = to_traditional(text)
        notices = [to_traditional(n) for n in notices]
    shown = link_markers(escape_markdown(text))
    for notice in notices:
        shown += f"\n\n> 【提示】{escape_markdown(notice)}"
    return shown


def escape_question(question: str) -> str:
    """Return a question as it is shown in the chat: escaped, so markup in it stays text."""
    return escape_markdown(question)


def respond(
    assistant: AssistantLike,
    question: str,
    history: Sequence[str] = (),
    filters: SearchFilters | None = None,
) -> Iterator[ChatTurn]:
    """Yield the reply to question as it streams, ending with a turn that carries the final Answer.

    history holds the earlier questions of this conversation, oldest first.
    """
    question = clean_question(question, MAX_QUESTION_CHARS)[0]
    if not question:
        return
    traditional = is_traditional(question)
    streamed = ""
    try:
        for item in assistant.stream(question, tuple(history[-MAX_HISTORY_TURNS:]), filters):
            if isinstance(item, Answer):
                yield ChatTurn(display_text(item.text, traditional=traditional, notices=item.notices), item)
                return
            streamed += item
            yield ChatTurn(display_text(streamed, traditional=traditional))
    except AssistantError as err:
        logger.exception("answering failed question=%r", question)
        yield ChatTurn(f"抱歉，本次未能回答：{escape_markdown(str(err))}", failed=True)
        return
    except Exception:  # noqa: BLE001 - the chat must survive any failure and say so in Chinese
        logger.exception("unexpected failure answering question=%r", question)
        yield ChatTurn("抱歉，系统处理问题时出现内部错误，请稍后重试或联系维护人员。", failed=True)
        return
    logger.error("assistant stream ended without an Answer question=%r", question)
    yield ChatTurn("抱歉，回答未能完成，请重试。", failed=True)
