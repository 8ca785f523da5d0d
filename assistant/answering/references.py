"""What a question names (regulations, articles) and what it asks beyond them: the answer's scope."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.decline import article_text, coverage, expand_aliases, query_terms
from assistant.answering.premise import asks_for_a_time, states_a_time
from assistant.language.textnorm import NOT_CONTENT, normalize_text, normalize_title
from assistant.records import Hit, RetrievalResult

BEYOND_REFERENCE_CHARS = 12
BEYOND_REFERENCE_COVERAGE = 0.5
BEYOND_REFERENCE_ARTICLES = 2
# A question asking for texts beyond the one it names: more detailed or supporting rules, other provisions.
_ASKS_OTHER_TEXTS = re.compile(
    r"更(?:细|具体|详细)的?(?:规定|办法|要求|规则)|配套|另有规定|(?:其他|其它|别的)(?:规定|法规|办法|文件)|"
    r"还有(?:哪些|什么|没有)(?:规定|法规|办法|文件)")
_IMPLEMENTING = re.compile(r"实施(?:条例|细则|办法)")  # what follows a law's title in its implementing text's


def named_documents(query: str, hits: Sequence[Hit]) -> list[str]:
    """Return the doc ids of retrieved regulations the question names (个保法 counts), in order of mention."""
    text = expand_aliases(query)
    by_title: dict[str, str] = {}
    for hit in hits:
        by_title.setdefault(normalize_title(hit.article.title), hit.article.doc_id)
    found: list[tuple[int, str]] = []
    for title in sorted(by_title, key=len, reverse=True):
        position = text.find(title) if len(title) >= 3 else -1
        if position >= 0:
            found.append((position, by_title[title]))
            # 保守国家秘密法实施条例 must not also count as 保守国家秘密法.
            text = text[:position] + " " * len(title) + text[position + len(title) :]
    return list(dict.fromkeys(doc for _, doc in sorted(found)))


def implementing_documents(named: Sequence[str], hits: Sequence[Hit]) -> list[str]:
    """Return the doc ids of retrieved texts implementing a named one: 保守国家秘密法实施条例 for 保密法. Officials
    name the law; the periods, procedures and limits it leaves to the State Council are in its 实施条例."""
    titles = {h.article.doc_id: normalize_title(h.article.title) for h in hits}
    named_titles = [titles[doc] for doc in named if doc in titles]
    return list(dict.fromkeys(
        doc for doc, title in titles.items() if doc not in named
        and any(title.startswith(law) and _IMPLEMENTING.fullmatch(title[len(law):]) for law in named_titles)))


def beyond_references(question: str, retrieval: RetrievalResult) -> list[Hit]:
    """Return the best other articles found when a question asks more than what the articles it names say.

    「个保法第五十七条说泄露了要通知，新的事件报告办法又说要报告，是不是两套要求？」 names one article and asks
    about another text: quoting the named article alone leaves half unanswered. 「关基条例第十四条讲的啥」 or
    「…第五十二条规定的个人信息保护负责人」 ask nothing the named article does not hold: it is quoted alone. A
    question asking how long or how often, of an article stating no time, is answered by those found that state one;
    one asking for more detailed or supporting rules (「有没有更细的规定？」), by the best others whatever it restates.
    """
    named = [lk.article for lk in retrieval.lookups if lk.article is not None]
    if not named:
        return []  # every article asked for is missing: the answer says so and quotes nothing
    asked = {article.key for article in named}
    others = [h for h in unique_hits(retrieval.hits) if h.article.key not in asked and h.via != "linked"]
    other_texts = set(named_documents(question, retrieval.hits)) - {article.doc_id for article in named}
    if other_texts:
        others.sort(key=lambda h: 0 if h.article.doc_id in other_texts else 1)
        return others[:BEYOND_REFERENCE_ARTICLES]
    rest = normalize_text(question).lower()
    for lookup in retrieval.lookups:
        rest = rest.replace(normalize_text(lookup.reference).lower(), " ")
    if asks_for_a_time(rest) and not any(states_a_time(a.article.text) for a in named):
        # 「数据安全法第三十条规定的风险评估多久做一次？」: 第三十条 says 定期; an article stating the period answers.
        # Among them, those on the named article's subject too (重要数据的处理者 … 风险评估) come first.
        context = query_terms(" ".join([rest, *(a.article.text for a in named)]), [h.article.title for h in others])
        timed = [h for h in others if states_a_time(h.article.article.text)]
        timed.sort(key=lambda h: -coverage(context, article_text(h.article)))
        return timed[:BEYOND_REFERENCE_ARTICLES]
    if _ASKS_OTHER_TEXTS.search(rest):
        return others[:BEYOND_REFERENCE_ARTICLES]  # 「有没有更细的规定？」: whatever the named article says
    terms = query_terms(rest, [h.article.title for h in retrieval.hits])
    if len(NOT_CONTENT.sub("", rest)) < BEYOND_REFERENCE_CHARS or not terms:
        return []
    if max(coverage(terms, article_text(article)) for article in named) >= BEYOND_REFERENCE_COVERAGE:
        return []
    return others[:BEYOND_REFERENCE_ARTICLES]


def unique_hits(hits: Sequence[Hit]) -> list[Hit]:
    """Return hits with repeats of one article (by document and label) removed, first kept."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for hit in hits:
        key = (hit.article.doc_id, hit.article.article.label)
        if key not in seen:
            seen.add(key)
            unique.append(hit)
    return unique
