"""What to quote of an article: which 款 (paragraphs) answer the question, its best sentence, and how to cut it.

Quotes are always verbatim; these choose and trim, never rephrase.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.decline import coverage
from assistant.language.numerals import ITEM_MARKER_PATTERN
from assistant.language.vocabulary import stated_sanction_words
from assistant.records import Hit, StoredArticle

PENALTY_TEXT = stated_sanction_words()
_ITEM = re.compile(rf"^\s*{ITEM_MARKER_PATTERN}")
SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_SHORT_ARTICLE = 260  # characters: quote such articles whole rather than picking paragraphs
_LEAD_MAX = 120  # characters of the lead quote before it is cut at a comma


def pick_paragraphs(hit: Hit, terms: dict[str, float], kind: str) -> tuple[int, ...]:
    """Return the 款 of an article to quote: all of a short article, else the best-matching ones."""
    paragraphs = hit.article.article.paragraphs
    whole = kind == "list" or (kind == "penalty" and states_a_penalty(hit.article))
    if len(hit.article.article.text) <= _SHORT_ARTICLE or whole or len(paragraphs) <= 1:
        return tuple(range(len(paragraphs)))
    if hit.paragraphs:
        wanted = list(hit.paragraphs[:2])
    else:
        scored = sorted(range(len(paragraphs)), key=lambda i: -coverage(terms, paragraphs[i]))
        top = coverage(terms, paragraphs[scored[0]])
        wanted = [i for i in scored[:2] if coverage(terms, paragraphs[i]) >= 0.6 * top]
    if kind == "penalty":
        wanted += [i for i, p in enumerate(paragraphs) if PENALTY_TEXT.search(p)][:1]
    return with_items(paragraphs, wanted)


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


def best_sentence(text: str, terms: dict[str, float], prefer: re.Pattern[str] | None = None) -> str:
    """Return the sentence of text that covers the question best (verbatim), earlier ones winning ties."""
    sentences = [s.strip() for s in SENTENCE.findall(text) if len(s.strip()) > 4]
    if not sentences:
        return text.strip()

    def score(sentence: str) -> float:
        bonus = 0.5 if prefer is not None and prefer.search(sentence) else 0.0
        # An item (项) read alone lacks its lead-in; quote it only when it holds what was asked.
        malus = 0.2 if _ITEM.match(sentence) else 0.0
        return coverage(terms, sentence) + bonus - malus

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
