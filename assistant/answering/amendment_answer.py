"""Answers to a question about an amendment as a whole (「新网安法新增了哪些内容？」「网安法2025年修改了几条？」).

Retrieval hands over the comparison of the two texts as version pairs (retrieval/amendment_overview.py): the answer
counts what was added, deleted and amended, quotes the added and the deleted articles, each cited in its own
version, lists the amended ones with their earlier numbers, and says which text is in force.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answering.citations import build_citation
from assistant.answering.composer import Composition
from assistant.answering.version_answer import full_text, in_force, text_name
from assistant.corpus.versions import ADDED, AMENDED, DELETED, PART
from assistant.records import Citation, RetrievalResult, StoredArticle, VersionLink
from assistant.retrieval.amendment_overview import VIA
from assistant.retrieval.version_follow import asks_for_list


def is_overview(retrieval: RetrievalResult) -> bool:
    """Return True when retrieval answered the question with an amendment's comparison."""
    return bool(retrieval.versions) and bool(retrieval.hits) and all(h.via == VIA for h in retrieval.hits)


def compose_overview(question: str, retrieval: RetrievalResult) -> Composition | None:
    """Return the answer to a question about an amendment as a whole, or None when retrieval gave no overview."""
    if not is_overview(retrieval):
        return None
    links = [x for x in retrieval.versions if PART not in x.status.split("+")]
    added = [x.article for x in links if ADDED in x.status.split("+")]
    deleted = [x.article for x in links if DELETED in x.status.split("+")]
    amended = [x for x in links if AMENDED in x.status.split("+") and x.counterpart is not None]
    newest = max((x.article for x in links), key=lambda a: a.version or "")
    older = next((x.other_version for x in links if x.article.version == newest.version), None)
    citations: list[Citation] = []

    def quote(article: StoredArticle) -> str:
        citations.append(build_citation(article, len(citations) + 1, full_text(article)))
        return f"- {article.article.label}：「{full_text(article)}」[{len(citations)}]"

    counts = [f"新增{len(added)}条", f"删除{len(deleted)}条", f"修改{len(amended)}条"]
    since = f"（自{newest.effective_date}起施行）" if newest.effective_date else ""
    lines = [f"《{newest.title}》{text_name(newest)}{since}与{older or '此前'}文本相比：{'，'.join(counts)}，"
             "其余条文未变或仅条号变化。"]
    # 「新增了哪些条文」 asks for the added ones only, 「删了哪几条」 for the deleted; otherwise both, and the amended.
    asked = asks_for_list(retrieval.standalone_query or question)
    if added and asked in (ADDED, None):
        lines += ["", f"新增的条文（{text_name(added[0])}）：", *(quote(a) for a in added)]
    if deleted and asked in (DELETED, None):
        lines += ["", f"删除的条文（{text_name(deleted[0])}，在新文本中没有文字相近的对应条文）：",
                  *(quote(a) + _went_into(a, retrieval.versions, newest) for a in deleted)]
    if amended and asked is None:
        lines += ["", f"内容有修改的条文（{text_name(newest)}条号，括号内为原条号）：" + _amended_list(amended)]
    lines += ["", in_force([newest])]
    return Composition(text="\n".join(lines), citations=tuple(citations), kind="version")


def _went_into(deleted: StoredArticle, links: Sequence[VersionLink], newest: StoredArticle) -> str:
    """Return where parts of a deleted article went (2016 第六十四条 -> 2025 第七十一条), as the alignment traced."""
    into = [x.article.article.label for x in links if PART in x.status.split("+") and x.counterpart is not None
            and x.counterpart.key == deleted.key]
    return f"（部分内容见{text_name(newest)}{'、'.join(dict.fromkeys(into))}）" if into else ""


def _amended_list(links: Sequence[VersionLink]) -> str:
    items = []
    for link in links:
        assert link.counterpart is not None  # amended pairs have both articles
        new, old = sorted((link.article, link.counterpart), key=lambda a: a.version or "", reverse=True)
        renumbered = old.article.label != new.article.label
        items.append(new.article.label + (f"（原{old.article.label}）" if renumbered else ""))
    return "、".join(dict.fromkeys(items)) + "。"
