"""Answer types the statutes do not give: a question asking for one is declined unless a top article gives it.

Statutes oblige, permit and punish. They do not price services, name vendors, list the units designated under
them or configure systems (language/data/answer_types.tsv), and a question asking 「多少天」 is not answered by
articles that state no number of days, however close their subject.
"""

from __future__ import annotations

import re

from assistant.answering.quantities import quantity_units_in
from assistant.language.textnorm import normalize_text
from assistant.language.vocabulary import answer_type_reasons, answer_type_rules
from assistant.records import RetrievalResult

ANSWER_TYPE_DEPTH = 3  # the articles an answer would quote from
NUMBER_DEPTH = 5  # a number may sit in any article of the first page of results
_FINE = re.compile(r"罚")  # 罚多少钱 asks for a fine, which penalty articles state: not a fee
# 「多少天」「几个工作日」「最少几位」 ask for a number of that unit; 好几年, 十几天, 几天前, 几年来 and 几年级
# only tell of one, and 哪几位 asks who.
_ASKED_NUMBER = re.compile(r"(?<![好十几前哪])(?:多少|几)(个)?(工作日|小时|天|日|个月|月|年|位)(?![前来了级])")
_UNIT_OF_QUESTION = {"天": "日", "个月": "月"}
_SAME_MEASURE = {"日": {"日", "工作日"}, "工作日": {"日", "工作日"}}
NUMBER_OF = "number of "  # the kind of an unmet number: "number of 日"


def unmet_answer_type(question: str, retrieval: RetrievalResult) -> str | None:
    """Return the kind of answer the question asks for that no top article gives (fee, vendor, 日 …), or None."""
    text = normalize_text(question)
    quoted = [hit.article.article.text for hit in retrieval.hits[:ANSWER_TYPE_DEPTH]]
    for kind, asks, says, _ in answer_type_rules():
        if kind == "fee" and _FINE.search(text):
            continue
        if asks.search(text) and not any(says.search(article) for article in quoted):
            return kind
    stated: set[str] = set()
    for hit in retrieval.hits[:NUMBER_DEPTH]:
        stated |= quantity_units_in(hit.article.article.text)
    for unit in asked_units(text):
        if not _SAME_MEASURE.get(unit, {unit}) & stated:
            return NUMBER_OF + unit
    return None


def asked_units(question: str) -> list[str]:
    """Return the units of the numbers a question asks for: 「多少天内报送」 -> ["日"]."""
    units = []
    for match in _ASKED_NUMBER.finditer(normalize_text(question)):
        unit = match.group(2)
        units.append(_UNIT_OF_QUESTION.get(unit, unit))
    return list(dict.fromkeys(units))


def unmet_reason(kind: str) -> str:
    """Return the sentence telling the reader why the library does not answer an unmet answer type, or ""."""
    if kind.startswith(NUMBER_OF):
        return f"检索到的条文都没有规定以“{kind[len(NUMBER_OF):]}”计的期限或数量。"
    return answer_type_reasons().get(kind, "")
