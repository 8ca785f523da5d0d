"""The ranked articles as hits: lookups first, then the fused order, each with its score, paragraphs and ranks."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.protocols import CatalogReader
from assistant.records import Hit, LookupResult
from assistant.retrieval.fusion import ArticleScore
from assistant.settings import RetrievalSettings


def make_hits(
    catalog: CatalogReader, config: RetrievalSettings, lookups: Sequence[LookupResult], ranked: list[ArticleScore],
    scores: dict[str, ArticleScore], top_k: int,
) -> tuple[Hit, ...]:
    """Return up to top_k hits: the articles a question names by number, then the ranking's."""
    hits: list[Hit] = []
    seen: set[str] = set()
    for result in lookups:
        if result.article is not None and result.article.key not in seen:
            seen.add(result.article.key)
            entry = scores.get(result.article.key)
            hits.append(Hit(result.article, 1.0, _paragraphs(entry), *_ranks(entry), via="lookup"))
    wanted = [e for e in ranked if e.key not in seen][: max(0, top_k - len(hits))]
    ceiling = 1.0 + config.mention_boost + config.penalty_boost  # fused score with every boost
    stored = catalog.articles_by_keys([e.key for e in wanted])
    for entry in wanted:
        article = stored.get(entry.key)
        if article is None:
            continue  # the index still holds a version the catalog has dropped; reconcile will clean it
        via = "hybrid" if entry.dense_rank and entry.lexical_rank else (
            "dense" if entry.dense_rank else "lexical" if entry.lexical_rank
            else "expansion" if entry.expansion_ranks or entry.turn_ranks else "linked")
        score = round(min(entry.fused / ceiling, 1.0), 4)
        hits.append(Hit(article, score, _paragraphs(entry), *_ranks(entry), via=via))
    return tuple(hits)


def _paragraphs(entry: ArticleScore | None) -> tuple[int, ...]:
    if entry is None or not entry.paragraphs:
        return ()
    return tuple(sorted(entry.paragraphs, key=lambda p: -entry.paragraphs[p]))[:3]


def _ranks(entry: ArticleScore | None) -> tuple[int | None, int | None]:
    return (entry.dense_rank, entry.lexical_rank) if entry else (None, None)
