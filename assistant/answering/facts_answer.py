"""Answers to questions about a regulation as a document (「关基条例现在还有效吗」「数据安全法是哪个部门发布的」).

Retrieval hands over the catalog's record of each version of the regulation named and the article stating when it
takes effect (retrieval/document_facts.py). The answer leads with what was asked, then gives each version's record:
type, issuing body, 文号, dates, amendments, status. The commencement article is cited where it states the date
given; an amended text that keeps its original commencement article (网络安全法 2025 第八十一条: 「本法自2017年6月1日
起施行」) has that said, beside the date its amendment took effect. The record is the library's as its maintainers
entered it; the answer says so, since a repeal after that is not in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answering.citations import build_citation
from assistant.answering.composer import Composition
from assistant.answering.quoting import SENTENCE
from assistant.language.numerals import int_to_chinese
from assistant.language.textnorm import normalize_text
from assistant.records import Citation, DocumentMeta, DocumentVersion, RetrievalResult, StoredArticle
from assistant.retrieval.document_facts import (
    AMENDMENTS,
    EFFECTIVE,
    ISSUER,
    MAKING,
    NUMBER,
    PROMULGATED,
    STATUS,
    VIA,
    facts_asked,
)

Cite = Callable[[StoredArticle], str]  # returns the [n] marker of an article, citing it the first time

_FROM_PUBLICATION = re.compile(r"自(?:发布|公布|印发)之日起")
CAVEAT = "以上为法规库收录该文本时登记的信息；收录之后的修改或废止，请以官方公布为准。"


def is_facts(retrieval: RetrievalResult) -> bool:
    """Return True when retrieval answered the question with the documents' records."""
    return bool(retrieval.documents) and bool(retrieval.hits) and all(h.via == VIA for h in retrieval.hits)


def compose_facts(question: str, retrieval: RetrievalResult) -> Composition | None:
    """Return the answer to a question about a document, or None when retrieval gave no records."""
    if not is_facts(retrieval):
        return None
    # Retrieval read the question as one about the document; the facts it asks for are read off its words again
    # (no title or abbreviation in the library uses them).
    asked = facts_asked(normalize_text(retrieval.standalone_query or question)) or (STATUS,)
    by_version = {h.article.version_id: h.article for h in retrieval.hits}
    citations: list[Citation] = []
    markers: dict[str, int] = {}

    def cite(article: StoredArticle) -> str:
        if article.key not in markers:
            citations.append(build_citation(article, len(citations) + 1, _sentence_with_commencement(article)))
            markers[article.key] = len(citations)
        return f"[{markers[article.key]}]"

    first = retrieval.documents[0]
    if asked[0] == MAKING:
        return _not_held(question, first)
    lines = [_lead(first, asked, by_version.get(first.version_id), cite, len(retrieval.documents) > 1)]
    for version in retrieval.documents:
        lines += ["", f"《{version.meta.title}》{_named(version) if len(retrieval.documents) > 1 else ''}："]
        lines += _record(version, by_version.get(version.version_id), cite)
    lines += ["", CAVEAT]
    return Composition(text="\n".join(lines), citations=tuple(citations), kind="facts")


def _not_held(question: str, version: DocumentVersion) -> Composition:
    """Return the declining answer to a question about how a text was made, with what the library does hold."""
    meta = version.meta
    known = "，".join(part for part in (
        f"制定机关为{meta.issuing_body}" if meta.issuing_body else "",
        f"{meta.promulgation_date}公布" if meta.promulgation_date else "",
        f"自{meta.effective_date}起施行" if meta.effective_date else "",
    ) if part)
    text = (f"法规库收录法规的文本和登记信息（制定机关、文号、公布和施行日期、效力状态），不含起草、审议、表决等"
            f"立法过程，无法回答「{question.strip().rstrip('？?。')}」。"
            + (f"库中登记的《{meta.title}》{known}。" if known else ""))
    return Composition(text=text, citations=(), declined=True, kind="declined")


def _lead(
    version: DocumentVersion, asked: tuple[str, ...], article: StoredArticle | None, cite: Cite, several: bool
) -> str:
    """Return the sentence answering the first fact asked about the named (or newest) text."""
    meta = version.meta
    name = f"《{meta.title}》" + (f"{_named(version)}" if several else "")
    kind = asked[0]
    if kind == ISSUER and meta.issuing_body:
        return f"{name}由{meta.issuing_body}发布" + (f"（{meta.doc_number}）。" if meta.doc_number else "。")
    if kind == NUMBER:
        return f"{name}的文号为：{meta.doc_number}。" if meta.doc_number else f"法规库未登记{name}的文号。"
    if kind == PROMULGATED and meta.promulgation_date:
        return f"{name}于{meta.promulgation_date}公布，自{meta.effective_date or '（未登记）'}起施行。"
    if kind == EFFECTIVE and meta.effective_date:
        marker = cite(article) if article is not None and _states(article, meta) else ""
        return f"{name}自{meta.effective_date}起施行{marker}。"
    if kind == AMENDMENTS:
        dates = "、".join(meta.amendment_dates)
        count = "两" if len(meta.amendment_dates) == 2 else int_to_chinese(len(meta.amendment_dates))
        return f"{name}登记有{count}次修改：{dates}。" if dates else f"法规库未登记{name}的修改。"
    return f"{name}的效力状态：{meta.status}。"


def _record(
    version: DocumentVersion, article: StoredArticle | None, cite: Cite
) -> list[str]:
    """Return the lines of one version's record."""
    meta = version.meta
    lines = [f"- 效力状态：{meta.status}", f"- 类别：{meta.doc_type}"]
    if meta.issuing_body:
        lines.append(f"- 制定机关：{meta.issuing_body}")
    if meta.doc_number:
        lines.append(f"- 文号：{meta.doc_number}")
    if meta.promulgation_date:
        lines.append(f"- 公布日期：{meta.promulgation_date}")
    if meta.amendment_dates:
        lines.append(f"- 修改日期：{'、'.join(meta.amendment_dates)}")
    if meta.effective_date:
        line = f"- 施行日期：{meta.effective_date}"
        quoted = f"{article.article.label}：「{_sentence_with_commencement(article)}」" if article else ""
        if article is not None and _states(article, meta):
            line += f"（{quoted}{cite(article)}）"
        elif article is not None and meta.amendment_dates:
            # An amended text keeps its original commencement article; the amendment took effect later.
            line += f"（本文本{quoted}{cite(article)}为原施行日期；修改后的文本自{meta.effective_date}起施行）"
        lines.append(line)
    return lines


def _named(version: DocumentVersion) -> str:
    """Return how a version is named when the document has several: its date."""
    return f"{version.meta.version or version.meta.promulgation_date}文本"


def _states(article: StoredArticle, meta: DocumentMeta) -> bool:
    """Return True when an article states the effective date: in the statutes' form (2021年9月1日), or as the day
    of publication (「自发布之日起施行」) when that is the date recorded."""
    if not meta.effective_date:
        return False
    year, month, day = meta.effective_date.split("-")
    if f"{int(year)}年{int(month)}月{int(day)}日" in article.article.text:
        return True
    return bool(_FROM_PUBLICATION.search(article.article.text)) and meta.effective_date == meta.promulgation_date


def _sentence_with_commencement(article: StoredArticle) -> str:
    """Return the article's sentence saying when the text takes effect (its first sentence otherwise)."""
    sentences = SENTENCE.findall(article.article.text)
    return next((s for s in sentences if "施行" in s or "生效" in s), sentences[0] if sentences else "")
