"""The one cleaning every question gets, in the chat, on the command line and in answering."""

from __future__ import annotations

import unicodedata

# Words asking for a length of time or a time limit (「多久做一次」「有效期多长」「几个工作日内」). The learned
# order reads them with 时间要求 (the feature it was fitted on), the premise check with 频次, 频率, 几次 (how often).
TIME_ASKED_WORDS = ("多久|多长时间|几天|几日|多少天|多少日|几个工作日|几个月|多少个月|几年|多少年|几小时|多少小时|"
                    "期限|时限|有效期")


def clean_question(question: str, limit: int) -> tuple[str, bool]:
    """Return the question NFC-normalised, without control characters, cut to limit characters, and whether
    it was cut."""
    # Cut generously first so cleaning an enormous question costs little.
    text = unicodedata.normalize("NFC", (question or "")[: limit * 4])
    # Category C: controls, format marks (RTL overrides, zero-width), lone surrogates, private use, unassigned.
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    cut = len(text) > limit or len(question or "") > limit * 4
    return text[:limit].rstrip(), cut
