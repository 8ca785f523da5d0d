"""The matching rules of ../shared/docs/eval-format.md: titles, article numbers, versions and key points."""

from __future__ import annotations

import functools
import re
from typing import Protocol

from assistant.language.numerals import ARTICLE_LABEL_PATTERN, parse_article_label
from assistant.language.textnorm import compact, normalize_title

_SPACES = re.compile(r"\s+")


class Ref(Protocol):
    """Anything naming an article of a document version (gold, citation, retrieved entry)."""

    @property
    def document(self) -> str: ...
    @property
    def article(self) -> str: ...
    @property
    def version(self) -> str | None: ...


@functools.lru_cache(maxsize=65536)
def title_key(title: str) -> str:
    """Return the form two titles are compared in (normalize_title: t2s, 《》, 中华人民共和国, version notes)."""
    return normalize_title(title)


@functools.lru_cache(maxsize=65536)
def article_key(label: str) -> tuple[int, int] | str:
    """Return (number, suffix) for an article label in Chinese or Arabic numerals; other labels compacted.

    第21条 and 第二十一条 give (21, 0); 第二百五十三条之一 gives (253, 1), a different article from 253.
    Clause numbers of standards (8.1.4.2) and paragraph labels are compared as normalised text.
    """
    text = _SPACES.sub("", label.replace("\u3000", ""))
    if ARTICLE_LABEL_PATTERN.fullmatch(text):
        return parse_article_label(text)
    return compact(text)


def version_matches(wanted: str | None, actual: str | None) -> bool:
    """Return True when a reference's version satisfies the gold's: no gold version accepts any.

    A gold year (2016) matches any date in that year; a gold date must match the date exactly.
    """
    if not wanted:
        return True
    if not actual:
        return False
    wanted, actual = wanted.strip(), actual.strip()
    if len(wanted) == 4:
        return actual[:4] == wanted
    return actual[: len(wanted)] == wanted


def same_article(document_a: str, article_a: str, document_b: str, article_b: str) -> bool:
    """Return True when two (title, label) pairs name the same article, ignoring versions."""
    return article_key(article_a) == article_key(article_b) and title_key(document_a) == title_key(document_b)


def ref_matches_gold(gold: Ref, ref: Ref) -> bool:
    """Return True when a cited or retrieved reference is the gold article (in the gold's version, if given)."""
    return same_article(gold.document, gold.article, ref.document, ref.article) and version_matches(
        gold.version, ref.version
    )


def key_point_present(point: str, answer: str) -> bool:
    """Return True when the key point appears in the answer after normalisation (t2s, half-width, no spaces)."""
    needle = compact(point)
    return bool(needle) and needle in compact(answer)
