"""The verdict a question asks for (「这样合规吗」「算不算违法」) is its form, not its subject.

「窗口让群众再交一份户口本复印件，这样要求合规吗？」 asks whether a practice is lawful; searched whole, its 合规 is
the rarest word and the title of 个人信息保护合规审计管理办法 (whose every unit carries it in its header), so that
regulation fills the first page whatever the practice. Searching without the verdict words finds the articles
that govern the practice (国务院关于在线政务服务的若干规定 第七条). 合规, 合法, 违法 and 违规 stay where they are
the subject: 违法信息, 违规收集, 合规审计, 合法权益.
"""

from __future__ import annotations

import re

_VERDICT_WORD = r"(?:合规|合法|违法|违规)"
# 合不合规, 违不违法: always an ask. 是否合规, 算不算违法: an ask when nothing follows but the sentence's end.
# 合规吗, 违法了吗, 合法不: an ask by its particle.
_VERDICT = re.compile(
    r"(?:合不合[规法]|违不违[法规])"
    rf"|(?:是否|是不是|算不算|算是|算|属于|属不属于|有没有)?{_VERDICT_WORD}(?:了)?(?:吗|么|嘛|呢|不|没有?)"
    rf"(?=\s*(?:[？?。！!，,；;]|$))"
    rf"|(?:是否|是不是|算不算|算是|属不属于){_VERDICT_WORD}(?=\s*(?:[？?。！!，,；;]|$))"
)


def asks_verdict(query: str) -> bool:
    """Return whether the question asks whether something is lawful (合规吗, 合不合法, 算不算违法)."""
    return bool(_VERDICT.search(query))


def without_verdict(query: str) -> str:
    """Return the query without the verdict it asks for (合规吗, 合不合法, 算不算违法); unchanged when nothing else
    would be left."""
    stripped = _VERDICT.sub("", query)
    return stripped if stripped.strip(" ？?。！!，,；;") else query
