"""Normalisation shared by indexing, querying and scoring: one function for each, so both sides agree."""

from __future__ import annotations

import functools
import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
_TITLE_VERSION_NOTE = re.compile(r"[（(][^（）()]*(?:\d{4}|修正|修订|修改|原文)[^（）()]*[)）]\s*$")
_AMENDMENT = "修正案"  # an amendment instrument: its bracketed year names it rather than a version
# Lone surrogates (from surrogateescape'd argv bytes, broken JSON) cannot be encoded as UTF-8 for OpenCC.
_SURROGATES = re.compile("[\ud800-\udfff]")
# What carries no content in normalised lower-case text: anything but CJK characters, ASCII letters and digits.
NOT_CONTENT = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
CONTENT_CHARACTER = re.compile(r"[0-9a-z\u3400-\u9fff]")  # one of those, in normalised lower-case text
# A title written in book-title marks: 《个人信息保护法》 (group 1 is the title).
QUOTED_TITLE = re.compile(r"《([^《》]{2,40})》")
# Characters that carry a sentence's form (particles, pronouns, auxiliaries), not its subject: a bigram or a
# word made of one of them and a single other character (要存, 内要) names nothing a statute could hold.
FORM_CHARACTERS = frozenset("的了吗呢么吧啊呀是在有和与及或我你他她它们这那哪什怎样如何要会能可以还就都也把被给让对")


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


# Full-width ASCII letters and digits and the ideographic space, folded by one str.translate: normalisation
# runs on every article a question's candidates bring (thousands of calls per question set).
_HALFWIDTH = {0x3000: " "} | {
    code: chr(code - 0xFEE0)
    for first, last in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for code in range(first, last + 1)
}


def to_halfwidth(text: str) -> str:
    """Return text with full-width ASCII letters, digits and spaces folded to half-width."""
    return text.translate(_HALFWIDTH)


@functools.lru_cache(maxsize=4096)
def normalize_text(text: str) -> str:
    """Return the form every query and indexed text is compared in: simplified, half-width, one space."""
    text = unicodedata.normalize("NFC", text)
    text = to_halfwidth(to_simplified(text))
    return _WHITESPACE.sub(" ", text).strip()


@functools.lru_cache(maxsize=4096)
def normalize_title(title: str) -> str:
    """Return a regulation title in the form the evaluation contract matches titles in.

    Traditional->simplified, full-width->half-width, whitespace and 《》 removed, 中华人民共和国
    dropped wherever it occurs, and a trailing bracketed version note (（2025修正）) dropped.
    """
    return _strip_version_notes(_bare_title(title), keep_amendment_year=False)


def document_title_key(title: str) -> str:
    """Return the key that decides which document a title belongs to (versions of one document share it).

    It is normalize_title, except that an amendment instrument keeps the bracketed year that names it:
    宪法修正案（1988年） and 宪法修正案（2018年） are two instruments, not two versions of one (a date after
    that year is still dropped). Scoring keeps normalize_title, as the evaluation contract says.
    """
    return _strip_version_notes(_bare_title(title), keep_amendment_year=True)


def _bare_title(title: str) -> str:
    """Return title simplified, half-width, without whitespace, book-title marks or 中华人民共和国."""
    text = to_halfwidth(to_simplified(unicodedata.normalize("NFC", title)))
    text = _WHITESPACE.sub("", text)
    text = text.replace("《", "").replace("》", "").replace("〈", "").replace("〉", "")
    return text.replace("中华人民共和国", "")


def _strip_version_notes(text: str, *, keep_amendment_year: bool) -> str:
    """Drop trailing bracketed version notes one at a time (a title can carry two: （2018年）(2018-03-11))."""
    while True:
        stripped = _TITLE_VERSION_NOTE.sub("", text)
        if stripped == text or (keep_amendment_year and stripped.endswith(_AMENDMENT)):
            return text
        text = stripped


def compact(text: str) -> str:
    """Return normalised text with all whitespace removed, for exact-substring comparisons."""
    return _WHITESPACE.sub("", normalize_text(text))


def has_content(text: str) -> bool:
    """Return True when a text holds a Chinese character, a letter or a digit (「？？？」 holds none)."""
    return bool(CONTENT_CHARACTER.search(normalize_text(text).lower()))
