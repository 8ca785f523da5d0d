"""Normalisation shared by indexing, querying and scoring: one function for each, so both sides agree."""

from __future__ import annotations

import functools
import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
_TITLE_VERSION_NOTE = re.compile(r"[（(][^（）()]*(?:\d{4}|修正|修订|修改|原文)[^（）()]*[)）]\s*$")
# Lone surrogates (from surrogateescape'd argv bytes, broken JSON) cannot be encoded as UTF-8 for OpenCC.
_SURROGATES = re.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=1)
def _t2s_converter():  # type: ignore[no-untyped-def]
    import opencc  # dictionaries ship inside the wheel; nothing is fetched

    return opencc.OpenCC("t2s")


def drop_surrogates(text: str) -> str:
    """Return text without lone surrogates, the only code points UTF-8 cannot encode."""
    return _SURROGATES.sub("", text)


def to_simplified(text: str) -> str:
    """Return text with traditional characters converted to simplified (OpenCC t2s)."""
    return _t2s_converter().convert(drop_surrogates(text)) if text else text


def to_halfwidth(text: str) -> str:
    """Return text with full-width ASCII letters, digits and spaces folded to half-width."""
    out = []
    for ch in text:
        code = ord(ch)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def normalize_text(text: str) -> str:
    """Return the form every query and indexed text is compared in: simplified, half-width, one space."""
    text = unicodedata.normalize("NFC", text)
    text = to_halfwidth(to_simplified(text))
    return _WHITESPACE.sub(" ", text).strip()


def normalize_title(title: str) -> str:
    """Return a regulation title in the form the evaluation contract matches titles in.

    Traditional->simplified, full-width->half-width, whitespace and 《》 removed, 中华人民共和国
    dropped wherever it occurs, and a trailing bracketed version note (（2025修正）) dropped.
    """
    text = to_halfwidth(to_simplified(unicodedata.normalize("NFC", title)))
    text = _WHITESPACE.sub("", text)
    text = text.replace("《", "").replace("》", "").replace("〈", "").replace("〉", "")
    text = text.replace("中华人民共和国", "")
    while True:
        stripped = _TITLE_VERSION_NOTE.sub("", text)
        if stripped == text:
            return text
        text = stripped


def compact(text: str) -> str:
    """Return normalised text with all whitespace removed, for exact-substring comparisons."""
    return _WHITESPACE.sub("", normalize_text(text))
