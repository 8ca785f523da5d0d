"""The bridge from a question's everyday words to the statutes' concepts, for a second, lower-weighted query.

Two sources, both general: the curated table of everyday government-IT words (language/data/concepts.tsv) and
the corpus's own definitions, whose enumerations name the everyday-sounding members of a legal concept
(「敏感个人信息…包括生物识别、宗教信仰、特定身份、医疗健康、金融账户、行踪轨迹等信息」: a question about
医疗健康 is about 敏感个人信息). Expansion terms are searched apart from the question's words and fused with a
lower weight, so they add candidates without drowning the literal words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from assistant.indexing.indexer import parse_unit_id
from assistant.language.textnorm import normalize_text
from assistant.language.vocabulary import concept_groups
from assistant.protocols import SearchIndex
from assistant.records import StoredArticle
from assistant.retrieval.definitions import defined_terms
from assistant.retrieval.fusion import ArticleScore, add_expansion

# The enumeration a definition gives after 包括, up to 等 or the clause's end: 「包括生物识别、宗教信仰…等信息」.
# The general part after 是指 is prose (「一旦遭到篡改…可能危害国家安全」), not a list of members.
_ENUMERATION = re.compile(r"(?<!不)包括([^。；;，,等]*)")
_ITEM_SPLIT = re.compile(r"[、]|以及|或者|和|及")
_ITEM_NOISE = re.compile(r"^(?:其他|各种)")
_NOUN_LIKE = re.compile(r"^[\u4e00-\u9fff]+$")
# Members shorter than three characters (收集, 存储) are verbs every article uses; longer ones name a thing.
MIN_ITEM_CHARS, MAX_ITEM_CHARS = 3, 8
MAX_TERMS = 12
MAX_GROUPS = 6  # situations searched apart; a question rarely names more
GROUP_RRF_K = 5  # merging the groups' searches: each group's first hits lead


def definition_members(articles: Iterable[StoredArticle]) -> dict[str, set[str]]:
    """Return member -> the defined terms whose definition enumerates it (医疗健康 -> {敏感个人信息})."""
    members: dict[str, set[str]] = defaultdict(set)
    for stored in articles:
        for paragraph in stored.article.paragraphs:
            terms = defined_terms(paragraph)
            if len(terms) != 1:
                continue  # a paragraph defining several terms cannot say which term an item belongs to
            for match in _ENUMERATION.finditer(normalize_text(paragraph)):
                for item in _ITEM_SPLIT.split(match.group(1)):
                    item = _ITEM_NOISE.sub("", item.strip())
                    if (MIN_ITEM_CHARS <= len(item) <= MAX_ITEM_CHARS and item != terms[0]
                            and _NOUN_LIKE.match(item) and "的" not in item):
                        members[item].add(terms[0])
    return dict(members)


def expansion_groups(query: str, members: dict[str, set[str]], feedback: Sequence[str] = ()) -> list[list[str]]:
    """Return the legal concepts to search beside the question, one group per situation its words name, none of
    them already in its words: the table's rows, the defined terms whose enumerations name a member, feedback."""
    text = normalize_text(query).lower()
    groups = [list(group) for group in concept_groups(text)]
    # A member named in the question or reached through the table leads to the concept it belongs to.
    for item, terms in members.items():
        if item in text:
            groups.append(sorted(terms))
        for group in groups:
            if item in group:
                group.extend(sorted(terms))
    if feedback:
        groups.append(list(feedback))
    seen: set[str] = set()
    wanted: list[list[str]] = []
    for group in groups:
        kept = [c for c in dict.fromkeys(group) if c.lower() not in text and c not in seen]
        seen.update(kept)
        if kept:
            wanted.append(kept)
    return wanted[:MAX_GROUPS]


def expansion_terms(query: str, members: dict[str, set[str]], feedback: Sequence[str] = ()) -> list[str]:
    """Return the legal concepts to search beside the question, none of them already in its words."""
    return flat_terms(expansion_groups(query, members, feedback))


def flat_terms(groups: Sequence[Sequence[str]]) -> list[str]:
    """Return the groups' concepts in one list, as many as one query carries."""
    return [term for group in groups for term in group][:MAX_TERMS]


def feedback_terms(query: str, texts: Sequence[str], vocabulary: Iterable[str], min_share: float = 0.6) -> list[str]:
    """Return vocabulary terms (defined terms) shared by most of the first-pass top articles, absent from the query.

    Pseudo-relevance feedback: the best articles' common terms of art name the concept the question circles.
    """
    if not texts:
        return []
    text = normalize_text(query).lower()
    need = max(2, int(len(texts) * min_share + 0.5)) if len(texts) > 1 else 1
    found = [t for t in vocabulary if len(t) >= 3 and t not in text and sum(t in body for body in texts) >= need]
    return sorted(found, key=lambda t: -len(t))[:4]


def search_concepts(
    indexer: SearchIndex, query: str, groups: Sequence[Sequence[str]], scores: dict[str, ArticleScore],
    allowed: list[str] | None, candidates: int, dense: bool, where: list[str] | None,
) -> None:
    """Add to scores the ranking of the concepts' keyword searches and, if dense, of the question restated with them.

    Each group (one situation the question's words name) is searched apart and the searches are merged by
    reciprocal rank: one query of every concept would let a question naming many situations blur them all.
    """
    if not groups:
        return
    rankings = [indexer.search_keywords(" ".join(group), 2 * candidates, allowed) for group in groups]
    merged: dict[str, float] = defaultdict(float)
    for hits in rankings:
        for rank, hit in enumerate(hits, start=1):
            merged[hit.unit_id] += 1.0 / (GROUP_RRF_K + rank)
    add_expansion(scores, merged.items())
    if not dense:
        return
    # The question restated with its concepts: what its legal wording would find.
    wanted = set(allowed) if allowed else None
    found = indexer.search_dense_with_terms(query, flat_terms(groups), 2 * candidates, where)
    kept = [h for h in found if wanted is None or parse_unit_id(h.unit_id)[0].rpartition("#")[0] in wanted]
    add_expansion(scores, ((h.unit_id, h.similarity) for h in kept))
    for hit in kept:  # the restated question's similarities count as evidence too (fusion.search_evidence)
        entry = scores[parse_unit_id(hit.unit_id)[0]]  # add_expansion added every article it ranked
        entry.concept_dense = max(entry.concept_dense or hit.similarity, hit.similarity)
