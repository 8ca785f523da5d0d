"""The number a yes/no question claims of the law (「密评是不是一年一次？」「72小时内必须报告，对吗？」): which
article it is checked on, and the pattern the answer's lead sentence prefers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.quantities import Quantity, quantity_in, quantity_units_in
from assistant.language.numerals import CN_NUMERAL_WITH_WAN
from assistant.records import Hit, StoredArticle


def quantity_pattern(unit: str) -> re.Pattern[str]:
    """Return a pattern for a number stated in unit (六个月, 24小时, 三十日)."""
    return re.compile(rf"[\d{CN_NUMERAL_WITH_WAN}]+\s*(?:个)?(?:工作)?" + re.escape(unit))


def governing_index(articles: Sequence[StoredArticle], asserted: Quantity, named: Sequence[str] = ()) -> int:
    """Return the index of the article a premise is checked on.

    That is the first article stating the number asserted, else the first stating a number in its unit, looked for
    only in the regulations the question names when it names any (个保法…72小时 is checked on the PIPL, not on a
    secrecy rule's 24小时).
    """
    pool = [i for i, article in enumerate(articles) if article.doc_id in named] or list(range(len(articles)))
    stating = [i for i in pool if quantity_in(asserted, articles[i].article.text)]
    in_unit = [i for i in pool if asserted.unit in quantity_units_in(articles[i].article.text)]
    return (stating or in_unit or pool)[0]


def stating_hit(chosen: Sequence[StoredArticle], hits: Sequence[Hit], asserted: Quantity) -> Hit | None:
    """Return a first-five hit stating the number asserted when no chosen article does: 「密评是不是一年一次？」 is
    confirmed by 商用密码管理条例 第三十八条 (「每年至少进行一次」) ranked second, not contradicted by the first article
    chosen, which states no period."""
    if any(quantity_in(asserted, article.article.text) for article in chosen):
        return None
    return next((h for h in hits[:5] if quantity_in(asserted, h.article.article.text)), None)
