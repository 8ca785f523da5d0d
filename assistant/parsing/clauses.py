"""Clause-numbered standards (GB/T 22239—2019: 「8.1.4.2 访问控制」) -> Articles of kind "clause"."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from assistant.parsing.header import status_for
from assistant.records import Article, DocumentMeta, SourceText

STANDARD_CODE = re.compile(r"\b(?:GB|GB/T|GB/Z|GA|GA/T|YD/T|JR/T|GM/T)[ \t\u3000]*\d+(?:\.\d+)?[ \t]*[—–-]+[ \t]*\d{4}")
# A clause heading: a dotted number, a space, and a short title that is not a sentence.
_CLAUSE = re.compile(r"^((?:[A-Z]|\d{1,2})(?:\.\d{1,3}){0,5})[ \t\u3000]+([^\s。；，,;:：].{0,39})$")
_SENTENCE_END = re.compile(r"[。；;，,]")
# List items of a clause (a) …, 1) …, （1）…) stay inside the paragraph that introduces them.
_ITEM = re.compile(r"^(?:[a-z][)）]|\d+[)）]|[（(]\d+[)）]|[—–-]\s)")


class _LineLike(Protocol):
    offset: int
    text: str


def clause_heading(text: str) -> tuple[str, str] | None:
    """Return (number, title) when a line is a clause heading such as 「8.1.4.2 访问控制」."""
    match = _CLAUSE.match(text)
    if not match or _SENTENCE_END.search(match.group(2)):
        return None
    number, title = match.group(1), match.group(2).strip()
    if number.isalpha() or not re.search(r"[\u4e00-\u9fffA-Za-z]", title):
        return None
    return number, title


def looks_like_standard(body: Sequence[_LineLike]) -> bool:
    """Return True when enough lines are dotted clause headings for the text to be a standard."""
    dotted = sum(1 for line in body if "." in (clause_heading(line.text) or ("", ""))[0])
    return dotted >= 3


def parse_clauses(body: Sequence[_LineLike], source: SourceText) -> tuple[list[Article], list[str]]:
    """Return the clauses that carry text as Articles, with their parent clauses as headings.

    A clause with no text of its own (「8.1.4 安全计算环境」 followed directly by 8.1.4.1) becomes a heading of
    the clauses under it; text before the first clause is left out (cover, foreword).
    """
    articles: list[Article] = []
    stack: list[tuple[str, str]] = []  # (number, "number title") of open clauses
    current: tuple[str, str, int, tuple[str, ...]] | None = None
    paragraphs: list[str] = []

    def flush() -> None:
        if current is not None and paragraphs:
            number, title, offset, headings = current
            articles.append(
                Article(
                    label=number,
                    number=len(articles) + 1,
                    kind="clause",
                    headings=headings,
                    paragraphs=tuple(paragraphs),
                    page=source.page_at(offset),
                    clause_title=title,
                )
            )

    for line in body:
        heading = clause_heading(line.text)
        if heading is not None:
            flush()
            number, title = heading
            # Parents are the open clauses whose number prefixes this one: 5.1 for 5.1.1, never a sibling 1.
            stack = [entry for entry in stack if number.startswith(entry[0] + ".")]
            current = (number, title, line.offset, tuple(text for _, text in stack))
            stack.append((number, f"{number} {title}"))
            paragraphs = []
        elif current is not None:
            if paragraphs and _ITEM.match(line.text):
                paragraphs[-1] += "\n" + line.text
            else:
                paragraphs.append(line.text)
    flush()
    warnings = [] if articles else ["未找到带正文的条款（no clause with text found）"]
    return articles, warnings


def standard_meta(meta: DocumentMeta, head: str, today: dt.date | None) -> DocumentMeta:
    """Return meta completed for a clause-numbered standard: code, 国家标准, version = year, dates, issuers."""
    code_match = STANDARD_CODE.search(head)
    code = re.sub(r"\s*[—–-]+\s*", "—", code_match.group(0)) if code_match else None
    published = re.search(r"(\d{4}-\d{2}-\d{2})\s*发布", head)
    effective = re.search(r"(\d{4}-\d{2}-\d{2})\s*实施", head)
    effective_date = effective.group(1) if effective else meta.effective_date
    # The cover's last line names the issuers: 「国家市场监督管理总局　中国国家标准化管理委员会　发布」.
    issuers = re.search(r"^([\u4e00-\u9fff][\u4e00-\u9fff\s]{3,80}?)\s*发布\s*$", head, re.MULTILINE)
    return replace(
        meta,
        standard_code=code,
        doc_type="国家标准" if code and code.startswith("GB") else meta.doc_type,
        version=code.rsplit("—", 1)[-1] if code else meta.version,
        promulgation_date=published.group(1) if published else meta.promulgation_date,
        effective_date=effective_date,
        status=status_for(effective_date, today),
        issuing_body="、".join(issuers.group(1).split()) if issuers else meta.issuing_body,
    )
