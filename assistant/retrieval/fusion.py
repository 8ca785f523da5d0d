"""Pure functions of retrieval: roll unit hits up to articles, fuse two rankings, estimate evidence."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from assistant.indexing.indexer import parse_unit_id
from assistant.settings import RetrievalSettings


@dataclass
class ArticleScore:
    """What the rankings say about one article before fusion."""

    key: str
    dense: float | None = None  # best cosine similarity among its units
    lexical: float | None = None  # best BM25 score among its units
    coverage: float = 0.0  # share of query terms in its best lexical unit
    dense_rank: int | None = None
    lexical_rank: int | None = None
    expansion_ranks: list[int] = field(default_factory=list)  # ranks in the searches for the question's concepts
    turn_ranks: list[int] = field(default_factory=list)  # ranks in the search of a follow-up's own words
    paragraphs: dict[int, float] = field(default_factory=dict)  # 款 index -> best similarity
    fused: float = 0.0
    sanctions_found: bool = False  # a penalty article citing an obligation the question named or found
    concept_dense: float | None = None  # best similarity to the question restated with its legal concepts


def roll_up(
    dense: Iterable[tuple[str, float]], lexical: Iterable[tuple[str, float, float]]
) -> dict[str, ArticleScore]:
    """Return per-article scores from unit hits: the best unit of each article speaks for it."""
    articles: dict[str, ArticleScore] = {}
    for unit_id, similarity in dense:
        key, paragraph = parse_unit_id(unit_id)
        entry = articles.setdefault(key, ArticleScore(key))
        entry.dense = similarity if entry.dense is None else max(entry.dense, similarity)
        if paragraph is not None:
            entry.paragraphs[paragraph] = max(entry.paragraphs.get(paragraph, -1.0), similarity)
    for unit_id, score, coverage in lexical:
        key, paragraph = parse_unit_id(unit_id)
        entry = articles.setdefault(key, ArticleScore(key))
        if entry.lexical is None or score > entry.lexical:
            entry.lexical, entry.coverage = score, coverage
        if paragraph is not None and paragraph not in entry.paragraphs:
            entry.paragraphs[paragraph] = -0.5  # found by keywords only: ranks after dense paragraph matches
    _assign_ranks(articles.values())
    return articles


def _assign_ranks(entries: Iterable[ArticleScore]) -> None:
    entries = list(entries)
    dense = sorted((e for e in entries if e.dense is not None), key=lambda e: -(e.dense or 0.0))
    for rank, entry in enumerate(dense, start=1):
        entry.dense_rank = rank
    lexical = sorted((e for e in entries if e.lexical is not None), key=lambda e: -(e.lexical or 0.0))
    for rank, entry in enumerate(lexical, start=1):
        entry.lexical_rank = rank


def add_expansion(articles: dict[str, ArticleScore], hits: Iterable[tuple[str, float]]) -> None:
    """Rank articles by their best unit in one expansion search (new articles are added)."""
    best: dict[str, float] = {}
    for unit_id, score in hits:
        key = parse_unit_id(unit_id)[0]
        best[key] = max(best.get(key, score), score)
    for rank, key in enumerate(sorted(best, key=lambda k: -best[k]), start=1):
        articles.setdefault(key, ArticleScore(key)).expansion_ranks.append(rank)


def add_turn_ranks(articles: dict[str, ArticleScore], own: Mapping[str, ArticleScore]) -> None:
    """Add the vector and keyword ranks of the search of a follow-up's own words (new articles are added)."""
    for entry in own.values():
        target = articles.setdefault(entry.key, ArticleScore(entry.key))
        target.turn_ranks.extend(rank for rank in (entry.dense_rank, entry.lexical_rank) if rank is not None)


def fuse(
    articles: Mapping[str, ArticleScore], dense_weight: float, lexical_weight: float, rrf_k: int,
    expansion_weight: float = 0.0, turn_weight: float = 0.0,
) -> list[ArticleScore]:
    """Return articles ordered by weighted reciprocal-rank fusion, score normalised so 1.0 = first in both.

    The expansion and follow-up rankings add on top of the normalisation, so the boosts after fusion keep their
    meaning.
    """
    best = (dense_weight + lexical_weight) / (rrf_k + 1) or 1.0
    for entry in articles.values():
        score = 0.0
        for rank in entry.expansion_ranks:
            score += expansion_weight / (rrf_k + rank)
        for rank in entry.turn_ranks:
            score += turn_weight / (rrf_k + rank)
        if entry.dense_rank is not None:
            score += dense_weight / (rrf_k + entry.dense_rank)
        if entry.lexical_rank is not None:
            score += lexical_weight / (rrf_k + entry.lexical_rank)
        entry.fused = score / best
    return sorted(articles.values(), key=lambda e: (-e.fused, e.key))


def evidence(top_dense: float | None, top_coverage: float, dense_weight: float, coverage_weight: float,
             bias: float) -> float:
    """Return a 0..1 confidence that the corpus answers the question.

    A logistic over two signals: the best cosine similarity between the question and any unit (e5
    similarities crowd into 0.82-0.95, so its weight is large), and the share of the question's terms
    present in the best keyword match. Weights are fitted on the development questions, answerable
    against unanswerable (benchmarks/calibrate_evidence.py), so that 0.5 separates them best. A resolved
    direct reference has evidence 1.0 (set by the Retriever). The answer stage declines below
    settings.answer.decline_threshold.
    """
    dense = 0.0 if top_dense is None else top_dense
    z = dense_weight * dense + coverage_weight * top_coverage + bias
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def search_evidence(scores: Mapping[str, ArticleScore], config: RetrievalSettings) -> float:
    """Return the evidence of one search: its best dense similarity, the question's own or the question's restated
    with its legal concepts (病历 -> 医疗健康: the library speaks of what the everyday words name), and its best
    keyword coverage."""
    similarities = (d for s in scores.values() for d in (s.dense, s.concept_dense) if d is not None)
    return evidence(max(similarities, default=None),
                    max((s.coverage for s in scores.values()), default=0.0),
                    config.evidence_dense_weight, config.evidence_coverage_weight, config.evidence_bias)


def demote_local(ranked: list[ArticleScore], local_versions: set[str], weight: float) -> list[ArticleScore]:
    """Return ranked with local documents' scores multiplied by weight: a question naming no place is national."""
    for entry in ranked:
        if entry.key.rpartition("#")[0] in local_versions:
            entry.fused *= weight
    return sorted(ranked, key=lambda e: (-e.fused, e.key))


def raise_to(ranked: list[ArticleScore], key: str, place: int, within: int) -> list[ArticleScore]:
    """Return ranked with key at place (0-based; added when it was not found), unless it is already within the
    first `within` + 1 entries: an article another one leads to is brought up, never pushed down."""
    keys = [e.key for e in ranked]
    if key in keys[: within + 1]:
        return ranked
    moved = ranked.pop(keys.index(key)) if key in keys else ArticleScore(key)
    ranked.insert(place, moved)
    return ranked
