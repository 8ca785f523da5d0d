"""The one cleaning every question gets, in the chat, on the command line and in answering."""

from __future__ import annotations

import unicodedata


def clean_question(question: str, limit: int) -> tuple[str, bool]:
    """Return the question NFC-normalised, without control characters, cut to limit characters, and whether
    it was cut."""
    # Cut generously first so cleaning an enormous question costs little.
    text = unicodedata.normalize("NFC", (question or "")[: limit * 4])
    # Category C: controls, format marks (RTL overrides, zero-width), lone surrogates, private use, unassigned.
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    cut = len(text) > limit or len(question or "") > limit * 4
    return text[:limit].rstrip(), cut
