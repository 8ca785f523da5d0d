"""What a version question needs beyond the pairs of the articles retrieval found.

Three kinds of question reach past those pairs:

- 「2025年修正新增了哪些条文？」 asks for a list the stored alignment holds: every article of the newer text with
  no counterpart in the older one (or, for 删除了哪些, every older article with none in the newer text).
- 「网络日志没留存六个月被查处，适用哪一版的哪一条？」 finds the duty (2016 第二十一条) but asks about the
  punishment: the article of the same text that enforces it (第五十九条 cites 本法第二十一条) is brought in.
- Articles of an amended document retrieved with nearly the same score (a follow-up whose question was folded
  into the query; several articles on one subject) are put in the order of how much of the question each pair
  holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.corpus import alignment_store
from assistant.corpus.catalog import Catalog
from assistant.corpus.versions import ADDED, DELETED
from assistant.language.textnorm import normalize_text
from assistant.records import DocumentVersion, Hit, StoredArticle, VersionLink
from assistant.retrieval.crossref import is_penalty_question, penalty_links

# 「新增了哪些条文」「增加了什么条款」「删了哪几条」: a list of what was added or deleted, not one article's change.
_LIST_ADDED = re.compile(r"(?:新增|增加|增设|加了|添加|新加)(?:了|的)?(?:哪些|哪几|什么|几)")
_LIST_DELETED = re.compile(r"(?:删除|删去|删掉|删了|废止|去掉)(?:了|的)?(?:哪些|哪几|什么|几)")
# Retrieval scores this close say little about which article of an amended document is meant: the two texts of
# one article, and neighbouring articles on one subject, score within a few hundredths (2016 第七十五条's pair
# ranked tenth at 0.33 behind 第三十九条's at 0.40 for 「对境外机构…的规定扩大了吗」).
NEAR = 0.08
TIE = 0.02  # across documents only scores this close are let trade places
LISTED = 10  # articles a list answer names at most


def asks_for_list(query: str) -> str | None:
    """Return "added" or "deleted" when the question asks which articles an amendment added or deleted."""
    text = normalize_text(query)
    if _LIST_ADDED.search(text):
        return ADDED
    if _LIST_DELETED.search(text):
        return DELETED
    return None


def asks_about_penalty(query: str) -> bool:
    """Return True when the question asks how a breach is punished (「被查处」「怎么追责」 among the penalty words)."""
    return is_penalty_question(normalize_text(query))


def listed_links(catalog: Catalog, versions: Sequence[DocumentVersion], kind: str) -> list[VersionLink]:
    """Return the added (or deleted) articles between a document's two newest versions, as pairs without a side.

    The list comes from the stored alignment, so it is the same one `assistant corpus compare` prints.
    """
    ordered = sorted(versions, key=alignment_store.version_date)
    if len(ordered) < 2:
        return []
    old, new = ordered[-2], ordered[-1]
    pairs = alignment_store.hop(catalog, old.version_id, new.version_id)
    added = kind == ADDED
    mine, other = (new, old) if added else (old, new)
    ordinals = [p.new_ordinal if added else p.old_ordinal for p in pairs
                if (p.old_ordinal is None) == added and (p.new_ordinal is None) == (not added)]
    stored = catalog.articles_by_keys([f"{mine.version_id}#{o}" for o in ordinals if o is not None])
    articles = [stored[f"{mine.version_id}#{o}"] for o in ordinals if f"{mine.version_id}#{o}" in stored]
    return [VersionLink(a, None, other.version_id, alignment_store.version_date(other), kind, 0.0)
            for a in articles[:LISTED]]


def enforcing_articles(catalog: Catalog, article: StoredArticle) -> list[StoredArticle]:
    """Return the penalty articles of the same version that cite the article (违反本法第二十一条… 处…罚款)."""
    articles = catalog.articles(article.version_id)
    by_key = {a.key: a for a in articles}
    return [by_key[key] for key in penalty_links(articles).get(article.key, ())]


def order_by_question(hits: Sequence[Hit], amended: set[str],
                      liking: Callable[[StoredArticle], float]) -> list[Hit]:
    """Return the hits with the amended documents' near-best ones ordered by how much of the question each holds.

    Hits of an amended document within NEAR of its best score trade places among themselves (each keeps a slot
    one of them held); other documents' hits and the farther ones keep retrieval's order.
    """
    best = next((h.score for h in hits if h.article.doc_id in amended), None)
    if best is None:
        return list(hits)
    slots = [i for i, h in enumerate(hits) if h.article.doc_id in amended and best - h.score <= NEAR]
    ordered = sorted((hits[i] for i in slots), key=lambda h: -liking(h.article))  # stable for equal liking
    result = list(hits)
    for slot, hit in zip(slots, ordered, strict=True):
        result[slot] = hit
    return result


def break_ties(hits: Sequence[Hit], liking: Callable[[StoredArticle], float]) -> list[Hit]:
    """Return the hits with the leading run of near-equal scores ordered by how much of the question each holds.

    Only the run within TIE of the first score moves; the rest keep retrieval's order.
    """
    if not hits:
        return []
    top = hits[0].score
    run = 0
    while run < len(hits) and top - hits[run].score <= TIE:
        run += 1
    head = sorted(hits[:run], key=lambda h: -liking(h.article))  # stable: equal liking keeps retrieval's order
    return [*head, *hits[run:]]
