"""Defined terms: which article defines 网络运营者, 个人信息, 关键信息基础设施 …

Definitions sit in long 附则 articles (「本法下列用语的含义：（三）网络运营者，是指…」) or open an article
(「本法所称数据，是指…」, 「个人信息是以电子或者其他方式记录的…」). A long list of definitions embeds
as a blur, so a definition question ranks the article that defines the term it names by rule.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from assistant.language.numerals import CN_SMALL_NUMERAL
from assistant.language.textnorm import normalize_text
from assistant.records import StoredArticle

_TERM = r"[\u4e00-\u9fffA-Za-z0-9、]{2,24}?"
_PATTERNS = (
    # 本法所称数据，是指… / 前款所称应用算法推荐技术，是指…
    re.compile(rf"所称(?:的)?({_TERM})[，,]?(?:是指|指)"),
    # （三）网络运营者，是指… / (一)电子签名，是指… / a sentence that starts with the term
    re.compile(rf"(?:^|[。；;：:\n]|[（(][{CN_SMALL_NUMERAL}\d]+[)）])\s*({_TERM})[，,]\s*是指"),
    # 个人信息是以电子… / 敏感个人信息是一旦泄露… / 国家秘密是关系国家安全… (an article that opens with it)
    re.compile(r"^([\u4e00-\u9fff]{2,10}?)是(?:指|以|一旦|关系|最|重要|一般)"),
    # 数据处理，包括数据的收集、存储… (a paragraph that opens by listing what the term covers)
    re.compile(r"^([\u4e00-\u9fff]{2,10}?)[，,]包括"),
)
_LEADING_NOISE = re.compile(r"^(?:本法|本条例|本办法|本规定|前款|本条)?(?:所称的?)?")
# A question asks for a definition when the term sits next to a cue: 什么是X, X是指什么, 算X, X包括哪些.
_CUE_AFTER = re.compile(r"^(?:的)?(?:具体)?(?:是指|是什么|指的是|指什么|是啥|是怎么定义|怎么定义|如何定义|的定义|定义|"
                        r"的含义|含义|包括哪些|包括什么|有哪些|怎么界定|如何界定|[?？]|$)")
_BOUNDARY = re.compile(r"^(?:[?？，,。；]|吗|呢|吧|的|$)")
_CUE_BEFORE = re.compile(r"(?:什么是|何为|何谓|算|算是|属于|什么叫|叫做|界定)$")


def defined_terms(text: str) -> list[str]:
    """Return the terms a piece of statute text defines, in order."""
    terms: list[str] = []
    for line in normalize_text(text).split("\n") if "\n" in text else [normalize_text(text)]:
        for pattern in _PATTERNS:
            for match in pattern.finditer(line):
                term = _LEADING_NOISE.sub("", match.group(1)).strip("、 ")
                if len(term) >= 2 and term not in terms:
                    terms.append(term)
    return terms


def definition_index(articles: Iterable[StoredArticle]) -> dict[str, list[str]]:
    """Return defined term -> keys of the articles defining it."""
    index: dict[str, list[str]] = defaultdict(list)
    for stored in articles:
        for paragraph in stored.article.paragraphs:
            for term in defined_terms(paragraph):
                if stored.key not in index[term]:
                    index[term].append(stored.key)
    return dict(index)


def terms_asked(query: str, index: dict[str, list[str]]) -> list[str]:
    """Return the defined terms a question names, dropping those inside a longer named term."""
    text = normalize_text(query)
    found = []
    for term in index:
        for match in re.finditer(re.escape(term), text):
            after = text[match.end() :]
            if _CUE_AFTER.search(after) or (_CUE_BEFORE.search(text[: match.start()]) and _BOUNDARY.search(after)):
                found.append(term)
                break
    return [t for t in found if not any(t != other and t in other for other in found)]


# A question asking which class its thing belongs to, without naming the class: 「指纹属于哪一类信息？」.
_CLASS_ASKED = re.compile(
    r"属于(?:哪|什么|何种)|算(?:哪|什么|何种)(?:一)?(?:类|种|样)?的?(?:信息|数据)|什么(?:性质|类型|类别)的?(?:信息|数据)"
)


def asks_class(query: str) -> bool:
    """Return True when a question asks which class its thing belongs to (「…属于哪一类信息」)."""
    return bool(_CLASS_ASKED.search(normalize_text(query)))


def classes_asked(
    query: str, concepts_of: Callable[[str], Iterable[str]], index: dict[str, list[str]]
) -> list[str]:
    """Return the defined terms a classification question points at through its everyday words' concepts.

    「指纹属于哪一类信息？」 names no class, but 指纹 belongs to 生物识别 and 敏感个人信息 (the concept table and the
    definitions' enumerations): the article defining 敏感个人信息 answers it. concepts_of runs only for a question
    that asks a class.
    """
    if not asks_class(query):
        return []
    found = [c for c in dict.fromkeys(concepts_of(query)) if c in index]
    # The narrowest class answers: 指纹 is personal information, but the question asks which kind.
    return [c for c in found if not any(c != other and c in other for other in found)]
