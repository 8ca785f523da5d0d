"""Questions about a regulation's structure: 「个人信息保护法有几章」「网安法一共多少条」「数安法的目录」,
「个保法第四章讲什么」「网安法法律责任那一章有哪些条」.

They name one regulation and ask about its divisions, not about a subject: a search for the words 几章 or 第四章
finds articles that happen to mention chapters. They are answered from the parsed structure itself (the 编/章/节
headings each article carries): for the whole text, the first and the last article of every division, from which
the answer tells the chapters and their ranges; for one chapter, its articles in order.

A question is read as one only when, with the regulation's name, the words dating its text and the structural
request taken away, nothing is left: 「网安法第四章规定了哪些义务」 asks about duties and is searched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.language.numerals import NUMERAL_PATTERN, chinese_to_int
from assistant.language.textnorm import normalize_text
from assistant.language.version_cues import OLD_TEXT_NEAR_NUMBER
from assistant.records import Hit, SearchFilters, StoredArticle
from assistant.retrieval.lookup import TitleMention, older_than, sole_named
from assistant.retrieval.snapshot import CatalogSnapshot, passes_filters

VIA_OUTLINE = "outline"  # Hit.via of a whole text's outline: the first and last article of every division
VIA_CHAPTER = "chapter"  # Hit.via of one chapter's articles
MAX_CHAPTER_ARTICLES = 40

CHAPTER_NUMBER = re.compile(rf"第({NUMERAL_PATTERN})章")  # 第四章, its number in group 1
_CHAPTER_HEADING = re.compile(rf"^第(?:{NUMERAL_PATTERN})章\s*")
_DIVISION_NUMBER = re.compile(rf"^第(?:{NUMERAL_PATTERN})[编章节]\s*")
# What may stand around the request besides the regulation's name: words naming or dating its text.
_FILLER = re.compile(
    r"请问|一下|新法|旧法|现行|新版?|旧版?|老版?|原版?|修[正订改][前后]?|(?:19|20)\d{2}年?版?|这部|这个|整部|全文|本法|"
    r"里面|里|中|的|了|呢|吗|啊|呀|现在|目前|一共|总共|共计|共|都|主要|具体|大概|"
    r"[，,。？?！!\s]"
)
_WHOLE_NOUN = re.compile(r"章节|目录|结构|框架|体例|章|条文|条款|条|节|编|部分")
_WHOLE_ASK = re.compile(r"几|多少|哪些|哪几|什么|怎样|怎么样|如何|目录|结构|框架")
_WHOLE_WORDS = re.compile(
    r"章节|目录|结构|框架|体例|条文|条款|部分|组成|构成|分为|分成|包括|包含|共有|怎么样|怎样|如何|是什么|"
    r"什么|哪些|哪几|多少|几|个|有|分|由|是|章|条|节|编|样"
)
_CHAPTER_NAMED = re.compile(r"(?P<name>[\u4e00-\u9fff]{2,20}?)(?:那一|这一|那|这|一)?(?:章|节|部分)")
_CHAPTER_WORDS = re.compile(
    r"讲了?|说了?|写了?|规定了?|包括|包含|涉及|关于|是|有|哪些|哪几|什么|啥|内容|条文|条款|条|几|多少|个|"
    r"那一|这一|那|这|一|章|节|部分"
)


@dataclass(frozen=True)
class OutlineRequest:
    """A structural question: the regulation named and, for one division, a chapter's number or a division's
    title (the words of a 章 or 节 heading)."""

    short_title: str
    chapter: int | None = None
    chapter_name: str | None = None


def asks_for_outline(text: str, mentions: Sequence[TitleMention]) -> OutlineRequest | None:
    """Return the structural request of a normalised, lower-cased question naming one regulation, else None.

    Only a title named as written counts: a window one character from a title (「网络安全有哪些部分」 holds 网络安全有)
    is not taken for it here, where the answer would be that text's structure.
    """
    if (named := sole_named(text, mentions)) is None:
        return None
    short, rest = named
    remainder = _FILLER.sub("", rest)
    if numbers := list(CHAPTER_NUMBER.finditer(remainder)):
        # A follow-up restated with its question before (「网安法第三章讲的 第五章」) asks about the last one named.
        if _consumed(CHAPTER_NUMBER.sub("", remainder), _CHAPTER_WORDS):
            return OutlineRequest(short, chapter=chinese_to_int(numbers[-1].group(1)))
        return None
    if _consumed(remainder, _WHOLE_WORDS) and _WHOLE_NOUN.search(remainder) and _WHOLE_ASK.search(remainder):
        return OutlineRequest(short)
    named = _CHAPTER_NAMED.search(remainder)
    if named is not None and remainder.startswith(named.group("name")):
        left = remainder[named.end() :]
        if _consumed(left, _CHAPTER_WORDS):
            return OutlineRequest(short, chapter_name=named.group("name"))
    return None


def _consumed(text: str, words: re.Pattern[str]) -> bool:
    """Return True when text is made of nothing but the given words."""
    return not words.sub("", text)


def outline_hits(view: CatalogSnapshot, query: str, filters: SearchFilters | None) -> tuple[Hit, ...]:
    """Return the articles answering a structural question, or () when the question is not one.

    The text is the one the question's words choose (「旧网安法有几章」: the older one), when the user's scope
    allows it.
    """
    text = normalize_text(query).lower()
    request = asks_for_outline(text, view.titles.mentions(text))
    if request is None:
        return ()
    version, _why = view.titles.choose_version(request.short_title, text)
    if OLD_TEXT_NEAR_NUMBER.search(text) and (older := older_than(view.titles.groups[request.short_title], version)):
        # Nothing but the text can be old in a question about its structure: 「旧网安法第七章」.
        version = older
    if filters and filters.current_only and not version.is_current:
        # The user's scope keeps to the texts in force: the one in force is outlined, its date and status said.
        version = view.titles.current(request.short_title)
    if not passes_filters(version, filters, view) or (filters and filters.current_only and not version.is_current):
        return ()
    articles = [a for a in view.articles_of(version.version_id) if a.article.kind == "article"]
    if request.chapter is None and request.chapter_name is None:
        return tuple(Hit(a, 1.0, via=VIA_OUTLINE) for a in division_ends(articles))
    division = [a for a in articles if _in_division(a, request)][:MAX_CHAPTER_ARTICLES]
    if division:
        return tuple(Hit(a, 1.0, via=VIA_CHAPTER) for a in division)
    # 「数据安全法第十二章」: the outline shows the chapters there are; a division named by words it lacks is searched.
    return tuple(Hit(a, 1.0, via=VIA_OUTLINE) for a in division_ends(articles)) if request.chapter else ()


def division_ends(articles: Sequence[StoredArticle]) -> list[StoredArticle]:
    """Return the first and the last article of every run of articles under the same headings, in order."""
    ends: list[StoredArticle] = []
    for index, article in enumerate(articles):
        first = index == 0 or articles[index - 1].article.headings != article.article.headings
        last = index == len(articles) - 1 or articles[index + 1].article.headings != article.article.headings
        if first or last:
            ends.append(article)
    return ends


def chapter_heading(article: StoredArticle) -> str | None:
    """Return the 第N章 heading an article stands under, or None."""
    return next((h for h in article.article.headings if _CHAPTER_HEADING.match(h)), None)


def _in_division(article: StoredArticle, request: OutlineRequest) -> bool:
    """Return True when an article stands in the chapter numbered, or the chapter or section named."""
    if request.chapter is not None:
        heading = chapter_heading(article)
        number = CHAPTER_NUMBER.match(heading) if heading else None
        return number is not None and chinese_to_int(number.group(1)) == request.chapter
    name = request.chapter_name or ""
    return any(name in re.sub(r"\s+", "", _DIVISION_NUMBER.sub("", h)) for h in article.article.headings)
