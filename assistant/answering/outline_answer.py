"""Answers to questions about a regulation's structure (「个人信息保护法有几章」「网安法第四章讲什么」).

Retrieval hands over the articles that carry the structure (retrieval/outline.py): for the whole text, the first
and last article of every division; for one chapter, its articles. The answer counts the chapters and the
articles, gives each division's range of articles, and cites the first article of each chapter, under whose
heading a reader opening it sees it stands; one chapter is answered by its articles' opening sentences.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from assistant.answering.citations import build_citation
from assistant.answering.composer import Composition
from assistant.answering.quoting import SENTENCE, shorten
from assistant.answering.version_answer import text_name
from assistant.language.numerals import int_to_chinese
from assistant.records import Citation, RetrievalResult, StoredArticle
from assistant.retrieval.outline import CHAPTER_NUMBER, VIA_CHAPTER, VIA_OUTLINE, chapter_heading

_DIVISION = re.compile(r"^(第\S+?[编章节])\s*(.*)$")
_SPACES = re.compile(r"\s+")


def is_outline(retrieval: RetrievalResult) -> bool:
    """Return True when retrieval answered the question with a regulation's structure."""
    return bool(retrieval.hits) and all(h.via in (VIA_OUTLINE, VIA_CHAPTER) for h in retrieval.hits)


def compose_outline(question: str, retrieval: RetrievalResult) -> Composition | None:
    """Return the answer to a structural question, or None when retrieval gave no structure."""
    if not is_outline(retrieval):
        return None
    articles = [h.article for h in retrieval.hits]
    if retrieval.hits[0].via == VIA_CHAPTER:
        return _chapter(articles)
    composed = _whole(articles)
    asked = CHAPTER_NUMBER.search(retrieval.standalone_query or question)
    if asked is None:
        return composed
    # 「数据安全法第十二章讲什么」: the text has no such chapter; its outline shows the ones it has.
    return dataclasses.replace(composed, text=composed.text.replace("：", f"，没有{asked.group(0)}。各章如下：", 1))


def _whole(ends: Sequence[StoredArticle]) -> Composition:
    """Return the outline of a whole text from the first and last article of each of its divisions."""
    first = ends[0]
    chapters = list(dict.fromkeys(h for a in ends if (h := chapter_heading(a)) is not None))
    count = f"共{int_to_chinese(len(chapters))}章、{_article_count(ends)}" if chapters else f"共{_article_count(ends)}"
    lines = [f"《{first.title}》{_which_text(first)}{count}" + ("：" if chapters else "，不分章。")]
    citations: list[Citation] = []
    if not chapters:
        for article in (ends[0], ends[-1]):
            citations.append(build_citation(article, len(citations) + 1, _opening(article)))
        lines[0] += f"自{ends[0].article.label}[1]至{ends[-1].article.label}[2]。"
        return Composition(text="\n".join(lines), citations=tuple(citations), kind="outline")
    previous: tuple[str, ...] = ()
    for index, article in enumerate(ends):
        headings = article.article.headings
        for depth in range(len(headings)):
            division = headings[: depth + 1]
            if previous[: depth + 1] == division:
                continue  # opened by an earlier article
            under = [a for a in ends[index:] if a.article.headings[: depth + 1] == division]
            marker = ""
            if depth == 0:
                citations.append(build_citation(article, len(citations) + 1, _opening(article)))
                marker = f"[{len(citations)}]"
            span = f"{under[0].article.label}至{under[-1].article.label}"
            lines.append(f"{'  ' * depth}- {_tidy(headings[depth])}：{span}{marker}")
        previous = headings
    return Composition(text="\n".join(lines), citations=tuple(citations), kind="outline")


def _chapter(articles: Sequence[StoredArticle]) -> Composition:
    """Return one division: its headings, its range of articles and each article's opening sentence."""
    first = articles[0]
    shared = [h for depth, h in enumerate(first.article.headings)
              if all(a.article.headings[depth : depth + 1] == (h,) for a in articles)]
    heading = " ".join(_tidy(h) for h in shared)
    span = f"{first.article.label}至{articles[-1].article.label}" if len(articles) > 1 else first.article.label
    lines = [f"《{first.title}》{_which_text(first)}{heading}，{span}，共{int_to_chinese(len(articles))}条："]
    citations: list[Citation] = []
    for article in articles:
        citations.append(build_citation(article, len(citations) + 1, _opening(article)))
        lines.append(f"- {article.article.label}：「{shorten(_opening(article))}」[{len(citations)}]")
    return Composition(text="\n".join(lines), citations=tuple(citations), kind="outline")


def _article_count(ends: Sequence[StoredArticle]) -> str:
    """Return 七十四条 from the last article's number (articles are numbered without gaps)."""
    return f"{int_to_chinese(max(a.article.number for a in ends))}条"


def _which_text(article: StoredArticle) -> str:
    """Return which text is described: its date, and whether it is in force."""
    return f"（{text_name(article)}，{article.status}）"


def _opening(article: StoredArticle) -> str:
    """Return an article's first sentence, the part a structural answer quotes."""
    paragraph = article.article.paragraphs[0] if article.article.paragraphs else ""
    match = SENTENCE.match(paragraph)
    return match.group(0) if match else paragraph


def _tidy(heading: str) -> str:
    """Return a heading without the spacing printed inside short titles: 第一章 总 则 -> 第一章 总则."""
    match = _DIVISION.match(heading)
    if match is None:
        return heading
    return f"{match.group(1)} {_SPACES.sub('', match.group(2))}".strip()
