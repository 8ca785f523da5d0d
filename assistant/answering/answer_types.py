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
# only tell of one, and 哪几位 asks who. 几张 (手机卡), 多少分 (a test score) and 多少学时 are counts no statute of
# the library states: asked, they are unmet whatever the subject. 了几 tells a few (挂了几张图片, 拖了几天才报).
_ASKED_NUMBER = re.compile(
    r"(?<![好十几前哪了])(?:多少|几)(个)?(工作日|小时|天|日|个月|月|年|位|张|分(?![钟之])|学时)(?![前来了级])")
_UNIT_OF_QUESTION = {"天": "日", "个月": "月"}
_SAME_MEASURE = {"日": {"日", "工作日"}, "工作日": {"日", "工作日"}}
NUMBER_OF = "number of "  # the kind of an unmet number: "number of 日"
_CLAUSE_END = re.compile(r"(?<=[，,。；;！!？?])")
_SENTENCE_END = re.compile(r"[。！!？?]$")  # a clause ending its sentence: the next one asks of something else
# A clause asking for content (「标准是多少？」) asks of the clause before it, and so does any clause after one naming
# the topic (「关于收费标准，国家有没有规定？」); a clause asking only yes or no asks whether what the clause before
# tells is allowed, not for it (「价格便宜很多，可以吗？」「也想要这份名单，我们能直接给吗？」).
_CONTENT_WORDS = "多少|哪|什么|几|怎么|怎样|如何|谁"
_ASKS_CONTENT = re.compile(rf"{_CONTENT_WORDS}|啥")
_TOPIC = re.compile(r"\s*(?:请问)?(?:关于|对于|至于)")
_NOT_CHARGED = re.compile(r"(?:不收费|免费|不收取费用|不要钱)(?![吗呢？?])")
_ASKING = re.compile(rf"[？?]|吗|呢|{_CONTENT_WORDS}|是否|能否|可否|有没有|要不要|行不行|可不可以|能不能")


def unmet_answer_type(question: str, retrieval: RetrievalResult) -> str | None:
    """Return the kind of answer the question asks for that no top article gives (fee, vendor, 日 …), or None."""
    text = normalize_text(question)
    asked = asking_part(text)
    quoted = [hit.article.article.text for hit in retrieval.hits[:ANSWER_TYPE_DEPTH]]
    for kind, asks, says, _ in answer_type_rules():
        if kind == "fee" and _FINE.search(text):
            continue
        # 「这个网站不收费，要办许可吗」 tells that nothing is charged; 「免费吗」 asks it.
        subject = _NOT_CHARGED.sub(" ", asked) if kind == "fee" else asked
        if asks.search(subject) and not any(says.search(article) for article in quoted):
            return kind
    stated: set[str] = set()
    for hit in retrieval.hits[:NUMBER_DEPTH]:
        stated |= quantity_units_in(hit.article.article.text)
    for unit in asked_units(text):
        if not _SAME_MEASURE.get(unit, {unit}) & stated:
            return NUMBER_OF + unit
    return None


def asking_part(text: str) -> str:
    """Return the clauses of a question that ask (with a question word or mark), each with the clause before it
    in the same sentence.

    「测评收费，标准是多少？」 and 「关于收费标准，请问国家有没有统一规定？」 ask of the fee in the clause before;
    「我们学校做了一个不收费的官网，主要发校园新闻，要去哪里办备案？」 tells of 收费 two clauses earlier and
    「挂号收费全停了。请问要向哪些部门报告？」 in the sentence before, and asks of 备案 and 报告. A question with no
    asking clause is read whole.
    """
    clauses = [c for c in _CLAUSE_END.split(text) if c]
    asking = [i for i, clause in enumerate(clauses) if _ASKING.search(clause)]
    if not asking:
        return text
    before = [i - 1 for i in asking if i > 0 and not _SENTENCE_END.search(clauses[i - 1])
              and (_ASKS_CONTENT.search(clauses[i]) or _TOPIC.match(clauses[i - 1]))]
    keep = sorted({*asking, *before})
    return "".join(clauses[j] for j in keep)


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
