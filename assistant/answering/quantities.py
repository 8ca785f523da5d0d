"""Numbers with units: those a yes/no question asserts (72小时, 五十万元) and those an article states."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.language.numerals import CN_NUMERAL_WITH_WAN, CN_SMALL_NUMERAL, CN_YEAR_DIGITS, chinese_to_int
from assistant.language.textnorm import normalize_text
from assistant.records import StoredArticle

# The words ending a question that asks for a verdict (什么？ and 怎么？ ask for content) ...
YES_NO_ENDINGS = r"对吗|对吧|对不对|是吗|是不是|吧|(?<![什怎那多这要])么|吗"
# ... a yes/no question ...
_YES_NO = re.compile(rf"({YES_NO_ENDINGS}|是否|正确吗|有没有)\s*[？?]?\s*$|是否|是不是")
# ... and of its sentences only those asking it: 「我们医院一年门诊量上千万人次。…法律依据是什么？」 tells a number
# of the situation, which the law is not claimed to state.
_SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]?")
# ... that asserts a number: a time limit, an amount, a count.
# 10万人 and 5000万元 mix digits with 万; 十六周岁 is an age, not weeks. 等保三级系统, 三级医院 and 一级响应 name a
# grade the asker's system or event has, not a number the law is claimed to state.
_GRADED = "系统|医院|响应|单位|事件|网络|平台"
_QUANTITY = re.compile(
    rf"(\d+(?:\.\d+)?\s*[万亿]?|[{CN_NUMERAL_WITH_WAN}亿]+)\s*"
    r"(个小时|小时|个工作日|工作日|周岁|日|天|周|个月|月|年|元|倍|%|人|位|张|学时|级(?!" + _GRADED + r")|类)"
)
# A calendar date (2021年9月1日, 上年1月1日, 二〇二一年) names a day, not a length of time or a count.
_DIGIT = rf"[\d{CN_SMALL_NUMERAL}]"  # a month or a day of it
_DATE = re.compile(
    rf"(?:\d{{4}}|[{CN_YEAR_DIGITS}]{{4}})年(?:{_DIGIT}{{1,3}}月(?:{_DIGIT}{{1,3}}日)?)?"
    rf"|{_DIGIT}{{1,3}}月{_DIGIT}{{1,3}}日"
)
_CLAUSE = re.compile(r"[^，,]+[，,]?")
# A clause that only asks whether what came before is so.
_TAG = re.compile(rf"^(?:这样|这么说|这个说法|是这样)?(?:{YES_NO_ENDINGS}|正确吗|没错吧|是这样吗)(?:这样)?\s*[？?]?$")
_CONDITION = re.compile(r"的\s*[，,]$")
# 「每年至少进行一次」 states a year as 一年 would.
_EVERY = re.compile(r"每(个小时|小时|个工作日|工作日|日|天|周|个月|月|年)")
_UNIT_FAMILY = {"个小时": "小时", "个工作日": "工作日", "天": "日", "个月": "月"}
_MULTIPLIER = {"万": 10_000, "亿": 100_000_000}


@dataclass(frozen=True)
class Quantity:
    """A number with its unit as asserted in a question: 72 小时."""

    value: float
    unit: str
    text: str


def asserted_quantities(question: str) -> list[Quantity]:
    """Return the numbers a yes/no question asserts (72小时, 三十日, 五十万元); empty for other questions."""
    text = normalize_text(question)
    asking = "".join(_asking_clauses(sentence) for sentence in _SENTENCE.findall(text)
                     if _YES_NO.search(sentence.strip()))
    found = []
    for match in _QUANTITY.finditer(asking):
        value = _number(match.group(1))
        if value is not None:
            unit = _UNIT_FAMILY.get(match.group(2), match.group(2))
            found.append(Quantity(value, unit, match.group(0)))
    return found


def _asking_clauses(sentence: str) -> str:
    """Return the clauses of a yes/no sentence that make its claim: the one asking (「密评是不是一年一次」), and the
    one before a bare tag (「…72小时内必须报告，对吗？」). A clause telling the situation is no claim about the law:
    「…借给别人用，一个月能拿几百块，这个违法吗？」 asks whether the lending is lawful, not whether a month is. A
    condition before the asking clause (「处理10万人以上个人信息的，要申报吧？」) belongs to the rule claimed."""
    clauses = _CLAUSE.findall(sentence)
    asking = []
    for index, clause in enumerate(clauses):
        if not _YES_NO.search(clause.strip(" ，,")):
            continue
        if index > 0 and (_TAG.match(clause.strip()) or _CONDITION.search(clauses[index - 1])):
            asking.append(clauses[index - 1])
        asking.append(clause)
    return "".join(asking)


def quantity_in(quantity: Quantity, text: str) -> bool:
    """Return True when text states the same number with the same unit (每年 states one year)."""
    text = _EVERY.sub(r"1\1", normalize_text(text))
    for match in _QUANTITY.finditer(text):
        unit = _UNIT_FAMILY.get(match.group(2), match.group(2))
        if unit == quantity.unit and _number(match.group(1)) == quantity.value:
            return True
    return False


def quantity_units_in(text: str) -> set[str]:
    """Return the units of the numbers text states (小时, 日, 月, 万元 ...; 每年 states a year)."""
    undated = _EVERY.sub(r"1\1", _DATE.sub(" ", normalize_text(text)))
    return {_UNIT_FAMILY.get(m.group(2), m.group(2)) for m in _QUANTITY.finditer(undated)}


def unsupported_quantities(question: str, articles: Sequence[StoredArticle]) -> list[Quantity]:
    """Return the numbers a yes/no question asserts that none of the governing articles states."""
    return [
        q for q in asserted_quantities(question) if not any(quantity_in(q, a.article.text) for a in articles)
    ]


def _number(text: str) -> float | None:
    """Return the value of 72, 7.5, 10万, 七十二 or 五千万; None when it is not a number."""
    text = text.replace(" ", "")
    scale = 1
    while text and text[-1] in _MULTIPLIER and (len(text) > 1):
        scale *= _MULTIPLIER[text[-1]]
        text = text[:-1]
    try:
        value = float(text) if re.fullmatch(r"\d+(?:\.\d+)?", text) else float(chinese_to_int(text))
    except ValueError:
        return None
    return value * scale if value else None
