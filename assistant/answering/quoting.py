"""What to quote of an article: which 款 (paragraphs) answer the question, its best sentence, and how to cut it.

Quotes are always verbatim; these choose and trim, never rephrase.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.decline import coverage
from assistant.language.negation import is_residual, states_status
from assistant.language.numerals import ITEM_MARKER_PATTERN
from assistant.language.vocabulary import stated_sanction_words
from assistant.records import Hit, StoredArticle

PENALTY_TEXT = stated_sanction_words()
_ITEM = re.compile(rf"^\s*{ITEM_MARKER_PATTERN}")
SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_SHORT_ARTICLE = 260  # characters: quote such articles whole rather than picking paragraphs
_LEAD_MAX = 120  # characters of the lead quote before it is cut at a comma
# A question denying a status (「我们不是关基」): text about that status is quoted only when nothing else fits, and
# the provision for everyone else (「其他网络运营者…」) is preferred among equals.
_DENIED_MALUS = 0.5
_RESIDUAL_BONUS = 0.3
# A 款 that provides for one case: 「涉及关键信息基础设施的，…」「网络运营者属于中央和国家机关各部门…的，…」.
_CASE = re.compile(r"^[^，。；：]{2,40}的，")
_FIRST_CLAUSE = re.compile(r"^[^，。；：\n]+")


def pick_paragraphs(hit: Hit, terms: dict[str, float], kind: str, denied: Sequence[str] = ()) -> tuple[int, ...]:
    """Return the 款 of an article to quote: all of a short article, else the best-matching ones (denied: statuses
    the asker said they lack, whose 款 give way to the others)."""
    paragraphs = hit.article.article.paragraphs
    whole = kind == "list" or (kind == "penalty" and states_a_penalty(hit.article))
    if len(hit.article.article.text) <= _SHORT_ARTICLE or whole or len(paragraphs) <= 1:
        return tuple(range(len(paragraphs)))
    if hit.paragraphs and not denied:
        wanted = list(hit.paragraphs[:2])
    else:
        fits = [fit(paragraph, terms, denied) for paragraph in paragraphs]
        scored = sorted(range(len(paragraphs)), key=lambda i: -fits[i])
        wanted = [i for i in scored[:2] if fits[i] >= 0.6 * fits[scored[0]]]
    if kind == "penalty":
        wanted += [i for i, p in enumerate(paragraphs) if PENALTY_TEXT.search(p)][:1]
    return with_items(paragraphs, wanted if denied else with_cases(paragraphs, wanted))


def with_cases(paragraphs: Sequence[str], wanted: Sequence[int]) -> list[int]:
    """Return the indices widened by the article's cases, when it provides case by case ending with everyone else
    (涉及关基的…1小时；中央和国家机关的…2小时；其他网络运营者…4小时): an asker whose case the question does not tell
    is answered only by every case, with the lead-in before them. The cases are the article's rule; a 款 beside
    them (本行业领域有专门规定的…) adds to it and does not stand for it."""
    chosen = list(wanted)
    for first, last in _case_runs(paragraphs) if wanted else []:
        lead_in = [first - 1] if first > 0 and paragraphs[first - 1].rstrip().endswith(("：", ":")) else []
        chosen += [*lead_in, *range(first, last + 1)]
    return sorted(set(chosen))


def _case_runs(paragraphs: Sequence[str]) -> list[tuple[int, int]]:
    """Return (first, last) of each run of case 款 that ends with the one for everyone else (「其他…」)."""
    runs, start = [], None
    for index, paragraph in enumerate(paragraphs):
        if is_residual(paragraph) and start is not None:
            runs.append((start, index))
            start = None
        elif _CASE.match(paragraph):
            start = index if start is None else start
        else:
            start = None
    return runs


def with_items(paragraphs: Sequence[str], wanted: Sequence[int]) -> tuple[int, ...]:
    """Return the indices widened so a lead-in ending in ：keeps its items and an item keeps its lead-in."""
    chosen = {i for i in wanted if 0 <= i < len(paragraphs)}
    for index in list(chosen):
        if _ITEM.match(paragraphs[index]):
            lead = index
            while lead > 0 and _ITEM.match(paragraphs[lead]):
                lead -= 1
            chosen.add(lead)
            index = lead
        if paragraphs[index].rstrip().endswith(("：", ":")):
            follow = index + 1
            while follow < len(paragraphs) and _ITEM.match(paragraphs[follow]):
                chosen.add(follow)
                follow += 1
    return tuple(sorted(chosen))


def fit(text: str, terms: dict[str, float], denied: Sequence[str] = ()) -> float:
    """Return how well a 款 or sentence answers: the question's terms it covers, less when it is about a status the
    asker denied, more when it provides for everyone outside the statuses listed before it."""
    score = coverage(terms, text)
    if denied:
        score -= _DENIED_MALUS if any(states_status(text, status) for status in denied) else 0.0
        score += _RESIDUAL_BONUS if is_residual(text) else 0.0
    return score


def made_for_a_denied_status(article: StoredArticle, denied: Sequence[str]) -> bool:
    """Return whether an article is made for a status the asker denied: the subject its first clause names is of
    that status (「关键信息基础设施的运营者采购网络产品和服务，…」), and no 款 provides for everyone else. An article
    listing the status among its cases (「有下列情形之一的：…（二）关键信息基础设施运营者…」) is not."""
    paragraphs = article.article.paragraphs
    if not (denied and paragraphs) or any(is_residual(paragraph) for paragraph in paragraphs):
        return False
    subject = _FIRST_CLAUSE.match(paragraphs[0])
    return subject is not None and any(states_status(subject.group(0), status) for status in denied)


def best_sentence(
    text: str, terms: dict[str, float], prefer: re.Pattern[str] | None = None, denied: Sequence[str] = ()
) -> str:
    """Return the sentence of text that covers the question best (verbatim), earlier ones winning ties."""
    sentences = [s.strip() for s in SENTENCE.findall(text) if len(s.strip()) > 4]
    if not sentences:
        return text.strip()
    cases = bool(_case_runs(text.split("\n")))

    def score(sentence: str) -> float:
        bonus = 0.5 if prefer is not None and prefer.search(sentence) else 0.0
        # An item (项) read alone lacks its lead-in; quote it only when it holds what was asked. A lead-in to
        # cases (「…按以下程序报告：」) promises the answer without giving it: the cases give it.
        malus = 0.2 if _ITEM.match(sentence) or (cases and sentence.endswith(("：", ":"))) else 0.0
        return fit(sentence, terms, denied) + bonus - malus

    return max(sentences, key=score)


def quote_paragraphs(article: StoredArticle, paragraphs: Sequence[int]) -> str:
    """Return the quoted 款 of an article exactly as printed, one per line."""
    texts = article.article.paragraphs
    return "\n".join(texts[i] for i in paragraphs if 0 <= i < len(texts)) or article.article.text


def shorten(sentence: str) -> str:
    """Return a long sentence cut at a comma before _LEAD_MAX characters, marked with an ellipsis."""
    if len(sentence) <= _LEAD_MAX:
        return sentence
    cut = sentence.rfind("，", 0, _LEAD_MAX)
    return (sentence[:cut] if cut > 20 else sentence[:_LEAD_MAX]) + "……"


def states_a_penalty(article: StoredArticle) -> bool:
    """Return True for an article the composer quotes as a penalty: in a 法律责任/罚则 chapter or stating a sanction.

    Broader than retrieval.crossref.is_penalty_article (sanction words plus that chapter or a 违反本法… citation),
    which decides which articles to link; this decides how much of an article to quote and in which role.
    """
    in_chapter = any("法律责任" in heading or "罚则" in heading for heading in article.article.headings)
    return in_chapter or bool(PENALTY_TEXT.search(article.article.text))
