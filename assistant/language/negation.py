"""What a question says its asker is not (「我们不是关基」「医院不属于关键信息基础设施」「也不是中央单位」).

Officials often state the category they fall outside of, because the rule they need depends on it: an incident is
reported within one hour by an operator of critical information infrastructure, within four by 其他网络运营者. Searched
as written, 「不是关基」 is the question's rarest words and fills the answer with the rules for 关基, the very ones the
asker said do not apply. So the texts made for a status denied are left out of the search (the status itself stays
searched: the article providing case by case names it), and the answer avoids quoting the 款 made for it.

Only a declarative clause denies: 「是不是关基」「算不算关基」「医院不属于关基吗？」 ask, and keep their words.
"""

from __future__ import annotations

import functools
import re

from assistant.language.textnorm import normalize_text
from assistant.language.vocabulary import load_aliases, load_legal_terms

_CLAUSE = re.compile(r"[^，,。；;！!？?\n]+[，,。；;！!？?\n]?")
_ASKS = re.compile(r"[？?]$|吗|么|呢|是否|能否|可否|要不要|需不需要|是不是|算不算|属不属于|有没有")
# 不是 after 是 is 是不是 (an ask), 不算 after 算 is 算不算, 不属于 after 属 is 属不属于.
# A denied status ends where the clause turns: 「不是关基也不是中央单位」「不是关基但数据量大」.
_DENIAL = re.compile(
    r"(?:(?<![是算属])(?:不是|不算|不属于|不涉及)|并非)(?P<what>[^，,。；;！!？?\n（）()“”\"《》也但而却又还就]{2,14})"
)
# 「很清楚」「一回事」 after 不是 deny no category.
_NOT_A_STATUS = re.compile(
    r"^(?:很|太|特别|非常|一|这|那|都|全|所有|说|要|想|能|会|可以|需要|只|单|光|在|为了|因为|我|你|他)"
)
# Words that name the kind of body, not the status: 中央单位 denies 中央, 关基运营者 denies 关基.
_KIND_OF_BODY = re.compile(r"(?:单位|机构|部门|企业|公司|运营者|处理者|系统|的)+$")
# A status this long names one kind of body or data (关键信息基础设施, 重要数据); a shorter one (中央) only tells
# which 款 of an article to prefer, never which texts to leave out.
SPECIFIC_STATUS_CHARS = 4
# The statutes' own denial, 「非关键信息基础设施运营者」, is the asker's status, not the one denied.
_STATUTE_NEGATION = "非"
# 「还要…吗」「也得…吗」: whether what binds the status denied binds the asker too.
_ALSO = re.compile(r"还要|也要|也得|还得|还需要|也需要|还用|也用|照样|同样要|是否也|是不是也|也适用|也算")
# What the statutes provide for everyone outside the categories just listed: 「其他网络运营者应当…」.
_RESIDUAL = re.compile(r"^\s*其他")


def denied_statuses(text: str) -> tuple[str, ...]:
    """Return the statuses the asker says they lack, in the order written: each without the kind of body, in the
    statutes' words (「不是关基运营者」 -> 关键信息基础设施)."""
    found: list[str] = []
    for clause in _CLAUSE.findall(normalize_text(text)):
        if _ASKS.search(clause):
            continue
        for match in _DENIAL.finditer(clause):
            what = match.group("what")
            if _NOT_A_STATUS.match(what):
                continue
            core = _statute_words(_KIND_OF_BODY.sub("", what) or what)
            if len(core) < SPECIFIC_STATUS_CHARS and _statute_words(what) in _legal_terms():
                core = _statute_words(what)  # 数据处理者: 数据 alone would deny every text on data
            if len(core) >= 2:
                found.append(core)
    return tuple(found)


def compares_with_denied(text: str) -> bool:
    """Return whether a question asks if a rule of the status it denies binds the asker too (「我们不是重要数据处理者，
    还要每年做风险评估吗？」): that status's rules are then what is asked about."""
    return bool(_ALSO.search(normalize_text(text)))


def states_status(text: str, status: str) -> bool:
    """Return whether text is about a denied status (as denied_statuses gives it): it names it (关键信息基础设施的
    运营者…), not its statutory negation (非关键信息基础设施运营者)."""
    text = normalize_text(text)
    return status in text.replace(_STATUTE_NEGATION + status, "")


def is_residual(text: str) -> bool:
    """Return whether a paragraph or sentence provides for everyone outside the categories before it (「其他…」)."""
    return bool(_RESIDUAL.match(text))


def _statute_words(status: str) -> str:
    """Return the status in the statutes' words: an officials' abbreviation (关基) replaced by what it stands for."""
    for short, full in _aliases_longest_first():
        if short in status:
            return status.replace(short, full)
    return status


@functools.lru_cache(maxsize=1)
def _legal_terms() -> frozenset[str]:
    return frozenset(load_legal_terms())


@functools.lru_cache(maxsize=1)
def _aliases_longest_first() -> tuple[tuple[str, str], ...]:
    terms = _legal_terms()
    # Only aliases of concepts: 关基 -> 关键信息基础设施; 网安法 names a regulation, not a status.
    concepts = {short: full for short, full in load_aliases().items() if full in terms or not full.endswith("法")}
    return tuple(sorted(concepts.items(), key=lambda kv: -len(kv[0])))
