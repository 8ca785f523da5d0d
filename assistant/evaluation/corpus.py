"""Article texts for scoring: which cited articles exist in which version, and what they say."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.evaluation.formats import ArticleRef
from assistant.evaluation.matching import article_key, title_key, version_matches
from assistant.evaluation.metrics import support_overlap

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArticleEntry:
    """One article of one document version, as scoring needs it."""

    document: str
    article: str
    version: str | None
    text: str


class ArticleIndex:
    """Articles looked up by normalised title and article number, with every version kept."""

    def __init__(self, entries: Iterable[ArticleEntry], *, support_threshold: float = 0.35) -> None:
        self._by_key: dict[tuple[str, object], list[ArticleEntry]] = {}
        self.support_threshold = support_threshold
        for entry in entries:
            self._by_key.setdefault((title_key(entry.document), article_key(entry.article)), []).append(entry)

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._by_key.values())

    def find(self, ref: ArticleRef) -> list[ArticleEntry]:
        """Return the stored versions of the referenced article that match its version (any when it has none)."""
        entries = self._by_key.get((title_key(ref.document), article_key(ref.article)), [])
        return [e for e in entries if version_matches(ref.version, e.version)]

    def exists(self, ref: ArticleRef) -> bool:
        """Return True when the cited article exists in the cited version."""
        return bool(self.find(ref))

    def supports(self, ref: ArticleRef, sentence: str) -> bool:
        """Return True when enough of the sentence's wording comes from the cited article."""
        return any(support_overlap(sentence, e.text) >= self.support_threshold for e in self.find(ref))


def index_from_catalog(catalog_path: Path, *, support_threshold: float = 0.35) -> ArticleIndex:
    """Return the articles of every ready version in the catalog at catalog_path."""
    from assistant.catalog import Catalog

    catalog = Catalog(catalog_path)
    try:
        entries = [ArticleEntry(a.title, a.article.label, a.version, a.article.text) for a in catalog.iter_articles()]
    finally:
        close = getattr(catalog, "close", None)
        if close:
            close()
    logger.info("scoring catalog=%s articles=%d", catalog_path, len(entries))
    return ArticleIndex(entries, support_threshold=support_threshold)


def index_from_markdown(folder: Path, *, support_threshold: float = 0.35) -> ArticleIndex:
    """Return the articles of the Markdown regulations in folder, read and parsed as ingestion would."""
    from assistant.readers import read_source
    from assistant.structure import parse_document

    entries = []
    for path in sorted(folder.glob("*.md")):
        parsed = parse_document(read_source(path, max_bytes=50 * 1024 * 1024))
        version = parsed.meta.version or parsed.meta.promulgation_date
        entries.extend(ArticleEntry(parsed.meta.title, a.label, version, a.text) for a in parsed.articles)
    return ArticleIndex(entries, support_threshold=support_threshold)
