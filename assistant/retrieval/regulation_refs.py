"""References from one regulation to a provision of another: 「按照《互联网信息服务算法推荐管理规定》履行算法备案」.

An article that sends its reader to another regulation of the library for a duty or a condition (the generative-AI
measures' 算法备案 under the algorithm rules; 在线政务服务's 「符合《电子签名法》规定条件的可靠的电子签名」) is answered
in part by that regulation's article, so a question the first answers needs the second beside it. Which article is
meant is read from the reference: its number when it gives one (《个人信息保护法》第五十三条), else the article of that
regulation holding most of the referring clause's distinctive words, if one holds enough of them. Two kinds of
reference point at no single provision and are left out: a regulation's basis (根据《…》制定), and a clause naming
several regulations at once (依照《网络安全法》、《数据安全法》…的规定处罚).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from assistant.language.numerals import NUMERAL_PATTERN, chinese_to_int
from assistant.language.textnorm import QUOTED_TITLE, normalize_title
from assistant.records import StoredArticle
from assistant.retrieval.fusion import ArticleScore, raise_to

Weight = Callable[[str], float]  # a bigram's weight: rarer in the library, heavier

_CLAUSE_END = re.compile(r"[。；;]")
_NUMBERED = re.compile(rf"^第({NUMERAL_PATTERN})条")
_BASIS = re.compile(r"制定本|制定。|制定$")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Share of the clause's weighted bigrams the chosen article must hold: below it the words the clause shares with any
# article are the legal boilerplate around the reference (依照…规定处理), not a subject.
MIN_SHARE = 0.4
# The winner must hold this many times the runner-up's share.
CLEAR_MARGIN = 1.25
# Words of any reference, not of its subject.
_BOILERPLATE = re.compile(
    r"中华人民共和国|依照|按照|依据|根据|适用|遵守|符合|有关|相关|规定|条件|法律|行政|法规|规章|其他|处理|处罚|追究|责任|"
    r"予以|应当|以及|或者|本法|本条例|本办法|[等的和并由及]"
)
# A reference among the first articles of a ranking brings its target within the first five.
SOURCE_DEPTH = 3
TARGET_PLACE = 4


def regulation_links(
    articles: Mapping[str, Sequence[StoredArticle]], group_of: Mapping[str, str], weight: Weight,
    is_penalty: Callable[[StoredArticle], bool],
) -> dict[str, str]:
    """Return article key -> key of the article of another regulation it refers to, over the versions given.

    articles: the articles of each version that may be a reference's target (the versions in force); group_of: each
    of those versions' short title (normalised), through which a quoted name is resolved. A penalty article's
    reference (依照《网络安全法》有关规定处罚) names the law it punishes under, not a provision a question needs
    beside it: penalty questions follow the penalty links instead (crossref.py), so penalty articles make none.
    """
    version_of_group = {group: version for version, group in group_of.items()}
    links: dict[str, str] = {}
    for version_id, version_articles in articles.items():
        own = group_of[version_id]
        for stored in version_articles:
            if is_penalty(stored):
                continue
            target = _target(stored.article.text, own, version_of_group, articles, weight)
            if target:
                links[stored.key] = target
    return links


def _target(
    text: str, own: str, version_of_group: Mapping[str, str], articles: Mapping[str, Sequence[StoredArticle]],
    weight: Weight,
) -> str | None:
    """Return the key of the article one of text's clauses refers to in another regulation, or None."""
    for clause in _CLAUSE_END.split(text):
        named = [(m, normalize_title(m.group(1))) for m in QUOTED_TITLE.finditer(clause)]
        others = {title for _, title in named if title != own and title in version_of_group}
        if len(others) != 1 or len({title for _, title in named}) != 1 or _BASIS.search(clause):
            continue
        match, title = named[0]
        target_articles = articles[version_of_group[title]]
        numbered = _NUMBERED.match(clause[match.end() :])
        if numbered:
            label_number = chinese_to_int(numbered.group(1))
            found = [a for a in target_articles if _number(a) == label_number]
            if found:
                return found[0].key
            continue
        # The words of the comma clause holding the reference say what it refers to (「并按照《…》履行算法备案」,
        # not the sentence's first half on 安全评估); the whole sentence is read when they say too little.
        start = max(clause.rfind(mark, 0, match.start()) for mark in "，,：:") + 1
        ends = [i for i in (clause.find(mark, match.end()) for mark in "，,") if i >= 0]
        piece = clause[start : min(ends, default=len(clause))]
        for words in (piece, clause):
            best = _best_match(words.replace(match.group(0), ""), target_articles, weight)
            if best:
                return best
    return None


def _number(stored: StoredArticle) -> int | None:
    found = _NUMBERED.match(stored.article.label)
    return chinese_to_int(found.group(1)) if found else None


def _best_match(clause: str, candidates: Sequence[StoredArticle], weight: Weight) -> str | None:
    """Return the key of the candidate holding clearly the largest weighted share of clause's subject bigrams.

    The words around any reference (依照…有关规定处理) are dropped first; what is left must be held by one article
    clearly more than by any other (个人信息处理者 alone is in half the PIPL and points nowhere).
    """
    subject = _BOILERPLATE.sub("|", clause)
    grams = {run[i : i + 2] for run in _CJK_RUN.findall(subject) for i in range(len(run) - 1)}
    total = sum(weight(g) for g in grams)
    if not total:
        return None
    shares = sorted(((sum(weight(g) for g in grams if g in a.article.text) / total, a.key) for a in candidates),
                    reverse=True)
    if not shares:
        return None
    (best, key), runner_up = shares[0], (shares[1][0] if len(shares) > 1 else 0.0)
    return key if best >= MIN_SHARE and best >= CLEAR_MARGIN * runner_up else None


def follow_references(ranked: list[ArticleScore], links: Mapping[str, str], allowed: set[str]) -> list[ArticleScore]:
    """Return ranked with the article a leading article refers to within the first five (once per question).

    The target goes just below the next article after its source, at worst fifth: it adds the other regulation's
    provision without displacing the source regulation's first two.
    """
    for index, entry in enumerate(ranked[:SOURCE_DEPTH]):
        target = links.get(entry.key)
        if target is None or target.rpartition("#")[0] not in allowed:
            continue
        place = min(index + 2, TARGET_PLACE)
        return raise_to(ranked, target, place, place)
    return ranked
