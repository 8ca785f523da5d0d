"""Answers to version questions: both texts cited with their dates, which is in force, and what changed.

「旧法第六十八条罚十万到五十万，新法对应条款罚多少？」 is answered from the pair retrieval found
(RetrievalResult.versions): where the article went (or that it has no counterpart), the version in force,
the money amounts that differ and the phrases the amendment added or removed (from the character diff),
then both articles quoted in full, each with its own marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.answering.citations import build_citation
from assistant.answering.composer import Composition
from assistant.answering.references import named_documents
from assistant.corpus.versions import (
    AMENDED,
    PART,
    RENUMBERED,
    added_phrases,
    changed_amounts,
    char_diff,
    moved_part,
)
from assistant.language.dates import event_dates
from assistant.language.numerals import CN_NUMERAL
from assistant.language.textnorm import normalize_text
from assistant.records import Citation, RetrievalResult, StoredArticle, VersionLink
from assistant.retrieval.version_follow import LISTED, asks_for_list
from assistant.retrieval.version_links import MOVED, is_version_question, names_article, relevance

MAX_PAIRS = 2
_PHRASES = 3  # added / removed phrases named in the summary
_EXPLICIT = re.compile(r"新旧|新法.{0,8}旧法|旧法.{0,8}新法|修[正改订]前后|前后对比|条文对比|新老")
_NEAREST = 0.15  # share of the question's bigrams an article must hold to be offered in place of a counterpart
# An item mark at either end of a phrase (（一） or a half of one) and the punctuation a cut leaves.
_CUT_MARK = re.compile(rf"^[（(]?[{CN_NUMERAL}]*[）)]|[（(][{CN_NUMERAL}]*[）)]?$")
_EDGE_PUNCTUATION = "，,；;：:。、 "
# A diff piece made only of article numbers (「三条、第三十四」): the renumbered articles an article cites, which is
# renumbering, not wording the amendment added or removed.
_REFERENCE_PIECE = re.compile(rf"^[{CN_NUMERAL}第条款项、至和及（）()\s]+$")


def text_name(article: StoredArticle) -> str:
    """Return how a version is named in an answer: 2016-11-07文本."""
    return f"{article.version or article.effective_date or article.version_id}文本"


def full_text(article: StoredArticle) -> str:
    """Return an article's paragraphs as one text, as the answer quotes it."""
    return "".join(article.article.paragraphs)


def _status_words(status: str) -> str:
    """Return the Chinese note for a pair's status."""
    parts = status.split("+")
    if MOVED in parts:
        return "原条文已删除，其内容按所引用条文的对应关系并入此条，文字有较大改写"
    if AMENDED in parts:
        return "条号变化且内容有修改" if RENUMBERED in parts else "内容有修改"
    return "内容未变，仅条号变化" if RENUMBERED in parts else "条号和内容均未变"


def _changes(old: StoredArticle, new: StoredArticle) -> list[str]:
    """Return sentences naming what changed: money amounts, added phrases, removed phrases."""
    before, after = full_text(old), full_text(new)
    if before == after:
        return []
    lines = []
    gone, came = changed_amounts(before, after)
    if gone or came:
        lines.append(f"金额变化：原为{'、'.join(gone) or '（无）'}，现为{'、'.join(came) or '（无）'}。")
    added = sorted((p for p in added_phrases(before, after) if not _REFERENCE_PIECE.match(p)), key=len,
                   reverse=True)[:_PHRASES]
    if added:
        lines.append("新增表述：" + "、".join(f"「{_tidy(p)}」" for p in added) + "。")
    removed = sorted((p.text for p in char_diff(before, after)
                      if p.kind == "delete" and len(p.text) >= 4 and not _REFERENCE_PIECE.match(p.text)),
                     key=len, reverse=True)[:_PHRASES]
    if removed:
        lines.append("删去表述：" + "、".join(f"「{_tidy(p)}」" for p in removed) + "。")
    return lines


def _part_sentence(title: str, old: StoredArticle, new: StoredArticle, mark: Callable[[StoredArticle], str],
                   links: Sequence[VersionLink]) -> str:
    """Return the sentence saying which paragraph or item of one version's article is in the other's."""
    def kept(article: StoredArticle) -> list[str]:  # the texts of the article's own counterparts
        return [_lines(other) for x in links if x.status not in (PART, MOVED) and x.counterpart is not None
                for mine, other in ((x.article, x.counterpart), (x.counterpart, x.article)) if mine.key == article.key]

    part = moved_part(_lines(old), _lines(new), old_kept=kept(old), new_kept=kept(new))
    quoted = f"「{_tidy(part[1])}」" if part else "部分内容"
    if part and part[0] == "new":
        return (f"{title}{text_name(new)}{new.article.label}{mark(new)}中的{quoted}，"
                f"来自{text_name(old)}{old.article.label}{mark(old)}。")
    return (f"{title}{text_name(old)}{old.article.label}{mark(old)}中的{quoted}，"
            f"在{text_name(new)}中见于{new.article.label}{mark(new)}。")


def _lines(article: StoredArticle) -> str:
    """Return an article's paragraphs and items one to a line (parts are told apart by lines)."""
    return "\n".join(article.article.paragraphs)


def _tidy(phrase: str) -> str:
    """Return a diffed or quoted phrase without the item marks and punctuation cut at its ends: 「）不按照…；（二」."""
    phrase = _CUT_MARK.sub("", phrase.replace("\n", ""))
    return phrase.strip(_EDGE_PUNCTUATION)


def in_force(articles: Sequence[StoredArticle]) -> str:
    """Return the sentence saying which of the versions is in force."""
    current = [a for a in articles if a.is_current]
    if not current:
        return "以上版本均非现行有效文本，请以现行文本为准。"
    since = f"（自{current[0].effective_date}起施行）" if current[0].effective_date else ""
    return f"现行有效的是{text_name(current[0])}{since}。"


def _in_force_when(articles: Sequence[StoredArticle], dates: Sequence[str]) -> list[str]:
    """Return sentences saying which text was in force when the act a question dates happened (YYYY-MM).

    「2025年10月网站被攻击…按修改前还是修改后」: the text in force then is a fact of the catalog's dates, said as such;
    which text governs the penalty is left to the reader and the law on applying old and new rules.
    """
    by_doc: dict[str, dict[str, StoredArticle]] = {}
    for article in articles:
        if article.effective_date:
            by_doc.setdefault(article.doc_id, {})[article.version_id] = article
    sentences = []
    for versions in (v for v in by_doc.values() if len(v) > 1):  # the amended documents the answer compares
        texts = sorted(versions.values(), key=lambda a: a.effective_date or "")
        title = f"《{texts[0].title}》" if len(by_doc) > 1 else ""
        for date in dict.fromkeys(dates):
            then = [a for a in texts if (a.effective_date or "")[:7] <= date]
            month = f"{date[:4]}年{int(date[5:])}月"
            sentences.append(f"所述情况发生于{month}，当时施行的是{title}{text_name(then[-1])}（自{then[-1].effective_date}起施行）。"
                             if then else f"所述情况发生于{month}，早于{title}以上各文本的施行日期。")
    return sentences


def compose_version(question: str, retrieval: RetrievalResult) -> Composition | None:
    """Return the answer to a version question from retrieval's version pairs, or None when it is not one."""
    query = retrieval.standalone_query or question
    if not retrieval.versions or not is_version_question(query):
        return None
    kind = asks_for_list(query)
    listed = [x for x in retrieval.versions if kind and x.counterpart is None and x.status == kind]
    # 「新增了哪些条文」: every article the alignment lists, each said to have no counterpart, nothing else.
    pairs = _chosen_pairs(listed, LISTED) if listed else _chosen_pairs(retrieval.versions)
    citations: list[Citation] = []
    marker_of: dict[str, int] = {}

    def mark(article: StoredArticle) -> str:
        if article.key not in marker_of:
            marker_of[article.key] = len(citations) + 1
            citations.append(build_citation(article, marker_of[article.key], full_text(article)))
        return f"[{marker_of[article.key]}]"

    summary: list[str] = []
    quoted: list[StoredArticle] = []
    for link in pairs:
        found, other = link.article, link.counterpart
        title = f"《{found.title}》"
        if other is None:
            older = (found.version or "") < (link.other_version or "")
            where = f"{link.other_version}文本" if link.other_version else "另一版本"
            summary.append(
                f"{title}{text_name(found)}{found.article.label}{mark(found)}在{where}中没有文字相近的对应条文"
                + ("（已删除或并入其他条文）。" if older else "（是新增条文）。"))
            quoted.append(found)
            nearest = None if listed else _nearest_in(retrieval, link, query, quoted)
            if nearest is not None:
                summary.append(f"{where}中与所问内容最相关的是{nearest.article.label}{mark(nearest)}。")
                quoted.append(nearest)
            continue
        old, new = sorted((found, other), key=lambda a: a.version or "")
        if link.status == PART:  # a paragraph or item moved; the two articles' whole texts are not one provision
            summary.append(_part_sentence(title, old, new, mark, retrieval.versions))
            quoted += [old, new]
            continue
        # The pair of a duty an added article cites (违反本法第二十五条规定…) says so.
        cited = any(f"本法{new.article.label}" in full_text(a) for a in quoted if a.version == new.version)
        summary.append(f"{'其中引用的' if cited else title}{text_name(old)}{old.article.label}{mark(old)}，"
                       f"在{text_name(new)}中为{new.article.label}{mark(new)}（{_status_words(link.status)}）。")
        summary += _changes(old, new)
        quoted += [old, new]
    summary.append(in_force(quoted))
    summary += _in_force_when(quoted, event_dates(normalize_text(query)))
    quotes = [f"- {text_name(a)}{a.article.label}：「{full_text(a)}」[{marker_of[a.key]}]"
              for a in dict.fromkeys(quoted)]
    text = "\n".join(summary) + "\n\n" + "\n".join(quotes)
    return Composition(text=text, citations=tuple(citations), kind="version")


def _nearest_in(retrieval: RetrievalResult, link: VersionLink, query: str,
                taken: Sequence[StoredArticle]) -> StoredArticle | None:
    """Return the retrieved article of the other version most like the question, for an article without one."""
    keys = {a.key for a in taken} | {x.counterpart.key for x in retrieval.versions if x.counterpart}
    keys |= {x.article.key for x in retrieval.versions}
    others = [h.article for h in retrieval.hits
              if h.article.version_id == link.other_version_id and h.article.key not in keys]
    scored = [(relevance(query, a), a) for a in others]
    best = max(scored, key=lambda item: item[0], default=None)
    return best[1] if best and best[0] >= _NEAREST else None


def answers_despite_decline(question: str, retrieval: RetrievalResult) -> bool:
    """Return True when a version question names the amended document and retrieval paired its articles.

    「网安法修正后…还一样吗」 asks about the change itself: the two texts answer it even when the question's
    other words are rare in the corpus (the decline rule's evidence), so it is not declined.
    """
    query = retrieval.standalone_query or question
    if not retrieval.versions or not is_version_question(query):
        return False
    first = retrieval.versions[0]
    named = named_documents(query, retrieval.hits)
    if first.article.doc_id in named:
        return True
    # 「新法第七十一条是从旧法哪几条合并来的」 names no law but the article: with no other law named, the
    # amended document the number was read in is meant.
    if not named and names_article(query, first.article):
        return True
    # 「等级保护制度在新法和旧法中的条文对比」 names no law, but asks for two texts the first pair is like.
    return bool(_EXPLICIT.search(query)) and relevance(query, first.article, first.counterpart) >= _NEAREST * 2


def _chosen_pairs(links: Sequence[VersionLink], limit: int = MAX_PAIRS) -> list[VersionLink]:
    """Return the first pairs retrieval ranked, each article once (a pair seen from both sides counts once)."""
    chosen: list[VersionLink] = []
    used: set[str] = set()
    slots = 0
    for link in links:
        keys = {link.article.key} | ({link.counterpart.key} if link.counterpart else set())
        # The older articles merged into one article (2016 第六十四、六十六、七十条 -> 2025 第七十一条) are one answer,
        # and so is an article with the article a paragraph or item of it went to (2016 第六十九条 -> 2025 第七十条,
        # its first item -> 2025 第六十九条).
        merged = bool(chosen) and chosen[-1].article.key == link.article.key and link.status in (PART, MOVED)
        if merged and link.counterpart is not None and link.counterpart.key not in used:
            chosen.append(link)
            used.add(link.counterpart.key)
            continue
        if keys & used or slots == limit:
            continue
        chosen.append(link)
        used |= keys
        slots += 1
    return chosen
