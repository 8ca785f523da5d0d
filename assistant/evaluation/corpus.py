"""Article texts for scoring: which cited articles exist in which version, and what they say."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.evaluation.formats import ArticleRef
from assistant.evaluation.matching import article_key, title_key, version_matches
from assistant.evaluation.metrics import support_overlap
from assistant.protocols import CatalogReader

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


class CatalogArticleIndex(ArticleIndex):
    """Articles read from the catalog on demand, one document at a time: a lawbook of 148k articles stays on disk."""

    def __init__(self, catalog: CatalogReader, *, support_threshold: float = 0.35) -> None:
        super().__init__((), support_threshold=support_threshold)
        self._catalog = catalog
        self._versions: dict[str, list[str]] = {}
        for version in catalog.versions(include_history=True):
            self._versions.setdefault(title_key(version.meta.title), []).append(version.version_id)
        self._loaded: set[str] = set()

    def find(self, ref: ArticleRef) -> list[ArticleEntry]:
        """Return the matching stored versions of the article, loading its document's articles on first use."""
        key = title_key(ref.document)
        if key not in self._loaded:
            self._loaded.add(key)
            for version_id in self._versions.get(key, []):
                for stored in self._catalog.articles(version_id):
                    entry = ArticleEntry(stored.title, stored.article.label, stored.version, stored.article.text)
                    self._by_key.setdefault((key, article_key(entry.article)), []).append(entry)
        return super().find(ref)


def index_from_catalog(catalog_path: Path, *, support_threshold: float = 0.35) -> CatalogArticleIndex:
    """Return an index over every ready version in the catalog at catalog_path, read on demand."""
    from assistant.corpus.catalog import Catalog

    logger.info("scoring catalog=%s", catalog_path)
    return CatalogArticleIndex(Catalog(catalog_path), support_threshold=support_threshold)


def index_from_markdown(folder: Path, *, support_threshold: float = 0.35) -> ArticleIndex:
    """Return the articles of the Markdown regulations in folder, read and parsed as ingestion would."""
    from assistant.parsing.readers import read_source
    from assistant.parsing.structure import parse_document

    entries = []
    for path in sorted(folder.glob("*.md")):
        parsed = parse_document(read_source(path, max_bytes=50 * 1024 * 1024))
        version = parsed.meta.version or parsed.meta.promulgation_date
        entries.extend(ArticleEntry(parsed.meta.title, a.label, version, a.text) for a in parsed.articles)
    return ArticleIndex(entries, support_threshold=support_threshold)
