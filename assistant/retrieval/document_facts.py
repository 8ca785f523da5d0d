"""Questions about a regulation as a document: 「关基条例现在还有效吗」「数据安全法是哪个部门发布的」「政务数据共享
条例的文号是多少」「网络数据安全管理条例什么时候公布的」「个保法什么时候施行」.

What they ask is in the catalog's record of each version (issuing body, 文号, dates, status: the manifest a maintainer
keeps), not in an article a search would find: 「是哪个部门发布的」 found articles about 各部门's duties. They are
answered from that record, with the article stating each version's commencement (「本条例自…起施行」) as the
citable text. As with a text's outline, a question is read as one only when nothing else is left once the
regulation's name, the words dating its text and the facts asked for are taken away.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.language.textnorm import normalize_text
from assistant.records import DocumentVersion, Hit, SearchFilters, StoredArticle
from assistant.retrieval.lookup import TitleMention, sole_named
from assistant.retrieval.snapshot import CatalogSnapshot, passes_filters

VIA = "facts"  # Hit.via of the commencement article of each version, answering a question about the document

STATUS = "status"
EFFECTIVE = "effective"
PROMULGATED = "promulgated"
ISSUER = "issuer"
NUMBER = "number"
AMENDMENTS = "amendments"
MAKING = "making"  # how the text was made (drafted, debated, voted): not in the library

# Each fact with the words asking for it, in the order they are answered (谁发布 asks for the issuer, 何时发布 the
# date).
_ASKED = (
    (MAKING, re.compile(r"起草|审议|表决|投票|几读|提案|立法背景|出台背景|立法过程|征求意见")),
    (STATUS, re.compile(r"有效|失效|废止|作废|过期|现行|效力|还能用|还管用|还在用|还适用")),
    (EFFECTIVE, re.compile(r"施行|生效|实施|执行|起效")),
    (ISSUER, re.compile(r"谁|哪个部门|哪些部门|哪几个部门|什么部门|哪个机关|什么机关|哪家|机关|部门")),
    (NUMBER, re.compile(r"文号|令号|几号令|第几号|编号")),
    (AMENDMENTS, re.compile(r"(?:修改|修订|修正|改)过|几次|版本")),
    (PROMULGATED, re.compile(r"公布|发布|颁布|出台|通过|印发|签发|制定|发文")),
)
_FILLER = re.compile(
    r"请问|一下|这部|这个|本法|里面|修正案|修订案|修改决定|修正决定|新法|旧法|原法|老法|新版|旧版|"
    r"(?:19|20)\d{2}年?版?|的|了|呢|吗|啊|呀|吧|现在|目前|当前|已经|还|是否|是不是|有没有|到底|究竟|"
    r"[，,。？?！!\s]"
)
# The words a question about a document may hold besides its title: those asking for a fact (first, so that 起草 is
# consumed whole before 起 alone, 几号令 before 几号), then the ones asking when, who or which and the form words.
_QUESTION_WORDS = re.compile("|".join([
    *(words.pattern for _, words in _ASKED),
    r"背景|为什么|为何|经过|怎么|什么时候|什么时间|啥时候|啥时|几时|何时|哪年|哪一年|哪天|哪一天|几月几号|几月几日|几号|"
    r"日期|时间|开始|起|制定机关|发布机关|单位|联合|共同|修改|修订|修正|改|过|次|最新|哪个|几个|多少|"
    r"是|在|于|由|有|没有|没|了|哪|什么|几",
]))
_COMMENCEMENT = re.compile(r"自.{0,30}起(?:施行|实施|生效)|(?:施行|实施)日期")


def asks_for_facts(text: str, mentions: Sequence[TitleMention]) -> tuple[str, ...]:
    """Return the facts a normalised, lower-cased question naming one regulation, as written, asks about it, or ()
    (「个人信息有效吗」 holds 个人信息有, one character from 个人信息法, and names no text)."""
    return _asked_of(text, mentions)[1]


def _asked_of(text: str, mentions: Sequence[TitleMention]) -> tuple[str, tuple[str, ...]]:
    """Return the regulation a question about a document names and the facts it asks, or ("", ())."""
    if (named := sole_named(text, mentions)) is None:
        return "", ()
    short, rest = named
    remainder = _FILLER.sub("", rest)
    if not remainder or _QUESTION_WORDS.sub("", remainder):
        return "", ()
    return short, facts_asked(remainder)


def facts_asked(text: str) -> tuple[str, ...]:
    """Return the facts a question's words ask for, in the order of _ASKED."""
    asked = [kind for kind, words in _ASKED if words.search(text)]
    # 「哪个部门发布的」 asks who, not when; 「什么时候发布的」 when.
    if ISSUER in asked and PROMULGATED in asked:
        asked.remove(PROMULGATED)
    return tuple(asked)


def facts_hits(
    view: CatalogSnapshot, query: str, filters: SearchFilters | None
) -> tuple[tuple[Hit, ...], tuple[DocumentVersion, ...]]:
    """Return the commencement articles and the versions answering a question about a document, or ((), ())."""
    text = normalize_text(query).lower()
    short, asked = _asked_of(text, view.titles.mentions(text))
    if not asked:
        return (), ()
    group = view.titles.groups[short]
    named, _why = view.titles.choose_version(short, text)
    versions = [v for v in group if passes_filters(v, filters, view)
                and not (filters and filters.current_only and not v.is_current)]
    # The text the question names first (「2016年版网安法什么时候施行」), then the newest.
    versions.sort(key=lambda v: v.meta.version or v.meta.promulgation_date or "", reverse=True)
    versions.sort(key=lambda v: v.version_id != named.version_id)
    hits = [Hit(article, 1.0, via=VIA) for v in versions
            if (article := commencement(view.articles_of(v.version_id))) is not None]
    return tuple(hits), tuple(versions)


def commencement(articles: Sequence[StoredArticle]) -> StoredArticle | None:
    """Return the article stating when a text takes effect (the last one saying so), else its last article."""
    numbered = [a for a in articles if a.article.kind == "article"]
    stating = [a for a in numbered if _COMMENCEMENT.search(a.article.text)]
    return (stating or numbered or [None])[-1]

