"""Cross-references between articles: which penalty article punishes breaking which obligation.

Penalty articles cite the obligations they enforce (「违反本法第二十一条、第二十七条规定的」, 「有本法第
十八条第一款规定的情形」, 「未依照本法第三十一条…」); linking them lets a question about an obligation also
return its penalty, and a penalty question rank the penalty article that cites the obligation found.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from assistant.language.numerals import NUMERAL_PATTERN, chinese_to_int
from assistant.language.textnorm import NOT_CONTENT, normalize_text
from assistant.language.verdict import without_verdict
from assistant.language.vocabulary import penalty_question_words, sanction_words, stated_sanction_words
from assistant.records import StoredArticle
from assistant.retrieval.fusion import ArticleScore, raise_to

_N = NUMERAL_PATTERN
_REF_ITEM = rf"第(?:{_N})条(?:之(?:{_N}))?(?:第(?:{_N})款)?(?:第[（(](?:{_N})[)）]项)?"
_CITING = re.compile(
    rf"(?:违反|未按照|未依照|不按照|不依照|不履行|有)本(?:法|条例|办法|规定|细则)"
    rf"((?:{_REF_ITEM}(?:[、，,和及与或者至到]|以及)*)+)"
)
_ARTICLE_NO = re.compile(rf"第({_N})条(?:之({_N}))?")
_RANGE = re.compile(rf"第({_N})条(?:第(?:{_N})款)?(?:至|到)第({_N})条")
PENALTY_WORDS = sanction_words()
PENALTY_INTENT = penalty_question_words()
# 「违反本法规定处理个人信息…的」「未按照本办法规定报告网络安全事件的」: the text's provisions breached as a whole.
_GENERAL_BREACH = re.compile(r"(?:违反|未按照|未依照|不按照|未履行|不履行)本(?:法|条例|办法|规定|细则)(?:的)?规定")
# Liability every text states for any breach (民事责任, 治安管理处罚, 刑事责任) sanctions no duty in particular.
_ANY_BREACH = re.compile(r"给他人造成损害|构成犯罪|治安管理处罚|从轻、减轻")
_STATED_SANCTION = stated_sanction_words()


def is_penalty_article(stored: StoredArticle) -> bool:
    """Return True when an article imposes sanctions (罚款, 处分, 责令改正 …)."""
    return bool(PENALTY_WORDS.search(stored.article.text)) and any(
        "法律责任" in h or "罚则" in h for h in stored.article.headings
    ) or bool(_CITING.search(normalize_text(stored.article.text)) and PENALTY_WORDS.search(stored.article.text))


def is_penalty_question(query: str) -> bool:
    """Return True when a question asks about penalties or liability. The verdict it asks for is not one:
    「…这样违规吗？」 asks whether a practice is lawful, 「违规了会怎么处理？」 what follows."""
    return bool(PENALTY_INTENT.search(without_verdict(query)))


# The punishment part of a penalty question: its penalty words with the 处/惩 they are often joined to (处罚).
_PUNISHMENT_ASKED = re.compile(rf"(?:处|惩)?(?:{PENALTY_INTENT.pattern})(?:款|多少钱|多少|几)?")
MIN_DUTY_CHARS = 4


def duty_query(query: str) -> str:
    """Return a penalty question without its punishment words: the duty whose breach it asks about, or "".

    「没落实等保要处罚，第一次罚多少」 searched whole finds penalty articles close in wording; without 处罚 and 罚多少
    it finds the 等级保护 duty, whose citing penalty article is the one asked for.
    """
    duty = " ".join(_PUNISHMENT_ASKED.sub(" ", normalize_text(query)).split())
    return duty if len(NOT_CONTENT.sub("", duty)) >= MIN_DUTY_CHARS and duty != normalize_text(query) else ""


def cited_articles(text: str) -> list[tuple[int, int]]:
    """Return (number, suffix) of every article a sanction clause cites (「违反本法第二十一条…规定的」)."""
    cited: list[tuple[int, int]] = []
    for match in _CITING.finditer(normalize_text(text)):
        span = match.group(1)
        for low, high in _RANGE.findall(span):
            start, end = chinese_to_int(low), chinese_to_int(high)
            if 0 < start <= end <= start + 50:
                cited.extend((n, 0) for n in range(start, end + 1))
        for number, suffix in _ARTICLE_NO.findall(span):
            cited.append((chinese_to_int(number), chinese_to_int(suffix) if suffix else 0))
    return list(dict.fromkeys(cited))


def penalty_links(articles: Sequence[StoredArticle]) -> dict[str, list[str]]:
    """Return obligation article key -> keys of the penalty articles citing it, within one version."""
    by_number = {(a.article.number, a.article.suffix): a.key for a in articles if a.article.kind == "article"}
    links: dict[str, list[str]] = defaultdict(list)
    for stored in articles:
        if not PENALTY_WORDS.search(stored.article.text):
            continue
        for ref in cited_articles(stored.article.text):
            target = by_number.get(ref)
            if target and target != stored.key and stored.key not in links[target]:
                links[target].append(stored.key)
    return dict(links)


def is_general_penalty(stored: StoredArticle) -> bool:
    """Return True for an article sanctioning a breach of its text's provisions as a whole, citing none of them
    by number: 「网络运营者未按照本办法规定报告网络安全事件的，有关主管部门…进行处罚」, 个人信息保护法 第六十六条
    「违反本法规定处理个人信息…」. The composer prefers it for a duty of its text found near the top (a follow-up's
    「不报会怎样？」 after the reporting rules); ranking follows it only from an article the conversation names by
    number that no penalty article cites (CatalogSnapshot.penalties_sanctioning). Linking every such duty to it was
    tried: it lifted the same few articles for any penalty question."""
    text = stored.article.text
    first = re.split(r"[。；]", text, maxsplit=1)[0]  # 「…构成犯罪的，依法追究刑事责任」 may follow the sanction
    return (stored.article.kind == "article" and bool(_GENERAL_BREACH.search(first))
            and bool(_STATED_SANCTION.search(text)) and not cited_articles(text) and not _ANY_BREACH.search(first))


# 「国家机关不履行本法规定的…义务的」「国家机关政务网络的运营者不履行…的」: the sanction a state organ faces instead.
_STATE_ORGAN_SUBJECT = re.compile(r"^国家机关")


def is_state_organ_penalty(stored: StoredArticle) -> bool:
    """Return True for a penalty article whose subject is a state organ: what sanctions it instead of a fine."""
    return _STATE_ORGAN_SUBJECT.match(stored.article.text) is not None and is_penalty_article(stored)


def boost_penalty_articles(
    articles_by_keys: Callable[[list[str]], dict[str, StoredArticle]], entries: list[ArticleScore], boost: float
) -> None:
    """Add boost to the fused score of the entries that are penalty articles (a penalty question's candidates)."""
    by_key = articles_by_keys([e.key for e in entries])
    for entry in entries:
        stored = by_key.get(entry.key)
        if stored is not None and is_penalty_article(stored):
            entry.fused += boost


DUTY_PLACE = 4  # the breached duty goes at worst fifth: just below its penalty article


def duty_beside_penalty(
    ranked: list[ArticleScore], duties: Sequence[str], links: Callable[[str], Sequence[str]], *, source_depth: int = 3
) -> list[ArticleScore]:
    """Return ranked with the duty a penalty question describes just below the leading penalty article citing it.

    「泄露了患者信息，按网安法要承担什么处罚」 rests on two articles: the duty breached (第四十二条) and the penalty
    citing it (第六十四条). The penalty words pull other penalty articles up, so the duty found apart by the
    question's own words can fall below fifth even though the penalty it leads to ranks first.
    """
    keys = [e.key for e in ranked]
    for duty in duties:
        penalties = [keys.index(p) for p in links(duty) if p in keys[:source_depth]]
        if not penalties:
            continue
        return raise_to(ranked, duty, min(min(penalties) + 1, DUTY_PLACE), DUTY_PLACE)
    return ranked


def state_organ_penalty_first(
    ranked: list[ArticleScore], state_organ_penalties: Callable[[str], Sequence[str]], *, source_depth: int = 3
) -> list[ArticleScore]:
    """Return ranked led by a state-organ penalty article of the texts found first, for a penalty question telling
    a state organ's own conduct (language.asker.tells_a_state_organ).

    「区人社局的社保系统…把参保人信息提供给了一家培训机构…那局里的相关负责人会怎么处理？」 is answered by 个人信息保护法
    第六十八条 (上级机关责令改正, 处分), not by the fines of 第六十六条, which share more of its words.
    """
    texts = dict.fromkeys(e.key.rpartition("#")[0] for e in ranked[:source_depth])
    candidates = [k for version in texts for k in state_organ_penalties(version)]
    if not candidates:
        return ranked
    # The one the question's words ranked best (个保法's for 参保人信息, not 数安法's), else the first text's.
    position = {e.key: i for i, e in enumerate(ranked)}
    key = min(candidates, key=lambda k: position.get(k, len(ranked)))
    top = ranked[0].fused
    ranked = raise_to(ranked, key, 0, 0)
    ranked[0].fused = max(ranked[0].fused, top)
    return ranked
