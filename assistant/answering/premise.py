"""The number a yes/no question claims of the law (「密评是不是一年一次？」「72小时内必须报告，对吗？」): which
article it is checked on, and the pattern the answer's lead sentence prefers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.quantities import Quantity, quantity_in, quantity_units_in
from assistant.language.numerals import CN_NUMERAL_WITH_WAN
from assistant.language.question import TIME_ASKED_WORDS
from assistant.records import Hit, StoredArticle

# 「多久做一次」「有效期多长」: a question asking for a length of time, answered only by an article stating one.
_TIME_ASKED = re.compile(TIME_ASKED_WORDS + "|频次|频率|几次")
TIME_UNITS = frozenset({"小时", "工作日", "日", "周", "月", "年"})
AS_RELEVANT = 0.8  # share of the first article's relevance an article stating the unit needs to be checked on


def quantity_pattern(unit: str) -> re.Pattern[str]:
    """Return a pattern for a number stated in unit (六个月, 24小时, 三十日)."""
    return re.compile(rf"[\d{CN_NUMERAL_WITH_WAN}]+\s*(?:个)?(?:工作)?" + re.escape(unit))


def governing_index(
    articles: Sequence[StoredArticle], asserted: Quantity, relevance: Sequence[float], named: Sequence[str] = ()
) -> int:
    """Return the index of the article a premise is checked on.

    That is the first article stating the number asserted; else the most relevant (relevance: the question's terms
    each covers) stating a number in its unit, when it is about as relevant as the first (「网络日志至少保存三个月」
    is checked on the article on logs, 不少于六个月, not on the one ranked first); else the first. Looked for only in
    the regulations the question names when it names any (个保法…72小时 is checked on the PIPL, not on a secrecy
    rule's 24小时). 「个人信息泄露了要在72小时内通知本人吧？」 is checked on 个人信息保护法 第五十七条, which states no
    hours, not on a regulation's 24小时 for something else.
    """
    pool = [i for i, article in enumerate(articles) if article.doc_id in named] or list(range(len(articles)))
    stating = [i for i in pool if quantity_in(asserted, articles[i].article.text)]
    if stating:
        return stating[0]
    in_unit = [i for i in pool if asserted.unit in quantity_units_in(articles[i].article.text)]
    best = max(in_unit, key=lambda i: relevance[i], default=None)
    if best is not None and relevance[best] >= AS_RELEVANT * relevance[pool[0]]:
        return best
    return pool[0]


def stating_hit(chosen: Sequence[StoredArticle], hits: Sequence[Hit], asserted: Quantity) -> Hit | None:
    """Return a first-five hit stating the number asserted when no chosen article does: 「密评是不是一年一次？」 is
    confirmed by 商用密码管理条例 第三十八条 (「每年至少进行一次」) ranked second, not contradicted by the first article
    chosen, which states no period."""
    if any(quantity_in(asserted, article.article.text) for article in chosen):
        return None
    return next((h for h in hits[:5] if quantity_in(asserted, h.article.article.text)), None)


def states_a_time(text: str) -> bool:
    """Return whether a text states a length of time (六个月, 72小时, 每年)."""
    return bool(TIME_UNITS & quantity_units_in(text))


def asks_for_a_time(text: str) -> bool:
    """Return whether a question asks how long, how often or by when."""
    return bool(_TIME_ASKED.search(text))
